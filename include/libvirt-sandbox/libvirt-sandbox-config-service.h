/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

G_BEGIN_DECLS

#define GVIR_SANDBOX_TYPE_CONFIG_SERVICE (gvir_sandbox_config_service_get_type())

/**
 * GVirSandboxConfigService:
 *
 * The abstract base of service sandboxes: long-running sandboxes defined
 * persistently in libvirt.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigService, gvir_sandbox_config_service, GVIR_SANDBOX, CONFIG_SERVICE, GVirSandboxConfig)

struct _GVirSandboxConfigService
{
    GVirSandboxConfig parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigServiceClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigServiceClass
{
    GVirSandboxConfigClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

#define GVIR_SANDBOX_TYPE_CONFIG_SERVICE_GENERIC (gvir_sandbox_config_service_generic_get_type())

/**
 * GVirSandboxConfigServiceGeneric:
 *
 * A service sandbox running a given command.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigServiceGeneric, gvir_sandbox_config_service_generic, GVIR_SANDBOX, CONFIG_SERVICE_GENERIC, GVirSandboxConfigService)

struct _GVirSandboxConfigServiceGeneric
{
    GVirSandboxConfigService parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigServiceGenericClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigServiceGenericClass
{
    GVirSandboxConfigServiceClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * gvir_sandbox_config_service_generic_new:
 * @name: the sandbox name
 *
 * Creates a new config running `/bin/sh` by default.
 *
 * Returns: (transfer full): a new config running `/bin/sh` by default
 *
 * Since: 0.6.0
 */
GVirSandboxConfigServiceGeneric *gvir_sandbox_config_service_generic_new(const gchar *name);

/**
 * gvir_sandbox_config_service_generic_set_command:
 * @config: a #GVirSandboxConfigServiceGeneric
 * @argv: (array zero-terminated=1) (transfer none): the command line
 *
 * Sets the command line.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_service_generic_set_command(GVirSandboxConfigServiceGeneric *config, gchar **argv);

#define GVIR_SANDBOX_TYPE_CONFIG_SERVICE_SYSTEMD (gvir_sandbox_config_service_systemd_get_type())

/**
 * GVirSandboxConfigServiceSystemd:
 *
 * A service sandbox booting systemd to a target unit.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigServiceSystemd, gvir_sandbox_config_service_systemd, GVIR_SANDBOX, CONFIG_SERVICE_SYSTEMD, GVirSandboxConfigService)

struct _GVirSandboxConfigServiceSystemd
{
    GVirSandboxConfigService parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigServiceSystemdClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigServiceSystemdClass
{
    GVirSandboxConfigServiceClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigServiceSystemd:boot-target:
 *
 * The systemd unit the sandbox boots (default `multi-user.target`).
 *
 * Since: 0.9
 */

/**
 * gvir_sandbox_config_service_systemd_new:
 * @name: the sandbox name
 *
 * Creates a new config booting `multi-user.target`.
 *
 * Returns: (transfer full): a new config booting `multi-user.target`
 *
 * Since: 0.6.0
 */
GVirSandboxConfigServiceSystemd *gvir_sandbox_config_service_systemd_new(const gchar *name);

/**
 * gvir_sandbox_config_service_systemd_get_boot_target:
 * @config: a #GVirSandboxConfigServiceSystemd
 *
 * Gets the boot target unit (the
 * #GVirSandboxConfigServiceSystemd:boot-target property).
 *
 * Returns: (transfer none): the boot target unit
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_service_systemd_get_boot_target(GVirSandboxConfigServiceSystemd *config);

/**
 * gvir_sandbox_config_service_systemd_set_boot_target:
 * @config: a #GVirSandboxConfigServiceSystemd
 * @target: the boot target unit, e.g. `multi-user.target`
 *
 * Sets the boot target unit, e.g. `multi-user.target` (the
 * #GVirSandboxConfigServiceSystemd:boot-target property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_service_systemd_set_boot_target(GVirSandboxConfigServiceSystemd *config, const gchar *target);

G_END_DECLS
