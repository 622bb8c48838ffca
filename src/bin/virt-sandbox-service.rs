// SPDX-License-Identifier: LGPL-2.1-or-later
//! virt-sandbox-service: manage service sandboxes, persistent libvirt
//! domains that run one command each (see `ContextService`).
//!
//! Exit status: 0 on success; 1 when the operation failed; 2 for invalid
//! options. `status NAME` exits 0 when the service runs, 3 when it is
//! defined but stopped (as `systemctl status` does).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use glib::prelude::*;

use libvirt_sandbox::config::{Config, ConfigService, ConfigServiceGeneric};
use libvirt_sandbox::context::{Context, ContextService, service};
use libvirt_sandbox::gvir::{self, Connection};

const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_STOPPED: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "virt-sandbox-service",
    version,
    about = "Manage service sandboxes: persistent libvirt domains that each run one service",
    after_help = "A service's configuration and boot files live in \
/etc/libvirt-sandbox/services/NAME (its saved config in config/sandbox.cfg), \
its data in /var/lib/libvirt/filesystems/NAME. Services are root's."
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Define a new service running COMMAND (a generic service)
    Create {
        /// libvirt connection URI: lxc:/// (the default) or qemu:///system
        #[arg(short = 'c', long = "connect", value_name = "URI")]
        uri: Option<String>,
        /// Mount: host-bind:DST=SRC, host-image:DST=IMAGE[,format=FMT], guest-bind:DST=SRC, ram:DST=SIZE
        #[arg(short = 'm', long = "mount", value_name = "TYPE:DST=SRC")]
        mounts: Vec<String>,
        /// Network interface: dhcp, source=NET, mac=MAC, address=IP/PREFIX, route=CIDR%GW, filter=NAME
        #[arg(short = 'N', long = "network", value_name = "OPTS")]
        networks: Vec<String>,
        /// Environment variable of the command: KEY=VALUE
        #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
        envs: Vec<String>,
        /// Security options: dynamic, static,label=USER:ROLE:TYPE:LEVEL
        #[arg(short = 's', long = "security", value_name = "OPTS")]
        security: Option<String>,
        /// The service's name (also its libvirt domain's)
        name: String,
        /// The command the service runs
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Delete a service: stop it, undefine its domain, remove its files and data
    Delete {
        #[arg(short = 'c', long = "connect", value_name = "URI")]
        uri: Option<String>,
        name: String,
    },
    /// Start a service
    Start {
        #[arg(short = 'c', long = "connect", value_name = "URI")]
        uri: Option<String>,
        name: String,
    },
    /// Stop a service (its domain stays defined)
    Stop {
        #[arg(short = 'c', long = "connect", value_name = "URI")]
        uri: Option<String>,
        name: String,
    },
    /// Say whether a service runs (exit 0) or is stopped (exit 3)
    Status {
        #[arg(short = 'c', long = "connect", value_name = "URI")]
        uri: Option<String>,
        name: String,
    },
    /// List the services with their connection and state
    List,
}

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
    uri: Option<String>,
    name: &str,
    command: &[String],
    mounts: &[String],
    networks: &[String],
    envs: &[String],
    security: Option<&str>,
) -> Result<(), (u8, String)> {
    let usage = |what: &str, e: glib::Error| (EXIT_USAGE, format!("{what}: {}", e.message()));
    let config = ConfigServiceGeneric::new(name);
    config.set_command(command);
    let base: &Config = config.upcast_ref();
    base.add_mount_strv(mounts)
        .map_err(|e| usage("invalid --mount", e))?;
    base.add_network_strv(networks)
        .map_err(|e| usage("invalid --network", e))?;
    base.add_env_strv(envs)
        .map_err(|e| usage("invalid --env", e))?;
    if let Some(security) = security {
        base.set_security_opts(security)
            .map_err(|e| usage("invalid --security", e))?;
    }
    let uri = uri_of(uri, None);
    let connection = open(&uri).map_err(|e| (EXIT_FAILURE, e))?;
    ContextService::new(&connection, &config)
        .define()
        .map_err(|e| {
            (
                EXIT_FAILURE,
                format!("cannot create the service '{name}': {}", e.message()),
            )
        })
}

/// The context of the existing service `name`.
fn existing(uri: Option<String>, name: &str) -> Result<ContextService, String> {
    let config: ConfigService = service::load_config(name).map_err(|e| e.message().to_owned())?;
    let uri = uri_of(uri, Some(name));
    let connection = open(&uri)?;
    Ok(ContextService::new(&connection, &config))
}

fn run(command: Command) -> Result<ExitCode, (u8, String)> {
    let failed =
        |what: String| move |e: glib::Error| (EXIT_FAILURE, format!("{what}: {}", e.message()));
    let usage_error = |e: String| (EXIT_FAILURE, e);
    match command {
        Command::Create {
            uri,
            mounts,
            networks,
            envs,
            security,
            name,
            command,
        } => {
            create(
                uri,
                &name,
                &command,
                &mounts,
                &networks,
                &envs,
                security.as_deref(),
            )?;
            println!("created the service '{name}'");
        }
        Command::Delete { uri, name } => {
            existing(uri, &name)
                .map_err(usage_error)?
                .undefine()
                .map_err(failed(format!("cannot delete the service '{name}'")))?;
            println!("deleted the service '{name}'");
        }
        Command::Start { uri, name } => {
            let context = existing(uri, &name).map_err(usage_error)?;
            context
                .upcast_ref::<Context>()
                .start()
                .map_err(failed(format!("cannot start the service '{name}'")))?;
            println!("started the service '{name}'");
        }
        Command::Stop { uri, name } => {
            let context = existing(uri, &name).map_err(usage_error)?;
            let base: &Context = context.upcast_ref();
            if !context
                .is_running()
                .map_err(failed(format!("cannot stop the service '{name}'")))?
            {
                return Err((
                    EXIT_FAILURE,
                    format!("cannot stop the service '{name}': it is not running"),
                ));
            }
            base.attach()
                .and_then(|()| base.stop())
                .map_err(failed(format!("cannot stop the service '{name}'")))?;
            println!("stopped the service '{name}'");
        }
        Command::Status { uri, name } => {
            let context = existing(uri, &name).map_err(usage_error)?;
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
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args = Args::parse();
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
