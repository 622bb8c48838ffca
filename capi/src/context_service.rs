// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxContextService` (see `libvirt-sandbox-context.h`).

use std::ffi::CStr;
use std::ptr;

use glib::ffi::{GError, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::{c_name, error_arg_ok, gbool, guard, instance, set_error, with_instance};
use libvirt_sandbox::config::ConfigService;
use libvirt_sandbox::context::ContextService;
use libvirt_sandbox::gvir::Connection;

pub type GVirSandboxContextService = <ContextService as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_context_service_get_type() -> glib::ffi::GType {
    ContextService::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_service_new(
    connection: *mut <Connection as ObjectType>::GlibType,
    config: *mut <ConfigService as ObjectType>::GlibType,
) -> *mut GVirSandboxContextService {
    const F: &CStr = c_name!(gvir_sandbox_context_service_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: GObject pointer contract of the C API.
        let (Some(connection), Some(config)) =
            (unsafe { instance::<Connection>(connection, F) }, unsafe {
                instance::<ConfigService>(config, F)
            })
        else {
            return ptr::null_mut();
        };
        ContextService::new(&connection, &*config).into_glib_ptr()
    })
}

/// Shared body of the `(context, GError **) -> gboolean` exports.
unsafe fn call(
    obj: *mut GVirSandboxContextService,
    func: &CStr,
    error: *mut *mut GError,
    body: impl FnOnce(&ContextService) -> libvirt_sandbox::Result<()>,
) -> gboolean {
    unsafe {
        with_instance(obj, func, 0, |c: &ContextService| {
            if !error_arg_ok(error, func) {
                return 0;
            }
            gbool(set_error(body(c), error).is_some())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_service_define(
    obj: *mut GVirSandboxContextService,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_context_service_define),
            error,
            ContextService::define,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_service_undefine(
    obj: *mut GVirSandboxContextService,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_context_service_undefine),
            error,
            ContextService::undefine,
        )
    }
}
