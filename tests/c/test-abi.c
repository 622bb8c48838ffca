/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The struct layouts a program built against the original libvirt-sandbox
 * embeds (spec: original-abi.md, measured on x86_64): every instance and
 * class struct has the original's size, the virtual-method and signal slots
 * sit at the original's offsets, and the sizes the library registered with
 * GType (from its Rust structs) equal the header's.
 */
#include <stddef.h>

#include <libvirt-sandbox/libvirt-sandbox.h>

typedef struct {
    const char *name;
    GType (*get_type)(void);
    size_t instance_size; /* sizeof in the header */
    size_t class_size;
    size_t original_instance_size; /* the original's, on x86_64 */
    size_t original_class_size;
} Layout;

#define LAYOUT(T, get_type, isize, csize) {#T, get_type, sizeof(T), sizeof(T##Class), isize, csize}

/*
 * The rows of original-abi.md; the types it has no row for follow its rule
 * (instance { parent; priv }, class { parent class; own slots; padding[20] }):
 * HostImage and GuestBind are HostBind's siblings, the network, disk and
 * initrd classes are plain GObject subclasses like ConfigNetwork. The
 * builders and GVirSandboxContextService do not exist yet: their rows
 * (Builder 32/376, BuilderContainer 40, BuilderMachine 40, BuilderInitrd 32,
 * ContextService 40/504) belong here when they land.
 */
static const Layout layouts[] = {
    LAYOUT(GVirSandboxConfig, gvir_sandbox_config_get_type, 32, 320),
    LAYOUT(GVirSandboxConfigInteractive, gvir_sandbox_config_interactive_get_type, 40, 480),
    LAYOUT(GVirSandboxConfigService, gvir_sandbox_config_service_get_type, 40, 480),
    LAYOUT(GVirSandboxConfigServiceGeneric, gvir_sandbox_config_service_generic_get_type, 48, 640),
    LAYOUT(GVirSandboxConfigServiceSystemd, gvir_sandbox_config_service_systemd_get_type, 48, 640),
    LAYOUT(GVirSandboxConfigMount, gvir_sandbox_config_mount_get_type, 32, 296),
    LAYOUT(GVirSandboxConfigMountFile, gvir_sandbox_config_mount_file_get_type, 40, 456),
    LAYOUT(GVirSandboxConfigMountHostBind, gvir_sandbox_config_mount_host_bind_get_type, 48, 616),
    LAYOUT(GVirSandboxConfigMountHostImage, gvir_sandbox_config_mount_host_image_get_type, 48, 616),
    LAYOUT(GVirSandboxConfigMountGuestBind, gvir_sandbox_config_mount_guest_bind_get_type, 48, 616),
    LAYOUT(GVirSandboxConfigMountRam, gvir_sandbox_config_mount_ram_get_type, 40, 456),
    LAYOUT(GVirSandboxConfigNetwork, gvir_sandbox_config_network_get_type, 32, 296),
    LAYOUT(GVirSandboxConfigNetworkAddress, gvir_sandbox_config_network_address_get_type, 32, 296),
    LAYOUT(GVirSandboxConfigNetworkRoute, gvir_sandbox_config_network_route_get_type, 32, 296),
    LAYOUT(GVirSandboxConfigNetworkFilterref, gvir_sandbox_config_network_filterref_get_type, 32, 296),
    LAYOUT(GVirSandboxConfigNetworkFilterrefParameter,
           gvir_sandbox_config_network_filterref_parameter_get_type, 32, 296),
    LAYOUT(GVirSandboxConfigDisk, gvir_sandbox_config_disk_get_type, 32, 296),
    LAYOUT(GVirSandboxConfigInitrd, gvir_sandbox_config_initrd_get_type, 32, 296),
    LAYOUT(GVirSandboxContext, gvir_sandbox_context_get_type, 32, 328),
    LAYOUT(GVirSandboxContextInteractive, gvir_sandbox_context_interactive_get_type, 40, 488),
    LAYOUT(GVirSandboxContextService, gvir_sandbox_context_service_get_type, 40, 504),
    LAYOUT(GVirSandboxConsole, gvir_sandbox_console_get_type, 32, 320),
    LAYOUT(GVirSandboxConsoleRaw, gvir_sandbox_console_raw_get_type, 40, 488),
    LAYOUT(GVirSandboxConsoleRpc, gvir_sandbox_console_rpc_get_type, 40, 496),
};

static void
test_sizes(gconstpointer data)
{
    const Layout *l = data;
    GTypeQuery q;

    if (sizeof(gpointer) == 8) {
        g_assert_cmpuint(l->instance_size, ==, l->original_instance_size);
        g_assert_cmpuint(l->class_size, ==, l->original_class_size);
    }
    g_type_query(l->get_type(), &q);
    g_assert_cmpstr(q.type_name, ==, l->name);
    g_assert_cmpuint(q.instance_size, ==, l->instance_size);
    g_assert_cmpuint(q.class_size, ==, l->class_size);
}

static void
test_derivable(gconstpointer data)
{
    const Layout *l = data;

    /* Not final: C, Python, gjs and Vala may subclass every type. */
    g_assert_false(G_TYPE_IS_FINAL(l->get_type()));
}

static void
test_slot_offsets(void)
{
    if (sizeof(gpointer) != 8) {
        g_test_skip("the original's offsets were measured on x86_64");
        return;
    }
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxContextClass, start), ==, 136);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxContextClass, stop), ==, 144);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxContextClass, attach), ==, 152);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxContextClass, detach), ==, 160);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxContextServiceClass, define), ==, 328);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxContextServiceClass, undefine), ==, 336);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConsoleClass, closed), ==, 136);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConsoleClass, attach), ==, 144);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConsoleClass, detach), ==, 152);
    /* Declaration order (original-api.md): load_config, save_config, get_command. */
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConfigClass, load_config), ==, 136);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConfigClass, save_config), ==, 144);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConfigClass, get_command), ==, 152);
    /* ConsoleRpc: exited, then the unused closed; ConsoleRaw: closed. */
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConsoleRpcClass, exited), ==, 320);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConsoleRpcClass, closed), ==, 328);
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConsoleRawClass, closed), ==, 320);
    /* Instance structs: the private pointer right after the parent. */
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConfig, priv), ==, sizeof(GObject));
    g_assert_cmpuint(G_STRUCT_OFFSET(GVirSandboxConfigInteractive, priv), ==, 32);
}

static void
test_signal_class_offsets(void)
{
    GSignalQuery q;
    guint id;
    gpointer console_class = g_type_class_ref(GVIR_SANDBOX_TYPE_CONSOLE_RPC);

    /* The signals' class closures are the slots: set by a subclass, they run. */
    id = g_signal_lookup("closed", GVIR_SANDBOX_TYPE_CONSOLE);
    g_assert_cmpuint(id, !=, 0);
    g_signal_query(id, &q);
    g_assert_cmpuint(q.signal_flags & G_SIGNAL_RUN_FIRST, !=, 0);
    g_assert_cmpuint(q.return_type, ==, G_TYPE_NONE);
    g_assert_cmpuint(q.n_params, ==, 1);
    g_assert_cmpuint(q.param_types[0] & ~G_SIGNAL_TYPE_STATIC_SCOPE, ==, G_TYPE_BOOLEAN);
    id = g_signal_lookup("exited", GVIR_SANDBOX_TYPE_CONSOLE_RPC);
    g_assert_cmpuint(id, !=, 0);
    g_signal_query(id, &q);
    g_assert_cmpuint(q.n_params, ==, 1);
    g_assert_cmpuint(q.param_types[0] & ~G_SIGNAL_TYPE_STATIC_SCOPE, ==, G_TYPE_INT);
    g_type_class_unref(console_class);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gvir_sandbox_init_check(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(layouts); i++) {
        g_autofree gchar *sizes = g_strdup_printf("/abi/sizes/%s", layouts[i].name);
        g_autofree gchar *derivable = g_strdup_printf("/abi/derivable/%s", layouts[i].name);
        g_test_add_data_func(sizes, &layouts[i], test_sizes);
        g_test_add_data_func(derivable, &layouts[i], test_derivable);
    }
    g_test_add_func("/abi/slot-offsets", test_slot_offsets);
    g_test_add_func("/abi/signal-class-offsets", test_signal_class_offsets);
    return g_test_run();
}
