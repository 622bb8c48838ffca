/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>
#include <libvirt-gconfig/libvirt-gconfig.h>

G_BEGIN_DECLS

/* ---- GVirSandboxConfigMount (abstract) ---------------------------------- */

#define GVIR_SANDBOX_TYPE_CONFIG_MOUNT (gvir_sandbox_config_mount_get_type())

/**
 * GVirSandboxConfigMount:
 *
 * The abstract base of every mount: a directory of the sandbox (the
 * target) whose content is replaced by something else. Host files may be
 * recorded as includes, to be copied into the mount.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigMount, gvir_sandbox_config_mount, GVIR_SANDBOX, CONFIG_MOUNT, GObject)

struct _GVirSandboxConfigMount
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigMountClass:
 * @parent_class: the parent class
 *
 * The class structure; keep in sync with `ConfigMountClass` in
 * src/config/mount/mod.rs.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigMountClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigMount:target:
 *
 * The guest directory the mount replaces (construct-only).
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_mount_get_target:
 * @config: a #GVirSandboxConfigMount
 *
 * Gets the guest directory the mount replaces (the
 * #GVirSandboxConfigMount:target property).
 *
 * Returns: (transfer none): the guest directory the mount replaces
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_mount_get_target(GVirSandboxConfigMount *config);

/**
 * gvir_sandbox_config_mount_add_include:
 * @config: a #GVirSandboxConfigMount
 * @srcpath: a file on the host
 * @dstpath: a path within the mount, relative to its target
 *
 * Requests that the host file @srcpath be copied to @dstpath in the mount.
 * A second include with the same @dstpath replaces the first. Includes are
 * recorded and saved with the config; nothing copies them yet (as in the
 * original library).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_mount_add_include(GVirSandboxConfigMount *config,
                                           const gchar *srcpath,
                                           const gchar *dstpath);

/**
 * gvir_sandbox_config_mount_get_includes:
 * @config: a #GVirSandboxConfigMount
 *
 * Returns the includes of the mount, keyed by the path within the mount
 * with the host path as value. The table is owned by @config and stays
 * valid as long as it; it is brought up to date by each call.
 *
 * Returns: (transfer none) (element-type filename filename): the includes
 *
 * Since: 0.6.0
 */
GHashTable *gvir_sandbox_config_mount_get_includes(GVirSandboxConfigMount *config);

/* ---- GVirSandboxConfigMountFile (abstract) ------------------------------ */

#define GVIR_SANDBOX_TYPE_CONFIG_MOUNT_FILE (gvir_sandbox_config_mount_file_get_type())

/**
 * GVirSandboxConfigMountFile:
 *
 * The abstract base of mounts whose content comes from a path: host
 * directories, image files and other guest paths.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigMountFile, gvir_sandbox_config_mount_file, GVIR_SANDBOX, CONFIG_MOUNT_FILE, GVirSandboxConfigMount)

struct _GVirSandboxConfigMountFile
{
    GVirSandboxConfigMount parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigMountFileClass:
 * @parent_class: the parent class
 *
 * The class structure; keep in sync with `ConfigMountFileClass` in
 * src/config/mount/file.rs.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigMountFileClass
{
    GVirSandboxConfigMountClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigMountFile:source:
 *
 * The source path: a host directory, an image file or a guest path.
 * %NULL for a host bind of a fresh temporary directory.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_mount_file_get_source:
 * @config: a #GVirSandboxConfigMountFile
 *
 * Gets the source path (the #GVirSandboxConfigMountFile:source property).
 *
 * Returns: (transfer none) (nullable): the source path
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_mount_file_get_source(GVirSandboxConfigMountFile *config);

/**
 * gvir_sandbox_config_mount_file_set_source:
 * @config: a #GVirSandboxConfigMountFile
 * @source: (nullable): the source path
 *
 * Sets the source path.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_mount_file_set_source(GVirSandboxConfigMountFile *config,
                                               const gchar *source);

/* ---- GVirSandboxConfigMountHostBind ------------------------------------- */

#define GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_BIND (gvir_sandbox_config_mount_host_bind_get_type())

/**
 * GVirSandboxConfigMountHostBind:
 *
 * A host directory bound onto a guest directory. Without a source (%NULL
 * or empty, as from `host-bind:/tmp=`), a fresh empty temporary directory
 * is created when the sandbox starts and removed when it stops; such a
 * mount is saved as `source=` (empty).
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigMountHostBind, gvir_sandbox_config_mount_host_bind, GVIR_SANDBOX, CONFIG_MOUNT_HOST_BIND, GVirSandboxConfigMountFile)

struct _GVirSandboxConfigMountHostBind
{
    GVirSandboxConfigMountFile parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigMountHostBindClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigMountHostBindClass
{
    GVirSandboxConfigMountFileClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * gvir_sandbox_config_mount_host_bind_new:
 * @source: (nullable): the host directory, or %NULL (or "") for a fresh
 *   empty temporary directory
 * @targetdir: the guest directory
 *
 * Creates a mount binding the host directory @source onto @targetdir.
 *
 * Returns: (transfer full): a new mount
 *
 * Since: 0.6.0
 */
GVirSandboxConfigMountHostBind *gvir_sandbox_config_mount_host_bind_new(const gchar *source,
                                                                        const gchar *targetdir);

/* ---- GVirSandboxConfigMountHostImage ------------------------------------ */

#define GVIR_SANDBOX_TYPE_CONFIG_MOUNT_HOST_IMAGE (gvir_sandbox_config_mount_host_image_get_type())

/**
 * GVirSandboxConfigMountHostImage:
 *
 * A filesystem image file of the host mounted on a guest directory.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigMountHostImage, gvir_sandbox_config_mount_host_image, GVIR_SANDBOX, CONFIG_MOUNT_HOST_IMAGE, GVirSandboxConfigMountFile)

struct _GVirSandboxConfigMountHostImage
{
    GVirSandboxConfigMountFile parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigMountHostImageClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigMountHostImageClass
{
    GVirSandboxConfigMountFileClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigMountHostImage:format:
 *
 * The format of the image file (construct-only; default
 * %GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW).
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_mount_host_image_new:
 * @source: the host path of the image file
 * @targetdir: the guest directory
 * @format: the format of the image file
 *
 * Creates a mount of the image file @source on @targetdir.
 *
 * Returns: (transfer full): a new mount
 *
 * Since: 0.6.0
 */
GVirSandboxConfigMountHostImage *gvir_sandbox_config_mount_host_image_new(const gchar *source,
                                                                          const gchar *targetdir,
                                                                          GVirConfigDomainDiskFormat format);

/**
 * gvir_sandbox_config_mount_host_image_get_format:
 * @config: a #GVirSandboxConfigMountHostImage
 *
 * Gets the format of the image file (the
 * #GVirSandboxConfigMountHostImage:format property).
 *
 * Returns: the format of the image file
 *
 * Since: 0.9
 */
GVirConfigDomainDiskFormat gvir_sandbox_config_mount_host_image_get_format(GVirSandboxConfigMountHostImage *config);

/* ---- GVirSandboxConfigMountGuestBind ------------------------------------ */

#define GVIR_SANDBOX_TYPE_CONFIG_MOUNT_GUEST_BIND (gvir_sandbox_config_mount_guest_bind_get_type())

/**
 * GVirSandboxConfigMountGuestBind:
 *
 * Another path of the sandbox bound onto a guest directory (set up after
 * the other mounts).
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigMountGuestBind, gvir_sandbox_config_mount_guest_bind, GVIR_SANDBOX, CONFIG_MOUNT_GUEST_BIND, GVirSandboxConfigMountFile)

struct _GVirSandboxConfigMountGuestBind
{
    GVirSandboxConfigMountFile parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigMountGuestBindClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigMountGuestBindClass
{
    GVirSandboxConfigMountFileClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * gvir_sandbox_config_mount_guest_bind_new:
 * @source: the guest path to bind
 * @targetdir: the guest directory
 *
 * Creates a mount binding the guest path @source onto @targetdir.
 *
 * Returns: (transfer full): a new mount
 *
 * Since: 0.6.0
 */
GVirSandboxConfigMountGuestBind *gvir_sandbox_config_mount_guest_bind_new(const gchar *source,
                                                                          const gchar *targetdir);

/* ---- GVirSandboxConfigMountRam ------------------------------------------ */

#define GVIR_SANDBOX_TYPE_CONFIG_MOUNT_RAM (gvir_sandbox_config_mount_ram_get_type())

/**
 * GVirSandboxConfigMountRam:
 *
 * A RAM filesystem (tmpfs) of limited size on a guest directory.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigMountRam, gvir_sandbox_config_mount_ram, GVIR_SANDBOX, CONFIG_MOUNT_RAM, GVirSandboxConfigMount)

struct _GVirSandboxConfigMountRam
{
    GVirSandboxConfigMount parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigMountRamClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigMountRamClass
{
    GVirSandboxConfigMountClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigMountRam:usage:
 *
 * The maximum size of the filesystem, in bytes (default 10240). Unlike the
 * original, where it was construct-only, it may also be changed later.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_mount_ram_new:
 * @targetdir: the guest directory
 * @usage: the maximum size of the filesystem, in bytes
 *
 * Creates a RAM filesystem mount on @targetdir.
 *
 * Returns: (transfer full): a new mount
 *
 * Since: 0.6.0
 */
GVirSandboxConfigMountRam *gvir_sandbox_config_mount_ram_new(const gchar *targetdir,
                                                             guint64 usage);

/**
 * gvir_sandbox_config_mount_ram_set_usage:
 * @config: a #GVirSandboxConfigMountRam
 * @usage: the maximum size of the filesystem, in bytes
 *
 * Sets the size limit of the filesystem.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_mount_ram_set_usage(GVirSandboxConfigMountRam *config,
                                             guint64 usage);

/**
 * gvir_sandbox_config_mount_ram_get_usage:
 * @config: a #GVirSandboxConfigMountRam
 *
 * Gets the maximum size of the filesystem, in bytes (the
 * #GVirSandboxConfigMountRam:usage property).
 *
 * Returns: the maximum size of the filesystem, in bytes
 *
 * Since: 0.6.0
 */
guint64 gvir_sandbox_config_mount_ram_get_usage(GVirSandboxConfigMountRam *config);

G_END_DECLS
