// SPDX-License-Identifier: LGPL-2.1-or-later
//! Stage 2 of the guest init, shared by LXC and QEMU: read the launch spec,
//! connect to the host over the channel, run the command, carry its stdin,
//! stdout, stderr and exit status, and return when the host has everything.
//!
//! It reads like the boot script it is: [`main`] calls one named step after
//! the other, and every step returns a `Result` whose error says what failed.
//! Before the command runs, [`Walls`] are raised between it and the host
//! (state directory hidden; in a container a user namespace, masks; a
//! seccomp filter everywhere).
//! Errors before the command runs reach the host as an ERROR message plus an
//! exit status of [`SETUP_FAILED`], and are also printed on the init's stderr
//! (the sandbox's log console).

use std::collections::VecDeque;
use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl, open};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, killpg, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::stat::Mode;
use nix::sys::termios::{self, SetArg};
use nix::unistd::{ForkResult, Gid, Pid, Uid, dup2_stderr, dup2_stdin, dup2_stdout};

use crate::files;
use crate::isolation::{self, Backend, Ids, Walls};
use crate::launch::{GuestMount, LaunchSpec};
use crate::protocol::{self, Decoder, Message};
use crate::sys;

/// Exit status reported when the sandbox could not run the command at all
/// (like `env`/`nohup`'s 125).
pub const SETUP_FAILED: i32 = 125;
/// Exit status when the command was not found (like a shell).
pub const NOT_FOUND: i32 = 127;
/// Exit status when the command could not be executed (like a shell).
pub const NOT_EXECUTABLE: i32 = 126;
/// Bytes read from the app or the channel at a time.
const CHUNK: usize = 64 * 1024;
/// Stop reading the channel while this much input waits for the app.
const STDIN_HIGH_WATER: usize = 1 << 20;
/// After the command exits: how long the init waits without news (output,
/// a death) for the rest of the sandbox to die and the command's output
/// pipes to reach end of file, and how long at most in all. Killed
/// processes go within milliseconds; only one stuck in the kernel (a hung
/// mount) runs into these.
const END_IDLE: Duration = Duration::from_secs(1);
const END_LIMIT: Duration = Duration::from_secs(5);
/// How long a tty-mode start waits for the host's terminal size.
const FIRST_SIZE_WAIT: Duration = Duration::from_secs(1);
/// Default PATH of the command (the spec's env may override it).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Prints a message on the init's stderr, the sandbox's log console.
fn log(message: &str) {
    let _ = writeln!(std::io::stderr(), "libvirt-sandbox-init: {message}");
}

/// Runs stage 2 of a `backend` sandbox with the spec at `spec_path`;
/// returns the init's exit code.
pub fn main(spec_path: &Path, backend: Backend) -> u8 {
    let spec = match load_spec(spec_path) {
        Ok(spec) => spec,
        Err(e) => {
            log(&e);
            return 1;
        }
    };
    let debug = spec.debug;
    if spec.channel.is_empty() {
        // A service sandbox: nobody attaches to it, the command's output is
        // the log console's.
        return match run_service(&spec, backend, spec_path) {
            Ok(code) => code,
            Err(e) => {
                log(&e);
                1
            }
        };
    }
    let mut channel = match Channel::open(&spec.channel) {
        Ok(c) => c,
        Err(e) => {
            log(&e);
            return 1;
        }
    };
    match run(&spec, &mut channel, backend, spec_path) {
        Ok(()) => {
            if debug {
                log("done");
            }
            0
        }
        Err(e) => {
            log(&e);
            1
        }
    }
}

fn load_spec(path: &Path) -> Result<LaunchSpec, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the launch spec '{}': {e}", path.display()))?;
    LaunchSpec::from_json(&text)
}

/// Everything after the channel is open.
fn run(
    spec: &LaunchSpec,
    channel: &mut Channel,
    backend: Backend,
    spec_path: &Path,
) -> Result<(), String> {
    let secret = isolation::hex_decode(&spec.secret)
        .map_err(|e| format!("the launch spec's secret is not hex: {e}"))?;
    channel.handshake()?;
    channel.send(&Message::Hello(protocol::VERSION))?;
    // The host drops a peer that does not prove it is this sandbox's.
    channel.send(&Message::Auth(secret))?;
    if let Some(device) = &spec.shell {
        // A debug aid: failing to offer it must not stop the command.
        if let Err(e) = spawn_shell(device, None).map(drop) {
            log(&e);
        }
    }
    let (setup, steps) = set_up(spec, backend, spec_path);
    let spawned = setup.and_then(|(walls, warnings, ids)| {
        if spec.verbose {
            for step in &steps {
                let line = format!("libvirt-sandbox-init: {step}\n");
                channel.send(&Message::Stderr(line.into_bytes()))?;
            }
        }
        for warning in warnings {
            channel.send(&Message::Stderr(format!("{warning}\n").into_bytes()))?;
        }
        // A terminal starts with the host's size, not 0x0.
        let size = if spec.tty {
            channel.initial_window_size()
        } else {
            None
        };
        App::spawn(spec, ids.as_ref(), walls, size)
    });
    let status = match spawned {
        Ok(app) => pump(channel, app)?,
        Err(e) => {
            // Quoted input (a 120 kB path) is cut to a readable length.
            let e = sandbox_proto::text::bounded(&e).into_owned();
            channel.send(&Message::Error(e.clone()))?;
            // The host prints the ERROR message; the log console repeats it
            // only when debugging.
            if spec.debug {
                log(&e);
            }
            SETUP_FAILED << 8
        }
    };
    // Data written to disks and host mounts must be safe before the host may
    // tear the sandbox down, which it can do as soon as it has the status.
    nix::unistd::sync();
    channel.send(&Message::Exit(status))?;
    channel.wait_for_quit();
    Ok(())
}

/// What [`set_up`] raised: the walls, their warnings, a container's ids.
type SetUp = (Walls, Vec<String>, Option<Ids>);

/// Everything between the launch spec and the command, for both kinds of
/// sandbox: the ids, the masks, the file systems, the network, the walls.
/// Also returns what was set up, for `--verbose` (the last step names the
/// command).
fn set_up(
    spec: &LaunchSpec,
    backend: Backend,
    spec_path: &Path,
) -> (Result<SetUp, String>, Vec<String>) {
    // A container's ids: a private range of host ids (isolation::Ids).
    let ids = match backend {
        Backend::Lxc => Ids::choose(spec.uid, spec.gid).map(Some),
        Backend::Qemu => Ok(None),
    };
    // What was set up, for `--verbose` (told on the command's stderr).
    let mut steps = Vec::new();
    let setup = ids.and_then(|ids| {
        if backend == Backend::Lxc {
            // Before the guest binds: a bind of /proc then carries the masks.
            isolation::mask_kernel_interfaces()?;
            steps.push("masked the kernel's /proc and /sys interfaces".to_owned());
        }
        setup_filesystems(spec, ids.as_ref(), spec_path)?;
        steps.push(format!(
            "made {} mounts of its own (guest binds; in a VM all of them), copied {} includes",
            spec.mounts.len(),
            spec.includes.len()
        ));
        crate::net::configure(&spec.networks)?;
        steps.push(format!(
            "configured {} network interfaces",
            spec.networks.len()
        ));
        let (walls, warnings) = Walls::raise(spec, backend, spec_path, ids.as_ref())?;
        steps.push(match &ids {
            Some(ids) => format!(
                "isolation: a user namespace (uid 0 is host uid {}), seccomp filter",
                ids.uid.host(0).unwrap_or(0)
            ),
            None => "isolation: the virtual machine, seccomp filter".to_owned(),
        });
        Ok((walls, warnings, ids))
    });
    steps.push(format!(
        "running {}",
        spec.command.first().map_or("", String::as_str)
    ));
    (setup, steps)
}

/// Stage 2 of a service sandbox (a launch spec without a channel): the
/// same walls, then the command with its stdin on /dev/null and its
/// stdout and stderr on the init's stderr (the log console). The sandbox
/// ends with the command: the rest is killed, and the init's exit code is
/// the command's (128+N for signal N; [`SETUP_FAILED`] when it could not
/// run).
fn run_service(spec: &LaunchSpec, backend: Backend, spec_path: &Path) -> Result<u8, String> {
    // Before the walls hide the state directory: the host's ends, if a
    // `virt-sandbox-service run` listens.
    let host = HostEnds::connect(spec_path.parent().unwrap_or(Path::new("/")));
    let (setup, steps) = set_up(spec, backend, spec_path);
    let (walls, warnings, _ids) = match setup {
        Ok(setup) => setup,
        Err(e) => {
            log(&e);
            if let Some(marker) = service_marker(spec) {
                log(&format!("{marker} exit {SETUP_FAILED}"));
            }
            return Ok(SETUP_FAILED as u8);
        }
    };
    if spec.verbose {
        steps.iter().for_each(|step| log(step));
    }
    warnings.iter().for_each(|warning| log(warning));
    let systemd = walls.is_systemd();
    // A debug aid: failing to offer it must not stop the service.
    let offer_shell = |walls: &Walls| match &spec.shell {
        Some(device) => spawn_shell(device, walls.shell_userns())
            .map_err(|e| log(&e))
            .ok(),
        None => None,
    };
    let mut shell = None;
    if !systemd {
        offer_shell(&walls);
    }
    let mut spec_env = spec.clone();
    // The command's NOTIFY_SOCKET: relayed to the host's socket in a
    // container under `run`; in a VM (no socket reaches the host) as
    // marked lines on the log console, which `run` reads.
    let sink = match (host.notify, backend, service_marker(spec)) {
        (Some(to_host), _, _) => Some(NotifySink::Host(to_host)),
        (None, Backend::Qemu, Some(marker)) => Some(NotifySink::Console(marker)),
        _ => None,
    };
    let notify = sink.and_then(|sink| {
        let (inner, name) = NotifyRelay::bind(sink)
            .map_err(|e| log(&format!("no NOTIFY_SOCKET for the service: {e}")))
            .ok()?;
        spec_env.env.push(("NOTIFY_SOCKET".to_owned(), name));
        Some(inner)
    });
    // systemd's socket-activation fds, for the command at 3.. (LISTEN_PID
    // is set in the child: its pid).
    if !host.listen.is_empty() {
        spec_env
            .env
            .push(("LISTEN_FDS".to_owned(), host.listen.len().to_string()));
        if !host.listen_names.is_empty() {
            spec_env
                .env
                .push(("LISTEN_FDNAMES".to_owned(), host.listen_names.clone()));
        }
    }
    let mut prepared = Prepared::new(&spec_env, walls)?;
    prepared.listen = host.listen;
    let null = open("/dev/null", OFlag::O_RDWR | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| format!("cannot open /dev/null for the service's stdin: {e}"))?;
    // SIGTERM (libvirt's shutdown of a container, `kill 1` in a VM) asks
    // the service to stop: it goes to the command's process group. The
    // command gets an empty mask (child()).
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGCHLD);
    signals.add(Signal::SIGTERM);
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&signals), None)
        .map_err(|e| format!("sigprocmask: {e}"))?;
    let sigfd = SignalFd::with_flags(&signals, SfdFlags::SFD_CLOEXEC)
        .map_err(|e| format!("signalfd: {e}"))?;
    let marker = service_marker(spec);
    // A VM has no SIGTERM from the host: the host asks on the log console.
    let mut stop_line = match (&marker, backend) {
        (Some(marker), Backend::Qemu) => StopLine::watch(marker),
        _ => None,
    };
    if let Some(marker) = &marker {
        log(&format!("{marker} started"));
    }
    // systemd must be PID 1 (of a PID namespace of its own).
    let init_pid_ns = if systemd {
        Some(isolation::new_pid_namespace()?)
    } else {
        None
    };
    let app = match sys::fork().map_err(|e| format!("cannot fork: {e}"))? {
        ForkResult::Child => {
            let _ = nix::unistd::setsid();
            let stderr = std::io::stderr();
            child(&prepared, null.as_fd(), stderr.as_fd(), stderr.as_fd())
        }
        ForkResult::Parent { child } => child,
    };
    if let Some(own) = init_pid_ns {
        // The shell of a systemd service is in systemd's PID namespace:
        // systemd answers only peers it can see (their SO_PEERCRED pid).
        shell = offer_shell(&prepared.walls);
        isolation::back_to_pid_namespace(own)?;
    }
    drop(null);
    // systemd takes SIGTERM as "re-execute yourself"; SIGRTMIN+3 is halt
    // (it stops its units, then exits). The shell goes first: an
    // interactive shell ignores SIGTERM, so systemd's final kill of its PID
    // namespace would wait for it until its timeout.
    let stop = |app: Pid| {
        if systemd {
            if let Some(shell) = shell {
                let _ = killpg(shell, Signal::SIGKILL);
            }
            let _ = sys::signal_halt(app);
        } else {
            let _ = killpg(app, Signal::SIGTERM);
        }
    };
    // What systemd and its units write on their /dev/console.
    let mut console = prepared.walls.console().map(ConsoleCopy::new);
    // The init is the sandbox's PID 1: every orphan is reaped here too.
    let mut status = None;
    let raw = loop {
        reap(app, &mut status);
        if let Some(raw) = status {
            break raw;
        }
        let mut fds = vec![PollFd::new(sigfd.as_fd(), PollFlags::POLLIN)];
        if let Some(copy) = &console {
            fds.push(PollFd::new(copy.master, PollFlags::POLLIN));
        }
        if let Some(relay) = &notify {
            fds.push(PollFd::new(relay.inner.as_fd(), PollFlags::POLLIN));
        }
        if let Some(watch) = &stop_line {
            fds.push(PollFd::new(watch.fd.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(format!("cannot wait for the service's command: {e}")),
        }
        let ready: Vec<bool> = fds.iter().map(|f| f.any().unwrap_or(false)).collect();
        drop(fds);
        let mut next = 1;
        if let Some(copy) = &mut console {
            if ready[next] {
                copy.pass_on();
            }
            next += 1;
        }
        if let Some(relay) = &notify {
            if ready[next] {
                relay.forward();
            }
            next += 1;
        }
        if let Some(watch) = &mut stop_line
            && ready[next]
            && watch.asked()
        {
            if spec.debug {
                log("asked on the console: stopping the service's command");
            }
            stop(app);
        }
        if !ready[0] {
            continue;
        }
        match sigfd.read_signal() {
            Ok(Some(info)) if info.ssi_signo == Signal::SIGTERM as u32 => {
                if spec.debug {
                    log("SIGTERM: stopping the service's command");
                }
                stop(app);
            }
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(format!("cannot wait for the service's command: {e}")),
        }
    };
    // The service's other processes go with it.
    end_the_rest(app);
    let deadline = Instant::now() + END_LIMIT;
    while Instant::now() < deadline {
        match sys::reap_any() {
            Err(Errno::ECHILD) => break,
            Ok(Some(_)) => {}
            _ => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    // Their last words, before the exit mark.
    if let Some(copy) = &mut console {
        copy.pass_on();
        copy.finish();
    }
    if let Err(e) = prepared.walls.release() {
        log(&e);
    }
    nix::unistd::sync();
    let code = if libc_exited(raw) {
        (raw >> 8) & 0xff
    } else {
        128 + (raw & 0x7f)
    };
    if spec.debug {
        log(&format!("the service's command ended (exit code {code})"));
    }
    if let Some(marker) = &marker {
        // The last line of the log console: the host's `run` takes it as
        // the service's exit status.
        log(&format!("{marker} exit {code}"));
    }
    Ok(code as u8)
}

/// Copies what systemd and its units write on their /dev/console (the
/// master of the init's pty, non-blocking) to the init's stderr, where a
/// command's own output goes. A tty may end lines with "\r\n" (systemd
/// resets its console to cooked mode): the "\r" before a "\n" is
/// dropped, so the lines are the units' own.
struct ConsoleCopy<'a> {
    master: BorrowedFd<'a>,
    /// The last byte read was a "\r" not yet written.
    cr: bool,
}

impl<'a> ConsoleCopy<'a> {
    fn new(master: BorrowedFd<'a>) -> Self {
        Self { master, cr: false }
    }

    /// Everything the pty has now.
    fn pass_on(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match nix::unistd::read(self.master, &mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    let out = strip_cr_before_lf(&mut self.cr, &buf[..n]);
                    let _ = std::io::stderr().lock().write_all(&out);
                }
                Err(Errno::EINTR) => {}
                // EAGAIN: all read; EIO: nobody has the slave open.
                Err(_) => return,
            }
        }
    }

    /// A "\r" held back at the very end is the output's own.
    fn finish(&mut self) {
        if std::mem::take(&mut self.cr) {
            let _ = std::io::stderr().lock().write_all(b"\r");
        }
    }
}

/// `data` without the "\r" of each "\r\n"; `cr` carries a trailing "\r"
/// over to the next call (a read may end between the two).
fn strip_cr_before_lf(cr: &mut bool, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 1);
    for &b in data {
        if std::mem::take(cr) && b != b'\n' {
            out.push(b'\r');
        }
        if b == b'\r' {
            *cr = true;
        } else {
            out.push(b);
        }
    }
    out
}

/// The host's ends of a service that `virt-sandbox-service run` started
/// on LXC, sockets it made in the state directory before the start: the
/// output stream (the init's stderr, the command's stdout and stderr)
/// and the host's end of the service's `NOTIFY_SOCKET`. None when nobody
/// listens (a start by libvirt or `virt-sandbox-service start`: the log
/// console then), and always in a VM (virtio-fs carries no sockets: the
/// host reads the console of a VM started paused).
struct HostEnds {
    notify: Option<std::os::unix::net::UnixDatagram>,
    /// systemd's socket-activation fds that `run` passed into the
    /// container (libvirt's create-with-files puts them at 3..; taken
    /// close-on-exec) and their `LISTEN_FDNAMES`.
    listen: Vec<OwnedFd>,
    listen_names: String,
}

impl HostEnds {
    const OUTPUT: &str = "run-output.sock";
    const NOTIFY: &str = "run-notify.sock";

    fn connect(state_dir: &Path) -> Self {
        let output = std::os::unix::net::UnixStream::connect(state_dir.join(Self::OUTPUT)).ok();
        // Both before the go: the host removes the socket files then.
        let notify = output.as_ref().and_then(|_| {
            std::os::unix::net::UnixDatagram::unbound()
                .and_then(|s| s.connect(state_dir.join(Self::NOTIFY)).map(|()| s))
                .ok()
        });
        let mut listen = Vec::new();
        let mut listen_names = String::new();
        if let Some(output) = output {
            // Connected (a byte): the host puts us under the task limit,
            // removes the socket files, then says go (a byte); without it (the host is gone) the service runs all the
            // same, its output on the log console.
            let _ = nix::unistd::write(&output, b"c");
            let mut go = [0u8];
            let went = loop {
                match nix::unistd::read(&output, &mut go) {
                    Err(Errno::EINTR) => continue,
                    other => break other,
                }
            };
            // After the go, a line "N NAMES": the socket-activation fds
            // the host passed (N at 3.., N may be 0) and their names.
            if went == Ok(1) {
                match Self::read_listen_line(output.as_fd()) {
                    Ok((fds, names)) => {
                        listen = fds;
                        listen_names = names;
                    }
                    Err(e) => log(&format!("no socket-activation fds for the service: {e}")),
                }
            }
            // The init's stderr (and so the command's stdout and stderr).
            if went == Ok(1) && dup2_stderr(output.as_fd()).is_err() {
                log("cannot send the service's output to virt-sandbox-service run");
            }
        }
        Self {
            notify,
            listen,
            listen_names,
        }
    }

    /// The host's line after the go, and the fds it announces.
    fn read_listen_line(output: BorrowedFd<'_>) -> Result<(Vec<OwnedFd>, String), String> {
        let mut line = Vec::new();
        let mut byte = [0u8];
        while line.len() < 4096 {
            match nix::unistd::read(output, &mut byte) {
                Ok(1) if byte[0] == b'\n' => break,
                Ok(1) => line.push(byte[0]),
                Err(Errno::EINTR) => {}
                Ok(_) => return Err("the host ended the line early".to_owned()),
                Err(e) => return Err(format!("cannot read the host's line: {e}")),
            }
        }
        let line = String::from_utf8(line).map_err(|_| "the host's line is not UTF-8")?;
        let (count, names) = line.split_once(' ').unwrap_or((&line, ""));
        let count: i32 = count
            .parse()
            .ok()
            .filter(|n| (0..=MAX_LISTEN_FDS).contains(n))
            .ok_or_else(|| format!("the host's fd count '{count}' is not 0..{MAX_LISTEN_FDS}"))?;
        let fds = (0..count)
            .map(|i| {
                sys::take_inherited_fd(LISTEN_FDS_START + i)
                    .ok_or_else(|| format!("fd {} was not passed", LISTEN_FDS_START + i))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((fds, names.to_owned()))
    }
}

/// Where systemd's socket-activation fds start (`SD_LISTEN_FDS_START`),
/// in the init as libvirt passes them and in the command.
const LISTEN_FDS_START: i32 = 3;
/// At most this many socket-activation fds (the host refuses more).
const MAX_LISTEN_FDS: i32 = 64;

/// Relays the datagrams the service sends to its `NOTIFY_SOCKET` (an
/// abstract socket of a random name in the sandbox's network namespace)
/// to the host's end.
struct NotifyRelay {
    inner: std::os::unix::net::UnixDatagram,
    to_host: NotifySink,
}

/// Where a service's notify messages go.
enum NotifySink {
    /// The host's socket (a container under `run`).
    Host(std::os::unix::net::UnixDatagram),
    /// The log console (a VM), each message as the line "`MARKER` notify
    /// HEX": the marker holds the secret, so the command's own output
    /// cannot forge one; hex, because a message holds newlines.
    Console(String),
}

impl NotifyRelay {
    fn bind(to_host: NotifySink) -> Result<(Self, String), String> {
        use std::os::linux::net::SocketAddrExt;
        let mut random = [0u8; 8];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut random))
            .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("libvirt-sandbox-notify-{hex}");
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
            .map_err(|e| format!("{e}"))?;
        let inner = std::os::unix::net::UnixDatagram::bind_addr(&addr)
            .map_err(|e| format!("cannot bind {name}: {e}"))?;
        inner
            .set_nonblocking(true)
            .map_err(|e| format!("cannot bind {name}: {e}"))?;
        Ok((Self { inner, to_host }, format!("@{name}")))
    }

    fn forward(&self) {
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.inner.recv(&mut buf) {
            match &self.to_host {
                NotifySink::Host(socket) => {
                    let _ = socket.send(&buf[..n]);
                }
                NotifySink::Console(marker) if n > 0 => {
                    let hex: String = buf[..n].iter().map(|b| format!("{b:02x}")).collect();
                    let line = format!("libvirt-sandbox-init: {marker} notify {hex}\n");
                    // One write(2): a tty write is not interleaved with the
                    // command's (which share the console); a partial line of
                    // the command's before it is the host's to mend.
                    let _ = std::io::stderr().lock().write_all(line.as_bytes());
                }
                NotifySink::Console(_) => {}
            }
        }
    }
}

/// Watches a VM's log console (the init's stdin) for the line
/// "`MARKER` stop" from the host (`virt-sandbox-service stop`/`run`): the
/// service's SIGTERM. The console is raw (no echo: the marker is a secret).
struct StopLine {
    fd: OwnedFd,
    line: Vec<u8>,
    want: Vec<u8>,
}

impl StopLine {
    fn watch(marker: &str) -> Option<Self> {
        let fd = nix::unistd::dup(std::io::stdin().as_fd()).ok()?;
        let _ = fcntl(&fd, FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC));
        let _ = fcntl(&fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK));
        if let Ok(mut attrs) = termios::tcgetattr(&fd) {
            termios::cfmakeraw(&mut attrs);
            let _ = termios::tcsetattr(&fd, SetArg::TCSANOW, &attrs);
        }
        Some(Self {
            fd,
            line: Vec::new(),
            want: format!("libvirt-sandbox-init: {marker} stop").into_bytes(),
        })
    }

    /// Reads what the console has; whether a stop line came.
    fn asked(&mut self) -> bool {
        let mut buf = [0u8; 512];
        let mut asked = false;
        while let Ok(n) = nix::unistd::read(&self.fd, &mut buf) {
            if n == 0 {
                break;
            }
            for &b in &buf[..n] {
                if b == b'\n' || b == b'\r' {
                    asked |= self.line == self.want;
                    self.line.clear();
                } else if self.line.len() < 256 {
                    self.line.push(b);
                }
            }
        }
        asked
    }
}

/// The prefix of the lines that tell the host a service's command started
/// and ended: the spec's secret, which the command cannot read (the state
/// directory is hidden), so it cannot forge them. None without a secret.
fn service_marker(spec: &LaunchSpec) -> Option<String> {
    (!spec.secret.is_empty()).then(|| format!("service {}", spec.secret))
}

/// Whether the raw wait status `raw` is a normal exit.
fn libc_exited(raw: i32) -> bool {
    raw & 0x7f == 0
}

/// Makes the guest binds (after the backend's mounts, so their sources can
/// lie inside them) and copies the includes into place. `ids`: a
/// container's id maps; `spec_path`: the launch spec, in the state
/// directory, which no guest bind may show.
fn setup_filesystems(spec: &LaunchSpec, ids: Option<&Ids>, spec_path: &Path) -> Result<(), String> {
    let state_dir = spec_path.parent().unwrap_or(Path::new("/"));
    for mount in &spec.mounts {
        mount_in_guest(mount, state_dir)?;
    }
    if !spec.disks.is_empty() {
        let by_tag = Path::new("/dev/disk/by-tag");
        std::fs::create_dir_all(by_tag)
            .map_err(|e| format!("cannot create {}: {e}", by_tag.display()))?;
        for disk in &spec.disks {
            let link = by_tag.join(&disk.tag);
            std::os::unix::fs::symlink(&disk.device, &link)
                .map_err(|e| format!("cannot link {} to {}: {e}", link.display(), disk.device))?;
            // The disk is the command's: its user may read and write it. The
            // node is the sandbox's own (its /dev), not the host's.
            let (uid, gid) = Ids::host_owner(ids, spec.uid, spec.gid);
            std::os::unix::fs::chown(&disk.device, Some(uid), Some(gid))
                .map_err(|e| format!("cannot give {} to the sandbox's user: {e}", disk.device))?;
        }
    }
    for include in &spec.includes {
        let dst = Path::new(&include.dst);
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                format!(
                    "cannot create '{}' for the include '{}': {e}",
                    parent.display(),
                    include.dst
                )
            })?;
        }
        files::copy_tree(Path::new(&include.src), dst, Some((spec.uid, spec.gid)))
            .and_then(|()| files::apply_modes(dst, &include.modes))
            .map_err(|e| format!("cannot copy the include '{}': {e}", include.dst))?;
    }
    Ok(())
}

/// One mount the init makes itself: a bind when `fstype` is empty.
fn mount_in_guest(m: &GuestMount, state_dir: &Path) -> Result<(), String> {
    use nix::mount::{MsFlags, mount};
    let what = if m.fstype.is_empty() {
        format!("guest-bind:{}={}", m.target, m.source)
    } else {
        format!("{} mount on {}", m.fstype, m.target)
    };
    if m.fstype.is_empty() {
        // A source may be a link a previous run planted in a grant: where it
        // really leads must not be the state directory (the secret, the
        // host's socket), which the command never sees.
        let real = std::fs::canonicalize(&m.source)
            .map_err(|e| format!("{what}: the source '{}' is not usable: {e}", m.source))?;
        if state_dir != Path::new("/") && real.starts_with(state_dir) {
            return Err(format!(
                "{what}: the source leads to '{}', the sandbox's private state directory",
                real.display()
            ));
        }
        let source = std::fs::metadata(&m.source)
            .map_err(|e| format!("{what}: the source '{}' is not usable: {e}", m.source))?;
        let made = if source.is_dir() {
            std::fs::create_dir_all(&m.target)
        } else {
            Path::new(&m.target).try_exists().and_then(|exists| {
                if exists {
                    Ok(())
                } else {
                    std::fs::write(&m.target, b"")
                }
            })
        };
        made.map_err(|e| format!("{what}: cannot create the mount point: {e}"))?;
        mount(
            Some(m.source.as_str()),
            m.target.as_str(),
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
    } else {
        std::fs::create_dir_all(&m.target)
            .map_err(|e| format!("{what}: cannot create the mount point: {e}"))?;
        let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
        let mount_as = |fstype: &str| {
            mount(
                Some(m.source.as_str()),
                m.target.as_str(),
                Some(fstype),
                flags,
                Some(m.options.as_str()),
            )
        };
        if m.fstype == AUTO_FSTYPE {
            return mount_auto(&m.source, mount_as)
                .map_err(|e| format!("{what}: mount of '{}' failed: {e}", m.source));
        }
        mount_as(m.fstype.as_str())
    }
    .map_err(|e| format!("{what}: mount failed: {e}"))
}

pub use sandbox_proto::launch::AUTO_FSTYPE;

/// Mounts a block device whose filesystem type is unknown: tries every
/// block-device filesystem the kernel has (`/proc/filesystems` without
/// `nodev`), as mount(8) does; the kernel refuses the wrong ones.
fn mount_auto(source: &str, mount_as: impl Fn(&str) -> nix::Result<()>) -> Result<(), String> {
    let known = std::fs::read_to_string("/proc/filesystems")
        .map_err(|e| format!("cannot read /proc/filesystems: {e}"))?;
    let mut candidates: Vec<&str> = known
        .lines()
        .filter(|line| !line.starts_with("nodev"))
        .map(str::trim)
        .filter(|fstype| !fstype.is_empty())
        .collect();
    // ext4 mounts ext2 and ext3 filesystems too; trying those names first
    // only makes the kernel log "couldn't mount as ext3" on the console.
    if candidates.contains(&"ext4") {
        candidates.retain(|fstype| !matches!(*fstype, "ext2" | "ext3" | "ext4"));
        candidates.insert(0, "ext4");
    }
    let mut tried = Vec::new();
    for fstype in &candidates {
        match mount_as(fstype) {
            Ok(()) => return Ok(()),
            Err(e) => tried.push(format!("{fstype}: {e}")),
        }
    }
    Err(format!(
        "no filesystem the kernel knows fits '{source}' (tried {})",
        if tried.is_empty() {
            "none: the kernel has no block-device filesystem loaded".to_owned()
        } else {
            tried.join(", ")
        }
    ))
}

/// The device of the virtio-serial port named `name` (QEMU), found in sysfs
/// (there is no udev to make /dev/virtio-ports/NAME).
pub fn virtio_port(name: &str) -> Option<PathBuf> {
    std::fs::read_dir("/sys/class/virtio-ports")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let port = std::fs::read_to_string(entry.path().join("name")).ok()?;
            (port.trim() == name).then(|| Path::new("/dev").join(entry.file_name()))
        })
}

/// The guest end of the app console.
struct Channel {
    fd: OwnedFd,
    decoder: Decoder,
    /// Messages decoded but not consumed yet.
    inbox: VecDeque<Message>,
}

impl Channel {
    /// Opens the device and puts it in raw mode before anything is sent, or
    /// connects to the host's socket for a `unix:PATH` channel.
    fn open(path: &str) -> Result<Self, String> {
        if let Some(name) = path.strip_prefix("virtio-port:") {
            let device = virtio_port(name)
                .ok_or_else(|| format!("the VM has no virtio-serial port named '{name}'"))?;
            let fd = open(
                &device,
                OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| {
                format!(
                    "cannot open the console channel '{}': {e}",
                    device.display()
                )
            })?;
            return Ok(Self {
                fd,
                decoder: Decoder::new(),
                inbox: VecDeque::new(),
            });
        }
        if let Some(socket) = path.strip_prefix("unix:") {
            let stream = std::os::unix::net::UnixStream::connect(socket)
                .map_err(|e| format!("cannot connect to the console channel '{socket}': {e}"))?;
            return Ok(Self {
                fd: OwnedFd::from(stream),
                decoder: Decoder::new(),
                inbox: VecDeque::new(),
            });
        }
        let fd = open(
            path,
            OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| format!("cannot open the console channel '{path}': {e}"))?;
        if let Ok(mut attrs) = termios::tcgetattr(&fd) {
            termios::cfmakeraw(&mut attrs);
            termios::tcsetattr(&fd, SetArg::TCSANOW, &attrs)
                .map_err(|e| format!("cannot set the console channel '{path}' to raw mode: {e}"))?;
        }
        Ok(Self {
            fd,
            decoder: Decoder::new(),
            inbox: VecDeque::new(),
        })
    }

    fn read_byte(&self) -> Result<u8, String> {
        let mut b = [0u8; 1];
        loop {
            match nix::unistd::read(&self.fd, &mut b) {
                Ok(1) => return Ok(b[0]),
                Ok(_) => {
                    return Err("the host closed the console channel during the handshake".into());
                }
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(format!("cannot read the console channel: {e}")),
            }
        }
    }

    /// WAIT from the host -> our SYNC -> the host's SYNC (spec in `protocol`).
    fn handshake(&mut self) -> Result<(), String> {
        while self.read_byte()? != protocol::HANDSHAKE_WAIT {}
        self.write_all(&[protocol::HANDSHAKE_SYNC])?;
        loop {
            match self.read_byte()? {
                protocol::HANDSHAKE_SYNC => return Ok(()),
                protocol::HANDSHAKE_WAIT => {}
                other => {
                    return Err(format!(
                        "unexpected byte {other:#04x} from the host during the handshake"
                    ));
                }
            }
        }
    }

    fn write_all(&self, mut data: &[u8]) -> Result<(), String> {
        while !data.is_empty() {
            match nix::unistd::write(&self.fd, data) {
                Ok(n) => data = &data[n..],
                Err(Errno::EINTR) => {}
                Err(e) => return Err(format!("cannot write to the console channel: {e}")),
            }
        }
        Ok(())
    }

    fn send(&self, message: &Message) -> Result<(), String> {
        self.write_all(&message.encode())
    }

    /// Reads what is available (the fd was reported readable); false at end
    /// of file or hang-up.
    fn receive(&mut self) -> Result<bool, String> {
        let mut buf = vec![0u8; CHUNK];
        let n = match nix::unistd::read(&self.fd, &mut buf) {
            Ok(0) | Err(Errno::EIO) => return Ok(false),
            Ok(n) => n,
            Err(Errno::EINTR) | Err(Errno::EAGAIN) => return Ok(true),
            Err(e) => return Err(format!("cannot read the console channel: {e}")),
        };
        let messages = self
            .decoder
            .feed(&buf[..n])
            .map_err(|e| format!("console protocol error from the host: {e}"))?;
        self.inbox.extend(messages);
        Ok(true)
    }

    /// In tty mode the host's first message is its terminal's size (it sends
    /// it as the session begins): taken from the channel so that the
    /// command's terminal has it before the command starts. Anything else
    /// arriving first, or nothing within [`FIRST_SIZE_WAIT`] (a host side
    /// that is no terminal), means no size; other messages stay queued.
    fn initial_window_size(&mut self) -> Option<(u16, u16)> {
        let deadline = Instant::now() + FIRST_SIZE_WAIT;
        loop {
            if let Some(first) = self.inbox.front() {
                return match *first {
                    Message::WinSize(rows, cols) => {
                        self.inbox.pop_front();
                        Some((rows, cols))
                    }
                    _ => None,
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let millis = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
            if millis == 0 {
                return None;
            }
            let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(millis)) {
                Ok(0) => return None,
                Ok(_) => {
                    if !self.receive().unwrap_or(false) {
                        return None;
                    }
                }
                Err(Errno::EINTR) => {}
                Err(_) => return None,
            }
        }
    }

    /// After EXIT: wait until the host says QUIT or goes away.
    fn wait_for_quit(&mut self) {
        loop {
            while let Some(m) = self.inbox.pop_front() {
                if m == Message::Quit {
                    return;
                }
            }
            match self.receive() {
                Ok(true) => {}
                _ => return,
            }
        }
    }
}

/// The running command and our ends of its stdio.
struct App {
    pid: Pid,
    /// Where its stdin goes (pipe write end, or the pty master).
    input: Option<OwnedFd>,
    /// Its stdout (pipe read end, or the pty master).
    output: Option<OwnedFd>,
    /// Its stderr (pipe read end; none in tty mode, where it shares the pty).
    error: Option<OwnedFd>,
    tty: bool,
}

fn set_nonblocking(fd: &OwnedFd) -> Result<(), String> {
    let flags = fcntl(fd, FcntlArg::F_GETFL).map_err(|e| format!("fcntl: {e}"))?;
    fcntl(
        fd,
        FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
    )
    .map_err(|e| format!("fcntl: {e}"))?;
    Ok(())
}

impl App {
    /// `size`: the terminal's rows and columns (tty mode).
    fn spawn(
        spec: &LaunchSpec,
        ids: Option<&Ids>,
        walls: Walls,
        size: Option<(u16, u16)>,
    ) -> Result<Self, String> {
        let prepared = Prepared::new(spec, walls)?;
        // SIGCHLD stays blocked in the init (it is read from a signalfd); the
        // child unblocks it before exec.
        let mut chld = SigSet::empty();
        chld.add(Signal::SIGCHLD);
        sigprocmask(SigmaskHow::SIG_BLOCK, Some(&chld), None)
            .map_err(|e| format!("sigprocmask: {e}"))?;

        if spec.tty {
            let pty = nix::pty::openpty(None, None)
                .map_err(|e| format!("cannot allocate a pty for the command: {e}"))?;
            if let Some((rows, cols)) = size {
                let _ = sys::set_window_size(pty.master.as_fd(), rows, cols);
            }
            // The command's root in a container is not the host's root:
            // it needs the tty given too.
            if !spec.privileged || ids.is_some() {
                let (uid, gid) = Ids::host_owner(ids, spec.uid, spec.gid);
                let _ = nix::unistd::fchown(
                    &pty.slave,
                    Some(Uid::from_raw(uid)),
                    Some(Gid::from_raw(gid)),
                );
            }
            match sys::fork().map_err(|e| format!("cannot fork: {e}"))? {
                ForkResult::Child => {
                    drop(pty.master);
                    let _ = nix::unistd::setsid();
                    let _ = sys::set_controlling_tty(pty.slave.as_fd());
                    child(
                        &prepared,
                        pty.slave.as_fd(),
                        pty.slave.as_fd(),
                        pty.slave.as_fd(),
                    )
                }
                ForkResult::Parent { child } => {
                    drop(pty.slave);
                    set_nonblocking(&pty.master)?;
                    let input = pty.master.try_clone().map_err(|e| format!("dup: {e}"))?;
                    Ok(App {
                        pid: child,
                        input: Some(input),
                        output: Some(pty.master),
                        error: None,
                        tty: true,
                    })
                }
            }
        } else {
            let pipe = || {
                nix::unistd::pipe2(OFlag::O_CLOEXEC)
                    .map_err(|e| format!("cannot create a pipe: {e}"))
            };
            let (in_r, in_w) = pipe()?;
            let (out_r, out_w) = pipe()?;
            let (err_r, err_w) = pipe()?;
            match sys::fork().map_err(|e| format!("cannot fork: {e}"))? {
                ForkResult::Child => {
                    drop((in_w, out_r, err_r));
                    let _ = nix::unistd::setsid();
                    child(&prepared, in_r.as_fd(), out_w.as_fd(), err_w.as_fd())
                }
                ForkResult::Parent { child } => {
                    drop((in_r, out_w, err_w));
                    for fd in [&in_w, &out_r, &err_r] {
                        set_nonblocking(fd)?;
                    }
                    Ok(App {
                        pid: child,
                        input: Some(in_w),
                        output: Some(out_r),
                        error: Some(err_r),
                        tty: false,
                    })
                }
            }
        }
    }
}

/// What the child needs, computed before fork (no allocation decisions in
/// the child beyond what exec needs).
struct Prepared {
    argv: Vec<CString>,
    envp: Vec<CString>,
    program: Result<CString, Errno>,
    walls: Walls,
    homedir: String,
    /// A service's socket-activation fds, at 3.. in order (close-on-exec
    /// until the child clears it).
    listen: Vec<OwnedFd>,
}

fn cstring(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("'{}' contains a NUL byte", s.replace('\0', "\\0")))
}

impl Prepared {
    fn new(spec: &LaunchSpec, walls: Walls) -> Result<Self, String> {
        let mut env: Vec<(String, String)> = vec![
            ("PATH".into(), DEFAULT_PATH.into()),
            ("HOME".into(), spec.homedir.clone()),
            ("USER".into(), spec.username.clone()),
            ("LOGNAME".into(), spec.username.clone()),
            ("USERNAME".into(), spec.username.clone()),
            (
                "TERM".into(),
                if spec.tty {
                    "xterm".into()
                } else {
                    "dumb".into()
                },
            ),
        ];
        for (k, v) in &spec.env {
            match env.iter_mut().find(|(key, _)| key == k) {
                Some(entry) => entry.1 = v.clone(),
                None => env.push((k.clone(), v.clone())),
            }
        }
        let path = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let argv = spec
            .command
            .iter()
            .map(|a| cstring(a))
            .collect::<Result<Vec<_>, _>>()?;
        let envp = env
            .iter()
            .map(|(k, v)| cstring(&format!("{k}={v}")))
            .collect::<Result<Vec<_>, _>>()?;
        let program = find_program(&spec.command[0], &path)
            .and_then(|p| CString::new(p.as_os_str().as_bytes()).map_err(|_| Errno::EINVAL));
        Ok(Self {
            argv,
            envp,
            program,
            walls,
            homedir: spec.homedir.clone(),
            listen: Vec::new(),
        })
    }
}

/// Looks `name` up in `path` the way a shell does.
fn find_program(name: &str, path: &str) -> Result<PathBuf, Errno> {
    if name.contains('/') {
        return Ok(PathBuf::from(name));
    }
    let mut denied = false;
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let candidate = Path::new(dir).join(name);
        match nix::unistd::access(&candidate, nix::unistd::AccessFlags::X_OK) {
            Ok(()) if candidate.is_file() => return Ok(candidate),
            Err(Errno::EACCES) => denied = true,
            _ => {}
        }
    }
    Err(if denied { Errno::EACCES } else { Errno::ENOENT })
}

/// The child between fork and exec: stdio, identity, exec. Never returns.
fn child(p: &Prepared, stdin: BorrowedFd<'_>, stdout: BorrowedFd<'_>, stderr: BorrowedFd<'_>) -> ! {
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    let _ = dup2_stdin(stdin);
    let _ = dup2_stdout(stdout);
    let _ = dup2_stderr(stderr);
    let fail = |what: String, code: i32| -> ! {
        // `what` may quote the command's name: a readable line, whatever its length.
        let what = sandbox_proto::text::bounded(&what);
        let _ = writeln!(std::io::stderr(), "libvirt-sandbox: {what}");
        std::process::exit(code);
    };
    // Socket activation: the fds stay at 3.. for the command, and
    // LISTEN_PID is its pid (the exec keeps it). The init is
    // single-threaded: the child may allocate.
    let mut listen_env = None;
    if !p.listen.is_empty() {
        for fd in &p.listen {
            if fcntl(fd, FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty())).is_err() {
                fail(
                    "cannot pass the socket-activation fds".to_owned(),
                    SETUP_FAILED,
                );
            }
        }
        let mut envp = p.envp.clone();
        envp.retain(|e| !e.as_bytes().starts_with(b"LISTEN_PID="));
        envp.push(
            CString::new(format!("LISTEN_PID={}", nix::unistd::getpid())).unwrap_or_default(),
        );
        listen_env = Some(envp);
    }
    let envp = listen_env.as_ref().unwrap_or(&p.envp);
    if let Err(e) = p.walls.enter() {
        fail(e, SETUP_FAILED);
    }
    if std::env::set_current_dir(&p.homedir).is_err() {
        let _ = std::env::set_current_dir("/");
    }
    if let Err(e) = p.walls.seal() {
        fail(e, SETUP_FAILED);
    }
    let name = p.argv[0].to_string_lossy();
    let program = match &p.program {
        Ok(program) => program,
        Err(e) => fail(
            format!("cannot execute '{name}': {}", e.desc()),
            exit_for(*e),
        ),
    };
    let e = nix::unistd::execve(program, &p.argv, envp).unwrap_err();
    fail(
        format!("cannot execute '{name}': {}", e.desc()),
        exit_for(e),
    )
}

fn exit_for(e: Errno) -> i32 {
    if e == Errno::ENOENT {
        NOT_FOUND
    } else {
        NOT_EXECUTABLE
    }
}

/// Offers a root shell on `device` (a debug aid for the sandbox's admin).
/// `userns`: a systemd service's user namespace, where the shell is the
/// sandbox's root (systemctl then talks to its systemd).
fn spawn_shell(device: &str, userns: Option<BorrowedFd<'_>>) -> Result<Pid, String> {
    let tty = open(device, OFlag::O_RDWR | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(|e| format!("cannot open the debug shell console '{device}': {e}"))?;
    match sys::fork().map_err(|e| format!("cannot fork the debug shell: {e}"))? {
        ForkResult::Child => {
            if let Some(ns) = userns
                && let Err(e) = isolation::become_sandbox_root(ns)
            {
                let _ = writeln!(std::io::stderr(), "libvirt-sandbox: the shell: {e}");
                std::process::exit(SETUP_FAILED);
            }
            let _ = nix::unistd::setsid();
            let _ = sys::set_controlling_tty(tty.as_fd());
            let _ = dup2_stdin(tty.as_fd());
            let _ = dup2_stdout(tty.as_fd());
            let _ = dup2_stderr(tty.as_fd());
            let sh = c"/bin/sh";
            let _ = nix::unistd::execv(sh, &[sh, c"-i"]);
            std::process::exit(NOT_FOUND)
        }
        ForkResult::Parent { child } => Ok(child),
    }
}

/// Moves data between the channel and the app until the app has exited;
/// returns its raw wait status.
///
/// The sandbox ends with the app: when it exits, every other process of the
/// sandbox is killed ([`end_the_rest`]), and what they all wrote to the
/// app's stdout and stderr before is still delivered (the pipes reach end
/// of file once the last of them is dead), without waiting for background
/// children that would hold them open.
fn pump(channel: &mut Channel, mut app: App) -> Result<i32, String> {
    let mut chld = SigSet::empty();
    chld.add(Signal::SIGCHLD);
    let sigfd = SignalFd::with_flags(&chld, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|e| format!("signalfd: {e}"))?;
    let mut status: Option<i32> = None;
    let mut stdin_buf: VecDeque<u8> = VecDeque::new();
    let mut stdin_eof = false;
    let mut host_gone = false;
    let mut buf = vec![0u8; CHUNK];
    // Set when the app has exited and the rest was killed.
    let mut ending: Option<Ending> = None;
    // A child that ended before the signalfd existed is reaped here.
    let mut children_left = reap(app.pid, &mut status);

    loop {
        // Deliver what the host sent.
        while let Some(m) = channel.inbox.pop_front() {
            match m {
                Message::Stdin(data) if data.is_empty() => stdin_eof = true,
                // Input for an app that no longer reads it is dropped: the
                // channel is read on, for a QUIT.
                Message::Stdin(data) if app.input.is_none() => drop(data),
                Message::Stdin(data) => stdin_buf.extend(data),
                Message::WinSize(rows, cols) => {
                    // The host's terminal changed size: so does the command's.
                    if let (true, Some(pty)) = (app.tty, app.output.as_ref().or(app.input.as_ref()))
                    {
                        let _ = sys::set_window_size(pty.as_fd(), rows, cols);
                    }
                }
                Message::Quit => {
                    // The host gave up before the command ended.
                    let _ = kill(app.pid, Signal::SIGKILL);
                    host_gone = true;
                }
                other => return Err(format!("unexpected message from the host: {other:?}")),
            }
        }
        if let Some(raw) = status {
            if children_left {
                // Again on every round: a process that forked while the
                // first kill went round dies too.
                end_the_rest(app.pid);
            }
            let ending = ending.get_or_insert_with(|| {
                // Nobody reads the app's stdin any more.
                stdin_buf.clear();
                app.input = None;
                Ending::new()
            });
            let drained = app.output.is_none() && app.error.is_none();
            if (drained && !children_left) || host_gone || ending.over() {
                return Ok(raw);
            }
        }
        if stdin_eof && stdin_buf.is_empty() && app.input.is_some() {
            if app.tty {
                // A terminal has no half-close: send the EOF character.
                if let Some(fd) = &app.input {
                    let _ = nix::unistd::write(fd, &[4]);
                }
            }
            app.input = None;
        }

        let read_channel = !host_gone && stdin_buf.len() < STDIN_HIGH_WATER;
        let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(5);
        let mut roles: Vec<u8> = Vec::with_capacity(5);
        let flags_in = PollFlags::POLLIN;
        fds.push(PollFd::new(sigfd.as_fd(), flags_in));
        roles.push(0);
        if read_channel {
            fds.push(PollFd::new(channel.fd.as_fd(), flags_in));
            roles.push(1);
        }
        if let Some(fd) = &app.output {
            fds.push(PollFd::new(fd.as_fd(), flags_in));
            roles.push(2);
        }
        if let Some(fd) = &app.error {
            fds.push(PollFd::new(fd.as_fd(), flags_in));
            roles.push(3);
        }
        if let (Some(fd), false) = (&app.input, stdin_buf.is_empty()) {
            fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLOUT));
            roles.push(4);
        }
        let timeout = ending
            .as_ref()
            .map_or(PollTimeout::NONE, |e| e.poll_timeout());
        match poll(&mut fds, timeout) {
            Ok(0) | Err(Errno::EINTR) => {}
            Ok(_) => {
                if let Some(e) = ending.as_mut() {
                    e.news();
                }
            }
            Err(e) => return Err(format!("poll: {e}")),
        }
        let ready: Vec<(u8, PollFlags)> = fds
            .iter()
            .zip(&roles)
            .filter_map(|(fd, role)| fd.revents().filter(|r| !r.is_empty()).map(|r| (*role, r)))
            .collect();
        drop(fds);

        for (role, revents) in ready {
            match role {
                0 => {
                    while let Ok(Some(_)) = sigfd.read_signal() {}
                    children_left = reap(app.pid, &mut status);
                }
                1 => {
                    if !channel.receive()? {
                        // The host end went away: nobody can see the output.
                        let _ = kill(app.pid, Signal::SIGKILL);
                        host_gone = true;
                    }
                }
                2 | 3 => {
                    let slot = if role == 2 {
                        &mut app.output
                    } else {
                        &mut app.error
                    };
                    let Some(fd) = slot.as_ref() else { continue };
                    match nix::unistd::read(fd, &mut buf) {
                        // EIO: the pty's last user closed it.
                        Ok(0) | Err(Errno::EIO) => *slot = None,
                        Ok(n) => {
                            let data = buf[..n].to_vec();
                            let message = if role == 2 {
                                Message::Stdout(data)
                            } else {
                                Message::Stderr(data)
                            };
                            if !host_gone {
                                channel.send(&message)?;
                            }
                        }
                        Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                        Err(_) if revents.contains(PollFlags::POLLHUP) => *slot = None,
                        Err(e) => return Err(format!("cannot read the command's output: {e}")),
                    }
                }
                _ => {
                    let Some(fd) = app.input.as_ref() else {
                        continue;
                    };
                    let (front, _) = stdin_buf.as_slices();
                    match nix::unistd::write(fd, front) {
                        Ok(n) => {
                            stdin_buf.drain(..n);
                        }
                        Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                        // The command closed its stdin: drop what it will never read.
                        Err(_) => {
                            stdin_buf.clear();
                            app.input = None;
                        }
                    }
                }
            }
        }
    }
}

/// Reaps every exited child (the init is PID 1: orphans are its children
/// too); records the app's raw status. Returns whether the init still has
/// children.
fn reap(app: Pid, status: &mut Option<i32>) -> bool {
    loop {
        match sys::reap_any() {
            Ok(Some((pid, raw))) => {
                if pid == app {
                    *status = Some(raw);
                }
            }
            Ok(None) => return true,
            Err(Errno::ECHILD) => return false,
            Err(_) => return true,
        }
    }
}

/// Kills (SIGKILL: ignoring SIGTERM or SIGHUP does not help) every process
/// of the sandbox but the init. The init is PID 1 of the sandbox's PID
/// namespace (a container's, libvirt makes one) or of the VM: kill(-1)
/// reaches exactly the sandbox's processes then, wherever they moved (other
/// sessions, reparented to the init). Anywhere else (stage 2 run by hand)
/// only the app's session, its process group, can be told apart.
fn end_the_rest(app: Pid) {
    if std::process::id() == 1 {
        let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
    } else {
        let _ = killpg(app, Signal::SIGKILL);
    }
}

/// The sandbox's end, from the app's exit: bounds how long the init waits
/// for the rest to die and the output to drain ([`END_IDLE`], [`END_LIMIT`]).
struct Ending {
    since: Instant,
    last_news: Instant,
}

impl Ending {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            since: now,
            last_news: now,
        }
    }

    /// Something happened (output read, a child died).
    fn news(&mut self) {
        self.last_news = Instant::now();
    }

    fn deadline(&self) -> Instant {
        (self.last_news + END_IDLE).min(self.since + END_LIMIT)
    }

    fn over(&self) -> bool {
        Instant::now() >= self.deadline()
    }

    /// Poll until the deadline (rounded up to the next millisecond).
    fn poll_timeout(&self) -> PollTimeout {
        let left = self.deadline().saturating_duration_since(Instant::now());
        PollTimeout::try_from(left.as_micros().div_ceil(1000)).unwrap_or(PollTimeout::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::strip_cr_before_lf;

    #[test]
    fn a_console_line_loses_the_cr_of_its_crlf_only() {
        let mut cr = false;
        assert_eq!(
            strip_cr_before_lf(&mut cr, b"a\r\nb\rc\r\r\n"),
            b"a\nb\rc\r\n"
        );
        assert!(!cr);
        // Split between the two: held back, then dropped or kept.
        assert_eq!(strip_cr_before_lf(&mut cr, b"d\r"), b"d");
        assert!(cr);
        assert_eq!(strip_cr_before_lf(&mut cr, b"\ne\r"), b"\ne");
        assert_eq!(strip_cr_before_lf(&mut cr, b"f"), b"\rf");
        assert!(!cr);
    }
}
