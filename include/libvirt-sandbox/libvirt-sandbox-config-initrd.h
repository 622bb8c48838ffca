/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/* Skeleton: to be completed. */

#define GVIR_SANDBOX_TYPE_CONFIG_INITRD (gvir_sandbox_config_initrd_get_type())

/**
 * GVirSandboxConfigInitrd:
 *
 * (Skeleton.)
 */
G_DECLARE_FINAL_TYPE(GVirSandboxConfigInitrd, gvir_sandbox_config_initrd, GVIR_SANDBOX, CONFIG_INITRD, GObject)

G_END_DECLS
