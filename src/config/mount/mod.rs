// SPDX-License-Identifier: LGPL-2.1-or-later
//! Mount classes: `GVirSandboxConfigMount` (abstract) and its subclasses.
//!
//! ```text
//! ConfigMount (abstract: target, includes)
//! ├── ConfigMountFile (abstract: source)
//! │   ├── ConfigMountHostBind   host directory → guest directory
//! │   ├── ConfigMountHostImage  filesystem image → guest directory (format)
//! │   └── ConfigMountGuestBind  another guest path → guest directory
//! └── ConfigMountRam            tmpfs of `usage` bytes
//! ```
//!
//! The two abstract classes have public class structs that mirror
//! `GVirSandboxConfigMountClass`/`GVirSandboxConfigMountFileClass` in
//! `libvirt-sandbox-config-mount.h` (keep them in sync).
//!
//! Also here: the `[mount.N]`/`[mount.N.include.J]` groups of the key file
//! (spec §2.1/§2.2) and the mount and include methods of [`Config`].
//!
//! Includes (host files to copy into a mount) are stored as an insertion-ordered
//! list of `(dst, src)` pairs keyed by `dst`, the guest path relative to the
//! mount's target, so that saved files are deterministic. Like the original,
//! the library only records includes; nothing copies them yet.

pub mod file;
pub mod guest_bind;
pub mod host_bind;
pub mod host_image;
pub mod ram;

use glib::ffi::gpointer;
use glib::gobject_ffi::{GObject, GObjectClass};
use glib::prelude::*;
use glib::subclass::prelude::*;

pub use file::{
    ConfigMountFile, ConfigMountFileClass, ConfigMountFileImpl, ConfigMountFileInstance,
};
pub use guest_bind::ConfigMountGuestBind;
pub use host_bind::ConfigMountHostBind;
pub use host_image::ConfigMountHostImage;
pub use ram::ConfigMountRam;

use crate::config::Config;
use crate::config::keyfile::{MAX_ENTRIES, optional_string, required_string};
use crate::config::options::{self, DiskFormat, MountSpec};
use crate::error::{SandboxError, error};

/// Instance struct; mirrors `struct _GVirSandboxConfigMount` in the header.
#[repr(C)]
pub struct ConfigMountInstance {
    pub parent_instance: GObject,
    /// The original's private pointer; NULL (see [`crate::abi`]).
    pub priv_: gpointer,
}

unsafe impl InstanceStruct for ConfigMountInstance {
    type Type = imp::ConfigMount;
}

/// Class struct; mirrors `struct _GVirSandboxConfigMountClass` in the header.
/// Never reorder; new vfuncs consume `padding`.
#[repr(C)]
pub struct ConfigMountClass {
    pub parent_class: GObjectClass,
    pub padding: [gpointer; 20],
}

unsafe impl ClassStruct for ConfigMountClass {
    type Type = imp::ConfigMount;
}

crate::abi::assert_size!(ConfigMountInstance, 32);
crate::abi::assert_size!(ConfigMountClass, 296);

mod imp {
    use std::cell::RefCell;

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use crate::util::StrField;

    #[derive(Debug, Default)]
    pub struct ConfigMount {
        pub(crate) target: StrField,
        /// `(dst, src)` pairs, unique by `dst`, in insertion order.
        pub(crate) includes: RefCell<Vec<(String, String)>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigMount {
        const NAME: &'static str = "GVirSandboxConfigMount";
        const ABSTRACT: bool = true;
        type Type = super::ConfigMount;
        type ParentType = glib::Object;
        type Instance = super::ConfigMountInstance;
        type Class = super::ConfigMountClass;
    }

    impl ObjectImpl for ConfigMount {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecString::builder("target")
                            .nick("Target")
                            .blurb("The sandbox target directory")
                            .construct_only()
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            match pspec.name() {
                "target" => self.target.set(
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
                "target" => self.target.to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }
}

glib::wrapper! {
    /// Abstract base of every mount (`GVirSandboxConfigMount`): a directory of
    /// the sandbox (`target`) replaced with other content.
    pub struct ConfigMount(ObjectSubclass<imp::ConfigMount>);
}

/// Trait for Rust subclasses of [`ConfigMount`].
pub trait ConfigMountImpl: ObjectImpl + ObjectSubclass<Type: IsA<ConfigMount>> {}

unsafe impl<T: ConfigMountImpl> IsSubclassable<T> for ConfigMount {}

impl ConfigMount {
    /// The guest directory the mount replaces (construct-only).
    pub fn target(&self) -> Option<String> {
        self.imp().target.get()
    }

    /// Requests that host file `src` be copied to `dst`, a path relative to the
    /// mount's target. A second include with the same `dst` replaces the first.
    pub fn add_include(&self, src: &str, dst: &str) {
        let mut includes = self.imp().includes.borrow_mut();
        match includes.iter_mut().find(|(d, _)| d == dst) {
            Some(entry) => entry.1 = src.to_owned(),
            None => includes.push((dst.to_owned(), src.to_owned())),
        }
    }

    /// The includes as `(dst, src)` pairs, in the order they were first added.
    pub fn includes(&self) -> Vec<(String, String)> {
        self.imp().includes.borrow().clone()
    }

    /// The libvirt-sandbox GType name of this mount's class (the key-file `type`).
    pub fn class_name(&self) -> &'static str {
        self.type_().name()
    }
}

pub(crate) fn ensure_types() {
    let _ = (
        ConfigMount::static_type(),
        ConfigMountFile::static_type(),
        ConfigMountHostBind::static_type(),
        ConfigMountHostImage::static_type(),
        ConfigMountGuestBind::static_type(),
        ConfigMountRam::static_type(),
    );
}

/// Builds the mount an option string describes.
fn mount_from_spec(spec: MountSpec) -> ConfigMount {
    match spec {
        MountSpec::HostBind { target, source } => {
            ConfigMountHostBind::new(source.as_deref(), &target).upcast()
        }
        MountSpec::HostImage {
            target,
            source,
            format,
        } => ConfigMountHostImage::new(&source, &target, format).upcast(),
        MountSpec::GuestBind { target, source } => {
            ConfigMountGuestBind::new(&source, &target).upcast()
        }
        MountSpec::Ram { target, usage } => ConfigMountRam::new(&target, usage).upcast(),
    }
}

/// The mount and include methods of every [`Config`].
impl Config {
    /// Appends a mount (mounts are set up in the order they were added).
    pub fn add_mount(&self, mount: &impl IsA<ConfigMount>) {
        self.imp().mounts.borrow_mut().push(mount.as_ref().clone());
    }

    /// The mounts, in the order they were added.
    pub fn mounts(&self) -> Vec<ConfigMount> {
        self.imp().mounts.borrow().clone()
    }

    /// The mounts whose class is exactly `mount_type` (not a subclass of it),
    /// in the order they were added.
    pub fn mounts_with_type(&self, mount_type: glib::Type) -> Vec<ConfigMount> {
        self.imp()
            .mounts
            .borrow()
            .iter()
            .filter(|m| m.type_() == mount_type)
            .cloned()
            .collect()
    }

    /// The first mount whose target is exactly `target`.
    pub fn find_mount(&self, target: &str) -> Option<ConfigMount> {
        self.imp()
            .mounts
            .borrow()
            .iter()
            .find(|m| m.imp().target.get().as_deref() == Some(target))
            .cloned()
    }

    pub fn has_mounts(&self) -> bool {
        !self.imp().mounts.borrow().is_empty()
    }

    /// Whether a mount's class is exactly `mount_type`.
    pub fn has_mounts_with_type(&self, mount_type: glib::Type) -> bool {
        self.imp()
            .mounts
            .borrow()
            .iter()
            .any(|m| m.type_() == mount_type)
    }

    /// Whether a mount replaces the sandbox's `/`.
    pub fn has_root_mount(&self) -> bool {
        self.find_mount("/").is_some()
    }

    /// Parses `TYPE:TARGET=SOURCE` (`host-bind:/tmp=/var/lib/sandbox/demo/tmp`,
    /// `host-bind:/tmp=` for a fresh empty directory, `host-image:/=/demo.img[,format=FMT]`,
    /// `guest-bind:/home=/tmp/home`, `ram:/tmp=500M`) and appends the mount.
    pub fn add_mount_opts(&self, opts: &str) -> crate::Result<()> {
        let spec = options::parse_mount(opts)?;
        self.add_mount(&mount_from_spec(spec));
        Ok(())
    }

    /// Adds one mount per option string; stops at the first invalid one
    /// (earlier ones stay added, as in the original).
    pub fn add_mount_strv<S: AsRef<str>>(&self, opts: &[S]) -> crate::Result<()> {
        opts.iter()
            .try_for_each(|o| self.add_mount_opts(o.as_ref()))
    }

    /// Records one include `GUEST-PATH[=HOST-PATH]` on the mount containing
    /// `GUEST-PATH`.
    fn add_host_include(&self, include: &options::IncludeSpec) -> crate::Result<()> {
        let mounts = self.mounts();
        let targets: Vec<String> = mounts
            .iter()
            .map(|m| m.target().unwrap_or_default())
            .collect();
        let Some((index, dst)) =
            options::find_include_mount(targets.iter().map(String::as_str), &include.guest_path)
        else {
            return Err(error(
                SandboxError::InvalidInclude,
                format!(
                    "no mount contains '{}' (an include needs a mount whose target is '{}' \
                     or one of its parent directories; mounts: {})",
                    include.guest_path,
                    include.guest_path,
                    if targets.is_empty() {
                        "none".to_owned()
                    } else {
                        targets.join(", ")
                    }
                ),
            ));
        };
        mounts[index].add_include(&include.host_path, &dst);
        Ok(())
    }

    /// Adds one host include per `GUEST-PATH[=HOST-PATH]` string (the host path
    /// defaults to the guest path), each to the mount containing the guest
    /// path; stops at the first invalid one (earlier ones stay added).
    pub fn add_host_include_strv<S: AsRef<str>>(&self, includes: &[S]) -> crate::Result<()> {
        includes.iter().try_for_each(|i| {
            let spec = options::parse_include(i.as_ref())?;
            self.add_host_include(&spec)
        })
    }

    /// Reads host includes from the file at `path`, one `GUEST-PATH[=HOST-PATH]`
    /// per line (blank lines and `#` comments skipped), and adds them like
    /// [`Config::add_host_include_strv`].
    pub fn add_host_include_file(&self, path: &std::path::Path) -> crate::Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot read include file '{}': {e}", path.display()),
            )
        })?;
        let specs = options::parse_include_list(&text).map_err(|e| {
            let e: glib::Error = e.into();
            glib::Error::new(
                SandboxError::InvalidInclude,
                &format!("{}: {}", path.display(), e.message()),
            )
        })?;
        specs.iter().try_for_each(|s| self.add_host_include(s))
    }
}

fn invalid(message: String) -> crate::Error {
    error(SandboxError::InvalidConfig, message)
}

/// Writes `[mount.N] type= target=` then `usage=` (RAM), `format= source=`
/// (host image) or `source=` (other file mounts), then one
/// `[mount.N.include.J] dst= src=` per include (spec §2.1 item 4).
pub(crate) fn save_keyfile(kf: &glib::KeyFile, mounts: &[ConfigMount]) {
    for (i, mount) in mounts.iter().enumerate() {
        let group = format!("mount.{i}");
        kf.set_string(&group, "type", mount.class_name());
        kf.set_string(&group, "target", &mount.target().unwrap_or_default());
        if let Some(ram) = mount.downcast_ref::<ConfigMountRam>() {
            kf.set_string(&group, "usage", &ram.usage().to_string());
        } else if let Some(file) = mount.downcast_ref::<ConfigMountFile>() {
            if let Some(image) = mount.downcast_ref::<ConfigMountHostImage>() {
                kf.set_string(&group, "format", image.format().nick());
            }
            // A host bind without source (a fresh temporary directory) is `source=`.
            kf.set_string(&group, "source", &file.source().unwrap_or_default());
        }
        for (j, (dst, src)) in mount.imp().includes.borrow().iter().enumerate() {
            let group = format!("mount.{i}.include.{j}");
            kf.set_string(&group, "dst", dst);
            kf.set_string(&group, "src", src);
        }
    }
}

/// The mount class named by a key file's `type`.
fn mount_type(group: &str, name: &str) -> crate::Result<glib::Type> {
    ensure_types();
    glib::Type::from_name(name)
        .filter(|t| t.is_a(ConfigMount::static_type()) && !crate::util::type_is_abstract(*t))
        .ok_or_else(|| {
            invalid(format!(
                "invalid value of [{group}] type: unknown mount type '{name}' (expected \
                 GVirSandboxConfigMountHostBind, GVirSandboxConfigMountHostImage, \
                 GVirSandboxConfigMountGuestBind or GVirSandboxConfigMountRam)"
            ))
        })
}

/// Reads one `[mount.N]` group.
fn load_mount(kf: &glib::KeyFile, group: &str) -> crate::Result<ConfigMount> {
    let type_name = required_string(kf, group, "type")?;
    let gtype = mount_type(group, &type_name)?;
    let target = required_string(kf, group, "target")?;
    let mount: ConfigMount = if gtype == ConfigMountRam::static_type() {
        let text = required_string(kf, group, "usage")?;
        let usage = text.trim().parse::<u64>().map_err(|_| {
            invalid(format!(
                "invalid value of [{group}] usage: '{text}' (expected a number of bytes)"
            ))
        })?;
        ConfigMountRam::new(&target, usage).upcast()
    } else if gtype == ConfigMountHostImage::static_type() {
        let nick = required_string(kf, group, "format")?;
        let format = DiskFormat::from_nick(&nick).ok_or_else(|| {
            invalid(format!(
                "invalid value of [{group}] format: '{nick}' is not a disk format \
                 (expected raw, qcow2, …)"
            ))
        })?;
        let source = required_string(kf, group, "source")?;
        ConfigMountHostImage::new(&source, &target, format).upcast()
    } else if gtype == ConfigMountHostBind::static_type() {
        let source = required_string(kf, group, "source")?;
        ConfigMountHostBind::new(Some(source.as_str()), &target).upcast()
    } else if gtype == ConfigMountGuestBind::static_type() {
        let source = required_string(kf, group, "source")?;
        ConfigMountGuestBind::new(&source, &target).upcast()
    } else {
        // A mount class registered by someone else (e.g. a subclass written in
        // another language): only the base properties can be restored.
        let mount: ConfigMount = glib::Object::with_type(gtype)
            .downcast()
            .expect("checked to be a GVirSandboxConfigMount subtype");
        mount.imp().target.set(Some(&target));
        if let Some(file) = mount.downcast_ref::<ConfigMountFile>() {
            file.set_source(optional_string(kf, group, "source")?.as_deref());
        }
        mount
    };
    for j in 0..MAX_ENTRIES {
        let include = format!("{group}.include.{j}");
        if !kf.has_group(&include) {
            break; // includes stop at the first missing group, as in the original
        }
        let dst = required_string(kf, &include, "dst")?;
        let src = required_string(kf, &include, "src")?;
        mount.add_include(&src, &dst);
    }
    Ok(mount)
}

/// Reads `[mount.N]`, N in 0..1024 with gaps allowed (spec §2.2).
pub(crate) fn load_keyfile(kf: &glib::KeyFile) -> crate::Result<Vec<ConfigMount>> {
    let mut mounts = Vec::new();
    for i in 0..MAX_ENTRIES {
        let group = format!("mount.{i}");
        if !kf.has_group(&group) {
            continue; // gaps are allowed, as in the original
        }
        mounts.push(load_mount(kf, &group)?);
    }
    Ok(mounts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigInteractive;

    fn load(data: &str) -> crate::Result<Vec<ConfigMount>> {
        let kf = glib::KeyFile::new();
        kf.load_from_data(data, glib::KeyFileFlags::NONE)
            .expect("valid key file");
        load_keyfile(&kf)
    }

    fn config() -> Config {
        ConfigInteractive::new("mounts").upcast()
    }

    #[test]
    fn classes_and_properties() {
        let bind = ConfigMountHostBind::new(Some("/tmp/home"), "/var/run/hell");
        let mount: &ConfigMount = bind.upcast_ref();
        assert_eq!(mount.target().as_deref(), Some("/var/run/hell"));
        assert_eq!(
            bind.upcast_ref::<ConfigMountFile>().source().as_deref(),
            Some("/tmp/home")
        );
        assert!(bind.is::<ConfigMountFile>());
        assert!(crate::util::type_is_abstract(ConfigMount::static_type()));
        assert!(crate::util::type_is_abstract(ConfigMountFile::static_type()));

        let temp = ConfigMountHostBind::new(None, "/tmp");
        assert!(temp.is_temporary());
        assert_eq!(temp.upcast_ref::<ConfigMountFile>().source(), None);
        assert!(ConfigMountHostBind::new(Some(""), "/tmp").is_temporary());

        let image = ConfigMountHostImage::new("/tmp/img.qcow2", "/etc", DiskFormat::Qcow2);
        assert_eq!(image.format(), DiskFormat::Qcow2);
        let pspec = image.find_property("format").expect("format property");
        assert_eq!(pspec.value_type().name(), "GVirConfigDomainDiskFormat");
        let value = image.property_value("format");
        let (_, v) = glib::EnumValue::from_value(&value).expect("an enum value");
        assert_eq!(v.nick(), "qcow2");

        let ram = ConfigMountRam::new("/tmp", 500 << 20);
        assert_eq!(ram.usage(), 500 << 20);
        ram.set_usage(1024);
        assert_eq!(ram.property::<u64>("usage"), 1024);
        let default: ConfigMountRam = glib::Object::builder().property("target", "/t").build();
        assert_eq!(default.usage(), 10240);

        let guest = ConfigMountGuestBind::new("/tmp/home", "/home");
        guest
            .upcast_ref::<ConfigMountFile>()
            .set_source(Some("/tmp/other"));
        assert_eq!(
            guest.property::<Option<String>>("source").as_deref(),
            Some("/tmp/other")
        );
    }

    #[test]
    fn includes_are_ordered_and_keyed_by_dst() {
        let m = ConfigMountHostBind::new(Some("/a"), "/tmp");
        let m: &ConfigMount = m.upcast_ref();
        m.add_include("/host/b", "/b");
        m.add_include("/host/a", "/a");
        m.add_include("/host/b2", "/b");
        assert_eq!(
            m.includes(),
            vec![
                ("/b".to_owned(), "/host/b2".to_owned()),
                ("/a".to_owned(), "/host/a".to_owned())
            ]
        );
    }

    #[test]
    fn config_mount_methods() {
        let cfg = config();
        assert!(!cfg.has_mounts() && !cfg.has_root_mount());
        cfg.add_mount_strv(&[
            "host-bind:/var/run/hell=/tmp/home",
            "host-image:/etc=/tmp/home/img.qcow2",
            "host-image:/etc=/tmp/home,format=qcow2",
            "host-bind:/tmp=",
            "ram:/run=500M",
            "guest-bind:/home=/tmp/home",
        ])
        .expect("valid mounts");
        assert!(cfg.has_mounts());
        assert_eq!(cfg.mounts().len(), 6);
        let binds = cfg.mounts_with_type(ConfigMountHostBind::static_type());
        assert_eq!(binds.len(), 2);
        // Exact type match: no mount is a plain ConfigMountFile.
        assert!(!cfg.has_mounts_with_type(ConfigMountFile::static_type()));
        assert!(cfg.has_mounts_with_type(ConfigMountRam::static_type()));
        let etc = cfg.find_mount("/etc").expect("first /etc mount");
        assert_eq!(
            etc.downcast_ref::<ConfigMountHostImage>()
                .expect("an image")
                .format(),
            DiskFormat::Qcow2
        );
        assert!(
            cfg.find_mount("/tmp")
                .and_then(|m| m.downcast::<ConfigMountHostBind>().ok())
                .expect("a host bind")
                .is_temporary()
        );
        let ram = cfg.mounts_with_type(ConfigMountRam::static_type());
        assert_eq!(
            ram[0].downcast_ref::<ConfigMountRam>().unwrap().usage(),
            500 * 1024 * 1024
        );
        assert!(cfg.find_mount("/nope").is_none());
        assert!(!cfg.has_root_mount());
        cfg.add_mount(&ConfigMountHostImage::new("/img", "/", DiskFormat::Raw));
        assert!(cfg.has_root_mount());

        let e = cfg.add_mount_opts("bogus:/x=/y").unwrap_err();
        assert!(e.matches(SandboxError::InvalidMount), "{e}");
        assert_eq!(cfg.mounts().len(), 7);
    }

    #[test]
    fn includes_go_to_the_longest_containing_mount() {
        let cfg = config();
        cfg.add_mount_strv(&["host-bind:/tmp=", "host-bind:/tmp/sub=/x"])
            .expect("valid mounts");
        cfg.add_host_include_strv(&["/tmp/bar=/var/tmp/foo/bar", "/tmp/sub/f", "/tmp"])
            .expect("valid includes");
        let mounts = cfg.mounts();
        assert_eq!(
            mounts[0].includes(),
            vec![
                ("/bar".to_owned(), "/var/tmp/foo/bar".to_owned()),
                ("/".to_owned(), "/tmp".to_owned())
            ]
        );
        assert_eq!(
            mounts[1].includes(),
            vec![("/f".to_owned(), "/tmp/sub/f".to_owned())]
        );

        let e = cfg.add_host_include_strv(&["/tmpfoo/x"]).unwrap_err();
        assert!(e.matches(SandboxError::InvalidInclude), "{e}");
        assert!(e.message().contains("no mount contains '/tmpfoo/x'"), "{e}");
        let e = cfg.add_host_include_strv(&["relative"]).unwrap_err();
        assert!(e.matches(SandboxError::InvalidInclude), "{e}");
    }

    #[test]
    fn include_file() {
        let cfg = config();
        cfg.add_mount_opts("host-bind:/etc=/srv/etc")
            .expect("valid");
        let dir = std::env::temp_dir().join(format!("mount-incl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("includes");
        std::fs::write(
            &path,
            "/etc/nswitch.conf\n\n# comment\n/etc/hosts=/tmp/hosts\n",
        )
        .expect("write");
        cfg.add_host_include_file(&path).expect("valid file");
        assert_eq!(
            cfg.mounts()[0].includes(),
            vec![
                ("/nswitch.conf".to_owned(), "/etc/nswitch.conf".to_owned()),
                ("/hosts".to_owned(), "/tmp/hosts".to_owned())
            ]
        );
        std::fs::write(&path, "/etc/a\n/nowhere/b\n").expect("write");
        let e = cfg.add_host_include_file(&path).unwrap_err();
        assert!(e.matches(SandboxError::InvalidInclude), "{e}");
        let e = cfg.add_host_include_file(&dir.join("missing")).unwrap_err();
        assert!(e.matches(SandboxError::Io), "{e}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn keyfile_round_trip() {
        let cfg = config();
        cfg.add_mount_strv(&[
            "host-bind:/var/run/hell=/tmp/home",
            "host-image:/etc=/tmp/home/img.qcow2",
            "host-image:/etc=/tmp/home,format=qcow2",
            "host-bind:/tmp=",
            "ram:/run=500M",
            "guest-bind:/home=/tmp/home",
        ])
        .expect("valid mounts");
        cfg.add_host_include_strv(&[
            "/etc/nswitch.conf",
            "/etc/resolve.conf",
            "/tmp/bar=/var/tmp/foo/bar",
        ])
        .expect("valid includes");
        let data = cfg.save_to_data();
        assert!(
            data.contains(
                "[mount.1]\ntype=GVirSandboxConfigMountHostImage\ntarget=/etc\n\
                 format=qcow2\nsource=/tmp/home/img.qcow2\n\n\
                 [mount.1.include.0]\ndst=/nswitch.conf\nsrc=/etc/nswitch.conf\n"
            ),
            "{data}"
        );
        assert!(
            data.contains("[mount.3]\ntype=GVirSandboxConfigMountHostBind\ntarget=/tmp\nsource=\n"),
            "{data}"
        );
        assert!(
            data.contains(
                "[mount.4]\ntype=GVirSandboxConfigMountRam\ntarget=/run\nusage=524288000\n"
            ),
            "{data}"
        );
        let loaded = Config::load_from_data(&data).expect("loads");
        assert_eq!(loaded.save_to_data(), data);
        let mounts = loaded.mounts();
        assert_eq!(mounts.len(), 6);
        assert!(
            mounts[3]
                .downcast_ref::<ConfigMountHostBind>()
                .unwrap()
                .is_temporary()
        );
        assert_eq!(mounts[1].includes().len(), 2);
        assert_eq!(mounts[5].type_(), ConfigMountGuestBind::static_type());
    }

    #[test]
    fn load_gaps_and_errors() {
        let mounts = load(
            "[mount.2]\ntype=GVirSandboxConfigMountGuestBind\ntarget=/home\nsource=/tmp/home\n\
             [mount.2.include.0]\ndst=/a\nsrc=/b\n[mount.2.include.2]\ndst=/c\nsrc=/d\n",
        )
        .expect("gaps allowed");
        assert_eq!(mounts.len(), 1);
        // Includes stop at the first missing group.
        assert_eq!(mounts[0].includes().len(), 1);

        let cases = [
            ("[mount.0]\ntarget=/t\n", "[mount.0]", "type"),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountNope\ntarget=/t\n",
                "[mount.0]",
                "GVirSandboxConfigMountNope",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountFile\ntarget=/t\n",
                "[mount.0]",
                "GVirSandboxConfigMountFile",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigInteractive\ntarget=/t\n",
                "[mount.0]",
                "type",
            ),
            (
                "[mount.3]\ntype=GVirSandboxConfigMountRam\nusage=1\n",
                "[mount.3]",
                "target",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountRam\ntarget=/t\n",
                "[mount.0]",
                "usage",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountRam\ntarget=/t\nusage=lots\n",
                "[mount.0]",
                "usage",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountHostBind\ntarget=/t\n",
                "[mount.0]",
                "source",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountHostImage\ntarget=/t\nsource=/i\n",
                "[mount.0]",
                "format",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountHostImage\ntarget=/t\nformat=zip\nsource=/i\n",
                "[mount.0]",
                "zip",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountGuestBind\ntarget=/t\nsource=/s\n\
                 [mount.0.include.0]\ndst=/a\n",
                "[mount.0.include.0]",
                "src",
            ),
            (
                "[mount.0]\ntype=GVirSandboxConfigMountGuestBind\ntarget=/t\nsource=/s\n\
                 [mount.0.include.0]\nsrc=/a\n",
                "[mount.0.include.0]",
                "dst",
            ),
        ];
        for (data, group, key) in cases {
            let e = load(data).expect_err(data);
            assert!(e.matches(SandboxError::InvalidConfig), "{data}: {e}");
            assert!(e.message().contains(group), "{data}: {e}");
            assert!(e.message().contains(key), "{data}: {e}");
        }
    }
}
