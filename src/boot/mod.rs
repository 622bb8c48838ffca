// SPDX-License-Identifier: LGPL-2.1-or-later
//! Host boot work for QEMU sandboxes: everything the machine builder needs
//! from the host that is I/O, kept out of [`crate::builder`] so the builders
//! stay pure. Finding the host kernel and its modules ([`kernel`]), probing
//! KVM ([`kvm`]), extracting a directly bootable vmlinux from a bzImage
//! ([`vmlinux`]), reading the host's kernel modules into the initrd
//! ([`initrd`]; the archive itself is [`crate::builder::initrd`]'s), the
//! firmware ([`default_firmware`]), and the content-addressed cache the
//! vmlinux and the initrd live in ([`cache`]).

pub mod cache;
pub mod initrd;
pub mod kernel;
pub mod kvm;
pub mod vmlinux;

use std::path::PathBuf;

pub use kvm::kvm_usable;

/// qboot ([`crate::builder::machine::QBOOT`]) when it is installed (it boots
/// PVH kernels and bzImages alike and skips SeaBIOS's option ROMs and boot
/// menu: seconds under TCG).
pub fn default_firmware() -> Option<PathBuf> {
    let qboot = PathBuf::from(crate::builder::machine::QBOOT);
    qboot.is_file().then_some(qboot)
}
