/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program as one built against the original libvirt-sandbox: the test
 * abi-original-link (tests/abi-stub-link.py) links it against a stub that
 * carries only the original's soname, symbols and version nodes, then runs
 * it against this library. It uses only functions the original exported,
 * from both of its nodes (LIBVIRT_SANDBOX_0.6.0 and _0.6.1), and exits 0
 * only if each call did what the original documents.
 *
 * Usage: abi-original-program DIR (a writable directory for the key file)
 */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libvirt-sandbox/libvirt-sandbox.h>

static int failures;

#define CHECK(cond) \
    do { \
        if (cond) { \
            printf("ok: %s\n", #cond); \
        } else { \
            printf("not ok: %s (line %d)\n", #cond, __LINE__); \
            failures++; \
        } \
    } while (0)

int
main(int argc, char **argv)
{
    GError *err = NULL;
    GVirSandboxConfigInteractive *cfg;
    GVirSandboxConfig *base;
    GVirSandboxConfig *loaded;
    GVirSandboxConfigMount *ram;
    GList *mounts;
    gboolean tty = FALSE;
    gchar *path;
    gchar *data = NULL;
    const gchar *command[] = {"/bin/echo", "hello", NULL};
    const gchar *mount_opts[] = {"host-bind:/srv=/tmp", NULL};
    gchar **got_command;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }

    /* LIBVIRT_SANDBOX_0.6.0 */
    CHECK(gvir_sandbox_init_check(&argc, &argv, &err));
    cfg = gvir_sandbox_config_interactive_new("abi-demo");
    CHECK(GVIR_SANDBOX_IS_CONFIG_INTERACTIVE(cfg));
    base = GVIR_SANDBOX_CONFIG(cfg);
    CHECK(g_strcmp0(gvir_sandbox_config_get_name(base), "abi-demo") == 0);
    gvir_sandbox_config_interactive_set_tty(cfg, TRUE);
    CHECK(gvir_sandbox_config_interactive_get_tty(cfg));
    g_object_get(cfg, "tty", &tty, NULL);
    CHECK(tty);
    gvir_sandbox_config_interactive_set_command(cfg, (gchar **)command);
    got_command = gvir_sandbox_config_get_command(base);
    CHECK(got_command && g_strv_length(got_command) == 2 && strcmp(got_command[1], "hello") == 0);
    g_strfreev(got_command);
    gvir_sandbox_config_set_root(base, "/srv/root");
    CHECK(g_strcmp0(gvir_sandbox_config_get_root(base), "/srv/root") == 0);
    gvir_sandbox_config_set_userid(base, 4242);
    CHECK(gvir_sandbox_config_get_userid(base) == 4242);
    CHECK(gvir_sandbox_config_add_mount_strv(base, (gchar **)mount_opts, &err));
    ram = GVIR_SANDBOX_CONFIG_MOUNT(gvir_sandbox_config_mount_ram_new("/tmp", 1024 * 1024));
    CHECK(gvir_sandbox_config_mount_ram_get_usage(GVIR_SANDBOX_CONFIG_MOUNT_RAM(ram)) == 1024 * 1024);
    gvir_sandbox_config_add_mount(base, ram);
    g_object_unref(ram);
    mounts = gvir_sandbox_config_get_mounts(base);
    CHECK(g_list_length(mounts) == 2);
    CHECK(g_strcmp0(gvir_sandbox_config_mount_get_target(mounts->data), "/srv") == 0);
    g_list_free_full(mounts, g_object_unref);

    /* LIBVIRT_SANDBOX_0.6.1 */
    gvir_sandbox_config_add_env(base, "GREETING", "hello");
    CHECK(gvir_sandbox_config_add_env_opts(base, "OTHER=a=b", &err));

    /* A key file, written and read back. */
    path = g_build_filename(argv[1], "sandbox.cfg", NULL);
    g_unlink(path);
    CHECK(gvir_sandbox_config_save_to_path(base, path, &err));
    CHECK(g_file_get_contents(path, &data, NULL, NULL));
    CHECK(data && strstr(data, "class=GVirSandboxConfigInteractive") != NULL);
    CHECK(data && strstr(data, "value=a=b") != NULL);
    g_free(data);
    loaded = gvir_sandbox_config_load_from_path(path, &err);
    CHECK(loaded && GVIR_SANDBOX_IS_CONFIG_INTERACTIVE(loaded));
    if (loaded) {
        CHECK(g_strcmp0(gvir_sandbox_config_get_root(loaded), "/srv/root") == 0);
        CHECK(gvir_sandbox_config_interactive_get_tty(GVIR_SANDBOX_CONFIG_INTERACTIVE(loaded)));
        CHECK(gvir_sandbox_config_has_mounts(loaded));
        g_object_unref(loaded);
    }
    g_unlink(path);
    g_free(path);
    g_object_unref(cfg);

    if (err) {
        printf("not ok: unexpected error: %s\n", err->message);
        g_error_free(err);
        failures++;
    }
    printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
