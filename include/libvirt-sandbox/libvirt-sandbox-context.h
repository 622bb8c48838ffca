/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <gio/gio.h>
#include <libvirt-gobject/libvirt-gobject.h>

G_BEGIN_DECLS

#define GVIR_SANDBOX_TYPE_CONTEXT (gvir_sandbox_context_get_type())

/**
 * GVirSandboxContext:
 *
 * The lifecycle of one sandbox: it prepares a private state directory,
 * builds the libvirt domain from the #GVirSandboxConfig, starts it as a
 * transient domain with a unique name, hands out its consoles, and on stop
 * (or when the context is finalized) removes everything it created.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxContext, gvir_sandbox_context, GVIR_SANDBOX, CONTEXT, GObject)

struct _GVirSandboxContext
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxContextClass:
 * @parent_class: the parent class
 * @start: starts the sandbox (gvir_sandbox_context_start() calls it); the
 *   default builds and starts the transient domain
 * @stop: stops the sandbox (gvir_sandbox_context_stop()); the default
 *   destroys the domain and removes the sandbox's state
 * @attach: attaches to a running sandbox (gvir_sandbox_context_attach());
 *   the default looks the domain up by the config's name
 * @detach: forgets the running domain (gvir_sandbox_context_detach()); the
 *   default leaves the sandbox running
 *
 * The class structure, laid out as the original's; keep in sync with
 * `ContextClass` in src/context/imp.rs. A subclass may override the virtual
 * methods and chain up to the parent class's.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxContextClass
{
    GObjectClass parent_class;

    gboolean (*start)(GVirSandboxContext *ctxt, GError **error);
    gboolean (*stop)(GVirSandboxContext *ctxt, GError **error);
    gboolean (*attach)(GVirSandboxContext *ctxt, GError **error);
    gboolean (*detach)(GVirSandboxContext *ctxt, GError **error);

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxContext:config:
 *
 * The sandbox configuration (construct-only).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxContext:connection:
 *
 * The opened libvirt-gobject connection (construct-only).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxContext:domain:
 *
 * The running sandbox's domain, or %NULL when it is not running.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_context_get_config:
 * @ctxt: a #GVirSandboxContext
 *
 * A context made with g_object_new() without a #GVirSandboxContext:config
 * has none: this then logs a critical warning and returns %NULL, and
 * starting or attaching it fails with %GVIR_SANDBOX_ERROR_INVALID_ARGUMENT.
 *
 * Returns: (transfer full): the sandbox configuration
 *
 * Since: 0.6.0
 */
GVirSandboxConfig *gvir_sandbox_context_get_config(GVirSandboxContext *ctxt);

/**
 * gvir_sandbox_context_get_connection:
 * @ctxt: a #GVirSandboxContext
 *
 * Gets the libvirt connection (the #GVirSandboxContext:connection property).
 *
 * Returns: (transfer full): the libvirt connection
 *
 * Since: 0.6.0
 */
GVirConnection *gvir_sandbox_context_get_connection(GVirSandboxContext *ctxt);

/**
 * gvir_sandbox_context_get_domain:
 * @ctxt: a #GVirSandboxContext
 * @error: return location for a #GError, or %NULL
 *
 * Gets the running sandbox's domain; fails with
 * %GVIR_SANDBOX_ERROR_NOT_RUNNING if the sandbox is not running.
 *
 * Returns: (transfer full): the running sandbox's domain, or %NULL with
 *   @error set (%GVIR_SANDBOX_ERROR_NOT_RUNNING)
 *
 * Since: 0.6.0
 */
GVirDomain *gvir_sandbox_context_get_domain(GVirSandboxContext *ctxt, GError **error);

/**
 * gvir_sandbox_context_start:
 * @ctxt: a #GVirSandboxContext
 * @error: return location for a #GError, or %NULL
 *
 * Starts the sandbox. For an interactive sandbox the command runs once its
 * app console is attached (see gvir_sandbox_context_interactive_get_app_console()).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_context_start(GVirSandboxContext *ctxt, GError **error);

/**
 * gvir_sandbox_context_start_async:
 * @ctxt: a #GVirSandboxContext
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async): called when the sandbox has started
 * @user_data: (closure): data for @callback
 *
 * Starts the sandbox without blocking the thread-default main context:
 * the checks, the state directory and the launch spec are done before this
 * returns; choosing and caching a virtual machine's kernel and initrd and
 * libvirt's domain creation run on worker threads. Until @callback runs,
 * another start or stop of @ctxt fails with
 * %GVIR_SANDBOX_ERROR_ALREADY_RUNNING. Cancelling @cancellable before the
 * domain exists stops the start; once it exists, it is destroyed again.
 * Call it from the thread that runs the thread-default main context.
 * Finish with gvir_sandbox_context_start_finish(). A subclass that
 * overrides the @start virtual method has its override called instead,
 * synchronously, before this returns.
 *
 * Since: 0.9
 */
void gvir_sandbox_context_start_async(GVirSandboxContext *ctxt, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);

/**
 * gvir_sandbox_context_start_finish:
 * @ctxt: a #GVirSandboxContext
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes a start begun with gvir_sandbox_context_start_async().
 *
 * Returns: %TRUE if the sandbox started, %FALSE with @error set
 *
 * Since: 0.9
 */
gboolean gvir_sandbox_context_start_finish(GVirSandboxContext *ctxt, GAsyncResult *result, GError **error);

/**
 * gvir_sandbox_context_stop:
 * @ctxt: a #GVirSandboxContext
 * @error: return location for a #GError, or %NULL
 *
 * Stops the sandbox (if its domain still runs) and removes its state.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *   (%GVIR_SANDBOX_ERROR_NOT_RUNNING if it was not started)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_context_stop(GVirSandboxContext *ctxt, GError **error);

/**
 * gvir_sandbox_context_stop_async:
 * @ctxt: a #GVirSandboxContext
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async): called when the sandbox has stopped
 * @user_data: (closure): data for @callback
 *
 * Stops the sandbox without blocking the thread-default main context: the
 * context lets go of the domain before this returns, and libvirt destroys
 * it on a worker thread. Finish with gvir_sandbox_context_stop_finish().
 * A subclass that overrides the @stop virtual method has its override
 * called instead, synchronously, before this returns.
 *
 * Since: 0.9
 */
void gvir_sandbox_context_stop_async(GVirSandboxContext *ctxt, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);

/**
 * gvir_sandbox_context_stop_finish:
 * @ctxt: a #GVirSandboxContext
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes a stop begun with gvir_sandbox_context_stop_async().
 *
 * Returns: %TRUE if the sandbox stopped, %FALSE with @error set
 *
 * Since: 0.9
 */
gboolean gvir_sandbox_context_stop_finish(GVirSandboxContext *ctxt, GAsyncResult *result, GError **error);

/**
 * gvir_sandbox_context_attach:
 * @ctxt: a #GVirSandboxContext
 * @error: return location for a #GError, or %NULL
 *
 * Attaches to a running domain named like the config.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_context_attach(GVirSandboxContext *ctxt, GError **error);

/**
 * gvir_sandbox_context_detach:
 * @ctxt: a #GVirSandboxContext
 * @error: return location for a #GError, or %NULL
 *
 * Forgets the running domain without stopping it.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_context_detach(GVirSandboxContext *ctxt, GError **error);

/**
 * gvir_sandbox_context_is_attached:
 * @ctxt: a #GVirSandboxContext
 *
 * Tells whether the context has a running domain (after a start or an
 * attach, before a stop or a detach).
 *
 * Returns: whether the context has a running domain
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_context_is_attached(GVirSandboxContext *ctxt);

/**
 * gvir_sandbox_context_get_log_console:
 * @ctxt: a #GVirSandboxContext
 * @error: return location for a #GError, or %NULL
 *
 * Creates a console for the running sandbox's log, the guest init's
 * messages: a #GVirSandboxConsoleRaw.
 *
 * Returns: (transfer full): a new console carrying the guest init's messages,
 *   or %NULL with @error set
 *
 * Since: 0.6.0
 */
GVirSandboxConsole *gvir_sandbox_context_get_log_console(GVirSandboxContext *ctxt, GError **error);

/**
 * gvir_sandbox_context_get_shell_console:
 * @ctxt: a #GVirSandboxContext
 * @error: return location for a #GError, or %NULL
 *
 * Creates a console for the root debug shell of the running sandbox (see
 * #GVirSandboxConfig:shell): a #GVirSandboxConsoleRaw.
 *
 * Returns: (transfer full): a new console with the root debug shell (the
 *   config's shell property must be set), or %NULL with @error set
 *
 * Since: 0.6.0
 */
GVirSandboxConsole *gvir_sandbox_context_get_shell_console(GVirSandboxContext *ctxt, GError **error);

#define GVIR_SANDBOX_TYPE_CONTEXT_INTERACTIVE (gvir_sandbox_context_interactive_get_type())

/**
 * GVirSandboxContextInteractive:
 *
 * The context of an interactive sandbox: its command's standard input,
 * output and error are reached through the app console.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxContextInteractive, gvir_sandbox_context_interactive, GVIR_SANDBOX, CONTEXT_INTERACTIVE, GVirSandboxContext)

struct _GVirSandboxContextInteractive
{
    GVirSandboxContext parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxContextInteractiveClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxContextInteractiveClass
{
    GVirSandboxContextClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * gvir_sandbox_context_interactive_new:
 * @connection: an opened libvirt connection
 * @config: the sandbox configuration
 *
 * Creates a new context.
 *
 * Returns: (transfer full): a new context
 *
 * Since: 0.6.0
 */
GVirSandboxContextInteractive *gvir_sandbox_context_interactive_new(GVirConnection *connection,
                                                                    GVirSandboxConfigInteractive *config);

/**
 * gvir_sandbox_context_interactive_get_app_console:
 * @ctxt: a #GVirSandboxContextInteractive
 * @error: return location for a #GError, or %NULL
 *
 * Creates the console of the sandbox's command: a #GVirSandboxConsoleRpc
 * that carries its input and output and reports its exit status with
 * #GVirSandboxConsoleRpc::exited.
 *
 * Returns: (transfer full): a new console for the command's stdio and exit
 *   status, or %NULL with @error set
 *
 * Since: 0.6.0
 */
GVirSandboxConsole *gvir_sandbox_context_interactive_get_app_console(GVirSandboxContextInteractive *ctxt,
                                                                     GError **error);

#define GVIR_SANDBOX_TYPE_CONTEXT_SERVICE (gvir_sandbox_context_service_get_type())

/**
 * GVirSandboxContextService:
 *
 * The context of a service sandbox: a persistent libvirt domain defined
 * from a #GVirSandboxConfigService with gvir_sandbox_context_service_define(),
 * started and stopped with gvir_sandbox_context_start() and
 * gvir_sandbox_context_stop() (or by libvirt: `virsh start NAME`), and
 * removed with gvir_sandbox_context_service_undefine(). Its configuration
 * and boot files live in `/etc/libvirt-sandbox/services/NAME/` (the saved
 * config in `config/sandbox.cfg`), its data in
 * `/var/lib/libvirt/filesystems/NAME/`; both are root's only. The command
 * runs with its stdin on `/dev/null` and its output on the log console;
 * the domain ends with it. Finalizing the context leaves the service
 * running.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxContextService, gvir_sandbox_context_service, GVIR_SANDBOX, CONTEXT_SERVICE, GVirSandboxContext)

struct _GVirSandboxContextService
{
    GVirSandboxContext parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxContextServiceClass:
 * @parent_class: the parent class
 * @define: defines the service (its directories and persistent domain);
 *   gvir_sandbox_context_service_define() calls it. The default does the
 *   work; an override may chain up to it.
 * @undefine: undefines the service and removes its directories;
 *   gvir_sandbox_context_service_undefine() calls it.
 *
 * The class structure; keep in sync with `ContextServiceClass` in
 * src/context/service.rs (the original's layout).
 *
 * Since: 0.6.0
 */
struct _GVirSandboxContextServiceClass
{
    GVirSandboxContextClass parent_class;

    gboolean (*define)(GVirSandboxContextService *ctxt, GError **error);
    gboolean (*undefine)(GVirSandboxContextService *ctxt, GError **error);

    /*< private >*/
    gpointer padding[20];
};

/**
 * gvir_sandbox_context_service_new:
 * @connection: an opened libvirt connection (`lxc:///` or `qemu:///system`)
 * @config: the service's configuration
 *
 * Creates a new context.
 *
 * Returns: (transfer full): a new context
 *
 * Since: 0.6.0
 */
GVirSandboxContextService *gvir_sandbox_context_service_new(GVirConnection *connection,
                                                            GVirSandboxConfigService *config);

/**
 * gvir_sandbox_context_service_define:
 * @ctxt: a #GVirSandboxContextService
 * @error: return location for a #GError, or %NULL
 *
 * Defines the service: creates its directories and its persistent libvirt
 * domain. Needs root; the name must not be in use by a domain or another
 * service.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_context_service_define(GVirSandboxContextService *ctxt, GError **error);

/**
 * gvir_sandbox_context_service_undefine:
 * @ctxt: a #GVirSandboxContextService
 * @error: return location for a #GError, or %NULL
 *
 * Undefines the service: destroys its domain if it runs, undefines it and
 * removes its configuration and data directories.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_context_service_undefine(GVirSandboxContextService *ctxt, GError **error);

G_END_DECLS
