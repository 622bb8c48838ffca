// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxContextService`: a service sandbox, a *persistent* libvirt
//! domain defined from a [`ConfigService`], started and stopped through the
//! [`Context`] API (or by libvirt itself, or by another process: `virsh
//! start NAME`).
//!
//! Because libvirt may boot the domain long after this process is gone,
//! everything it needs at boot lives in two persistent directories, made by
//! [`ContextService::define`] and removed by [`ContextService::undefine`]
//! (the original's layout):
//!
//! - `/etc/libvirt-sandbox/services/NAME/` (mode 0700, files 0600): the
//!   guest's state directory (what an interactive sandbox keeps under
//!   `/run/libvirt-sandbox/NAME`): the launch spec `launch.json`, staged
//!   includes, temporary host-bind directories; for a VM its kernel and
//!   initrd (`vmlinuz`, `initrd.img`: copies, as the shared cache may evict
//!   its own) and its QEMU user's record `qemu-user`; the connection URI it
//!   was defined on (`connection`); and `config/sandbox.cfg`, the saved
//!   config (mode 0600 in a 0700 directory, never shared with QEMU).
//! - `/var/lib/libvirt/filesystems/NAME/` (mode 0700): the service's data
//!   (another directory than `/var/lib/libvirt/filesystems` with
//!   [`DataOptions::root`], recorded in the saved config): the service's
//!   *data mounts* (its `host-bind:DST=` mounts, and with
//!   [`DataOptions::copy`] all its host binds, their sources copied in) are
//!   bound from `DATA/DST`, or, with [`DataOptions::image_size`], from an
//!   ext4 image `DATA/data.img` mounted inside at [`DATA_IMAGE_TARGET`].
//!
//! A service has no app channel: its command's stdin is `/dev/null`, its
//! output goes to the log console, and the domain ends with the command.
//! So its launch spec carries no secret (nothing authenticates over a
//! channel); it keeps the `-e` values, which is why it is the owner's only.
//!
//! The walls are the interactive sandbox's: the same builders and the same
//! guest init, which hides the state directory and raises the user
//! namespace (containers), the seccomp filter, the reduced capabilities and
//! the read-only host root. A VM's QEMU runs as a uid of its own chosen at
//! define time (unique among interactive and service VMs) and recorded in
//! the service's directory; what it opens (the kernel and initrd copies,
//! images, disks) is lent to it until the service is undefined.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::imp as base;
use super::plan::{self, libvirt_error};
use super::service_systemd::{self, HostUnit};
use super::state::StateDir;
use super::{Backend, Context};
use crate::builder;
use crate::config::{Config, ConfigMount, ConfigService, ConfigServiceSystemd};
use crate::error::{SandboxError, error};
use crate::gvir::Connection;

/// Where the services' configuration and boot files live.
pub const SERVICES_ROOT: &str = "/etc/libvirt-sandbox/services";
/// Where the services' data lives.
pub const DATA_ROOT: &str = "/var/lib/libvirt/filesystems";
/// The saved config, inside a service's directory.
pub const CONFIG_FILE: &str = "config/sandbox.cfg";
/// The URI of the connection the service was defined on.
pub const CONNECTION_FILE: &str = "connection";
/// The ext4 image of image-backed data, inside the data directory.
pub const DATA_IMAGE: &str = "data.img";
/// Where an image-backed service's image is mounted inside (in its private
/// `/run`); its data mounts are bound from there.
pub const DATA_IMAGE_TARGET: &str = "/run/libvirt-sandbox-data";
/// The group of the saved config that records the [`DataOptions`] (the
/// config classes ignore groups they do not know).
const DATA_GROUP: &str = "service-data";
/// The smallest image mkfs.ext4 makes a usable file system of.
const MIN_IMAGE_SIZE: u64 = 1 << 20;

/// Where and how a service keeps its data; chosen at define time
/// ([`ContextService::set_data_options`]) and recorded in its saved config,
/// so that every later start, upgrade, clone and undefine finds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataOptions {
    /// The directory holding services' data (default [`DATA_ROOT`]); the
    /// service's own is `ROOT/NAME`.
    pub root: Option<PathBuf>,
    /// Keep the data mounts in a sparse ext4 image of this many bytes.
    pub image_size: Option<u64>,
    /// Every host-bind mount is a data mount: its source is copied into the
    /// data at define time and the service binds the copy (private and
    /// writable; the host's original is never bound).
    pub copy: bool,
}

pub(crate) mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ContextService {
        /// The data options of the next define.
        pub data: std::cell::RefCell<super::DataOptions>,
        /// The next define uses the data there is, the next undefine keeps
        /// it (an upgrade).
        pub keep_data: std::cell::Cell<bool>,
    }

    /// Instance struct; mirrors `struct _GVirSandboxContextService`.
    #[repr(C)]
    pub struct ContextServiceInstance {
        pub parent: crate::context::ContextInstance,
        /// The original's private pointer; NULL (see [`crate::abi`]).
        pub priv_: glib::ffi::gpointer,
    }

    unsafe impl InstanceStruct for ContextServiceInstance {
        type Type = ContextService;
    }

    /// The virtual methods `define` and `undefine`:
    /// `gboolean (*)(GVirSandboxContextService *, GError **)`.
    pub type ContextServiceVfunc = unsafe extern "C" fn(
        *mut ContextServiceInstance,
        *mut *mut glib::ffi::GError,
    ) -> glib::ffi::gboolean;

    /// Class struct; mirrors `struct _GVirSandboxContextServiceClass`: the
    /// original's `define` and `undefine` virtual methods (defaults from
    /// `vfuncs::install_service_class`; the Rust and C entry points call
    /// through them), then its padding.
    #[repr(C)]
    pub struct ContextServiceClass {
        pub parent_class: crate::context::imp::ContextClass,
        pub define: Option<ContextServiceVfunc>,
        pub undefine: Option<ContextServiceVfunc>,
        pub padding: [glib::ffi::gpointer; 20],
    }

    unsafe impl ClassStruct for ContextServiceClass {
        type Type = ContextService;
    }

    crate::abi::assert_size!(ContextServiceInstance, 40);
    crate::abi::assert_size!(ContextServiceClass, 504);
    #[cfg(target_pointer_width = "64")]
    const _: () = {
        use std::mem::offset_of;
        assert!(offset_of!(ContextServiceClass, define) == 328);
        assert!(offset_of!(ContextServiceClass, undefine) == 336);
    };

    #[glib::object_subclass]
    impl ObjectSubclass for ContextService {
        const NAME: &'static str = "GVirSandboxContextService";
        type Type = super::ContextService;
        type ParentType = crate::context::Context;
        type Instance = ContextServiceInstance;
        type Class = ContextServiceClass;

        fn class_init(klass: &mut Self::Class) {
            crate::context::vfuncs::install_service_class(klass);
        }
    }

    impl ObjectImpl for ContextService {}
    impl crate::context::ContextImpl for ContextService {}
}

glib::wrapper! {
    /// The context of a service sandbox (`GVirSandboxContextService`).
    pub struct ContextService(ObjectSubclass<imp::ContextService>) @extends Context;
}

/// The defined domain of the service `name`, which must not run, with what
/// libvirt left of the container's previous run removed: ready to start.
pub(crate) fn stopped_domain(
    conn: &virt::connect::Connect,
    name: &str,
) -> crate::Result<virt::domain::Domain> {
    let domain = conn.lookup_domain_by_name(name).map_err(|_| {
        error(
            SandboxError::NotRunning,
            format!(
                "the service '{name}' has no libvirt domain on {}: define it again",
                conn.uri().unwrap_or_default()
            ),
        )
    })?;
    if domain.is_active().unwrap_or(false) {
        return Err(error(
            SandboxError::AlreadyRunning,
            format!("the service '{name}' is already running"),
        ));
    }
    super::lxc_leftovers::remove(conn, name);
    Ok(domain)
}

/// The directory of the service `name` (configuration and boot files).
pub fn config_dir(name: &str) -> PathBuf {
    Path::new(SERVICES_ROOT).join(name)
}

/// The data directory of the service `name` (where its saved config says).
pub fn data_dir(name: &str) -> PathBuf {
    data_options(name)
        .root
        .unwrap_or_else(|| PathBuf::from(DATA_ROOT))
        .join(name)
}

/// The data options recorded in the saved config of the service `name`
/// (the defaults when it has none, or no saved config).
pub fn data_options(name: &str) -> DataOptions {
    let saved = glib::KeyFile::new();
    if saved
        .load_from_file(config_dir(name).join(CONFIG_FILE), glib::KeyFileFlags::NONE)
        .is_err()
    {
        return DataOptions::default();
    }
    recorded_data_options(&saved)
}

/// The data options recorded in the saved config `saved`.
fn recorded_data_options(saved: &glib::KeyFile) -> DataOptions {
    DataOptions {
        root: saved
            .string(DATA_GROUP, "root")
            .ok()
            .map(|r| PathBuf::from(r.as_str()))
            .filter(|r| r.is_absolute()),
        image_size: saved
            .uint64(DATA_GROUP, "image-size")
            .ok()
            .filter(|s| *s > 0),
        copy: saved.boolean(DATA_GROUP, "copy").unwrap_or(false),
    }
}

/// The saved config `saved` with `options` recorded in it.
fn record_data_options(saved: &str, options: &DataOptions) -> String {
    let file = glib::KeyFile::new();
    if file
        .load_from_data(saved, glib::KeyFileFlags::KEEP_COMMENTS)
        .is_err()
    {
        return saved.to_owned();
    }
    if let Some(root) = options.root.as_deref().and_then(Path::to_str) {
        file.set_string(DATA_GROUP, "root", root);
    }
    if let Some(size) = options.image_size {
        file.set_uint64(DATA_GROUP, "image-size", size);
    }
    if options.copy {
        file.set_boolean(DATA_GROUP, "copy", true);
    }
    file.to_data().to_string()
}

/// Checks a directory to hold services' data: absolute, and an existing
/// directory.
pub fn check_data_root(root: &Path) -> crate::Result<()> {
    let invalid = |why: String| error(SandboxError::InvalidArgument, why);
    if !root.is_absolute() {
        return Err(invalid(format!(
            "the data directory '{}' is not an absolute path: give one starting with /",
            root.display()
        )));
    }
    match std::fs::metadata(root) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(invalid(format!(
            "the data directory '{}' is not a directory: give an existing directory",
            root.display()
        ))),
        Err(e) => Err(invalid(format!(
            "the data directory '{}' cannot be used ({e}): give an existing directory",
            root.display()
        ))),
    }
}

/// Checks the size of a data image.
pub fn check_image_size(bytes: u64) -> crate::Result<()> {
    if bytes < MIN_IMAGE_SIZE {
        return Err(error(
            SandboxError::InvalidArgument,
            format!("the data image size {bytes} bytes is too small: give at least 1M"),
        ));
    }
    Ok(())
}

/// The mounts of `config` whose data the service keeps: its host binds
/// without a source (fresh directories), and with `copy` all of them
/// (their sources copied in), parents first; with each its target and
/// source.
fn chosen_data_mounts(
    config: &Config,
    copy: bool,
) -> crate::Result<Vec<(ConfigMount, String, Option<String>)>> {
    use crate::config::mount::{ConfigMountFile, ConfigMountHostBind};
    let mut chosen = Vec::new();
    for mount in config.mounts() {
        if !mount.is::<ConfigMountHostBind>() {
            continue;
        }
        let source = mount
            .downcast_ref::<ConfigMountFile>()
            .and_then(ConfigMountFile::source)
            .filter(|s| !s.is_empty());
        if source.is_some() && !copy {
            continue;
        }
        let target = mount.target().unwrap_or_default();
        if target == "/" || crate::config::validate::check_guest_path(&target).is_err() {
            return Err(error(
                SandboxError::InvalidMount,
                format!(
                    "host-bind:{target}: the service's data cannot be mounted there (give an \
                     absolute path other than /, without . or ..)"
                ),
            ));
        }
        chosen.push((mount, target, source));
    }
    chosen.sort_by_key(|(_, target, _)| target.split('/').filter(|c| !c.is_empty()).count());
    Ok(chosen)
}

/// Runs `program` with `args`; an error names what failed.
fn run_tool(program: &str, args: &[&std::ffi::OsStr], what: &str) -> crate::Result<()> {
    let output = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            error(
                SandboxError::Io,
                format!(
                    "cannot {what}: cannot run {program} ({e}; Debian package e2fsprogs, coreutils)"
                ),
            )
        })?;
    if output.status.success() {
        return Ok(());
    }
    let why = String::from_utf8_lossy(&output.stderr);
    Err(error(
        SandboxError::Io,
        format!(
            "cannot {what}: {program} failed ({}): {}",
            output.status,
            why.trim().lines().next().unwrap_or("no message")
        ),
    ))
}

/// Makes the service's data under `data` (its new, empty data directory)
/// and returns the config the domain is built from: `config` with its data
/// mounts bound from the data (see [`DataOptions`]).
/// With `keep`, the data is there already (an upgrade): nothing is made.
fn make_data(
    config: &Config,
    options: &DataOptions,
    data: &Path,
    keep: bool,
) -> crate::Result<Config> {
    use crate::config::mount::{ConfigMountFile, ConfigMountGuestBind, ConfigMountHostImage};
    let working = Config::load_from_data(&config.save_to_data())?;
    let chosen = chosen_data_mounts(&working, options.copy)?;
    // An image's tree is built beside it, then written into it by mkfs.
    let tree = match options.image_size {
        Some(_) => data.join(".image-tree"),
        None => data.to_owned(),
    };
    for (_, target, source) in chosen.iter().filter(|_| !keep) {
        let dest = tree.join(target.trim_start_matches('/'));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| super::io_error("create", parent, e))?;
        }
        match source {
            Some(source) => run_tool(
                "cp",
                &[
                    "-a".as_ref(),
                    "--no-target-directory".as_ref(),
                    "--".as_ref(),
                    source.as_ref(),
                    dest.as_os_str(),
                ],
                &format!("copy '{source}' into the service's data"),
            )?,
            None => {
                if !dest.is_dir() {
                    std::fs::DirBuilder::new()
                        .mode(0o700)
                        .create(&dest)
                        .map_err(|e| super::io_error("create", &dest, e))?;
                    // The sandbox's user writes there (as in a fresh
                    // host-bind directory of an interactive sandbox).
                    std::os::unix::fs::chown(&dest, Some(config.userid()), Some(config.groupid()))
                        .map_err(|e| super::io_error("change the owner of", &dest, e))?;
                }
            }
        }
    }
    let Some(size) = options.image_size else {
        for (mount, target, _) in &chosen {
            let dest = data.join(target.trim_start_matches('/'));
            if let Some(file) = mount.downcast_ref::<ConfigMountFile>() {
                file.set_source(dest.to_str());
            }
        }
        return Ok(working);
    };
    check_image_size(size)?;
    let image = data.join(DATA_IMAGE);
    if keep {
        if !image.is_file() {
            return Err(error(
                SandboxError::InvalidConfig,
                format!(
                    "the service's data image '{}' is missing: restore it, or delete the \
                     service and create it again",
                    image.display()
                ),
            ));
        }
    } else {
        make_image(&tree, &image, size)?;
    }
    // The image at its hidden place, each data mount a bind from it.
    let mut mounts: Vec<ConfigMount> = vec![
        ConfigMountHostImage::new(
            image.to_str().unwrap_or_default(),
            DATA_IMAGE_TARGET,
            crate::config::options::DiskFormat::Raw,
        )
        .upcast(),
    ];
    for mount in working.mounts() {
        match chosen.iter().find(|(m, _, _)| *m == mount) {
            Some((_, target, _)) => mounts.push(
                ConfigMountGuestBind::new(&format!("{DATA_IMAGE_TARGET}{target}"), target).upcast(),
            ),
            None => mounts.push(mount),
        }
    }
    working.imp().mounts.replace(mounts);
    Ok(working)
}

/// Writes the tree `tree` into a new sparse ext4 image `image` of `size`
/// bytes, and removes the tree.
fn make_image(tree: &Path, image: &Path, size: u64) -> crate::Result<()> {
    std::fs::create_dir_all(tree).map_err(|e| super::io_error("create", tree, e))?;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(image)
        .map_err(|e| super::io_error("create", image, e))?;
    // Sparse: the blocks are allocated as the service writes.
    file.set_len(size)
        .map_err(|e| super::io_error("size", image, e))?;
    drop(file);
    run_tool(
        "mkfs.ext4",
        &[
            "-F".as_ref(),
            "-q".as_ref(),
            "-d".as_ref(),
            tree.as_os_str(),
            image.as_os_str(),
        ],
        &format!("make the data image '{}'", image.display()),
    )?;
    remove_tree(tree)
}

/// The names of the defined services (those with a saved config), sorted.
pub fn list() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(SERVICES_ROOT)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().join(CONFIG_FILE).is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The URI of the connection the service `name` was defined on, if it is
/// one.
pub fn connection_uri(name: &str) -> Option<String> {
    std::fs::read_to_string(config_dir(name).join(CONNECTION_FILE))
        .ok()
        .map(|uri| uri.trim().to_owned())
        .filter(|uri| !uri.is_empty())
}

/// The saved config of the service `name`.
pub fn load_config(name: &str) -> crate::Result<ConfigService> {
    check_service_name(name)?;
    let path = config_dir(name).join(CONFIG_FILE);
    if !path.is_file() {
        return Err(missing(name));
    }
    Config::load_from_path(&path)?
        .downcast::<ConfigService>()
        .map_err(|config| {
            error(
                SandboxError::InvalidConfig,
                format!(
                    "'{}' holds a {}, not a service config",
                    path.display(),
                    config.type_().name()
                ),
            )
        })
}

pub(crate) fn missing(name: &str) -> crate::Error {
    error(
        SandboxError::NotRunning,
        format!(
            "the service '{name}' does not exist (no {}): create it first",
            config_dir(name).join(CONFIG_FILE).display()
        ),
    )
}

pub(crate) fn check_service_name(name: &str) -> crate::Result<()> {
    crate::config::validate::check_name(name).map_err(|e| error(SandboxError::InvalidArgument, e))
}

/// Services are root's: their directories are the system's.
fn require_root(what: &str) -> crate::Result<()> {
    if nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    Err(error(
        SandboxError::Unsupported,
        format!(
            "cannot {what}: service sandboxes are system services, defined by root only \
             (their files live in {SERVICES_ROOT} and {DATA_ROOT})"
        ),
    ))
}

/// The system URIs a service can live on.
fn check_uri(uri: &str) -> crate::Result<()> {
    let plain = uri.trim_end_matches('/');
    if plain == "lxc:" || plain == "lxc://" || plain == "qemu:///system" {
        return Ok(());
    }
    Err(error(
        SandboxError::Unsupported,
        format!(
            "the connection URI '{uri}' cannot hold a service sandbox: use lxc:/// or qemu:///system"
        ),
    ))
}

/// The private directories of a service: the interactive sandbox's, and
/// an empty tmpfs over [`SERVICES_ROOT`], where the boot files of every
/// service (its own launch spec included) live on the host's root (unless
/// the sandbox has a root of its own, or a mount of its config decides).
fn private_dirs(config: &Config, mut private: Vec<String>) -> Vec<String> {
    let host_root = config.root().is_none_or(|r| r.is_empty() || r == "/");
    let decided =
        config.mounts().iter().filter_map(|m| m.target()).any(|t| {
            builder::is_within(SERVICES_ROOT, &t) || builder::is_within(&t, SERVICES_ROOT)
        });
    if host_root && !decided {
        private.push(SERVICES_ROOT.to_owned());
    }
    private
}

/// The host units of a systemd service (None for another service),
/// refused on QEMU and without units.
fn systemd_units(config: &Config, backend: Backend) -> crate::Result<Option<Vec<HostUnit>>> {
    let Some(systemd) = config.downcast_ref::<ConfigServiceSystemd>() else {
        return Ok(None);
    };
    if backend == Backend::Qemu {
        return Err(error(
            SandboxError::Unsupported,
            "a systemd service (-u UNIT) runs on lxc:/// only: on qemu:///system give a command \
             instead",
        ));
    }
    let units = systemd.units();
    if units.is_empty() {
        return Err(error(
            SandboxError::InvalidConfig,
            "a systemd service needs at least one unit to start (-u UNIT, add_unit())",
        ));
    }
    units
        .iter()
        .map(|u| service_systemd::find_unit(u))
        .collect::<crate::Result<Vec<_>>>()
        .map(Some)
}

/// Adds to `config` the binds of a systemd service: its unit directory
/// and the directories its units declare, from the service's `data`
/// (made here). Returns the mount points it made on the host's root (for
/// undefine), and the outcome.
fn add_systemd_mounts(
    config: &Config,
    units: &[HostUnit],
    data: &Path,
) -> (Vec<String>, crate::Result<()>) {
    let mut made = Vec::new();
    let result = (|| {
        let systemd = config
            .downcast_ref::<ConfigServiceSystemd>()
            .expect("checked by systemd_units");
        let target = systemd
            .boot_target()
            .unwrap_or_else(|| "multi-user.target".to_owned());
        let in_data = |inside: &str| data.join(inside.trim_start_matches('/'));
        let unit_dir = in_data(service_systemd::UNIT_PATH);
        // Made anew from the host's units by every define: an upgrade
        // keeps the data, not the unit directory of the old define.
        match std::fs::remove_dir_all(&unit_dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(error(
                    SandboxError::Io,
                    format!("cannot replace '{}': {e}", unit_dir.display()),
                ));
            }
            _ => {}
        }
        service_systemd::write_unit_dir(&unit_dir, units, &target)?;
        let mut binds = vec![(unit_dir, service_systemd::UNIT_PATH.to_owned())];
        for unit in units {
            for dir in service_systemd::declared_dirs(&unit.name, &unit.texts()?)? {
                if !dir.is_kept() || binds.iter().any(|(_, t)| builder::is_within(&dir.path, t)) {
                    continue;
                }
                let source = in_data(&dir.path);
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o755)
                    .create(&source)
                    .map_err(|e| {
                        error(
                            SandboxError::Io,
                            format!("cannot create '{}': {e}", source.display()),
                        )
                    })?;
                if service_systemd::ensure_mount_point(&dir.path)? {
                    made.push(dir.path.clone());
                }
                binds.push((source, dir.path));
            }
        }
        let taken: Vec<String> = config.mounts().iter().filter_map(|m| m.target()).collect();
        for (source, target) in binds {
            // An explicit -m of that target decides.
            if taken.contains(&target) {
                continue;
            }
            let source = source.to_string_lossy();
            config.add_mount(&crate::config::ConfigMountHostBind::new(
                Some(&source),
                &target,
            ));
        }
        Ok(())
    })();
    (made, result)
}

/// Mount points to remove unless kept.
struct MountPoints(Option<Vec<String>>);

fn scopeguard(points: Vec<String>) -> MountPoints {
    MountPoints(Some(points))
}

impl MountPoints {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for MountPoints {
    fn drop(&mut self) {
        for p in self.0.take().unwrap_or_default() {
            let _ = std::fs::remove_dir(p);
        }
    }
}

/// Creates a new file `path` (never replacing one, never following a link)
/// of mode 0600 with `data`.
fn write_private(path: &Path, data: &[u8]) -> crate::Result<()> {
    use std::io::Write;
    let fail = |e: std::io::Error| {
        error(
            SandboxError::Io,
            format!("cannot write '{}': {e}", path.display()),
        )
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(path)
        .map_err(fail)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(fail)?;
    file.write_all(data).map_err(fail)
}

/// An owner-only directory, removed on drop unless kept.
struct NewDir(Option<PathBuf>);

impl NewDir {
    fn create(path: &Path) -> crate::Result<Self> {
        let fail = |e: std::io::Error| {
            error(
                SandboxError::Io,
                format!("cannot create '{}': {e}", path.display()),
            )
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(path)
            .map_err(fail)?;
        let dir = Self(Some(path.to_owned()));
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
        Ok(dir)
    }

    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for NewDir {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

/// Removes `path` and what is in it; gone already is fine.
fn remove_tree(path: &Path) -> crate::Result<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(error(
            SandboxError::Io,
            format!("cannot remove '{}': {e}", path.display()),
        )),
    }
}

impl ContextService {
    /// A context for the service `config` on the (opened) `connection`.
    pub fn new(connection: &Connection, config: &impl IsA<ConfigService>) -> Self {
        glib::Object::builder()
            .property("connection", connection)
            .property(
                "config",
                config.upcast_ref::<ConfigService>().upcast_ref::<Config>(),
            )
            .build()
    }

    pub(crate) fn context(&self) -> &Context {
        self.upcast_ref()
    }

    /// The service's name (its domain's).
    pub fn name(&self) -> crate::Result<String> {
        let name = self
            .context()
            .try_config()?
            .name()
            .unwrap_or_else(|| "sandbox".to_owned());
        check_service_name(&name)?;
        Ok(name)
    }

    /// Where and how the next [`define`](Self::define) keeps the service's
    /// data (the default: a directory in [`DATA_ROOT`]).
    pub fn set_data_options(&self, options: DataOptions) {
        self.imp().data.replace(options);
    }

    /// With `keep`, the next [`undefine`](Self::undefine) leaves the data,
    /// and the next [`define`](Self::define) uses the data there is (made
    /// by an earlier define of the same config: an upgrade).
    pub fn set_keep_data(&self, keep: bool) {
        self.imp().keep_data.set(keep);
    }

    /// Defines the service: calls the class's `define` virtual method, by
    /// default [`default_define`](Self::default_define).
    pub fn define(&self) -> crate::Result<()> {
        super::vfuncs::invoke_service(self, super::vfuncs::ServiceSlot::Define)
    }

    /// The default `define`: the service's directories and its persistent
    /// domain. The name must be free: no domain of it on the connection, no
    /// service of it on the host.
    pub fn default_define(&self) -> crate::Result<()> {
        let context = self.context();
        let config = context.try_config()?;
        if !config.is::<ConfigService>() {
            return Err(error(
                SandboxError::InvalidConfig,
                "a service context needs a service config (ConfigServiceGeneric)",
            ));
        }
        require_root("define a service")?;
        context.imp().check_idle()?;
        let (conn, backend) = context.imp().conn()?;
        let uri = conn
            .uri()
            .map_err(|e| libvirt_error("cannot read the connection URI", e))?;
        check_uri(&uri)?;
        let name = self.name()?;
        plan::check_config(&config, &name)?;
        if backend == Backend::Qemu {
            plan::refuse_in_machines(&config)?;
        }
        let init_dir = plan::init_helper_dir(backend)?;
        let systemd_units = systemd_units(&config, backend)?;
        let dir = config_dir(&name);
        let data_options = self.imp().data.borrow().clone();
        if let Some(root) = &data_options.root {
            check_data_root(root)?;
        }
        if let Some(size) = data_options.image_size {
            check_image_size(size)?;
            if systemd_units.is_some() {
                return Err(error(
                    SandboxError::Unsupported,
                    "--image-size is not supported for a systemd service (-u): its units' \
                     declared directories are kept in the data directory; leave -i out",
                ));
            }
        }
        let data = data_options
            .root
            .clone()
            .unwrap_or_else(|| PathBuf::from(DATA_ROOT))
            .join(&name);
        let keep_data = self.imp().keep_data.get() && data.is_dir();
        if conn.lookup_domain_by_name(&name).is_ok()
            || dir.exists()
            || (data.exists() && !keep_data)
        {
            return Err(error(
                SandboxError::AlreadyRunning,
                format!(
                    "the name '{name}' is in use ({}): choose another, or delete that service \
                     first",
                    if dir.exists() {
                        format!("a service, {}", dir.display())
                    } else if data.exists() {
                        format!("the data directory {}", data.display())
                    } else {
                        format!("a libvirt domain on {uri}")
                    }
                ),
            ));
        }
        let mut state = StateDir::create_persistent(Path::new(SERVICES_ROOT), &name)?;
        // Errors below drop these, which removes the directories.
        let data_dir = if keep_data {
            NewDir(None)
        } else {
            NewDir::create(&data)?
        };
        // The domain is built from a copy whose data mounts point into the
        // data; the saved config stays what was asked for.
        let saved = record_data_options(&config.save_to_data(), &data_options);
        let config = make_data(&config, &data_options, &data, keep_data)?;
        let config_subdir = state.path().join("config");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&config_subdir)
            .map_err(|e| {
                error(
                    SandboxError::Io,
                    format!("cannot create '{}': {e}", config_subdir.display()),
                )
            })?;
        // The binds of a systemd service's unit directory and declared
        // directories go into the working copy only (`saved` is as given):
        // every define (upgrade, clone) makes them again from the units.
        let mut made_mount_points = Vec::new();
        if let Some(units) = &systemd_units {
            let made = add_systemd_mounts(&config, units, &data);
            // Mount points made before a failure go again.
            made_mount_points = made.0;
            if let Err(e) = made.1 {
                for p in &made_mount_points {
                    let _ = std::fs::remove_dir(p);
                }
                return Err(e);
            }
            let list: String = made_mount_points.iter().map(|p| format!("{p}\n")).collect();
            state.write_file(service_systemd::MOUNT_POINTS_FILE, list.as_bytes(), false)?;
        }
        let undo_mount_points = scopeguard(made_mount_points);
        let plan::Plan {
            mut layout,
            mounts,
            guest_interfaces,
            disks,
            kvm,
            qemu_group,
        } = plan::plan(
            &config,
            &conn,
            backend,
            name.clone(),
            state.path(),
            init_dir,
            plan::Disks::Attach,
        )?;
        if !disks.loops.is_empty() {
            return Err(error(
                SandboxError::Unsupported,
                "--disk on lxc:/// needs loop devices set up at every boot, which a service \
                 started by libvirt does not get: use a block device, or qemu:///system",
            ));
        }
        layout.private_dirs = private_dirs(&config, std::mem::take(&mut layout.private_dirs));
        let mut spec = super::launch::spec(&config, &layout, backend)?;
        if systemd_units.is_some() {
            // systemd boots as the sandbox's init: a cgroup of its own
            // (delegated by the init), its capabilities in its user
            // namespace, only the service's unit directory.
            spec.systemd_cgroup = format!("libvirt-sandbox-{name}");
            spec.privileged = true;
            spec.env
                .push(("container".to_owned(), "lxc-libvirt".to_owned()));
            spec.env.push((
                "SYSTEMD_UNIT_PATH".to_owned(),
                service_systemd::UNIT_PATH.to_owned(),
            ));
        }
        // No channel (the init runs the command on its own). The secret
        // marks the init's "started" and "exit N" lines on the service's
        // output, and a VM's stop request (see service_run).
        spec.channel = String::new();
        spec.secret = crate::console::channel::hex(&crate::console::channel::new_secret()?);
        if backend == Backend::Lxc {
            // Without an app console the shell is the second console.
            spec.shell = config.shell().then(|| "/dev/tty2".to_owned());
        }
        // A VM's QEMU runs as a user of its own (as for interactive VMs).
        let mut includes = mounts.includes;
        let (mut lending, qemu_user) =
            plan::share_with_qemu(&mut state, qemu_group, &mut includes)?;
        spec.mounts = super::launch::guest_mounts(&config, &layout, backend, mounts.guest);
        super::launch::extend_grants(&mut spec);
        spec.includes = includes;
        spec.networks = guest_interfaces;
        spec.disks = disks.tags;
        super::launch::write_spec(&spec, &state)?;
        write_private(&state.path().join(CONFIG_FILE), saved.as_bytes())?;
        state.write_file(CONNECTION_FILE, format!("{uri}\n").as_bytes(), false)?;
        let xml = match backend {
            Backend::Lxc => builder::container::build(&config, &layout),
            Backend::Qemu => {
                let mut qemu_files = Vec::new();
                if let (Some(lending), Some((uid, gid))) = (lending.as_mut(), qemu_user) {
                    qemu_files = super::qemu_host::files_qemu_opens(&layout)?;
                    if data_options.image_size.is_some() {
                        // The image is in the (owner-only) data directory.
                        lending.lend_search("the service's data", &data)?;
                    }
                    for (what, path) in &qemu_files {
                        lending.lend(what, path)?;
                    }
                    let kvm_device = Path::new("/dev/kvm");
                    if kvm && !super::lending::may_read_write(kvm_device, uid, gid) {
                        lending.lend("KVM", kvm_device)?;
                    }
                }
                let mut boot =
                    plan::BootRequest::new(&config, &layout, qemu_user, qemu_files).resolve()?;
                // The shared cache may evict its kernel and initrd: the
                // service boots from copies of its own.
                for (file, path) in [
                    ("vmlinuz", &mut boot.kernel),
                    ("initrd.img", &mut boot.initrd),
                ] {
                    let bytes = std::fs::read(&*path).map_err(|e| {
                        error(
                            SandboxError::Io,
                            format!("cannot read '{}': {e}", path.display()),
                        )
                    })?;
                    state.write_file(file, &bytes, true)?;
                    *path = state.path().join(file);
                }
                builder::machine::build(&config, &layout, &boot)
            }
        };
        glib::g_debug!("LibvirtSandbox", "defining domain:\n{xml}");
        conn.define_domain_xml(&xml)
            .map_err(|e| libvirt_error(&format!("cannot define the service '{name}'"), e))?;
        // Everything it needs at boot stays until undefine().
        state.persist();
        data_dir.keep();
        undo_mount_points.keep();
        if let Some(lending) = lending {
            lending.persist();
        }
        Ok(())
    }

    /// Undefines the service: calls the class's `undefine` virtual method,
    /// by default [`default_undefine`](Self::default_undefine).
    pub fn undefine(&self) -> crate::Result<()> {
        super::vfuncs::invoke_service(self, super::vfuncs::ServiceSlot::Undefine)
    }

    /// The default `undefine`: destroys the service's domain if it runs,
    /// undefines it, gives back what its QEMU was lent and removes its
    /// directories.
    pub fn default_undefine(&self) -> crate::Result<()> {
        let context = self.context();
        context.try_config()?;
        require_root("undefine a service")?;
        context.imp().check_idle()?;
        let (conn, _) = context.imp().conn()?;
        let name = self.name()?;
        let dir = config_dir(&name);
        let data = data_dir(&name);
        let ours = dir.exists();
        match conn.lookup_domain_by_name(&name) {
            Ok(_) if !ours => {
                return Err(error(
                    SandboxError::InvalidArgument,
                    format!(
                        "the libvirt domain '{name}' is no service of libvirt-sandbox (there is \
                         no {}): it is left alone",
                        dir.display()
                    ),
                ));
            }
            Ok(domain) => {
                base::destroy_domain(&domain)?;
                domain.undefine().map_err(|e| {
                    libvirt_error(&format!("cannot undefine the service '{name}'"), e)
                })?;
            }
            Err(_) if !ours && !data.exists() => return Err(missing(&name)),
            Err(_) => {}
        }
        context.imp().running.borrow_mut().take();
        super::lending::give_back_recorded(&dir);
        let others: Vec<PathBuf> = list().iter().map(|n| config_dir(n)).collect();
        service_systemd::remove_mount_points(&dir, &others);
        remove_tree(&dir)?;
        if !self.imp().keep_data.get() {
            remove_tree(&data)?;
        }
        super::lxc_leftovers::remove(&conn, &name);
        context.notify("domain");
        Ok(())
    }

    /// Starts the defined service's domain; the context then holds it
    /// (dropping the context leaves the service running: stop it with
    /// [`Context::stop`]).
    pub(crate) fn start_service(&self) -> crate::Result<()> {
        let context = self.context();
        context.imp().check_idle()?;
        if context.is_attached() {
            return Err(error(
                SandboxError::AlreadyRunning,
                "the context is already attached to the service",
            ));
        }
        let (conn, _) = context.imp().conn()?;
        let name = self.name()?;
        if !config_dir(&name).exists() {
            return Err(missing(&name));
        }
        let domain = stopped_domain(&conn, &name)?;
        domain
            .create()
            .map_err(|e| libvirt_error(&format!("cannot start the service '{name}'"), e))?;
        context.imp().attach()
    }

    /// Whether the service's domain runs.
    pub fn is_running(&self) -> crate::Result<bool> {
        let (conn, _) = self.context().imp().conn()?;
        let name = self.name()?;
        match conn.lookup_domain_by_name(&name) {
            Ok(domain) => domain
                .is_active()
                .map_err(|e| libvirt_error(&format!("cannot ask about '{name}'"), e)),
            Err(_) => Err(missing(&name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_live_on_the_system_uris_only() {
        for good in ["lxc:///", "lxc://", "qemu:///system", "qemu:///system/"] {
            assert!(check_uri(good).is_ok(), "{good}");
        }
        for bad in ["qemu:///session", "test:///default", "xen:///", ""] {
            let e = check_uri(bad).unwrap_err();
            assert!(
                e.message().contains("cannot hold a service sandbox"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn the_services_root_is_covered_unless_a_mount_decides() {
        let config = crate::config::ConfigServiceGeneric::new("svc");
        let base: &Config = config.upcast_ref();
        let dirs = private_dirs(base, vec!["/tmp".to_owned()]);
        assert_eq!(dirs, ["/tmp", SERVICES_ROOT]);
        base.add_mount_strv(&["ram:/etc/libvirt-sandbox=1M"])
            .unwrap();
        assert_eq!(private_dirs(base, Vec::new()), Vec::<String>::new());
        let rooted = crate::config::ConfigServiceGeneric::new("svc2");
        rooted.upcast_ref::<Config>().set_root("/srv/root");
        assert_eq!(
            private_dirs(rooted.upcast_ref(), Vec::new()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn data_options_are_recorded_beside_the_config() {
        let config = crate::config::ConfigServiceGeneric::new("svc");
        let base: &Config = config.upcast_ref();
        base.add_mount_strv(&["host-bind:/srv="]).unwrap();
        let options = DataOptions {
            root: Some("/srv/services".into()),
            image_size: Some(16 << 20),
            copy: true,
        };
        let saved = record_data_options(&base.save_to_data(), &options);
        let file = glib::KeyFile::new();
        file.load_from_data(&saved, glib::KeyFileFlags::NONE)
            .unwrap();
        assert_eq!(recorded_data_options(&file), options);
        // The config still loads from it, the same.
        let loaded = Config::load_from_data(&saved).unwrap();
        assert_eq!(loaded.save_to_data(), base.save_to_data());
        // Nothing recorded: the defaults.
        let plain = glib::KeyFile::new();
        plain
            .load_from_data(&base.save_to_data(), glib::KeyFileFlags::NONE)
            .unwrap();
        assert_eq!(recorded_data_options(&plain), DataOptions::default());
    }

    #[test]
    fn data_roots_and_image_sizes_are_checked() {
        let e = check_data_root(Path::new("relative/dir")).unwrap_err();
        assert!(
            e.message()
                .contains("'relative/dir' is not an absolute path"),
            "{e}"
        );
        let e = check_data_root(Path::new("/proc/self/status")).unwrap_err();
        assert!(e.message().contains("is not a directory"), "{e}");
        let e = check_data_root(Path::new("/nonexistent-sbx")).unwrap_err();
        assert!(e.message().contains("give an existing directory"), "{e}");
        assert!(check_data_root(Path::new("/var/tmp")).is_ok());
        assert!(
            check_image_size(1024)
                .unwrap_err()
                .message()
                .contains("at least 1M")
        );
        assert!(check_image_size(1 << 20).is_ok());
    }

    #[test]
    fn the_data_mounts_are_fresh_binds_or_with_copy_all_binds() {
        let config = crate::config::ConfigServiceGeneric::new("svc");
        let base: &Config = config.upcast_ref();
        base.add_mount_strv(&[
            "host-bind:/var/lib/app/cache=",
            "host-bind:/etc/app=/etc",
            "ram:/tmp=1M",
            "host-bind:/var/lib/app=",
        ])
        .unwrap();
        let targets = |copy| {
            chosen_data_mounts(base, copy)
                .unwrap()
                .into_iter()
                .map(|(_, target, source)| (target, source))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            targets(false),
            [
                ("/var/lib/app".to_owned(), None),
                ("/var/lib/app/cache".to_owned(), None)
            ]
        );
        assert_eq!(
            targets(true),
            [
                ("/etc/app".to_owned(), Some("/etc".to_owned())),
                ("/var/lib/app".to_owned(), None),
                ("/var/lib/app/cache".to_owned(), None)
            ]
        );
        let rooted = crate::config::ConfigServiceGeneric::new("svc2");
        let root: &Config = rooted.upcast_ref();
        root.add_mount_strv(&["host-bind:/=/srv/root"]).unwrap();
        assert!(chosen_data_mounts(root, false).unwrap().is_empty());
        let e = chosen_data_mounts(root, true).unwrap_err();
        assert!(e.message().contains("cannot be mounted there"), "{e}");
    }

    #[test]
    fn a_missing_service_is_named() {
        let e = load_config("sbx-no-such-service").unwrap_err();
        assert!(e.matches(SandboxError::NotRunning), "{e}");
        assert!(
            e.message().contains("'sbx-no-such-service' does not exist"),
            "{e}"
        );
        assert!(load_config("../etc").is_err());
    }
}
