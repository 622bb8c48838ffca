// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigInitrd`: what goes into a QEMU sandbox's initrd — the init
//! program, the kernel version and module directory, and the modules to load.

use glib::prelude::*;
use glib::subclass::prelude::*;

/// Directory the guest init helpers are installed in (set by meson through
/// cargo; the default matches `meson setup --prefix=/usr/local`).
pub const LIBEXECDIR: &str = match option_env!("LIBVIRT_SANDBOX_LIBEXECDIR") {
    Some(dir) => dir,
    None => "/usr/local/libexec",
};

crate::abi::class_structs!(
    "GVirSandboxConfigInitrd",
    ConfigInitrdInstance: glib::gobject_ffi::GObject,
    ConfigInitrdClass: glib::gobject_ffi::GObjectClass,
    imp::ConfigInitrd,
    32,
    296
);

mod imp {
    use std::cell::RefCell;
    use std::sync::LazyLock;

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use crate::util::StrField;

    #[derive(Debug)]
    pub struct ConfigInitrd {
        pub(crate) kver: StrField,
        pub(crate) kmoddir: StrField,
        pub(crate) init: StrField,
        pub(crate) modules: RefCell<Vec<String>>,
    }

    impl Default for ConfigInitrd {
        fn default() -> Self {
            Self {
                kver: StrField::default(),
                kmoddir: StrField::default(),
                init: StrField::new(Some(&super::default_init())),
                modules: RefCell::default(),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigInitrd {
        const NAME: &'static str = "GVirSandboxConfigInitrd";
        type Type = super::ConfigInitrd;
        type ParentType = glib::Object;
        type Instance = super::ConfigInitrdInstance;
        type Class = super::ConfigInitrdClass;
    }

    impl ObjectImpl for ConfigInitrd {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
                let init = super::default_init();
                vec![
                    glib::ParamSpecString::builder("kver")
                        .nick("Kernel version")
                        .blurb("The kernel release the modules belong to")
                        .build(),
                    glib::ParamSpecString::builder("kmoddir")
                        .nick("Kernel module directory")
                        .blurb("The full path of the kernel modules directory")
                        .build(),
                    glib::ParamSpecString::builder("init")
                        .nick("Init")
                        .blurb("The host path of the program run as the initrd's /init")
                        .default_value(Some(init.as_str()))
                        .build(),
                ]
            });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            let v = value
                .get::<Option<String>>()
                .expect("type checked by GObject");
            match pspec.name() {
                "kver" => self.kver.set(v.as_deref()),
                "kmoddir" => self.kmoddir.set(v.as_deref()),
                "init" => self.init.set(v.as_deref()),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "kver" => self.kver.to_value(),
                "kmoddir" => self.kmoddir.to_value(),
                "init" => self.init.to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }
}

fn default_init() -> String {
    format!("{LIBEXECDIR}/libvirt-sandbox-init-qemu")
}

glib::wrapper! {
    /// The initrd contents of a virtual-machine sandbox (`GVirSandboxConfigInitrd`).
    pub struct ConfigInitrd(ObjectSubclass<imp::ConfigInitrd>);
}

impl Default for ConfigInitrd {
    fn default() -> Self {
        Self::new()
    }
}

impl ConfigInitrd {
    pub fn new() -> Self {
        glib::Object::new()
    }

    pub fn kver(&self) -> Option<String> {
        self.imp().kver.get()
    }
    pub fn set_kver(&self, kver: &str) {
        self.set_property("kver", kver);
    }
    pub fn kmoddir(&self) -> Option<String> {
        self.imp().kmoddir.get()
    }
    pub fn set_kmoddir(&self, dir: &str) {
        self.set_property("kmoddir", dir);
    }
    pub fn init(&self) -> Option<String> {
        self.imp().init.get()
    }
    pub fn set_init(&self, path: &str) {
        self.set_property("init", path);
    }

    /// Adds a module by file name (e.g. `virtio_pci.ko`), kept in order; adding
    /// one twice has no effect.
    pub fn add_module(&self, name: &str) {
        let mut modules = self.imp().modules.borrow_mut();
        if !modules.iter().any(|m| m == name) {
            modules.push(name.to_owned());
        }
    }

    /// The modules, in the order they were added (and will be loaded).
    pub fn modules(&self) -> Vec<String> {
        self.imp().modules.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_modules() {
        let initrd = ConfigInitrd::new();
        assert!(
            initrd
                .init()
                .unwrap()
                .ends_with("/libvirt-sandbox-init-qemu")
        );
        assert_eq!(initrd.kver(), None);
        initrd.add_module("virtio.ko");
        initrd.add_module("virtio_pci.ko");
        initrd.add_module("virtio.ko");
        assert_eq!(initrd.modules(), ["virtio.ko", "virtio_pci.ko"]);
        initrd.set_property("kver", "6.1.0-1-amd64");
        assert_eq!(initrd.kver().as_deref(), Some("6.1.0-1-amd64"));
    }
}
