/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>
#include <libvirt-gconfig/libvirt-gconfig.h>

G_BEGIN_DECLS

#define GVIR_SANDBOX_TYPE_CONFIG_DISK (gvir_sandbox_config_disk_get_type())

/**
 * GVirSandboxConfigDisk:
 *
 * A host file (or other disk source) exposed to the sandbox as a block
 * device, found in the guest at `/dev/disk/by-tag/TAG`.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfigDisk, gvir_sandbox_config_disk, GVIR_SANDBOX, CONFIG_DISK, GObject)

struct _GVirSandboxConfigDisk
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigDiskClass:
 * @parent_class: the parent class
 *
 * The class structure.
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigDiskClass
{
    GObjectClass parent_class;

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfigDisk:tag:
 *
 * The tag naming the disk in the guest, `/dev/disk/by-tag/TAG`
 * (construct-only; unique within a config).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigDisk:source:
 *
 * The host path of the disk image (construct-only).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigDisk:type:
 *
 * The type of the disk source (construct-only; default
 * %GVIR_CONFIG_DOMAIN_DISK_FILE).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigDisk:format:
 *
 * The format of the disk image (construct-only; default
 * %GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW).
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_disk_new:
 * @type: the type of the disk source
 * @tag: the tag naming the disk in the guest (`/dev/disk/by-tag/TAG`)
 * @source: the host path of the disk image
 * @format: the format of the disk image
 *
 * Creates a disk. (The original library had no constructor; disks were
 * only made by gvir_sandbox_config_add_disk_opts() or g_object_new().)
 *
 * Returns: (transfer full): a new disk
 *
 * Since: 0.9
 */
GVirSandboxConfigDisk *gvir_sandbox_config_disk_new(GVirConfigDomainDiskType type,
                                                    const gchar *tag,
                                                    const gchar *source,
                                                    GVirConfigDomainDiskFormat format);

/**
 * gvir_sandbox_config_disk_get_tag:
 * @config: a #GVirSandboxConfigDisk
 *
 * Gets the tag naming the disk in the guest (the #GVirSandboxConfigDisk:tag
 * property).
 *
 * Returns: (transfer none): the tag naming the disk in the guest
 *
 * Since: 0.9
 */
const gchar *gvir_sandbox_config_disk_get_tag(GVirSandboxConfigDisk *config);

/**
 * gvir_sandbox_config_disk_get_source:
 * @config: a #GVirSandboxConfigDisk
 *
 * Gets the host path of the disk image (the #GVirSandboxConfigDisk:source
 * property).
 *
 * Returns: (transfer none): the host path of the disk image
 *
 * Since: 0.9
 */
const gchar *gvir_sandbox_config_disk_get_source(GVirSandboxConfigDisk *config);

/**
 * gvir_sandbox_config_disk_get_disk_type:
 * @config: a #GVirSandboxConfigDisk
 *
 * Gets the type of the disk source.
 *
 * Returns: the type of the disk source
 *
 * Since: 0.9
 */
GVirConfigDomainDiskType gvir_sandbox_config_disk_get_disk_type(GVirSandboxConfigDisk *config);

/**
 * gvir_sandbox_config_disk_get_format:
 * @config: a #GVirSandboxConfigDisk
 *
 * Gets the format of the disk image (the #GVirSandboxConfigDisk:format
 * property).
 *
 * Returns: the format of the disk image
 *
 * Since: 0.9
 */
GVirConfigDomainDiskFormat gvir_sandbox_config_disk_get_format(GVirSandboxConfigDisk *config);

G_END_DECLS
