/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define GVIR_SANDBOX_TYPE_CONFIG_INITRD (gvir_sandbox_config_initrd_get_type())

/**
 * GVirSandboxConfigInitrd:
 *
 * What goes into the initrd of a virtual-machine sandbox: the program run as
 * `/init`, the kernel release and module directory, and the modules to load.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigInitrd, gvir_sandbox_config_initrd, GVIR_SANDBOX, CONFIG_INITRD, GObject)

struct _GVirSandboxConfigInitrd
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigInitrdClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigInitrdClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigInitrd:kver:
 *
 * The kernel release the modules belong to.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigInitrd:kmoddir:
 *
 * The full path of the kernel modules directory.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigInitrd:init:
 *
 * The host path of the program run as the initrd's `/init` (default: the
 * installed `libvirt-sandbox-init-qemu`).
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_initrd_new:
 *
 * Creates a new, empty initrd description.
 *
 * Returns: (transfer full): a new, empty initrd description
 *
 * Since: 0.6.0
 */
GVirSandboxConfigInitrd *gvir_sandbox_config_initrd_new(void);

/**
 * gvir_sandbox_config_initrd_get_kver:
 * @config: a #GVirSandboxConfigInitrd
 *
 * Gets the kernel release (the #GVirSandboxConfigInitrd:kver property).
 *
 * Returns: (transfer none) (nullable): the kernel release
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_initrd_get_kver(GVirSandboxConfigInitrd *config);

/**
 * gvir_sandbox_config_initrd_set_kver:
 * @config: a #GVirSandboxConfigInitrd
 * @version: the kernel release
 *
 * Sets the kernel release (the #GVirSandboxConfigInitrd:kver property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_initrd_set_kver(GVirSandboxConfigInitrd *config, const gchar *version);

/**
 * gvir_sandbox_config_initrd_get_kmoddir:
 * @config: a #GVirSandboxConfigInitrd
 *
 * Gets the kernel modules directory (the #GVirSandboxConfigInitrd:kmoddir
 * property).
 *
 * Returns: (transfer none) (nullable): the kernel modules directory
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_initrd_get_kmoddir(GVirSandboxConfigInitrd *config);

/**
 * gvir_sandbox_config_initrd_set_kmoddir:
 * @config: a #GVirSandboxConfigInitrd
 * @kmoddir: the full path of the kernel modules directory
 *
 * Sets the full path of the kernel modules directory (the
 * #GVirSandboxConfigInitrd:kmoddir property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_initrd_set_kmoddir(GVirSandboxConfigInitrd *config, const gchar *kmoddir);

/**
 * gvir_sandbox_config_initrd_get_init:
 * @config: a #GVirSandboxConfigInitrd
 *
 * Gets the host path of the init program (the #GVirSandboxConfigInitrd:init
 * property).
 *
 * Returns: (transfer none): the host path of the init program
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_initrd_get_init(GVirSandboxConfigInitrd *config);

/**
 * gvir_sandbox_config_initrd_set_init:
 * @config: a #GVirSandboxConfigInitrd
 * @hostpath: the host path of the init program
 *
 * Sets the host path of the init program (the #GVirSandboxConfigInitrd:init
 * property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_initrd_set_init(GVirSandboxConfigInitrd *config, const gchar *hostpath);

/**
 * gvir_sandbox_config_initrd_add_module:
 * @config: a #GVirSandboxConfigInitrd
 * @modname: a module file name, e.g. `virtio_pci.ko`
 *
 * Adds a module to load at boot; modules load in the order they were added.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_initrd_add_module(GVirSandboxConfigInitrd *config, const gchar *modname);

/**
 * gvir_sandbox_config_initrd_get_modules:
 * @config: a #GVirSandboxConfigInitrd
 *
 * Gets the modules, in load order.
 *
 * Returns: (transfer container) (element-type utf8): the modules, in load
 *   order; free the list with g_list_free(), not its strings (the config's)
 *
 * Since: 0.6.0
 */
GList *gvir_sandbox_config_initrd_get_modules(GVirSandboxConfigInitrd *config);

G_END_DECLS
