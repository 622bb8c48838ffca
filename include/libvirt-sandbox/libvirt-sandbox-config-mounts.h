/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

G_BEGIN_DECLS

/* GVirSandboxConfig methods for mounts and host includes. */

/**
 * gvir_sandbox_config_add_mount:
 * @config: a #GVirSandboxConfig
 * @mnt: (transfer none): the mount to append
 *
 * Appends a mount; mounts are set up in the order they were added.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_add_mount(GVirSandboxConfig *config,
                                   GVirSandboxConfigMount *mnt);

/**
 * gvir_sandbox_config_get_mounts:
 * @config: a #GVirSandboxConfig
 *
 * Lists the mounts in the order they were added.
 *
 * Returns: (transfer full) (element-type GVirSandboxConfigMount): a new
 *   list of the mounts in the order they were added; free with
 *   `g_list_free_full(list, g_object_unref)`
 *
 * Since: 0.6.0
 */
GList *gvir_sandbox_config_get_mounts(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_get_mounts_with_type:
 * @config: a #GVirSandboxConfig
 * @type: a mount class, e.g. %GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_BIND
 *
 * Returns the mounts whose class is exactly @type (subclasses of @type do
 * not match).
 *
 * Returns: (transfer full) (element-type GVirSandboxConfigMount): a new
 *   list of the matching mounts in the order they were added; free with
 *   `g_list_free_full(list, g_object_unref)`
 *
 * Since: 0.6.0
 */
GList *gvir_sandbox_config_get_mounts_with_type(GVirSandboxConfig *config,
                                                GType type);

/**
 * gvir_sandbox_config_find_mount:
 * @config: a #GVirSandboxConfig
 * @target: a guest directory
 *
 * Finds the first mount whose target is exactly @target.
 *
 * Returns: (transfer full) (nullable): the mount, or %NULL
 *
 * Since: 0.6.0
 */
GVirSandboxConfigMount *gvir_sandbox_config_find_mount(GVirSandboxConfig *config,
                                                       const gchar *target);

/**
 * gvir_sandbox_config_has_mounts:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether the config has any mount.
 *
 * Returns: whether the config has any mount
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_has_mounts(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_has_mounts_with_type:
 * @config: a #GVirSandboxConfig
 * @type: a mount class
 *
 * Tells whether the config has a mount whose class is exactly @type.
 *
 * Returns: whether the config has a mount whose class is exactly @type
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_has_mounts_with_type(GVirSandboxConfig *config,
                                                  GType type);

/**
 * gvir_sandbox_config_has_root_mount:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether a mount replaces the sandbox's `/`.
 *
 * Returns: whether a mount replaces the sandbox's `/`
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_has_root_mount(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_add_mount_opts:
 * @config: a #GVirSandboxConfig
 * @mount: a mount option string `TYPE:TARGET=SOURCE`, with TYPE
 *   `host-bind`, `host-image`, `guest-bind` or `ram` (or an unambiguous
 *   prefix of one), e.g. `host-bind:/tmp=/var/lib/sandbox/demo/tmp`,
 *   `host-bind:/tmp=` (a fresh empty temporary directory),
 *   `host-image:/=/var/lib/sandbox/demo.qcow2,format=qcow2` (the format is
 *   guessed from the extension if not given), `guest-bind:/home=/tmp/home`,
 *   `ram:/tmp=500M` (a size with an optional K, M or G suffix)
 * @error: return location for a #GError, or %NULL
 *
 * Parses @mount and appends the mount it describes.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%GVIR_SANDBOX_ERROR_INVALID_MOUNT)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_add_mount_opts(GVirSandboxConfig *config,
                                            const gchar *mount,
                                            GError **error);

/**
 * gvir_sandbox_config_add_mount_strv:
 * @config: a #GVirSandboxConfig
 * @mounts: (array zero-terminated=1) (transfer none): mount option strings
 * @error: return location for a #GError, or %NULL
 *
 * Adds one mount per string, as gvir_sandbox_config_add_mount_opts();
 * stops at the first invalid one (earlier ones stay added).
 *
 * Returns: %TRUE on success, %FALSE with @error set (%GVIR_SANDBOX_ERROR_INVALID_MOUNT)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_add_mount_strv(GVirSandboxConfig *config,
                                            gchar **mounts,
                                            GError **error);

/**
 * gvir_sandbox_config_add_host_include_strv:
 * @config: a #GVirSandboxConfig
 * @includes: (array zero-terminated=1) (transfer none): include strings
 *   `GUEST-PATH[=HOST-PATH]` (the host path defaults to the guest path)
 * @error: return location for a #GError, or %NULL
 *
 * Records each include on the mount whose target contains GUEST-PATH (the
 * longest such target), relative to that target. Stops at the first
 * invalid one (earlier ones stay added).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *   (%GVIR_SANDBOX_ERROR_INVALID_INCLUDE, e.g. when no mount contains the path)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_add_host_include_strv(GVirSandboxConfig *config,
                                                   gchar **includes,
                                                   GError **error);

/**
 * gvir_sandbox_config_add_host_include_file:
 * @config: a #GVirSandboxConfig
 * @includefile: (type filename): a file holding one include
 *   `GUEST-PATH[=HOST-PATH]` per line (blank lines and `#` comments are
 *   skipped)
 * @error: return location for a #GError, or %NULL
 *
 * Reads @includefile and records its includes like
 * gvir_sandbox_config_add_host_include_strv().
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *   (%GVIR_SANDBOX_ERROR_IO if the file cannot be read,
 *   %GVIR_SANDBOX_ERROR_INVALID_INCLUDE otherwise)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_add_host_include_file(GVirSandboxConfig *config,
                                                   const gchar *includefile,
                                                   GError **error);

G_END_DECLS
