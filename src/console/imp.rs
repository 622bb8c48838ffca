// SPDX-License-Identifier: LGPL-2.1-or-later
//! Private state of `GVirSandboxConsole` and the I/O engine shared by the raw
//! and RPC consoles.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::rc::Rc;
use std::sync::LazyLock;
use std::time::Duration;

use glib::prelude::*;
use glib::subclass::Signal;
use glib::subclass::prelude::*;
use glib::thread_guard::ThreadGuard;
use glib::{ControlFlow, IOCondition};
use nix::errno::Errno;
use nix::sys::termios::{self, SetArg, Termios};

use super::channel::{Candidate, ChannelAuth, PeerCred, Step};
use super::pty;
use crate::capi::gvir::{Connection, Domain};
use crate::error::{SandboxError, error};
use sandbox_init::protocol::{self, Message};

/// Bytes read from the pty or the local stdin at a time.
const CHUNK: usize = 64 * 1024;
/// How often the host repeats its handshake byte until the guest answers.
const HANDSHAKE_INTERVAL: Duration = Duration::from_millis(50);
/// Most unauthenticated connections to the channel socket at once; a newer
/// one pushes out the oldest.
const MAX_CANDIDATES: usize = 16;

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
    /// The guest's end: the console pty, or the channel socket once a
    /// peer authenticated on it (none until then).
    pty: Option<OwnedFd>,
    /// The source reading `pty`.
    pty_source: Option<glib::Source>,
    /// The channel socket, until a peer authenticated on it.
    pending: Option<Pending>,
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

/// A channel socket no peer authenticated on yet (see [`super::channel`]).
struct Pending {
    listener: UnixListener,
    listener_source: glib::Source,
    auth: Rc<ChannelAuth>,
    /// A container's console pty: watched only to learn that the sandbox
    /// ended (nothing read from it is trusted).
    console: Option<(OwnedFd, glib::Source)>,
    candidates: Vec<(u64, Candidate, glib::Source)>,
    next_id: u64,
    /// Why the last peer was dropped.
    refused: Option<String>,
}

impl Pending {
    fn destroy_sources(&self) {
        self.listener_source.destroy();
        for (_, _, source) in &self.candidates {
            source.destroy();
        }
        if let Some((_, source)) = &self.console {
            source.destroy();
        }
    }
}

pub struct Console {
    pub(crate) connection: RefCell<Option<Connection>>,
    pub(crate) domain: RefCell<Option<Domain>>,
    pub(crate) devname: RefCell<Option<String>>,
    pub(crate) escape: Cell<i8>,
    pub(crate) direct: Cell<bool>,
    pub(crate) session: RefCell<Option<Session>>,
    /// A listening socket the guest connects to for the app channel (faster
    /// than libvirt's console relay), and what its peer must prove; the
    /// console pty then only tells when the sandbox ended before connecting.
    pub(crate) channel: RefCell<Option<(UnixListener, Rc<ChannelAuth>)>>,
    /// The credentials of the channel's authenticated peer.
    pub(crate) peer: Cell<Option<PeerCred>>,
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
            peer: Cell::default(),
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
        let channel = self
            .channel
            .borrow()
            .as_ref()
            .map(|(listener, auth)| {
                listener
                    .try_clone()
                    .map(|listener| (listener, auth.clone()))
                    .map_err(|e| {
                        error(
                            SandboxError::Io,
                            format!("cannot use the console channel socket: {e}"),
                        )
                    })
            })
            .transpose()?;
        // With a channel, the console pty (a container's; a VM's channel
        // has no console device) only tells when the sandbox ended.
        let (pty, console) = match &channel {
            None => (Some(pty::open_raw(&self.pty_path()?)?), None),
            Some(_) => match self.pty_path() {
                Ok(path) => (None, Some(pty::open_raw(&path)?)),
                Err(_) => (None, None),
            },
        };
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
        let pty_source = pty.as_ref().map(|pty| {
            self.watch(
                pty.as_raw_fd(),
                IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
                Self::on_pty_readable,
            )
        });
        let pending = channel.map(|(listener, auth)| Pending {
            listener_source: self.watch(
                listener.as_raw_fd(),
                IOCondition::IN,
                Self::on_channel_connect,
            ),
            listener,
            auth,
            console: console.map(|fd| {
                let source = self.watch(
                    fd.as_raw_fd(),
                    IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
                    Self::on_console_readable,
                );
                (fd, source)
            }),
            candidates: Vec::new(),
            next_id: 0,
            refused: None,
        });
        let has_channel = pending.is_some();
        let has_console = pending.as_ref().is_some_and(|p| p.console.is_some());
        let mut session = Session {
            pty,
            pty_source,
            pending,
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
        // In RPC mode stdin is read only once the handshake is done.
        if let (Some(fd), false) = (stdin_fd, is_rpc) {
            session.sources.push(self.watch(
                fd,
                IOCondition::IN | IOCondition::HUP,
                Self::on_stdin_readable,
            ));
        }
        *self.session.borrow_mut() = Some(session);

        if has_channel {
            // Whoever connected already (a VM's QEMU connected when the
            // sandbox started) is a candidate right away.
            self.accept_candidates();
            if self.no_candidates() && !has_console {
                self.detach();
                return Err(error(
                    SandboxError::Io,
                    "the sandbox did not connect to its console channel",
                ));
            }
        } else if is_rpc {
            self.start_handshake();
        }
        Ok(())
    }

    /// Connections arrived on the channel socket.
    fn on_channel_connect(&self, _cond: IOCondition) -> ControlFlow {
        self.accept_candidates()
    }

    /// Accepts every waiting connection to the channel socket as a
    /// candidate and starts the handshake with it.
    fn accept_candidates(&self) -> ControlFlow {
        loop {
            let accepted = {
                let session = self.session.borrow();
                let Some(pending) = session.as_ref().and_then(|s| s.pending.as_ref()) else {
                    return ControlFlow::Break;
                };
                pending.listener.accept()
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    return ControlFlow::Continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.report(&format!(
                        "libvirt-sandbox: cannot accept the sandbox's console connection: {e}\n"
                    ));
                    self.finish(true);
                    return ControlFlow::Break;
                }
            };
            let candidate = match Candidate::new(stream) {
                Ok(c) => c,
                Err(e) => {
                    glib::g_debug!("LibvirtSandbox", "console channel: dropped a peer: {e}");
                    continue;
                }
            };
            if let Err(e) = candidate.send(&[protocol::HANDSHAKE_WAIT]) {
                glib::g_debug!("LibvirtSandbox", "console channel: dropped a peer: {e}");
                continue;
            }
            let fd = candidate.stream().as_raw_fd();
            let mut session = self.session.borrow_mut();
            let Some(pending) = session.as_mut().and_then(|s| s.pending.as_mut()) else {
                return ControlFlow::Break;
            };
            let id = pending.next_id;
            pending.next_id += 1;
            glib::g_debug!(
                "LibvirtSandbox",
                "console channel: peer {id} connected ({:?})",
                candidate.cred()
            );
            if pending.candidates.len() >= MAX_CANDIDATES {
                let (old, _, source) = pending.candidates.remove(0);
                source.destroy();
                glib::g_debug!(
                    "LibvirtSandbox",
                    "console channel: dropped peer {old}: too many peers"
                );
            }
            let source = self.watch_candidate(fd, id);
            pending.candidates.push((id, candidate, source));
            if session
                .as_ref()
                .is_some_and(|s| s.handshake_source.is_none())
            {
                drop(session);
                self.start_handshake_timer();
            }
        }
    }

    fn watch_candidate(&self, fd: RawFd, id: u64) -> glib::Source {
        let weak = ThreadGuard::new(self.obj().downgrade());
        let source = glib_unix::fd_source_new(
            fd,
            IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
            None,
            glib::Priority::DEFAULT,
            move |_, _| match weak.get_ref().upgrade() {
                Some(console) => console.imp().on_candidate_readable(id),
                None => ControlFlow::Break,
            },
        );
        source.attach(None);
        source
    }

    /// A candidate sent something (or hung up).
    fn on_candidate_readable(&self, id: u64) -> ControlFlow {
        let step = {
            let mut session = self.session.borrow_mut();
            let Some(pending) = session.as_mut().and_then(|s| s.pending.as_mut()) else {
                return ControlFlow::Break;
            };
            let auth = pending.auth.clone();
            let Some((_, candidate, _)) = pending.candidates.iter_mut().find(|c| c.0 == id) else {
                return ControlFlow::Break;
            };
            candidate.readable(&auth)
        };
        match step {
            Step::Continue => ControlFlow::Continue,
            Step::Refused(why) => {
                self.refuse(id, why);
                ControlFlow::Break
            }
            Step::Failed(e) => {
                self.report(&format!("libvirt-sandbox: {}\n", e.message()));
                self.finish(true);
                ControlFlow::Break
            }
            Step::Authenticated(rest) => {
                self.promote(id, rest);
                ControlFlow::Break
            }
        }
    }

    /// Drops a candidate; reported in debug output only, since anyone who
    /// can reach the socket can cause it. Without a console pty to watch
    /// (a VM's channel) the console ends once no peer is left.
    fn refuse(&self, id: u64, why: String) {
        let left = {
            let mut session = self.session.borrow_mut();
            let Some(pending) = session.as_mut().and_then(|s| s.pending.as_mut()) else {
                return;
            };
            if let Some(index) = pending.candidates.iter().position(|c| c.0 == id) {
                let (_, candidate, source) = pending.candidates.remove(index);
                source.destroy();
                glib::g_debug!(
                    "LibvirtSandbox",
                    "console channel: dropped peer {id} ({:?}): {why}",
                    candidate.cred()
                );
            }
            pending.refused = Some(why.clone());
            !pending.candidates.is_empty() || pending.console.is_some()
        };
        if left {
            return;
        }
        if let ControlFlow::Break = self.accept_candidates() {
            return;
        }
        if self.no_candidates() {
            self.report(&format!(
                "libvirt-sandbox: the sandbox's console channel refused its only peer: {why}\n"
            ));
            self.finish(true);
        }
    }

    /// Whether the channel is still unauthenticated and nobody is left
    /// connected to it to try.
    fn no_candidates(&self) -> bool {
        self.session
            .borrow()
            .as_ref()
            .and_then(|s| s.pending.as_ref())
            .is_some_and(|p| p.candidates.is_empty())
    }

    /// A candidate authenticated: it becomes the guest's end, everything
    /// else on the socket is dropped, and the session starts.
    fn promote(&self, id: u64, rest: Vec<Message>) {
        let (fd, cred, auth) = {
            let mut session = self.session.borrow_mut();
            let Some(s) = session.as_mut() else { return };
            let Some(mut pending) = s.pending.take() else {
                return;
            };
            pending.destroy_sources();
            let Some(index) = pending.candidates.iter().position(|c| c.0 == id) else {
                return;
            };
            let (_, candidate, _) = pending.candidates.swap_remove(index);
            let (stream, decoder, cred) = candidate.into_parts();
            let fd = OwnedFd::from(stream);
            let raw = fd.as_raw_fd();
            s.pty = Some(fd);
            if let Some(rpc) = s.rpc.as_mut() {
                rpc.decoder = decoder;
                rpc.handshake = Handshake::Running;
            }
            (raw, cred, pending.auth.clone())
            // `pending` (the listener, the other candidates, the console
            // pty) is dropped here.
        };
        auth.authenticated();
        glib::g_debug!(
            "LibvirtSandbox",
            "console channel: peer {id} authenticated ({cred:?})"
        );
        self.peer.set(cred);
        let source = self.watch(
            fd,
            IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
            Self::on_pty_readable,
        );
        if let Some(s) = self.session.borrow_mut().as_mut() {
            s.pty_source = Some(source);
        }
        self.begin_session();
        for message in rest {
            if self.session.borrow().is_none() {
                return;
            }
            if let ControlFlow::Break = self.handle_message(message) {
                return;
            }
        }
    }

    /// The console pty of a container whose channel has no authenticated
    /// peer yet: its data is dropped (it is no channel), its end is the
    /// sandbox's.
    fn on_console_readable(&self, cond: IOCondition) -> ControlFlow {
        let mut buf = vec![0u8; CHUNK];
        let result = {
            let session = self.session.borrow();
            match session
                .as_ref()
                .and_then(|s| s.pending.as_ref())
                .and_then(|p| p.console.as_ref())
            {
                Some((fd, _)) => read_some(fd.as_fd(), &mut buf),
                None => return ControlFlow::Break,
            }
        };
        match result {
            Ok(n) if n > 0 => ControlFlow::Continue,
            Err(Errno::EAGAIN) if !cond.contains(IOCondition::HUP) => ControlFlow::Continue,
            _ => {
                self.guest_hung_up();
                ControlFlow::Break
            }
        }
    }

    /// Sends WAIT now and every HANDSHAKE_INTERVAL until the guest answers.
    fn start_handshake(&self) {
        self.send_to_guest(&[protocol::HANDSHAKE_WAIT]);
        self.start_handshake_timer();
    }

    /// Repeats WAIT every HANDSHAKE_INTERVAL: to the pty until the guest
    /// answers, to the channel's candidates until one authenticated.
    fn start_handshake_timer(&self) {
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
        if let Some(pending) = self
            .session
            .borrow()
            .as_ref()
            .and_then(|s| s.pending.as_ref())
        {
            for (_, candidate, _) in &pending.candidates {
                if candidate.awaits_sync() {
                    // A peer that is gone is dropped when its source sees it.
                    let _ = candidate.send(&[protocol::HANDSHAKE_WAIT]);
                }
            }
            return ControlFlow::Continue;
        }
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
            let fd = self
                .session
                .borrow()
                .as_ref()
                .and_then(|s| s.pty.as_ref().map(|pty| pty.as_raw_fd()));
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
        let Some(pty) = &s.pty else {
            // No guest end yet: nothing may be sent to anyone.
            s.to_guest.clear();
            return true;
        };
        while !s.to_guest.is_empty() {
            let (front, _) = s.to_guest.as_slices();
            match nix::unistd::write(pty, front) {
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
        let result = match self.session.borrow().as_ref().and_then(|s| s.pty.as_ref()) {
            Some(pty) => read_some(pty.as_fd(), &mut buf),
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
            self.begin_session();
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

    /// The guest is known: it gets the terminal size and the local input.
    fn begin_session(&self) {
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
            // A channel's AUTH was checked before the session began; a
            // console pty's cannot be (its guest is whoever holds the pty).
            Message::Auth(_) => {}
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
        let (clean, refused) = match self.session.borrow().as_ref() {
            Some(s) => (
                Some(
                    s.rpc
                        .as_ref()
                        .is_none_or(|r| r.handshake == Handshake::Finished),
                ),
                s.pending.as_ref().and_then(|p| p.refused.clone()),
            ),
            None => (None, None),
        };
        if clean == Some(false) {
            // A peer refused while none authenticated is likely the
            // sandbox's own init speaking another protocol: say why.
            let why = refused
                .map(|why| format!(" (its console channel refused a peer: {why})"))
                .unwrap_or_default();
            self.report(&format!(
                "libvirt-sandbox: the sandbox ended before its command reported an exit \
                 status{why}\n"
            ));
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
        if let Some(pending) = &session.pending {
            pending.destroy_sources();
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
