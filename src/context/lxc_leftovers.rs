// SPDX-License-Identifier: LGPL-2.1-or-later
//! What libvirt's LXC driver leaves of every container in its state
//! directory, removed once the sandbox's domain is gone.
//!
//! libvirt 9.0's controller (`libvirt_lxc --name DOMAIN`) makes
//! `DOMAIN.dev`, `DOMAIN.devpts` and `DOMAIN.fuse` in `/run/libvirt/lxc`
//! (directories it mounts a tmpfs, a devpts and its FUSE `meminfo` on, in
//! its own mount namespace) and listens on `DOMAIN.sock`; libvirt removes
//! its `DOMAIN.pid` and `DOMAIN.xml` when the domain ends, never those four
//! (the socket stays when the controller is killed, as a destroy does).
//! Every sandbox start has a domain name of its own, so they would pile up
//! by the thousand.
//!
//! Only the entries of one domain this library created are removed, and
//! only when nothing can use them any more: libvirt no longer knows the
//! domain as active, its `.pid`/`.xml` records are gone, no controller of
//! that name runs (its mounts on the directories would otherwise go with
//! them), and no entry is a mount point of the host. Directories are removed
//! only when empty, the socket only when it is one; nothing is followed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// libvirt's LXC state directory (the driver runs as root only).
pub(crate) const STATE_DIR: &str = "/run/libvirt/lxc";

/// The directories the controller makes for a domain.
const DIRS: [&str; 3] = ["dev", "devpts", "fuse"];
/// The controller's monitor socket.
const SOCKET: &str = "sock";
/// libvirt's own records of a live domain, removed when it ends: while one
/// exists, libvirt is not done with the domain.
const LIVE: [&str; 2] = ["pid", "xml"];

/// Removes what libvirt left in its LXC state directory of the domain
/// `name` once it is gone. Does nothing on a connection other than
/// `lxc:///`, for a domain libvirt still has active (or cannot tell), and
/// for a name that could not name a domain of ours. Never fails: what
/// cannot be removed is logged and left.
pub(crate) fn remove(conn: &virt::connect::Connect, name: &str) {
    if !plausible_name(name) || !conn.driver_type().is_ok_and(|t| t == "LXC") {
        return;
    }
    match conn.lookup_domain_by_name(name) {
        Err(e) if is_gone(&e) => {}
        Ok(domain) => match domain.is_active() {
            Ok(false) => {}
            Err(e) if is_gone(&e) => {}
            Ok(true) => {
                glib::g_debug!(
                    "LibvirtSandbox",
                    "leaving libvirt's files of '{name}' in {STATE_DIR}: the domain still runs"
                );
                return;
            }
            Err(e) => return not_known(name, &e),
        },
        Err(e) => return not_known(name, &e),
    }
    if controller_runs(Path::new("/proc"), name) {
        glib::g_debug!(
            "LibvirtSandbox",
            "leaving libvirt's files of '{name}' in {STATE_DIR}: its libvirt_lxc controller \
             still runs"
        );
        return;
    }
    let mounts = std::fs::read_to_string("/proc/self/mountinfo")
        .map(|text| mount_points(&text))
        .unwrap_or_default();
    let removed = remove_in(Path::new(STATE_DIR), name, &mounts);
    if !removed.is_empty() {
        glib::g_debug!(
            "LibvirtSandbox",
            "removed what libvirt left of '{name}': {}",
            removed
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

fn not_known(name: &str, e: &virt::error::Error) {
    glib::g_debug!(
        "LibvirtSandbox",
        "leaving libvirt's files of '{name}' in {STATE_DIR}: cannot tell whether the domain \
         runs: {}",
        e.message()
    );
}

/// Whether a libvirt error says the domain does not exist (a transient
/// domain that ended).
pub(crate) fn is_gone(e: &virt::error::Error) -> bool {
    e.code()
        .is_known_and(|c| matches!(c, virt::error::ErrorNumber::NoDomain))
}

/// A name our domains (and state directories) may have: one path
/// component, not hidden.
fn plausible_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\0'])
}

/// Removes, in `dir`, the entries libvirt leaves of the domain `name`
/// (see the module's documentation) that are not in `mounts`; returns those
/// removed. Leaves everything while one of libvirt's live records exists.
fn remove_in(dir: &Path, name: &str, mounts: &HashSet<PathBuf>) -> Vec<PathBuf> {
    let entry = |suffix: &str| dir.join(format!("{name}.{suffix}"));
    if let Some(live) = LIVE
        .iter()
        .map(|s| entry(s))
        .find(|p| std::fs::symlink_metadata(p).is_ok())
    {
        glib::g_debug!(
            "LibvirtSandbox",
            "leaving libvirt's files of '{name}': '{}' says libvirt is not done with it",
            live.display()
        );
        return Vec::new();
    }
    let mut removed = Vec::new();
    for (suffix, want_dir) in DIRS.iter().map(|s| (*s, true)).chain([(SOCKET, false)]) {
        let path = entry(suffix);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let kind = meta.file_type();
        if mounts.iter().any(|m| m.starts_with(&path)) {
            glib::g_debug!(
                "LibvirtSandbox",
                "leaving '{}': something is mounted there",
                path.display()
            );
            continue;
        }
        use std::os::unix::fs::FileTypeExt;
        let result = if want_dir && kind.is_dir() {
            std::fs::remove_dir(&path)
        } else if !want_dir && kind.is_socket() {
            std::fs::remove_file(&path)
        } else {
            glib::g_debug!(
                "LibvirtSandbox",
                "leaving '{}': not what libvirt makes there ({kind:?})",
                path.display()
            );
            continue;
        };
        match result {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => glib::g_warning!(
                "LibvirtSandbox",
                "cannot remove '{}', which libvirt left of the ended sandbox '{name}': {e}; \
                 remove it by hand",
                path.display()
            ),
        }
    }
    removed
}

/// The mount points of a `/proc/PID/mountinfo` text (field 5, with its
/// octal escapes undone).
fn mount_points(mountinfo: &str) -> HashSet<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|escaped| PathBuf::from(std::ffi::OsString::from_vec(unescape(escaped))))
        .collect()
}

/// Undoes the kernel's `\NNN` (octal) escapes of a mountinfo field.
fn unescape(field: &str) -> Vec<u8> {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).filter(|d| {
            bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)) && d[0] <= b'3'
        });
        match octal {
            Some(d) => {
                out.push(d.iter().fold(0u8, |n, c| n * 8 + (c - b'0')));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

/// Whether a `libvirt_lxc` controller of the domain `name` runs (its
/// command line holds `--name NAME`), as `proc` (`/proc`) tells.
fn controller_runs(proc: &Path, name: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(proc) else {
        return false;
    };
    entries.flatten().any(|entry| {
        entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
            && std::fs::read(entry.path().join("cmdline"))
                .is_ok_and(|cmdline| is_controller_of(&cmdline, name))
    })
}

/// Whether the command line `cmdline` (NUL-separated) is that of the
/// controller of `name`.
fn is_controller_of(cmdline: &[u8], name: &str) -> bool {
    let mut args = cmdline.split(|&b| b == 0);
    let is_controller = args
        .next()
        .is_some_and(|argv0| argv0.rsplit(|&b| b == b'/').next() == Some(b"libvirt_lxc"));
    let args: Vec<&[u8]> = args.collect();
    is_controller
        && args
            .windows(2)
            .any(|w| w[0] == b"--name" && w[1] == name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the build's temporary directory.
    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "lxc-leftovers-{tag}-{}-{:08x}",
            std::process::id(),
            glib::random_int()
        ));
        std::fs::create_dir(&dir).unwrap();
        dir
    }

    /// What libvirt 9.0 leaves of `name` in `dir`.
    fn leave(dir: &Path, name: &str) {
        for suffix in DIRS {
            std::fs::create_dir(dir.join(format!("{name}.{suffix}"))).unwrap();
        }
        // A socket file outlives its listener.
        drop(std::os::unix::net::UnixListener::bind(dir.join(format!("{name}.sock"))).unwrap());
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn removes_exactly_the_ended_domains_entries() {
        let dir = scratch("exact");
        leave(&dir, "sbx-0000abcd");
        // Other domains: a longer name, one with a dot after ours, another.
        leave(&dir, "sbx-0000abcd-2");
        leave(&dir, "sbx-0000abcd.dev-1");
        leave(&dir, "other-12345678");
        std::fs::write(dir.join("sbx-0000abcd.log"), b"").unwrap();
        let removed = remove_in(&dir, "sbx-0000abcd", &HashSet::new());
        assert_eq!(removed.len(), 4, "{removed:?}");
        let left = names(&dir);
        assert!(!left.iter().any(|n| n == "sbx-0000abcd.dev"), "{left:?}");
        assert_eq!(left.len(), 3 * 4 + 1, "{left:?}");
        assert!(left.contains(&"sbx-0000abcd.log".to_owned()));
        assert!(left.contains(&"sbx-0000abcd.dev-1.dev".to_owned()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn leaves_everything_while_libvirt_holds_its_records() {
        for live in LIVE {
            let dir = scratch("live");
            leave(&dir, "sbx-1");
            std::fs::write(dir.join(format!("sbx-1.{live}")), b"42").unwrap();
            assert_eq!(
                remove_in(&dir, "sbx-1", &HashSet::new()),
                Vec::<PathBuf>::new()
            );
            assert_eq!(names(&dir).len(), 5, "{live}");
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn leaves_mount_points_full_dirs_links_and_other_kinds() {
        let dir = scratch("odd");
        leave(&dir, "sbx-2");
        // Mounted on, below a mount, not empty.
        let mounts: HashSet<PathBuf> =
            [dir.join("sbx-2.dev"), dir.join("sbx-2.devpts").join("ptmx")].into();
        std::fs::write(dir.join("sbx-2.fuse").join("meminfo"), b"").unwrap();
        assert_eq!(
            remove_in(&dir, "sbx-2", &mounts),
            vec![dir.join("sbx-2.sock")]
        );
        assert_eq!(names(&dir), ["sbx-2.dev", "sbx-2.devpts", "sbx-2.fuse"]);

        // A link where a directory was, a file where the socket was.
        let dir2 = scratch("kinds");
        std::os::unix::fs::symlink(&dir, dir2.join("sbx-3.dev")).unwrap();
        std::fs::write(dir2.join("sbx-3.sock"), b"").unwrap();
        std::fs::create_dir(dir2.join("sbx-3.devpts")).unwrap();
        assert_eq!(
            remove_in(&dir2, "sbx-3", &HashSet::new()),
            vec![dir2.join("sbx-3.devpts")]
        );
        assert_eq!(names(&dir2), ["sbx-3.dev", "sbx-3.sock"]);
        assert!(dir.join("sbx-2.dev").is_dir(), "a link was followed");
        std::fs::remove_dir_all(&dir2).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mountinfo_mount_points_with_escapes() {
        let text = "\
85 66 0:40 / /run/libvirt/lxc/a-1.devpts rw,nosuid - devpts devpts rw
86 66 0:41 / /run/with\\040space\\134x rw - tmpfs devfs rw
";
        let points = mount_points(text);
        assert!(points.contains(Path::new("/run/libvirt/lxc/a-1.devpts")));
        assert!(points.contains(Path::new("/run/with space\\x")));
        assert_eq!(unescape("a\\04"), b"a\\04");
        assert_eq!(unescape("\\400"), b"\\400");
    }

    #[test]
    fn controller_command_lines() {
        let ctl = b"/usr/lib/libvirt/libvirt_lxc\0--name\0sbx-1\0--console\0-1\0";
        assert!(is_controller_of(ctl, "sbx-1"));
        assert!(!is_controller_of(ctl, "sbx-10"));
        assert!(!is_controller_of(ctl, "sbx"));
        assert!(!is_controller_of(b"/bin/sh\0--name\0sbx-1\0", "sbx-1"));
        assert!(!is_controller_of(b"libvirt_lxc\0sbx-1\0", "sbx-1"));
        // This test's own process is no controller.
        assert!(!controller_runs(Path::new("/proc"), "sbx-1"));
    }

    #[test]
    fn names_that_stay_in_the_directory() {
        for good in ["sbx-0000abcd", "a.b_c+d:e@f-g"] {
            assert!(plausible_name(good), "{good}");
        }
        for bad in ["", ".", "..", ".hidden", "a/b", "../x", "a\0b"] {
            assert!(!plausible_name(bad), "{bad:?}");
        }
    }
}
