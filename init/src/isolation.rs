// SPDX-License-Identifier: LGPL-2.1-or-later
//! The walls between the command and the host, raised by the init after the
//! sandbox is set up and before the command runs ("root inside is not root
//! outside", with no SELinux/AppArmor needed):
//!
//! - the state directory (launch spec with the secret, the app socket) is
//!   unmounted: the command cannot read it nor talk to the host's socket;
//! - LXC: kernel interfaces of /proc and /sys are masked, as Docker does;
//! - LXC: the command runs in a user namespace whose root is an unprivileged
//!   host id (its ids are a private range, [`Ids`]), in a mount namespace of its own where
//!   every inherited mount is locked (read-only stays read-only, masks stay);
//!   the writable mounts (grants) are idmapped so their owners look the same
//!   inside as on the host;
//! - a privileged (`-p`) root keeps only the namespace-scoped capabilities a
//!   sandbox needs; anyone else keeps none;
//! - a seccomp filter refuses the syscalls no sandbox needs;
//! - QEMU: a task limit through the pids cgroup controller.
//!
//! In a VM the guest kernel is the VM's own and QEMU's read-only shares
//! protect the host, so there is no user namespace there.

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::CloneFlags;
use nix::sys::stat::Mode;
use nix::unistd::{ForkResult, Gid, Uid};
use seccompiler::{
    SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
    TargetArch, sock_filter,
};

use crate::launch::{GuestMount, LaunchSpec, is_within};
use crate::qemu::layout::STATE_DIR;
use crate::sys;

/// How the sandbox runs; decides which walls apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A libvirt LXC container: the host's kernel.
    Lxc,
    /// A QEMU virtual machine: a kernel of its own.
    Qemu,
}

/// How many ids a container sandbox has: 0 to 65535 inside.
pub const SANDBOX_IDS: u32 = 0x1_0000;
/// The lowest host id of a sandbox's private range, far above any real
/// user's (LXC).
const FIRST_BASE: u32 = 0x4000_0000;
/// How many private ranges there are to pick from (the last one ends at
/// 0x7fff_ffff, below the 32-bit `-1` and `-2` ids).
const RANGES: u32 = 0x4000;

/// The host ids of a container sandbox's uids (or gids), LXC: the ids 0 to
/// 65535 inside are a range of unprivileged host ids private to the
/// sandbox, starting at `base` (so root inside is `base`, and a privileged
/// root switching to uid 42 becomes `base + 42`, nobody of the host), but
/// the command's own id when it is not root, which is itself: `-S alice`
/// keeps alice's rights on host files. Host files of every other owner
/// look owned by nobody inside, except in the idmapped grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdMap {
    base: u32,
    own: u32,
}

impl IdMap {
    fn new(base: u32, own: u32) -> Result<Self, String> {
        if own != 0 && (base..base + SANDBOX_IDS).contains(&own) {
            return Err(format!("id {own} lies in the sandbox's private range"));
        }
        if own == u32::MAX {
            return Err("id 4294967295 is not a valid id".to_owned());
        }
        Ok(Self { base, own })
    }

    /// The host id of the sandbox's id `id`, if it has one.
    pub fn host(&self, id: u32) -> Option<u32> {
        if id == self.own && id != 0 {
            Some(id)
        } else if id < SANDBOX_IDS {
            Some(self.base + id)
        } else {
            None
        }
    }

    /// The lines of a uid_map or gid_map (inside, host, count).
    pub fn lines(&self) -> String {
        let (base, own) = (self.base, self.own);
        if own == 0 || own >= SANDBOX_IDS {
            let mut map = format!("0 {base} {SANDBOX_IDS}\n");
            if own != 0 {
                map.push_str(&format!("{own} {own} 1\n"));
            }
            return map;
        }
        let mut map = format!("0 {base} {own}\n{own} {own} 1\n");
        let above = SANDBOX_IDS - own - 1;
        if above > 0 {
            map.push_str(&format!("{} {} {above}\n", own + 1, base + own + 1));
        }
        map
    }
}

/// The uid and gid maps of a container sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ids {
    pub uid: IdMap,
    pub gid: IdMap,
}

impl Ids {
    /// The maps for a command running as `uid`/`gid`, in the private range
    /// starting at `base`.
    pub fn with_base(base: u32, uid: u32, gid: u32) -> Result<Self, String> {
        let what = |kind: &str, e: String| format!("cannot map the sandbox's {kind}: {e}");
        Ok(Self {
            uid: IdMap::new(base, uid).map_err(|e| what("uid", e))?,
            gid: IdMap::new(base, gid).map_err(|e| what("gid", e))?,
        })
    }

    /// Picks a random private range (its own per-user kernel limits, its own
    /// owner) for a command running as `uid`/`gid`.
    pub fn choose(uid: u32, gid: u32) -> Result<Self, String> {
        let mut random = [0u8; 2];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut random))
            .map_err(|e| format!("cannot read /dev/urandom to pick the sandbox's ids: {e}"))?;
        let first = u32::from(u16::from_ne_bytes(random)) % RANGES;
        // A command id inside a range makes that range unusable.
        (0..RANGES)
            .map(|i| FIRST_BASE + ((first + i) % RANGES) * SANDBOX_IDS)
            .find_map(|base| Self::with_base(base, uid, gid).ok())
            .ok_or_else(|| format!("no private id range fits uid {uid} and gid {gid}"))
    }

    /// The host owner of a file the init gives the command's user outside
    /// the grants (its tty, its disks).
    pub fn host_owner(ids: Option<&Self>, uid: u32, gid: u32) -> (u32, u32) {
        match ids {
            Some(ids) => (
                ids.uid.host(uid).unwrap_or(uid),
                ids.gid.host(gid).unwrap_or(gid),
            ),
            None => (uid, gid),
        }
    }
}

/// Decodes a hex string (either case) into bytes.
pub fn hex_decode(hex: &str) -> Result<Vec<u8>, String> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", bytes.len()));
    }
    bytes
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| match (digit(pair[0]), digit(pair[1])) {
            (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
            _ => Err(format!("not a hex digit at offset {}", 2 * i)),
        })
        .collect()
}

fn cpath(path: &str) -> Result<CString, String> {
    CString::new(path).map_err(|_| format!("'{}' contains a NUL byte", path.replace('\0', "\\0")))
}

/// The walls of one sandbox, raised by the init before it forks the
/// command ([`Walls::raise`]), entered by the command's child
/// ([`Walls::enter`], then [`Walls::seal`] right before exec).
pub struct Walls {
    /// The command's user namespace (LXC).
    userns: Option<OwnedFd>,
    /// `cgroup.procs` of the command's task-limited cgroup (QEMU).
    tasks: Option<OwnedFd>,
    seccomp: Vec<sock_filter>,
    uid: u32,
    gid: u32,
    keep_caps: bool,
    /// The cgroup2 directory delegated to systemd (LXC, a systemd service).
    systemd: Option<Delegated>,
    /// systemd's /dev/console (LXC, a systemd service).
    console: Option<Console>,
}

/// A pty the init made for a systemd service: its slave is bound on
/// /dev/console in systemd's mount namespace, so that systemd's log and
/// the units' output (`--default-standard-output=tty`, TTYPath= is
/// /dev/console by default) reach the init, which copies them from the
/// master to its stderr: `virt-sandbox-service run`'s output stream, as a
/// command's own stdout and stderr. (systemd, PID 1, puts its own stdio on
/// /dev/null, and its units' default, the journal, has no journald here.)
/// A pty, not a pipe: systemd opens its console only if it is a tty.
struct Console {
    master: OwnedFd,
    /// Held open, so that reading the master never sees the end (EIO)
    /// between two openers of /dev/console.
    _slave: OwnedFd,
    path: String,
}

/// A cgroup2 directory the init made and gave to the sandbox's root: its
/// parent, open (the hierarchy is no longer mounted in the init's
/// namespace), and its name there.
struct Delegated {
    parent: OwnedFd,
    name: String,
}

impl Walls {
    /// Raises what the init does itself, after the sandbox's filesystems are
    /// set up (the includes were copied from the state directory before the
    /// grants are idmapped: through those real root can no longer write).
    /// Returns the walls and warnings for the user (grants that could not be
    /// idmapped).
    pub fn raise(
        spec: &LaunchSpec,
        backend: Backend,
        spec_path: &Path,
        ids: Option<&Ids>,
    ) -> Result<(Self, Vec<String>), String> {
        let keep_caps = keeps_capabilities(spec.privileged, spec.uid);
        let seccomp = seccomp_program(keep_caps)?;
        // First: a recursive copy of a grant must not carry it along.
        hide_state_dir(STATE_DIR, spec_path)?;
        let mut warnings = Vec::new();
        let mut userns = None;
        let mut tasks = None;
        let mut systemd = None;
        let mut console = None;
        match backend {
            Backend::Lxc => {
                let ids = ids.ok_or("a container sandbox needs its id maps")?;
                // Before the grants are idmapped: its scratch mount point
                // lies in /run, where host root is nobody then.
                if !spec.systemd_cgroup.is_empty() {
                    let (procs, delegated) = delegate_cgroup(&spec.systemd_cgroup, ids)?;
                    tasks = Some(procs);
                    systemd = Some(delegated);
                    console = Some(console_pty(ids)?);
                }
                let ns = create_user_namespace(ids)?;
                warnings = idmap_grants(&spec.grants, ns.as_fd())?;
                rebind_guest_binds(&spec.mounts, &spec.grants)?;
                userns = Some(ns);
            }
            Backend::Qemu => {
                if spec.max_tasks > 0 {
                    tasks = Some(limit_tasks(spec.max_tasks)?);
                }
                if !keep_caps {
                    make_read_only(VM_READ_ONLY)?;
                }
            }
        }
        Ok((
            Self {
                userns,
                tasks,
                seccomp,
                uid: spec.uid,
                gid: spec.gid,
                keep_caps,
                systemd,
                console,
            },
            warnings,
        ))
    }

    /// In the command's child: joins the task-limited cgroup, enters the
    /// user and mount namespaces and switches to the command's identity and
    /// capabilities.
    pub fn enter(&self) -> Result<(), String> {
        if let Some(procs) = &self.tasks {
            join_cgroup(procs.as_fd())?;
        }
        if self.systemd.is_some() {
            // Still real root: a /proc of systemd's PID namespace (the
            // sandbox's root could not mount one over the masked /proc).
            own_proc(self.console.as_ref().map(|c| c.path.as_str()))?;
        }
        if let Some(userns) = &self.userns {
            enter_user_namespace(userns.as_fd(), self.systemd.is_some())?;
        }
        switch_identity(self.uid, self.gid, self.keep_caps, self.userns.is_some())
    }

    /// The user namespace a systemd service's root shell enters, so that
    /// systemctl there is root to the sandbox's systemd (LXC).
    pub fn shell_userns(&self) -> Option<BorrowedFd<'_>> {
        self.systemd
            .as_ref()
            .and(self.userns.as_ref())
            .map(|ns| ns.as_fd())
    }

    /// The master of systemd's /dev/console (a systemd service): what
    /// systemd and its units write there, for the init to pass on.
    pub fn console(&self) -> Option<BorrowedFd<'_>> {
        self.console.as_ref().map(|c| c.master.as_fd())
    }

    /// Whether the command is systemd with a cgroup of its own.
    pub fn is_systemd(&self) -> bool {
        self.systemd.is_some()
    }

    /// After the command ended (and the rest of the sandbox was killed):
    /// removes systemd's delegated cgroup and what systemd made below it.
    pub fn release(&self) -> Result<(), String> {
        let Some(d) = &self.systemd else {
            return Ok(());
        };
        let path = format!("/proc/self/fd/{}/{}", d.parent.as_raw_fd(), d.name);
        remove_cgroup_tree(Path::new(&path))
            .map_err(|e| format!("cannot remove systemd's cgroup '{}': {e}", d.name))
    }

    /// In the command's child, last before exec: the seccomp filter.
    pub fn seal(&self) -> Result<(), String> {
        install_seccomp(&self.seccomp)
    }
}

// ---------------------------------------------------------------------------
// The user namespace (LXC)

/// Makes the command's user namespace (the maps of `ids`) and returns an fd
/// of it.
///
/// A helper child takes the sandbox's root id, unshares it and waits; the
/// init (real root of the host's user namespace) writes the maps, which
/// allows setgroups() inside, opens /proc/CHILD/ns/user and lets the helper
/// go. The namespace is the sandbox root's, not host root's: the kernel
/// charges what the sandbox uses of the per-user limits (inotify instances
/// and watches, message queues, ...) to its creator.
fn create_user_namespace(ids: &Ids) -> Result<OwnedFd, String> {
    let (root_uid, root_gid) = Ids::host_owner(Some(ids), 0, 0);
    let pipe =
        || nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("cannot create a pipe: {e}"));
    // ready: the helper says whether unshare worked; release: EOF lets it end.
    let (ready_r, ready_w) = pipe()?;
    let (release_r, release_w) = pipe()?;
    let helper = match sys::fork().map_err(|e| format!("cannot fork: {e}"))? {
        ForkResult::Child => {
            drop((ready_r, release_w));
            let (u, g) = (Uid::from_raw(root_uid), Gid::from_raw(root_gid));
            let result = match nix::unistd::setgroups(&[])
                .and_then(|()| nix::unistd::setresgid(g, g, g))
                .and_then(|()| nix::unistd::setresuid(u, u, u))
                .and_then(|()| nix::sched::unshare(CloneFlags::CLONE_NEWUSER))
            {
                Ok(()) => 0,
                Err(e) => e as i32,
            };
            let _ = nix::unistd::write(&ready_w, &result.to_ne_bytes());
            let mut byte = [0u8];
            while let Err(Errno::EINTR) = nix::unistd::read(&release_r, &mut byte) {}
            sys::exit_now(0)
        }
        ForkResult::Parent { child } => child,
    };
    drop((ready_w, release_r));
    let made = (|| {
        let mut answer = [0u8; 4];
        let n = loop {
            match nix::unistd::read(&ready_r, &mut answer) {
                Err(Errno::EINTR) => continue,
                other => break other,
            }
        };
        match n {
            Ok(4) => match i32::from_ne_bytes(answer) {
                0 => {}
                e => {
                    return Err(format!(
                        "unshare(CLONE_NEWUSER): {} (are user namespaces enabled? see \
                         /proc/sys/user/max_user_namespaces)",
                        Errno::from_raw(e)
                    ));
                }
            },
            Ok(_) => return Err("the helper ended before making it".to_owned()),
            Err(e) => return Err(format!("cannot read from the helper: {e}")),
        }
        let proc_dir = format!("/proc/{helper}");
        for (map, lines) in [("uid_map", ids.uid.lines()), ("gid_map", ids.gid.lines())] {
            std::fs::write(format!("{proc_dir}/{map}"), lines)
                .map_err(|e| format!("cannot write its {map}: {e}"))?;
        }
        nix::fcntl::open(
            format!("{proc_dir}/ns/user").as_str(),
            OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| format!("cannot open it: {e}"))
    })();
    drop(release_w);
    let _ = nix::sys::wait::waitpid(helper, None);
    made.map_err(|e| format!("cannot create the sandbox's user namespace: {e}"))
}

/// Replaces each grant's mount tree by a copy idmapped through `userns`:
/// inside, on-disk owner 0 is the sandbox's root and files it makes are
/// stored owned by 0, so the grants work as if there were no user
/// namespace. Returns one warning per grant whose filesystem cannot be
/// idmapped (9p, NFS...): it stays as it was.
fn idmap_grants(grants: &[String], userns: BorrowedFd<'_>) -> Result<Vec<String>, String> {
    let mut done: Vec<&str> = Vec::new();
    let mut warnings = Vec::new();
    for target in grants {
        // The recursive copy of a parent already covered it.
        if done.iter().any(|parent| is_within(target, parent)) {
            continue;
        }
        let path = cpath(target)?;
        let idmapped = sys::clone_mount_tree(&path)
            .map_err(|e| (e, "open_tree"))
            .and_then(|tree| {
                sys::idmap_mount_tree(tree.as_fd(), userns).map_err(|e| (e, "mount_setattr"))?;
                sys::attach_mount_tree(tree.as_fd(), &path).map_err(|e| (e, "move_mount"))
            });
        match idmapped {
            Ok(()) => done.push(target),
            Err((e @ (Errno::EINVAL | Errno::EOPNOTSUPP), "mount_setattr")) => {
                warnings.push(format!(
                    "libvirt-sandbox: warning: the filesystem of '{target}' cannot map owners \
                     ({e}): there, files of host root look owned by nobody and files the \
                     sandbox's root makes are owned by an unprivileged uid on the host"
                ));
            }
            Err((e, call)) => {
                return Err(format!(
                    "cannot map the owners of the sandbox's mount '{target}' ({call}): {e}"
                ));
            }
        }
    }
    Ok(warnings)
}

/// Binds again, on top, each guest bind whose target lies in an idmapped
/// grant: the recursive idmapping of that grant took the bind along, which
/// would give host root's files (a guest bind of `/etc` under `/tmp`) to the
/// sandbox's root there. The new bind shows its source as the command sees
/// it: idmapped when it lies in a grant, as on the host otherwise.
fn rebind_guest_binds(mounts: &[GuestMount], grants: &[String]) -> Result<(), String> {
    for bind in mounts.iter().filter(|m| m.fstype.is_empty()) {
        if !grants.iter().any(|grant| is_within(&bind.target, grant)) {
            continue;
        }
        mount(
            Some(bind.source.as_str()),
            bind.target.as_str(),
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(|e| {
            format!(
                "guest-bind:{}={}: cannot bind it again over the grant: {e}",
                bind.target, bind.source
            )
        })?;
    }
    Ok(())
}

/// In the command's child: enters the user namespace `userns` and a mount
/// namespace of its own, owned by it. Every mount inherited from the init's
/// namespace is then locked: its read-only and other flags cannot be
/// cleared, also not through a new bind, and the masks cannot be unmounted.
///
/// `systemd`: also a cgroup namespace whose root is the delegated cgroup
/// the child joined, and that cgroup's hierarchy (cgroup2) mounted on
/// /sys/fs/cgroup, where systemd finds it mounted and writable and runs in
/// unified mode, whatever the host's layout (v1 controllers are not
/// reachable there).
fn enter_user_namespace(userns: BorrowedFd<'_>, systemd: bool) -> Result<(), String> {
    nix::sched::setns(userns, CloneFlags::CLONE_NEWUSER)
        .map_err(|e| format!("cannot enter the sandbox's user namespace: {e}"))?;
    let mut flags = CloneFlags::CLONE_NEWNS;
    if systemd {
        flags |= CloneFlags::CLONE_NEWCGROUP;
    }
    nix::sched::unshare(flags)
        .map_err(|e| format!("cannot make the command's mount namespace: {e}"))?;
    if systemd {
        mount(
            Some("cgroup2"),
            CGROUP_ROOT,
            Some("cgroup2"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            None::<&str>,
        )
        .map_err(|e| format!("cannot mount systemd's cgroup2 on {CGROUP_ROOT}: {e}"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// systemd as the sandbox's init (LXC)

/// Where the init mounts the cgroup2 hierarchy for a moment, to make
/// systemd's cgroup (on the private /run, unmounted before systemd runs).
const CGROUP2_SCRATCH: &str = "/run/libvirt-sandbox-cgroup2";

/// The cgroup2 path of the init (its `0::` line of /proc/self/cgroup).
fn own_cgroup2_path() -> Result<String, String> {
    let text = std::fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(|p| p.trim_end_matches('/').to_owned())
        .ok_or_else(|| {
            "the kernel has no cgroup2 hierarchy (no 0:: line in /proc/self/cgroup): systemd \
             cannot run in a container sandbox here"
                .to_owned()
        })
}

/// Makes the cgroup2 directory `name` below the container's own and gives
/// it to the sandbox's root as the kernel's delegation model says (the
/// directory and its cgroup.procs, cgroup.threads and cgroup.subtree_control):
/// systemd inside then manages that subtree, and nothing above it. Returns
/// its cgroup.procs, open for the child to join before it leaves the host's
/// user namespace (a move between cgroups needs write access to their common
/// parent), and the delegated directory. A directory of that name left by
/// a sandbox that was killed is removed first.
fn delegate_cgroup(name: &str, ids: &Ids) -> Result<(OwnedFd, Delegated), String> {
    let what = |e: String| format!("systemd's cgroup '{name}': {e}");
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(what("not a plain directory name".to_owned()));
    }
    let own = own_cgroup2_path().map_err(what)?;
    match std::fs::create_dir(CGROUP2_SCRATCH) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            return Err(what(format!("cannot create {CGROUP2_SCRATCH}: {e}")));
        }
        _ => {}
    }
    mount(
        Some("cgroup2"),
        CGROUP2_SCRATCH,
        Some("cgroup2"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|e| what(format!("cannot mount cgroup2 on {CGROUP2_SCRATCH}: {e}")))?;
    let made = (|| {
        let parent_path = format!("{CGROUP2_SCRATCH}{own}");
        let parent = nix::fcntl::open(
            parent_path.as_str(),
            OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| format!("cannot open the container's cgroup {own}: {e}"))?;
        let dir = Path::new(&parent_path).join(name);
        if dir.exists() {
            remove_cgroup_tree(&dir).map_err(|e| format!("a stale one is in the way: {e}"))?;
        }
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create it: {e}"))?;
        let (uid, gid) = Ids::host_owner(Some(ids), 0, 0);
        for file in [
            "",
            "cgroup.procs",
            "cgroup.threads",
            "cgroup.subtree_control",
        ] {
            let path = dir.join(file);
            std::os::unix::fs::chown(&path, Some(uid), Some(gid)).map_err(|e| {
                format!("cannot give {} to the sandbox's root: {e}", path.display())
            })?;
        }
        let procs = nix::fcntl::open(
            &dir.join("cgroup.procs"),
            OFlag::O_WRONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| format!("cannot open its cgroup.procs: {e}"))?;
        Ok((
            procs,
            Delegated {
                parent,
                name: name.to_owned(),
            },
        ))
    })();
    let _ = umount2(CGROUP2_SCRATCH, MntFlags::MNT_DETACH);
    let _ = std::fs::remove_dir(CGROUP2_SCRATCH);
    made.map_err(what)
}

/// Removes the cgroup directory `dir` and those below it, deepest first.
/// A cgroup whose last task just died may be busy for a moment: rmdir is
/// tried again for up to a second.
fn remove_cgroup_tree(dir: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_cgroup_tree(&entry.path())?;
        }
    }
    let mut tries = 0;
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => return Err(format!("cannot remove {}: {e}", dir.display())),
        }
    }
}

/// In systemd's child, PID 1 of its new PID namespace and still real
/// root: a mount namespace of its own (slave: nothing goes back to the
/// init's) with a /proc of that PID namespace, masked again as the
/// container's was, /proc/sys read-only, and `console` (the slave of the
/// init's pty) on /dev/console instead of libvirt's log console. The
/// mount is locked once the child enters the sandbox's user namespace:
/// systemd cannot take it away.
fn own_proc(console: Option<&str>) -> Result<(), String> {
    let kernel_fs = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    nix::sched::unshare(CloneFlags::CLONE_NEWNS)
        .map_err(|e| format!("cannot make systemd's mount namespace: {e}"))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_SLAVE,
        None::<&str>,
    )
    .map_err(|e| format!("cannot make systemd's mounts slaves: {e}"))?;
    mount(Some("proc"), "/proc", Some("proc"), kernel_fs, None::<&str>)
        .map_err(|e| format!("cannot mount systemd's /proc: {e}"))?;
    mask_kernel_interfaces()?;
    make_read_only(&["/proc/sys"])?;
    if let Some(pty) = console {
        mount(
            Some(pty),
            "/dev/console",
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|e| format!("cannot bind systemd's console {pty} on /dev/console: {e}"))?;
    }
    Ok(())
}

/// systemd's console: a new pty whose slave belongs to the sandbox's
/// root (systemd opens it as that root of its user namespace), raw (no
/// "\r" added to its lines; systemd may set it back to cooked, which the
/// init's copy undoes), the master non-blocking and both close-on-exec.
fn console_pty(ids: &Ids) -> Result<Console, String> {
    use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt};
    use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
    let what = |e: Errno| format!("cannot make systemd's console (a pty): {e}");
    let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).map_err(what)?;
    grantpt(&master).map_err(what)?;
    unlockpt(&master).map_err(what)?;
    let path = ptsname_r(&master).map_err(what)?;
    let slave = nix::fcntl::open(
        path.as_str(),
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(what)?;
    let mut termios = tcgetattr(&slave).map_err(what)?;
    cfmakeraw(&mut termios);
    tcsetattr(&slave, SetArg::TCSANOW, &termios).map_err(what)?;
    let (uid, gid) = Ids::host_owner(Some(ids), 0, 0);
    nix::unistd::fchown(&slave, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))
        .map_err(what)?;
    let master: OwnedFd = master.into();
    let flags = nix::fcntl::fcntl(&master, nix::fcntl::FcntlArg::F_GETFL).map_err(what)?;
    nix::fcntl::fcntl(
        &master,
        nix::fcntl::FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
    )
    .map_err(what)?;
    Ok(Console {
        master,
        _slave: slave,
        path,
    })
}

/// Before the fork of systemd: the init's next child is PID 1 of a new
/// PID namespace. Returns the init's own, to go back to after the fork.
pub fn new_pid_namespace() -> Result<OwnedFd, String> {
    let own = nix::fcntl::open(
        "/proc/self/ns/pid",
        OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| format!("cannot open the init's PID namespace: {e}"))?;
    nix::sched::unshare(CloneFlags::CLONE_NEWPID)
        .map_err(|e| format!("cannot make systemd's PID namespace: {e}"))?;
    Ok(own)
}

/// After the fork of systemd: the init's later children (the shell of
/// `execute`) are in the init's PID namespace again.
pub fn back_to_pid_namespace(own: OwnedFd) -> Result<(), String> {
    nix::sched::setns(own.as_fd(), CloneFlags::CLONE_NEWPID)
        .map_err(|e| format!("cannot return to the init's PID namespace: {e}"))
}

/// In the root shell of a systemd service: the sandbox's root in its user
/// namespace (host root is nobody to systemd, which answers root only).
pub fn become_sandbox_root(userns: BorrowedFd<'_>) -> Result<(), String> {
    nix::sched::setns(userns, CloneFlags::CLONE_NEWUSER)
        .map_err(|e| format!("cannot enter the sandbox's user namespace: {e}"))?;
    nix::unistd::setgroups(&[]).map_err(|e| format!("setgroups: {e}"))?;
    let (u, g) = (Uid::from_raw(0), Gid::from_raw(0));
    nix::unistd::setresgid(g, g, g).map_err(|e| format!("setresgid: {e}"))?;
    nix::unistd::setresuid(u, u, u).map_err(|e| format!("setresuid: {e}"))
}

// ---------------------------------------------------------------------------
// Masks (LXC) and the state directory

/// Kernel interfaces hidden from the command (Docker's list): files get
/// /dev/null over them, directories an empty read-only tmpfs.
const MASKED: &[&str] = &[
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/sysrq-trigger",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];
/// Kernel interfaces the command may read but not write.
const READ_ONLY: &[&str] = &["/proc/bus", "/proc/fs", "/proc/irq"];

/// Masks [`MASKED`] and makes [`READ_ONLY`] read-only (those that exist).
pub fn mask_kernel_interfaces() -> Result<(), String> {
    let kernel_fs = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    for &path in MASKED {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            continue;
        };
        let masked = if meta.is_dir() {
            mount(
                Some("tmpfs"),
                path,
                Some("tmpfs"),
                kernel_fs | MsFlags::MS_RDONLY,
                Some("size=4k,mode=0555"),
            )
        } else {
            mount(
                Some("/dev/null"),
                path,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
        };
        masked.map_err(|e| format!("cannot mask '{path}': {e}"))?;
    }
    make_read_only(READ_ONLY)
}

/// Binds each of `paths` that exists over itself, read-only (a new mount:
/// files the init holds open for writing keep working through the old one).
fn make_read_only(paths: &[&str]) -> Result<(), String> {
    let kernel_fs = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    for &path in paths {
        if !Path::new(path).exists() {
            continue;
        }
        mount(
            Some(path),
            path,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .and_then(|()| {
            mount(
                None::<&str>,
                path,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | kernel_fs,
                None::<&str>,
            )
        })
        .map_err(|e| format!("cannot make '{path}' read-only: {e}"))?;
    }
    Ok(())
}

/// The VM's kernel tunables, read-only for a command without capabilities
/// (it could not remount them): as root by its uid alone it could otherwise
/// write `/proc/sys/kernel/core_pattern` or `modprobe` and have the guest
/// kernel run a program of its choice with every capability, or raise its
/// own `pids.max`.
const VM_READ_ONLY: &[&str] = &["/proc/sys", "/proc/sysrq-trigger", "/sys", "/sys/fs/cgroup"];

/// Unmounts the state directory `dir` (the init has read the spec,
/// connected the channel and copied the includes) and removes its mount
/// point: the command can neither read the spec (secret, environment) nor
/// connect to the host's app socket. Nothing to do when `spec` (the launch
/// spec's path) is not in it (stage 2 run by hand).
fn hide_state_dir(dir: &str, spec: &Path) -> Result<(), String> {
    if !spec.starts_with(dir) {
        return Ok(());
    }
    umount2(dir, MntFlags::MNT_DETACH)
        .map_err(|e| format!("cannot hide the sandbox's state directory '{dir}': {e}"))?;
    // Only the empty mount point is left; it may lie on a read-only /dev.
    // (Not the launch spec's absence: the host removes it once this init
    // authenticated, so anything left in the directory tells.)
    let _ = std::fs::remove_dir(dir);
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(format!(
            "the sandbox's state directory '{dir}' is still visible after unmounting it"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Task limit (QEMU)

/// The cgroup v2 hierarchy of the VM.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// The command's cgroup, below [`CGROUP_ROOT`].
const CGROUP_NAME: &str = "sandbox";

/// Makes a cgroup allowing at most `max` tasks (QEMU: for LXC the host
/// limits the container) and returns its `cgroup.procs`, open for writing:
/// the command's child writes itself there before it execs.
fn limit_tasks(max: u32) -> Result<OwnedFd, String> {
    let what = format!("cannot limit the sandbox to {max} tasks");
    let root = Path::new(CGROUP_ROOT);
    if !root.join("cgroup.controllers").exists() {
        mount(
            Some("cgroup2"),
            root,
            Some("cgroup2"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            None::<&str>,
        )
        .map_err(|e| {
            format!(
                "{what}: cannot mount cgroup2 on {CGROUP_ROOT} (no cgroup v2 in the VM's \
                 kernel?): {e}"
            )
        })?;
    }
    let controllers = std::fs::read_to_string(root.join("cgroup.controllers"))
        .map_err(|e| format!("{what}: cannot read {CGROUP_ROOT}/cgroup.controllers: {e}"))?;
    if !controllers.split_whitespace().any(|c| c == "pids") {
        return Err(format!(
            "{what}: the VM's kernel has no pids cgroup controller (CONFIG_CGROUP_PIDS)"
        ));
    }
    std::fs::write(root.join("cgroup.subtree_control"), "+pids")
        .map_err(|e| format!("{what}: cannot enable the pids controller: {e}"))?;
    let cgroup = root.join(CGROUP_NAME);
    match std::fs::create_dir(&cgroup) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            return Err(format!("{what}: cannot create {}: {e}", cgroup.display()));
        }
        _ => {}
    }
    std::fs::write(cgroup.join("pids.max"), max.to_string())
        .map_err(|e| format!("{what}: cannot write {}/pids.max: {e}", cgroup.display()))?;
    let procs = cgroup.join("cgroup.procs");
    nix::fcntl::open(
        procs.as_os_str().as_bytes(),
        OFlag::O_WRONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| format!("{what}: cannot open {}: {e}", procs.display()))
}

/// In the command's child: moves it into the cgroup whose `cgroup.procs`
/// is `procs` (its children follow it).
fn join_cgroup(procs: BorrowedFd<'_>) -> Result<(), String> {
    // "0" is the writing process itself.
    nix::unistd::write(procs, b"0")
        .map(drop)
        .map_err(|e| format!("cannot join the sandbox's task-limited cgroup: {e}"))
}

// ---------------------------------------------------------------------------
// Identity and capabilities

/// Capabilities a privileged sandbox's root does not get (kept: the
/// namespace-scoped ones a root with capabilities inside uses, like
/// CAP_SYS_ADMIN for mounts, CAP_DAC_OVERRIDE, CAP_CHOWN, CAP_SETUID).
/// Numbers from linux/capability.h.
const PRIVILEGED_DROPPED: &[(u32, &str)] = &[
    (16, "CAP_SYS_MODULE"),
    (17, "CAP_SYS_RAWIO"),
    (20, "CAP_SYS_PACCT"),
    (22, "CAP_SYS_BOOT"),
    (24, "CAP_SYS_RESOURCE"),
    (25, "CAP_SYS_TIME"),
    (26, "CAP_SYS_TTY_CONFIG"),
    (28, "CAP_LEASE"),
    (30, "CAP_AUDIT_CONTROL"),
    (32, "CAP_MAC_OVERRIDE"),
    (33, "CAP_MAC_ADMIN"),
    (34, "CAP_SYSLOG"),
    (35, "CAP_WAKE_ALARM"),
    (36, "CAP_BLOCK_SUSPEND"),
    (37, "CAP_AUDIT_READ"),
    (38, "CAP_PERFMON"),
    (39, "CAP_BPF"),
    (40, "CAP_CHECKPOINT_RESTORE"),
];

/// Whether the command keeps (some) capabilities: only a privileged
/// sandbox's root does.
fn keeps_capabilities(privileged: bool, uid: u32) -> bool {
    privileged && uid == 0
}

/// In the command's child: switches to `uid`/`gid` (ids of its user
/// namespace in LXC) with no supplementary groups. With `keep_caps` (a
/// privileged root) only [`PRIVILEGED_DROPPED`] go; otherwise the bounding
/// set is emptied, no_new_privs set and every capability cleared, so
/// nothing exec'd can regain one. `in_userns`: the child entered the user
/// namespace (it has all capabilities there, though its ids read as
/// nobody until it switches); otherwise it switches only if it is root.
fn switch_identity(uid: u32, gid: u32, keep_caps: bool, in_userns: bool) -> Result<(), String> {
    let failed = |e: Errno| format!("cannot switch to uid {uid} gid {gid}: {e}");
    let root = in_userns || nix::unistd::geteuid().is_root();
    if root {
        nix::unistd::setgroups(&[]).map_err(failed)?;
        let g = Gid::from_raw(gid);
        nix::unistd::setresgid(g, g, g).map_err(failed)?;
    }
    if keep_caps {
        if root {
            let caps: Vec<u32> = PRIVILEGED_DROPPED.iter().map(|(n, _)| *n).collect();
            sys::drop_capabilities(&caps)
                .map_err(|e| format!("cannot drop the capabilities no sandbox needs: {e}"))?;
            // In the user namespace this makes the child the sandbox's root
            // (it was the unmapped host root); capabilities stay, as root
            // is root there.
            let u = Uid::from_raw(uid);
            nix::unistd::setresuid(u, u, u).map_err(failed)?;
        }
        return Ok(());
    }
    if root {
        sys::drop_bounding_set().map_err(|e| format!("cannot empty the bounding set: {e}"))?;
    }
    nix::sys::prctl::set_no_new_privs().map_err(|e| format!("cannot set no_new_privs: {e}"))?;
    if root {
        let u = Uid::from_raw(uid);
        nix::unistd::setresuid(u, u, u).map_err(failed)?;
        // In the user namespace a change from the unmapped host root keeps
        // the capabilities: they must go explicitly.
        sys::clear_capabilities().map_err(|e| format!("cannot clear the capabilities: {e}"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Seccomp

#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
)))]
compile_error!(
    "the init's seccomp filter is built for x86_64, aarch64 and riscv64 only (seccompiler's \
     architectures): add this architecture's syscall list in isolation.rs"
);

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;
#[cfg(target_arch = "riscv64")]
const ARCH: TargetArch = TargetArch::riscv64;

/// AUDIT_ARCH_* of [`ARCH`] (linux/audit.h: EM_* | 64-bit | little endian).
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;
#[cfg(target_arch = "riscv64")]
const AUDIT_ARCH: u32 = 0xC000_00F3;

/// open_tree_attr(2) (Linux 6.15; the same number on every architecture),
/// which libc does not name yet.
const SYS_OPEN_TREE_ATTR: i64 = 467;

/// Syscalls refused (EPERM) to every command: kernel images and modules,
/// keyrings, BPF and perf, raw I/O, swap, reboot, clocks, accounting,
/// quotas, the kernel log, file handles (open_by_handle_at escapes bind
/// mounts), userfaultfd (kernel race exploits) and namespace switching.
fn refused_syscalls() -> Vec<i64> {
    let mut calls = vec![
        libc::SYS_kexec_load,
        libc::SYS_bpf,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_perf_event_open,
        libc::SYS_open_by_handle_at,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_reboot,
        libc::SYS_acct,
        libc::SYS_settimeofday,
        libc::SYS_clock_settime,
        libc::SYS_clock_adjtime,
        libc::SYS_adjtimex,
        libc::SYS_lookup_dcookie,
        libc::SYS_userfaultfd,
        libc::SYS_quotactl,
        libc::SYS_quotactl_fd,
        libc::SYS_syslog,
        libc::SYS_setns,
        // io_uring: a large kernel surface no sandbox needs (Docker refuses it too).
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
    ];
    #[cfg(not(target_arch = "riscv64"))]
    calls.push(libc::SYS_kexec_file_load);
    // libc does not name it on riscv64 (the generic table's number).
    #[cfg(target_arch = "riscv64")]
    calls.push(294);
    #[cfg(target_arch = "x86_64")]
    calls.extend([libc::SYS_iopl, libc::SYS_ioperm, libc::SYS_uselib]);
    calls
}

/// The mount family: refused (EPERM) but to a privileged root, whose
/// mounts the locks of its mount namespace keep safe.
fn mount_syscalls() -> Vec<i64> {
    vec![
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_move_mount,
        libc::SYS_open_tree,
        SYS_OPEN_TREE_ATTR,
        libc::SYS_fsopen,
        libc::SYS_fsconfig,
        libc::SYS_fsmount,
        libc::SYS_fspick,
        libc::SYS_mount_setattr,
    ]
}

/// personality(2) values allowed (Docker's): PER_LINUX, UNAME26,
/// ADDR_NO_RANDOMIZE alone and with UNAME26... and the query 0xffffffff.
const PERSONALITIES: [u64; 5] = [0x0, 0x0008, 0x20000, 0x20008, 0xffff_ffff];

fn condition(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value)
        .map_err(|e| format!("cannot build the seccomp filter: {e}"))
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, String> {
    SeccompRule::new(conditions).map_err(|e| format!("cannot build the seccomp filter: {e}"))
}

/// The command's seccomp filter, as BPF for this architecture: everything
/// is allowed but [`refused_syscalls`] (EPERM), [`mount_syscalls`] unless
/// `allow_mounts` (EPERM), personality(2) with a value not in
/// [`PERSONALITIES`] (EPERM), clone(2)/unshare(2) making a user namespace
/// (EPERM), mknod(2)/mknodat(2) of a device node (EPERM) and clone3(2) (ENOSYS: its flags are behind a pointer the filter
/// cannot read; libc falls back to clone). Any other architecture (i386
/// through int 0x80) kills the process; x32 syscalls fail with ENOSYS.
fn seccomp_program(allow_mounts: bool) -> Result<Vec<sock_filter>, String> {
    use std::collections::BTreeMap;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for call in refused_syscalls() {
        rules.insert(call, Vec::new());
    }
    if !allow_mounts {
        for call in mount_syscalls() {
            rules.insert(call, Vec::new());
        }
    }
    let other_personality = PERSONALITIES
        .iter()
        .map(|&value| condition(0, SeccompCmpOp::Ne, value))
        .collect::<Result<Vec<_>, _>>()?;
    rules.insert(libc::SYS_personality, vec![rule(other_personality)?]);
    let newuser = libc::CLONE_NEWUSER as u64;
    for call in [libc::SYS_clone, libc::SYS_unshare] {
        // The flags are the first argument of both (also clone's on x86_64).
        let makes_userns = condition(0, SeccompCmpOp::MaskedEq(newuser), newuser)?;
        rules.insert(call, vec![rule(vec![makes_userns])?]);
    }
    // Device nodes: the kernel refuses them in the LXC user namespace, but
    // in a VM the guest's root would make them in a writable 9p share, where
    // they are real device nodes of the host.
    let file_type = libc::S_IFMT as u64;
    let mut mknod_calls = vec![(libc::SYS_mknodat, 2)];
    #[cfg(target_arch = "x86_64")]
    mknod_calls.push((libc::SYS_mknod, 1));
    for (call, mode_arg) in mknod_calls {
        let device = |kind: libc::mode_t| {
            condition(mode_arg, SeccompCmpOp::MaskedEq(file_type), kind as u64)
                .and_then(|c| rule(vec![c]))
        };
        rules.insert(call, vec![device(libc::S_IFCHR)?, device(libc::S_IFBLK)?]);
    }
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        ARCH,
    )
    .map_err(|e| format!("cannot build the seccomp filter: {e}"))?;
    let body: Vec<sock_filter> = filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| format!("cannot build the seccomp filter: {e}"))?;

    // seccompiler has one action per filter and knows no x32: a few
    // instructions of our own run first, then fall through to its program.
    let stmt = |code: u32, k: u32| sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |code: u32, k: u32, jt: u8, jf: u8| sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    };
    let load = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    let ret = libc::BPF_RET | libc::BPF_K;
    let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
    // struct seccomp_data: int nr; __u32 arch; ...
    let (nr_offset, arch_offset) = (0, 4);
    let mut program = vec![
        stmt(load, arch_offset),
        jump(
            libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K,
            AUDIT_ARCH,
            1,
            0,
        ),
        stmt(ret, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(load, nr_offset),
    ];
    #[cfg(target_arch = "x86_64")]
    program.extend([
        // x32 syscalls carry __X32_SYSCALL_BIT with the x86_64 arch.
        jump(
            libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K,
            0x4000_0000,
            0,
            1,
        ),
        stmt(ret, enosys),
    ]);
    program.extend([
        jump(
            libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K,
            libc::SYS_clone3 as u32,
            0,
            1,
        ),
        stmt(ret, enosys),
    ]);
    program.extend(body);
    Ok(program)
}

/// In the command's child, last before exec: installs `program`.
fn install_seccomp(program: &[sock_filter]) -> Result<(), String> {
    sys::install_seccomp_filter(program)
        .map_err(|e| format!("cannot install the seccomp filter: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_map_a_private_range_but_the_commands_own_id() {
        let base = FIRST_BASE;
        let root = Ids::with_base(base, 0, 0).unwrap();
        assert_eq!(root.uid.lines(), format!("0 {base} 65536\n"));
        assert_eq!(root.uid.host(0), Some(base));
        assert_eq!(root.uid.host(42), Some(base + 42));
        assert_eq!(root.uid.host(65536), None);
        let alice = Ids::with_base(base, 1000, 1001).unwrap();
        assert_eq!(
            alice.uid.lines(),
            format!("0 {base} 1000\n1000 1000 1\n1001 {} 64535\n", base + 1001)
        );
        assert_eq!(alice.uid.host(1000), Some(1000));
        assert_eq!(alice.uid.host(0), Some(base));
        assert_eq!(alice.gid.host(1001), Some(1001));
        assert_eq!(
            Ids::with_base(base, 65535, 0).unwrap().uid.lines(),
            format!("0 {base} 65535\n65535 65535 1\n")
        );
        let ldap = Ids::with_base(base, 200_000, 0).unwrap();
        assert_eq!(
            ldap.uid.lines(),
            format!("0 {base} 65536\n200000 200000 1\n")
        );
        assert_eq!(Ids::host_owner(Some(&alice), 0, 1001), (base, 1001));
        assert_eq!(Ids::host_owner(None, 0, 0), (0, 0));
        // An own id inside the range: that range is refused, another fits.
        assert!(Ids::with_base(base, base + 5, 0).is_err());
        let chosen = Ids::choose(FIRST_BASE + 5, 0).unwrap();
        assert_eq!(chosen.uid.host(FIRST_BASE + 5), Some(FIRST_BASE + 5));
        assert!(chosen.uid.host(0).unwrap() >= FIRST_BASE);
        assert!(chosen.uid.host(65535).unwrap() <= 0x7fff_ffff);
    }

    #[test]
    fn hex_decodes() {
        assert_eq!(hex_decode("").unwrap(), Vec::<u8>::new());
        assert_eq!(hex_decode("00ff7Fa0").unwrap(), vec![0, 0xff, 0x7f, 0xa0]);
        assert!(hex_decode("abc").unwrap_err().contains("odd"));
        assert!(hex_decode("zz").unwrap_err().contains("offset 0"));
        assert!(hex_decode("00g0").unwrap_err().contains("offset 2"));
    }

    #[test]
    fn the_filter_compiles() {
        let strict = seccomp_program(false).unwrap();
        let privileged = seccomp_program(true).unwrap();
        // The mount family adds rules; both fit in a BPF program.
        assert!(strict.len() > privileged.len());
        assert!(strict.len() < 4096);
        // Our prefix checks the architecture first.
        assert_eq!(strict[0].k, 4);
        assert_eq!(strict[1].k, AUDIT_ARCH);
    }

    /// Runs `f` in a forked child with `program` installed (no_new_privs
    /// first, as for an unprivileged command); returns its exit code.
    fn in_filtered_child(program: &[sock_filter], f: fn() -> i32) -> i32 {
        match sys::fork().unwrap() {
            ForkResult::Child => {
                // Only async-signal-safe calls here: the test harness has threads.
                let code = if nix::sys::prctl::set_no_new_privs().is_err()
                    || sys::install_seccomp_filter(program).is_err()
                {
                    100
                } else {
                    f()
                };
                // _exit: the harness's atexit handlers are not the child's.
                sys::exit_now(code)
            }
            ForkResult::Parent { child } => match nix::sys::wait::waitpid(child, None).unwrap() {
                nix::sys::wait::WaitStatus::Exited(_, code) => code,
                other => panic!("the filtered child ended with {other:?}"),
            },
        }
    }

    /// errno of a raw syscall (0: it worked).
    fn errno(nr: libc::c_long, a: usize, b: usize) -> i32 {
        // SAFETY: the probes below pass integers, null pointers and static C
        // strings to calls that only read them.
        unsafe { sys::syscall_errno(nr, a, b) }
    }

    #[test]
    fn the_filter_refuses_what_it_should() {
        let strict = seccomp_program(false).unwrap();
        // Bits of the exit code: which checks failed.
        let code = in_filtered_child(&strict, || {
            let path = c"/nonexistent".as_ptr() as usize;
            let node = c"/nonexistent/node".as_ptr() as usize;
            let checks = [
                (errno(libc::SYS_keyctl, 0, 0), libc::EPERM),
                (
                    errno(libc::SYS_unshare, libc::CLONE_NEWUSER as usize, 0),
                    libc::EPERM,
                ),
                (errno(libc::SYS_clone3, 0, 0), libc::ENOSYS),
                (errno(libc::SYS_personality, 0x0040_0000, 0), libc::EPERM),
                (errno(libc::SYS_personality, 0xffff_ffff, 0), 0),
                (errno(libc::SYS_umount2, path, 0), libc::EPERM),
                (errno(libc::SYS_getpid, 0, 0), 0),
                (errno(libc::SYS_io_uring_setup, 1, 0), libc::EPERM),
                // A device node is refused, a FIFO reaches the kernel.
                #[cfg(target_arch = "x86_64")]
                (
                    errno(libc::SYS_mknod, node, (libc::S_IFBLK | 0o600) as usize),
                    libc::EPERM,
                ),
                #[cfg(target_arch = "x86_64")]
                (
                    errno(libc::SYS_mknod, node, (libc::S_IFIFO | 0o600) as usize),
                    libc::ENOENT,
                ),
                #[cfg(target_arch = "x86_64")]
                (errno(0x4000_0000 | libc::SYS_getpid, 0, 0), libc::ENOSYS),
            ];
            checks
                .iter()
                .enumerate()
                .filter(|(_, (got, want))| got != want)
                .fold(0, |bits, (i, _)| bits | 1 << i)
        });
        assert_eq!(code, 0, "failed checks (bits): {code:#b}");

        // A privileged root may try mounts: the kernel answers (ENOENT for
        // root, EPERM for anyone else).
        let privileged = seccomp_program(true).unwrap();
        let code = in_filtered_child(&privileged, || {
            let e = errno(libc::SYS_umount2, c"/nonexistent".as_ptr() as usize, 0);
            let want = if nix::unistd::geteuid().is_root() {
                libc::ENOENT
            } else {
                libc::EPERM
            };
            i32::from(e != want)
        });
        assert_eq!(code, 0);
    }
}
