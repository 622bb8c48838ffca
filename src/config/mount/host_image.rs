// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigMountHostImage`: a filesystem image file mounted on a
//! guest directory.
//!
//! Its `format` property uses libvirt-gconfig's `GVirConfigDomainDiskFormat`
//! enum GType, as the original did, so introspection shows
//! `LibvirtGConfig.DomainDiskFormat`. [`DiskFormat`] has the same values in
//! the same order as that enum.

use std::cell::Cell;

use glib::prelude::*;
use glib::subclass::prelude::*;
use glib::translate::{FromGlib, IntoGlib};

use super::{ConfigMount, ConfigMountFile};
use crate::capi::config_disk::disk_format_type;
use crate::config::options::DiskFormat;

/// A raw `GVirConfigDomainDiskFormat` value, typed by that enum's GType so that
/// `glib::ParamSpecEnum` can be built for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DiskFormatValue(i32);

impl StaticType for DiskFormatValue {
    fn static_type() -> glib::Type {
        disk_format_type()
    }
}

impl FromGlib<i32> for DiskFormatValue {
    unsafe fn from_glib(value: i32) -> Self {
        Self(value)
    }
}

impl IntoGlib for DiskFormatValue {
    type GlibType = i32;
    fn into_glib(self) -> i32 {
        self.0
    }
}

fn enum_class() -> glib::EnumClass {
    glib::EnumClass::with_type(disk_format_type()).expect("libvirt-gconfig registers it as an enum")
}

mod imp {
    use super::{Cell, DiskFormat, DiskFormatValue};

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use crate::config::mount::{ConfigMountFileImpl, ConfigMountImpl};

    #[derive(Debug)]
    pub struct ConfigMountHostImage {
        pub(crate) format: Cell<DiskFormat>,
    }

    impl Default for ConfigMountHostImage {
        fn default() -> Self {
            Self {
                format: Cell::new(DiskFormat::Raw),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigMountHostImage {
        const NAME: &'static str = "GVirSandboxConfigMountHostImage";
        type Type = super::ConfigMountHostImage;
        type ParentType = crate::config::mount::ConfigMountFile;
    }

    impl ObjectImpl for ConfigMountHostImage {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecEnum::builder_with_default(
                            "format",
                            DiskFormatValue(DiskFormat::Raw as i32),
                        )
                        .nick("Disk format")
                        .blurb("The format of the image file")
                        .construct_only()
                        .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            match pspec.name() {
                "format" => {
                    let v = value
                        .get::<&glib::EnumValue>()
                        .expect("type checked by GObject")
                        .value();
                    self.format.set(
                        DiskFormat::from_value(v)
                            .expect("GObject only accepts members of the enum"),
                    );
                }
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "format" => super::enum_class()
                    .to_value(self.format.get() as i32)
                    .expect("every DiskFormat is a GVirConfigDomainDiskFormat"),
                other => unreachable!("unknown property {other}"),
            }
        }
    }

    impl ConfigMountImpl for ConfigMountHostImage {}
    impl ConfigMountFileImpl for ConfigMountHostImage {}
}

glib::wrapper! {
    /// A filesystem image mounted on a guest directory
    /// (`GVirSandboxConfigMountHostImage`).
    pub struct ConfigMountHostImage(ObjectSubclass<imp::ConfigMountHostImage>)
        @extends ConfigMountFile, ConfigMount;
}

impl ConfigMountHostImage {
    /// Mounts the image file `source` (of `format`) on guest directory `target`.
    pub fn new(source: &str, target: &str, format: DiskFormat) -> Self {
        let format = enum_class()
            .to_value(format as i32)
            .expect("every DiskFormat is a GVirConfigDomainDiskFormat");
        glib::Object::builder()
            .property("target", target)
            .property("source", source)
            .property("format", format)
            .build()
    }

    /// The format of the image file.
    pub fn format(&self) -> DiskFormat {
        self.imp().format.get()
    }
}
