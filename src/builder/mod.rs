// SPDX-License-Identifier: LGPL-2.1-or-later
//! Builders: a [`Config`](crate::config::Config) plus the sandbox's
//! [`Layout`] in, a libvirt domain description out. Builders are pure: no
//! libvirt calls and no I/O, so every one is tested against golden XML.

pub mod container;
pub mod domain;
pub mod initrd;
pub mod machine;
pub mod xml;

use std::path::PathBuf;

/// Where the guest finds the sandbox's private files (a directory the
/// container's libvirt-created `/dev` tmpfs can always hold, whatever the root).
pub const GUEST_STATE_DIR: &str = "/dev/.libvirt-sandbox";
/// Where the guest finds the init helpers.
pub const GUEST_INIT_DIR: &str = "/dev/.libvirt-sandbox-bin";
/// File name of the app channel socket inside the state directory: the host
/// listens on it; the LXC guest connects to it, QEMU connects to it for the
/// VM's virtio-serial port.
pub const APP_CHANNEL_SOCKET: &str = "app.sock";
/// Name of the VM's virtio-serial port carrying the app channel.
pub const APP_CHANNEL_PORT: &str = "org.libvirt-sandbox.app";
/// File name of the launch spec inside the state directory.
pub const LAUNCH_SPEC_NAME: &str = "launch.json";
/// Default memory of a sandbox (the original's fixed 512 MiB; the config's
/// `memory` property sets it).
pub const MEMORY_KIB: u64 = 512 * 1024;

/// Directories every sandbox gets a private, empty tmpfs on (unless a mount
/// of its config covers them), so that it sees none of the host's sockets,
/// temporary files and shared memory. `/var/run` counts only where it is a
/// directory of its own rather than the usual link to `/run`.
pub const PRIVATE_DIRS: [&str; 5] = ["/run", "/var/run", "/tmp", "/var/tmp", "/dev/shm"];

pub use sandbox_proto::launch::is_within;

/// Which of `candidates` (of [`PRIVATE_DIRS`], the ones the sandbox's root
/// has) get a private tmpfs: those no mount target of the config is or
/// contains; the caller's mount decides about the others.
pub fn private_dirs<S: AsRef<str>>(candidates: &[S], config_targets: &[String]) -> Vec<String> {
    candidates
        .iter()
        .map(AsRef::as_ref)
        .filter(|dir| !config_targets.iter().any(|t| is_within(dir, t)))
        .map(str::to_owned)
        .collect()
}

/// The targets of the writable filesystems the backend makes for the
/// sandbox, parents first: the config's mount on `/` (when it has one),
/// the private directories, then the config's other host binds, images
/// and RAM disks.
pub fn grants(layout: &Layout) -> Vec<String> {
    let root = layout.mounts.iter().filter(|m| m.target() == "/");
    let others = layout.mounts.iter().filter(|m| m.target() != "/");
    root.map(|m| m.target().to_owned())
        .chain(layout.private_dirs.iter().cloned())
        .chain(others.map(|m| m.target().to_owned()))
        .collect()
}

/// Console device aliases as libvirt names them on the host, in device order.
pub mod consoles {
    /// Kernel/init log (the guest's `/dev/console`).
    pub const LOG: &str = "console0";
    /// The admin debug shell, when enabled (LXC: the guest's `/dev/tty2`;
    /// QEMU: `/dev/hvc1`).
    pub const SHELL: &str = "console1";
    /// A container's app console without a shell (`/dev/tty2`).
    pub const APP: &str = "console1";
    /// A container's app console after the shell's (`/dev/tty3`).
    pub const APP_AFTER_SHELL: &str = "console2";
}

/// A filesystem the backend mounts before the guest init runs, resolved from
/// the config's mounts (temporary directories created, sources checked).
/// Guest binds are not here: the init makes them, after these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMount {
    /// A host directory, read-write.
    Bind { source: PathBuf, target: String },
    /// A filesystem image; `format` is the disk format nick (raw, qcow2, ...).
    Image {
        source: PathBuf,
        target: String,
        format: String,
    },
    /// A tmpfs of `usage_kib` KiB.
    Ram { usage_kib: u64, target: String },
}

impl HostMount {
    pub fn target(&self) -> &str {
        match self {
            HostMount::Bind { target, .. }
            | HostMount::Image { target, .. }
            | HostMount::Ram { target, .. } => target,
        }
    }
}

/// A network interface of the sandbox. The MAC is always set (chosen at
/// start when the config has none) because the guest init finds the
/// interface by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub mac: String,
    /// The host end's device name. libvirt's LXC driver needs it to bind a
    /// traffic filter ("filter binding has no port dev name" otherwise).
    pub host_dev: String,
    /// The libvirt network it joins.
    pub source: String,
    /// A libvirt nwfilter and its parameters.
    pub filter: Option<(String, Vec<(String, String)>)>,
}

/// A virtio block disk of a virtual-machine sandbox (one of its `--disk`s).
/// The guest finds it by its serial (see [`machine::disk_serial`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtioDisk {
    /// The image file or host block device.
    pub source: PathBuf,
    /// A host block device rather than an image file.
    pub block: bool,
    /// The format QEMU reads it as: raw or qcow2.
    pub format: String,
}

/// The sandbox's security label (`<seclabel>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecLabel {
    /// The libvirt security model: selinux or apparmor.
    pub model: String,
    /// libvirt picks a unique label; `label` is then the base label.
    pub dynamic: bool,
    pub label: Option<String>,
}

/// The per-start facts a builder needs besides the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The libvirt domain name (unique per running sandbox).
    pub domain_name: String,
    /// The host directory holding this sandbox's private files.
    pub state_dir: PathBuf,
    /// The host directory holding the guest init helpers.
    pub init_dir: PathBuf,
    /// Whether an app console is needed (interactive sandboxes).
    pub app_console: bool,
    /// What the backend mounts, parents before children.
    pub mounts: Vec<HostMount>,
    /// The directories that get a private tmpfs (see [`private_dirs`]),
    /// mounted before `mounts` (but for a mount on `/`).
    pub private_dirs: Vec<String>,
    /// The network interfaces, in the config's order.
    pub interfaces: Vec<Interface>,
    /// Host block devices passed into the sandbox (its `--disk`s, LXC).
    pub block_devices: Vec<PathBuf>,
    /// The sandbox's `--disk`s as virtio disks (QEMU).
    pub disks: Vec<VirtioDisk>,
    /// The security label, if the host can apply one.
    pub security: Option<SecLabel>,
    /// Single host files bound read-only into the private directories,
    /// after their tmpfs (LXC): the resolver configuration that the root's
    /// `/etc/resolv.conf` links to under `/run`, which the private `/run`
    /// hides otherwise.
    pub host_files: Vec<HostFile>,
}

/// A host file the backend binds read-only at `target` (a regular file,
/// its path resolved by the context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFile {
    pub source: PathBuf,
    pub target: String,
}

#[cfg(test)]
pub(crate) mod testing {
    //! Golden-file helpers: `tests/golden/NAME` holds the expected XML; run
    //! with `SANDBOX_UPDATE_GOLDEN=1` to rewrite them after an intended change.
    //! Every golden file is also checked by `virt-xml-validate` (see
    //! tests/validate-golden.sh).
    use std::path::PathBuf;

    pub(crate) fn layout() -> super::Layout {
        super::Layout {
            domain_name: "demo-0123456789ab".to_owned(),
            state_dir: PathBuf::from("/run/libvirt-sandbox/demo-0123456789ab"),
            init_dir: PathBuf::from("/usr/libexec/libvirt-sandbox"),
            app_console: true,
            mounts: Vec::new(),
            private_dirs: ["/run", "/tmp", "/var/tmp", "/dev/shm"]
                .map(String::from)
                .to_vec(),
            interfaces: Vec::new(),
            block_devices: Vec::new(),
            disks: Vec::new(),
            security: None,
            host_files: Vec::new(),
        }
    }

    /// A fresh, empty directory for one test (removed by the test).
    pub(crate) fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "libvirt-sandbox-test-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// One mount of each kind the backends mount (golden tests of both).
    pub(crate) fn sample_mounts() -> Vec<super::HostMount> {
        use super::HostMount;
        vec![
            HostMount::Bind {
                source: "/var/lib/sandbox/home".into(),
                target: "/home".into(),
            },
            HostMount::Ram {
                usage_kib: 10240,
                target: "/tmp".into(),
            },
            HostMount::Image {
                source: "/var/lib/sandbox/data.img".into(),
                target: "/mnt".into(),
                format: "raw".into(),
            },
            HostMount::Image {
                source: "/var/lib/sandbox/data.qcow2".into(),
                target: "/srv".into(),
                format: "qcow2".into(),
            },
        ]
    }

    #[test]
    fn private_dirs_give_way_to_the_config() {
        use super::{PRIVATE_DIRS, private_dirs};
        let t = |targets: &[&str]| {
            private_dirs(
                &PRIVATE_DIRS,
                &targets.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(t(&[]), PRIVATE_DIRS);
        assert_eq!(t(&["/tmp/x", "/run/y"]), PRIVATE_DIRS);
        assert_eq!(
            t(&["/tmp", "/tmpfoo"]),
            ["/run", "/var/run", "/var/tmp", "/dev/shm"]
        );
        assert_eq!(t(&["/var/"]), ["/run", "/tmp", "/dev/shm"]);
        assert_eq!(t(&["/dev"]), ["/run", "/var/run", "/tmp", "/var/tmp"]);
        assert!(t(&["/"]).is_empty());
    }

    #[test]
    fn grants_put_parents_first() {
        let mut l = layout();
        l.mounts = sample_mounts();
        l.private_dirs = vec!["/run".into(), "/var/tmp".into(), "/dev/shm".into()];
        assert_eq!(
            super::grants(&l),
            [
                "/run", "/var/tmp", "/dev/shm", "/home", "/tmp", "/mnt", "/srv"
            ]
        );
        l.private_dirs.clear();
        l.mounts.insert(
            0,
            super::HostMount::Image {
                source: "/srv/root.img".into(),
                target: "/".into(),
                format: "raw".into(),
            },
        );
        assert_eq!(super::grants(&l), ["/", "/home", "/tmp", "/mnt", "/srv"]);
    }

    pub(crate) fn assert_golden(name: &str, actual: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        if std::env::var_os("SANDBOX_UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (SANDBOX_UPDATE_GOLDEN=1 writes it)",
                path.display()
            )
        });
        assert_eq!(actual, expected, "{name} differs from its golden file");
    }
}
