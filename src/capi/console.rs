// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxConsole`, `GVirSandboxConsoleRaw` and
//! `GVirSandboxConsoleRpc` (see `libvirt-sandbox-console*.h`).

use std::ffi::{CStr, c_char};
use std::os::fd::BorrowedFd;
use std::ptr;

use glib::ffi::{GError, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::{
    c_name, error_arg_ok, gbool, guard, instance, set_error, str_arg, value_property, with_instance,
};
use crate::console::rpc::ConsoleRpcClass;
use crate::console::{Console, ConsoleClass, ConsoleInstance, ConsoleRaw, ConsoleRpc};
use crate::gvir::{Connection, Domain};

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

/// The descriptor behind a GUnixInputStream/GUnixOutputStream, if any.
unsafe fn stream_fd<'a, S>(stream: *mut S, func: &CStr) -> Result<Option<BorrowedFd<'a>>, ()> {
    if stream.is_null() {
        return Ok(None);
    }
    let Some(s) =
        (unsafe { instance::<glib::Object>(stream as *mut glib::gobject_ffi::GObject, func) })
    else {
        return Err(());
    };
    let fd = if let Some(i) = s.downcast_ref::<gio_unix::InputStream>() {
        // SAFETY: live GUnixInputStream.
        unsafe { gio_unix::ffi::g_unix_input_stream_get_fd(i.to_glib_none().0) }
    } else if let Some(o) = s.downcast_ref::<gio_unix::OutputStream>() {
        // SAFETY: live GUnixOutputStream.
        unsafe { gio_unix::ffi::g_unix_output_stream_get_fd(o.to_glib_none().0) }
    } else {
        return Err(());
    };
    // SAFETY: the stream keeps the descriptor open for the duration of the
    // call; the console duplicates it before returning.
    Ok(Some(unsafe { BorrowedFd::borrow_raw(fd) }))
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
    body: fn(&Console) -> crate::Result<()>,
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

// ---- virtual methods and signals ------------------------------------------
//
// `GVirSandboxConsoleClass` holds the original's `closed` signal slot and
// its `attach` and `detach` virtual methods; `GVirSandboxConsoleRpcClass`
// the `exited` signal slot. The signals are created here, as the original
// created them, with those slots as their class closures (so a subclass
// that sets a slot has it run first on every emission); the virtual
// methods default to the built-in console, and `invoke_*` call through the
// instance's class.

type UnixIn = gio_unix::ffi::GUnixInputStream;
type UnixOut = gio_unix::ffi::GUnixOutputStream;

/// Registers a `RUN_FIRST`, void signal of `itype` with one parameter of
/// `param`, whose class closure is the function pointer at `offset` in
/// the class struct.
fn new_signal_with_class_slot(name: &CStr, itype: glib::Type, offset: usize, param: glib::Type) {
    let mut params = [param.into_glib()];
    // SAFETY: called from the class init of `itype`, which is registered;
    // `offset` is that of a function-pointer slot of its class struct, with
    // the signal's signature (checked by the types of the slots).
    unsafe {
        let closure = glib::gobject_ffi::g_signal_type_cclosure_new(
            itype.into_glib(),
            offset as std::ffi::c_uint,
        );
        glib::gobject_ffi::g_signal_newv(
            name.as_ptr(),
            itype.into_glib(),
            glib::gobject_ffi::G_SIGNAL_RUN_FIRST,
            closure,
            None,
            ptr::null_mut(),
            None,
            glib::gobject_ffi::G_TYPE_NONE,
            1,
            params.as_mut_ptr(),
        );
    }
}

/// The class init of `GVirSandboxConsole`: the `closed` signal and the
/// default `attach` and `detach`.
pub(crate) fn install_class(class: &mut ConsoleClass) {
    class.closed = None;
    class.attach = Some(default_attach);
    class.detach = Some(default_detach);
    new_signal_with_class_slot(
        c"closed",
        Console::static_type(),
        std::mem::offset_of!(ConsoleClass, closed),
        glib::Type::BOOL,
    );
}

/// The class init of `GVirSandboxConsoleRpc`: the `exited` signal.
pub(crate) fn install_rpc_class(class: &mut ConsoleRpcClass) {
    class.exited = None;
    new_signal_with_class_slot(
        c"exited",
        ConsoleRpc::static_type(),
        std::mem::offset_of!(ConsoleRpcClass, exited),
        glib::Type::I32,
    );
}

fn missing_slot(console: &Console, name: &str) -> crate::Error {
    crate::error::error(
        crate::error::SandboxError::Unsupported,
        format!(
            "{} has no '{name}' virtual method (its class set the slot to NULL)",
            console.type_().name()
        ),
    )
}

/// Calls the `attach` virtual method of `console`'s class with these
/// streams (each NULL or a live GUnix stream).
unsafe fn invoke_attach_streams(
    console: &Console,
    stdin: *mut UnixIn,
    stdout: *mut UnixOut,
    stderr: *mut UnixOut,
) -> crate::Result<()> {
    let class: &ConsoleClass = console.class().as_ref();
    let Some(f) = class.attach else {
        return Err(missing_slot(console, "attach"));
    };
    let mut err = ptr::null_mut();
    // SAFETY: the slot's contract (the header): a live instance, nullable
    // streams the caller keeps alive, a NULL-initialised error location.
    unsafe {
        let ok = f(console.as_ptr(), stdin, stdout, stderr, &mut err);
        super::slot_result(console, "attach", ok, err)
    }
}

/// Calls the `attach` virtual method of `console`'s class with GUnix
/// streams on these descriptors (which they do not close).
pub(crate) fn invoke_attach(
    console: &Console,
    stdin: Option<BorrowedFd<'_>>,
    stdout: Option<BorrowedFd<'_>>,
    stderr: Option<BorrowedFd<'_>>,
) -> crate::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: streams that do not own the descriptors, which the borrows
    // keep open for the call; each stream is unreferenced after it.
    unsafe {
        let input = stdin.map_or(ptr::null_mut(), |fd| {
            gio_unix::ffi::g_unix_input_stream_new(fd.as_raw_fd(), glib::ffi::GFALSE)
        }) as *mut UnixIn;
        let output = |fd: Option<BorrowedFd<'_>>| {
            fd.map_or(ptr::null_mut(), |fd| {
                gio_unix::ffi::g_unix_output_stream_new(fd.as_raw_fd(), glib::ffi::GFALSE)
            }) as *mut UnixOut
        };
        let (out, err) = (output(stdout), output(stderr));
        let result = invoke_attach_streams(console, input, out, err);
        for stream in [input as glib::ffi::gpointer, out as _, err as _] {
            if !stream.is_null() {
                glib::gobject_ffi::g_object_unref(stream as *mut glib::gobject_ffi::GObject);
            }
        }
        result
    }
}

/// Calls the `detach` virtual method of `console`'s class.
pub(crate) fn invoke_detach(console: &Console) -> crate::Result<()> {
    let class: &ConsoleClass = console.class().as_ref();
    let Some(f) = class.detach else {
        return Err(missing_slot(console, "detach"));
    };
    let mut err = ptr::null_mut();
    // SAFETY: as in `invoke_attach_streams`.
    unsafe {
        let ok = f(console.as_ptr(), &mut err);
        super::slot_result(console, "detach", ok, err)
    }
}

unsafe extern "C" fn default_attach(
    ptr: *mut ConsoleInstance,
    stdin: *mut UnixIn,
    stdout: *mut UnixOut,
    stderr: *mut UnixOut,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c"GVirSandboxConsoleClass.attach";
    unsafe {
        with_instance(ptr, F, 0, |c: &Console| {
            let (Ok(i), Ok(o), Ok(e)) = (
                stream_fd(stdin, F),
                stream_fd(stdout, F),
                stream_fd(stderr, F),
            ) else {
                return 0;
            };
            gbool(set_error(c.default_attach(i, o, e), error).is_some())
        })
    }
}

unsafe extern "C" fn default_detach(
    ptr: *mut ConsoleInstance,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c"GVirSandboxConsoleClass.detach";
    unsafe {
        with_instance(ptr, F, 0, |c: &Console| {
            gbool(set_error(c.default_detach(), error).is_some())
        })
    }
}
