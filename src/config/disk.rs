// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigDisk`: a host file exposed as a block device, found in the
//! guest at `/dev/disk/by-tag/TAG`. (Skeleton: to be completed.)

mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ConfigDisk;

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigDisk {
        const NAME: &'static str = "GVirSandboxConfigDisk";
        type Type = super::ConfigDisk;
        type ParentType = glib::Object;
    }

    impl ObjectImpl for ConfigDisk {}
}

glib::wrapper! {
    /// A block disk of a sandbox (`GVirSandboxConfigDisk`).
    pub struct ConfigDisk(ObjectSubclass<imp::ConfigDisk>);
}

pub(crate) fn save_keyfile(_kf: &glib::KeyFile, _disks: &[ConfigDisk]) {}

pub(crate) fn load_keyfile(_kf: &glib::KeyFile) -> crate::Result<Vec<ConfigDisk>> {
    Ok(Vec::new())
}
