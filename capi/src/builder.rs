// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxBuilder` (see `libvirt-sandbox-builder.h`).

use std::ffi::{CStr, c_char};
use std::path::PathBuf;
use std::ptr;

use glib::ffi::{GError, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::{
    c_name, error_arg_ok, gbool, guard, instance, return_if_fail_warning, set_error, with_instance,
};
use libvirt_sandbox::builder_class::Builder;
use libvirt_sandbox::config::Config;
use libvirt_sandbox::gvir::{ConfigDomain, Connection};

pub type GVirSandboxBuilder = <Builder as ObjectType>::GlibType;
type GVirSandboxConfig = <Config as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_builder_get_type() -> glib::ffi::GType {
    Builder::static_type().into_glib()
}

/// Reads a non-NULL path argument (any bytes but NUL); logs a critical
/// and returns `None` for NULL.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string.
pub(crate) unsafe fn path_arg(ptr: *const c_char, func: &CStr, name: &CStr) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    if ptr.is_null() {
        let expr = format!("{} != NULL", name.to_string_lossy());
        return_if_fail_warning(func, &std::ffi::CString::new(expr).unwrap_or_default());
        return None;
    }
    // SAFETY: caller contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_builder_for_connection(
    connection: *mut <Connection as ObjectType>::GlibType,
    error: *mut *mut GError,
) -> *mut GVirSandboxBuilder {
    const F: &CStr = c_name!(gvir_sandbox_builder_for_connection);
    guard(F, ptr::null_mut(), || {
        // SAFETY: GObject and GError pointer contracts of the C API.
        unsafe {
            let Some(connection) = instance::<Connection>(connection, F) else {
                return ptr::null_mut();
            };
            if !error_arg_ok(error, F) {
                return ptr::null_mut();
            }
            set_error(Builder::for_connection(&connection), error)
                .map_or(ptr::null_mut(), |b| b.into_glib_ptr())
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_builder_get_connection(
    obj: *mut GVirSandboxBuilder,
) -> *mut <Connection as ObjectType>::GlibType {
    const F: &CStr = c_name!(gvir_sandbox_builder_get_connection);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |b: &Builder| {
            b.connection()
                .map_or(ptr::null_mut(), |c| c.into_glib_ptr())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_builder_construct(
    obj: *mut GVirSandboxBuilder,
    config: *mut GVirSandboxConfig,
    statedir: *const c_char,
    error: *mut *mut GError,
) -> *mut <ConfigDomain as ObjectType>::GlibType {
    const F: &CStr = c_name!(gvir_sandbox_builder_construct);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |b: &Builder| {
            let Some(config) = instance::<Config>(config, F) else {
                return ptr::null_mut();
            };
            let Some(dir) = path_arg(statedir, F, c"statedir") else {
                return ptr::null_mut();
            };
            if !error_arg_ok(error, F) {
                return ptr::null_mut();
            }
            set_error(b.construct(&config, &dir), error)
                .map_or(ptr::null_mut(), |d| d.into_glib_ptr())
        })
    }
}

/// Shared body of the two `clean_post_*` exports.
unsafe fn clean(
    obj: *mut GVirSandboxBuilder,
    config: *mut GVirSandboxConfig,
    statedir: *const c_char,
    error: *mut *mut GError,
    func: &CStr,
    body: fn(&Builder, &Config, &std::path::Path) -> libvirt_sandbox::Result<()>,
) -> gboolean {
    unsafe {
        with_instance(obj, func, 0, |b: &Builder| {
            let Some(config) = instance::<Config>(config, func) else {
                return 0;
            };
            let Some(dir) = path_arg(statedir, func, c"statedir") else {
                return 0;
            };
            if !error_arg_ok(error, func) {
                return 0;
            }
            gbool(set_error(body(b, &config, &dir), error).is_some())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_builder_clean_post_start(
    obj: *mut GVirSandboxBuilder,
    config: *mut GVirSandboxConfig,
    statedir: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_builder_clean_post_start);
    unsafe { clean(obj, config, statedir, error, F, Builder::clean_post_start) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_builder_clean_post_stop(
    obj: *mut GVirSandboxBuilder,
    config: *mut GVirSandboxConfig,
    statedir: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_builder_clean_post_stop);
    unsafe { clean(obj, config, statedir, error, F, Builder::clean_post_stop) }
}
