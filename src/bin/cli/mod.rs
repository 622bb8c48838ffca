// SPDX-License-Identifier: LGPL-2.1-or-later
//! The command line of `virt-sandbox`: its clap definition, shared by the
//! program and by `virt-sandbox-mangen`, which writes the man page
//! `virt-sandbox(1)` from it (the options) and from `man-sections.roff`
//! (exit status, environment, files, examples). An option's first
//! paragraph is its `-h` line; the rest, its sub-syntax, is shown by
//! `--help` and in the man page.

use clap::{CommandFactory, Parser};

use crate::common::SandboxOptions;

#[derive(Parser, Debug)]
#[command(
    name = "virt-sandbox",
    version,
    about = "Run a command in an isolated libvirt application sandbox",
    long_about = "Run a command in an isolated libvirt application sandbox.\n\n\
The command, a program of the host, runs in a libvirt LXC container (lxc:///) \
or a QEMU/KVM virtual machine booting the host's kernel (qemu:///system, \
qemu:///session), with the host's root file system read-only, private /run, \
/tmp, /var/tmp and /dev/shm, no network unless -N gives one, no capabilities \
unless -p, and task, memory and CPU limits. Its standard input, output and \
error are the sandbox's (a terminal when standard input is one, or with -t), \
and its exit status is virt-sandbox's. The sandbox is removed when the \
command ends, or when virt-sandbox gets SIGINT, SIGTERM, SIGHUP, SIGQUIT or \
another signal that ends a process by default.",
    after_help = "Use -- before the command when its arguments start with '-'.\n\n\
Exit status: the command's (128+N when signal N killed it); 2 for an invalid \
option; 1 when the sandbox could not run; 255 when the sandbox was ended from \
outside before its command finished (its domain destroyed, its libvirt_lxc or \
QEMU process killed); 128+N when virt-sandbox got signal N (SIGINT, SIGTERM, \
SIGHUP, SIGQUIT, SIGUSR1, SIGALRM and the other signals that end a process by \
default, except SIGKILL and crashes; it stops the sandbox and restores the \
terminal first; a signal it inherited as ignored, as under nohup, stays \
ignored).\n\n\
The manual page virt-sandbox(1) has the details and examples."
)]
pub struct Args {
    /// libvirt connection URI (default: libvirt's choice: $LIBVIRT_DEFAULT_URI,
    /// else uri_default in libvirt.conf, else usually qemu:///system for root)
    ///
    /// lxc:/// runs a container, qemu:///system (root) or qemu:///session
    /// a virtual machine. Without -c, libvirt chooses, as for virsh: the
    /// LIBVIRT_DEFAULT_URI environment variable, else uri_default in
    /// libvirt.conf (/etc/libvirt/libvirt.conf for root,
    /// ~/.config/libvirt/libvirt.conf otherwise), else the first driver
    /// that answers, which is qemu:///system for root when libvirt's QEMU
    /// driver is installed. `virsh uri` prints that choice; --debug says
    /// which URI was used.
    #[arg(short = 'c', long = "connect", value_name = "URI")]
    pub uri: Option<String>,
    /// Sandbox name, also its libvirt domain's (default: sandbox-PID, so
    /// that unnamed sandboxes can run at once)
    #[arg(short = 'n', long, value_name = "NAME")]
    pub name: Option<String>,
    /// Host directory to use as the sandbox's root (default: /, read-only)
    #[arg(short = 'r', long, value_name = "DIR")]
    pub root: Option<String>,
    /// -m, -N, -e, -s (as virt-sandbox-service takes them)
    #[command(flatten)]
    pub sandbox: SandboxOptions,
    /// Copy a host file into the sandbox: GUEST-PATH[=HOST-PATH]
    ///
    /// HOST-PATH (default: GUEST-PATH itself) is copied to GUEST-PATH,
    /// which must lie in one of the sandbox's writable mounts (-m), before
    /// the command starts. Repeatable.
    #[arg(short = 'i', long = "include", value_name = "GUEST[=HOST]")]
    pub includes: Vec<String>,
    /// A file listing includes, one per line
    ///
    /// Each line is GUEST-PATH[=HOST-PATH] as for -i; blank lines and lines
    /// starting with # are skipped.
    #[arg(short = 'I', long = "includefile", value_name = "FILE")]
    pub includefile: Option<std::path::PathBuf>,
    /// Block disk: file:TAG=PATH[,format=FMT] (appears at /dev/disk/by-tag/TAG)
    ///
    /// TYPE is file (the only one supported). PATH is a host image, FMT its
    /// format (raw, qcow2, qcow, qed, vmdk, vpc, vhd, ...; default guessed
    /// from the extension, .img and others raw). TAG (unique) names the
    /// device the sandbox sees as /dev/disk/by-tag/TAG. Repeatable.
    #[arg(long = "disk", value_name = "TYPE:TAG=SOURCE")]
    pub disks: Vec<String>,
    /// Run as root (uid 0) instead of the calling user
    ///
    /// Root inside the sandbox, with capabilities there (in a container, an
    /// unprivileged host uid). Without -p the command has no capabilities
    /// and runs with no_new_privs.
    #[arg(short = 'p', long, conflicts_with = "switchto")]
    pub privileged: bool,
    /// Run as this user instead of the calling user
    #[arg(short = 'S', long, value_name = "USER")]
    pub switchto: Option<String>,
    /// Offer a root debug shell on an extra console
    #[arg(short = 'l', long)]
    pub shell: bool,
    /// Give the command a terminal (default: when stdin is a terminal)
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Debug messages from the guest init and this program
    ///
    /// Also says which libvirt URI was used and shows the library's debug
    /// messages (as LIBVIRT_SANDBOX_DEBUG=1 does).
    #[arg(short = 'd', long)]
    pub debug: bool,
    /// The guest init tells stderr what it set up before the command runs
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Most tasks (processes and threads) the sandbox may have; 0 for no limit [default: 4096]
    #[arg(long = "max-tasks", value_name = "N")]
    pub max_tasks: Option<String>,
    /// Memory of the sandbox, e.g. 512M or 2G (bytes without a suffix) [default: 512M]
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// Most CPUs' worth of time the sandbox may use, e.g. 1.5; 0 for no quota [default: 0]
    #[arg(long, value_name = "N")]
    pub cpus: Option<String>,
    /// Kernel release for virtual machines (default: the running one, else the newest in /boot)
    #[arg(long, value_name = "VERSION")]
    pub kernver: Option<String>,
    /// Kernel image for virtual machines (default: /boot/vmlinuz-VERSION)
    #[arg(long, value_name = "FILE")]
    pub kernpath: Option<String>,
    /// Kernel modules directory for virtual machines (default: /lib/modules/VERSION)
    #[arg(long, value_name = "DIR")]
    pub kmodpath: Option<String>,
    /// How a virtual machine's root reaches the guest: auto, p9 or virtiofs
    ///
    /// virtiofs: served read-only by virtiofsd (the daemon refuses writes),
    /// cached in the guest; p9: served by QEMU's 9p server. auto (the
    /// default) takes virtiofs when a virtiofsd that can serve a read-only
    /// root is found and the caller is root (qemu:///system), else p9;
    /// --debug prints the choice. Host binds are virtio-fs shares either way.
    #[arg(long = "fs-backend", value_name = "BACKEND", value_parser = ["auto", "p9", "virtiofs"])]
    pub fs_backend: Option<String>,
    /// The virtiofsd to use for virtual machines' virtio-fs shares
    ///
    /// Default: $LIBVIRT_SANDBOX_VIRTIOFSD, then /usr/libexec/virtiofsd,
    /// /usr/local/libexec/virtiofsd, /usr/local/bin/virtiofsd, $PATH and
    /// /usr/lib/qemu/virtiofsd (QEMU's legacy daemon: host binds only).
    #[arg(long, value_name = "PATH")]
    pub virtiofsd: Option<String>,
    /// Print the domain XML the command would get, without starting it
    ///
    /// Nothing is started and nothing is left behind: the XML is what a start
    /// with the same options would hand to libvirt, except for the values a
    /// start picks itself (a random MAC for an interface without mac=, the
    /// loop device of an LXC file disk, a VM's QEMU user).
    #[arg(long = "print-xml")]
    pub print_xml: bool,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// The definition, for the man page generator and tests.
#[allow(dead_code)]
pub fn command() -> clap::Command {
    Args::command()
}

/// Parses the command line. `--help` and `--version` print and exit 0; a
/// usage error is one line in virt-sandbox's own style
/// (`virt-sandbox: MESSAGE`, as for every other error) and exit status 2.
#[allow(dead_code)]
pub fn parse() -> Args {
    crate::common::parse("virt-sandbox")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_line(args: &[&str]) -> String {
        let e = Args::try_parse_from(std::iter::once("virt-sandbox").chain(args.iter().copied()))
            .expect_err("a usage error");
        assert_eq!(e.exit_code(), 2);
        crate::common::usage_error_line("virt-sandbox", &e.render().to_string())
    }

    #[test]
    fn usage_errors_are_one_line_without_clap_prefix() {
        for args in [
            &["--bogus", "/bin/true"][..],
            &[],
            &["-p", "-S", "nobody", "/bin/true"],
            &["--memory"],
        ] {
            let line = error_line(args);
            assert!(!line.contains('\n'), "{args:?}: {line}");
            assert!(!line.starts_with("error"), "{args:?}: {line}");
            assert!(
                line.ends_with("(virt-sandbox --help lists the options)"),
                "{line}"
            );
        }
        assert!(
            error_line(&[])
                .starts_with("the following required arguments were not provided: <COMMAND>")
        );
        assert!(error_line(&["--bogus", "/bin/true"]).starts_with("unexpected argument '--bogus'"));
    }

    #[test]
    fn definition_is_consistent() {
        command().debug_assert();
    }
}
