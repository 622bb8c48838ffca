/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

G_BEGIN_DECLS

/* GVirSandboxConfig methods for network interfaces and disks. */

/**
 * gvir_sandbox_config_add_network:
 * @config: a #GVirSandboxConfig
 * @network: (transfer none): the network interface to append
 *
 * Appends the network interface @network to the networks of @config.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_add_network(GVirSandboxConfig *config,
                                     GVirSandboxConfigNetwork *network);

/**
 * gvir_sandbox_config_get_networks:
 * @config: a #GVirSandboxConfig
 *
 * Lists the network interfaces in the order they were added.
 *
 * Returns: (transfer full) (element-type GVirSandboxConfigNetwork): a new
 *   list of the network interfaces in the order they were added; free with
 *   `g_list_free_full(list, g_object_unref)`
 *
 * Since: 0.6.0
 */
GList *gvir_sandbox_config_get_networks(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_add_network_opts:
 * @config: a #GVirSandboxConfig
 * @network: a comma-separated network option string: `dhcp`, `source=NAME`,
 *   `mac=NN:NN:NN:NN:NN:NN`, `address=IP[/PREFIX][%BROADCAST]`,
 *   `route=NET[/PREFIX]%GATEWAY`, `filter=NAME`, `filter.KEY=VALUE`
 *   (e.g. `dhcp,source=default` or
 *   `address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3`)
 * @error: return location for a #GError, or %NULL
 *
 * Parses @network and appends the interface it describes. Unlike
 * gvir_sandbox_config_network_new(), DHCP is off unless `dhcp` is given.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%GVIR_SANDBOX_ERROR_INVALID_NETWORK)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_add_network_opts(GVirSandboxConfig *config,
                                              const gchar *network,
                                              GError **error);

/**
 * gvir_sandbox_config_add_network_strv:
 * @config: a #GVirSandboxConfig
 * @networks: (array zero-terminated=1) (transfer none): network option strings
 * @error: return location for a #GError, or %NULL
 *
 * Adds one interface per string; stops at the first invalid one (earlier
 * ones stay added).
 *
 * Returns: %TRUE on success, %FALSE with @error set (%GVIR_SANDBOX_ERROR_INVALID_NETWORK)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_add_network_strv(GVirSandboxConfig *config,
                                              gchar **networks,
                                              GError **error);

/**
 * gvir_sandbox_config_has_networks:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether the config has any network interface.
 *
 * Returns: whether the config has any network interface
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_has_networks(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_add_disk:
 * @config: a #GVirSandboxConfig
 * @disk: (transfer none): the disk to add; its tag must not be used by
 *   another disk of @config (a critical is logged and nothing is added
 *   otherwise)
 *
 * Appends the disk @dsk to the disks of @config.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_add_disk(GVirSandboxConfig *config,
                                  GVirSandboxConfigDisk *disk);

/**
 * gvir_sandbox_config_get_disks:
 * @config: a #GVirSandboxConfig
 *
 * Lists the disks in the order they were added.
 *
 * Returns: (transfer full) (element-type GVirSandboxConfigDisk): a new list
 *   of the disks in the order they were added; free with
 *   `g_list_free_full(list, g_object_unref)`
 *
 * Since: 0.9
 */
GList *gvir_sandbox_config_get_disks(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_add_disk_opts:
 * @config: a #GVirSandboxConfig
 * @disk: a disk option string `TYPE:TAG=SOURCE[,format=FORMAT]`, e.g.
 *   `file:cache=/var/lib/sandbox/demo/tmp.qcow2,format=qcow2`; only the
 *   `file` type is accepted, and without `format=` it is guessed from the
 *   file name extension (`raw` if unknown)
 * @error: return location for a #GError, or %NULL
 *
 * Parses a disk specification, as the `--disk` option of virt-sandbox takes
 * it, and appends the disk to @config.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *   (%GVIR_SANDBOX_ERROR_INVALID_DISK, also when the tag is already used)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_add_disk_opts(GVirSandboxConfig *config,
                                           const gchar *disk,
                                           GError **error);

/**
 * gvir_sandbox_config_add_disk_strv:
 * @config: a #GVirSandboxConfig
 * @disks: (array zero-terminated=1) (transfer none): disk option strings
 * @error: return location for a #GError, or %NULL
 *
 * Adds one disk per string; stops at the first invalid one (earlier ones
 * stay added).
 *
 * Returns: %TRUE on success, %FALSE with @error set (%GVIR_SANDBOX_ERROR_INVALID_DISK)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_add_disk_strv(GVirSandboxConfig *config,
                                           gchar **disks,
                                           GError **error);

/**
 * gvir_sandbox_config_has_disks:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether the config has any disk.
 *
 * Returns: whether the config has any disk
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_has_disks(GVirSandboxConfig *config);

G_END_DECLS
