// SPDX-License-Identifier: LGPL-2.1-or-later
//! Stage 2 as a program of its own (for stage 1s that exec it, and tests):
//!   libvirt-sandbox-init-common --spec LAUNCH-SPEC

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    match args.as_slice() {
        [_, flag, spec] if flag == "--spec" => {
            ExitCode::from(sandbox_init::guest::main(spec.as_ref()))
        }
        _ => {
            eprintln!("usage: libvirt-sandbox-init-common --spec LAUNCH-SPEC");
            ExitCode::from(2)
        }
    }
}
