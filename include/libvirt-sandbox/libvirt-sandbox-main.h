/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * gvir_sandbox_init:
 * @argc: (inout) (nullable): pointer to the application's argc
 * @argv: (inout) (array length=argc) (nullable) (transfer none): pointer to the application's argv
 *
 * Initializes libvirt-sandbox and the libvirt-gobject, libvirt-glib and
 * GObject libraries it builds on. Aborts the program with an error message
 * if that fails; use gvir_sandbox_init_check() to handle the failure.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_init(int *argc, char ***argv);

/**
 * gvir_sandbox_init_check:
 * @argc: (inout) (nullable): pointer to the application's argc
 * @argv: (inout) (array length=argc) (nullable) (transfer none): pointer to the application's argv
 * @error: return location for a #GError, or %NULL
 *
 * Initializes libvirt-sandbox and the libraries it builds on, reporting a
 * failure instead of aborting. Safe to call more than once.
 *
 * Returns: %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_init_check(int *argc, char ***argv, GError **error);

/**
 * gvir_sandbox_init_object_check:
 * @argc: (inout) (nullable): pointer to the application's argc
 * @argv: (inout) (array length=argc) (nullable) (transfer none): pointer to the application's argv
 * @error: return location for a #GError, or %NULL
 *
 * The same as gvir_sandbox_init_check(), under the name scripts written for
 * libvirt-gobject's gvir_init_object_check() expect.
 *
 * Returns: %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.9
 */
gboolean gvir_sandbox_init_object_check(int *argc, char ***argv, GError **error);

G_END_DECLS
