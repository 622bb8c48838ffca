// SPDX-License-Identifier: LGPL-2.1-or-later
//! Host boot work for QEMU sandboxes: everything the machine builder needs
//! from the host that is I/O, kept out of [`crate::builder`] so the builders
//! stay pure. Finding the host kernel and its modules ([`kernel`]), probing
//! KVM ([`kvm`]), extracting a directly bootable vmlinux from a bzImage
//! ([`vmlinux`]), reading the host's kernel modules into the initrd
//! ([`initrd`]; the archive itself is [`crate::builder::initrd`]'s), the
//! firmware ([`default_firmware`]), and the content-addressed cache the
//! vmlinux and the initrd live in ([`cache`]); [`prepare`] does it all for
//! one virtual machine.

pub mod cache;
pub mod initrd;
pub mod kernel;
pub mod kvm;
pub mod vmlinux;

use std::path::{Path, PathBuf};

pub use kvm::kvm_usable;

/// What a virtual machine boots: the files [`prepare`] chose and cached.
#[derive(Debug, Clone)]
pub struct BootFiles {
    /// The PVH vmlinux extracted from the host kernel (cached), or the
    /// bzImage itself when it has none.
    pub kernel: PathBuf,
    /// The cached initrd: the init helper and the host's modules it needs.
    pub initrd: PathBuf,
    /// Whether KVM is usable (else TCG).
    pub kvm: bool,
    /// qboot when installed ([`default_firmware`]).
    pub firmware: Option<PathBuf>,
}

/// Chooses the host kernel (`kernrelease`/`kernpath`/`kmodpath` as the
/// Config's properties give them, unset: the running kernel's), extracts
/// its vmlinux and builds the initrd around `init_qemu` (both cached),
/// and probes KVM. Seconds on a cache miss: callers run it on a worker
/// thread.
pub fn prepare(
    kernrelease: Option<&str>,
    kernpath: Option<&str>,
    kmodpath: Option<&str>,
    init_qemu: &Path,
) -> crate::Result<BootFiles> {
    let kernel = kernel::select(kernrelease, kernpath, kmodpath)?;
    let cache = cache::cache_root()?;
    let image = vmlinux::boot_image(&kernel, &cache)?;
    if !image.pvh {
        glib::g_debug!("LibvirtSandbox", "booting the bzImage: {}", image.reason);
    }
    let initrd = initrd::ensure_initrd(&kernel, init_qemu, &cache)?;
    let (kvm, why) = kvm_usable();
    glib::g_debug!(
        "LibvirtSandbox",
        "accelerator: {} ({why})",
        if kvm { "KVM" } else { "TCG" }
    );
    Ok(BootFiles {
        kernel: image.path,
        initrd,
        kvm,
        firmware: default_firmware(),
    })
}

/// qboot ([`crate::builder::machine::QBOOT`]) when it is installed (it boots
/// PVH kernels and bzImages alike and skips SeaBIOS's option ROMs and boot
/// menu: seconds under TCG).
pub fn default_firmware() -> Option<PathBuf> {
    let qboot = PathBuf::from(crate::builder::machine::QBOOT);
    qboot.is_file().then_some(qboot)
}
