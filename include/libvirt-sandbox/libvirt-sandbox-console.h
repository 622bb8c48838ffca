/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <libvirt-gobject/libvirt-gobject.h>

G_BEGIN_DECLS

#define GVIR_SANDBOX_TYPE_CONSOLE (gvir_sandbox_console_get_type())

/**
 * GVirSandboxConsole:
 *
 * The host end of one of a sandbox's consoles. It runs on the GLib main
 * loop of the thread that attached it.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConsole, gvir_sandbox_console, GVIR_SANDBOX, CONSOLE, GObject)

struct _GVirSandboxConsole
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConsoleClass:
 * @parent_class: the parent class
 * @closed: the class handler of the #GVirSandboxConsole::closed signal
 * @attach: connects the console to local streams
 *   (gvir_sandbox_console_attach() and the other attach functions call it)
 * @detach: stops moving data (gvir_sandbox_console_detach())
 *
 * The class structure, laid out as the original's; keep in sync with
 * `ConsoleClass` in src/console/imp.rs.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConsoleClass::closed:
 * @console: a #GVirSandboxConsole
 * @error: %TRUE if the console closed because of an error
 *
 * The class handler of the #GVirSandboxConsole::closed signal.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConsoleClass
{
    GObjectClass parent_class;

    /* signals */
    void (*closed)(GVirSandboxConsole *console, gboolean error);

    /* virtual methods */
    gboolean (*attach)(GVirSandboxConsole *console,
                       GUnixInputStream *localStdin,
                       GUnixOutputStream *localStdout,
                       GUnixOutputStream *localStderr,
                       GError **error);
    gboolean (*detach)(GVirSandboxConsole *console, GError **error);

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConsole:connection:
 *
 * The libvirt connection (construct-only, may be %NULL).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConsole:domain:
 *
 * The sandbox's domain (construct-only).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConsole:devname:
 *
 * The libvirt alias of the console device, e.g. `console1` (construct-only).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConsole:escape:
 *
 * The escape character: when the local stdin is a terminal, Ctrl and this
 * character (default `]`) closes the console.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConsole:direct:
 *
 * Kept for compatibility: local consoles always open the host pty directly.
 *
 * Since: 0.6.0
 */

/**
 * GVirSandboxConsole::closed:
 * @console: the console
 * @error: %TRUE if the console closed because of an error
 *
 * Emitted once when the console stops: after the app's exit status and last
 * output arrived, when the guest end hung up, or on the escape character.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_console_attach:
 * @console: a #GVirSandboxConsole
 * @localStdin: (nullable): where the guest's input comes from
 * @localStdout: (nullable): where the guest's output goes
 * @localStderr: (nullable): where the guest's error output goes
 * @error: return location for a #GError, or %NULL
 *
 * Connects the console to local streams (the console uses duplicates of
 * their descriptors).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_console_attach(GVirSandboxConsole *console,
                                     GUnixInputStream *localStdin,
                                     GUnixOutputStream *localStdout,
                                     GUnixOutputStream *localStderr,
                                     GError **error);

/**
 * gvir_sandbox_console_attach_stdio:
 * @console: a #GVirSandboxConsole
 * @error: return location for a #GError, or %NULL
 *
 * Connects the console to the process's stdin, stdout and stderr.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_console_attach_stdio(GVirSandboxConsole *console, GError **error);

/**
 * gvir_sandbox_console_attach_stderr:
 * @console: a #GVirSandboxConsole
 * @error: return location for a #GError, or %NULL
 *
 * Connects the console's output to the process's stderr only.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_console_attach_stderr(GVirSandboxConsole *console, GError **error);

/**
 * gvir_sandbox_console_detach:
 * @console: a #GVirSandboxConsole
 * @error: return location for a #GError, or %NULL
 *
 * Stops moving data and restores the local terminal. Detaching a console
 * that is not attached succeeds.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_console_detach(GVirSandboxConsole *console, GError **error);

/**
 * gvir_sandbox_console_isolate:
 * @console: a #GVirSandboxConsole
 * @error: return location for a #GError, or %NULL
 *
 * Kept for compatibility; consoles never depend on the connection once attached.
 *
 * Returns: %TRUE
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_console_isolate(GVirSandboxConsole *console, GError **error);

/**
 * gvir_sandbox_console_check_end:
 * @console: a #GVirSandboxConsole
 * @error: return location for a #GError, or %NULL
 *
 * Tells whether the last session ended with the command's own exit status
 * (the one #GVirSandboxConsoleRpc::exited gave). Call it from a
 * #GVirSandboxConsole::closed handler. It fails with
 * %GVIR_SANDBOX_ERROR_GUEST when the guest init could not set the sandbox
 * up and never ran the command (the message is the init's; `exited` gave
 * the init's status 125), and with %GVIR_SANDBOX_ERROR_PROTOCOL when the
 * guest's end closed before any exit status arrived (the sandbox was ended
 * from outside, or its init died).
 *
 * Returns: %TRUE when the session ended with the command's status, is still
 * running, or ended for a local reason (a failed local write, the escape
 * character); %FALSE with @error set otherwise
 *
 * Since: 0.9
 */
gboolean gvir_sandbox_console_check_end(GVirSandboxConsole *console, GError **error);

/**
 * gvir_sandbox_console_set_escape:
 * @console: a #GVirSandboxConsole
 * @escape: the escape character (0 to 127)
 *
 * Sets the escape character (0 to 127) (the #GVirSandboxConsole:escape
 * property).
 *
 * Since: 0.9
 */
void gvir_sandbox_console_set_escape(GVirSandboxConsole *console, gchar escape);

/**
 * gvir_sandbox_console_get_escape:
 * @console: a #GVirSandboxConsole
 *
 * Gets the escape character (the #GVirSandboxConsole:escape property).
 *
 * Returns: the escape character
 *
 * Since: 0.9
 */
gchar gvir_sandbox_console_get_escape(GVirSandboxConsole *console);

/**
 * gvir_sandbox_console_set_direct:
 * @console: a #GVirSandboxConsole
 * @direct: ignored (kept for compatibility)
 *
 * Sets ignored (kept for compatibility) (the #GVirSandboxConsole:direct
 * property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_console_set_direct(GVirSandboxConsole *console, gboolean direct);

/**
 * gvir_sandbox_console_get_direct:
 * @console: a #GVirSandboxConsole
 *
 * Gets the direct property (the #GVirSandboxConsole:direct property).
 *
 * Returns: the direct property
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_console_get_direct(GVirSandboxConsole *console);

#define GVIR_SANDBOX_TYPE_CONSOLE_RAW (gvir_sandbox_console_raw_get_type())

/**
 * GVirSandboxConsoleRaw:
 *
 * A console passing bytes through unchanged: the init log, the debug shell.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConsoleRaw, gvir_sandbox_console_raw, GVIR_SANDBOX, CONSOLE_RAW, GVirSandboxConsole)

struct _GVirSandboxConsoleRaw
{
    GVirSandboxConsole parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConsoleRawClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConsoleRawClass
{
    GVirSandboxConsoleClass parent_class;

    /*< private >*/
    /* Unused: the original's class struct has this slot, but the closed
     * signal's class closure is GVirSandboxConsoleClass.closed. A pointer
     * (not a function type) so that bindings see no second closed method. */
    gpointer closed;

    gpointer padding[20];
};

/**
 * gvir_sandbox_console_raw_new:
 * @connection: (nullable): the libvirt connection
 * @domain: the sandbox's domain
 * @devname: the libvirt alias of the console device
 *
 * Creates a new console.
 *
 * Returns: (transfer full): a new console
 *
 * Since: 0.6.0
 */
GVirSandboxConsoleRaw *gvir_sandbox_console_raw_new(GVirConnection *connection, GVirDomain *domain,
                                                    const gchar *devname);

#define GVIR_SANDBOX_TYPE_CONSOLE_RPC (gvir_sandbox_console_rpc_get_type())

/**
 * GVirSandboxConsoleRpc:
 *
 * The app console of an interactive sandbox: it carries the command's
 * stdin, stdout and stderr as separate streams, then its exit status.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConsoleRpc, gvir_sandbox_console_rpc, GVIR_SANDBOX, CONSOLE_RPC, GVirSandboxConsole)

struct _GVirSandboxConsoleRpc
{
    GVirSandboxConsole parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConsoleRpcClass:
 * @parent_class: the parent class
 * @exited: the class handler of the #GVirSandboxConsoleRpc::exited signal
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConsoleRpcClass::exited:
 * @console: a #GVirSandboxConsoleRpc
 * @status: the wait status of the command
 *
 * The class handler of the #GVirSandboxConsoleRpc::exited signal.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConsoleRpcClass
{
    GVirSandboxConsoleClass parent_class;

    /* signals */
    void (*exited)(GVirSandboxConsoleRpc *console, gint status);

    /*< private >*/
    /* Unused: the original's class struct has this slot, but the closed
     * signal's class closure is GVirSandboxConsoleClass.closed. A pointer
     * (not a function type) so that bindings see no second closed method. */
    gpointer closed;

    gpointer padding[20];
};

/**
 * GVirSandboxConsoleRpc::exited:
 * @console: the console
 * @status: the command's raw wait status, as waitpid() reports it
 *
 * Emitted when the command has ended and all its output has arrived, just
 * before #GVirSandboxConsole::closed. Decode @status with WIFEXITED(),
 * WEXITSTATUS(), WIFSIGNALED() and WTERMSIG().
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_console_rpc_new:
 * @connection: (nullable): the libvirt connection
 * @domain: the sandbox's domain
 * @devname: the libvirt alias of the console device
 *
 * Creates a new console.
 *
 * Returns: (transfer full): a new console
 *
 * Since: 0.6.0
 */
GVirSandboxConsoleRpc *gvir_sandbox_console_rpc_new(GVirConnection *connection, GVirDomain *domain,
                                                    const gchar *devname);

G_END_DECLS
