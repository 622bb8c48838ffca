// SPDX-License-Identifier: LGPL-2.1-or-later
//! Builders: a [`Config`](crate::config::Config) plus the sandbox's
//! [`Layout`] in, a libvirt domain description out. Builders are pure: no
//! libvirt calls and no I/O, so every one is tested against golden XML.

pub mod cache;
pub mod container;
pub mod initrd;
pub mod kernel;
pub mod kvm;
pub mod machine;
pub mod vmlinux;
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
/// Memory given to a sandbox (the original's fixed 512 MiB).
pub const MEMORY_KIB: u64 = 512 * 1024;

/// Console device aliases as libvirt names them on the host, in device order.
pub mod consoles {
    /// Kernel/init log (the guest's `/dev/console`).
    pub const LOG: &str = "console0";
    /// The application's channel (LXC: the guest's `/dev/tty2`).
    pub const APP: &str = "console1";
    /// The admin debug shell, when enabled (LXC: `/dev/tty3`).
    pub const SHELL: &str = "console2";
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
    /// The network interfaces, in the config's order.
    pub interfaces: Vec<Interface>,
    /// Host block devices passed into the sandbox (its `--disk`s, LXC).
    pub block_devices: Vec<PathBuf>,
    /// The sandbox's `--disk`s as virtio disks (QEMU).
    pub disks: Vec<VirtioDisk>,
    /// The security label, if the host can apply one.
    pub security: Option<SecLabel>,
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
            interfaces: Vec::new(),
            block_devices: Vec::new(),
            disks: Vec::new(),
            security: None,
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
