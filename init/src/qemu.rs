// SPDX-License-Identifier: LGPL-2.1-or-later
//! Stage 1 for QEMU: `/init` of the sandbox's initrd, PID 1 of the VM.
//!
//! It reads like the boot script it is: [`main`] runs the named steps in
//! order (mount the kernel filesystems, load the modules, mount the host's
//! root over virtio-fs or virtio-9p as the kernel command line says, switch
//! into it, mount the sandbox's directories, wait for the channel device), hands over to the common stage 2
//! ([`crate::guest::main`]) in-process, and then powers the VM off, whatever
//! happened: on success, on any error and on a panic. PID 1 returning would
//! be a kernel panic, which is never the way out.
//!
//! Messages carry a `libvirt-sandbox-init-qemu:` prefix. Errors are always
//! written; progress only when the kernel command line has `debug`. Until
//! the virtio console exists they go to `/dev/kmsg` (the kernel replays its
//! log on `hvc0` when that registers), then to `hvc0` itself.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::fcntl::OFlag;
use nix::kmod::{ModuleInitFlags, finit_module};
use nix::mount::{MsFlags, mount};
use nix::sys::reboot::{RebootMode, reboot};
use nix::sys::stat::Mode;

use crate::launch::LaunchSpec;

/// The guest layout both sides agree on (defined in the shared crate).
pub use sandbox_proto::layout;

/// Where the root is mounted before the switch.
const NEW_ROOT: &str = "/newroot";
/// 9p options: the largest message virtio's transport takes in one request
/// (fewer round trips per read); `cache=loose` lets the guest cache the
/// read-only trees (root, helpers) like a local filesystem.
const P9_RO_OPTIONS: &str = "trans=virtio,version=9p2000.L,msize=512000,cache=loose";
/// The virtio-fs file-system type.
const VIRTIOFS: &str = layout::VIRTIOFS_FSTYPE;

/// The root's file system, from the kernel command line the host wrote.
#[derive(Debug, PartialEq, Eq)]
enum RootFs {
    /// 9p shares: the root, the helpers, the state directory.
    P9,
    /// A virtio-fs root; the helpers and the state directory at these paths
    /// in it, or (None) their own virtio-fs shares.
    Virtiofs {
        init: Option<String>,
        state: Option<String>,
    },
}

impl RootFs {
    fn from_cmdline(cmdline: &str) -> Self {
        let value = |key: &str| {
            cmdline
                .split_whitespace()
                .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_owned)
        };
        match value(layout::CMDLINE_FS).as_deref() {
            Some(VIRTIOFS) => RootFs::Virtiofs {
                init: value(layout::CMDLINE_INIT),
                state: value(layout::CMDLINE_STATE),
            },
            _ => RootFs::P9,
        }
    }
}

/// How long devices (virtio consoles, 9p) may take to appear after their
/// modules are loaded: their probing is asynchronous.
const DEVICE_TIMEOUT: Duration = Duration::from_secs(10);

static DEBUG: AtomicBool = AtomicBool::new(false);
/// Whether stdio is on the log console yet (else messages go to /dev/kmsg).
static CONSOLE: AtomicBool = AtomicBool::new(false);

fn emit(level: u8, message: &str) {
    let line = format!("libvirt-sandbox-init-qemu: {message}\n");
    if CONSOLE.load(Ordering::Relaxed) {
        let _ = std::io::stderr().write_all(line.as_bytes());
    } else if let Ok(mut kmsg) = std::fs::OpenOptions::new().write(true).open("/dev/kmsg") {
        // "<N>" is the kernel log level: 3 (err) shows even with `quiet`.
        let _ = kmsg.write_all(format!("<{level}>{line}").as_bytes());
    }
}

/// Logs an error (always).
fn error(message: &str) {
    emit(3, message);
}

/// Logs progress (with `debug` on the kernel command line).
fn debug(message: &str) {
    if DEBUG.load(Ordering::Relaxed) {
        emit(6, message);
    }
}

/// Runs stage 1, stage 2, then powers off. Never returns.
pub fn main() -> ! {
    std::panic::set_hook(Box::new(|info| error(&format!("panic: {info}"))));
    let started = Instant::now();
    match std::panic::catch_unwind(run) {
        Ok(Ok(code)) => debug(&format!(
            "the sandbox ended (stage 2 returned {code}) after {:?}",
            started.elapsed()
        )),
        Ok(Err(e)) => error(&e),
        Err(_) => error("the init panicked"),
    }
    power_off()
}

/// Every step, in order; returns stage 2's exit code.
fn run() -> Result<u8, String> {
    mount_kernel_filesystems()?;
    DEBUG.store(kernel_cmdline_has("debug"), Ordering::Relaxed);
    debug("mounted /proc, /sys and /dev");
    load_modules()?;
    console_stdio()?;
    let fs = RootFs::from_cmdline(&std::fs::read_to_string("/proc/cmdline").unwrap_or_default());
    mount_root(&fs)?;
    switch_root()?;
    mount_dev_extras()?;
    match &fs {
        RootFs::P9 => {
            mount_share(layout::INIT_TAG, layout::INIT_DIR, "9p", P9_RO_OPTIONS)?;
            mount_share(
                layout::STATE_TAG,
                layout::STATE_DIR,
                "9p",
                layout::P9_RW_OPTIONS,
            )?;
        }
        RootFs::Virtiofs { init, state } => {
            for (path, tag, target) in [
                (init, layout::INIT_TAG, layout::INIT_DIR),
                (state, layout::STATE_TAG, layout::STATE_DIR),
            ] {
                match path {
                    Some(path) => bind_from_root(path, target)?,
                    None => mount_share(tag, target, VIRTIOFS, "")?,
                }
            }
        }
    }
    wait_for_spec_devices()?;
    link_virtio_disks()?;
    debug("starting stage 2");
    Ok(crate::guest::main(
        Path::new(layout::SPEC_PATH),
        crate::isolation::Backend::Qemu,
    ))
}

fn mount_fs(
    source: &str,
    target: &str,
    fstype: &str,
    flags: MsFlags,
    data: Option<&str>,
) -> Result<(), String> {
    mount(Some(source), target, Some(fstype), flags, data).map_err(|e| {
        format!(
            "cannot mount {fstype} '{source}' on '{target}'{}: {e}",
            data.map(|d| format!(" ({d})")).unwrap_or_default()
        )
    })
}

fn mkdir(path: &str) -> Result<(), String> {
    match std::fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("cannot create the mount point '{path}': {e}")),
    }
}

/// /proc, /sys and a devtmpfs /dev (device nodes appear as drivers load).
fn mount_kernel_filesystems() -> Result<(), String> {
    let plain = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    for dir in ["/proc", "/sys", "/dev"] {
        mkdir(dir)?;
    }
    mount_fs("proc", "/proc", "proc", plain, None)?;
    mount_fs("sysfs", "/sys", "sysfs", plain, None)?;
    mount_fs(
        "devtmpfs",
        "/dev",
        "devtmpfs",
        MsFlags::MS_NOSUID,
        Some("mode=0755"),
    )
}

fn kernel_cmdline_has(word: &str) -> bool {
    std::fs::read_to_string("/proc/cmdline")
        .map(|c| c.split_whitespace().any(|w| w == word))
        .unwrap_or(false)
}

/// Loads the initrd's modules in the order file's order (dependencies
/// first, as the host resolved them from modules.dep): the core group
/// always, the disk and network groups only when the VM has such a virtio
/// device (ext4 alone costs half a second under TCG).
fn load_modules() -> Result<(), String> {
    let order = format!("/{}", layout::ORDER_FILE);
    let text = std::fs::read_to_string(&order)
        .map_err(|e| format!("cannot read the module list '{order}': {e}"))?;
    // Known once the core group (virtio_pci) is in: its probe registers the
    // virtio devices synchronously.
    let mut present: Option<Vec<u32>> = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (group, name) = line
            .split_once(' ')
            .ok_or_else(|| format!("malformed line '{line}' in the module list '{order}'"))?;
        let path = format!("/{}/{name}", layout::MODULES_DIR);
        if group != layout::GROUP_CORE {
            let devices = present.get_or_insert_with(virtio_device_ids);
            if !group_wanted(group, devices) {
                let _ = std::fs::remove_file(&path);
                continue;
            }
        }
        let module =
            File::open(&path).map_err(|e| format!("cannot open the module '{path}': {e}"))?;
        match finit_module(&module, c"", ModuleInitFlags::empty()) {
            // Already loaded (or pulled in by another): fine.
            Ok(()) | Err(nix::errno::Errno::EEXIST) => debug(&format!("loaded {name}")),
            Err(e) => {
                return Err(format!(
                    "cannot load the kernel module '{name}': {e} (the initrd does not match \
                     the booted kernel?)"
                ));
            }
        }
        // The initrd is RAM: the module's memory is freed once unlinked.
        let _ = std::fs::remove_file(&path);
    }
    Ok(())
}

/// Whether an optional module group is needed with these virtio devices
/// (an unknown group is loaded: a newer host knows better).
fn group_wanted(group: &str, virtio_ids: &[u32]) -> bool {
    match group {
        layout::GROUP_CORE => true,
        layout::GROUP_BLOCK => virtio_ids.contains(&VIRTIO_ID_BLOCK),
        layout::GROUP_NET => virtio_ids.contains(&VIRTIO_ID_NET),
        layout::GROUP_FS => virtio_ids.contains(&VIRTIO_ID_FS),
        layout::GROUP_P9 => virtio_ids.contains(&VIRTIO_ID_9P),
        _ => true,
    }
}

/// Virtio device IDs (virtio spec, "Device Types").
const VIRTIO_ID_NET: u32 = 1;
const VIRTIO_ID_BLOCK: u32 = 2;
const VIRTIO_ID_9P: u32 = 9;
const VIRTIO_ID_FS: u32 = 26;

/// The device IDs of the VM's virtio devices, from sysfs.
fn virtio_device_ids() -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/sys/bus/virtio/devices") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("device")).ok())
        .filter_map(|id| u32::from_str_radix(id.trim().trim_start_matches("0x"), 16).ok())
        .collect()
}

/// Waits for a device node that an asynchronously probed driver creates.
fn wait_for(path: &str) -> Result<(), String> {
    let deadline = Instant::now() + DEVICE_TIMEOUT;
    while !Path::new(path).exists() {
        if Instant::now() > deadline {
            return Err(format!(
                "the device '{path}' did not appear within {DEVICE_TIMEOUT:?} (is the domain's \
                 console or channel missing?)"
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// Makes the log console stdin, stdout and stderr (the kernel could not
/// open a console for /init: virtio_console was not loaded yet).
fn console_stdio() -> Result<(), String> {
    wait_for(layout::LOG_CONSOLE)?;
    let fd = nix::fcntl::open(
        layout::LOG_CONSOLE,
        OFlag::O_RDWR | OFlag::O_NOCTTY,
        Mode::empty(),
    )
    .map_err(|e| format!("cannot open the log console '{}': {e}", layout::LOG_CONSOLE))?;
    nix::unistd::dup2_stdin(fd.as_fd()).map_err(|e| format!("dup2: {e}"))?;
    nix::unistd::dup2_stdout(fd.as_fd()).map_err(|e| format!("dup2: {e}"))?;
    nix::unistd::dup2_stderr(fd.as_fd()).map_err(|e| format!("dup2: {e}"))?;
    CONSOLE.store(true, Ordering::Relaxed);
    debug("log console ready");
    Ok(())
}

/// Mounts the root share read-only (the host's daemon refuses writes in
/// any case: a remount read-write gets EROFS from it).
fn mount_root(fs: &RootFs) -> Result<(), String> {
    mkdir(NEW_ROOT)?;
    match fs {
        RootFs::P9 => mount_fs(
            layout::ROOT_TAG,
            NEW_ROOT,
            "9p",
            MsFlags::MS_RDONLY,
            Some(P9_RO_OPTIONS),
        )?,
        RootFs::Virtiofs { .. } => mount_virtiofs(layout::ROOT_TAG, NEW_ROOT, MsFlags::MS_RDONLY)?,
    }
    debug(&format!("mounted the root ({fs:?})"));
    Ok(())
}

/// Mounts the virtio-fs share `tag`, waiting for its device: the tag is
/// known once the virtiofs driver probed it, which may lag the module load.
fn mount_virtiofs(tag: &str, target: &str, flags: MsFlags) -> Result<(), String> {
    let deadline = Instant::now() + DEVICE_TIMEOUT;
    loop {
        match mount(Some(tag), target, Some(VIRTIOFS), flags, None::<&str>) {
            Ok(()) => return Ok(()),
            Err(nix::errno::Errno::ENOENT | nix::errno::Errno::ENODEV)
                if Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => {
                return Err(format!(
                    "cannot mount virtiofs '{tag}' on '{target}': {e} (does the domain have \
                     the share, and the kernel virtiofs?)"
                ));
            }
        }
    }
}

/// Binds `path` of the (read-only) root at `target` under /dev, read-only,
/// without devices or set-uid programs, as the 9p shares are.
fn bind_from_root(path: &str, target: &str) -> Result<(), String> {
    mkdir(target)?;
    let fail =
        |e: nix::errno::Errno| format!("cannot bind '{path}' of the root on '{target}': {e}");
    mount(
        Some(path),
        target,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(fail)?;
    mount(
        None::<&str>,
        target,
        None::<&str>,
        MsFlags::MS_BIND
            | MsFlags::MS_REMOUNT
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NODEV
            | MsFlags::MS_NOSUID,
        None::<&str>,
    )
    .map_err(fail)?;
    debug(&format!("bound {path} on {target}"));
    Ok(())
}

/// Moves /dev, /proc and /sys into the new root, frees the initrd and makes
/// the new root `/` (what switch_root does: the initramfs cannot be
/// unmounted, so the new root is moved over it and chrooted into).
fn switch_root() -> Result<(), String> {
    for dir in ["/dev", "/proc", "/sys"] {
        let target = format!("{NEW_ROOT}{dir}");
        mount(
            Some(dir),
            target.as_str(),
            None::<&str>,
            MsFlags::MS_MOVE,
            None::<&str>,
        )
        .map_err(|e| {
            format!(
                "cannot move '{dir}' to '{target}': {e} (the sandbox root needs /dev, \
                     /proc and /sys directories)"
            )
        })?;
    }
    // What is left of the initrd (modules were unlinked once loaded).
    let _ = std::fs::remove_file(format!("/{}", layout::ORDER_FILE));
    let _ = std::fs::remove_dir(format!("/{}", layout::MODULES_DIR));
    let _ = std::fs::remove_file("/init");
    std::env::set_current_dir(NEW_ROOT).map_err(|e| format!("cannot enter '{NEW_ROOT}': {e}"))?;
    mount(Some("."), "/", None::<&str>, MsFlags::MS_MOVE, None::<&str>)
        .map_err(|e| format!("cannot move the new root onto '/': {e}"))?;
    nix::unistd::chroot(".").map_err(|e| format!("cannot chroot into the new root: {e}"))?;
    std::env::set_current_dir("/").map_err(|e| format!("cannot enter the new root: {e}"))?;
    debug("switched to the root");
    Ok(())
}

/// The pieces of /dev every Linux program may expect and devtmpfs lacks:
/// devpts (ptys: stage 2 gives tty-mode commands one) and a tmpfs /dev/shm.
fn mount_dev_extras() -> Result<(), String> {
    mkdir("/dev/pts")?;
    mount_fs(
        "devpts",
        "/dev/pts",
        "devpts",
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("gid=5,mode=620,ptmxmode=666"),
    )?;
    mkdir("/dev/shm")?;
    mount_fs(
        "tmpfs",
        "/dev/shm",
        "tmpfs",
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=1777"),
    )
}

/// A read-only 9p or virtio-fs share at a mount point under /dev (a
/// devtmpfs, writable whatever the root is).
fn mount_share(tag: &str, target: &str, fstype: &str, options: &str) -> Result<(), String> {
    mkdir(target)?;
    let flags = MsFlags::MS_RDONLY | MsFlags::MS_NODEV | MsFlags::MS_NOSUID;
    if fstype == VIRTIOFS {
        mount_virtiofs(tag, target, flags)?;
    } else {
        mount_fs(tag, target, fstype, flags, Some(options))?;
    }
    debug(&format!("mounted {tag} on {target}"));
    Ok(())
}

/// Waits until the channel (and shell) consoles of the spec exist: virtio
/// ports are added asynchronously after the driver loads. A spec that does
/// not parse is left for stage 2 to report over the usual path.
fn wait_for_spec_devices() -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(layout::SPEC_PATH) else {
        return Ok(());
    };
    let Ok(spec) = LaunchSpec::from_json(&text) else {
        return Ok(());
    };
    match spec.channel.strip_prefix("virtio-port:") {
        Some(name) => {
            let deadline = Instant::now() + DEVICE_TIMEOUT;
            while crate::guest::virtio_port(name).is_none() {
                if Instant::now() > deadline {
                    return Err(format!(
                        "the virtio-serial port '{name}' did not appear within \
                         {DEVICE_TIMEOUT:?} (is the domain's channel missing?)"
                    ));
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            // The device node follows the sysfs entry (devtmpfs).
            if let Some(device) = crate::guest::virtio_port(name) {
                wait_for(&device.to_string_lossy())?;
            }
        }
        // A service sandbox has no channel.
        None if spec.channel.is_empty() => {}
        None => wait_for(&spec.channel)?,
    }
    if let Some(shell) = &spec.shell {
        wait_for(shell)?;
    }
    Ok(())
}

/// The serials of the virtio disks `spec` uses (mount sources and tagged
/// disks named by [`layout::disk_by_serial`]).
fn wanted_serials(spec: &LaunchSpec) -> Vec<String> {
    let prefix = layout::disk_by_serial("");
    let mut serials: Vec<String> = spec
        .mounts
        .iter()
        .map(|m| m.source.as_str())
        .chain(spec.disks.iter().map(|d| d.device.as_str()))
        .filter_map(|path| path.strip_prefix(&prefix))
        .map(str::to_owned)
        .collect();
    serials.sort();
    serials.dedup();
    serials
}

/// Makes `/dev/disk/by-id/virtio-SERIAL -> ../../vdX` for every disk the
/// spec uses, as udev would. The kernel names virtio disks in probe order,
/// which need not be the domain's order: the serial the host gave each disk
/// (`/sys/block/vdX/serial`) is what identifies it. Waits for disks still
/// being probed. A spec that does not parse is left for stage 2.
fn link_virtio_disks() -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(layout::SPEC_PATH) else {
        return Ok(());
    };
    let Ok(spec) = LaunchSpec::from_json(&text) else {
        return Ok(());
    };
    let mut missing = wanted_serials(&spec);
    if missing.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(layout::DISK_BY_ID)
        .map_err(|e| format!("cannot create '{}': {e}", layout::DISK_BY_ID))?;
    let deadline = Instant::now() + DEVICE_TIMEOUT;
    loop {
        let disks =
            std::fs::read_dir("/sys/block").map_err(|e| format!("cannot list /sys/block: {e}"))?;
        for entry in disks.filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with("vd") || !Path::new("/dev").join(&name).exists() {
                continue;
            }
            let Ok(serial) = std::fs::read_to_string(entry.path().join("serial")) else {
                continue;
            };
            if let Some(i) = missing.iter().position(|s| s == serial.trim()) {
                let link = layout::disk_by_serial(&missing[i]);
                std::os::unix::fs::symlink(format!("../../{name}"), &link)
                    .map_err(|e| format!("cannot link '{link}' to /dev/{name}: {e}"))?;
                debug(&format!("linked {link} to /dev/{name}"));
                missing.swap_remove(i);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the virtio disks with serials {} did not appear within {DEVICE_TIMEOUT:?} \
                 (is the domain's <disk> missing?)",
                missing.join(", ")
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Flushes and powers the VM off (on_poweroff destroys the domain). Falls
/// back to a reboot (on_reboot destroys it too), then to halting forever:
/// PID 1 must not exit.
fn power_off() -> ! {
    // The hvc driver sends console output asynchronously: without draining,
    // the last messages (often the error that explains the power-off) are
    // lost with the VM.
    if CONSOLE.load(Ordering::Relaxed) {
        let _ = nix::sys::termios::tcdrain(std::io::stderr());
    }
    nix::unistd::sync();
    let mut why = Vec::new();
    for mode in [
        RebootMode::RB_POWER_OFF,
        RebootMode::RB_AUTOBOOT,
        RebootMode::RB_HALT_SYSTEM,
    ] {
        // reboot() only ever returns an error.
        let Err(e) = reboot(mode);
        why.push(format!("{mode:?}: {e}"));
    }
    error(&format!("cannot power off ({}); halting", why.join(", ")));
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_groups_follow_the_devices() {
        // A console (3) and 9p (9) only: neither disks nor network.
        let ids = [3, 9, 9, 9];
        assert!(group_wanted(layout::GROUP_CORE, &ids));
        assert!(!group_wanted(layout::GROUP_BLOCK, &ids));
        assert!(!group_wanted(layout::GROUP_NET, &ids));
        assert!(group_wanted(layout::GROUP_BLOCK, &[3, 2]));
        assert!(group_wanted(layout::GROUP_NET, &[1]));
        assert!(!group_wanted(layout::GROUP_FS, &ids));
        assert!(group_wanted(layout::GROUP_FS, &[3, 9, 26]));
        assert!(group_wanted("future", &[]));
        // 9p only for a 9p VM.
        assert!(group_wanted(layout::GROUP_P9, &ids));
        assert!(!group_wanted(layout::GROUP_P9, &[3, 26]));
    }

    #[test]
    fn the_root_fs_comes_from_the_command_line() {
        assert_eq!(RootFs::from_cmdline("console=hvc0 quiet"), RootFs::P9);
        assert_eq!(
            RootFs::from_cmdline(
                "console=hvc0 sandbox.fs=virtiofs sandbox.init=/usr/libexec/x \
                 sandbox.state=/run/libvirt-sandbox/demo quiet"
            ),
            RootFs::Virtiofs {
                init: Some("/usr/libexec/x".into()),
                state: Some("/run/libvirt-sandbox/demo".into()),
            }
        );
        assert_eq!(
            RootFs::from_cmdline("sandbox.fs=virtiofs sandbox.initx=/a"),
            RootFs::Virtiofs {
                init: None,
                state: None
            }
        );
    }

    #[test]
    fn disks_are_wanted_by_serial() {
        use crate::launch::{DiskTag, GuestMount};
        let mut spec = LaunchSpec::new(vec!["/bin/true".into()]);
        spec.mounts.push(GuestMount {
            source: layout::disk_by_serial("sandbox-mount1"),
            target: "/mnt".into(),
            fstype: "auto".into(),
            options: String::new(),
        });
        spec.mounts.push(GuestMount {
            source: "sandbox-mount0".into(),
            target: "/home".into(),
            fstype: layout::VIRTIOFS_FSTYPE.into(),
            options: String::new(),
        });
        spec.disks.push(DiskTag {
            tag: "data".into(),
            device: layout::disk_by_serial("sandbox-disk0"),
        });
        spec.disks.push(DiskTag {
            tag: "loop".into(),
            device: "/dev/loop7".into(),
        });
        assert_eq!(wanted_serials(&spec), ["sandbox-disk0", "sandbox-mount1"]);
        assert_eq!(
            layout::disk_by_serial("x"),
            "/dev/disk/by-id/virtio-x",
            "udev's name, which users may know"
        );
    }

    #[test]
    fn the_initrd_layout_is_relative() {
        // The host writes these paths into a cpio archive: no leading '/'.
        assert!(!layout::MODULES_DIR.starts_with('/'));
        assert!(layout::ORDER_FILE.starts_with(layout::MODULES_DIR));
        assert!(layout::SPEC_PATH.starts_with(layout::STATE_DIR));
    }
}
