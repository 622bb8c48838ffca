// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of the mount classes (see `libvirt-sandbox-config-mount.h`) and of the
//! mount and include methods of `GVirSandboxConfig` (see
//! `libvirt-sandbox-config-mounts.h`).

use std::ffi::{CStr, c_char};
use std::ptr;

use glib::ffi::{GError, GHashTable, GList, GType, gboolean, gpointer};
use glib::prelude::*;
use glib::translate::*;

use super::config::{GVirSandboxConfig, parse_opts, parse_strv};
use super::{
    c_name, gbool, guard, instance, opt_str_arg, return_if_fail_warning, str_arg, string_getter,
    string_setter, value_property, with_instance,
};
use libvirt_sandbox::config::options::DiskFormat;
use libvirt_sandbox::config::{
    Config, ConfigMount, ConfigMountFile, ConfigMountGuestBind, ConfigMountHostBind,
    ConfigMountHostImage, ConfigMountRam,
};

/// C names of the instance types.
pub type GVirSandboxConfigMount = <ConfigMount as ObjectType>::GlibType;
pub type GVirSandboxConfigMountFile = <ConfigMountFile as ObjectType>::GlibType;
pub type GVirSandboxConfigMountHostBind = <ConfigMountHostBind as ObjectType>::GlibType;
pub type GVirSandboxConfigMountHostImage = <ConfigMountHostImage as ObjectType>::GlibType;
pub type GVirSandboxConfigMountGuestBind = <ConfigMountGuestBind as ObjectType>::GlibType;
pub type GVirSandboxConfigMountRam = <ConfigMountRam as ObjectType>::GlibType;

/// Returns a new list holding a new reference to each mount (transfer full).
fn mount_list_ret(mounts: &[ConfigMount]) -> *mut GList {
    mounts.iter().rev().fold(ptr::null_mut(), |list, mount| {
        let mount: *mut GVirSandboxConfigMount = mount.clone().into_glib_ptr();
        // SAFETY: prepending to a list we own; the element owns one reference.
        unsafe { glib::ffi::g_list_prepend(list, mount.cast()) }
    })
}

// ---- get_type --------------------------------------------------------------

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_mount_get_type() -> GType {
    ConfigMount::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_mount_file_get_type() -> GType {
    ConfigMountFile::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_mount_host_bind_get_type() -> GType {
    ConfigMountHostBind::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_mount_host_image_get_type() -> GType {
    ConfigMountHostImage::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_mount_guest_bind_get_type() -> GType {
    ConfigMountGuestBind::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_mount_ram_get_type() -> GType {
    ConfigMountRam::static_type().into_glib()
}

// ---- GVirSandboxConfigMount ------------------------------------------------

string_getter!(gvir_sandbox_config_mount_get_target, ConfigMount, |o| o
    .target());

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_mount_add_include(
    obj: *mut GVirSandboxConfigMount,
    srcpath: *const c_char,
    dstpath: *const c_char,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_mount_add_include);
    unsafe {
        with_instance(obj, F, (), |m: &ConfigMount| {
            let (Some(src), Some(dst)) = (
                str_arg(srcpath, F, c"srcpath"),
                str_arg(dstpath, F, c"dstpath"),
            ) else {
                return;
            };
            m.add_include(src, dst);
        })
    }
}

/// Object-data key of the `GHashTable` handed out by `get_includes`.
const INCLUDES_KEY: &CStr = c"gvir-sandbox-config-mount-includes";

unsafe extern "C" fn unref_table(table: gpointer) {
    // SAFETY: only ever registered for tables created below.
    unsafe { glib::ffi::g_hash_table_unref(table.cast()) }
}

/// The include table of `mount`, owned by the mount (created on first use and
/// kept as object data, so it lives as long as the mount), brought up to date
/// with the mount's includes. Entries are only ever added or replaced, like
/// the original's table.
unsafe fn includes_table(mount: &ConfigMount) -> *mut GHashTable {
    let obj = mount.as_ptr() as *mut glib::gobject_ffi::GObject;
    // SAFETY: a live GObject; the data stored under our key is always our table.
    unsafe {
        let mut table =
            glib::gobject_ffi::g_object_get_data(obj, INCLUDES_KEY.as_ptr()) as *mut GHashTable;
        if table.is_null() {
            table = glib::ffi::g_hash_table_new_full(
                Some(glib::ffi::g_str_hash),
                Some(glib::ffi::g_str_equal),
                Some(glib::ffi::g_free),
                Some(glib::ffi::g_free),
            );
            glib::gobject_ffi::g_object_set_data_full(
                obj,
                INCLUDES_KEY.as_ptr(),
                table.cast(),
                Some(unref_table),
            );
        }
        for (dst, src) in mount.includes() {
            let dst_c = std::ffi::CString::new(dst.as_str()).unwrap_or_default();
            let current = glib::ffi::g_hash_table_lookup(table, dst_c.as_ptr().cast());
            if current.is_null()
                || CStr::from_ptr(current as *const c_char).to_bytes() != src.as_bytes()
            {
                let key: *mut c_char = dst.to_glib_full();
                let value: *mut c_char = src.to_glib_full();
                glib::ffi::g_hash_table_insert(table, key.cast(), value.cast());
            }
        }
        table
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_mount_get_includes(
    obj: *mut GVirSandboxConfigMount,
) -> *mut GHashTable {
    const F: &CStr = c_name!(gvir_sandbox_config_mount_get_includes);
    unsafe { with_instance(obj, F, ptr::null_mut(), |m: &ConfigMount| includes_table(m)) }
}

// ---- GVirSandboxConfigMountFile ---------------------------------------------

string_getter!(
    gvir_sandbox_config_mount_file_get_source,
    ConfigMountFile,
    |o| o.source()
);
string_setter!(
    gvir_sandbox_config_mount_file_set_source,
    ConfigMountFile,
    "source",
    nullable
);

// ---- constructors ----------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_mount_host_bind_new(
    source: *const c_char,
    targetdir: *const c_char,
) -> *mut GVirSandboxConfigMountHostBind {
    const F: &CStr = c_name!(gvir_sandbox_config_mount_host_bind_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: string pointer contract of the C API.
        let Some(target) = (unsafe { str_arg(targetdir, F, c"targetdir") }) else {
            return ptr::null_mut();
        };
        let source = unsafe { opt_str_arg(source) };
        ConfigMountHostBind::new(source, target).into_glib_ptr()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_mount_host_image_new(
    source: *const c_char,
    targetdir: *const c_char,
    format: i32,
) -> *mut GVirSandboxConfigMountHostImage {
    const F: &CStr = c_name!(gvir_sandbox_config_mount_host_image_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: string pointer contract of the C API.
        let (Some(source), Some(target)) = (unsafe { str_arg(source, F, c"source") }, unsafe {
            str_arg(targetdir, F, c"targetdir")
        }) else {
            return ptr::null_mut();
        };
        let Some(format) = DiskFormat::from_value(format) else {
            return_if_fail_warning(F, c"format is a GVirConfigDomainDiskFormat");
            return ptr::null_mut();
        };
        ConfigMountHostImage::new(source, target, format).into_glib_ptr()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_mount_host_image_get_format(
    obj: *mut GVirSandboxConfigMountHostImage,
) -> i32 {
    const F: &CStr = c_name!(gvir_sandbox_config_mount_host_image_get_format);
    unsafe {
        with_instance(
            obj,
            F,
            DiskFormat::Raw as i32,
            |m: &ConfigMountHostImage| m.format() as i32,
        )
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_mount_guest_bind_new(
    source: *const c_char,
    targetdir: *const c_char,
) -> *mut GVirSandboxConfigMountGuestBind {
    const F: &CStr = c_name!(gvir_sandbox_config_mount_guest_bind_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: string pointer contract of the C API.
        let (Some(source), Some(target)) = (unsafe { str_arg(source, F, c"source") }, unsafe {
            str_arg(targetdir, F, c"targetdir")
        }) else {
            return ptr::null_mut();
        };
        ConfigMountGuestBind::new(source, target).into_glib_ptr()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_mount_ram_new(
    targetdir: *const c_char,
    usage: u64,
) -> *mut GVirSandboxConfigMountRam {
    const F: &CStr = c_name!(gvir_sandbox_config_mount_ram_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: string pointer contract of the C API.
        let Some(target) = (unsafe { str_arg(targetdir, F, c"targetdir") }) else {
            return ptr::null_mut();
        };
        ConfigMountRam::new(target, usage).into_glib_ptr()
    })
}

value_property!(
    gvir_sandbox_config_mount_ram_get_usage,
    gvir_sandbox_config_mount_ram_set_usage,
    ConfigMountRam,
    "usage",
    u64,
    u64
);

// ---- GVirSandboxConfig: mounts and includes ---------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_mount(
    obj: *mut GVirSandboxConfig,
    mnt: *mut GVirSandboxConfigMount,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_add_mount);
    unsafe {
        with_instance(obj, F, (), |c: &Config| {
            if let Some(mnt) = instance::<ConfigMount>(mnt, F) {
                c.add_mount(&*mnt);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_mounts(obj: *mut GVirSandboxConfig) -> *mut GList {
    const F: &CStr = c_name!(gvir_sandbox_config_get_mounts);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &Config| {
            mount_list_ret(&c.mounts())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_mounts_with_type(
    obj: *mut GVirSandboxConfig,
    mount_type: GType,
) -> *mut GList {
    const F: &CStr = c_name!(gvir_sandbox_config_get_mounts_with_type);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &Config| {
            mount_list_ret(&c.mounts_with_type(from_glib(mount_type)))
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_find_mount(
    obj: *mut GVirSandboxConfig,
    target: *const c_char,
) -> *mut GVirSandboxConfigMount {
    const F: &CStr = c_name!(gvir_sandbox_config_find_mount);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &Config| {
            let Some(target) = str_arg(target, F, c"target") else {
                return ptr::null_mut();
            };
            c.find_mount(target)
                .map_or(ptr::null_mut(), |m| m.into_glib_ptr())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_has_mounts(obj: *mut GVirSandboxConfig) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_has_mounts);
    unsafe { with_instance(obj, F, 0, |c: &Config| gbool(c.has_mounts())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_has_mounts_with_type(
    obj: *mut GVirSandboxConfig,
    mount_type: GType,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_has_mounts_with_type);
    unsafe {
        with_instance(obj, F, 0, |c: &Config| {
            gbool(c.has_mounts_with_type(from_glib(mount_type)))
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_has_root_mount(
    obj: *mut GVirSandboxConfig,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_has_root_mount);
    unsafe { with_instance(obj, F, 0, |c: &Config| gbool(c.has_root_mount())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_mount_opts(
    obj: *mut GVirSandboxConfig,
    mount: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_mount_opts);
    unsafe { parse_opts(obj, F, mount, error, |c, o| c.add_mount_opts(o)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_mount_strv(
    obj: *mut GVirSandboxConfig,
    mounts: *mut *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_mount_strv);
    unsafe { parse_strv(obj, F, mounts, error, |c, v| c.add_mount_strv(v)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_host_include_strv(
    obj: *mut GVirSandboxConfig,
    includes: *mut *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_host_include_strv);
    unsafe { parse_strv(obj, F, includes, error, |c, v| c.add_host_include_strv(v)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_host_include_file(
    obj: *mut GVirSandboxConfig,
    includefile: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_host_include_file);
    unsafe {
        parse_opts(obj, F, includefile, error, |c, p| {
            c.add_host_include_file(std::path::Path::new(p))
        })
    }
}
