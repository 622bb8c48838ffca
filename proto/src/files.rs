// SPDX-License-Identifier: LGPL-2.1-or-later
//! Copying host files into the sandbox (includes): the host stages them in
//! the state directory with [`copy_tree`], the guest init copies them from
//! there into the writable mounts with the same function.

use std::os::unix::fs::{PermissionsExt, lchown};
use std::path::Path;

/// Mode bits kept on copies: never set-user-ID or set-group-ID, so an
/// include cannot smuggle a privileged program into the sandbox.
const KEPT_MODE_BITS: u32 = 0o1777;

/// Copies the file, symlink or directory tree `src` to `dst`, keeping modes
/// (without set-ID bits). Existing directories are merged into; existing files
/// are replaced. With `owner`, every created path gets that uid/gid.
pub fn copy_tree(src: &Path, dst: &Path, owner: Option<(u32, u32)>) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(src)
        .map_err(|e| format!("cannot read '{}': {e}", src.display()))?;
    let file_type = meta.file_type();
    if file_type.is_symlink() {
        let link = std::fs::read_link(src)
            .map_err(|e| format!("cannot read the link '{}': {e}", src.display()))?;
        remove_if_not_dir(dst)?;
        std::os::unix::fs::symlink(&link, dst)
            .map_err(|e| format!("cannot create the link '{}': {e}", dst.display()))?;
    } else if file_type.is_dir() {
        if !dst.is_dir() {
            remove_if_not_dir(dst)?;
            std::fs::create_dir(dst)
                .map_err(|e| format!("cannot create the directory '{}': {e}", dst.display()))?;
        }
        let entries = std::fs::read_dir(src)
            .map_err(|e| format!("cannot list the directory '{}': {e}", src.display()))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| format!("cannot list the directory '{}': {e}", src.display()))?;
            copy_tree(&entry.path(), &dst.join(entry.file_name()), owner)?;
        }
        set_mode(dst, meta.permissions().mode())?;
    } else if file_type.is_file() {
        remove_if_not_dir(dst)?;
        std::fs::copy(src, dst).map_err(|e| {
            format!(
                "cannot copy '{}' to '{}': {e}",
                src.display(),
                dst.display()
            )
        })?;
        set_mode(dst, meta.permissions().mode())?;
    } else {
        return Err(format!(
            "'{}' is not a regular file, directory or symbolic link",
            src.display()
        ));
    }
    if let Some((uid, gid)) = owner {
        lchown(dst, Some(uid), Some(gid))
            .map_err(|e| format!("cannot change the owner of '{}': {e}", dst.display()))?;
    }
    Ok(())
}

/// Gives the copy at `dst` of a staged tree the modes the host recorded
/// (see [`crate::launch::Include::modes`]): `(path relative to dst, mode)`,
/// set-ID bits dropped as by [`copy_tree`]. Never follows a link.
pub fn apply_modes(dst: &Path, modes: &[(String, u32)]) -> Result<(), String> {
    for (relative, mode) in modes {
        let relative = Path::new(relative);
        if relative.is_absolute()
            || relative
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(format!(
                "the include mode of '{}' is not below the include",
                relative.display()
            ));
        }
        let path = if relative.as_os_str().is_empty() {
            dst.to_owned()
        } else {
            dst.join(relative)
        };
        let is_link = std::fs::symlink_metadata(&path)
            .map_err(|e| format!("cannot read '{}': {e}", path.display()))?
            .file_type()
            .is_symlink();
        if !is_link {
            set_mode(&path, *mode)?;
        }
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & KEPT_MODE_BITS))
        .map_err(|e| format!("cannot set the mode of '{}': {e}", path.display()))
}

/// Makes room for a file or link at `path` (a directory there is an error:
/// replacing a whole tree with a file is never what an include means).
fn remove_if_not_dir(path: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.is_dir() => Err(format!(
            "'{}' is a directory and cannot be replaced by a file",
            path.display()
        )),
        Ok(_) => std::fs::remove_file(path)
            .map_err(|e| format!("cannot replace '{}': {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn copies_trees_with_modes_and_links() {
        let base = std::env::temp_dir().join(format!("sandbox-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let src = base.join("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(src.join("run.sh"), std::fs::Permissions::from_mode(0o4755))
            .unwrap();
        std::fs::write(src.join("sub/data"), "data").unwrap();
        std::os::unix::fs::symlink("sub/data", src.join("link")).unwrap();

        let dst = base.join("dst");
        copy_tree(&src, &dst, None).unwrap();
        assert_eq!(
            std::fs::read_to_string(dst.join("sub/data")).unwrap(),
            "data"
        );
        assert_eq!(
            std::fs::read_link(dst.join("link")).unwrap(),
            Path::new("sub/data")
        );
        let mode = std::fs::metadata(dst.join("run.sh")).unwrap().mode() & 0o7777;
        assert_eq!(mode, 0o755, "set-user-ID dropped, the rest kept");

        // A second copy merges and replaces files.
        std::fs::write(src.join("sub/data"), "new").unwrap();
        copy_tree(&src, &dst, None).unwrap();
        assert_eq!(
            std::fs::read_to_string(dst.join("sub/data")).unwrap(),
            "new"
        );

        // Recorded modes are applied to the copy, never through a link.
        apply_modes(&dst, &[("".into(), 0o700), ("sub/data".into(), 0o4600)]).unwrap();
        assert_eq!(std::fs::metadata(&dst).unwrap().mode() & 0o7777, 0o700);
        let mode = std::fs::metadata(dst.join("sub/data")).unwrap().mode() & 0o7777;
        assert_eq!(mode, 0o600);
        apply_modes(&dst, &[("link".into(), 0o777)]).unwrap();
        let mode = std::fs::metadata(dst.join("sub/data")).unwrap().mode() & 0o7777;
        assert_eq!(mode, 0o600);
        assert!(apply_modes(&dst, &[("../x".into(), 0o777)]).is_err());

        // A file never replaces a directory.
        let err = copy_tree(&src.join("run.sh"), &dst.join("sub"), None).unwrap_err();
        assert!(err.contains("is a directory"), "{err}");
        let err = copy_tree(&base.join("missing"), &dst, None).unwrap_err();
        assert!(err.contains("missing"), "{err}");
        std::fs::remove_dir_all(&base).unwrap();
    }
}
