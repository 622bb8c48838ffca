// SPDX-License-Identifier: LGPL-2.1-or-later
//! Mount classes: `GVirSandboxConfigMount` (abstract) and its subclasses.
//! (Skeleton: to be completed.)

use glib::prelude::*;

mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ConfigMount;

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigMount {
        const NAME: &'static str = "GVirSandboxConfigMount";
        const ABSTRACT: bool = true;
        type Type = super::ConfigMount;
        type ParentType = glib::Object;
    }

    impl ObjectImpl for ConfigMount {}
}

glib::wrapper! {
    /// Abstract base of every mount (`GVirSandboxConfigMount`).
    pub struct ConfigMount(ObjectSubclass<imp::ConfigMount>);
}

pub type ConfigMountFile = ConfigMount;
pub type ConfigMountHostBind = ConfigMount;
pub type ConfigMountHostImage = ConfigMount;
pub type ConfigMountGuestBind = ConfigMount;
pub type ConfigMountRam = ConfigMount;

pub(crate) fn ensure_types() {
    let _ = ConfigMount::static_type();
}

pub(crate) fn save_keyfile(_kf: &glib::KeyFile, _mounts: &[ConfigMount]) {}

pub(crate) fn load_keyfile(_kf: &glib::KeyFile) -> crate::Result<Vec<ConfigMount>> {
    Ok(Vec::new())
}
