// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConsoleRaw`: bytes pass through unchanged (init log, debug shell).

use super::Console;
use crate::gvir::{Connection, Domain};

/// Instance struct; mirrors `struct _GVirSandboxConsoleRaw` in the header.
#[repr(C)]
pub struct ConsoleRawInstance {
    pub parent: super::ConsoleInstance,
    /// The original's private pointer; NULL (see [`crate::abi`]).
    pub priv_: glib::ffi::gpointer,
}

unsafe impl glib::subclass::types::InstanceStruct for ConsoleRawInstance {
    type Type = imp::ConsoleRaw;
}

/// Class struct; mirrors `struct _GVirSandboxConsoleRawClass` in the header
/// (the original's layout, whose `closed` slot is unused: the signal's class
/// closure is [`ConsoleClass::closed`](super::ConsoleClass)).
#[repr(C)]
pub struct ConsoleRawClass {
    pub parent_class: super::ConsoleClass,
    pub closed: glib::ffi::gpointer,
    pub padding: [glib::ffi::gpointer; 20],
}

unsafe impl glib::subclass::types::ClassStruct for ConsoleRawClass {
    type Type = imp::ConsoleRaw;
}

crate::abi::assert_size!(ConsoleRawInstance, 40);
crate::abi::assert_size!(ConsoleRawClass, 488);

mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ConsoleRaw;

    #[glib::object_subclass]
    impl ObjectSubclass for ConsoleRaw {
        const NAME: &'static str = "GVirSandboxConsoleRaw";
        type Type = super::ConsoleRaw;
        type ParentType = crate::console::Console;
        type Instance = super::ConsoleRawInstance;
        type Class = super::ConsoleRawClass;
    }

    impl ObjectImpl for ConsoleRaw {}
    impl crate::console::ConsoleImpl for ConsoleRaw {}
}

glib::wrapper! {
    /// A console passing bytes through unchanged (`GVirSandboxConsoleRaw`).
    pub struct ConsoleRaw(ObjectSubclass<imp::ConsoleRaw>) @extends Console;
}

impl ConsoleRaw {
    /// A console for the device `devname` of `domain`.
    pub fn new(
        connection: Option<&Connection>,
        domain: &virt::domain::Domain,
        devname: &str,
    ) -> Self {
        Self::for_domain(connection, &Domain::from_virt(domain), devname)
    }

    /// A console for the device `devname` of a libvirt-gobject domain.
    pub fn for_domain(connection: Option<&Connection>, domain: &Domain, devname: &str) -> Self {
        glib::Object::builder()
            .property("connection", connection)
            .property("domain", domain)
            .property("devname", devname)
            .build()
    }
}
