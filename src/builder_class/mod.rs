// SPDX-License-Identifier: LGPL-2.1-or-later
//! The original's public Builder classes: `GVirSandboxBuilder` (abstract)
//! turns a config into the libvirt domain a start would create,
//! [`BuilderContainer`] for LXC, [`BuilderMachine`] for QEMU, and
//! [`BuilderInitrd`] writes an initrd from a `GVirSandboxConfigInitrd`.
//!
//! They add no second way of making a domain: `construct` plans the
//! domain with the same code a context's start runs
//! (`context::plan`) and writes it with the same writer
//! ([`crate::builder::domain::xml`]); the pure XML and initrd writers are
//! in [`crate::builder`].
//!
//! What a builder writes into the state directory it is given, and what
//! [`Builder::clean_post_stop`] removes again: `tmp/` (the empty
//! directories of `host-bind:DST=` mounts), `includes/` (the staged
//! `--include` files), and what a start adds beside them for the guest
//! (`launch.json`, `app.sock`). A virtual machine's kernel and initrd are
//! in the shared cache, never in the state directory, so
//! [`Builder::clean_post_start`] has nothing to remove (the original
//! removed its copies of them there).

pub mod container;
mod imp;
pub mod initrd;
pub mod machine;

use std::path::{Path, PathBuf};

use glib::prelude::*;
use glib::subclass::prelude::*;
use glib::translate::*;

pub use container::BuilderContainer;
pub use imp::{BuilderClass, BuilderInstance};
pub use initrd::BuilderInitrd;
pub use machine::BuilderMachine;

use crate::config::Config;
use crate::context::Backend;
use crate::error::{SandboxError, error};
use crate::gvir::{ConfigDomain, Connection};

glib::wrapper! {
    /// The abstract base of domain builders (`GVirSandboxBuilder`).
    pub struct Builder(ObjectSubclass<imp::Builder>);
}

/// Trait for Rust subclasses of [`Builder`].
pub trait BuilderImpl: ObjectImpl + ObjectSubclass<Type: IsA<Builder>> {}

unsafe impl<T: BuilderImpl> IsSubclassable<T> for Builder {}

/// The class struct of `builder`'s own class (a subclass's, when it is one).
fn class_of(builder: &Builder) -> &BuilderClass {
    builder.class().as_ref()
}

/// See [`Builder::clean_post_stop`].
fn clean_state_dir(state_dir: &Path) -> crate::Result<()> {
    crate::context::plan::clean_post_stop(state_dir)
}

fn check_state_dir(state_dir: &Path) -> crate::Result<()> {
    if !state_dir.is_absolute() {
        return Err(error(
            SandboxError::InvalidArgument,
            format!(
                "the state directory '{}' is not an absolute path",
                state_dir.display()
            ),
        ));
    }
    if !state_dir.is_dir() {
        return Err(error(
            SandboxError::InvalidArgument,
            format!(
                "the state directory '{}' does not exist: create it first",
                state_dir.display()
            ),
        ));
    }
    Ok(())
}

impl Builder {
    /// The builder for `connection`'s driver, chosen like the original's:
    /// by the exact URI, `lxc:///` for a [`BuilderContainer`],
    /// `qemu:///system` or `qemu:///session` for a [`BuilderMachine`].
    /// Another URI is an `UNSUPPORTED` error "No builder available for URI
    /// ..."; a connection that is not open, `NOT_CONNECTED`.
    pub fn for_connection(connection: &Connection) -> crate::Result<Builder> {
        let conn = connection.virt_connect()?;
        let uri = conn.uri().map_err(|e| {
            error(
                SandboxError::Libvirt,
                format!("cannot read the connection URI: {}", e.message()),
            )
        })?;
        match uri.as_str() {
            "lxc:///" => Ok(BuilderContainer::new(connection).upcast()),
            "qemu:///system" | "qemu:///session" => Ok(BuilderMachine::new(connection).upcast()),
            _ => Err(error(
                SandboxError::Unsupported,
                format!("No builder available for URI {uri}"),
            )),
        }
    }

    /// The builder a context uses for `connection`: by its driver, so
    /// every URI a context accepts (`qemu+ssh://...`, `lxc://`) has one.
    pub fn for_driver(connection: &Connection) -> crate::Result<Builder> {
        let conn = connection.virt_connect()?;
        let uri = conn.uri().map_err(|e| {
            error(
                SandboxError::Libvirt,
                format!("cannot read the connection URI: {}", e.message()),
            )
        })?;
        Ok(match Backend::from_uri(&uri)? {
            Backend::Lxc => BuilderContainer::new(connection).upcast(),
            Backend::Qemu => BuilderMachine::new(connection).upcast(),
        })
    }

    /// The libvirt-gobject connection the builder was made with.
    pub fn connection(&self) -> Option<Connection> {
        self.imp().connection.borrow().clone()
    }

    /// The backend the builder makes domains for.
    pub fn backend(&self) -> crate::Result<Backend> {
        if self.is::<BuilderContainer>() {
            Ok(Backend::Lxc)
        } else if self.is::<BuilderMachine>() {
            Ok(Backend::Qemu)
        } else {
            Err(error(
                SandboxError::Unsupported,
                format!(
                    "{} derives from neither GVirSandboxBuilderContainer nor \
                     GVirSandboxBuilderMachine: it must override construct_domain",
                    self.type_().name()
                ),
            ))
        }
    }

    fn virt_connect(&self) -> crate::Result<virt::connect::Connect> {
        self.connection()
            .ok_or_else(|| {
                error(
                    SandboxError::NotConnected,
                    "the builder has no libvirt connection: create it with \
                     gvir_sandbox_builder_for_connection() or pass 'connection'",
                )
            })?
            .virt_connect()
    }

    /// The guest init helpers the domain runs.
    pub fn init_helpers(&self) -> Vec<PathBuf> {
        let dir = crate::context::init_helper_dir();
        match self.backend() {
            Ok(Backend::Lxc) => vec![dir.join(crate::builder::container::INIT_LXC)],
            Ok(Backend::Qemu) => vec![dir.join(crate::builder::machine::INIT_QEMU)],
            Err(_) => Vec::new(),
        }
    }

    /// The XML of the domain a context's start of `config` would create
    /// (non-virtual; what the default `construct_domain` fills the domain
    /// with), its private files in `state_dir` (an existing directory;
    /// the context's is `<state root>/<name>`). Writes the temporary
    /// host-bind directories and the staged includes into it. The values
    /// a start picks itself (a random MAC and host device name of an
    /// interface without one, an LXC file disk's loop device, a VM's QEMU
    /// uid) are the ones a start would pick, not those of any start.
    pub fn domain_xml(&self, config: &Config, state_dir: &Path) -> crate::Result<String> {
        check_state_dir(state_dir)?;
        let backend = self.backend()?;
        crate::context::plan::describe(config, &self.virt_connect()?, backend, state_dir)
    }

    /// [`domain_xml`](Self::domain_xml) in the state directory a start
    /// would use, removed again before this returns: what
    /// `virt-sandbox --print-xml` prints. Nothing is left behind.
    pub fn preview_xml(&self, config: &Config) -> crate::Result<String> {
        let backend = self.backend()?;
        crate::context::plan::preview(config, &self.virt_connect()?, backend)
    }

    /// Builds the domain of `config` as a libvirt-gconfig domain, through
    /// the class's `construct_domain` (a subclass's override when it has
    /// one; the default fills it with [`domain_xml`](Self::domain_xml)).
    pub fn construct(&self, config: &Config, state_dir: &Path) -> crate::Result<ConfigDomain> {
        let domain = ConfigDomain::new();
        let Some(construct) = class_of(self).construct_domain else {
            return Err(error(
                SandboxError::Unsupported,
                format!("{} has no construct_domain", self.type_().name()),
            ));
        };
        let dir = path_cstring(state_dir)?;
        let mut err = std::ptr::null_mut();
        // SAFETY: the vfunc contract: live builder, config and domain, a
        // NUL-terminated path, a GError location pointing at NULL.
        let ok = unsafe {
            construct(
                self.as_ptr(),
                config.as_ptr(),
                dir.as_ptr(),
                domain.to_glib_none().0,
                &mut err,
            )
        };
        // SAFETY: a failing vfunc sets the error (or, buggy, leaves NULL).
        unsafe { crate::boundary::slot_result(self, "construct_domain", ok, err) }?;
        Ok(domain)
    }

    /// Runs the class's `clean_post_start` once the domain started. The
    /// default removes nothing: what the state directory holds (the
    /// includes the init copies, its launch spec) is read by the guest
    /// after the start returns, and the kernel and initrd are in the
    /// shared cache.
    pub fn clean_post_start(&self, config: &Config, state_dir: &Path) -> crate::Result<()> {
        self.clean(
            config,
            state_dir,
            class_of(self).clean_post_start,
            "clean_post_start",
        )
    }

    /// Runs the class's `clean_post_stop` once the domain ended. The
    /// default removes from `state_dir` what [`construct`](Self::construct)
    /// and a start wrote there: `tmp/`, `includes/`, `launch.json`,
    /// `app.sock` (not the directory itself, which is its creator's).
    pub fn clean_post_stop(&self, config: &Config, state_dir: &Path) -> crate::Result<()> {
        self.clean(
            config,
            state_dir,
            class_of(self).clean_post_stop,
            "clean_post_stop",
        )
    }

    fn clean(
        &self,
        config: &Config,
        state_dir: &Path,
        vfunc: Option<imp::CleanFn>,
        name: &str,
    ) -> crate::Result<()> {
        let Some(vfunc) = vfunc else {
            return Ok(());
        };
        let dir = path_cstring(state_dir)?;
        let mut err = std::ptr::null_mut();
        // SAFETY: the vfunc contract, as in `construct`.
        let ok = unsafe { vfunc(self.as_ptr(), config.as_ptr(), dir.as_ptr(), &mut err) };
        // SAFETY: as in `construct`.
        unsafe { crate::boundary::slot_result(self, name, ok, err) }
    }
}

fn path_cstring(path: &Path) -> crate::Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        error(
            SandboxError::InvalidArgument,
            "the state directory path holds a NUL byte",
        )
    })
}
