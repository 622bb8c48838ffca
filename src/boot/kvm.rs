// SPDX-License-Identifier: LGPL-2.1-or-later
//! Is KVM usable here? `/dev/kvm` existing (or even KVM_CREATE_VM and
//! KVM_CREATE_VCPU working) is not enough. These hosts are themselves VMs
//! whose `/dev/kvm` is the paravirtual PVM backend (`kvm-pvm` in dmesg, no
//! vmx/svm CPU flag): it creates VMs and even runs a real-mode `hlt`, but a
//! stock kernel hangs in early boot (what the original C implementation ran
//! into here). So KVM is used only when all of these hold:
//! 1. the CPU advertises hardware virtualisation (vmx or svm);
//! 2. `/dev/kvm` opens read-write and speaks API version 12;
//! 3. a one-instruction guest (`hlt` at the x86 reset vector) runs: KVM_RUN
//!    returns KVM_EXIT_HLT within a second.
//!
//! Anything else means TCG. The result is computed once per process.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;
use std::time::Duration;

use nix::errno::Errno;
use nix::libc;

const KVM_GET_API_VERSION: libc::c_ulong = 0xae00;
const KVM_CREATE_VM: libc::c_ulong = 0xae01;
const KVM_GET_VCPU_MMAP_SIZE: libc::c_ulong = 0xae04;
const KVM_CREATE_VCPU: libc::c_ulong = 0xae41;
const KVM_SET_USER_MEMORY_REGION: libc::c_ulong = 0x4020_ae46;
const KVM_RUN: libc::c_ulong = 0xae80;
const KVM_EXIT_HLT: u32 = 5;
/// The only API version there has ever been.
const KVM_API_VERSION: i32 = 12;
/// How long the one-instruction guest may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(1);

#[repr(C)]
struct UserspaceMemoryRegion {
    slot: u32,
    flags: u32,
    guest_phys_addr: u64,
    memory_size: u64,
    userspace_addr: u64,
}

/// ioctl(2) with an integer argument on a KVM fd; returns its non-negative
/// result.
fn ioctl_int(fd: RawFd, request: libc::c_ulong, arg: libc::c_ulong) -> nix::Result<i32> {
    // SAFETY: every request used with this helper (GET_API_VERSION, CREATE_VM,
    // GET_VCPU_MMAP_SIZE, CREATE_VCPU, RUN) takes an integer or no argument
    // and reads no user memory; the fd is a live descriptor owned by the caller.
    let rc = unsafe { libc::ioctl(fd, request, arg) };
    Errno::result(rc)
}

/// An fd returned by a KVM ioctl, owned from here on.
fn own(fd: i32) -> OwnedFd {
    // SAFETY: `fd` was just returned by the kernel as a new descriptor that
    // nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// An anonymous or fd-backed shared mapping, unmapped on drop.
struct Mapping {
    addr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is plain memory, only touched by the owning thread.
unsafe impl Send for Mapping {}

impl Mapping {
    fn new(len: usize, fd: Option<RawFd>) -> nix::Result<Self> {
        let flags = match fd {
            Some(_) => libc::MAP_SHARED,
            None => libc::MAP_SHARED | libc::MAP_ANONYMOUS,
        };
        // SAFETY: a fresh mapping chosen by the kernel (addr NULL), so no
        // existing memory is affected.
        let addr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                flags,
                fd.unwrap_or(-1),
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        Ok(Self { addr, len })
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: addr..addr+len is a live read/write mapping owned by self.
        unsafe { std::slice::from_raw_parts_mut(self.addr.cast::<u8>(), self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the mapping created in `new`.
        unsafe { libc::munmap(self.addr, self.len) };
    }
}

/// Runs `hlt` at the reset vector (CS base 0xffff0000, IP 0xfff0): one 4 KiB
/// page at 0xfffff000 holds it at offset 0xff0.
fn run_hlt_guest(kvm: &File) -> Result<(), String> {
    let vm =
        own(ioctl_int(kvm.as_raw_fd(), KVM_CREATE_VM, 0)
            .map_err(|e| format!("KVM_CREATE_VM: {e}"))?);
    let mut memory = Mapping::new(4096, None).map_err(|e| format!("mmap: {e}"))?;
    memory.bytes()[0xff0] = 0xf4; // hlt
    let region = UserspaceMemoryRegion {
        slot: 0,
        flags: 0,
        guest_phys_addr: 0xffff_f000,
        memory_size: 4096,
        userspace_addr: memory.addr as u64,
    };
    // SAFETY: KVM_SET_USER_MEMORY_REGION reads one struct of the declared
    // layout from a live pointer; the memory it describes outlives the VM
    // (it is dropped after `vm` at the end of this function).
    let rc = unsafe { libc::ioctl(vm.as_raw_fd(), KVM_SET_USER_MEMORY_REGION, &region) };
    Errno::result(rc).map_err(|e| format!("KVM_SET_USER_MEMORY_REGION: {e}"))?;
    let vcpu = own(ioctl_int(vm.as_raw_fd(), KVM_CREATE_VCPU, 0)
        .map_err(|e| format!("KVM_CREATE_VCPU: {e}"))?);
    let size = ioctl_int(kvm.as_raw_fd(), KVM_GET_VCPU_MMAP_SIZE, 0)
        .map_err(|e| format!("KVM_GET_VCPU_MMAP_SIZE: {e}"))?;
    let mut run = Mapping::new(size as usize, Some(vcpu.as_raw_fd()))
        .map_err(|e| format!("mmap of the vCPU: {e}"))?;
    ioctl_int(vcpu.as_raw_fd(), KVM_RUN, 0).map_err(|e| format!("KVM_RUN: {e}"))?;
    // struct kvm_run: exit_reason is the u32 at offset 8.
    let b = run.bytes();
    let reason = u32::from_ne_bytes([b[8], b[9], b[10], b[11]]);
    if reason != KVM_EXIT_HLT {
        return Err(format!(
            "a test guest's hlt exited with reason {reason}, not KVM_EXIT_HLT"
        ));
    }
    Ok(())
}

/// Whether the CPU advertises hardware virtualisation. KVM backends without
/// it (PVM, as on these hosts' nested VMs) create VMs and even run a
/// real-mode `hlt`, but run only specially built guest kernels: a stock
/// kernel hangs in early boot.
/// `cpuinfo` is the text of `/proc/cpuinfo`.
fn hardware_virtualisation(cpuinfo: &str) -> Result<(), String> {
    let has = cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .flat_map(|l| l.split_whitespace())
        .any(|f| f == "vmx" || f == "svm");
    if has {
        Ok(())
    } else {
        Err(
            "the CPU has no vmx/svm flag, so /dev/kvm is a software backend (e.g. PVM) that \
             cannot boot a stock kernel"
                .into(),
        )
    }
}

fn probe() -> (bool, String) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .map_err(|e| format!("cannot read /proc/cpuinfo: {e}"))
        .and_then(|cpuinfo| hardware_virtualisation(&cpuinfo));
    if let Err(e) = cpu {
        return (false, e);
    }
    probe_device(std::path::Path::new("/dev/kvm"))
}

/// Steps 2 and 3 on the KVM device `path`.
fn probe_device(path: &std::path::Path) -> (bool, String) {
    let kvm = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) => return (false, format!("{} cannot be opened: {e}", path.display())),
    };
    match ioctl_int(kvm.as_raw_fd(), KVM_GET_API_VERSION, 0) {
        Ok(KVM_API_VERSION) => {}
        Ok(v) => {
            return (
                false,
                format!("/dev/kvm has API version {v}, not {KVM_API_VERSION}"),
            );
        }
        Err(e) => return (false, format!("KVM_GET_API_VERSION: {e}")),
    }
    // KVM_RUN may never return on a broken KVM: run it on a thread we can
    // abandon (it then stays blocked in the kernel, harmlessly, until exit).
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("kvm-probe".into())
        .spawn(move || {
            let _ = tx.send(run_hlt_guest(&kvm));
        });
    if let Err(e) = spawned {
        return (false, format!("cannot start the KVM probe thread: {e}"));
    }
    match rx.recv_timeout(RUN_TIMEOUT) {
        Ok(Ok(())) => (true, "/dev/kvm ran a test guest".into()),
        Ok(Err(e)) => (false, format!("/dev/kvm is present but unusable: {e}")),
        Err(_) => (
            false,
            format!(
                "/dev/kvm is present but a one-instruction test guest did not finish within {RUN_TIMEOUT:?}"
            ),
        ),
    }
}

/// Whether QEMU sandboxes may use KVM, and why (for the debug log). When
/// false, domains use TCG (`<domain type='qemu'>`).
pub fn kvm_usable() -> (bool, String) {
    static RESULT: OnceLock<(bool, String)> = OnceLock::new();
    RESULT.get_or_init(probe).clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cpu_must_advertise_hardware_virtualisation() {
        let flags = |f: &str| format!("processor\t: 0\nflags\t\t: fpu sse2 {f} avx\n");
        assert!(super::hardware_virtualisation(&flags("vmx")).is_ok());
        assert!(super::hardware_virtualisation(&flags("svm")).is_ok());
        let err = super::hardware_virtualisation(&flags("hypervisor")).unwrap_err();
        assert!(err.contains("vmx/svm"), "{err}");
        // A flag only as part of another word does not count.
        assert!(super::hardware_virtualisation(&flags("vmxx")).is_err());
    }

    #[test]
    fn a_device_that_is_not_kvm_is_refused_with_its_reason() {
        let (usable, reason) = super::probe_device(std::path::Path::new("/nonexistent/kvm"));
        assert!(
            !usable && reason.contains("/nonexistent/kvm cannot be opened"),
            "{reason}"
        );
        // /dev/null opens but answers no KVM ioctl.
        let (usable, reason) = super::probe_device(std::path::Path::new("/dev/null"));
        assert!(
            !usable && reason.contains("KVM_GET_API_VERSION"),
            "{reason}"
        );
    }

    #[test]
    fn probe_answers_with_a_reason() {
        let (usable, reason) = super::kvm_usable();
        eprintln!("kvm usable: {usable}: {reason}");
        assert!(!reason.is_empty());
        assert_eq!(super::kvm_usable(), (usable, reason));
    }
}
