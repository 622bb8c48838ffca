// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt-sandbox: run host programs inside isolated libvirt LXC containers or
//! QEMU virtual machines.
//!
//! The crate is layered as in the architecture map (README "Layout"):
//! - [`config`]: the GObject configuration classes (pure data);
//! - [`builder`]: Config + layout -> domain XML and initrd bytes (pure);
//! - [`boot`]: the host boot work of QEMU sandboxes (kernel, KVM, vmlinux,
//!   initrd and their cache);
//! - [`context`], [`console`]: a sandbox's lifecycle and its consoles;
//! - [`builder_class`]: the original's GVirSandboxBuilder* classes;
//! - [`gvir`]: the libvirt-gobject/libvirt-gconfig interop (bindings we import);
//! - the `extern "C"` exports behind `libvirt-sandbox-1.0.so` are the
//!   `libvirt-sandbox-capi` crate (`capi/`), a thin layer over this crate's
//!   Rust API that nothing here can use (the classes' own virtual-method
//!   trampolines, `extern "C"` by nature, live with their classes and share
//!   [`boundary`]'s helpers with it);
//! - [`error`]: the `GVirSandboxError` GError domain.
//!
//! What the host shares with the guest init is the `sandbox_proto` crate.

mod abi;
pub mod boot;
#[doc(hidden)]
pub mod boundary;
pub mod builder;
pub mod builder_class;
pub mod config;
pub mod console;
pub mod context;
pub mod error;
#[cfg(test)]
mod fuzz_tests;
pub mod gvir;
mod util;

pub use error::{Error, Result};

/// Initializes the library and libvirt-gobject (which in turn initializes
/// libvirt-glib and GObject). Safe to call more than once.
pub fn init_check() -> Result<()> {
    // Registering every public type up front makes `g_type_from_name` (used by
    // the config loader and by introspection users) see them all.
    config::ensure_types();
    // The original's switch: any value but the empty string.
    if std::env::var_os(DEBUG_ENV).is_some_and(|v| !v.is_empty()) {
        enable_debug_messages();
    }
    Ok(())
}

/// The environment variable that makes [`init_check`] show the library's
/// debug messages, as the original did.
pub const DEBUG_ENV: &str = "LIBVIRT_SANDBOX_DEBUG";

/// The log domain of the library's messages.
pub const LOG_DOMAIN: &str = "LibvirtSandbox";

/// Shows the library's debug messages (log domain `LibvirtSandbox`) on
/// standard error, as `G_MESSAGES_DEBUG=LibvirtSandbox` would, in GLib's
/// format (`(PROGRAM:PID): LibvirtSandbox-DEBUG: HH:MM:SS.mmm: MESSAGE`).
/// `LIBVIRT_SANDBOX_DEBUG` and virt-sandbox's `--debug` call it.
/// Idempotent.
pub fn enable_debug_messages() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        glib::log_set_handler(
            Some(LOG_DOMAIN),
            glib::LogLevels::LEVEL_DEBUG,
            false,
            false,
            |domain, _, message| {
                let program = glib::prgname().map_or_else(|| "process".into(), |p| p.to_string());
                let time = glib::DateTime::now_local()
                    .and_then(|t| t.format("%H:%M:%S.%f"))
                    .map(|t| t.chars().take(12).collect::<String>())
                    .unwrap_or_default();
                // Not eprintln!: a closed stderr (`2>&1 | head`) would
                // panic inside a GLib callback and abort the program.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "({program}:{}): {}-DEBUG: {time}: {message}",
                    std::process::id(),
                    domain.unwrap_or(LOG_DOMAIN),
                );
            },
        );
    });
}
