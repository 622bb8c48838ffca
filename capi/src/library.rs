// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of the library's global functions (see `libvirt-sandbox-main.h`) and of
//! the `GVirSandboxError` domain.

use std::ffi::{CStr, c_char, c_int};

use glib::ffi::{GError, GQuark, GType, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::{c_name, error_arg_ok, gbool, guard, set_error};
use libvirt_sandbox::error::SandboxError;

use libvirt_sandbox::gvir::ffi::gvir_init_object_check;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_error_quark() -> GQuark {
    <SandboxError as glib::error::ErrorDomain>::domain().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_error_get_type() -> GType {
    SandboxError::static_type().into_glib()
}

/// Initializes libvirt-gobject (and through it libvirt-glib and GObject), then
/// this library. Shared by the three entry points.
unsafe fn init(
    func: &CStr,
    argc: *mut c_int,
    argv: *mut *mut *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    guard(func, 0, || {
        // SAFETY: caller contract.
        if !unsafe { error_arg_ok(error, func) } {
            return 0;
        }
        // SAFETY: argc/argv are NULL or the program's arguments, as libvirt-gobject expects.
        if unsafe { gvir_init_object_check(argc, argv, error) } == 0 {
            return 0;
        }
        // SAFETY: as above.
        gbool(unsafe { set_error(libvirt_sandbox::init_check(), error) }.is_some())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_init_check(
    argc: *mut c_int,
    argv: *mut *mut *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    unsafe { init(c_name!(gvir_sandbox_init_check), argc, argv, error) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_init_object_check(
    argc: *mut c_int,
    argv: *mut *mut *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    unsafe { init(c_name!(gvir_sandbox_init_object_check), argc, argv, error) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_init(argc: *mut c_int, argv: *mut *mut *mut c_char) {
    let mut error: *mut GError = std::ptr::null_mut();
    // SAFETY: forwarding the caller's arguments.
    if unsafe { init(c_name!(gvir_sandbox_init), argc, argv, &mut error) } == 0 {
        // SAFETY: on failure `error` holds a GError we own.
        let e: glib::Error = unsafe { from_glib_full(error) };
        glib::g_error!(
            "LibvirtSandbox",
            "Failed to initialize libvirt-sandbox: {}",
            e.message()
        );
    }
}
