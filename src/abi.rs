// SPDX-License-Identifier: LGPL-2.1-or-later
//! The C layout of the classes, as the original laid them out (see
//! `include/libvirt-sandbox/*.h`): every instance struct is
//! `{ Parent parent; gpointer priv; }` and every class struct ends in
//! `gpointer padding[20]` after its own virtual-method and signal slots, so
//! a program built against the original sees the same sizes and slot
//! offsets. Every type is derivable.
//!
//! `priv` stays NULL: the state of an instance is its glib-rs `imp` struct
//! (GObject's private data), reached through the Rust API; the pointer
//! exists for the layout alone, as the original's private pointer was never
//! for callers to touch.
//!
//! The sizes are asserted at compile time on 64-bit targets (the original's
//! measured x86_64 sizes; tests/c/test-abi.c asserts them from C).

/// Asserts at compile time that `$t` is `$size` bytes on 64-bit targets.
macro_rules! assert_size {
    ($t:ty, $size:expr) => {
        #[cfg(target_pointer_width = "64")]
        const _: () = assert!(std::mem::size_of::<$t>() == $size);
    };
}
pub(crate) use assert_size;

/// Defines the instance and class structs of a class that adds no virtual
/// method or signal slot of its own: `$inst { parent: $pinst, priv_ }` and
/// `$class { parent_class: $pclass, padding: [gpointer; 20] }`, for the
/// glib-rs subclass `$imp`, with their sizes asserted.
macro_rules! class_structs {
    ($name:literal, $inst:ident : $pinst:ty, $class:ident : $pclass:ty, $imp:ty, $isize:expr, $csize:expr) => {
        #[doc = concat!("Instance struct; mirrors `struct _", $name, "` in the header.")]
        #[repr(C)]
        pub struct $inst {
            pub parent: $pinst,
            /// The original's private pointer; NULL (see [`crate::abi`]).
            pub priv_: glib::ffi::gpointer,
        }

        unsafe impl glib::subclass::types::InstanceStruct for $inst {
            type Type = $imp;
        }

        #[doc = concat!("Class struct; mirrors `struct _", $name, "Class` in the header.")]
        #[repr(C)]
        pub struct $class {
            pub parent_class: $pclass,
            pub padding: [glib::ffi::gpointer; 20],
        }

        unsafe impl glib::subclass::types::ClassStruct for $class {
            type Type = $imp;
        }

        $crate::abi::assert_size!($inst, $isize);
        $crate::abi::assert_size!($class, $csize);
    };
}
pub(crate) use class_structs;
