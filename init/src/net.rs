// SPDX-License-Identifier: LGPL-2.1-or-later
//! Network set-up inside the sandbox, common to LXC and QEMU: loopback up,
//! then every configured interface (found by its MAC address, which the host
//! chose) up with its static addresses and routes, or a DHCP lease.
//!
//! It drives `ip` (iproute2, or busybox's applet) and busybox's `udhcpc` from
//! the sandbox's root rather than speaking netlink itself: the init stays
//! small, and these are the tools an administrator would use by hand. A
//! root without udhcpc gets its lease from the init's own DHCP client
//! ([`crate::dhcp`]), applied with the same `ip` as the udhcpc script does.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::launch::NetInterface;

/// Scratch directory of the init on the guest's writable /dev.
const RUN_DIR: &str = "/dev/.libvirt-sandbox-run";

/// The udhcpc event script: applies a lease with `ip` and records the DNS
/// servers in `$RESOLV_CONF`.
const DHCP_SCRIPT: &str = r#"#!/bin/sh
# Written by libvirt-sandbox-init: applies udhcpc's lease.
case "$1" in
deconfig)
    $IP addr flush dev "$interface"
    $IP link set "$interface" up
    ;;
bound|renew)
    $IP addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
    for gw in $router; do
        $IP route add default via "$gw" dev "$interface" && break
    done
    if [ -n "$dns" ]; then
        : > "$RESOLV_CONF"
        [ -n "$domain" ] && echo "search $domain" >> "$RESOLV_CONF"
        for server in $dns; do echo "nameserver $server" >> "$RESOLV_CONF"; done
    fi
    ;;
esac
exit 0
"#;

fn find_program(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// How to run `ip`: iproute2's, else busybox's applet.
fn ip_command() -> Result<Vec<String>, String> {
    if let Some(ip) = find_program(&["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]) {
        return Ok(vec![ip.to_string_lossy().into_owned()]);
    }
    busybox()
        .map(|b| vec![b.to_string_lossy().into_owned(), "ip".to_owned()])
        .ok_or_else(|| {
            "network set-up needs the 'ip' command (Debian package iproute2) or busybox in \
             the sandbox's root"
                .to_owned()
        })
}

pub use sandbox_proto::dhcp::{BUSYBOX_PATHS, UDHCPC_PATHS};

fn busybox() -> Option<PathBuf> {
    find_program(&BUSYBOX_PATHS)
}

/// How to run udhcpc: busybox's applet, else a stand-alone one.
fn udhcpc_command() -> Option<Vec<String>> {
    if let Some(busybox) = busybox() {
        return Some(vec![
            busybox.to_string_lossy().into_owned(),
            "udhcpc".to_owned(),
        ]);
    }
    find_program(&UDHCPC_PATHS).map(|u| vec![u.to_string_lossy().into_owned()])
}

/// Runs a command to completion; its stderr becomes the error.
fn run(argv: &[String], env: &[(&str, &str)]) -> Result<(), String> {
    let output = Command::new(&argv[0])
        .args(&argv[1..])
        .envs(env.iter().copied())
        .output()
        .map_err(|e| format!("cannot run '{}': {e}", argv.join(" ")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "'{}' failed ({}): {}",
            argv.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn ip(ip: &[String], args: &[&str]) -> Result<(), String> {
    let argv: Vec<String> = ip
        .iter()
        .cloned()
        .chain(args.iter().map(|s| (*s).to_owned()))
        .collect();
    run(&argv, &[])
}

/// The guest's name of the interface with `mac`.
fn interface_with_mac(mac: &str) -> Result<String, String> {
    let mut seen = Vec::new();
    let entries = std::fs::read_dir("/sys/class/net")
        .map_err(|e| format!("cannot list /sys/class/net: {e}"))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let address = std::fs::read_to_string(entry.path().join("address")).unwrap_or_default();
        if address.trim().eq_ignore_ascii_case(mac) {
            return Ok(name);
        }
        seen.push(format!("{name}={}", address.trim()));
    }
    Err(format!(
        "no network interface has the MAC address {mac} (interfaces: {})",
        seen.join(", ")
    ))
}

/// Brings up loopback and configures every interface.
pub fn configure(interfaces: &[NetInterface]) -> Result<(), String> {
    crate::sys::set_interface_up("lo")
        .map_err(|e| format!("cannot bring the loopback interface up: {e}"))?;
    if interfaces.is_empty() {
        return Ok(());
    }
    let ip_cmd = ip_command()?;
    let resolv_conf = Path::new(RUN_DIR).join("resolv.conf");
    for interface in interfaces {
        let name = interface_with_mac(&interface.mac)?;
        ip(&ip_cmd, &["link", "set", &name, "up"])?;
        for a in &interface.addresses {
            let cidr = format!("{}/{}", a.address, a.prefix);
            let mut args = vec!["addr", "add", &cidr];
            if let Some(b) = &a.broadcast {
                args.extend(["broadcast", b]);
            }
            args.extend(["dev", &name]);
            if a.address.contains(':') {
                // Usable at once, without duplicate address detection's delay.
                args.push("nodad");
            }
            ip(&ip_cmd, &args)?;
        }
        for r in &interface.routes {
            let target = format!("{}/{}", r.target, r.prefix);
            ip(
                &ip_cmd,
                &["route", "add", &target, "via", &r.gateway, "dev", &name],
            )?;
        }
        if interface.dhcp {
            dhcp(&ip_cmd, &name, interface, &resolv_conf)?;
        }
    }
    use_resolv_conf(&resolv_conf)
}

/// Gets a lease for `name` with udhcpc, busybox's or a stand-alone one
/// (foreground, one attempt series, fails when no server answers), else
/// with the built-in client.
fn dhcp(
    ip_cmd: &[String],
    name: &str,
    interface: &NetInterface,
    resolv_conf: &Path,
) -> Result<(), String> {
    std::fs::create_dir_all(RUN_DIR).map_err(|e| format!("cannot create {RUN_DIR}: {e}"))?;
    let Some(udhcpc) = udhcpc_command() else {
        return builtin_dhcp(ip_cmd, name, interface, resolv_conf);
    };
    let script = Path::new(RUN_DIR).join("dhcp-event");
    if !script.exists() {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o700)
            .open(&script)
            .map_err(|e| format!("cannot create {}: {e}", script.display()))?;
        file.write_all(DHCP_SCRIPT.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    }
    let argv: Vec<String> = udhcpc
        .iter()
        .map(String::as_str)
        .chain([
            "-i",
            name,
            "-f",
            "-q",
            "-n",
            "-t",
            "10",
            "-T",
            "1",
            "-s",
            script.to_string_lossy().as_ref(),
        ])
        .map(str::to_owned)
        .collect();
    let ip_for_script = ip_cmd.join(" ");
    run(
        &argv,
        &[
            ("IP", ip_for_script.as_str()),
            ("RESOLV_CONF", resolv_conf.to_string_lossy().as_ref()),
        ],
    )
    .map_err(|e| format!("DHCP on {name} got no lease: {e}"))
}

/// Gets a lease with the init's own client and applies it as
/// [`DHCP_SCRIPT`] does: the address with its prefix and broadcast, a
/// default route through the first router that takes it, the DNS servers
/// and domain in `resolv_conf`. No renewal: the sandbox ends long before
/// the lease.
fn builtin_dhcp(
    ip_cmd: &[String],
    name: &str,
    interface: &NetInterface,
    resolv_conf: &Path,
) -> Result<(), String> {
    let mac = crate::dhcp::parse_mac(&interface.mac)?;
    let network = if interface.network.is_empty() {
        "?"
    } else {
        &interface.network
    };
    let lease = crate::dhcp::obtain(name, mac, network)?;
    let cidr = format!("{}/{}", lease.address, lease.prefix);
    let broadcast = lease.broadcast.map(|b| b.to_string());
    let mut args = vec!["addr", "add", &cidr];
    if let Some(b) = &broadcast {
        args.extend(["broadcast", b]);
    }
    args.extend(["dev", name]);
    ip(ip_cmd, &args).map_err(|e| format!("DHCP on {name}: cannot apply the lease: {e}"))?;
    for router in &lease.routers {
        let gw = router.to_string();
        if ip(
            ip_cmd,
            &["route", "add", "default", "via", &gw, "dev", name],
        )
        .is_ok()
        {
            break;
        }
    }
    if !lease.dns.is_empty() {
        let mut text = String::new();
        if let Some(domain) = &lease.domain {
            text.push_str(&format!("search {domain}\n"));
        }
        for server in &lease.dns {
            text.push_str(&format!("nameserver {server}\n"));
        }
        std::fs::write(resolv_conf, text)
            .map_err(|e| format!("cannot write {}: {e}", resolv_conf.display()))?;
    }
    Ok(())
}

/// The root is read-only: a DHCP-provided resolv.conf is bound over the
/// root's (following a symlink such as systemd-resolved's).
fn use_resolv_conf(resolv_conf: &Path) -> Result<(), String> {
    if !resolv_conf.exists() {
        return Ok(());
    }
    let target = std::fs::canonicalize("/etc/resolv.conf").map_err(|e| {
        format!("cannot use the DHCP server's DNS settings: /etc/resolv.conf is unusable: {e}")
    })?;
    nix::mount::mount(
        Some(resolv_conf),
        &target,
        None::<&str>,
        nix::mount::MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(|e| {
        format!(
            "cannot bind the DHCP DNS settings over {}: {e}",
            target.display()
        )
    })
}
