// SPDX-License-Identifier: LGPL-2.1-or-later
//! A virtual machine's QEMU user and the host files lent to it.
//!
//! Every VM's QEMU runs as a uid of its own (from [`VM_UIDS`], far from
//! real users and from the containers' ranges), with libvirt's QEMU group
//! (which it needs to reach libvirt's per-domain directory). So one
//! escaped QEMU can neither trace nor read another VM's, and a guest root
//! reading the host through its 9p root share reads what that fresh uid
//! may: files open to all (or to libvirt's QEMU group), not the images lent
//! to other VMs nor libvirt's per-domain keys.
//!
//! libvirt's DAC driver would relabel the images and disks for that uid,
//! but it would also relabel the cached kernel and initrd that every VM
//! shares, which it refuses for a second VM with another owner. So the
//! domain says `relabel='no'` and the library lends the files itself, with
//! an ACL entry for the uid (see [`super::acl`]): owners, groups and modes
//! stay, several VMs can share an image, and everything is given back when
//! the sandbox ends. The uid and the files lent are recorded in the state
//! directory first ([`RECORD`]), so that the sweep gives them back after a
//! killed owner too ([`give_back_recorded`]).

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::acl;
use crate::error::{SandboxError, error};

/// Where VMs' QEMU uids are picked: below the containers' private ranges
/// (which start at 2^30), above any real or dynamic user's.
pub(crate) const VM_UIDS: std::ops::Range<u32> = 0x3000_0000..0x4000_0000;

/// The record in a VM's state directory: its QEMU uid on the first line,
/// then each lent path, NUL-terminated.
pub(crate) const RECORD: &str = "qemu-user";

/// Locks the state root `root` (an flock on the directory itself, so
/// nothing is left in it), serialising the uid choices and ACL changes of
/// all sandboxes: two VMs sharing an image must not lose each other's entry.
fn lock(root: &Path) -> crate::Result<nix::fcntl::Flock<std::fs::File>> {
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_DIRECTORY | nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(root)
        .map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot open the state root '{}': {e}", root.display()),
            )
        })?;
    nix::fcntl::Flock::lock(dir, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| {
        error(
            SandboxError::Io,
            format!("cannot lock the state root '{}': {e}", root.display()),
        )
    })
}

/// The QEMU uid recorded in the state directory `dir`, and the paths lent.
fn read_record(dir: &Path) -> Option<(u32, Vec<PathBuf>)> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = std::fs::read(dir.join(RECORD)).ok()?;
    let newline = bytes.iter().position(|&b| b == b'\n')?;
    let uid = std::str::from_utf8(&bytes[..newline]).ok()?.parse().ok()?;
    let paths = bytes[newline + 1..]
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(std::ffi::OsStr::from_bytes(p)))
        .collect();
    Some((uid, paths))
}

/// The uids the VMs of the state directories in `root` run as.
fn uids_in_use(root: &Path) -> Vec<u32> {
    std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| read_record(&entry.path()).map(|(uid, _)| uid))
                .collect()
        })
        .unwrap_or_default()
}

/// One VM's QEMU user and what it was lent; dropping it gives everything
/// back.
#[derive(Debug)]
pub(crate) struct Lending {
    root: PathBuf,
    record: PathBuf,
    uid: u32,
    lent: Vec<PathBuf>,
}

impl Lending {
    /// Picks the QEMU uid of the VM whose state directory is `state` (one
    /// no other sandbox's VM has) and records it there.
    pub(crate) fn begin(state: &super::state::StateDir) -> crate::Result<Self> {
        let dir = state.path();
        let root = dir.parent().unwrap_or(Path::new("/")).to_owned();
        let _lock = lock(&root)?;
        // Interactive VMs and service VMs record their uids in two roots:
        // none may take a uid of the other.
        let mut taken = uids_in_use(&root);
        for other in [
            super::state::state_root(),
            PathBuf::from(super::service::SERVICES_ROOT),
        ] {
            if other != root {
                taken.extend(uids_in_use(&other));
            }
        }
        let uid = std::iter::repeat_with(|| {
            glib::random_int_range(VM_UIDS.start as i32, VM_UIDS.end as i32) as u32
        })
        .take(64)
        .find(|uid| !taken.contains(uid))
        .ok_or_else(|| {
            error(
                SandboxError::Io,
                "cannot find a free uid for the virtual machine's QEMU",
            )
        })?;
        state.write_file(RECORD, format!("{uid}\n").as_bytes(), false)?;
        Ok(Self {
            root,
            record: dir.join(RECORD),
            uid,
            lent: Vec::new(),
        })
    }

    /// Keeps what was lent for good (a service's VM, defined to boot later):
    /// [`give_back_recorded`] gives it back when the service goes.
    pub(crate) fn persist(self) {
        std::mem::forget(self);
    }

    /// The QEMU uid.
    pub(crate) fn uid(&self) -> u32 {
        self.uid
    }

    /// Lends `path` (`what` it is, for errors) to QEMU for the run: what
    /// its owner may do of reading and writing (as libvirt's relabelling
    /// would give), recorded before it is granted.
    pub(crate) fn lend(&mut self, what: &str, path: &Path) -> crate::Result<()> {
        self.lend_as(what, path, None)
    }

    /// Lets QEMU search the directory `dir` (`what` it is for, for errors)
    /// for the run, to reach a lent file in it; recorded as [`lend`](Self::lend).
    pub(crate) fn lend_search(&mut self, what: &str, dir: &Path) -> crate::Result<()> {
        self.lend_as(what, dir, Some(acl::EXECUTE))
    }

    /// Lends `path` with `perm`, by default its owner's reading and writing.
    fn lend_as(&mut self, what: &str, path: &Path, perm: Option<u16>) -> crate::Result<()> {
        use std::os::unix::ffi::OsStrExt;
        let fail = |doing: &str, e: std::io::Error| {
            error(
                SandboxError::InvalidDisk,
                format!(
                    "{what}: cannot {doing} '{}' for the virtual machine's QEMU: {e}",
                    path.display()
                ),
            )
        };
        let path = std::fs::canonicalize(path).map_err(|e| fail("find", e))?;
        let owner_bits = std::fs::metadata(&path)
            .map_err(|e| fail("inspect", e))?
            .mode()
            >> 6;
        let perm = perm.unwrap_or(owner_bits as u16 & (acl::READ | acl::WRITE));
        let _lock = lock(&self.root)?;
        let mut entry = path.as_os_str().as_bytes().to_vec();
        entry.push(0);
        std::fs::OpenOptions::new()
            .append(true)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
            .open(&self.record)
            .and_then(|mut file| file.write_all(&entry))
            .map_err(|e| fail("record", e))?;
        acl::grant(&path, self.uid, perm).map_err(|e| match e.raw_os_error() {
            Some(nix::libc::EOPNOTSUPP) => fail(
                "lend",
                std::io::Error::other(format!(
                    "{e}: its file system has no POSIX ACLs; copy it to one that has (ext4, \
                     xfs, btrfs, tmpfs)"
                )),
            ),
            _ => fail("lend", e),
        })?;
        glib::g_debug!(
            "LibvirtSandbox",
            "lent '{}' to QEMU uid {} ({perm:o})",
            path.display(),
            self.uid
        );
        self.lent.push(path);
        Ok(())
    }
}

/// Takes user `uid`'s entries off `paths`, logging what fails.
fn give_back(uid: u32, paths: &[PathBuf]) {
    for path in paths {
        match acl::revoke(path, uid) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => glib::g_warning!(
                "LibvirtSandbox",
                "cannot take back '{}' from the virtual machine's QEMU (uid {uid}): {e}; \
                 remove its ACL entry by hand (setfacl -x u:{uid})",
                path.display()
            ),
        }
    }
}

impl Drop for Lending {
    fn drop(&mut self) {
        let _lock = lock(&self.root);
        give_back(self.uid, &self.lent);
    }
}

/// Gives back what the VM of the dead state directory `dir` was lent.
pub(crate) fn give_back_recorded(dir: &Path) {
    let Some((uid, paths)) = read_record(dir) else {
        return;
    };
    let _lock = lock(dir.parent().unwrap_or(Path::new("/")));
    give_back(uid, &paths);
}

/// Whether user `uid`, whose only group is `gid`, may read and write
/// `path` by its mode.
pub(crate) fn may_read_write(path: &Path, uid: u32, gid: u32) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    let bits = if meta.uid() == uid {
        meta.mode() >> 6
    } else if meta.gid() == gid {
        meta.mode() >> 3
    } else {
        meta.mode()
    };
    bits & 0o6 == 0o6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::state::StateDir;

    #[test]
    fn uids_are_unique_recorded_and_everything_is_given_back() {
        let base = crate::builder::testing::temp_dir("lending");
        let root = base.join("root");
        let one = StateDir::create_in(&root, "one").unwrap();
        let two = StateDir::create_in(&root, "two").unwrap();
        let image = base.join("image");
        std::fs::write(&image, b"x").unwrap();
        let first = Lending::begin(&one).unwrap();
        let mut second = Lending::begin(&two).unwrap();
        assert_ne!(first.uid(), second.uid());
        assert!(VM_UIDS.contains(&first.uid()) && VM_UIDS.contains(&second.uid()));
        assert_eq!(uids_in_use(&root).len(), 2);

        second.lend("disk", &image).unwrap();
        assert!(
            xattr::get(&image, "system.posix_acl_access")
                .unwrap()
                .is_some()
        );
        assert_eq!(
            read_record(two.path()).unwrap(),
            (second.uid(), vec![std::fs::canonicalize(&image).unwrap()])
        );
        // A missing file is named.
        let err = second
            .lend("host-image:/mnt", &base.join("missing"))
            .unwrap_err();
        assert!(err.message().contains("host-image:/mnt"), "{err}");
        drop(second);
        assert!(
            xattr::get(&image, "system.posix_acl_access")
                .unwrap()
                .is_none()
        );

        // After a killed owner, the record is enough.
        let three = StateDir::create_in(&root, "three").unwrap();
        let mut third = Lending::begin(&three).unwrap();
        third.lend("disk", &image).unwrap();
        std::mem::forget(third);
        give_back_recorded(three.path());
        assert!(
            xattr::get(&image, "system.posix_acl_access")
                .unwrap()
                .is_none()
        );
        drop(first);
        drop((one, two, three));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
