// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of the config_mount classes. (Skeleton: to be completed.)

use glib::prelude::*;
use glib::translate::*;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_mount_get_type() -> glib::ffi::GType {
    crate::config::ConfigMount::static_type().into_glib()
}
