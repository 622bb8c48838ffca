// SPDX-License-Identifier: LGPL-2.1-or-later
//! Small helpers shared by the GObject classes.

use std::cell::RefCell;

/// A nullable string field of a class's state (the C API hands its value out
/// `(transfer none)` through the capi crate's `transfer_none_str`, never its storage).
#[derive(Debug, Default)]
pub(crate) struct StrField(RefCell<Option<glib::GString>>);

impl StrField {
    pub(crate) fn new(value: Option<&str>) -> Self {
        Self(RefCell::new(value.map(glib::GString::from)))
    }

    pub(crate) fn get(&self) -> Option<String> {
        self.0.borrow().as_ref().map(|s| s.to_string())
    }

    pub(crate) fn set(&self, value: Option<&str>) {
        *self.0.borrow_mut() = value.map(glib::GString::from);
    }

    pub(crate) fn to_value(&self) -> glib::Value {
        glib::prelude::ToValue::to_value(&self.get())
    }
}

/// Whether `t` is an abstract type (cannot be instantiated).
pub(crate) fn type_is_abstract(t: glib::Type) -> bool {
    use glib::translate::IntoGlib;
    // SAFETY: g_type_test_flags accepts any GType value, registered or not.
    unsafe {
        glib::gobject_ffi::g_type_test_flags(t.into_glib(), glib::gobject_ffi::G_TYPE_FLAG_ABSTRACT)
            != glib::ffi::GFALSE
    }
}
