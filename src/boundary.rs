// SPDX-License-Identifier: LGPL-2.1-or-later
//! Helpers for Rust code that C calls: the `extern "C"` exports of the
//! `libvirt-sandbox-capi` crate and the classes' virtual-method trampolines (the default
//! slots of Context and Console, which C, Python, gjs and Vala subclasses
//! chain up to). A panic never unwinds into C ([`guard`]), an argument is
//! checked as `g_return_val_if_fail` would ([`instance`]), and errors cross
//! as GErrors ([`set_error`], [`slot_result`]).

use std::ffi::CStr;
use std::panic::{AssertUnwindSafe, catch_unwind};

use glib::ffi::GError;
use glib::prelude::*;
use glib::translate::*;

const LOG_DOMAIN: &CStr = c"LibvirtSandbox";

/// Logs the critical `g_return_val_if_fail` would log for `func`/`expr`.
pub fn return_if_fail_warning(func: &CStr, expr: &CStr) {
    // SAFETY: three valid NUL-terminated strings.
    unsafe {
        glib::ffi::g_return_if_fail_warning(LOG_DOMAIN.as_ptr(), func.as_ptr(), expr.as_ptr())
    }
}

/// Runs an export's body, turning a panic into a critical and `default`.
pub fn guard<R>(func: &CStr, default: R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(_) => {
            let msg = format!(
                "{}: internal error (panic); please report a bug",
                func.to_string_lossy()
            );
            glib::g_critical!("LibvirtSandbox", "{}", msg);
            default
        }
    }
}

/// Borrows `ptr` as a `T` if it is a live instance of `T` (or a subclass);
/// otherwise logs a critical naming `func` and returns `None`.
///
/// # Safety
/// `ptr` must be NULL or point to a GTypeInstance (any GObject).
pub unsafe fn instance<T>(ptr: *mut T::GlibType, func: &CStr) -> Option<Borrowed<T>>
where
    T: ObjectType + FromGlibPtrBorrow<*mut T::GlibType>,
{
    // SAFETY: `g_type_check_instance_is_a` accepts any instance pointer; NULL is checked first.
    let ok = !ptr.is_null()
        && unsafe {
            glib::gobject_ffi::g_type_check_instance_is_a(
                ptr as *mut glib::gobject_ffi::GTypeInstance,
                T::static_type().into_glib(),
            )
        } != glib::ffi::GFALSE;
    if !ok {
        let expr = format!("{} is a valid {}", "instance", T::static_type().name());
        let expr = std::ffi::CString::new(expr).unwrap_or_default();
        return_if_fail_warning(func, &expr);
        return None;
    }
    // SAFETY: checked above to be a live instance of T.
    Some(unsafe { from_glib_borrow(ptr) })
}

/// Stores `result`'s error in `error` (if the caller wants it) and returns
/// whether it succeeded. Like librsvg, errors the caller ignores are logged at
/// debug level so they are not lost entirely.
///
/// # Safety
/// `error` must be NULL or a valid `GError **` pointing at NULL.
pub unsafe fn set_error<T>(result: crate::Result<T>, error: *mut *mut GError) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            if error.is_null() {
                glib::g_debug!("LibvirtSandbox", "{}", e.message());
            } else {
                // SAFETY: caller contract; ownership moves to the caller.
                unsafe { *error = e.into_glib_ptr() };
            }
            None
        }
    }
}

/// Converts a boolean to `gboolean`.
pub fn gbool(b: bool) -> glib::ffi::gboolean {
    b.into_glib()
}

/// The result of a `(…, GError **) -> gboolean` virtual method `name` of
/// `object`'s class, as a `Result`. `err` is NULL or a GError the method
/// set, which the caller hands over (an error set although the method
/// succeeded is freed; a failure without one gets a message of its own).
pub unsafe fn slot_result(
    object: &impl IsA<glib::Object>,
    name: &str,
    ok: glib::ffi::gboolean,
    err: *mut GError,
) -> crate::Result<()> {
    if ok != glib::ffi::GFALSE {
        if !err.is_null() {
            // SAFETY: an error we own, set although the call succeeded.
            drop(unsafe { glib::Error::from_glib_full(err) });
        }
        return Ok(());
    }
    if err.is_null() {
        return Err(crate::error::error(
            crate::error::SandboxError::Failed,
            format!(
                "{}'s '{name}' virtual method failed without saying why",
                object.type_().name()
            ),
        ));
    }
    // SAFETY: the method set an error, which we own.
    Err(unsafe { glib::Error::from_glib_full(err) })
}

/// The body of most exports: check `ptr` is a `T` (critical + `default` if
/// not), then run `body` on the borrowed wrapper, guarded against panics.
///
/// # Safety
/// `ptr` must be NULL or point to a GTypeInstance.
pub unsafe fn with_instance<T, R: Copy>(
    ptr: *mut T::GlibType,
    func: &CStr,
    default: R,
    body: impl FnOnce(&T) -> R,
) -> R
where
    T: ObjectType + FromGlibPtrBorrow<*mut T::GlibType>,
{
    guard(func, default, || {
        // SAFETY: caller contract.
        match unsafe { instance::<T>(ptr, func) } {
            Some(obj) => body(&obj),
            None => default,
        }
    })
}
