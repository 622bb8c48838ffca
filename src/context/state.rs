// SPDX-License-Identifier: LGPL-2.1-or-later
//! The per-sandbox state directory on the host: created at start, removed at
//! stop, on a failed start, and when the context is finalized.
//!
//! Everything in it is the owner's only: the state root and each sandbox's
//! directory are mode 0700 and its files 0600 (set explicitly, whatever the
//! umask), so that no other user, and no other sandbox, reads a launch spec
//! (which carries the sandbox's secret and environment) or reaches an app
//! channel socket. The one exception is an unprivileged QEMU (a virtual
//! machine sandbox whose QEMU runs as libvirt's `libvirt-qemu`): it must
//! reach the launch spec (the guest reads its state directory over 9p)
//! and the channel socket, so [`StateDir::grant_group`] gives QEMU's group
//! exactly that: search (not read) on the root, read on the sandbox's
//! directory and its launch spec; libvirt itself gives QEMU the socket.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{SandboxError, error};

/// Mode of the state root and of each sandbox's directory.
const DIR_MODE: u32 = 0o700;
/// The root, with search for the group of an unprivileged QEMU.
const ROOT_MODE_GROUP: u32 = 0o710;
/// A sandbox's directory, readable by the group of an unprivileged QEMU
/// (its 9p server opens and lists it).
const DIR_MODE_GROUP: u32 = 0o750;
/// Mode of the files in a state directory.
const FILE_MODE: u32 = 0o600;
/// The same, readable by the group of an unprivileged QEMU.
const FILE_MODE_GROUP: u32 = 0o640;

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
/// group search grant of [`StateDir::grant_group`].
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
    /// The group granted access for an unprivileged QEMU, if any.
    group: Option<u32>,
}

impl StateDir {
    /// Creates `<state root>/<name>` (mode 0700); it must not exist yet.
    pub(crate) fn create(name: &str) -> crate::Result<Self> {
        Self::create_in(&state_root(), name)
    }

    pub(crate) fn create_in(root: &Path, name: &str) -> crate::Result<Self> {
        ensure_root(root)?;
        let path = root.join(name);
        std::fs::DirBuilder::new()
            .mode(DIR_MODE)
            .create(&path)
            .map_err(|e| io_error("create", &path, e))?;
        let dir = Self { path, group: None };
        set_mode(&dir.path, DIR_MODE)?;
        Ok(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Lets the members of group `gid` (an unprivileged QEMU's) search the
    /// state root, read this directory and the files written from now on
    /// with [`write_file`](Self::write_file)`(.., true)`. Nothing else: they
    /// cannot list the root, nor create or remove anything.
    pub(crate) fn grant_group(&mut self, gid: u32) -> crate::Result<()> {
        let root = self.path.parent().unwrap_or(Path::new("/"));
        for (dir, mode) in [
            (root, ROOT_MODE_GROUP),
            (self.path.as_path(), DIR_MODE_GROUP),
        ] {
            std::os::unix::fs::chown(dir, None, Some(gid))
                .map_err(|e| io_error("change the group of", dir, e))?;
            set_mode(dir, mode)?;
        }
        self.group = Some(gid);
        Ok(())
    }

    /// Creates the new file `name` with `data`: mode 0600, or 0640 owned by
    /// the granted group when `shared` (see [`grant_group`](Self::grant_group)).
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
        let group = self.group.filter(|_| shared);
        let mode = if group.is_some() {
            FILE_MODE_GROUP
        } else {
            FILE_MODE
        };
        if let Some(gid) = group {
            std::os::unix::fs::fchown(&file, None, Some(gid))
                .map_err(|e| fail("change the group of", e))?;
        }
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| fail("set the mode of", e))?;
        file.write_all(data).map_err(|e| fail("write", e))?;
        Ok(())
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
        assert_eq!(mode(&root), 0o710);

        // A link in place of the root is refused.
        let link = base.join("link");
        std::os::unix::fs::symlink(&root, &link).unwrap();
        let err = StateDir::create_in(&link, "four").unwrap_err();
        assert!(err.message().contains("not a directory owned by"), "{err}");
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn group_grant_is_search_and_read_only() {
        let base = crate::builder::testing::temp_dir("state-grant");
        let root = base.join("root");
        let mut dir = StateDir::create_in(&root, "vm").unwrap();
        let gid = nix::unistd::getegid().as_raw();
        dir.grant_group(gid).unwrap();
        dir.write_file("launch.json", b"{}", true).unwrap();
        dir.write_file("sandbox.cfg", b"", false).unwrap();
        assert_eq!(mode(&root), 0o710);
        assert_eq!(mode(dir.path()), 0o750);
        assert_eq!(mode(&dir.path().join("launch.json")), 0o640);
        assert_eq!(mode(&dir.path().join("sandbox.cfg")), 0o600);
        drop(dir);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
