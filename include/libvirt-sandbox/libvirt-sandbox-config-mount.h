/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/* Skeleton: to be completed. */

#define GVIR_SANDBOX_TYPE_CONFIG_MOUNT (gvir_sandbox_config_mount_get_type())

/**
 * GVirSandboxConfigMount:
 *
 * (Skeleton.)
 */
G_DECLARE_DERIVABLE_TYPE(GVirSandboxConfigMount, gvir_sandbox_config_mount, GVIR_SANDBOX, CONFIG_MOUNT, GObject)

/**
 * GVirSandboxConfigMountClass:
 * @parent_class: the parent class
 *
 * The class structure.
 */
struct _GVirSandboxConfigMountClass
{
    GObjectClass parent_class;
};

G_END_DECLS
