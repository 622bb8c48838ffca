// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of the network classes (see `libvirt-sandbox-config-network.h`) and of
//! the `GVirSandboxConfig` network methods (`libvirt-sandbox-config-networks.h`).

use std::ffi::{CStr, c_char};
use std::ptr;

use gio::ffi::GInetAddress;
use glib::ffi::{GError, GList, GType, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::config::{GVirSandboxConfig, parse_opts, parse_strv};
use super::{
    c_name, gbool, guard, instance, return_if_fail_warning, string_getter, string_setter,
    value_property, with_instance,
};
use libvirt_sandbox::config::network::address::MAX_PREFIX;
use libvirt_sandbox::config::{
    Config, ConfigNetwork, ConfigNetworkAddress, ConfigNetworkFilterref,
    ConfigNetworkFilterrefParameter, ConfigNetworkRoute,
};

/// C names of the instance types.
pub type GVirSandboxConfigNetwork = <ConfigNetwork as ObjectType>::GlibType;
pub type GVirSandboxConfigNetworkAddress = <ConfigNetworkAddress as ObjectType>::GlibType;
pub type GVirSandboxConfigNetworkRoute = <ConfigNetworkRoute as ObjectType>::GlibType;
pub type GVirSandboxConfigNetworkFilterref = <ConfigNetworkFilterref as ObjectType>::GlibType;
pub type GVirSandboxConfigNetworkFilterrefParameter =
    <ConfigNetworkFilterrefParameter as ObjectType>::GlibType;

/// Returns a new `GList` of `items`, each with a reference of its own
/// (`(transfer full)`: free with `g_list_free_full(list, g_object_unref)`).
pub(crate) fn list_ret<T: ObjectType>(items: &[T]) -> *mut GList {
    items.iter().rev().fold(ptr::null_mut(), |list, item| {
        let item: *mut T::GlibType = item.clone().into_glib_ptr();
        // SAFETY: prepending to a list we own; the element owns one reference.
        unsafe { glib::ffi::g_list_prepend(list, item.cast()) }
    })
}

/// Borrows a non-NULL `GInetAddress *` argument (critical and `None` otherwise).
unsafe fn address_arg(ptr: *mut GInetAddress, func: &CStr) -> Option<Borrowed<gio::InetAddress>> {
    // SAFETY: caller contract: NULL or a GObject instance.
    unsafe { instance::<gio::InetAddress>(ptr, func) }
}

/// Borrows a nullable `GInetAddress *` argument; `Err` (after a critical) if it
/// is neither NULL nor a `GInetAddress`.
unsafe fn opt_address_arg(
    ptr: *mut GInetAddress,
    func: &CStr,
) -> Result<Option<Borrowed<gio::InetAddress>>, ()> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: caller contract.
        unsafe { address_arg(ptr, func) }.map(Some).ok_or(())
    }
}

/// Checks a prefix length like `g_return_if_fail (prefix <= 128)`.
fn prefix_ok(prefix: u32, func: &CStr) -> bool {
    if prefix > MAX_PREFIX {
        return_if_fail_warning(func, c"prefix <= 128");
        return false;
    }
    true
}

// ---- GVirSandboxConfigNetwork ------------------------------------------

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_network_get_type() -> GType {
    ConfigNetwork::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_network_new() -> *mut GVirSandboxConfigNetwork {
    const F: &CStr = c_name!(gvir_sandbox_config_network_new);
    guard(F, ptr::null_mut(), || ConfigNetwork::new().into_glib_ptr())
}

string_getter!(gvir_sandbox_config_network_get_source, ConfigNetwork, |o| o
    .source());
string_setter!(
    gvir_sandbox_config_network_set_source,
    ConfigNetwork,
    "source",
    nullable
);
string_getter!(gvir_sandbox_config_network_get_mac, ConfigNetwork, |o| o
    .mac());
string_setter!(
    gvir_sandbox_config_network_set_mac,
    ConfigNetwork,
    "mac",
    nullable
);
value_property!(
    gvir_sandbox_config_network_get_dhcp,
    gvir_sandbox_config_network_set_dhcp,
    ConfigNetwork,
    "dhcp",
    gboolean,
    bool
);

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_add_address(
    obj: *mut GVirSandboxConfigNetwork,
    address: *mut GVirSandboxConfigNetworkAddress,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_add_address);
    unsafe {
        with_instance(obj, F, (), |n: &ConfigNetwork| {
            if let Some(address) = instance::<ConfigNetworkAddress>(address, F) {
                n.add_address(&address);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_get_addresses(
    obj: *mut GVirSandboxConfigNetwork,
) -> *mut GList {
    const F: &CStr = c_name!(gvir_sandbox_config_network_get_addresses);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |n: &ConfigNetwork| {
            list_ret(&n.addresses())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_add_route(
    obj: *mut GVirSandboxConfigNetwork,
    route: *mut GVirSandboxConfigNetworkRoute,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_add_route);
    unsafe {
        with_instance(obj, F, (), |n: &ConfigNetwork| {
            if let Some(route) = instance::<ConfigNetworkRoute>(route, F) {
                n.add_route(&route);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_get_routes(
    obj: *mut GVirSandboxConfigNetwork,
) -> *mut GList {
    const F: &CStr = c_name!(gvir_sandbox_config_network_get_routes);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |n: &ConfigNetwork| {
            list_ret(&n.routes())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_set_filterref(
    obj: *mut GVirSandboxConfigNetwork,
    filterref: *mut GVirSandboxConfigNetworkFilterref,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_set_filterref);
    unsafe {
        with_instance(obj, F, (), |n: &ConfigNetwork| {
            if filterref.is_null() {
                n.set_filterref(None);
            } else if let Some(filterref) = instance::<ConfigNetworkFilterref>(filterref, F) {
                n.set_filterref(Some(&filterref));
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_get_filterref(
    obj: *mut GVirSandboxConfigNetwork,
) -> *mut GVirSandboxConfigNetworkFilterref {
    const F: &CStr = c_name!(gvir_sandbox_config_network_get_filterref);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |n: &ConfigNetwork| {
            // Transfer none: the network keeps its reference.
            n.filterref().map_or(ptr::null_mut(), |f| f.as_ptr())
        })
    }
}

// ---- GVirSandboxConfigNetworkAddress -----------------------------------

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_network_address_get_type() -> GType {
    ConfigNetworkAddress::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_address_new(
    primary: *mut GInetAddress,
    prefix: u32,
    broadcast: *mut GInetAddress,
) -> *mut GVirSandboxConfigNetworkAddress {
    const F: &CStr = c_name!(gvir_sandbox_config_network_address_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: GObject pointer contract of the C API.
        let Some(primary) = (unsafe { address_arg(primary, F) }) else {
            return ptr::null_mut();
        };
        let Ok(broadcast) = (unsafe { opt_address_arg(broadcast, F) }) else {
            return ptr::null_mut();
        };
        if !prefix_ok(prefix, F) {
            return ptr::null_mut();
        }
        ConfigNetworkAddress::new(&primary, prefix, broadcast.as_deref()).into_glib_ptr()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_address_set_primary(
    obj: *mut GVirSandboxConfigNetworkAddress,
    primary: *mut GInetAddress,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_address_set_primary);
    unsafe {
        with_instance(obj, F, (), |a: &ConfigNetworkAddress| {
            if let Some(primary) = address_arg(primary, F) {
                a.set_primary(&primary);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_address_get_primary(
    obj: *mut GVirSandboxConfigNetworkAddress,
) -> *mut GInetAddress {
    const F: &CStr = c_name!(gvir_sandbox_config_network_address_get_primary);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |a: &ConfigNetworkAddress| {
            a.primary().map_or(ptr::null_mut(), |a| a.as_ptr()) // transfer none: the object keeps its reference
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_address_set_prefix(
    obj: *mut GVirSandboxConfigNetworkAddress,
    prefix: u32,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_address_set_prefix);
    unsafe {
        with_instance(obj, F, (), |a: &ConfigNetworkAddress| {
            if prefix_ok(prefix, F) {
                a.set_prefix(prefix);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_address_get_prefix(
    obj: *mut GVirSandboxConfigNetworkAddress,
) -> u32 {
    const F: &CStr = c_name!(gvir_sandbox_config_network_address_get_prefix);
    unsafe { with_instance(obj, F, 0, |a: &ConfigNetworkAddress| a.prefix()) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_address_set_broadcast(
    obj: *mut GVirSandboxConfigNetworkAddress,
    broadcast: *mut GInetAddress,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_address_set_broadcast);
    unsafe {
        with_instance(obj, F, (), |a: &ConfigNetworkAddress| {
            if let Ok(broadcast) = opt_address_arg(broadcast, F) {
                a.set_broadcast(broadcast.as_deref());
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_address_get_broadcast(
    obj: *mut GVirSandboxConfigNetworkAddress,
) -> *mut GInetAddress {
    const F: &CStr = c_name!(gvir_sandbox_config_network_address_get_broadcast);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |a: &ConfigNetworkAddress| {
            a.broadcast().map_or(ptr::null_mut(), |a| a.as_ptr()) // transfer none: the object keeps its reference
        })
    }
}

// ---- GVirSandboxConfigNetworkRoute -------------------------------------

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_network_route_get_type() -> GType {
    ConfigNetworkRoute::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_route_new(
    target: *mut GInetAddress,
    prefix: u32,
    gateway: *mut GInetAddress,
) -> *mut GVirSandboxConfigNetworkRoute {
    const F: &CStr = c_name!(gvir_sandbox_config_network_route_new);
    guard(F, ptr::null_mut(), || {
        // SAFETY: GObject pointer contract of the C API.
        let (Some(target), Some(gateway)) = (unsafe { address_arg(target, F) }, unsafe {
            address_arg(gateway, F)
        }) else {
            return ptr::null_mut();
        };
        if !prefix_ok(prefix, F) {
            return ptr::null_mut();
        }
        ConfigNetworkRoute::new(&target, prefix, &gateway).into_glib_ptr()
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_route_set_prefix(
    obj: *mut GVirSandboxConfigNetworkRoute,
    prefix: u32,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_route_set_prefix);
    unsafe {
        with_instance(obj, F, (), |r: &ConfigNetworkRoute| {
            if prefix_ok(prefix, F) {
                r.set_prefix(prefix);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_route_get_prefix(
    obj: *mut GVirSandboxConfigNetworkRoute,
) -> u32 {
    const F: &CStr = c_name!(gvir_sandbox_config_network_route_get_prefix);
    unsafe { with_instance(obj, F, 0, |r: &ConfigNetworkRoute| r.prefix()) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_route_set_gateway(
    obj: *mut GVirSandboxConfigNetworkRoute,
    gateway: *mut GInetAddress,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_route_set_gateway);
    unsafe {
        with_instance(obj, F, (), |r: &ConfigNetworkRoute| {
            if let Some(gateway) = address_arg(gateway, F) {
                r.set_gateway(&gateway);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_route_get_gateway(
    obj: *mut GVirSandboxConfigNetworkRoute,
) -> *mut GInetAddress {
    const F: &CStr = c_name!(gvir_sandbox_config_network_route_get_gateway);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |r: &ConfigNetworkRoute| {
            r.gateway().map_or(ptr::null_mut(), |a| a.as_ptr()) // transfer none: the object keeps its reference
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_route_set_target(
    obj: *mut GVirSandboxConfigNetworkRoute,
    target: *mut GInetAddress,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_route_set_target);
    unsafe {
        with_instance(obj, F, (), |r: &ConfigNetworkRoute| {
            if let Some(target) = address_arg(target, F) {
                r.set_target(&target);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_route_get_target(
    obj: *mut GVirSandboxConfigNetworkRoute,
) -> *mut GInetAddress {
    const F: &CStr = c_name!(gvir_sandbox_config_network_route_get_target);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |r: &ConfigNetworkRoute| {
            r.target().map_or(ptr::null_mut(), |a| a.as_ptr()) // transfer none: the object keeps its reference
        })
    }
}

// ---- GVirSandboxConfigNetworkFilterref ---------------------------------

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_network_filterref_get_type() -> GType {
    ConfigNetworkFilterref::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_network_filterref_new()
-> *mut GVirSandboxConfigNetworkFilterref {
    const F: &CStr = c_name!(gvir_sandbox_config_network_filterref_new);
    guard(F, ptr::null_mut(), || {
        ConfigNetworkFilterref::new().into_glib_ptr()
    })
}

string_getter!(
    gvir_sandbox_config_network_filterref_get_name,
    ConfigNetworkFilterref,
    |o| o.name()
);
string_setter!(
    gvir_sandbox_config_network_filterref_set_name,
    ConfigNetworkFilterref,
    "name"
);

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_filterref_add_parameter(
    obj: *mut GVirSandboxConfigNetworkFilterref,
    parameter: *mut GVirSandboxConfigNetworkFilterrefParameter,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_network_filterref_add_parameter);
    unsafe {
        with_instance(obj, F, (), |f: &ConfigNetworkFilterref| {
            if let Some(parameter) = instance::<ConfigNetworkFilterrefParameter>(parameter, F) {
                f.add_parameter(&parameter);
            }
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_network_filterref_get_parameters(
    obj: *mut GVirSandboxConfigNetworkFilterref,
) -> *mut GList {
    const F: &CStr = c_name!(gvir_sandbox_config_network_filterref_get_parameters);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |f: &ConfigNetworkFilterref| {
            list_ret(&f.parameters())
        })
    }
}

// ---- GVirSandboxConfigNetworkFilterrefParameter ------------------------

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_network_filterref_parameter_get_type() -> GType {
    ConfigNetworkFilterrefParameter::static_type().into_glib()
}

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_network_filterref_parameter_new()
-> *mut GVirSandboxConfigNetworkFilterrefParameter {
    const F: &CStr = c_name!(gvir_sandbox_config_network_filterref_parameter_new);
    guard(F, ptr::null_mut(), || {
        ConfigNetworkFilterrefParameter::new().into_glib_ptr()
    })
}

string_getter!(
    gvir_sandbox_config_network_filterref_parameter_get_name,
    ConfigNetworkFilterrefParameter,
    |o| o.name()
);
string_setter!(
    gvir_sandbox_config_network_filterref_parameter_set_name,
    ConfigNetworkFilterrefParameter,
    "name"
);
string_getter!(
    gvir_sandbox_config_network_filterref_parameter_get_value,
    ConfigNetworkFilterrefParameter,
    |o| o.value()
);
string_setter!(
    gvir_sandbox_config_network_filterref_parameter_set_value,
    ConfigNetworkFilterrefParameter,
    "value"
);

// ---- GVirSandboxConfig network methods (libvirt-sandbox-config-networks.h) ----

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_network(
    obj: *mut GVirSandboxConfig,
    network: *mut GVirSandboxConfigNetwork,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_add_network);
    unsafe {
        with_instance(obj, F, (), |c: &Config| {
            if let Some(network) = instance::<ConfigNetwork>(network, F) {
                c.add_network(&network);
            }
        })
    }
}

/// Returns a new list of the config's networks, each with a reference (transfer full).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_networks(
    obj: *mut GVirSandboxConfig,
) -> *mut GList {
    const F: &CStr = c_name!(gvir_sandbox_config_get_networks);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &Config| {
            list_ret(&c.networks())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_has_networks(obj: *mut GVirSandboxConfig) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_has_networks);
    unsafe { with_instance(obj, F, 0, |c: &Config| gbool(c.has_networks())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_network_opts(
    obj: *mut GVirSandboxConfig,
    network: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_network_opts);
    unsafe { parse_opts(obj, F, network, error, |c, o| c.add_network_opts(o)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_network_strv(
    obj: *mut GVirSandboxConfig,
    networks: *mut *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_network_strv);
    unsafe { parse_strv(obj, F, networks, error, |c, v| c.add_network_strv(v)) }
}
