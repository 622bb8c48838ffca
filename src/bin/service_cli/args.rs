// SPDX-License-Identifier: LGPL-2.1-or-later
//! The command line of virt-sandbox-service: the one clap definition that
//! the program parses with and that a man page can be generated from
//! (`command()`). Nothing here but the definition.

use clap::{Args as ClapArgs, CommandFactory, Parser, Subcommand};

use crate::common::SandboxOptions;

#[derive(Parser, Debug)]
#[command(
    name = "virt-sandbox-service",
    version,
    about = "Manage service sandboxes: persistent libvirt domains that each run one service",
    long_about = "Manage service sandboxes: persistent libvirt domains that each run one service.\n\n\
A service sandbox runs one long-lived command (a web server, say) in a libvirt \
LXC container (lxc:///) or QEMU/KVM virtual machine (qemu:///system), behind the \
same walls as virt-sandbox's sandboxes. create defines its domain, saves its \
configuration and writes a systemd unit, NAME_sandbox.service, whose ExecStart \
is virt-sandbox-service run NAME: systemd then starts, stops and restarts it. \
The other commands start, stop, inspect, enter, copy, re-create and delete \
services. Services are root's: every command but list needs root.",
    after_help = "A service's configuration and boot files live in \
/etc/libvirt-sandbox/services/NAME (its saved config in config/sandbox.cfg), \
its data in /var/lib/libvirt/filesystems/NAME, its systemd unit in \
/etc/systemd/system/NAME_sandbox.service. Services are root's."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// `-c URI`, as in virt-sandbox.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct Uri {
    /// libvirt connection URI: lxc:/// or qemu:///system (default: the one
    /// the service was created on, else $LIBVIRT_DEFAULT_URI, else lxc:///)
    #[arg(short = 'c', long = "connect", value_name = "URI")]
    pub uri: Option<String>,
}

/// What `create` (and `clone`) take.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct CreateOptions {
    #[command(flatten)]
    pub uri: Uri,
    /// -m, -N, -e, -s (as virt-sandbox takes them)
    #[command(flatten)]
    pub sandbox: SandboxOptions,
    /// The uid the command runs as (default 0, root inside)
    #[arg(short = 'U', long = "uid", value_name = "UID")]
    pub uid: Option<u32>,
    /// The gid the command runs as (default 0)
    #[arg(short = 'G', long = "gid", value_name = "GID")]
    pub gid: Option<u32>,
    /// The user name the command sees
    #[arg(long = "username", value_name = "NAME")]
    pub username: Option<String>,
    /// The home directory the command sees
    #[arg(long = "homedir", value_name = "DIR")]
    pub homedir: Option<String>,
    /// At most N tasks (processes and threads) in the service; 0: no limit.
    /// In a container it holds when the service runs under `run` (its
    /// systemd unit), not after `start`
    #[arg(long = "max-tasks", value_name = "N")]
    pub max_tasks: Option<u32>,
    /// The command speaks systemd's notify protocol: the unit is ready when
    /// it says READY=1 on $NOTIFY_SOCKET, not when it starts
    #[arg(long = "notify")]
    pub notify: bool,
    /// Seconds the service has to stop after SIGTERM before its domain is
    /// destroyed
    #[arg(long = "stop-timeout", value_name = "SECONDS", default_value_t = 10)]
    pub stop_timeout: u32,
    /// Socket activation (containers): also write NAME_sandbox.socket, on
    /// which systemd listens at ADDR (its ListenStream=: PORT, IP:PORT,
    /// [IPv6]:PORT, /PATH or @NAME; repeatable) and starts the service at
    /// the first connection; the command gets the sockets as fds 3.. with
    /// LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID
    #[arg(long = "socket", value_name = "ADDR")]
    pub socket: Vec<String>,
    /// Write no systemd unit
    #[arg(long = "no-unit")]
    pub no_unit: bool,
    /// No root shell console (then connect and execute cannot reach it)
    #[arg(long = "no-shell")]
    pub no_shell: bool,
    /// The directory holding services' data (default
    /// /var/lib/libvirt/filesystems): the service's data is PATH/NAME
    ///
    /// PATH must be an existing absolute directory; every later command
    /// finds the data there (it is recorded in the saved config).
    #[arg(short = 'p', long = "path", value_name = "PATH")]
    pub path: Option<std::path::PathBuf>,
    /// Keep the service's data in a sparse ext4 image of SIZE
    /// (PATH/NAME/data.img) instead of a directory
    ///
    /// SIZE is bytes, or with K, M, G (at least 1M). The image is mounted
    /// inside at /run/libvirt-sandbox-data, and the data mounts
    /// (host-bind:DST= and, with --copy, every host bind) are bound from
    /// there. delete removes it, clone copies it.
    #[arg(short = 'i', long = "image-size", value_name = "SIZE")]
    pub image_size: Option<String>,
    /// Copy the sources of the -m host-bind mounts into the service's data
    /// and bind the copies (private and writable), not the host's originals
    ///
    /// The copy is made once, by create (cp -a); the service never sees
    /// the host's files afterwards, nor the host its writes. Without it,
    /// only host-bind:DST= (no source) mounts are data: an empty directory
    /// PATH/NAME/DST, kept across restarts.
    #[arg(short = 'C', long = "copy")]
    pub copy: bool,
}

#[derive(Subcommand, Debug)]
// Parsed once per run: create's options inline cost nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Create a service running COMMAND (a generic service), or booting
    /// systemd to start the host's units given with -u (a systemd service,
    /// lxc:/// only), and its systemd unit
    Create {
        #[command(flatten)]
        options: CreateOptions,
        /// A host unit the service's systemd starts (and no other); the
        /// directories it declares (StateDirectory= ...) are the service's
        /// own, kept in its data
        #[arg(
            short = 'u',
            long = "unit",
            value_name = "UNIT",
            conflicts_with = "command"
        )]
        units: Vec<String>,
        /// The service's name (also its libvirt domain's)
        name: String,
        /// The command the service runs
        #[arg(last = true, required_unless_present = "units", value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Reload (or restart, when it cannot reload) units of a running
    /// systemd service
    Reload {
        #[command(flatten)]
        uri: Uri,
        /// A unit to reload
        #[arg(short = 'u', long = "unit", value_name = "UNIT", required = true)]
        units: Vec<String>,
        /// The service's name
        name: String,
    },
    /// Create DST, a copy of the service SRC (its config, unit and data)
    Clone {
        #[command(flatten)]
        uri: Uri,
        /// The service to copy (SRC)
        #[arg(value_name = "SRC")]
        source: String,
        /// The new service's name (DST)
        #[arg(value_name = "DST")]
        name: String,
    },
    /// Re-create a stopped service's domain and boot files from its saved
    /// config (after an upgrade of libvirt-sandbox); its data stays
    Upgrade {
        #[command(flatten)]
        uri: Uri,
        /// The service's name
        name: String,
    },
    /// Delete a service: stop it, undefine its domain, remove its files,
    /// data and systemd unit
    Delete {
        #[command(flatten)]
        uri: Uri,
        /// The service's name
        name: String,
    },
    /// Start a service in the background (systemd uses `run`): its output
    /// goes to /var/log/libvirt-sandbox/NAME.log
    Start {
        #[command(flatten)]
        uri: Uri,
        /// The service's name
        name: String,
    },
    /// Run a service in the foreground: its output on stdout and stderr,
    /// readiness to $NOTIFY_SOCKET, systemd's sockets (LISTEN_FDS) passed
    /// into a container, SIGTERM stops it, its exit status is ours (the
    /// ExecStart of its systemd unit)
    Run {
        #[command(flatten)]
        uri: Uri,
        /// Wait for the command's own READY=1 rather than saying it when it
        /// starts
        #[arg(long = "notify")]
        notify: bool,
        /// Seconds the service has to stop after SIGTERM before its domain
        /// is destroyed
        #[arg(long = "stop-timeout", value_name = "SECONDS", default_value_t = 10)]
        stop_timeout: u32,
        /// The service's name
        name: String,
    },
    /// Stop a service: SIGTERM to its command, its domain destroyed after
    /// the stop timeout (the domain stays defined)
    Stop {
        #[command(flatten)]
        uri: Uri,
        /// Succeed when it is not running
        #[arg(long = "if-running")]
        if_running: bool,
        /// Seconds the service has to stop before its domain is destroyed
        #[arg(long = "stop-timeout", value_name = "SECONDS", default_value_t = 10)]
        stop_timeout: u32,
        /// The service's name
        name: String,
    },
    /// Print the log of a service's output under `start`
    /// (/var/log/libvirt-sandbox/NAME.log; under systemd the output is in
    /// the journal)
    Log {
        /// Print where the log is, not what it holds
        #[arg(long = "path")]
        path: bool,
        /// The service's name
        name: String,
    },
    /// Say whether a service runs (exit 0) or is stopped (exit 3)
    Status {
        #[command(flatten)]
        uri: Uri,
        /// The service's name
        name: String,
    },
    /// List the services with their connection and state
    List,
    /// Run a command inside the running service (as root, through its
    /// shell console; stdout and stderr merged, no stdin); its exit
    /// status is ours
    Execute {
        #[command(flatten)]
        uri: Uri,
        /// The running service
        name: String,
        /// The command to run inside
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// A root shell inside the running service (its shell console; Ctrl-] leaves)
    Connect {
        #[command(flatten)]
        uri: Uri,
        /// The service's name
        name: String,
    },
}

/// The clap command (for a man page).
#[allow(dead_code)]
pub fn command() -> clap::Command {
    Args::command()
}
