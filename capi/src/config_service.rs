// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxConfigService` and its subclasses.

use std::ffi::{CStr, c_char};
use std::ptr;

use glib::prelude::*;
use glib::translate::*;

use super::{c_name, guard, str_arg, string_getter, string_setter, strv_arg, with_instance};
use libvirt_sandbox::config::{ConfigService, ConfigServiceGeneric, ConfigServiceSystemd};

pub type GVirSandboxConfigServiceGeneric = <ConfigServiceGeneric as ObjectType>::GlibType;
pub type GVirSandboxConfigServiceSystemd = <ConfigServiceSystemd as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_service_get_type() -> glib::ffi::GType {
    ConfigService::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_service_generic_get_type() -> glib::ffi::GType {
    ConfigServiceGeneric::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_service_systemd_get_type() -> glib::ffi::GType {
    ConfigServiceSystemd::static_type().into_glib()
}

/// Shared body of the `*_new(name)` constructors.
fn new_named<T>(func: &CStr, name: *const c_char, make: impl FnOnce(&str) -> T) -> *mut T::GlibType
where
    T: IsA<glib::Object> + ObjectType,
{
    guard(func, ptr::null_mut(), || {
        // SAFETY: string pointer contract of the C API.
        match unsafe { str_arg(name, func, c"name") } {
            Some(name) => {
                let obj = make(name);
                let p = obj.as_ptr();
                std::mem::forget(obj); // ownership (one reference) moves to the caller
                p
            }
            None => ptr::null_mut(),
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_service_generic_new(
    name: *const c_char,
) -> *mut GVirSandboxConfigServiceGeneric {
    new_named(
        c_name!(gvir_sandbox_config_service_generic_new),
        name,
        ConfigServiceGeneric::new,
    )
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_service_generic_set_command(
    obj: *mut GVirSandboxConfigServiceGeneric,
    argv: *mut *mut c_char,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_service_generic_set_command);
    unsafe {
        with_instance(obj, F, (), |c: &ConfigServiceGeneric| {
            c.set_command(&strv_arg(argv as *const *const c_char))
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_service_systemd_new(
    name: *const c_char,
) -> *mut GVirSandboxConfigServiceSystemd {
    new_named(
        c_name!(gvir_sandbox_config_service_systemd_new),
        name,
        ConfigServiceSystemd::new,
    )
}

string_getter!(
    gvir_sandbox_config_service_systemd_get_boot_target,
    ConfigServiceSystemd,
    |o| o.boot_target()
);
string_setter!(
    gvir_sandbox_config_service_systemd_set_boot_target,
    ConfigServiceSystemd,
    "boot-target"
);
