// SPDX-License-Identifier: LGPL-2.1-or-later
//! What a virtual machine needs from the host besides its kernel and initrd,
//! now that QEMU runs as libvirt's unprivileged DAC user (`libvirt-qemu`) in
//! every configuration:
//!
//! - [`find_virtiofsd`]: the file-system daemon libvirt starts for each
//!   writable host bind (virtio-fs). It runs as root, sandboxed in its own
//!   namespaces, and creates files with the guest's owners; QEMU only talks
//!   to it over vhost-user. A VM with a host bind and no virtiofsd is
//!   refused: QEMU never falls back to root.
//! - [`check_reachable`]: libvirt relabels image and disk files for QEMU
//!   during the run (and restores their owners after), but not the
//!   directories above them, which QEMU's user must be able to search.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{SandboxError, error};

/// Environment variable naming the virtiofsd to use.
pub(crate) const VIRTIOFSD_ENV: &str = "LIBVIRT_SANDBOX_VIRTIOFSD";

/// Where virtiofsd is looked for, in order, after [`VIRTIOFSD_ENV`]: the
/// Rust daemon's places (Fedora's and Debian trixie's package,
/// `cargo install --root /usr/local`, which `build-aux/setup-host.sh` runs on
/// Debian 12), then `$PATH`, then QEMU's own legacy C daemon
/// (`/usr/lib/qemu/virtiofsd` of Debian 12's qemu-system-common, removed in
/// QEMU 8), which libvirt drives the same way.
pub(crate) const VIRTIOFSD_PATHS: &[&str] = &[
    "/usr/libexec/virtiofsd",
    "/usr/local/libexec/virtiofsd",
    "/usr/local/bin/virtiofsd",
];
/// QEMU's legacy virtiofsd, the last resort.
pub(crate) const LEGACY_VIRTIOFSD: &str = "/usr/lib/qemu/virtiofsd";

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The virtiofsd to use: `$LIBVIRT_SANDBOX_VIRTIOFSD` (which must then be
/// an executable), the first of [`VIRTIOFSD_PATHS`], `virtiofsd` on
/// `$PATH`, or [`LEGACY_VIRTIOFSD`]. `binds` names the host binds that need it, for the error.
pub(crate) fn find_virtiofsd(binds: &[String]) -> crate::Result<PathBuf> {
    let refuse = |why: String| {
        error(
            SandboxError::Unsupported,
            format!(
                "{}: a writable host bind in a virtual machine is served by virtiofsd, and {why}; \
                 install virtiofsd (Debian 12: `cargo install --locked virtiofsd --root /usr/local`, \
                 with libseccomp-dev and libcap-ng-dev; build-aux/setup-host.sh does it) or set \
                 {VIRTIOFSD_ENV} to its path",
                binds.join(", ")
            ),
        )
    };
    if let Some(path) = std::env::var_os(VIRTIOFSD_ENV).filter(|p| !p.is_empty()) {
        let path = std::path::absolute(PathBuf::from(path)).unwrap_or_default();
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(refuse(format!(
                "{VIRTIOFSD_ENV}='{}' is not an executable file",
                path.display()
            )))
        };
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .filter(|dir| dir.is_absolute())
                .map(|dir| dir.join("virtiofsd"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    VIRTIOFSD_PATHS
        .iter()
        .map(PathBuf::from)
        .chain(on_path)
        .chain(std::iter::once(PathBuf::from(LEGACY_VIRTIOFSD)))
        .find(|p| is_executable(p))
        .ok_or_else(|| {
            refuse(format!(
                "none was found (searched {}, $PATH and {LEGACY_VIRTIOFSD})",
                VIRTIOFSD_PATHS.join(", ")
            ))
        })
}

/// Whether user `uid` with groups `groups` may search directory `meta`.
fn may_search(meta: &std::fs::Metadata, uid: u32, groups: &[u32]) -> bool {
    let mode = meta.mode();
    if uid == 0 {
        true
    } else if meta.uid() == uid {
        mode & 0o100 != 0
    } else if groups.contains(&meta.gid()) {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

/// The groups of QEMU's user `(uid, gid)`: libvirt gives QEMU the user's
/// supplementary groups too.
fn groups_of(uid: u32, gid: u32) -> Vec<u32> {
    let mut groups = vec![gid];
    if let Ok(Some(user)) = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        && let Ok(name) = std::ffi::CString::new(user.name)
        && let Ok(list) = nix::unistd::getgrouplist(&name, nix::unistd::Gid::from_raw(gid))
    {
        groups.extend(list.into_iter().map(|g| g.as_raw()));
    }
    groups
}

/// Checks that QEMU's user `(uid, gid)` can reach each of `files` (what it
/// is for the message, the path): every directory above it must be
/// searchable by that user (libvirt gives QEMU the file itself).
pub(crate) fn check_reachable(files: &[(String, PathBuf)], qemu: (u32, u32)) -> crate::Result<()> {
    let (uid, gid) = qemu;
    let groups = groups_of(uid, gid);
    for (what, file) in files {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.clone());
        for dir in absolute.ancestors().skip(1) {
            let Ok(meta) = std::fs::metadata(dir) else {
                continue;
            };
            if !may_search(&meta, uid, &groups) {
                let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                    .ok()
                    .flatten()
                    .map_or_else(|| format!("uid {uid}"), |u| u.name);
                return Err(error(
                    SandboxError::InvalidDisk,
                    format!(
                        "{what}: QEMU runs as the unprivileged user '{user}', which cannot \
                         reach '{}': the directory '{}' (mode {:04o}, owner {}:{}) is not \
                         searchable by it; move the image to a directory it may enter, or let \
                         it search this one (e.g. chmod o+x '{}')",
                        file.display(),
                        dir.display(),
                        meta.mode() & 0o7777,
                        meta.uid(),
                        meta.gid(),
                        dir.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_images_name_the_directory() {
        let base = crate::builder::testing::temp_dir("qemu-host");
        let closed = base.join("closed");
        std::fs::create_dir_all(&closed).unwrap();
        std::fs::write(closed.join("disk.img"), b"").unwrap();
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
        let files = [("disk 'data'".to_owned(), closed.join("disk.img"))];
        // Its owner may search it; another user may not.
        let me = (
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        );
        assert!(check_reachable(&files, me).is_ok() || me.0 == 0);
        let err = check_reachable(&files, (65533, 65533)).unwrap_err();
        let message = err.message().to_owned();
        assert!(message.contains("disk 'data'"), "{message}");
        assert!(message.contains(&*closed.to_string_lossy()), "{message}");
        assert!(message.contains("0700"), "{message}");
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o711)).unwrap();
        check_reachable(&files, (65533, 65533)).unwrap();
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn virtiofsd_from_the_environment_must_exist() {
        // SAFETY: tests of this module are the only users of the variable.
        unsafe { std::env::set_var(VIRTIOFSD_ENV, "/nonexistent/virtiofsd") };
        let err = find_virtiofsd(&["host-bind:/mnt=/srv".to_owned()]).unwrap_err();
        unsafe { std::env::remove_var(VIRTIOFSD_ENV) };
        let message = err.message().to_owned();
        assert!(message.contains("host-bind:/mnt=/srv"), "{message}");
        assert!(message.contains(VIRTIOFSD_ENV), "{message}");
        assert!(message.contains("cargo install"), "{message}");
    }
}
