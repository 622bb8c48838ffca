// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of a config's file-system backend (see
//! `libvirt-sandbox-config-filesystem.h`): the
//! `GVirSandboxConfigFilesystemBackend` enum and the `filesystem-backend`
//! and `virtiofsd` properties of `GVirSandboxConfig`.

use std::ffi::CStr;

use glib::prelude::*;
use glib::translate::*;

use super::config::GVirSandboxConfig;
use super::{c_name, return_if_fail_warning, string_getter, string_setter, with_instance};
use libvirt_sandbox::config::{Config, FilesystemBackend};

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_filesystem_backend_get_type() -> glib::ffi::GType {
    FilesystemBackend::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_filesystem_backend(
    obj: *mut GVirSandboxConfig,
) -> i32 {
    const F: &CStr = c_name!(gvir_sandbox_config_get_filesystem_backend);
    unsafe {
        with_instance(obj, F, FilesystemBackend::Auto as i32, |c: &Config| {
            c.filesystem_backend() as i32
        })
    }
}

/// A value that is not a member of the enum is refused with a critical.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_set_filesystem_backend(
    obj: *mut GVirSandboxConfig,
    backend: i32,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_set_filesystem_backend);
    unsafe {
        with_instance(obj, F, (), |c: &Config| {
            let known = glib::EnumClass::with_type(FilesystemBackend::static_type())
                .and_then(|class| class.value(backend).map(|v| v.nick().to_owned()))
                .and_then(|nick| FilesystemBackend::from_nick(&nick));
            match known {
                Some(b) => c.set_filesystem_backend(b),
                None => return_if_fail_warning(
                    F,
                    c"backend is a GVirSandboxConfigFilesystemBackend value",
                ),
            }
        })
    }
}

string_getter!(gvir_sandbox_config_get_virtiofsd, Config, |o| o.virtiofsd());
string_setter!(
    gvir_sandbox_config_set_virtiofsd,
    Config,
    "virtiofsd",
    nullable
);
