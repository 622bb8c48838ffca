// SPDX-License-Identifier: LGPL-2.1-or-later
//! What the host and the guest of libvirt-sandbox share, and nothing else:
//! the host library and the guest init helpers both depend on this crate,
//! so neither links the other, and every name the two must agree on is
//! defined once.
//!
//! - [`protocol`]: the host <-> guest wire protocol;
//! - [`launch`]: the launch spec the host writes and the init reads;
//! - [`layout`]: the QEMU guest's 9p tags, mount points and initrd layout;
//! - [`files`]: copying includes (the host stages them, the init copies
//!   them into the sandbox, with the same function);
//! - [`dhcp`]: where the init looks for udhcpc (without one it uses its
//!   built-in DHCP client);
//! - [`text`]: messages quoting input kept to a readable length.
//!
//! No glib and no unsafe code: the init helpers are small static binaries.

pub mod files;
pub mod launch;
pub mod layout;
pub mod protocol;
pub mod text;

/// Where the init looks for udhcpc, its first choice for `-N dhcp`.
pub mod dhcp {
    /// Where the init looks for busybox in the sandbox's root.
    pub const BUSYBOX_PATHS: [&str; 3] = ["/bin/busybox", "/usr/bin/busybox", "/sbin/busybox"];
    /// Where the init looks for a stand-alone udhcpc when there is no busybox
    /// (distributions that package it alone, or as a link to busybox).
    pub const UDHCPC_PATHS: [&str; 4] = [
        "/sbin/udhcpc",
        "/usr/sbin/udhcpc",
        "/bin/udhcpc",
        "/usr/bin/udhcpc",
    ];
}
