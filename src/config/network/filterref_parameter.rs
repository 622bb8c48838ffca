// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigNetworkFilterrefParameter`: one `NAME=VALUE` parameter of
//! a libvirt network filter reference.

use glib::prelude::*;
use glib::subclass::prelude::*;

crate::abi::class_structs!(
    "GVirSandboxConfigNetworkFilterrefParameter",
    ConfigNetworkFilterrefParameterInstance: glib::gobject_ffi::GObject,
    ConfigNetworkFilterrefParameterClass: glib::gobject_ffi::GObjectClass,
    imp::ConfigNetworkFilterrefParameter,
    32,
    296
);

mod imp {
    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use crate::util::StrField;

    #[derive(Debug, Default)]
    pub struct ConfigNetworkFilterrefParameter {
        pub(crate) name: StrField,
        pub(crate) value: StrField,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigNetworkFilterrefParameter {
        const NAME: &'static str = "GVirSandboxConfigNetworkFilterrefParameter";
        type Type = super::ConfigNetworkFilterrefParameter;
        type ParentType = glib::Object;
        type Instance = super::ConfigNetworkFilterrefParameterInstance;
        type Class = super::ConfigNetworkFilterrefParameterClass;
    }

    impl ObjectImpl for ConfigNetworkFilterrefParameter {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecString::builder("name")
                            .nick("Name")
                            .blurb("The parameter name")
                            .build(),
                        glib::ParamSpecString::builder("value")
                            .nick("Value")
                            .blurb("The parameter value")
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            let string = value
                .get::<Option<String>>()
                .expect("type checked by GObject");
            match pspec.name() {
                "name" => self.name.set(string.as_deref()),
                "value" => self.value.set(string.as_deref()),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "name" => self.name.to_value(),
                "value" => self.value.to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }
}

glib::wrapper! {
    /// A parameter of a network filter reference (`GVirSandboxConfigNetworkFilterrefParameter`).
    pub struct ConfigNetworkFilterrefParameter(ObjectSubclass<imp::ConfigNetworkFilterrefParameter>);
}

impl ConfigNetworkFilterrefParameter {
    /// Creates a parameter with neither name nor value.
    pub fn new() -> Self {
        glib::Object::new()
    }

    /// Creates a parameter `name=value`.
    pub fn with_name_value(name: &str, value: &str) -> Self {
        glib::Object::builder()
            .property("name", name)
            .property("value", value)
            .build()
    }

    /// The parameter name (e.g. `IP`).
    pub fn name(&self) -> Option<String> {
        self.imp().name.get()
    }

    pub fn set_name(&self, name: &str) {
        self.set_property("name", name);
    }

    pub fn value(&self) -> Option<String> {
        self.imp().value.get()
    }

    pub fn set_value(&self, value: &str) {
        self.set_property("value", value);
    }
}

impl Default for ConfigNetworkFilterrefParameter {
    fn default() -> Self {
        Self::new()
    }
}
