// SPDX-License-Identifier: LGPL-2.1-or-later
//! The launch spec: what the host tells the guest init to do, as a small
//! versioned JSON document written into the sandbox's state directory.
//!
//! Example:
//! ```json
//! {"version":1,"command":["/bin/sh","-c","echo hi"],"env":[["GREETING","hi"]],
//!  "uid":1000,"gid":1000,"username":"alice","homedir":"/home/alice","tty":false,
//!  "privileged":false,"channel":"/dev/tty2","shell":null,"debug":false,
//!  "mounts":[],"includes":[],"disks":[]}
//! ```

use serde::{Deserialize, Serialize};

/// The spec version this crate writes and reads.
pub const SPEC_VERSION: u32 = 1;

/// The `fstype` of a [`GuestMount`] whose filesystem the init detects.
pub const AUTO_FSTYPE: &str = "auto";

/// A mount the guest init performs itself (guest binds, tmpfs, images in VMs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestMount {
    pub source: String,
    pub target: String,
    /// Empty for a bind mount.
    pub fstype: String,
    pub options: String,
}

/// A host path the init copies into the sandbox before the command starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Include {
    pub src: String,
    pub dst: String,
    /// The modes the copies must get where the staged ones differ (a
    /// virtual machine's staged copies are widened for QEMU's group): each
    /// path relative to `src` (empty for `src` itself) with its mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<(String, u32)>,
}

/// A block disk to expose as `/dev/disk/by-tag/TAG`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskTag {
    pub tag: String,
    pub device: String,
}

/// A static address of an interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetAddress {
    pub address: String,
    pub prefix: u32,
    #[serde(default)]
    pub broadcast: Option<String>,
}

/// A static route through an interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetRoute {
    pub target: String,
    pub prefix: u32,
    pub gateway: String,
}

/// One network interface the init configures, found by its MAC address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetInterface {
    pub mac: String,
    /// The libvirt network it is on (for the init's messages).
    #[serde(default)]
    pub network: String,
    #[serde(default)]
    pub dhcp: bool,
    #[serde(default)]
    pub addresses: Vec<NetAddress>,
    #[serde(default)]
    pub routes: Vec<NetRoute>,
}

/// Everything the guest init needs to run the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchSpec {
    pub version: u32,
    /// argv; `argv[0]` is looked up in PATH.
    pub command: Vec<String>,
    /// Environment additions, in order.
    #[serde(default)]
    pub env: Vec<(String, String)>,
    pub uid: u32,
    pub gid: u32,
    pub username: String,
    pub homedir: String,
    /// Give the command a pty instead of pipes.
    #[serde(default)]
    pub tty: bool,
    /// Keep root's capabilities (otherwise all are dropped).
    #[serde(default)]
    pub privileged: bool,
    /// Where the app console protocol runs: a device, or `unix:PATH` for a
    /// socket the host listens on; empty for a service sandbox, which has
    /// none (its command's output goes to the log console).
    pub channel: String,
    /// The device a root debug shell runs on, if any.
    #[serde(default)]
    pub shell: Option<String>,
    #[serde(default)]
    pub debug: bool,
    /// Tell the command's stderr what the init set up (`--verbose`).
    #[serde(default)]
    pub verbose: bool,
    #[serde(default)]
    pub mounts: Vec<GuestMount>,
    #[serde(default)]
    pub includes: Vec<Include>,
    #[serde(default)]
    pub disks: Vec<DiskTag>,
    #[serde(default)]
    pub networks: Vec<NetInterface>,
    /// The sandbox's secret, hex-encoded ([`crate::protocol::SECRET_LEN`]
    /// bytes): the init proves with it (AUTH) that it is this sandbox's.
    #[serde(default)]
    pub secret: String,
    /// Most tasks (processes and threads) the command may have at once;
    /// 0 means no limit of the sandbox's own.
    #[serde(default)]
    pub max_tasks: u32,
    /// Targets of the writable mounts the backend made for the sandbox (its
    /// host binds, images and RAM disks, and the private `/run`, `/tmp`,
    /// `/var/tmp` and `/dev/shm`), parents first: what the command may
    /// write. The LXC init maps their owners into the command's user
    /// namespace.
    #[serde(default)]
    pub grants: Vec<String>,
    /// The command is systemd, the sandbox's own init (a systemd service,
    /// LXC): the name of the cgroup2 directory the init delegates to it
    /// (made below the container's own, given to the sandbox's root, and
    /// its cgroup namespace's root); empty for any other command. systemd
    /// also gets a PID namespace of its own (it must be PID 1) and is
    /// stopped with SIGRTMIN+3 (halt), not SIGTERM.
    #[serde(default)]
    pub systemd_cgroup: String,
}

/// Whether `path` is `parent` or lies below it (absolute paths; a trailing
/// slash does not matter): how grants, mount targets and private
/// directories nest, for the host and the init alike.
pub fn is_within(path: &str, parent: &str) -> bool {
    let parent = parent.trim_end_matches('/');
    let path = path.trim_end_matches('/');
    parent.is_empty()
        || path == parent
        || path
            .strip_prefix(parent)
            .is_some_and(|rest| rest.starts_with('/'))
}

impl LaunchSpec {
    /// A spec running `command` as root with defaults for everything else.
    pub fn new(command: Vec<String>) -> Self {
        Self {
            version: SPEC_VERSION,
            command,
            env: Vec::new(),
            uid: 0,
            gid: 0,
            username: "root".to_owned(),
            homedir: "/".to_owned(),
            tty: false,
            privileged: false,
            channel: "/dev/tty2".to_owned(),
            shell: None,
            debug: false,
            verbose: false,
            mounts: Vec::new(),
            includes: Vec::new(),
            disks: Vec::new(),
            networks: Vec::new(),
            secret: String::new(),
            max_tasks: 0,
            grants: Vec::new(),
            systemd_cgroup: String::new(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a LaunchSpec always serializes")
    }

    /// Parses and checks a spec.
    pub fn from_json(text: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let v: Version = serde_json::from_str(text)
            .map_err(|e| format!("the launch spec is not valid JSON with a version: {e}"))?;
        if v.version != SPEC_VERSION {
            return Err(format!(
                "the launch spec has version {}, this init understands {SPEC_VERSION}: \
                 the host library and the guest helpers do not match",
                v.version
            ));
        }
        let spec: Self =
            serde_json::from_str(text).map_err(|e| format!("invalid launch spec: {e}"))?;
        if spec.command.is_empty() || spec.command[0].is_empty() {
            return Err("invalid launch spec: the command is empty".to_owned());
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut spec = LaunchSpec::new(vec!["/bin/echo".into(), "hi".into()]);
        spec.env.push(("A".into(), "1".into()));
        spec.mounts.push(GuestMount {
            source: "tmpfs".into(),
            target: "/tmp".into(),
            fstype: "tmpfs".into(),
            options: "size=1024k".into(),
        });
        assert_eq!(LaunchSpec::from_json(&spec.to_json()).unwrap(), spec);
    }

    #[test]
    fn paths_nest() {
        assert!(is_within("/tmp", "/tmp"));
        assert!(is_within("/tmp/a", "/tmp/"));
        assert!(is_within("/tmp/", "/tmp"));
        assert!(is_within("/anything", "/"));
        assert!(!is_within("/tmpfoo", "/tmp"));
        assert!(!is_within("/tm", "/tmp"));
    }

    #[test]
    fn rejects_bad_specs() {
        assert!(
            LaunchSpec::from_json("nope")
                .unwrap_err()
                .contains("not valid JSON")
        );
        let mut spec = LaunchSpec::new(vec!["/bin/true".into()]);
        spec.version = 99;
        assert!(
            LaunchSpec::from_json(&spec.to_json())
                .unwrap_err()
                .contains("version 99")
        );
        let empty = LaunchSpec::new(vec![]);
        assert!(
            LaunchSpec::from_json(&empty.to_json())
                .unwrap_err()
                .contains("command is empty")
        );
        // A service's spec has no channel.
        let mut service = LaunchSpec::new(vec!["/bin/true".into()]);
        service.channel.clear();
        assert_eq!(LaunchSpec::from_json(&service.to_json()).unwrap(), service);
        let partial = r#"{"version":1,"command":["x"]}"#;
        assert!(
            LaunchSpec::from_json(partial)
                .unwrap_err()
                .contains("invalid launch spec")
        );
    }
}
