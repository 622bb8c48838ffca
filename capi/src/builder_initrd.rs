// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxBuilderInitrd` (see `libvirt-sandbox-builder.h`).

use std::ffi::{CStr, c_char};
use std::ptr;

use glib::ffi::{GError, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::builder::path_arg;
use super::{c_name, error_arg_ok, gbool, guard, instance, set_error, with_instance};
use libvirt_sandbox::builder_class::BuilderInitrd;
use libvirt_sandbox::config::ConfigInitrd;

pub type GVirSandboxBuilderInitrd = <BuilderInitrd as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_builder_initrd_get_type() -> glib::ffi::GType {
    BuilderInitrd::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_builder_initrd_new() -> *mut GVirSandboxBuilderInitrd {
    const F: &CStr = c_name!(gvir_sandbox_builder_initrd_new);
    guard(F, ptr::null_mut(), || BuilderInitrd::new().into_glib_ptr())
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_builder_initrd_construct(
    obj: *mut GVirSandboxBuilderInitrd,
    config: *mut <ConfigInitrd as ObjectType>::GlibType,
    outputfile: *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_builder_initrd_construct);
    unsafe {
        with_instance(obj, F, 0, |b: &BuilderInitrd| {
            let Some(config) = instance::<ConfigInitrd>(config, F) else {
                return 0;
            };
            let Some(output) = path_arg(outputfile, F, c"outputfile") else {
                return 0;
            };
            if !error_arg_ok(error, F) {
                return 0;
            }
            gbool(set_error(b.construct(&config, &output), error).is_some())
        })
    }
}
