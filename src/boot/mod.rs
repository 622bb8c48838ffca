// SPDX-License-Identifier: LGPL-2.1-or-later
//! Host boot work for QEMU sandboxes: everything the machine builder needs
//! from the host that is I/O, kept out of [`crate::builder`] so the builders
//! stay pure. Finding the host kernel and its modules ([`kernel`]), probing
//! KVM ([`kvm`]), extracting a directly bootable vmlinux from a bzImage
//! ([`vmlinux`]), and the content-addressed cache both the vmlinux and the
//! initrd live in ([`cache`]).

pub mod cache;
pub mod kernel;
pub mod kvm;
pub mod vmlinux;
