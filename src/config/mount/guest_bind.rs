// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigMountGuestBind`: another path of the sandbox bound onto a
//! guest directory (set up after the other mounts).

use super::{ConfigMount, ConfigMountFile};

crate::abi::class_structs!(
    "GVirSandboxConfigMountGuestBind",
    ConfigMountGuestBindInstance: crate::config::mount::ConfigMountFileInstance,
    ConfigMountGuestBindClass: crate::config::mount::ConfigMountFileClass,
    imp::ConfigMountGuestBind,
    48,
    616
);

mod imp {
    use glib::subclass::prelude::*;

    use crate::config::mount::{ConfigMountFileImpl, ConfigMountImpl};

    #[derive(Debug, Default)]
    pub struct ConfigMountGuestBind;

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigMountGuestBind {
        const NAME: &'static str = "GVirSandboxConfigMountGuestBind";
        type Type = super::ConfigMountGuestBind;
        type ParentType = crate::config::mount::ConfigMountFile;
        type Instance = super::ConfigMountGuestBindInstance;
        type Class = super::ConfigMountGuestBindClass;
    }

    impl ObjectImpl for ConfigMountGuestBind {}
    impl ConfigMountImpl for ConfigMountGuestBind {}
    impl ConfigMountFileImpl for ConfigMountGuestBind {}
}

glib::wrapper! {
    /// A guest path bound onto a guest directory (`GVirSandboxConfigMountGuestBind`).
    pub struct ConfigMountGuestBind(ObjectSubclass<imp::ConfigMountGuestBind>)
        @extends ConfigMountFile, ConfigMount;
}

impl ConfigMountGuestBind {
    /// Binds guest path `source` onto guest directory `target`.
    pub fn new(source: &str, target: &str) -> Self {
        glib::Object::builder()
            .property("target", target)
            .property("source", source)
            .build()
    }
}
