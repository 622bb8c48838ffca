// SPDX-License-Identifier: LGPL-2.1-or-later
//! Turns the config's networks into the interfaces the backend creates and
//! what the guest init configures on them.

use gio::prelude::*;
use sandbox_proto::launch::{NetAddress, NetInterface, NetRoute};

use std::path::{Path, PathBuf};

use crate::builder::{HostFile, HostMount, Interface, is_within};
use crate::config::Config;
use crate::error::{SandboxError, error};

/// The libvirt network an interface joins when the config names none.
const DEFAULT_NETWORK: &str = "default";

/// A random locally administered MAC in the range libvirt uses (52:54:00).
fn random_mac() -> String {
    let r = glib::random_int();
    format!(
        "52:54:00:{:02x}:{:02x}:{:02x}",
        (r >> 16) & 0xff,
        (r >> 8) & 0xff,
        r & 0xff
    )
}

/// The interfaces of `config`, for the builder and for the launch spec.
pub(crate) fn plan(config: &Config) -> (Vec<Interface>, Vec<NetInterface>) {
    config
        .networks()
        .iter()
        .map(|network| {
            let mac = network.mac().unwrap_or_else(random_mac);
            let source = network
                .source()
                .unwrap_or_else(|| DEFAULT_NETWORK.to_owned());
            let filter = network.filterref().and_then(|f| {
                let parameters = f
                    .parameters()
                    .iter()
                    .map(|p| (p.name().unwrap_or_default(), p.value().unwrap_or_default()))
                    .collect();
                f.name().map(|name| (name, parameters))
            });
            let addresses = network
                .addresses()
                .iter()
                .filter_map(|a| {
                    Some(NetAddress {
                        address: a.primary()?.to_str().into(),
                        prefix: a.prefix(),
                        broadcast: a.broadcast().map(|b| b.to_str().into()),
                    })
                })
                .collect();
            let routes = network
                .routes()
                .iter()
                .filter_map(|r| {
                    Some(NetRoute {
                        target: r.target()?.to_str().into(),
                        prefix: r.prefix(),
                        gateway: r.gateway()?.to_str().into(),
                    })
                })
                .collect();
            (
                Interface {
                    mac: mac.clone(),
                    // 15 characters at most (IFNAMSIZ); random like the
                    // domain name suffix.
                    host_dev: format!("vsb-{:08x}", glib::random_int()),
                    source: source.clone(),
                    filter,
                },
                NetInterface {
                    mac,
                    network: source,
                    dhcp: network.dhcp(),
                    addresses,
                    routes,
                },
            )
        })
        .unzip()
}

/// Refuses, before anything is created, an interface whose libvirt network
/// does not exist or is not active, in one line saying how to fix it
/// (libvirt's own error at the domain's creation names neither a command
/// nor the option). Other lookup errors are left for that creation to
/// report.
pub(crate) fn check_networks(
    conn: &virt::connect::Connect,
    interfaces: &[Interface],
) -> crate::Result<()> {
    let uri = conn.uri().unwrap_or_default();
    // The system network driver serves lxc:/// and qemu:///system alike:
    // plain virsh (root's default URI) reaches it.
    let virsh = if uri.starts_with("lxc") || uri.ends_with(":///system") {
        "virsh".to_owned()
    } else {
        format!("virsh -c {uri}")
    };
    let mut seen: Vec<&str> = Vec::new();
    for source in interfaces.iter().map(|i| i.source.as_str()) {
        if seen.contains(&source) {
            continue;
        }
        seen.push(source);
        let shown = crate::config::validate::shown(source);
        match conn.lookup_network_by_name(source) {
            Ok(network) if network.is_active() == Ok(false) => {
                return Err(error(
                    SandboxError::Libvirt,
                    format!(
                        "the libvirt network '{shown}' (-N source={shown}) is not active: start \
                         it with '{virsh} net-start {shown}' ('{virsh} net-autostart {shown}' \
                         starts it with libvirtd)"
                    ),
                ));
            }
            Err(e)
                if e.code()
                    .is_known_and(|c| matches!(c, virt::error::ErrorNumber::NoNetwork)) =>
            {
                return Err(error(
                    SandboxError::Libvirt,
                    format!(
                        "there is no libvirt network '{shown}' (-N source={shown}, default \
                         'default'): '{virsh} net-list --all' lists them"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Most links followed resolving a path (the kernel's limit).
const MAX_LINKS: usize = 40;
/// The private directories a resolver configuration lives in.
const RUN_DIRS: [&str; 2] = ["/run", "/var/run"];

/// The host file to bind read-only where the sandbox's `/etc/resolv.conf`
/// leads, when that is a link into its private `/run` (systemd-resolved's
/// `/run/systemd/resolve/stub-resolv.conf`, NetworkManager's
/// `/run/NetworkManager/resolv.conf`), which the tmpfs hides: the link is
/// followed on the sandbox's root (`mounts`' mount on `/`, the config's
/// root, or the host's) up to the private `/run` (`private` holds the
/// directories that get one); the host's file at that path, if it is a
/// regular file under the host's `/run`, is bound there. Nothing when
/// the sandbox's `/run` is no private tmpfs (the caller's mount decides).
pub(crate) fn hidden_resolv_conf(
    config: &Config,
    mounts: &[HostMount],
    private: &[String],
) -> Option<HostFile> {
    let root = match mounts.iter().find(|m| m.target() == "/") {
        Some(HostMount::Bind { source, .. }) => source.clone(),
        // An image's or a RAM disk's links cannot be followed from here.
        Some(_) => return None,
        None => PathBuf::from(config.root().unwrap_or_else(|| "/".to_owned())),
    };
    let run: Vec<&str> = private
        .iter()
        .map(String::as_str)
        .filter(|d| RUN_DIRS.contains(d))
        .collect();
    resolv_conf_in(&root, &run, Path::new("/"))
}

/// [`hidden_resolv_conf`] on the sandbox root `root` with the private run
/// directories `run`, the host's files found below `host` (`/`; a test
/// directory in tests).
fn resolv_conf_in(root: &Path, run: &[&str], host: &Path) -> Option<HostFile> {
    let target = follow_until(root, "/etc/resolv.conf", run)?;
    if !run.iter().any(|d| is_within(&target, d) && target != *d) {
        return None;
    }
    let relative = |p: &str| host.join(p.trim_start_matches('/'));
    let source = std::fs::canonicalize(relative(&target)).ok()?;
    let host_run = std::fs::canonicalize(relative("/run")).ok()?;
    // A regular file (never a socket, device or directory) under /run.
    let meta = std::fs::metadata(&source).ok()?;
    (meta.is_file() && source.starts_with(&host_run) && source != host_run)
        .then_some(HostFile { source, target })
}

/// Resolves the links of the absolute `path` inside the tree `root` (as a
/// chroot would see it) until what is resolved lies in one of `stop` (the
/// rest is taken as written, without `..`); `None` when a component is
/// missing, a link loops or `..` follows the stop.
fn follow_until(root: &Path, path: &str, stop: &[&str]) -> Option<String> {
    let mut done: Vec<String> = Vec::new();
    let mut todo: std::collections::VecDeque<String> = path.split('/').map(str::to_owned).collect();
    let mut links = 0;
    while let Some(component) = todo.pop_front() {
        let current = format!("/{}", done.join("/"));
        if stop.iter().any(|d| is_within(&current, d)) {
            let mut rest = vec![component];
            rest.extend(todo);
            rest.retain(|c| !c.is_empty() && c != ".");
            if rest.iter().any(|c| c == "..") {
                return None;
            }
            done.extend(rest);
            break;
        }
        match component.as_str() {
            "" | "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => {}
        }
        done.push(component);
        let on_root = root.join(done.join("/"));
        let meta = std::fs::symlink_metadata(&on_root).ok()?;
        if meta.file_type().is_symlink() {
            links += 1;
            if links > MAX_LINKS {
                return None;
            }
            let link = std::fs::read_link(&on_root).ok()?;
            let link = link.to_str()?;
            done.pop();
            if link.starts_with('/') {
                done.clear();
            }
            for c in link.split('/').rev() {
                todo.push_front(c.to_owned());
            }
        }
    }
    Some(format!("/{}", done.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigInteractive;

    #[test]
    fn finds_the_resolv_conf_hidden_by_the_private_run() {
        let base = crate::builder::testing::temp_dir("resolv");
        let (root, host) = (base.join("root"), base.join("host"));
        let mkdirs = |p: &Path| std::fs::create_dir_all(p).unwrap();
        let link = |target: &str, at: &Path| {
            let _ = std::fs::remove_file(at);
            std::os::unix::fs::symlink(target, at).unwrap()
        };
        mkdirs(&root.join("etc"));
        mkdirs(&root.join("run"));
        mkdirs(&host.join("run/systemd/resolve"));
        mkdirs(&host.join("run/NetworkManager"));
        std::fs::write(host.join("run/systemd/resolve/stub-resolv.conf"), "ns\n").unwrap();
        std::fs::write(host.join("run/NetworkManager/resolv.conf"), "ns\n").unwrap();
        let resolv = root.join("etc/resolv.conf");
        let run = ["/run"];
        let found = |run: &[&str]| resolv_conf_in(&root, run, &host);

        // systemd-resolved, relative, through /var/run -> ../run.
        mkdirs(&root.join("var"));
        link("../run", &root.join("var/run"));
        link("../var/run/systemd/resolve/stub-resolv.conf", &resolv);
        let file = found(&run).unwrap();
        assert_eq!(file.target, "/run/systemd/resolve/stub-resolv.conf");
        assert_eq!(
            file.source,
            std::fs::canonicalize(host.join("run/systemd/resolve/stub-resolv.conf")).unwrap()
        );
        // NetworkManager, absolute; /run not private: nothing.
        link("/run/NetworkManager/resolv.conf", &resolv);
        assert_eq!(
            found(&run).unwrap().target,
            "/run/NetworkManager/resolv.conf"
        );
        assert_eq!(found(&[]), None);
        // A regular file, a missing target, a directory, a socket, a loop,
        // an escape with `..` below /run: nothing.
        std::fs::remove_file(&resolv).unwrap();
        std::fs::write(&resolv, "ns\n").unwrap();
        assert_eq!(found(&run), None);
        link("/run/missing/resolv.conf", &resolv);
        assert_eq!(found(&run), None);
        link("/run/NetworkManager", &resolv);
        assert_eq!(found(&run), None);
        let socket = host.join("run/NetworkManager/sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        link("/run/NetworkManager/sock", &resolv);
        assert_eq!(found(&run), None);
        link("/run", &resolv);
        assert_eq!(found(&run), None);
        link("loop", &root.join("etc/loop"));
        link("loop", &resolv);
        link("/etc/loop", &resolv);
        assert_eq!(found(&run), None);
        link("/run/NetworkManager/../../etc/shadow", &resolv);
        assert_eq!(found(&run), None);
        // A host file under /run that links out of it: nothing.
        link("/etc/hostname", &host.join("run/NetworkManager/out.conf"));
        link("/run/NetworkManager/out.conf", &resolv);
        assert_eq!(found(&run), None);
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn plans_interfaces_from_options() {
        let config = ConfigInteractive::new("net");
        let base: &Config = config.upcast_ref();
        base.add_network_strv(&[
            "dhcp",
            "source=isolated,mac=52:54:00:aa:bb:cc,address=192.168.1.5/24%192.168.1.255,\
             route=10.0.0.0/8%192.168.1.1,filter=clean-traffic,filter.IP=192.168.1.5",
        ])
        .unwrap();
        let (interfaces, guest) = plan(base);
        assert_eq!(interfaces[0].source, "default");
        assert!(interfaces[0].mac.starts_with("52:54:00:"));
        assert_eq!(interfaces[0].mac, guest[0].mac);
        assert!(guest[0].dhcp);
        assert_eq!(interfaces[1].mac, "52:54:00:aa:bb:cc");
        assert_eq!(
            interfaces[1].filter,
            Some((
                "clean-traffic".into(),
                vec![("IP".into(), "192.168.1.5".into())]
            ))
        );
        assert_eq!(
            guest[1].addresses,
            [NetAddress {
                address: "192.168.1.5".into(),
                prefix: 24,
                broadcast: Some("192.168.1.255".into())
            }]
        );
        assert_eq!(
            guest[1].routes,
            [NetRoute {
                target: "10.0.0.0".into(),
                prefix: 8,
                gateway: "192.168.1.1".into()
            }]
        );
    }
}
