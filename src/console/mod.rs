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

mod imp;
pub(crate) mod pty;
pub mod raw;
pub mod rpc;

use std::os::fd::{AsFd, BorrowedFd};

use glib::prelude::*;
use glib::subclass::prelude::*;

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

    /// Whether the console is attached.
    /// Makes the guest connect to `listener` for this console's data instead
    /// of using the console device (the context sets it on app consoles).
    pub(crate) fn set_channel(&self, listener: std::os::unix::net::UnixListener) {
        *self.imp().channel.borrow_mut() = Some(listener);
    }

    pub fn is_attached(&self) -> bool {
        self.imp().session.borrow().is_some()
    }

    /// The escape character (Ctrl + this closes an interactive console).
    pub fn escape(&self) -> i8 {
        self.property("escape")
    }

    pub fn set_escape(&self, escape: i8) {
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
