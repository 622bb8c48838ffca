// SPDX-License-Identifier: LGPL-2.1-or-later
//! The per-sandbox state directory on the host: created at start, removed at
//! stop, on a failed start, and when the context is finalized.
//!
//! Everything in it is the owner's only: the state root and each sandbox's
//! directory are mode 0700 and its files 0600 (set explicitly, whatever the
//! umask), so that no other user, and no other sandbox, reads a launch spec
//! (which carries the sandbox's secret and environment) or reaches an app
//! channel socket. The one exception is a virtual machine's QEMU, which
//! runs unprivileged as a user of its own with libvirt's QEMU group (see
//! [`super::lending`]): it must reach the launch spec (the guest reads its
//! state directory over 9p) and the channel socket, so
//! [`StateDir::grant_qemu`] gives the group search (not read) on the root
//! and that one user, by ACL entries, read on the sandbox's directory and
//! on its shared files. No other VM's QEMU gets anything of it.
//!
//! Each directory records its owner (the file `owner`: the creating
//! process's pid and start time), so that a later start can tell the
//! directory of a killed owner, which nothing else would remove, from one
//! in use, and sweep it (see [`sweep`]).

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{SandboxError, error};

/// Mode of the state root and of each sandbox's directory.
const DIR_MODE: u32 = 0o700;
/// The root, with search for the group of an unprivileged QEMU.
const ROOT_MODE_GROUP: u32 = 0o710;
/// Mode of the files in a state directory.
const FILE_MODE: u32 = 0o600;

/// The file naming the process that owns a state directory.
pub(crate) const OWNER_FILE: &str = "owner";
/// How long a directory without a readable owner file is left alone: it
/// may be a start in progress (its owner file not written yet, or written
/// by nothing: a version before owner files).
const UNOWNED_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

/// A process, as the owner file records it: its pid and its start time
/// (`/proc/PID/stat` field 22, in clock ticks since boot), which tells it
/// from a later process that got the same pid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
    pub(crate) pid: i32,
    pub(crate) start: u64,
}

impl Owner {
    /// This process.
    pub(crate) fn current() -> crate::Result<Self> {
        let pid = std::process::id() as i32;
        let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot read /proc/self/stat to record the state directory's owner: {e}"),
            )
        })?;
        let start = start_time(&stat).ok_or_else(|| {
            error(
                SandboxError::Io,
                "cannot parse /proc/self/stat to record the state directory's owner",
            )
        })?;
        Ok(Self { pid, start })
    }

    /// The owner file's text: `PID START\n`.
    fn to_text(self) -> String {
        format!("{} {}\n", self.pid, self.start)
    }

    fn parse(text: &str) -> Option<Self> {
        let mut fields = text.split_whitespace();
        let pid = fields.next()?.parse().ok().filter(|&p: &i32| p > 0)?;
        let start = fields.next()?.parse().ok()?;
        fields.next().is_none().then_some(Self { pid, start })
    }

    /// Whether the process still runs (the same one: same start time; a
    /// zombie cannot clean up any more).
    fn alive(self) -> bool {
        match std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            Ok(stat) => {
                start_time(&stat) == Some(self.start)
                    && !matches!(stat_state(&stat), Some('Z' | 'X'))
            }
            // Gone; anything else (no /proc?) counts as alive: never
            // remove what may be in use.
            Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        }
    }
}

/// Field 22 (`starttime`) of a `/proc/PID/stat` text. The second field (the
/// command name, in parentheses) may hold spaces and parentheses: the
/// fields are counted after its last `)`.
fn start_time(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    // `rest` starts with field 3 (the state).
    rest.split_whitespace().nth(22 - 3)?.parse().ok()
}

/// Field 3 (the state letter) of a `/proc/PID/stat` text.
fn stat_state(stat: &str) -> Option<char> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.trim_start().chars().next()
}

/// Prefix of a state directory being made (see [`StateDir::create_in`]).
const STAGING_PREFIX: &str = ".new-";

/// `.new-PID-START-SEQUENCE`: the name of a state directory being made by
/// `owner`, its `sequence`th of this process.
fn staging_name(owner: Owner, sequence: u64) -> String {
    format!("{STAGING_PREFIX}{}-{}-{sequence}", owner.pid, owner.start)
}

/// The owner recorded in a [`staging_name`].
fn staging_owner(name: &str) -> Option<Owner> {
    let mut fields = name.strip_prefix(STAGING_PREFIX)?.split('-');
    let pid = fields.next()?.parse().ok().filter(|&p: &i32| p > 0)?;
    let start = fields.next()?.parse().ok()?;
    fields.next()?.parse::<u64>().ok()?;
    fields.next().is_none().then_some(Owner { pid, start })
}

/// What [`sweep`] makes of one directory of the state root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stale {
    /// Its owner is gone: it is left over.
    DeadOwner(Owner),
    /// It has no readable owner file and is older than [`UNOWNED_GRACE`]:
    /// left over too, unless its sandbox is seen running.
    Unowned,
}

/// Removes the state directories in `root` that no live process owns (see
/// [`Owner`]), after `release(name, why)` said yes for each (it ends what
/// else the dead sandbox left: its domain, its cgroup). Never touches a
/// directory whose owner lives, one without a readable owner file younger
/// than a minute, nor anything that is not a directory of this user's.
/// Returns the names removed. Errors are only logged: a sweep must never
/// stop a start.
pub(crate) fn sweep(root: &Path, release: impl Fn(&str, Stale) -> bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let euid = nix::unistd::geteuid().as_raw();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.file_type().is_dir() || meta.uid() != euid {
            continue;
        }
        if name.starts_with(STAGING_PREFIX) {
            // Nothing else of a start exists before its directory is in place.
            if let Some(owner) = staging_owner(&name).filter(|owner| !owner.alive()) {
                remove_left_over(&path, Stale::DeadOwner(owner));
            }
            continue;
        }
        let owner = std::fs::read_to_string(path.join(OWNER_FILE))
            .ok()
            .and_then(|text| Owner::parse(&text));
        let stale = match owner {
            Some(owner) if owner.alive() => continue,
            Some(owner) => Stale::DeadOwner(owner),
            None => {
                let age = meta
                    .modified()
                    .ok()
                    .and_then(|m| m.elapsed().ok())
                    .unwrap_or_default();
                if age < UNOWNED_GRACE {
                    continue;
                }
                Stale::Unowned
            }
        };
        if release(&name, stale) && remove_left_over(&path, stale) {
            removed.push(name);
        }
    }
    removed
}

/// Removes the state directory `path` of a gone owner; whether it did.
fn remove_left_over(path: &Path, stale: Stale) -> bool {
    match std::fs::remove_dir_all(path) {
        Ok(()) => {
            glib::g_debug!(
                "LibvirtSandbox",
                "removed the state directory '{}' left by a sandbox whose owner is gone \
                 ({stale:?})",
                path.display()
            );
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            glib::g_warning!(
                "LibvirtSandbox",
                "cannot remove the state directory '{}' of a sandbox whose owner is gone: {e}; \
                 remove it by hand",
                path.display()
            );
            false
        }
    }
}

/// Parent of every state directory: `/run/libvirt-sandbox` for root, the
/// user's runtime directory otherwise.
pub(crate) fn state_root() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        PathBuf::from("/run/libvirt-sandbox")
    } else {
        glib::user_runtime_dir().join("libvirt-sandbox")
    }
}

fn io_error(what: &str, path: &Path, e: impl std::fmt::Display) -> crate::Error {
    error(
        SandboxError::Io,
        format!(
            "cannot {what} sandbox state directory '{}': {e}",
            path.display()
        ),
    )
}

fn set_mode(path: &Path, mode: u32) -> crate::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| io_error("set the mode of", path, e))
}

/// Makes `root` an owner-only directory of ours: creates it (mode 0700),
/// or checks that the existing one is a directory (not a link) owned by
/// this user and tightens a wider mode to 0700. 0710 stays: that is a
/// group search grant of [`StateDir::grant_qemu`].
fn ensure_root(root: &Path) -> crate::Result<()> {
    if let Some(parent) = root.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
    }
    match std::fs::DirBuilder::new().mode(DIR_MODE).create(root) {
        Ok(()) => return set_mode(root, DIR_MODE),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error("create", root, e)),
    }
    let meta = std::fs::symlink_metadata(root).map_err(|e| io_error("inspect", root, e))?;
    let euid = nix::unistd::geteuid().as_raw();
    if !meta.file_type().is_dir() || meta.uid() != euid {
        return Err(error(
            SandboxError::Io,
            format!(
                "the sandbox state root '{}' is not a directory owned by user {euid}: \
                 something else created it; remove it and try again",
                root.display()
            ),
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode != DIR_MODE && mode != ROOT_MODE_GROUP {
        glib::g_debug!(
            "LibvirtSandbox",
            "tightening the mode of the state root '{}' from {mode:04o} to {DIR_MODE:04o}",
            root.display()
        );
        set_mode(root, DIR_MODE)?;
    }
    Ok(())
}

/// An owned state directory; dropping it removes it and everything in it.
#[derive(Debug)]
pub(crate) struct StateDir {
    path: PathBuf,
    /// The user of the virtual machine's QEMU granted read access, if any.
    qemu: Option<u32>,
}

impl StateDir {
    /// Creates `<state root>/<name>` (mode 0700); it must not exist yet.
    pub(crate) fn create(name: &str) -> crate::Result<Self> {
        Self::create_in(&state_root(), name)
    }

    /// The directory is made whole under a staging name that records its
    /// owner (see [`staging_name`]) and only then renamed into place, so a
    /// kill at any moment leaves either nothing, a staging directory the
    /// sweep knows the owner of, or a directory with its owner file.
    pub(crate) fn create_in(root: &Path, name: &str) -> crate::Result<Self> {
        static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        ensure_root(root)?;
        let owner = Owner::current()?;
        let sequence = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let staging = root.join(staging_name(owner, sequence));
        std::fs::DirBuilder::new()
            .mode(DIR_MODE)
            .create(&staging)
            .map_err(|e| io_error("create", &staging, e))?;
        let mut dir = Self {
            path: staging,
            qemu: None,
        };
        set_mode(&dir.path, DIR_MODE)?;
        dir.write_file(OWNER_FILE, owner.to_text().as_bytes(), false)?;
        let path = root.join(name);
        nix::fcntl::renameat2(
            nix::fcntl::AT_FDCWD,
            &dir.path,
            nix::fcntl::AT_FDCWD,
            &path,
            nix::fcntl::RenameFlags::RENAME_NOREPLACE,
        )
        .map_err(|e| io_error("create", &path, std::io::Error::from(e)))?;
        dir.path = path;
        Ok(dir)
    }

    /// Creates `root/name` (mode 0700) for a service sandbox: persistent,
    /// so no owner is recorded (the sweep never looks there); it must not
    /// exist yet. Dropping it removes it, until [`persist`](Self::persist).
    pub(crate) fn create_persistent(root: &Path, name: &str) -> crate::Result<Self> {
        ensure_root(root)?;
        let path = root.join(name);
        std::fs::DirBuilder::new()
            .mode(DIR_MODE)
            .create(&path)
            .map_err(|e| io_error("create", &path, e))?;
        let dir = Self { path, qemu: None };
        set_mode(&dir.path, DIR_MODE)?;
        Ok(dir)
    }

    /// Keeps the directory: it outlives this value (a service's).
    pub(crate) fn persist(self) {
        std::mem::forget(self);
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Lets a virtual machine's QEMU, user `uid` of group `gid`, read this
    /// directory and the files written from now on with
    /// [`write_file`](Self::write_file)`(.., true)`: the group may search
    /// the state root (not list it), the user alone read the rest. Nothing
    /// else: it cannot create or remove anything.
    pub(crate) fn grant_qemu(&mut self, uid: u32, gid: u32) -> crate::Result<()> {
        let root = self.path.parent().unwrap_or(Path::new("/"));
        std::os::unix::fs::chown(root, None, Some(gid))
            .map_err(|e| io_error("change the group of", root, e))?;
        set_mode(root, ROOT_MODE_GROUP)?;
        super::acl::grant(&self.path, uid, super::acl::READ | super::acl::EXECUTE)
            .map_err(|e| io_error("share", &self.path, e))?;
        self.qemu = Some(uid);
        Ok(())
    }

    /// Creates the new file `name` with `data`: mode 0600, readable by the
    /// granted QEMU user too when `shared` (see [`grant_qemu`](Self::grant_qemu)).
    /// Never follows a link, never replaces a file.
    pub(crate) fn write_file(&self, name: &str, data: &[u8], shared: bool) -> crate::Result<()> {
        let path = self.path.join(name);
        let fail = |what: &str, e: std::io::Error| {
            let _ = std::fs::remove_file(&path);
            error(
                SandboxError::Io,
                format!("cannot {what} '{}': {e}", path.display()),
            )
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| {
                error(
                    SandboxError::Io,
                    format!("cannot create '{}': {e}", path.display()),
                )
            })?;
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
            .map_err(|e| fail("set the mode of", e))?;
        if let Some(uid) = self.qemu.filter(|_| shared) {
            super::acl::grant(&path, uid, super::acl::READ).map_err(|e| fail("share", e))?;
        }
        file.write_all(data).map_err(|e| fail("write", e))?;
        Ok(())
    }
}

/// Removes the launch spec from the state directory `dir` (it holds the
/// sandbox's secret and `-e` values) once the guest init has read it.
pub(crate) fn forget_launch_spec(dir: &Path) {
    let path = dir.join(crate::builder::LAUNCH_SPEC_NAME);
    match std::fs::remove_file(&path) {
        Ok(()) => glib::g_debug!("LibvirtSandbox", "removed '{}'", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => glib::g_warning!(
            "LibvirtSandbox",
            "cannot remove the launch spec '{}' (it holds the sandbox's secret and \
             environment): {e}",
            path.display()
        ),
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            glib::g_warning!(
                "LibvirtSandbox",
                "cannot remove sandbox state directory '{}': {e}",
                self.path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn owner_only() {
        let base = crate::builder::testing::temp_dir("state");
        let root = base.join("root");
        let dir = StateDir::create_in(&root, "one").unwrap();
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(dir.path()), 0o700);
        dir.write_file("launch.json", b"{}", true).unwrap();
        assert_eq!(mode(&dir.path().join("launch.json")), 0o600);
        assert_eq!(mode(&dir.path().join(OWNER_FILE)), 0o600);
        forget_launch_spec(dir.path());
        assert!(!dir.path().join("launch.json").exists());
        forget_launch_spec(dir.path()); // already gone: fine
        dir.write_file("launch.json", b"{}", true).unwrap();
        // Never replaces a file, never follows a link.
        assert!(dir.write_file("launch.json", b"x", false).is_err());
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("evil")).unwrap();
        assert!(dir.write_file("evil", b"x", false).is_err());
        let path = dir.path().to_owned();
        drop(dir);
        assert!(!path.exists());

        // A wider root is tightened; a group search grant stays.
        set_mode(&root, 0o755).unwrap();
        let dir = StateDir::create_in(&root, "two").unwrap();
        assert_eq!(mode(&root), 0o700);
        set_mode(&root, 0o710).unwrap();
        drop(dir);
        let _dir = StateDir::create_in(&root, "three").unwrap();
        // Never takes over a name in use, not even an empty directory, and
        // leaves no staging directory behind, made or refused.
        assert!(StateDir::create_in(&root, "three").is_err());
        std::fs::create_dir(root.join("empty")).unwrap();
        assert!(StateDir::create_in(&root, "empty").is_err());
        let mut names: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["empty", "three"]);
        assert_eq!(mode(&root), 0o710);

        // A link in place of the root is refused.
        let link = base.join("link");
        std::os::unix::fs::symlink(&root, &link).unwrap();
        let err = StateDir::create_in(&link, "four").unwrap_err();
        assert!(err.message().contains("not a directory owned by"), "{err}");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn reads_proc_stat() {
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 98 0 0 0 0 0 0 0 20 0 1 \
                    0 123456 4096 1 18446744073709551615";
        assert_eq!(start_time(stat), Some(123456));
        assert_eq!(stat_state(stat), Some('S'));
        assert_eq!(start_time("4242 (x) S 1"), None);
        let me = Owner::current().unwrap();
        assert_eq!(me.pid, std::process::id() as i32);
        assert_eq!(Owner::parse(&me.to_text()), Some(me));
        for bad in ["", "12", "x 1", "-1 5", "0 5", "12 5 6"] {
            assert_eq!(Owner::parse(bad), None, "{bad:?}");
        }
        assert!(me.alive());
        assert!(
            !Owner {
                start: me.start + 1,
                ..me
            }
            .alive()
        );
    }

    #[test]
    fn sweep_removes_only_what_a_dead_owner_left() {
        let base = crate::builder::testing::temp_dir("state-sweep");
        let root = base.join("root");
        let live = StateDir::create_in(&root, "live").unwrap();
        let me = Owner::current().unwrap();
        // A dead owner: an exited child (reaped), and a pid reused by a
        // later process (another start time).
        let child = std::process::Command::new("true").spawn().unwrap().wait();
        assert!(child.unwrap().success());
        let make = |name: &str, owner: Option<String>| {
            let dir = root.join(name);
            std::fs::create_dir(&dir).unwrap();
            if let Some(text) = owner {
                std::fs::write(dir.join(OWNER_FILE), text).unwrap();
            }
            std::fs::write(dir.join("launch.json"), "{}").unwrap();
            dir
        };
        let reused = make(
            "reused",
            Some(
                Owner {
                    start: me.start + 1,
                    ..me
                }
                .to_text(),
            ),
        );
        // No such pid: above the kernel's pid_max.
        let gone = make("gone", Some("2147483647 1\n".to_owned()));
        let fresh = make("fresh", None);
        let old = make("old", Some("garbage".to_owned()));
        let refused = make("refused", Some("2147483647 2\n".to_owned()));
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::open(&old)
            .unwrap()
            .set_modified(an_hour_ago)
            .unwrap();
        std::fs::write(root.join("a-file"), "").unwrap();
        // Starts killed before their directory was in place, and one going on.
        let dead_staging = root.join(staging_name(
            Owner {
                pid: 2147483647,
                start: 1,
            },
            0,
        ));
        std::fs::create_dir(&dead_staging).unwrap();
        let live_staging = root.join(staging_name(me, 7));
        std::fs::create_dir(&live_staging).unwrap();
        let odd_staging = root.join(".new-2147483647-1");
        std::fs::create_dir(&odd_staging).unwrap();

        let seen = std::cell::RefCell::new(Vec::new());
        let mut removed = sweep(&root, |name, stale| {
            seen.borrow_mut().push((name.to_owned(), stale));
            name != "refused"
        });
        removed.sort();
        assert_eq!(removed, ["gone", "old", "reused"]);
        assert!(live.path().join(OWNER_FILE).is_file());
        assert!(fresh.is_dir() && refused.is_dir() && root.join("a-file").is_file());
        assert!(!gone.exists() && !old.exists() && !reused.exists());
        assert!(!dead_staging.exists() && live_staging.is_dir() && odd_staging.is_dir());
        assert!(
            seen.borrow()
                .iter()
                .all(|(name, _)| !name.starts_with(STAGING_PREFIX))
        );
        let mut seen = seen.into_inner();
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(seen[1], ("old".to_owned(), Stale::Unowned));
        assert!(matches!(seen[0].1, Stale::DeadOwner(o) if o.pid == 2147483647));
        drop(live);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn qemu_grant_is_search_for_the_group_and_read_for_one_user() {
        let base = crate::builder::testing::temp_dir("state-grant");
        let root = base.join("root");
        let mut dir = StateDir::create_in(&root, "vm").unwrap();
        let gid = nix::unistd::getegid().as_raw();
        let qemu = super::super::lending::VM_UIDS.start + 3;
        dir.grant_qemu(qemu, gid).unwrap();
        dir.write_file("launch.json", b"{}", true).unwrap();
        dir.write_file("sandbox.cfg", b"", false).unwrap();
        assert_eq!(mode(&root), 0o710);
        // The group bits show the ACL's mask, the owning group has nothing.
        assert_eq!(mode(dir.path()), 0o750);
        assert_eq!(mode(&dir.path().join("launch.json")), 0o640);
        assert_eq!(mode(&dir.path().join("sandbox.cfg")), 0o600);
        let entries = |path: &Path| {
            xattr::get(path, "system.posix_acl_access")
                .unwrap()
                .map(|acl| {
                    acl[4..]
                        .chunks_exact(8)
                        .map(|e| (e[0], e[2], u32::from_le_bytes([e[4], e[5], e[6], e[7]])))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        let named = |path: &Path| -> Vec<(u8, u32)> {
            entries(path)
                .into_iter()
                .filter(|e| e.0 == 2 || e.0 == 8)
                .map(|e| (e.1, e.2))
                .collect()
        };
        assert_eq!(named(dir.path()), [(5, qemu)]);
        assert_eq!(named(&dir.path().join("launch.json")), [(4, qemu)]);
        assert!(entries(&dir.path().join("sandbox.cfg")).is_empty());
        // The owning group (root's) gets nothing.
        assert!(entries(dir.path()).contains(&(4, 0, u32::MAX)));
        drop(dir);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
