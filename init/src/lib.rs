// SPDX-License-Identifier: LGPL-2.1-or-later
//! The guest side of libvirt-sandbox, and what it shares with the host.
//!
//! - [`protocol`]: the host <-> guest wire protocol (used by both sides);
//! - [`launch`]: the launch spec the host writes and the init reads;
//! - [`guest`]: the init's stage 2, common to LXC and QEMU: set up, run the
//!   command, carry its stdio and exit status, end the sandbox;
//! - [`isolation`]: the walls between the command and the host (user
//!   namespace, masks, capabilities, seccomp, task limit);
//! - [`qemu`]: stage 1 of QEMU sandboxes (the initrd's /init).
//!
//! No glib here: the init helpers are small static binaries.

pub mod files;
#[cfg(test)]
mod fuzz_tests;
pub mod guest;
pub mod isolation;
pub mod launch;
pub mod net;
pub mod protocol;
pub mod qemu;
mod sys;

/// Terminal helpers the host side shares (the unsafe ioctls live in `sys`).
pub mod terminal {
    use std::os::fd::BorrowedFd;

    /// The window size (rows, columns) of the terminal `fd`, if it is one.
    pub fn window_size(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
        crate::sys::window_size(fd)
            .ok()
            .filter(|&(r, c)| r > 0 && c > 0)
    }
}
