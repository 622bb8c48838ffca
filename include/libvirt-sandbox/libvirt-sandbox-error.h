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
 */
#define GVIR_SANDBOX_ERROR (gvir_sandbox_error_quark())

/**
 * GVirSandboxError:
 * @GVIR_SANDBOX_ERROR_FAILED: unspecified failure
 * @GVIR_SANDBOX_ERROR_INVALID_MOUNT: a mount specification (`TYPE:TARGET=SOURCE`) is invalid
 * @GVIR_SANDBOX_ERROR_INVALID_NETWORK: a network specification is invalid
 * @GVIR_SANDBOX_ERROR_INVALID_DISK: a disk specification (`TYPE:TAG=SOURCE`) is invalid
 * @GVIR_SANDBOX_ERROR_INVALID_ENV: an environment entry (`KEY=VALUE`) is invalid
 * @GVIR_SANDBOX_ERROR_INVALID_INCLUDE: a host include is invalid or lies on no mount
 * @GVIR_SANDBOX_ERROR_INVALID_SECURITY: a security specification is invalid
 * @GVIR_SANDBOX_ERROR_INVALID_CONFIG: a saved configuration is malformed or of an unknown class
 * @GVIR_SANDBOX_ERROR_IO: reading or writing a host file failed
 * @GVIR_SANDBOX_ERROR_NOT_CONNECTED: the libvirt connection is not open
 * @GVIR_SANDBOX_ERROR_UNSUPPORTED: the connection URI or a requested feature is not supported
 * @GVIR_SANDBOX_ERROR_LIBVIRT: libvirt refused an operation (the message says why)
 * @GVIR_SANDBOX_ERROR_NOT_RUNNING: the sandbox is not running
 * @GVIR_SANDBOX_ERROR_ALREADY_RUNNING: the sandbox is already running
 * @GVIR_SANDBOX_ERROR_PROTOCOL: the host/guest console protocol was violated, or the guest's end closed before the command's exit status arrived (see gvir_sandbox_console_check_end())
 * @GVIR_SANDBOX_ERROR_GUEST: the guest init failed to set the sandbox up and never ran the command; the message is the guest's (see gvir_sandbox_console_check_end())
 * @GVIR_SANDBOX_ERROR_KERNEL: no usable kernel, module directory or initrd for a virtual machine
 * @GVIR_SANDBOX_ERROR_INVALID_ARGUMENT: a property or argument value is out of range
 *
 * Error codes of the #GVIR_SANDBOX_ERROR domain. The numeric values are stable.
 */
typedef enum {
    GVIR_SANDBOX_ERROR_FAILED = 0,
    GVIR_SANDBOX_ERROR_INVALID_MOUNT = 1,
    GVIR_SANDBOX_ERROR_INVALID_NETWORK = 2,
    GVIR_SANDBOX_ERROR_INVALID_DISK = 3,
    GVIR_SANDBOX_ERROR_INVALID_ENV = 4,
    GVIR_SANDBOX_ERROR_INVALID_INCLUDE = 5,
    GVIR_SANDBOX_ERROR_INVALID_SECURITY = 6,
    GVIR_SANDBOX_ERROR_INVALID_CONFIG = 7,
    GVIR_SANDBOX_ERROR_IO = 8,
    GVIR_SANDBOX_ERROR_NOT_CONNECTED = 9,
    GVIR_SANDBOX_ERROR_UNSUPPORTED = 10,
    GVIR_SANDBOX_ERROR_LIBVIRT = 11,
    GVIR_SANDBOX_ERROR_NOT_RUNNING = 12,
    GVIR_SANDBOX_ERROR_ALREADY_RUNNING = 13,
    GVIR_SANDBOX_ERROR_PROTOCOL = 14,
    GVIR_SANDBOX_ERROR_GUEST = 15,
    GVIR_SANDBOX_ERROR_KERNEL = 16,
    GVIR_SANDBOX_ERROR_INVALID_ARGUMENT = 17,
} GVirSandboxError;

#define GVIR_SANDBOX_TYPE_ERROR (gvir_sandbox_error_get_type())

GQuark gvir_sandbox_error_quark(void);
GType gvir_sandbox_error_get_type(void);

G_END_DECLS
