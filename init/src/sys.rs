// SPDX-License-Identifier: LGPL-2.1-or-later
//! The few system calls without a safe wrapper in nix. Every `unsafe` of the
//! init lives here.

use std::os::fd::{AsRawFd, BorrowedFd};

use nix::errno::Errno;
use nix::unistd::{ForkResult, Pid};

/// Highest capability number to drop from the bounding set (the kernel
/// rejects numbers it does not know with EINVAL, which ends the loop).
const CAP_LAST_GUESS: u32 = 63;

/// fork(2).
///
/// The init is single-threaded when it forks (no threads are ever started),
/// so the child may run arbitrary code until it execs.
pub(crate) fn fork() -> nix::Result<ForkResult> {
    // SAFETY: the process is single-threaded (see above), so the child's
    // state is consistent.
    unsafe { nix::unistd::fork() }
}

/// Makes `fd` (a terminal) the controlling terminal of the calling session
/// leader: ioctl(TIOCSCTTY).
pub(crate) fn set_controlling_tty(fd: BorrowedFd<'_>) -> nix::Result<()> {
    // SAFETY: TIOCSCTTY takes an int argument (0: do not steal); the fd is live.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSCTTY, 0) };
    Errno::result(rc).map(drop)
}

/// Sets a terminal's window size: ioctl(TIOCSWINSZ). The kernel then sends
/// SIGWINCH to the terminal's foreground process group.
pub(crate) fn set_window_size(fd: BorrowedFd<'_>, rows: u16, cols: u16) -> nix::Result<()> {
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one `struct winsize` through the pointer,
    // which points at a live local; the fd is live.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &size) };
    Errno::result(rc).map(drop)
}

/// A terminal's window size (rows, columns): ioctl(TIOCGWINSZ).
pub(crate) fn window_size(fd: BorrowedFd<'_>) -> nix::Result<(u16, u16)> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `struct winsize` through the pointer,
    // which points at a live local; the fd is live.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut size) };
    Errno::result(rc).map(|_| (size.ws_row, size.ws_col))
}

/// Removes every capability from the bounding set, so nothing exec'd later
/// can regain one (needs CAP_SETPCAP, which root has until `clear_capabilities`).
pub(crate) fn drop_bounding_set() -> nix::Result<()> {
    for cap in 0..=CAP_LAST_GUESS {
        // SAFETY: prctl(PR_CAPBSET_DROP, cap) only reads its integer arguments.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        if rc < 0 {
            match Errno::last() {
                Errno::EINVAL => break, // past the kernel's last capability
                e => return Err(e),
            }
        }
    }
    Ok(())
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Clears the effective, permitted and inheritable sets (and so, for a
/// non-root uid change before it, leaves nothing), then the ambient set.
pub(crate) fn clear_capabilities() -> nix::Result<()> {
    const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [CapData::default(); 2];
    // SAFETY: capset reads a v3 header and two data structs, both live.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capset,
            &mut header as *mut CapHeader,
            data.as_ptr(),
        )
    };
    Errno::result(rc)?;
    // SAFETY: prctl with integer arguments only.
    let rc = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    // Kernels without ambient capabilities say EINVAL: nothing to clear then.
    if rc < 0 && Errno::last() != Errno::EINVAL {
        return Err(Errno::last());
    }
    Ok(())
}

/// waitpid(-1, WNOHANG) returning the raw status word (nix decodes it, but
/// the protocol carries the raw value).
pub(crate) fn reap_any() -> nix::Result<Option<(Pid, i32)>> {
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid writes one int through a live pointer.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    match pid {
        0 => Ok(None),
        p if p > 0 => Ok(Some((Pid::from_raw(p), status))),
        _ => Err(Errno::last()),
    }
}

/// Brings the network interface `name` up, as `ip link set NAME up` does,
/// with ioctl(SIOCGIFFLAGS/SIOCSIFFLAGS) on a throwaway socket: no process
/// to start, which under TCG saves a tenth of a second.
pub(crate) fn set_interface_up(name: &str) -> nix::Result<()> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};
    let sock = socket(
        AddressFamily::Inet,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    // SAFETY: ifreq is plain old data; all zeroes is a valid value.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    let bytes = name.as_bytes();
    if bytes.len() >= request.ifr_name.len() || bytes.contains(&0) {
        return Err(Errno::EINVAL);
    }
    for (dst, src) in request.ifr_name.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS reads the name and fills ifru_flags of the live
    // ifreq; the socket is open.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) };
    Errno::result(rc)?;
    // SAFETY: the kernel just filled the flags member of the union.
    unsafe { request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
    // SAFETY: SIOCSIFFLAGS reads the name and flags of the live ifreq.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &request) };
    Errno::result(rc).map(drop)
}
