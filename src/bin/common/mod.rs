// SPDX-License-Identifier: LGPL-2.1-or-later
//! What the command lines of `virt-sandbox` and `virt-sandbox-service`
//! share: the clap definition of the sandbox options both take (`-m`,
//! `-N`, `-e`, `-s`, with their sub-syntax), how they are applied to a
//! configuration, and the one-line style of a usage error. Both programs'
//! definitions (`cli/mod.rs`, `service_cli/args.rs`) flatten
//! [`SandboxOptions`], so their `--help` and man pages say the same. Each
//! binary declares it at its root (`crate::common`), once.

use clap::{Args, Parser};
use libvirt_sandbox::config::Config;

/// The options that describe a sandbox's mounts, networks, environment and
/// security label. An option's first paragraph is its `-h` line; the rest,
/// its sub-syntax, is shown by `--help` and in the man pages.
#[derive(Args, Debug, Clone, Default)]
pub struct SandboxOptions {
    /// Mount: host-bind:DST=SRC, host-image:DST=IMAGE[,format=FMT], guest-bind:DST=SRC, ram:DST=SIZE
    ///
    /// TYPE may be abbreviated to an unambiguous prefix (h-b, g, r). DST is
    /// an absolute path in the sandbox. host-bind:DST=SRC binds the host
    /// directory SRC, writable (host-bind:DST= gives a fresh empty
    /// directory removed at the end). host-image:DST=IMAGE[,format=FMT]
    /// mounts the file system image IMAGE (format raw, qcow2, ... guessed
    /// from the extension, .img and others raw). guest-bind:DST=SRC binds
    /// SRC, a path in the sandbox (of an earlier mount), at DST.
    /// ram:DST=SIZE mounts a RAM file system of SIZE (bytes, or with K, M,
    /// G, KiB, MiB, GiB). Repeatable; two mounts on one target are refused.
    #[arg(short = 'm', long = "mount", value_name = "TYPE:DST=SRC")]
    pub mounts: Vec<String>,
    /// Network interface: dhcp, source=NET, mac=MAC, address=IP/PREFIX, route=CIDR%GW, filter=NAME
    ///
    /// OPTS is a comma-separated list: dhcp (a lease from the network's
    /// DHCP server, with udhcpc from the sandbox's root or the init's own
    /// client),
    /// source=NETWORK (the libvirt network to join, default "default"; it
    /// must be active: virsh net-start NETWORK), mac=MAC (default: random
    /// 52:54:00:xx:xx:xx), address=IP[/PREFIX][%BROADCAST] (a static
    /// address, IPv4 or IPv6; the prefix defaults to 24 or 64, BROADCAST
    /// for IPv4 only), route=NET[/PREFIX]%GATEWAY (a static route, needs a
    /// static address), filter=NAME (a libvirt nwfilter) with
    /// filter.PARAM=VALUE for its parameters. dhcp excludes address= and
    /// route=; address= and route= are repeatable within OPTS. Each -N
    /// adds one interface.
    #[arg(short = 'N', long = "network", value_name = "OPTS")]
    pub networks: Vec<String>,
    /// Environment variable for the command
    ///
    /// KEY is a POSIX name; VALUE may be empty. Repeatable.
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub envs: Vec<String>,
    /// Security label: dynamic, static,label=LABEL or inherit
    ///
    /// dynamic[,label=BASE]: libvirt allocates a label (from BASE if
    /// given); static,label=LABEL: exactly LABEL (the whole rest of the
    /// option, commas included); inherit: the calling process's label (none
    /// when it has none). Only matters where libvirt has a security driver
    /// (SELinux, AppArmor).
    #[arg(short = 's', long, value_name = "OPTS")]
    pub security: Option<String>,
}

impl SandboxOptions {
    /// Adds the options to `config`: on a refusal, the option's name
    /// (`invalid --mount`) and the library's error.
    #[allow(dead_code)]
    pub fn apply(&self, config: &Config) -> Result<(), (String, glib::Error)> {
        let with = |what: &str| {
            let what = what.to_owned();
            move |e| (what, e)
        };
        config
            .add_env_strv(&self.envs)
            .map_err(with("invalid --env"))?;
        config
            .add_mount_strv(&self.mounts)
            .map_err(with("invalid --mount"))?;
        config
            .add_network_strv(&self.networks)
            .map_err(with("invalid --network"))?;
        if let Some(security) = &self.security {
            config
                .set_security_opts(security)
                .map_err(with("invalid --security"))?;
        }
        Ok(())
    }
}

/// Parses the command line of `program`. `--help` and `--version` print
/// and exit 0; a usage error is one line in the program's own style
/// (`PROGRAM: MESSAGE`, as for every other error) and exit status 2.
#[allow(dead_code)]
pub fn parse<P: Parser>(program: &str) -> P {
    match P::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprintln!(
                "{program}: {}",
                libvirt_sandbox::error::bounded(&usage_error_line(
                    program,
                    &e.render().to_string()
                ))
            );
            std::process::exit(e.exit_code())
        }
    }
}

/// clap's rendered error (`error: MESSAGE`, maybe more lines, tips, then
/// `Usage:` and a pointer to --help) as one line without the prefix.
pub fn usage_error_line(program: &str, rendered: &str) -> String {
    let mut line = String::new();
    for part in rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
    {
        let part = part.strip_prefix("error: ").unwrap_or(part);
        if !line.is_empty() {
            line.push_str(if line.ends_with(':') { " " } else { "; " });
        }
        line.push_str(part);
    }
    line.push_str(&format!(" ({program} --help lists the options)"));
    line
}
