// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConsoleRpc`: the app console, speaking the sandbox wire
//! protocol — stdin, stdout and stderr as separate streams, then the exit
//! status, reported by the `exited` signal before `closed`.

use glib::prelude::*;

use super::Console;
use crate::capi::gvir::{Connection, Domain};

mod imp {
    use std::sync::LazyLock;

    use glib::prelude::*;
    use glib::subclass::Signal;
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ConsoleRpc;

    #[glib::object_subclass]
    impl ObjectSubclass for ConsoleRpc {
        const NAME: &'static str = "GVirSandboxConsoleRpc";
        type Type = super::ConsoleRpc;
        type ParentType = crate::console::Console;
    }

    impl ObjectImpl for ConsoleRpc {
        fn signals() -> &'static [Signal] {
            static SIGNALS: LazyLock<Vec<Signal>> = LazyLock::new(|| {
                vec![
                    Signal::builder("exited")
                        .param_types([i32::static_type()])
                        .run_first()
                        .build(),
                ]
            });
            SIGNALS.as_ref()
        }
    }

    impl crate::console::ConsoleImpl for ConsoleRpc {}
}

glib::wrapper! {
    /// The app console of an interactive sandbox (`GVirSandboxConsoleRpc`).
    pub struct ConsoleRpc(ObjectSubclass<imp::ConsoleRpc>) @extends Console;
}

impl ConsoleRpc {
    /// A console for the device `devname` of a libvirt-gobject domain.
    pub fn for_domain(connection: Option<&Connection>, domain: &Domain, devname: &str) -> Self {
        glib::Object::builder()
            .property("connection", connection)
            .property("domain", domain)
            .property("devname", devname)
            .build()
    }

    /// Connects to `exited`: the command's raw wait status (as waitpid(2)
    /// reports it; see [`exit_code`]).
    pub fn connect_exited<F: Fn(&Self, i32) + 'static>(&self, f: F) -> glib::SignalHandlerId {
        self.connect_local("exited", false, move |args| {
            let console: ConsoleRpc = args[0].get().expect("signal instance");
            let status: i32 = args[1].get().expect("signal argument");
            f(&console, status);
            None
        })
    }
}

/// A shell-style exit code for a raw wait status: the exit status, or 128+N
/// for a command killed by signal N.
pub fn exit_code(status: i32) -> i32 {
    if libc_wifsignaled(status) {
        128 + (status & 0x7f)
    } else {
        (status >> 8) & 0xff
    }
}

fn libc_wifsignaled(status: i32) -> bool {
    // WIFSIGNALED: low 7 bits are the signal, neither 0 (exited) nor 0x7f (stopped).
    let sig = status & 0x7f;
    sig != 0 && sig != 0x7f
}

#[cfg(test)]
mod tests {
    use super::exit_code;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(0), 0);
        assert_eq!(exit_code(3 << 8), 3);
        assert_eq!(exit_code(9), 137); // SIGKILL
        assert_eq!(exit_code(15 | 0x80), 143); // SIGTERM with core flag
    }
}
