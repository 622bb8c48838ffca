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
use glib::subclass::prelude::*;
use glib::thread_guard::ThreadGuard;
use glib::{ControlFlow, IOCondition};
use nix::errno::Errno;
use nix::sys::termios::{self, SetArg, Termios};

use super::channel::{Candidate, ChannelAuth, PeerCred, Step};
use super::pty;
use crate::error::{SandboxError, error};
use crate::gvir::{Connection, Domain};
use sandbox_proto::protocol::{self, Message};

/// Bytes read from the pty or the local stdin at a time.
const CHUNK: usize = 64 * 1024;
/// How often the host repeats its handshake byte until the guest answers.
const HANDSHAKE_INTERVAL: Duration = Duration::from_millis(50);
/// Most unauthenticated connections to the channel socket at once; a newer
/// one pushes out the oldest.
const MAX_CANDIDATES: usize = 16;
/// Flow control, both ways: with this many bytes queued for the guest the
/// local stdin is not read, and with this many queued for the local
/// stdout/stderr the guest's end is not read (so a slow local reader slows
/// the guest down instead of filling the host's memory)...
const HIGH_WATER: usize = 1 << 20;
/// ...until the queue is down to this.
const LOW_WATER: usize = 256 * 1024;

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
    /// The source reading `pty`, while it is read.
    pty_source: Option<glib::Source>,
    /// Reading `pty` is held back: too much output waits for the local
    /// descriptors.
    guest_paused: bool,
    /// The channel socket, until a peer authenticated on it.
    pending: Option<Pending>,
    /// Our own duplicate of the caller's stdin, and our own non-blocking
    /// ways to its stdout and stderr.
    stdin: Option<OwnedFd>,
    stdout: Option<LocalOut>,
    stderr: Option<LocalOut>,
    /// The source reading `stdin`, while it is read.
    stdin_source: Option<glib::Source>,
    /// Reading `stdin` is held back: too much waits for the guest.
    stdin_paused: bool,
    /// The local terminal's settings before it was put in raw mode.
    saved_termios: Option<Termios>,
    /// Bytes waiting to be written to the pty.
    to_guest: VecDeque<u8>,
    /// Guest output waiting for the local descriptors, in arrival order.
    to_local: VecDeque<LocalChunk>,
    /// The memory `to_local` holds.
    to_local_bytes: usize,
    /// Waits until the descriptor (the raw fd) `to_local`'s head goes to
    /// takes more.
    local_out_source: Option<(RawFd, glib::Source)>,
    /// The guest is done (exit status, hang-up, error): once `to_local` is
    /// written, the console closes.
    closing: Option<Closing>,
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

/// How the console ends once the output queued for the local descriptors
/// is written.
#[derive(Debug, Clone, Copy)]
struct Closing {
    failed: bool,
    /// The command's exit status, reported (`exited`) after its output.
    exit: Option<i32>,
}

/// Guest output on its way to a local descriptor.
struct LocalChunk {
    to_stderr: bool,
    data: Vec<u8>,
    written: usize,
}

/// How a local output descriptor is written without ever blocking the
/// main loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutMode {
    /// write(2) says EAGAIN instead of blocking: a non-blocking open file
    /// description of our own (the caller's pipe or terminal, reopened), one
    /// that was non-blocking already, or a regular file or block device
    /// (which never waits for a reader).
    Direct,
    /// A socket: send(2) with MSG_DONTWAIT.
    Socket,
    /// A blocking pipe or terminal that could not be reopened: at most
    /// PIPE_BUF bytes a write, and only when poll(2) says there is room.
    Polled,
}

/// A local output descriptor (stdout, stderr) of our own.
struct LocalOut {
    fd: OwnedFd,
    mode: OutMode,
}

impl LocalOut {
    /// Our own way to write to the caller's `fd` that never blocks, without
    /// making the caller's descriptor (shared with its other users, e.g. a
    /// shell's terminal) non-blocking.
    fn new(fd: BorrowedFd<'_>) -> crate::Result<Self> {
        use nix::fcntl::{FcntlArg, OFlag, fcntl};
        use nix::sys::stat::{Mode, SFlag, fstat};
        let kind = fstat(fd)
            .ok()
            .map(|st| SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()));
        let flags = fcntl(fd, FcntlArg::F_GETFL)
            .map(OFlag::from_bits_truncate)
            .unwrap_or(OFlag::empty());
        let dup = |mode| {
            fd.try_clone_to_owned()
                .map(|fd| Self { fd, mode })
                .map_err(|e| {
                    error(
                        SandboxError::Io,
                        format!("cannot duplicate a local descriptor: {e}"),
                    )
                })
        };
        match kind {
            Some(SFlag::S_IFSOCK) => return dup(OutMode::Socket),
            Some(SFlag::S_IFREG | SFlag::S_IFBLK) => return dup(OutMode::Direct),
            _ if flags.contains(OFlag::O_NONBLOCK) => return dup(OutMode::Direct),
            Some(SFlag::S_IFIFO | SFlag::S_IFCHR) => {
                // A new open file description of the same pipe or terminal,
                // non-blocking for us alone.
                let reopened = nix::fcntl::open(
                    format!("/proc/self/fd/{}", fd.as_raw_fd()).as_str(),
                    OFlag::O_WRONLY
                        | OFlag::O_NOCTTY
                        | OFlag::O_CLOEXEC
                        | OFlag::O_NONBLOCK
                        | (flags & OFlag::O_APPEND),
                    Mode::empty(),
                );
                if let Ok(fd) = reopened {
                    return Ok(Self {
                        fd,
                        mode: OutMode::Direct,
                    });
                }
            }
            _ => {}
        }
        dup(OutMode::Polled)
    }

    /// Writes some of `data`; EAGAIN when the descriptor takes nothing now.
    fn write(&self, data: &[u8]) -> nix::Result<usize> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        match self.mode {
            OutMode::Direct => nix::unistd::write(&self.fd, data),
            OutMode::Socket => nix::sys::socket::send(
                self.fd.as_raw_fd(),
                data,
                nix::sys::socket::MsgFlags::MSG_DONTWAIT | nix::sys::socket::MsgFlags::MSG_NOSIGNAL,
            ),
            OutMode::Polled => {
                let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLOUT)];
                poll(&mut fds, PollTimeout::ZERO)?;
                if fds[0].revents().is_none_or(|r| r.is_empty()) {
                    return Err(Errno::EAGAIN);
                }
                // A pipe with room takes PIPE_BUF bytes without waiting (an
                // error, e.g. no reader left, shows on the write).
                nix::unistd::write(&self.fd, &data[..data.len().min(nix::libc::PIPE_BUF)])
            }
        }
    }
}

/// What writing the queued local output came to.
enum Flush {
    /// All written.
    Done,
    /// The descriptor (raw fd) the head goes to takes nothing now.
    Blocked(RawFd),
    /// A descriptor failed (e.g. its reader went away).
    Failed,
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
    /// Why the session ended without the command's exit status, when the
    /// guest's end closed first (see `Console::end_error`).
    pub(crate) end_error: RefCell<Option<glib::Error>>,
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
            end_error: RefCell::default(),
        }
    }
}

/// Instance struct; mirrors `struct _GVirSandboxConsole` in the header.
#[repr(C)]
pub struct ConsoleInstance {
    pub parent_instance: glib::gobject_ffi::GObject,
    /// The original's private pointer; NULL (see [`crate::abi`]).
    pub priv_: glib::ffi::gpointer,
}

unsafe impl InstanceStruct for ConsoleInstance {
    type Type = Console;
}

/// The `closed` signal's class handler slot.
pub type ClosedFn = unsafe extern "C" fn(*mut ConsoleInstance, glib::ffi::gboolean);
/// The `attach` virtual method.
pub type AttachFn = unsafe extern "C" fn(
    *mut ConsoleInstance,
    *mut gio_unix::ffi::GUnixInputStream,
    *mut gio_unix::ffi::GUnixOutputStream,
    *mut gio_unix::ffi::GUnixOutputStream,
    *mut *mut glib::ffi::GError,
) -> glib::ffi::gboolean;
/// The `detach` virtual method.
pub type DetachFn =
    unsafe extern "C" fn(*mut ConsoleInstance, *mut *mut glib::ffi::GError) -> glib::ffi::gboolean;

/// Class struct; mirrors `struct _GVirSandboxConsoleClass` in the header
/// (the original's layout: never reorder; new slots consume `padding`).
/// `closed` is the class closure of the `closed` signal (NULL by default);
/// `attach` and `detach` default to the built-in console
/// (`super::vfuncs::install_class`), and the entry points call
/// through them.
#[repr(C)]
pub struct ConsoleClass {
    pub parent_class: glib::gobject_ffi::GObjectClass,
    pub closed: Option<ClosedFn>,
    pub attach: Option<AttachFn>,
    pub detach: Option<DetachFn>,
    pub padding: [glib::ffi::gpointer; 20],
}

unsafe impl ClassStruct for ConsoleClass {
    type Type = Console;
}

crate::abi::assert_size!(ConsoleInstance, 32);
crate::abi::assert_size!(ConsoleClass, 320);
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::offset_of;
    assert!(offset_of!(ConsoleClass, closed) == 136);
    assert!(offset_of!(ConsoleClass, attach) == 144);
    assert!(offset_of!(ConsoleClass, detach) == 152);
};

#[glib::object_subclass]
impl ObjectSubclass for Console {
    const NAME: &'static str = "GVirSandboxConsole";
    const ABSTRACT: bool = true;
    type Type = super::Console;
    type ParentType = glib::Object;
    type Instance = ConsoleInstance;
    type Class = ConsoleClass;

    fn class_init(klass: &mut Self::Class) {
        super::vfuncs::install_class(klass);
    }
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

    /// Watches the guest's end (the console pty or the channel socket) for
    /// its messages and hang-up.
    fn watch_guest(&self, fd: RawFd) -> glib::Source {
        self.watch(
            fd,
            IOCondition::IN | IOCondition::HUP | IOCondition::ERR,
            Self::on_pty_readable,
        )
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
        let stdin = dup(stdin)?;
        let stdout = stdout.map(LocalOut::new).transpose()?;
        let stderr = stderr.map(LocalOut::new).transpose()?;
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
                saved.filter(|saved| {
                    let mut raw = saved.clone();
                    termios::cfmakeraw(&mut raw);
                    // Not raw: nothing to restore, and the user is told why
                    // keys behave as in a line-edited terminal.
                    termios::tcsetattr(bfd, SetArg::TCSADRAIN, &raw)
                        .map_err(|e| {
                            glib::g_warning!(
                                "LibvirtSandbox",
                                "cannot put the terminal in raw mode: {e}; keys reach the \
                                 sandbox a line at a time"
                            )
                        })
                        .is_ok()
                })
            }
            _ => None,
        };

        let pty_source = pty.as_ref().map(|pty| self.watch_guest(pty.as_raw_fd()));
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
        let session = Session {
            pty,
            pty_source,
            guest_paused: false,
            pending,
            stdin,
            stdout,
            stderr,
            stdin_source: None,
            stdin_paused: false,
            saved_termios,
            to_guest: VecDeque::new(),
            to_local: VecDeque::new(),
            to_local_bytes: 0,
            local_out_source: None,
            closing: None,
            pty_out_source: None,
            handshake_source: None,
            winch_source: None,
            rpc: is_rpc.then(|| RpcState {
                handshake: Handshake::Waiting,
                decoder: protocol::Decoder::new(),
            }),
        };
        *self.session.borrow_mut() = Some(session);
        // In RPC mode stdin is read only once the handshake is done.
        if !is_rpc {
            self.watch_stdin();
        }

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
                    self.close_after_drain(true, None);
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
                self.close_after_drain(true, None);
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
            self.close_after_drain(true, None);
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
        let source = self.watch_guest(fd);
        if let Some(s) = self.session.borrow_mut().as_mut() {
            s.pty_source = Some(source);
        }
        self.begin_session();
        for message in rest {
            if !self.is_running() {
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
        self.update_stdin_reading();
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
                Err(Errno::EAGAIN) => return false,
                // The guest's end is gone (its hang-up is seen by the
                // reader): what it will never read is dropped, so that
                // nobody waits for it to take more.
                Err(_) => {
                    s.to_guest.clear();
                    return true;
                }
            }
        }
        true
    }

    fn on_pty_writable(&self, _cond: IOCondition) -> ControlFlow {
        let flow = {
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
        };
        self.update_stdin_reading();
        flow
    }

    /// Starts reading the local stdin (if there is one).
    fn watch_stdin(&self) {
        let fd = match self.session.borrow().as_ref() {
            Some(s) if s.stdin_source.is_none() && s.closing.is_none() => {
                s.stdin.as_ref().map(|fd| fd.as_raw_fd())
            }
            _ => None,
        };
        let Some(fd) = fd else { return };
        let source = self.watch(
            fd,
            IOCondition::IN | IOCondition::HUP,
            Self::on_stdin_readable,
        );
        if let Some(s) = self.session.borrow_mut().as_mut() {
            s.stdin_source = Some(source);
            s.stdin_paused = false;
        }
    }

    /// Holds the local stdin back while HIGH_WATER bytes wait for the guest,
    /// and reads it again once they are down to LOW_WATER.
    fn update_stdin_reading(&self) {
        let resume = {
            let mut session = self.session.borrow_mut();
            let Some(s) = session.as_mut() else { return };
            if s.to_guest.len() >= HIGH_WATER {
                if let Some(source) = s.stdin_source.take() {
                    source.destroy();
                    s.stdin_paused = true;
                }
                false
            } else {
                s.stdin_paused && s.to_guest.len() <= LOW_WATER
            }
        };
        if resume {
            self.watch_stdin();
        }
    }

    /// Holds the guest's end back while HIGH_WATER bytes of its output wait
    /// for the local descriptors (the guest then waits too), and reads it
    /// again once they are down to LOW_WATER.
    fn update_guest_reading(&self) {
        let resume = {
            let mut session = self.session.borrow_mut();
            let Some(s) = session.as_mut() else { return };
            if s.closing.is_some() {
                None
            } else if s.to_local_bytes >= HIGH_WATER {
                if let Some(source) = s.pty_source.take() {
                    source.destroy();
                    s.guest_paused = true;
                }
                None
            } else if s.guest_paused && s.to_local_bytes <= LOW_WATER {
                s.guest_paused = false;
                s.pty.as_ref().map(|pty| pty.as_raw_fd())
            } else {
                None
            }
        };
        if let Some(fd) = resume {
            let source = self.watch_guest(fd);
            if let Some(s) = self.session.borrow_mut().as_mut() {
                s.pty_source = Some(source);
            }
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
        if n == 0
            && let Some(s) = self.session.borrow_mut().as_mut()
        {
            s.stdin = None;
            s.stdin_source = None;
        }
        if is_rpc {
            // An empty STDIN message tells the guest the input ended.
            self.send_to_guest(&Message::Stdin(buf).encode());
        } else if n > 0 {
            self.send_to_guest(&buf);
        }
        // Held back (the source is gone then) or not, it goes on.
        if n == 0 {
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
            if let Some(s) = self.session.borrow_mut().as_mut() {
                s.pty_source = None;
            }
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
            // Exactly as much memory as the data needs.
            self.raw_output(buf[..n].to_vec())
        }
    }

    /// Queues guest output for the local stdout (or stderr when that is all
    /// there is), or stderr (or stdout), and writes what they take now; false
    /// when that ended the console.
    fn write_local(&self, to_stderr: bool, data: Vec<u8>) -> bool {
        if data.is_empty() {
            return true;
        }
        {
            let mut session = self.session.borrow_mut();
            let Some(s) = session.as_mut() else {
                return false;
            };
            if s.stdout.is_none() && s.stderr.is_none() {
                return true;
            }
            s.to_local_bytes += data.capacity();
            s.to_local.push_back(LocalChunk {
                to_stderr,
                data,
                written: 0,
            });
        }
        self.drain_local()
    }

    /// Writes queued output, in order, as far as the local descriptors take
    /// it now.
    fn flush_local(s: &mut Session) -> Flush {
        while let Some(chunk) = s.to_local.front_mut() {
            let target = if chunk.to_stderr {
                s.stderr.as_ref().or(s.stdout.as_ref())
            } else {
                s.stdout.as_ref().or(s.stderr.as_ref())
            };
            let Some(target) = target else {
                s.to_local.clear();
                s.to_local_bytes = 0;
                break;
            };
            while chunk.written < chunk.data.len() {
                match target.write(&chunk.data[chunk.written..]) {
                    Ok(n) => chunk.written += n,
                    Err(Errno::EINTR) => {}
                    Err(Errno::EAGAIN) => return Flush::Blocked(target.fd.as_raw_fd()),
                    Err(_) => return Flush::Failed,
                }
            }
            if let Some(done) = s.to_local.pop_front() {
                s.to_local_bytes -= done.data.capacity();
            }
        }
        Flush::Done
    }

    /// Writes what the local descriptors take now, waits (on the main loop)
    /// for the one that takes nothing, keeps the guest's end read or held
    /// back, and closes the console once it is closing and all is written.
    /// False when the console ended.
    fn drain_local(&self) -> bool {
        let flush = {
            let mut session = self.session.borrow_mut();
            let Some(s) = session.as_mut() else {
                return false;
            };
            Self::flush_local(s)
        };
        let closing = match flush {
            Flush::Failed => {
                self.finish(true);
                return false;
            }
            Flush::Blocked(fd) => {
                self.await_local_writable(fd);
                None
            }
            Flush::Done => {
                let mut session = self.session.borrow_mut();
                let Some(s) = session.as_mut() else {
                    return false;
                };
                if let Some((_, source)) = s.local_out_source.take() {
                    source.destroy();
                }
                s.closing
            }
        };
        self.update_guest_reading();
        match closing {
            Some(closing) => {
                self.complete_close(closing);
                false
            }
            None => self.session.borrow().is_some(),
        }
    }

    /// Makes sure the main loop tells when `fd` takes more.
    fn await_local_writable(&self, fd: RawFd) {
        {
            let mut session = self.session.borrow_mut();
            let Some(s) = session.as_mut() else { return };
            match &s.local_out_source {
                Some((watched, _)) if *watched == fd => return,
                Some(_) => {
                    if let Some((_, source)) = s.local_out_source.take() {
                        source.destroy();
                    }
                }
                None => {}
            }
        }
        let source = self.watch(fd, IOCondition::OUT, Self::on_local_writable);
        if let Some(s) = self.session.borrow_mut().as_mut() {
            s.local_out_source = Some((fd, source));
        }
    }

    /// The local descriptor the queued output waits for takes more. (The
    /// source is destroyed by `drain_local` once nothing waits for it.)
    fn on_local_writable(&self, _cond: IOCondition) -> ControlFlow {
        if self.drain_local() {
            ControlFlow::Continue
        } else {
            ControlFlow::Break
        }
    }

    /// The guest is done: nothing more is read (from it or the local
    /// stdin); once its output is written, `exit` (if any) is reported and
    /// the console closes.
    fn close_after_drain(&self, failed: bool, exit: Option<i32>) {
        {
            let mut session = self.session.borrow_mut();
            let Some(s) = session.as_mut() else { return };
            let closing = s.closing.get_or_insert(Closing {
                failed: false,
                exit: None,
            });
            closing.failed |= failed;
            closing.exit = closing.exit.or(exit);
            for source in [s.pty_source.take(), s.stdin_source.take()]
                .into_iter()
                .flatten()
            {
                source.destroy();
            }
            s.guest_paused = false;
            s.stdin_paused = false;
            // Nobody else may become the guest's end now.
            if let Some(pending) = &s.pending {
                pending.destroy_sources();
            }
        }
        self.drain_local();
    }

    /// All output is written: reports the exit status, releases the guest
    /// and closes.
    fn complete_close(&self, closing: Closing) {
        if let Some(status) = closing.exit {
            self.obj().emit_by_name::<()>("exited", &[&status]);
            // Everything the command wrote came before its exit status, so
            // the session is complete: release the guest and close.
            self.send_to_guest(&Message::Quit.encode());
            if let Some(s) = self.session.borrow_mut().as_mut() {
                Self::flush_to_guest(s);
            }
        }
        self.finish(closing.failed);
    }

    fn raw_output(&self, data: Vec<u8>) -> ControlFlow {
        if self.write_local(false, data) {
            ControlFlow::Continue
        } else {
            ControlFlow::Break
        }
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
                self.close_after_drain(true, None);
                return ControlFlow::Break;
            }
        };
        for message in messages {
            if !self.is_running() {
                return ControlFlow::Break;
            }
            if let ControlFlow::Break = self.handle_message(message) {
                return ControlFlow::Break;
            }
        }
        ControlFlow::Continue
    }

    /// Attached, and the guest's messages are still wanted.
    fn is_running(&self) -> bool {
        self.session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.closing.is_none())
    }

    /// The guest is known: it gets the terminal size and the local input.
    fn begin_session(&self) {
        self.send_window_size();
        let has_stdin = self
            .session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.stdin.is_some());
        if has_stdin {
            self.watch_stdin();
        } else {
            // No local input: tell the guest right away.
            self.send_to_guest(&Message::Stdin(Vec::new()).encode());
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
                .and_then(|fd| super::pty::window_size(fd.as_fd()))
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

    /// Tells the local user (on stderr, after what the guest wrote before).
    fn report(&self, text: &str) {
        let _ = self.write_local(true, text.as_bytes().to_vec());
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
                if !self.write_local(false, data) {
                    return ControlFlow::Break;
                }
            }
            Message::Stderr(data) => {
                if !self.write_local(true, data) {
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
                self.close_after_drain(true, None);
                return ControlFlow::Break;
            }
            Message::Error(text) => {
                // The EXIT that follows carries the init's setup-failure
                // status, not the command's: the owner learns why here.
                self.end_error.borrow_mut().get_or_insert_with(|| {
                    crate::error::error(crate::error::SandboxError::Guest, &text)
                });
                let text = crate::error::bounded(&text);
                self.report(&format!("libvirt-sandbox: {text}\n"));
            }
            Message::Exit(status) => {
                self.set_handshake(Handshake::Finished);
                // Reported once the output before it is written.
                self.close_after_drain(false, Some(status));
                return ControlFlow::Break;
            }
            other => {
                self.report(&format!(
                    "libvirt-sandbox: unexpected message from the guest: {other:?}\n"
                ));
                self.close_after_drain(true, None);
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
            // Told to the owner (`closed` with an error, then `end_error`),
            // which knows whether the sandbox was ended from outside.
            *self.end_error.borrow_mut() = Some(crate::error::error(
                crate::error::SandboxError::Protocol,
                format!("the sandbox ended before its command reported an exit status{why}"),
            ));
        }
        self.close_after_drain(clean != Some(true), None);
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
        for source in [
            &session.pty_source,
            &session.stdin_source,
            &session.pty_out_source,
        ]
        .into_iter()
        .flatten()
        .chain(session.local_out_source.as_ref().map(|(_, source)| source))
        {
            source.destroy();
        }
        if let Some(pending) = &session.pending {
            pending.destroy_sources();
        }
        if let Some(id) = session.handshake_source {
            id.remove();
        }
        if let Some(id) = session.winch_source {
            id.remove();
        }
        if let (Some(fd), Some(saved)) = (&session.stdin, &session.saved_termios)
            && let Err(e) = termios::tcsetattr(fd, SetArg::TCSADRAIN, saved)
        {
            glib::g_warning!(
                "LibvirtSandbox",
                "cannot restore the terminal's settings: {e}; run 'stty sane' to reset it"
            );
        }
        // Dropping the session closes our end of the pty.
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::AsFd;

    use nix::errno::Errno;
    use nix::fcntl::{FcntlArg, OFlag, fcntl};

    use super::{LocalOut, OutMode};

    fn is_nonblocking(fd: std::os::fd::BorrowedFd<'_>) -> bool {
        OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL).unwrap()).contains(OFlag::O_NONBLOCK)
    }

    /// Writes until the pipe is full; how much it took.
    fn fill(out: &LocalOut) -> usize {
        let block = [1u8; 8192];
        let mut total = 0;
        loop {
            match out.write(&block) {
                Ok(n) => total += n,
                Err(Errno::EAGAIN) => return total,
                Err(e) => panic!("write: {e}"),
            }
        }
    }

    #[test]
    fn a_blocking_pipe_is_written_without_blocking_and_stays_blocking_for_its_owner() {
        let (r, w) = nix::unistd::pipe().unwrap();
        let out = LocalOut::new(w.as_fd()).unwrap();
        assert_eq!(out.mode, OutMode::Direct, "reopened non-blocking");
        assert!(
            !is_nonblocking(w.as_fd()),
            "the caller's descriptor is unchanged"
        );
        let took = fill(&out);
        assert!(took >= 4096, "the pipe took {took} bytes");
        let mut buf = vec![0u8; took];
        nix::unistd::read(&r, &mut buf).unwrap();
        assert!(out.write(b"more").is_ok());
    }

    #[test]
    fn a_pipe_written_with_poll_never_blocks() {
        let (r, w) = nix::unistd::pipe().unwrap();
        let out = LocalOut {
            fd: w,
            mode: OutMode::Polled,
        };
        assert!(!is_nonblocking(out.fd.as_fd()));
        let took = fill(&out);
        assert!(took >= 4096, "the pipe took {took} bytes");
        let mut buf = vec![0u8; took];
        let mut read = 0;
        while read < took {
            read += nix::unistd::read(&r, &mut buf[read..]).unwrap();
        }
        assert!(buf.iter().all(|&b| b == 1));
        assert!(out.write(b"more").is_ok());
        drop(r);
        assert_eq!(out.write(b"gone"), Err(Errno::EPIPE));
    }
}
