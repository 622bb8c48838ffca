// SPDX-License-Identifier: LGPL-2.1-or-later
//! The task limit of a container sandbox, enforced on the host with the
//! pids cgroup controller.
//!
//! libvirt 9.0 has no pids control for LXC domains and does not even place
//! them in a cgroup v1 `pids` hierarchy, so a fork bomb in a sandbox made
//! thousands of host processes. The context does it itself:
//! - cgroup v1 (or hybrid): it creates a cgroup of its own for the sandbox,
//!   `<pids>/machine/<domain>.libvirt-sandbox`, writes `pids.max` and, when
//!   the sandbox's init connects to the app channel and answers the
//!   handshake (before the host confirms it, so before the init runs
//!   anything), moves the init and every other process of the container
//!   into it; their children stay there. The directory is removed when the
//!   sandbox is gone.
//! - cgroup v2: it writes `pids.max` in the domain's own cgroup (libvirt's,
//!   found from the init's `/proc/PID/cgroup`), which libvirt removes.
//!
//! The peer whose pid is given is checked to be a process of this
//! sandbox's domain first (its cgroup is the domain's), so that nothing
//! else on the host can be moved.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::console::PeerCred;
use crate::console::channel::PeerCheck;
use crate::error::{SandboxError, error};

/// One cgroup filesystem of `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CgroupMount {
    /// The cgroup the mount shows at its mount point (`/` but in a cgroup
    /// namespace).
    root: String,
    point: PathBuf,
    /// v1: the controllers (`pids`, `name=systemd`, ...); v2: none.
    controllers: Vec<String>,
    v2: bool,
}

fn unescape_mountinfo(field: &str) -> String {
    field
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// The cgroup filesystems of a mountinfo text.
fn cgroup_mounts(mountinfo: &str) -> Vec<CgroupMount> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let right: Vec<&str> = right.split(' ').collect();
            let (root, point) = (left.get(3)?, left.get(4)?);
            let fstype = *right.first()?;
            let v2 = match fstype {
                "cgroup" => false,
                "cgroup2" => true,
                _ => return None,
            };
            let controllers = if v2 {
                Vec::new()
            } else {
                right
                    .get(2)?
                    .split(',')
                    .filter(|o| !matches!(*o, "rw" | "ro") && !o.contains("agent"))
                    .map(str::to_owned)
                    .collect()
            };
            Some(CgroupMount {
                root: unescape_mountinfo(root),
                point: PathBuf::from(unescape_mountinfo(point)),
                controllers,
                v2,
            })
        })
        .collect()
}

/// One line of `/proc/PID/cgroup`: its controllers and cgroup path.
fn proc_cgroups(text: &str) -> Vec<(Vec<String>, String)> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, ':');
            let _id = fields.next()?;
            let controllers = fields.next()?;
            let path = fields.next()?;
            let controllers = controllers
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            Some((controllers, path.to_owned()))
        })
        .collect()
}

/// The machine name libvirt 9 gives LXC domain `domain` started by process
/// `pid` (virDomainDriverGenerateMachineName): `lxc-PID-`, then the name's
/// characters that a host name may hold (letters, digits, `-`, `.`; so no
/// `_`), leading dots skipped, at most 64 bytes in all, no trailing `-` or
/// `.`.
fn machine_name(pid: &str, domain: &str) -> String {
    let mut name = format!("lxc-{pid}-");
    let mut leading = true;
    for c in domain.chars() {
        if name.len() >= 64 {
            break;
        }
        if c == '.' && leading {
            continue;
        }
        leading = false;
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            name.push(c);
        }
    }
    name.trim_end_matches(['-', '.']).to_owned()
}

/// Whether cgroup directory name `component` is libvirt's for the domain
/// `domain`: `NAME.libvirt-lxc`, `lxc-PID-NAME.libvirt-lxc` or systemd's
/// `machine-lxc\x2dPID\x2dNAME.scope`, NAME as [`machine_name`] makes it.
fn is_domain_cgroup(component: &str, domain: &str) -> bool {
    let name = component.replace("\\x2d", "-");
    if name == format!("{domain}.libvirt-lxc") {
        return true;
    }
    let machine = name.strip_suffix(".libvirt-lxc").or_else(|| {
        name.strip_suffix(".scope")
            .and_then(|n| n.strip_prefix("machine-"))
    });
    let Some((pid, _)) = machine
        .and_then(|m| m.strip_prefix("lxc-"))
        .and_then(|rest| rest.split_once('-'))
    else {
        return false;
    };
    !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && machine == Some(machine_name(pid, domain).as_str())
}

/// The part of cgroup `path` that is libvirt's cgroup for the domain
/// `domain` (see [`is_domain_cgroup`]), when it is in it, perhaps below
/// (libvirt may nest its processes in a child).
fn domain_cgroup<'a>(path: &'a str, domain: &str) -> Option<&'a str> {
    let mut end = 0;
    for component in path.split('/') {
        end += component.len();
        if is_domain_cgroup(component, domain) {
            return Some(&path[..end]);
        }
        end += 1; // the slash
    }
    None
}

/// The directory of cgroup `path` in `mount`.
fn cgroup_dir(mount: &CgroupMount, path: &str) -> PathBuf {
    let root = mount.root.trim_end_matches('/');
    let relative = path.strip_prefix(root).unwrap_or(path);
    mount.point.join(relative.trim_start_matches('/'))
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> crate::Error {
    error(
        SandboxError::Io,
        format!(
            "cannot {what} '{}' for the sandbox's task limit: {e}",
            path.display()
        ),
    )
}

fn write(path: &Path, value: &str) -> crate::Result<()> {
    std::fs::write(path, value).map_err(|e| io_error("write", path, e))
}

/// Whether a `pids.events` text says a fork failed at the limit.
fn limit_was_hit(events: &str) -> bool {
    events.lines().any(|line| {
        line.strip_prefix("max ")
            .and_then(|n| n.trim().parse::<u64>().ok())
            .is_some_and(|n| n > 0)
    })
}

/// The cgroup [`TaskLimit::create`] makes for the domain `domain` with
/// cgroup v1: `<pids>/machine/<domain>.libvirt-sandbox`; `None` without a
/// v1 pids hierarchy.
fn v1_cgroup(mounts: &[CgroupMount], domain: &str) -> Option<PathBuf> {
    let pids = mounts
        .iter()
        .find(|m| !m.v2 && m.controllers.iter().any(|c| c == "pids"))?;
    Some(
        cgroup_dir(pids, &pids.root)
            .join("machine")
            .join(format!("{domain}.libvirt-sandbox")),
    )
}

/// Removes the task-limit cgroup a sandbox whose owner was killed left
/// (cgroup v1; libvirt removes a v2 domain's own); with `wait`, gives the
/// processes of a just destroyed domain a moment to leave it. Whether it
/// is gone (or never was): `false` while processes still run in it.
pub(crate) fn remove_stale(domain: &str, wait: bool) -> bool {
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return true;
    };
    let Some(cgroup) = v1_cgroup(&cgroup_mounts(&mountinfo), domain) else {
        return true;
    };
    match remove_cgroup(&cgroup, if wait { REMOVE_ATTEMPTS } else { 1 }) {
        Ok(()) => {
            glib::g_debug!(
                "LibvirtSandbox",
                "removed the task cgroup '{}' of a sandbox whose owner is gone",
                cgroup.display()
            );
            true
        }
        Err(e) => {
            glib::g_debug!(
                "LibvirtSandbox",
                "cannot remove the task cgroup '{}' of a sandbox whose owner is gone (its \
                 sandbox still runs?): {e}",
                cgroup.display()
            );
            false
        }
    }
}

/// How often [`remove_cgroup`] tries, 10 ms apart, while the processes of a
/// destroyed domain are still leaving the cgroup.
const REMOVE_ATTEMPTS: u32 = 200;

/// Removes the cgroup directory `cgroup` (gone already is fine), trying
/// `attempts` times: it can go only once its last process has left.
fn remove_cgroup(cgroup: &Path, attempts: u32) -> std::io::Result<()> {
    let mut attempt = 1;
    loop {
        match std::fs::remove_dir(cgroup) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if attempt >= attempts => return Err(e),
            Err(_) => attempt += 1,
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[derive(Debug)]
enum Hierarchy {
    /// cgroup v1: our own cgroup in the pids hierarchy, and the other v1
    /// mounts (to find the domain's processes).
    V1 {
        cgroup: PathBuf,
        mounts: Vec<CgroupMount>,
    },
    /// cgroup v2: the domain's own cgroup, once its init connected.
    V2 {
        unified: CgroupMount,
        cgroup: RefCell<Option<PathBuf>>,
    },
}

/// The task limit of one container sandbox; dropping it removes the
/// cgroup it made (v1).
#[derive(Debug)]
pub(crate) struct TaskLimit {
    max: u32,
    domain: String,
    hierarchy: Hierarchy,
    /// Leave the cgroup when dropped (a detached sandbox still runs in it).
    keep: std::cell::Cell<bool>,
}

impl TaskLimit {
    /// Prepares the limit of `max` tasks for the domain `domain` (v1:
    /// creates its cgroup).
    pub(crate) fn create(domain: &str, max: u32) -> crate::Result<Self> {
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")
            .map_err(|e| io_error("read", Path::new("/proc/self/mountinfo"), e))?;
        let mounts = cgroup_mounts(&mountinfo);
        let hierarchy = if let Some(cgroup) = v1_cgroup(&mounts, domain) {
            if let Some(parent) = cgroup.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
            }
            std::fs::create_dir(&cgroup).map_err(|e| io_error("create", &cgroup, e))?;
            let hierarchy = Hierarchy::V1 {
                cgroup: cgroup.clone(),
                mounts: mounts.iter().filter(|m| !m.v2).cloned().collect(),
            };
            if let Err(e) = write(&cgroup.join("pids.max"), &max.to_string()) {
                let _ = std::fs::remove_dir(&cgroup);
                return Err(e);
            }
            hierarchy
        } else if let Some(unified) = mounts.iter().find(|m| {
            m.v2 && std::fs::read_to_string(m.point.join("cgroup.controllers"))
                .is_ok_and(|c| c.split_whitespace().any(|c| c == "pids"))
        }) {
            Hierarchy::V2 {
                unified: unified.clone(),
                cgroup: RefCell::new(None),
            }
        } else {
            return Err(error(
                SandboxError::Unsupported,
                format!(
                    "the sandbox's task limit ({max}) cannot be enforced: this host has no pids \
                     cgroup controller mounted (neither a cgroup v1 'pids' hierarchy nor cgroup \
                     v2 with 'pids'); mount one, or run without a limit (max-tasks 0, \
                     virt-sandbox --max-tasks 0)"
                ),
            ));
        };
        Ok(Self {
            max,
            domain: domain.to_owned(),
            hierarchy,
            keep: std::cell::Cell::new(false),
        })
    }

    pub(crate) fn max(&self) -> u32 {
        self.max
    }

    /// Puts the process `peer` (a channel peer that answered the
    /// handshake) and, with cgroup v1, the other processes of its
    /// container under the limit: refused when it is no process of this
    /// sandbox, a failure when the limit cannot be applied.
    pub(crate) fn enforce(&self, peer: &PeerCred) -> PeerCheck {
        let pid = peer.pid;
        let path = PathBuf::from(format!("/proc/{pid}/cgroup"));
        let cgroups = match std::fs::read_to_string(&path) {
            Ok(text) => proc_cgroups(&text),
            Err(e) => return PeerCheck::Refuse(format!("cannot read {}: {e}", path.display())),
        };
        let not_ours = || {
            PeerCheck::Refuse(format!(
                "process {pid} is not in the cgroup of sandbox '{}'",
                self.domain
            ))
        };
        let result = match &self.hierarchy {
            Hierarchy::V1 { cgroup, mounts } => {
                // The domain's cgroup in a hierarchy libvirt manages.
                let Some((dir, _)) = cgroups.iter().find_map(|(controllers, path)| {
                    if controllers.is_empty() || domain_cgroup(path, &self.domain).is_none() {
                        return None;
                    }
                    let mount = mounts
                        .iter()
                        .find(|m| m.controllers.iter().any(|c| controllers.contains(c)))?;
                    Some((cgroup_dir(mount, path), mount))
                }) else {
                    return not_ours();
                };
                self.move_container(pid, &dir, cgroup)
            }
            Hierarchy::V2 { unified, cgroup } => {
                let Some(path) = cgroups
                    .iter()
                    .find(|(controllers, path)| controllers.is_empty() && path.starts_with('/'))
                    .and_then(|(_, path)| domain_cgroup(path, &self.domain))
                else {
                    return not_ours();
                };
                // The limit of the domain's cgroup holds for all below it.
                let dir = cgroup_dir(unified, path);
                let result = write(&dir.join("pids.max"), &self.max.to_string()).map_err(|e| {
                    error(
                        SandboxError::Unsupported,
                        format!(
                            "{} (is the pids controller enabled for libvirt's machine \
                             cgroups? or run without a limit: --max-tasks 0)",
                            e.message()
                        ),
                    )
                });
                *cgroup.borrow_mut() = Some(dir);
                result
            }
        };
        match result {
            Ok(()) => {
                glib::g_debug!(
                    "LibvirtSandbox",
                    "task limit {} applied to sandbox '{}' (init pid {pid})",
                    self.max,
                    self.domain
                );
                PeerCheck::Accept
            }
            Err(e) => PeerCheck::Fail(e),
        }
    }

    /// Moves `pid` and every process of `domain_dir` in its pid namespace
    /// (the container's, not libvirt's controller) into `cgroup`.
    fn move_container(&self, pid: i32, domain_dir: &Path, cgroup: &Path) -> crate::Result<()> {
        let pid_ns = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/pid")).ok();
        let ns = pid_ns(&pid.to_string());
        let procs = cgroup.join("cgroup.procs");
        write(&procs, &pid.to_string())?;
        let members = std::fs::read_to_string(domain_dir.join("cgroup.procs")).unwrap_or_default();
        for member in members.split_whitespace() {
            if member != pid.to_string() && ns.is_some() && pid_ns(member) == ns {
                // It may have ended meanwhile.
                if let Err(e) = std::fs::write(&procs, member) {
                    glib::g_debug!("LibvirtSandbox", "cannot move process {member}: {e}");
                }
            }
        }
        Ok(())
    }

    fn events_path(&self) -> Option<PathBuf> {
        match &self.hierarchy {
            Hierarchy::V1 { cgroup, .. } => Some(cgroup.join("pids.events")),
            Hierarchy::V2 { cgroup, .. } => cgroup.borrow().as_ref().map(|c| c.join("pids.events")),
        }
    }

    /// Whether a fork in the sandbox failed because of the limit.
    pub(crate) fn reached(&self) -> bool {
        self.events_path()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .is_some_and(|events| limit_was_hit(&events))
    }

    /// Leaves the cgroup in place when dropped (the sandbox goes on).
    pub(crate) fn keep(&self) {
        self.keep.set(true);
    }
}

impl Drop for TaskLimit {
    fn drop(&mut self) {
        let Hierarchy::V1 { cgroup, .. } = &self.hierarchy else {
            return;
        };
        if self.keep.get() {
            return;
        }
        // The domain is destroyed: its processes are dying, and the
        // directory can go once the last one left it.
        if let Err(e) = remove_cgroup(cgroup, REMOVE_ATTEMPTS) {
            glib::g_warning!(
                "LibvirtSandbox",
                "cannot remove the sandbox's task cgroup '{}': {e}",
                cgroup.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:5 - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
41 31 0:38 /inner /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn reads_cgroup_mounts() {
        let mounts = cgroup_mounts(MOUNTINFO);
        assert_eq!(mounts.len(), 5);
        assert_eq!(mounts[1].controllers, ["memory"]);
        assert_eq!(mounts[3].controllers, ["xattr", "name=systemd"]);
        assert!(mounts[4].v2 && mounts[4].root == "/inner");
        assert_eq!(
            cgroup_dir(&mounts[4], "/inner/machine.slice/x"),
            PathBuf::from("/sys/fs/cgroup/unified/machine.slice/x")
        );
        assert_eq!(
            cgroup_dir(&mounts[2], "/machine/a.libvirt-lxc"),
            PathBuf::from("/sys/fs/cgroup/pids/machine/a.libvirt-lxc")
        );
        // Where a sandbox's own cgroup is, for its start and for the sweep.
        assert_eq!(
            v1_cgroup(&mounts, "box-1a2b3c4d"),
            Some(PathBuf::from(
                "/sys/fs/cgroup/pids/machine/box-1a2b3c4d.libvirt-sandbox"
            ))
        );
        assert_eq!(v1_cgroup(&mounts[4..], "box-1a2b3c4d"), None);
        // Nothing to remove where there is no such cgroup.
        assert!(remove_stale("no-such-sandbox-1a2b3c4d", false));
    }

    #[test]
    fn finds_the_domain_cgroup() {
        let text = "9:name=systemd:/\n8:pids:/\n4:memory:/machine/lxc-7447-sandbox-37b3eef9.libvirt-lxc\n0::/\n";
        let cgroups = proc_cgroups(text);
        assert_eq!(cgroups[2].0, ["memory"]);
        let path = &cgroups[2].1;
        assert_eq!(domain_cgroup(path, "sandbox-37b3eef9"), Some(path.as_str()));
        assert_eq!(domain_cgroup(path, "sandbox-37b3eef"), None);
        assert_eq!(domain_cgroup(path, "box-37b3eef9x"), None);
        let scope = "/machine.slice/machine-lxc\\x2d7447\\x2dsandbox\\x2d37b3eef9.scope";
        assert_eq!(
            domain_cgroup(&format!("{scope}/libvirt"), "sandbox-37b3eef9"),
            Some(scope)
        );
        assert_eq!(
            domain_cgroup("/user.slice/x.scope", "sandbox-37b3eef9"),
            None
        );
        assert!(cgroups[3].0.is_empty() && cgroups[3].1 == "/");
        // libvirt drops '_' from machine names and cuts them at 64 bytes
        // (seen on libvirt 9.0: domain x_y.z-1 -> lxc-11680-xy.z-1).
        let underscored = "/machine/lxc-11680-xy.z-1.libvirt-lxc";
        assert_eq!(domain_cgroup(underscored, "x_y.z-1"), Some(underscored));
        assert_eq!(domain_cgroup(underscored, "xy.z-1"), Some(underscored));
        assert_eq!(domain_cgroup(underscored, "x_y.z-12"), None);
        let long = "n".repeat(100);
        let cut = format!("/machine/lxc-42-{}.libvirt-lxc", "n".repeat(64 - 7));
        assert_eq!(domain_cgroup(&cut, &long), Some(cut.as_str()));
        // Another domain whose name ends like ours is not ours.
        let evil = "/machine/lxc-7447-evil-sandbox-37b3eef9.libvirt-lxc";
        assert_eq!(domain_cgroup(evil, "sandbox-37b3eef9"), None);
    }

    #[test]
    fn reads_pids_events() {
        assert!(!limit_was_hit("max 0\n"));
        assert!(limit_was_hit("max 212\n"));
        assert!(!limit_was_hit(""));
    }
}
