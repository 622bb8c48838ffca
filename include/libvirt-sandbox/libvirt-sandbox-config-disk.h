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
 */
/**
 * GVirSandboxConfigDisk:source:
 *
 * The host path of the disk image (construct-only).
 */
/**
 * GVirSandboxConfigDisk:type:
 *
 * The type of the disk source (construct-only; default
 * %GVIR_CONFIG_DOMAIN_DISK_FILE).
 */
/**
 * GVirSandboxConfigDisk:format:
 *
 * The format of the disk image (construct-only; default
 * %GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW).
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
 */
GVirSandboxConfigDisk *gvir_sandbox_config_disk_new(GVirConfigDomainDiskType type,
                                                    const gchar *tag,
                                                    const gchar *source,
                                                    GVirConfigDomainDiskFormat format);

/**
 * gvir_sandbox_config_disk_get_tag:
 * @config: a #GVirSandboxConfigDisk
 *
 * Returns: (transfer none): the tag naming the disk in the guest
 */
const gchar *gvir_sandbox_config_disk_get_tag(GVirSandboxConfigDisk *config);

/**
 * gvir_sandbox_config_disk_get_source:
 * @config: a #GVirSandboxConfigDisk
 *
 * Returns: (transfer none): the host path of the disk image
 */
const gchar *gvir_sandbox_config_disk_get_source(GVirSandboxConfigDisk *config);

/**
 * gvir_sandbox_config_disk_get_disk_type:
 * @config: a #GVirSandboxConfigDisk
 *
 * Returns: the type of the disk source
 */
GVirConfigDomainDiskType gvir_sandbox_config_disk_get_disk_type(GVirSandboxConfigDisk *config);

/**
 * gvir_sandbox_config_disk_get_format:
 * @config: a #GVirSandboxConfigDisk
 *
 * Returns: the format of the disk image
 */
GVirConfigDomainDiskFormat gvir_sandbox_config_disk_get_format(GVirSandboxConfigDisk *config);

G_END_DECLS
