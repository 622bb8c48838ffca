// SPDX-License-Identifier: LGPL-2.1-or-later
//! The C ABI of `libvirt-sandbox-1.0.so`: every `extern "C"` export lives here,
//! one file per class, and nothing else does.
//!
//! Every export has the same shape: check the arguments the way
//! `g_return_val_if_fail` would (a critical warning and an early return), borrow
//! the pointers as safe wrappers, call the safe Rust method, hand results and
//! errors back. Bodies run inside [`guard`] (from [`libvirt_sandbox::boundary`], which the
//! classes' virtual-method trampolines use too), so a bug that panics logs a critical
//! and returns the error value instead of unwinding into C.
//!
//! The contract of each function is its doc comment in
//! `include/libvirt-sandbox/*.h`; `clippy::missing_safety_doc` is therefore off.
#![allow(clippy::missing_safety_doc)]

pub mod builder;
pub mod builder_container;
pub mod builder_initrd;
pub mod builder_machine;
pub mod config;
pub mod config_disk;
pub mod config_initrd;
pub mod config_interactive;
pub mod config_mount;
pub mod config_network;
pub mod config_service;
pub mod console;
pub mod context;
pub mod context_service;
pub mod library;

use std::ffi::{CStr, c_char};

use glib::ffi::GError;
use glib::prelude::*;
use glib::translate::*;

pub(crate) use libvirt_sandbox::boundary::{
    gbool, guard, instance, return_if_fail_warning, set_error, with_instance,
};

/// Reads a non-NULL C string argument; logs a critical and returns `None` for
/// NULL or invalid UTF-8.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, func: &CStr, name: &CStr) -> Option<&'a str> {
    if ptr.is_null() {
        let expr = format!("{} != NULL", name.to_string_lossy());
        return_if_fail_warning(func, &std::ffi::CString::new(expr).unwrap_or_default());
        return None;
    }
    // SAFETY: caller contract.
    match unsafe { CStr::from_ptr(ptr) }.to_str() {
        Ok(s) => Some(s),
        Err(_) => {
            let expr = format!("{} is valid UTF-8", name.to_string_lossy());
            return_if_fail_warning(func, &std::ffi::CString::new(expr).unwrap_or_default());
            None
        }
    }
}

/// Reads a nullable C string argument (`None` for NULL).
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string.
pub(crate) unsafe fn opt_str_arg<'a>(ptr: *const c_char) -> Option<&'a str> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: caller contract.
        unsafe { CStr::from_ptr(ptr) }.to_str().ok()
    }
}

/// Reads a nullable C string argument: `Some(None)` for NULL, `None` (after a
/// critical naming `func` and `name`) for a string that is not UTF-8.
///
/// # Safety
/// `ptr` must be NULL or a NUL-terminated string.
pub(crate) unsafe fn nullable_str_arg<'a>(
    ptr: *const c_char,
    func: &CStr,
    name: &CStr,
) -> Option<Option<&'a str>> {
    if ptr.is_null() {
        return Some(None);
    }
    // SAFETY: caller contract.
    match unsafe { CStr::from_ptr(ptr) }.to_str() {
        Ok(s) => Some(Some(s)),
        Err(_) => {
            let expr = format!(
                "{} == NULL || {} is valid UTF-8",
                name.to_string_lossy(),
                name.to_string_lossy()
            );
            return_if_fail_warning(func, &std::ffi::CString::new(expr).unwrap_or_default());
            None
        }
    }
}

/// Sets property `name` of `obj` as `g_object_set_property` would, except
/// that a value the property does not take (no such property, not writable
/// after construction, another type, out of range) logs a critical naming
/// `func` and leaves the object unchanged: glib-rs's `set_property` panics
/// there instead.
pub(crate) fn set_prop(obj: &glib::Object, func: &CStr, name: &str, value: glib::Value) {
    let refuse = |why: String| {
        glib::g_critical!(
            "LibvirtSandbox",
            "{}: cannot set property '{}' of {}: {}",
            func.to_string_lossy(),
            name,
            obj.type_().name(),
            why
        );
    };
    let Some(pspec) = obj.find_property(name) else {
        refuse("no such property".to_owned());
        return;
    };
    let flags = pspec.flags();
    if !flags.contains(glib::ParamFlags::WRITABLE)
        || flags.contains(glib::ParamFlags::CONSTRUCT_ONLY)
    {
        refuse("it is not writable after construction".to_owned());
        return;
    }
    if !value.type_().is_a(pspec.value_type()) {
        refuse(format!(
            "it holds a {}, not a {}",
            pspec.value_type().name(),
            value.type_().name()
        ));
        return;
    }
    if !pspec.value_is_valid(&value) {
        refuse(format!("{value:?} is invalid or out of range"));
        return;
    }
    // SAFETY: a live object, a property name from its own pspec (NUL
    // terminated) and a value of the property's type.
    unsafe {
        glib::gobject_ffi::g_object_set_property(
            obj.to_glib_none().0,
            pspec.name().as_ptr() as *const _,
            value.to_glib_none().0,
        );
    }
}

/// Copies a NULL-terminated string array (NULL means empty).
///
/// # Safety
/// `argv` must be NULL or a NULL-terminated array of NUL-terminated strings.
pub(crate) unsafe fn strv_arg(argv: *const *const c_char) -> Vec<String> {
    let mut out = Vec::new();
    if argv.is_null() {
        return out;
    }
    let mut i = 0;
    loop {
        // SAFETY: caller contract: the array is NULL-terminated.
        let p = unsafe { *argv.add(i) };
        if p.is_null() {
            break;
        }
        // SAFETY: caller contract.
        out.push(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned());
        i += 1;
    }
    out
}

/// Returns a newly allocated NULL-terminated string array (`g_strfreev`).
pub(crate) fn strv_ret<S: AsRef<str>>(v: &[S]) -> *mut *mut c_char {
    glib::StrV::from_iter(v.iter().map(|s| glib::GString::from(s.as_ref()))).into_raw()
}

/// Checks `error == NULL || *error == NULL` like every GError-taking GLib API.
///
/// # Safety
/// `error` must be NULL or a valid `GError **`.
pub(crate) unsafe fn error_arg_ok(error: *mut *mut GError, func: &CStr) -> bool {
    // SAFETY: caller contract.
    if error.is_null() || unsafe { (*error).is_null() } {
        true
    } else {
        return_if_fail_warning(func, c"error == NULL || *error == NULL");
        false
    }
}

/// `c"name"` of an export, from its identifier.
macro_rules! c_name {
    ($fname:ident) => {
        match ::std::ffi::CStr::from_bytes_with_nul(concat!(stringify!($fname), "\0").as_bytes()) {
            Ok(c) => c,
            Err(_) => unreachable!(),
        }
    };
}
pub(crate) use c_name;

/// Hands `value` (a getter's result) to C as a `(transfer none)` string
/// owned by `obj`, as the original's getters returned their field: the
/// string is kept on the object under the getter's name and stays valid
/// until the object is finalized or the getter returns a different value.
/// NULL for `None`.
pub(crate) fn transfer_none_str(
    obj: &impl IsA<glib::Object>,
    getter: &'static CStr,
    value: Option<String>,
) -> *const c_char {
    let Some(value) = value else {
        return std::ptr::null();
    };
    let quark = glib::Quark::from_str(format!(
        "libvirt-sandbox-transfer-none-{}",
        getter.to_string_lossy()
    ));
    let obj = obj.upcast_ref::<glib::Object>();
    // SAFETY: the data under this quark is only ever set here, and always a
    // glib::GString; the pointer returned points into the string the
    // object owns.
    unsafe {
        if let Some(kept) = obj.qdata::<glib::GString>(quark)
            && kept.as_ref().as_str() == value
        {
            return kept.as_ref().as_ptr();
        }
        obj.set_qdata(quark, glib::GString::from(value));
        obj.qdata::<glib::GString>(quark)
            .map_or(std::ptr::null(), |kept| kept.as_ref().as_ptr())
    }
}

/// Defines `const gchar *fname(Type *obj)` returning a string owned by the
/// object (transfer none): `$get` maps the borrowed wrapper to the pointer.
macro_rules! string_getter {
    ($fname:ident, $ty:ty, |$o:ident| $get:expr) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $fname(
            obj: *mut <$ty as glib::object::ObjectType>::GlibType,
        ) -> *const ::std::ffi::c_char {
            const NAME: &::std::ffi::CStr = $crate::c_name!($fname);
            $crate::guard(NAME, ::std::ptr::null(), || {
                // SAFETY: GObject pointer contract of the C API.
                let Some($o) = (unsafe { $crate::instance::<$ty>(obj, NAME) }) else {
                    return ::std::ptr::null();
                };
                let value: Option<String> = $get;
                $crate::transfer_none_str(&*$o, NAME, value)
            })
        }
    };
}
pub(crate) use string_getter;

/// Defines `void fname(Type *obj, const gchar *value)` setting string property
/// `$prop`; `nullable` allows NULL.
macro_rules! string_setter {
    ($fname:ident, $ty:ty, $prop:literal, nullable) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $fname(
            obj: *mut <$ty as glib::object::ObjectType>::GlibType,
            value: *const ::std::ffi::c_char,
        ) {
            const NAME: &::std::ffi::CStr = $crate::c_name!($fname);
            $crate::guard(NAME, (), || {
                // SAFETY: GObject/string pointer contract of the C API.
                let Some(o) = (unsafe { $crate::instance::<$ty>(obj, NAME) }) else {
                    return;
                };
                let Some(value) = (unsafe { $crate::nullable_str_arg(value, NAME, c"value") })
                else {
                    return;
                };
                $crate::set_prop(
                    glib::prelude::Cast::upcast_ref(&*o),
                    NAME,
                    $prop,
                    glib::prelude::ToValue::to_value(&value),
                );
            })
        }
    };
    ($fname:ident, $ty:ty, $prop:literal) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $fname(
            obj: *mut <$ty as glib::object::ObjectType>::GlibType,
            value: *const ::std::ffi::c_char,
        ) {
            const NAME: &::std::ffi::CStr = $crate::c_name!($fname);
            $crate::guard(NAME, (), || {
                // SAFETY: GObject/string pointer contract of the C API.
                let Some(o) = (unsafe { $crate::instance::<$ty>(obj, NAME) }) else {
                    return;
                };
                let Some(value) = (unsafe { $crate::str_arg(value, NAME, c"value") }) else {
                    return;
                };
                $crate::set_prop(
                    glib::prelude::Cast::upcast_ref(&*o),
                    NAME,
                    $prop,
                    glib::prelude::ToValue::to_value(value),
                );
            })
        }
    };
}
pub(crate) use string_setter;

/// Defines a getter and a setter of a `gboolean`/`guint`/`guint64` property.
macro_rules! value_property {
    ($getter:ident, $setter:ident, $ty:ty, $prop:literal, $cty:ty, $rty:ty) => {
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $getter(
            obj: *mut <$ty as glib::object::ObjectType>::GlibType,
        ) -> $cty {
            const NAME: &::std::ffi::CStr = $crate::c_name!($getter);
            $crate::guard(NAME, Default::default(), || {
                // SAFETY: GObject pointer contract of the C API.
                let Some(o) = (unsafe { $crate::instance::<$ty>(obj, NAME) }) else {
                    return Default::default();
                };
                $crate::CValue::to_c(glib::prelude::ObjectExt::property::<$rty>(&*o, $prop))
            })
        }

        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $setter(
            obj: *mut <$ty as glib::object::ObjectType>::GlibType,
            value: $cty,
        ) {
            const NAME: &::std::ffi::CStr = $crate::c_name!($setter);
            $crate::guard(NAME, (), || {
                // SAFETY: GObject pointer contract of the C API.
                let Some(o) = (unsafe { $crate::instance::<$ty>(obj, NAME) }) else {
                    return;
                };
                let value: $rty = $crate::CValue::from_c(value);
                $crate::set_prop(
                    glib::prelude::Cast::upcast_ref(&*o),
                    NAME,
                    $prop,
                    glib::prelude::ToValue::to_value(&value),
                );
            })
        }
    };
}
pub(crate) use value_property;

/// Conversions between C scalar argument types and Rust property types.
pub(crate) trait CValue<C> {
    fn to_c(self) -> C;
    fn from_c(c: C) -> Self;
}

impl CValue<glib::ffi::gboolean> for bool {
    fn to_c(self) -> glib::ffi::gboolean {
        self.into_glib()
    }
    fn from_c(c: glib::ffi::gboolean) -> Self {
        c != glib::ffi::GFALSE
    }
}

impl CValue<u32> for u32 {
    fn to_c(self) -> u32 {
        self
    }
    fn from_c(c: u32) -> Self {
        c
    }
}

impl CValue<u64> for u64 {
    fn to_c(self) -> u64 {
        self
    }
    fn from_c(c: u64) -> Self {
        c
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::transfer_none_str;
    use libvirt_sandbox::config::ConfigInteractive;

    #[test]
    fn transfer_none_strings_live_until_the_value_changes() {
        libvirt_sandbox::config::ensure_types();
        let config = ConfigInteractive::new("demo");
        let get = |v: Option<&str>| transfer_none_str(&config, c"getter", v.map(str::to_owned));
        let first = get(Some("a"));
        // SAFETY: a string the object owns, alive until the value changes.
        assert_eq!(unsafe { CStr::from_ptr(first) }, c"a");
        assert_eq!(
            get(Some("a")),
            first,
            "an unchanged value keeps its pointer"
        );
        let second = get(Some("b"));
        // SAFETY: as above.
        assert_eq!(unsafe { CStr::from_ptr(second) }, c"b");
        assert!(get(None).is_null());
        let other = transfer_none_str(&config, c"other", Some("x".into()));
        // SAFETY: as above; each getter keeps its own string.
        assert_eq!(unsafe { CStr::from_ptr(second) }, c"b");
        assert_eq!(unsafe { CStr::from_ptr(other) }, c"x");
    }
}
