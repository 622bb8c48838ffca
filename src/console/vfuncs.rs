// SPDX-License-Identifier: LGPL-2.1-or-later
//! The virtual methods and signals of `GVirSandboxConsoleClass` and
//! `GVirSandboxConsoleRpcClass`: the signals with their class slots, the
//! default `attach`/`detach` slots (`extern "C"` by nature: subclasses chain
//! up to them) and the dispatch through the instance's class that
//! `Console::attach()` (and so the C API) uses.

use std::ffi::CStr;
use std::os::fd::BorrowedFd;
use std::ptr;

use glib::ffi::{GError, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::rpc::ConsoleRpcClass;
use super::{Console, ConsoleClass, ConsoleInstance, ConsoleRpc};
use crate::boundary::{gbool, instance, set_error, with_instance};

/// The descriptor behind a GUnixInputStream/GUnixOutputStream, if any;
/// `Err` when `stream` is no GObject or no unix stream (a critical is
/// logged already, so the error carries nothing).
///
/// # Safety
/// `stream` must be NULL or point to a GTypeInstance.
#[allow(clippy::result_unit_err)]
pub unsafe fn stream_fd<'a, S>(stream: *mut S, func: &CStr) -> Result<Option<BorrowedFd<'a>>, ()> {
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

// ---- virtual methods and signals ------------------------------------------
//
// `GVirSandboxConsoleClass` holds the original's `closed` signal slot and
// its `attach` and `detach` virtual methods; `GVirSandboxConsoleRpcClass`
// the `exited` signal slot. The signals are created here, as the original
// created them, with those slots as their class closures (so a subclass
// that sets a slot has it run first on every emission); the virtual
// methods default to the built-in console, and `invoke_*` call through the
// instance's class.

pub(crate) type UnixIn = gio_unix::ffi::GUnixInputStream;
pub(crate) type UnixOut = gio_unix::ffi::GUnixOutputStream;

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
/// streams.
///
/// # Safety
/// Each stream must be NULL or a live GUnix stream.
pub unsafe fn invoke_attach_streams(
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
        crate::boundary::slot_result(console, "attach", ok, err)
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
        crate::boundary::slot_result(console, "detach", ok, err)
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
