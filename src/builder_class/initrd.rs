// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxBuilderInitrd`: writes an initrd from a
//! `GVirSandboxConfigInitrd`, in the format QEMU sandboxes boot (see
//! [`crate::builder::initrd`]): an uncompressed newc cpio with the config's
//! `init` as `/init`, `/dev/console` and `/dev/null`, and the config's
//! modules with what they depend on, uncompressed, in load order under
//! `/modules` (listed in `/modules/order`).
//!
//! As in the original, a module the kernel's tree does not have is left
//! out (it is taken to be built in), a module name may carry its `.ko`
//! suffix, and the kernel release and module directory default to the
//! running kernel's. The module directory is the tree with `modules.dep`
//! (`/lib/modules/RELEASE`); the original's `/lib/modules/RELEASE/kernel`
//! is taken to mean its parent.

use std::path::{Path, PathBuf};

use glib::prelude::*;
use glib::subclass::prelude::*;

use crate::boot::initrd::{module_index, write_initrd};
use crate::config::ConfigInitrd;
use crate::error::{SandboxError, error};

mod imp {
    use glib::subclass::prelude::*;

    /// Instance struct; mirrors `struct _GVirSandboxBuilderInitrd` (the
    /// original's `{ GObject parent; gpointer priv; }`, 32 bytes).
    #[repr(C)]
    pub struct BuilderInitrdInstance {
        pub parent: glib::gobject_ffi::GObject,
        pub priv_: glib::ffi::gpointer,
    }

    unsafe impl InstanceStruct for BuilderInitrdInstance {
        type Type = BuilderInitrd;
    }

    /// Class struct; mirrors `struct _GVirSandboxBuilderInitrdClass` (the
    /// parent class and the original's padding, 296 bytes).
    #[repr(C)]
    pub struct BuilderInitrdClass {
        pub parent_class: glib::gobject_ffi::GObjectClass,
        pub padding: [glib::ffi::gpointer; 20],
    }

    unsafe impl ClassStruct for BuilderInitrdClass {
        type Type = BuilderInitrd;
    }

    #[derive(Default)]
    pub struct BuilderInitrd;

    #[glib::object_subclass]
    impl ObjectSubclass for BuilderInitrd {
        const NAME: &'static str = "GVirSandboxBuilderInitrd";
        type Type = super::BuilderInitrd;
        type ParentType = glib::Object;
        type Instance = BuilderInitrdInstance;
        type Class = BuilderInitrdClass;
    }

    impl ObjectImpl for BuilderInitrd {}
}

glib::wrapper! {
    /// Writes initrds from `GVirSandboxConfigInitrd`s.
    pub struct BuilderInitrd(ObjectSubclass<imp::BuilderInitrd>);
}

/// Rust subclasses of [`BuilderInitrd`].
pub trait BuilderInitrdImpl: ObjectImpl + ObjectSubclass<Type: IsA<BuilderInitrd>> {}

unsafe impl<T: BuilderInitrdImpl> IsSubclassable<T> for BuilderInitrd {}

impl Default for BuilderInitrd {
    fn default() -> Self {
        Self::new()
    }
}

/// `virtio.ko`, `virtio.ko.xz`, `virtio` -> `virtio`.
fn module_name(name: &str) -> &str {
    name.split(".ko").next().unwrap_or(name)
}

/// The module tree of `config`: its kmoddir (or its parent, for the
/// original's `.../RELEASE/kernel`), else `/lib/modules/RELEASE`.
fn modules_dir(config: &ConfigInitrd) -> crate::Result<PathBuf> {
    if let Some(dir) = config.kmoddir().filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        if !dir.join("modules.dep").exists()
            && dir.file_name().is_some_and(|n| n == "kernel")
            && let Some(parent) = dir.parent().filter(|p| p.join("modules.dep").exists())
        {
            return Ok(parent.to_owned());
        }
        return Ok(dir);
    }
    let release = match config.kver().filter(|k| !k.is_empty()) {
        Some(kver) => kver,
        None => nix::sys::utsname::uname()
            .map(|u| u.release().to_string_lossy().into_owned())
            .map_err(|e| error(SandboxError::Kernel, format!("uname: {e}")))?,
    };
    Ok(Path::new("/lib/modules").join(release))
}

impl BuilderInitrd {
    pub fn new() -> Self {
        glib::Object::new()
    }

    /// Writes the initrd of `config` to `output` (replaced atomically: a
    /// failure leaves no partial file). Its directory must exist.
    pub fn construct(&self, config: &ConfigInitrd, output: &Path) -> crate::Result<()> {
        let init_path = config.init().filter(|i| !i.is_empty()).ok_or_else(|| {
            error(
                SandboxError::InvalidArgument,
                "the initrd config has no init program: set its 'init' property",
            )
        })?;
        let init = std::fs::read(&init_path).map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot read the initrd's init program '{init_path}': {e}"),
            )
        })?;
        let parent = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(error(
                SandboxError::InvalidArgument,
                format!(
                    "cannot write the initrd '{}': its directory does not exist",
                    output.display()
                ),
            ));
        }
        let requested = config.modules();
        let modules_dir = modules_dir(config)?;
        let plan = if requested.is_empty() {
            Vec::new()
        } else {
            if !modules_dir.is_dir() {
                return Err(error(
                    SandboxError::Kernel,
                    format!("Kernel module dir {} does not exist", modules_dir.display()),
                ));
            }
            let index = module_index(&modules_dir)?;
            let names: Vec<&str> = requested.iter().map(|m| module_name(m)).collect();
            index
                .closure(&[], &names)
                .map_err(|e| {
                    error(
                        SandboxError::Kernel,
                        format!("{}: {e}", modules_dir.display()),
                    )
                })?
                .into_iter()
                .map(|m| (sandbox_proto::layout::GROUP_CORE, m))
                .collect()
        };
        let mut failure = None;
        crate::boot::cache::write_atomic(output, |out| {
            write_initrd(out, &init, &modules_dir, &plan, false).map_err(|e| {
                let message = e.message().to_owned();
                failure = Some(e);
                std::io::Error::other(message)
            })
        })
        .map_err(|e| failure.take().unwrap_or(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_lose_their_suffix() {
        assert_eq!(module_name("virtio.ko"), "virtio");
        assert_eq!(module_name("virtio_net.ko.xz"), "virtio_net");
        assert_eq!(module_name("9p"), "9p");
    }

    #[test]
    fn writes_init_and_modules_and_refuses_a_missing_init() {
        let dir = crate::builder::testing::temp_dir("builder-initrd");
        let tree = dir.join("modules");
        std::fs::create_dir_all(tree.join("kernel")).unwrap();
        std::fs::write(
            tree.join("modules.dep"),
            "kernel/a.ko: kernel/b.ko\nkernel/b.ko:\n",
        )
        .unwrap();
        std::fs::write(tree.join("kernel/a.ko"), b"AAAA").unwrap();
        std::fs::write(tree.join("kernel/b.ko"), b"BBBB").unwrap();
        let init = dir.join("init");
        std::fs::write(&init, b"#!init").unwrap();
        let config = ConfigInitrd::new();
        config.set_init(init.to_str().unwrap());
        // The original's spelling of the tree: .../RELEASE/kernel.
        config.set_kmoddir(tree.join("kernel").to_str().unwrap());
        config.add_module("a.ko");
        config.add_module("missing.ko");
        let out = dir.join("initrd.img");
        BuilderInitrd::new().construct(&config, &out).unwrap();
        let data = std::fs::read(&out).unwrap();
        assert_eq!(&data[..6], b"070701");
        let text = String::from_utf8_lossy(&data);
        assert!(text.contains("init\0"), "no /init");
        assert!(text.contains("#!init"));
        // b before a: dependencies first.
        let (b, a) = (text.find("BBBB").unwrap(), text.find("AAAA").unwrap());
        assert!(b < a);
        assert!(!text.contains("missing"));

        config.set_init(dir.join("nope").to_str().unwrap());
        let e = BuilderInitrd::new()
            .construct(&config, &dir.join("x.img"))
            .unwrap_err();
        assert!(e.message().contains("cannot read the initrd's init"), "{e}");
        assert!(!dir.join("x.img").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
