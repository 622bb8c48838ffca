/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of the network and disk classes, and of the GVirSandboxConfig
 * network/disk methods, through the exported C ABI.
 */
#include <glib/gstdio.h>
#include <libvirt-sandbox/libvirt-sandbox.h>

static GInetAddress *
addr(const gchar *s)
{
    GInetAddress *a = g_inet_address_new_from_string(s);
    g_assert_nonnull(a);
    return a;
}

static void
test_types(void)
{
    g_assert_false(G_TYPE_IS_ABSTRACT(GVIR_SANDBOX_TYPE_CONFIG_NETWORK));
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_CONFIG_NETWORK), ==, "GVirSandboxConfigNetwork");
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_CONFIG_NETWORK_ADDRESS), ==, "GVirSandboxConfigNetworkAddress");
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_CONFIG_NETWORK_ROUTE), ==, "GVirSandboxConfigNetworkRoute");
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_CONFIG_NETWORK_FILTERREF), ==, "GVirSandboxConfigNetworkFilterref");
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_CONFIG_NETWORK_FILTERREF_PARAMETER), ==,
                    "GVirSandboxConfigNetworkFilterrefParameter");
    g_assert_cmpstr(g_type_name(GVIR_SANDBOX_TYPE_CONFIG_DISK), ==, "GVirSandboxConfigDisk");
    g_assert_true(g_type_is_a(GVIR_SANDBOX_TYPE_CONFIG_DISK, G_TYPE_OBJECT));
}

static void
test_network(void)
{
    g_autoptr(GVirSandboxConfigNetwork) net = gvir_sandbox_config_network_new();
    g_autoptr(GInetAddress) primary = addr("10.0.0.1");
    g_autoptr(GInetAddress) bcast = addr("10.0.0.255");
    g_autoptr(GInetAddress) target = addr("192.168.1.0");
    g_autoptr(GInetAddress) gateway = addr("10.0.0.3");
    g_autoptr(GVirSandboxConfigNetworkAddress) a = gvir_sandbox_config_network_address_new(primary, 24, bcast);
    g_autoptr(GVirSandboxConfigNetworkRoute) r = gvir_sandbox_config_network_route_new(target, 16, gateway);
    g_autofree gchar *source = NULL;
    gboolean dhcp = FALSE;
    GList *addrs, *routes;

    g_assert_true(gvir_sandbox_config_network_get_dhcp(net));
    g_assert_null(gvir_sandbox_config_network_get_source(net));
    g_assert_null(gvir_sandbox_config_network_get_mac(net));
    g_assert_null(gvir_sandbox_config_network_get_filterref(net));
    g_assert_null(gvir_sandbox_config_network_get_addresses(net));

    gvir_sandbox_config_network_set_dhcp(net, FALSE);
    gvir_sandbox_config_network_set_source(net, "private");
    gvir_sandbox_config_network_set_mac(net, "52:54:00:12:34:56");
    g_object_get(net, "dhcp", &dhcp, "source", &source, NULL);
    g_assert_false(dhcp);
    g_assert_cmpstr(source, ==, "private");
    g_assert_cmpstr(gvir_sandbox_config_network_get_mac(net), ==, "52:54:00:12:34:56");
    gvir_sandbox_config_network_set_mac(net, NULL);
    g_assert_null(gvir_sandbox_config_network_get_mac(net));

    gvir_sandbox_config_network_add_address(net, a);
    gvir_sandbox_config_network_add_route(net, r);

    /* Lists are new, and every element holds a reference of its own. */
    addrs = gvir_sandbox_config_network_get_addresses(net);
    g_assert_cmpuint(g_list_length(addrs), ==, 1);
    g_assert_true(addrs->data == (gpointer)a);
    g_assert_cmpuint(G_OBJECT(a)->ref_count, ==, 3);
    g_list_free_full(addrs, g_object_unref);
    g_assert_cmpuint(G_OBJECT(a)->ref_count, ==, 2);

    routes = gvir_sandbox_config_network_get_routes(net);
    g_assert_cmpuint(g_list_length(routes), ==, 1);
    g_assert_true(gvir_sandbox_config_network_route_get_gateway(routes->data) == gateway
                  || g_inet_address_equal(gvir_sandbox_config_network_route_get_gateway(routes->data), gateway));
    g_list_free_full(routes, g_object_unref);
}

static void
test_address_route(void)
{
    g_autoptr(GInetAddress) v6 = addr("2001:212::204:2");
    g_autoptr(GInetAddress) v4 = addr("10.0.0.1");
    g_autoptr(GVirSandboxConfigNetworkAddress) a = gvir_sandbox_config_network_address_new(v6, 64, NULL);
    g_autoptr(GVirSandboxConfigNetworkRoute) r = gvir_sandbox_config_network_route_new(v4, 8, v6);
    g_autoptr(GInetAddress) prop_primary = NULL;
    g_autoptr(GInetAddress) prop_bcast = NULL;
    g_autofree gchar *s = NULL;
    guint prefix = 0;

    g_object_get(a, "primary", &prop_primary, "broadcast", &prop_bcast, "prefix", &prefix, NULL);
    s = g_inet_address_to_string(prop_primary);
    g_assert_cmpstr(s, ==, "2001:212::204:2");
    g_assert_null(prop_bcast);
    g_assert_cmpuint(prefix, ==, 64);
    g_assert_true(gvir_sandbox_config_network_address_get_primary(a) == v6);
    g_assert_null(gvir_sandbox_config_network_address_get_broadcast(a));

    gvir_sandbox_config_network_address_set_primary(a, v4);
    gvir_sandbox_config_network_address_set_prefix(a, 128);
    gvir_sandbox_config_network_address_set_broadcast(a, v6);
    g_assert_true(gvir_sandbox_config_network_address_get_primary(a) == v4);
    g_assert_cmpuint(gvir_sandbox_config_network_address_get_prefix(a), ==, 128);
    g_assert_true(gvir_sandbox_config_network_address_get_broadcast(a) == v6);

    g_assert_cmpuint(gvir_sandbox_config_network_route_get_prefix(r), ==, 8);
    g_assert_true(gvir_sandbox_config_network_route_get_target(r) == v4);
    g_assert_true(gvir_sandbox_config_network_route_get_gateway(r) == v6);
    gvir_sandbox_config_network_route_set_prefix(r, 0);
    gvir_sandbox_config_network_route_set_target(r, v6);
    gvir_sandbox_config_network_route_set_gateway(r, v4);
    g_assert_cmpuint(gvir_sandbox_config_network_route_get_prefix(r), ==, 0);
    g_assert_true(gvir_sandbox_config_network_route_get_target(r) == v6);
    g_assert_true(gvir_sandbox_config_network_route_get_gateway(r) == v4);

    /* g_object_new defaults. */
    {
        g_autoptr(GVirSandboxConfigNetworkAddress) d =
            g_object_new(GVIR_SANDBOX_TYPE_CONFIG_NETWORK_ADDRESS, NULL);
        g_assert_cmpuint(gvir_sandbox_config_network_address_get_prefix(d), ==, 24);
        g_assert_null(gvir_sandbox_config_network_address_get_primary(d));
    }
}

static void
test_filterref(void)
{
    g_autoptr(GVirSandboxConfigNetwork) net = gvir_sandbox_config_network_new();
    g_autoptr(GVirSandboxConfigNetworkFilterref) ref = gvir_sandbox_config_network_filterref_new();
    g_autoptr(GVirSandboxConfigNetworkFilterrefParameter) p = gvir_sandbox_config_network_filterref_parameter_new();
    g_autofree gchar *value = NULL;
    GList *params;

    g_assert_null(gvir_sandbox_config_network_filterref_get_name(ref));
    gvir_sandbox_config_network_filterref_set_name(ref, "clean-traffic");
    g_assert_cmpstr(gvir_sandbox_config_network_filterref_get_name(ref), ==, "clean-traffic");

    gvir_sandbox_config_network_filterref_parameter_set_name(p, "IP");
    gvir_sandbox_config_network_filterref_parameter_set_value(p, "192.168.122.1");
    g_object_get(p, "value", &value, NULL);
    g_assert_cmpstr(value, ==, "192.168.122.1");
    g_assert_cmpstr(gvir_sandbox_config_network_filterref_parameter_get_name(p), ==, "IP");
    gvir_sandbox_config_network_filterref_add_parameter(ref, p);

    params = gvir_sandbox_config_network_filterref_get_parameters(ref);
    g_assert_cmpuint(g_list_length(params), ==, 1);
    g_assert_true(params->data == (gpointer)p);
    g_list_free_full(params, g_object_unref);

    gvir_sandbox_config_network_set_filterref(net, ref);
    /* transfer none: the network keeps the reference. */
    g_assert_true(gvir_sandbox_config_network_get_filterref(net) == ref);
    gvir_sandbox_config_network_set_filterref(net, NULL);
    g_assert_null(gvir_sandbox_config_network_get_filterref(net));
}

static void
test_network_opts(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("net");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *nets[] = {
        "address=10.0.0.1/24%10.0.0.255",
        "address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3",
        "dhcp,source=default",
        "filter=clean-traffic,filter.ip=192.168.122.1",
        NULL,
    };
    g_autoptr(GError) err = NULL;
    GList *networks, *addrs, *routes, *params;
    GVirSandboxConfigNetwork *n;
    GVirSandboxConfigNetworkFilterref *ref;
    g_autofree gchar *bcast = NULL;
    g_autofree gchar *gw = NULL;

    g_assert_false(gvir_sandbox_config_has_networks(base));
    g_assert_true(gvir_sandbox_config_add_network_strv(base, nets, &err));
    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_config_has_networks(base));

    networks = gvir_sandbox_config_get_networks(base);
    g_assert_cmpuint(g_list_length(networks), ==, 4);

    n = networks->data;
    g_assert_false(gvir_sandbox_config_network_get_dhcp(n));
    addrs = gvir_sandbox_config_network_get_addresses(n);
    g_assert_cmpuint(gvir_sandbox_config_network_address_get_prefix(addrs->data), ==, 24);
    bcast = g_inet_address_to_string(gvir_sandbox_config_network_address_get_broadcast(addrs->data));
    g_assert_cmpstr(bcast, ==, "10.0.0.255");
    g_list_free_full(addrs, g_object_unref);

    n = networks->next->data;
    routes = gvir_sandbox_config_network_get_routes(n);
    g_assert_cmpuint(g_list_length(routes), ==, 1);
    gw = g_inet_address_to_string(gvir_sandbox_config_network_route_get_gateway(routes->data));
    g_assert_cmpstr(gw, ==, "10.0.0.3");
    g_list_free_full(routes, g_object_unref);

    n = networks->next->next->data;
    g_assert_true(gvir_sandbox_config_network_get_dhcp(n));
    g_assert_cmpstr(gvir_sandbox_config_network_get_source(n), ==, "default");

    n = networks->next->next->next->data;
    ref = gvir_sandbox_config_network_get_filterref(n);
    g_assert_nonnull(ref);
    g_assert_cmpstr(gvir_sandbox_config_network_filterref_get_name(ref), ==, "clean-traffic");
    params = gvir_sandbox_config_network_filterref_get_parameters(ref);
    g_assert_cmpstr(gvir_sandbox_config_network_filterref_parameter_get_name(params->data), ==, "IP");
    g_assert_cmpstr(gvir_sandbox_config_network_filterref_parameter_get_value(params->data), ==, "192.168.122.1");
    g_list_free_full(params, g_object_unref);
    g_list_free_full(networks, g_object_unref);

    g_assert_false(gvir_sandbox_config_add_network_opts(base, "bogus=yes", &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_NETWORK);
    g_assert_nonnull(strstr(err->message, "bogus"));
    g_clear_error(&err);

    g_assert_false(gvir_sandbox_config_add_network_opts(base, "address=10.0.0.1/24,route=192.168.1.0/24", &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_NETWORK);
    g_clear_error(&err);

    /* A NULL error location is allowed. */
    g_assert_false(gvir_sandbox_config_add_network_opts(base, "bogus=yes", NULL));
}

static void
test_disk(void)
{
    g_autoptr(GVirSandboxConfigDisk) disk =
        gvir_sandbox_config_disk_new(GVIR_CONFIG_DOMAIN_DISK_FILE, "data", "/tmp/data.qcow2",
                                     GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_autoptr(GVirSandboxConfigDisk) plain = g_object_new(GVIR_SANDBOX_TYPE_CONFIG_DISK, NULL);
    g_autofree gchar *tag = NULL;
    GVirConfigDomainDiskFormat format = GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW;
    GVirConfigDomainDiskType type = GVIR_CONFIG_DOMAIN_DISK_BLOCK;
    GParamSpec *pspec;

    g_assert_cmpstr(gvir_sandbox_config_disk_get_tag(disk), ==, "data");
    g_assert_cmpstr(gvir_sandbox_config_disk_get_source(disk), ==, "/tmp/data.qcow2");
    g_assert_cmpint(gvir_sandbox_config_disk_get_disk_type(disk), ==, GVIR_CONFIG_DOMAIN_DISK_FILE);
    g_assert_cmpint(gvir_sandbox_config_disk_get_format(disk), ==, GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_object_get(disk, "tag", &tag, "format", &format, "type", &type, NULL);
    g_assert_cmpstr(tag, ==, "data");
    g_assert_cmpint(format, ==, GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2);
    g_assert_cmpint(type, ==, GVIR_CONFIG_DOMAIN_DISK_FILE);

    pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(disk), "format");
    g_assert_true(G_PARAM_SPEC_VALUE_TYPE(pspec) == GVIR_CONFIG_TYPE_DOMAIN_DISK_FORMAT);
    pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(disk), "type");
    g_assert_true(G_PARAM_SPEC_VALUE_TYPE(pspec) == GVIR_CONFIG_TYPE_DOMAIN_DISK_TYPE);

    g_assert_null(gvir_sandbox_config_disk_get_tag(plain));
    g_assert_cmpint(gvir_sandbox_config_disk_get_format(plain), ==, GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW);
    g_assert_cmpint(gvir_sandbox_config_disk_get_disk_type(plain), ==, GVIR_CONFIG_DOMAIN_DISK_FILE);
}

static void
test_disk_opts(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("disks");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *disks[] = {
        "file:dbdata=/tmp/img.blah,format=qcow2",
        "file:cache=/tmp/img.qcow2",
        "file:homedir=/tmp/img.qcow2,format=raw",
        "file:root=/tmp/img.img",
        NULL,
    };
    static const GVirConfigDomainDiskFormat formats[] = {
        GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2, GVIR_CONFIG_DOMAIN_DISK_FORMAT_QCOW2,
        GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW, GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW,
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GVirSandboxConfigDisk) extra =
        gvir_sandbox_config_disk_new(GVIR_CONFIG_DOMAIN_DISK_FILE, "extra", "/tmp/extra.img",
                                     GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW);
    GList *list, *l;
    guint i = 0;

    g_assert_false(gvir_sandbox_config_has_disks(base));
    g_assert_true(gvir_sandbox_config_add_disk_strv(base, disks, &err));
    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_config_has_disks(base));
    gvir_sandbox_config_add_disk(base, extra);

    list = gvir_sandbox_config_get_disks(base);
    g_assert_cmpuint(g_list_length(list), ==, 5);
    for (l = list; l && i < G_N_ELEMENTS(formats); l = l->next, i++) {
        g_assert_cmpint(gvir_sandbox_config_disk_get_format(l->data), ==, formats[i]);
        g_assert_cmpint(gvir_sandbox_config_disk_get_disk_type(l->data), ==, GVIR_CONFIG_DOMAIN_DISK_FILE);
    }
    g_assert_cmpstr(gvir_sandbox_config_disk_get_tag(list->data), ==, "dbdata");
    g_assert_cmpstr(gvir_sandbox_config_disk_get_source(list->data), ==, "/tmp/img.blah");
    g_assert_true(g_list_last(list)->data == (gpointer)extra);
    g_list_free_full(list, g_object_unref);

    /* A used tag is refused. */
    g_assert_false(gvir_sandbox_config_add_disk_opts(base, "file:root=/tmp/other.img", &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_DISK);
    g_assert_nonnull(strstr(err->message, "root"));
    g_clear_error(&err);

    g_assert_false(gvir_sandbox_config_add_disk_opts(base, "file:x=/tmp/x.img,format=bogus", &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_DISK);
    g_clear_error(&err);

    g_assert_false(gvir_sandbox_config_add_disk_opts(base, "nocolon", &err));
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_DISK);
    g_clear_error(&err);

    /* add_disk with a used tag: a critical, and nothing is added. */
    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_add_disk*extra*");
    gvir_sandbox_config_add_disk(base, extra);
    g_test_assert_expected_messages();
    list = gvir_sandbox_config_get_disks(base);
    g_assert_cmpuint(g_list_length(list), ==, 5);
    g_list_free_full(list, g_object_unref);
}

static void
test_save_load_roundtrip(void)
{
    g_autoptr(GVirSandboxConfigInteractive) cfg = gvir_sandbox_config_interactive_new("demo");
    GVirSandboxConfig *base = GVIR_SANDBOX_CONFIG(cfg);
    gchar *nets[] = {
        "address=10.0.0.1/24%10.0.0.255",
        "address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3",
        "address=2001:212::204:2/64",
        "dhcp,source=default,filter=clean-traffic,filter.ip=192.168.122.1",
        NULL,
    };
    gchar *disks[] = {
        "file:dbdata=/tmp/img.blah,format=qcow2",
        "file:cache=/tmp/img.qcow2",
        "file:homedir=/tmp/img.qcow2,format=raw",
        "file:root=/tmp/img.img",
        NULL,
    };
    g_autoptr(GError) err = NULL;
    g_autofree gchar *dir = g_dir_make_tmp("sandbox-net-XXXXXX", &err);
    g_autofree gchar *path1 = g_build_filename(dir, "test1.cfg", NULL);
    g_autofree gchar *path2 = g_build_filename(dir, "test2.cfg", NULL);
    g_autofree gchar *data1 = NULL;
    g_autofree gchar *data2 = NULL;
    g_autoptr(GVirSandboxConfig) loaded = NULL;
    GList *networks, *list;
    GVirSandboxConfigNetworkFilterref *ref;

    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_config_add_network_strv(base, nets, &err));
    g_assert_true(gvir_sandbox_config_add_disk_strv(base, disks, &err));
    g_assert_no_error(err);

    g_assert_true(gvir_sandbox_config_save_to_path(base, path1, &err));
    g_assert_no_error(err);
    loaded = gvir_sandbox_config_load_from_path(path1, &err);
    g_assert_no_error(err);
    g_assert_true(gvir_sandbox_config_save_to_path(loaded, path2, &err));
    g_assert_no_error(err);

    g_assert_true(g_file_get_contents(path1, &data1, NULL, NULL));
    g_assert_true(g_file_get_contents(path2, &data2, NULL, NULL));
    g_assert_cmpstr(data1, ==, data2);
    g_assert_nonnull(strstr(data1, "[network.0.address.0]\nprimary=10.0.0.1\nbroadcast=10.0.0.255\nprefix=24\n"));
    g_assert_nonnull(strstr(data1, "[network.1.route.0]\nprefix=24\ngateway=10.0.0.3\ntarget=192.168.1.0\n"));
    g_assert_nonnull(strstr(data1, "[disk.0]\ntype=file\nsource=/tmp/img.blah\ntag=dbdata\nformat=qcow2\n"));

    networks = gvir_sandbox_config_get_networks(loaded);
    g_assert_cmpuint(g_list_length(networks), ==, 4);
    ref = gvir_sandbox_config_network_get_filterref(g_list_last(networks)->data);
    g_assert_nonnull(ref);
    g_assert_cmpstr(gvir_sandbox_config_network_filterref_get_name(ref), ==, "clean-traffic");
    g_list_free_full(networks, g_object_unref);
    list = gvir_sandbox_config_get_disks(loaded);
    g_assert_cmpuint(g_list_length(list), ==, 4);
    g_list_free_full(list, g_object_unref);

    g_unlink(path1);
    g_unlink(path2);
    g_rmdir(dir);
}

static void
test_load_errors(void)
{
    static const gchar head[] =
        "[api]\nclass=GVirSandboxConfigInteractive\n\n[command]\nargv.0=/bin/sh\n\n";
    g_autoptr(GError) err = NULL;
    g_autofree gchar *bad_addr = g_strconcat(head, "[network.0]\ndhcp=false\n\n"
                                             "[network.0.address.0]\nprimary=not-an-ip\n", NULL);
    g_autofree gchar *bad_format = g_strconcat(head, "[disk.0]\ntype=file\nsource=/x\ntag=t\nformat=qcow9\n", NULL);
    GVirSandboxConfig *cfg;

    cfg = gvir_sandbox_config_load_from_data(bad_addr, &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(err->message, "[network.0.address.0]"));
    g_assert_nonnull(strstr(err->message, "primary"));
    g_clear_error(&err);

    cfg = gvir_sandbox_config_load_from_data(bad_format, &err);
    g_assert_null(cfg);
    g_assert_error(err, GVIR_SANDBOX_ERROR, GVIR_SANDBOX_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(err->message, "[disk.0]"));
    g_assert_nonnull(strstr(err->message, "format"));
}

static void
test_bad_arguments(void)
{
    g_autoptr(GInetAddress) a = addr("10.0.0.1");

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_network_get_source*");
    g_assert_null(gvir_sandbox_config_network_get_source(NULL));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_network_address_new*");
    g_assert_null(gvir_sandbox_config_network_address_new(NULL, 24, NULL));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_network_address_new*128*");
    g_assert_null(gvir_sandbox_config_network_address_new(a, 129, NULL));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_network_route_new*");
    g_assert_null(gvir_sandbox_config_network_route_new(a, 24, NULL));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_disk_new*");
    g_assert_null(gvir_sandbox_config_disk_new(GVIR_CONFIG_DOMAIN_DISK_FILE, NULL, "/x", GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_disk_new*");
    g_assert_null(gvir_sandbox_config_disk_new(GVIR_CONFIG_DOMAIN_DISK_FILE, "t", "/x", 1000));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_get_networks*");
    g_assert_null(gvir_sandbox_config_get_networks(NULL));
    g_test_assert_expected_messages();

    g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_add_disk_opts*");
    g_assert_false(gvir_sandbox_config_add_disk_opts(NULL, "file:a=/b", NULL));
    g_test_assert_expected_messages();

    {
        g_autoptr(GVirSandboxConfigNetwork) net = gvir_sandbox_config_network_new();
        /* A network is not an address. */
        g_test_expect_message("LibvirtSandbox", G_LOG_LEVEL_CRITICAL, "*gvir_sandbox_config_network_add_address*");
        gvir_sandbox_config_network_add_address(net, (GVirSandboxConfigNetworkAddress *)net);
        g_test_assert_expected_messages();
        g_assert_null(gvir_sandbox_config_network_get_addresses(net));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(gvir_sandbox_init_check(&argc, &argv, NULL));

    g_test_add_func("/config-network/types", test_types);
    g_test_add_func("/config-network/network", test_network);
    g_test_add_func("/config-network/address-route", test_address_route);
    g_test_add_func("/config-network/filterref", test_filterref);
    g_test_add_func("/config-network/network-opts", test_network_opts);
    g_test_add_func("/config-network/disk", test_disk);
    g_test_add_func("/config-network/disk-opts", test_disk_opts);
    g_test_add_func("/config-network/save-load-roundtrip", test_save_load_roundtrip);
    g_test_add_func("/config-network/load-errors", test_load_errors);
    g_test_add_func("/config-network/bad-arguments", test_bad_arguments);
    return g_test_run();
}
