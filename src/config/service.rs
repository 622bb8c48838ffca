// SPDX-License-Identifier: LGPL-2.1-or-later
//! Service configs: `GVirSandboxConfigService` (abstract) and its two kinds,
//! a generic command (`GVirSandboxConfigServiceGeneric`) or a systemd boot
//! target (`GVirSandboxConfigServiceSystemd`).

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::{Config, ConfigImpl};

/// Path of the systemd binary a systemd service sandbox boots.
pub const SYSTEMD_PATH: &str = "/usr/lib/systemd/systemd";

crate::abi::class_structs!(
    "GVirSandboxConfigService",
    ConfigServiceInstance: crate::config::ConfigInstance,
    ConfigServiceClass: crate::config::ConfigClass,
    imp::ConfigService,
    40,
    480
);

crate::abi::class_structs!(
    "GVirSandboxConfigServiceGeneric",
    ConfigServiceGenericInstance: ConfigServiceInstance,
    ConfigServiceGenericClass: ConfigServiceClass,
    imp::ConfigServiceGeneric,
    48,
    640
);

crate::abi::class_structs!(
    "GVirSandboxConfigServiceSystemd",
    ConfigServiceSystemdInstance: ConfigServiceInstance,
    ConfigServiceSystemdClass: ConfigServiceClass,
    imp::ConfigServiceSystemd,
    48,
    640
);

mod imp {
    use std::cell::RefCell;

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use crate::config::{ConfigImpl, keyfile};
    use crate::util::StrField;

    #[derive(Debug, Default)]
    pub struct ConfigService;

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigService {
        const NAME: &'static str = "GVirSandboxConfigService";
        const ABSTRACT: bool = true;
        type Type = super::ConfigService;
        type ParentType = crate::config::Config;
        type Instance = super::ConfigServiceInstance;
        type Class = super::ConfigServiceClass;
    }

    impl ObjectImpl for ConfigService {}

    impl ConfigImpl for ConfigService {
        fn command(&self) -> Vec<String> {
            Vec::new()
        }
    }

    #[derive(Debug)]
    pub struct ConfigServiceGeneric {
        pub(crate) command: RefCell<Vec<String>>,
    }

    impl Default for ConfigServiceGeneric {
        fn default() -> Self {
            Self {
                command: RefCell::new(vec!["/bin/sh".to_owned()]),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigServiceGeneric {
        const NAME: &'static str = "GVirSandboxConfigServiceGeneric";
        type Type = super::ConfigServiceGeneric;
        type ParentType = super::ConfigService;
        type Instance = super::ConfigServiceGenericInstance;
        type Class = super::ConfigServiceGenericClass;
    }

    impl ObjectImpl for ConfigServiceGeneric {}

    impl ConfigImpl for ConfigServiceGeneric {
        fn command(&self) -> Vec<String> {
            self.command.borrow().clone()
        }

        fn save_config(&self, kf: &glib::KeyFile) {
            keyfile::save_command(kf, &self.command.borrow());
        }

        fn load_config(&self, kf: &glib::KeyFile) -> crate::Result<()> {
            *self.command.borrow_mut() = keyfile::load_command(kf)?;
            Ok(())
        }
    }

    impl super::ConfigServiceImpl for ConfigServiceGeneric {}

    #[derive(Debug)]
    pub struct ConfigServiceSystemd {
        pub(crate) boot_target: StrField,
        /// The host's units the boot target wants (and nothing else).
        pub(crate) units: RefCell<Vec<String>>,
    }

    impl Default for ConfigServiceSystemd {
        fn default() -> Self {
            Self {
                boot_target: StrField::new(Some("multi-user.target")),
                units: RefCell::new(Vec::new()),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigServiceSystemd {
        const NAME: &'static str = "GVirSandboxConfigServiceSystemd";
        type Type = super::ConfigServiceSystemd;
        type ParentType = super::ConfigService;
        type Instance = super::ConfigServiceSystemdInstance;
        type Class = super::ConfigServiceSystemdClass;
    }

    impl ObjectImpl for ConfigServiceSystemd {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecString::builder("boot-target")
                            .nick("Boot target")
                            .blurb("The systemd unit the service sandbox boots")
                            .default_value(Some("multi-user.target"))
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            match pspec.name() {
                "boot-target" => self.boot_target.set(
                    value
                        .get::<Option<String>>()
                        .expect("type checked by GObject")
                        .as_deref(),
                ),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "boot-target" => self.boot_target.to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }

    impl ConfigImpl for ConfigServiceSystemd {
        fn command(&self) -> Vec<String> {
            vec![
                super::SYSTEMD_PATH.to_owned(),
                "--unit".to_owned(),
                self.boot_target.get().unwrap_or_default(),
                "--log-target".to_owned(),
                "console".to_owned(),
                // The units' stdout and stderr on the console too (TTYPath=
                // is /dev/console): no journald runs inside, and the init
                // passes the console on to `virt-sandbox-service run`.
                "--default-standard-output=tty".to_owned(),
                "--system".to_owned(),
            ]
        }

        fn save_config(&self, kf: &glib::KeyFile) {
            if let Some(target) = self.boot_target.get() {
                kf.set_string("service", "bootTarget", &target);
            }
            // Unit names hold no ';' (a key file's list separator).
            let units = self.units.borrow();
            if !units.is_empty() {
                kf.set_string("service", "units", &units.join(";"));
            }
        }

        fn load_config(&self, kf: &glib::KeyFile) -> crate::Result<()> {
            let target = keyfile::required_string(kf, "service", "bootTarget")?;
            self.boot_target.set(Some(&target));
            // Absent in configs saved before units existed.
            *self.units.borrow_mut() = kf
                .string("service", "units")
                .map(|l| {
                    l.split(';')
                        .filter(|u| !u.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            Ok(())
        }
    }

    impl super::ConfigServiceImpl for ConfigServiceSystemd {}
}

glib::wrapper! {
    /// Abstract base of service sandboxes (`GVirSandboxConfigService`).
    pub struct ConfigService(ObjectSubclass<imp::ConfigService>) @extends Config;
}

/// Trait for Rust subclasses of [`ConfigService`].
pub trait ConfigServiceImpl: ConfigImpl + ObjectSubclass<Type: IsA<ConfigService>> {}

unsafe impl<T: ConfigServiceImpl> IsSubclassable<T> for ConfigService {}

glib::wrapper! {
    /// A service sandbox running a given command (`GVirSandboxConfigServiceGeneric`).
    pub struct ConfigServiceGeneric(ObjectSubclass<imp::ConfigServiceGeneric>)
        @extends ConfigService, Config;
}

impl ConfigServiceGeneric {
    /// Creates a service config called `name`, running `/bin/sh` by default.
    pub fn new(name: &str) -> Self {
        glib::Object::builder().property("name", name).build()
    }

    /// Replaces the command line.
    pub fn set_command<S: AsRef<str>>(&self, argv: &[S]) {
        *self.imp().command.borrow_mut() = argv.iter().map(|s| s.as_ref().to_owned()).collect();
    }
}

glib::wrapper! {
    /// A service sandbox booting systemd to a target (`GVirSandboxConfigServiceSystemd`).
    pub struct ConfigServiceSystemd(ObjectSubclass<imp::ConfigServiceSystemd>)
        @extends ConfigService, Config;
}

impl ConfigServiceSystemd {
    /// Creates a systemd service config called `name` (boot target `multi-user.target`).
    pub fn new(name: &str) -> Self {
        glib::Object::builder().property("name", name).build()
    }

    pub fn boot_target(&self) -> Option<String> {
        self.imp().boot_target.get()
    }

    pub fn set_boot_target(&self, target: &str) {
        self.set_property("boot-target", target);
    }

    /// The host's units (`httpd.service`) the boot target wants: the only
    /// units that start inside, each with the directories it declares
    /// (`StateDirectory=`...) private and kept in the service's data.
    pub fn units(&self) -> Vec<String> {
        self.imp().units.borrow().clone()
    }

    /// Adds a unit the boot target wants (see [`units`](Self::units)).
    pub fn add_unit(&self, unit: &str) {
        self.imp().units.borrow_mut().push(unit.to_owned());
    }
}
