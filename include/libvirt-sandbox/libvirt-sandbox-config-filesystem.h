/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>
#include <libvirt-sandbox/libvirt-sandbox-config.h>

G_BEGIN_DECLS

/**
 * SECTION:libvirt-sandbox-config-filesystem
 * @short_description: How a virtual machine's root reaches the guest
 *
 * A virtual-machine sandbox sees the host's root (or the config's
 * #GVirSandboxConfig:root) through a shared file system: virtio-fs, served
 * by a `virtiofsd` daemon libvirt starts for the sandbox (read-only,
 * enforced by the daemon, cached in the guest), or virtio-9p, served by
 * QEMU itself. The #GVirSandboxConfig:filesystem-backend property chooses;
 * the default, %GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO, takes virtio-fs
 * when a usable virtiofsd is found (#GVirSandboxConfig:virtiofsd, then
 * `$LIBVIRT_SANDBOX_VIRTIOFSD`, then `/usr/libexec/virtiofsd`,
 * `/usr/local/libexec/virtiofsd`, `/usr/local/bin/virtiofsd`, `$PATH` and
 * `/usr/lib/qemu/virtiofsd`) on qemu:///system, else 9p. Writable host
 * binds are virtio-fs shares with either backend. Containers ignore both
 * properties.
 *
 * Since: 0.9
 */

/**
 * GVirSandboxConfig:filesystem-backend:
 *
 * How a virtual machine's root, init helpers and state directory reach the
 * guest (a #GVirSandboxConfigFilesystemBackend; default
 * %GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO). Containers ignore it.
 *
 * Since: 0.9
 */
/**
 * GVirSandboxConfig:virtiofsd:
 *
 * The virtiofsd executable that serves a virtual machine's virtio-fs
 * shares, or %NULL (the default) to search for it.
 *
 * Since: 0.9
 */

/**
 * GVirSandboxConfigFilesystemBackend:
 *
 * How a virtual machine's root, init helpers and state directory reach the
 * guest. The numeric values are stable.
 *
 * Since: 0.9
 */
typedef enum {
    /**
     * GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO:
     *
     * virtio-fs when virtiofsd is found and usable, else virtio-9p.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO = 0,
    /**
     * GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_P9:
     *
     * virtio-9p, served by QEMU.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_P9 = 1,
    /**
     * GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_VIRTIOFS:
     *
     * virtio-fs, served by virtiofsd; starting fails when it cannot be used.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_VIRTIOFS = 2,
} GVirSandboxConfigFilesystemBackend;

/**
 * GVIR_SANDBOX_TYPE_CONFIG_FILESYSTEM_BACKEND:
 *
 * The #GType of #GVirSandboxConfigFilesystemBackend.
 *
 * Since: 0.9
 */
#define GVIR_SANDBOX_TYPE_CONFIG_FILESYSTEM_BACKEND (gvir_sandbox_config_filesystem_backend_get_type())

/**
 * gvir_sandbox_config_filesystem_backend_get_type:
 *
 * Returns: the #GType of #GVirSandboxConfigFilesystemBackend
 *
 * Since: 0.9
 */
GType gvir_sandbox_config_filesystem_backend_get_type(void);

/**
 * gvir_sandbox_config_set_filesystem_backend:
 * @config: (transfer none): the sandbox configuration
 * @backend: how the virtual machine's root reaches the guest
 *
 * Sets the #GVirSandboxConfig:filesystem-backend property. A value that is
 * not a member of #GVirSandboxConfigFilesystemBackend is refused with a
 * critical warning.
 *
 * Since: 0.9
 */
void gvir_sandbox_config_set_filesystem_backend(GVirSandboxConfig *config,
                                                GVirSandboxConfigFilesystemBackend backend);

/**
 * gvir_sandbox_config_get_filesystem_backend:
 * @config: (transfer none): the sandbox configuration
 *
 * Gets how a virtual machine's root reaches the guest (the
 * #GVirSandboxConfig:filesystem-backend property).
 *
 * Returns: the #GVirSandboxConfig:filesystem-backend property
 * (%GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO by default)
 *
 * Since: 0.9
 */
GVirSandboxConfigFilesystemBackend gvir_sandbox_config_get_filesystem_backend(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_virtiofsd:
 * @config: (transfer none): the sandbox configuration
 * @path: (nullable): the virtiofsd executable, or %NULL to search for it
 *
 * Sets the #GVirSandboxConfig:virtiofsd property: the virtio-fs daemon a
 * virtual machine's shares are served by. With %NULL it is searched (see
 * the section's description).
 *
 * Since: 0.9
 */
void gvir_sandbox_config_set_virtiofsd(GVirSandboxConfig *config,
                                       const gchar *path);

/**
 * gvir_sandbox_config_get_virtiofsd:
 * @config: (transfer none): the sandbox configuration
 *
 * Gets the virtiofsd executable set with
 * gvir_sandbox_config_set_virtiofsd().
 *
 * Returns: (transfer none) (nullable): the #GVirSandboxConfig:virtiofsd
 * property, or %NULL when it is searched
 *
 * Since: 0.9
 */
const gchar *gvir_sandbox_config_get_virtiofsd(GVirSandboxConfig *config);

G_END_DECLS
