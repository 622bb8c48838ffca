// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxConfigInteractive` (see `libvirt-sandbox-config-interactive.h`).

use std::ffi::{CStr, c_char};
use std::ptr;

use glib::ffi::gboolean;
use glib::prelude::*;
use glib::translate::*;

use super::{c_name, guard, str_arg, strv_arg, value_property, with_instance};
use libvirt_sandbox::config::ConfigInteractive;

pub type GVirSandboxConfigInteractive = <ConfigInteractive as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_interactive_get_type() -> glib::ffi::GType {
    ConfigInteractive::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_interactive_new(
    name: *const c_char,
) -> *mut GVirSandboxConfigInteractive {
    const F: &CStr = c_name!(gvir_sandbox_config_interactive_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: string pointer contract of the C API.
        match unsafe { str_arg(name, F, c"name") } {
            Some(name) => ConfigInteractive::new(name).into_glib_ptr(),
            None => ptr::null_mut(),
        }
    })
}

value_property!(
    gvir_sandbox_config_interactive_get_tty,
    gvir_sandbox_config_interactive_set_tty,
    ConfigInteractive,
    "tty",
    gboolean,
    bool
);

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_interactive_set_command(
    obj: *mut GVirSandboxConfigInteractive,
    argv: *mut *mut c_char,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_interactive_set_command);
    unsafe {
        with_instance(obj, F, (), |c: &ConfigInteractive| {
            c.set_command(&strv_arg(argv as *const *const c_char))
        })
    }
}
