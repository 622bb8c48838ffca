// SPDX-License-Identifier: LGPL-2.1-or-later
//! Turns a config into the launch spec the guest init reads (the format is
//! defined once, in `sandbox_proto::launch`).

use super::Backend;
use super::state::StateDir;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;

use crate::builder::{APP_CHANNEL_SOCKET, GUEST_STATE_DIR, LAUNCH_SPEC_NAME, Layout, machine};
use crate::config::{Config, ConfigInteractive};
use crate::error::{SandboxError, error};
use glib::prelude::*;
use sandbox_proto::launch::LaunchSpec;

/// Guest device of the app channel and of the debug shell (LXC), in the
/// console order of builder::container.
fn lxc_devices(shell: bool) -> (String, Option<String>) {
    if shell {
        ("/dev/tty3".to_owned(), Some("/dev/tty2".to_owned()))
    } else {
        ("/dev/tty2".to_owned(), None)
    }
}

/// Builds the launch spec of `config`.
pub(crate) fn spec(
    config: &Config,
    layout: &Layout,
    backend: Backend,
) -> crate::Result<LaunchSpec> {
    let command = config.command();
    if command.is_empty() || command[0].is_empty() {
        return Err(error(
            SandboxError::InvalidArgument,
            "the sandbox has no command to run: set one with set_command()",
        ));
    }
    let tty = config
        .downcast_ref::<ConfigInteractive>()
        .is_some_and(|c| c.tty());
    let (channel, shell) = match backend {
        Backend::Lxc => lxc_devices(config.shell()),
        Backend::Qemu => (
            machine::app_device(layout).unwrap_or_default(),
            machine::shell_device(config, layout),
        ),
    };
    let mut spec = LaunchSpec::new(command);
    spec.env = config.envs();
    spec.uid = config.userid();
    spec.gid = config.groupid();
    spec.username = config.username().unwrap_or_default();
    spec.homedir = config.homedir().unwrap_or_else(|| "/".to_owned());
    spec.tty = tty;
    spec.privileged = config.privileged();
    spec.channel = channel;
    spec.shell = shell;
    spec.debug = config.debug();
    spec.verbose = config.verbose();
    spec.max_tasks = config.max_tasks();
    spec.grants = crate::builder::grants(layout);
    Ok(spec)
}

/// Creates the app channel socket in the state directory; returns it and the
/// channel an LXC guest connects to (`unix:PATH`, as the launch spec says).
pub(crate) fn app_channel(layout: &Layout) -> crate::Result<(UnixListener, String)> {
    let path = layout.state_dir.join(APP_CHANNEL_SOCKET);
    let listener = UnixListener::bind(&path).map_err(|e| {
        error(
            SandboxError::Io,
            format!("cannot create the console socket '{}': {e}", path.display()),
        )
    })?;
    listener.set_nonblocking(true).map_err(|e| {
        error(
            SandboxError::Io,
            format!("cannot set up the console socket '{}': {e}", path.display()),
        )
    })?;
    // Owner-only like everything in the state directory (libvirt hands a
    // VM's socket to an unprivileged QEMU itself).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
        error(
            SandboxError::Io,
            format!(
                "cannot set the mode of the console socket '{}': {e}",
                path.display()
            ),
        )
    })?;
    Ok((
        listener,
        format!("unix:{GUEST_STATE_DIR}/{APP_CHANNEL_SOCKET}"),
    ))
}

/// Writes the launch spec into the sandbox's state directory: mode 0600
/// (0640 for an unprivileged QEMU's group, see [`StateDir::grant_group`]).
pub(crate) fn write_spec(spec: &LaunchSpec, state: &StateDir) -> crate::Result<()> {
    state.write_file(LAUNCH_SPEC_NAME, spec.to_json().as_bytes(), true)
}

/// The mounts the guest init makes itself: in a container the guest binds
/// (`guest`); in a VM the backend's mounts are the init's too: the private
/// tmpfs first, then the config's (which may lie inside them), before the
/// guest binds (whose sources may lie inside those).
pub(crate) fn guest_mounts(
    config: &Config,
    layout: &Layout,
    backend: Backend,
    guest: Vec<sandbox_proto::launch::GuestMount>,
) -> Vec<sandbox_proto::launch::GuestMount> {
    match backend {
        Backend::Lxc => guest,
        Backend::Qemu => {
            let mut all: Vec<_> = layout
                .private_dirs
                .iter()
                .map(|dir| sandbox_proto::launch::GuestMount {
                    source: "tmpfs".to_owned(),
                    target: dir.clone(),
                    fstype: "tmpfs".to_owned(),
                    options: format!("size={}k,mode=1777", config.memory()),
                })
                .collect();
            all.extend(machine::guest_mounts(
                layout,
                config.userid(),
                config.groupid(),
            ));
            all.extend(guest);
            all
        }
    }
}

/// A guest bind of a writable place is writable too: the init maps its
/// owners like the mount it comes from.
pub(crate) fn extend_grants(spec: &mut LaunchSpec) {
    for bind in spec.mounts.iter().filter(|m| m.fstype.is_empty()) {
        if spec
            .grants
            .iter()
            .any(|grant| crate::builder::is_within(&bind.source, grant))
        {
            spec.grants.push(bind.target.clone());
        }
    }
}
