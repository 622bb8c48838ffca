// SPDX-License-Identifier: LGPL-2.1-or-later
//! Where things are in a QEMU sandbox's guest: the 9p tags, mount points and
//! initrd layout the host's machine builder writes and init-qemu reads.

/// 9p tag of the sandbox's root, mounted read-only as `/`.
pub const ROOT_TAG: &str = "sandbox-root";
/// 9p tag of the init helpers' directory, mounted at [`INIT_DIR`].
pub const INIT_TAG: &str = "sandbox-bin";
/// 9p tag of the sandbox's state directory, mounted at [`STATE_DIR`].
pub const STATE_TAG: &str = "sandbox-state";
/// Where the init helpers appear in the guest.
pub const INIT_DIR: &str = "/dev/.libvirt-sandbox-bin";
/// Where the state directory appears in the guest.
pub const STATE_DIR: &str = "/dev/.libvirt-sandbox";
/// The launch spec, inside [`STATE_DIR`].
pub const SPEC_PATH: &str = "/dev/.libvirt-sandbox/launch.json";
/// The initrd's module directory (relative to the initrd root).
pub const MODULES_DIR: &str = "modules";
/// The initrd's module load-order file: one `GROUP FILE` a line (FILE
/// in [`MODULES_DIR`]), dependencies first.
pub const ORDER_FILE: &str = "modules/order";
/// Modules always loaded (virtio PCI, consoles).
pub const GROUP_CORE: &str = "core";
/// Modules loaded when the VM has a virtio-9p share (a 9p root).
pub const GROUP_P9: &str = "p9";
/// Modules loaded when the VM has a virtio disk (virtio_blk, ext4).
pub const GROUP_BLOCK: &str = "blk";
/// Modules loaded when the VM has a virtio NIC.
pub const GROUP_NET: &str = "net";
/// Modules loaded when the VM has a virtio-fs share (a virtio-fs root, host
/// binds: virtiofs, fuse).
pub const GROUP_FS: &str = "fs";
/// The filesystem type of the writable host binds: virtio-fs, by tag.
pub const VIRTIOFS_FSTYPE: &str = "virtiofs";
/// Kernel command-line key naming the root's file system
/// (`sandbox.fs=virtiofs`; absent: 9p).
pub const CMDLINE_FS: &str = "sandbox.fs";
/// Kernel command-line key: the helpers' directory's path in a virtio-fs
/// root (absent: the [`INIT_TAG`] share).
pub const CMDLINE_INIT: &str = "sandbox.init";
/// Kernel command-line key: the state directory's path in a virtio-fs root
/// (absent: the [`STATE_TAG`] share).
pub const CMDLINE_STATE: &str = "sandbox.state";
/// The log console (the kernel's `console=hvc0`).
pub const LOG_CONSOLE: &str = "/dev/hvc0";
/// 9p options of the state directory's share: no caching, the host
/// changes its files while the guest runs (the host binds are
/// virtio-fs, [`VIRTIOFS_FSTYPE`]).
pub const P9_RW_OPTIONS: &str = "trans=virtio,version=9p2000.L,msize=512000";
/// Where init-qemu links the virtio disks by serial, as udev would
/// (there is no udev in a sandbox).
pub const DISK_BY_ID: &str = "/dev/disk/by-id";

/// The guest path of the virtio disk with `serial`: a link init-qemu
/// makes before stage 2 (see `link_virtio_disks`).
pub fn disk_by_serial(serial: &str) -> String {
    format!("{DISK_BY_ID}/virtio-{serial}")
}
