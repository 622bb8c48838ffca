// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxContext`: the lifecycle of one sandbox — prepare its state
//! directory, build the domain, start it as a transient libvirt domain, hand
//! out its consoles, stop it and remove everything it left.
//!
//! The abstract class holds the shared state; [`ContextInteractive`] is the
//! concrete kind that runs a command with its stdio attached.

mod acl;
pub(crate) mod disks;
pub(crate) mod imp;
pub mod interactive;
pub(crate) mod launch;
pub(crate) mod lending;
mod lxc_leftovers;
pub(crate) mod mounts;
pub(crate) mod network;
pub(crate) mod plan;
pub(crate) mod qemu_host;
pub(crate) mod security;
pub mod service;
pub mod service_run;
pub mod service_systemd;
pub mod service_unit;
pub(crate) mod state;
mod sweep;
pub(crate) mod tasks;
#[doc(hidden)]
pub mod vfuncs;

use glib::prelude::*;
use glib::subclass::prelude::*;

pub use imp::{ContextClass, ContextInstance, ContextVfunc};
pub use interactive::ContextInteractive;
pub use service::ContextService;

use crate::config::Config;
use crate::console::{ConsoleRaw, Kind as ConsoleKind};
use crate::error::{SandboxError, error};
use crate::gvir::{Connection, Domain};

glib::wrapper! {
    /// The abstract base of sandbox contexts (`GVirSandboxContext`).
    pub struct Context(ObjectSubclass<imp::Context>);
}

/// Trait for Rust subclasses of [`Context`]. The virtual methods (`start`,
/// `stop`, `attach`, `detach`) are C slots of [`ContextClass`]; the Rust
/// subclasses here keep the defaults.
pub trait ContextImpl: ObjectImpl + ObjectSubclass<Type: IsA<Context>> {}

unsafe impl<T: ContextImpl> IsSubclassable<T> for Context {}

/// The libvirt driver behind a connection, as far as sandboxes care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Lxc,
    Qemu,
}

impl Backend {
    /// The backend of a connection URI (`lxc:///`, `qemu:///system`, ...).
    pub fn from_uri(uri: &str) -> crate::Result<Self> {
        let scheme = uri.split(':').next().unwrap_or_default();
        let driver = scheme.split('+').next().unwrap_or_default();
        match driver {
            "lxc" => Ok(Backend::Lxc),
            "qemu" | "kvm" => Ok(Backend::Qemu),
            _ => Err(error(
                SandboxError::Unsupported,
                format!(
                    "the connection URI '{uri}' is not supported: sandboxes run on lxc:/// \
                     or qemu:///system (as root) and qemu:///session"
                ),
            )),
        }
    }
}

/// The directory of the guest init helpers: `$LIBVIRT_SANDBOX_INIT_DIR`
/// (uninstalled builds, tests) or the installed libexec directory.
pub fn init_helper_dir() -> std::path::PathBuf {
    plan::init_dir()
}

impl Context {
    /// The sandbox's configuration; `INVALID_ARGUMENT` for a context made
    /// without one (`g_object_new` with no `config` property).
    pub fn try_config(&self) -> crate::Result<Config> {
        self.imp().config.borrow().clone().ok_or_else(|| {
            error(
                SandboxError::InvalidArgument,
                format!(
                    "the {} has no config: create it with \
                     gvir_sandbox_context_interactive_new(connection, config) or pass the \
                     'config' property to g_object_new",
                    self.type_().name()
                ),
            )
        })
    }

    /// The sandbox's configuration. A context made without one (see
    /// [`try_config`](Self::try_config)) logs a critical and yields an empty
    /// interactive config; `start` and `attach` refuse such a context before
    /// they look at its config.
    pub fn config(&self) -> Config {
        self.try_config().unwrap_or_else(|e| {
            glib::g_critical!("LibvirtSandbox", "{}", e.message());
            crate::config::ConfigInteractive::new("sandbox").upcast()
        })
    }

    /// The libvirt-gobject connection the context was made with.
    pub fn connection(&self) -> Option<Connection> {
        self.imp().connection.borrow().clone()
    }

    /// Whether a sandbox domain is attached (started or attached to).
    pub fn is_attached(&self) -> bool {
        self.imp().running.borrow().is_some()
    }

    /// Starts the sandbox: calls the class's `start` virtual method, by
    /// default [`default_start`](Self::default_start).
    pub fn start(&self) -> crate::Result<()> {
        vfuncs::invoke(self, vfuncs::Slot::Start)
    }

    /// The default `start`: builds and starts the transient domain (a
    /// service: starts its defined persistent domain).
    pub fn default_start(&self) -> crate::Result<()> {
        self.try_config()?;
        if let Some(service) = self.downcast_ref::<ContextService>() {
            return service.start_service();
        }
        self.imp().start()
    }

    /// Stops the sandbox: calls the class's `stop` virtual method, by
    /// default [`default_stop`](Self::default_stop).
    pub fn stop(&self) -> crate::Result<()> {
        vfuncs::invoke(self, vfuncs::Slot::Stop)
    }

    /// The default `stop`: destroys the domain if it still runs and removes
    /// the state directory and temporary directories. Stopping a sandbox
    /// that is not running is an error (`NOT_RUNNING`). When libvirt cannot
    /// destroy the domain or say whether it still runs, the error says so
    /// and the context keeps the sandbox, with its state directory, for
    /// another stop.
    pub fn default_stop(&self) -> crate::Result<()> {
        self.imp().stop()
    }

    /// [`start`](Self::start) without blocking the caller's main context:
    /// the checks, state directory and launch spec are done before this
    /// returns (another start or stop of this context is refused from then
    /// until the future is over); choosing and caching the kernel and initrd
    /// and libvirt's domain creation then run on worker threads, the rest on
    /// the thread polling the future. Cancelling `cancellable` before the
    /// domain exists stops there; once it exists, it is destroyed again.
    /// A class that overrides the `start` virtual method has its override
    /// called here instead, synchronously (a virtual method has no
    /// asynchronous form).
    pub fn start_future(
        &self,
        cancellable: Option<gio::Cancellable>,
    ) -> impl std::future::Future<Output = crate::Result<()>> + use<> {
        let begun = if !vfuncs::is_default(self, vfuncs::Slot::Start) {
            Err(self.start())
        } else {
            match self.downcast_ref::<ContextService>() {
                // A service's start is one libvirt call, made here.
                Some(service) => Err(service.start_service()),
                None => Ok(self
                    .try_config()
                    .and_then(|_| self.imp().begin_start())
                    .map(|starting| (starting, Busy::new(self)))),
            }
        };
        async move {
            let begun = match begun {
                Err(started_at_once) => return started_at_once,
                Ok(begun) => begun,
            };
            let (mut starting, busy) = begun?;
            let this = busy.0.imp();
            let boot = match starting.boot.take() {
                Some(request) => Some(blocking(move || request.resolve()).await?),
                None => None,
            };
            check_cancelled(cancellable.as_ref())?;
            let xml = this.domain_xml(&starting, boot.as_ref());
            let conn = starting.conn.clone();
            let name = starting.layout.domain_name.clone();
            let domain = blocking(move || imp::create_domain(&conn, &xml, &name)).await?;
            if let Err(cancelled) = check_cancelled(cancellable.as_ref()) {
                if let Err(e) = blocking(move || imp::destroy_domain(&domain)).await {
                    // The domain may still run: what it uses stays.
                    let hint = imp::destroy_hint(&starting.conn, &starting.layout.domain_name);
                    let kept = starting.keep();
                    return Err(error(
                        SandboxError::Libvirt,
                        format!(
                            "the start was cancelled ({}), but {}; {kept}: destroy it with \
                             '{hint}', a later sandbox start then removes the rest",
                            cancelled.message(),
                            e.message()
                        ),
                    ));
                }
                return Err(cancelled);
            }
            this.finish_start(starting, domain);
            Ok(())
        }
    }

    /// [`stop`](Self::stop) without blocking the caller's main context: the
    /// context lets go of the domain before this returns, the domain is
    /// destroyed on a worker thread. Should that fail, the context holds the
    /// sandbox again, as after a failed [`stop`](Self::stop). A class that
    /// overrides the `stop` virtual method has its override called here
    /// instead, synchronously.
    pub fn stop_future(&self) -> impl std::future::Future<Output = crate::Result<()>> + use<> {
        let taken = if vfuncs::is_default(self, vfuncs::Slot::Stop) {
            Ok(self
                .imp()
                .take_running()
                .map(|running| (running, Busy::new(self))))
        } else {
            Err(self.stop())
        };
        async move {
            let (running, busy) = match taken {
                Ok(taken) => taken?,
                Err(stopped_at_once) => return stopped_at_once,
            };
            let domain = running.domain.clone();
            match blocking(move || imp::destroy_domain(&domain)).await {
                Ok(()) => {
                    busy.0.imp().finish_stop(running);
                    Ok(())
                }
                // The domain may still run: the context holds it again.
                Err(e) => Err(busy.0.imp().keep_running(running, e)),
            }
        }
    }

    /// Attaches to an already running sandbox: calls the class's `attach`
    /// virtual method, by default [`default_attach`](Self::default_attach).
    pub fn attach(&self) -> crate::Result<()> {
        vfuncs::invoke(self, vfuncs::Slot::Attach)
    }

    /// The default `attach`: finds the running sandbox of the config's name.
    pub fn default_attach(&self) -> crate::Result<()> {
        self.try_config()?;
        self.imp().attach()
    }

    /// Forgets the running domain without stopping it: calls the class's
    /// `detach` virtual method, by default
    /// [`default_detach`](Self::default_detach).
    pub fn detach(&self) -> crate::Result<()> {
        vfuncs::invoke(self, vfuncs::Slot::Detach)
    }

    /// The default `detach`: lets go of the domain, which goes on running.
    pub fn default_detach(&self) -> crate::Result<()> {
        match self.imp().running.borrow_mut().take() {
            Some(running) => {
                // The sandbox goes on, under its task limit.
                if let Some(tasks) = &running.tasks {
                    tasks.keep();
                }
                Ok(())
            }
            None => Err(not_running()),
        }
    }

    /// The task limit when the sandbox reached it (a fork in it failed
    /// because of it), as far as the host can tell (containers); `None`
    /// otherwise, and when not running.
    pub fn task_limit_reached(&self) -> Option<u32> {
        let running = self.imp().running.borrow();
        let tasks = running.as_ref()?.tasks.as_ref()?;
        tasks.reached().then(|| tasks.max())
    }

    /// The running domain as a libvirt-gobject `GVirDomain`.
    pub fn domain(&self) -> crate::Result<Domain> {
        let running = self.imp().running.borrow();
        let running = running.as_ref().ok_or_else(not_running)?;
        Ok(Domain::from_virt(&running.domain))
    }

    /// The name of the running domain (unique per sandbox start).
    pub fn domain_name(&self) -> Option<String> {
        self.imp()
            .running
            .borrow()
            .as_ref()
            .map(|r| r.layout.domain_name.clone())
    }

    /// A console carrying the guest init's log (kernel console for machines).
    pub fn log_console(&self) -> crate::Result<ConsoleRaw> {
        self.imp().console_raw(ConsoleKind::Log)
    }

    /// A console with a root debug shell: the sandbox must have been
    /// started with the config's `shell` (an attached context looks at the
    /// running sandbox's consoles, whatever its own config says).
    pub fn shell_console(&self) -> crate::Result<ConsoleRaw> {
        self.try_config()?;
        self.imp().console_raw(ConsoleKind::Shell)
    }
}

/// Marks a context busy while an asynchronous start or stop is under way.
struct Busy(Context);

impl Busy {
    fn new(context: &Context) -> Self {
        context.imp().busy.set(true);
        Busy(context.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.imp().busy.set(false);
    }
}

/// Runs `work` on a worker thread; its result, awaited on the caller's main
/// context.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> crate::Result<T> {
    gio::spawn_blocking(work).await.unwrap_or_else(|_| {
        Err(error(
            SandboxError::Failed,
            "a worker thread of the sandbox panicked",
        ))
    })
}

/// `G_IO_ERROR_CANCELLED` once `cancellable` (if any) is cancelled.
pub fn check_cancelled(cancellable: Option<&gio::Cancellable>) -> crate::Result<()> {
    use gio::prelude::CancellableExtManual;
    cancellable.map_or(Ok(()), |c| c.set_error_if_cancelled())
}

/// An I/O error on `path`: "cannot WHAT 'PATH': ERROR".
pub(crate) fn io_error(what: &str, path: &std::path::Path, e: std::io::Error) -> crate::Error {
    error(
        SandboxError::Io,
        format!("cannot {what} '{}': {e}", path.display()),
    )
}

pub(crate) fn not_running() -> crate::Error {
    error(SandboxError::NotRunning, "the sandbox is not running")
}
