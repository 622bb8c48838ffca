// SPDX-License-Identifier: LGPL-2.1-or-later
//! virt-sandbox: run a command in an application sandbox.
//!
//! Its exit code is the sandboxed command's (128+N when a signal N killed
//! it); 2 for invalid options; 1 when the sandbox could not run at all.

use std::cell::Cell;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::rc::Rc;

use clap::Parser;
use glib::prelude::*;

use libvirt_sandbox::capi::gvir::{self, Connection};
use libvirt_sandbox::config::{Config, ConfigInteractive};
use libvirt_sandbox::console::rpc::exit_code;
use libvirt_sandbox::context::ContextInteractive;

#[derive(Parser, Debug)]
#[command(
    name = "virt-sandbox",
    version,
    about = "Run a command in an isolated libvirt application sandbox",
    after_help = "Use -- before the command when its arguments start with '-'."
)]
struct Args {
    /// libvirt connection URI (default: $LIBVIRT_DEFAULT_URI, else lxc:/// for root)
    #[arg(short = 'c', long = "connect", value_name = "URI")]
    uri: Option<String>,
    /// Sandbox name (the domain gets a unique suffix)
    #[arg(short = 'n', long, default_value = "sandbox")]
    name: String,
    /// Host directory to use as the sandbox's root
    #[arg(short = 'r', long, value_name = "DIR")]
    root: Option<String>,
    /// Mount: host-bind:DST=SRC, host-image:DST=IMAGE[,format=FMT], guest-bind:DST=SRC, ram:DST=SIZE
    #[arg(short = 'm', long = "mount", value_name = "TYPE:DST=SRC")]
    mounts: Vec<String>,
    /// Copy a host file into the sandbox: GUEST-PATH[=HOST-PATH]
    #[arg(short = 'i', long = "include", value_name = "GUEST[=HOST]")]
    includes: Vec<String>,
    /// A file listing includes, one per line
    #[arg(short = 'I', long = "includefile", value_name = "FILE")]
    includefile: Option<std::path::PathBuf>,
    /// Network interface: dhcp, source=NET, mac=MAC, address=IP/PREFIX, route=CIDR%GW, filter=NAME
    #[arg(short = 'N', long = "network", value_name = "OPTS")]
    networks: Vec<String>,
    /// Block disk: file:TAG=PATH[,format=FMT] (appears at /dev/disk/by-tag/TAG)
    #[arg(long = "disk", value_name = "TYPE:TAG=SOURCE")]
    disks: Vec<String>,
    /// Environment variable for the command
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    envs: Vec<String>,
    /// Security label: dynamic, static,label=LABEL or inherit
    #[arg(short = 's', long, value_name = "OPTS")]
    security: Option<String>,
    /// Run as root (uid 0) instead of the calling user
    #[arg(short = 'p', long, conflicts_with = "switchto")]
    privileged: bool,
    /// Run as this user instead of the calling user
    #[arg(short = 'S', long, value_name = "USER")]
    switchto: Option<String>,
    /// Offer a root debug shell on an extra console
    #[arg(short = 'l', long)]
    shell: bool,
    /// Give the command a terminal (default: when stdin is a terminal)
    #[arg(short = 't', long)]
    tty: bool,
    /// Debug messages from the guest init
    #[arg(short = 'd', long)]
    debug: bool,
    /// Verbose messages from the guest init
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Most tasks (processes and threads) the sandbox may have; 0 for no limit [default: 4096]
    #[arg(long = "max-tasks", value_name = "N")]
    max_tasks: Option<String>,
    /// Memory of the sandbox, e.g. 512M or 2G (bytes without a suffix) [default: 512M]
    #[arg(long, value_name = "SIZE")]
    memory: Option<String>,
    /// Most CPUs' worth of time the sandbox may use, e.g. 1.5; 0 for no quota [default: 0]
    #[arg(long, value_name = "N")]
    cpus: Option<String>,
    /// Kernel release for virtual machines
    #[arg(long, value_name = "VERSION")]
    kernver: Option<String>,
    /// Kernel image for virtual machines
    #[arg(long, value_name = "FILE")]
    kernpath: Option<String>,
    /// Kernel modules directory for virtual machines
    #[arg(long, value_name = "DIR")]
    kmodpath: Option<String>,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, value_name = "COMMAND")]
    command: Vec<String>,
}

/// Exit code for option errors, like clap's own.
const EXIT_USAGE: u8 = 2;
/// Exit code when the sandbox could not run.
const EXIT_FAILURE: u8 = 1;

fn fail(code: u8, what: &str, e: &glib::Error) -> ExitCode {
    eprintln!("virt-sandbox: {what}: {}", e.message());
    ExitCode::from(code)
}

fn build_config(args: &Args) -> Result<ConfigInteractive, (String, glib::Error)> {
    let cfg = ConfigInteractive::new(&args.name);
    let base: &Config = cfg.upcast_ref();
    cfg.set_command(&args.command);
    cfg.set_tty(args.tty || std::io::stdin().is_terminal());
    if let Some(root) = &args.root {
        base.set_root(root);
    }
    base.set_kernrelease(args.kernver.as_deref());
    base.set_kernpath(args.kernpath.as_deref());
    base.set_kmodpath(args.kmodpath.as_deref());
    if args.privileged {
        base.set_privileged(true);
        base.set_userid(0);
        base.set_groupid(0);
        base.set_username("root");
    }
    if let Some(user) = &args.switchto {
        let entry = nix::unistd::User::from_name(user)
            .ok()
            .flatten()
            .ok_or_else(|| {
                (
                    "invalid --switchto".to_owned(),
                    glib::Error::new(
                        libvirt_sandbox::error::SandboxError::InvalidArgument,
                        &format!("no user '{user}' on this host"),
                    ),
                )
            })?;
        base.set_userid(entry.uid.as_raw());
        base.set_groupid(entry.gid.as_raw());
        base.set_username(&entry.name);
        base.set_homedir(&entry.dir.to_string_lossy());
    }
    let with = |what: &str| {
        let what = what.to_owned();
        move |e| (what, e)
    };
    base.add_env_strv(&args.envs)
        .map_err(with("invalid --env"))?;
    base.add_disk_strv(&args.disks)
        .map_err(with("invalid --disk"))?;
    base.add_mount_strv(&args.mounts)
        .map_err(with("invalid --mount"))?;
    base.add_host_include_strv(&args.includes)
        .map_err(with("invalid --include"))?;
    if let Some(list) = &args.includefile {
        base.add_host_include_file(list)
            .map_err(with("invalid --includefile"))?;
    }
    base.add_network_strv(&args.networks)
        .map_err(with("invalid --network"))?;
    if let Some(sec) = &args.security {
        base.set_security_opts(sec)
            .map_err(with("invalid --security"))?;
    }
    for (name, value) in [
        ("max-tasks", &args.max_tasks),
        ("memory", &args.memory),
        ("cpus", &args.cpus),
    ] {
        if let Some(value) = value {
            base.set_limit_opts(name, value)
                .map_err(with(&format!("invalid --{name}")))?;
        }
    }
    base.set_shell(args.shell);
    base.set_debug(args.debug);
    base.set_verbose(args.verbose);
    Ok(cfg)
}

/// A start that failed on what the user asked for (a mount source that does
/// not exist, say) is a usage error like a malformed option.
fn start_failure_code(e: &glib::Error) -> u8 {
    use libvirt_sandbox::error::SandboxError as E;
    let bad_option = [
        E::InvalidMount,
        E::InvalidInclude,
        E::InvalidDisk,
        E::InvalidNetwork,
        E::InvalidEnv,
        E::InvalidSecurity,
    ];
    if bad_option.iter().any(|code| e.matches(*code)) {
        EXIT_USAGE
    } else {
        EXIT_FAILURE
    }
}

/// Host directories every sandbox has a private, empty copy of.
const PRIVATE_DIRS: [&str; 5] = ["/tmp", "/var/tmp", "/run", "/var/run", "/dev/shm"];

/// Warns about each argument of the command that names a host file the
/// sandbox cannot see: an existing path under a directory the sandbox has
/// a private copy of, which none of its mounts covers. The command still
/// runs (the path may be meant for the sandbox's own copy).
fn warn_invisible_paths(config: &Config, command: &[String]) {
    use libvirt_sandbox::builder::is_within;
    let targets: Vec<String> = config.mounts().iter().filter_map(|m| m.target()).collect();
    for arg in command {
        let Some(dir) = PRIVATE_DIRS.iter().find(|d| is_within(arg, d) && arg != *d) else {
            continue;
        };
        if targets.iter().any(|t| is_within(arg, t)) || std::fs::symlink_metadata(arg).is_err() {
            continue;
        }
        eprintln!(
            "virt-sandbox: warning: '{arg}' is not visible in the sandbox: its {dir} is \
             private; grant it with -m host-bind:{arg}={arg}"
        );
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match build_config(&args) {
        Ok(c) => c,
        Err((what, e)) => return fail(EXIT_USAGE, &what, &e),
    };
    warn_invisible_paths(config.upcast_ref(), &args.command);
    if let Err(e) = gvir::init_object().and_then(|()| libvirt_sandbox::init_check()) {
        return fail(EXIT_FAILURE, "cannot initialize", &e);
    }
    let uri = args
        .uri
        .clone()
        .or_else(|| std::env::var("LIBVIRT_DEFAULT_URI").ok())
        .unwrap_or_else(|| "lxc:///".to_owned());
    let connection = Connection::new(&uri);
    if let Err(e) = connection.open() {
        return fail(
            EXIT_FAILURE,
            &format!("cannot open connection to {uri}"),
            &e,
        );
    }

    let context = ContextInteractive::new(&connection, &config);
    if let Err(e) = context
        .upcast_ref::<libvirt_sandbox::context::Context>()
        .start()
    {
        return fail(start_failure_code(&e), "cannot start sandbox", &e);
    }
    let code = run(&context);
    if let Some(limit) = context
        .upcast_ref::<libvirt_sandbox::context::Context>()
        .task_limit_reached()
    {
        eprintln!(
            "virt-sandbox: the sandbox reached its task limit ({limit}): some of its forks \
             failed; raise it with --max-tasks"
        );
    }
    if let Err(e) = context
        .upcast_ref::<libvirt_sandbox::context::Context>()
        .stop()
    {
        eprintln!("virt-sandbox: cannot stop sandbox: {}", e.message());
    }
    code
}

/// Attaches the consoles and runs the main loop until the command's exit
/// status and last output have arrived.
fn run(context: &ContextInteractive) -> ExitCode {
    let base: &libvirt_sandbox::context::Context = context.upcast_ref();
    let main_loop = glib::MainLoop::new(None, false);
    let status: Rc<Cell<Option<i32>>> = Rc::default();

    let log = match base.log_console() {
        Ok(log) => log,
        Err(e) => return fail(EXIT_FAILURE, "cannot open the log console", &e),
    };
    let app = match context.app_console() {
        Ok(app) => app,
        Err(e) => return fail(EXIT_FAILURE, "cannot open the app console", &e),
    };
    app.connect_exited({
        let status = status.clone();
        move |_, raw| status.set(Some(raw))
    });
    app.upcast_ref::<libvirt_sandbox::console::Console>()
        .connect_closed({
            let main_loop = main_loop.clone();
            move |_, _| main_loop.quit()
        });
    // The log console shows what the guest init reports (its errors); it is
    // best effort.
    let _ = log
        .upcast_ref::<libvirt_sandbox::console::Console>()
        .attach_stderr();
    if let Err(e) = app
        .upcast_ref::<libvirt_sandbox::console::Console>()
        .attach_stdio()
    {
        return fail(EXIT_FAILURE, "cannot attach the app console", &e);
    }
    // Interrupted (Ctrl-C in pipe mode, kill, a closed terminal): end the
    // loop so that main() stops the sandbox and removes its state.
    let interrupted: Rc<Cell<Option<i32>>> = Rc::default();
    let handlers: Vec<_> = [nix::libc::SIGINT, nix::libc::SIGTERM, nix::libc::SIGHUP]
        .into_iter()
        .map(|signal| {
            let (main_loop, interrupted) = (main_loop.clone(), interrupted.clone());
            glib_unix::unix_signal_add_local(signal, move || {
                interrupted.set(Some(signal));
                main_loop.quit();
                glib::ControlFlow::Break
            })
        })
        .collect();
    main_loop.run();
    if let Some(signal) = interrupted.get() {
        eprintln!("virt-sandbox: interrupted by signal {signal}; stopping the sandbox");
        return ExitCode::from((128 + signal) as u8);
    }
    // The handler that fired removed itself; the others are still there.
    handlers.into_iter().for_each(glib::SourceId::remove);
    let _ = log
        .upcast_ref::<libvirt_sandbox::console::Console>()
        .detach();
    match status.get() {
        Some(raw) => ExitCode::from(exit_code(raw) as u8),
        None => ExitCode::from(EXIT_FAILURE),
    }
}
