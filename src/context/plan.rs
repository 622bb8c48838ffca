// SPDX-License-Identifier: LGPL-2.1-or-later
//! What a sandbox's domain is made of, planned once for a state directory:
//! the one path from a config to its [`Layout`] and domain XML, used by a
//! context's start and by the Builder classes (`builder_construct`,
//! `virt-sandbox --print-xml`), so both give the same domain.
//!
//! A start attaches the loop devices of its disks and lends files to the
//! VM's QEMU user; a described domain ([`describe`]) does neither, so a few
//! values of its XML are the ones a start would pick, not a start's own:
//! - the MAC address of an interface whose config names none (random) and
//!   its host device name (`<target dev='vsb-…'/>`, random);
//! - the loop device of an LXC file disk (the next free one);
//! - the uid of a VM's QEMU user (`<seclabel model='dac'>`'s `+UID`,
//!   random among the unused ones).
//!
//! The XML holds no secret: the app channel's secret is in the launch
//! spec, which only a start writes.

use std::path::{Path, PathBuf};

use glib::prelude::*;
use sandbox_proto::launch::NetInterface;

use super::Backend;
use super::disks::PreparedDisks;
use super::mounts::Prepared;
use crate::builder::{self, Layout};
use crate::config::Config;
use crate::error::{SandboxError, error};

/// Whether the planning attaches the disks' images to loop devices (a
/// start) or only names the devices they would get (a description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Disks {
    Attach,
    Describe,
}

/// A planned domain.
pub(crate) struct Plan {
    pub(crate) layout: Layout,
    /// The guest binds and staged includes (the backend's mounts are in
    /// `layout`).
    pub(crate) mounts: Prepared,
    /// What the guest init configures on the interfaces.
    pub(crate) guest_interfaces: Vec<NetInterface>,
    /// The disks' tags and the loop devices attached (`Disks::Attach`).
    pub(crate) disks: PreparedDisks,
    /// A virtual machine runs under KVM (else TCG).
    pub(crate) kvm: bool,
    /// The group of libvirt's QEMU DAC label, when a VM's QEMU gets a user
    /// of its own (root, with a non-root QEMU user).
    pub(crate) qemu_group: Option<u32>,
}

pub(crate) fn libvirt_error(what: &str, e: virt::error::Error) -> crate::Error {
    error(SandboxError::Libvirt, format!("{what}: {}", e.message()))
}

/// Plans the domain `domain_name` of `config` on `backend` with its
/// private files in `state_dir`: resolves the mounts (creating the
/// temporary host-bind directories and staging the includes under
/// `state_dir`), the interfaces, the disks and the security label.
pub(crate) fn plan(
    config: &Config,
    conn: &virt::connect::Connect,
    backend: Backend,
    domain_name: String,
    state_dir: &Path,
    init_dir: PathBuf,
    disks: Disks,
) -> crate::Result<Plan> {
    let mut mounts = super::mounts::prepare(config, state_dir, backend)?;
    let (interfaces, guest_interfaces) = super::network::plan(config);
    let capabilities = conn
        .capabilities()
        .map_err(|e| libvirt_error("cannot read the host's capabilities", e))?;
    let security = super::security::choose(config, &super::security::host_models(&capabilities))?;
    // A container's resolver configuration behind a link into the
    // private /run (systemd-resolved, NetworkManager) stays reachable.
    let host_files = match backend {
        Backend::Lxc if !interfaces.is_empty() => {
            super::network::hidden_resolv_conf(config, &mounts.host, &mounts.private)
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    };
    let mut disks = match backend {
        Backend::Lxc => super::disks::prepare_lxc(config, disks == Disks::Attach)?,
        Backend::Qemu => super::disks::prepare_qemu(config)?,
    };
    let kvm = backend == Backend::Qemu && crate::boot::kvm_usable().0;
    let qemu_group = if backend == Backend::Qemu && nix::unistd::geteuid().is_root() {
        let virt_type = if kvm { "kvm" } else { "qemu" };
        super::security::dac_label(&capabilities, virt_type)
            .filter(|&(uid, _)| uid != 0)
            .map(|(_, gid)| gid)
    } else {
        None
    };
    let layout = Layout {
        domain_name,
        state_dir: state_dir.to_owned(),
        init_dir,
        app_console: config.is::<crate::config::ConfigInteractive>(),
        mounts: std::mem::take(&mut mounts.host),
        private_dirs: std::mem::take(&mut mounts.private),
        interfaces,
        block_devices: std::mem::take(&mut disks.devices),
        disks: std::mem::take(&mut disks.virtio),
        security,
        host_files,
    };
    Ok(Plan {
        layout,
        mounts,
        guest_interfaces,
        disks,
        kvm,
        qemu_group,
    })
}

/// A VM's QEMU user and group ids.
pub(crate) type QemuUser = (u32, u32);

/// A VM's QEMU user, when `qemu_group` says it gets one of its own: a
/// uid of the VM range (in libvirt's QEMU group, which reaches libvirt's
/// per-domain directory), to whom the lending begins and `state` and the
/// staged `includes` are shared, as that user alone may read them. Returns
/// the lending (files QEMU opens are lent through it) and the user.
pub(crate) fn share_with_qemu(
    state: &mut super::state::StateDir,
    qemu_group: Option<u32>,
    includes: &mut [sandbox_proto::launch::Include],
) -> crate::Result<(Option<super::lending::Lending>, Option<QemuUser>)> {
    let Some(gid) = qemu_group else {
        return Ok((None, None));
    };
    let lending = super::lending::Lending::begin(state)?;
    let uid = lending.uid();
    state.grant_qemu(uid, gid)?;
    super::mounts::share_includes(includes, state.path(), uid)?;
    Ok((Some(lending), Some((uid, gid))))
}

/// The domain XML a start of `config` on `backend` would create, with its
/// private files in `state_dir` (see the module doc for the values a start
/// picks itself). Writes into `state_dir` what the XML refers to: the
/// temporary host-bind directories (`tmp/`) and the staged includes
/// (`includes/`); a virtual machine's kernel and initrd come from the
/// shared cache, built there on a miss, as for a start.
pub(crate) fn describe(
    config: &Config,
    conn: &virt::connect::Connect,
    backend: Backend,
    state_dir: &Path,
) -> crate::Result<String> {
    if backend == Backend::Qemu {
        refuse_in_machines(config)?;
    }
    let name = config.name().unwrap_or_else(|| "sandbox".to_owned());
    check_config(config, &name)?;
    let plan = plan(
        config,
        conn,
        backend,
        name,
        state_dir,
        init_dir(),
        Disks::Describe,
    )?;
    let boot = match backend {
        Backend::Lxc => None,
        Backend::Qemu => {
            // The uid a start would pick (random, unused): nothing is lent
            // to it, so what QEMU opens is not checked for it here.
            let qemu_user = plan.qemu_group.map(|gid| {
                let uid = glib::random_int_range(
                    super::lending::VM_UIDS.start as i32,
                    super::lending::VM_UIDS.end as i32,
                ) as u32;
                (uid, gid)
            });
            let request = BootRequest::new(config, &plan.layout, qemu_user, Vec::new());
            Some(request.resolve()?)
        }
    };
    Ok(builder::domain::xml(config, &plan.layout, boot.as_ref()))
}

/// [`describe`] in a state directory of its own, where a start of the
/// config would have it (`<state root>/<name>`), removed again before this
/// returns: the domain XML of a start, with nothing left behind. A
/// sandbox of that name running (its state directory exists) is an
/// `ALREADY_RUNNING` error.
pub(crate) fn preview(
    config: &Config,
    conn: &virt::connect::Connect,
    backend: Backend,
) -> crate::Result<String> {
    let name = config.name().unwrap_or_else(|| "sandbox".to_owned());
    check_config(config, &name)?;
    let path = super::state::state_root().join(&name);
    if path.exists() {
        return Err(error(
            SandboxError::AlreadyRunning,
            format!(
                "a sandbox named '{name}' is running (its state directory '{}' exists): \
                 choose another name with -n/--name",
                path.display()
            ),
        ));
    }
    let state = super::state::StateDir::create(&name)?;
    describe(config, conn, backend, state.path())
    // Dropping `state` removes the directory and what describe wrote.
}

/// Removes what [`describe`] wrote into `state_dir` (the temporary
/// host-bind directories and the staged includes), and what a start adds
/// beside them for the guest (the launch spec, the app channel socket) and
/// for a VM's read-only root (its daemon's link and ids file). Missing
/// files are no error.
pub(crate) fn clean_post_stop(state_dir: &Path) -> crate::Result<()> {
    let remove = |path: PathBuf, dir: bool| {
        let result = if dir {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(error(
                SandboxError::Io,
                format!("cannot remove '{}': {e}", path.display()),
            )),
        }
    };
    remove(state_dir.join(super::mounts::TEMP_DIRS), true)?;
    remove(state_dir.join(super::mounts::INCLUDES), true)?;
    remove(state_dir.join(builder::LAUNCH_SPEC_NAME), false)?;
    remove(state_dir.join(builder::APP_CHANNEL_SOCKET), false)?;
    for file in super::qemu_host::root_daemon_files(state_dir) {
        remove(file, false)?;
    }
    Ok(())
}

/// Directory of the guest init helpers (absolute; libvirt resolves paths in its
/// own working directory): `$LIBVIRT_SANDBOX_INIT_DIR` (tests,
/// uninstalled builds) or the installed libexec directory.
pub(crate) fn init_dir() -> std::path::PathBuf {
    std::env::var_os("LIBVIRT_SANDBOX_INIT_DIR")
        .map(|dir| std::path::absolute(std::path::PathBuf::from(dir)).unwrap_or_default())
        .unwrap_or_else(|| crate::config::initrd::LIBEXECDIR.into())
}

/// [`init_dir`], checked to hold the guest init helper of `backend`.
pub(crate) fn init_helper_dir(backend: Backend) -> crate::Result<std::path::PathBuf> {
    let init_dir = init_dir();
    let init = init_dir.join(match backend {
        Backend::Lxc => builder::container::INIT_LXC,
        Backend::Qemu => builder::machine::INIT_QEMU,
    });
    if !init.is_file() {
        return Err(error(
            SandboxError::Unsupported,
            format!(
                "the guest init helper '{}' does not exist: install libvirt-sandbox or set \
                 LIBVIRT_SANDBOX_INIT_DIR to the directory holding it",
                init.display()
            ),
        ));
    }
    Ok(init_dir)
}

/// Refuses a sandbox name that could not safely name its domain, its state
/// directory and its cgroups: letters, digits and `_.+:@-`, starting with a
/// letter or digit (so never `..` or a path), at most 200 bytes.
fn check_name(name: &str) -> crate::Result<()> {
    crate::config::validate::check_name(name).map_err(|e| error(SandboxError::InvalidArgument, e))
}

/// Everything a start checks of the config before it creates anything:
/// the shared rules ([`crate::config::validate::check_runnable`]), which also catch
/// values set through GObject properties, and that the root exists.
pub(crate) fn check_config(config: &Config, name: &str) -> crate::Result<()> {
    check_name(name)?;
    crate::config::validate::check_runnable(config)?;
    if let Some(root) = config.root().filter(|r| !r.is_empty() && r != "/") {
        let shown = crate::config::validate::shown(&root);
        match std::fs::metadata(&root) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(error(
                    SandboxError::InvalidArgument,
                    format!("the sandbox root '{shown}' (-r/--root) is not a directory"),
                ));
            }
            Err(e) => {
                return Err(error(
                    SandboxError::InvalidArgument,
                    format!("the sandbox root '{shown}' (-r/--root) cannot be used: {e}"),
                ));
            }
        }
    }
    Ok(())
}

/// What virtual-machine sandboxes cannot do: refused with a clear error,
/// never silently dropped.
pub(crate) fn refuse_in_machines(config: &Config) -> crate::Result<()> {
    // init-qemu mounts the root share before it reads the launch spec; a
    // writable root is `--root DIR`'s job there.
    if let Some(mount) = config
        .mounts()
        .iter()
        .find(|m| m.target().as_deref().map(|t| t.trim_end_matches('/')) == Some(""))
    {
        use crate::config::mount::{ConfigMountGuestBind, ConfigMountHostImage, ConfigMountRam};
        let kind = if mount.is::<ConfigMountHostImage>() {
            "host-image"
        } else if mount.is::<ConfigMountRam>() {
            "ram"
        } else if mount.is::<ConfigMountGuestBind>() {
            "guest-bind"
        } else {
            "host-bind"
        };
        return Err(error(
            SandboxError::InvalidMount,
            format!(
                "{kind}:/: a mount on '/' is not supported in virtual-machine sandboxes \
                 (qemu://); use --root DIR for another root, or lxc:///"
            ),
        ));
    }
    Ok(())
}

/// Environment variable choosing the file-system backend of configs left at
/// `auto` (`p9`, `virtiofs`).
pub(crate) const FS_BACKEND_ENV: &str = "LIBVIRT_SANDBOX_FS_BACKEND";

/// What choosing and caching a virtual machine's kernel and initrd needs
/// from the config, copied out of it so that the work (a cache miss builds
/// them, most of a second) can run on a worker thread.
pub(crate) struct BootRequest {
    kernrelease: Option<String>,
    kernpath: Option<String>,
    kmodpath: Option<String>,
    debug: bool,
    init_qemu: std::path::PathBuf,
    /// The host binds (virtio-fs shares, which need virtiofsd), named as
    /// the options would.
    binds: Vec<String>,
    /// The image and disk files QEMU opens (what each is, its path).
    files: Vec<(String, std::path::PathBuf)>,
    /// QEMU's unprivileged user and group when the library chose them (the
    /// VM's own user, see [`super::lending`]).
    qemu_user: Option<(u32, u32)>,
    /// The config's `filesystem-backend` and `virtiofsd`.
    fs_backend: crate::config::FilesystemBackend,
    virtiofsd: Option<String>,
    /// Where the root's daemon link goes (see
    /// [`super::qemu_host::readonly_root_virtiofsd`]).
    state_dir: std::path::PathBuf,
}

impl BootRequest {
    /// `files`: what QEMU opens, as [`super::qemu_host::files_qemu_opens`]
    /// lists it (checked only for QEMU's own user, `qemu_user`).
    pub(crate) fn new(
        config: &Config,
        layout: &Layout,
        qemu_user: Option<(u32, u32)>,
        files: Vec<(String, std::path::PathBuf)>,
    ) -> Self {
        use builder::HostMount;
        let binds = layout
            .mounts
            .iter()
            .filter_map(|mount| match mount {
                HostMount::Bind { source, target } => {
                    Some(format!("host-bind:{target}={}", source.display()))
                }
                _ => None,
            })
            .collect();
        BootRequest {
            kernrelease: config.kernrelease(),
            kernpath: config.kernpath(),
            kmodpath: config.kmodpath(),
            debug: config.debug(),
            init_qemu: layout.init_dir.join(builder::machine::INIT_QEMU),
            binds,
            files,
            qemu_user,
            fs_backend: config.filesystem_backend(),
            virtiofsd: config.virtiofsd(),
            state_dir: layout.state_dir.clone(),
        }
    }

    /// The root's file system: `filesystem-backend`, `auto` resolved to
    /// virtio-fs when the system daemon can run a virtiofsd that serves a
    /// read-only root, else 9p (the reason is logged for `--debug`); with
    /// virtio-fs, the daemon's link in the state directory.
    fn root_fs(&self) -> crate::Result<builder::machine::RootFs> {
        use crate::config::FilesystemBackend;
        use builder::machine::RootFs;
        // `auto` may be overridden from the environment (test variants, a
        // host whose virtiofsd misbehaves): an unknown value is an error.
        let backend = match (self.fs_backend, std::env::var(FS_BACKEND_ENV)) {
            (FilesystemBackend::Auto, Ok(value)) if !value.is_empty() => {
                FilesystemBackend::from_nick(&value).ok_or_else(|| {
                    error(
                        SandboxError::InvalidArgument,
                        format!("{FS_BACKEND_ENV}='{value}' is not auto, p9 or virtiofs"),
                    )
                })?
            }
            (backend, _) => backend,
        };
        let what = ["the virtio-fs root (--fs-backend=virtiofs)".to_owned()];
        let found = super::qemu_host::find_virtiofsd(self.virtiofsd.as_deref(), &what);
        let system = nix::unistd::geteuid().is_root();
        let chosen = match (backend, &found) {
            (FilesystemBackend::P9, _) => Err("--fs-backend=p9".to_owned()),
            (FilesystemBackend::Auto, _) if !system => Err(
                "not root: a session daemon's QEMU cannot use virtio-fs here (libvirt 9)"
                    .to_owned(),
            ),
            (FilesystemBackend::Auto, Err(e)) => Err(format!("no virtiofsd: {}", e.message())),
            (FilesystemBackend::Auto, Ok(path)) if !super::qemu_host::serves_readonly(path) => {
                Err(format!(
                    "'{}' (QEMU's legacy daemon) cannot serve a read-only root",
                    path.display()
                ))
            }
            (FilesystemBackend::Virtiofs, Ok(path)) if !super::qemu_host::serves_readonly(path) => {
                return Err(error(
                    SandboxError::Unsupported,
                    format!(
                        "--fs-backend=virtiofs: '{}' is QEMU's legacy virtiofsd, which cannot \
                         serve a read-only root; install the Rust virtiofsd (`cargo install \
                         --locked virtiofsd --root /usr/local`) or pass --virtiofsd=PATH",
                        path.display()
                    ),
                ));
            }
            (_, Ok(path)) => Ok(path.clone()),
            (FilesystemBackend::Virtiofs, Err(e)) => return Err(e.clone()),
        };
        let path = match chosen {
            Ok(path) => path,
            Err(why) => {
                glib::g_debug!("LibvirtSandbox", "filesystem backend: 9p ({why})");
                return Ok(RootFs::P9);
            }
        };
        let cache = crate::boot::cache::cache_root()?;
        let daemon = super::qemu_host::readonly_root_virtiofsd(
            &path,
            &cache,
            &self.state_dir,
            self.qemu_user,
        )?;
        glib::g_debug!(
            "LibvirtSandbox",
            "filesystem backend: virtiofs (root served read-only by {}{})",
            path.display(),
            match self.qemu_user {
                Some((uid, _)) => format!(" as QEMU's user {uid}"),
                None => " as root".to_owned(),
            }
        );
        Ok(RootFs::Virtiofs { daemon })
    }

    /// How the machine boots: the kernel (the cached PVH vmlinux when it has
    /// one), the cached initrd, the accelerator.
    pub(crate) fn resolve(self) -> crate::Result<builder::machine::MachineBoot> {
        use builder::machine;
        // QEMU runs unprivileged: what it must reach is checked first.
        let root_fs = self.root_fs()?;
        let virtiofsd = if self.binds.is_empty() {
            None
        } else {
            let path = super::qemu_host::find_virtiofsd(self.virtiofsd.as_deref(), &self.binds)?;
            glib::g_debug!("LibvirtSandbox", "virtiofsd: {}", path.display());
            let cache = crate::boot::cache::cache_root()?;
            Some(super::qemu_host::virtiofsd_without_mknod(&path, &cache)?)
        };
        if let Some(qemu) = self.qemu_user {
            super::qemu_host::check_reachable(&self.files, qemu)?;
        }
        let boot = crate::boot::prepare(
            self.kernrelease.as_deref(),
            self.kernpath.as_deref(),
            self.kmodpath.as_deref(),
            &self.init_qemu,
        )?;
        Ok(machine::MachineBoot {
            kernel: boot.kernel,
            initrd: boot.initrd,
            cmdline: machine::cmdline(self.debug),
            kvm: boot.kvm,
            firmware: boot.firmware,
            virtiofsd,
            qemu_user: self.qemu_user,
            root_fs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_that_cannot_escape_their_directories() {
        for good in ["sandbox", "httpd1", "a.b_c+d:e@f-g", "9lives"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "../../tmp/x",
            "a/b",
            ".hidden",
            "-n",
            "a b",
            "a'b\"<c>&d",
            "tab\tx",
        ] {
            let e = check_name(bad).unwrap_err();
            assert!(e.message().contains("invalid sandbox name"), "{bad}: {e}");
        }
        assert!(check_name(&"x".repeat(201)).is_err());
        assert!(
            check_name(&"x".repeat(100_000))
                .unwrap_err()
                .message()
                .len()
                < 500
        );
    }
}
