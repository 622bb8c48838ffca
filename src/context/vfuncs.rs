// SPDX-License-Identifier: LGPL-2.1-or-later
//! The virtual methods of `GVirSandboxContextClass`: its default slots
//! (`extern "C"` by nature: C, Python, gjs and Vala subclasses chain up to
//! them) and the dispatch through the instance's class that
//! `Context::start()` and friends (and so the C API) use.

use std::ffi::CStr;
use std::ptr;

use glib::ffi::{GError, gboolean};
use glib::prelude::*;

use super::service::imp::{ContextServiceClass, ContextServiceInstance, ContextServiceVfunc};
use super::{Context, ContextClass, ContextInstance, ContextService, ContextVfunc};
use crate::boundary::{gbool, set_error, with_instance};
use crate::error::{SandboxError, error};

// ---- virtual methods ------------------------------------------------------
//
// `GVirSandboxContextClass` holds the original's four slots. The defaults
// below run the built-in lifecycle (`Context::default_*`); `invoke` calls
// through the instance's class, so a C, Python, gjs or Vala subclass that
// overrides a slot is what `gvir_sandbox_context_start()` and the Rust
// `Context::start()` reach, and chaining up reaches the default.

/// One of `GVirSandboxContextClass`'s virtual methods.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot {
    Start,
    Stop,
    Attach,
    Detach,
}

impl Slot {
    fn get(self, class: &ContextClass) -> Option<ContextVfunc> {
        match self {
            Slot::Start => class.start,
            Slot::Stop => class.stop,
            Slot::Attach => class.attach,
            Slot::Detach => class.detach,
        }
    }

    /// The library's default for the slot.
    fn default_fn(self) -> ContextVfunc {
        match self {
            Slot::Start => default_start,
            Slot::Stop => default_stop,
            Slot::Attach => default_attach,
            Slot::Detach => default_detach,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Slot::Start => "start",
            Slot::Stop => "stop",
            Slot::Attach => "attach",
            Slot::Detach => "detach",
        }
    }
}

/// Fills the class's slots with the defaults (the class init of
/// `GVirSandboxContext`; subclasses inherit them).
pub(crate) fn install_class(class: &mut ContextClass) {
    class.start = Some(Slot::Start.default_fn());
    class.stop = Some(Slot::Stop.default_fn());
    class.attach = Some(Slot::Attach.default_fn());
    class.detach = Some(Slot::Detach.default_fn());
}

/// Calls the `slot` virtual method of `ctxt`'s class.
pub(crate) fn invoke(ctxt: &Context, slot: Slot) -> crate::Result<()> {
    let class: &ContextClass = ctxt.class().as_ref();
    let f = slot.get(class).ok_or_else(|| no_slot(ctxt, slot.name()))?;
    let mut err = ptr::null_mut();
    // SAFETY: the slot's contract (the header): a live instance of the class
    // and a NULL-initialised GError location; it returns FALSE with the
    // error set on failure, and we own that error.
    let ok = unsafe { f(ctxt.as_ptr(), &mut err) };
    // SAFETY: `err` is NULL or the error the slot set, ours to own.
    unsafe { crate::boundary::slot_result(ctxt, slot.name(), ok, err) }
}

/// Whether `ctxt`'s class keeps the library's default for `slot` (the
/// asynchronous start and stop run the default's steps themselves, and
/// call an override instead).
pub(crate) fn is_default(ctxt: &Context, slot: Slot) -> bool {
    let class: &ContextClass = ctxt.class().as_ref();
    slot.get(class)
        .is_some_and(|f| std::ptr::fn_addr_eq(f, slot.default_fn()))
}

fn no_slot(object: &impl IsA<glib::Object>, name: &str) -> glib::Error {
    error(
        SandboxError::Unsupported,
        format!(
            "{} has no '{name}' virtual method (its class set the slot to NULL)",
            object.type_().name()
        ),
    )
}

/// Shared body of the default slots.
unsafe fn run_default(
    ptr: *mut ContextInstance,
    error: *mut *mut GError,
    func: &CStr,
    body: fn(&Context) -> crate::Result<()>,
) -> gboolean {
    unsafe {
        with_instance(
            ptr as *mut <Context as ObjectType>::GlibType,
            func,
            0,
            |c: &Context| gbool(set_error(body(c), error).is_some()),
        )
    }
}

/// Defines the default slot `$fn`: [`run_default`] of `$body`, its
/// warnings naming the slot `$slot`.
macro_rules! default_slot {
    ($fn:ident, $slot:literal, $body:path) => {
        unsafe extern "C" fn $fn(ptr: *mut ContextInstance, error: *mut *mut GError) -> gboolean {
            unsafe { run_default(ptr, error, $slot, $body) }
        }
    };
}

default_slot!(
    default_start,
    c"GVirSandboxContextClass.start",
    Context::default_start
);
default_slot!(
    default_stop,
    c"GVirSandboxContextClass.stop",
    Context::default_stop
);
default_slot!(
    default_attach,
    c"GVirSandboxContextClass.attach",
    Context::default_attach
);
default_slot!(
    default_detach,
    c"GVirSandboxContextClass.detach",
    Context::default_detach
);

// ---- GVirSandboxContextServiceClass ---------------------------------------

/// One of `GVirSandboxContextServiceClass`'s virtual methods.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ServiceSlot {
    Define,
    Undefine,
}

impl ServiceSlot {
    fn get(self, class: &ContextServiceClass) -> Option<ContextServiceVfunc> {
        match self {
            ServiceSlot::Define => class.define,
            ServiceSlot::Undefine => class.undefine,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ServiceSlot::Define => "define",
            ServiceSlot::Undefine => "undefine",
        }
    }
}

/// Fills the service class's slots with the defaults.
pub(crate) fn install_service_class(class: &mut ContextServiceClass) {
    class.define = Some(default_define);
    class.undefine = Some(default_undefine);
}

/// Calls the `slot` virtual method of `service`'s class.
pub(crate) fn invoke_service(service: &ContextService, slot: ServiceSlot) -> crate::Result<()> {
    let class: &ContextServiceClass = service.class().as_ref();
    let f = slot
        .get(class)
        .ok_or_else(|| no_slot(service, slot.name()))?;
    let mut err = ptr::null_mut();
    // SAFETY: as in `invoke`, for `GVirSandboxContextServiceClass`.
    let ok = unsafe { f(service.as_ptr(), &mut err) };
    // SAFETY: `err` is NULL or the error the slot set, ours to own.
    unsafe { crate::boundary::slot_result(service, slot.name(), ok, err) }
}

/// Defines the default service slot `$fn`, running `$body`.
macro_rules! default_service_slot {
    ($fn:ident, $slot:literal, $body:path) => {
        unsafe extern "C" fn $fn(
            ptr: *mut ContextServiceInstance,
            error: *mut *mut GError,
        ) -> gboolean {
            unsafe {
                with_instance(
                    ptr as *mut <ContextService as ObjectType>::GlibType,
                    $slot,
                    0,
                    |s: &ContextService| gbool(set_error($body(s), error).is_some()),
                )
            }
        }
    };
}

default_service_slot!(
    default_define,
    c"GVirSandboxContextServiceClass.define",
    ContextService::default_define
);
default_service_slot!(
    default_undefine,
    c"GVirSandboxContextServiceClass.undefine",
    ContextService::default_undefine
);
