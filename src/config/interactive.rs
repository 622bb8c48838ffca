// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigInteractive`: a sandbox that runs one command with its
//! stdin/stdout/stderr connected to the caller.

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::Config;

crate::abi::class_structs!(
    "GVirSandboxConfigInteractive",
    ConfigInteractiveInstance: crate::config::ConfigInstance,
    ConfigInteractiveClass: crate::config::ConfigClass,
    imp::ConfigInteractive,
    40,
    480
);

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;
    use glib::subclass::prelude::*;

    use crate::config::ConfigImpl;
    use crate::config::keyfile;

    #[derive(Debug)]
    pub struct ConfigInteractive {
        pub(crate) tty: Cell<bool>,
        pub(crate) command: RefCell<Vec<String>>,
    }

    impl Default for ConfigInteractive {
        fn default() -> Self {
            Self {
                tty: Cell::new(false),
                command: RefCell::new(vec!["/bin/sh".to_owned()]),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConfigInteractive {
        const NAME: &'static str = "GVirSandboxConfigInteractive";
        type Type = super::ConfigInteractive;
        type ParentType = crate::config::Config;
        type Instance = super::ConfigInteractiveInstance;
        type Class = super::ConfigInteractiveClass;
    }

    impl ObjectImpl for ConfigInteractive {
        fn properties() -> &'static [glib::ParamSpec] {
            static PROPS: std::sync::LazyLock<Vec<glib::ParamSpec>> =
                std::sync::LazyLock::new(|| {
                    vec![
                        glib::ParamSpecBoolean::builder("tty")
                            .nick("TTY")
                            .blurb("Whether the command gets a terminal")
                            .build(),
                    ]
                });
            PROPS.as_ref()
        }

        fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
            match pspec.name() {
                "tty" => self.tty.set(value.get().expect("type checked by GObject")),
                other => unreachable!("unknown property {other}"),
            }
        }

        fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
            match pspec.name() {
                "tty" => self.tty.get().to_value(),
                other => unreachable!("unknown property {other}"),
            }
        }
    }

    impl ConfigImpl for ConfigInteractive {
        fn command(&self) -> Vec<String> {
            self.command.borrow().clone()
        }

        fn save_config(&self, kf: &glib::KeyFile) {
            kf.set_boolean("interactive", "tty", self.tty.get());
            keyfile::save_command(kf, &self.command.borrow());
        }

        fn load_config(&self, kf: &glib::KeyFile) -> crate::Result<()> {
            if let Some(tty) = keyfile::optional_bool(kf, "interactive", "tty")? {
                self.tty.set(tty);
            }
            *self.command.borrow_mut() = keyfile::load_command(kf)?;
            Ok(())
        }
    }
}

glib::wrapper! {
    /// A sandbox running one interactive command (`GVirSandboxConfigInteractive`).
    pub struct ConfigInteractive(ObjectSubclass<imp::ConfigInteractive>) @extends Config;
}

impl ConfigInteractive {
    /// Creates a config for a sandbox called `name`, running `/bin/sh` by default.
    pub fn new(name: &str) -> Self {
        glib::Object::builder().property("name", name).build()
    }

    pub fn tty(&self) -> bool {
        self.imp().tty.get()
    }

    pub fn set_tty(&self, tty: bool) {
        self.set_property("tty", tty);
    }

    /// Replaces the command line (argv[0] is the program, looked up in `PATH`).
    pub fn set_command<S: AsRef<str>>(&self, argv: &[S]) {
        *self.imp().command.borrow_mut() = argv.iter().map(|s| s.as_ref().to_owned()).collect();
    }
}

impl Default for ConfigInteractive {
    fn default() -> Self {
        glib::Object::new()
    }
}
