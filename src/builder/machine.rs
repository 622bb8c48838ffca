// SPDX-License-Identifier: LGPL-2.1-or-later
//! The QEMU builder: Config + Layout + boot facts -> `<domain type='qemu'>`
//! (or `'kvm'`).
//!
//! The VM boots the host's kernel directly (no disk, no bootloader) with the
//! initrd of [`super::initrd`], whose init-qemu mounts the host root and the
//! sandbox's directories over virtio-9p by tag and hands over to the common
//! stage 2. Everything a sandbox does not need is left out: no USB, video,
//! sound, balloon or network. The guest powers itself off when the command
//! ends; every way a VM can end (power-off, reboot, crash) destroys it.
//!
//! Consoles are virtio consoles backed by host ptys, in this order:
//! - `console0` = guest `/dev/hvc0`: kernel and init log (`console=hvc0`);
//! - `console1` = guest `/dev/hvc1`: the app channel (interactive sandboxes);
//! - next = the debug shell when `config.shell()` (`/dev/hvc2`, or `/dev/hvc1`
//!   without an app channel).
//!
//! libvirt names them `console0`, `console1`, `console2` in document order
//! (see [`super::consoles`]), like the LXC builder's consoles.

use std::path::PathBuf;

use super::xml::XmlWriter;
use super::{Layout, MEMORY_KIB};
use crate::config::Config;

pub use super::kvm::kvm_usable;

/// File name of the QEMU stage-1 init helper (the initrd's /init).
pub const INIT_QEMU: &str = "libvirt-sandbox-init-qemu";
/// The fast firmware QEMU ships: no option ROMs, no boot menu.
pub const QBOOT: &str = "/usr/share/qemu/qboot.rom";
/// 9p mount tags, which init-qemu mounts: one definition, in the init crate.
pub mod tags {
    use sandbox_init::qemu::layout;
    /// The sandbox's root (the host's `/` by default), read-only.
    pub const ROOT: &str = layout::ROOT_TAG;
    /// The directory of the init helpers, read-only, at `GUEST_INIT_DIR`.
    pub const INIT: &str = layout::INIT_TAG;
    /// The sandbox's state directory, read-only, at `GUEST_STATE_DIR`.
    pub const STATE: &str = layout::STATE_TAG;
}
/// The guest's log console device.
pub const LOG_DEVICE: &str = sandbox_init::qemu::layout::LOG_CONSOLE;

/// The guest device of the app channel, when `layout` has one.
pub fn app_device(layout: &Layout) -> Option<String> {
    layout.app_console.then(|| "/dev/hvc1".to_owned())
}

/// The guest device of the debug shell console, when `config` asks for one.
pub fn shell_device(config: &Config, layout: &Layout) -> Option<String> {
    config
        .shell()
        .then(|| format!("/dev/hvc{}", if layout.app_console { 2 } else { 1 }))
}

/// How the VM boots, decided by the caller from the host (see
/// [`super::kernel::select`], [`super::vmlinux::boot_image`],
/// [`super::initrd::ensure_initrd`], [`kvm_usable`], [`cmdline`]).
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
}

/// qboot when it is installed (it boots PVH kernels and bzImages alike and
/// skips SeaBIOS's option ROMs and boot menu: seconds under TCG).
pub fn default_firmware() -> Option<PathBuf> {
    let qboot = PathBuf::from(QBOOT);
    qboot.is_file().then_some(qboot)
}

/// The kernel command line. Quiet unless debugging (the init then logs too:
/// it looks for `debug` here). The i8042 options skip probing a PS/2
/// controller no sandbox uses, which costs time under TCG; `panic=-1`
/// reboots at once on a panic, and a reboot destroys the domain.
pub fn cmdline(debug: bool) -> String {
    let mut args = vec![
        "console=hvc0",
        "panic=-1",
        "i8042.noaux",
        "i8042.nomux",
        "i8042.nopnp",
        "i8042.dumbkbd",
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
        w.text("memory", &[("unit", "KiB")], &MEMORY_KIB.to_string());
        w.text("vcpu", &[], "1");
        os(w, config, boot);
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
        w.element("devices", &[], |w| devices(w, config, layout));
    });
    w.finish()
}

fn os(w: &mut XmlWriter, config: &Config, boot: &MachineBoot) {
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
        w.text("cmdline", &[], &boot.cmdline);
    });
}

fn share(w: &mut XmlWriter, source: &str, tag: &str) {
    // passthrough: files keep their host owners and modes; QEMU (running as
    // libvirt-qemu under qemu:///system) reads what that user may read. All
    // three shares are read-only; writable mounts are added by the caller's
    // config, not here.
    //
    // multidevs=remap: the host's `/` spans several filesystems whose inode
    // numbers collide (the roots of /proc and /sys are both inode 1); without
    // remapping, 9p hands the guest identical qids for them and the guest
    // treats /proc and /sys as one directory (both mounts then land on it).
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
        },
    );
}

fn console(w: &mut XmlWriter, port: usize) {
    w.element("console", &[("type", "pty")], |w| {
        w.empty("target", &[("type", "virtio"), ("port", &port.to_string())])
    });
}

fn devices(w: &mut XmlWriter, config: &Config, layout: &Layout) {
    let root = config.root().unwrap_or_else(|| "/".to_owned());
    share(w, &root, tags::ROOT);
    share(w, &layout.init_dir.to_string_lossy(), tags::INIT);
    share(w, &layout.state_dir.to_string_lossy(), tags::STATE);
    // libvirt adds a USB controller and a balloon unless told not to.
    w.empty("controller", &[("type", "usb"), ("model", "none")]);
    let mut port = 0;
    console(w, port);
    if layout.app_console {
        port += 1;
        console(w, port);
    }
    if config.shell() {
        port += 1;
        console(w, port);
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
        }
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
        assert_eq!(app_device(&l).as_deref(), Some("/dev/hvc1"));
        assert_eq!(shell_device(base, &l), None);
        base.set_shell(true);
        assert_eq!(shell_device(base, &l).as_deref(), Some("/dev/hvc2"));
        l.app_console = false;
        assert_eq!(app_device(&l), None);
        assert_eq!(shell_device(base, &l).as_deref(), Some("/dev/hvc1"));
        let xml = build(base, &l, &boot(false, true));
        assert_eq!(xml.matches("<console").count(), 2, "{xml}");
    }

    /// init-qemu hard-codes where it mounts things; the LXC side and the
    /// Context use the builder's constants: they must agree.
    #[test]
    fn guest_paths_agree_with_init_qemu() {
        use crate::builder::{GUEST_INIT_DIR, GUEST_STATE_DIR, LAUNCH_SPEC_NAME};
        use sandbox_init::qemu::layout;
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

    /// Boots a real sandbox VM on qemu:///system (TCG here) running
    /// `/bin/echo hello` through init-qemu and stage 2, speaking the protocol
    /// on the app console, and checks the output, exit status and power-off.
    /// Needs root, libvirtd, a host kernel and the static init-qemu:
    ///   RUSTFLAGS="-C target-feature=+crt-static" cargo build --release \
    ///     -p libvirt-sandbox-init --target x86_64-unknown-linux-gnu
    ///   SANDBOX_INIT_QEMU=target/x86_64-unknown-linux-gnu/release/libvirt-sandbox-init-qemu \
    ///     cargo test --lib boots_on_qemu_system -- --ignored --nocapture
    #[test]
    #[ignore = "boots a VM on qemu:///system (slow, needs root and libvirtd)"]
    fn boots_on_qemu_system() {
        use crate::builder::{cache, initrd, kernel, testing::temp_dir, vmlinux};
        use nix::sys::termios;
        use sandbox_init::protocol::{self, Decoder, Message};
        use std::io::{Read, Write};
        use std::os::unix::fs::OpenOptionsExt;
        use std::process::Command;
        use std::time::{Duration, Instant};

        let init_qemu = PathBuf::from(
            std::env::var("SANDBOX_INIT_QEMU")
                .expect("set SANDBOX_INIT_QEMU to the static init-qemu"),
        );
        let debug = std::env::var_os("SANDBOX_BOOT_DEBUG").is_some();
        let t0 = Instant::now();
        let kernel = kernel::select(None, None, None).unwrap();
        let root = cache::cache_root().unwrap();
        let image = vmlinux::boot_image(&kernel, &root).unwrap();
        let initrd = initrd::ensure_initrd(&kernel, &init_qemu, &root).unwrap();
        let t_warm = Instant::now();
        initrd::ensure_initrd(&kernel, &init_qemu, &root).unwrap();
        vmlinux::boot_image(&kernel, &root).unwrap();
        eprintln!(
            "boot files: {:?} (warm: {:?}); kernel {:?}, initrd {}",
            t_warm - t0,
            t_warm.elapsed(),
            image,
            initrd.display()
        );

        let dir = temp_dir("qemu-boot");
        let state = dir.join("state");
        let bin = dir.join("bin");
        std::fs::create_dir_all(&state).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        let mut spec = sandbox_init::launch::LaunchSpec::new(vec![
            "/bin/sh".into(),
            "-c".into(),
            "echo hello; echo oops >&2; grep -m1 'model name' /proc/cpuinfo; exit 3".into(),
        ]);
        spec.channel = "/dev/hvc1".into();
        spec.debug = debug;
        // SANDBOX_BOOT_SHELL=1 adds the debug shell console (/dev/hvc2).
        let shell = std::env::var_os("SANDBOX_BOOT_SHELL").is_some();
        if shell {
            spec.shell = Some("/dev/hvc2".into());
        }
        std::fs::write(state.join(crate::builder::LAUNCH_SPEC_NAME), spec.to_json()).unwrap();

        let config = crate::config::ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        base.set_shell(shell);
        let name = format!("sandbox-boot-test-{}", std::process::id());
        let layout = Layout {
            domain_name: name.clone(),
            state_dir: state.clone(),
            init_dir: bin.clone(),
            app_console: true,
            // Whatever else a layout has: the defaults of the golden tests.
            ..crate::builder::testing::layout()
        };
        let (mut kvm, why) = kvm_usable();
        // SANDBOX_BOOT_KVM=1 forces KVM (to see what a broken KVM does).
        kvm |= std::env::var_os("SANDBOX_BOOT_KVM").is_some();
        eprintln!("kvm: {kvm} ({why})");
        let boot = MachineBoot {
            // SANDBOX_BOOT_BZIMAGE=1 boots the compressed bzImage (to compare).
            kernel: if std::env::var_os("SANDBOX_BOOT_BZIMAGE").is_some() {
                kernel.image.clone()
            } else {
                image.path.clone()
            },
            initrd,
            cmdline: cmdline(debug),
            kvm,
            firmware: default_firmware(),
        };
        let log = dir.join("log.txt");
        let xml = build(base, &layout, &boot).replacen(
            "<console type=\"pty\">\n      <target type=\"virtio\" port=\"0\"/>",
            &format!(
                "<console type=\"file\">\n      <source path=\"{}\"/>\n      <target type=\"virtio\" port=\"0\"/>",
                log.display()
            ),
            1,
        );
        // Kernel messages from before the virtio console exists, for debugging.
        let xml = if std::env::var_os("SANDBOX_BOOT_SERIAL").is_some() {
            xml.replace("console=hvc0", "earlyprintk=ttyS0 keep_bootcon console=hvc0").replace(
                "<memballoon",
                &format!("<serial type=\"file\"><source path=\"{}/serial.txt\"/></serial>\n    <memballoon", dir.display()),
            )
        } else {
            xml
        };
        let xml_path = dir.join("domain.xml");
        std::fs::write(&xml_path, &xml).unwrap();
        let virsh = |args: &[&str]| {
            Command::new("virsh")
                .args(["-q", "-c", "qemu:///system"])
                .args(args)
                .output()
                .unwrap()
        };
        struct Destroy<'a>(&'a str);
        impl Drop for Destroy<'_> {
            fn drop(&mut self) {
                let _ = Command::new("virsh")
                    .args(["-q", "-c", "qemu:///system", "destroy", self.0])
                    .output();
            }
        }
        let started = Instant::now();
        let out = virsh(&["create", xml_path.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _guard = Destroy(&name);
        let created = started.elapsed();
        let live = String::from_utf8(virsh(&["dumpxml", &name]).stdout).unwrap();
        eprintln!(
            "{}",
            live.lines()
                .filter(|l| l.contains("alias") || l.contains("pty") || l.contains("source path"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let pty = live
            .split("<console type='pty'")
            .nth(1)
            .and_then(|c| c.split("path='").nth(1))
            .and_then(|p| p.split('\'').next())
            .expect("the app console's pty")
            .to_owned();
        let mut chan = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(nix::libc::O_NOCTTY)
            .open(&pty)
            .unwrap();
        let mut attrs = termios::tcgetattr(&chan).unwrap();
        termios::cfmakeraw(&mut attrs);
        termios::tcsetattr(&chan, termios::SetArg::TCSANOW, &attrs).unwrap();

        // Handshake: WAIT until the guest answers SYNC.
        let set_nonblock = |chan: &std::fs::File, on: bool| {
            use nix::fcntl::{FcntlArg, OFlag, fcntl};
            let flags = OFlag::from_bits_truncate(fcntl(chan, FcntlArg::F_GETFL).unwrap());
            let flags = if on {
                flags | OFlag::O_NONBLOCK
            } else {
                flags - OFlag::O_NONBLOCK
            };
            fcntl(chan, FcntlArg::F_SETFL(flags)).unwrap();
        };
        set_nonblock(&chan, true);
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut byte = [0u8; 1];
        let mut synced_at = None;
        while synced_at.is_none() {
            assert!(
                Instant::now() < deadline,
                "no SYNC; log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            if let Err(e) = chan.write_all(&[protocol::HANDSHAKE_WAIT]) {
                panic!("{:?}: writing WAIT: {e}", started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
            while let Ok(1) = chan.read(&mut byte) {
                if byte[0] == protocol::HANDSHAKE_SYNC {
                    synced_at = Some(started.elapsed());
                }
            }
        }
        chan.write_all(&[protocol::HANDSHAKE_SYNC]).unwrap();
        set_nonblock(&chan, false);
        let mut decoder = Decoder::new();
        let (mut stdout, mut stderr, mut status) = (Vec::new(), Vec::new(), None);
        let mut buf = vec![0u8; 65536];
        while status.is_none() {
            let n = chan.read(&mut buf).unwrap();
            assert!(n > 0);
            for m in decoder.feed(&buf[..n]).unwrap() {
                match m {
                    Message::Stdout(d) => stdout.extend(d),
                    Message::Stderr(d) => stderr.extend(d),
                    Message::Exit(s) => status = Some(s),
                    _ => {}
                }
            }
        }
        let exited_at = started.elapsed();
        chan.write_all(&Message::Quit.encode()).unwrap();
        // The guest powers off: the domain disappears.
        let mut gone_at = None;
        while Instant::now() < deadline {
            if !virsh(&["domstate", &name]).status.success() {
                gone_at = Some(started.elapsed());
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let log_text = std::fs::read_to_string(&log).unwrap_or_default();
        eprintln!("--- log console ---\n{log_text}\n---");
        if let Ok(serial) = std::fs::read_to_string(dir.join("serial.txt")) {
            eprintln!("--- serial ---\n{serial}\n---");
        }
        eprintln!(
            "create {created:?}, SYNC at {synced_at:?}, exit status at {exited_at:?}, domain gone at {gone_at:?}"
        );
        eprintln!(
            "stdout {:?} stderr {:?} status {status:?}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&stdout).lines().next(),
            Some("hello")
        );
        assert!(
            String::from_utf8_lossy(&stdout).contains("QEMU"),
            "{}",
            String::from_utf8_lossy(&stdout)
        );
        assert_eq!(stderr, b"oops\n");
        assert_eq!(status, Some(3 << 8));
        assert!(gone_at.is_some(), "the VM did not power off");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
