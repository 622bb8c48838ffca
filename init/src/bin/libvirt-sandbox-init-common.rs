// SPDX-License-Identifier: LGPL-2.1-or-later
//! Stage 2 as a program of its own (for stage 1s that exec it, and tests):
//!   libvirt-sandbox-init-common --backend lxc|qemu --spec LAUNCH-SPEC
//! The backend says which walls the command gets (a user namespace in a
//! container, a task-limit cgroup in a VM).

use std::process::ExitCode;

use sandbox_init::isolation::Backend;

const USAGE: &str = "usage: libvirt-sandbox-init-common --backend lxc|qemu --spec LAUNCH-SPEC";

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    let (backend, spec) = match args.as_slice() {
        [_, b, backend, s, spec] if b == "--backend" && s == "--spec" => (backend, spec),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let backend = match backend.to_str() {
        Some("lxc") => Backend::Lxc,
        Some("qemu") => Backend::Qemu,
        _ => {
            eprintln!("libvirt-sandbox-init-common: unknown backend {backend:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    ExitCode::from(sandbox_init::guest::main(spec.as_ref(), backend))
}
