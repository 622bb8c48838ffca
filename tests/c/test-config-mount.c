/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the mount classes and of the mount/include methods of
 * GVirSandboxConfig through the exported C ABI of libvirt-sandbox-1.0.so.
 */
#include <glib/gstdio.h>
#include <libvirt-sandbox/libvirt-sandbox.h>

static void
test_struct_sizes(void)
{
    GTypeQuery q;

    /* C and Vala embed these structs: their sizes must equal Rust's. */
    g_type_query(GVIR_SANDBOX_TYPE_CONFIG_MOUNT, &q);
    g_assert_cmpuint(q.class_size, ==, sizeof(GVirSandboxConfigMountClass));
    g_assert_cmpuint(q.instance_size, ==, sizeof(GVirSandboxConfigMount));
    g_type_query(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE, &q);
    g_assert_cmpuint(q.class_size, ==, sizeof(GVirSandboxConfigMountFileClass));
    g_assert_cmpuint(q.instance_size, ==, sizeof(GVirSandboxConfigMountFile));
}

static void
test_type_hierarchy(void)
{
    g_assert_true(G_TYPE_IS_ABSTRACT(GVIR_SANDBOX_TYPE_CONFIG_MOUNT));
    g_assert_true(G_TYPE_IS_ABSTRACT(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE));
    g_assert_false(G_TYPE_IS_ABSTRACT(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_BIND));
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE, GVIR_SANDBOX_TYPE_CONFIG_MOUNT));
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_BIND, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE));
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_IMAGE, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE));
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_GUEST_BIND, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE));
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_RAM, GVIR_SANDBOX_TYPE_CONFIG_MOUNT));
    g_assert_false(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_RAM, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE));
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_IMAGE), ==,
                    "GVirSandboxConfigMountHostImage");
}

static void
test_constructors(void)
{
    g_autoptr(GVirSandboxConfigMountHostBind) bind =
        gvir_sandbox_config_mount_host_bind_new("/tmp/home", "/var/run/hell");
    g_autoptr(GVirSandboxConfigMountHostBind) temp = gvir_sandbox_config_mount_host_bind_new(NULL, "/tmp");
    g_autoptr(GVirSandboxConfigMountHostImage) image =
        gvir_sandbox_config_mount_host_image_new("/tmp/img.qcow2", "/etc", GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_autoptr(GVirSandboxConfigMountGuestBind) guest =
        gvir_sandbox_config_mount_guest_bind_new("/tmp/home", "/home");
    g_autoptr(GVirSandboxConfigMountRam) ram = gvir_sandbox_config_mount_ram_new("/run", 500 * 1024 * 1024);
    g_autoptr(GVirSandboxConfigMountRam) ram_default = NULL;
    g_autofree gchar *target = NULL;
    g_autofree gchar *source = NULL;
    GVirConfigDomainDiskFormat format = GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW;
    guint64 usage = 0;

    g_assert_cmpstr(gvir_sandbox_config_mount_get_target(GVIR_SANDBOX_CONFIG_MOUNT(bind)), ==, "/var/run/hell");
    g_assert_cmpstr(gvir_sandbox_config_mount_file_get_source(GVIR_SANDBOX_CONFIG_MOUNT_FILE(bind)), ==,
                    "/tmp/home");
    /* No source: a fresh temporary directory. */
    g_assert_null(gvir_sandbox_config_mount_file_get_source(GVIR_SANDBOX_CONFIG_MOUNT_FILE(temp)));

    g_assert_cmpint(gvir_sandbox_config_mount_host_image_get_format(image), ==,
                    GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_object_get(image, "target", &target, "source", &source, "format", &format, NULL);
    g_assert_cmpstr(target, ==, "/etc");
    g_assert_cmpstr(source, ==, "/tmp/img.qcow2");
    g_assert_cmpint(format, ==, GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_assert_true(G_PARAM_SPEC_VALUE_TYPE(g_object_class_find_property(G_OBJECT_GET_CLASS(image), "format")) ==
                  GVIR_CONFIG_TYPE_DOMAIN_DISK_FORMAT);

    gvir_sandbox_config_mount_file_set_source(GVIR_SANDBOX_CONFIG_MOUNT_FILE(guest), "/srv/other");
    g_assert_cmpstr(gvir_sandbox_config_mount_file_get_source(GVIR_SANDBOX_CONFIG_MOUNT_FILE(guest)), ==,
                    "/srv/other");

    g_assert_cmpuint(gvir_sandbox_config_mount_ram_get_usage(ram), ==, 500 * 1024 * 1024);
    gvir_sandbox_config_mount_ram_set_usage(ram, 4096);
    g_object_get(ram, "usage", &usage, NULL);
    g_assert_cmpuint(usage, ==, 4096);
    ram_default = g_object_new(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_RAM, "target", "/x", NULL);
    g_assert_cmpuint(gvir_sandbox_config_mount_ram_get_usage(ram_default), ==, 10240);
}

static void
test_includes(void)
{
    g_autoptr(GVirSandboxConfigMountHostBind) bind = gvir_sandbox_config_mount_host_bind_new("/srv", "/tmp");
    GVirSandboxConfigMount *mnt = GVIR_SANDBOX_CONFIG_MOUNT(bind);
    GHashTable *table;

    table = gvir_sandbox_config_mount_get_includes(mnt);
    g_assert_nonnull(table);
    g_assert_cmpuint(g_hash_table_size(table), ==, 0);
    gvir_sandbox_config_mount_add_include(mnt, "/host/a", "/a");
    gvir_sandbox_config_mount_add_include(mnt, "/host/b", "/b");
    gvir_sandbox_config_mount_add_include(mnt, "/host/a2", "/a");
    /* The table is owned by the mount: the same one, brought up to date. */
    g_assert_true(gvir_sandbox_config_mount_get_includes(mnt) == table);
    g_assert_cmpuint(g_hash_table_size(table), ==, 2);
    g_assert_cmpstr(g_hash_table_lookup(table, "/a"), ==, "/host/a2");
    g_assert_cmpstr(g_hash_table_lookup(table, "/b"), ==, "/host/b");
}

static void
test_config_mounts(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("mounts");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    g_autoptr(GVirSandboxConfigMountRam) ram = gvir_sandbox_config_mount_ram_new("/", 1024);
    gchar *mounts[] = {
        "host-bind:/var/run/hell=/tmp/home",
        "host-image:/etc=/tmp/home/img.qcow2",
        "host-image:/etc=/tmp/home,format=qcow2",
        "host-bind:/tmp=",
        "ram:/tmp=500M",
        NULL,
    };
    g_autoptr(GError) err = NULL;
    GList *list;
    GVirSandboxConfigMount *found;

    g_assert_false(gvir_sandbox_config_has_mounts(base));
    g_assert_true(gvir_sandbox_config_add_mount_strv(base, mounts, &err));
    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_config_has_mounts(base));
    g_assert_false(gvir_sandbox_config_has_root_mount(base));

    list = gvir_sandbox_config_get_mounts(base);
    g_assert_cmpuint(g_list_length(list), ==, 5);
    g_assert_true(GVIR_SANDBOX_IS_CONFIG_MOUNT_HOST_BIND(list->data));
    g_assert_true(GVIR_SANDBOX_IS_CONFIG_MOUNT_RAM(g_list_last(list)->data));
    g_assert_cmpuint(gvir_sandbox_config_mount_ram_get_usage(g_list_last(list)->data), ==, 500 * 1024 * 1024);
    g_assert_cmpint(gvir_sandbox_config_mount_host_image_get_format(list->next->data), ==,
                    GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_assert_cmpstr(gvir_sandbox_config_mount_file_get_source(list->next->next->data), ==, "/tmp/home");
    g_assert_cmpint(gvir_sandbox_config_mount_host_image_get_format(list->next->next->data), ==,
                    GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_assert_null(gvir_sandbox_config_mount_file_get_source(list->next->next->next->data));
    /* Each element holds its own reference: the list outlives nothing. */
    g_assert_cmpuint(G_OBJECT(list->data)->ref_count, ==, 2);
    g_list_free_full(list, g_object_unref);

    list = gvir_sandbox_config_get_mounts_with_type(base, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_IMAGE);
    g_assert_cmpuint(g_list_length(list), ==, 2);
    g_list_free_full(list, g_object_unref);
    /* Exact type match, not is-a. */
    list = gvir_sandbox_config_get_mounts_with_type(base, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE);
    g_assert_null(list);
    g_assert_false(gvir_sandbox_config_has_mounts_with_type(base, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE));
    g_assert_true(gvir_sandbox_config_has_mounts_with_type(base, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_RAM));
    g_assert_false(gvir_sandbox_config_has_mounts_with_type(base, GVIR_SANDBOX_TYPE_CONFIG_MOUNT_GUEST_BIND));

    found = gvir_sandbox_config_find_mount(base, "/tmp");
    g_assert_true(GVIR_SANDBOX_IS_CONFIG_MOUNT_HOST_BIND(found));
    g_object_unref(found);
    g_assert_null(gvir_sandbox_config_find_mount(base, "/nope"));

    gvir_sandbox_config_add_mount(base, GVIR_SANDBOX_CONFIG_MOUNT(ram));
    g_assert_true(gvir_sandbox_config_has_root_mount(base));
    found = gvir_sandbox_config_find_mount(base, "/");
    g_assert_true(found == GVIR_SANDBOX_CONFIG_MOUNT(ram));
    g_object_unref(found);
}

static void
test_mount_errors(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("errors");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *mounts[] = { "ram:/run=1M", "bogus:/x=/y", "ram:/never=1M", NULL };
    const gchar *bad[] = { "/tmp=/x", "bogus:/x=/y", "host-bind:/x", "host-image:/x=/i,format=zip", "ram:/x=lots" };
    g_autoptr(GError) err = NULL;
    GVirSandboxConfigMount *run;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(gvir_sandbox_config_add_mount_opts(base, bad[i], &err));
        g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_MOUNT);
        g_assert_nonnull(strstr(err->message, bad[i]));
        g_clear_error(&err);
    }
    g_assert_false(gvir_sandbox_config_has_mounts(base));

    /* strv stops at the first invalid entry; earlier ones stay added. */
    g_assert_false(gvir_sandbox_config_add_mount_strv(base, mounts, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_MOUNT);
    run = gvir_sandbox_config_find_mount(base, "/run");
    g_assert_nonnull(run);
    g_object_unref(run);
    g_assert_null(gvir_sandbox_config_find_mount(base, "/never"));
}

static void
test_host_includes(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("incl");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *mounts[] = { "host-bind:/etc=/srv/etc", "host-bind:/tmp=", NULL };
    gchar *includes[] = { "/etc/nswitch.conf", "/etc/resolve.conf", "/tmp/bar=/var/tmp/foo/bar", NULL };
    gchar *orphan[] = { "/var/x", NULL };
    g_autoptr(GError) err = NULL;
    g_autofree gchar *dir = g_dir_make_tmp("sandbox-mount-XXXXXX", &err);
    g_autofree gchar *file = g_build_filename(dir, "includes", NULL);
    g_autofree gchar *missing = g_build_filename(dir, "missing", NULL);
    GVirSandboxConfigMount *etc;
    GVirSandboxConfigMount *tmp;
    GHashTable *table;

    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_config_add_mount_strv(base, mounts, &err));
    g_assert_true(gvir_sandbox_config_add_host_include_strv(base, includes, &err));
    g_assert_no_error(err);
    etc = gvir_sandbox_config_find_mount(base, "/etc");
    tmp = gvir_sandbox_config_find_mount(base, "/tmp");
    table = gvir_sandbox_config_mount_get_includes(etc);
    g_assert_cmpuint(g_hash_table_size(table), ==, 2);
    g_assert_cmpstr(g_hash_table_lookup(table, "/nswitch.conf"), ==, "/etc/nswitch.conf");
    table = gvir_sandbox_config_mount_get_includes(tmp);
    g_assert_cmpstr(g_hash_table_lookup(table, "/bar"), ==, "/var/tmp/foo/bar");

    g_assert_false(gvir_sandbox_config_add_host_include_strv(base, orphan, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_INCLUDE);
    g_assert_nonnull(strstr(err->message, "no mount contains '/var/x'"));
    g_clear_error(&err);

    g_assert_true(g_file_set_contents(file, "# includes\n/etc/hosts=/srv/hosts\n\n/tmp/baz\n", -1, NULL));
    g_assert_true(gvir_sandbox_config_add_host_include_file(base, file, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(g_hash_table_lookup(gvir_sandbox_config_mount_get_includes(etc), "/hosts"), ==, "/srv/hosts");
    g_assert_cmpstr(g_hash_table_lookup(gvir_sandbox_config_mount_get_includes(tmp), "/baz"), ==, "/tmp/baz");

    g_assert_true(g_file_set_contents(file, "/nowhere/x\n", -1, NULL));
    g_assert_false(gvir_sandbox_config_add_host_include_file(base, file, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_INCLUDE);
    g_clear_error(&err);
    g_assert_false(gvir_sandbox_config_add_host_include_file(base, missing, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_IO);

    g_object_unref(etc);
    g_object_unref(tmp);
    g_unlink(file);
    g_rmdir(dir);
}

static void
test_save_load_roundtrip(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("demo");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *mounts[] = {
        "host-bind:/var/run/hell=/tmp/home",
        "host-image:/etc=/tmp/home/img.qcow2",
        "host-image:/etc=/tmp/home,format=qcow2",
        "host-bind:/tmp=",
        "ram:/run=500M",
        "guest-bind:/home=/tmp/home",
        NULL,
    };
    gchar *includes[] = { "/etc/nswitch.conf", "/etc/resolve.conf", "/tmp/bar=/var/tmp/foo/bar", NULL };
    g_autoptr(GError) err = NULL;
    g_autofree gchar *dir = g_dir_make_tmp("sandbox-mount-XXXXXX", &err);
    g_autofree gchar *path1 = g_build_filename(dir, "test1.cfg", NULL);
    g_autofree gchar *path2 = g_build_filename(dir, "test2.cfg", NULL);
    g_autofree gchar *data1 = NULL;
    g_autofree gchar *data2 = NULL;
    g_autoptr(GVirSandboxConfig) loaded = NULL;
    GList *list;

    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_config_add_mount_strv(base, mounts, &err));
    g_assert_true(gvir_sandbox_config_add_host_include_strv(base, includes, &err));
    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_config_save_to_path(base, path1, &err));
    g_assert_no_error(err);

    loaded = gvir_sandbox_config_load_from_path(path1, &err);
    g_assert_no_error(err);
    list = gvir_sandbox_config_get_mounts(loaded);
    g_assert_cmpuint(g_list_length(list), ==, 6);
    g_assert_true(GVIR_SANDBOX_IS_CONFIG_MOUNT_GUEST_BIND(g_list_last(list)->data));
    g_assert_null(gvir_sandbox_config_mount_file_get_source(g_list_nth_data(list, 3)));
    g_assert_cmpuint(g_hash_table_size(gvir_sandbox_config_mount_get_includes(g_list_nth_data(list, 1))), ==, 2);
    g_list_free_full(list, g_object_unref);
    g_assert_true(gvir_sandbox_config_save_to_path(loaded, path2, &err));
    g_assert_no_error(err);

    g_assert_true(g_file_get_contents(path1, &data1, NULL, NULL));
    g_assert_true(g_file_get_contents(path2, &data2, NULL, NULL));
    g_assert_cmpstr(data1, ==, data2);
    g_assert_nonnull(strstr(data1, "[mount.1]\ntype=GVirSandboxConfigMountHostImage\ntarget=/etc\n"
                                   "format=qcow2\nsource=/tmp/home/img.qcow2\n"));
    g_assert_nonnull(strstr(data1, "[mount.1.include.1]\ndst=/resolve.conf\nsrc=/etc/resolve.conf\n"));
    g_assert_nonnull(strstr(data1, "[mount.4]\ntype=GVirSandboxConfigMountRam\ntarget=/run\nusage=524288000\n"));

    g_unlink(path1);
    g_unlink(path2);
    g_rmdir(dir);
}

static void
test_load_errors(void)
{
    g_autoptr(GError) err = NULL;
    GVirSandboxConfig *cfg;

    cfg = gvir_sandbox_config_load_from_data(
        "[api]\nclass=GVirSandboxConfigInteractive\n[command]\nargv.0=/bin/sh\n"
        "[mount.0]\ntype=GVirSandboxConfigMountNope\ntarget=/t\n", &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(err->message, "[mount.0]"));
    g_assert_nonnull(strstr(err->message, "GVirSandboxConfigMountNope"));
    g_clear_error(&err);

    cfg = gvir_sandbox_config_load_from_data(
        "[api]\nclass=GVirSandboxConfigInteractive\n[command]\nargv.0=/bin/sh\n"
        "[mount.3]\ntype=GVirSandboxConfigMountRam\ntarget=/t\n", &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(err->message, "[mount.3]"));
    g_assert_nonnull(strstr(err->message, "usage"));
}

static void
test_bad_arguments(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("bad");
    g_autoptr(GVirSandboxConfigMountRam) ram = gvir_sandbox_config_mount_ram_new("/run", 1024);

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_mount_get_target*");
    g_assert_null(gvir_sandbox_config_mount_get_target(NULL));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_mount_host_bind_new*");
    g_assert_null(gvir_sandbox_config_mount_host_bind_new("/src", NULL));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_mount_host_image_new*");
    g_assert_null(gvir_sandbox_config_mount_host_image_new("/i", "/t", (GVirConfigDomainDiskFormat)999));
    g_test_assert_expected_messages();

    /* A RAM mount is not a file mount. */
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_mount_file_get_source*");
    g_assert_null(gvir_sandbox_config_mount_file_get_source((GVirSandboxConfigMountFile *)ram));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_add_mount*");
    gvir_sandbox_config_add_mount(GVIR_SANDBOX_CONFIG(cfg), NULL);
    g_test_assert_expected_messages();
    g_assert_false(gvir_sandbox_config_has_mounts(GVIR_SANDBOX_CONFIG(cfg)));

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_add_mount_opts*");
    g_assert_false(gvir_sandbox_config_add_mount_opts(GVIR_SANDBOX_CONFIG(cfg), NULL, NULL));
    g_test_assert_expected_messages();
}

static void
test_host_image_values(void)
{
    g_autoptr(GVirSandboxConfigMountHostImage) image = NULL;
    g_autoptr(GVirSandboxConfigMountHostImage) qcow = NULL;
    GVirConfigDomainDiskFormat format = GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2;

    /* The format property, set and read back through GObject. */
    qcow = g_object_new(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_IMAGE, "target", "/t", "source", "/i",
                        "format", GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2, NULL);
    g_assert_cmpint(gvir_sandbox_config_mount_host_image_get_format(qcow), ==,
                    GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_object_get(qcow, "format", &format, NULL);
    g_assert_cmpint(format, ==, GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);

    /* Not a member of the enum: GObject refuses it, the default stays. */
    g_test_expect_message("GLib-GObject", G_LOG_LEVEL_WARNING, "*invalid or out of range*format*");
    image = g_object_new(GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_IMAGE, "target", "/t", "source", "/i",
                         "format", 999, NULL);
    g_test_assert_expected_messages();
    g_assert_cmpint(gvir_sandbox_config_mount_host_image_get_format(image), ==,
                    GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW);
    g_object_get(image, "format", &format, NULL);
    g_assert_cmpint(format, ==, GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW);

    /* A source that is not UTF-8 is refused; it does not clear the source. */
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL,
                          "*gvir_sandbox_config_mount_file_set_source*UTF-8*");
    gvir_sandbox_config_mount_file_set_source(GVIR_SANDBOX_CONFIG_MOUNT_FILE(image), "/\xff\xfe");
    g_test_assert_expected_messages();
    g_assert_cmpstr(gvir_sandbox_config_mount_file_get_source(GVIR_SANDBOX_CONFIG_MOUNT_FILE(image)),
                    ==, "/i");
    gvir_sandbox_config_mount_file_set_source(GVIR_SANDBOX_CONFIG_MOUNT_FILE(image), NULL);
    g_assert_null(gvir_sandbox_config_mount_file_get_source(GVIR_SANDBOX_CONFIG_MOUNT_FILE(image)));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(gvir_sandbox_init_check(&argc, &argv, NULL));

    g_test_add_func("/config-mount/struct-sizes", test_struct_sizes);
    g_test_add_func("/config-mount/type-hierarchy", test_type_hierarchy);
    g_test_add_func("/config-mount/constructors", test_constructors);
    g_test_add_func("/config-mount/includes", test_includes);
    g_test_add_func("/config-mount/config-mounts", test_config_mounts);
    g_test_add_func("/config-mount/mount-errors", test_mount_errors);
    g_test_add_func("/config-mount/host-includes", test_host_includes);
    g_test_add_func("/config-mount/save-load-roundtrip", test_save_load_roundtrip);
    g_test_add_func("/config-mount/load-errors", test_load_errors);
    g_test_add_func("/config-mount/bad-arguments", test_bad_arguments);
    g_test_add_func("/config-mount/host-image-values", test_host_image_values);
    return g_test_run();
}
