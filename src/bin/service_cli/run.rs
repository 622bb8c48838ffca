// SPDX-License-Identifier: LGPL-2.1-or-later
//! `virt-sandbox-service run NAME`: the service in the foreground, as
//! systemd's `Type=notify` wants it (see `context::service_run` for the
//! library's side).

use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use glib::prelude::*;
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};

use libvirt_sandbox::context::service_run::{ListenFds, Mark, Marker};
use libvirt_sandbox::context::{Context, ContextService};

/// How long the runner waits for the domain to go once the output ended.
const END_WAIT: Duration = Duration::from_secs(15);

/// Our end of systemd's `$NOTIFY_SOCKET`, if we run under systemd.
struct Systemd {
    socket: Option<(UnixDatagram, std::os::unix::net::SocketAddr)>,
}

impl Systemd {
    fn from_env() -> Result<Self, String> {
        use std::os::linux::net::SocketAddrExt;
        let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
            return Ok(Self { socket: None });
        };
        let path = path.to_string_lossy().into_owned();
        let addr = match path.strip_prefix('@') {
            Some(name) => std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()),
            None => std::os::unix::net::SocketAddr::from_pathname(&path),
        }
        .map_err(|e| format!("invalid NOTIFY_SOCKET '{path}': {e}"))?;
        let socket = UnixDatagram::unbound().map_err(|e| format!("socket: {e}"))?;
        Ok(Self {
            socket: Some((socket, addr)),
        })
    }

    fn notify(&self, message: &str) {
        if let Some((socket, addr)) = &self.socket {
            let _ = socket.send_to_addr(message.as_bytes(), addr);
        }
    }
}

/// The service's output, its marks taken out.
struct Output {
    marker: Marker,
    pending: Vec<u8>,
    started: bool,
    exit: Option<u8>,
    /// A VM's notify messages (marks), not yet relayed.
    notices: Vec<Vec<u8>>,
}

impl Output {
    fn print(line: &[u8]) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(line);
        let _ = stdout.flush();
    }

    fn feed(&mut self, data: &[u8]) {
        let out = self.take(data);
        if !out.is_empty() {
            Self::print(&out);
        }
    }

    /// Takes `data` in: the marks out, what is the command's output (so
    /// far) returned.
    fn take(&mut self, data: &[u8]) -> Vec<u8> {
        let mut printed = Vec::new();
        self.pending.extend_from_slice(data);
        let prefix = self.marker.prefix().as_bytes();
        // A mark may come in the middle of a line of the command's (a VM's
        // init writes notify marks while the command runs, on the console
        // they share; each mark is one write): what came before it is the
        // command's, and the command's line goes on after it. Only the
        // init knows the secret in the prefix.
        loop {
            let at = self.pending.windows(prefix.len()).position(|w| w == prefix);
            let end = self.pending.iter().position(|&b| b == b'\n');
            let mut line: Vec<u8> = match (at, end) {
                (Some(at), _) if end.is_none_or(|end| at < end) => {
                    printed.extend(self.pending.drain(..at));
                    match self.pending.iter().position(|&b| b == b'\n') {
                        Some(end) => self.pending.drain(..=end).collect(),
                        None => return printed,
                    }
                }
                (_, Some(end)) => self.pending.drain(..=end).collect(),
                (_, None) => break,
            };
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            match std::str::from_utf8(&line)
                .ok()
                .and_then(|l| self.marker.parse(l))
            {
                Some(Mark::Started) => self.started = true,
                Some(Mark::Exit(code)) => self.exit = Some(code),
                Some(Mark::Notify(message)) => self.notices.push(message),
                None => {
                    line.push(b'\n');
                    printed.extend(line);
                }
            }
        }
        // A partial line goes out now, but for an end that may begin a mark.
        let keep = (1..prefix.len().min(self.pending.len() + 1))
            .rev()
            .find(|&n| self.pending.ends_with(&prefix[..n]))
            .unwrap_or(0);
        let out = self.pending.len() - keep;
        printed.extend(self.pending.drain(..out));
        printed
    }

    fn finish(&mut self) {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.feed(&rest);
            if !self.pending.is_empty() {
                Self::print(&std::mem::take(&mut self.pending));
            }
        }
    }
}

/// Relays a notify message of the command's to systemd (its relayable
/// fields); whether it said READY=1.
fn relay(systemd: &Systemd, message: &[u8]) -> bool {
    let text = String::from_utf8_lossy(message);
    let lines: Vec<&str> = text.lines().filter(|l| relayable(l)).collect();
    if !lines.is_empty() {
        systemd.notify(&lines.join("\n"));
    }
    lines.contains(&"READY=1")
}

/// Whether a relayed notify message may go to systemd: not the fields
/// about processes and fds, which are the runner's to say.
fn relayable(line: &str) -> bool {
    !["MAINPID=", "FDSTORE", "FDNAME=", "FDPOLL=", "BARRIER="]
        .iter()
        .any(|p| line.starts_with(p))
}

/// Runs the service; returns its exit status (143 when SIGTERM stopped
/// it: the unit's `SuccessExitStatus=`).
pub fn run(context: &ContextService, notify: bool, stop_timeout: Duration) -> Result<u8, String> {
    let name = context.name().map_err(|e| e.message().to_owned())?;
    let systemd = Systemd::from_env()?;
    let mut signals = SigSet::empty();
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        signals.add(signal);
    }
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&signals), None)
        .map_err(|e| format!("sigprocmask: {e}"))?;
    let sigfd = SignalFd::with_flags(&signals, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|e| format!("signalfd: {e}"))?;
    // systemd's socket-activation fds (a unit with a .socket), for the
    // command; libvirt has its own copies once the domain started.
    let listen = ListenFds::from_env().map_err(|e| e.message().to_owned())?;
    let fg = context
        .start_foreground_with(&listen)
        .map_err(|e| format!("cannot start the service '{name}': {}", e.message()))?;
    drop(listen);
    let mut output = Output {
        marker: fg.marker.clone(),
        pending: Vec::new(),
        started: false,
        exit: None,
        notices: Vec::new(),
    };
    let mut ready_said = false;
    let mut stopping: Option<Instant> = None;
    let mut output_open = true;
    let mut output_end: Option<Instant> = None;
    let mut buf = vec![0u8; 64 * 1024];
    let destroyed = loop {
        if output.started && !notify && !ready_said {
            systemd.notify("READY=1\nSTATUS=running");
            ready_said = true;
        }
        let mut fds = vec![PollFd::new(sigfd.as_fd(), PollFlags::POLLIN)];
        if output_open {
            fds.push(PollFd::new(fg.output.as_fd(), PollFlags::POLLIN));
        }
        if let Some(socket) = &fg.notify {
            fds.push(PollFd::new(socket.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::from(200u16)) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(format!("poll: {e}")),
        }
        let ready: Vec<bool> = fds
            .iter()
            .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
            .collect();
        drop(fds);
        let mut next = 1;
        if output_open {
            if ready[next] {
                match nix::unistd::read(&fg.output, &mut buf) {
                    Ok(0) | Err(Errno::EIO) => {
                        output_open = false;
                        output_end = Some(Instant::now());
                        output.finish();
                    }
                    Ok(n) => output.feed(&buf[..n]),
                    Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(format!("cannot read the service's output: {e}")),
                }
            }
            next += 1;
        }
        // A VM's notify messages, in the order the command sent them.
        for message in std::mem::take(&mut output.notices) {
            ready_said |= relay(&systemd, &message);
        }
        if let Some(socket) = &fg.notify
            && ready[next]
        {
            let mut message = [0u8; 4096];
            while let Ok(n) = socket.recv(&mut message) {
                ready_said |= relay(&systemd, &message[..n]);
            }
        }
        if ready[0] {
            while let Ok(Some(info)) = sigfd.read_signal() {
                let _ = info;
                if stopping.is_none() {
                    systemd.notify("STOPPING=1");
                    stopping = Some(Instant::now());
                    if let Err(e) = context.ask_stop() {
                        eprintln!("virt-sandbox-service: {}", e.message());
                    }
                }
            }
        }
        let active = context.is_running().unwrap_or(false);
        if !active && (!output_open || output.exit.is_some()) {
            break false;
        }
        if let Some(since) = stopping
            && since.elapsed() > stop_timeout
        {
            let base: &Context = context.upcast_ref();
            if let Err(e) = base.stop() {
                eprintln!("virt-sandbox-service: {}", e.message());
            }
            break true;
        }
        if output_end.is_some_and(|end| end.elapsed() > END_WAIT) {
            let base: &Context = context.upcast_ref();
            let _ = base.stop();
            break true;
        }
    };
    output.finish();
    if let Some(max) = fg.task_limit_reached() {
        eprintln!("virt-sandbox-service: the service '{name}' reached its task limit ({max})");
    }
    match output.exit {
        Some(code) => Ok(code),
        None if destroyed => Err(format!(
            "the service '{name}' did not stop within {}s of SIGTERM: its domain was destroyed",
            stop_timeout.as_secs()
        )),
        None => Err(format!(
            "the service '{name}' ended without an exit status (its domain was stopped from \
             outside)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARK: &str = "libvirt-sandbox-init: service 00ff ";

    fn output() -> Output {
        Output {
            marker: Marker::from_secret("00ff"),
            pending: Vec::new(),
            started: false,
            exit: None,
            notices: Vec::new(),
        }
    }

    #[test]
    fn marks_are_taken_out_even_in_the_middle_of_a_line() {
        let mut o = output();
        let mut out = o.take(b"setup\r\n");
        out.extend(o.take(format!("{MARK}started\r\npartial ").as_bytes()));
        out.extend(o.take(format!("{MARK}notify 52454144593d31\n").as_bytes()));
        out.extend(o.take(b"line\n"));
        assert!(o.started);
        assert_eq!(o.notices, vec![b"READY=1".to_vec()]);
        assert_eq!(String::from_utf8(out).unwrap(), "setup\npartial line\n");
    }

    #[test]
    fn a_mark_split_over_reads_waits_and_forgeries_are_output() {
        let mut o = output();
        let mark = format!("x{MARK}exit 3\n");
        let mut out = Vec::new();
        for b in mark.as_bytes() {
            out.extend(o.take(&[*b]));
        }
        assert_eq!(o.exit, Some(3));
        assert_eq!(out, b"x");
        // A wrong secret, a mark the init never writes: output as it is.
        let forged = "libvirt-sandbox-init: service 00fe notify 52454144593d31\n";
        assert_eq!(o.take(forged.as_bytes()), forged.as_bytes());
        let odd = format!("{MARK}notify zz\n");
        assert_eq!(o.take(odd.as_bytes()), odd.as_bytes());
        assert!(o.notices.is_empty());
        // An end that may begin a mark waits; finish lets it out.
        assert_eq!(o.take(b"tail libvirt-sand"), b"tail ");
        assert_eq!(o.pending, b"libvirt-sand");
    }
}
