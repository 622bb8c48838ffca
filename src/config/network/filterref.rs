// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigNetworkFilterref`: a reference to a libvirt network
//! filter (`nwfilter`) applied to a sandbox interface, with its parameters.

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::ConfigNetworkFilterrefParameter;

crate::abi::class_structs!(
    "GVirSandboxConfigNetworkFilterref",
    ConfigNetworkFilterrefInstance: glib::gobject_ffi::GObject,
    ConfigNetworkFilterrefClass: glib::gobject_ffi::GObjectClass,
    imp::ConfigNetworkFilterref,
    32,
    296
);

mod imp {
    use std::cell::RefCell;

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use super::ConfigNetworkFilterrefParameter;
    use crate::util::StrField;

    #[derive(Debug, Default)]
    pub struct ConfigNetworkFilterref {
        pub(crate) name: StrField,
        pub(crate) parameters: RefCell<Vec<ConfigNetworkFilterrefParameter>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigNetworkFilterref {
        const NAME: &'static str = "GVirSandboxConfigNetworkFilterref";
        type Type = super::ConfigNetworkFilterref;
        type ParentType = glib::Object;
        type Instance = super::ConfigNetworkFilterrefInstance;
        type Class = super::ConfigNetworkFilterrefClass;
    }

    impl ObjectImpl for ConfigNetworkFilterref {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecString::builder("name")
                            .nick("Filter name")
                            .blurb("The name of the libvirt network filter")
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            match pspec.name() {
                "name" => self.name.set(
                    value
                        .get::<Option<String>>()
                        .expect("type checked by GObject")
                        .as_deref(),
                ),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "name" => self.name.to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }
}

glib::wrapper! {
    /// A network filter reference (`GVirSandboxConfigNetworkFilterref`).
    pub struct ConfigNetworkFilterref(ObjectSubclass<imp::ConfigNetworkFilterref>);
}

impl ConfigNetworkFilterref {
    /// Creates a reference with no filter name and no parameters.
    pub fn new() -> Self {
        glib::Object::new()
    }

    /// The name of the libvirt network filter (e.g. `clean-traffic`).
    pub fn name(&self) -> Option<String> {
        self.imp().name.get()
    }

    pub fn set_name(&self, name: &str) {
        self.set_property("name", name);
    }

    /// Appends a parameter (kept in order).
    pub fn add_parameter(&self, parameter: &ConfigNetworkFilterrefParameter) {
        self.imp().parameters.borrow_mut().push(parameter.clone());
    }

    /// The parameters, in the order they were added.
    pub fn parameters(&self) -> Vec<ConfigNetworkFilterrefParameter> {
        self.imp().parameters.borrow().clone()
    }
}

impl Default for ConfigNetworkFilterref {
    fn default() -> Self {
        Self::new()
    }
}
