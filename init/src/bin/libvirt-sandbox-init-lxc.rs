// SPDX-License-Identifier: LGPL-2.1-or-later
//! Stage 1 for libvirt LXC: the container's `<init>`. libvirt has already
//! made the mounts, devices and interfaces, so it goes straight to stage 2.
//!   libvirt-sandbox-init-lxc LAUNCH-SPEC

use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::var_os("LIBVIRT_LXC_UUID").is_none() {
        eprintln!(
            "libvirt-sandbox-init-lxc: this is the init of a libvirt-sandbox LXC container; \
             it only runs as a container's init (LIBVIRT_LXC_UUID is not set)"
        );
        return ExitCode::from(1);
    }
    let Some(spec) = std::env::args_os().nth(1) else {
        eprintln!("libvirt-sandbox-init-lxc: usage: libvirt-sandbox-init-lxc LAUNCH-SPEC");
        return ExitCode::from(1);
    };
    ExitCode::from(sandbox_init::guest::main(
        spec.as_ref(),
        sandbox_init::isolation::Backend::Lxc,
    ))
}
