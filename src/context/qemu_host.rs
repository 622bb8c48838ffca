// SPDX-License-Identifier: LGPL-2.1-or-later
//! What a virtual machine needs from the host besides its kernel and initrd,
//! now that QEMU runs unprivileged in every configuration (as a user of its
//! own, see [`super::lending`], or as libvirt's DAC user for a session
//! daemon's):
//!
//! - [`find_virtiofsd`]: the file-system daemon libvirt starts for each
//!   writable host bind (virtio-fs). It runs as root, sandboxed in its own
//!   namespaces, and creates files with the guest's owners; QEMU only talks
//!   to it over vhost-user. A VM with a host bind and no virtiofsd is
//!   refused: QEMU never falls back to root.
//! - [`readonly_root_virtiofsd`]: the daemon of a virtio-fs root, read-only
//!   by the daemon's own `--readonly`, cached in the guest, as QEMU's user.
//! - [`check_reachable`]: image and disk files are lent to QEMU for the
//!   run, but not the directories above them, which QEMU's user must be
//!   able to search.
//! - [`backing_chain`]: the files a qcow2 image reads through, lent too.

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

/// The virtiofsd to use: `configured` (the config's `virtiofsd` property,
/// `--virtiofsd`) or else `$LIBVIRT_SANDBOX_VIRTIOFSD`, either of which must
/// then be an executable; else the first of [`VIRTIOFSD_PATHS`],
/// `virtiofsd` on `$PATH`, or [`LEGACY_VIRTIOFSD`]. `binds` names what
/// needs it, for the error.
pub(crate) fn find_virtiofsd(configured: Option<&str>, binds: &[String]) -> crate::Result<PathBuf> {
    let refuse = |why: String| {
        error(
            SandboxError::Unsupported,
            format!(
                "{}: virtio-fs shares of a virtual machine (its writable host binds, a virtio-fs \
                 root) are served by virtiofsd, and {why}; install virtiofsd (Debian 12: `cargo install --locked virtiofsd --root /usr/local`, \
                 with libseccomp-dev and libcap-ng-dev; build-aux/setup-host.sh does it) or set \
                 {VIRTIOFSD_ENV} (or --virtiofsd) to its path; --fs-backend=p9 serves the root without it",
                binds.join(", ")
            ),
        )
    };
    // A daemon named by the config or the environment must be there.
    let named = configured
        .filter(|p| !p.is_empty())
        .map(|p| {
            (
                PathBuf::from(p),
                "the configured virtiofsd (--virtiofsd) ".to_owned(),
            )
        })
        .or_else(|| {
            std::env::var_os(VIRTIOFSD_ENV)
                .filter(|p| !p.is_empty())
                .map(|p| (PathBuf::from(p), format!("{VIRTIOFSD_ENV}=")))
        });
    if let Some((path, named_by)) = named {
        let path = std::path::absolute(path).unwrap_or_default();
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(refuse(format!(
                "{named_by}'{}' is not an executable file",
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

/// A script libvirt runs instead of `virtiofsd` for a host bind: the same
/// daemon without the capability to make device nodes, with user xattrs
/// only. The guest's root (with `-p`, or any
/// guest code that becomes root in the VM, e.g. a core-dump helper) could
/// otherwise have the root daemon make a node of a host disk, open to all,
/// in a writable host bind. libvirt passes no options of ours, hence the
/// script; it lives in `cache` (content-addressed, so one per daemon path),
/// where files may be executed (/run may be `noexec`).
pub(crate) fn virtiofsd_without_mknod(virtiofsd: &Path, cache: &Path) -> crate::Result<PathBuf> {
    let real = shell_quote(&virtiofsd.to_string_lossy());
    // QEMU's legacy C daemon spells the option the old way. The Rust one
    // passes the guest's user xattrs (`user.*`, which the guest kernel lets
    // only a file's owner set) and refuses every other name: the guest's
    // root could otherwise set `security.capability` (a file capability)
    // or `trusted.*` on a host file through the root daemon.
    let modcaps = if virtiofsd == Path::new(LEGACY_VIRTIOFSD) {
        "-o modcaps=-mknod"
    } else {
        "--modcaps=-mknod --xattr '--xattrmap=:ok:all:user.:: :bad:all:::'"
    };
    let script = format!(
        "#!/bin/sh\n# libvirt-sandbox: virtiofsd with no CAP_MKNOD (no device nodes in host binds).\n\
         exec {real} \"$@\" {modcaps}\n"
    );
    cached_script(cache, "virtiofsd", &script)
}

/// `text` in single quotes for sh.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Whether `virtiofsd` can serve a read-only root: the Rust daemon can
/// (`--readonly`), QEMU's legacy C daemon cannot.
pub(crate) fn serves_readonly(virtiofsd: &Path) -> bool {
    virtiofsd != Path::new(LEGACY_VIRTIOFSD)
}

/// Where `setpriv` (util-linux) is, which drops the root's daemon to QEMU's user.
fn setpriv() -> Option<PathBuf> {
    ["/usr/bin/setpriv", "/bin/setpriv"]
        .iter()
        .map(PathBuf::from)
        .find(|p| is_executable(p))
}

/// The name, in the state directory, of the read-only root's daemon (a
/// link to the cached wrapper) and, with [`ROOT_DAEMON_IDS`] appended, of
/// the file naming the user it runs as.
pub(crate) const ROOT_DAEMON: &str = "virtiofsd-root";
/// Suffix of the file beside [`ROOT_DAEMON`] holding `UID GID`.
pub(crate) const ROOT_DAEMON_IDS: &str = ".ids";

/// The root daemon's link and ids file in `state_dir`.
pub(crate) fn root_daemon_files(state_dir: &Path) -> [PathBuf; 2] {
    [
        state_dir.join(ROOT_DAEMON),
        state_dir.join(format!("{ROOT_DAEMON}{ROOT_DAEMON_IDS}")),
    ]
}

/// The daemon libvirt runs for the VM's read-only root (and its helpers and
/// state directory): `STATE/virtiofsd-root`, a link to a cached wrapper of
/// `virtiofsd` (content-addressed, like [`virtiofsd_without_mknod`]'s) that
/// adds to libvirt's options:
/// - `--readonly`: the daemon itself refuses every write, so a guest root
///   that remounts `/` read-write still cannot change a host file;
/// - `--cache=always`: the guest keeps what it read (the tree does not
///   change behind it), which makes a second walk local;
/// - with `qemu` (QEMU's own user and group), runs as that user through
///   `setpriv`, so it reads what QEMU's 9p server read, no more. The ids are
///   in `STATE/virtiofsd-root.ids` (the wrapper finds it from `$0`): one
///   cached script for every VM. As that user it runs without its namespace
///   sandbox (`--sandbox=none`): an unprivileged daemon's user namespace maps
///   only its own uid, and the guest would see every other owner as
///   `nobody`; its uid, `--readonly` and its seccomp filter confine it.
///   Without `qemu` (or setpriv) it runs as root in its namespaces, with
///   `--readonly` and without CAP_MKNOD.
///
/// The file-descriptor limit is raised first (as root, before dropping):
/// with `--cache=always` the guest holds many inodes, each an open file of
/// the daemon's.
pub(crate) fn readonly_root_virtiofsd(
    virtiofsd: &Path,
    cache: &Path,
    state_dir: &Path,
    qemu: Option<(u32, u32)>,
) -> crate::Result<PathBuf> {
    let real = shell_quote(&virtiofsd.to_string_lossy());
    let common = "--readonly --cache=always";
    let drop = match setpriv() {
        Some(setpriv) => format!(
            "if [ -e \"$0{ROOT_DAEMON_IDS}\" ]; then\n\
             \x20   read -r uid gid < \"$0{ROOT_DAEMON_IDS}\" || exit 1\n\
             \x20   exec {} --reuid=\"$uid\" --regid=\"$gid\" --clear-groups -- {real} \"$@\" {common} --sandbox=none\n\
             fi\n",
            shell_quote(&setpriv.to_string_lossy())
        ),
        None => String::new(),
    };
    let script = format!(
        "#!/bin/sh\n# libvirt-sandbox: the read-only root's virtiofsd (writes refused by the daemon,\n\
         # cached in the guest), as QEMU's user when $0{ROOT_DAEMON_IDS} names it.\n\
         ulimit -n 1048576 2>/dev/null || ulimit -n \"$(ulimit -Hn)\" 2>/dev/null\n\
         {drop}exec {real} \"$@\" {common} --modcaps=-mknod\n"
    );
    let wrapper = cached_script(cache, "virtiofsd-ro", &script)?;
    let [link, ids] = root_daemon_files(state_dir);
    for stale in [&link, &ids] {
        match std::fs::remove_file(stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(super::io_error("replace", stale, e)),
        }
    }
    std::os::unix::fs::symlink(&wrapper, &link)
        .map_err(|e| super::io_error("create the link", &link, e))?;
    if let Some((uid, gid)) = qemu {
        // Root's alone (the wrapper reads it before it drops to the user),
        // like every other file of the state directory.
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&ids)
            .and_then(|mut file| file.write_all(format!("{uid} {gid}\n").as_bytes()))
            .map_err(|e| super::io_error("write", &ids, e))?;
    }
    Ok(link)
}

/// Writes `script` (once) as an executable `cache/virtiofsd/PREFIX-HASH`
/// and returns its path: in the cache, where files may be executed (/run
/// may be `noexec`), named by its content, so one per daemon path.
fn cached_script(cache: &Path, prefix: &str, script: &str) -> crate::Result<PathBuf> {
    use sha2::Digest;
    let io = |what: &str, path: &Path, e: std::io::Error| {
        error(
            SandboxError::Io,
            format!(
                "cannot {what} the virtiofsd wrapper '{}': {e}",
                path.display()
            ),
        )
    };
    let digest = sha2::Sha256::digest(script.as_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let dir = cache.join("virtiofsd");
    std::fs::create_dir_all(&dir).map_err(|e| io("create the directory of", &dir, e))?;
    let path = dir.join(format!("{prefix}-{name}"));
    if std::fs::read_to_string(&path).is_ok_and(|text| text == script) {
        return Ok(path);
    }
    // Written whole under another name, then renamed: a start running at
    // the same time never runs half a script.
    let partial = dir.join(format!(".{prefix}-{name}.{}", std::process::id()));
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o755)
            .open(&partial)
            .map_err(|e| io("write", &partial, e))?;
        file.write_all(script.as_bytes())
            .map_err(|e| io("write", &partial, e))?;
    }
    std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755))
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            io("install", &path, e)
        })?;
    Ok(path)
}

/// Where libvirt records the pid of a domain's QEMU: the system daemon's
/// run directory, then a session daemon's.
fn qemu_pid_files(domain: &str) -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from(format!("/run/libvirt/qemu/{domain}.pid"))];
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR") {
        files.push(PathBuf::from(runtime).join(format!("libvirt/qemu/run/{domain}.pid")));
    }
    files
}

/// Whether `pid`, a peer of the app channel, is the QEMU of `domain` (by
/// libvirt's pid file, which only libvirt writes).
pub(crate) fn check_qemu_peer(domain: &str, pid: i32) -> crate::console::channel::PeerCheck {
    use crate::console::channel::PeerCheck;
    let recorded = qemu_pid_files(domain)
        .iter()
        .find_map(|file| std::fs::read_to_string(file).ok())
        .and_then(|text| text.trim().parse::<i32>().ok());
    match recorded {
        Some(qemu) if qemu == pid => PeerCheck::Accept,
        Some(qemu) => PeerCheck::Refuse(format!(
            "process {pid} is not the QEMU of sandbox '{domain}' (that is {qemu})"
        )),
        None => PeerCheck::Refuse(format!(
            "libvirt's pid file of sandbox '{domain}' cannot be read, so process {pid} cannot \
             be checked"
        )),
    }
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
/// searchable by that user (the file itself is lent to QEMU).
pub(crate) fn check_reachable(files: &[(String, PathBuf)], qemu: (u32, u32)) -> crate::Result<()> {
    let (uid, gid) = qemu;
    let groups = groups_of(uid, gid);
    for (what, file) in files {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.clone());
        for dir in absolute.ancestors().skip(1) {
            let Ok(meta) = std::fs::metadata(dir) else {
                continue;
            };
            if !may_search(&meta, uid, &groups)
                && !super::acl::grants(dir, uid, super::acl::EXECUTE)
            {
                let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                    .ok()
                    .flatten()
                    .map_or_else(|| format!("uid {uid}"), |u| format!("'{}'", u.name));
                let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
                    .ok()
                    .flatten()
                    .map_or_else(|| format!("gid {gid}"), |g| format!("'{}'", g.name));
                return Err(error(
                    SandboxError::InvalidDisk,
                    format!(
                        "{what}: QEMU runs as an unprivileged user ({user}, group {group}), \
                         which cannot reach '{}': the directory '{}' (mode {:04o}, owner \
                         {}:{}) is not searchable by it; move the image to a directory it may \
                         enter, or let it search this one (e.g. chmod o+x '{}')",
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

/// The qcow2 magic: "QFI\xfb".
const QCOW2_MAGIC: [u8; 4] = *b"QFI\xfb";
/// How deep a backing chain may be followed.
const MAX_BACKING_DEPTH: usize = 16;

/// The backing file a qcow2 image names in its header, if any (a relative
/// name is relative to the image's directory, as QEMU reads it).
fn qcow2_backing(image: &Path) -> std::io::Result<Option<PathBuf>> {
    use std::io::{Read, Seek, SeekFrom};
    use std::os::unix::ffi::OsStrExt;
    let mut file = std::fs::File::open(image)?;
    let mut header = [0u8; 20];
    if file.read_exact(&mut header).is_err() || header[..4] != QCOW2_MAGIC {
        return Ok(None);
    }
    let offset = u64::from_be_bytes(header[8..16].try_into().unwrap_or_default());
    let size = u32::from_be_bytes(header[16..20].try_into().unwrap_or_default());
    if offset == 0 || size == 0 {
        return Ok(None);
    }
    // QEMU limits the name to 1023 bytes.
    if size > 1023 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "its backing file name is longer than 1023 bytes",
        ));
    }
    let mut name = vec![0u8; size as usize];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut name)?;
    let name = Path::new(std::ffi::OsStr::from_bytes(&name));
    Ok(Some(match image.parent() {
        Some(dir) if name.is_relative() => dir.join(name),
        _ => name.to_owned(),
    }))
}

/// The backing files QEMU opens (read-only) for the qcow2 image `image`,
/// nearest first; `what` names the image in errors.
pub(crate) fn backing_chain(what: &str, image: &Path) -> crate::Result<Vec<PathBuf>> {
    let mut chain = Vec::new();
    let mut current = image.to_owned();
    loop {
        let backing = qcow2_backing(&current).map_err(|e| {
            error(
                SandboxError::InvalidDisk,
                format!(
                    "{what}: cannot read the qcow2 header of '{}': {e}",
                    current.display()
                ),
            )
        })?;
        let Some(backing) = backing else {
            return Ok(chain);
        };
        if chain.len() == MAX_BACKING_DEPTH || chain.contains(&backing) {
            return Err(error(
                SandboxError::InvalidDisk,
                format!(
                    "{what}: the backing chain of '{}' is longer than {MAX_BACKING_DEPTH} \
                     images or loops",
                    image.display()
                ),
            ));
        }
        chain.push(backing.clone());
        current = backing;
    }
}

/// The host files QEMU opens for the VM of `layout` (what each is, its
/// path): images of mounts, disks (files and block devices) and the
/// backing files of qcow2 ones.
pub(crate) fn files_qemu_opens(
    layout: &crate::builder::Layout,
) -> crate::Result<Vec<(String, PathBuf)>> {
    use crate::builder::HostMount;
    let images = layout.mounts.iter().filter_map(|mount| match mount {
        HostMount::Image {
            source,
            target,
            format,
        } => Some((format!("host-image:{target}"), source, format)),
        _ => None,
    });
    let disks = layout.disks.iter().map(|disk| {
        (
            format!("disk '{}'", disk.source.display()),
            &disk.source,
            &disk.format,
        )
    });
    let mut files = Vec::new();
    for (what, source, format) in images.chain(disks) {
        files.push((what.clone(), source.clone()));
        if format == "qcow2" {
            for backing in backing_chain(&what, source)? {
                files.push((format!("{what}: backing file"), backing));
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_virtiofsd_wrapper_drops_mknod_and_quotes_the_path() {
        let cache = crate::builder::testing::temp_dir("virtiofsd-wrapper");
        let odd = Path::new("/opt/it's/virtiofsd");
        let path = virtiofsd_without_mknod(odd, &cache).unwrap();
        let script = std::fs::read_to_string(&path).unwrap();
        assert!(script.starts_with("#!/bin/sh\n"), "{script}");
        assert!(
            script.contains(r#"exec '/opt/it'\''s/virtiofsd' "$@" --modcaps=-mknod"#),
            "{script}"
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o755
        );
        // The same daemon, the same script; the legacy one spells it the old way.
        assert_eq!(virtiofsd_without_mknod(odd, &cache).unwrap(), path);
        let legacy = virtiofsd_without_mknod(Path::new(LEGACY_VIRTIOFSD), &cache).unwrap();
        assert!(
            std::fs::read_to_string(legacy)
                .unwrap()
                .contains("\"$@\" -o modcaps=-mknod")
        );
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn the_root_daemon_is_read_only_cached_and_drops_to_qemus_user() {
        let cache = crate::builder::testing::temp_dir("virtiofsd-ro");
        let state = cache.join("state");
        std::fs::create_dir_all(&state).unwrap();
        let link = readonly_root_virtiofsd(
            Path::new("/usr/local/bin/virtiofsd"),
            &cache,
            &state,
            Some((805306369, 64055)),
        )
        .unwrap();
        assert_eq!(link, state.join(ROOT_DAEMON));
        let script = std::fs::read_to_string(&link).unwrap();
        assert!(script.starts_with("#!/bin/sh\n"), "{script}");
        // Every way out of the script adds the read-only, cached options.
        assert_eq!(
            script.matches("\"$@\" --readonly --cache=always").count(),
            1 + usize::from(setpriv().is_some()),
            "{script}"
        );
        assert!(script.contains("--modcaps=-mknod"), "{script}");
        if setpriv().is_some() {
            assert!(script.contains("--clear-groups"), "{script}");
        }
        let ids = state.join("virtiofsd-root.ids");
        assert_eq!(std::fs::read_to_string(&ids).unwrap(), "805306369 64055\n");
        assert_eq!(
            std::fs::metadata(&ids).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // One script for every VM: another state directory links the same one.
        let other = cache.join("other");
        std::fs::create_dir_all(&other).unwrap();
        let second =
            readonly_root_virtiofsd(Path::new("/usr/local/bin/virtiofsd"), &cache, &other, None)
                .unwrap();
        assert_eq!(
            std::fs::read_link(&second).unwrap(),
            std::fs::read_link(&link).unwrap()
        );
        assert!(!other.join("virtiofsd-root.ids").exists());
        assert!(!serves_readonly(Path::new(LEGACY_VIRTIOFSD)));
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn a_peer_that_is_not_the_domains_qemu_is_refused() {
        use crate::console::channel::PeerCheck;
        let check = check_qemu_peer("no-such-sandbox-4f2a", std::process::id() as i32);
        assert!(matches!(check, PeerCheck::Refuse(why) if why.contains("pid file")));
    }

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
        let err = find_virtiofsd(None, &["host-bind:/mnt=/srv".to_owned()]).unwrap_err();
        unsafe { std::env::remove_var(VIRTIOFSD_ENV) };
        let message = err.message().to_owned();
        assert!(message.contains("host-bind:/mnt=/srv"), "{message}");
        assert!(message.contains(VIRTIOFSD_ENV), "{message}");
        assert!(message.contains("cargo install"), "{message}");
    }

    fn qcow2_naming(path: &Path, backing: Option<&str>) {
        let mut bytes = vec![0u8; 512];
        bytes[..4].copy_from_slice(&QCOW2_MAGIC);
        bytes[4..8].copy_from_slice(&3u32.to_be_bytes());
        if let Some(name) = backing {
            bytes[8..16].copy_from_slice(&104u64.to_be_bytes());
            bytes[16..20].copy_from_slice(&(name.len() as u32).to_be_bytes());
            bytes[104..104 + name.len()].copy_from_slice(name.as_bytes());
        }
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn backing_chains_are_followed_relative_to_each_image() {
        let base = crate::builder::testing::temp_dir("backing");
        std::fs::create_dir_all(base.join("bases")).unwrap();
        let top = base.join("top.qcow2");
        let middle = base.join("bases/middle.qcow2");
        let bottom = base.join("bases/bottom.raw");
        qcow2_naming(&top, Some("bases/middle.qcow2"));
        qcow2_naming(&middle, Some(&bottom.to_string_lossy()));
        std::fs::write(&bottom, b"raw data").unwrap();
        assert_eq!(
            backing_chain("disk", &top).unwrap(),
            [middle.clone(), bottom]
        );
        assert!(backing_chain("disk", &middle).unwrap().len() == 1);
        // A loop is an error, not a hang.
        qcow2_naming(&middle, Some("../top.qcow2"));
        let err = backing_chain("disk 'data'", &top).unwrap_err();
        assert!(err.message().contains("disk 'data'"), "{err}");
        // A raw image has no chain.
        assert!(
            backing_chain("disk", &base.join("bases/bottom.raw"))
                .unwrap()
                .is_empty()
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}
