// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfig`: the abstract description of one sandbox.
//!
//! A config is pure data: name, root, identity, kernel choice, security label,
//! mounts, networks, disks and environment. Subclasses add the command
//! ([`ConfigInteractive`], [`ConfigServiceGeneric`], [`ConfigServiceSystemd`]).
//!
//! The class struct mirrors `GVirSandboxConfigClass` in `libvirt-sandbox-config.h`
//! (keep them in sync): three vfuncs, `load_config`, `save_config` and
//! `get_command`, so that Python, gjs and Vala subclasses can provide them.

pub mod disk;
pub mod filesystem;
mod imp;
pub mod initrd;
pub mod interactive;
pub mod keyfile;
pub mod mount;
pub mod network;

pub mod options;
pub mod service;
pub mod validate;

use glib::prelude::*;
use glib::subclass::prelude::*;
use glib::translate::*;

pub use disk::ConfigDisk;
pub use filesystem::FilesystemBackend;
pub use initrd::ConfigInitrd;
pub use interactive::ConfigInteractive;
pub use mount::{
    ConfigMount, ConfigMountFile, ConfigMountGuestBind, ConfigMountHostBind, ConfigMountHostImage,
    ConfigMountRam,
};
pub use network::{
    ConfigNetwork, ConfigNetworkAddress, ConfigNetworkFilterref, ConfigNetworkFilterrefParameter,
    ConfigNetworkRoute,
};
pub use service::{ConfigService, ConfigServiceGeneric, ConfigServiceSystemd};

pub use imp::{ConfigClass, ConfigInstance};

use crate::error::{SandboxError, error};

/// Default of `max-tasks`: enough for a build or a browser, far below what
/// starves the host (the kernel's default `pid_max` is 32768 or more).
pub const DEFAULT_MAX_TASKS: u32 = 4096;
/// Default of `memory` (KiB): the original's fixed 512 MiB.
pub const DEFAULT_MEMORY_KIB: u64 = crate::builder::MEMORY_KIB;
/// Smallest `memory` (KiB).
pub const MIN_MEMORY_KIB: u64 = 1024;
/// Smallest non-zero `cpus`: libvirt's shortest CFS quota is 1 ms of a
/// 100 ms period.
pub const MIN_CPUS: f64 = 0.01;
/// Largest `cpus`.
pub const MAX_CPUS: f64 = 1024.0;

/// Checks that `uuid` is a UUID libvirt accepts for a domain: 32 hexadecimal
/// digits, plain or in the 8-4-4-4-12 form.
pub fn check_uuid(uuid: &str) -> crate::Result<()> {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let groups: Vec<&str> = uuid.split('-').collect();
    let ok = match groups.as_slice() {
        [plain] => plain.len() == 32 && hex(plain),
        [_, _, _, _, _] => {
            groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(error(
            SandboxError::InvalidArgument,
            format!(
                "invalid UUID '{}': use 32 hexadecimal digits, plain or as in \
                 4dea22b3-1d52-d8f3-2516-782e98a23fa0",
                uuid.escape_debug()
            ),
        ))
    }
}

glib::wrapper! {
    /// The abstract base of every sandbox configuration (`GVirSandboxConfig`).
    pub struct Config(ObjectSubclass<imp::Config>);
}

/// Registers every public GType of the library, so that lookups by name (the
/// config loader, introspection) find them even before first use.
pub fn ensure_types() {
    let _ = (
        Config::static_type(),
        ConfigInteractive::static_type(),
        ConfigService::static_type(),
        ConfigServiceGeneric::static_type(),
        ConfigServiceSystemd::static_type(),
        ConfigInitrd::static_type(),
        ConfigDisk::static_type(),
    );
    mount::ensure_types();
    network::ensure_types();
}

/// Methods available on every [`Config`] and its subclasses.
impl Config {
    /// The sandbox name (construct-only).
    pub fn name(&self) -> Option<String> {
        self.imp().name.get()
    }

    /// The domain UUID (`None`: libvirt picks one).
    pub fn uuid(&self) -> Option<String> {
        self.imp().uuid.get()
    }
    /// Sets the UUID (`None` clears it), as [`try_set_uuid`](Self::try_set_uuid);
    /// a string that is not a UUID is ignored with a warning.
    pub fn set_uuid(&self, uuid: Option<&str>) {
        if let Err(e) = self.try_set_uuid(uuid) {
            glib::g_warning!(
                "LibvirtSandbox",
                "ignoring the config's uuid: {}",
                e.message()
            );
        }
    }
    /// Sets the UUID (`None` clears it). The property is construct-only, as in
    /// the original, but the original's setter writes it at any time, and so
    /// does this. A string that is not a UUID ([`check_uuid`]) is refused
    /// (`INVALID_ARGUMENT`) and the UUID stays as it was.
    pub fn try_set_uuid(&self, uuid: Option<&str>) -> crate::Result<()> {
        if let Some(uuid) = uuid {
            check_uuid(uuid)?;
        }
        self.imp().uuid.set(uuid);
        self.notify("uuid");
        Ok(())
    }

    /// The host directory used as the sandbox's `/` (default `/`).
    pub fn root(&self) -> Option<String> {
        self.imp().root.get()
    }
    pub fn set_root(&self, root: &str) {
        self.set_property("root", root);
    }

    /// The guest architecture (default: the host's `uname -m`).
    pub fn arch(&self) -> Option<String> {
        self.imp().arch.get()
    }
    pub fn set_arch(&self, arch: &str) {
        self.set_property("arch", arch);
    }

    pub fn kernrelease(&self) -> Option<String> {
        self.imp().kernrelease.get()
    }
    pub fn set_kernrelease(&self, value: Option<&str>) {
        self.set_property("kernrelease", value);
    }
    pub fn kernpath(&self) -> Option<String> {
        self.imp().kernpath.get()
    }
    pub fn set_kernpath(&self, value: Option<&str>) {
        self.set_property("kernpath", value);
    }
    pub fn kmodpath(&self) -> Option<String> {
        self.imp().kmodpath.get()
    }
    pub fn set_kmodpath(&self, value: Option<&str>) {
        self.set_property("kmodpath", value);
    }

    /// How a virtual machine's root reaches the guest (default `auto`).
    pub fn filesystem_backend(&self) -> FilesystemBackend {
        self.imp().filesystem_backend.get()
    }
    pub fn set_filesystem_backend(&self, backend: FilesystemBackend) {
        self.set_property("filesystem-backend", backend);
    }
    /// The virtiofsd to use (None: searched, see `filesystem-backend`).
    pub fn virtiofsd(&self) -> Option<String> {
        self.imp().virtiofsd.get()
    }
    pub fn set_virtiofsd(&self, value: Option<&str>) {
        self.set_property("virtiofsd", value);
    }

    /// Whether the command runs as root keeping all capabilities (otherwise it
    /// runs with none, whatever its user). An extension: the original kept
    /// them whenever the username was "root".
    pub fn privileged(&self) -> bool {
        self.imp().privileged.get()
    }
    pub fn set_privileged(&self, privileged: bool) {
        self.set_property("privileged", privileged);
    }

    /// Whether a root debug shell is offered on an extra console.
    pub fn shell(&self) -> bool {
        self.imp().shell.get()
    }
    pub fn set_shell(&self, shell: bool) {
        self.set_property("shell", shell);
    }

    pub fn userid(&self) -> u32 {
        self.imp().uid.get()
    }
    pub fn set_userid(&self, uid: u32) {
        self.set_property("uid", uid);
    }
    pub fn groupid(&self) -> u32 {
        self.imp().gid.get()
    }
    pub fn set_groupid(&self, gid: u32) {
        self.set_property("gid", gid);
    }
    pub fn username(&self) -> Option<String> {
        self.imp().username.get()
    }
    pub fn set_username(&self, name: &str) {
        self.set_property("username", name);
    }
    pub fn homedir(&self) -> Option<String> {
        self.imp().homedir.get()
    }
    pub fn set_homedir(&self, dir: &str) {
        self.set_property("homedir", dir);
    }

    pub fn security_label(&self) -> Option<String> {
        self.imp().security_label.get()
    }
    pub fn set_security_label(&self, label: Option<&str>) {
        self.set_property("security-label", label);
    }
    pub fn security_dynamic(&self) -> bool {
        self.imp().security_dynamic.get()
    }
    pub fn set_security_dynamic(&self, dynamic: bool) {
        self.set_property("security-dynamic", dynamic);
    }

    /// Parses `MODE[,label=LABEL]` (`dynamic`, `static`, `inherit`) and applies it.
    pub fn set_security_opts(&self, opts: &str) -> crate::Result<()> {
        let spec = options::parse_security(opts)?;
        match spec.mode {
            options::SecurityMode::Dynamic => {
                self.set_security_dynamic(true);
                self.set_security_label(spec.label.as_deref());
            }
            options::SecurityMode::Static => {
                self.set_security_dynamic(false);
                self.set_security_label(spec.label.as_deref());
            }
            options::SecurityMode::Inherit => match current_security_label() {
                Some(label) => {
                    self.set_security_dynamic(false);
                    self.set_security_label(Some(&label));
                }
                // The caller has no label (no SELinux or AppArmor, or it runs
                // unconfined): there is nothing to inherit, and the sandbox
                // gets the default, which on such a host is no label at all
                // (virt-bootstrap runs `--security=inherit` everywhere).
                None => {
                    self.set_security_dynamic(true);
                    self.set_security_label(None);
                }
            },
        }
        Ok(())
    }

    pub fn debug(&self) -> bool {
        self.imp().debug.get()
    }
    pub fn set_debug(&self, debug: bool) {
        self.imp().debug.set(debug);
    }
    pub fn verbose(&self) -> bool {
        self.imp().verbose.get()
    }
    pub fn set_verbose(&self, verbose: bool) {
        self.imp().verbose.set(verbose);
    }

    /// Most tasks (processes and threads) the sandbox may have at once; 0
    /// means no limit of the sandbox's own (default [`DEFAULT_MAX_TASKS`]).
    pub fn max_tasks(&self) -> u32 {
        self.imp().max_tasks.get()
    }
    pub fn set_max_tasks(&self, max_tasks: u32) {
        self.set_property("max-tasks", max_tasks);
    }

    /// The sandbox's memory in KiB (default [`DEFAULT_MEMORY_KIB`]): a
    /// virtual machine's RAM, a container's memory limit; the size of the
    /// private `/run`, `/tmp`, `/var/tmp` and `/dev/shm` too.
    pub fn memory(&self) -> u64 {
        self.imp().memory.get()
    }
    /// Sets the memory in KiB; below [`MIN_MEMORY_KIB`] it is that.
    pub fn set_memory(&self, kib: u64) {
        self.set_property("memory", kib.max(MIN_MEMORY_KIB));
    }

    /// Most CPUs' worth of time the sandbox may use (1.5: one and a half
    /// CPUs); 0 (the default) means no quota.
    pub fn cpus(&self) -> f64 {
        self.imp().cpus.get()
    }
    /// Sets the CPU quota; values outside 0 and [`MAX_CPUS`] are clamped,
    /// and a NaN is 0.
    pub fn set_cpus(&self, cpus: f64) {
        let cpus = if cpus.is_nan() { 0.0 } else { cpus };
        self.set_property("cpus", cpus.clamp(0.0, MAX_CPUS));
    }

    /// Sets one ceiling from its option syntax: `name` is `max-tasks` (a
    /// count), `memory` (a size with an optional K, M or G suffix, bytes
    /// without) or `cpus` (a decimal number).
    pub fn set_limit_opts(&self, name: &str, value: &str) -> crate::Result<()> {
        match name {
            "max-tasks" => self.set_max_tasks(options::parse_max_tasks(value)?),
            "memory" => self.set_memory(options::parse_memory(value)?),
            "cpus" => self.set_cpus(options::parse_cpus(value)?),
            other => {
                return Err(error(
                    SandboxError::InvalidArgument,
                    format!("unknown limit '{other}' (expected max-tasks, memory or cpus)"),
                ));
            }
        }
        Ok(())
    }

    /// Sets (or replaces) one environment variable of the sandboxed command.
    pub fn add_env(&self, key: &str, value: &str) {
        let mut env = self.imp().env.borrow_mut();
        match env.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_owned(),
            None => env.push((key.to_owned(), value.to_owned())),
        }
    }

    /// The environment, in insertion order.
    pub fn envs(&self) -> Vec<(String, String)> {
        self.imp().env.borrow().clone()
    }

    pub fn has_envs(&self) -> bool {
        !self.imp().env.borrow().is_empty()
    }

    /// Parses and adds one `KEY=VALUE` entry.
    pub fn add_env_opts(&self, opt: &str) -> crate::Result<()> {
        let (key, value) = options::parse_env(opt)?;
        self.add_env(&key, &value);
        Ok(())
    }

    /// Adds every `KEY=VALUE` entry; stops at the first invalid one (earlier
    /// entries stay added, as in the original).
    pub fn add_env_strv<S: AsRef<str>>(&self, opts: &[S]) -> crate::Result<()> {
        opts.iter().try_for_each(|o| self.add_env_opts(o.as_ref()))
    }

    /// The command the sandbox runs (from the subclass).
    pub fn command(&self) -> Vec<String> {
        imp::invoke_get_command(self)
    }

    /// The libvirt-sandbox GType name of this config's class.
    pub fn class_name(&self) -> &'static str {
        self.type_().name()
    }
}

/// The security label of the calling process, if the host has an LSM that gives one.
fn current_security_label() -> Option<String> {
    let raw = std::fs::read_to_string("/proc/self/attr/current").ok()?;
    let label = raw.trim_end_matches(['\0', '\n']).trim();
    // AppArmor reports "unconfined" (or "profile (mode)"); an empty label means no LSM.
    if label.is_empty() || label == "unconfined" {
        None
    } else {
        Some(label.split(" (").next().unwrap_or(label).to_owned())
    }
}

/// Trait for subclasses of [`Config`] written in Rust.
pub trait ConfigImpl: ObjectImpl + ObjectSubclass<Type: IsA<Config>> {
    /// The command line the sandbox runs.
    fn command(&self) -> Vec<String>;

    /// Writes the subclass's own groups into `keyfile` (the base part is already there).
    fn save_config(&self, _keyfile: &glib::KeyFile) {}

    /// Reads the subclass's own groups from `keyfile` (the base part is already read).
    fn load_config(&self, _keyfile: &glib::KeyFile) -> crate::Result<()> {
        Ok(())
    }
}

unsafe impl<T: ConfigImpl> IsSubclassable<T> for Config {
    fn class_init(class: &mut glib::Class<Self>) {
        Self::parent_class_init::<T>(class);
        imp::install_vfuncs::<T>(class.as_mut());
    }
}

/// Reads the class struct of `config` (for invoking its vfuncs).
pub(crate) fn class_of(config: &Config) -> &ConfigClass {
    config.class().as_ref()
}

#[allow(dead_code)]
pub(crate) fn to_glib_strv(v: &[String]) -> *mut *mut std::ffi::c_char {
    glib::StrV::from_iter(v.iter().map(|s| glib::GString::from(s.as_str()))).into_glib_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        for ok in [
            "4dea22b3-1d52-d8f3-2516-782e98a23fa0",
            "4DEA22B31D52D8F32516782E98A23FA0",
        ] {
            assert!(check_uuid(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "nope",
            "4dea22b3-1d52-d8f3-2516-782e98a23fa",
            "4dea22b31d52-d8f3-2516-782e98a23fa0",
            "4dea22b3-1d52-d8f3-2516-782e98a23fa0-",
            "4dea22b3-1d52-d8f3-2516-782e98a23fg0",
            "4dea22b3-1d52-d8f3-2516-782e98a23fé",
        ] {
            let e = check_uuid(bad).unwrap_err();
            assert!(e.matches(SandboxError::InvalidArgument), "{bad}");
        }
        let config: Config = ConfigInteractive::new("u").upcast();
        config.set_uuid(Some("4dea22b3-1d52-d8f3-2516-782e98a23fa0"));
        assert!(config.try_set_uuid(Some("bad")).is_err());
        assert_eq!(
            config.uuid().as_deref(),
            Some("4dea22b3-1d52-d8f3-2516-782e98a23fa0")
        );
        config.set_uuid(None);
        assert_eq!(config.uuid(), None);
    }

    #[test]
    fn default_identity_is_the_effective_one() {
        let config: Config = ConfigInteractive::new("id").upcast();
        assert_eq!(config.userid(), nix::unistd::geteuid().as_raw());
        assert_eq!(config.groupid(), nix::unistd::getegid().as_raw());
    }
}
