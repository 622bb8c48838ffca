// SPDX-License-Identifier: LGPL-2.1-or-later
//! Private state, instance and class structs of `GVirSandboxBuilder`, and
//! the default implementations of its virtual methods.

use std::cell::RefCell;
use std::ffi::{CStr, c_char};
use std::sync::LazyLock;

use glib::ffi::{GError, GList, gboolean, gpointer};
use glib::gobject_ffi::{GObject, GObjectClass};
use glib::prelude::*;
use glib::subclass::prelude::*;
use glib::translate::*;

use crate::config::{Config, ConfigDisk};
use crate::gvir::{ConfigDomain, Connection, ffi::GVirConfigDomain};

type ConfigPtr = *mut <Config as ObjectType>::GlibType;
type DiskPtr = *mut <ConfigDisk as ObjectType>::GlibType;

/// Instance struct; mirrors `struct _GVirSandboxBuilder` in the header
/// (the original's `{ GObject parent; GVirSandboxBuilderPrivate *priv; }`;
/// the state lives in GObject's private area, `priv` stays NULL).
#[repr(C)]
pub struct BuilderInstance {
    pub parent: GObject,
    pub priv_: gpointer,
}

unsafe impl InstanceStruct for BuilderInstance {
    type Type = Builder;
}

/// `construct_basic` ... `construct_domain`: fill `domain` for `config`
/// with its private files in `statedir`.
pub type ConstructFn = unsafe extern "C" fn(
    *mut BuilderInstance,
    ConfigPtr,
    *const c_char,
    *mut GVirConfigDomain,
    *mut *mut GError,
) -> gboolean;
/// `clean_post_start`, `clean_post_stop`.
pub type CleanFn = unsafe extern "C" fn(
    *mut BuilderInstance,
    ConfigPtr,
    *const c_char,
    *mut *mut GError,
) -> gboolean;
/// `get_disk_prefix`: the device name prefix of the config's disks.
pub type DiskPrefixFn =
    unsafe extern "C" fn(*mut BuilderInstance, ConfigPtr, DiskPtr) -> *const c_char;
/// `get_files_to_copy`: a new list of new strings.
pub type FilesFn = unsafe extern "C" fn(*mut BuilderInstance, ConfigPtr) -> *mut GList;

/// Class struct; mirrors `struct _GVirSandboxBuilderClass` in the header:
/// the original's slots in its order, then its padding (376 bytes). Never
/// reorder; new vfuncs consume `padding`.
#[repr(C)]
pub struct BuilderClass {
    pub parent_class: GObjectClass,
    pub construct_basic: Option<ConstructFn>,
    pub construct_os: Option<ConstructFn>,
    pub construct_features: Option<ConstructFn>,
    pub construct_devices: Option<ConstructFn>,
    pub construct_security: Option<ConstructFn>,
    pub construct_domain: Option<ConstructFn>,
    pub clean_post_start: Option<CleanFn>,
    pub clean_post_stop: Option<CleanFn>,
    pub get_disk_prefix: Option<DiskPrefixFn>,
    pub get_files_to_copy: Option<FilesFn>,
    pub padding: [gpointer; 20],
}

unsafe impl ClassStruct for BuilderClass {
    type Type = Builder;
}

#[derive(Default)]
pub struct Builder {
    pub(crate) connection: RefCell<Option<Connection>>,
}

#[glib::object_subclass]
impl ObjectSubclass for Builder {
    const NAME: &'static str = "GVirSandboxBuilder";
    const ABSTRACT: bool = true;
    type Type = super::Builder;
    type ParentType = glib::Object;
    type Instance = BuilderInstance;
    type Class = BuilderClass;

    fn class_init(class: &mut Self::Class) {
        class.construct_basic = Some(construct_part);
        class.construct_os = Some(construct_part);
        class.construct_features = Some(construct_part);
        class.construct_devices = Some(construct_part);
        class.construct_security = Some(construct_part);
        class.construct_domain = Some(construct_domain);
        class.clean_post_start = Some(clean_post_start);
        class.clean_post_stop = Some(clean_post_stop);
        class.get_disk_prefix = Some(disk_prefix);
        class.get_files_to_copy = Some(files_to_copy);
    }
}

impl ObjectImpl for Builder {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecObject::builder::<Connection>("connection")
                    .nick("Connection")
                    .blurb("The libvirt connection")
                    .construct_only()
                    .build(),
            ]
        });
        PROPS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        match pspec.name() {
            "connection" => {
                *self.connection.borrow_mut() = value.get().expect("type checked by GObject")
            }
            other => unreachable!("unknown property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "connection" => self.connection.borrow().to_value(),
            other => unreachable!("unknown property {other}"),
        }
    }
}

// ---- default virtual methods ------------------------------------------------
//
// They are C function pointers so that subclasses in C, Python, gjs or Vala
// can override them (and chain up); the invokers in `super` call through the
// class struct, whoever filled it.

/// Borrows the arguments every vfunc gets.
///
/// # Safety
/// `builder` is a live `GVirSandboxBuilder`, `config` a live
/// `GVirSandboxConfig` (GObject calls vfuncs with the instance whose class
/// holds them; the invokers check `config`), `statedir` NULL or a string.
unsafe fn args(
    builder: *mut BuilderInstance,
    config: ConfigPtr,
    statedir: *const c_char,
) -> (
    Borrowed<super::Builder>,
    Borrowed<Config>,
    std::path::PathBuf,
) {
    // SAFETY: caller contract.
    unsafe {
        let statedir = if statedir.is_null() {
            std::path::PathBuf::new()
        } else {
            std::path::PathBuf::from(
                <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(
                    CStr::from_ptr(statedir).to_bytes(),
                ),
            )
        };
        (
            from_glib_borrow(builder as *mut <super::Builder as ObjectType>::GlibType),
            from_glib_borrow(config),
            statedir,
        )
    }
}

/// Stores `result`'s error in `error`, returns whether it succeeded.
///
/// # Safety
/// `error` is NULL or a `GError **` pointing at NULL.
unsafe fn report(result: crate::Result<()>, error: *mut *mut GError) -> gboolean {
    match result {
        Ok(()) => glib::ffi::GTRUE,
        Err(e) => {
            if !error.is_null() {
                // SAFETY: caller contract; the GError moves to the caller.
                unsafe { *error = e.into_glib_ptr() };
            }
            glib::ffi::GFALSE
        }
    }
}

/// The default `construct_basic` ... `construct_security`: nothing to add.
/// The whole domain comes from one writer (see `construct_domain`); a
/// subclass overriding one of these adds to it.
unsafe extern "C" fn construct_part(
    _builder: *mut BuilderInstance,
    _config: ConfigPtr,
    _statedir: *const c_char,
    _domain: *mut GVirConfigDomain,
    _error: *mut *mut GError,
) -> gboolean {
    glib::ffi::GTRUE
}

/// The default `construct_domain`: fills `domain` with the XML a start of
/// the config would create ([`super::Builder::domain_xml`]), then calls
/// the `construct_basic` ... `construct_security` slots in that order.
unsafe extern "C" fn construct_domain(
    builder: *mut BuilderInstance,
    config: ConfigPtr,
    statedir: *const c_char,
    domain: *mut GVirConfigDomain,
    error: *mut *mut GError,
) -> gboolean {
    // SAFETY: the vfunc contract (see `args`); `domain` is a live
    // GVirConfigDomain, `error` NULL or pointing at NULL.
    unsafe {
        let (obj, cfg, dir) = args(builder, config, statedir);
        let domain_obj: Borrowed<ConfigDomain> = from_glib_borrow(domain);
        let filled = obj
            .domain_xml(&cfg, &dir)
            .and_then(|xml| domain_obj.fill_from_xml(&xml));
        if let Err(e) = filled {
            return report(Err(e), error);
        }
        let class = &*(super::class_of(&obj) as *const BuilderClass);
        for part in [
            class.construct_basic,
            class.construct_os,
            class.construct_features,
            class.construct_devices,
            class.construct_security,
        ]
        .into_iter()
        .flatten()
        {
            if part(builder, config, statedir, domain, error) == glib::ffi::GFALSE {
                return glib::ffi::GFALSE;
            }
        }
        glib::ffi::GTRUE
    }
}

/// The default `clean_post_start`: nothing (see [`super::Builder::clean_post_start`]).
unsafe extern "C" fn clean_post_start(
    _builder: *mut BuilderInstance,
    _config: ConfigPtr,
    _statedir: *const c_char,
    _error: *mut *mut GError,
) -> gboolean {
    glib::ffi::GTRUE
}

/// The default `clean_post_stop`: removes what `construct_domain` and a
/// start wrote into the state directory.
unsafe extern "C" fn clean_post_stop(
    builder: *mut BuilderInstance,
    config: ConfigPtr,
    statedir: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    // SAFETY: the vfunc contract.
    unsafe {
        let (_, _, dir) = args(builder, config, statedir);
        report(super::clean_state_dir(&dir), error)
    }
}

/// The default `get_disk_prefix`: `sd` (containers: SCSI-named host block
/// devices) or `vd` (virtual machines: virtio disks), NULL for neither.
unsafe extern "C" fn disk_prefix(
    builder: *mut BuilderInstance,
    _config: ConfigPtr,
    _disk: DiskPtr,
) -> *const c_char {
    // SAFETY: the vfunc contract.
    let obj: Borrowed<super::Builder> =
        unsafe { from_glib_borrow(builder as *mut <super::Builder as ObjectType>::GlibType) };
    match obj.backend() {
        Ok(crate::context::Backend::Lxc) => c"sd".as_ptr(),
        Ok(crate::context::Backend::Qemu) => c"vd".as_ptr(),
        Err(_) => std::ptr::null(),
    }
}

/// The default `get_files_to_copy`: the guest init helpers the domain
/// runs (they are bound into the sandbox read-only, not copied).
unsafe extern "C" fn files_to_copy(
    builder: *mut BuilderInstance,
    _config: ConfigPtr,
) -> *mut GList {
    // SAFETY: the vfunc contract.
    let obj: Borrowed<super::Builder> =
        unsafe { from_glib_borrow(builder as *mut <super::Builder as ObjectType>::GlibType) };
    let mut list: *mut GList = std::ptr::null_mut();
    for file in obj.init_helpers().iter().rev() {
        let path: *mut c_char = file.to_string_lossy().as_ref().to_glib_full();
        // SAFETY: prepending a new string to a list we own.
        list = unsafe { glib::ffi::g_list_prepend(list, path as gpointer) };
    }
    list
}
