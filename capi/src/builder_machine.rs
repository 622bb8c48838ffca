// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxBuilderMachine` (see `libvirt-sandbox-builder.h`).

use std::ffi::CStr;
use std::ptr;

use glib::prelude::*;
use glib::translate::*;

use super::{c_name, guard, instance};
use libvirt_sandbox::builder_class::BuilderMachine;
use libvirt_sandbox::gvir::Connection;

pub type GVirSandboxBuilderMachine = <BuilderMachine as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_builder_machine_get_type() -> glib::ffi::GType {
    BuilderMachine::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_builder_machine_new(
    connection: *mut <Connection as ObjectType>::GlibType,
) -> *mut GVirSandboxBuilderMachine {
    const F: &CStr = c_name!(gvir_sandbox_builder_machine_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: GObject pointer contract of the C API.
        match unsafe { instance::<Connection>(connection, F) } {
            Some(connection) => BuilderMachine::new(&connection).into_glib_ptr(),
            None => ptr::null_mut(),
        }
    })
}
