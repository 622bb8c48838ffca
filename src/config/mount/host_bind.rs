// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigMountHostBind`: a host directory bound onto a guest
//! directory.
//!
//! A host bind without a source (NULL or empty, from `host-bind:/tmp=`) asks
//! for a fresh empty temporary directory, created when the sandbox starts and
//! removed when it stops. It is saved as `source=` (empty), as the original did.

use glib::prelude::*;

use super::{ConfigMount, ConfigMountFile};

crate::abi::class_structs!(
    "GVirSandboxConfigMountHostBind",
    ConfigMountHostBindInstance: crate::config::mount::ConfigMountFileInstance,
    ConfigMountHostBindClass: crate::config::mount::ConfigMountFileClass,
    imp::ConfigMountHostBind,
    48,
    616
);

mod imp {
    use glib::subclass::prelude::*;

    use crate::config::mount::{ConfigMountFileImpl, ConfigMountImpl};

    #[derive(Debug, Default)]
    pub struct ConfigMountHostBind;

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigMountHostBind {
        const NAME: &'static str = "GVirSandboxConfigMountHostBind";
        type Type = super::ConfigMountHostBind;
        type ParentType = crate::config::mount::ConfigMountFile;
        type Instance = super::ConfigMountHostBindInstance;
        type Class = super::ConfigMountHostBindClass;
    }

    impl ObjectImpl for ConfigMountHostBind {}
    impl ConfigMountImpl for ConfigMountHostBind {}
    impl ConfigMountFileImpl for ConfigMountHostBind {}
}

glib::wrapper! {
    /// A host directory bound onto a guest directory
    /// (`GVirSandboxConfigMountHostBind`).
    pub struct ConfigMountHostBind(ObjectSubclass<imp::ConfigMountHostBind>)
        @extends ConfigMountFile, ConfigMount;
}

impl ConfigMountHostBind {
    /// Binds host directory `source` onto guest directory `target`; `None` (or
    /// an empty string) means a fresh empty temporary directory.
    pub fn new(source: Option<&str>, target: &str) -> Self {
        let source = source.filter(|s| !s.is_empty());
        glib::Object::builder()
            .property("target", target)
            .property("source", source)
            .build()
    }

    /// Whether the source is a fresh temporary directory (no source path).
    pub fn is_temporary(&self) -> bool {
        self.upcast_ref::<ConfigMountFile>()
            .source()
            .is_none_or(|s| s.is_empty())
    }
}
