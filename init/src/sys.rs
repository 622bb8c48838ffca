// SPDX-License-Identifier: LGPL-2.1-or-later
//! The few system calls without a safe wrapper in nix. Every `unsafe` of the
//! init lives here.

use std::ffi::{CStr, c_uint};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

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

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// Clears the effective, permitted and inheritable sets (and so, for a
/// non-root uid change before it, leaves nothing), then the ambient set.
pub(crate) fn clear_capabilities() -> nix::Result<()> {
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [CapData::default(); 2];
    set_capabilities(&mut header, &data)
}

/// capset(2) with `data`, then empties the ambient set.
fn set_capabilities(header: &mut CapHeader, data: &[CapData; 2]) -> nix::Result<()> {
    // SAFETY: capset reads a v3 header and two data structs, both live.
    let rc = unsafe { libc::syscall(libc::SYS_capset, header as *mut CapHeader, data.as_ptr()) };
    Errno::result(rc)?;
    clear_ambient()
}

/// Empties the ambient capability set.
fn clear_ambient() -> nix::Result<()> {
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

/// open_tree(2) with OPEN_TREE_CLONE | AT_RECURSIVE: a detached copy of the
/// mount tree at `path` (the mount and everything mounted below it),
/// close-on-exec.
pub(crate) fn clone_mount_tree(path: &CStr) -> nix::Result<OwnedFd> {
    let flags = libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_RECURSIVE as c_uint;
    // SAFETY: open_tree reads the NUL-terminated path, which lives for the
    // call; the other arguments are integers.
    let fd = unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, path.as_ptr(), flags) };
    let fd = Errno::result(fd)? as RawFd;
    // SAFETY: the kernel just returned this fd, which nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// mount_setattr(2) with MOUNT_ATTR_IDMAP on every mount of the detached
/// tree `tree`: their file owners are seen through the id map of `userns`.
pub(crate) fn idmap_mount_tree(tree: BorrowedFd<'_>, userns: BorrowedFd<'_>) -> nix::Result<()> {
    let attr = libc::mount_attr {
        attr_set: libc::MOUNT_ATTR_IDMAP,
        attr_clr: 0,
        propagation: 0,
        userns_fd: userns.as_raw_fd() as u64,
    };
    // SAFETY: mount_setattr reads `size` bytes of the live `attr` and the
    // empty NUL-terminated path; both fds are live.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            tree.as_raw_fd(),
            c"".as_ptr(),
            (libc::AT_EMPTY_PATH | libc::AT_RECURSIVE) as c_uint,
            &attr as *const libc::mount_attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    Errno::result(rc).map(drop)
}

/// move_mount(2): attaches the detached tree `tree` at `path` (on top of
/// what is mounted there).
pub(crate) fn attach_mount_tree(tree: BorrowedFd<'_>, path: &CStr) -> nix::Result<()> {
    // SAFETY: move_mount reads two NUL-terminated paths that live for the
    // call; the fd is live.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    Errno::result(rc).map(drop)
}

// The filter is handed to the kernel as libc's struct sock_filter.
const _: () = assert!(
    std::mem::size_of::<seccompiler::sock_filter>() == std::mem::size_of::<libc::sock_filter>()
);

/// Installs the seccomp filter `program` on the calling thread (and so on
/// everything it execs). The caller sets no_new_privs first, or has
/// CAP_SYS_ADMIN in its user namespace: the kernel refuses otherwise.
pub(crate) fn install_seccomp_filter(program: &[seccompiler::sock_filter]) -> nix::Result<()> {
    let len = u16::try_from(program.len()).map_err(|_| Errno::E2BIG)?;
    let prog = libc::sock_fprog {
        len,
        // seccompiler's sock_filter is #[repr(C)] with the same fields as
        // the kernel's (and libc's) struct sock_filter.
        filter: program.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: seccomp copies `len` instructions from the live program; the
    // kernel never writes through the pointer.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0 as c_uint,
            &prog as *const libc::sock_fprog,
        )
    };
    Errno::result(rc).map(drop)
}

/// Removes the capabilities `caps` from the bounding set and from the
/// effective, permitted and inheritable sets, keeping the others; clears the
/// ambient set (needs CAP_SETPCAP, which the caller must not be dropping
/// before this returns).
pub(crate) fn drop_capabilities(caps: &[u32]) -> nix::Result<()> {
    for &cap in caps {
        // SAFETY: prctl(PR_CAPBSET_DROP, cap) only reads its integer arguments.
        let rc = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
        // A capability this kernel does not know (EINVAL) is nobody's.
        if rc < 0 && Errno::last() != Errno::EINVAL {
            return Err(Errno::last());
        }
    }
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget reads the v3 header and writes two data structs, all live.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_capget,
            &mut header as *mut CapHeader,
            data.as_mut_ptr(),
        )
    };
    Errno::result(rc)?;
    for &cap in caps.iter().filter(|&&cap| cap < 64) {
        let (word, bit) = ((cap / 32) as usize, 1u32 << (cap % 32));
        data[word].effective &= !bit;
        data[word].permitted &= !bit;
        data[word].inheritable &= !bit;
    }
    set_capabilities(&mut header, &data)
}

/// A raw syscall with up to two integer-or-pointer arguments, returning its
/// errno (0 on success): the seccomp tests' probe.
///
/// # Safety
///
/// The caller passes arguments valid for syscall `nr` (the tests pass null
/// pointers, integers and static C strings to calls the filter refuses or
/// that only read them).
#[cfg(test)]
pub(crate) unsafe fn syscall_errno(nr: libc::c_long, a: usize, b: usize) -> i32 {
    // SAFETY: the caller's contract above.
    let rc = unsafe { libc::syscall(nr, a, b, 0usize, 0usize, 0usize) };
    if rc == -1 { Errno::last_raw() } else { 0 }
}

/// _exit(2): ends the process at once, without atexit handlers or stdio
/// flushing (for forked children of a process that has those).
pub(crate) fn exit_now(code: i32) -> ! {
    // SAFETY: _exit takes an integer and never returns.
    unsafe { libc::_exit(code) }
}

/// Sends SIGRTMIN+3 (systemd's "halt") to `pid`: libc computes SIGRTMIN at
/// run time, which nix's Signal cannot name.
pub fn signal_halt(pid: nix::unistd::Pid) -> Result<(), Errno> {
    // SAFETY: kill takes two integers and touches no memory of ours.
    let rc = unsafe { libc::kill(pid.as_raw(), libc::SIGRTMIN() + 3) };
    Errno::result(rc).map(drop)
}

/// Takes ownership of `fd`, a descriptor the init inherited open from
/// libvirt (a container's socket-activation files, which libvirt puts at
/// 3.. before it execs the init), and makes it close-on-exec. None when
/// `fd` is not open.
pub(crate) fn take_inherited_fd(fd: RawFd) -> Option<OwnedFd> {
    // SAFETY: F_GETFD only reads the descriptor's flags; any integer is
    // accepted (EBADF when it is not open).
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: `fd` is open, and nothing else in the init owns it: the init
    // opens every descriptor of its own close-on-exec at a free number, and
    // the host said how many libvirt passed at 3.. (each is taken once).
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    nix::fcntl::fcntl(
        &owned,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    )
    .ok()?;
    Some(owned)
}
