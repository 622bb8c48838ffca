/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Builder API through the C ABI: the original's struct sizes and vfunc
 * slots, gvir_sandbox_builder_for_connection() on real lxc:/// and
 * qemu:///system connections (test:///default for the error), the
 * GVirConfigDomain builder_construct() returns, the state directory files
 * clean_post_stop removes, and vfuncs overridden by a C subclass really
 * being called.
 */
#include <string.h>
#include <sys/stat.h>
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

static void
check_sizes(GType type, gsize instance, gsize klass)
{
    GTypeQuery q;

    g_type_query(type, &q);
    g_assert_cmpuint(q.instance_size, ==, instance);
    g_assert_cmpuint(q.class_size, ==, klass);
}

static void
test_struct_sizes(void)
{
    /* The original's sizes (spec/original-abi.md), the header's, and the
     * registered types' must all agree. */
    g_assert_cmpuint(sizeof(GVirSandboxBuilder), ==, 32);
    g_assert_cmpuint(sizeof(GVirSandboxBuilderClass), ==, 376);
    g_assert_cmpuint(sizeof(GVirSandboxBuilderContainer), ==, 40);
    g_assert_cmpuint(sizeof(GVirSandboxBuilderMachine), ==, 40);
    g_assert_cmpuint(sizeof(GVirSandboxBuilderInitrd), ==, 32);
    check_sizes(GVIR_SANDBOX_TYPE_BUILDER, sizeof(GVirSandboxBuilder),
                sizeof(GVirSandboxBuilderClass));
    check_sizes(GVIR_SANDBOX_TYPE_BUILDER_CONTAINER, sizeof(GVirSandboxBuilderContainer),
                sizeof(GVirSandboxBuilderContainerClass));
    check_sizes(GVIR_SANDBOX_TYPE_BUILDER_MACHINE, sizeof(GVirSandboxBuilderMachine),
                sizeof(GVirSandboxBuilderMachineClass));
    check_sizes(GVIR_SANDBOX_TYPE_BUILDER_INITRD, sizeof(GVirSandboxBuilderInitrd),
                sizeof(GVirSandboxBuilderInitrdClass));
    /* The vfunc slots in the original's order, right after GObjectClass. */
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxBuilderClass, construct_basic), ==, 136);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxBuilderClass, construct_domain), ==, 176);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxBuilderClass, clean_post_start), ==, 184);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxBuilderClass, clean_post_stop), ==, 192);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxBuilderClass, get_files_to_copy), ==, 208);
    g_assert_true(G_TYPE_IS_ABSTRACT(GVIR_SANDBOX_TYPE_BUILDER));
    g_assert_true(G_TYPE_IS_DERIVABLE(GVIR_SANDBOX_TYPE_BUILDER_CONTAINER));
}

static void
test_unsupported_uri(void)
{
    GVirConnection *conn = open_connection("test:///default");
    g_autoptr(GError) err = NULL;

    g_assert_null(gvir_sandbox_builder_for_connection(conn, &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_UNSUPPORTED);
    g_assert_cmpstr(err->message, ==, "No builder available for URI test:///default");
    g_object_unref(conn);
}

static GVirSandboxConfigInteractive *
new_config(const char *name)
{
    GVirSandboxConfigInteractive *cfg = gvir_sandbox_config_interactive_new(name);
    const char *argv[] = {"/bin/true", NULL};
    /* An empty host-bind: its directory is made in the state directory. */
    const char *mounts[] = {"host-bind:/srv=", "ram:/tmp=10M", NULL};
    g_autoptr(GError) err = NULL;

    gvir_sandbox_config_interactive_set_command(cfg, (gchar **)argv);
    g_assert_true(gvir_sandbox_config_add_mount_strv(GVIR_SANDBOX_CONFIG(cfg),
                                                     (gchar **)mounts, &err));
    g_assert_no_error(err);
    return cfg;
}

static guint
count_devices(GVirConfigDomain *domain, GType type)
{
    GList *devices = gvir_config_domain_get_devices(domain);
    guint n = 0;

    for (GList *d = devices; d; d = d->next)
        if (G_TYPE_CHECK_INSTANCE_TYPE(d->data, type))
            n++;
    g_list_free_full(devices, g_object_unref);
    return n;
}

static void
construct_on(const char *uri, GType builder_type, const char *virt_types,
             GVirSandboxConfigFilesystemBackend backend, guint min_filesystems)
{
    GVirConnection *conn = open_connection(uri);
    g_autoptr(GError) err = NULL;
    g_autoptr(GVirSandboxBuilder) builder = gvir_sandbox_builder_for_connection(conn, &err);
    g_autoptr(GVirSandboxConfigInteractive) cfg = new_config("ctest-builder");
    g_autofree gchar *statedir = g_dir_make_tmp("builder-XXXXXX", &err);
    g_autofree gchar *tmpdir = NULL;
    g_autofree gchar *xml = NULL;
    g_autofree gchar *source = NULL;
    GVirConfigDomain *domain;
    GVirConnection *got;

    g_assert_no_error(err);
    g_assert_nonnull(builder);
    g_assert_true(G_TYPE_CHECK_INSTANCE_TYPE(builder, builder_type));
    gvir_sandbox_config_set_filesystem_backend(GVIR_SANDBOX_CONFIG(cfg), backend);
    got = gvir_sandbox_builder_get_connection(builder);
    g_assert_true(got == conn);
    g_object_unref(got);

    domain = gvir_sandbox_builder_construct(builder, GVIR_SANDBOX_CONFIG(cfg), statedir, &err);
    g_assert_no_error(err);
    g_assert_true(GVIR_CONFIG_IS_DOMAIN(domain));
    g_assert_cmpstr(gvir_config_domain_get_name(domain), ==, "ctest-builder");
    g_assert_nonnull(strstr(virt_types,
        g_enum_get_value(g_type_class_peek(GVIR_CONFIG_TYPE_DOMAIN_VIRT_TYPE),
                         gvir_config_domain_get_virt_type(domain))->value_nick));
    g_assert_cmpuint(count_devices(domain, GVIR_CONFIG_TYPE_DOMAIN_FILESYS), >=, min_filesystems);
    g_assert_cmpuint(count_devices(domain, GVIR_CONFIG_TYPE_DOMAIN_CONSOLE), >=, 1);
    xml = gvir_config_object_to_xml(GVIR_CONFIG_OBJECT(domain));
    /* The state directory is shared with the guest, the host bind's empty
     * directory is in it. */
    g_assert_nonnull(strstr(xml, statedir));
    tmpdir = g_build_filename(statedir, "tmp", NULL);
    source = g_strdup_printf("<source dir=\"%s/", tmpdir);
    g_assert_nonnull(strstr(xml, source));
    g_assert_true(g_file_test(tmpdir, G_FILE_TEST_IS_DIR));

    g_assert_true(gvir_sandbox_builder_clean_post_start(builder, GVIR_SANDBOX_CONFIG(cfg),
                                                        statedir, &err));
    g_assert_no_error(err);
    g_assert_true(g_file_test(tmpdir, G_FILE_TEST_IS_DIR));
    g_assert_true(gvir_sandbox_builder_clean_post_stop(builder, GVIR_SANDBOX_CONFIG(cfg),
                                                       statedir, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(tmpdir, G_FILE_TEST_EXISTS));
    /* Only the directory itself is left (its creator's). */
    g_assert_cmpint(rmdir(statedir), ==, 0);

    g_object_unref(domain);
    g_object_unref(conn);
}

static void
test_construct_lxc(void)
{
    /* The root, the init helpers, the state directory, the host bind. */
    construct_on("lxc:///", GVIR_SANDBOX_TYPE_BUILDER_CONTAINER, "lxc",
                 GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO, 4);
}

static void
test_construct_qemu(void)
{
    /* Over virtio-fs (what a root caller gets when virtiofsd is installed)
     * the init helpers and the state directory come through the root: the
     * root and the host bind; over 9p they are two more shares. */
    construct_on("qemu:///system", GVIR_SANDBOX_TYPE_BUILDER_MACHINE, "qemu kvm",
                 GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO, 2);
    construct_on("qemu:///system", GVIR_SANDBOX_TYPE_BUILDER_MACHINE, "qemu kvm",
                 GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_P9, 4);
}

static void
test_construct_errors(void)
{
    GVirConnection *conn = open_connection("lxc:///");
    g_autoptr(GVirSandboxBuilderContainer) builder = gvir_sandbox_builder_container_new(conn);
    g_autoptr(GVirSandboxConfigInteractive) cfg = new_config("ctest-builder");
    g_autoptr(GError) err = NULL;

    g_assert_null(gvir_sandbox_builder_construct(GVIR_SANDBOX_BUILDER(builder),
                                                 GVIR_SANDBOX_CONFIG(cfg),
                                                 "/nonexistent/state", &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(err->message, "/nonexistent/state"));
    g_clear_error(&err);

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*statedir != NULL*");
    g_assert_null(gvir_sandbox_builder_construct(GVIR_SANDBOX_BUILDER(builder),
                                                 GVIR_SANDBOX_CONFIG(cfg), NULL, &err));
    g_test_assert_expected_messages();
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*");
    g_assert_null(gvir_sandbox_builder_for_connection(NULL, &err));
    g_test_assert_expected_messages();
    g_assert_no_error(err);
    g_object_unref(conn);
}

/* A C subclass of the container builder overriding vfuncs. */
typedef struct {
    GVirSandboxBuilderContainer parent;
    gboolean post_start_called;
} TestBuilder;
typedef struct {
    GVirSandboxBuilderContainerClass parent_class;
} TestBuilderClass;

G_DEFINE_TYPE(TestBuilder, test_builder, GVIR_SANDBOX_TYPE_BUILDER_CONTAINER)

static gboolean
test_builder_construct_devices(GVirSandboxBuilder *builder G_GNUC_UNUSED,
                               GVirSandboxConfig *config G_GNUC_UNUSED,
                               const gchar *statedir G_GNUC_UNUSED,
                               GVirConfigDomain *domain, GError **error G_GNUC_UNUSED)
{
    /* Called after construct_domain filled the domain. */
    g_assert_cmpstr(gvir_config_domain_get_name(domain), ==, "ctest-builder");
    gvir_config_domain_set_title(domain, "added by construct_devices");
    return TRUE;
}

static gboolean
test_builder_clean_post_start(GVirSandboxBuilder *builder,
                              GVirSandboxConfig *config G_GNUC_UNUSED,
                              const gchar *statedir G_GNUC_UNUSED, GError **error)
{
    ((TestBuilder *)builder)->post_start_called = TRUE;
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_BUSY, "overridden");
    return FALSE;
}

static void
test_builder_class_init(TestBuilderClass *klass)
{
    GVirSandboxBuilderClass *builder_class = GVIR_SANDBOX_BUILDER_CLASS(klass);

    builder_class->construct_devices = test_builder_construct_devices;
    builder_class->clean_post_start = test_builder_clean_post_start;
}

static void
test_builder_init(TestBuilder *builder G_GNUC_UNUSED)
{
}

static void
test_vfuncs_dispatched(void)
{
    GVirConnection *conn = open_connection("lxc:///");
    TestBuilder *builder = g_object_new(test_builder_get_type(), "connection", conn, NULL);
    g_autoptr(GVirSandboxConfigInteractive) cfg = new_config("ctest-builder");
    g_autoptr(GError) err = NULL;
    g_autofree gchar *statedir = g_dir_make_tmp("builder-XXXXXX", &err);
    GVirConfigDomain *domain;

    domain = gvir_sandbox_builder_construct(GVIR_SANDBOX_BUILDER(builder),
                                            GVIR_SANDBOX_CONFIG(cfg), statedir, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(gvir_config_domain_get_title(domain), ==, "added by construct_devices");
    g_assert_false(gvir_sandbox_builder_clean_post_start(GVIR_SANDBOX_BUILDER(builder),
                                                         GVIR_SANDBOX_CONFIG(cfg), statedir,
                                                         &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_assert_true(builder->post_start_called);
    g_clear_error(&err);
    /* Not overridden: the default. */
    g_assert_true(gvir_sandbox_builder_clean_post_stop(GVIR_SANDBOX_BUILDER(builder),
                                                       GVIR_SANDBOX_CONFIG(cfg), statedir,
                                                       &err));
    g_assert_no_error(err);
    g_assert_cmpint(rmdir(statedir), ==, 0);
    g_object_unref(domain);
    g_object_unref(builder);
    g_object_unref(conn);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gvir_sandbox_init(&argc, &argv);
    g_test_add_func("/builder/struct-sizes", test_struct_sizes);
    g_test_add_func("/builder/unsupported-uri", test_unsupported_uri);
    g_test_add_func("/builder/construct-lxc", test_construct_lxc);
    g_test_add_func("/builder/construct-qemu", test_construct_qemu);
    g_test_add_func("/builder/construct-errors", test_construct_errors);
    g_test_add_func("/builder/vfuncs-dispatched", test_vfuncs_dispatched);
    return g_test_run();
}
