/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/* Skeleton: to be completed. */

#define GVIR_SANDBOX_TYPE_CONFIG_NETWORK (gvir_sandbox_config_network_get_type())

/**
 * GVirSandboxConfigNetwork:
 *
 * (Skeleton.)
 */
G_DECLARE_FINAL_TYPE(GVirSandboxConfigNetwork, gvir_sandbox_config_network, GVIR_SANDBOX, CONFIG_NETWORK, GObject)

G_END_DECLS
