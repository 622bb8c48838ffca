// SPDX-License-Identifier: LGPL-2.1-or-later
//! The guest side of libvirt-sandbox, and what it shares with the host.
//!
//! - [`protocol`]: the host <-> guest wire protocol (used by both sides);
//! - [`launch`]: the launch spec the host writes and the init reads;
//! - [`guest`]: the init's stage 2, common to LXC and QEMU: set up, run the
//!   command, carry its stdio and exit status, end the sandbox;
//! - [`qemu`]: stage 1 of QEMU sandboxes (the initrd's /init).
//!
//! No glib here: the init helpers are small static binaries.

pub mod files;
pub mod guest;
pub mod launch;
pub mod net;
pub mod protocol;
pub mod qemu;
mod sys;
