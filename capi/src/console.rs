// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxConsole`, `GVirSandboxConsoleRaw` and
//! `GVirSandboxConsoleRpc` (see `libvirt-sandbox-console*.h`).

use std::ffi::{CStr, c_char};
use std::ptr;

use glib::ffi::{GError, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::{
    c_name, error_arg_ok, gbool, guard, instance, set_error, str_arg, value_property, with_instance,
};
use libvirt_sandbox::console::vfuncs::{invoke_attach_streams, stream_fd};
use libvirt_sandbox::console::{Console, ConsoleRaw, ConsoleRpc};
use libvirt_sandbox::gvir::{Connection, Domain};

pub type GVirSandboxConsole = <Console as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_console_get_type() -> glib::ffi::GType {
    Console::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_console_raw_get_type() -> glib::ffi::GType {
    ConsoleRaw::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_console_rpc_get_type() -> glib::ffi::GType {
    ConsoleRpc::static_type().into_glib()
}

/// Shared body of the two constructors.
unsafe fn new_console<T>(
    func: &CStr,
    connection: *mut <Connection as ObjectType>::GlibType,
    domain: *mut <Domain as ObjectType>::GlibType,
    devname: *const c_char,
    make: fn(Option<&Connection>, &Domain, &str) -> T,
) -> *mut T::GlibType
where
    T: ObjectType + IntoGlibPtr<*mut T::GlibType>,
{
    guard(func, ptr::null_mut(), || unsafe {
        let connection: Option<Connection> = from_glib_none(connection);
        let (Some(domain), Some(devname)) = (
            instance::<Domain>(domain, func),
            str_arg(devname, func, c"devname"),
        ) else {
            return ptr::null_mut();
        };
        make(connection.as_ref(), &domain, devname).into_glib_ptr()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_raw_new(
    connection: *mut <Connection as ObjectType>::GlibType,
    domain: *mut <Domain as ObjectType>::GlibType,
    devname: *const c_char,
) -> *mut <ConsoleRaw as ObjectType>::GlibType {
    let f = c_name!(gvir_sandbox_console_raw_new);
    unsafe { new_console(f, connection, domain, devname, ConsoleRaw::for_domain) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_rpc_new(
    connection: *mut <Connection as ObjectType>::GlibType,
    domain: *mut <Domain as ObjectType>::GlibType,
    devname: *const c_char,
) -> *mut <ConsoleRpc as ObjectType>::GlibType {
    let f = c_name!(gvir_sandbox_console_rpc_new);
    unsafe { new_console(f, connection, domain, devname, ConsoleRpc::for_domain) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_attach(
    obj: *mut GVirSandboxConsole,
    stdin: *mut gio_unix::ffi::GUnixInputStream,
    stdout: *mut gio_unix::ffi::GUnixOutputStream,
    stderr: *mut gio_unix::ffi::GUnixOutputStream,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_console_attach);
    unsafe {
        with_instance(obj, F, 0, |c: &Console| {
            if !error_arg_ok(error, F) {
                return 0;
            }
            let (Ok(_), Ok(_), Ok(_)) = (
                stream_fd(stdin, F),
                stream_fd(stdout, F),
                stream_fd(stderr, F),
            ) else {
                return 0;
            };
            gbool(set_error(invoke_attach_streams(c, stdin, stdout, stderr), error).is_some())
        })
    }
}

/// Shared body of the `(console, GError **) -> gboolean` exports.
unsafe fn call(
    obj: *mut GVirSandboxConsole,
    func: &CStr,
    error: *mut *mut GError,
    body: fn(&Console) -> libvirt_sandbox::Result<()>,
) -> gboolean {
    unsafe {
        with_instance(obj, func, 0, |c: &Console| {
            if !error_arg_ok(error, func) {
                return 0;
            }
            gbool(set_error(body(c), error).is_some())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_attach_stdio(
    obj: *mut GVirSandboxConsole,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_console_attach_stdio),
            error,
            Console::attach_stdio,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_attach_stderr(
    obj: *mut GVirSandboxConsole,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_console_attach_stderr),
            error,
            Console::attach_stderr,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_detach(
    obj: *mut GVirSandboxConsole,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_console_detach),
            error,
            Console::detach,
        )
    }
}

/// Consoles open the host pty directly, so they never depend on the libvirt
/// connection once attached: isolating is a no-op that succeeds.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_isolate(
    obj: *mut GVirSandboxConsole,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(
            obj,
            c_name!(gvir_sandbox_console_isolate),
            error,
            |_| Ok(()),
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_check_end(
    obj: *mut GVirSandboxConsole,
    error: *mut *mut GError,
) -> gboolean {
    unsafe {
        call(obj, c_name!(gvir_sandbox_console_check_end), error, |c| {
            c.end_error().map_or(Ok(()), Err)
        })
    }
}

value_property!(
    gvir_sandbox_console_get_direct,
    gvir_sandbox_console_set_direct,
    Console,
    "direct",
    gboolean,
    bool
);

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_get_escape(obj: *mut GVirSandboxConsole) -> c_char {
    const F: &CStr = c_name!(gvir_sandbox_console_get_escape);
    unsafe { with_instance(obj, F, 0, |c: &Console| c.escape() as c_char) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_console_set_escape(
    obj: *mut GVirSandboxConsole,
    escape: c_char,
) {
    const F: &CStr = c_name!(gvir_sandbox_console_set_escape);
    unsafe {
        with_instance(obj, F, (), |c: &Console| {
            if !(0..=127).contains(&(escape as i32)) {
                super::return_if_fail_warning(F, c"escape >= 0 && escape <= 127");
                return;
            }
            c.set_escape(escape)
        })
    }
}
