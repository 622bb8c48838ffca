// SPDX-License-Identifier: LGPL-2.1-or-later
//! Consoles: the host ends of a sandbox's character devices.
//!
//! - [`ConsoleRaw`] passes bytes through unchanged (the init log, the debug
//!   shell);
//! - [`ConsoleRpc`] speaks the sandbox wire protocol (defined once, in the
//!   `sandbox_proto::protocol` module the guest init uses too) on the app
//!   console: the command's stdin, stdout and stderr as separate streams, and
//!   its exit status.
//!
//! Both run on the GLib main loop of the thread that attached them: the pty
//! and the local stdin are watched with fd sources; output to the local
//! stdout/stderr is written as it arrives, or, when they take nothing, queued
//! in order until fd sources say they take more (never a blocking write on
//! the main loop). The queues are bounded both ways: with about a MiB waiting
//! for the guest the local stdin is not read, and with about a MiB waiting
//! for the local stdout/stderr the guest's end is not read (so the guest
//! waits for a slow reader). The exit status is reported (`exited`) once all
//! the output before it is written.

pub(crate) mod channel;
mod imp;
pub(crate) mod pty;
pub mod raw;
pub mod rpc;
#[doc(hidden)]
pub mod vfuncs;

use std::os::fd::{AsFd, BorrowedFd};

use glib::prelude::*;
use glib::subclass::prelude::*;

pub use channel::PeerCred;
pub use imp::{AttachFn, ClosedFn, ConsoleClass, ConsoleInstance, DetachFn};
pub use raw::ConsoleRaw;
pub use rpc::ConsoleRpc;

glib::wrapper! {
    /// The abstract base of consoles (`GVirSandboxConsole`).
    pub struct Console(ObjectSubclass<imp::Console>);
}

/// Trait for Rust subclasses of [`Console`].
pub trait ConsoleImpl: ObjectImpl + ObjectSubclass<Type: IsA<Console>> {}

unsafe impl<T: ConsoleImpl> IsSubclassable<T> for Console {}

/// Which console of a sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Log,
    App,
    Shell,
}

impl Kind {
    /// The libvirt device alias of this console (see builder::container),
    /// as the original names them: the log `console0`, the debug shell
    /// `console1`, then a container's app console (`console2` after a
    /// shell, else `console1`; a VM's app channel is no console).
    pub fn devname(self, shell: bool) -> &'static str {
        use crate::builder::consoles;
        match self {
            Kind::Log => consoles::LOG,
            Kind::Shell => consoles::SHELL,
            Kind::App if shell => consoles::APP_AFTER_SHELL,
            Kind::App => consoles::APP,
        }
    }
}

impl Console {
    /// Connects the console to local file descriptors: calls the class's
    /// `attach` virtual method (with GUnix streams on the descriptors), by
    /// default [`default_attach`](Self::default_attach).
    pub fn attach_fds(
        &self,
        stdin: Option<BorrowedFd<'_>>,
        stdout: Option<BorrowedFd<'_>>,
        stderr: Option<BorrowedFd<'_>>,
    ) -> crate::Result<()> {
        vfuncs::invoke_attach(self, stdin, stdout, stderr)
    }

    /// The default `attach`: guest output goes to `stdout` (and, for the
    /// app console, `stderr`), `stdin` goes to the guest. Any of them may
    /// be `None`. The console works on its own duplicates of the
    /// descriptors.
    pub fn default_attach(
        &self,
        stdin: Option<BorrowedFd<'_>>,
        stdout: Option<BorrowedFd<'_>>,
        stderr: Option<BorrowedFd<'_>>,
    ) -> crate::Result<()> {
        *self.imp().end_error.borrow_mut() = None;
        self.imp().attach(stdin, stdout, stderr)
    }

    /// Attaches the process's own stdin, stdout and stderr.
    pub fn attach_stdio(&self) -> crate::Result<()> {
        self.attach_fds(
            Some(std::io::stdin().as_fd()),
            Some(std::io::stdout().as_fd()),
            Some(std::io::stderr().as_fd()),
        )
    }

    /// Attaches only the process's stderr (for the log console).
    pub fn attach_stderr(&self) -> crate::Result<()> {
        self.attach_fds(None, None, Some(std::io::stderr().as_fd()))
    }

    /// Stops moving data: calls the class's `detach` virtual method, by
    /// default [`default_detach`](Self::default_detach).
    pub fn detach(&self) -> crate::Result<()> {
        vfuncs::invoke_detach(self)
    }

    /// The default `detach`: stops moving data and restores the local
    /// terminal. Idempotent.
    pub fn default_detach(&self) -> crate::Result<()> {
        self.imp().detach();
        Ok(())
    }

    /// Makes the guest connect to `listener` for this console's data instead
    /// of using the console device (the context sets it on app consoles);
    /// its peer must prove itself as `auth` says.
    pub(crate) fn set_channel(
        &self,
        listener: std::os::unix::net::UnixListener,
        auth: channel::ChannelAuth,
    ) {
        *self.imp().channel.borrow_mut() = Some((listener, std::rc::Rc::new(auth)));
    }

    /// The credentials of the process that authenticated on the console's
    /// channel (a container's init, as the host numbers it; a VM's QEMU),
    /// once one has.
    pub fn peer_credentials(&self) -> Option<PeerCred> {
        self.imp().peer.get()
    }

    /// Why the last session did not end with the command's own exit
    /// status, or `None` when it did (or the console ended for a local
    /// reason: a failed local write, the escape character):
    /// - [`SandboxError::Guest`]: the guest init could not set the sandbox
    ///   up (a mount, an interface, the isolation...) and never ran the
    ///   command; the message is the init's. `exited` still fires, with the
    ///   init's status 125.
    /// - [`SandboxError::Protocol`]: the guest's end closed before any exit
    ///   status arrived (after `closed` with `error` true): the sandbox was
    ///   ended from outside (its domain destroyed, its libvirt_lxc or QEMU
    ///   process killed) or its init died; the domain's lifecycle events
    ///   tell which.
    ///
    /// [`SandboxError::Guest`]: crate::error::SandboxError::Guest
    /// [`SandboxError::Protocol`]: crate::error::SandboxError::Protocol
    pub fn end_error(&self) -> Option<glib::Error> {
        self.imp().end_error.borrow().clone()
    }

    /// Whether the console is attached.
    pub fn is_attached(&self) -> bool {
        self.imp().session.borrow().is_some()
    }

    /// The escape character (Ctrl + this closes an interactive console).
    pub fn escape(&self) -> i8 {
        self.property("escape")
    }

    /// Sets the escape character (0..=127); a negative one is refused with
    /// a critical.
    pub fn set_escape(&self, escape: i8) {
        if escape < 0 {
            glib::g_critical!(
                "LibvirtSandbox",
                "invalid console escape character {escape}: use an ASCII character (0..127)"
            );
            return;
        }
        self.set_property("escape", escape);
    }

    pub fn direct(&self) -> bool {
        self.property("direct")
    }

    pub fn set_direct(&self, direct: bool) {
        self.set_property("direct", direct);
    }

    /// Connects to the `closed` signal: `error` is true when the console ended
    /// because of an error rather than the sandbox finishing.
    pub fn connect_closed<F: Fn(&Self, bool) + 'static>(&self, f: F) -> glib::SignalHandlerId {
        self.connect_local("closed", false, move |args| {
            let console: Console = args[0].get().expect("signal instance");
            let error: bool = args[1].get().expect("signal argument");
            f(&console, error);
            None
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::sync::mpsc;

    use glib::prelude::*;
    use sandbox_proto::protocol::{self, Decoder, Message};

    use super::channel::ChannelAuth;
    use super::{Console, ConsoleRpc};

    /// The consoles attach their sources to the global default main
    /// context: one test at a time owns it.
    static MAIN_CONTEXT: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn own_main_context() -> (std::sync::MutexGuard<'static, ()>, glib::MainContext) {
        let guard = MAIN_CONTEXT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (guard, glib::MainContext::default())
    }

    /// A fake guest's handshake: waits for WAIT, answers SYNC, waits for
    /// the host's SYNC.
    fn handshake(stream: &mut UnixStream) {
        let mut byte = [0u8; 1];
        loop {
            stream.read_exact(&mut byte).unwrap();
            if byte[0] == protocol::HANDSHAKE_WAIT {
                break;
            }
        }
        stream.write_all(&[protocol::HANDSHAKE_SYNC]).unwrap();
        loop {
            stream.read_exact(&mut byte).unwrap();
            if byte[0] == protocol::HANDSHAKE_SYNC {
                break;
            }
        }
    }

    fn read_message(stream: &mut UnixStream, decoder: &mut Decoder) -> Option<Message> {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                return None;
            }
            if let Some(m) = decoder.feed(&buf[..n]).unwrap().into_iter().next() {
                return Some(m);
            }
        }
    }

    #[test]
    fn peers_without_the_secret_are_dropped_and_the_sandbox_still_connects() {
        let (_serial, context) = own_main_context();
        let _owner = context.acquire().expect("the default main context is free");
        let dir = crate::builder::testing::temp_dir("console-auth");
        let path = dir.join("app.sock");
        let listener = UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        let secret = [42u8; protocol::SECRET_LEN];

        // Connected first: one that never speaks, one with a wrong secret.
        let _silent = UnixStream::connect(&path).unwrap();
        let mut wrong = UnixStream::connect(&path).unwrap();
        let mut real = UnixStream::connect(&path).unwrap();
        let (refused_tx, refused_rx) = mpsc::channel();
        let attacker = std::thread::spawn(move || {
            handshake(&mut wrong);
            let mut out = Message::Hello(protocol::VERSION).encode();
            out.extend(Message::Auth(vec![1; protocol::SECRET_LEN]).encode());
            wrong.write_all(&out).unwrap();
            // The host hangs up on it, having sent it nothing.
            let mut rest = Vec::new();
            wrong.read_to_end(&mut rest).unwrap();
            refused_tx.send(rest).unwrap();
        });
        let guest = std::thread::spawn(move || {
            handshake(&mut real);
            let attacker_got = refused_rx.recv().unwrap();
            let mut out = Message::Hello(protocol::VERSION).encode();
            out.extend(Message::Auth(secret.to_vec()).encode());
            real.write_all(&out).unwrap();
            let mut decoder = Decoder::new();
            // No local stdin: its end comes right away.
            let first = read_message(&mut real, &mut decoder);
            let mut out = Message::Stdout(b"hello\n".to_vec()).encode();
            out.extend(Message::Exit(3 << 8).encode());
            real.write_all(&out).unwrap();
            let last = read_message(&mut real, &mut decoder);
            (attacker_got, first, last)
        });

        let console: ConsoleRpc = glib::Object::builder().property("devname", "x").build();
        let base: &Console = console.upcast_ref();
        let told = std::rc::Rc::new(std::cell::Cell::new(0));
        base.set_channel(
            listener,
            ChannelAuth::new(&secret, None).on_authenticated({
                let told = told.clone();
                move || told.set(told.get() + 1)
            }),
        );
        let (stdout_r, stdout_w) = nix::unistd::pipe().unwrap();
        let (_stderr_r, stderr_w) = nix::unistd::pipe().unwrap();
        let main_loop = glib::MainLoop::new(Some(&context), false);
        let status = std::rc::Rc::new(std::cell::Cell::new(None));
        console.connect_exited({
            let status = status.clone();
            move |_, s| status.set(Some(s))
        });
        let failed = std::rc::Rc::new(std::cell::Cell::new(None));
        base.connect_closed({
            let (main_loop, failed) = (main_loop.clone(), failed.clone());
            move |_, f| {
                failed.set(Some(f));
                main_loop.quit()
            }
        });
        let timeout = glib::timeout_add_local(std::time::Duration::from_secs(10), {
            let main_loop = main_loop.clone();
            move || {
                main_loop.quit();
                glib::ControlFlow::Break
            }
        });
        use std::os::fd::AsFd;
        base.attach_fds(None, Some(stdout_w.as_fd()), Some(stderr_w.as_fd()))
            .unwrap();
        drop(stdout_w);
        main_loop.run();
        assert_eq!(failed.get(), Some(false), "the console closed cleanly");
        assert_eq!(status.get(), Some(3 << 8), "the command's status arrived");
        assert_eq!(
            told.get(),
            1,
            "the real peer's authentication was told once"
        );
        timeout.remove();
        let (attacker_got, first, last) = guest.join().unwrap();
        attacker.join().unwrap();
        assert!(attacker_got.is_empty(), "the attacker got {attacker_got:?}");
        assert_eq!(first, Some(Message::Stdin(Vec::new())));
        assert_eq!(last, Some(Message::Quit));
        assert_eq!(
            base.peer_credentials().map(|c| c.pid),
            Some(std::process::id() as i32)
        );
        drop(console);
        let mut out = String::new();
        std::fs::File::from(stdout_r)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "hello\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A console on a channel socket with a fake guest connected to it (its
    /// handshake and authentication still to do), and the loop that runs it.
    struct Rig {
        console: ConsoleRpc,
        guest: UnixStream,
        secret: [u8; protocol::SECRET_LEN],
        main_loop: glib::MainLoop,
        dir: std::path::PathBuf,
    }

    fn rig(name: &str, context: &glib::MainContext) -> Rig {
        let dir = crate::builder::testing::temp_dir(name);
        let path = dir.join("app.sock");
        let listener = UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        let secret = [7u8; protocol::SECRET_LEN];
        let guest = UnixStream::connect(&path).unwrap();
        let console: ConsoleRpc = glib::Object::builder().property("devname", "x").build();
        console
            .upcast_ref::<Console>()
            .set_channel(listener, ChannelAuth::new(&secret, None));
        Rig {
            console,
            guest,
            secret,
            main_loop: glib::MainLoop::new(Some(context), false),
            dir,
        }
    }

    /// The fake guest's side of the handshake and authentication.
    fn authenticate(stream: &mut UnixStream, secret: &[u8]) {
        handshake(stream);
        let mut out = Message::Hello(protocol::VERSION).encode();
        out.extend(Message::Auth(secret.to_vec()).encode());
        stream.write_all(&out).unwrap();
    }

    /// Calls `f` every 20 ms on the main loop until it says stop.
    fn every_tick(f: impl FnMut() -> glib::ControlFlow + 'static) -> glib::SourceId {
        glib::timeout_add_local(std::time::Duration::from_millis(20), f)
    }

    /// Bytes that may sit between a fake guest and the local end while the
    /// console holds the guest back: the console's bound (1 MiB plus one
    /// read), the socket's buffers and a pipe's 64 KiB, with room to spare.
    const HELD_MAX: usize = 4 << 20;

    /// Guest output block `i` (distinct, so that any reordering shows).
    fn block(i: usize) -> Vec<u8> {
        (0..60_000)
            .map(|j| ((i * 31 + j * 7) % 251) as u8)
            .collect()
    }

    #[test]
    fn a_slow_local_stdout_holds_the_guest_back_without_stalling_the_main_loop() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let (_serial, context) = own_main_context();
        let _owner = context.acquire().expect("the default main context is free");
        let Rig {
            console,
            mut guest,
            secret,
            main_loop,
            dir,
        } = rig("console-slow-stdout", &context);
        // 24 MiB of stdout with a line of stderr after every eighth block,
        // both to one pipe: its bytes must come in exactly this order.
        const BLOCKS: usize = 420;
        let messages: Vec<Message> = (0..BLOCKS)
            .flat_map(|i| {
                let mut m = vec![Message::Stdout(block(i))];
                if i % 8 == 7 {
                    m.push(Message::Stderr(format!("err {i}\n").into_bytes()));
                }
                m
            })
            .collect();
        let expected: Vec<u8> = messages
            .iter()
            .flat_map(|m| match m {
                Message::Stdout(d) | Message::Stderr(d) => d.clone(),
                _ => Vec::new(),
            })
            .collect();
        let total: usize = messages.iter().map(|m| m.encode().len()).sum();
        let sent = Arc::new(AtomicUsize::new(0));
        let guest_thread = std::thread::spawn({
            let sent = sent.clone();
            move || {
                authenticate(&mut guest, &secret);
                let mut decoder = Decoder::new();
                let first = read_message(&mut guest, &mut decoder);
                for m in messages {
                    let frame = m.encode();
                    guest.write_all(&frame).unwrap();
                    sent.fetch_add(frame.len(), Ordering::SeqCst);
                }
                guest.write_all(&Message::Exit(5 << 8).encode()).unwrap();
                (first, read_message(&mut guest, &mut decoder))
            }
        });

        let (stdout_r, stdout_w) = nix::unistd::pipe().unwrap();
        let stdout_r = std::rc::Rc::new(stdout_r);
        let received = std::rc::Rc::new(std::cell::RefCell::new(Vec::<u8>::new()));
        // Read everything the pipe holds now (the reader's end is ours and
        // non-blocking).
        let drain = {
            let (stdout_r, received) = (stdout_r.clone(), received.clone());
            move || {
                let mut buf = vec![0u8; 65536];
                loop {
                    match nix::unistd::read(&*stdout_r, &mut buf) {
                        Ok(0) => return false,
                        Ok(n) => received.borrow_mut().extend_from_slice(&buf[..n]),
                        Err(nix::errno::Errno::EAGAIN) => return true,
                        Err(e) => panic!("reading the local stdout: {e}"),
                    }
                }
            }
        };
        nix::fcntl::fcntl(
            &*stdout_r,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .unwrap();
        // Unsticks a console that blocks the main loop (then this test fails).
        let reading = Arc::new(AtomicBool::new(false));
        let stalled = Arc::new(AtomicBool::new(false));
        let watchdog = std::thread::spawn({
            let (reading, stalled) = (reading.clone(), stalled.clone());
            let fd = stdout_r.as_fd().try_clone_to_owned().unwrap();
            move || {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
                while !reading.load(Ordering::SeqCst) {
                    if std::time::Instant::now() > deadline {
                        stalled.store(true, Ordering::SeqCst);
                        // (Non-blocking, like the reader's end it shares.)
                        let mut buf = vec![0u8; 65536];
                        loop {
                            match nix::unistd::read(&fd, &mut buf) {
                                Ok(0) => return,
                                Ok(_) => {}
                                Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                            }
                        }
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
        });

        let at_exit = std::rc::Rc::new(std::cell::Cell::new(None));
        console.connect_exited({
            let (at_exit, received, drain) = (at_exit.clone(), received.clone(), drain.clone());
            move |_, status| {
                // All of the output was written before the status came.
                drain();
                at_exit.set(Some((status, received.borrow().len())));
            }
        });
        let failed = std::rc::Rc::new(std::cell::Cell::new(None));
        console.upcast_ref::<Console>().connect_closed({
            let (main_loop, failed) = (main_loop.clone(), failed.clone());
            move |_, f| {
                failed.set(Some(f));
                main_loop.quit()
            }
        });
        // The loop runs on while the local stdout is full: once the guest
        // is held back (what it sent stays the same for 200 ms), the reader
        // starts.
        let held = std::rc::Rc::new(std::cell::Cell::new(None));
        let stdout_raw = std::os::fd::AsRawFd::as_raw_fd(&*stdout_r);
        let reader_done = std::rc::Rc::new(std::cell::Cell::new(false));
        let ticks_while_full = std::rc::Rc::new(std::cell::Cell::new(0));
        every_tick({
            let (sent, held, ticks, reading) = (
                sent.clone(),
                held.clone(),
                ticks_while_full.clone(),
                reading.clone(),
            );
            let (mut last, mut same) = (usize::MAX, 0);
            let (drain, reader_done) = (drain.clone(), reader_done.clone());
            move || {
                ticks.set(ticks.get() + 1);
                let now = sent.load(Ordering::SeqCst);
                same = if now == last { same + 1 } else { 0 };
                last = now;
                if same < 10 && now < total {
                    return glib::ControlFlow::Continue;
                }
                held.set(Some(now));
                reading.store(true, Ordering::SeqCst);
                let (drain, reader_done) = (drain.clone(), reader_done.clone());
                glib_unix::unix_fd_add_local(
                    stdout_raw,
                    glib::IOCondition::IN | glib::IOCondition::HUP,
                    move |_, _| {
                        if drain() {
                            glib::ControlFlow::Continue
                        } else {
                            reader_done.set(true);
                            glib::ControlFlow::Break
                        }
                    },
                );
                glib::ControlFlow::Break
            }
        });
        use std::os::fd::AsFd;
        console
            .upcast_ref::<Console>()
            .attach_fds(None, Some(stdout_w.as_fd()), Some(stdout_w.as_fd()))
            .unwrap();
        drop(stdout_w);
        main_loop.run();
        watchdog.join().unwrap();
        assert!(
            !stalled.load(Ordering::SeqCst),
            "the main loop stalled while the local stdout was full"
        );
        let held = held.get().expect("the reader started");
        eprintln!("held back after {held} of {total} bytes");
        assert!(
            held < HELD_MAX,
            "the guest got {held} bytes out while nothing was read locally"
        );
        assert!(ticks_while_full.get() >= 10, "the main loop ran meanwhile");
        assert_eq!(failed.get(), Some(false), "the console closed cleanly");
        assert_eq!(
            at_exit.get(),
            Some((5 << 8, expected.len())),
            "the status came after all of the output"
        );
        // The reader sees the end of file (the console closed its end) and
        // leaves the main context to the next test.
        drop(console);
        while !reader_done.get() {
            context.iteration(true);
        }
        let received = received.borrow();
        assert_eq!(received.len(), expected.len());
        assert!(*received == expected, "the output arrived changed");
        let (first, last) = guest_thread.join().unwrap();
        assert_eq!(first, Some(Message::Stdin(Vec::new())));
        assert_eq!(last, Some(Message::Quit));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn endless_local_stdin_is_read_only_as_fast_as_the_guest_takes_it() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (_serial, context) = own_main_context();
        let _owner = context.acquire().expect("the default main context is free");
        let Rig {
            console,
            mut guest,
            secret,
            main_loop,
            dir,
        } = rig("console-endless-stdin", &context);
        // The local stdin never ends (up to 64 MiB: what an unbounded
        // console would read); the guest reads none of it.
        const LIMIT: usize = 64 << 20;
        let (stdin_r, stdin_w) = nix::unistd::pipe().unwrap();
        let written = Arc::new(AtomicUsize::new(0));
        let writer = std::thread::spawn({
            let written = written.clone();
            move || {
                let mut w = std::fs::File::from(stdin_w);
                let block = vec![0u8; 65536];
                while written.load(Ordering::SeqCst) < LIMIT {
                    if w.write_all(&block).is_err() {
                        return; // the console closed its end
                    }
                    written.fetch_add(block.len(), Ordering::SeqCst);
                }
            }
        });
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let guest_thread = std::thread::spawn(move || {
            authenticate(&mut guest, &secret);
            go_rx.recv().unwrap();
            guest.write_all(&Message::Exit(0).encode()).unwrap();
            // What the host queued for it, then QUIT.
            let mut decoder = Decoder::new();
            let mut stdin = 0;
            loop {
                match read_message(&mut guest, &mut decoder) {
                    Some(Message::Stdin(data)) => stdin += data.len(),
                    other => return (stdin, other),
                }
            }
        });
        let status = std::rc::Rc::new(std::cell::Cell::new(None));
        console.connect_exited({
            let status = status.clone();
            move |_, s| status.set(Some(s))
        });
        let failed = std::rc::Rc::new(std::cell::Cell::new(None));
        console.upcast_ref::<Console>().connect_closed({
            let (main_loop, failed) = (main_loop.clone(), failed.clone());
            move |_, f| {
                failed.set(Some(f));
                main_loop.quit()
            }
        });
        // Once the local writer is held back (what it wrote stays the same
        // for 200 ms), the command exits.
        let held = std::rc::Rc::new(std::cell::Cell::new(None));
        every_tick({
            let (written, held) = (written.clone(), held.clone());
            let (mut last, mut same) = (usize::MAX, 0);
            move || {
                let now = written.load(Ordering::SeqCst);
                same = if now == last { same + 1 } else { 0 };
                last = now;
                if same < 10 && now < LIMIT {
                    return glib::ControlFlow::Continue;
                }
                held.set(Some(now));
                go_tx.send(()).unwrap();
                glib::ControlFlow::Break
            }
        });
        let (_stdout_r, stdout_w) = nix::unistd::pipe().unwrap();
        use std::os::fd::AsFd;
        console
            .upcast_ref::<Console>()
            .attach_fds(
                Some(stdin_r.as_fd()),
                Some(stdout_w.as_fd()),
                Some(stdout_w.as_fd()),
            )
            .unwrap();
        main_loop.run();
        drop(stdin_r);
        drop(console);
        writer.join().unwrap();
        let held = held.get().expect("the writer was held back");
        eprintln!("local stdin held back after {held} bytes");
        assert!(
            held < HELD_MAX,
            "the console read {held} bytes of stdin the guest did not take"
        );
        assert_eq!(failed.get(), Some(false), "the console closed cleanly");
        assert_eq!(status.get(), Some(0), "the command's status arrived");
        let (stdin, last) = guest_thread.join().unwrap();
        assert!(stdin <= held, "the guest got {stdin} of {held} bytes");
        // QUIT, or the end of the channel when the host closed it first.
        assert!(matches!(last, Some(Message::Quit) | None), "then {last:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
