// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigMountFile`: the abstract base of mounts whose content
//! comes from a path (`source`): host binds, host images and guest binds.

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::{ConfigMount, ConfigMountClass, ConfigMountImpl, ConfigMountInstance};

crate::abi::class_structs!(
    "GVirSandboxConfigMountFile",
    ConfigMountFileInstance: ConfigMountInstance,
    ConfigMountFileClass: ConfigMountClass,
    imp::ConfigMountFile,
    40,
    456
);

mod imp {
    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use crate::config::mount::ConfigMountImpl;
    use crate::util::StrField;

    #[derive(Debug, Default)]
    pub struct ConfigMountFile {
        pub(crate) source: StrField,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigMountFile {
        const NAME: &'static str = "GVirSandboxConfigMountFile";
        const ABSTRACT: bool = true;
        type Type = super::ConfigMountFile;
        type ParentType = crate::config::mount::ConfigMount;
        type Instance = super::ConfigMountFileInstance;
        type Class = super::ConfigMountFileClass;
    }

    impl ObjectImpl for ConfigMountFile {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecString::builder("source")
                            .nick("Source")
                            .blurb("The source path of the mount")
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            match pspec.name() {
                "source" => self.source.set(
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
                "source" => self.source.to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }

    impl ConfigMountImpl for ConfigMountFile {}
}

glib::wrapper! {
    /// Abstract base of mounts with a source path (`GVirSandboxConfigMountFile`).
    pub struct ConfigMountFile(ObjectSubclass<imp::ConfigMountFile>) @extends ConfigMount;
}

/// Trait for Rust subclasses of [`ConfigMountFile`].
pub trait ConfigMountFileImpl:
    ConfigMountImpl + ObjectSubclass<Type: IsA<ConfigMountFile>>
{
}

unsafe impl<T: ConfigMountFileImpl> IsSubclassable<T> for ConfigMountFile {}

impl ConfigMountFile {
    /// The source path: a host directory, image file or guest path (`None`
    /// for a host bind of a fresh temporary directory).
    pub fn source(&self) -> Option<String> {
        self.imp().source.get()
    }

    pub fn set_source(&self, source: Option<&str>) {
        self.set_property("source", source);
    }
}
