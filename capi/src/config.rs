// SPDX-License-Identifier: LGPL-2.1-or-later
//! C ABI of `GVirSandboxConfig` (see `libvirt-sandbox-config.h`).

use std::ffi::{CStr, c_char};
use std::ptr;

use glib::ffi::{GError, GHashTable, gboolean};
use glib::prelude::*;
use glib::translate::*;

use super::{
    c_name, error_arg_ok, gbool, nullable_str_arg, return_if_fail_warning, set_error, str_arg,
    string_getter, string_setter, strv_arg, strv_ret, value_property, with_instance,
};
use libvirt_sandbox::config::Config;

/// C name of the instance type.
pub type GVirSandboxConfig = <Config as ObjectType>::GlibType;

#[unsafe(no_mangle)]
pub extern "C" fn gvir_sandbox_config_get_type() -> glib::ffi::GType {
    Config::static_type().into_glib()
}

string_getter!(gvir_sandbox_config_get_name, Config, |o| o.name());
string_getter!(gvir_sandbox_config_get_uuid, Config, |o| o.uuid());

/// Stores the UUID directly, as the original's setter did: the property is
/// construct-only. A string that is not a UUID is refused with a critical.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_set_uuid(
    obj: *mut GVirSandboxConfig,
    uuid: *const c_char,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_set_uuid);
    unsafe {
        with_instance(obj, F, (), |c: &Config| {
            let Some(uuid) = nullable_str_arg(uuid, F, c"uuid") else {
                return;
            };
            if let Err(e) = c.try_set_uuid(uuid) {
                glib::g_critical!("LibvirtSandbox", "{}: {}", F.to_string_lossy(), e.message());
            }
        })
    }
}
string_getter!(gvir_sandbox_config_get_root, Config, |o| o.root());
string_setter!(gvir_sandbox_config_set_root, Config, "root");
string_getter!(gvir_sandbox_config_get_arch, Config, |o| o.arch());
string_setter!(gvir_sandbox_config_set_arch, Config, "arch");
string_getter!(gvir_sandbox_config_get_kernrelease, Config, |o| o
    .kernrelease());
string_setter!(
    gvir_sandbox_config_set_kernrelease,
    Config,
    "kernrelease",
    nullable
);
string_getter!(gvir_sandbox_config_get_kernpath, Config, |o| o.kernpath());
string_setter!(
    gvir_sandbox_config_set_kernpath,
    Config,
    "kernpath",
    nullable
);
string_getter!(gvir_sandbox_config_get_kmodpath, Config, |o| o.kmodpath());
string_setter!(
    gvir_sandbox_config_set_kmodpath,
    Config,
    "kmodpath",
    nullable
);
string_getter!(gvir_sandbox_config_get_username, Config, |o| o.username());
string_setter!(gvir_sandbox_config_set_username, Config, "username");
string_getter!(gvir_sandbox_config_get_homedir, Config, |o| o.homedir());
string_setter!(gvir_sandbox_config_set_homedir, Config, "homedir");
string_getter!(gvir_sandbox_config_get_security_label, Config, |o| o
    .security_label());
string_setter!(
    gvir_sandbox_config_set_security_label,
    Config,
    "security-label",
    nullable
);

value_property!(
    gvir_sandbox_config_get_privileged,
    gvir_sandbox_config_set_privileged,
    Config,
    "privileged",
    gboolean,
    bool
);
value_property!(
    gvir_sandbox_config_get_shell,
    gvir_sandbox_config_set_shell,
    Config,
    "shell",
    gboolean,
    bool
);
value_property!(
    gvir_sandbox_config_get_userid,
    gvir_sandbox_config_set_userid,
    Config,
    "uid",
    u32,
    u32
);
value_property!(
    gvir_sandbox_config_get_groupid,
    gvir_sandbox_config_set_groupid,
    Config,
    "gid",
    u32,
    u32
);
value_property!(
    gvir_sandbox_config_get_security_dynamic,
    gvir_sandbox_config_set_security_dynamic,
    Config,
    "security-dynamic",
    gboolean,
    bool
);

value_property!(
    gvir_sandbox_config_get_max_tasks,
    gvir_sandbox_config_set_max_tasks,
    Config,
    "max-tasks",
    u32,
    u32
);

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_memory(obj: *mut GVirSandboxConfig) -> u64 {
    const F: &CStr = c_name!(gvir_sandbox_config_get_memory);
    unsafe { with_instance(obj, F, 0, |c: &Config| c.memory()) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_set_memory(obj: *mut GVirSandboxConfig, kib: u64) {
    const F: &CStr = c_name!(gvir_sandbox_config_set_memory);
    unsafe {
        with_instance(obj, F, (), |c: &Config| {
            if kib < libvirt_sandbox::config::MIN_MEMORY_KIB {
                return_if_fail_warning(F, c"kib >= 1024");
                return;
            }
            c.set_memory(kib)
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_cpus(obj: *mut GVirSandboxConfig) -> f64 {
    const F: &CStr = c_name!(gvir_sandbox_config_get_cpus);
    unsafe { with_instance(obj, F, 0.0, |c: &Config| c.cpus()) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_set_cpus(obj: *mut GVirSandboxConfig, cpus: f64) {
    const F: &CStr = c_name!(gvir_sandbox_config_set_cpus);
    unsafe {
        with_instance(obj, F, (), |c: &Config| {
            if !(0.0..=libvirt_sandbox::config::MAX_CPUS).contains(&cpus) {
                return_if_fail_warning(F, c"cpus >= 0 && cpus <= 1024");
                return;
            }
            c.set_cpus(cpus)
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_debug(obj: *mut GVirSandboxConfig) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_get_debug);
    unsafe { with_instance(obj, F, 0, |c: &Config| gbool(c.debug())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_set_debug(
    obj: *mut GVirSandboxConfig,
    debug: gboolean,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_set_debug);
    unsafe { with_instance(obj, F, (), |c: &Config| c.set_debug(debug != 0)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_verbose(obj: *mut GVirSandboxConfig) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_get_verbose);
    unsafe { with_instance(obj, F, 0, |c: &Config| gbool(c.verbose())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_set_verbose(
    obj: *mut GVirSandboxConfig,
    verbose: gboolean,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_set_verbose);
    unsafe { with_instance(obj, F, (), |c: &Config| c.set_verbose(verbose != 0)) }
}

/// Shared body of the `*_opts` parsers: a string argument, a GError out.
pub(crate) unsafe fn parse_opts(
    obj: *mut GVirSandboxConfig,
    func: &CStr,
    opts: *const c_char,
    error: *mut *mut GError,
    apply: impl FnOnce(&Config, &str) -> libvirt_sandbox::Result<()>,
) -> gboolean {
    unsafe {
        with_instance(obj, func, 0, |c: &Config| {
            let Some(opts) = str_arg(opts, func, c"opts") else {
                return 0;
            };
            if !error_arg_ok(error, func) {
                return 0;
            }
            gbool(set_error(apply(c, opts), error).is_some())
        })
    }
}

/// Shared body of the `*_strv` parsers: a string array, a GError out.
pub(crate) unsafe fn parse_strv(
    obj: *mut GVirSandboxConfig,
    func: &CStr,
    opts: *mut *mut c_char,
    error: *mut *mut GError,
    apply: impl FnOnce(&Config, &[String]) -> libvirt_sandbox::Result<()>,
) -> gboolean {
    unsafe {
        with_instance(obj, func, 0, |c: &Config| {
            if !error_arg_ok(error, func) {
                return 0;
            }
            let opts = strv_arg(opts as *const *const c_char);
            gbool(set_error(apply(c, &opts), error).is_some())
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_set_security_opts(
    obj: *mut GVirSandboxConfig,
    opts: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_set_security_opts);
    unsafe { parse_opts(obj, F, opts, error, |c, o| c.set_security_opts(o)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_env(
    obj: *mut GVirSandboxConfig,
    key: *const c_char,
    value: *const c_char,
) {
    const F: &CStr = c_name!(gvir_sandbox_config_add_env);
    unsafe {
        with_instance(obj, F, (), |c: &Config| {
            let (Some(key), Some(value)) = (str_arg(key, F, c"key"), str_arg(value, F, c"value"))
            else {
                return;
            };
            c.add_env(key, value);
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_env_opts(
    obj: *mut GVirSandboxConfig,
    opt: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_env_opts);
    unsafe { parse_opts(obj, F, opt, error, |c, o| c.add_env_opts(o)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_add_env_strv(
    obj: *mut GVirSandboxConfig,
    envs: *mut *mut c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_add_env_strv);
    unsafe { parse_strv(obj, F, envs, error, |c, v| c.add_env_strv(v)) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_has_envs(obj: *mut GVirSandboxConfig) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_has_envs);
    unsafe { with_instance(obj, F, 0, |c: &Config| gbool(c.has_envs())) }
}

/// Returns a new hash table (transfer full) copying the environment.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_envs(
    obj: *mut GVirSandboxConfig,
) -> *mut GHashTable {
    const F: &CStr = c_name!(gvir_sandbox_config_get_envs);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &Config| {
            let table = glib::ffi::g_hash_table_new_full(
                Some(glib::ffi::g_str_hash),
                Some(glib::ffi::g_str_equal),
                Some(glib::ffi::g_free),
                Some(glib::ffi::g_free),
            );
            for (k, v) in c.envs() {
                let k: *mut c_char = k.to_glib_full();
                let v: *mut c_char = v.to_glib_full();
                glib::ffi::g_hash_table_insert(table, k.cast(), v.cast());
            }
            table
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_get_command(
    obj: *mut GVirSandboxConfig,
) -> *mut *mut c_char {
    const F: &CStr = c_name!(gvir_sandbox_config_get_command);
    unsafe { with_instance(obj, F, ptr::null_mut(), |c: &Config| strv_ret(&c.command())) }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_save_to_data(
    obj: *mut GVirSandboxConfig,
    error: *mut *mut GError,
) -> *mut c_char {
    const F: &CStr = c_name!(gvir_sandbox_config_save_to_data);
    unsafe {
        with_instance(obj, F, ptr::null_mut(), |c: &Config| {
            if !error_arg_ok(error, F) {
                return ptr::null_mut();
            }
            c.save_to_data().to_glib_full()
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_save_to_path(
    obj: *mut GVirSandboxConfig,
    path: *const c_char,
    error: *mut *mut GError,
) -> gboolean {
    const F: &CStr = c_name!(gvir_sandbox_config_save_to_path);
    unsafe {
        parse_opts(obj, F, path, error, |c, p| {
            c.save_to_path(std::path::Path::new(p))
        })
    }
}

/// Shared body of the two loaders.
unsafe fn load(
    func: &CStr,
    arg: *const c_char,
    error: *mut *mut GError,
    load: impl FnOnce(&str) -> libvirt_sandbox::Result<Config>,
) -> *mut GVirSandboxConfig {
    super::guard(func, ptr::null_mut(), || unsafe {
        let Some(arg) = str_arg(arg, func, c"argument") else {
            return ptr::null_mut();
        };
        if !error_arg_ok(error, func) {
            return ptr::null_mut();
        }
        set_error(load(arg), error).map_or(ptr::null_mut(), |c| c.into_glib_ptr())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_load_from_path(
    path: *const c_char,
    error: *mut *mut GError,
) -> *mut GVirSandboxConfig {
    const F: &CStr = c_name!(gvir_sandbox_config_load_from_path);
    unsafe {
        load(F, path, error, |p| {
            Config::load_from_path(std::path::Path::new(p))
        })
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn gvir_sandbox_config_load_from_data(
    data: *const c_char,
    error: *mut *mut GError,
) -> *mut GVirSandboxConfig {
    const F: &CStr = c_name!(gvir_sandbox_config_load_from_data);
    unsafe { load(F, data, error, Config::load_from_data) }
}
