// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigNetworkRoute`: a static route of a sandbox network
//! interface (`TARGET/PREFIX` via `GATEWAY`).

use glib::subclass::prelude::*;

use super::address::{DEFAULT_PREFIX, MAX_PREFIX};

crate::abi::class_structs!(
    "GVirSandboxConfigNetworkRoute",
    ConfigNetworkRouteInstance: glib::gobject_ffi::GObject,
    ConfigNetworkRouteClass: glib::gobject_ffi::GObjectClass,
    imp::ConfigNetworkRoute,
    32,
    296
);

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use super::{DEFAULT_PREFIX, MAX_PREFIX};

    #[derive(Debug)]
    pub struct ConfigNetworkRoute {
        pub(crate) prefix: Cell<u32>,
        pub(crate) gateway: RefCell<Option<gio::InetAddress>>,
        pub(crate) target: RefCell<Option<gio::InetAddress>>,
    }

    impl Default for ConfigNetworkRoute {
        fn default() -> Self {
            Self {
                prefix: Cell::new(DEFAULT_PREFIX),
                gateway: RefCell::default(),
                target: RefCell::default(),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigNetworkRoute {
        const NAME: &'static str = "GVirSandboxConfigNetworkRoute";
        type Type = super::ConfigNetworkRoute;
        type ParentType = glib::Object;
        type Instance = super::ConfigNetworkRouteInstance;
        type Class = super::ConfigNetworkRouteClass;
    }

    impl ObjectImpl for ConfigNetworkRoute {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecUInt::builder("prefix")
                            .nick("Prefix")
                            .blurb("The length of the target network prefix")
                            .maximum(MAX_PREFIX)
                            .default_value(DEFAULT_PREFIX)
                            .construct_only()
                            .build(),
                        glib::ParamSpecObject::builder::<gio::InetAddress>("gateway")
                            .nick("Gateway")
                            .blurb("The gateway address")
                            .construct_only()
                            .build(),
                        glib::ParamSpecObject::builder::<gio::InetAddress>("target")
                            .nick("Target")
                            .blurb("The target network address")
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
                "prefix" => self
                    .prefix
                    .set(value.get().expect("type checked by GObject")),
                "gateway" => *self.gateway.borrow_mut() = address(),
                "target" => *self.target.borrow_mut() = address(),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "prefix" => self.prefix.get().to_value(),
                "gateway" => self.gateway.borrow().to_value(),
                "target" => self.target.borrow().to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }
}

glib::wrapper! {
    /// A static route of a network interface (`GVirSandboxConfigNetworkRoute`).
    pub struct ConfigNetworkRoute(ObjectSubclass<imp::ConfigNetworkRoute>);
}

impl ConfigNetworkRoute {
    /// Creates a route to `target/prefix` (prefix clamped to 128) through `gateway`.
    pub fn new(target: &gio::InetAddress, prefix: u32, gateway: &gio::InetAddress) -> Self {
        glib::Object::builder()
            .property("target", target)
            .property("prefix", prefix.min(MAX_PREFIX))
            .property("gateway", gateway)
            .build()
    }

    /// The length of the target network prefix (0..=128).
    pub fn prefix(&self) -> u32 {
        self.imp().prefix.get()
    }

    /// Sets the prefix length; values above 128 are clamped to 128.
    pub fn set_prefix(&self, prefix: u32) {
        self.imp().prefix.set(prefix.min(MAX_PREFIX));
    }

    pub fn gateway(&self) -> Option<gio::InetAddress> {
        self.imp().gateway.borrow().clone()
    }

    pub fn set_gateway(&self, gateway: &gio::InetAddress) {
        *self.imp().gateway.borrow_mut() = Some(gateway.clone());
    }

    pub fn target(&self) -> Option<gio::InetAddress> {
        self.imp().target.borrow().clone()
    }

    pub fn set_target(&self, target: &gio::InetAddress) {
        *self.imp().target.borrow_mut() = Some(target.clone());
    }
}

impl Default for ConfigNetworkRoute {
    fn default() -> Self {
        glib::Object::new()
    }
}
