// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigMountRam`: a tmpfs of a given size on a guest directory.

use std::cell::Cell;

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::ConfigMount;

/// The default size of a RAM mount, in bytes (the original's pspec default).
pub const DEFAULT_USAGE: u64 = 10240;

crate::abi::class_structs!(
    "GVirSandboxConfigMountRam",
    ConfigMountRamInstance: crate::config::mount::ConfigMountInstance,
    ConfigMountRamClass: crate::config::mount::ConfigMountClass,
    imp::ConfigMountRam,
    40,
    456
);

mod imp {
    use super::Cell;

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use crate::config::mount::ConfigMountImpl;

    #[derive(Debug)]
    pub struct ConfigMountRam {
        /// The size limit in bytes.
        pub(crate) usage: Cell<u64>,
    }

    impl Default for ConfigMountRam {
        fn default() -> Self {
            Self {
                usage: Cell::new(super::DEFAULT_USAGE),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigMountRam {
        const NAME: &'static str = "GVirSandboxConfigMountRam";
        type Type = super::ConfigMountRam;
        type ParentType = crate::config::mount::ConfigMount;
        type Instance = super::ConfigMountRamInstance;
        type Class = super::ConfigMountRamClass;
    }

    impl ObjectImpl for ConfigMountRam {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecUInt64::builder("usage")
                            .nick("Usage")
                            .blurb("The maximum size of the RAM filesystem, in bytes")
                            .default_value(super::DEFAULT_USAGE)
                            .construct()
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            match pspec.name() {
                "usage" => self
                    .usage
                    .set(value.get().expect("type checked by GObject")),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "usage" => self.usage.get().to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }

    impl ConfigMountImpl for ConfigMountRam {}
}

glib::wrapper! {
    /// A RAM filesystem (tmpfs) on a guest directory (`GVirSandboxConfigMountRam`).
    pub struct ConfigMountRam(ObjectSubclass<imp::ConfigMountRam>) @extends ConfigMount;
}

impl ConfigMountRam {
    /// A tmpfs of at most `usage` bytes on guest directory `target`.
    pub fn new(target: &str, usage: u64) -> Self {
        glib::Object::builder()
            .property("target", target)
            .property("usage", usage)
            .build()
    }

    /// The size limit in bytes.
    pub fn usage(&self) -> u64 {
        self.imp().usage.get()
    }

    pub fn set_usage(&self, usage: u64) {
        self.set_property("usage", usage);
    }
}
