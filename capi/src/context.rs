// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxContext` and `GVirSandboxContextInteractive` (see
//! `libvirt-sandbox-context.h`, `libvirt-sandbox-context-interactive.h`).

use std::ffi::CStr;
use std::ptr;

use gio::prelude::*;
use glib::ffi::{GError, gboolean, gpointer};
use glib::translate::*;

use super::{c_name, error_arg_ok, gbool, guard, instance, set_error, with_instance};
use libvirt_sandbox::config::{Config, ConfigInteractive};
use libvirt_sandbox::console::{ConsoleRaw, ConsoleRpc};
use libvirt_sandbox::context::{Context, ContextInteractive};
use libvirt_sandbox::error::{SandboxError, error};
use libvirt_sandbox::gvir::{Connection, Domain};

pub type GVirSandboxContext = <Context as ObjectType>::GlibType;
pub type GVirSandboxContextInteractive = <ContextInteractive as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_context_get_type() -> glib::ffi::GType {
    Context::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_context_interactive_get_type() -> glib::ffi::GType {
    ContextInteractive::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_interactive_new(
    connection: *mut <Connection as ObjectType>::GlibType,
    config: *mut <ConfigInteractive as ObjectType>::GlibType,
) -> *mut GVirSandboxContextInteractive {
    const F: &CStr = c_name!(gvir_sandbox_context_interactive_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: GObject pointer contract of the C API.
        let (Some(connection), Some(config)) =
            (unsafe { instance::<Connection>(connection, F) }, unsafe {
                instance::<ConfigInteractive>(config, F)
            })
        else {
            return ptr::null_mut();
        };
        ContextInteractive::new(&connection, &config).into_glib_ptr()
    })
}

/// Shared body of the `(context, GError **) -> gboolean` exports.
unsafe fn call(
    obj: *mut GVirSandboxContext,
    func: &CStr,
    error: *mut *mut GError,
    body: impl FnOnce(&Context) -> libvirt_sandbox::Result<()>,
) -> gboolean {
    unsafe {
        with_instance(obj, func, 0, |c: &Context| {
            if !error_arg_ok(error, func) {
                return 0;
            }
            gbool(set_error(body(c), error).is_some())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_start(
    obj: *mut GVirSandboxContext,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_context_start),
            error,
            Context::start,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_stop(
    obj: *mut GVirSandboxContext,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_context_stop),
            error,
            Context::stop,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_attach(
    obj: *mut GVirSandboxContext,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_context_attach),
            error,
            Context::attach,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_detach(
    obj: *mut GVirSandboxContext,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_context_detach),
            error,
            Context::detach,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_is_attached(
    obj: *mut GVirSandboxContext,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_context_is_attached);
    unsafe { with_instance(obj, F, 0, |c: &Context| gbool(c.is_attached())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_get_config(
    obj: *mut GVirSandboxContext,
) -> *mut <Config as ObjectType>::GlibType {
    const F: &CStr = c_name!(gvir_sandbox_context_get_config);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &Context| {
            match c.try_config() {
                Ok(config) => config.into_glib_ptr(),
                Err(e) => {
                    glib::g_critical!("LibvirtSandbox", "{}: {}", F.to_string_lossy(), e.message());
                    ptr::null_mut()
                }
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_get_connection(
    obj: *mut GVirSandboxContext,
) -> *mut <Connection as ObjectType>::GlibType {
    const F: &CStr = c_name!(gvir_sandbox_context_get_connection);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &Context| {
            c.connection()
                .map_or(ptr::null_mut(), |c| c.into_glib_ptr())
        })
    }
}

/// Shared body of the exports returning a new object or NULL + GError.
unsafe fn make<T, O>(
    obj: *mut T::GlibType,
    func: &CStr,
    error: *mut *mut GError,
    body: impl FnOnce(&T) -> libvirt_sandbox::Result<O>,
) -> *mut O::GlibType
where
    T: ObjectType + FromGlibPtrBorrow<*mut T::GlibType>,
    O: ObjectType + IntoGlibPtr<*mut O::GlibType>,
{
    unsafe {
        with_instance(obj, func, ptr::null_mut(), |c: &T| {
            if !error_arg_ok(error, func) {
                return ptr::null_mut();
            }
            set_error(body(c), error).map_or(ptr::null_mut(), |o| o.into_glib_ptr())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_get_domain(
    obj: *mut GVirSandboxContext,
    error: *mut *mut GError,
) -> *mut <Domain as ObjectType>::GlibType {
    unsafe {
        make(
            obj,
            c_name!(gvir_sandbox_context_get_domain),
            error,
            Context::domain,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_get_log_console(
    obj: *mut GVirSandboxContext,
    error: *mut *mut GError,
) -> *mut <ConsoleRaw as ObjectType>::GlibType {
    unsafe {
        make(
            obj,
            c_name!(gvir_sandbox_context_get_log_console),
            error,
            Context::log_console,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_get_shell_console(
    obj: *mut GVirSandboxContext,
    error: *mut *mut GError,
) -> *mut <ConsoleRaw as ObjectType>::GlibType {
    unsafe {
        make(
            obj,
            c_name!(gvir_sandbox_context_get_shell_console),
            error,
            Context::shell_console,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_interactive_get_app_console(
    obj: *mut GVirSandboxContextInteractive,
    error: *mut *mut GError,
) -> *mut <ConsoleRpc as ObjectType>::GlibType {
    unsafe {
        make(
            obj,
            c_name!(gvir_sandbox_context_interactive_get_app_console),
            error,
            ContextInteractive::app_console,
        )
    }
}

/// Runs `op` for the async variants: a future on the caller's thread-default
/// main context (whose blocking libvirt calls run on worker threads, see
/// `Context::start_future`), its result delivered through a GTask tagged
/// with `tag` (the `_async` function).
unsafe fn run_async<F: std::future::Future<Output = libvirt_sandbox::Result<()>> + 'static>(
    obj: *mut GVirSandboxContext,
    func: &CStr,
    tag: gpointer,
    cancellable: *mut gio::ffi::GCancellable,
    callback: gio::ffi::GAsyncReadyCallback,
    user_data: gpointer,
    op: fn(&Context, Option<gio::Cancellable>) -> F,
) {
    unsafe {
        with_instance(obj, func, (), |c: &Context| {
            let cancellable: Option<gio::Cancellable> = from_glib_none(cancellable);
            let task = gio::ffi::g_task_new(
                c.as_ptr() as *mut glib::gobject_ffi::GObject,
                cancellable.to_glib_none().0,
                callback,
                user_data,
            );
            gio::ffi::g_task_set_source_tag(task, tag);
            let task: gio::Task<bool> = from_glib_full(task);
            let main_context = glib::MainContext::ref_thread_default();
            if main_context.acquire().is_err() {
                task.return_result(Err(error(
                    SandboxError::InvalidArgument,
                    format!(
                        "{}: the thread-default main context runs in another thread; call it \
                         from that thread, or push a main context of this thread's own",
                        func.to_string_lossy()
                    ),
                )));
                return;
            }
            if let Err(e) = libvirt_sandbox::context::check_cancelled(cancellable.as_ref()) {
                task.return_result(Err(e));
                return;
            }
            let operation = op(c, cancellable);
            main_context.spawn_local(async move {
                task.return_result(operation.await.map(|()| true));
            });
        })
    }
}

/// Shared body of the `_finish` functions.
unsafe fn finish(
    obj: *mut GVirSandboxContext,
    func: &CStr,
    result: *mut gio::ffi::GAsyncResult,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        with_instance(obj, func, 0, |c: &Context| {
            if !error_arg_ok(error, func) {
                return 0;
            }
            if gio::ffi::g_task_is_valid(result, c.as_ptr() as *mut glib::gobject_ffi::GObject) == 0
            {
                super::return_if_fail_warning(func, c"g_task_is_valid(result, context)");
                return 0;
            }
            gio::ffi::g_task_propagate_boolean(result as *mut gio::ffi::GTask, error)
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_start_async(
    obj: *mut GVirSandboxContext,
    cancellable: *mut gio::ffi::GCancellable,
    callback: gio::ffi::GAsyncReadyCallback,
    user_data: gpointer,
) {
    let f = c_name!(gvir_sandbox_context_start_async);
    let tag = gvir_sandbox_context_start_async as gpointer;
    unsafe {
        run_async(
            obj,
            f,
            tag,
            cancellable,
            callback,
            user_data,
            |c, cancellable| c.start_future(cancellable),
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_start_finish(
    obj: *mut GVirSandboxContext,
    result: *mut gio::ffi::GAsyncResult,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        finish(
            obj,
            c_name!(gvir_sandbox_context_start_finish),
            result,
            error,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_stop_async(
    obj: *mut GVirSandboxContext,
    cancellable: *mut gio::ffi::GCancellable,
    callback: gio::ffi::GAsyncReadyCallback,
    user_data: gpointer,
) {
    let f = c_name!(gvir_sandbox_context_stop_async);
    let tag = gvir_sandbox_context_stop_async as gpointer;
    unsafe {
        run_async(obj, f, tag, cancellable, callback, user_data, |c, _| {
            c.stop_future()
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_context_stop_finish(
    obj: *mut GVirSandboxContext,
    result: *mut gio::ffi::GAsyncResult,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        finish(
            obj,
            c_name!(gvir_sandbox_context_stop_finish),
            result,
            error,
        )
    }
}
