// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigDisk`: a host file exposed as a block device, found in the
//! guest at `/dev/disk/by-tag/TAG`.
//!
//! Its `type` and `format` properties use libvirt-gconfig's enum GTypes
//! (`GVirConfigDomainDiskType`, `GVirConfigDomainDiskFormat`), as the original
//! did, so introspection shows `LibvirtGConfig.DomainDiskType`/`DomainDiskFormat`.
//! Values are stored as those enums' integers and converted to the parser's
//! [`DiskType`]/[`DiskFormat`] through their nicks (`file`, `qcow2`, …).
//!
//! Also here: the `[disk.N]` groups of the key file and the disk methods of
//! [`Config`].

use glib::prelude::*;
use glib::subclass::prelude::*;
use glib::translate::{FromGlib, IntoGlib};

use crate::config::Config;
use crate::config::keyfile::{MAX_ENTRIES, required_string};
use crate::config::options::{self, DiskFormat, DiskType};
use crate::error::{SandboxError, error};
use crate::gvir::{disk_format_type, disk_type_type};

/// Declares a newtype over a raw value of one of libvirt-gconfig's enums, typed
/// by that enum's GType, so that `glib::ParamSpecEnum` can be built for it.
macro_rules! gconfig_enum_value {
    ($name:ident, $gtype:path) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        struct $name(i32);

        impl StaticType for $name {
            fn static_type() -> glib::Type {
                $gtype()
            }
        }

        impl FromGlib<i32> for $name {
            unsafe fn from_glib(value: i32) -> Self {
                Self(value)
            }
        }

        impl IntoGlib for $name {
            type GlibType = i32;
            fn into_glib(self) -> i32 {
                self.0
            }
        }
    };
}

gconfig_enum_value!(DiskTypeValue, disk_type_type);
gconfig_enum_value!(DiskFormatValue, disk_format_type);

/// `GVIR_CONFIG_DOMAIN_DISK_FILE`, the default type.
const DEFAULT_TYPE: i32 = 0;
/// `GVIR_CONFIG_DOMAIN_DISK_FORMAT_RAW`, the default format.
const DEFAULT_FORMAT: i32 = 0;

/// The class of the enum `gtype` (`None` if it is not an enum type).
fn enum_class(gtype: glib::Type) -> Option<glib::EnumClass> {
    glib::EnumClass::with_type(gtype)
}

/// The nick of `value` in the enum `gtype` (`None` if it is not a member).
fn nick(gtype: glib::Type, value: i32) -> Option<String> {
    enum_class(gtype)?.value(value).map(|v| v.nick().to_owned())
}

/// The value of `nick` in the enum `gtype`.
fn value_by_nick(gtype: glib::Type, nick: &str) -> Option<i32> {
    enum_class(gtype)?.value_by_nick(nick).map(|v| v.value())
}

/// The nicks of the enum `gtype`, comma-separated (for error messages).
fn nicks(gtype: glib::Type) -> String {
    enum_class(gtype)
        .map(|class| {
            class
                .values()
                .iter()
                .map(|v| v.nick())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `value` as a value of the enum `gtype` (one of libvirt-gconfig's).
fn enum_to_value(gtype: glib::Type, value: i32) -> glib::Value {
    use glib::translate::ToGlibPtrMut;
    let mut v = glib::Value::from_type(gtype);
    // SAFETY: `v` was just initialised to an enum type, which stores any int.
    unsafe { glib::gobject_ffi::g_value_set_enum(v.to_glib_none_mut().0, value) };
    v
}

/// Whether `value` of GVirConfigDomainDiskType has a [`DiskType`].
fn known_type(value: i32) -> bool {
    nick(disk_type_type(), value).is_some_and(|n| DiskType::from_nick(&n).is_some())
}

/// Whether `value` of GVirConfigDomainDiskFormat has a [`DiskFormat`].
fn known_format(value: i32) -> bool {
    nick(disk_format_type(), value).is_some_and(|n| DiskFormat::from_nick(&n).is_some())
}

crate::abi::class_structs!(
    "GVirSandboxConfigDisk",
    ConfigDiskInstance: glib::gobject_ffi::GObject,
    ConfigDiskClass: glib::gobject_ffi::GObjectClass,
    imp::ConfigDisk,
    32,
    296
);

mod imp {
    use std::cell::Cell;

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use super::{DiskFormatValue, DiskTypeValue};
    use crate::util::StrField;

    #[derive(Debug)]
    pub struct ConfigDisk {
        pub(crate) tag: StrField,
        pub(crate) source: StrField,
        /// A `GVirConfigDomainDiskType` value.
        pub(crate) disk_type: Cell<i32>,
        /// A `GVirConfigDomainDiskFormat` value.
        pub(crate) format: Cell<i32>,
    }

    impl Default for ConfigDisk {
        fn default() -> Self {
            Self {
                tag: StrField::default(),
                source: StrField::default(),
                disk_type: Cell::new(super::DEFAULT_TYPE),
                format: Cell::new(super::DEFAULT_FORMAT),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigDisk {
        const NAME: &'static str = "GVirSandboxConfigDisk";
        type Type = super::ConfigDisk;
        type ParentType = glib::Object;
        type Instance = super::ConfigDiskInstance;
        type Class = super::ConfigDiskClass;
    }

    impl ObjectImpl for ConfigDisk {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecString::builder("tag")
                            .nick("Tag")
                            .blurb("The disk tag (/dev/disk/by-tag/TAG in the guest)")
                            .construct_only()
                            .build(),
                        glib::ParamSpecString::builder("source")
                            .nick("Source")
                            .blurb("The host path of the disk image")
                            .construct_only()
                            .build(),
                        glib::ParamSpecEnum::builder_with_default(
                            "type",
                            DiskTypeValue(super::DEFAULT_TYPE),
                        )
                        .nick("Disk type")
                        .blurb("The type of the disk source")
                        .construct_only()
                        .build(),
                        glib::ParamSpecEnum::builder_with_default(
                            "format",
                            DiskFormatValue(super::DEFAULT_FORMAT),
                        )
                        .nick("Disk format")
                        .blurb("The format of the disk image")
                        .construct_only()
                        .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            let string = || {
                value
                    .get::<Option<String>>()
                    .expect("type checked by GObject")
            };
            // SAFETY: GObject checked that `value` holds the property's enum
            // type (for "type" and "format").
            let enum_value = || unsafe { glib::gobject_ffi::g_value_get_enum(value.as_ptr()) };
            // GObject only passes members of the enums; a member this library
            // has no DiskType/DiskFormat for (a newer libvirt-gconfig) is
            // refused and the default stays.
            let refuse = |what: &str, v: i32| {
                glib::g_warning!(
                    "LibvirtSandbox",
                    "ignoring {what} {v} of a disk: not one libvirt-sandbox supports"
                )
            };
            match pspec.name() {
                "tag" => self.tag.set(string().as_deref()),
                "source" => self.source.set(string().as_deref()),
                "type" => match enum_value() {
                    v if super::known_type(v) => self.disk_type.set(v),
                    v => refuse("type", v),
                },
                "format" => match enum_value() {
                    v if super::known_format(v) => self.format.set(v),
                    v => refuse("format", v),
                },
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "tag" => self.tag.to_value(),
                "source" => self.source.to_value(),
                "type" => super::enum_to_value(super::disk_type_type(), self.disk_type.get()),
                "format" => super::enum_to_value(super::disk_format_type(), self.format.get()),
                other => unreachable!("unknown property {other}"),
            }
        }
    }
}

glib::wrapper! {
    /// A block disk of a sandbox (`GVirSandboxConfigDisk`).
    pub struct ConfigDisk(ObjectSubclass<imp::ConfigDisk>);
}

impl ConfigDisk {
    /// Creates a disk of `disk_type` backed by host `source`, seen in the guest
    /// as `/dev/disk/by-tag/TAG`.
    pub fn new(disk_type: DiskType, tag: &str, source: &str, format: DiskFormat) -> Self {
        // Every DiskType/DiskFormat nick is one of the enums' (unit-tested);
        // their discriminants follow the enums' order besides.
        let disk_type =
            value_by_nick(disk_type_type(), disk_type.nick()).unwrap_or(disk_type as i32);
        let format = value_by_nick(disk_format_type(), format.nick()).unwrap_or(format as i32);
        glib::Object::builder()
            .property("type", enum_to_value(disk_type_type(), disk_type))
            .property("tag", tag)
            .property("source", source)
            .property("format", enum_to_value(disk_format_type(), format))
            .build()
    }

    /// Creates a disk from raw `GVirConfigDomainDiskType`/`GVirConfigDomainDiskFormat`
    /// values; `None` if either is not a member of its enum.
    pub fn from_values(disk_type: i32, tag: &str, source: &str, format: i32) -> Option<Self> {
        if !known_type(disk_type) || !known_format(format) {
            return None;
        }
        let disk_type = enum_to_value(disk_type_type(), disk_type);
        let format = enum_to_value(disk_format_type(), format);
        Some(
            glib::Object::builder()
                .property("type", disk_type)
                .property("tag", tag)
                .property("source", source)
                .property("format", format)
                .build(),
        )
    }

    /// The tag (the guest sees the disk as `/dev/disk/by-tag/TAG`).
    pub fn tag(&self) -> Option<String> {
        self.imp().tag.get()
    }

    /// The host path of the disk image.
    pub fn source(&self) -> Option<String> {
        self.imp().source.get()
    }

    /// The type of the disk source.
    pub fn disk_type(&self) -> DiskType {
        // Only values with a DiskType are stored (set_property refuses others).
        nick(disk_type_type(), self.imp().disk_type.get())
            .and_then(|n| DiskType::from_nick(&n))
            .unwrap_or(DiskType::File)
    }

    /// The format of the disk image.
    pub fn format(&self) -> DiskFormat {
        // Only values with a DiskFormat are stored (set_property refuses others).
        nick(disk_format_type(), self.imp().format.get())
            .and_then(|n| DiskFormat::from_nick(&n))
            .unwrap_or(DiskFormat::Raw)
    }

    /// The raw `GVirConfigDomainDiskType` value.
    pub fn disk_type_value(&self) -> i32 {
        self.imp().disk_type.get()
    }

    /// The raw `GVirConfigDomainDiskFormat` value.
    pub fn format_value(&self) -> i32 {
        self.imp().format.get()
    }
}

/// The disk methods of every [`Config`].
impl Config {
    /// Adds a disk. Its tag must not be used by another disk of the config
    /// (`GVIR_SANDBOX_ERROR_INVALID_DISK` otherwise).
    pub fn add_disk(&self, disk: &ConfigDisk) -> crate::Result<()> {
        let tag = disk.tag().unwrap_or_default();
        let mut disks = self.imp().disks.borrow_mut();
        if disks.iter().any(|d| d.tag().unwrap_or_default() == tag) {
            return Err(error(
                SandboxError::InvalidDisk,
                format!("a disk with tag '{tag}' already exists in this sandbox config"),
            ));
        }
        disks.push(disk.clone());
        Ok(())
    }

    /// The disks, in the order they were added.
    pub fn disks(&self) -> Vec<ConfigDisk> {
        self.imp().disks.borrow().clone()
    }

    pub fn has_disks(&self) -> bool {
        !self.imp().disks.borrow().is_empty()
    }

    /// Parses `TYPE:TAG=SOURCE[,format=FORMAT]` (e.g.
    /// `file:cache=/var/lib/sandbox/demo/tmp.qcow2,format=qcow2`) and adds the disk.
    pub fn add_disk_opts(&self, opts: &str) -> crate::Result<()> {
        let spec = options::parse_disk(opts)?;
        self.add_disk(&ConfigDisk::new(
            spec.disk_type,
            &spec.tag,
            &spec.source,
            spec.format,
        ))
    }

    /// Adds one disk per option string; stops at the first invalid one
    /// (earlier ones stay added, as in the original).
    pub fn add_disk_strv<S: AsRef<str>>(&self, opts: &[S]) -> crate::Result<()> {
        opts.iter().try_for_each(|o| self.add_disk_opts(o.as_ref()))
    }
}

fn invalid(message: String) -> crate::Error {
    error(SandboxError::InvalidConfig, message)
}

/// Writes `[disk.N] type= source= tag= format=` (spec §2.1 item 6).
pub(crate) fn save_keyfile(kf: &glib::KeyFile, disks: &[ConfigDisk]) {
    for (i, disk) in disks.iter().enumerate() {
        let group = format!("disk.{i}");
        let p = disk.imp();
        kf.set_string(
            &group,
            "type",
            &nick(disk_type_type(), p.disk_type.get()).unwrap_or_default(),
        );
        kf.set_string(&group, "source", &p.source.get().unwrap_or_default());
        kf.set_string(&group, "tag", &p.tag.get().unwrap_or_default());
        kf.set_string(
            &group,
            "format",
            &nick(disk_format_type(), p.format.get()).unwrap_or_default(),
        );
    }
}

/// Reads a required enum-nick key.
fn required_nick(
    kf: &glib::KeyFile,
    group: &str,
    key: &str,
    gtype: glib::Type,
    what: &str,
) -> crate::Result<i32> {
    let nick = required_string(kf, group, key)?;
    value_by_nick(gtype, &nick).ok_or_else(|| {
        invalid(format!(
            "invalid value of [{group}] {key}: '{nick}' is not a {what} (expected one of {})",
            nicks(gtype)
        ))
    })
}

/// Reads `[disk.N]`, N in 0..1024 with gaps allowed (spec §2.2); every key is
/// required and tags must be unique.
pub(crate) fn load_keyfile(kf: &glib::KeyFile) -> crate::Result<Vec<ConfigDisk>> {
    let mut disks: Vec<ConfigDisk> = Vec::new();
    for i in 0..MAX_ENTRIES {
        let group = format!("disk.{i}");
        if !kf.has_group(&group) {
            continue; // gaps are allowed, as in the original
        }
        let tag = required_string(kf, &group, "tag")?;
        let source = required_string(kf, &group, "source")?;
        let disk_type = required_nick(kf, &group, "type", disk_type_type(), "disk type")?;
        let format = required_nick(kf, &group, "format", disk_format_type(), "disk format")?;
        if disks
            .iter()
            .any(|d| d.tag().as_deref() == Some(tag.as_str()))
        {
            return Err(invalid(format!(
                "invalid value of [{group}] tag: another disk already has tag '{tag}'"
            )));
        }
        disks.push(
            ConfigDisk::from_values(disk_type, &tag, &source, format)
                .expect("values looked up in the enums themselves"),
        );
    }
    Ok(disks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigInteractive;

    fn fmt(nick: &str) -> DiskFormat {
        DiskFormat::from_nick(nick).expect("known format")
    }

    fn file() -> DiskType {
        DiskType::from_nick("file").expect("known type")
    }

    fn load(data: &str) -> crate::Result<Vec<ConfigDisk>> {
        let kf = glib::KeyFile::new();
        kf.load_from_data(data, glib::KeyFileFlags::NONE)
            .expect("valid key file");
        load_keyfile(&kf)
    }

    #[test]
    fn properties_use_the_gconfig_enums() {
        let disk = ConfigDisk::new(file(), "cache", "/tmp/img.qcow2", fmt("qcow2"));
        assert_eq!(disk.tag().as_deref(), Some("cache"));
        assert_eq!(disk.source().as_deref(), Some("/tmp/img.qcow2"));
        assert_eq!(disk.disk_type(), file());
        assert_eq!(disk.format(), fmt("qcow2"));
        let pspec = disk.find_property("format").expect("format property");
        assert_eq!(pspec.value_type().name(), "GVirConfigDomainDiskFormat");
        let value = disk.property_value("format");
        let (_, v) = glib::EnumValue::from_value(&value).expect("an enum value");
        assert_eq!(v.nick(), "qcow2");
        let value = disk.property_value("type");
        let (class, v) = glib::EnumValue::from_value(&value).expect("an enum value");
        assert_eq!(
            (class.type_().name(), v.nick()),
            ("GVirConfigDomainDiskType", "file")
        );

        let default: ConfigDisk = glib::Object::new();
        assert_eq!(default.format(), fmt("raw"));
        assert!(ConfigDisk::from_values(0, "t", "/s", 99).is_none());
    }

    #[test]
    fn save_load_round_trip() {
        let kf = glib::KeyFile::new();
        save_keyfile(
            &kf,
            &[
                ConfigDisk::new(file(), "dbdata", "/tmp/img.blah", fmt("qcow2")),
                ConfigDisk::new(file(), "root", "/tmp/img.img", fmt("raw")),
            ],
        );
        let data = kf.to_data().to_string();
        assert_eq!(
            data,
            "[disk.0]\ntype=file\nsource=/tmp/img.blah\ntag=dbdata\nformat=qcow2\n\n\
             [disk.1]\ntype=file\nsource=/tmp/img.img\ntag=root\nformat=raw\n"
        );
        let disks = load(&data).expect("loads");
        assert_eq!(disks.len(), 2);
        assert_eq!(disks[0].format(), fmt("qcow2"));
        assert_eq!(disks[1].tag().as_deref(), Some("root"));
        // Gaps are allowed.
        let disks =
            load("[disk.5]\ntype=block\nsource=/dev/sdb\ntag=b\nformat=raw\n").expect("loads");
        assert_eq!(disks[0].disk_type(), DiskType::from_nick("block").unwrap());
    }

    #[test]
    fn load_errors_name_group_and_key() {
        for (data, key) in [
            ("[disk.0]\ntype=file\nsource=/x\nformat=raw\n", "tag"),
            ("[disk.0]\ntype=file\ntag=t\nformat=raw\n", "source"),
            (
                "[disk.0]\ntype=floppy\nsource=/x\ntag=t\nformat=raw\n",
                "type",
            ),
            (
                "[disk.0]\ntype=file\nsource=/x\ntag=t\nformat=qcow9\n",
                "format",
            ),
            ("[disk.0]\ntype=file\nsource=/x\ntag=t\n", "format"),
            (
                "[disk.0]\ntype=file\nsource=/x\ntag=t\nformat=raw\n\n\
                 [disk.1]\ntype=file\nsource=/y\ntag=t\nformat=raw\n",
                "tag",
            ),
        ] {
            let e = load(data).expect_err(data);
            assert!(e.matches(SandboxError::InvalidConfig), "{data}: {e}");
            assert!(e.message().contains("[disk."), "{data}: {e}");
            assert!(e.message().contains(key), "{data}: {e}");
        }
    }

    #[test]
    fn config_methods_and_option_strings() {
        let cfg = ConfigInteractive::new("disks").upcast::<Config>();
        assert!(!cfg.has_disks());
        cfg.add_disk_strv(&[
            "file:dbdata=/tmp/img.blah,format=qcow2",
            "file:cache=/tmp/img.qcow2",
            "file:homedir=/tmp/img.qcow2,format=raw",
            "file:root=/tmp/img.img",
        ])
        .expect("valid options");
        let disks = cfg.disks();
        assert_eq!(disks.len(), 4);
        assert_eq!(disks[0].format(), fmt("qcow2"));
        assert_eq!(disks[1].format(), fmt("qcow2"));
        assert_eq!(disks[2].format(), fmt("raw"));
        assert_eq!(disks[3].format(), fmt("raw"));
        assert_eq!(disks[3].source().as_deref(), Some("/tmp/img.img"));

        let e = cfg
            .add_disk_opts("file:root=/tmp/other.img")
            .expect_err("tag used");
        assert!(e.matches(SandboxError::InvalidDisk));
        assert!(e.message().contains("'root'"), "{e}");
        let e = cfg.add_disk_opts("nonsense").expect_err("invalid");
        assert!(e.matches(SandboxError::InvalidDisk));
        assert_eq!(cfg.disks().len(), 4);

        let data = cfg.save_to_data();
        let loaded = Config::load_from_data(&data).expect("loads");
        assert_eq!(loaded.disks().len(), 4);
        assert_eq!(loaded.save_to_data(), data);
    }
}
