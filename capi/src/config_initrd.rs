// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxConfigInitrd` (see `libvirt-sandbox-config-initrd.h`).

use std::ffi::{CStr, c_char};
use std::ptr;

use glib::prelude::*;
use glib::translate::*;

use super::{c_name, guard, str_arg, string_getter, string_setter, with_instance};
use libvirt_sandbox::config::ConfigInitrd;

pub type GVirSandboxConfigInitrd = <ConfigInitrd as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_initrd_get_type() -> glib::ffi::GType {
    ConfigInitrd::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_initrd_new() -> *mut GVirSandboxConfigInitrd {
    const F: &CStr = c_name!(gvir_sandbox_config_initrd_new);
    guard(F, ptr::null_mut(), || ConfigInitrd::new().into_glib_ptr())
}

string_getter!(gvir_sandbox_config_initrd_get_kver, ConfigInitrd, |o| o
    .kver());
string_setter!(gvir_sandbox_config_initrd_set_kver, ConfigInitrd, "kver");
string_getter!(gvir_sandbox_config_initrd_get_kmoddir, ConfigInitrd, |o| o
    .kmoddir());
string_setter!(
    gvir_sandbox_config_initrd_set_kmoddir,
    ConfigInitrd,
    "kmoddir"
);
string_getter!(gvir_sandbox_config_initrd_get_init, ConfigInitrd, |o| o
    .init());
string_setter!(gvir_sandbox_config_initrd_set_init, ConfigInitrd, "init");

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_initrd_add_module(
    obj: *mut GVirSandboxConfigInitrd,
    modname: *const c_char,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_initrd_add_module);
    unsafe {
        with_instance(obj, F, (), |c: &ConfigInitrd| {
            if let Some(name) = str_arg(modname, F, c"modname") {
                c.add_module(name);
            }
        })
    }
}

/// Returns a new list of new strings (the original said transfer container but
/// handed out its internal strings; owning them avoids dangling pointers).
/// Key of the module names handed out as C strings, kept with the object.
const MODULE_NAMES_KEY: &str = "gvir-sandbox-capi-module-names";

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_initrd_get_modules(
    obj: *mut GVirSandboxConfigInitrd,
) -> *mut glib::ffi::GList {
    const F: &CStr = c_name!(gvir_sandbox_config_initrd_get_modules);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &ConfigInitrd| {
            // Transfer container, as the original: the strings belong to the
            // object. Each distinct name is kept (never freed before the
            // object), so every list handed out stays valid with it.
            if c.data::<Vec<std::ffi::CString>>(MODULE_NAMES_KEY).is_none() {
                c.set_data(MODULE_NAMES_KEY, Vec::<std::ffi::CString>::new());
            }
            let Some(names) = c.data::<Vec<std::ffi::CString>>(MODULE_NAMES_KEY) else {
                return ptr::null_mut();
            };
            let names = &mut *names.as_ptr();
            let mut list: *mut glib::ffi::GList = ptr::null_mut();
            for m in c.modules().iter().rev() {
                let Ok(name) = std::ffi::CString::new(m.as_str()) else {
                    continue; // the setters refuse NULs
                };
                let kept = match names.iter().position(|n| *n == name) {
                    Some(i) => names[i].as_ptr(),
                    None => {
                        names.push(name);
                        names[names.len() - 1].as_ptr()
                    }
                };
                list = glib::ffi::g_list_prepend(list, kept as glib::ffi::gpointer);
            }
            list
        })
    }
}
