// SPDX-License-Identifier: LGPL-2.1-or-later
//! Consoles: the host ends of a sandbox's character devices.
//!
//! - [`ConsoleRaw`] passes bytes through unchanged (the init log, the debug
//!   shell);
//! - [`ConsoleRpc`] speaks the sandbox wire protocol (defined once, in the
//!   `sandbox_init::protocol` module the guest init uses too) on the app
//!   console: the command's stdin, stdout and stderr as separate streams, and
//!   its exit status.
//!
//! Both run on the GLib main loop of the thread that attached them: the pty
//! and the local stdin are watched with fd sources; output to the local
//! stdout/stderr is written as it arrives.

pub(crate) mod channel;
mod imp;
pub(crate) mod pty;
pub mod raw;
pub mod rpc;

use std::os::fd::{AsFd, BorrowedFd};

use glib::prelude::*;
use glib::subclass::prelude::*;

pub use channel::PeerCred;
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
    /// The libvirt device alias of this console (see builder::container).
    pub fn devname(self, has_app_console: bool) -> &'static str {
        use crate::builder::consoles;
        match self {
            Kind::Log => consoles::LOG,
            Kind::App => consoles::APP,
            Kind::Shell if has_app_console => consoles::SHELL,
            Kind::Shell => consoles::APP,
        }
    }
}

impl Console {
    /// Connects the console to local file descriptors: guest output goes to
    /// `stdout` (and, for the app console, `stderr`), `stdin` goes to the
    /// guest. Any of them may be `None`.
    /// The console works on its own duplicates of the descriptors.
    pub fn attach_fds(
        &self,
        stdin: Option<BorrowedFd<'_>>,
        stdout: Option<BorrowedFd<'_>>,
        stderr: Option<BorrowedFd<'_>>,
    ) -> crate::Result<()> {
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

    /// Stops moving data and restores the local terminal. Idempotent.
    pub fn detach(&self) -> crate::Result<()> {
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
    use sandbox_init::protocol::{self, Decoder, Message};

    use super::channel::ChannelAuth;
    use super::{Console, ConsoleRpc};

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
        let context = glib::MainContext::default();
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
}
