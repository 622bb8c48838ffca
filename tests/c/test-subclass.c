/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Subclasses written in C, as a program built against the original would
 * write them: each overrides virtual methods through the class struct, and
 * the public entry points (gvir_sandbox_context_start() ...) must call the
 * override; chaining up through the parent class reaches the library's
 * default. Nothing here starts a sandbox.
 */
#include <string.h>

#include <libvirt-sandbox/libvirt-sandbox.h>

/* ---- a context ---------------------------------------------------------- */

typedef struct {
    GVirSandboxContextInteractive parent;
    int starts;
    int stops;
    int detaches;
} TestContext;

typedef struct {
    GVirSandboxContextInteractiveClass parent_class;
} TestContextClass;

GType test_context_get_type(void);
G_DEFINE_TYPE(TestContext, test_context, GVIR_SANDBOX_TYPE_CONTEXT_INTERACTIVE)

static gboolean
test_context_start(GVirSandboxContext *ctxt, GError **error G_GNUC_UNUSED)
{
    ((TestContext *)ctxt)->starts++;
    return TRUE;
}

static gboolean
test_context_stop(GVirSandboxContext *ctxt, GError **error)
{
    ((TestContext *)ctxt)->stops++;
    /* Chain up: the default refuses a sandbox that is not running. */
    return GVIR_SANDBOX_CONTEXT_CLASS(test_context_parent_class)->stop(ctxt, error);
}

static gboolean
test_context_detach(GVirSandboxContext *ctxt, GError **error)
{
    ((TestContext *)ctxt)->detaches++;
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_BUSY, "refused by the subclass");
    return FALSE;
}

static void
test_context_class_init(TestContextClass *klass)
{
    GVirSandboxContextClass *ctxt_class = GVIR_SANDBOX_CONTEXT_CLASS(klass);

    ctxt_class->start = test_context_start;
    ctxt_class->stop = test_context_stop;
    ctxt_class->detach = test_context_detach;
}

static void
test_context_init(TestContext *self G_GNUC_UNUSED)
{
}

static void
store_result(GObject *source G_GNUC_UNUSED, GAsyncResult *res, gpointer data)
{
    *(GAsyncResult **)data = g_object_ref(res);
}

static void
test_context_overrides(void)
{
    GVirConnection *conn = gvir_connection_new("test:///default");
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("subclass");
    g_autoptr(GError) err = NULL;
    TestContext *ctxt;

    /* test:/// starts nothing; opened, because libvirt-gobject leaks the
     * tables of a connection finalized without being opened (valgrind). */
    g_assert_true(gvir_connection_open(conn, NULL, &err));
    ctxt = g_object_new(test_context_get_type(), "connection", conn, "config", cfg, NULL);

    g_assert_true(GVIR_SANDBOX_IS_CONTEXT_INTERACTIVE(ctxt));
    g_assert_true(gvir_sandbox_context_start(GVIR_SANDBOX_CONTEXT(ctxt), &err));
    g_assert_no_error(err);
    g_assert_cmpint(ctxt->starts, ==, 1);
    /* The override did not chain up: nothing runs. */
    g_assert_false(gvir_sandbox_context_is_attached(GVIR_SANDBOX_CONTEXT(ctxt)));

    g_assert_false(gvir_sandbox_context_stop(GVIR_SANDBOX_CONTEXT(ctxt), &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_NOT_RUNNING);
    g_assert_cmpint(ctxt->stops, ==, 1);
    g_clear_error(&err);

    g_assert_false(gvir_sandbox_context_detach(GVIR_SANDBOX_CONTEXT(ctxt), &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_assert_cmpint(ctxt->detaches, ==, 1);
    g_clear_error(&err);

    /* The asynchronous forms call the overrides too. */
    {
        g_autoptr(GMainContext) main_ctx = g_main_context_new();
        GAsyncResult *res = NULL;

        g_main_context_push_thread_default(main_ctx);
        gvir_sandbox_context_start_async(GVIR_SANDBOX_CONTEXT(ctxt), NULL, store_result, &res);
        while (!res)
            g_main_context_iteration(main_ctx, TRUE);
        g_assert_true(gvir_sandbox_context_start_finish(GVIR_SANDBOX_CONTEXT(ctxt), res, &err));
        g_assert_no_error(err);
        g_assert_cmpint(ctxt->starts, ==, 2);
        g_clear_object(&res);

        gvir_sandbox_context_stop_async(GVIR_SANDBOX_CONTEXT(ctxt), NULL, store_result, &res);
        while (!res)
            g_main_context_iteration(main_ctx, TRUE);
        g_assert_false(gvir_sandbox_context_stop_finish(GVIR_SANDBOX_CONTEXT(ctxt), res, &err));
        g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_NOT_RUNNING);
        g_assert_cmpint(ctxt->stops, ==, 2);
        g_clear_error(&err);
        g_clear_object(&res);
        g_main_context_pop_thread_default(main_ctx);
    }

    /* attach is not overridden: the default runs (test:/// is no sandbox backend). */
    g_assert_false(gvir_sandbox_context_attach(GVIR_SANDBOX_CONTEXT(ctxt), &err));
    g_assert_nonnull(err);
    g_assert_cmpint(ctxt->starts, ==, 2);
    g_object_unref(ctxt);
    g_object_unref(conn);
}

/* ---- a service context ----------------------------------------------------- */

typedef struct {
    GVirSandboxContextService parent;
    int defines;
    int undefines;
} TestService;

typedef struct {
    GVirSandboxContextServiceClass parent_class;
} TestServiceClass;

GType test_service_get_type(void);
G_DEFINE_TYPE(TestService, test_service, GVIR_SANDBOX_TYPE_CONTEXT_SERVICE)

static gboolean
test_service_define(GVirSandboxContextService *ctxt, GError **error G_GNUC_UNUSED)
{
    ((TestService *)ctxt)->defines++;
    return TRUE;
}

static gboolean
test_service_undefine(GVirSandboxContextService *ctxt, GError **error)
{
    ((TestService *)ctxt)->undefines++;
    /* Chain up: the default refuses a config that is no service config. */
    return GVIR_SANDBOX_CONTEXT_SERVICE_CLASS(test_service_parent_class)->undefine(ctxt, error);
}

static void
test_service_class_init(TestServiceClass *klass)
{
    GVirSandboxContextServiceClass *service_class = GVIR_SANDBOX_CONTEXT_SERVICE_CLASS(klass);

    service_class->define = test_service_define;
    service_class->undefine = test_service_undefine;
}

static void
test_service_init(TestService *self G_GNUC_UNUSED)
{
}

static void
test_service_overrides(void)
{
    GVirConnection *conn = gvir_connection_new("test:///default");
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("subclass");
    g_autoptr(GError) err = NULL;
    TestService *ctxt;

    g_assert_true(gvir_connection_open(conn, NULL, &err));
    /* An interactive config: the default define and undefine refuse it. */
    ctxt = g_object_new(test_service_get_type(), "connection", conn, "config", cfg, NULL);

    g_assert_true(gvir_sandbox_context_service_define(GVIR_SANDBOX_CONTEXT_SERVICE(ctxt), &err));
    g_assert_no_error(err);
    g_assert_cmpint(ctxt->defines, ==, 1);

    g_assert_false(gvir_sandbox_context_service_undefine(GVIR_SANDBOX_CONTEXT_SERVICE(ctxt), &err));
    g_assert_nonnull(err);
    g_assert_cmpint(ctxt->undefines, ==, 1);
    g_clear_error(&err);

    /* The library's own class keeps the defaults. */
    {
        GVirSandboxContextServiceClass *klass = g_type_class_ref(GVIR_SANDBOX_TYPE_CONTEXT_SERVICE);
        g_assert_nonnull(klass->define);
        g_assert_nonnull(klass->undefine);
        g_type_class_unref(klass);
    }
    g_object_unref(ctxt);
    g_object_unref(conn);
}

/* ---- a console ----------------------------------------------------------- */

typedef struct {
    GVirSandboxConsoleRaw parent;
    int closed;
    gboolean closed_error;
    int attaches;
    int detaches;
} TestConsole;

typedef struct {
    GVirSandboxConsoleRawClass parent_class;
} TestConsoleClass;

GType test_console_get_type(void);
G_DEFINE_TYPE(TestConsole, test_console, GVIR_SANDBOX_TYPE_CONSOLE_RAW)

static void
test_console_closed(GVirSandboxConsole *console, gboolean error)
{
    ((TestConsole *)console)->closed++;
    ((TestConsole *)console)->closed_error = error;
}

static gboolean
test_console_attach(GVirSandboxConsole *console, GUnixInputStream *in G_GNUC_UNUSED,
                    GUnixOutputStream *out, GUnixOutputStream *err, GError **error G_GNUC_UNUSED)
{
    TestConsole *self = (TestConsole *)console;

    self->attaches++;
    /* attach_stderr(): no stdin, no stdout, fd 2 for stderr. */
    g_assert_null(in);
    g_assert_null(out);
    g_assert_nonnull(err);
    g_assert_cmpint(g_unix_output_stream_get_fd(err), ==, 2);
    return TRUE;
}

static gboolean
test_console_detach(GVirSandboxConsole *console, GError **error)
{
    ((TestConsole *)console)->detaches++;
    return GVIR_SANDBOX_CONSOLE_CLASS(test_console_parent_class)->detach(console, error);
}

static void
test_console_class_init(TestConsoleClass *klass)
{
    GVirSandboxConsoleClass *console_class = GVIR_SANDBOX_CONSOLE_CLASS(klass);

    console_class->closed = test_console_closed;
    console_class->attach = test_console_attach;
    console_class->detach = test_console_detach;
}

static void
test_console_init(TestConsole *self G_GNUC_UNUSED)
{
}

static void
test_console_overrides(void)
{
    g_autoptr(GError) err = NULL;
    TestConsole *console = g_object_new(test_console_get_type(), "devname", "console0", NULL);

    /* The closed signal's class closure is the class slot. */
    g_signal_emit_by_name(console, "closed", TRUE);
    g_assert_cmpint(console->closed, ==, 1);
    g_assert_true(console->closed_error);

    g_assert_true(gvir_sandbox_console_attach_stderr(GVIR_SANDBOX_CONSOLE(console), &err));
    g_assert_no_error(err);
    g_assert_cmpint(console->attaches, ==, 1);

    /* Chained up: the default detach of a console never attached succeeds. */
    g_assert_true(gvir_sandbox_console_detach(GVIR_SANDBOX_CONSOLE(console), &err));
    g_assert_no_error(err);
    g_assert_cmpint(console->detaches, ==, 1);
    g_object_unref(console);
}

/* ---- a config ------------------------------------------------------------ */

typedef struct {
    GVirSandboxConfigInteractive parent;
    gchar *extra;
} TestConfig;

typedef struct {
    GVirSandboxConfigInteractiveClass parent_class;
} TestConfigClass;

GType test_config_get_type(void);
G_DEFINE_TYPE(TestConfig, test_config, GVIR_SANDBOX_TYPE_CONFIG_INTERACTIVE)

static void
test_config_save(GVirSandboxConfig *config, GKeyFile *file)
{
    GVIR_SANDBOX_CONFIG_CLASS(test_config_parent_class)->save_config(config, file);
    g_key_file_set_string(file, "test", "extra", ((TestConfig *)config)->extra);
}

static gboolean
test_config_load(GVirSandboxConfig *config, GKeyFile *file, GError **error)
{
    TestConfig *self = (TestConfig *)config;

    if (!GVIR_SANDBOX_CONFIG_CLASS(test_config_parent_class)->load_config(config, file, error))
        return FALSE;
    g_free(self->extra);
    self->extra = g_key_file_get_string(file, "test", "extra", error);
    return self->extra != NULL;
}

static void
test_config_finalize(GObject *object)
{
    g_free(((TestConfig *)object)->extra);
    G_OBJECT_CLASS(test_config_parent_class)->finalize(object);
}

static void
test_config_class_init(TestConfigClass *klass)
{
    GVIR_SANDBOX_CONFIG_CLASS(klass)->save_config = test_config_save;
    GVIR_SANDBOX_CONFIG_CLASS(klass)->load_config = test_config_load;
    G_OBJECT_CLASS(klass)->finalize = test_config_finalize;
}

static void
test_config_init(TestConfig *self G_GNUC_UNUSED)
{
}

static void
test_config_overrides(void)
{
    g_autoptr(GError) err = NULL;
    TestConfig *cfg = g_object_new(test_config_get_type(), "name", "subclassed", NULL);
    g_autofree gchar *data = NULL;
    g_autoptr(GVirSandboxConfig) loaded = NULL;
    const gchar *command[] = {"/bin/true", NULL};

    cfg->extra = g_strdup("kept");
    gvir_sandbox_config_interactive_set_command(GVIR_SANDBOX_CONFIG_INTERACTIVE(cfg), (gchar **)command);
    data = gvir_sandbox_config_save_to_data(GVIR_SANDBOX_CONFIG(cfg), &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(data, "class=TestConfig"));
    g_assert_nonnull(strstr(data, "[test]\nextra=kept"));
    /* The parent's save_config ran too (chained up). */
    g_assert_nonnull(strstr(data, "argv.0=/bin/true"));

    loaded = gvir_sandbox_config_load_from_data(data, &err);
    g_assert_no_error(err);
    g_assert_true(G_TYPE_CHECK_INSTANCE_TYPE(loaded, test_config_get_type()));
    g_assert_cmpstr(((TestConfig *)loaded)->extra, ==, "kept");
    g_assert_cmpstr(gvir_sandbox_config_get_name(loaded), ==, "subclassed");
    g_object_unref(cfg);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gvir_sandbox_init_check(&argc, &argv, NULL);
    g_test_add_func("/subclass/context", test_context_overrides);
    g_test_add_func("/subclass/service", test_service_overrides);
    g_test_add_func("/subclass/console", test_console_overrides);
    g_test_add_func("/subclass/config", test_config_overrides);
    return g_test_run();
}
