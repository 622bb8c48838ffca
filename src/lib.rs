// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt-sandbox: run host programs inside isolated libvirt LXC containers or
//! QEMU virtual machines.
//!
//! The crate is layered as in `devel-docs`/the architecture map:
//! - [`config`]: the GObject configuration classes (pure data);
//! - [`capi`]: the `extern "C"` exports behind `libvirt-sandbox-1.0.so` (the only
//!   place with FFI code, apart from the GObject vfunc trampolines of abstract
//!   classes, which must be `extern "C"` by nature);
//! - [`error`]: the `GVirSandboxError` GError domain.

pub mod builder;
pub mod builder_class;
pub mod capi;
pub mod config;
pub mod console;
pub mod context;
pub mod error;
#[cfg(test)]
mod fuzz_tests;
mod util;

pub use error::{Error, Result};

/// Initializes the library and libvirt-gobject (which in turn initializes
/// libvirt-glib and GObject). Safe to call more than once.
pub fn init_check() -> Result<()> {
    // Registering every public type up front makes `g_type_from_name` (used by
    // the config loader and by introspection users) see them all.
    config::ensure_types();
    Ok(())
}
