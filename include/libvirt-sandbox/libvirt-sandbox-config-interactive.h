/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

G_BEGIN_DECLS

#define GVIR_SANDBOX_TYPE_CONFIG_INTERACTIVE (gvir_sandbox_config_interactive_get_type())

/**
 * GVirSandboxConfigInteractive:
 *
 * A sandbox that runs one command with its standard input, output and error
 * connected to the caller, and ends when the command ends.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigInteractive, gvir_sandbox_config_interactive, GVIR_SANDBOX, CONFIG_INTERACTIVE, GVirSandboxConfig)

struct _GVirSandboxConfigInteractive
{
    GVirSandboxConfig parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigInteractiveClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigInteractiveClass
{
    GVirSandboxConfigClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigInteractive:tty:
 *
 * Whether the command gets a terminal (a pty in the guest) instead of pipes.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_interactive_new:
 * @name: the sandbox name
 *
 * Creates the config of a sandbox running `/bin/sh` until
 * gvir_sandbox_config_interactive_set_command() says otherwise.
 *
 * Returns: (transfer full): a new config
 *
 * Since: 0.6.0
 */
GVirSandboxConfigInteractive *gvir_sandbox_config_interactive_new(const gchar *name);

/**
 * gvir_sandbox_config_interactive_set_tty:
 * @config: a #GVirSandboxConfigInteractive
 * @tty: whether the command gets a terminal
 *
 * Sets whether the command gets a terminal (the
 * #GVirSandboxConfigInteractive:tty property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_interactive_set_tty(GVirSandboxConfigInteractive *config, gboolean tty);

/**
 * gvir_sandbox_config_interactive_get_tty:
 * @config: a #GVirSandboxConfigInteractive
 *
 * Tells whether the command gets a terminal.
 *
 * Returns: whether the command gets a terminal
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_interactive_get_tty(GVirSandboxConfigInteractive *config);

/**
 * gvir_sandbox_config_interactive_set_command:
 * @config: a #GVirSandboxConfigInteractive
 * @argv: (array zero-terminated=1) (transfer none): the command line; argv[0] is looked up in `PATH`
 *
 * Sets the command line; argv[0] is looked up in `PATH`.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_interactive_set_command(GVirSandboxConfigInteractive *config, gchar **argv);

G_END_DECLS
