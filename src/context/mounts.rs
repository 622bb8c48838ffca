// SPDX-License-Identifier: LGPL-2.1-or-later
//! Turns the config's mounts and includes into what a start needs: the
//! filesystems the backend mounts ([`HostMount`]), the binds the guest init
//! makes, and the include files staged in the state directory for the init to
//! copy. Everything is checked here, on the host, so a bad mount fails the
//! start with a message naming it instead of a libvirt or guest error.

use super::io_error;
use std::path::{Path, PathBuf};

use glib::prelude::*;
use sandbox_proto::launch::{GuestMount, Include};

use super::Backend;
use crate::builder::{GUEST_STATE_DIR, HostMount, is_within};
use crate::config::mount::{
    ConfigMountGuestBind, ConfigMountHostBind, ConfigMountHostImage, ConfigMountRam,
};
use crate::config::{Config, ConfigMount};
use crate::error::{SandboxError, error};

/// Directory of the state dir holding the sandbox's temporary host-bind dirs.
pub(crate) const TEMP_DIRS: &str = "tmp";
/// Directory of the state dir holding staged include files.
pub(crate) const INCLUDES: &str = "includes";

/// The resolved mounts and includes of one start.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub(crate) host: Vec<HostMount>,
    /// The directories that get a private tmpfs (`Layout::private_dirs`).
    pub(crate) private: Vec<String>,
    pub(crate) guest: Vec<GuestMount>,
    pub(crate) includes: Vec<Include>,
}

fn invalid(message: String) -> crate::Error {
    error(SandboxError::InvalidMount, message)
}

/// Number of path components: parents sort before their children.
fn depth(target: &str) -> usize {
    target.split('/').filter(|c| !c.is_empty()).count()
}

/// Which of [`PRIVATE_DIRS`](crate::builder::PRIVATE_DIRS) the sandbox's
/// root has as real directories (a link, like Debian's `/var/run`, is
/// left alone: what it points to gets its own). A container's `/dev/shm`
/// is always made (its `/dev` is libvirt's tmpfs); a virtual machine's is
/// the init's own tmpfs already.
fn private_candidates(config: &Config, backend: Backend) -> Vec<&'static str> {
    let root = config.root().unwrap_or_else(|| "/".to_owned());
    crate::builder::PRIVATE_DIRS
        .into_iter()
        .filter(|dir| match *dir {
            "/dev/shm" => backend == Backend::Lxc,
            _ => std::fs::symlink_metadata(Path::new(&root).join(&dir[1..]))
                .is_ok_and(|m| m.file_type().is_dir()),
        })
        .collect()
}

/// Resolves the config's mounts and stages its includes under `state_dir`.
pub(crate) fn prepare(
    config: &Config,
    state_dir: &Path,
    backend: Backend,
) -> crate::Result<Prepared> {
    let mut prepared = Prepared::default();
    let mut mounts = config.mounts();
    let targets: Vec<String> = mounts.iter().filter_map(|m| m.target()).collect();
    prepared.private = crate::builder::private_dirs(&private_candidates(config, backend), &targets);
    // Stable: among equally deep targets the config's order stays.
    mounts.sort_by_key(|m| depth(&m.target().unwrap_or_default()));
    for (index, mount) in mounts.iter().enumerate() {
        let target = mount.target().unwrap_or_default();
        if !target.starts_with('/') {
            return Err(invalid(format!(
                "mount target '{target}' is not an absolute path"
            )));
        }
        if let Some(bind) = mount.downcast_ref::<ConfigMountGuestBind>() {
            let source = bind
                .upcast_ref::<crate::config::mount::ConfigMountFile>()
                .source();
            prepared.guest.push(GuestMount {
                source: source.unwrap_or_default(),
                target,
                fstype: String::new(),
                options: String::new(),
            });
            continue;
        }
        let host = host_mount(mount, &target, index, config, state_dir, backend)?;
        check_target_exists(config, &prepared.host, &prepared.private, &host)?;
        prepared.host.push(host);
    }
    stage_includes(&mounts, state_dir, config, &mut prepared.includes)?;
    Ok(prepared)
}

/// The backend mount of one config mount (not a guest bind).
fn host_mount(
    mount: &ConfigMount,
    target: &str,
    index: usize,
    config: &Config,
    state_dir: &Path,
    backend: Backend,
) -> crate::Result<HostMount> {
    let target = target.to_owned();
    if let Some(ram) = mount.downcast_ref::<ConfigMountRam>() {
        return Ok(HostMount::Ram {
            usage_kib: ram.usage().div_ceil(1024).max(1),
            target,
        });
    }
    if let Some(image) = mount.downcast_ref::<ConfigMountHostImage>() {
        let source = PathBuf::from(
            image
                .upcast_ref::<crate::config::mount::ConfigMountFile>()
                .source()
                .unwrap_or_default(),
        );
        if let Err(why) = super::disks::check_image_file(&source) {
            return Err(invalid(format!("host-image:{target}: {why}")));
        }
        let format = image.format().nick().to_owned();
        // A virtual machine's QEMU reads the image itself.
        if backend == Backend::Qemu && format != "raw" && format != "qcow2" {
            return Err(invalid(format!(
                "host-image:{target}: {format} images are not supported; use raw or qcow2 \
                 (convert it with qemu-img)"
            )));
        }
        if backend == Backend::Lxc && format != "raw" && !program_on_path("qemu-nbd") {
            return Err(invalid(format!(
                "host-image:{target}: {format} images need qemu-nbd (Debian package \
                 qemu-utils); install it or use a raw image"
            )));
        }
        return Ok(HostMount::Image {
            source,
            target,
            format,
        });
    }
    if let Some(bind) = mount.downcast_ref::<ConfigMountHostBind>() {
        let source = match bind
            .upcast_ref::<crate::config::mount::ConfigMountFile>()
            .source()
            .filter(|s| !s.is_empty())
        {
            Some(source) => {
                let source = PathBuf::from(source);
                if !source.exists() {
                    return Err(invalid(format!(
                        "host-bind:{target}={}: the host path does not exist",
                        source.display()
                    )));
                }
                source
            }
            None => temp_dir(config, state_dir, index)?,
        };
        return Ok(HostMount::Bind { source, target });
    }
    Err(invalid(format!(
        "mount on '{target}': the mount class {} is not supported",
        mount.class_name()
    )))
}

/// A fresh empty directory for `host-bind:DST=`, owned by the sandbox's user,
/// inside the state directory so that it goes away with it.
fn temp_dir(config: &Config, state_dir: &Path, index: usize) -> crate::Result<PathBuf> {
    let parent = state_dir.join(TEMP_DIRS);
    std::fs::create_dir_all(&parent).map_err(|e| io_error("create", &parent, e))?;
    let dir = parent.join(index.to_string());
    std::fs::create_dir(&dir).map_err(|e| io_error("create", &dir, e))?;
    set_mode(&dir, 0o700)?;
    chown(&dir, config)?;
    Ok(dir)
}

fn set_mode(path: &Path, mode: u32) -> crate::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| io_error("set the mode of", path, e))
}

/// Gives `path` to the sandbox's user (only root can, and only root needs to).
fn chown(path: &Path, config: &Config) -> crate::Result<()> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    std::os::unix::fs::chown(path, Some(config.userid()), Some(config.groupid()))
        .map_err(|e| io_error("change the owner of", path, e))
}

fn program_on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
}

/// The root is read-only, so neither libvirt (LXC) nor the guest init (QEMU)
/// can create a missing mount point in it; one inside an earlier writable
/// mount (or a private tmpfs) they can.
fn check_target_exists(
    config: &Config,
    earlier: &[HostMount],
    private: &[String],
    mount: &HostMount,
) -> crate::Result<()> {
    let target = mount.target();
    if target == "/"
        || earlier.iter().any(|m| is_within(target, m.target()))
        || private.iter().any(|dir| is_within(target, dir))
    {
        return Ok(());
    }
    let root = config.root().unwrap_or_else(|| "/".to_owned());
    let on_root = Path::new(&root).join(target.trim_start_matches('/'));
    if on_root.exists() {
        return Ok(());
    }
    Err(invalid(format!(
        "mount target '{target}' does not exist in the sandbox's root '{root}', which is \
         read-only: choose an existing directory, or mount a writable filesystem on a \
         parent directory first"
    )))
}

/// Copies every include's host file or directory into the state directory
/// (where the guest init finds it) and records where the init must copy it.
fn stage_includes(
    mounts: &[ConfigMount],
    state_dir: &Path,
    config: &Config,
    includes: &mut Vec<Include>,
) -> crate::Result<()> {
    // The staged copies belong to the sandbox's user (a virtual machine's
    // QEMU's group reads them too, see `share_includes`).
    let owner = nix::unistd::geteuid()
        .is_root()
        .then(|| (config.userid(), config.groupid()));
    let staging = state_dir.join(INCLUDES);
    for mount in mounts {
        let target = mount.target().unwrap_or_default();
        for (dst, src) in mount.includes() {
            let guest_path = if dst == "/" || dst.is_empty() {
                target.clone()
            } else {
                format!(
                    "{}/{}",
                    target.trim_end_matches('/'),
                    dst.trim_start_matches('/')
                )
            };
            let source = Path::new(&src);
            if std::fs::symlink_metadata(source).is_err() {
                return Err(error(
                    SandboxError::InvalidInclude,
                    format!("include {guest_path}={src}: the host path '{src}' does not exist"),
                ));
            }
            if includes.is_empty() {
                std::fs::create_dir_all(&staging).map_err(|e| io_error("create", &staging, e))?;
            }
            let staged_name = includes.len().to_string();
            sandbox_proto::files::copy_tree(source, &staging.join(&staged_name), owner).map_err(
                |e| {
                    error(
                        SandboxError::InvalidInclude,
                        format!("include {guest_path}={src}: {e}"),
                    )
                },
            )?;
            includes.push(Include {
                src: format!("{GUEST_STATE_DIR}/{INCLUDES}/{staged_name}"),
                dst: guest_path,
                modes: Vec::new(),
            });
        }
    }
    Ok(())
}

/// Lets a virtual machine's QEMU user `uid` read the staged includes (its
/// 9p server reads them for the guest): each staged path gets an ACL entry
/// for it with read (and search or execute where the owner has it),
/// nothing more. The modes the guest must give the copies are recorded in
/// `includes` where they differ from the staged ones (the ACL's mask shows
/// in the group bits).
pub(crate) fn share_includes(
    includes: &mut [Include],
    state_dir: &Path,
    uid: u32,
) -> crate::Result<()> {
    if includes.is_empty() {
        return Ok(());
    }
    let staging = state_dir.join(INCLUDES);
    super::acl::grant(&staging, uid, super::acl::READ | super::acl::EXECUTE)
        .map_err(|e| io_error("share", &staging, e))?;
    for (index, include) in includes.iter_mut().enumerate() {
        share_path(
            &staging.join(index.to_string()),
            "",
            uid,
            &mut include.modes,
        )?;
    }
    Ok(())
}

/// [`share_includes`] of one staged path (`relative` to its include).
fn share_path(
    path: &Path,
    relative: &str,
    uid: u32,
    modes: &mut Vec<(String, u32)>,
) -> crate::Result<()> {
    use super::acl::{EXECUTE, READ};
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).map_err(|e| io_error("inspect", path, e))?;
    if meta.file_type().is_symlink() {
        // Its target is another staged path (or nothing QEMU may read);
        // a link itself has no permissions.
        return Ok(());
    }
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| io_error("list", path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error("list", path, e))?;
            let name = entry.file_name();
            let child = if relative.is_empty() {
                name.to_string_lossy().into_owned()
            } else {
                format!("{relative}/{}", name.to_string_lossy())
            };
            share_path(&entry.path(), &child, uid, modes)?;
        }
    }
    let mode = meta.mode() & 0o7777;
    // Read, plus search/execute where the owner has it (a directory is
    // always searchable: the owner's copy is).
    let perm = if meta.is_dir() {
        READ | EXECUTE
    } else {
        READ | ((mode >> 6) as u16 & EXECUTE)
    };
    super::acl::grant(path, uid, perm).map_err(|e| io_error("share", path, e))?;
    let shared = std::fs::symlink_metadata(path)
        .map_err(|e| io_error("inspect", path, e))?
        .mode()
        & 0o7777;
    if shared != mode {
        modes.push((relative.to_owned(), mode));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_includes_are_readable_by_qemu_and_keep_their_modes() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let state = crate::builder::testing::temp_dir("includes");
        let staging = state.join(INCLUDES);
        std::fs::create_dir_all(staging.join("1/sub")).unwrap();
        std::fs::write(staging.join("0"), b"secret").unwrap();
        std::fs::write(staging.join("1/sub/run"), b"#!/bin/sh\n").unwrap();
        let chmod = |p: &str, mode| {
            std::fs::set_permissions(staging.join(p), std::fs::Permissions::from_mode(mode))
                .unwrap()
        };
        chmod("0", 0o600);
        chmod("1/sub/run", 0o700);
        chmod("1/sub", 0o700);
        chmod("1", 0o755);
        let include = |src: &str| Include {
            src: src.into(),
            dst: format!("/mnt/{src}"),
            modes: Vec::new(),
        };
        let mut includes = [include("0"), include("1")];
        let qemu = crate::context::lending::VM_UIDS.start + 7;
        share_includes(&mut includes, &state, qemu).unwrap();
        let mode = |p: &str| std::fs::metadata(staging.join(p)).unwrap().mode() & 0o7777;
        // The group bits show the ACL's mask: QEMU's entry.
        assert_eq!(mode("0"), 0o640);
        assert_eq!(mode("1"), 0o755);
        assert_eq!(mode("1/sub"), 0o750);
        assert_eq!(mode("1/sub/run"), 0o750);
        let entry = |p: &str| {
            let acl = xattr::get(staging.join(p), "system.posix_acl_access")
                .unwrap()
                .unwrap();
            acl[4..]
                .chunks_exact(8)
                .find(|e| e[0] == 2 && u32::from_le_bytes([e[4], e[5], e[6], e[7]]) == qemu)
                .map(|e| e[2])
        };
        assert_eq!(entry("0"), Some(4));
        assert_eq!(entry("1/sub"), Some(5));
        assert_eq!(entry("1/sub/run"), Some(5));
        assert_eq!(includes[0].modes, [("".to_owned(), 0o600)]);
        let mut modes = includes[1].modes.clone();
        modes.sort();
        assert_eq!(
            modes,
            [("sub".to_owned(), 0o700), ("sub/run".to_owned(), 0o700)]
        );
        std::fs::remove_dir_all(&state).unwrap();
    }

    #[test]
    fn depth_counts_components() {
        assert_eq!(depth("/"), 0);
        assert_eq!(depth("/a/b/"), 2);
    }
}
