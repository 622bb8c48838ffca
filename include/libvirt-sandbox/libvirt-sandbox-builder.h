/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>
#include <libvirt-gobject/libvirt-gobject.h>
#include <libvirt-gconfig/libvirt-gconfig.h>

G_BEGIN_DECLS

/*
 * The structs below are the original library's, field for field (sizes
 * and virtual-method offsets are ABI): keep them in sync with
 * src/builder_class/ (BuilderInstance, BuilderClass and the subclasses').
 */

#define GVIR_SANDBOX_TYPE_BUILDER            (gvir_sandbox_builder_get_type())
#define GVIR_SANDBOX_BUILDER(obj)            (G_TYPE_CHECK_INSTANCE_CAST((obj), GVIR_SANDBOX_TYPE_BUILDER, GVirSandboxBuilder))
#define GVIR_SANDBOX_BUILDER_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST((klass), GVIR_SANDBOX_TYPE_BUILDER, GVirSandboxBuilderClass))
#define GVIR_SANDBOX_IS_BUILDER(obj)         (G_TYPE_CHECK_INSTANCE_TYPE((obj), GVIR_SANDBOX_TYPE_BUILDER))
#define GVIR_SANDBOX_IS_BUILDER_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE((klass), GVIR_SANDBOX_TYPE_BUILDER))
#define GVIR_SANDBOX_BUILDER_GET_CLASS(obj)  (G_TYPE_INSTANCE_GET_CLASS((obj), GVIR_SANDBOX_TYPE_BUILDER, GVirSandboxBuilderClass))

typedef struct _GVirSandboxBuilder GVirSandboxBuilder;
typedef struct _GVirSandboxBuilderPrivate GVirSandboxBuilderPrivate;
typedef struct _GVirSandboxBuilderClass GVirSandboxBuilderClass;

/**
 * GVirSandboxBuilder:
 *
 * Turns a #GVirSandboxConfig into the libvirt domain a
 * #GVirSandboxContext start of it would create (the context plans and
 * writes its domain with the same code). Abstract: get the builder of a
 * connection with gvir_sandbox_builder_for_connection().
 *
 * Since: 0.6.0
 */
struct _GVirSandboxBuilder
{
    GObject parent;

    /*< private >*/
    GVirSandboxBuilderPrivate *priv;
};

/**
 * GVirSandboxBuilderClass:
 * @parent_class: the parent class
 * @construct_basic: adds to the domain after construct_domain filled it
 *   (default: nothing)
 * @construct_os: as @construct_basic, called after it
 * @construct_features: as @construct_basic, called after @construct_os
 * @construct_devices: as @construct_basic, called after @construct_features
 * @construct_security: as @construct_basic, called last
 * @construct_domain: fills the empty domain; the default writes the whole
 *   domain a start would create, then calls the five slots above in order
 * @clean_post_start: removes what the state directory no longer needs once
 *   the domain started (default: nothing, see
 *   gvir_sandbox_builder_clean_post_start())
 * @clean_post_stop: removes what construct_domain and a start wrote into the
 *   state directory (see gvir_sandbox_builder_clean_post_stop())
 * @get_disk_prefix: the device name prefix of the config's disks ("sd" for
 *   containers, "vd" for virtual machines); the string is static
 * @get_files_to_copy: a new list of new strings: the guest init helpers the
 *   domain runs (bound into the sandbox read-only)
 *
 * The class structure: the original's slots, in its order.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxBuilderClass::construct_basic:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: the state directory of the sandbox
 * @domain: the domain being constructed
 * @error: return location for a #GError, or %NULL
 *
 * Adds to @domain after construct_domain filled it; the default adds
 * nothing. A subclass overrides it (or one of the four slots after it) to
 * change the domain without rewriting construct_domain.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxBuilderClass::construct_os:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: the state directory of the sandbox
 * @domain: the domain being constructed
 * @error: return location for a #GError, or %NULL
 *
 * As construct_basic, called after it; the default adds nothing.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxBuilderClass::construct_features:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: the state directory of the sandbox
 * @domain: the domain being constructed
 * @error: return location for a #GError, or %NULL
 *
 * As construct_basic, called after construct_os; the default adds nothing.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxBuilderClass::construct_devices:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: the state directory of the sandbox
 * @domain: the domain being constructed
 * @error: return location for a #GError, or %NULL
 *
 * As construct_basic, called after construct_features; the default adds
 * nothing.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxBuilderClass::construct_security:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: the state directory of the sandbox
 * @domain: the domain being constructed
 * @error: return location for a #GError, or %NULL
 *
 * As construct_basic, called last; the default adds nothing.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxBuilderClass::construct_domain:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: the state directory of the sandbox
 * @domain: the domain being constructed
 * @error: return location for a #GError, or %NULL
 *
 * Fills the empty @domain: the default writes the whole domain a start would
 * create, then calls construct_basic, construct_os, construct_features,
 * construct_devices and construct_security in that order.
 * gvir_sandbox_builder_construct() calls it.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxBuilderClass::get_disk_prefix:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @disk: one of the disks of @config
 *
 * The device name prefix of the disks of @config: "sd" for containers, "vd"
 * for virtual machines.
 *
 * Returns: (transfer none): the prefix, a static string
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxBuilderClass::get_files_to_copy:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 *
 * The guest init helpers the domain runs, bound into the sandbox read-only.
 *
 * Returns: (transfer full) (element-type utf8): a new list of new strings
 *
 * Since: 0.6.0
 */
struct _GVirSandboxBuilderClass
{
    GObjectClass parent_class;

    gboolean (*construct_basic)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                                const gchar *statedir, GVirConfigDomain *domain, GError **error);
    gboolean (*construct_os)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                             const gchar *statedir, GVirConfigDomain *domain, GError **error);
    gboolean (*construct_features)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                                   const gchar *statedir, GVirConfigDomain *domain,
                                   GError **error);
    gboolean (*construct_devices)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                                  const gchar *statedir, GVirConfigDomain *domain,
                                  GError **error);
    gboolean (*construct_security)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                                   const gchar *statedir, GVirConfigDomain *domain,
                                   GError **error);
    gboolean (*construct_domain)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                                 const gchar *statedir, GVirConfigDomain *domain, GError **error);
    gboolean (*clean_post_start)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                                 const gchar *statedir, GError **error);
    gboolean (*clean_post_stop)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                                const gchar *statedir, GError **error);
    const gchar *(*get_disk_prefix)(GVirSandboxBuilder *builder, GVirSandboxConfig *config,
                                    GVirSandboxConfigDisk *disk);
    GList *(*get_files_to_copy)(GVirSandboxBuilder *builder, GVirSandboxConfig *config);

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxBuilder:connection:
 *
 * The libvirt-gobject connection whose host the domains are for
 * (construct-only; it must be open by the time a domain is constructed).
 *
 * Since: 0.6.0
 */

GType gvir_sandbox_builder_get_type(void);

/**
 * gvir_sandbox_builder_for_connection:
 * @connection: an opened #GVirConnection
 * @error: return location for a #GError, or %NULL
 *
 * Picks the builder by the connection's exact URI, as the original does:
 * `lxc:///` gives a #GVirSandboxBuilderContainer, `qemu:///system` and
 * `qemu:///session` a #GVirSandboxBuilderMachine. Any other URI fails with
 * %GVIR_SANDBOX_ERROR_UNSUPPORTED and the message "No builder available for
 * URI ..."; a connection that is not open, with
 * %GVIR_SANDBOX_ERROR_NOT_CONNECTED.
 *
 * Returns: (transfer full): a new builder, or %NULL with @error set
 *
 * Since: 0.9
 */
GVirSandboxBuilder *gvir_sandbox_builder_for_connection(GVirConnection *connection,
                                                        GError **error);

/**
 * gvir_sandbox_builder_get_connection:
 * @builder: a #GVirSandboxBuilder
 *
 * Gets the connection the builder constructs domains for.
 *
 * Returns: (transfer full): the libvirt connection
 *
 * Since: 0.6.0
 */
GVirConnection *gvir_sandbox_builder_get_connection(GVirSandboxBuilder *builder);

/**
 * gvir_sandbox_builder_construct:
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: an existing directory for the sandbox's private files (a
 *   context's start uses `/run/libvirt-sandbox/NAME` as root)
 * @error: return location for a #GError, or %NULL
 *
 * Builds the domain of @config: a new empty domain filled by the class's
 * construct_domain. The default gives exactly the XML a #GVirSandboxContext
 * start of @config would create with @statedir as its state directory,
 * except for the values a start picks itself: the random MAC address and
 * host device name of an interface whose config has no MAC, the loop device
 * of a container's file disk (the next free one; nothing is attached) and
 * the uid of a virtual machine's QEMU user (random). The XML holds no
 * secret. Writes into @statedir what the XML refers to: `tmp/` (the empty
 * directories of `host-bind:DST=` mounts) and `includes/` (the staged
 * include files); gvir_sandbox_builder_clean_post_stop() removes them. A
 * virtual machine's kernel and initrd are those of the shared cache (built
 * on a miss, as for a start).
 *
 * Returns: (transfer full): the domain, or %NULL with @error set
 *
 * Since: 0.6.0
 */
GVirConfigDomain *gvir_sandbox_builder_construct(GVirSandboxBuilder *builder,
                                                 GVirSandboxConfig *config,
                                                 const gchar *statedir,
                                                 GError **error);

/**
 * gvir_sandbox_builder_clean_post_start: (virtual clean_post_start)
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: the state directory given to gvir_sandbox_builder_construct()
 * @error: return location for a #GError, or %NULL
 *
 * Calls the class's clean_post_start once the domain started. The default
 * removes nothing: the guest reads what the state directory holds after
 * the start returns, and the kernel and initrd are in the shared cache
 * (the original removed its copies of them from the state directory).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.9
 */
gboolean gvir_sandbox_builder_clean_post_start(GVirSandboxBuilder *builder,
                                               GVirSandboxConfig *config,
                                               const gchar *statedir,
                                               GError **error);

/**
 * gvir_sandbox_builder_clean_post_stop: (virtual clean_post_stop)
 * @builder: a #GVirSandboxBuilder
 * @config: the sandbox configuration
 * @statedir: the state directory given to gvir_sandbox_builder_construct()
 * @error: return location for a #GError, or %NULL
 *
 * Calls the class's clean_post_stop once the domain ended. The default
 * removes from @statedir what gvir_sandbox_builder_construct() and a start
 * wrote there: `tmp/`, `includes/`, `launch.json` and `app.sock`, not the
 * directory itself. What is already gone is no error.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.9
 */
gboolean gvir_sandbox_builder_clean_post_stop(GVirSandboxBuilder *builder,
                                              GVirSandboxConfig *config,
                                              const gchar *statedir,
                                              GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GVirSandboxBuilder, g_object_unref)


#define GVIR_SANDBOX_TYPE_BUILDER_CONTAINER            (gvir_sandbox_builder_container_get_type())
#define GVIR_SANDBOX_BUILDER_CONTAINER(obj)            (G_TYPE_CHECK_INSTANCE_CAST((obj), GVIR_SANDBOX_TYPE_BUILDER_CONTAINER, GVirSandboxBuilderContainer))
#define GVIR_SANDBOX_BUILDER_CONTAINER_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST((klass), GVIR_SANDBOX_TYPE_BUILDER_CONTAINER, GVirSandboxBuilderContainerClass))
#define GVIR_SANDBOX_IS_BUILDER_CONTAINER(obj)         (G_TYPE_CHECK_INSTANCE_TYPE((obj), GVIR_SANDBOX_TYPE_BUILDER_CONTAINER))
#define GVIR_SANDBOX_IS_BUILDER_CONTAINER_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE((klass), GVIR_SANDBOX_TYPE_BUILDER_CONTAINER))
#define GVIR_SANDBOX_BUILDER_CONTAINER_GET_CLASS(obj)  (G_TYPE_INSTANCE_GET_CLASS((obj), GVIR_SANDBOX_TYPE_BUILDER_CONTAINER, GVirSandboxBuilderContainerClass))

typedef struct _GVirSandboxBuilderContainer GVirSandboxBuilderContainer;
typedef struct _GVirSandboxBuilderContainerPrivate GVirSandboxBuilderContainerPrivate;
typedef struct _GVirSandboxBuilderContainerClass GVirSandboxBuilderContainerClass;

/**
 * GVirSandboxBuilderContainer:
 *
 * The builder of LXC container domains (`lxc:///`).
 *
 * Since: 0.6.0
 */
struct _GVirSandboxBuilderContainer
{
    GVirSandboxBuilder parent;

    /*< private >*/
    GVirSandboxBuilderContainerPrivate *priv;
};

/**
 * GVirSandboxBuilderContainerClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxBuilderContainerClass
{
    GVirSandboxBuilderClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

GType gvir_sandbox_builder_container_get_type(void);

/**
 * gvir_sandbox_builder_container_new:
 * @connection: a #GVirConnection (open by the time a domain is constructed)
 *
 * Creates a new container builder.
 *
 * Returns: (transfer full): a new container builder
 *
 * Since: 0.6.0
 */
GVirSandboxBuilderContainer *gvir_sandbox_builder_container_new(GVirConnection *connection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GVirSandboxBuilderContainer, g_object_unref)


#define GVIR_SANDBOX_TYPE_BUILDER_MACHINE            (gvir_sandbox_builder_machine_get_type())
#define GVIR_SANDBOX_BUILDER_MACHINE(obj)            (G_TYPE_CHECK_INSTANCE_CAST((obj), GVIR_SANDBOX_TYPE_BUILDER_MACHINE, GVirSandboxBuilderMachine))
#define GVIR_SANDBOX_BUILDER_MACHINE_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST((klass), GVIR_SANDBOX_TYPE_BUILDER_MACHINE, GVirSandboxBuilderMachineClass))
#define GVIR_SANDBOX_IS_BUILDER_MACHINE(obj)         (G_TYPE_CHECK_INSTANCE_TYPE((obj), GVIR_SANDBOX_TYPE_BUILDER_MACHINE))
#define GVIR_SANDBOX_IS_BUILDER_MACHINE_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE((klass), GVIR_SANDBOX_TYPE_BUILDER_MACHINE))
#define GVIR_SANDBOX_BUILDER_MACHINE_GET_CLASS(obj)  (G_TYPE_INSTANCE_GET_CLASS((obj), GVIR_SANDBOX_TYPE_BUILDER_MACHINE, GVirSandboxBuilderMachineClass))

typedef struct _GVirSandboxBuilderMachine GVirSandboxBuilderMachine;
typedef struct _GVirSandboxBuilderMachinePrivate GVirSandboxBuilderMachinePrivate;
typedef struct _GVirSandboxBuilderMachineClass GVirSandboxBuilderMachineClass;

/**
 * GVirSandboxBuilderMachine:
 *
 * The builder of QEMU/KVM virtual machine domains (`qemu:///system`,
 * `qemu:///session`).
 *
 * Since: 0.6.0
 */
struct _GVirSandboxBuilderMachine
{
    GVirSandboxBuilder parent;

    /*< private >*/
    GVirSandboxBuilderMachinePrivate *priv;
};

/**
 * GVirSandboxBuilderMachineClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxBuilderMachineClass
{
    GVirSandboxBuilderClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

GType gvir_sandbox_builder_machine_get_type(void);

/**
 * gvir_sandbox_builder_machine_new:
 * @connection: a #GVirConnection (open by the time a domain is constructed)
 *
 * Creates a new virtual machine builder.
 *
 * Returns: (transfer full): a new virtual machine builder
 *
 * Since: 0.6.0
 */
GVirSandboxBuilderMachine *gvir_sandbox_builder_machine_new(GVirConnection *connection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GVirSandboxBuilderMachine, g_object_unref)


#define GVIR_SANDBOX_TYPE_BUILDER_INITRD            (gvir_sandbox_builder_initrd_get_type())
#define GVIR_SANDBOX_BUILDER_INITRD(obj)            (G_TYPE_CHECK_INSTANCE_CAST((obj), GVIR_SANDBOX_TYPE_BUILDER_INITRD, GVirSandboxBuilderInitrd))
#define GVIR_SANDBOX_BUILDER_INITRD_CLASS(klass)    (G_TYPE_CHECK_CLASS_CAST((klass), GVIR_SANDBOX_TYPE_BUILDER_INITRD, GVirSandboxBuilderInitrdClass))
#define GVIR_SANDBOX_IS_BUILDER_INITRD(obj)         (G_TYPE_CHECK_INSTANCE_TYPE((obj), GVIR_SANDBOX_TYPE_BUILDER_INITRD))
#define GVIR_SANDBOX_IS_BUILDER_INITRD_CLASS(klass) (G_TYPE_CHECK_CLASS_TYPE((klass), GVIR_SANDBOX_TYPE_BUILDER_INITRD))
#define GVIR_SANDBOX_BUILDER_INITRD_GET_CLASS(obj)  (G_TYPE_INSTANCE_GET_CLASS((obj), GVIR_SANDBOX_TYPE_BUILDER_INITRD, GVirSandboxBuilderInitrdClass))

typedef struct _GVirSandboxBuilderInitrd GVirSandboxBuilderInitrd;
typedef struct _GVirSandboxBuilderInitrdPrivate GVirSandboxBuilderInitrdPrivate;
typedef struct _GVirSandboxBuilderInitrdClass GVirSandboxBuilderInitrdClass;

/**
 * GVirSandboxBuilderInitrd:
 *
 * Writes initrds from #GVirSandboxConfigInitrd descriptions, in the format
 * virtual machine sandboxes boot.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxBuilderInitrd
{
    GObject parent;

    /*< private >*/
    GVirSandboxBuilderInitrdPrivate *priv;
};

/**
 * GVirSandboxBuilderInitrdClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxBuilderInitrdClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

GType gvir_sandbox_builder_initrd_get_type(void);

/**
 * gvir_sandbox_builder_initrd_new:
 *
 * Creates a new initrd builder.
 *
 * Returns: (transfer full): a new initrd builder
 *
 * Since: 0.6.0
 */
GVirSandboxBuilderInitrd *gvir_sandbox_builder_initrd_new(void);

/**
 * gvir_sandbox_builder_initrd_construct:
 * @builder: a #GVirSandboxBuilderInitrd
 * @config: what the initrd holds
 * @outputfile: the file to write (its directory must exist; an existing
 *   file is replaced atomically)
 * @error: return location for a #GError, or %NULL
 *
 * Writes the initrd of @config: an uncompressed newc cpio archive with the
 * config's init program as `/init`, `/dev/console`, `/dev/null`, and the
 * config's kernel modules (a name may end in `.ko`) with their
 * dependencies, uncompressed, in load order under `/modules` (listed in
 * `/modules/order`). A module the kernel's tree does not have is left out
 * (taken to be built in). The kernel release and module directory default
 * to the running kernel's; a module directory `/lib/modules/RELEASE/kernel`
 * (the original's spelling) means `/lib/modules/RELEASE`. On failure no
 * output file is left.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_builder_initrd_construct(GVirSandboxBuilderInitrd *builder,
                                               GVirSandboxConfigInitrd *config,
                                               gchar *outputfile,
                                               GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GVirSandboxBuilderInitrd, g_object_unref)

G_END_DECLS
