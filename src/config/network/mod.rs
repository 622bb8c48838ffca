// SPDX-License-Identifier: LGPL-2.1-or-later
//! Network classes: `GVirSandboxConfigNetwork` (one network interface of a
//! sandbox) and its parts, [`ConfigNetworkAddress`], [`ConfigNetworkRoute`],
//! [`ConfigNetworkFilterref`] and [`ConfigNetworkFilterrefParameter`].
//!
//! Also here: the `[network.N…]` groups of the key file (spec §2.1/§2.2) and
//! the network methods of [`Config`].
//!
//! Key-file extension: unlike the original, the filter reference is saved, as
//! `[network.N.filterref] name=` and `[network.N.filterref.parameter.K] name= value=`
//! after `[network.N]`. The original ignores these groups when it loads such a file.

pub mod address;
pub mod filterref;
pub mod filterref_parameter;
#[doc(hidden)]
pub mod route;

use gio::prelude::*;
use glib::subclass::prelude::*;

pub use address::ConfigNetworkAddress;
pub use filterref::ConfigNetworkFilterref;
pub use filterref_parameter::ConfigNetworkFilterrefParameter;
pub use route::ConfigNetworkRoute;

use crate::config::Config;
use crate::config::keyfile::{MAX_ENTRIES, optional_bool, optional_string, optional_u64};
use crate::config::options;
use crate::error::{SandboxError, error};

/// Highest index scanned for `network.N`, `network.N.address.J` and
/// `network.N.route.K` groups (as the original).
pub(crate) const MAX_NETWORKS: usize = 100;

crate::abi::class_structs!(
    "GVirSandboxConfigNetwork",
    ConfigNetworkInstance: glib::gobject_ffi::GObject,
    ConfigNetworkClass: glib::gobject_ffi::GObjectClass,
    imp::ConfigNetwork,
    32,
    296
);

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use super::{ConfigNetworkAddress, ConfigNetworkFilterref, ConfigNetworkRoute};
    use crate::util::StrField;

    #[derive(Debug)]
    pub struct ConfigNetwork {
        pub(crate) dhcp: Cell<bool>,
        pub(crate) source: StrField,
        pub(crate) mac: StrField,
        pub(crate) addresses: RefCell<Vec<ConfigNetworkAddress>>,
        pub(crate) routes: RefCell<Vec<ConfigNetworkRoute>>,
        pub(crate) filterref: RefCell<Option<ConfigNetworkFilterref>>,
    }

    impl Default for ConfigNetwork {
        fn default() -> Self {
            Self {
                dhcp: Cell::new(true),
                source: StrField::default(),
                mac: StrField::default(),
                addresses: RefCell::default(),
                routes: RefCell::default(),
                filterref: RefCell::default(),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigNetwork {
        const NAME: &'static str = "GVirSandboxConfigNetwork";
        type Type = super::ConfigNetwork;
        type ParentType = glib::Object;
        type Instance = super::ConfigNetworkInstance;
        type Class = super::ConfigNetworkClass;
    }

    impl ObjectImpl for ConfigNetwork {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecBoolean::builder("dhcp")
                            .nick("DHCP")
                            .blurb("Whether the interface is configured by DHCP")
                            .default_value(true)
                            .build(),
                        glib::ParamSpecString::builder("source")
                            .nick("Source")
                            .blurb("The libvirt network the interface is connected to")
                            .build(),
                        glib::ParamSpecString::builder("mac")
                            .nick("MAC address")
                            .blurb("The MAC address of the interface")
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            let string = || {
                value
                    .get::<Option<String>>()
                    .expect("type checked by GObject")
            };
            match pspec.name() {
                "dhcp" => self.dhcp.set(value.get().expect("type checked by GObject")),
                "source" => self.source.set(string().as_deref()),
                "mac" => self.mac.set(string().as_deref()),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "dhcp" => self.dhcp.get().to_value(),
                "source" => self.source.to_value(),
                "mac" => self.mac.to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }
}

glib::wrapper! {
    /// One network interface of a sandbox (`GVirSandboxConfigNetwork`).
    pub struct ConfigNetwork(ObjectSubclass<imp::ConfigNetwork>);
}

impl ConfigNetwork {
    /// Creates an interface configured by DHCP, on libvirt's default network.
    pub fn new() -> Self {
        glib::Object::new()
    }

    /// Whether the interface is configured by DHCP (default `true`).
    pub fn dhcp(&self) -> bool {
        self.imp().dhcp.get()
    }

    pub fn set_dhcp(&self, dhcp: bool) {
        self.set_property("dhcp", dhcp);
    }

    /// The libvirt network the interface is connected to (`None`: the default).
    pub fn source(&self) -> Option<String> {
        self.imp().source.get()
    }

    pub fn set_source(&self, source: Option<&str>) {
        self.set_property("source", source);
    }

    /// The MAC address (`None`: libvirt picks one).
    pub fn mac(&self) -> Option<String> {
        self.imp().mac.get()
    }

    pub fn set_mac(&self, mac: Option<&str>) {
        self.set_property("mac", mac);
    }

    /// Appends a static address.
    pub fn add_address(&self, address: &ConfigNetworkAddress) {
        self.imp().addresses.borrow_mut().push(address.clone());
    }

    /// The static addresses, in the order they were added.
    pub fn addresses(&self) -> Vec<ConfigNetworkAddress> {
        self.imp().addresses.borrow().clone()
    }

    /// Appends a static route.
    pub fn add_route(&self, route: &ConfigNetworkRoute) {
        self.imp().routes.borrow_mut().push(route.clone());
    }

    /// The static routes, in the order they were added.
    pub fn routes(&self) -> Vec<ConfigNetworkRoute> {
        self.imp().routes.borrow().clone()
    }

    /// Sets (replaces, or with `None` removes) the network filter reference.
    pub fn set_filterref(&self, filterref: Option<&ConfigNetworkFilterref>) {
        *self.imp().filterref.borrow_mut() = filterref.cloned();
    }

    /// The network filter reference, if any.
    pub fn filterref(&self) -> Option<ConfigNetworkFilterref> {
        self.imp().filterref.borrow().clone()
    }

    /// Builds an interface from a parsed `--network` option string.
    fn from_spec(spec: options::NetworkSpec) -> Self {
        let network = Self::new();
        network.set_dhcp(spec.dhcp);
        network.set_source(spec.source.as_deref());
        network.set_mac(spec.mac.as_deref());
        for a in spec.addresses {
            let broadcast = a.broadcast.map(gio::InetAddress::from);
            network.add_address(&ConfigNetworkAddress::new(
                &a.address.into(),
                a.prefix,
                broadcast.as_ref(),
            ));
        }
        for r in spec.routes {
            network.add_route(&ConfigNetworkRoute::new(
                &r.target.into(),
                r.prefix,
                &r.gateway.into(),
            ));
        }
        if let Some(filter) = spec.filter {
            let filterref = ConfigNetworkFilterref::new();
            filterref.set_name(&filter.name);
            for (name, value) in &filter.parameters {
                filterref.add_parameter(&ConfigNetworkFilterrefParameter::with_name_value(
                    name, value,
                ));
            }
            network.set_filterref(Some(&filterref));
        }
        network
    }
}

impl Default for ConfigNetwork {
    fn default() -> Self {
        Self::new()
    }
}

/// The network methods of every [`Config`].
impl Config {
    /// Appends a network interface.
    pub fn add_network(&self, network: &ConfigNetwork) {
        self.imp().networks.borrow_mut().push(network.clone());
    }

    /// The network interfaces, in the order they were added.
    pub fn networks(&self) -> Vec<ConfigNetwork> {
        self.imp().networks.borrow().clone()
    }

    pub fn has_networks(&self) -> bool {
        !self.imp().networks.borrow().is_empty()
    }

    /// Parses one `--network` option string (e.g. `dhcp,source=default` or
    /// `address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3`) and adds
    /// the interface it describes.
    pub fn add_network_opts(&self, opts: &str) -> crate::Result<()> {
        let spec = options::parse_network(opts)?;
        self.add_network(&ConfigNetwork::from_spec(spec));
        Ok(())
    }

    /// Adds one interface per option string; stops at the first invalid one
    /// (earlier ones stay added, as in the original).
    pub fn add_network_strv<S: AsRef<str>>(&self, opts: &[S]) -> crate::Result<()> {
        opts.iter()
            .try_for_each(|o| self.add_network_opts(o.as_ref()))
    }
}

/// Registers the GTypes of every network class.
pub(crate) fn ensure_types() {
    let _ = (
        ConfigNetwork::static_type(),
        ConfigNetworkAddress::static_type(),
        ConfigNetworkRoute::static_type(),
        ConfigNetworkFilterref::static_type(),
        ConfigNetworkFilterrefParameter::static_type(),
    );
}

fn invalid(message: String) -> crate::Error {
    error(SandboxError::InvalidConfig, message)
}

/// Writes the `[network.N…]` groups of `networks` (spec §2.1 item 7, then the
/// filterref extension).
pub(crate) fn save_keyfile(kf: &glib::KeyFile, networks: &[ConfigNetwork]) {
    for (i, network) in networks.iter().enumerate() {
        let p = network.imp();
        let addresses = p.addresses.borrow();
        for (j, address) in addresses.iter().enumerate() {
            let group = format!("network.{i}.address.{j}");
            if let Some(primary) = address.primary() {
                kf.set_string(&group, "primary", &primary.to_str());
            }
            if let Some(broadcast) = address.broadcast() {
                kf.set_string(&group, "broadcast", &broadcast.to_str());
            }
            kf.set_uint64(&group, "prefix", address.prefix().into());
        }
        let routes = p.routes.borrow();
        for (k, route) in routes.iter().enumerate() {
            let group = format!("network.{i}.route.{k}");
            kf.set_uint64(&group, "prefix", route.prefix().into());
            if let Some(gateway) = route.gateway() {
                kf.set_string(&group, "gateway", &gateway.to_str());
            }
            if let Some(target) = route.target() {
                kf.set_string(&group, "target", &target.to_str());
            }
        }

        let group = format!("network.{i}");
        kf.set_boolean(&group, "dhcp", p.dhcp.get());
        if let Some(source) = p.source.get() {
            kf.set_string(&group, "source", &source);
        }
        if let Some(mac) = p.mac.get() {
            kf.set_string(&group, "mac", &mac);
        }
        // Informational counts, never read back (as the original).
        kf.set_uint64(&group, "addresses", addresses.len() as u64);
        kf.set_uint64(&group, "routes", routes.len() as u64);

        // Extension: the original does not save the filter reference.
        if let Some(filterref) = p.filterref.borrow().as_ref() {
            let group = format!("network.{i}.filterref");
            // An unnamed filterref is saved as `name=` (and loaded back unnamed).
            kf.set_string(&group, "name", &filterref.name().unwrap_or_default());
            for (k, parameter) in filterref.parameters().iter().enumerate() {
                let group = format!("network.{i}.filterref.parameter.{k}");
                kf.set_string(&group, "name", &parameter.name().unwrap_or_default());
                kf.set_string(&group, "value", &parameter.value().unwrap_or_default());
            }
        }
    }
}

/// Reads a required IPv4/IPv6 address key.
fn required_address(kf: &glib::KeyFile, group: &str, key: &str) -> crate::Result<gio::InetAddress> {
    optional_address(kf, group, key)?
        .ok_or_else(|| invalid(format!("missing key '{key}' in group [{group}]")))
}

/// Reads an optional IPv4/IPv6 address key.
fn optional_address(
    kf: &glib::KeyFile,
    group: &str,
    key: &str,
) -> crate::Result<Option<gio::InetAddress>> {
    optional_string(kf, group, key)?
        .map(|s| {
            gio::InetAddress::from_string(&s).ok_or_else(|| {
                invalid(format!(
                    "invalid value of [{group}] {key}: '{s}' is not an IPv4 or IPv6 address"
                ))
            })
        })
        .transpose()
}

/// Reads an optional prefix length (missing: 0, as the original).
fn prefix(kf: &glib::KeyFile, group: &str) -> crate::Result<u32> {
    let max = address::MAX_PREFIX;
    Ok(optional_u64(kf, group, "prefix", max.into())?.map_or(0, |v| v as u32))
}

/// Reads the `[network.N…]` groups (spec §2.2): N in 0..100 with gaps allowed;
/// addresses and routes up to the first missing group.
pub(crate) fn load_keyfile(kf: &glib::KeyFile) -> crate::Result<Vec<ConfigNetwork>> {
    let mut networks = Vec::new();
    for i in 0..MAX_NETWORKS {
        let group = format!("network.{i}");
        if !kf.has_group(&group) {
            continue; // gaps are allowed, as in the original
        }
        networks.push(load_network(kf, i, &group)?);
    }
    Ok(networks)
}

fn load_network(kf: &glib::KeyFile, i: usize, group: &str) -> crate::Result<ConfigNetwork> {
    let network = ConfigNetwork::new();
    network.set_dhcp(optional_bool(kf, group, "dhcp")?.unwrap_or(true));
    network.set_source(optional_string(kf, group, "source")?.as_deref());
    network.set_mac(optional_string(kf, group, "mac")?.as_deref());

    for j in 0..MAX_NETWORKS {
        let group = format!("network.{i}.address.{j}");
        if !kf.has_group(&group) {
            break;
        }
        let primary = required_address(kf, &group, "primary")?;
        let broadcast = optional_address(kf, &group, "broadcast")?;
        let prefix = prefix(kf, &group)?;
        network.add_address(&ConfigNetworkAddress::new(
            &primary,
            prefix,
            broadcast.as_ref(),
        ));
    }

    for k in 0..MAX_NETWORKS {
        let group = format!("network.{i}.route.{k}");
        if !kf.has_group(&group) {
            break;
        }
        let target = required_address(kf, &group, "target")?;
        let gateway = required_address(kf, &group, "gateway")?;
        let prefix = prefix(kf, &group)?;
        network.add_route(&ConfigNetworkRoute::new(&target, prefix, &gateway));
    }

    let group = format!("network.{i}.filterref");
    if kf.has_group(&group) {
        let filterref = ConfigNetworkFilterref::new();
        if let Some(name) = optional_string(kf, &group, "name")?.filter(|n| !n.is_empty()) {
            filterref.set_name(&name);
        }
        for k in 0..MAX_ENTRIES {
            let group = format!("network.{i}.filterref.parameter.{k}");
            if !kf.has_group(&group) {
                break;
            }
            let name = crate::config::keyfile::required_string(kf, &group, "name")?;
            let value = crate::config::keyfile::required_string(kf, &group, "value")?;
            filterref.add_parameter(&ConfigNetworkFilterrefParameter::with_name_value(
                &name, &value,
            ));
        }
        network.set_filterref(Some(&filterref));
    }
    Ok(network)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigInteractive;

    fn addr(s: &str) -> gio::InetAddress {
        gio::InetAddress::from_string(s).expect("valid address")
    }

    fn sample() -> Vec<ConfigNetwork> {
        let dhcp = ConfigNetwork::new();
        dhcp.set_source(Some("default"));

        let fixed = ConfigNetwork::new();
        fixed.set_dhcp(false);
        fixed.set_source(Some("private"));
        fixed.set_mac(Some("52:54:00:12:34:56"));
        fixed.add_address(&ConfigNetworkAddress::new(
            &addr("10.0.0.1"),
            24,
            Some(&addr("10.0.0.255")),
        ));
        fixed.add_address(&ConfigNetworkAddress::new(
            &addr("2001:212::204:2"),
            64,
            None,
        ));
        fixed.add_route(&ConfigNetworkRoute::new(
            &addr("192.168.1.0"),
            24,
            &addr("10.0.0.3"),
        ));
        let filterref = ConfigNetworkFilterref::new();
        filterref.set_name("clean-traffic");
        filterref.add_parameter(&ConfigNetworkFilterrefParameter::with_name_value(
            "IP", "10.0.0.1",
        ));
        fixed.set_filterref(Some(&filterref));
        vec![dhcp, fixed]
    }

    const SAMPLE: &str = "[network.0]\ndhcp=true\nsource=default\naddresses=0\nroutes=0\n\n\
        [network.1.address.0]\nprimary=10.0.0.1\nbroadcast=10.0.0.255\nprefix=24\n\n\
        [network.1.address.1]\nprimary=2001:212::204:2\nprefix=64\n\n\
        [network.1.route.0]\nprefix=24\ngateway=10.0.0.3\ntarget=192.168.1.0\n\n\
        [network.1]\ndhcp=false\nsource=private\nmac=52:54:00:12:34:56\naddresses=2\nroutes=1\n\n\
        [network.1.filterref]\nname=clean-traffic\n\n\
        [network.1.filterref.parameter.0]\nname=IP\nvalue=10.0.0.1\n";

    fn save(networks: &[ConfigNetwork]) -> String {
        let kf = glib::KeyFile::new();
        save_keyfile(&kf, networks);
        kf.to_data().to_string()
    }

    fn load(data: &str) -> crate::Result<Vec<ConfigNetwork>> {
        let kf = glib::KeyFile::new();
        kf.load_from_data(data, glib::KeyFileFlags::NONE)
            .expect("valid key file");
        load_keyfile(&kf)
    }

    #[test]
    fn defaults() {
        let network = ConfigNetwork::new();
        assert!(network.dhcp());
        assert_eq!(network.source(), None);
        assert!(network.addresses().is_empty() && network.filterref().is_none());
        let address: ConfigNetworkAddress = glib::Object::new();
        assert_eq!(address.prefix(), 24);
        assert_eq!(address.property::<u32>("prefix"), 24);
        let route: ConfigNetworkRoute = glib::Object::new();
        assert_eq!(route.prefix(), 24);
        assert!(route.gateway().is_none());
    }

    #[test]
    fn properties() {
        let a = ConfigNetworkAddress::new(&addr("10.0.0.1"), 16, Some(&addr("10.0.255.255")));
        let primary: gio::InetAddress = a.property("primary");
        assert_eq!(primary.to_str(), "10.0.0.1");
        assert_eq!(a.property::<u32>("prefix"), 16);
        a.set_prefix(500);
        assert_eq!(a.prefix(), 128);
        a.set_broadcast(None);
        assert!(
            a.property::<Option<gio::InetAddress>>("broadcast")
                .is_none()
        );
        let n = ConfigNetwork::new();
        n.set_property("dhcp", false);
        n.set_property("mac", "52:54:00:00:00:01");
        assert!(!n.dhcp());
        assert_eq!(n.mac().as_deref(), Some("52:54:00:00:00:01"));
        let p = ConfigNetworkFilterrefParameter::new();
        p.set_name("IP");
        p.set_value("1.2.3.4");
        assert_eq!(p.property::<String>("value"), "1.2.3.4");
    }

    #[test]
    fn save_layout_matches_the_original() {
        assert_eq!(save(&sample()), SAMPLE);
    }

    #[test]
    fn load_round_trip() {
        let loaded = load(SAMPLE).expect("loads");
        assert_eq!(loaded.len(), 2);
        let fixed = &loaded[1];
        assert!(!fixed.dhcp());
        assert_eq!(fixed.mac().as_deref(), Some("52:54:00:12:34:56"));
        let addresses = fixed.addresses();
        assert_eq!(addresses[1].primary().unwrap().to_str(), "2001:212::204:2");
        assert_eq!(addresses[1].prefix(), 64);
        assert!(addresses[1].broadcast().is_none());
        assert_eq!(addresses[0].broadcast().unwrap().to_str(), "10.0.0.255");
        let route = &fixed.routes()[0];
        assert_eq!(route.target().unwrap().to_str(), "192.168.1.0");
        assert_eq!(route.gateway().unwrap().to_str(), "10.0.0.3");
        let filterref = fixed.filterref().expect("filterref is persisted");
        assert_eq!(filterref.name().as_deref(), Some("clean-traffic"));
        assert_eq!(
            filterref.parameters()[0].value().as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(save(&loaded), SAMPLE);
    }

    #[test]
    fn load_rules_of_the_original() {
        // Gaps between networks are skipped; a missing dhcp key means TRUE; a
        // missing prefix means 0; addresses stop at the first missing group.
        let loaded = load(
            "[network.3]\nsource=x\n\n[network.3.address.0]\nprimary=10.1.1.1\n\n\
             [network.3.address.2]\nprimary=10.2.2.2\n",
        )
        .expect("loads");
        assert_eq!(loaded.len(), 1);
        assert!(loaded[0].dhcp());
        assert_eq!(loaded[0].addresses().len(), 1);
        assert_eq!(loaded[0].addresses()[0].prefix(), 0);
        // An unnamed filterref survives a round trip.
        let n = ConfigNetwork::new();
        n.set_filterref(Some(&ConfigNetworkFilterref::new()));
        let again = load(&save(&[n])).expect("loads");
        assert!(again[0].filterref().unwrap().name().is_none());
    }

    #[test]
    fn load_errors_name_group_and_key() {
        for (data, group, key) in [
            (
                "[network.0]\n[network.0.address.0]\nprimary=10.0.0.300\n",
                "[network.0.address.0]",
                "primary",
            ),
            (
                "[network.0]\n[network.0.address.0]\nprefix=24\n",
                "[network.0.address.0]",
                "primary",
            ),
            (
                "[network.0]\n[network.0.address.0]\nprimary=::1\nprefix=129\n",
                "[network.0.address.0]",
                "prefix",
            ),
            (
                "[network.0]\n[network.0.address.0]\nprimary=::1\nbroadcast=nope\n",
                "[network.0.address.0]",
                "broadcast",
            ),
            (
                "[network.1]\n[network.1.route.0]\ntarget=10.0.0.0\n",
                "[network.1.route.0]",
                "gateway",
            ),
            ("[network.0]\ndhcp=maybe\n", "[network.0]", "dhcp"),
            (
                "[network.0]\n[network.0.filterref]\nname=f\n[network.0.filterref.parameter.0]\nname=IP\n",
                "[network.0.filterref.parameter.0]",
                "value",
            ),
        ] {
            let e = load(data).expect_err(data);
            assert!(e.matches(SandboxError::InvalidConfig), "{data}: {e}");
            assert!(e.message().contains(group), "{data}: {e}");
            assert!(e.message().contains(key), "{data}: {e}");
        }
    }

    #[test]
    fn config_round_trip() {
        let cfg = ConfigInteractive::new("net").upcast::<Config>();
        for n in sample() {
            cfg.add_network(&n);
        }
        assert!(cfg.has_networks());
        let data = cfg.save_to_data();
        let loaded = Config::load_from_data(&data).expect("loads");
        assert_eq!(loaded.networks().len(), 2);
        assert_eq!(loaded.save_to_data(), data);
    }

    #[test]
    fn option_strings() {
        let cfg = ConfigInteractive::new("opts").upcast::<Config>();
        cfg.add_network_strv(&[
            "address=10.0.0.1/24%10.0.0.255",
            "address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3",
            "dhcp,source=default",
            "filter=clean-traffic,filter.ip=192.168.122.1",
            "address=2001:212::204:2/64",
        ])
        .expect("valid options");
        let networks = cfg.networks();
        assert_eq!(networks.len(), 5);
        assert!(!networks[0].dhcp());
        let a = &networks[0].addresses()[0];
        assert_eq!(a.primary().unwrap().to_str(), "10.0.0.1");
        assert_eq!(a.broadcast().unwrap().to_str(), "10.0.0.255");
        assert_eq!(a.prefix(), 24);
        let r = &networks[1].routes()[0];
        assert_eq!(
            (r.target().unwrap().to_str().as_str(), r.prefix()),
            ("192.168.1.0", 24)
        );
        assert_eq!(r.gateway().unwrap().to_str(), "10.0.0.3");
        assert!(networks[2].dhcp());
        assert_eq!(networks[2].source().as_deref(), Some("default"));
        let f = networks[3].filterref().expect("filter");
        assert_eq!(f.name().as_deref(), Some("clean-traffic"));
        let p = &f.parameters()[0];
        assert_eq!(p.name().as_deref(), Some("IP"));
        assert_eq!(p.value().as_deref(), Some("192.168.122.1"));
        assert_eq!(networks[4].addresses()[0].prefix(), 64);

        let e = cfg.add_network_opts("bogus=1").expect_err("invalid");
        assert!(e.matches(SandboxError::InvalidNetwork));
        assert_eq!(cfg.networks().len(), 5);
    }
}
