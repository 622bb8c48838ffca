// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigInitrd`: what goes into a QEMU sandbox's initrd.
//! (Skeleton: to be completed.)

mod imp {
    use glib::subclass::prelude::*;

    #[derive(Debug, Default)]
    pub struct ConfigInitrd;

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigInitrd {
        const NAME: &'static str = "GVirSandboxConfigInitrd";
        type Type = super::ConfigInitrd;
        type ParentType = glib::Object;
    }

    impl ObjectImpl for ConfigInitrd {}
}

glib::wrapper! {
    /// The initrd contents of a virtual-machine sandbox (`GVirSandboxConfigInitrd`).
    pub struct ConfigInitrd(ObjectSubclass<imp::ConfigInitrd>);
}
