// SPDX-License-Identifier: LGPL-2.1-or-later
//! Turns the config's networks into the interfaces the backend creates and
//! what the guest init configures on them.

use gio::prelude::*;
use sandbox_init::launch::{NetAddress, NetInterface, NetRoute};

use crate::builder::Interface;
use crate::config::Config;

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
                    source: network
                        .source()
                        .unwrap_or_else(|| DEFAULT_NETWORK.to_owned()),
                    filter,
                },
                NetInterface {
                    mac,
                    dhcp: network.dhcp(),
                    addresses,
                    routes,
                },
            )
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigInteractive;

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
