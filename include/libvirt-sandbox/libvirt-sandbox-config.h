/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__LIBVIRT_SANDBOX_H__) && !defined(LIBVIRT_SANDBOX_BUILD)
#error "Only <libvirt-sandbox/libvirt-sandbox.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define GVIR_SANDBOX_TYPE_CONFIG (gvir_sandbox_config_get_type())

/**
 * GVirSandboxConfig:
 *
 * The abstract description of a sandbox: its name, root, identity, kernel,
 * security label, mounts, networks, disks and environment. Subclasses say
 * what the sandbox runs.
 *
 * Since: 0.6.0
 */
GVIR_SANDBOX_DECLARE_TYPE(GVirSandboxConfig, gvir_sandbox_config, GVIR_SANDBOX, CONFIG, GObject)

struct _GVirSandboxConfig
{
    GObject parent;

    /*< private >*/
    gpointer priv;
};

/**
 * GVirSandboxConfigClass:
 * @parent_class: the parent class
 * @load_config: reads the subclass's own groups from a key file (the base
 *   part is already loaded); returns %FALSE with the error set on failure
 * @save_config: writes the subclass's own groups into a key file
 * @get_command: returns the command line as a new %NULL-terminated array
 *
 * The class structure; keep in sync with `ConfigClass` in src/config/imp.rs.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigClass::load_config:
 * @config: a #GVirSandboxConfig
 * @file: the key file being loaded
 * @error: return location for a #GError, or %NULL
 *
 * Reads the subclass's own groups from @file; the part of the base class is
 * already loaded. A subclass chains up first.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigClass::save_config:
 * @config: a #GVirSandboxConfig
 * @file: the key file being saved
 *
 * Writes the subclass's own groups into @file. A subclass chains up first.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfigClass::get_command:
 * @config: a #GVirSandboxConfig
 *
 * The command line the sandbox runs; gvir_sandbox_config_get_command() calls
 * it.
 *
 * Returns: (transfer full) (array zero-terminated=1): a new %NULL-terminated
 *   array of new strings
 *
 * Since: 0.6.0
 */
struct _GVirSandboxConfigClass
{
    GObjectClass parent_class;

    gboolean (*load_config)(GVirSandboxConfig *config, GKeyFile *file, GError **error);
    void (*save_config)(GVirSandboxConfig *config, GKeyFile *file);
    gchar **(*get_command)(GVirSandboxConfig *config);

    /*< private >*/
    gpointer padding[20];
};

/**
 * GVirSandboxConfig:name:
 *
 * The sandbox name (construct-only; "sandbox" if not given). Sandboxes
 * started from configs with the same name still run side by side.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:uuid:
 *
 * The sandbox UUID, or %NULL (construct-only; gvir_sandbox_config_set_uuid()
 * changes it later). A value that is not a UUID is ignored with a warning.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:root:
 *
 * The host directory used as the sandbox's `/` (default `/`).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:arch:
 *
 * The guest architecture (default: the host's).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:kernrelease:
 *
 * The kernel release a virtual-machine sandbox boots, or %NULL for the default.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:kernpath:
 *
 * The kernel image a virtual-machine sandbox boots, or %NULL for the default.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:kmodpath:
 *
 * The kernel modules directory, or %NULL for `/lib/modules`.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:shell:
 *
 * Whether a root debug shell is offered on an extra console.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:privileged:
 *
 * Whether a command running as root (#GVirSandboxConfig:uid 0) keeps all its
 * capabilities. When %FALSE (the default) the command runs with no
 * capabilities and no_new_privs, whatever its user ID.
 *
 * Since: 0.9
 */
/**
 * GVirSandboxConfig:max-tasks:
 *
 * The most tasks (processes and threads) the sandbox may have at once
 * (default 4096); 0 means no limit of the sandbox's own. Forks beyond it
 * fail inside the sandbox.
 *
 * Since: 0.9
 */
/**
 * GVirSandboxConfig:memory:
 *
 * The sandbox's memory in KiB (default 524288, 512 MiB; at least 1024): a
 * virtual machine's RAM, a container's memory limit, and the size of its
 * private `/run`, `/tmp`, `/var/tmp` and `/dev/shm`.
 *
 * Since: 0.9
 */
/**
 * GVirSandboxConfig:cpus:
 *
 * The most CPUs' worth of time the sandbox may use, e.g. 1.5 for one and a
 * half CPUs (0.01 to 1024); 0 (the default) means no quota. A virtual
 * machine gets that many virtual CPUs, rounded up.
 *
 * Since: 0.9
 */
/**
 * GVirSandboxConfig:uid:
 *
 * The user ID the command runs as (default: the caller's).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:gid:
 *
 * The group ID the command runs as (default: the caller's).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:username:
 *
 * The user name of the command's user (default: the caller's).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:homedir:
 *
 * The home directory of the command's user (default: the caller's).
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:security-label:
 *
 * The security label (SELinux context or AppArmor profile), or %NULL.
 *
 * Since: 0.6.0
 */
/**
 * GVirSandboxConfig:security-dynamic:
 *
 * Whether libvirt allocates the security label dynamically.
 *
 * Since: 0.6.0
 */

/**
 * gvir_sandbox_config_get_name:
 * @config: a #GVirSandboxConfig
 *
 * Gets the sandbox name (the #GVirSandboxConfig:name property).
 *
 * Returns: (transfer none): the sandbox name
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_get_name(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_uuid:
 * @config: a #GVirSandboxConfig
 * @uuid: (nullable): the UUID: 32 hexadecimal digits, plain or in the
 *   8-4-4-4-12 form; %NULL to clear it
 *
 * Sets the UUID of the sandbox's domain. A string that is not a UUID is
 * refused with a critical warning and the UUID stays as it was.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_uuid(GVirSandboxConfig *config, const gchar *uuid);

/**
 * gvir_sandbox_config_get_uuid:
 * @config: a #GVirSandboxConfig
 *
 * Gets the UUID (the #GVirSandboxConfig:uuid property).
 *
 * Returns: (transfer none) (nullable): the UUID
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_get_uuid(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_root:
 * @config: a #GVirSandboxConfig
 * @hostdir: the host directory to use as the sandbox's `/`
 *
 * Sets the host directory to use as the sandbox's `/` (the
 * #GVirSandboxConfig:root property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_root(GVirSandboxConfig *config, const gchar *hostdir);

/**
 * gvir_sandbox_config_get_root:
 * @config: a #GVirSandboxConfig
 *
 * Gets the host directory used as the sandbox's `/` (the
 * #GVirSandboxConfig:root property).
 *
 * Returns: (transfer none): the host directory used as the sandbox's `/`
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_get_root(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_arch:
 * @config: a #GVirSandboxConfig
 * @arch: the architecture name (as `uname -m` prints it)
 *
 * Sets the architecture name (as `uname -m` prints it) (the
 * #GVirSandboxConfig:arch property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_arch(GVirSandboxConfig *config, const gchar *arch);

/**
 * gvir_sandbox_config_get_arch:
 * @config: a #GVirSandboxConfig
 *
 * Gets the architecture (the #GVirSandboxConfig:arch property).
 *
 * Returns: (transfer none): the architecture
 *
 * Since: 0.9
 */
const gchar *gvir_sandbox_config_get_arch(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_kernrelease:
 * @config: a #GVirSandboxConfig
 * @kernrelease: (nullable): the kernel release, or %NULL for the default
 *
 * Sets the kernel release, or %NULL for the default (the
 * #GVirSandboxConfig:kernrelease property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_kernrelease(GVirSandboxConfig *config, const gchar *kernrelease);

/**
 * gvir_sandbox_config_get_kernrelease:
 * @config: a #GVirSandboxConfig
 *
 * Gets the kernel release (the #GVirSandboxConfig:kernrelease property).
 *
 * Returns: (transfer none) (nullable): the kernel release
 *
 * Since: 0.9
 */
const gchar *gvir_sandbox_config_get_kernrelease(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_kernpath:
 * @config: a #GVirSandboxConfig
 * @kernpath: (nullable): the kernel image path, or %NULL for the default
 *
 * Sets the kernel image path, or %NULL for the default (the
 * #GVirSandboxConfig:kernpath property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_kernpath(GVirSandboxConfig *config, const gchar *kernpath);

/**
 * gvir_sandbox_config_get_kernpath:
 * @config: a #GVirSandboxConfig
 *
 * Gets the kernel image path (the #GVirSandboxConfig:kernpath property).
 *
 * Returns: (transfer none) (nullable): the kernel image path
 *
 * Since: 0.9
 */
const gchar *gvir_sandbox_config_get_kernpath(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_kmodpath:
 * @config: a #GVirSandboxConfig
 * @kmodpath: (nullable): the kernel modules directory, or %NULL for the default
 *
 * Sets the kernel modules directory, or %NULL for the default (the
 * #GVirSandboxConfig:kmodpath property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_kmodpath(GVirSandboxConfig *config, const gchar *kmodpath);

/**
 * gvir_sandbox_config_get_kmodpath:
 * @config: a #GVirSandboxConfig
 *
 * Gets the kernel modules directory (the #GVirSandboxConfig:kmodpath
 * property).
 *
 * Returns: (transfer none) (nullable): the kernel modules directory
 *
 * Since: 0.9
 */
const gchar *gvir_sandbox_config_get_kmodpath(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_privileged:
 * @config: a #GVirSandboxConfig
 * @privileged: whether the command keeps root's capabilities
 *
 * Sets whether the command keeps root's capabilities (the
 * #GVirSandboxConfig:privileged property).
 *
 * Since: 0.9
 */
void gvir_sandbox_config_set_privileged(GVirSandboxConfig *config, gboolean privileged);

/**
 * gvir_sandbox_config_get_privileged:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether the command keeps root's capabilities.
 *
 * Returns: whether the command keeps root's capabilities
 *
 * Since: 0.9
 */
gboolean gvir_sandbox_config_get_privileged(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_max_tasks:
 * @config: a #GVirSandboxConfig
 * @max_tasks: the most tasks the sandbox may have, or 0 for no limit
 *
 * Sets the most tasks the sandbox may have, or 0 for no limit (the
 * #GVirSandboxConfig:max-tasks property).
 *
 * Since: 0.9
 */
void gvir_sandbox_config_set_max_tasks(GVirSandboxConfig *config, guint max_tasks);

/**
 * gvir_sandbox_config_get_max_tasks:
 * @config: a #GVirSandboxConfig
 *
 * Gets the most tasks the sandbox may have, or 0 for no limit (the
 * #GVirSandboxConfig:max-tasks property).
 *
 * Returns: the most tasks the sandbox may have, or 0 for no limit
 *
 * Since: 0.9
 */
guint gvir_sandbox_config_get_max_tasks(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_memory:
 * @config: a #GVirSandboxConfig
 * @kib: the sandbox's memory in KiB, at least 1024
 *
 * Sets the sandbox's memory in KiB, at least 1024 (the
 * #GVirSandboxConfig:memory property).
 *
 * Since: 0.9
 */
void gvir_sandbox_config_set_memory(GVirSandboxConfig *config, guint64 kib);

/**
 * gvir_sandbox_config_get_memory:
 * @config: a #GVirSandboxConfig
 *
 * Gets the sandbox's memory in KiB (the #GVirSandboxConfig:memory property).
 *
 * Returns: the sandbox's memory in KiB
 *
 * Since: 0.9
 */
guint64 gvir_sandbox_config_get_memory(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_cpus:
 * @config: a #GVirSandboxConfig
 * @cpus: the most CPUs' worth of time the sandbox may use (0.01 to 1024),
 *   or 0 for no quota
 *
 * Sets the most CPUs' worth of time the sandbox may use (0.01 to 1024), or 0
 * for no quota (the #GVirSandboxConfig:cpus property).
 *
 * Since: 0.9
 */
void gvir_sandbox_config_set_cpus(GVirSandboxConfig *config, gdouble cpus);

/**
 * gvir_sandbox_config_get_cpus:
 * @config: a #GVirSandboxConfig
 *
 * Gets the CPU quota in CPUs, or 0 for none (the #GVirSandboxConfig:cpus
 * property).
 *
 * Returns: the CPU quota in CPUs, or 0 for none
 *
 * Since: 0.9
 */
gdouble gvir_sandbox_config_get_cpus(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_shell:
 * @config: a #GVirSandboxConfig
 * @shell: whether to offer a root debug shell
 *
 * Sets whether to offer a root debug shell (the #GVirSandboxConfig:shell
 * property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_shell(GVirSandboxConfig *config, gboolean shell);

/**
 * gvir_sandbox_config_get_shell:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether a root debug shell is offered.
 *
 * Returns: whether a root debug shell is offered
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_get_shell(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_userid:
 * @config: a #GVirSandboxConfig
 * @uid: the user ID
 *
 * Sets the user ID.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_userid(GVirSandboxConfig *config, guint uid);

/**
 * gvir_sandbox_config_get_userid:
 * @config: a #GVirSandboxConfig
 *
 * Gets the user ID the command runs as.
 *
 * Returns: the user ID the command runs as
 *
 * Since: 0.6.0
 */
guint gvir_sandbox_config_get_userid(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_groupid:
 * @config: a #GVirSandboxConfig
 * @gid: the group ID
 *
 * Sets the group ID.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_groupid(GVirSandboxConfig *config, guint gid);

/**
 * gvir_sandbox_config_get_groupid:
 * @config: a #GVirSandboxConfig
 *
 * Gets the group ID the command runs as.
 *
 * Returns: the group ID the command runs as
 *
 * Since: 0.6.0
 */
guint gvir_sandbox_config_get_groupid(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_username:
 * @config: a #GVirSandboxConfig
 * @username: the user name
 *
 * Sets the user name (the #GVirSandboxConfig:username property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_username(GVirSandboxConfig *config, const gchar *username);

/**
 * gvir_sandbox_config_get_username:
 * @config: a #GVirSandboxConfig
 *
 * Gets the user name (the #GVirSandboxConfig:username property).
 *
 * Returns: (transfer none): the user name
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_get_username(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_homedir:
 * @config: a #GVirSandboxConfig
 * @homedir: the home directory
 *
 * Sets the home directory (the #GVirSandboxConfig:homedir property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_homedir(GVirSandboxConfig *config, const gchar *homedir);

/**
 * gvir_sandbox_config_get_homedir:
 * @config: a #GVirSandboxConfig
 *
 * Gets the home directory (the #GVirSandboxConfig:homedir property).
 *
 * Returns: (transfer none): the home directory
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_get_homedir(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_security_label:
 * @config: a #GVirSandboxConfig
 * @label: (nullable): the security label, or %NULL
 *
 * Sets the security label, or %NULL (the #GVirSandboxConfig:security-label
 * property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_security_label(GVirSandboxConfig *config, const gchar *label);

/**
 * gvir_sandbox_config_get_security_label:
 * @config: a #GVirSandboxConfig
 *
 * Gets the security label (the #GVirSandboxConfig:security-label property).
 *
 * Returns: (transfer none) (nullable): the security label
 *
 * Since: 0.6.0
 */
const gchar *gvir_sandbox_config_get_security_label(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_security_dynamic:
 * @config: a #GVirSandboxConfig
 * @dynamic: whether the label is allocated dynamically
 *
 * Sets whether the label is allocated dynamically (the
 * #GVirSandboxConfig:security-dynamic property).
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_security_dynamic(GVirSandboxConfig *config, gboolean dynamic);

/**
 * gvir_sandbox_config_get_security_dynamic:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether the label is allocated dynamically.
 *
 * Returns: whether the label is allocated dynamically
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_get_security_dynamic(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_security_opts:
 * @config: a #GVirSandboxConfig
 * @optstr: `dynamic`, `static,label=LABEL` or `inherit`
 * @error: return location for a #GError, or %NULL
 *
 * Sets the security label and mode from an option string; `label=` takes
 * the rest of the string, commas included.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%GVIR_SANDBOX_ERROR_INVALID_SECURITY)
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_set_security_opts(GVirSandboxConfig *config, const gchar *optstr, GError **error);

/**
 * gvir_sandbox_config_set_debug:
 * @config: a #GVirSandboxConfig
 * @debug: whether the guest init prints debug messages
 *
 * Sets whether the guest init prints debug messages.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_debug(GVirSandboxConfig *config, gboolean debug);

/**
 * gvir_sandbox_config_get_debug:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether the guest init prints debug messages.
 *
 * Returns: whether the guest init prints debug messages
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_get_debug(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_set_verbose:
 * @config: a #GVirSandboxConfig
 * @verbose: whether the guest init is verbose
 *
 * Sets whether the guest init is verbose.
 *
 * Since: 0.6.0
 */
void gvir_sandbox_config_set_verbose(GVirSandboxConfig *config, gboolean verbose);

/**
 * gvir_sandbox_config_get_verbose:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether the guest init is verbose.
 *
 * Returns: whether the guest init is verbose
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_get_verbose(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_add_env:
 * @config: a #GVirSandboxConfig
 * @key: the variable name
 * @value: the value
 *
 * Sets an environment variable of the sandboxed command, replacing an
 * earlier value of the same variable.
 *
 * Since: 0.6.1
 */
void gvir_sandbox_config_add_env(GVirSandboxConfig *config, const gchar *key, const gchar *value);

/**
 * gvir_sandbox_config_get_envs:
 * @config: a #GVirSandboxConfig
 *
 * Gets the environment variables set for the command.
 *
 * Returns: (transfer full) (element-type utf8 utf8): a new table of the environment
 *
 * Since: 0.9
 */
GHashTable *gvir_sandbox_config_get_envs(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_add_env_opts:
 * @config: a #GVirSandboxConfig
 * @env: a `KEY=VALUE` string
 * @error: return location for a #GError, or %NULL
 *
 * Parses an environment entry `KEY=VALUE` and sets it for the command.
 *
 * Returns: %TRUE on success, %FALSE with @error set (%GVIR_SANDBOX_ERROR_INVALID_ENV)
 *
 * Since: 0.6.1
 */
gboolean gvir_sandbox_config_add_env_opts(GVirSandboxConfig *config, const gchar *env, GError **error);

/**
 * gvir_sandbox_config_add_env_strv:
 * @config: a #GVirSandboxConfig
 * @envs: (array zero-terminated=1) (transfer none): `KEY=VALUE` strings
 * @error: return location for a #GError, or %NULL
 *
 * Adds each entry; stops at the first invalid one (earlier ones stay added).
 *
 * Returns: %TRUE on success, %FALSE with @error set (%GVIR_SANDBOX_ERROR_INVALID_ENV)
 *
 * Since: 0.6.1
 */
gboolean gvir_sandbox_config_add_env_strv(GVirSandboxConfig *config, gchar **envs, GError **error);

/**
 * gvir_sandbox_config_has_envs:
 * @config: a #GVirSandboxConfig
 *
 * Tells whether any environment variable is set for the command.
 *
 * Returns: whether any environment variable is set
 *
 * Since: 0.6.1
 */
gboolean gvir_sandbox_config_has_envs(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_get_command: (virtual get_command)
 * @config: a #GVirSandboxConfig
 *
 * Gets the command line the sandbox runs, from the class's get_command
 * virtual method.
 *
 * Returns: (transfer full) (array zero-terminated=1): the command line the sandbox runs
 *
 * Since: 0.6.0
 */
gchar **gvir_sandbox_config_get_command(GVirSandboxConfig *config);

/**
 * gvir_sandbox_config_load_from_path:
 * @path: the config file to read
 * @error: return location for a #GError, or %NULL
 *
 * Loads a config saved by gvir_sandbox_config_save_to_path() (by this library
 * or the original C one); the file decides the subclass.
 *
 * Returns: (transfer full): the config, or %NULL with @error set
 *
 * Since: 0.6.0
 */
GVirSandboxConfig *gvir_sandbox_config_load_from_path(const gchar *path, GError **error);

/**
 * gvir_sandbox_config_load_from_data:
 * @data: the key-file text
 * @error: return location for a #GError, or %NULL
 *
 * Creates a config from the key-file text @data, as saved by
 * gvir_sandbox_config_save_to_data(); the class of the config (interactive,
 * generic or systemd service) is the one the text names.
 *
 * Returns: (transfer full): the config, or %NULL with @error set
 *
 * Since: 0.6.0
 */
GVirSandboxConfig *gvir_sandbox_config_load_from_data(const gchar *data, GError **error);

/**
 * gvir_sandbox_config_save_to_path:
 * @config: a #GVirSandboxConfig
 * @path: the file to create; an existing file is never overwritten
 * @error: return location for a #GError, or %NULL
 *
 * Saves @config as a key file at @path, which must not exist yet; nothing is
 * left at @path if writing fails.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 0.6.0
 */
gboolean gvir_sandbox_config_save_to_path(GVirSandboxConfig *config, const gchar *path, GError **error);

/**
 * gvir_sandbox_config_save_to_data:
 * @config: a #GVirSandboxConfig
 * @error: return location for a #GError, or %NULL
 *
 * Saves @config as key-file text, as gvir_sandbox_config_load_from_data()
 * reads it.
 *
 * Returns: (transfer full): the key-file text, or %NULL with @error set
 *
 * Since: 0.6.0
 */
gchar *gvir_sandbox_config_save_to_data(GVirSandboxConfig *config, GError **error);

G_END_DECLS
