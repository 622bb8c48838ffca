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
use glib::translate::{FromGlib, IntoGlib, ToGlibPtrMut};

use super::{ConfigMount, ConfigMountFile};
use crate::config::options::DiskFormat;
use crate::gvir::disk_format_type;

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

/// `format` as a value of libvirt-gconfig's `GVirConfigDomainDiskFormat`.
fn format_to_value(format: DiskFormat) -> glib::Value {
    let mut value = glib::Value::from_type(disk_format_type());
    // SAFETY: `value` was just initialised to an enum type, which stores any int.
    unsafe { glib::gobject_ffi::g_value_set_enum(value.to_glib_none_mut().0, format as i32) };
    value
}

crate::abi::class_structs!(
    "GVirSandboxConfigMountHostImage",
    ConfigMountHostImageInstance: crate::config::mount::ConfigMountFileInstance,
    ConfigMountHostImageClass: crate::config::mount::ConfigMountFileClass,
    imp::ConfigMountHostImage,
    48,
    616
);

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
        type Instance = super::ConfigMountHostImageInstance;
        type Class = super::ConfigMountHostImageClass;
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
                    // GObject only passes members of GVirConfigDomainDiskFormat;
                    // a member this library has no DiskFormat for (a newer
                    // libvirt-gconfig) is refused, the format stays as it was.
                    // SAFETY: GObject checked that `value` holds the property's
                    // enum type.
                    let v = unsafe { glib::gobject_ffi::g_value_get_enum(value.as_ptr()) };
                    match DiskFormat::from_value(v) {
                        Some(format) => self.format.set(format),
                        None => glib::g_warning!(
                            "LibvirtSandbox",
                            "ignoring format {v} of a host image mount: not a disk format \
                             libvirt-sandbox supports (raw, qcow2, ...)"
                        ),
                    }
                }
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "format" => super::format_to_value(self.format.get()),
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
        let format = format_to_value(format);
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
