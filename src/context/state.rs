// SPDX-License-Identifier: LGPL-2.1-or-later
//! The per-sandbox state directory on the host: created at start, removed at
//! stop, on a failed start, and when the context is finalized.

use std::path::{Path, PathBuf};

use crate::error::{SandboxError, error};

/// Parent of every state directory: `/run/libvirt-sandbox` for root, the
/// user's runtime directory otherwise.
pub(crate) fn state_root() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        PathBuf::from("/run/libvirt-sandbox")
    } else {
        glib::user_runtime_dir().join("libvirt-sandbox")
    }
}

/// An owned state directory; dropping it removes it and everything in it.
#[derive(Debug)]
pub(crate) struct StateDir {
    path: PathBuf,
}

impl StateDir {
    /// Creates `<state root>/<name>`; it must not exist yet.
    pub(crate) fn create(name: &str) -> crate::Result<Self> {
        let root = state_root();
        let io = |what: &str, path: &Path, e: std::io::Error| {
            error(
                SandboxError::Io,
                format!(
                    "cannot {what} sandbox state directory '{}': {e}",
                    path.display()
                ),
            )
        };
        std::fs::create_dir_all(&root).map_err(|e| io("create", &root, e))?;
        let path = root.join(name);
        std::fs::create_dir(&path).map_err(|e| io("create", &path, e))?;
        Ok(Self { path })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
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
