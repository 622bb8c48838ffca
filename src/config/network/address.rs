// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigNetworkAddress`: a static IPv4 or IPv6 address of a
//! sandbox network interface, with its prefix length and broadcast address.

use glib::subclass::prelude::*;

/// Largest prefix length an address or route accepts (IPv6).
pub const MAX_PREFIX: u32 = 128;

/// Prefix length used when none is given.
pub const DEFAULT_PREFIX: u32 = 24;

crate::abi::class_structs!(
    "GVirSandboxConfigNetworkAddress",
    ConfigNetworkAddressInstance: glib::gobject_ffi::GObject,
    ConfigNetworkAddressClass: glib::gobject_ffi::GObjectClass,
    imp::ConfigNetworkAddress,
    32,
    296
);

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    #[derive(Debug)]
    pub struct ConfigNetworkAddress {
        pub(crate) primary: RefCell<Option<gio::InetAddress>>,
        pub(crate) broadcast: RefCell<Option<gio::InetAddress>>,
        pub(crate) prefix: Cell<u32>,
    }

    impl Default for ConfigNetworkAddress {
        fn default() -> Self {
            Self {
                primary: RefCell::default(),
                broadcast: RefCell::default(),
                prefix: Cell::new(super::DEFAULT_PREFIX),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigNetworkAddress {
        const NAME: &'static str = "GVirSandboxConfigNetworkAddress";
        type Type = super::ConfigNetworkAddress;
        type ParentType = glib::Object;
        type Instance = super::ConfigNetworkAddressInstance;
        type Class = super::ConfigNetworkAddressClass;
    }

    impl ObjectImpl for ConfigNetworkAddress {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecObject::builder::<gio::InetAddress>("primary")
                            .nick("Primary")
                            .blurb("The primary address")
                            .construct_only()
                            .build(),
                        glib::ParamSpecObject::builder::<gio::InetAddress>("broadcast")
                            .nick("Broadcast")
                            .blurb("The broadcast address")
                            .construct_only()
                            .build(),
                        glib::ParamSpecUInt::builder("prefix")
                            .nick("Prefix")
                            .blurb("The length of the network prefix")
                            .maximum(super::MAX_PREFIX)
                            .default_value(super::DEFAULT_PREFIX)
                            .construct_only()
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            let address = || {
                value
                    .get::<Option<gio::InetAddress>>()
                    .expect("type checked by GObject")
            };
            match pspec.name() {
                "primary" => *self.primary.borrow_mut() = address(),
                "broadcast" => *self.broadcast.borrow_mut() = address(),
                "prefix" => self
                    .prefix
                    .set(value.get().expect("type checked by GObject")),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "primary" => self.primary.borrow().to_value(),
                "broadcast" => self.broadcast.borrow().to_value(),
                "prefix" => self.prefix.get().to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }
}

glib::wrapper! {
    /// A static address of a network interface (`GVirSandboxConfigNetworkAddress`).
    pub struct ConfigNetworkAddress(ObjectSubclass<imp::ConfigNetworkAddress>);
}

impl ConfigNetworkAddress {
    /// Creates an address `primary/prefix` (prefix clamped to 128) with an
    /// optional broadcast address.
    pub fn new(
        primary: &gio::InetAddress,
        prefix: u32,
        broadcast: Option<&gio::InetAddress>,
    ) -> Self {
        glib::Object::builder()
            .property("primary", primary)
            .property("prefix", prefix.min(MAX_PREFIX))
            .property("broadcast", broadcast)
            .build()
    }

    /// The address itself (`None` only if the object was built without one).
    pub fn primary(&self) -> Option<gio::InetAddress> {
        self.imp().primary.borrow().clone()
    }

    /// Replaces the address (the properties are construct-only; this is the
    /// original's setter, which changes the field directly).
    pub fn set_primary(&self, primary: &gio::InetAddress) {
        *self.imp().primary.borrow_mut() = Some(primary.clone());
    }

    /// The length of the network prefix (0..=128).
    pub fn prefix(&self) -> u32 {
        self.imp().prefix.get()
    }

    /// Sets the prefix length; values above 128 are clamped to 128.
    pub fn set_prefix(&self, prefix: u32) {
        self.imp().prefix.set(prefix.min(MAX_PREFIX));
    }

    /// The broadcast address, if any.
    pub fn broadcast(&self) -> Option<gio::InetAddress> {
        self.imp().broadcast.borrow().clone()
    }

    pub fn set_broadcast(&self, broadcast: Option<&gio::InetAddress>) {
        *self.imp().broadcast.borrow_mut() = broadcast.cloned();
    }
}

impl Default for ConfigNetworkAddress {
    fn default() -> Self {
        glib::Object::new()
    }
}
