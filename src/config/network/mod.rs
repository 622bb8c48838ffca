// SPDX-License-Identifier: LGPL-2.1-or-later
//! Network classes: `GVirSandboxConfigNetwork` and its parts.
//! (Skeleton: to be completed.)

use glib::prelude::*;

mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ConfigNetwork;

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigNetwork {
        const NAME: &'static str = "GVirSandboxConfigNetwork";
        type Type = super::ConfigNetwork;
        type ParentType = glib::Object;
    }

    impl ObjectImpl for ConfigNetwork {}
}

glib::wrapper! {
    /// One network interface of a sandbox (`GVirSandboxConfigNetwork`).
    pub struct ConfigNetwork(ObjectSubclass<imp::ConfigNetwork>);
}

pub type ConfigNetworkAddress = ConfigNetwork;
pub type ConfigNetworkRoute = ConfigNetwork;
pub type ConfigNetworkFilterref = ConfigNetwork;
pub type ConfigNetworkFilterrefParameter = ConfigNetwork;

pub(crate) fn ensure_types() {
    let _ = ConfigNetwork::static_type();
}

pub(crate) fn save_keyfile(_kf: &glib::KeyFile, _networks: &[ConfigNetwork]) {}

pub(crate) fn load_keyfile(_kf: &glib::KeyFile) -> crate::Result<Vec<ConfigNetwork>> {
    Ok(Vec::new())
}
