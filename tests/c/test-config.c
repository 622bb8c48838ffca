/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the config classes through the exported C ABI of the built
 * libvirt-sandbox-1.0.so.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <libvirt-sandbox/libvirt-sandbox.h>

static void
test_struct_sizes(void)
{
    GTypeQuery q;

    /* C and Vala embed these structs: their sizes must equal Rust's. */
    g_type_query(GVIR_SANDBOX_TYPE_CONFIG, &q);
    g_assert_cmpuint(q.class_size, ==, sizeof(GVirSandboxConfigClass));
    g_assert_cmpuint(q.instance_size, ==, sizeof(GVirSandboxConfig));
    g_type_query(GVIR_SANDBOX_TYPE_CONFIG_SERVICE, &q);
    g_assert_cmpuint(q.class_size, ==, sizeof(GVirSandboxConfigServiceClass));
    g_type_query(GVIR_SANDBOX_TYPE_CONFIG_MOUNT, &q);
    g_assert_cmpuint(q.class_size, ==, sizeof(GVirSandboxConfigMountClass));
    g_assert_cmpuint(q.instance_size, ==, sizeof(GVirSandboxConfigMount));
}

static void
test_type_hierarchy(void)
{
    g_assert_true(G_TYPE_IS_ABSTRACT(GVIR_SANDBOX_TYPE_CONFIG));
    g_assert_true(G_TYPE_IS_ABSTRACT(GVIR_SANDBOX_TYPE_CONFIG_SERVICE));
    g_assert_false(G_TYPE_IS_ABSTRACT(GVIR_SANDBOX_TYPE_CONFIG_INTERACTIVE));
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_INTERACTIVE, GVIR_SANDBOX_TYPE_CONFIG));
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_SERVICE_GENERIC, GVIR_SANDBOX_TYPE_CONFIG_SERVICE));
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_SERVICE_SYSTEMD, GVIR_SANDBOX_TYPE_CONFIG_SERVICE));
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_CONFIG_INTERACTIVE), ==, "GVirSandboxConfigInteractive");
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_ERROR), ==, "GVirSandboxError");
}

static void
test_interactive_defaults(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("demo");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    g_auto(GStrv) cmd = gvir_sandbox_config_get_command(base);

    g_assert_cmpstr(gvir_sandbox_config_get_name(base), ==, "demo");
    g_assert_cmpstr(gvir_sandbox_config_get_root(base), ==, "/");
    g_assert_cmpstr(gvir_sandbox_config_get_arch(base), ==, "x86_64");
    g_assert_null(gvir_sandbox_config_get_uuid(base));
    g_assert_null(gvir_sandbox_config_get_security_label(base));
    g_assert_true(gvir_sandbox_config_get_security_dynamic(base));
    g_assert_false(gvir_sandbox_config_get_shell(base));
    g_assert_false(gvir_sandbox_config_get_privileged(base));
    g_assert_cmpuint(gvir_sandbox_config_get_max_tasks(base), ==, 4096);
    g_assert_cmpuint(gvir_sandbox_config_get_memory(base), ==, 512 * 1024);
    g_assert_cmpfloat(gvir_sandbox_config_get_cpus(base), ==, 0.0);
    g_assert_cmpuint(gvir_sandbox_config_get_userid(base), ==, geteuid());
    g_assert_cmpuint(gvir_sandbox_config_get_groupid(base), ==, getegid());
    g_assert_cmpstr(gvir_sandbox_config_get_username(base), ==, g_get_user_name());
    g_assert_cmpstr(gvir_sandbox_config_get_homedir(base), ==, g_get_home_dir());
    g_assert_false(gvir_sandbox_config_interactive_get_tty(cfg));
    g_assert_cmpuint(g_strv_length(cmd), ==, 1);
    g_assert_cmpstr(cmd[0], ==, "/bin/sh");
}

static void
test_properties(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("props");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *argv[] = { "/bin/ls", "-l", "--color", NULL };
    g_auto(GStrv) cmd = NULL;
    g_autofree gchar *root = NULL;
    gboolean tty = FALSE;
    guint uid = 0;

    gvir_sandbox_config_set_root(base, "/tmp");
    gvir_sandbox_config_set_arch(base, "ia64");
    gvir_sandbox_config_set_userid(base, 666);
    gvir_sandbox_config_set_groupid(base, 667);
    gvir_sandbox_config_set_username(base, "superdevil");
    gvir_sandbox_config_set_homedir(base, "/var/run/hell");
    gvir_sandbox_config_set_kernrelease(base, "6.1.0-1-amd64");
    gvir_sandbox_config_set_kernrelease(base, NULL);
    gvir_sandbox_config_set_shell(base, TRUE);
    gvir_sandbox_config_set_privileged(base, TRUE);
    gvir_sandbox_config_interactive_set_tty(cfg, TRUE);
    gvir_sandbox_config_interactive_set_command(cfg, argv);

    g_object_get(cfg, "root", &root, "tty", &tty, "uid", &uid, NULL);
    g_assert_cmpstr(root, ==, "/tmp");
    g_assert_true(tty);
    g_assert_cmpuint(uid, ==, 666);
    g_assert_cmpuint(gvir_sandbox_config_get_groupid(base), ==, 667);
    g_assert_cmpstr(gvir_sandbox_config_get_arch(base), ==, "ia64");
    g_assert_cmpstr(gvir_sandbox_config_get_username(base), ==, "superdevil");
    g_assert_cmpstr(gvir_sandbox_config_get_homedir(base), ==, "/var/run/hell");
    g_assert_null(gvir_sandbox_config_get_kernrelease(base));
    g_assert_true(gvir_sandbox_config_get_shell(base));
    g_assert_true(gvir_sandbox_config_get_privileged(base));

    cmd = gvir_sandbox_config_get_command(base);
    g_assert_cmpuint(g_strv_length(cmd), ==, 3);
    g_assert_cmpstr(cmd[0], ==, "/bin/ls");
    g_assert_cmpstr(cmd[2], ==, "--color");
}

static void
test_env(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("env");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *envs[] = { "key1=val1", "key2=a=b", NULL };
    g_autoptr(GHashTable) table = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_false(gvir_sandbox_config_has_envs(base));
    g_assert_true(gvir_sandbox_config_add_env_strv(base, envs, &err));
    g_assert_no_error(err);
    gvir_sandbox_config_add_env(base, "key1", "changed");
    g_assert_true(gvir_sandbox_config_has_envs(base));

    table = gvir_sandbox_config_get_envs(base);
    g_assert_cmpuint(g_hash_table_size(table), ==, 2);
    g_assert_cmpstr(g_hash_table_lookup(table, "key1"), ==, "changed");
    g_assert_cmpstr(g_hash_table_lookup(table, "key2"), ==, "a=b");

    g_assert_false(gvir_sandbox_config_add_env_opts(base, "novalue", &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_ENV);
    g_assert_nonnull(strstr(err->message, "novalue"));
}

static void
test_security_opts(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("sec");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    g_autoptr(GError) err = NULL;

    g_assert_true(gvir_sandbox_config_set_security_opts(base,
        "static,label=system_u:system_r:svirt_t:s0:c412,c355", &err));
    g_assert_no_error(err);
    g_assert_false(gvir_sandbox_config_get_security_dynamic(base));
    g_assert_cmpstr(gvir_sandbox_config_get_security_label(base), ==,
                    "system_u:system_r:svirt_t:s0:c412,c355");

    g_assert_true(gvir_sandbox_config_set_security_opts(base, "dynamic", &err));
    g_assert_true(gvir_sandbox_config_get_security_dynamic(base));

    g_assert_false(gvir_sandbox_config_set_security_opts(base, "static,bogus=1", &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_SECURITY);
}

static void
test_filesystem_backend(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("fs");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(GVirSandboxConfig) loaded = NULL;
    g_autofree gchar *data = NULL;
    GVirSandboxConfigFilesystemBackend backend = GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_P9;

    g_assert_true(G_TYPE_IS_ENUM(GVIR_SANDBOX_TYPE_CONFIG_FILESYSTEM_BACKEND));
    g_assert_cmpint(gvir_sandbox_config_get_filesystem_backend(base), ==,
                    GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO);
    g_assert_null(gvir_sandbox_config_get_virtiofsd(base));
    gvir_sandbox_config_set_filesystem_backend(base, GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_VIRTIOFS);
    gvir_sandbox_config_set_virtiofsd(base, "/opt/virtiofsd");
    g_object_get(cfg, "filesystem-backend", &backend, NULL);
    g_assert_cmpint(backend, ==, GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_VIRTIOFS);
    g_assert_cmpstr(gvir_sandbox_config_get_virtiofsd(base), ==, "/opt/virtiofsd");

    data = gvir_sandbox_config_save_to_data(base, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(data, "filesystem-backend=virtiofs\n"));
    loaded = gvir_sandbox_config_load_from_data(data, &err);
    g_assert_no_error(err);
    g_assert_cmpint(gvir_sandbox_config_get_filesystem_backend(loaded), ==,
                    GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_VIRTIOFS);
    g_assert_cmpstr(gvir_sandbox_config_get_virtiofsd(loaded), ==, "/opt/virtiofsd");

    /* Not a member: refused with a critical, the value stays. */
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*GVirSandboxConfigFilesystemBackend*");
    gvir_sandbox_config_set_filesystem_backend(base, 42);
    g_test_assert_expected_messages();
    g_assert_cmpint(gvir_sandbox_config_get_filesystem_backend(base), ==,
                    GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_VIRTIOFS);
    gvir_sandbox_config_set_virtiofsd(base, NULL);
    g_assert_null(gvir_sandbox_config_get_virtiofsd(base));
}

static void
test_limits(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("limits");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(GVirSandboxConfig) loaded = NULL;
    g_autofree gchar *data = NULL;
    guint max_tasks = 1;
    guint64 memory = 0;
    gdouble cpus = 0;

    gvir_sandbox_config_set_max_tasks(base, 0);
    gvir_sandbox_config_set_memory(base, 2 * 1024 * 1024);
    gvir_sandbox_config_set_cpus(base, 1.5);
    g_object_get(cfg, "max-tasks", &max_tasks, "memory", &memory, "cpus", &cpus, NULL);
    g_assert_cmpuint(max_tasks, ==, 0);
    g_assert_cmpuint(memory, ==, 2 * 1024 * 1024);
    g_assert_cmpfloat(cpus, ==, 1.5);

    data = gvir_sandbox_config_save_to_data(base, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(data, "[limits]\nmax-tasks=0\nmemory=2097152\ncpus=1.5\n"));
    loaded = gvir_sandbox_config_load_from_data(data, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(gvir_sandbox_config_get_max_tasks(loaded), ==, 0);
    g_assert_cmpuint(gvir_sandbox_config_get_memory(loaded), ==, 2 * 1024 * 1024);
    g_assert_cmpfloat(gvir_sandbox_config_get_cpus(loaded), ==, 1.5);

    /* Out of range: refused with a critical, the value stays. */
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*kib >= 1024*");
    gvir_sandbox_config_set_memory(base, 12);
    g_test_assert_expected_messages();
    g_assert_cmpuint(gvir_sandbox_config_get_memory(base), ==, 2 * 1024 * 1024);
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*cpus >= 0*");
    gvir_sandbox_config_set_cpus(base, -1);
    g_test_assert_expected_messages();
    g_assert_cmpfloat(gvir_sandbox_config_get_cpus(base), ==, 1.5);

    g_clear_object(&loaded);
    loaded = gvir_sandbox_config_load_from_data(
        "[api]\nclass=GVirSandboxConfigInteractive\n[limits]\ncpus=9999\n"
        "[command]\nargv.0=/bin/true\n", &err);
    g_assert_null(loaded);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(err->message, "[limits] cpus"));
}

static void
test_save_load_roundtrip(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("demo");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *argv[] = { "/bin/ls", "-l", "--color", NULL };
    g_autoptr(GError) err = NULL;
    g_autofree gchar *dir = g_dir_make_tmp("sandbox-test-XXXXXX", &err);
    g_autofree gchar *path1 = g_build_filename(dir, "test1.cfg", NULL);
    g_autofree gchar *path2 = g_build_filename(dir, "test2.cfg", NULL);
    g_autofree gchar *data1 = NULL;
    g_autofree gchar *data2 = NULL;
    g_autoptr(GVirSandboxConfig) loaded = NULL;
    g_auto(GStrv) cmd = NULL;

    g_assert_no_error(err);
    gvir_sandbox_config_set_root(base, "/tmp");
    gvir_sandbox_config_set_userid(base, 666);
    gvir_sandbox_config_interactive_set_tty(cfg, TRUE);
    gvir_sandbox_config_interactive_set_command(cfg, argv);
    gvir_sandbox_config_add_env(base, "key1", "val1");
    g_assert_true(gvir_sandbox_config_set_security_opts(base,
        "static,label=devil_u:devil_r:devil_t:s666:c0.c1023", &err));

    g_assert_true(gvir_sandbox_config_save_to_path(base, path1, &err));
    g_assert_no_error(err);
    /* Like the original, an existing file is never overwritten. */
    g_assert_false(gvir_sandbox_config_save_to_path(base, path1, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_IO);
    g_clear_error(&err);

    loaded = gvir_sandbox_config_load_from_path(path1, &err);
    g_assert_no_error(err);
    g_assert_true(GVIR_SANDBOX_IS_CONFIG_INTERACTIVE(loaded));
    g_assert_true(gvir_sandbox_config_interactive_get_tty(GVIR_SANDBOX_CONFIG_INTERACTIVE(loaded)));
    g_assert_cmpuint(gvir_sandbox_config_get_userid(loaded), ==, 666);
    cmd = gvir_sandbox_config_get_command(loaded);
    g_assert_cmpstr(cmd[1], ==, "-l");
    g_assert_true(gvir_sandbox_config_save_to_path(loaded, path2, &err));

    g_assert_true(g_file_get_contents(path1, &data1, NULL, NULL));
    g_assert_true(g_file_get_contents(path2, &data2, NULL, NULL));
    g_assert_cmpstr(data1, ==, data2);

    g_unlink(path1);
    g_unlink(path2);
    g_rmdir(dir);
}

static void
test_load_errors(void)
{
    g_autoptr(GError) err = NULL;
    GVirSandboxConfig *cfg;

    cfg = gvir_sandbox_config_load_from_data("[api]\nclass=GVirSandboxConfigNope\n", &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(err->message, "GVirSandboxConfigNope"));
    g_clear_error(&err);

    /* An abstract class can't be loaded. */
    cfg = gvir_sandbox_config_load_from_data("[api]\nclass=GVirSandboxConfig\n", &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_clear_error(&err);

    cfg = gvir_sandbox_config_load_from_data("this is not a key file", &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_clear_error(&err);

    cfg = gvir_sandbox_config_load_from_data("[api]\nclass=GVirSandboxConfigInteractive\n", &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(err->message, "[command]"));
    g_clear_error(&err);

    cfg = gvir_sandbox_config_load_from_path("/nonexistent/sandbox.cfg", &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_IO);
    g_assert_nonnull(strstr(err->message, "/nonexistent/sandbox.cfg"));
}

static void
test_original_fixture(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree gchar *path = g_build_filename(TEST_DATA_DIR, "original-interactive.cfg", NULL);
    g_autoptr(GVirSandboxConfig) cfg = gvir_sandbox_config_load_from_path(path, &err);
    g_auto(GStrv) cmd = NULL;

    g_assert_no_error(err);
    g_assert_true(GVIR_SANDBOX_IS_CONFIG_INTERACTIVE(cfg));
    g_assert_cmpstr(gvir_sandbox_config_get_name(cfg), ==, "demo");
    g_assert_cmpstr(gvir_sandbox_config_get_username(cfg), ==, "superdevil");
    cmd = gvir_sandbox_config_get_command(cfg);
    g_assert_cmpstr(cmd[0], ==, "/bin/ls");
}

static void
test_services(void)
{
    g_autoptr(GVirSandboxConfigServiceSystemd) sd = gvir_sandbox_config_service_systemd_new("svc");
    g_autoptr(GVirSandboxConfigServiceGeneric) gen = gvir_sandbox_config_service_generic_new("gen");
    gchar *argv[] = { "/usr/sbin/httpd", "-DFOREGROUND", NULL };
    g_auto(GStrv) cmd = NULL;
    g_auto(GStrv) cmd2 = NULL;

    g_assert_cmpstr(gvir_sandbox_config_service_systemd_get_boot_target(sd), ==, "multi-user.target");
    gvir_sandbox_config_service_systemd_set_boot_target(sd, "rescue.target");
    cmd = gvir_sandbox_config_get_command(GVIR_SANDBOX_CONFIG(sd));
    g_assert_cmpstr(cmd[2], ==, "rescue.target");

    gvir_sandbox_config_service_generic_set_command(gen, argv);
    cmd2 = gvir_sandbox_config_get_command(GVIR_SANDBOX_CONFIG(gen));
    g_assert_cmpstr(cmd2[1], ==, "-DFOREGROUND");
}

static void
test_initrd(void)
{
    g_autoptr(GVirSandboxConfigInitrd) initrd = gvir_sandbox_config_initrd_new();
    GList *modules;

    g_assert_true(g_str_has_suffix(gvir_sandbox_config_initrd_get_init(initrd),
                                   "/libvirt-sandbox-init-qemu"));
    g_assert_null(gvir_sandbox_config_initrd_get_kver(initrd));
    gvir_sandbox_config_initrd_set_kver(initrd, "6.1.0-1-amd64");
    gvir_sandbox_config_initrd_set_kmoddir(initrd, "/lib/modules/6.1.0-1-amd64/kernel");
    gvir_sandbox_config_initrd_add_module(initrd, "virtio.ko");
    gvir_sandbox_config_initrd_add_module(initrd, "virtio_pci.ko");
    g_assert_cmpstr(gvir_sandbox_config_initrd_get_kver(initrd), ==, "6.1.0-1-amd64");

    modules = gvir_sandbox_config_initrd_get_modules(initrd);
    g_assert_cmpuint(g_list_length(modules), ==, 2);
    g_assert_cmpstr(modules->data, ==, "virtio.ko");
    g_assert_cmpstr(modules->next->data, ==, "virtio_pci.ko");
    /* Transfer container, as the original: the strings stay the config's
     * (valgrind would see them leak or freed twice otherwise), and a list
     * from an earlier call stays valid. */
    {
        GList *again;

        gvir_sandbox_config_initrd_add_module(initrd, "virtio_blk.ko");
        again = gvir_sandbox_config_initrd_get_modules(initrd);
        g_assert_cmpuint(g_list_length(again), ==, 3);
        g_assert_true(again->data == modules->data);
        g_assert_cmpstr(g_list_last(again)->data, ==, "virtio_blk.ko");
        g_assert_cmpstr(modules->next->data, ==, "virtio_pci.ko");
        g_list_free(again);
    }
    g_list_free(modules);
}

static void
test_uuid(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("demo");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *argv[] = { "/bin/true", NULL };
    g_autoptr(GError) err = NULL;
    g_autofree gchar *data = NULL;
    g_autoptr(GVirSandboxConfig) loaded = NULL;
    g_autoptr(GVirSandboxConfig) built = NULL;

    gvir_sandbox_config_interactive_set_command(cfg, argv);
    /* The property is construct-only, the setter stores it any time (as the
     * original's did). */
    gvir_sandbox_config_set_uuid(base, "4dea22b3-1d52-d8f3-2516-782e98a23fa0");
    g_assert_cmpstr(gvir_sandbox_config_get_uuid(base), ==, "4dea22b3-1d52-d8f3-2516-782e98a23fa0");
    gvir_sandbox_config_set_uuid(base, NULL);
    g_assert_null(gvir_sandbox_config_get_uuid(base));
    gvir_sandbox_config_set_uuid(base, "4DEA22B31D52D8F32516782E98A23FA0");
    g_assert_cmpstr(gvir_sandbox_config_get_uuid(base), ==, "4DEA22B31D52D8F32516782E98A23FA0");

    /* Not a UUID: refused with a critical, the UUID stays. */
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL,
                          "*gvir_sandbox_config_set_uuid*invalid UUID 'not-a-uuid'*");
    gvir_sandbox_config_set_uuid(base, "not-a-uuid");
    g_test_assert_expected_messages();
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*invalid UUID*");
    gvir_sandbox_config_set_uuid(base, "4dea22b3-1d52-d8f3-2516-782e98a23fa");
    g_test_assert_expected_messages();
    g_assert_cmpstr(gvir_sandbox_config_get_uuid(base), ==, "4DEA22B31D52D8F32516782E98A23FA0");

    /* Key file round trip. */
    gvir_sandbox_config_set_uuid(base, "4dea22b3-1d52-d8f3-2516-782e98a23fa0");
    data = gvir_sandbox_config_save_to_data(base, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(data, "uuid=4dea22b3-1d52-d8f3-2516-782e98a23fa0\n"));
    loaded = gvir_sandbox_config_load_from_data(data, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(gvir_sandbox_config_get_uuid(loaded), ==, "4dea22b3-1d52-d8f3-2516-782e98a23fa0");
    g_clear_object(&loaded);

    loaded = gvir_sandbox_config_load_from_data(
        "[api]\nclass=GVirSandboxConfigInteractive\n[core]\nuuid=zzz\n"
        "[command]\nargv.0=/bin/true\n", &err);
    g_assert_null(loaded);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(err->message, "[core] uuid"));
    g_assert_nonnull(strstr(err->message, "'zzz'"));
    g_clear_error(&err);

    /* Construct property: a valid one is kept, an invalid one ignored with a
     * warning. */
    built = g_object_new(GVIR_SANDBOX_TYPE_CONFIG_INTERACTIVE, "name", "c",
                         "uuid", "4dea22b3-1d52-d8f3-2516-782e98a23fa0", NULL);
    g_assert_cmpstr(gvir_sandbox_config_get_uuid(built), ==, "4dea22b3-1d52-d8f3-2516-782e98a23fa0");
    g_clear_object(&built);
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_WARNING, "*ignoring the config's uuid*");
    built = g_object_new(GVIR_SANDBOX_TYPE_CONFIG_INTERACTIVE, "name", "c", "uuid", "bad", NULL);
    g_test_assert_expected_messages();
    g_assert_null(gvir_sandbox_config_get_uuid(built));
}

static void
test_context_without_config(void)
{
    /* g_object_new without the construct properties: no config, no
     * connection. Nothing may crash. */
    g_autoptr(GVirSandboxContext) ctx = g_object_new(GVIR_SANDBOX_TYPE_CONTEXT_INTERACTIVE, NULL);
    g_autoptr(GError) err = NULL;
    GVirSandboxConfig *cfg = NULL;
    GObject *console;

    g_object_get(ctx, "config", &cfg, NULL);
    g_assert_null(cfg);

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL,
                          "*gvir_sandbox_context_get_config*has no config*");
    cfg = gvir_sandbox_context_get_config(ctx);
    g_test_assert_expected_messages();
    g_assert_null(cfg);

    g_assert_false(gvir_sandbox_context_start(ctx, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(err->message, "config"));
    g_clear_error(&err);

    g_assert_false(gvir_sandbox_context_attach(ctx, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_ARGUMENT);
    g_clear_error(&err);

    console = (GObject *)gvir_sandbox_context_get_shell_console(ctx, &err);
    g_assert_null(console);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_ARGUMENT);
    g_clear_error(&err);

    g_assert_false(gvir_sandbox_context_stop(ctx, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_NOT_RUNNING);
    g_clear_error(&err);
    g_assert_false(gvir_sandbox_context_is_attached(ctx));
}

static void
test_bad_arguments(void)
{
    /* NULL or wrong-type instances log a critical and return, never crash. */
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_get_name*");
    g_assert_null(gvir_sandbox_config_get_name(NULL));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_interactive_new*");
    g_assert_null(gvir_sandbox_config_interactive_new(NULL));
    g_test_assert_expected_messages();

    {
        g_autoptr(GVirSandboxConfigServiceSystemd) sd = gvir_sandbox_config_service_systemd_new("x");
        g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_interactive_set_tty*");
        gvir_sandbox_config_interactive_set_tty((GVirSandboxConfigInteractive *)sd, TRUE);
        g_test_assert_expected_messages();
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(gvir_sandbox_init_check(&argc, &argv, NULL));

    g_test_add_func("/config/struct-sizes", test_struct_sizes);
    g_test_add_func("/config/type-hierarchy", test_type_hierarchy);
    g_test_add_func("/config/interactive-defaults", test_interactive_defaults);
    g_test_add_func("/config/properties", test_properties);
    g_test_add_func("/config/env", test_env);
    g_test_add_func("/config/security-opts", test_security_opts);
    g_test_add_func("/config/limits", test_limits);
    g_test_add_func("/config/filesystem-backend", test_filesystem_backend);
    g_test_add_func("/config/save-load-roundtrip", test_save_load_roundtrip);
    g_test_add_func("/config/load-errors", test_load_errors);
    g_test_add_func("/config/original-fixture", test_original_fixture);
    g_test_add_func("/config/services", test_services);
    g_test_add_func("/config/initrd", test_initrd);
    g_test_add_func("/config/uuid", test_uuid);
    g_test_add_func("/config/context-without-config", test_context_without_config);
    g_test_add_func("/config/bad-arguments", test_bad_arguments);
    return g_test_run();
}
