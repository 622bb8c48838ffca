// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxContextInteractive`: runs a [`ConfigInteractive`]'s command
//! with its stdin, stdout and stderr reachable through the app console.

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::Context;
use crate::config::ConfigInteractive;
use crate::console::channel::{ChannelAuth, PeerCheck};
use crate::console::{ConsoleRpc, Kind as ConsoleKind};
use crate::gvir::{Connection, Domain};

crate::abi::class_structs!(
    "GVirSandboxContextInteractive",
    ContextInteractiveInstance: crate::context::ContextInstance,
    ContextInteractiveClass: crate::context::ContextClass,
    imp::ContextInteractive,
    40,
    488
);

mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ContextInteractive;

    #[glib::object_subclass]
    impl ObjectSubclass for ContextInteractive {
        const NAME: &'static str = "GVirSandboxContextInteractive";
        type Type = super::ContextInteractive;
        type ParentType = crate::context::Context;
        type Instance = super::ContextInteractiveInstance;
        type Class = super::ContextInteractiveClass;
    }

    impl ObjectImpl for ContextInteractive {}
    impl crate::context::ContextImpl for ContextInteractive {}
}

glib::wrapper! {
    /// The context of an interactive sandbox (`GVirSandboxContextInteractive`).
    pub struct ContextInteractive(ObjectSubclass<imp::ContextInteractive>) @extends Context;
}

impl ContextInteractive {
    /// A context running `config` on the (opened) `connection`.
    pub fn new(connection: &Connection, config: &ConfigInteractive) -> Self {
        glib::Object::builder()
            .property("connection", connection)
            .property("config", config)
            .build()
    }

    /// The app console: the command's stdio and exit status. Attach it right
    /// after `start()`: the command runs once the console has connected.
    pub fn app_console(&self) -> crate::Result<ConsoleRpc> {
        let context: &Context = self.upcast_ref();
        let running = context.imp().running.borrow();
        let running = running.as_ref().ok_or_else(super::not_running)?;
        // A VM's app channel is a virtio-serial port, named as such.
        let devname = match running.backend {
            super::Backend::Lxc => ConsoleKind::App.devname(running.shell),
            super::Backend::Qemu => crate::builder::APP_CHANNEL_PORT,
        };
        let console = ConsoleRpc::for_domain(
            context.connection().as_ref(),
            &Domain::from_virt(&running.domain),
            devname,
        );
        if let Some(listener) = &running.app_channel {
            let listener = listener.try_clone().map_err(|e| {
                crate::error::error(
                    crate::error::SandboxError::Io,
                    format!("cannot use the console channel socket: {e}"),
                )
            })?;
            // The peer that answers the handshake is put under the task
            // limit before it is confirmed, then must prove it has the
            // sandbox's secret.
            let hook = running.tasks.as_ref().map(|tasks| {
                let tasks = std::rc::Rc::downgrade(tasks);
                Box::new(
                    move |peer: &crate::console::PeerCred| match tasks.upgrade() {
                        Some(tasks) => tasks.enforce(peer),
                        None => PeerCheck::Fail(super::not_running()),
                    },
                ) as crate::console::channel::PeerHook
            });
            // A VM's peer must be its own QEMU, as libvirt recorded it: not
            // another process of QEMU's user (another VM's escaped QEMU).
            let hook = hook.or_else(|| {
                (running.backend == super::Backend::Qemu).then(|| {
                    let domain = running.layout.domain_name.clone();
                    Box::new(move |peer: &crate::console::PeerCred| {
                        super::qemu_host::check_qemu_peer(&domain, peer.pid)
                    }) as crate::console::channel::PeerHook
                })
            });
            let mut auth = ChannelAuth::new(&running.secret, hook);
            if running.state.is_some() {
                // Once the init proved it read the launch spec (both
                // backends read it before they connect), its secret and
                // `-e` values have no use left on the host.
                let dir = running.layout.state_dir.clone();
                auth = auth.on_authenticated(move || super::state::forget_launch_spec(&dir));
            }
            console
                .upcast_ref::<crate::console::Console>()
                .set_channel(listener, auth);
        }
        Ok(console)
    }
}
