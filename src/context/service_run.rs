// SPDX-License-Identifier: LGPL-2.1-or-later
//! A service run in the foreground (`virt-sandbox-service run NAME`, the
//! `ExecStart` of its systemd unit): the pieces the runner needs from the
//! library.
//!
//! - [`ContextService::start_foreground`] starts the service's domain with
//!   its output in the caller's hands from the first byte: in a container,
//!   the guest init connects to a stream socket the runner made in the
//!   service's directory (`run-output.sock`) before anything else and
//!   writes its stderr (the command's stdout and stderr) there; a VM is
//!   started paused, its log console opened, then resumed (QEMU drops
//!   console output nobody reads; libvirt's LXC console loses what the
//!   container wrote before the host opened it, and cannot start paused).
//! - In a container the command gets a `NOTIFY_SOCKET` (an abstract socket
//!   the init relays to `run-notify.sock`): commands that speak systemd's
//!   notify protocol tell the runner when they are ready.
//! - The init marks its output with two lines, "`MARKER` started" (the
//!   command runs) and "`MARKER` exit N" (its exit status, the last line),
//!   where the marker holds the launch spec's secret, which the command
//!   cannot read ([`Marker`]).
//! - In a VM the init relays the command's notify messages as marked lines
//!   on the log console ([`Mark::Notify`]).
//! - [`ListenFds`]: systemd's socket-activation fds, which a container's
//!   init gets through libvirt's create-with-files and hands to the command
//!   as fds 3.. with `LISTEN_FDS` (it learns their number and names on the
//!   output socket, after the go).
//! - [`ContextService::ask_stop`] asks the command to stop: SIGTERM to the
//!   container's init (libvirt's shutdown by signal), or in a VM the line
//!   "`MARKER` stop" on its log console; the init passes SIGTERM to the
//!   command's process group.

use super::io_error;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::path::Path;
use std::time::{Duration, Instant};

use glib::subclass::prelude::*;

use super::Backend;
use super::plan::libvirt_error;
use super::service::{self, ContextService, config_dir};
use crate::builder::consoles;
use crate::error::{SandboxError, error};

/// The output socket, in the service's directory.
const OUTPUT_SOCKET: &str = "run-output.sock";
/// The host's end of the service's `NOTIFY_SOCKET`.
const NOTIFY_SOCKET: &str = "run-notify.sock";
/// How long the guest init of a container may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// The guest init's marks on a service's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker(String);

/// What a line of the service's output is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// The command runs.
    Started,
    /// The command ended with this exit status (128+N for signal N).
    Exit(u8),
    /// A VM's command sent this message to its `NOTIFY_SOCKET`.
    Notify(Vec<u8>),
}

impl Marker {
    /// The marker of the service `name` (from its launch spec).
    pub fn of(name: &str) -> crate::Result<Self> {
        service::check_service_name(name)?;
        let path = config_dir(name).join(crate::builder::LAUNCH_SPEC_NAME);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                service::missing(name)
            } else {
                error(
                    SandboxError::Io,
                    format!("cannot read '{}': {e}", path.display()),
                )
            }
        })?;
        let spec = sandbox_proto::launch::LaunchSpec::from_json(&text)
            .map_err(|e| error(SandboxError::InvalidConfig, e))?;
        if spec.secret.is_empty() {
            return Err(error(
                SandboxError::Unsupported,
                format!(
                    "the service '{name}' was defined by an older libvirt-sandbox (its launch \
                     spec has no secret): run `virt-sandbox-service upgrade {name}`"
                ),
            ));
        }
        Ok(Self::from_secret(&spec.secret))
    }

    /// The marker of the launch spec secret `secret`.
    pub fn from_secret(secret: &str) -> Self {
        Self(format!("libvirt-sandbox-init: service {secret} "))
    }

    /// The text of the marked lines, up to the word after the marker.
    pub fn prefix(&self) -> &str {
        &self.0
    }

    /// What the complete line `line` (without its end) says, if it is a
    /// mark.
    pub fn parse(&self, line: &str) -> Option<Mark> {
        let rest = line.trim_end_matches('\r').strip_prefix(self.0.as_str())?;
        match rest {
            "started" => Some(Mark::Started),
            _ => match rest.strip_prefix("notify ") {
                Some(hex) => hex_decode(hex).map(Mark::Notify),
                None => rest
                    .strip_prefix("exit ")
                    .and_then(|code| code.parse().ok())
                    .map(Mark::Exit),
            },
        }
    }

    /// The line that asks a VM's init to stop the command.
    fn stop_line(&self) -> String {
        format!("{}stop\n", self.0)
    }
}

/// The bytes of the lower-case hex `hex` (a notify mark's message).
fn hex_decode(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .filter(|h| {
                    h.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                })
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// A service started in the foreground.
#[derive(Debug)]
pub struct Foreground {
    /// The service's output (a stream socket, or a VM's raw console pty;
    /// non-blocking): the init's lines and the command's stdout and stderr.
    pub output: OwnedFd,
    /// Where the command's notify messages arrive (containers).
    pub notify: Option<UnixDatagram>,
    /// The marks on `output`.
    pub marker: Marker,
    /// A container's task limit (its cgroup goes when this is dropped,
    /// after the service ended).
    tasks: Option<super::tasks::TaskLimit>,
}

impl Foreground {
    /// The task limit, if one holds and a fork failed because of it.
    pub fn task_limit_reached(&self) -> Option<u32> {
        self.tasks.as_ref().filter(|t| t.reached()).map(|t| t.max())
    }
}

/// Where systemd's socket-activation fds start (`SD_LISTEN_FDS_START`).
const LISTEN_FDS_START: i32 = 3;
/// At most this many socket-activation fds (the guest init's limit too).
const MAX_LISTEN_FDS: usize = 64;

/// systemd's socket-activation fds of this process (`LISTEN_FDS`), for
/// the service's command.
#[derive(Debug, Default)]
pub struct ListenFds {
    fds: Vec<OwnedFd>,
    names: String,
}

impl ListenFds {
    /// The fds systemd passed this process, as `sd_listen_fds` takes them:
    /// none unless `LISTEN_PID` is our pid; `LISTEN_FDS`=N are fds 3..3+N,
    /// taken close-on-exec; `LISTEN_FDNAMES` their names. Only the first
    /// call takes them (later ones get none: the fds have one owner).
    pub fn from_env() -> crate::Result<Self> {
        static TAKEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if TAKEN.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Ok(Self::default());
        }
        let var = |name: &str| std::env::var(name).ok();
        let ours = var("LISTEN_PID")
            .and_then(|pid| pid.parse::<i32>().ok())
            .is_some_and(|pid| pid == nix::unistd::getpid().as_raw());
        let Some(count) = var("LISTEN_FDS").filter(|_| ours) else {
            return Ok(Self::default());
        };
        let invalid = |what: String| {
            error(
                SandboxError::InvalidArgument,
                format!("{what} (systemd's socket activation): check the unit's .socket"),
            )
        };
        let count: usize = count
            .parse()
            .ok()
            .filter(|n| *n <= MAX_LISTEN_FDS)
            .ok_or_else(|| invalid(format!("LISTEN_FDS='{count}' is not 0..{MAX_LISTEN_FDS}")))?;
        let names = var("LISTEN_FDNAMES").unwrap_or_default();
        if names.chars().any(char::is_control) {
            return Err(invalid(format!(
                "LISTEN_FDNAMES='{}' holds control characters",
                names.escape_default()
            )));
        }
        let mut fds = Vec::with_capacity(count);
        for fd in (0..count).map(|i| LISTEN_FDS_START + i as i32) {
            // SAFETY: F_GETFD only reads the flags of the descriptor number
            // (EBADF when it is not open).
            if unsafe { nix::libc::fcntl(fd, nix::libc::F_GETFD) } < 0 {
                return Err(invalid(format!(
                    "LISTEN_FDS={count}, but fd {fd} is not open"
                )));
            }
            // SAFETY: by the socket-activation protocol, fds 3..3+N are
            // this process's (LISTEN_PID is ours) and nothing else took
            // them: they are taken once (TAKEN), here.
            let owned = unsafe { OwnedFd::from_raw_fd(fd) };
            nix::fcntl::fcntl(
                &owned,
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
            )
            .map_err(|e| invalid(format!("cannot take fd {fd}: {e}")))?;
            fds.push(owned);
        }
        Ok(Self { fds, names })
    }

    /// How many fds there are.
    pub fn len(&self) -> usize {
        self.fds.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }

    /// What the guest init reads after the go: "N NAMES".
    fn line(&self) -> String {
        format!("{} {}\n", self.fds.len(), self.names)
    }
}

/// Binds a fresh socket path (an old one is removed: a runner of this
/// service died without cleaning up; only root can write there).
fn fresh(path: &Path) -> crate::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(error(
            SandboxError::Io,
            format!("cannot remove '{}': {e}", path.display()),
        )),
    }
}

/// Removes the sockets when the start is over (connected or failed).
struct Sockets<'a>(&'a Path);

impl Drop for Sockets<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.0.join(OUTPUT_SOCKET));
        let _ = std::fs::remove_file(self.0.join(NOTIFY_SOCKET));
    }
}

/// Puts the container's init, the peer of `stream`, under the config's
/// task limit (none for 0).
fn limit_tasks(
    config: &crate::config::Config,
    name: &str,
    stream: &std::os::unix::net::UnixStream,
) -> crate::Result<Option<super::tasks::TaskLimit>> {
    let max = config.max_tasks();
    if max == 0 {
        return Ok(None);
    }
    let peer = crate::console::PeerCred::of(stream).ok_or_else(|| {
        error(
            SandboxError::Io,
            format!("cannot tell which process of the service '{name}' connected"),
        )
    })?;
    super::tasks::remove_stale(name, true);
    let limit = super::tasks::TaskLimit::create(name, max)?;
    match limit.enforce(&peer) {
        crate::console::channel::PeerCheck::Accept => Ok(Some(limit)),
        crate::console::channel::PeerCheck::Refuse(why) => Err(error(
            SandboxError::Guest,
            format!("the service '{name}' cannot be limited: {why}"),
        )),
        crate::console::channel::PeerCheck::Fail(e) => Err(e),
    }
}

impl ContextService {
    /// Starts the defined service with its output, notify messages and
    /// marks in the caller's hands (see the module's documentation). The
    /// context is attached to the running service afterwards.
    pub fn start_foreground(&self) -> crate::Result<Foreground> {
        self.start_foreground_with(&ListenFds::default())
    }

    /// [`Self::start_foreground`], passing `listen` (systemd's
    /// socket-activation fds) to the command: containers only.
    pub fn start_foreground_with(&self, listen: &ListenFds) -> crate::Result<Foreground> {
        let context = self.context();
        context.imp().check_idle()?;
        let (conn, backend) = context.imp().conn()?;
        let name = self.name()?;
        let marker = Marker::of(&name)?;
        let dir = config_dir(&name);
        if backend == Backend::Qemu && !listen.is_empty() {
            return Err(error(
                SandboxError::Unsupported,
                format!(
                    "systemd passed {} sockets (LISTEN_FDS), but the service '{name}' is a \
                     virtual machine: socket activation needs lxc:/// (remove the unit's .socket)",
                    listen.len()
                ),
            ));
        }
        let domain = super::service::stopped_domain(&conn, &name)?;
        let started = match backend {
            Backend::Lxc => {
                let output_path = dir.join(OUTPUT_SOCKET);
                let notify_path = dir.join(NOTIFY_SOCKET);
                fresh(&output_path)?;
                fresh(&notify_path)?;
                let _cleanup = Sockets(&dir);
                let listener = UnixListener::bind(&output_path)
                    .map_err(|e| io_error("listen on", &output_path, e))?;
                let notify = UnixDatagram::bind(&notify_path)
                    .map_err(|e| io_error("listen on", &notify_path, e))?;
                for path in [&output_path, &notify_path] {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                        .map_err(|e| io_error("restrict", path, e))?;
                }
                listener
                    .set_nonblocking(true)
                    .map_err(|e| io_error("listen on", &output_path, e))?;
                if listen.is_empty() {
                    domain.create()
                } else {
                    let files: Vec<_> = listen.fds.iter().map(|fd| fd.as_fd()).collect();
                    crate::gvir::create_domain_with_files(&domain, &files, 0)
                }
                .map_err(|e| libvirt_error(&format!("cannot start the service '{name}'"), e))?;
                let deadline = Instant::now() + CONNECT_TIMEOUT;
                let stream = loop {
                    match listener.accept() {
                        Ok((stream, _)) => break stream,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(e) => return Err(io_error("accept on", &output_path, e)),
                    }
                    if !domain.is_active().unwrap_or(false) {
                        return Err(error(
                            SandboxError::Guest,
                            format!(
                                "the service '{name}' ended before its init connected (see \
                                 `virsh -c lxc:/// console {name}` after `virt-sandbox-service \
                                 start {name}`, or libvirt's log)"
                            ),
                        ));
                    }
                    if Instant::now() > deadline {
                        let _ = super::imp::destroy_domain(&domain);
                        return Err(error(
                            SandboxError::Guest,
                            format!(
                                "the init of the service '{name}' did not connect within \
                                 {CONNECT_TIMEOUT:?}: it was stopped"
                            ),
                        ));
                    }
                    // The listener is non-blocking: wait for it (bounded).
                    let fd = std::os::fd::AsFd::as_fd(&listener);
                    let mut fds = [nix::poll::PollFd::new(fd, nix::poll::PollFlags::POLLIN)];
                    let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(100u16));
                };
                // The init connected both sockets when it says so.
                let _ = stream.set_read_timeout(Some(CONNECT_TIMEOUT));
                let mut connected = [0u8];
                std::io::Read::read_exact(&mut &stream, &mut connected).map_err(|e| {
                    let _ = super::imp::destroy_domain(&domain);
                    io_error("hear from the service's init on", &output_path, e)
                })?;
                drop(_cleanup);
                // The task limit, before the init (waiting for our go)
                // runs anything: libvirt 9 has no pids control for LXC.
                let tasks = match limit_tasks(&self.context().config(), &name, &stream) {
                    Ok(tasks) => tasks,
                    Err(e) => {
                        let _ = super::imp::destroy_domain(&domain);
                        return Err(e);
                    }
                };
                // The go, and the socket-activation fds it passed.
                std::io::Write::write_all(&mut &stream, format!("g{}", listen.line()).as_bytes())
                    .map_err(|e| io_error("use", &output_path, e))?;
                stream
                    .set_nonblocking(true)
                    .map_err(|e| io_error("use", &output_path, e))?;
                notify
                    .set_nonblocking(true)
                    .map_err(|e| io_error("use", &notify_path, e))?;
                Foreground {
                    output: stream.into(),
                    notify: Some(notify),
                    marker,
                    tasks,
                }
            }
            Backend::Qemu => {
                domain
                    .create_with_flags(virt::sys::VIR_DOMAIN_START_PAUSED)
                    .map_err(|e| libvirt_error(&format!("cannot start the service '{name}'"), e))?;
                let opened = domain
                    .xml_desc(0)
                    .map_err(|e| libvirt_error(&format!("cannot read the service '{name}'"), e))
                    .and_then(|xml| {
                        crate::console::pty::pty_path(&xml, consoles::LOG).ok_or_else(|| {
                            error(
                                SandboxError::Guest,
                                format!("the service '{name}' has no log console"),
                            )
                        })
                    })
                    .and_then(|path| crate::console::pty::open_raw(&path))
                    .and_then(|fd| {
                        domain.resume().map_err(|e| {
                            libvirt_error(&format!("cannot resume the service '{name}'"), e)
                        })?;
                        Ok(fd)
                    });
                match opened {
                    Ok(fd) => Foreground {
                        output: fd,
                        notify: None,
                        marker,
                        // The VM's init limits its tasks itself.
                        tasks: None,
                    },
                    Err(e) => {
                        let _ = super::imp::destroy_domain(&domain);
                        return Err(e);
                    }
                }
            }
        };
        context.imp().attach()?;
        Ok(started)
    }

    /// Asks the running service's command to stop (SIGTERM inside); the
    /// domain shuts off when it has.
    pub fn ask_stop(&self) -> crate::Result<()> {
        let (conn, backend) = self.context().imp().conn()?;
        let name = self.name()?;
        let domain = conn
            .lookup_domain_by_name(&name)
            .map_err(|_| service::missing(&name))?;
        match backend {
            Backend::Lxc => domain
                .shutdown_flags(virt::sys::VIR_DOMAIN_SHUTDOWN_SIGNAL)
                .map_err(|e| libvirt_error(&format!("cannot stop the service '{name}'"), e)),
            Backend::Qemu => {
                let marker = Marker::of(&name)?;
                let xml = domain
                    .xml_desc(0)
                    .map_err(|e| libvirt_error(&format!("cannot read the service '{name}'"), e))?;
                let path = crate::console::pty::pty_path(&xml, consoles::LOG).ok_or_else(|| {
                    error(
                        SandboxError::Guest,
                        format!("the service '{name}' has no log console"),
                    )
                })?;
                let fd = crate::console::pty::open_raw(&path)?;
                nix::unistd::write(&fd, marker.stop_line().as_bytes()).map_err(|e| {
                    error(
                        SandboxError::Io,
                        format!("cannot ask the service '{name}' to stop: {e}"),
                    )
                })?;
                Ok(())
            }
        }
    }

    /// The host pty of the running service's root shell (its debug shell
    /// console, `console1`: services created by virt-sandbox-service have
    /// one unless `--no-shell`).
    pub fn shell_console_path(&self) -> crate::Result<String> {
        let (conn, _) = self.context().imp().conn()?;
        let name = self.name()?;
        let domain = conn
            .lookup_domain_by_name(&name)
            .map_err(|_| service::missing(&name))?;
        if !domain.is_active().unwrap_or(false) {
            return Err(error(
                SandboxError::NotRunning,
                format!("the service '{name}' is not running: start it first"),
            ));
        }
        let xml = domain
            .xml_desc(0)
            .map_err(|e| libvirt_error(&format!("cannot read the service '{name}'"), e))?;
        crate::console::pty::pty_path(&xml, consoles::SHELL).ok_or_else(|| {
            error(
                SandboxError::Unsupported,
                format!(
                    "the service '{name}' has no root shell (it was created with --no-shell, \
                     or by an older virt-sandbox-service): delete and create it again"
                ),
            )
        })
    }

    /// Stops the running service gracefully: asks its command to stop,
    /// waits up to `timeout` for the domain to shut off, then destroys it.
    /// Returns whether it stopped on its own.
    pub fn stop_gracefully(&self, timeout: Duration) -> crate::Result<bool> {
        let (conn, _) = self.context().imp().conn()?;
        let name = self.name()?;
        let domain = conn
            .lookup_domain_by_name(&name)
            .map_err(|_| service::missing(&name))?;
        let asked = self.ask_stop();
        let deadline = Instant::now() + timeout;
        while asked.is_ok() && Instant::now() < deadline {
            if !domain.is_active().unwrap_or(false) {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        super::imp::destroy_domain(&domain)?;
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_parsed_and_forgeries_are_not() {
        let marker = Marker::from_secret("00ff");
        assert_eq!(
            marker.parse("libvirt-sandbox-init: service 00ff started"),
            Some(Mark::Started)
        );
        assert_eq!(
            marker.parse("libvirt-sandbox-init: service 00ff exit 143\r"),
            Some(Mark::Exit(143))
        );
        for other in [
            "libvirt-sandbox-init: service 00fe exit 0",
            "libvirt-sandbox-init: service 00ff exit 300",
            "libvirt-sandbox-init: service 00ff exit",
            "x libvirt-sandbox-init: service 00ff started",
            "hello",
        ] {
            assert_eq!(marker.parse(other), None, "{other}");
        }
        assert_eq!(
            marker.parse("libvirt-sandbox-init: service 00ff notify 52454144593d310a53"),
            Some(Mark::Notify(b"READY=1\nS".to_vec()))
        );
        for bad in ["", "5", "zz", "52 45", "52454G", "5245\u{e9}"] {
            let line = format!("libvirt-sandbox-init: service 00ff notify {bad}");
            assert_eq!(marker.parse(&line), None, "{line}");
        }
        assert_eq!(
            marker.stop_line(),
            "libvirt-sandbox-init: service 00ff stop\n"
        );
    }
}
