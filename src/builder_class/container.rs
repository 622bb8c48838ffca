// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxBuilderContainer`: the builder of LXC containers (`lxc:///`).

use glib::subclass::prelude::*;

use super::Builder;
use crate::gvir::Connection;

mod imp {
    use glib::subclass::prelude::*;

    /// Instance struct; mirrors `struct _GVirSandboxBuilderContainer` in the header (the
    /// original's `{ GVirSandboxBuilder parent; gpointer priv; }`, 40 bytes).
    #[repr(C)]
    pub struct BuilderInstance {
        pub parent: super::super::BuilderInstance,
        pub priv_: glib::ffi::gpointer,
    }

    unsafe impl InstanceStruct for BuilderInstance {
        type Type = BuilderContainer;
    }

    /// Class struct; mirrors `struct _GVirSandboxBuilderContainerClass` (the parent class and
    /// the original's padding, 536 bytes).
    #[repr(C)]
    pub struct BuilderClass {
        pub parent_class: super::super::BuilderClass,
        pub padding: [glib::ffi::gpointer; 20],
    }

    unsafe impl ClassStruct for BuilderClass {
        type Type = BuilderContainer;
    }

    #[derive(Default)]
    pub struct BuilderContainer;

    #[glib::object_subclass]
    impl ObjectSubclass for BuilderContainer {
        const NAME: &'static str = "GVirSandboxBuilderContainer";
        type Type = super::BuilderContainer;
        type ParentType = super::Builder;
        type Instance = BuilderInstance;
        type Class = BuilderClass;
    }

    impl ObjectImpl for BuilderContainer {}
    impl super::super::BuilderImpl for BuilderContainer {}
}

glib::wrapper! {
    /// The builder of LXC containers (`lxc:///`).
    pub struct BuilderContainer(ObjectSubclass<imp::BuilderContainer>) @extends Builder;
}

impl BuilderContainer {
    /// A builder using `connection` (which must be open by the time the
    /// builder constructs a domain).
    pub fn new(connection: &Connection) -> Self {
        glib::Object::builder()
            .property("connection", connection)
            .build()
    }
}

/// Rust subclasses of [`BuilderContainer`].
pub trait BuilderContainerImpl: super::BuilderImpl {}

unsafe impl<T: BuilderContainerImpl> IsSubclassable<T> for BuilderContainer {}
