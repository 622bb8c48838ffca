// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxConfigDisk` (see `libvirt-sandbox-config-disk.h`).

use std::ffi::{CStr, c_char};
use std::ptr;

use glib::ffi::GType;
use glib::ffi::{GError, GList, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::config::{GVirSandboxConfig, parse_opts, parse_strv};
use super::config_network::list_ret;
use super::{
    c_name, gbool, guard, instance, return_if_fail_warning, str_arg, string_getter, with_instance,
};
use libvirt_sandbox::config::{Config, ConfigDisk};

/// C name of the instance type.
pub type GVirSandboxConfigDisk = <ConfigDisk as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_disk_get_type() -> GType {
    ConfigDisk::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_disk_new(
    disk_type: i32,
    tag: *const c_char,
    source: *const c_char,
    format: i32,
) -> *mut GVirSandboxConfigDisk {
    const F: &CStr = c_name!(gvir_sandbox_config_disk_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: string pointer contract of the C API.
        let (Some(tag), Some(source)) = (unsafe { str_arg(tag, F, c"tag") }, unsafe {
            str_arg(source, F, c"source")
        }) else {
            return ptr::null_mut();
        };
        match ConfigDisk::from_values(disk_type, tag, source, format) {
            Some(disk) => disk.into_glib_ptr(),
            None => {
                return_if_fail_warning(
                    F,
                    c"type is a GVirConfigDomainDiskType and format a GVirConfigDomainDiskFormat",
                );
                ptr::null_mut()
            }
        }
    })
}

string_getter!(gvir_sandbox_config_disk_get_tag, ConfigDisk, |o| o.tag());
string_getter!(gvir_sandbox_config_disk_get_source, ConfigDisk, |o| o
    .source());

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_disk_get_disk_type(
    obj: *mut GVirSandboxConfigDisk,
) -> i32 {
    const F: &CStr = c_name!(gvir_sandbox_config_disk_get_disk_type);
    unsafe { with_instance(obj, F, 0, |d: &ConfigDisk| d.disk_type_value()) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_disk_get_format(
    obj: *mut GVirSandboxConfigDisk,
) -> i32 {
    const F: &CStr = c_name!(gvir_sandbox_config_disk_get_format);
    unsafe { with_instance(obj, F, 0, |d: &ConfigDisk| d.format_value()) }
}

// ---- GVirSandboxConfig disk methods (libvirt-sandbox-config-networks.h) ----

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_disk(
    obj: *mut GVirSandboxConfig,
    disk: *mut GVirSandboxConfigDisk,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_add_disk);
    unsafe {
        with_instance(obj, F, (), |c: &Config| {
            let Some(disk) = instance::<ConfigDisk>(disk, F) else {
                return;
            };
            // The void C function cannot report an error: a used tag is a
            // precondition failure, as g_return_if_fail would report it.
            if let Err(e) = c.add_disk(&disk) {
                glib::g_critical!("LibvirtSandbox", "{}: {}", F.to_string_lossy(), e.message());
            }
        })
    }
}

/// Returns a new list of the config's disks, each with a reference (transfer full).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_disks(obj: *mut GVirSandboxConfig) -> *mut GList {
    const F: &CStr = c_name!(gvir_sandbox_config_get_disks);
    unsafe { with_instance(obj, F, ptr::null_mut(), |c: &Config| list_ret(&c.disks())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_has_disks(obj: *mut GVirSandboxConfig) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_has_disks);
    unsafe { with_instance(obj, F, 0, |c: &Config| gbool(c.has_disks())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_disk_opts(
    obj: *mut GVirSandboxConfig,
    disk: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_disk_opts);
    unsafe { parse_opts(obj, F, disk, error, |c, o| c.add_disk_opts(o)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_disk_strv(
    obj: *mut GVirSandboxConfig,
    disks: *mut *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_disk_strv);
    unsafe { parse_strv(obj, F, disks, error, |c, v| c.add_disk_strv(v)) }
}
