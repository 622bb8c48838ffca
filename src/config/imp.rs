// SPDX-License-Identifier: LGPL-2.1-or-later
//! Private state and class struct of `GVirSandboxConfig`.

use std::cell::{Cell, RefCell};
use std::ffi::c_char;
use std::sync::LazyLock;

use glib::ffi::{GError, GKeyFile, gboolean, gpointer};
use glib::gobject_ffi::{GObject, GObjectClass};
use glib::prelude::*;
use glib::subclass::prelude::*;
use glib::translate::*;

use super::{ConfigDisk, ConfigImpl, ConfigMount, ConfigNetwork};
use crate::util::StrField;

/// Instance struct; mirrors `struct _GVirSandboxConfig` in the header.
#[repr(C)]
pub struct ConfigInstance {
    pub parent_instance: GObject,
    /// The original's private pointer; NULL (see [`crate::abi`]).
    pub priv_: gpointer,
}

unsafe impl InstanceStruct for ConfigInstance {
    type Type = Config;
}

/// `load_config` vfunc: reads the subclass part of a key file.
pub type LoadConfigFn =
    unsafe extern "C" fn(*mut ConfigInstance, *mut GKeyFile, *mut *mut GError) -> gboolean;
/// `save_config` vfunc: writes the subclass part of a key file.
pub type SaveConfigFn = unsafe extern "C" fn(*mut ConfigInstance, *mut GKeyFile);
/// `get_command` vfunc: returns a newly allocated, NULL-terminated argv.
pub type GetCommandFn = unsafe extern "C" fn(*mut ConfigInstance) -> *mut *mut c_char;

/// Class struct; mirrors `struct _GVirSandboxConfigClass` in the header. Never
/// reorder; new vfuncs consume `padding`.
#[repr(C)]
pub struct ConfigClass {
    pub parent_class: GObjectClass,
    pub load_config: Option<LoadConfigFn>,
    pub save_config: Option<SaveConfigFn>,
    pub get_command: Option<GetCommandFn>,
    pub padding: [gpointer; 20],
}

unsafe impl ClassStruct for ConfigClass {
    type Type = Config;
}

crate::abi::assert_size!(ConfigInstance, 32);
crate::abi::assert_size!(ConfigClass, 320);

/// The state of a config, reached through the `Config` wrapper's Rust API
/// (the C API included).
#[derive(Debug)]
pub struct Config {
    pub(crate) name: StrField,
    pub(crate) uuid: StrField,
    pub(crate) root: StrField,
    pub(crate) arch: StrField,
    pub(crate) kernrelease: StrField,
    pub(crate) kernpath: StrField,
    pub(crate) kmodpath: StrField,
    pub(crate) filesystem_backend: Cell<super::FilesystemBackend>,
    pub(crate) virtiofsd: StrField,
    pub(crate) shell: Cell<bool>,
    pub(crate) privileged: Cell<bool>,
    pub(crate) uid: Cell<u32>,
    pub(crate) gid: Cell<u32>,
    pub(crate) username: StrField,
    pub(crate) homedir: StrField,
    pub(crate) security_label: StrField,
    pub(crate) security_dynamic: Cell<bool>,
    pub(crate) debug: Cell<bool>,
    pub(crate) verbose: Cell<bool>,
    pub(crate) max_tasks: Cell<u32>,
    pub(crate) memory: Cell<u64>,
    pub(crate) cpus: Cell<f64>,
    pub(crate) mounts: RefCell<Vec<ConfigMount>>,
    pub(crate) networks: RefCell<Vec<ConfigNetwork>>,
    pub(crate) disks: RefCell<Vec<ConfigDisk>>,
    /// Ordered so that saved files are deterministic.
    pub(crate) env: RefCell<Vec<(String, String)>>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            name: StrField::new(Some("sandbox")),
            uuid: StrField::default(),
            root: StrField::new(Some("/")),
            arch: StrField::new(Some(&host_arch())),
            kernrelease: StrField::default(),
            kernpath: StrField::default(),
            kmodpath: StrField::default(),
            filesystem_backend: Cell::new(super::FilesystemBackend::Auto),
            virtiofsd: StrField::default(),
            shell: Cell::new(false),
            privileged: Cell::new(false),
            uid: Cell::new(default_uid()),
            gid: Cell::new(default_gid()),
            username: StrField::new(Some(&glib::user_name().to_string_lossy())),
            homedir: StrField::new(Some(&glib::home_dir().to_string_lossy())),
            security_label: StrField::default(),
            security_dynamic: Cell::new(true),
            debug: Cell::new(false),
            verbose: Cell::new(false),
            max_tasks: Cell::new(super::DEFAULT_MAX_TASKS),
            memory: Cell::new(super::DEFAULT_MEMORY_KIB),
            cpus: Cell::new(0.0),
            mounts: RefCell::default(),
            networks: RefCell::default(),
            disks: RefCell::default(),
            env: RefCell::default(),
        }
    }
}

fn host_arch() -> String {
    // Equivalent of uname(2)'s machine field for the architectures libvirt knows.
    match std::env::consts::ARCH {
        "x86" => "i686".to_owned(),
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le".to_owned(),
        "powerpc64" => "ppc64".to_owned(),
        other => other.to_owned(),
    }
}

/// The caller's effective uid, the default `uid` (as the original's
/// `geteuid()`); never root by accident.
fn default_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// The caller's effective gid, the default `gid` (`getegid()`).
fn default_gid() -> u32 {
    nix::unistd::getegid().as_raw()
}

#[glib::object_subclass]
impl ObjectSubclass for Config {
    const NAME: &'static str = "GVirSandboxConfig";
    const ABSTRACT: bool = true;
    type Type = super::Config;
    type ParentType = glib::Object;
    type Instance = ConfigInstance;
    type Class = ConfigClass;
}

impl ObjectImpl for Config {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            use glib::{
                ParamSpecBoolean, ParamSpecDouble, ParamSpecString, ParamSpecUInt, ParamSpecUInt64,
            };
            fn s(
                name: &'static str,
                nick: &'static str,
                blurb: &'static str,
            ) -> glib::ParamSpecStringBuilder<'static> {
                ParamSpecString::builder(name).nick(nick).blurb(blurb)
            }
            vec![
                s("name", "Name", "The sandbox name")
                    .construct_only()
                    .build(),
                s("uuid", "UUID", "The sandbox UUID")
                    .construct_only()
                    .build(),
                s(
                    "root",
                    "Root",
                    "The host directory used as the sandbox root",
                )
                .default_value(Some("/"))
                .build(),
                s("arch", "Arch", "The sandbox architecture").build(),
                s(
                    "kernrelease",
                    "Kernel release",
                    "The kernel release version",
                )
                .build(),
                s("kernpath", "Kernel path", "The kernel image path").build(),
                s(
                    "kmodpath",
                    "Kernel module path",
                    "The kernel modules directory",
                )
                .build(),
                glib::ParamSpecEnum::builder_with_default(
                    "filesystem-backend",
                    super::FilesystemBackend::Auto,
                )
                .nick("Filesystem backend")
                .blurb("How a virtual machine's root reaches the guest (auto, p9, virtiofs)")
                .build(),
                s(
                    "virtiofsd",
                    "virtiofsd",
                    "The virtiofsd daemon to use (searched when unset)",
                )
                .build(),
                ParamSpecBoolean::builder("shell")
                    .nick("Shell")
                    .blurb("Offer a root debug shell on an extra console")
                    .build(),
                ParamSpecBoolean::builder("privileged")
                    .nick("Privileged")
                    .blurb("Run the command as root with all capabilities")
                    .build(),
                ParamSpecUInt::builder("uid")
                    .nick("UID")
                    .blurb("The user ID the command runs as")
                    .build(),
                ParamSpecUInt::builder("gid")
                    .nick("GID")
                    .blurb("The group ID the command runs as")
                    .build(),
                s(
                    "username",
                    "Username",
                    "The user name of the command's user",
                )
                .build(),
                s(
                    "homedir",
                    "Home",
                    "The home directory of the command's user",
                )
                .build(),
                s("security-label", "Security label", "The security label").build(),
                ParamSpecBoolean::builder("security-dynamic")
                    .nick("Security dynamic")
                    .blurb("Whether the security label is dynamically allocated")
                    .default_value(true)
                    .build(),
                ParamSpecUInt::builder("max-tasks")
                    .nick("Max tasks")
                    .blurb(
                        "Most tasks (processes and threads) the sandbox may have; 0 for no limit",
                    )
                    .default_value(super::DEFAULT_MAX_TASKS)
                    .build(),
                ParamSpecUInt64::builder("memory")
                    .nick("Memory")
                    .blurb("The sandbox's memory in KiB")
                    .minimum(super::MIN_MEMORY_KIB)
                    .default_value(super::DEFAULT_MEMORY_KIB)
                    .build(),
                ParamSpecDouble::builder("cpus")
                    .nick("CPUs")
                    .blurb("Most CPUs' worth of time the sandbox may use; 0 for no limit")
                    .minimum(0.0)
                    .maximum(super::MAX_CPUS)
                    .default_value(0.0)
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
        match pspec.name() {
            // Construct-only: GObject passes NULL when the caller gave no value; keep
            // the "sandbox" default then (the original lost it, spec §1.2).
            "name" => {
                if let Some(name) = string() {
                    self.name.set(Some(&name));
                }
            }
            // Construct-only; a value that is not a UUID is ignored with a
            // warning (GObject's set_property cannot fail).
            "uuid" => match string() {
                Some(uuid) => match super::check_uuid(&uuid) {
                    Ok(()) => self.uuid.set(Some(&uuid)),
                    Err(e) => glib::g_warning!(
                        "LibvirtSandbox",
                        "ignoring the config's uuid: {}",
                        e.message()
                    ),
                },
                None => self.uuid.set(None),
            },
            "root" => self.root.set(string().as_deref()),
            "arch" => self.arch.set(string().as_deref()),
            "kernrelease" => self.kernrelease.set(string().as_deref()),
            "kernpath" => self.kernpath.set(string().as_deref()),
            "kmodpath" => self.kmodpath.set(string().as_deref()),
            "filesystem-backend" => self
                .filesystem_backend
                .set(value.get().expect("type checked by GObject")),
            "virtiofsd" => self.virtiofsd.set(string().as_deref()),
            "shell" => self
                .shell
                .set(value.get().expect("type checked by GObject")),
            "privileged" => self
                .privileged
                .set(value.get().expect("type checked by GObject")),
            "uid" => self.uid.set(value.get().expect("type checked by GObject")),
            "gid" => self.gid.set(value.get().expect("type checked by GObject")),
            "username" => self.username.set(string().as_deref()),
            "homedir" => self.homedir.set(string().as_deref()),
            "security-label" => self.security_label.set(string().as_deref()),
            "security-dynamic" => self
                .security_dynamic
                .set(value.get().expect("type checked by GObject")),
            "max-tasks" => self
                .max_tasks
                .set(value.get().expect("type checked by GObject")),
            "memory" => self
                .memory
                .set(value.get().expect("type checked by GObject")),
            "cpus" => self.cpus.set(value.get().expect("type checked by GObject")),
            other => unreachable!("GObject only passes installed properties, got {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "name" => self.name.to_value(),
            "uuid" => self.uuid.to_value(),
            "root" => self.root.to_value(),
            "arch" => self.arch.to_value(),
            "kernrelease" => self.kernrelease.to_value(),
            "kernpath" => self.kernpath.to_value(),
            "kmodpath" => self.kmodpath.to_value(),
            "filesystem-backend" => self.filesystem_backend.get().to_value(),
            "virtiofsd" => self.virtiofsd.to_value(),
            "shell" => self.shell.get().to_value(),
            "privileged" => self.privileged.get().to_value(),
            "uid" => self.uid.get().to_value(),
            "gid" => self.gid.get().to_value(),
            "username" => self.username.to_value(),
            "homedir" => self.homedir.to_value(),
            "security-label" => self.security_label.to_value(),
            "security-dynamic" => self.security_dynamic.get().to_value(),
            "max-tasks" => self.max_tasks.get().to_value(),
            "memory" => self.memory.get().to_value(),
            "cpus" => self.cpus.get().to_value(),
            other => unreachable!("GObject only passes installed properties, got {other}"),
        }
    }
}

// ---- vfunc plumbing -------------------------------------------------------
//
// The class struct holds C function pointers so that subclasses written in C,
// Python, gjs or Vala can override them. Rust subclasses get trampolines that
// forward to their `ConfigImpl` methods; the invokers below call through the
// class struct, whoever filled it.

pub(super) fn install_vfuncs<T: ConfigImpl>(class: &mut ConfigClass) {
    class.get_command = Some(get_command_trampoline::<T>);
    class.save_config = Some(save_config_trampoline::<T>);
    class.load_config = Some(load_config_trampoline::<T>);
}

unsafe extern "C" fn get_command_trampoline<T: ConfigImpl>(
    ptr: *mut ConfigInstance,
) -> *mut *mut c_char {
    // SAFETY: GObject calls vfuncs with a valid instance of the class (or a
    // subclass) that installed this trampoline, so it is a `T` instance.
    let instance = unsafe { &*(ptr as *mut T::Instance) };
    let argv = instance.imp().command();
    glib::StrV::from_iter(argv.iter().map(|s| glib::GString::from(s.as_str()))).into_raw()
}

unsafe extern "C" fn save_config_trampoline<T: ConfigImpl>(
    ptr: *mut ConfigInstance,
    keyfile: *mut GKeyFile,
) {
    // SAFETY: as above; the key file is a live borrowed GKeyFile.
    let instance = unsafe { &*(ptr as *mut T::Instance) };
    let keyfile: Borrowed<glib::KeyFile> = unsafe { from_glib_borrow(keyfile) };
    instance.imp().save_config(&keyfile);
}

unsafe extern "C" fn load_config_trampoline<T: ConfigImpl>(
    ptr: *mut ConfigInstance,
    keyfile: *mut GKeyFile,
    error: *mut *mut GError,
) -> gboolean {
    // SAFETY: as above; `error` is NULL or points at a NULL GError*.
    let instance = unsafe { &*(ptr as *mut T::Instance) };
    let keyfile: Borrowed<glib::KeyFile> = unsafe { from_glib_borrow(keyfile) };
    match instance.imp().load_config(&keyfile) {
        Ok(()) => glib::ffi::GTRUE,
        Err(e) => {
            if !error.is_null() {
                // SAFETY: checked non-NULL; ownership of the GError moves to the caller.
                unsafe { *error = e.into_glib_ptr() };
            }
            glib::ffi::GFALSE
        }
    }
}

/// Calls the `get_command` vfunc of `config`'s class.
pub(super) fn invoke_get_command(config: &super::Config) -> Vec<String> {
    let class = super::class_of(config);
    match class.get_command {
        // SAFETY: the vfunc contract (header): takes the instance, returns a new
        // NULL-terminated string array (transfer full) or NULL.
        Some(f) => unsafe {
            let argv = f(config.as_ptr());
            if argv.is_null() {
                Vec::new()
            } else {
                glib::StrV::from_glib_full(argv)
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            }
        },
        None => Vec::new(),
    }
}

/// Calls the `save_config` vfunc of `config`'s class, if any.
pub(super) fn invoke_save_config(config: &super::Config, keyfile: &glib::KeyFile) {
    if let Some(f) = super::class_of(config).save_config {
        // SAFETY: both pointers are live for the duration of the call.
        unsafe { f(config.as_ptr(), keyfile.to_glib_none().0) }
    }
}

/// Calls the `load_config` vfunc of `config`'s class, if any.
pub(super) fn invoke_load_config(
    config: &super::Config,
    keyfile: &glib::KeyFile,
) -> crate::Result<()> {
    let Some(f) = super::class_of(config).load_config else {
        return Ok(());
    };
    let mut error = std::ptr::null_mut();
    // SAFETY: live pointers; `error` receives a GError we take ownership of.
    let ok = unsafe { f(config.as_ptr(), keyfile.to_glib_none().0, &mut error) };
    if ok == glib::ffi::GFALSE {
        if error.is_null() {
            return Err(crate::error::error(
                crate::error::SandboxError::InvalidConfig,
                "the config class's load_config failed without saying why",
            ));
        }
        // SAFETY: a GError we own.
        return Err(unsafe { from_glib_full(error) });
    }
    Ok(())
}
