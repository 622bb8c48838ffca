// SPDX-License-Identifier: LGPL-2.1-or-later
//! Private state of `GVirSandboxConsole` and the I/O engine shared by the raw
//! and RPC consoles.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::sync::LazyLock;
use std::time::Duration;

use glib::prelude::*;
use glib::subclass::Signal;
use glib::subclass::prelude::*;
use glib::thread_guard::ThreadGuard;
use glib::{ControlFlow, IOCondition};
use nix::errno::Errno;
use nix::sys::termios::{self, SetArg, Termios};

use super::pty;
use crate::capi::gvir::{Connection, Domain};
use crate::error::{SandboxError, error};
use sandbox_init::protocol::{self, Message};

/// Bytes read from the pty or the local stdin at a time.
const CHUNK: usize = 64 * 1024;
/// How often the host repeats its handshake byte until the guest answers.
const HANDSHAKE_INTERVAL: Duration = Duration::from_millis(50);

/// Where the RPC handshake is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handshake {
    /// Sending WAIT until the guest answers SYNC.
    Waiting,
    /// Framed messages flow.
    Running,
    /// The exit status arrived; the rest is draining.
    Finished,
}

/// One attachment of a console to local file descriptors.
pub(crate) struct Session {
    /// The guest's end: the console pty, or the channel socket once the
    /// guest connected to it.
    pty: OwnedFd,
    /// The channel socket the guest connects to, until it has.
    listener: Option<UnixListener>,
    /// The source reading `pty`.
    pty_source: Option<glib::Source>,
    /// Our own duplicates of the caller's descriptors.
    stdin: Option<OwnedFd>,
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
    /// The local terminal's settings before it was put in raw mode.
    saved_termios: Option<Termios>,
    /// Bytes waiting to be written to the pty.
    to_guest: VecDeque<u8>,
    sources: Vec<glib::Source>,
    pty_out_source: Option<glib::Source>,
    handshake_source: Option<glib::SourceId>,
    /// Forwards SIGWINCH as WINSIZE messages (tty mode).
    winch_source: Option<glib::SourceId>,
    rpc: Option<RpcState>,
}

struct RpcState {
    handshake: Handshake,
    decoder: protocol::Decoder,
}

pub struct Console {
    pub(crate) connection: RefCell<Option<Connection>>,
    pub(crate) domain: RefCell<Option<Domain>>,
    pub(crate) devname: RefCell<Option<String>>,
    pub(crate) escape: Cell<i8>,
    pub(crate) direct: Cell<bool>,
    pub(crate) session: RefCell<Option<Session>>,
    /// A listening socket the guest connects to for the app channel (faster
    /// than libvirt's console relay); the console pty then only tells when
    /// the sandbox ended before connecting.
    pub(crate) channel: RefCell<Option<UnixListener>>,
}

impl Default for Console {
    fn default() -> Self {
        Self {
            connection: RefCell::default(),
            domain: RefCell::default(),
            devname: RefCell::default(),
            escape: Cell::new(b']' as i8),
            direct: Cell::new(false),
            session: RefCell::default(),
            channel: RefCell::default(),
        }
    }
}

/// Class struct; mirrors `struct _GVirSandboxConsoleClass` in the header.
/// New vfuncs consume `padding`.
#[repr(C)]
pub struct ConsoleClass {
    pub parent_class: glib::gobject_ffi::GObjectClass,
    pub padding: [glib::ffi::gpointer; 8],
}

unsafe impl ClassStruct for ConsoleClass {
    type Type = Console;
}

#[glib::object_subclass]
impl ObjectSubclass for Console {
    const NAME: &'static str = "GVirSandboxConsole";
    const ABSTRACT: bool = true;
    type Type = super::Console;
    type ParentType = glib::Object;
    type Class = ConsoleClass;
}

impl ObjectImpl for Console {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecObject::builder::<Connection>("connection")
                    .nick("Connection")
                    .blurb("The libvirt connection")
                    .construct_only()
                    .build(),
                glib::ParamSpecObject::builder::<Domain>("domain")
                    .nick("Domain")
                    .blurb("The sandbox's domain")
                    .construct_only()
                    .build(),
                glib::ParamSpecString::builder("devname")
                    .nick("Device name")
                    .blurb("The libvirt alias of the console device")
                    .construct_only()
                    .build(),
                glib::ParamSpecChar::builder("escape")
                    .nick("Escape")
                    .blurb("The escape character (Ctrl+it closes an interactive console)")
                    .minimum(0)
                    .maximum(127)
                    .default_value(b']' as i8)
                    .build(),
                glib::ParamSpecBoolean::builder("direct")
                    .nick("Direct")
                    .blurb("Accepted for compatibility; local consoles are always opened directly")
                    .build(),
            ]
        });
        PROPS.as_ref()
    }

    fn signals() -> &'static [Signal] {
        static SIGNALS: LazyLock<Vec<Signal>> = LazyLock::new(|| {
            vec![
                Signal::builder("closed")
                    .param_types([bool::static_type()])
                    .run_first()
                    .build(),
            ]
        });
        SIGNALS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        match pspec.name() {
            "connection" => *self.connection.borrow_mut() = value.get().expect("checked"),
            "domain" => *self.domain.borrow_mut() = value.get().expect("checked"),
            "devname" => *self.devname.borrow_mut() = value.get().expect("checked"),
            "escape" => self.escape.set(value.get().expect("checked")),
            "direct" => self.direct.set(value.get().expect("checked")),
            other => unreachable!("unknown property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "connection" => self.connection.borrow().to_value(),
            "domain" => self.domain.borrow().to_value(),
            "devname" => self.devname.borrow().to_value(),
            "escape" => self.escape.get().to_value(),
            "direct" => self.direct.get().to_value(),
            other => unreachable!("unknown property {other}"),
        }
    }

    fn dispose(&self) {
        self.detach();
    }
}

/// Writes all of `data` to `fd`, waiting while it would block (the local
/// stdout may be a non-blocking pipe). Errors end the console.
/// Accepts the connection already waiting on `listener`.
fn accept_now(listener: &UnixListener) -> crate::Result<OwnedFd> {
    let (stream, _) = listener.accept().map_err(|e| {
        error(
            SandboxError::Io,
            format!("the sandbox did not connect to its console channel: {e}"),
        )
    })?;
    stream.set_nonblocking(true).map_err(|e| {
        error(
            SandboxError::Io,
            format!("cannot set up the console channel: {e}"),
        )
    })?;
    Ok(OwnedFd::from(stream))
}

fn write_all(fd: &OwnedFd, mut data: &[u8]) -> nix::Result<()> {
    let bfd = fd.as_fd();
    while !data.is_empty() {
        match nix::unistd::write(bfd, data) {
            Ok(n) => data = &data[n..],
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                let mut fds = [nix::poll::PollFd::new(bfd, nix::poll::PollFlags::POLLOUT)];
                nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE)?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn read_some(fd: BorrowedFd<'_>, buf: &mut [u8]) -> nix::Result<usize> {
    loop {
        match nix::unistd::read(fd, buf) {
            Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}

impl Console {
    fn devname(&self) -> String {
        self.devname.borrow().clone().unwrap_or_default()
    }

    fn pty_path(&self) -> crate::Result<String> {
        let domain = self.domain.borrow().clone().ok_or_else(|| {
            error(
                SandboxError::NotRunning,
                "the console has no domain (is the sandbox running?)",
            )
        })?;
        let xml = domain.live_xml()?;
        pty::pty_path(&xml, &self.devname()).ok_or_else(|| {
            error(
                SandboxError::Unsupported,
                format!(
                    "the sandbox has no pty console '{}' (it may have ended already)",
                    self.devname()
                ),
            )
        })
    }

    pub(crate) fn attach(
        &self,
        stdin: Option<BorrowedFd<'_>>,
        stdout: Option<BorrowedFd<'_>>,
        stderr: Option<BorrowedFd<'_>>,
    ) -> crate::Result<()> {
        if self.session.borrow().is_some() {
            return Err(error(
                SandboxError::AlreadyRunning,
                "the console is already attached",
            ));
        }
        let dup = |fd: Option<BorrowedFd<'_>>| -> crate::Result<Option<OwnedFd>> {
            fd.map(|fd| {
                fd.try_clone_to_owned().map_err(|e| {
                    error(
                        SandboxError::Io,
                        format!("cannot duplicate a local descriptor: {e}"),
                    )
                })
            })
            .transpose()
        };
        let (stdin, stdout, stderr) = (dup(stdin)?, dup(stdout)?, dup(stderr)?);
        let listener = self
            .channel
            .borrow()
            .as_ref()
            .map(|l| {
                l.try_clone().map_err(|e| {
                    error(
                        SandboxError::Io,
                        format!("cannot use the console channel socket: {e}"),
                    )
                })
            })
            .transpose()?;
        // A channel with no console device (a VM's virtio-serial port): its
        // client (QEMU) connected when the sandbox started.
        let (pty, listener) = match (self.pty_path(), listener) {
            (Ok(path), listener) => (pty::open_raw(&path)?, listener),
            (Err(_), Some(listener)) => (accept_now(&listener)?, None),
            (Err(e), None) => return Err(e),
        };
        let accepted = self.channel.borrow().is_some() && listener.is_none();
        let is_rpc = self.obj().is::<super::ConsoleRpc>();

        // An interactive terminal goes raw so every key reaches the guest; it
        // is restored on detach.
        let saved_termios = match &stdin {
            Some(fd) if nix::unistd::isatty(fd).unwrap_or(false) => {
                let bfd = fd.as_fd();
                let saved = termios::tcgetattr(bfd).ok();
                if let Some(saved) = &saved {
                    let mut raw = saved.clone();
                    termios::cfmakeraw(&mut raw);
                    let _ = termios::tcsetattr(bfd, SetArg::TCSADRAIN, &raw);
                }
                saved
            }
            _ => None,
        };

        let stdin_fd = stdin.as_ref().map(|fd| fd.as_raw_fd());
        let listener_fd = listener.as_ref().map(|l| l.as_raw_fd());
        let mut session = Session {
            pty,
            listener,
            pty_source: None,
            stdin,
            stdout,
            stderr,
            saved_termios,
            to_guest: VecDeque::new(),
            sources: Vec::new(),
            pty_out_source: None,
            handshake_source: None,
            winch_source: None,
            rpc: is_rpc.then(|| RpcState {
                handshake: Handshake::Waiting,
                decoder: protocol::Decoder::new(),
            }),
        };
        let pty_fd = session.pty.as_raw_fd();
        session.pty_source = Some(self.watch(
            pty_fd,
            IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
            Self::on_pty_readable,
        ));
        if let Some(fd) = listener_fd {
            session
                .sources
                .push(self.watch(fd, IOCondition::IN, Self::on_channel_connect));
        }
        // In RPC mode stdin is read only once the handshake is done.
        if let (Some(fd), false) = (stdin_fd, is_rpc) {
            session.sources.push(self.watch(
                fd,
                IOCondition::IN | IOCondition::HUP,
                Self::on_stdin_readable,
            ));
        }
        *self.session.borrow_mut() = Some(session);

        // With a channel socket the handshake starts once the guest connected.
        if is_rpc && (listener_fd.is_none() || accepted) {
            self.start_handshake();
        }
        Ok(())
    }

    /// The guest connected to the channel socket: it replaces the pty.
    fn on_channel_connect(&self, _cond: IOCondition) -> ControlFlow {
        let accepted = {
            let session = self.session.borrow();
            let Some(listener) = session.as_ref().and_then(|s| s.listener.as_ref()) else {
                return ControlFlow::Break;
            };
            listener.accept()
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return ControlFlow::Continue,
            Err(e) => {
                self.report(&format!(
                    "libvirt-sandbox: cannot accept the sandbox's console connection: {e}\n"
                ));
                self.finish(true);
                return ControlFlow::Break;
            }
        };
        if let Err(e) = stream.set_nonblocking(true) {
            self.report(&format!("libvirt-sandbox: console channel: {e}\n"));
            self.finish(true);
            return ControlFlow::Break;
        }
        let fd = stream.as_raw_fd();
        let source = self.watch(
            fd,
            IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
            Self::on_pty_readable,
        );
        if let Some(s) = self.session.borrow_mut().as_mut() {
            if let Some(old) = s.pty_source.replace(source) {
                old.destroy();
            }
            s.pty = OwnedFd::from(stream);
            s.listener = None;
        }
        self.start_handshake();
        ControlFlow::Break
    }

    /// Sends WAIT now and every HANDSHAKE_INTERVAL until the guest answers.
    fn start_handshake(&self) {
        self.send_to_guest(&[protocol::HANDSHAKE_WAIT]);
        let weak = ThreadGuard::new(self.obj().downgrade());
        let id = glib::timeout_add_local(HANDSHAKE_INTERVAL, move || {
            let Some(console) = weak.get_ref().upgrade() else {
                return ControlFlow::Break;
            };
            console.imp().resend_wait()
        });
        if let Some(s) = self.session.borrow_mut().as_mut() {
            s.handshake_source = Some(id);
        }
    }

    fn watch(
        &self,
        fd: RawFd,
        condition: IOCondition,
        handler: fn(&Self, IOCondition) -> ControlFlow,
    ) -> glib::Source {
        let weak = ThreadGuard::new(self.obj().downgrade());
        let source = glib_unix::fd_source_new(
            fd,
            condition,
            None,
            glib::Priority::DEFAULT,
            move |_, cond| match weak.get_ref().upgrade() {
                Some(console) => handler(console.imp(), cond),
                None => ControlFlow::Break,
            },
        );
        source.attach(None);
        source
    }

    fn resend_wait(&self) -> ControlFlow {
        let waiting = self
            .session
            .borrow()
            .as_ref()
            .and_then(|s| s.rpc.as_ref())
            .is_some_and(|r| r.handshake == Handshake::Waiting);
        if waiting {
            self.send_to_guest(&[protocol::HANDSHAKE_WAIT]);
            ControlFlow::Continue
        } else {
            if let Some(s) = self.session.borrow_mut().as_mut() {
                s.handshake_source = None;
            }
            ControlFlow::Break
        }
    }

    /// Queues bytes for the guest and writes what the pty takes now.
    fn send_to_guest(&self, data: &[u8]) {
        let mut need_watch = false;
        if let Some(s) = self.session.borrow_mut().as_mut() {
            s.to_guest.extend(data);
            need_watch = !Self::flush_to_guest(s) && s.pty_out_source.is_none();
        }
        if need_watch {
            let fd = self.session.borrow().as_ref().map(|s| s.pty.as_raw_fd());
            if let Some(fd) = fd {
                let source = self.watch(fd, IOCondition::OUT, Self::on_pty_writable);
                if let Some(s) = self.session.borrow_mut().as_mut() {
                    s.pty_out_source = Some(source);
                }
            }
        }
    }

    /// Writes queued bytes; true when the queue is empty.
    fn flush_to_guest(s: &mut Session) -> bool {
        while !s.to_guest.is_empty() {
            let (front, _) = s.to_guest.as_slices();
            match nix::unistd::write(&s.pty, front) {
                Ok(n) => {
                    s.to_guest.drain(..n);
                }
                Err(Errno::EINTR) => {}
                Err(_) => return false,
            }
        }
        true
    }

    fn on_pty_writable(&self, _cond: IOCondition) -> ControlFlow {
        let mut s = self.session.borrow_mut();
        let Some(s) = s.as_mut() else {
            return ControlFlow::Break;
        };
        if Self::flush_to_guest(s) {
            s.pty_out_source = None;
            ControlFlow::Break
        } else {
            ControlFlow::Continue
        }
    }

    fn on_stdin_readable(&self, _cond: IOCondition) -> ControlFlow {
        let mut buf = vec![0u8; CHUNK];
        let (result, is_tty, is_rpc) = match self.session.borrow().as_ref() {
            Some(Session {
                stdin: Some(fd),
                saved_termios,
                rpc,
                ..
            }) => (
                read_some(fd.as_fd(), &mut buf),
                saved_termios.is_some(),
                rpc.is_some(),
            ),
            _ => return ControlFlow::Break,
        };
        let n = match result {
            Ok(n) => n,
            Err(Errno::EAGAIN) => return ControlFlow::Continue,
            Err(_) => 0, // treat an unreadable stdin as end of input
        };
        buf.truncate(n);
        if is_tty && buf.first() == Some(&((self.escape.get() as u8) ^ 0x40)) {
            self.finish(false);
            return ControlFlow::Break;
        }
        if is_rpc {
            // An empty STDIN message tells the guest the input ended.
            self.send_to_guest(&Message::Stdin(buf.clone()).encode());
        } else if n > 0 {
            self.send_to_guest(&buf);
        }
        if n == 0 {
            if let Some(s) = self.session.borrow_mut().as_mut() {
                s.stdin = None;
            }
            ControlFlow::Break
        } else {
            ControlFlow::Continue
        }
    }

    fn on_pty_readable(&self, cond: IOCondition) -> ControlFlow {
        let mut buf = vec![0u8; CHUNK];
        let result = match self.session.borrow().as_ref() {
            Some(s) => read_some(s.pty.as_fd(), &mut buf),
            None => return ControlFlow::Break,
        };
        let n = match result {
            Ok(n) => n,
            Err(Errno::EAGAIN) if !cond.contains(IOCondition::HUP) => return ControlFlow::Continue,
            // EIO: the guest side of the pty closed (the sandbox ended).
            Err(_) => 0,
        };
        if n == 0 {
            self.guest_hung_up();
            return ControlFlow::Break;
        }
        buf.truncate(n);
        let is_rpc = self
            .session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.rpc.is_some());
        if is_rpc {
            self.rpc_input(&buf)
        } else {
            self.raw_output(&buf)
        }
    }

    /// Writes to the local stdout (or stderr when that is all there is).
    fn write_local(&self, to_stderr: bool, data: &[u8]) -> nix::Result<()> {
        let session = self.session.borrow();
        let Some(s) = session.as_ref() else {
            return Ok(());
        };
        let fd = if to_stderr {
            s.stderr.as_ref().or(s.stdout.as_ref())
        } else {
            s.stdout.as_ref().or(s.stderr.as_ref())
        };
        fd.map_or(Ok(()), |fd| write_all(fd, data))
    }

    fn raw_output(&self, data: &[u8]) -> ControlFlow {
        if self.write_local(false, data).is_err() {
            self.finish(true);
            return ControlFlow::Break;
        }
        ControlFlow::Continue
    }

    fn rpc_input(&self, mut data: &[u8]) -> ControlFlow {
        let handshake = self
            .session
            .borrow()
            .as_ref()
            .and_then(|s| s.rpc.as_ref().map(|r| r.handshake));
        if handshake == Some(Handshake::Waiting) {
            // Anything before the guest's SYNC is noise (echoes of our WAITs
            // while its end was still in cooked mode).
            let Some(pos) = data.iter().position(|&b| b == protocol::HANDSHAKE_SYNC) else {
                return ControlFlow::Continue;
            };
            data = &data[pos + 1..];
            self.set_handshake(Handshake::Running);
            self.send_to_guest(&[protocol::HANDSHAKE_SYNC]);
            self.send_window_size();
            let stdin = self
                .session
                .borrow()
                .as_ref()
                .and_then(|s| s.stdin.as_ref().map(|f| f.as_raw_fd()));
            match stdin {
                Some(fd) => {
                    let source = self.watch(
                        fd,
                        IOCondition::IN | IOCondition::HUP,
                        Self::on_stdin_readable,
                    );
                    if let Some(s) = self.session.borrow_mut().as_mut() {
                        s.sources.push(source);
                    }
                }
                // No local input: tell the guest right away.
                None => self.send_to_guest(&Message::Stdin(Vec::new()).encode()),
            }
        }
        let messages = {
            let mut session = self.session.borrow_mut();
            let Some(rpc) = session.as_mut().and_then(|s| s.rpc.as_mut()) else {
                return ControlFlow::Break;
            };
            rpc.decoder.feed(data)
        };
        let messages = match messages {
            Ok(m) => m,
            Err(e) => {
                self.report(&format!("libvirt-sandbox: console protocol error: {e}\n"));
                self.finish(true);
                return ControlFlow::Break;
            }
        };
        for message in messages {
            if self.session.borrow().is_none() {
                return ControlFlow::Break;
            }
            if let ControlFlow::Break = self.handle_message(message) {
                return ControlFlow::Break;
            }
        }
        ControlFlow::Continue
    }

    /// Tells the guest the local terminal's size (tty mode only): now, and
    /// again on every SIGWINCH while attached.
    fn send_window_size(&self) {
        let size = {
            let session = self.session.borrow();
            let Some(s) = session.as_ref() else { return };
            if s.saved_termios.is_none() {
                return; // not a terminal
            }
            s.stdin
                .as_ref()
                .and_then(|fd| sandbox_init::terminal::window_size(fd.as_fd()))
        };
        if let Some((rows, cols)) = size {
            self.send_to_guest(&Message::WinSize(rows, cols).encode());
        }
        let watching = self
            .session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.winch_source.is_some());
        if !watching && size.is_some() {
            let weak = ThreadGuard::new(self.obj().downgrade());
            let id = glib_unix::unix_signal_add_local(nix::libc::SIGWINCH, move || {
                match weak.get_ref().upgrade() {
                    Some(console) => {
                        console.imp().send_window_size();
                        ControlFlow::Continue
                    }
                    None => ControlFlow::Break,
                }
            });
            if let Some(s) = self.session.borrow_mut().as_mut() {
                s.winch_source = Some(id);
            }
        }
    }

    fn report(&self, text: &str) {
        let _ = self.write_local(true, text.as_bytes());
    }

    fn set_handshake(&self, state: Handshake) {
        if let Some(rpc) = self
            .session
            .borrow_mut()
            .as_mut()
            .and_then(|s| s.rpc.as_mut())
        {
            rpc.handshake = state;
        }
    }

    fn handle_message(&self, message: Message) -> ControlFlow {
        match message {
            Message::Stdout(data) => {
                if self.write_local(false, &data).is_err() {
                    self.finish(true);
                    return ControlFlow::Break;
                }
            }
            Message::Stderr(data) => {
                if self.write_local(true, &data).is_err() {
                    self.finish(true);
                    return ControlFlow::Break;
                }
            }
            Message::Hello(version) if version == protocol::VERSION => {}
            Message::Hello(version) => {
                self.report(&format!(
                    "libvirt-sandbox: {}\n",
                    protocol::ProtocolError::VersionMismatch(version)
                ));
                self.finish(true);
                return ControlFlow::Break;
            }
            Message::Error(text) => self.report(&format!("libvirt-sandbox: {text}\n")),
            Message::Exit(status) => {
                self.set_handshake(Handshake::Finished);
                self.obj().emit_by_name::<()>("exited", &[&status]);
                // Everything the command wrote came before its exit status, so
                // the session is complete: release the guest and close.
                self.send_to_guest(&Message::Quit.encode());
                if let Some(s) = self.session.borrow_mut().as_mut() {
                    Self::flush_to_guest(s);
                }
                self.finish(false);
                return ControlFlow::Break;
            }
            other => {
                self.report(&format!(
                    "libvirt-sandbox: unexpected message from the guest: {other:?}\n"
                ));
                self.finish(true);
                return ControlFlow::Break;
            }
        }
        ControlFlow::Continue
    }

    fn guest_hung_up(&self) {
        let clean = self.session.borrow().as_ref().map(|s| {
            s.rpc
                .as_ref()
                .is_none_or(|r| r.handshake == Handshake::Finished)
        });
        if clean == Some(false) {
            self.report(
                "libvirt-sandbox: the sandbox ended before its command reported an exit status\n",
            );
        }
        self.finish(clean != Some(true));
    }

    /// Detaches and emits `closed`.
    fn finish(&self, failed: bool) {
        if self.session.borrow().is_none() {
            return;
        }
        self.detach();
        self.obj().emit_by_name::<()>("closed", &[&failed]);
    }

    pub(crate) fn detach(&self) {
        let Some(session) = self.session.borrow_mut().take() else {
            return;
        };
        for source in session.sources.iter().chain(&session.pty_source) {
            source.destroy();
        }
        if let Some(source) = &session.pty_out_source {
            source.destroy();
        }
        if let Some(id) = session.handshake_source {
            id.remove();
        }
        if let Some(id) = session.winch_source {
            id.remove();
        }
        if let (Some(fd), Some(saved)) = (&session.stdin, &session.saved_termios) {
            let _ = termios::tcsetattr(fd, SetArg::TCSADRAIN, saved);
        }
        // Dropping the session closes our end of the pty.
    }
}
