/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GVirSandboxContext through the C ABI: error paths on test:///default (no
 * sandbox can run there), the asynchronous start/stop of a real LXC
 * sandbox whose exit status and output arrive through the console, and an
 * asynchronous start cancelled before its domain exists.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt-sandbox/libvirt-sandbox.h>

static GVirConnection *
open_connection(const char *uri)
{
    g_autoptr(GError) err = NULL;
    GVirConnection *conn = gvir_connection_new(uri);

    g_assert_true(gvir_connection_open(conn, NULL, &err));
    g_assert_no_error(err);
    return conn;
}

static GVirSandboxContextInteractive *
new_context(const char *uri, const char *const *argv)
{
    /* libvirt-gobject 4.0 declares no autoptr cleanup for its types. */
    GVirConnection *conn = open_connection(uri);
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("ctest");
    GVirSandboxContextInteractive *ctxt;

    gvir_sandbox_config_interactive_set_command(cfg, (gchar **)argv);
    ctxt = gvir_sandbox_context_interactive_new(conn, cfg);
    g_object_unref(conn);
    return ctxt;
}

static void
test_not_running_errors(void)
{
    const char *argv[] = {"/bin/true", NULL};
    g_autoptr(GVirSandboxContextInteractive) ctxt = new_context("test:///default", argv);
    GVirSandboxContext *base = GVIR_SANDBOX_CONTEXT(ctxt);
    g_autoptr(GError) err = NULL;

    g_assert_false(gvir_sandbox_context_is_attached(base));
    g_assert_null(gvir_sandbox_context_get_domain(base, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_NOT_RUNNING);
    g_clear_error(&err);
    g_assert_false(gvir_sandbox_context_stop(base, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_NOT_RUNNING);
    g_clear_error(&err);
    g_assert_null(gvir_sandbox_context_interactive_get_app_console(ctxt, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_NOT_RUNNING);
    g_clear_error(&err);
    g_assert_null(gvir_sandbox_context_get_log_console(base, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_NOT_RUNNING);
}

static void
test_unsupported_driver(void)
{
    const char *argv[] = {"/bin/true", NULL};
    g_autoptr(GVirSandboxContextInteractive) ctxt = new_context("test:///default", argv);
    g_autoptr(GError) err = NULL;

    g_assert_false(gvir_sandbox_context_start(GVIR_SANDBOX_CONTEXT(ctxt), &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "test:///default"));
}

static void
test_null_arguments(void)
{
    g_autoptr(GError) err = NULL;

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*");
    g_assert_false(gvir_sandbox_context_start(NULL, &err));
    g_test_assert_expected_messages();
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*GVirConnection*");
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*GVirSandboxConfigInteractive*");
    g_assert_null(gvir_sandbox_context_interactive_new(NULL, NULL));
    g_test_assert_expected_messages();
}

typedef struct {
    GMainLoop *loop;
    gboolean ok;
    GError *error;
    int status;
    gboolean closed;
    guint idle_runs;
} AsyncState;

/* Counts the main loop's idle iterations while an async call is under way:
 * a call that blocked the main loop would leave (almost) none. */
static gboolean
count_idle(gpointer data)
{
    ((AsyncState *)data)->idle_runs++;
    return G_SOURCE_CONTINUE;
}

/* Runs the main loop until the async call finishes; returns how many idle
 * iterations the loop had meanwhile. */
static guint
run_counting_idle(AsyncState *state)
{
    guint id = g_idle_add(count_idle, state);

    state->idle_runs = 0;
    g_main_loop_run(state->loop);
    g_source_remove(id);
    return state->idle_runs;
}

static void
on_finished(GObject *source, GAsyncResult *res, gpointer data)
{
    AsyncState *state = data;
    GVirSandboxContext *ctxt = GVIR_SANDBOX_CONTEXT(source);

    if (g_async_result_is_tagged(res, gvir_sandbox_context_start_async))
        state->ok = gvir_sandbox_context_start_finish(ctxt, res, &state->error);
    else
        state->ok = gvir_sandbox_context_stop_finish(ctxt, res, &state->error);
    g_main_loop_quit(state->loop);
}

static void
on_exited(GVirSandboxConsoleRpc *console G_GNUC_UNUSED, int status, gpointer data)
{
    ((AsyncState *)data)->status = status;
}

static void
on_closed(GVirSandboxConsole *console G_GNUC_UNUSED, gboolean error, gpointer data)
{
    AsyncState *state = data;

    g_assert_false(error);
    state->closed = TRUE;
    g_main_loop_quit(state->loop);
}

/* Attaches the app console of a started context with /dev/null as stdin,
 * a pipe as stdout (its read end in *read_fd, its write end *out) and runs
 * the main loop until the console closed after the command exited. */
static GVirSandboxConsole *
run_app_console(GVirSandboxContextInteractive *ctxt, AsyncState *state,
                GOutputStream **out, int *read_fd)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GInputStream) in = NULL;
    g_autoptr(GOutputStream) errout = NULL;
    GVirSandboxConsole *console;
    int fds[2];

    console = gvir_sandbox_context_interactive_get_app_console(ctxt, &err);
    g_assert_no_error(err);
    g_assert_true(GVIR_SANDBOX_IS_CONSOLE_RPC(console));
    g_signal_connect(console, "exited", G_CALLBACK(on_exited), state);
    g_signal_connect(console, "closed", G_CALLBACK(on_closed), state);
    g_assert_cmpint(pipe(fds), ==, 0);
    *read_fd = fds[0];
    in = g_unix_input_stream_new(open("/dev/null", O_RDONLY), TRUE);
    *out = g_unix_output_stream_new(fds[1], TRUE);
    errout = g_unix_output_stream_new(dup(STDERR_FILENO), TRUE);
    g_assert_true(gvir_sandbox_console_attach(console, G_UNIX_INPUT_STREAM(in),
                                              G_UNIX_OUTPUT_STREAM(*out),
                                              G_UNIX_OUTPUT_STREAM(errout), &err));
    g_assert_no_error(err);
    g_main_loop_run(state->loop);
    g_assert_true(state->closed);
    g_assert_true(WIFEXITED(state->status));
    return console;
}

static void
test_lxc_async_round_trip(void)
{
    const char *argv[] = {"/bin/sh", "-c", "echo async-out; exit 7", NULL};
    g_autoptr(GVirSandboxContextInteractive) ctxt = new_context("lxc:///", argv);
    GVirSandboxContext *base = GVIR_SANDBOX_CONTEXT(ctxt);
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    AsyncState state = {.loop = loop, .status = -1};
    g_autoptr(GVirSandboxConsole) console = NULL;
    g_autoptr(GOutputStream) out = NULL;
    g_autoptr(GError) err = NULL;
    char buf[64] = {0};
    int out_fd;

    gvir_sandbox_context_start_async(base, NULL, on_finished, &state);
    /* A second start (or a stop) is refused while this one is under way. */
    g_assert_false(gvir_sandbox_context_start(base, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_ALREADY_RUNNING);
    g_clear_error(&err);
    g_assert_false(gvir_sandbox_context_stop(base, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_ALREADY_RUNNING);
    g_clear_error(&err);
    /* libvirt creates the domain on a worker thread: the main loop runs on. */
    g_assert_cmpuint(run_counting_idle(&state), >, 10);
    g_assert_no_error(state.error);
    g_assert_true(state.ok);
    g_assert_true(gvir_sandbox_context_is_attached(base));

    console = run_app_console(ctxt, &state, &out, &out_fd);
    g_assert_cmpint(WEXITSTATUS(state.status), ==, 7);
    g_assert_true(gvir_sandbox_console_detach(console, &err));
    g_assert_no_error(err);
    g_clear_object(&out); /* closes the write end */
    g_assert_cmpint(read(out_fd, buf, sizeof(buf) - 1), ==, strlen("async-out\n"));
    g_assert_cmpstr(buf, ==, "async-out\n");
    close(out_fd);

    gvir_sandbox_context_stop_async(base, NULL, on_finished, &state);
    g_assert_cmpuint(run_counting_idle(&state), >, 10);
    g_assert_no_error(state.error);
    g_assert_true(state.ok);
    g_assert_false(gvir_sandbox_context_is_attached(base));
}

static void
put_frame(GByteArray *out, guint32 proc, const guint8 *payload, guint32 len)
{
    guint32 words[5] = {GUINT32_TO_BE(20 + len), GUINT32_TO_BE(proc), 0, 0, 0};

    g_byte_array_append(out, (const guint8 *)words, sizeof(words));
    g_byte_array_append(out, payload, len);
}

static guint
file_mode(const char *path)
{
    struct stat st;

    g_assert_cmpint(lstat(path, &st), ==, 0);
    return st.st_mode & 07777;
}

/* A process on the host connects to a running sandbox's channel socket
 * and claims to be its init with a wrong secret: it is dropped, it gets
 * nothing of the session, and the real init still runs the command. The
 * state directory is the owner's only. */
static void
test_lxc_foreign_peer_refused(void)
{
    const char *argv[] = {"/bin/sh", "-c", "echo real-init", NULL};
    g_autoptr(GVirSandboxContextInteractive) ctxt = new_context("lxc:///", argv);
    GVirSandboxContext *base = GVIR_SANDBOX_CONTEXT(ctxt);
    g_autoptr(GVirSandboxConfig) cfg = gvir_sandbox_context_get_config(base);
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    AsyncState state = {.loop = loop, .status = -1};
    g_autoptr(GVirSandboxConsole) console = NULL;
    g_autoptr(GOutputStream) out = NULL;
    g_autoptr(GByteArray) frames = g_byte_array_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *spec = NULL;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    GVirDomain *domain;
    guint8 sync = 0x1C, secret[32] = {0}, got[256];
    guint32 version = GUINT32_TO_BE(2);
    char buf[64] = {0};
    ssize_t n;
    int out_fd, peer;

    /* No task limit: the foreign peer is refused for its secret, not for
     * being outside the sandbox's cgroup. */
    gvir_sandbox_config_set_max_tasks(cfg, 0);
    g_assert_true(gvir_sandbox_context_start(base, &err));
    g_assert_no_error(err);
    domain = gvir_sandbox_context_get_domain(base, &err);
    g_assert_no_error(err);
    dir = g_build_filename("/run/libvirt-sandbox", gvir_domain_get_name(domain), NULL);
    g_object_unref(domain);
    spec = g_build_filename(dir, "launch.json", NULL);
    g_assert_cmpuint(file_mode("/run/libvirt-sandbox") & 0707, ==, 0700);
    g_assert_cmpuint(file_mode(dir), ==, 0700);
    g_assert_cmpuint(file_mode(spec), ==, 0600);
    g_snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/app.sock", dir);
    g_assert_cmpuint(file_mode(addr.sun_path) & 0777, ==, 0600);

    peer = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(connect(peer, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_byte_array_append(frames, &sync, 1);
    put_frame(frames, 7, (const guint8 *)&version, 4); /* HELLO */
    put_frame(frames, 9, secret, sizeof(secret));      /* AUTH */
    g_assert_cmpint(write(peer, frames->data, frames->len), ==, frames->len);

    console = run_app_console(ctxt, &state, &out, &out_fd);
    g_assert_cmpint(WEXITSTATUS(state.status), ==, 0);

    /* The foreign peer got handshake bytes at most, then the end. */
    while ((n = read(peer, got, sizeof(got))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            g_assert_true(got[i] == 0x1B || got[i] == 0x1C);
    }
    g_assert_cmpint(n, ==, 0);
    close(peer);

    g_assert_true(gvir_sandbox_console_detach(console, &err));
    g_clear_object(&out);
    g_assert_cmpint(read(out_fd, buf, sizeof(buf) - 1), ==, strlen("real-init\n"));
    g_assert_cmpstr(buf, ==, "real-init\n");
    close(out_fd);
    g_assert_true(gvir_sandbox_context_stop(base, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

/* Entries of the state directory root (sandboxes' state directories). */
static guint
count_state_dirs(void)
{
    g_autoptr(GDir) dir = g_dir_open("/run/libvirt-sandbox", 0, NULL);
    guint n = 0;

    while (dir && g_dir_read_name(dir))
        n++;
    return n;
}

static void
test_lxc_async_cancelled(void)
{
    const char *argv[] = {"/bin/true", NULL};
    g_autoptr(GVirSandboxContextInteractive) ctxt = new_context("lxc:///", argv);
    GVirSandboxContext *base = GVIR_SANDBOX_CONTEXT(ctxt);
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GError) err = NULL;
    AsyncState state = {.loop = loop};
    guint before = count_state_dirs();

    /* Cancelled once the state directory exists, before the domain does. */
    gvir_sandbox_context_start_async(base, cancellable, on_finished, &state);
    g_assert_cmpuint(count_state_dirs(), ==, before + 1);
    g_cancellable_cancel(cancellable);
    g_main_loop_run(loop);
    g_assert_false(state.ok);
    g_assert_error(state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error(&state.error);
    g_assert_false(gvir_sandbox_context_is_attached(base));
    g_assert_cmpuint(count_state_dirs(), ==, before);

    /* The context is usable again. */
    g_assert_true(gvir_sandbox_context_start(base, &err));
    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_context_stop(base, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(count_state_dirs(), ==, before);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;

    g_test_init(&argc, &argv, NULL);
    if (!gvir_sandbox_init_check(&argc, &argv, &err))
        g_error("init: %s", err->message);
    g_test_add_func("/context/not-running-errors", test_not_running_errors);
    g_test_add_func("/context/unsupported-driver", test_unsupported_driver);
    g_test_add_func("/context/null-arguments", test_null_arguments);
    /* Needs libvirtd and the guest helpers (LIBVIRT_SANDBOX_INIT_DIR). */
    g_test_add_func("/context/lxc-async-round-trip", test_lxc_async_round_trip);
    g_test_add_func("/context/lxc-async-cancelled", test_lxc_async_cancelled);
    g_test_add_func("/context/lxc-foreign-peer-refused", test_lxc_foreign_peer_refused);
    return g_test_run();
}
