// SPDX-License-Identifier: LGPL-2.1-or-later
//! Saving and loading configs in the original's key-file format (spec §2).
//!
//! Group and key order follow the original byte for byte, so files written by
//! either implementation load in the other and `save(load(save(cfg)))` equals
//! `save(cfg)`.

use std::io::Write;

use glib::prelude::*;
use glib::subclass::prelude::*;

use super::{Config, imp};
use crate::error::{SandboxError, error};

/// Version written to `[api] version` (informational; never checked on load).
pub const FORMAT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Highest index scanned for indexed groups (`mount.N`, `env.N`, `disk.N`, `argv.N`).
pub(crate) const MAX_ENTRIES: usize = 1024;

fn invalid(message: String) -> crate::Error {
    error(SandboxError::InvalidConfig, message)
}

fn is_missing(e: &glib::Error) -> bool {
    e.matches(glib::KeyFileError::KeyNotFound) || e.matches(glib::KeyFileError::GroupNotFound)
}

/// Reads an optional string key; a missing group or key is `None`.
pub(crate) fn optional_string(
    kf: &glib::KeyFile,
    group: &str,
    key: &str,
) -> crate::Result<Option<String>> {
    match kf.string(group, key) {
        Ok(v) => Ok(Some(v.to_string())),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(invalid(format!("invalid value of [{group}] {key}: {e}"))),
    }
}

/// Reads a required string key.
pub(crate) fn required_string(kf: &glib::KeyFile, group: &str, key: &str) -> crate::Result<String> {
    optional_string(kf, group, key)?
        .ok_or_else(|| invalid(format!("missing key '{key}' in group [{group}]")))
}

/// Reads an optional boolean key.
pub(crate) fn optional_bool(
    kf: &glib::KeyFile,
    group: &str,
    key: &str,
) -> crate::Result<Option<bool>> {
    match kf.boolean(group, key) {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(invalid(format!(
            "invalid value of [{group}] {key}: {e} (expected true or false)"
        ))),
    }
}

/// Reads an optional unsigned key, checked against `max`.
pub(crate) fn optional_u64(
    kf: &glib::KeyFile,
    group: &str,
    key: &str,
    max: u64,
) -> crate::Result<Option<u64>> {
    match kf.uint64(group, key) {
        Ok(v) if v <= max => Ok(Some(v)),
        Ok(v) => Err(invalid(format!(
            "invalid value of [{group}] {key}: {v} is larger than {max}"
        ))),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(invalid(format!(
            "invalid value of [{group}] {key}: {e} (expected an unsigned number)"
        ))),
    }
}

/// Reads an optional floating-point key.
pub(crate) fn optional_double(
    kf: &glib::KeyFile,
    group: &str,
    key: &str,
) -> crate::Result<Option<f64>> {
    match kf.double(group, key) {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(v) => Err(invalid(format!(
            "invalid value of [{group}] {key}: {v} (expected a number)"
        ))),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(invalid(format!(
            "invalid value of [{group}] {key}: {e} (expected a number)"
        ))),
    }
}

/// Writes `[command] argv.N`.
pub(crate) fn save_command(kf: &glib::KeyFile, argv: &[String]) {
    for (i, arg) in argv.iter().enumerate() {
        kf.set_string("command", &format!("argv.{i}"), arg);
    }
}

/// Reads `[command] argv.0..` up to the first missing key; the group must exist
/// and hold at least `argv.0`.
pub(crate) fn load_command(kf: &glib::KeyFile) -> crate::Result<Vec<String>> {
    if !kf.has_group("command") {
        return Err(invalid(
            "missing group [command] (the sandbox's command line)".into(),
        ));
    }
    let mut argv = Vec::new();
    for i in 0..MAX_ENTRIES {
        match optional_string(kf, "command", &format!("argv.{i}"))? {
            Some(arg) => argv.push(arg),
            None => break,
        }
    }
    if argv.is_empty() {
        return Err(invalid(
            "group [command] has no argv.0 (the program to run)".into(),
        ));
    }
    // A key past a gap (argv.99999999) or of another name would be dropped
    // without a word.
    let keys = kf.keys("command").map_err(|e| invalid(e.to_string()))?;
    if let Some(stray) = keys
        .iter()
        .find(|key| !(0..argv.len()).any(|i| key.as_str() == format!("argv.{i}")))
    {
        return Err(invalid(format!(
            "unexpected key [command] {} (the arguments are argv.0, argv.1, ... without gaps; \
             {} found)",
            super::validate::shown(stray),
            argv.len()
        )));
    }
    Ok(argv)
}

impl Config {
    /// Serializes the config into a new key file.
    pub fn to_keyfile(&self) -> glib::KeyFile {
        let kf = glib::KeyFile::new();
        let p = self.imp();
        kf.set_string("api", "class", self.type_().name());
        kf.set_string("api", "version", FORMAT_VERSION);

        let set_opt = |group: &str, key: &str, v: Option<String>| {
            if let Some(v) = v {
                kf.set_string(group, key, &v);
            }
        };
        kf.set_string("core", "name", &p.name.get().unwrap_or_default());
        set_opt("core", "uuid", p.uuid.get());
        kf.set_string("core", "root", &p.root.get().unwrap_or_default());
        kf.set_string("core", "arch", &p.arch.get().unwrap_or_default());
        set_opt("core", "kernrelease", p.kernrelease.get());
        set_opt("core", "kernpath", p.kernpath.get());
        set_opt("core", "kmodpath", p.kmodpath.get());
        // Extensions, written only when set (files stay as the original wrote them).
        if p.filesystem_backend.get() != super::FilesystemBackend::Auto {
            kf.set_string(
                "core",
                "filesystem-backend",
                p.filesystem_backend.get().nick(),
            );
        }
        set_opt("core", "virtiofsd", p.virtiofsd.get());
        kf.set_boolean("core", "shell", p.shell.get());
        // An extension, written only when set so that files stay as the
        // original wrote them.
        if p.privileged.get() {
            kf.set_boolean("core", "privileged", true);
        }

        kf.set_uint64("identity", "uid", p.uid.get().into());
        kf.set_uint64("identity", "gid", p.gid.get().into());
        kf.set_string(
            "identity",
            "username",
            &p.username.get().unwrap_or_default(),
        );
        kf.set_string("identity", "homedir", &p.homedir.get().unwrap_or_default());

        super::mount::save_keyfile(&kf, &p.mounts.borrow());

        for (i, (key, value)) in p.env.borrow().iter().enumerate() {
            let group = format!("env.{i}");
            kf.set_string(&group, "key", key);
            kf.set_string(&group, "value", value);
        }

        super::disk::save_keyfile(&kf, &p.disks.borrow());
        super::network::save_keyfile(&kf, &p.networks.borrow());

        set_opt("security", "label", p.security_label.get());
        kf.set_boolean("security", "dynamic", p.security_dynamic.get());

        // Extensions, written only when they differ from the defaults so
        // that files stay as the original wrote them.
        if p.max_tasks.get() != super::DEFAULT_MAX_TASKS {
            kf.set_uint64("limits", "max-tasks", p.max_tasks.get().into());
        }
        if p.memory.get() != super::DEFAULT_MEMORY_KIB {
            kf.set_uint64("limits", "memory", p.memory.get());
        }
        if p.cpus.get() != 0.0 {
            kf.set_double("limits", "cpus", p.cpus.get());
        }

        kf.set_boolean("core", "debug", p.debug.get());
        kf.set_boolean("core", "verbose", p.verbose.get());

        imp::invoke_save_config(self, &kf);
        kf
    }

    /// Serializes the config to the key-file text.
    pub fn save_to_data(&self) -> String {
        self.to_keyfile().to_data().to_string()
    }

    /// [`save_to_data`](Self::save_to_data) without the environment (its
    /// values may be secrets): the copy kept beside a running sandbox.
    pub(crate) fn save_to_data_without_env(&self) -> String {
        let kf = self.to_keyfile();
        for i in 0..self.imp().env.borrow().len() {
            let _ = kf.remove_group(&format!("env.{i}"));
        }
        kf.to_data().to_string()
    }

    /// Writes the config to a new file at `path`. Like the original, an existing
    /// file is never overwritten; a partially written file is removed.
    pub fn save_to_path(&self, path: &std::path::Path) -> crate::Result<()> {
        let data = self.save_to_data();
        let io_error = |what: &str, e: std::io::Error| {
            error(
                SandboxError::Io,
                format!("cannot {what} config file '{}': {e}", path.display()),
            )
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| io_error("create", e))?;
        if let Err(e) = file
            .write_all(data.as_bytes())
            .and_then(|()| file.sync_all())
        {
            let _ = std::fs::remove_file(path);
            return Err(io_error("write", e));
        }
        Ok(())
    }

    /// Loads a config from key-file text; the `[api] class` decides the subclass.
    pub fn load_from_data(data: &str) -> crate::Result<Config> {
        // GLib reads C strings: a NUL would cut the text short.
        if let Some(at) = data.find('\0') {
            return Err(invalid(format!(
                "not a libvirt-sandbox config file: it contains a NUL byte (at byte {at})"
            )));
        }
        let kf = glib::KeyFile::new();
        kf.load_from_data(data, glib::KeyFileFlags::NONE)
            .map_err(|e| invalid(format!("not a libvirt-sandbox config file: {e}")))?;
        Self::from_keyfile(&kf)
    }

    /// Loads a config from the file at `path`.
    pub fn load_from_path(path: &std::path::Path) -> crate::Result<Config> {
        let data = std::fs::read_to_string(path).map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot read config file '{}': {e}", path.display()),
            )
        })?;
        Self::load_from_data(&data).map_err(|e| {
            glib::Error::new(
                SandboxError::InvalidConfig,
                &format!("{}: {}", path.display(), e.message()),
            )
        })
    }

    /// Builds a config from a parsed key file.
    pub fn from_keyfile(kf: &glib::KeyFile) -> crate::Result<Config> {
        super::ensure_types();
        let class = optional_string(kf, "api", "class")?
            .ok_or_else(|| invalid("missing class name ([api] class) in config file".into()))?;
        let gtype = glib::Type::from_name(&class)
            .filter(|t| t.is_a(Config::static_type()) && !crate::util::type_is_abstract(*t))
            .ok_or_else(|| {
                invalid(format!(
                    "unknown config class '{class}' in [api] class (expected \
                     GVirSandboxConfigInteractive, GVirSandboxConfigServiceGeneric or \
                     GVirSandboxConfigServiceSystemd)"
                ))
            })?;
        let config: Config = glib::Object::with_type(gtype)
            .downcast()
            .expect("checked to be a GVirSandboxConfig subtype");
        config.load_base(kf)?;
        imp::invoke_load_config(&config, kf)?;
        // The same rules as every other way into a config.
        super::validate::check(&config).map_err(|e| invalid(e.message().to_owned()))?;
        Ok(config)
    }

    fn load_base(&self, kf: &glib::KeyFile) -> crate::Result<()> {
        let p = self.imp();
        if let Some(v) = optional_string(kf, "core", "name")? {
            p.name.set(Some(&v));
        }
        if let Some(v) = optional_string(kf, "core", "uuid")? {
            super::check_uuid(&v)
                .map_err(|e| invalid(format!("invalid value of [core] uuid: {}", e.message())))?;
            p.uuid.set(Some(&v));
        }
        for (key, field) in [
            ("root", &p.root),
            ("arch", &p.arch),
            ("kernrelease", &p.kernrelease),
            ("kernpath", &p.kernpath),
            ("kmodpath", &p.kmodpath),
            ("virtiofsd", &p.virtiofsd),
        ] {
            if let Some(v) = optional_string(kf, "core", key)? {
                field.set(Some(&v));
            }
        }
        if let Some(v) = optional_string(kf, "core", "filesystem-backend")? {
            let backend = super::FilesystemBackend::from_nick(&v).ok_or_else(|| {
                invalid(format!(
                    "invalid value of [core] filesystem-backend: '{v}' (auto, p9 or virtiofs)"
                ))
            })?;
            p.filesystem_backend.set(backend);
        }
        if let Some(v) = optional_bool(kf, "core", "shell")? {
            p.shell.set(v);
        }
        if let Some(v) = optional_bool(kf, "core", "privileged")? {
            p.privileged.set(v);
        }
        if let Some(v) = optional_bool(kf, "core", "debug")? {
            p.debug.set(v);
        }
        if let Some(v) = optional_bool(kf, "core", "verbose")? {
            p.verbose.set(v);
        }
        let max_id = u64::from(u32::MAX);
        if let Some(v) = optional_u64(kf, "identity", "uid", max_id)? {
            p.uid.set(v as u32);
        }
        if let Some(v) = optional_u64(kf, "identity", "gid", max_id)? {
            p.gid.set(v as u32);
        }
        if let Some(v) = optional_string(kf, "identity", "username")? {
            p.username.set(Some(&v));
        }
        if let Some(v) = optional_string(kf, "identity", "homedir")? {
            p.homedir.set(Some(&v));
        }
        // As the original: a missing label means "no label".
        p.security_label
            .set(optional_string(kf, "security", "label")?.as_deref());
        if let Some(v) = optional_bool(kf, "security", "dynamic")? {
            p.security_dynamic.set(v);
        }

        if let Some(v) = optional_u64(kf, "limits", "max-tasks", max_id)? {
            p.max_tasks.set(v as u32);
        }
        if let Some(v) = optional_u64(kf, "limits", "memory", u64::MAX)? {
            if v < super::MIN_MEMORY_KIB {
                return Err(invalid(format!(
                    "invalid value of [limits] memory: {v} KiB is less than the least, {} KiB",
                    super::MIN_MEMORY_KIB
                )));
            }
            p.memory.set(v);
        }
        if let Some(v) = optional_double(kf, "limits", "cpus")? {
            if v != 0.0 && !(super::MIN_CPUS..=super::MAX_CPUS).contains(&v) {
                return Err(invalid(format!(
                    "invalid value of [limits] cpus: {v} (expected 0 for no quota, or {} to {})",
                    super::MIN_CPUS,
                    super::MAX_CPUS
                )));
            }
            p.cpus.set(v);
        }

        let mut env = Vec::new();
        for i in 0..MAX_ENTRIES {
            let group = format!("env.{i}");
            if !kf.has_group(&group) {
                continue; // gaps are allowed, as in the original
            }
            env.push((
                required_string(kf, &group, "key")?,
                required_string(kf, &group, "value")?,
            ));
        }
        *p.env.borrow_mut() = env;

        *p.mounts.borrow_mut() = super::mount::load_keyfile(kf)?;
        *p.disks.borrow_mut() = super::disk::load_keyfile(kf)?;
        *p.networks.borrow_mut() = super::network::load_keyfile(kf)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigInteractive, ConfigServiceSystemd};

    fn fixture(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The original writes its own package version; ours differs by design.
    fn with_our_version(data: &str) -> String {
        data.replace("version=0.8.0", &format!("version={FORMAT_VERSION}"))
    }

    fn load_error(data: &str) -> String {
        match Config::load_from_data(data) {
            Ok(c) => panic!("loaded {} from bad data", c.class_name()),
            Err(e) => {
                assert!(e.matches(SandboxError::InvalidConfig), "{e}");
                e.message().to_owned()
            }
        }
    }

    #[test]
    fn the_filesystem_backend_and_virtiofsd_round_trip() {
        use crate::config::FilesystemBackend;
        let config = ConfigInteractive::new("fs");
        let base: &Config = config.upcast_ref();
        let plain = base.save_to_data();
        assert!(!plain.contains("filesystem-backend") && !plain.contains("virtiofsd"));
        base.set_filesystem_backend(FilesystemBackend::P9);
        base.set_virtiofsd(Some("/opt/virtiofsd"));
        let data = base.save_to_data();
        assert!(data.contains("filesystem-backend=p9"), "{data}");
        let loaded = Config::load_from_data(&data).unwrap();
        assert_eq!(loaded.filesystem_backend(), FilesystemBackend::P9);
        assert_eq!(loaded.virtiofsd().as_deref(), Some("/opt/virtiofsd"));
        let bad = data.replace("filesystem-backend=p9", "filesystem-backend=nfs");
        assert!(load_error(&bad).contains("filesystem-backend"));
    }

    #[test]
    fn original_fixture_loads_every_field() {
        let config = Config::load_from_data(&fixture("original-full.cfg")).unwrap();
        let interactive = config
            .downcast_ref::<ConfigInteractive>()
            .expect("interactive");
        assert!(interactive.tty());
        assert_eq!(config.name().as_deref(), Some("demo"));
        assert_eq!(
            config.uuid().as_deref(),
            Some("4dea22b3-1d52-d8f3-2516-782e98a23fa0")
        );
        assert_eq!(config.kernrelease().as_deref(), Some("6.1.0-56-amd64"));
        assert_eq!(config.kernpath(), None);
        assert!(config.shell() && config.debug() && !config.verbose());
        assert_eq!((config.userid(), config.groupid()), (1000, 1000));
        assert_eq!(config.username().as_deref(), Some("alice"));
        assert_eq!(config.homedir().as_deref(), Some("/home/alice"));
        assert_eq!(
            config.security_label().as_deref(),
            Some("system_u:system_r:svirt_t:s0:c1,c2")
        );
        assert!(!config.security_dynamic());
        assert_eq!(config.command(), ["/bin/sh", "-c", "echo hello"]);
        assert_eq!(
            config.envs(),
            [
                ("LANG".to_owned(), "C.UTF-8".to_owned()),
                ("GREETING".to_owned(), "hello world".to_owned())
            ]
        );

        let mounts = config.mounts();
        let classes: Vec<_> = mounts.iter().map(|m| m.class_name()).collect();
        assert_eq!(
            classes,
            [
                "GVirSandboxConfigMountHostBind",
                "GVirSandboxConfigMountHostImage",
                "GVirSandboxConfigMountGuestBind",
                "GVirSandboxConfigMountRam"
            ]
        );
        assert_eq!(
            mounts[0].includes(),
            [("notes/hosts".to_owned(), "/etc/hosts".to_owned())]
        );

        let disks = config.disks();
        assert_eq!(disks.len(), 1);
        assert_eq!(disks[0].tag().as_deref(), Some("data"));

        let networks = config.networks();
        assert_eq!(networks.len(), 2);
        assert!(!networks[0].dhcp() && networks[1].dhcp());
        assert_eq!(networks[0].source().as_deref(), Some("default"));
        assert_eq!(networks[0].mac().as_deref(), Some("52:54:00:12:34:56"));
        assert_eq!(networks[0].addresses().len(), 1);
        assert_eq!(networks[0].routes().len(), 1);
    }

    #[test]
    fn original_fixtures_round_trip_byte_for_byte() {
        for name in ["original-full.cfg", "original-interactive.cfg"] {
            let original = fixture(name);
            let saved = Config::load_from_data(&original).unwrap().save_to_data();
            assert_eq!(saved, with_our_version(&original), "{name}");
            let again = Config::load_from_data(&saved).unwrap().save_to_data();
            assert_eq!(again, saved, "{name}: second round trip");
        }
    }

    #[test]
    fn the_state_copy_has_no_environment() {
        let config = ConfigInteractive::new("e");
        config.set_command(&["/bin/true"]);
        let base: &Config = config.upcast_ref();
        base.add_env("PASSWORD", "hunter2");
        base.add_env("TOKEN", "t0k");
        assert!(base.save_to_data().contains("hunter2"));
        let saved = base.save_to_data_without_env();
        assert!(
            !saved.contains("hunter2") && !saved.contains("t0k"),
            "{saved}"
        );
        assert!(!saved.contains("[env."), "{saved}");
        let loaded = Config::load_from_data(&saved).unwrap();
        assert!(loaded.envs().is_empty());
        assert_eq!(loaded.command(), ["/bin/true"]);
    }

    #[test]
    fn privileged_is_saved_only_when_set() {
        let config = ConfigInteractive::new("p");
        config.set_command(&["/bin/true"]);
        let base: &Config = config.upcast_ref();
        assert!(!base.save_to_data().contains("privileged"));
        base.set_privileged(true);
        let saved = base.save_to_data();
        assert!(saved.contains("privileged=true"));
        assert!(Config::load_from_data(&saved).unwrap().privileged());
    }

    #[test]
    fn limits_are_saved_only_when_set() {
        let config = ConfigInteractive::new("l");
        config.set_command(&["/bin/true"]);
        let base: &Config = config.upcast_ref();
        assert!(!base.save_to_data().contains("[limits]"));
        base.set_max_tasks(100);
        base.set_memory(256 * 1024);
        base.set_cpus(1.5);
        let saved = base.save_to_data();
        assert!(
            saved.contains("[limits]\nmax-tasks=100\nmemory=262144\ncpus=1.5\n"),
            "{saved}"
        );
        let loaded = Config::load_from_data(&saved).unwrap();
        assert_eq!(
            (loaded.max_tasks(), loaded.memory(), loaded.cpus()),
            (100, 256 * 1024, 1.5)
        );
        assert_eq!(loaded.save_to_data(), saved);
        base.set_max_tasks(0);
        let unlimited = Config::load_from_data(&base.save_to_data()).unwrap();
        assert_eq!(unlimited.max_tasks(), 0);

        let file = |limits: &str| {
            format!(
                "[api]\nclass=GVirSandboxConfigInteractive\n[limits]\n{limits}\n\
                 [command]\nargv.0=/bin/true\n"
            )
        };
        assert!(load_error(&file("memory=12")).contains("[limits] memory"));
        assert!(load_error(&file("cpus=-2")).contains("[limits] cpus"));
        assert!(load_error(&file("cpus=lots")).contains("[limits] cpus"));
        assert!(load_error(&file("max-tasks=-1")).contains("[limits] max-tasks"));
    }

    #[test]
    fn systemd_round_trip_keeps_the_boot_target() {
        let config = ConfigServiceSystemd::new("svc");
        config.set_boot_target("multi-user.target");
        let saved = config.upcast_ref::<Config>().save_to_data();
        let loaded = Config::load_from_data(&saved).unwrap();
        let loaded = loaded
            .downcast::<ConfigServiceSystemd>()
            .expect("systemd class");
        assert_eq!(loaded.boot_target().as_deref(), Some("multi-user.target"));
        assert_eq!(loaded.upcast_ref::<Config>().save_to_data(), saved);
    }

    #[test]
    fn bad_files_are_rejected_with_the_reason() {
        assert!(load_error("not a key file").contains("not a libvirt-sandbox config file"));
        assert!(load_error("[core]\nname=x\n").contains("[api] class"));
        assert!(load_error("[api]\nclass=GObject\n").contains("unknown config class 'GObject'"));
        assert!(
            load_error("[api]\nclass=GVirSandboxConfig\n").contains("unknown config class"),
            "abstract classes cannot be loaded"
        );
        let no_command = "[api]\nclass=GVirSandboxConfigInteractive\n";
        assert!(load_error(no_command).contains("[command]"));
        let bad_uid = "[api]\nclass=GVirSandboxConfigInteractive\n[identity]\nuid=-4\n\
                       [command]\nargv.0=/bin/true\n";
        assert!(load_error(bad_uid).contains("uid"));
        let bad_mount = "[api]\nclass=GVirSandboxConfigInteractive\n[mount.0]\ntype=Nope\n\
                         target=/t\nsource=/s\n[command]\nargv.0=/bin/true\n";
        assert!(load_error(bad_mount).contains("unknown mount type 'Nope'"));
    }

    #[test]
    fn save_to_path_never_overwrites() {
        let dir = std::env::temp_dir().join(format!("sandbox-keyfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("demo.cfg");
        let _ = std::fs::remove_file(&path);
        let config = ConfigInteractive::new("demo");
        config.set_command(&["/bin/true"]);
        let base: &Config = config.upcast_ref();
        base.save_to_path(&path).unwrap();
        let err = base.save_to_path(&path).unwrap_err();
        assert!(err.matches(SandboxError::Io), "{err}");
        assert!(err.message().contains(&path.display().to_string()), "{err}");
        let loaded = Config::load_from_path(&path).unwrap();
        assert_eq!(loaded.command(), ["/bin/true"]);
        let missing = Config::load_from_path(&dir.join("missing.cfg")).unwrap_err();
        assert!(missing.matches(SandboxError::Io), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
