// SPDX-License-Identifier: LGPL-2.1-or-later
//! The guest side of libvirt-sandbox. What it shares with the host (the
//! wire protocol, the launch spec, the guest layout) is the
//! `libvirt-sandbox-proto` crate, re-exported here as [`protocol`],
//! [`launch`] and [`files`]:
//!
//! - [`guest`]: the init's stage 2, common to LXC and QEMU: set up, run the
//!   command, carry its stdio and exit status, end the sandbox;
//! - [`isolation`]: the walls between the command and the host (user
//!   namespace, masks, capabilities, seccomp, task limit);
//! - [`net`] and [`dhcp`]: the network interfaces, with udhcpc or the
//!   built-in DHCP client;
//! - [`qemu`]: stage 1 of QEMU sandboxes (the initrd's /init).
//!
//! No glib here: the init helpers are small static binaries.

pub mod dhcp;
#[cfg(test)]
mod fuzz_tests;
pub mod guest;
pub mod isolation;
pub mod net;
pub mod qemu;
mod sys;

pub use sandbox_proto::{files, launch, protocol};
