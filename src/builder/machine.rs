// SPDX-License-Identifier: LGPL-2.1-or-later
//! The QEMU builder: Config + Layout + boot facts -> `<domain type='qemu'>`
//! (or `'kvm'`).
//!
//! The VM boots the host's kernel directly (no disk, no bootloader) with the
//! initrd of [`super::initrd`], whose init-qemu mounts the host root and the
//! sandbox's directories by tag and hands over to the common stage 2. The
//! root is a read-only virtio-fs share served by a read-only, guest-cached
//! virtiofsd running as QEMU's user, the helpers and the state directory
//! reached through it ([`RootFs::Virtiofs`], [`through_root`]), or three
//! read-only virtio-9p shares served by QEMU ([`RootFs::P9`]). Everything a sandbox does not need is left out: no USB, video,
//! sound or balloon; a network only when the config asks for one. The guest
//! powers itself off when the command ends; every way a VM can end
//! (power-off, reboot, crash) destroys it.
//!
//! The config's mounts: host binds are writable virtio-fs shares
//! ([`mount_tag`]) served by a virtiofsd that libvirt starts for each,
//! filesystem images and `--disk`s are virtio disks the guest finds by
//! serial, RAM mounts are the init's tmpfs; the init mounts them all as
//! [`guest_mounts`] says. QEMU itself always runs unprivileged (as the VM's
//! own user, [`MachineBoot::qemu_user`], to whom the caller lends the images
//! and disks, or as libvirt's DAC user, whose files libvirt relabels), and
//! virtiofsd (root, in its own namespaces) is the one that writes the host
//! binds with the guest's owners.
//!
//! Consoles are virtio consoles backed by host ptys:
//! - `console0` = guest `/dev/hvc0`: kernel and init log (`console=hvc0`);
//! - `console1` = guest `/dev/hvc1`: the debug shell when `config.shell()`.
//!
//! The app channel (interactive sandboxes) is a virtio-serial port named
//! [`super::APP_CHANNEL_PORT`] whose host end QEMU connects to the socket the
//! host listens on in the state directory: a pty there loses data under load.

use std::path::PathBuf;

use sandbox_proto::launch::GuestMount;
use sandbox_proto::layout::{VIRTIOFS_FSTYPE, disk_by_serial};

use super::xml::XmlWriter;
use super::{HostMount, Layout};
use crate::config::Config;

/// File name of the QEMU stage-1 init helper (the initrd's /init).
pub const INIT_QEMU: &str = "libvirt-sandbox-init-qemu";
/// The fast firmware QEMU ships: no option ROMs, no boot menu.
pub const QBOOT: &str = "/usr/share/qemu/qboot.rom";
/// Mount tags (9p or virtio-fs), which init-qemu mounts: one definition, in the shared proto crate.
pub mod tags {
    use sandbox_proto::layout;
    /// The sandbox's root (the host's `/` by default), read-only.
    pub const ROOT: &str = layout::ROOT_TAG;
    /// The directory of the init helpers, read-only, at `GUEST_INIT_DIR`.
    pub const INIT: &str = layout::INIT_TAG;
    /// The sandbox's state directory, read-only, at `GUEST_STATE_DIR`.
    pub const STATE: &str = layout::STATE_TAG;
}
/// The guest's log console device.
pub const LOG_DEVICE: &str = sandbox_proto::layout::LOG_CONSOLE;

/// The virtio-fs tag of `layout.mounts[index]` when it is a host bind, and the
/// virtio serial of it when it is a filesystem image (at most 20 bytes).
pub fn mount_tag(index: usize) -> String {
    format!("sandbox-mount{index}")
}

/// The virtio serial of `layout.disks[index]` (a `--disk`).
pub fn disk_serial(index: usize) -> String {
    format!("sandbox-disk{index}")
}

/// The guest path of `layout.disks[index]`: the link init-qemu makes from
/// its serial (the kernel's vdX names follow probe order, not the domain's).
pub fn disk_device(index: usize) -> String {
    disk_by_serial(&disk_serial(index))
}

/// What the guest init mounts for `layout.mounts`, in their order (parents
/// first): host binds over virtio-fs, images from their virtio disk (filesystem
/// detected by the init), tmpfs for RAM mounts, owned by the sandbox's user.
pub fn guest_mounts(layout: &Layout, uid: u32, gid: u32) -> Vec<GuestMount> {
    layout
        .mounts
        .iter()
        .enumerate()
        .map(|(index, mount)| {
            let target = mount.target().to_owned();
            match mount {
                HostMount::Bind { .. } => GuestMount {
                    source: mount_tag(index),
                    target,
                    fstype: VIRTIOFS_FSTYPE.to_owned(),
                    options: String::new(),
                },
                HostMount::Image { .. } => GuestMount {
                    source: disk_by_serial(&mount_tag(index)),
                    target,
                    fstype: sandbox_proto::launch::AUTO_FSTYPE.to_owned(),
                    options: String::new(),
                },
                HostMount::Ram { usage_kib, .. } => GuestMount {
                    source: "tmpfs".to_owned(),
                    target,
                    fstype: "tmpfs".to_owned(),
                    options: format!("size={usage_kib}k,mode=0755,uid={uid},gid={gid}"),
                },
            }
        })
        .collect()
}

/// The guest's app channel (`virtio-port:NAME`, as the launch spec says),
/// when `layout` has one.
pub fn app_device(layout: &Layout) -> Option<String> {
    layout
        .app_console
        .then(|| format!("virtio-port:{}", super::APP_CHANNEL_PORT))
}

/// The guest device of the debug shell console, when `config` asks for one.
pub fn shell_device(config: &Config, _layout: &Layout) -> Option<String> {
    config.shell().then(|| "/dev/hvc1".to_owned())
}

/// How the VM boots, decided by the caller from the host (see
/// [`crate::boot::prepare`] and [`cmdline`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineBoot {
    /// The kernel: the PVH vmlinux, or the bzImage.
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    pub cmdline: String,
    /// Use KVM (`<domain type='kvm'>`) rather than TCG.
    pub kvm: bool,
    /// The firmware ROM (qboot), or None for QEMU's default (SeaBIOS).
    pub firmware: Option<PathBuf>,
    /// The virtiofsd libvirt starts for each host bind (found by the
    /// caller, see `context::qemu_host::find_virtiofsd`); None leaves the
    /// choice to libvirt's own lookup.
    pub virtiofsd: Option<PathBuf>,
    /// The uid and gid QEMU runs as, when the caller chose them (a user of
    /// the VM's own, to whom the caller lends the files QEMU opens); None
    /// leaves it to libvirt (its DAC user, relabelling the files).
    pub qemu_user: Option<(u32, u32)>,
    /// How the root, the helpers and the state directory reach the guest.
    pub root_fs: RootFs,
}

/// The file system of the VM's root (chosen by the caller from the config's
/// `filesystem-backend` and the host, see `context::plan::BootRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootFs {
    /// Read-only virtio-9p shares served by QEMU: the root, the helpers and
    /// the state directory, each by its tag.
    P9,
    /// A read-only virtio-fs share of the root served by `daemon` (the
    /// caller's wrapper of virtiofsd, which adds `--readonly` and
    /// `--cache=always` and drops to QEMU's user). The helpers and the state
    /// directory come through the root when it is the host's `/` (see
    /// [`through_root`]), else as two more such shares.
    Virtiofs { daemon: PathBuf },
}

/// Kernel command-line keys init-qemu reads (it mounts the root before it
/// can read anything else).
pub mod fs_args {
    use sandbox_proto::layout;
    /// `sandbox.fs=virtiofs`: the root is a virtio-fs share (else 9p).
    pub const FS: &str = layout::CMDLINE_FS;
    /// `sandbox.init=PATH`: the helpers are at PATH in the root.
    pub const INIT: &str = layout::CMDLINE_INIT;
    /// `sandbox.state=PATH`: the state directory is at PATH in the root.
    pub const STATE: &str = layout::CMDLINE_STATE;
}

/// A path the kernel command line carries unquoted: absolute, printable
/// ASCII, no spaces or quotes (the kernel's parser splits on spaces and
/// strips quotes).
fn cmdline_safe(path: &std::path::Path) -> bool {
    let text = path.to_string_lossy();
    text.starts_with('/')
        && text.len() < 512
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
}

/// Whether a virtio-fs VM finds its helpers and state directory through its
/// root (one share, one daemon): the root is the host's `/` and both paths
/// can go on the kernel command line.
pub fn through_root(config: &Config, layout: &Layout) -> bool {
    let root = config.root().unwrap_or_else(|| "/".to_owned());
    root.trim_end_matches('/').is_empty()
        && cmdline_safe(&layout.init_dir)
        && cmdline_safe(&layout.state_dir)
}

/// The kernel arguments of the root's file system, appended to the
/// caller's command line.
fn root_fs_args(config: &Config, layout: &Layout, root_fs: &RootFs) -> String {
    match root_fs {
        RootFs::P9 => String::new(),
        RootFs::Virtiofs { .. } if through_root(config, layout) => format!(
            " {}=virtiofs {}={} {}={}",
            fs_args::FS,
            fs_args::INIT,
            layout.init_dir.display(),
            fs_args::STATE,
            layout.state_dir.display()
        ),
        RootFs::Virtiofs { .. } => format!(" {}=virtiofs", fs_args::FS),
    }
}

/// Built-in initcalls the guest kernel skips: measured with `initcall_debug`
/// under TCG, together ~0.2 s of boot, for nothing a sandbox uses. The
/// tracing ones set up tracefs (never mounted in a sandbox) and its
/// enum-name tables, the largest part; `crypto_kdf108_init` only self-tests
/// the SP800-108 KDF, and does so even with `cryptomgr.notests`. A name the
/// kernel lacks is ignored.
pub const SKIPPED_INITCALLS: &[&str] = &[
    "tracer_init_tracefs",
    "init_kprobe_trace",
    "init_blk_tracer",
    "init_trace_printk_function_export",
    "crypto_kdf108_init",
];

/// The kernel command line. Quiet unless debugging (the init then logs too:
/// it looks for `debug` here). The i8042 options skip probing a PS/2
/// controller no sandbox uses, which costs time under TCG;
/// `cryptomgr.notests` skips the crypto self-tests (a quarter of a second of
/// boot under TCG, for algorithms a sandbox rarely uses); `initcall_blacklist`
/// skips the built-in initcalls of [`SKIPPED_INITCALLS`]; `no_timer_check`
/// skips a check that the timer interrupt is routed, which busy-waits for
/// four timer ticks (16 ms at the usual HZ=250, and QEMU's routing is
/// known good); `noreplace-smp` keeps the lock prefixes the kernel would
/// otherwise patch out, site by site in the kernel and every module, on a
/// single-CPU machine (0.17 s of boot under TCG; the original
/// libvirt-sandbox passed it too); `panic=-1` reboots at once on a panic,
/// and a reboot destroys the domain.
pub fn cmdline(debug: bool) -> String {
    let blacklist = format!("initcall_blacklist={}", SKIPPED_INITCALLS.join(","));
    let mut args = vec![
        "console=hvc0",
        "panic=-1",
        "i8042.noaux",
        "i8042.nomux",
        "i8042.nopnp",
        "i8042.dumbkbd",
        "cryptomgr.notests",
        &blacklist,
        "no_timer_check",
        "noreplace-smp",
    ];
    if debug {
        args.push("debug");
    } else {
        args.push("quiet");
    }
    args.join(" ")
}

/// Builds the QEMU domain XML of `config` laid out as `layout`.
pub fn build(config: &Config, layout: &Layout, boot: &MachineBoot) -> String {
    let mut w = XmlWriter::new();
    let kind = if boot.kvm { "kvm" } else { "qemu" };
    w.element("domain", &[("type", kind)], |w| {
        w.text("name", &[], &layout.domain_name);
        if let Some(uuid) = config.uuid() {
            w.text("uuid", &[], &uuid);
        }
        w.text("memory", &[("unit", "KiB")], &config.memory().to_string());
        if has_virtiofs(layout) || matches!(boot.root_fs, RootFs::Virtiofs { .. }) {
            // vhost-user: virtiofsd maps the guest's memory, which must be
            // shared (libvirt refuses virtio-fs otherwise).
            w.element("memoryBacking", &[], |w| {
                w.empty("source", &[("type", "memfd")]);
                w.empty("access", &[("mode", "shared")]);
            });
        }
        w.text("vcpu", &[], &vcpus(config).to_string());
        super::container::cputune(w, config, "global_period", "global_quota");
        os(w, config, layout, boot);
        // qboot has no power-off method of its own: without ACPI the guest
        // cannot power off and the domain would run forever.
        w.element("features", &[], |w| w.empty("acpi", &[]));
        if boot.kvm {
            w.empty("cpu", &[("mode", "host-passthrough")]);
        }
        w.empty("clock", &[("offset", "utc")]);
        w.text("on_poweroff", &[], "destroy");
        w.text("on_reboot", &[], "destroy");
        w.text("on_crash", &[], "destroy");
        w.element("devices", &[], |w| devices(w, config, layout, boot));
        if let Some(security) = &layout.security {
            super::container::seclabel(w, security);
        }
        // QEMU as the VM's own user, without libvirt's relabelling: that
        // would chown the cached kernel and initrd every VM shares (which
        // libvirt refuses for a second VM with another owner); the caller
        // lends the images and disks itself.
        if let Some((uid, gid)) = boot.qemu_user {
            w.element(
                "seclabel",
                &[("type", "static"), ("model", "dac"), ("relabel", "no")],
                |w| w.text("label", &[], &format!("+{uid}:+{gid}")),
            );
        }
    });
    w.finish()
}

/// Virtual CPUs: enough for the CPU quota (`cpus` rounded up), one
/// without a quota.
pub fn vcpus(config: &Config) -> u32 {
    (config.cpus().ceil() as u32).max(1)
}

fn os(w: &mut XmlWriter, config: &Config, layout: &Layout, boot: &MachineBoot) {
    let arch = config.arch().unwrap_or_default();
    w.element("os", &[], |w| {
        // q35 rather than pc: on i440fx every PCI device's interrupt goes
        // through an ACPI link device whose set-up costs ~0.2 s each under
        // TCG; q35 routes PCIe interrupts directly (measured: ~0.7 s less).
        w.text("type", &[("arch", &arch), ("machine", "q35")], "hvm");
        if let Some(firmware) = &boot.firmware {
            w.text(
                "loader",
                &[("readonly", "yes"), ("type", "rom")],
                &firmware.to_string_lossy(),
            );
        }
        w.text("kernel", &[], &boot.kernel.to_string_lossy());
        w.text("initrd", &[], &boot.initrd.to_string_lossy());
        let cmdline = boot.cmdline.clone() + &root_fs_args(config, layout, &boot.root_fs);
        w.text("cmdline", &[], &cmdline);
    });
}

/// A read-only 9p share of host directory `source` under `tag` (the root,
/// the helpers, the state directory).
///
/// passthrough: files keep their host owners and modes; QEMU (running
/// unprivileged) reads what its user may read, and refuses every write
/// (`<readonly/>`), whatever the guest's root does.
///
/// multidevs=remap: the host's `/` spans several filesystems whose inode
/// numbers collide (the roots of /proc and /sys are both inode 1); without
/// remapping, 9p hands the guest identical qids for them and the guest
/// treats /proc and /sys as one directory (both mounts then land on it).
fn share(w: &mut XmlWriter, slots: &mut PciSlots, source: &str, tag: &str) {
    w.element(
        "filesystem",
        &[
            ("type", "mount"),
            ("accessmode", "passthrough"),
            ("multidevs", "remap"),
        ],
        |w| {
            w.empty("source", &[("dir", source)]);
            w.empty("target", &[("dir", tag)]);
            w.empty("readonly", &[]);
            slots.address(w);
        },
    );
}

/// Whether the VM has a virtio-fs share (a host bind).
fn has_virtiofs(layout: &Layout) -> bool {
    layout
        .mounts
        .iter()
        .any(|m| matches!(m, HostMount::Bind { .. }))
}

/// A virtio-fs share of host directory `source` under `tag`, served by the
/// daemon `virtiofsd` (libvirt's own choice when None): a writable host
/// bind, or a share of the read-only root (see [`RootFs::Virtiofs`]). For
/// a host bind libvirt starts `virtiofsd` as root in the daemon's
/// own namespace sandbox, with the share as its only view of the host, and
/// ends it with the domain; QEMU only relays the guest's requests over
/// vhost-user. virtiofsd creates files with the owner the guest asks for
/// (the sandbox's user) and the guest kernel checks the user's permissions
/// against the host's owners and modes, so the command writes where its
/// user may. Caching is virtiofsd's default (`auto`: close-to-open
/// consistency with the host, as a writable share needs).
fn virtiofs_share(
    w: &mut XmlWriter,
    slots: &mut PciSlots,
    source: &str,
    tag: &str,
    virtiofsd: Option<&std::path::Path>,
) {
    w.element(
        "filesystem",
        &[("type", "mount"), ("accessmode", "passthrough")],
        |w| {
            w.empty("driver", &[("type", "virtiofs")]);
            if let Some(binary) = virtiofsd {
                w.empty("binary", &[("path", &binary.to_string_lossy())]);
            }
            w.empty("source", &[("dir", source)]);
            w.empty("target", &[("dir", tag)]);
            slots.address(w);
        },
    );
}

/// The libvirt target name of the `index`th virtio disk (vda, ..., vdz,
/// vdaa, ...). Only libvirt uses it; the guest finds disks by serial.
fn disk_target(index: usize) -> String {
    let letter = |i: usize| char::from(b'a' + (i % 26) as u8);
    if index < 26 {
        format!("vd{}", letter(index))
    } else {
        format!("vd{}{}", letter(index / 26 - 1), letter(index))
    }
}

/// The `index`th virtio disk: an image file or a host block device.
fn disk(
    w: &mut XmlWriter,
    slots: &mut PciSlots,
    index: usize,
    source: &str,
    block: bool,
    format: &str,
    serial: &str,
) {
    let kind = if block { "block" } else { "file" };
    w.element("disk", &[("type", kind), ("device", "disk")], |w| {
        w.empty("driver", &[("name", "qemu"), ("type", format)]);
        let attr = if block { "dev" } else { "file" };
        w.empty("source", &[(attr, source)]);
        w.empty("target", &[("dev", &disk_target(index)), ("bus", "virtio")]);
        w.text("serial", &[], serial);
        slots.address(w);
    });
}

/// The config's mounts and disks: virtio-fs shares for host binds, virtio
/// disks for filesystem images and `--disk`s (RAM mounts are the init's
/// alone).
fn mounts_and_disks(w: &mut XmlWriter, slots: &mut PciSlots, layout: &Layout, boot: &MachineBoot) {
    let mut disks = 0;
    for (index, mount) in layout.mounts.iter().enumerate() {
        match mount {
            HostMount::Bind { source, .. } => virtiofs_share(
                w,
                slots,
                &source.to_string_lossy(),
                &mount_tag(index),
                boot.virtiofsd.as_deref(),
            ),
            HostMount::Image { source, format, .. } => {
                let source = source.to_string_lossy();
                disk(w, slots, disks, &source, false, format, &mount_tag(index));
                disks += 1;
            }
            HostMount::Ram { .. } => {}
        }
    }
    for (index, d) in layout.disks.iter().enumerate() {
        let source = d.source.to_string_lossy();
        disk(
            w,
            slots,
            disks,
            &source,
            d.block,
            &d.format,
            &disk_serial(index),
        );
        disks += 1;
    }
}

fn console(w: &mut XmlWriter, port: usize) {
    w.element("console", &[("type", "pty")], |w| {
        w.empty("target", &[("type", "virtio"), ("port", &port.to_string())])
    });
}

/// Ports of the virtio-serial controller (see `devices`).
const VIRTIO_SERIAL_PORTS: usize = 4;

/// PCI slots on the root bus (pcie.0) for the VM's devices. Left to
/// itself, libvirt puts each virtio device of a q35 machine behind a PCIe
/// root port of its own, plus a spare one for hotplug: bridges the guest
/// kernel enumerates and sets up (AER, PME, hotplug) one by one, ~40 ms of
/// boot under TCG for a minimal sandbox. As integrated endpoints on the root
/// bus they need none; sandboxes never hotplug.
struct PciSlots {
    next: u8,
}

impl PciSlots {
    /// Slot 0 is the host bridge, 1 the usual place of a VGA, 0x1f the
    /// ICH9's own functions (LPC, SATA, SMBus).
    const FIRST: u8 = 0x02;
    const LAST: u8 = 0x1e;

    fn new() -> Self {
        PciSlots { next: Self::FIRST }
    }

    /// Writes the `<address>` of the next free slot. Once they are used up
    /// it writes none, and libvirt gives the device a root port.
    fn address(&mut self, w: &mut XmlWriter) {
        if self.next > Self::LAST {
            return;
        }
        let slot = format!("{:#04x}", self.next);
        self.next += 1;
        w.empty(
            "address",
            &[
                ("type", "pci"),
                ("domain", "0x0000"),
                ("bus", "0x00"),
                ("slot", &slot),
                ("function", "0x0"),
            ],
        );
    }
}

fn devices(w: &mut XmlWriter, config: &Config, layout: &Layout, boot: &MachineBoot) {
    let mut slots = PciSlots::new();
    let root = config.root().unwrap_or_else(|| "/".to_owned());
    let init_dir = layout.init_dir.to_string_lossy();
    let state_dir = layout.state_dir.to_string_lossy();
    let shares = [
        (&*root, tags::ROOT),
        (&*init_dir, tags::INIT),
        (&*state_dir, tags::STATE),
    ];
    match &boot.root_fs {
        RootFs::P9 => {
            for (source, tag) in shares {
                share(w, &mut slots, source, tag);
            }
        }
        RootFs::Virtiofs { daemon } => {
            // Read-only by the daemon: libvirt 9.0 has no <readonly/> for
            // virtio-fs, so the caller's wrapper adds --readonly (a guest
            // root that remounts the share read-write still gets EROFS) and
            // --cache=always (nothing changes the tree behind the guest's
            // back, so it caches it like a local disk).
            let count = if through_root(config, layout) { 1 } else { 3 };
            for (source, tag) in shares.into_iter().take(count) {
                virtiofs_share(w, &mut slots, source, tag, Some(daemon));
            }
        }
    }
    mounts_and_disks(w, &mut slots, layout, boot);
    for iface in &layout.interfaces {
        super::container::interface(w, iface, Some("virtio"), |w| slots.address(w));
    }
    // libvirt adds a USB controller and a balloon unless told not to.
    w.empty("controller", &[("type", "usb"), ("model", "none")]);
    // The virtio-serial controller of the consoles and the app channel: at
    // most three ports (console0, the shell's console1, the channel). The
    // guest driver sets up two virtqueues for each port the controller
    // offers, 31 by default (measured: its probe takes 8 ms less with 4).
    w.element(
        "controller",
        &[
            ("type", "virtio-serial"),
            ("index", "0"),
            ("ports", &VIRTIO_SERIAL_PORTS.to_string()),
        ],
        |w| slots.address(w),
    );
    console(w, 0);
    if config.shell() {
        console(w, 1);
    }
    if layout.app_console {
        let socket = layout.state_dir.join(super::APP_CHANNEL_SOCKET);
        w.element("channel", &[("type", "unix")], |w| {
            w.empty(
                "source",
                &[("mode", "connect"), ("path", &socket.to_string_lossy())],
            );
            w.empty(
                "target",
                &[("type", "virtio"), ("name", super::APP_CHANNEL_PORT)],
            );
        });
    }
    w.empty("memballoon", &[("model", "none")]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::testing::{assert_golden, layout};
    use crate::config::ConfigInteractive;
    use glib::prelude::*;

    fn boot(kvm: bool, firmware: bool) -> MachineBoot {
        MachineBoot {
            kernel: PathBuf::from("/var/cache/libvirt-sandbox/kernels/vmlinux-6.1.0-56-amd64-0123"),
            initrd: PathBuf::from(
                "/var/cache/libvirt-sandbox/initrd/initrd-6.1.0-56-amd64-4567.img",
            ),
            cmdline: cmdline(false),
            kvm,
            firmware: firmware.then(|| PathBuf::from(QBOOT)),
            virtiofsd: Some(PathBuf::from("/usr/local/bin/virtiofsd")),
            qemu_user: None,
            root_fs: RootFs::P9,
        }
    }

    fn virtiofs_boot() -> MachineBoot {
        MachineBoot {
            root_fs: RootFs::Virtiofs {
                daemon: PathBuf::from("/run/libvirt-sandbox/demo/virtiofsd-root"),
            },
            ..boot(false, true)
        }
    }

    #[test]
    fn a_virtiofs_root_brings_helpers_and_state_through_it() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let l = layout();
        let xml = build(base, &l, &virtiofs_boot());
        // One read-only share, no 9p at all, shared memory for vhost-user.
        assert_eq!(xml.matches("<filesystem ").count(), 1, "{xml}");
        assert!(!xml.contains("multidevs"), "{xml}");
        assert!(
            xml.contains("<binary path=\"/run/libvirt-sandbox/demo/virtiofsd-root\"/>"),
            "{xml}"
        );
        assert!(xml.contains("<access mode=\"shared\"/>"), "{xml}");
        let args = format!(
            "sandbox.fs=virtiofs sandbox.init={} sandbox.state={}</cmdline>",
            l.init_dir.display(),
            l.state_dir.display()
        );
        assert!(xml.contains(&args), "{xml}");
        assert_golden("qemu-virtiofs.xml", &xml);
        // The 9p machine keeps its command line.
        assert!(!build(base, &l, &boot(false, true)).contains("sandbox.fs"));
    }

    #[test]
    fn a_virtiofs_root_elsewhere_shares_helpers_and_state_too() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_root("/srv/rootfs");
        let mut l = layout();
        assert!(!through_root(base, &l));
        let xml = build(base, &l, &virtiofs_boot());
        assert_eq!(
            xml.matches("<driver type=\"virtiofs\"/>").count(),
            3,
            "{xml}"
        );
        assert!(xml.contains(" sandbox.fs=virtiofs</cmdline>"), "{xml}");
        // A path the command line cannot carry: shares as well.
        base.set_root("/");
        assert!(through_root(base, &l));
        l.state_dir = PathBuf::from("/run/libvirt-sandbox/a b");
        assert!(!through_root(base, &l));
        l.state_dir = PathBuf::from("/run/libvirt-sandbox/a\"b");
        assert!(!through_root(base, &l));
    }

    #[test]
    fn a_chosen_qemu_user_is_a_static_dac_label_without_relabelling() {
        let config = ConfigInteractive::new("vm");
        let mut b = boot(false, true);
        b.qemu_user = Some((0x3000_0001, 64055));
        let xml = build(config.upcast_ref(), &layout(), &b);
        assert!(
            xml.contains(
                "<seclabel type=\"static\" model=\"dac\" relabel=\"no\">\n    \
                 <label>+805306369:+64055</label>\n  </seclabel>"
            ),
            "{xml}"
        );
        assert!(!build(config.upcast_ref(), &layout(), &boot(false, true)).contains("seclabel"));
    }

    #[test]
    fn minimal_interactive_tcg() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        assert_golden(
            "qemu-minimal.xml",
            &build(base, &layout(), &boot(false, true)),
        );
    }

    /// A service VM (see `context::service`) on a host with SELinux: a
    /// dynamic label, so each service gets an MCS category pair of its own
    /// (beside the DAC label of its QEMU user); its data image a disk.
    #[test]
    fn service_with_a_dynamic_mcs_label() {
        let config = crate::config::ConfigServiceGeneric::new("web");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let mut layout = layout();
        layout.domain_name = "web".into();
        layout.state_dir = "/etc/libvirt-sandbox/services/web".into();
        layout.app_console = false;
        layout.mounts = vec![HostMount::Image {
            source: "/var/lib/libvirt/filesystems/web/data.img".into(),
            target: "/run/libvirt-sandbox-data".into(),
            format: "raw".into(),
        }];
        layout.security =
            crate::context::security::choose(base, &["selinux".into(), "dac".into()]).unwrap();
        let mut boot = boot(true, true);
        boot.qemu_user = Some((64100, 64100));
        let xml = build(base, &layout, &boot);
        assert!(
            xml.contains("<seclabel type=\"dynamic\" model=\"selinux\""),
            "{xml}"
        );
        assert_golden("qemu-service-seclabel.xml", &xml);
    }

    #[test]
    fn limits() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        assert_eq!(vcpus(base), 1);
        base.set_cpus(2.5);
        base.set_memory(1024 * 1024);
        assert_eq!(vcpus(base), 3);
        let xml = build(base, &layout(), &boot(false, true));
        assert_golden("qemu-limits.xml", &xml);
        assert!(
            xml.contains("<memory unit=\"KiB\">1048576</memory>"),
            "{xml}"
        );
        assert!(xml.contains("<vcpu>3</vcpu>"), "{xml}");
        assert!(xml.contains("<global_quota>250000</global_quota>"), "{xml}");
        base.set_cpus(0.5);
        assert_eq!(vcpus(base), 1);
    }

    fn mounts_layout() -> Layout {
        use crate::builder::{SecLabel, VirtioDisk};
        let mut l = layout();
        l.mounts = crate::builder::testing::sample_mounts();
        l.mounts.push(HostMount::Bind {
            source: "/run/libvirt-sandbox/demo-0123456789ab/tmp/4".into(),
            target: "/home/scratch".into(),
        });
        l.disks = vec![
            VirtioDisk {
                source: "/var/lib/sandbox/disk.qcow2".into(),
                block: false,
                format: "qcow2".into(),
            },
            VirtioDisk {
                source: "/dev/loop7".into(),
                block: true,
                format: "raw".into(),
            },
        ];
        l.security = Some(SecLabel {
            model: "selinux".into(),
            dynamic: true,
            label: None,
        });
        l
    }

    #[test]
    fn mounts_disks_and_labels() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let l = mounts_layout();
        let xml = build(base, &l, &boot(false, true));
        // QEMU keeps libvirt's unprivileged user: no DAC label of ours.
        assert!(!xml.contains("model=\"dac\""), "{xml}");
        assert_eq!(
            xml.matches("<driver type=\"virtiofs\"/>").count(),
            2,
            "{xml}"
        );
        assert!(xml.contains("<access mode=\"shared\"/>"), "{xml}");
        assert_golden("qemu-mounts.xml", &xml);
    }

    #[test]
    fn devices_sit_on_the_root_bus_until_its_slots_run_out() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let mut l = layout();
        l.mounts = (0..40)
            .map(|i| HostMount::Bind {
                source: format!("/srv/share{i}").into(),
                target: format!("/mnt/{i}"),
            })
            .collect();
        let xml = build(base, &l, &boot(false, true));
        let slots: Vec<&str> = xml
            .split("<address type=\"pci\"")
            .skip(1)
            .map(|rest| {
                rest.split("slot=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
            })
            .collect();
        // 0x02..=0x1e, each once and in order, all on bus 0; the 14 devices
        // beyond them (43 shares + the virtio-serial controller) get none.
        let expected: Vec<String> = (0x02..=0x1e).map(|s| format!("{s:#04x}")).collect();
        assert_eq!(slots, expected);
        assert_eq!(xml.matches("bus=\"0x00\"").count(), expected.len());
        assert_eq!(xml.matches("<filesystem ").count(), 43);
    }

    #[test]
    fn guest_mounts_follow_the_layout() {
        let mounts = guest_mounts(&mounts_layout(), 1000, 100);
        let summary: Vec<_> = mounts
            .iter()
            .map(|m| (m.source.as_str(), m.target.as_str(), m.fstype.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("sandbox-mount0", "/home", "virtiofs"),
                ("tmpfs", "/tmp", "tmpfs"),
                ("/dev/disk/by-id/virtio-sandbox-mount2", "/mnt", "auto"),
                ("/dev/disk/by-id/virtio-sandbox-mount3", "/srv", "auto"),
                ("sandbox-mount4", "/home/scratch", "virtiofs"),
            ]
        );
        assert_eq!(mounts[0].options, "");
        assert_eq!(mounts[1].options, "size=10240k,mode=0755,uid=1000,gid=100");
        assert_eq!(disk_device(1), "/dev/disk/by-id/virtio-sandbox-disk1");
        // Serials are at most 20 bytes (VIRTIO_BLK_ID_BYTES).
        assert!(mount_tag(999).len() <= 20 && disk_serial(999).len() <= 20);
        assert_eq!(disk_target(0), "vda");
        assert_eq!(disk_target(25), "vdz");
        assert_eq!(disk_target(26), "vdaa");
        assert_eq!(disk_target(52), "vdba");
    }

    #[test]
    fn interfaces_without_writable_mounts() {
        use crate::builder::Interface;
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let mut l = layout();
        l.mounts = vec![HostMount::Ram {
            usage_kib: 1024,
            target: "/tmp".into(),
        }];
        l.interfaces = vec![
            Interface {
                mac: "52:54:00:12:34:56".into(),
                host_dev: "vsb-0000a1b2".into(),
                source: "default".into(),
                filter: None,
            },
            Interface {
                mac: "52:54:00:ab:cd:ef".into(),
                host_dev: "vsb-0000c3d4".into(),
                source: "isolated".into(),
                filter: Some((
                    "clean-traffic".into(),
                    vec![("IP".into(), "192.168.122.10".into())],
                )),
            },
        ];
        let xml = build(base, &l, &boot(false, true));
        assert!(!xml.contains("model=\"dac\""), "{xml}");
        // No host bind: no virtio-fs, no shared memory.
        assert!(!xml.contains("memoryBacking"), "{xml}");
        assert_golden("qemu-interfaces.xml", &xml);
    }

    #[test]
    fn shell_root_kvm_seabios() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        base.set_root("/srv/rootfs");
        base.set_shell(true);
        base.set_uuid(Some("4dea22b3-1d52-d8f3-2516-782e98a23fa0"));
        let mut b = boot(true, false);
        b.kernel = PathBuf::from("/boot/vmlinuz-6.1.0-56-amd64");
        b.cmdline = cmdline(true);
        assert_golden("qemu-shell-root-kvm.xml", &build(base, &layout(), &b));
    }

    #[test]
    fn console_devices() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        let mut l = layout();
        assert_eq!(
            app_device(&l).as_deref(),
            Some("virtio-port:org.libvirt-sandbox.app")
        );
        assert_eq!(shell_device(base, &l), None);
        base.set_shell(true);
        assert_eq!(shell_device(base, &l).as_deref(), Some("/dev/hvc1"));
        let xml = build(base, &l, &boot(false, true));
        assert_eq!(xml.matches("<console").count(), 2, "{xml}");
        assert_eq!(xml.matches("<channel type=\"unix\">").count(), 1, "{xml}");
        l.app_console = false;
        assert_eq!(app_device(&l), None);
        let xml = build(base, &l, &boot(false, true));
        assert!(!xml.contains("<channel"), "{xml}");
    }

    /// init-qemu hard-codes where it mounts things; the LXC side and the
    /// Context use the builder's constants: they must agree.
    #[test]
    fn guest_paths_agree_with_init_qemu() {
        use crate::builder::{GUEST_INIT_DIR, GUEST_STATE_DIR, LAUNCH_SPEC_NAME};
        use sandbox_proto::layout;
        assert_eq!(layout::INIT_DIR, GUEST_INIT_DIR);
        assert_eq!(layout::STATE_DIR, GUEST_STATE_DIR);
        assert_eq!(
            layout::SPEC_PATH,
            format!("{GUEST_STATE_DIR}/{LAUNCH_SPEC_NAME}")
        );
    }

    #[test]
    fn cmdline_is_quiet_unless_debugging() {
        assert!(cmdline(false).contains("quiet") && !cmdline(false).contains("debug"));
        assert!(cmdline(true).split(' ').any(|a| a == "debug"));
        assert!(cmdline(true).contains("console=hvc0"));
    }
}
