// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxBuilderMachine`: the builder of QEMU/KVM virtual machines (`qemu:///system`, `qemu:///session`).

use glib::subclass::prelude::*;

use super::Builder;
use crate::gvir::Connection;

mod imp {
    use glib::subclass::prelude::*;

    /// Instance struct; mirrors `struct _GVirSandboxBuilderMachine` in the header (the
    /// original's `{ GVirSandboxBuilder parent; gpointer priv; }`, 40 bytes).
    #[repr(C)]
    pub struct BuilderInstance {
        pub parent: super::super::BuilderInstance,
        pub priv_: glib::ffi::gpointer,
    }

    unsafe impl InstanceStruct for BuilderInstance {
        type Type = BuilderMachine;
    }

    /// Class struct; mirrors `struct _GVirSandboxBuilderMachineClass` (the parent class and
    /// the original's padding, 536 bytes).
    #[repr(C)]
    pub struct BuilderClass {
        pub parent_class: super::super::BuilderClass,
        pub padding: [glib::ffi::gpointer; 20],
    }

    unsafe impl ClassStruct for BuilderClass {
        type Type = BuilderMachine;
    }

    #[derive(Default)]
    pub struct BuilderMachine;

    #[glib::object_subclass]
    impl ObjectSubclass for BuilderMachine {
        const NAME: &'static str = "GVirSandboxBuilderMachine";
        type Type = super::BuilderMachine;
        type ParentType = super::Builder;
        type Instance = BuilderInstance;
        type Class = BuilderClass;
    }

    impl ObjectImpl for BuilderMachine {}
    impl super::super::BuilderImpl for BuilderMachine {}
}

glib::wrapper! {
    /// The builder of QEMU/KVM virtual machines (`qemu:///system`, `qemu:///session`).
    pub struct BuilderMachine(ObjectSubclass<imp::BuilderMachine>) @extends Builder;
}

impl BuilderMachine {
    /// A builder using `connection` (which must be open by the time the
    /// builder constructs a domain).
    pub fn new(connection: &Connection) -> Self {
        glib::Object::builder()
            .property("connection", connection)
            .build()
    }
}

/// Rust subclasses of [`BuilderMachine`].
pub trait BuilderMachineImpl: super::BuilderImpl {}

unsafe impl<T: BuilderMachineImpl> IsSubclassable<T> for BuilderMachine {}
