// SPDX-License-Identifier: LGPL-2.1-or-later
//! Private state of `GVirSandboxContext`.

use std::cell::RefCell;
use std::sync::LazyLock;

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::Backend;
use super::plan::{BootRequest, check_config, init_dir, init_helper_dir, refuse_in_machines};
use super::state::StateDir;
use crate::builder::{self, Layout};
use crate::config::Config;
use crate::console::{ConsoleRaw, Kind as ConsoleKind};
use crate::error::{SandboxError, error};
use crate::gvir::{Connection, Domain};

/// A started (or attached) sandbox.
pub(crate) struct Running {
    /// Held so the connection outlives every use of `domain`.
    #[allow(dead_code)]
    pub(crate) conn: virt::connect::Connect,
    pub(crate) domain: virt::domain::Domain,
    pub(crate) layout: Layout,
    pub(crate) backend: Backend,
    /// What a VM's QEMU user was lent, given back on drop (after the domain
    /// ended, before the directory holding the record goes).
    #[allow(dead_code)]
    pub(crate) lending: Option<super::lending::Lending>,
    /// Held for its `Drop`, which removes the directory. `None` when attached
    /// to a sandbox some other process started.
    #[allow(dead_code)]
    pub(crate) state: Option<StateDir>,
    /// The socket the app channel connects to (the LXC guest, or QEMU).
    pub(crate) app_channel: Option<std::os::unix::net::UnixListener>,
    /// Loop devices of the disks, detached on drop (after the domain ended).
    #[allow(dead_code)]
    pub(crate) loops: Vec<super::disks::LoopDevice>,
    /// The secret the guest init proves itself with on the app channel.
    pub(crate) secret: Vec<u8>,
    /// The host-side task limit (containers); dropped after the domain,
    /// which removes its cgroup.
    pub(crate) tasks: Option<std::rc::Rc<super::tasks::TaskLimit>>,
    /// Whether the sandbox has the debug shell console.
    pub(crate) shell: bool,
}

#[derive(Default)]
pub struct Context {
    pub(crate) config: RefCell<Option<Config>>,
    /// An asynchronous start or stop is under way (its blocking libvirt
    /// calls run on a worker thread).
    pub(crate) busy: std::cell::Cell<bool>,
    pub(crate) connection: RefCell<Option<Connection>>,
    pub(crate) running: RefCell<Option<Running>>,
}

/// Instance struct; mirrors `struct _GVirSandboxContext` in the header.
#[repr(C)]
pub struct ContextInstance {
    pub parent_instance: glib::gobject_ffi::GObject,
    /// The original's private pointer; NULL (see [`crate::abi`]).
    pub priv_: glib::ffi::gpointer,
}

unsafe impl InstanceStruct for ContextInstance {
    type Type = Context;
}

/// The virtual methods `start`, `stop`, `attach` and `detach`:
/// `gboolean (*)(GVirSandboxContext *, GError **)`.
pub type ContextVfunc =
    unsafe extern "C" fn(*mut ContextInstance, *mut *mut glib::ffi::GError) -> glib::ffi::gboolean;

/// Class struct; mirrors `struct _GVirSandboxContextClass` in the header
/// (the original's layout: never reorder; new slots consume `padding`).
/// The defaults (`super::vfuncs::install_class`) run the built-in
/// lifecycle; the Rust and C entry points call through these slots, so a
/// subclass in C, Python, gjs or Vala that overrides them is called.
#[repr(C)]
pub struct ContextClass {
    pub parent_class: glib::gobject_ffi::GObjectClass,
    pub start: Option<ContextVfunc>,
    pub stop: Option<ContextVfunc>,
    pub attach: Option<ContextVfunc>,
    pub detach: Option<ContextVfunc>,
    pub padding: [glib::ffi::gpointer; 20],
}

unsafe impl ClassStruct for ContextClass {
    type Type = Context;
}

crate::abi::assert_size!(ContextInstance, 32);
crate::abi::assert_size!(ContextClass, 328);
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::offset_of;
    assert!(offset_of!(ContextClass, start) == 136);
    assert!(offset_of!(ContextClass, stop) == 144);
    assert!(offset_of!(ContextClass, attach) == 152);
    assert!(offset_of!(ContextClass, detach) == 160);
};

#[glib::object_subclass]
impl ObjectSubclass for Context {
    const NAME: &'static str = "GVirSandboxContext";
    const ABSTRACT: bool = true;
    type Type = super::Context;
    type ParentType = glib::Object;
    type Instance = ContextInstance;
    type Class = ContextClass;

    fn class_init(klass: &mut Self::Class) {
        super::vfuncs::install_class(klass);
    }
}

impl ObjectImpl for Context {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecObject::builder::<Config>("config")
                    .nick("Config")
                    .blurb("The sandbox configuration")
                    .construct_only()
                    .build(),
                glib::ParamSpecObject::builder::<Connection>("connection")
                    .nick("Connection")
                    .blurb("The libvirt connection")
                    .construct_only()
                    .build(),
                glib::ParamSpecObject::builder::<Domain>("domain")
                    .nick("Domain")
                    .blurb("The running sandbox's domain")
                    .read_only()
                    .build(),
            ]
        });
        PROPS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        match pspec.name() {
            "config" => *self.config.borrow_mut() = value.get().expect("type checked by GObject"),
            "connection" => {
                *self.connection.borrow_mut() = value.get().expect("type checked by GObject")
            }
            other => unreachable!("unknown property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "config" => self.config.borrow().to_value(),
            "connection" => self.connection.borrow().to_value(),
            "domain" => self.obj().domain().ok().to_value(),
            other => unreachable!("unknown property {other}"),
        }
    }

    fn dispose(&self) {
        // Like the original, a context dropped while the sandbox it started
        // runs stops it; one that attached to a running sandbox leaves it.
        let Some(running) = self.running.borrow_mut().take() else {
            return;
        };
        if running.state.is_none() {
            return;
        }
        match destroy_domain(&running.domain) {
            Ok(()) => self.finish_stop(running),
            Err(e) => {
                // Its domain may still run: what it uses stays.
                let hint = destroy_hint(&running.conn, &running.layout.domain_name);
                let kept = running.keep();
                glib::g_warning!(
                    "LibvirtSandbox",
                    "cannot stop the sandbox on dispose: {}; {kept}: destroy it with '{hint}', \
                     a later sandbox start then removes the rest",
                    e.message()
                );
            }
        }
    }
}

/// A start between its steps: what the main thread prepared before the
/// domain exists. Dropping it removes the state directory (and detaches the
/// loop devices).
pub(crate) struct Starting {
    pub(crate) conn: virt::connect::Connect,
    backend: Backend,
    pub(crate) layout: Layout,
    /// What a VM's QEMU user was lent (given back before the directory
    /// holding its record goes).
    lending: Option<super::lending::Lending>,
    state: StateDir,
    app_channel: Option<std::os::unix::net::UnixListener>,
    loops: Vec<super::disks::LoopDevice>,
    secret: Vec<u8>,
    tasks: Option<super::tasks::TaskLimit>,
    /// For virtual machines, what [`BootRequest::resolve`] needs.
    pub(crate) boot: Option<BootRequest>,
}

/// Creates the transient domain of `xml` (the blocking libvirt call of a
/// start; any thread).
pub(crate) fn create_domain(
    conn: &virt::connect::Connect,
    xml: &str,
    name: &str,
) -> crate::Result<virt::domain::Domain> {
    glib::g_debug!("LibvirtSandbox", "starting domain:\n{xml}");
    conn.create_domain_xml(xml, virt::sys::VIR_DOMAIN_START_AUTODESTROY)
        .map_err(|e| {
            // A container that failed to start leaves libvirt's files too.
            super::lxc_leftovers::remove(conn, name);
            libvirt_error(&format!("cannot start sandbox '{name}'"), e)
        })
}

/// Destroys `domain` unless it already ended (the blocking libvirt call of a
/// stop; any thread), then removes what libvirt left of it (containers).
/// An error means the domain may still run: libvirt could not destroy it,
/// or could not say whether it still runs (a broken connection).
pub(crate) fn destroy_domain(domain: &virt::domain::Domain) -> crate::Result<()> {
    use super::lxc_leftovers::is_gone;
    let name = domain.name().unwrap_or_else(|_| "?".to_owned());
    let may_run = |what: &str, e: virt::error::Error| {
        error(
            SandboxError::Libvirt,
            format!(
                "cannot stop the sandbox's domain '{name}': {what}: {}; it may still run",
                e.message()
            ),
        )
    };
    match domain.is_active() {
        Ok(true) => {
            if let Err(e) = domain.destroy() {
                // It may have ended by itself between the two calls.
                match domain.is_active() {
                    Ok(false) => {}
                    Err(again) if is_gone(&again) => {}
                    Ok(true) => return Err(may_run("libvirt cannot destroy it", e)),
                    Err(again) => {
                        return Err(may_run(
                            &format!(
                                "libvirt cannot destroy it ({}) nor say whether it still runs",
                                e.message()
                            ),
                            again,
                        ));
                    }
                }
            }
        }
        Ok(false) => {}
        // A transient domain that ended is gone.
        Err(e) if is_gone(&e) => {}
        Err(e) => return Err(may_run("libvirt cannot say whether it still runs", e)),
    }
    if let Ok(conn) = domain.connect() {
        super::lxc_leftovers::remove(&conn, &name);
    }
    Ok(())
}

/// What a sandbox uses that must stay while its domain may still run: its
/// state directory (a later start's sweep removes it once this process
/// and the domain are gone), its loop devices, what its QEMU was lent (the
/// sweep gives it back by the record in the state directory), its task
/// cgroup. Returns what was kept, for the message.
fn keep_for_live_domain(
    state: Option<StateDir>,
    loops: Vec<super::disks::LoopDevice>,
    lending: Option<super::lending::Lending>,
    tasks: Option<&super::tasks::TaskLimit>,
) -> String {
    let mut kept = Vec::new();
    if let Some(state) = state {
        kept.push(format!("its state directory '{}'", state.path().display()));
        std::mem::forget(state);
    }
    if !loops.is_empty() {
        kept.push(format!(
            "its {} loop device(s) (losetup --list; detach them with losetup --detach once \
             the domain is gone)",
            loops.len()
        ));
        std::mem::forget(loops);
    }
    if let Some(lending) = lending {
        kept.push("the files lent to its QEMU".to_owned());
        std::mem::forget(lending);
    }
    if let Some(tasks) = tasks {
        tasks.keep();
        kept.push("its task cgroup".to_owned());
    }
    if kept.is_empty() {
        "nothing of it is removed".to_owned()
    } else {
        format!("kept {}", kept.join(", "))
    }
}

impl Running {
    /// Lets go of a sandbox whose domain may still run without removing
    /// what it uses (see [`keep_for_live_domain`]).
    fn keep(self) -> String {
        keep_for_live_domain(self.state, self.loops, self.lending, self.tasks.as_deref())
    }
}

impl Starting {
    /// A start given up (cancelled) whose domain may still run: see
    /// [`keep_for_live_domain`].
    pub(crate) fn keep(self) -> String {
        keep_for_live_domain(
            Some(self.state),
            self.loops,
            self.lending,
            self.tasks.as_ref(),
        )
    }
}

/// How to end the domain `name` of the connection `conn` by hand.
pub(crate) fn destroy_hint(conn: &virt::connect::Connect, name: &str) -> String {
    match conn.uri() {
        Ok(uri) => format!("virsh -c {uri} destroy {name}"),
        Err(_) => format!("virsh destroy {name}"),
    }
}

pub(crate) fn libvirt_error(what: &str, e: virt::error::Error) -> crate::Error {
    error(SandboxError::Libvirt, format!("{what}: {}", e.message()))
}

impl Context {
    pub(crate) fn conn(&self) -> crate::Result<(virt::connect::Connect, Backend)> {
        let connection = self.connection.borrow().clone().ok_or_else(|| {
            error(
                SandboxError::NotConnected,
                "the context has no libvirt connection",
            )
        })?;
        let conn = connection.virt_connect()?;
        let uri = conn
            .uri()
            .map_err(|e| libvirt_error("cannot read the connection URI", e))?;
        Ok((conn, Backend::from_uri(&uri)?))
    }

    /// Refuses a start or stop while an asynchronous one is under way.
    pub(crate) fn check_idle(&self) -> crate::Result<()> {
        if self.busy.get() {
            return Err(error(
                SandboxError::AlreadyRunning,
                "the sandbox is being started or stopped; wait for that to finish",
            ));
        }
        Ok(())
    }

    pub(crate) fn start(&self) -> crate::Result<()> {
        let mut starting = self.begin_start()?;
        let boot = starting.boot.take().map(BootRequest::resolve).transpose()?;
        let xml = self.domain_xml(&starting, boot.as_ref());
        let domain = create_domain(&starting.conn, &xml, &starting.layout.domain_name)?;
        self.finish_start(starting, domain);
        Ok(())
    }

    /// The first step of a start, on the caller's thread: checks, the state
    /// directory, the mounts, the launch spec.
    pub(crate) fn begin_start(&self) -> crate::Result<Starting> {
        self.check_idle()?;
        if self.running.borrow().is_some() {
            return Err(error(
                SandboxError::AlreadyRunning,
                "the sandbox is already running; stop it before starting it again",
            ));
        }
        let config = self.obj().config();
        let (conn, backend) = self.conn()?;
        if backend == Backend::Qemu {
            refuse_in_machines(&config)?;
        }
        let init_dir = init_helper_dir(backend)?;

        let name = config.name().unwrap_or_else(|| "sandbox".to_owned());
        check_config(&config, &name)?;
        // The domain is named exactly as the config, as in the original (so
        // `attach()`, `virsh destroy NAME` and the man page's `-n` agree).
        let domain_name = name.clone();
        // What sandboxes of killed owners left: nobody else removes it.
        super::sweep::leftovers(&conn);
        let in_use = || {
            let uri = conn.uri().unwrap_or_default();
            error(
                SandboxError::AlreadyRunning,
                format!(
                    "a sandbox named '{name}' is already running (libvirt domain '{name}' on \
                     {uri}): choose another name with -n/--name, or stop that one \
                     (virsh -c {uri} destroy {name})"
                ),
            )
        };
        if conn
            .lookup_domain_by_name(&domain_name)
            .is_ok_and(|d| d.is_active().unwrap_or(true))
        {
            return Err(in_use());
        }
        // A state directory the sweep left has a live owner, whose domain is
        // on its way (two starts of one name at once: the second loses here).
        let state_path = super::state::state_root().join(&domain_name);
        if state_path.exists() {
            return Err(in_use());
        }
        let mut state = StateDir::create(&domain_name)
            .map_err(|e| if state_path.exists() { in_use() } else { e })?;
        // Errors below drop `state`, which removes the directory.
        let super::plan::Plan {
            layout,
            mounts,
            guest_interfaces,
            disks,
            kvm,
            qemu_group,
        } = super::plan::plan(
            &config,
            &conn,
            backend,
            domain_name,
            state.path(),
            init_dir,
            super::plan::Disks::Attach,
        )?;
        super::network::check_networks(&conn, &layout.interfaces)?;
        let mut spec = super::launch::spec(&config, &layout, backend)?;
        let secret = crate::console::channel::new_secret()?;
        spec.secret = crate::console::channel::hex(&secret);
        // A VM's QEMU runs as a user of its own in libvirt's QEMU group (the
        // group of libvirt's DAC label, which reaches libvirt's per-domain
        // directory): it serves the state directory (with the staged
        // includes) to the guest and connects to the channel socket, so that
        // user alone may read them; the files it opens are lent to it.
        let mut includes = mounts.includes;
        let (mut lending, qemu_user) =
            super::plan::share_with_qemu(&mut state, qemu_group, &mut includes)?;
        // The app channel is a socket in the state directory, much faster
        // (and, for QEMU, more reliable) than a console pty: the LXC guest
        // connects to it through the state directory it sees, QEMU connects
        // to it for the VM's virtio-serial port.
        let app_channel = if layout.app_console {
            let (listener, lxc_path) = super::launch::app_channel(&layout)?;
            if backend == Backend::Lxc {
                spec.channel = lxc_path;
            }
            if let Some((uid, _)) = qemu_user {
                let socket = state.path().join(builder::APP_CHANNEL_SOCKET);
                super::acl::grant(&socket, uid, super::acl::READ | super::acl::WRITE).map_err(
                    |e| {
                        error(
                            SandboxError::Io,
                            format!(
                                "cannot let QEMU connect to the console socket '{}': {e}",
                                socket.display()
                            ),
                        )
                    },
                )?;
            }
            Some(listener)
        } else {
            None
        };
        spec.mounts = super::launch::guest_mounts(&config, &layout, backend, mounts.guest);
        super::launch::extend_grants(&mut spec);
        spec.includes = includes;
        spec.networks = guest_interfaces;
        spec.disks = disks.tags;
        super::launch::write_spec(&spec, &state)?;
        // The saved config stays beside the running sandbox, as in the
        // original (for whoever inspects it; nothing here reads it), but
        // without the `-e` values: those are the launch spec's only, which
        // goes once the init read it. Deleting this file with it would
        // leave the values on disk for sandboxes whose channel never
        // authenticates (no app console attached).
        state.write_file(
            "sandbox.cfg",
            config.save_to_data_without_env().as_bytes(),
            false,
        )?;
        // A container's task limit is the host's to enforce (a VM's init
        // applies the spec's): the cgroup is ready before the init can
        // connect.
        let tasks = match backend {
            Backend::Lxc if config.max_tasks() > 0 && layout.app_console => Some(
                super::tasks::TaskLimit::create(&layout.domain_name, config.max_tasks())?,
            ),
            _ => None,
        };
        // What QEMU opens, lent to its own user (and checked reachable by
        // it before the boot).
        let mut qemu_files = Vec::new();
        if let (Some(lending), Some((uid, gid))) = (lending.as_mut(), qemu_user) {
            qemu_files = super::qemu_host::files_qemu_opens(&layout)?;
            for (what, path) in &qemu_files {
                lending.lend(what, path)?;
            }
            let kvm_device = std::path::Path::new("/dev/kvm");
            if kvm && !super::lending::may_read_write(kvm_device, uid, gid) {
                lending.lend("KVM", kvm_device)?;
            }
        }
        let boot = (backend == Backend::Qemu)
            .then(|| BootRequest::new(&config, &layout, qemu_user, qemu_files));
        Ok(Starting {
            conn,
            backend,
            layout,
            lending,
            state,
            app_channel,
            loops: disks.loops,
            secret,
            tasks,
            boot,
        })
    }

    /// The domain XML of a start (`boot`: how a virtual machine boots):
    /// the same writer the Builder classes use ([`builder::domain::xml`]).
    pub(crate) fn domain_xml(
        &self,
        starting: &Starting,
        boot: Option<&builder::machine::MachineBoot>,
    ) -> String {
        builder::domain::xml(&self.obj().config(), &starting.layout, boot)
    }

    /// The last step of a start: the context holds the running domain.
    pub(crate) fn finish_start(&self, starting: Starting, domain: virt::domain::Domain) {
        *self.running.borrow_mut() = Some(Running {
            conn: starting.conn,
            domain,
            layout: starting.layout,
            backend: starting.backend,
            lending: starting.lending,
            state: Some(starting.state),
            app_channel: starting.app_channel,
            loops: starting.loops,
            secret: starting.secret,
            tasks: starting.tasks.map(std::rc::Rc::new),
            shell: self.obj().config().shell(),
        });
        self.obj().notify("domain");
    }

    pub(crate) fn stop(&self) -> crate::Result<()> {
        let running = self.take_running()?;
        match destroy_domain(&running.domain) {
            Ok(()) => {
                self.finish_stop(running);
                Ok(())
            }
            Err(e) => Err(self.keep_running(running, e)),
        }
    }

    /// A stop whose domain may still run (`e` says why): the context holds
    /// the sandbox again, with its state directory and all it uses, so that
    /// a later stop retries; the error says so.
    pub(crate) fn keep_running(&self, running: Running, e: crate::Error) -> crate::Error {
        let hint = destroy_hint(&running.conn, &running.layout.domain_name);
        let kept = running
            .state
            .as_ref()
            .map(|s| format!(" with its state directory '{}'", s.path().display()))
            .unwrap_or_default();
        *self.running.borrow_mut() = Some(running);
        error(
            SandboxError::Libvirt,
            format!(
                "{}: the sandbox stays attached{kept}; stop it again, or destroy it with \
                 '{hint}' first",
                e.message()
            ),
        )
    }

    /// The first step of a stop: the context lets go of the domain.
    pub(crate) fn take_running(&self) -> crate::Result<Running> {
        self.check_idle()?;
        self.running
            .borrow_mut()
            .take()
            .ok_or_else(super::not_running)
    }

    /// The last step of a stop, once the domain is gone.
    pub(crate) fn finish_stop(&self, running: Running) {
        drop(running); // removes the state directory
        self.obj().notify("domain");
    }

    pub(crate) fn attach(&self) -> crate::Result<()> {
        self.check_idle()?;
        if self.running.borrow().is_some() {
            return Err(error(
                SandboxError::AlreadyRunning,
                "the context is already attached to a sandbox",
            ));
        }
        let config = self.obj().config();
        let name = config.name().unwrap_or_else(|| "sandbox".to_owned());
        let (conn, backend) = self.conn()?;
        let domain = conn.lookup_domain_by_name(&name).map_err(|_| {
            error(
                SandboxError::NotRunning,
                format!("sandbox '{name}' does not exist"),
            )
        })?;
        // The sandbox's own config may differ from the one attaching: its
        // consoles tell whether it has a shell (the one after the log
        // console in a VM; in a container, the one before the app console).
        let shell = domain.xml_desc(0).is_ok_and(|xml| {
            let after = match backend {
                Backend::Lxc => ConsoleKind::App.devname(true),
                Backend::Qemu => ConsoleKind::Shell.devname(true),
            };
            crate::console::pty::pty_path(&xml, after).is_some()
        });
        let layout = Layout {
            domain_name: name,
            state_dir: super::state::state_root(),
            init_dir: init_dir(),
            app_console: false,
            mounts: Vec::new(),
            private_dirs: Vec::new(),
            interfaces: Vec::new(),
            block_devices: Vec::new(),
            disks: Vec::new(),
            security: None,
            host_files: Vec::new(),
        };
        *self.running.borrow_mut() = Some(Running {
            conn,
            domain,
            layout,
            backend,
            lending: None,
            state: None,
            app_channel: None,
            loops: Vec::new(),
            secret: Vec::new(),
            tasks: None,
            shell,
        });
        self.obj().notify("domain");
        Ok(())
    }

    pub(crate) fn console_raw(&self, kind: ConsoleKind) -> crate::Result<ConsoleRaw> {
        let running = self.running.borrow();
        let running = running.as_ref().ok_or_else(super::not_running)?;
        if kind == ConsoleKind::Shell && !running.shell {
            return Err(error(
                SandboxError::InvalidArgument,
                format!(
                    "the sandbox '{}' has no debug shell: enable the config's 'shell' \
                     property (virt-sandbox --shell) before starting it",
                    running.layout.domain_name
                ),
            ));
        }
        Ok(ConsoleRaw::new(
            self.connection.borrow().as_ref(),
            &running.domain,
            kind.devname(running.shell),
        ))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn destroy_domain_ends_a_domain_and_takes_a_gone_one_as_ended() {
        // libvirt's test driver, in this process.
        let conn = virt::connect::Connect::open(Some("test:///default")).unwrap();
        let name = format!("sbx-destroy-{:08x}", glib::random_int());
        let xml = format!(
            "<domain type='test'><name>{name}</name><memory>8192</memory>\
             <os><type>hvm</type></os></domain>"
        );
        let domain = conn.create_domain_xml(&xml, 0).unwrap();
        assert!(domain.is_active().unwrap());
        super::destroy_domain(&domain).unwrap();
        // A transient domain that ended is gone: libvirt says NO_DOMAIN,
        // which is no failure of a stop.
        let gone = domain.is_active().unwrap_err();
        assert!(super::super::lxc_leftovers::is_gone(&gone), "{gone:?}");
        super::destroy_domain(&domain).unwrap();
        assert!(conn.lookup_domain_by_name(&name).is_err());
    }
}
