// SPDX-License-Identifier: LGPL-2.1-or-later
//! virt-sandbox: run a command in an application sandbox.
//!
//! Its exit code is the sandboxed command's (128+N when a signal N killed
//! it); 2 for invalid options; 1 when the sandbox could not run at all; 255
//! when the sandbox was ended from outside before its command finished; 128+N
//! when virt-sandbox itself was interrupted by signal N (it stops the sandbox).

use std::cell::{Cell, RefCell};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::rc::Rc;

use glib::prelude::*;

use libvirt_sandbox::config::{Config, ConfigInteractive};
use libvirt_sandbox::console::rpc::exit_code;
use libvirt_sandbox::context::ContextInteractive;
use libvirt_sandbox::gvir::{self, Connection};

mod cli;
/// The options virt-sandbox-service takes too (used by `cli`).
#[path = "common/mod.rs"]
mod common;
use cli::Args;

/// Exit code for option errors, like clap's own.
const EXIT_USAGE: u8 = 2;
/// Exit code when the sandbox could not run.
const EXIT_FAILURE: u8 = 1;
/// Exit code when the sandbox was ended from outside (its domain destroyed,
/// its libvirt_lxc or QEMU process killed) before its command finished: not
/// 128+N for any signal N, so never a command's signal death.
const EXIT_ENDED_OUTSIDE: u8 = 255;
/// How long, once the console closed, the CLI waits for libvirt to tell how
/// the domain ended when that decides the exit status (a command killed by
/// SIGTERM or SIGKILL, or no exit status at all): an outside end's event
/// comes once libvirt has killed the rest of the sandbox (~0.2 s), a
/// domain's own end right after the init exits.
const END_EVENT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn fail(code: u8, what: &str, e: &glib::Error) -> ExitCode {
    // `what` may quote input (the URI), libvirt's message too.
    let line = format!("{what}: {}", e.message());
    eprintln!("virt-sandbox: {}", libvirt_sandbox::error::bounded(&line));
    ExitCode::from(code)
}

/// The first argument that is not UTF-8, said in one line naming its option
/// (or its place in the command): clap's own message names neither. The
/// config, the launch spec and libvirt all carry UTF-8 only.
fn non_utf8_argument(args: impl Iterator<Item = std::ffi::OsString>) -> Option<String> {
    let mut previous: Option<String> = None;
    let mut command_from = None;
    for (index, arg) in args.enumerate() {
        let Some(text) = arg.to_str() else {
            let shown = arg.to_string_lossy().escape_debug().to_string();
            let place = match (command_from, previous.as_deref()) {
                (Some(start), _) => format!("argument {} of the command", index - start),
                (None, Some(option)) if option.starts_with('-') && !option.contains('=') => {
                    format!("the value of {option}")
                }
                _ if arg.as_encoded_bytes().starts_with(b"-") => "an option".to_owned(),
                _ => "the command".to_owned(),
            };
            return Some(format!(
                "{place} ('{shown}') is not valid UTF-8: sandboxes take UTF-8 arguments only"
            ));
        };
        if command_from.is_none() && text == "--" {
            command_from = Some(index + 1);
        }
        previous = Some(text.to_owned());
    }
    None
}

fn build_config(args: &Args) -> Result<ConfigInteractive, (String, glib::Error)> {
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("sandbox-{}", std::process::id()));
    let cfg = ConfigInteractive::new(&name);
    let base: &Config = cfg.upcast_ref();
    cfg.set_command(&args.command);
    cfg.set_tty(args.tty || std::io::stdin().is_terminal());
    if let Some(root) = &args.root {
        base.set_root(root);
    }
    base.set_kernrelease(args.kernver.as_deref());
    base.set_kernpath(args.kernpath.as_deref());
    base.set_kmodpath(args.kmodpath.as_deref());
    if let Some(backend) = args.fs_backend.as_deref() {
        base.set_filesystem_backend(
            libvirt_sandbox::config::FilesystemBackend::from_nick(backend).unwrap_or_default(),
        );
    }
    base.set_virtiofsd(args.virtiofsd.as_deref());
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
    base.add_disk_strv(&args.disks)
        .map_err(with("invalid --disk"))?;
    // -e, -m, -N, -s (-m before -i: an include lies in a mount)
    args.sandbox.apply(base)?;
    base.add_host_include_strv(&args.includes)
        .map_err(with("invalid --include"))?;
    if let Some(list) = &args.includefile {
        base.add_host_include_file(list)
            .map_err(with("invalid --includefile"))?;
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

/// The signals that end virt-sandbox: SIGINT (Ctrl-C in pipe mode), SIGTERM
/// (kill), SIGHUP (a closed terminal), and the user signals, which GLib
/// watches itself.
const STOP_SIGNALS: [i32; 5] = [
    nix::libc::SIGINT,
    nix::libc::SIGTERM,
    nix::libc::SIGHUP,
    nix::libc::SIGUSR1,
    nix::libc::SIGUSR2,
];

/// The other signals whose default action ends a process (and would leave
/// the sandbox to libvirt and the terminal raw), which GLib cannot watch:
/// blocked and read from a signalfd instead, to the same effect. (Not
/// handled: SIGKILL; the crash signals SIGSEGV, SIGBUS, SIGILL, SIGFPE,
/// SIGABRT, SIGTRAP, SIGSYS; the real-time signals.)
const FD_STOP_SIGNALS: [nix::sys::signal::Signal; 9] = {
    use nix::sys::signal::Signal::*;
    [
        SIGQUIT, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGXCPU, SIGXFSZ, SIGPWR, SIGSTKFLT,
    ]
};

/// The stop signals, caught from the first line of `main` on, so that none
/// takes its default action while a sandbox is being created or removed:
/// one that arrives is recorded (and quits the main loop when it runs), and
/// the sandbox is stopped and cleaned up (the terminal restored) before
/// virt-sandbox exits with 128+N. A signal virt-sandbox inherited as
/// ignored (`nohup`, a background job of a non-interactive shell) gets no
/// handler: it stays ignored.
struct StopSignals {
    arrived: Rc<Cell<Option<i32>>>,
    main_loop: glib::MainLoop,
    /// Kept for the process's life: removing GLib's last source for a
    /// signal restores its default action.
    _sources: Vec<glib::SourceId>,
}

impl StopSignals {
    fn install() -> Self {
        let ignored = inherited_ignored_signals();
        let is_ignored = |signal: i32| ignored & (1u64 << (signal - 1)) != 0;
        let arrived: Rc<Cell<Option<i32>>> = Rc::default();
        let main_loop = glib::MainLoop::new(None, false);
        let stop = {
            let (arrived, main_loop) = (arrived.clone(), main_loop.clone());
            move |signal: i32| {
                arrived.set(arrived.get().or(Some(signal)));
                main_loop.quit();
            }
        };
        // Blocked before any thread exists, so that every thread inherits
        // the mask (and the signalfd gets them); child processes started
        // with std's Command get an empty mask.
        let mut blocked = nix::sys::signal::SigSet::empty();
        for signal in FD_STOP_SIGNALS {
            if !is_ignored(signal as i32) {
                blocked.add(signal);
            }
        }
        let mut sources: Vec<glib::SourceId> = STOP_SIGNALS
            .into_iter()
            .filter(|&signal| !is_ignored(signal))
            .map(|signal| {
                let stop = stop.clone();
                glib_unix::unix_signal_add_local(signal, move || {
                    stop(signal);
                    glib::ControlFlow::Continue
                })
            })
            .collect();
        match blocked.thread_block().and_then(|()| {
            nix::sys::signalfd::SignalFd::with_flags(
                &blocked,
                nix::sys::signalfd::SfdFlags::SFD_NONBLOCK
                    | nix::sys::signalfd::SfdFlags::SFD_CLOEXEC,
            )
        }) {
            Ok(signal_fd) => {
                let fd = std::os::fd::AsRawFd::as_raw_fd(&signal_fd);
                sources.push(glib_unix::unix_fd_add_local(
                    fd,
                    glib::IOCondition::IN,
                    move |_, _| {
                        while let Ok(Some(info)) = signal_fd.read_signal() {
                            stop(info.ssi_signo as i32);
                        }
                        glib::ControlFlow::Continue
                    },
                ));
            }
            Err(e) => {
                // Back to the default actions rather than signals that
                // nothing reads.
                let _ = blocked.thread_unblock();
                eprintln!(
                    "virt-sandbox: warning: cannot watch SIGQUIT and similar signals ({e}); \
                     one of them would end virt-sandbox without stopping the sandbox"
                );
            }
        }
        Self {
            arrived,
            main_loop,
            _sources: sources,
        }
    }

    /// The first stop signal that arrived, once its source was dispatched
    /// (this dispatches what is ready without waiting: one that GLib's
    /// worker thread has not passed on yet is seen by the main loop).
    fn check(&self) -> Option<i32> {
        let context = glib::MainContext::default();
        for _ in 0..64 {
            if self.arrived.get().is_some() || !context.iteration(false) {
                break;
            }
        }
        self.arrived.get()
    }

    /// Says so and gives the exit code for the signal that arrived.
    fn interrupted(signal: i32, stopping: bool) -> ExitCode {
        if stopping {
            eprintln!("virt-sandbox: interrupted by signal {signal}; stopping the sandbox");
        } else {
            eprintln!("virt-sandbox: interrupted by signal {signal}");
        }
        ExitCode::from((128 + signal) as u8)
    }
}

/// The signals this process inherited as ignored (SIG_IGN), bit N-1 for
/// signal N, as the kernel reports them (`SigIgn:` in /proc/self/status;
/// read before any handler is installed). None when that cannot be read.
fn inherited_ignored_signals() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("SigIgn:"))
                .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        })
        .unwrap_or(0)
}

/// `--print-xml`: the domain a start would create (the values a start
/// picks at random aside, see `Builder::domain_xml`), nothing left behind.
fn print_xml(connection: &Connection, config: &ConfigInteractive) -> ExitCode {
    use libvirt_sandbox::builder_class::Builder;
    match Builder::for_driver(connection).and_then(|b| b.preview_xml(config.upcast_ref())) {
        Ok(xml) => {
            print!("{xml}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(EXIT_FAILURE, "cannot build the domain XML", &e),
    }
}

fn main() -> ExitCode {
    // First: no stop signal may take its default action from here on.
    let signals = StopSignals::install();
    // GLib's log lines name the program (not `process`).
    glib::set_prgname(Some("virt-sandbox"));
    if let Some(problem) = non_utf8_argument(std::env::args_os().skip(1)) {
        eprintln!("virt-sandbox: {problem}");
        return ExitCode::from(EXIT_USAGE);
    }
    let args = cli::parse();
    let config = match build_config(&args) {
        Ok(c) => c,
        Err((what, e)) => return fail(EXIT_USAGE, &what, &e),
    };
    warn_invisible_paths(config.upcast_ref(), &args.command);
    if let Err(e) = gvir::init_object().and_then(|()| libvirt_sandbox::init_check()) {
        return fail(EXIT_FAILURE, "cannot initialize", &e);
    }
    if args.debug {
        libvirt_sandbox::enable_debug_messages();
    }
    // Without -c libvirt chooses, as for virsh ($LIBVIRT_DEFAULT_URI,
    // uri_default of libvirt.conf, else its first driver that answers).
    let connection = Connection::new(args.uri.as_deref());
    if let Err(e) = connection.open() {
        let uri = args.uri.as_deref().unwrap_or("libvirt's default URI");
        return fail(
            EXIT_FAILURE,
            &format!("cannot open connection to {uri}"),
            &e,
        );
    }
    let uri = connection.uri();
    if args.debug {
        let how = match (&args.uri, std::env::var("LIBVIRT_DEFAULT_URI")) {
            (Some(_), _) => "from -c",
            (None, Ok(env)) if !env.is_empty() => "from LIBVIRT_DEFAULT_URI",
            (None, _) => "libvirt's default",
        };
        eprintln!("virt-sandbox: using {uri} ({how})");
    }

    if let Some(signal) = signals.check() {
        return StopSignals::interrupted(signal, false);
    }
    if args.print_xml {
        return print_xml(&connection, &config);
    }

    let context = ContextInteractive::new(&connection, &config);
    // From its start on (libvirt tells once the main loop runs).
    let domain_end = watch_domain_end(&connection, &context);
    if let Err(e) = context
        .upcast_ref::<libvirt_sandbox::context::Context>()
        .start()
    {
        return fail(start_failure_code(&e), "cannot start sandbox", &e);
    }
    let code = match signals.check() {
        // Signalled while the sandbox was being created: it goes at once.
        Some(signal) => StopSignals::interrupted(signal, true),
        None => run(&context, &signals, &domain_end, uri.starts_with("lxc")),
    };
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
        eprintln!(
            "virt-sandbox: cannot stop sandbox: {}",
            libvirt_sandbox::error::bounded(e.message())
        );
    }
    code
}

/// How the sandbox's domain ended, as libvirt's lifecycle event said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DomainEnd {
    /// By itself: its init exited (container) or powered off (machine).
    Shutdown,
    /// Destroyed (`virsh destroy`, another libvirt client).
    Destroyed,
    /// Its libvirt_lxc or QEMU process died (crashed, killed).
    Died,
}

/// What libvirt tells of the end of the sandbox's domain: `end` is set when
/// its `stopped` event arrives, and `wake` (set by `run`) is called then.
#[derive(Default)]
struct DomainEndWatch {
    end: Cell<Option<DomainEnd>>,
    wake: RefCell<Option<Box<dyn Fn()>>>,
}

/// Follows the lifecycle of the context's domain through libvirt-gobject:
/// the connection announces a transient domain when it starts
/// (`domain-added`), and that `GVirDomain` emits `stopped::DETAIL` when it
/// ends. Connected before the start; events are dispatched by the main loop.
fn watch_domain_end(connection: &Connection, context: &ContextInteractive) -> Rc<DomainEndWatch> {
    let watch: Rc<DomainEndWatch> = Rc::default();
    let context = context.downgrade();
    let added = watch.clone();
    connection.connect_local("domain-added", false, move |args| {
        let domain = args.get(1)?.get::<gvir::Domain>().ok()?;
        let name = domain.virt_domain().ok()?.name().ok()?;
        let ours = context.upgrade().and_then(|c| {
            c.upcast_ref::<libvirt_sandbox::context::Context>()
                .domain_name()
        });
        if ours.as_deref() != Some(name.as_str()) {
            return None;
        }
        for (detail, end) in [
            ("shutdown", DomainEnd::Shutdown),
            ("destroyed", DomainEnd::Destroyed),
            ("crashed", DomainEnd::Died),
            ("failed", DomainEnd::Died),
        ] {
            let watch = added.clone();
            domain.connect_local(&format!("stopped::{detail}"), false, move |_| {
                if watch.end.get().is_none() {
                    watch.end.set(Some(end));
                    if let Some(wake) = watch.wake.borrow().as_ref() {
                        wake();
                    }
                }
                None
            });
        }
        None
    });
    watch
}

/// A raw wait status of a command killed by SIGTERM or SIGKILL: what
/// libvirt's end of a container does to its processes, so also what a
/// container ended from outside reports.
fn killed_like_an_outside_end(raw: i32) -> bool {
    let signal = raw & 0x7f;
    signal == nix::libc::SIGTERM || signal == nix::libc::SIGKILL
}

/// Attaches the consoles and runs the main loop until the command's exit
/// status and last output have arrived (and, when that decides the exit
/// status, libvirt has told how the domain ended).
fn run(
    context: &ContextInteractive,
    signals: &StopSignals,
    domain_end: &Rc<DomainEndWatch>,
    lxc: bool,
) -> ExitCode {
    let base: &libvirt_sandbox::context::Context = context.upcast_ref();
    let main_loop = signals.main_loop.clone();
    let status: Rc<Cell<Option<i32>>> = Rc::default();
    // Set when the app console closed; what it ended with.
    let closed: Rc<RefCell<Option<Option<glib::Error>>>> = Rc::default();

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
    // Whether libvirt's word on the domain's end decides the exit status:
    // no status came (the guest's end closed first), or the command was
    // killed the way libvirt ends a container.
    let ambiguous = {
        let (status, closed) = (status.clone(), closed.clone());
        move || match (status.get(), closed.borrow().as_ref()) {
            (Some(raw), _) => killed_like_an_outside_end(raw),
            (None, Some(end_error)) => end_error.is_some(),
            (None, None) => false,
        }
    };
    app.upcast_ref::<libvirt_sandbox::console::Console>()
        .connect_closed({
            let (main_loop, closed, domain_end) =
                (main_loop.clone(), closed.clone(), domain_end.clone());
            let ambiguous = ambiguous.clone();
            move |console, _| {
                *closed.borrow_mut() = Some(console.end_error());
                if domain_end.end.get().is_some() || !ambiguous() {
                    main_loop.quit();
                    return;
                }
                // Wait (bounded) for libvirt to tell how the domain ended.
                let main_loop = main_loop.clone();
                glib::timeout_add_local_once(END_EVENT_WAIT, move || main_loop.quit());
            }
        });
    *domain_end.wake.borrow_mut() = Some(Box::new({
        let (main_loop, closed) = (main_loop.clone(), closed.clone());
        move || {
            if closed.borrow().is_some() {
                main_loop.quit();
            } else {
                // The console's end follows (the channel closes with the
                // domain); bounded, in case it does not.
                let main_loop = main_loop.clone();
                glib::timeout_add_local_once(END_EVENT_WAIT, move || main_loop.quit());
            }
        }
    }));
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
    // A stop signal (Ctrl-C in pipe mode, kill, a closed terminal) ends the
    // loop, so that main() stops the sandbox and removes its state.
    if signals.arrived.get().is_none() {
        main_loop.run();
    }
    *domain_end.wake.borrow_mut() = None;
    let _ = app
        .upcast_ref::<libvirt_sandbox::console::Console>()
        .detach();
    let _ = log
        .upcast_ref::<libvirt_sandbox::console::Console>()
        .detach();
    if let Some(signal) = signals.arrived.get() {
        return StopSignals::interrupted(signal, true);
    }
    let outside = matches!(
        domain_end.end.get(),
        Some(DomainEnd::Destroyed | DomainEnd::Died)
    );
    if outside && ambiguous() {
        let how = match domain_end.end.get() {
            Some(DomainEnd::Destroyed) => "its domain was destroyed",
            _ if lxc => "its libvirt_lxc process died",
            _ => "its QEMU process died",
        };
        eprintln!(
            "virt-sandbox: the sandbox '{}' was ended from outside ({how}) before its command \
             finished",
            base.domain_name().unwrap_or_default()
        );
        return ExitCode::from(EXIT_ENDED_OUTSIDE);
    }
    match status.get() {
        Some(raw) => ExitCode::from(exit_code(raw) as u8),
        None => {
            if let Some(Some(e)) = closed.borrow().as_ref() {
                eprintln!(
                    "virt-sandbox: {}",
                    libvirt_sandbox::error::bounded(e.message())
                );
            }
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
