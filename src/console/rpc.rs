// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConsoleRpc`: the app console, speaking the sandbox wire
//! protocol — stdin, stdout and stderr as separate streams, then the exit
//! status, reported by the `exited` signal before `closed`.

use glib::prelude::*;

use super::Console;
use crate::gvir::{Connection, Domain};

/// Instance struct; mirrors `struct _GVirSandboxConsoleRpc` in the header.
#[repr(C)]
pub struct ConsoleRpcInstance {
    pub parent: super::ConsoleInstance,
    /// The original's private pointer; NULL (see [`crate::abi`]).
    pub priv_: glib::ffi::gpointer,
}

unsafe impl glib::subclass::types::InstanceStruct for ConsoleRpcInstance {
    type Type = imp::ConsoleRpc;
}

/// The `exited` signal's class handler slot.
pub type ExitedFn = unsafe extern "C" fn(*mut ConsoleRpcInstance, i32);

/// Class struct; mirrors `struct _GVirSandboxConsoleRpcClass` in the header
/// (the original's layout). `exited` is the class closure of the `exited`
/// signal (NULL by default); `closed` is unused, kept for the layout.
#[repr(C)]
pub struct ConsoleRpcClass {
    pub parent_class: super::ConsoleClass,
    pub exited: Option<ExitedFn>,
    pub closed: glib::ffi::gpointer,
    pub padding: [glib::ffi::gpointer; 20],
}

unsafe impl glib::subclass::types::ClassStruct for ConsoleRpcClass {
    type Type = imp::ConsoleRpc;
}

crate::abi::assert_size!(ConsoleRpcInstance, 40);
crate::abi::assert_size!(ConsoleRpcClass, 496);

mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ConsoleRpc;

    #[glib::object_subclass]
    impl ObjectSubclass for ConsoleRpc {
        const NAME: &'static str = "GVirSandboxConsoleRpc";
        type Type = super::ConsoleRpc;
        type ParentType = crate::console::Console;
        type Instance = super::ConsoleRpcInstance;
        type Class = super::ConsoleRpcClass;

        fn class_init(klass: &mut Self::Class) {
            crate::console::vfuncs::install_rpc_class(klass);
        }
    }

    impl ObjectImpl for ConsoleRpc {}

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
