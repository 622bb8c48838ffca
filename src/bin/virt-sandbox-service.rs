// SPDX-License-Identifier: LGPL-2.1-or-later
//! virt-sandbox-service: manage service sandboxes, persistent libvirt
//! domains that run one command each (see `ContextService`).
//!
//! Exit status: 0 on success; 1 when the operation failed; 2 for invalid
//! options. `status NAME` exits 0 when the service runs, 3 when it is
//! defined but stopped (as `systemctl status` does).

use std::process::ExitCode;

use glib::prelude::*;

use libvirt_sandbox::config::{Config, ConfigService, ConfigServiceGeneric, ConfigServiceSystemd};
use libvirt_sandbox::context::{ContextService, service, service_systemd, service_unit};
use libvirt_sandbox::gvir::{self, Connection};

#[path = "service_cli/args.rs"]
mod args;
/// The options virt-sandbox takes too (used by `args`).
#[path = "common/mod.rs"]
mod common;
#[path = "service_cli/log.rs"]
mod log;
#[path = "service_cli/run.rs"]
mod run;
#[path = "service_cli/shell.rs"]
mod shell;

use args::{Args, Command, CreateOptions};

const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_STOPPED: u8 = 3;

/// One line on stderr, and the exit code.
fn fail(code: u8, what: &str) -> ExitCode {
    eprintln!("virt-sandbox-service: {what}");
    ExitCode::from(code)
}

fn open(uri: &str) -> Result<Connection, String> {
    let connection = Connection::new(Some(uri));
    connection
        .open()
        .map_err(|e| format!("cannot open connection to {uri}: {}", e.message()))?;
    Ok(connection)
}

/// The URI a service lives on: `-c`, else the one it was defined on, else
/// `$LIBVIRT_DEFAULT_URI`, else `lxc:///`.
fn uri_of(uri: Option<String>, name: Option<&str>) -> String {
    uri.or_else(|| name.and_then(service::connection_uri))
        .or_else(|| std::env::var("LIBVIRT_DEFAULT_URI").ok())
        .unwrap_or_else(|| "lxc:///".to_owned())
}

fn create(
    options: &CreateOptions,
    name: &str,
    units: &[String],
    command: &[String],
) -> Result<(), (u8, String)> {
    let usage = |what: &str, e: glib::Error| (EXIT_USAGE, format!("{what}: {}", e.message()));
    let config: ConfigService = if units.is_empty() {
        let config = ConfigServiceGeneric::new(name);
        config.set_command(command);
        config.upcast()
    } else {
        let config = ConfigServiceSystemd::new(name);
        for unit in units {
            service_systemd::check_unit_name(unit).map_err(|e| usage("-u", e))?;
            config.add_unit(unit);
        }
        config.upcast()
    };
    let base: &Config = config.upcast_ref();
    options
        .sandbox
        .apply(base)
        .map_err(|(what, e)| usage(&what, e))?;
    if let Some(uid) = options.uid {
        base.set_userid(uid);
    }
    if let Some(gid) = options.gid {
        base.set_groupid(gid);
    }
    if let Some(username) = &options.username {
        base.set_username(username);
    }
    if let Some(homedir) = &options.homedir {
        base.set_homedir(homedir);
    }
    if let Some(max) = options.max_tasks {
        base.set_max_tasks(max);
    }
    // The root shell console of connect and execute.
    base.set_shell(!options.no_shell);
    // systemd says READY=1 once it booted its target (the units started).
    let notify = options.notify || !units.is_empty();
    let data = data_options(options)?;
    define(&config, options, notify, &data, name)
}

/// The data options of create's -p, -i, -C, checked before anything is made.
fn data_options(options: &CreateOptions) -> Result<service::DataOptions, (u8, String)> {
    let usage = |what: &str, e: glib::Error| (EXIT_USAGE, format!("{what}: {}", e.message()));
    if let Some(root) = &options.path {
        service::check_data_root(root).map_err(|e| usage("invalid --path", e))?;
    }
    let image_size = match &options.image_size {
        Some(size) => {
            let bytes = libvirt_sandbox::config::options::parse_size(size)
                .map_err(|e| (EXIT_USAGE, format!("invalid --image-size: {}", e.message)))?;
            service::check_image_size(bytes).map_err(|e| usage("invalid --image-size", e))?;
            Some(bytes)
        }
        None => None,
    };
    Ok(service::DataOptions {
        root: options.path.clone(),
        image_size,
        copy: options.copy,
    })
}

/// Defines the service `config` and writes its unit (unless --no-unit);
/// a unit that cannot be written undoes the define.
fn define(
    config: &ConfigService,
    options: &CreateOptions,
    notify: bool,
    data: &service::DataOptions,
    name: &str,
) -> Result<(), (u8, String)> {
    let failed = |e: glib::Error| {
        (
            EXIT_FAILURE,
            format!("cannot create the service '{name}': {}", e.message()),
        )
    };
    let unit = unit_options(options, notify).map_err(|e| (EXIT_FAILURE, e))?;
    if let Some(unit) = &unit {
        // Refused names and programs before anything is made.
        service_unit::unit_text(name, unit).map_err(failed)?;
        if service_unit::unit_path(name).exists() {
            return Err((
                EXIT_FAILURE,
                format!(
                    "cannot create the service '{name}': the name is in use (the systemd unit {} \
                     exists)",
                    service_unit::unit_path(name).display()
                ),
            ));
        }
    }
    let uri = uri_of(options.uri.uri.clone(), None);
    if !options.socket.is_empty() && config.is::<ConfigServiceSystemd>() {
        return Err((
            EXIT_FAILURE,
            "--socket is not supported with -u yet (systemd inside would need the sockets \
             as socket units of its own): leave one of them out"
                .to_owned(),
        ));
    }
    check_sockets(options, name, &uri)?;
    let connection = open(&uri).map_err(|e| (EXIT_FAILURE, e))?;
    let context = ContextService::new(&connection, config);
    context.set_data_options(data.clone());
    context.define().map_err(failed)?;
    if let Some(unit) = &unit
        && let Err(e) = service_unit::write_unit(name, unit)
    {
        let _ = context.undefine();
        return Err(failed(e));
    }
    Ok(())
}

/// Refuses `create --socket` where it cannot work: without units, on a
/// VM, or with a socket unit of that name.
fn check_sockets(options: &CreateOptions, name: &str, uri: &str) -> Result<(), (u8, String)> {
    if options.socket.is_empty() {
        return Ok(());
    }
    if options.no_unit {
        return Err((
            EXIT_FAILURE,
            "--socket needs the systemd units: drop --no-unit".to_owned(),
        ));
    }
    // libvirt passes files only into containers.
    if !matches!(
        libvirt_sandbox::context::Backend::from_uri(uri),
        Ok(libvirt_sandbox::context::Backend::Lxc)
    ) {
        return Err((
            EXIT_FAILURE,
            format!(
                "--socket: socket activation needs lxc:/// (libvirt passes no sockets into a \
                 virtual machine), not {uri}"
            ),
        ));
    }
    let path = service_unit::socket_unit_path(name);
    if path.exists() {
        return Err((
            EXIT_FAILURE,
            format!(
                "cannot create the service '{name}': the name is in use (the systemd unit {} \
                 exists)",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// The unit's options, or None with --no-unit.
fn unit_options(
    options: &CreateOptions,
    notify: bool,
) -> Result<Option<service_unit::UnitOptions>, String> {
    if options.no_unit {
        return Ok(None);
    }
    let program = std::env::current_exe()
        .map_err(|e| format!("cannot find virt-sandbox-service's own path: {e}"))?;
    Ok(Some(service_unit::UnitOptions {
        program,
        notify,
        stop_timeout: options.stop_timeout,
        sockets: options.socket.clone(),
    }))
}

/// The context of the existing service `name`.
fn existing(uri: Option<String>, name: &str) -> Result<ContextService, String> {
    let config: ConfigService = service::load_config(name).map_err(|e| e.message().to_owned())?;
    let uri = uri_of(uri, Some(name));
    let connection = open(&uri)?;
    Ok(ContextService::new(&connection, &config))
}

/// Re-creates the domain of `name` from its saved config, keeping its data
/// where it is (what is lent to the old domain's QEMU is given back, and
/// the new one's lent again).
fn upgrade(uri: Option<String>, name: &str) -> Result<(), String> {
    let context = existing(uri.clone(), name)?;
    let config = service::load_config(name).map_err(|e| e.message().to_owned())?;
    if context.is_running().unwrap_or(false) {
        return Err(format!(
            "cannot upgrade the service '{name}': it is running (stop it first)"
        ));
    }
    let uri = uri_of(uri, Some(name));
    let data_options = service::data_options(name);
    let data = service::data_dir(name);
    context.set_keep_data(true);
    context
        .undefine()
        .and_then(|()| {
            let context = ContextService::new(
                &open(&uri).map_err(|e| {
                    libvirt_sandbox::error::error(libvirt_sandbox::error::SandboxError::Io, e)
                })?,
                &config,
            );
            context.set_data_options(data_options);
            context.set_keep_data(true);
            context.define()
        })
        .map_err(|e| {
            format!(
                "cannot upgrade the service '{name}': {} (its data stays in {})",
                e.message(),
                data.display()
            )
        })
}

/// Copies the service `source` as `name`: its saved config under the new
/// name, its data, and a unit like its own.
fn clone(uri: Option<String>, source: &str, name: &str) -> Result<(), (u8, String)> {
    let config =
        service::load_config(source).map_err(|e| (EXIT_FAILURE, e.message().to_owned()))?;
    // The name is construct-only: the copy is the saved config renamed.
    let saved = glib::KeyFile::new();
    let _ = saved.load_from_data(
        &config.upcast_ref::<Config>().save_to_data(),
        glib::KeyFileFlags::NONE,
    );
    saved.set_string("core", "name", name);
    let copy = Config::load_from_data(&saved.to_data())
        .ok()
        .and_then(|c| c.downcast::<ConfigService>().ok())
        .ok_or((
            EXIT_FAILURE,
            format!("cannot copy the config of '{source}'"),
        ))?;
    let unit = std::fs::read_to_string(service_unit::unit_path(source)).ok();
    let options = CreateOptions {
        uri: args::Uri {
            uri: uri.or_else(|| service::connection_uri(source)),
        },
        no_unit: unit.is_none(),
        notify: unit.as_deref().is_some_and(|u| u.contains(" --notify ")),
        stop_timeout: unit
            .as_deref()
            .and_then(|u| u.split("--stop-timeout=").nth(1))
            .and_then(|t| t.split_whitespace().next())
            .and_then(|t| t.parse().ok())
            .unwrap_or(10),
        ..Default::default()
    };
    let data = service::data_options(source);
    // A mounted file system copied block by block is no consistent one.
    if data.image_size.is_some()
        && existing(options.uri.uri.clone(), source)
            .ok()
            .and_then(|c| c.is_running().ok())
            .unwrap_or(false)
    {
        return Err((
            EXIT_FAILURE,
            format!(
                "cannot clone the service '{source}': its data is an image it has mounted \
                 (stop it first)"
            ),
        ));
    }
    define(&copy, &options, options.notify, &data, name)?;
    let from = service::data_dir(source);
    let to = service::data_dir(name);
    let copied = if data.image_size.is_some() {
        // Into DST's own image file, which keeps its mode and the ACL
        // that lends it to DST's QEMU (cp -a would carry SRC's).
        std::process::Command::new("cp")
            .arg("--sparse=always")
            .arg("--")
            .arg(from.join(service::DATA_IMAGE))
            .arg(to.join(service::DATA_IMAGE))
            .status()
    } else {
        std::process::Command::new("cp")
            .arg("-a")
            .arg("--")
            .arg(from.join("."))
            .arg(&to)
            .status()
    };
    if !copied.is_ok_and(|s| s.success()) {
        return Err((
            EXIT_FAILURE,
            format!(
                "created the service '{name}', but could not copy the data of '{source}' ({} to {})",
                from.display(),
                to.display()
            ),
        ));
    }
    Ok(())
}

fn run(command: Command) -> Result<ExitCode, (u8, String)> {
    let failed =
        |what: String| move |e: glib::Error| (EXIT_FAILURE, format!("{what}: {}", e.message()));
    let usage_error = |e: String| (EXIT_FAILURE, e);
    match command {
        Command::Create {
            options,
            units,
            name,
            command,
        } => {
            create(&options, &name, &units, &command)?;
            if options.no_unit {
                println!("created the service '{name}'");
            } else {
                println!(
                    "created the service '{name}' (systemd unit {})",
                    service_unit::unit_path(&name).display()
                );
            }
        }
        Command::Clone { uri, source, name } => {
            clone(uri.uri, &source, &name)?;
            println!("created the service '{name}', a copy of '{source}'");
        }
        Command::Upgrade { uri, name } => {
            upgrade(uri.uri, &name).map_err(usage_error)?;
            println!("upgraded the service '{name}'");
        }
        Command::Delete { uri, name } => {
            existing(uri.uri, &name)
                .map_err(usage_error)?
                .undefine()
                .map_err(failed(format!("cannot delete the service '{name}'")))?;
            service_unit::remove_unit(&name).map_err(failed(format!(
                "deleted the service '{name}', but not its unit"
            )))?;
            log::remove(&name).map_err(|e| {
                (
                    EXIT_FAILURE,
                    format!("deleted the service '{name}', but not its log: {e}"),
                )
            })?;
            println!("deleted the service '{name}'");
        }
        Command::Start { uri, name } => {
            let context = existing(uri.uri.clone(), &name).map_err(usage_error)?;
            if context
                .is_running()
                .map_err(failed(format!("cannot start the service '{name}'")))?
            {
                return Err((
                    EXIT_FAILURE,
                    format!(
                        "cannot start the service '{name}': the service '{name}' is already \
                         running"
                    ),
                ));
            }
            let log =
                log::start(&context, &uri_of(uri.uri, Some(&name)), &name).map_err(usage_error)?;
            println!(
                "started the service '{name}' (its output goes to {})",
                log.display()
            );
        }
        Command::Log { path, name } => {
            service::load_config(&name).map_err(|e| (EXIT_FAILURE, e.message().to_owned()))?;
            if path {
                println!("{}", log::path(&name).display());
            } else {
                log::print(&name).map_err(usage_error)?;
            }
        }
        Command::Run {
            uri,
            notify,
            stop_timeout,
            name,
        } => {
            let context = existing(uri.uri, &name).map_err(usage_error)?;
            let code = run::run(
                &context,
                notify,
                std::time::Duration::from_secs(stop_timeout.into()),
            )
            .map_err(usage_error)?;
            return Ok(ExitCode::from(code));
        }
        Command::Stop {
            uri,
            if_running,
            stop_timeout,
            name,
        } => {
            let context = existing(uri.uri, &name).map_err(usage_error)?;
            if !context
                .is_running()
                .map_err(failed(format!("cannot stop the service '{name}'")))?
            {
                if if_running {
                    return Ok(ExitCode::SUCCESS);
                }
                return Err((
                    EXIT_FAILURE,
                    format!("cannot stop the service '{name}': it is not running"),
                ));
            }
            let gracefully = context
                .stop_gracefully(std::time::Duration::from_secs(stop_timeout.into()))
                .map_err(failed(format!("cannot stop the service '{name}'")))?;
            if gracefully {
                println!("stopped the service '{name}'");
            } else {
                println!(
                    "stopped the service '{name}' (destroyed: it did not stop within {stop_timeout}s of SIGTERM)"
                );
            }
        }
        Command::Status { uri, name } => {
            let context = existing(uri.uri, &name).map_err(usage_error)?;
            let running = context
                .is_running()
                .map_err(failed(format!("cannot ask about the service '{name}'")))?;
            println!("{name}: {}", if running { "running" } else { "stopped" });
            if !running {
                return Ok(ExitCode::from(EXIT_STOPPED));
            }
        }
        Command::List => {
            for name in service::list() {
                let uri = uri_of(None, Some(&name));
                let state = existing(Some(uri.clone()), &name)
                    .ok()
                    .and_then(|c| c.is_running().ok())
                    .map_or(
                        "unknown",
                        |running| {
                            if running { "running" } else { "stopped" }
                        },
                    );
                println!("{name}\t{uri}\t{state}");
            }
        }
        Command::Execute { uri, name, command } => {
            let context = existing(uri.uri, &name).map_err(usage_error)?;
            let path = context
                .shell_console_path()
                .map_err(failed(format!("cannot execute in the service '{name}'")))?;
            let code = shell::execute(&path, &command).map_err(|e| {
                (
                    EXIT_FAILURE,
                    format!("cannot execute in the service '{name}': {e}"),
                )
            })?;
            return Ok(ExitCode::from(code));
        }
        Command::Reload { uri, units, name } => {
            let config =
                service::load_config(&name).map_err(|e| usage_error(e.message().to_owned()))?;
            let Some(systemd) = config.downcast_ref::<ConfigServiceSystemd>() else {
                return Err((
                    EXIT_USAGE,
                    format!("cannot reload in '{name}': it is no systemd service (create -u UNIT)"),
                ));
            };
            let known = systemd.units();
            if let Some(unit) = units.iter().find(|u| !known.contains(u)) {
                return Err((
                    EXIT_USAGE,
                    format!(
                        "cannot reload '{unit}' in '{name}': the service starts only {}",
                        known.join(", ")
                    ),
                ));
            }
            let context = existing(uri.uri, &name).map_err(usage_error)?;
            let path = context
                .shell_console_path()
                .map_err(failed(format!("cannot reload in the service '{name}'")))?;
            let mut command = vec!["systemctl".to_owned(), "reload-or-restart".to_owned()];
            command.extend(units.iter().cloned());
            let code = shell::execute(&path, &command).map_err(|e| {
                (
                    EXIT_FAILURE,
                    format!("cannot reload in the service '{name}': {e}"),
                )
            })?;
            return Ok(ExitCode::from(code));
        }
        Command::Connect { uri, name } => {
            let context = existing(uri.uri.clone(), &name).map_err(usage_error)?;
            context
                .shell_console_path()
                .map_err(failed(format!("cannot connect to the service '{name}'")))?;
            let uri = uri_of(uri.uri, Some(&name));
            let e = std::os::unix::process::CommandExt::exec(
                std::process::Command::new("virsh").args([
                    "-c",
                    &uri,
                    "console",
                    "--devname",
                    "console1",
                    &name,
                ]),
            );
            return Err((EXIT_FAILURE, format!("cannot run virsh console: {e}")));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    // GLib's log lines (LIBVIRT_SANDBOX_DEBUG=1) name the program, not `process`.
    glib::set_prgname(Some("virt-sandbox-service"));
    let args: Args = common::parse("virt-sandbox-service");
    if !matches!(args.command, Command::List) && !nix::unistd::geteuid().is_root() {
        return fail(
            EXIT_FAILURE,
            "service sandboxes are system services: run virt-sandbox-service as root",
        );
    }
    if let Err(e) = gvir::init_object().and_then(|()| libvirt_sandbox::init_check()) {
        return fail(EXIT_FAILURE, &format!("cannot initialize: {}", e.message()));
    }
    match run(args.command) {
        Ok(code) => code,
        Err((code, message)) => fail(code, &message),
    }
}
