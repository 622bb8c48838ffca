/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * GVIR_SANDBOX_ERROR:
 *
 * The error domain of libvirt-sandbox: every #GError the library reports is in
 * this domain with a #GVirSandboxError code, except cancellation, which is
 * %G_IO_ERROR_CANCELLED.
 *
 * Since: 0.9
 */
#define GVIR_SANDBOX_ERROR (gvir_sandbox_error_quark())

/**
 * GVirSandboxError:
 *
 * Error codes of the #GVIR_SANDBOX_ERROR domain. The numeric values are stable.
 *
 * Since: 0.9
 */
typedef enum {
    /**
     * GVIR_SANDBOX_ERROR_FAILED:
     *
     * Unspecified failure.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_FAILED = 0,
    /**
     * GVIR_SANDBOX_ERROR_INVALID_MOUNT:
     *
     * A mount specification (`TYPE:TARGET=SOURCE`) is invalid.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_INVALID_MOUNT = 1,
    /**
     * GVIR_SANDBOX_ERROR_INVALID_NETWORK:
     *
     * A network specification is invalid.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_INVALID_NETWORK = 2,
    /**
     * GVIR_SANDBOX_ERROR_INVALID_DISK:
     *
     * A disk specification (`TYPE:TAG=SOURCE`) is invalid.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_INVALID_DISK = 3,
    /**
     * GVIR_SANDBOX_ERROR_INVALID_ENV:
     *
     * An environment entry (`KEY=VALUE`) is invalid.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_INVALID_ENV = 4,
    /**
     * GVIR_SANDBOX_ERROR_INVALID_INCLUDE:
     *
     * A host include is invalid or lies on no mount.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_INVALID_INCLUDE = 5,
    /**
     * GVIR_SANDBOX_ERROR_INVALID_SECURITY:
     *
     * A security specification is invalid.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_INVALID_SECURITY = 6,
    /**
     * GVIR_SANDBOX_ERROR_INVALID_CONFIG:
     *
     * A saved configuration is malformed or of an unknown class.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_INVALID_CONFIG = 7,
    /**
     * GVIR_SANDBOX_ERROR_IO:
     *
     * Reading or writing a host file failed.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_IO = 8,
    /**
     * GVIR_SANDBOX_ERROR_NOT_CONNECTED:
     *
     * The libvirt connection is not open.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_NOT_CONNECTED = 9,
    /**
     * GVIR_SANDBOX_ERROR_UNSUPPORTED:
     *
     * The connection URI or a requested feature is not supported.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_UNSUPPORTED = 10,
    /**
     * GVIR_SANDBOX_ERROR_LIBVIRT:
     *
     * Libvirt refused an operation (the message says why).
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_LIBVIRT = 11,
    /**
     * GVIR_SANDBOX_ERROR_NOT_RUNNING:
     *
     * The sandbox is not running.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_NOT_RUNNING = 12,
    /**
     * GVIR_SANDBOX_ERROR_ALREADY_RUNNING:
     *
     * The sandbox is already running.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_ALREADY_RUNNING = 13,
    /**
     * GVIR_SANDBOX_ERROR_PROTOCOL:
     *
     * The host/guest console protocol was violated, or the guest's end closed
     * before the command's exit status arrived (see
     * gvir_sandbox_console_check_end()).
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_PROTOCOL = 14,
    /**
     * GVIR_SANDBOX_ERROR_GUEST:
     *
     * The guest init failed to set the sandbox up and never ran the command;
     * the message is the guest's (see gvir_sandbox_console_check_end()).
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_GUEST = 15,
    /**
     * GVIR_SANDBOX_ERROR_KERNEL:
     *
     * No usable kernel, module directory or initrd for a virtual machine.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_KERNEL = 16,
    /**
     * GVIR_SANDBOX_ERROR_INVALID_ARGUMENT:
     *
     * A property or argument value is out of range.
     *
     * Since: 0.9
     */
    GVIR_SANDBOX_ERROR_INVALID_ARGUMENT = 17,
} GVirSandboxError;

#define GVIR_SANDBOX_TYPE_ERROR (gvir_sandbox_error_get_type())

/**
 * gvir_sandbox_error_quark:
 *
 * The quark of the #GVIR_SANDBOX_ERROR domain.
 *
 * Returns: the error domain's quark
 *
 * Since: 0.9
 */
GQuark gvir_sandbox_error_quark(void);
GType gvir_sandbox_error_get_type(void);

G_END_DECLS
