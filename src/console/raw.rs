// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConsoleRaw`: bytes pass through unchanged (init log, debug shell).

use super::Console;
use crate::capi::gvir::{Connection, Domain};

mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ConsoleRaw;

    #[glib::object_subclass]
    impl ObjectSubclass for ConsoleRaw {
        const NAME: &'static str = "GVirSandboxConsoleRaw";
        type Type = super::ConsoleRaw;
        type ParentType = crate::console::Console;
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
