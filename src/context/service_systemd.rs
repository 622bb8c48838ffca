// SPDX-License-Identifier: LGPL-2.1-or-later
//! systemd as a service sandbox's init (`GVirSandboxConfigServiceSystemd`,
//! LXC): the units it may start and the directories they declare.
//!
//! Nothing is guessed: the sandbox's systemd reads units from one
//! directory only (`SYSTEMD_UNIT_PATH=/etc/systemd/system`, which is the
//! service's own, in its data), holding the chosen host units (copied with
//! their drop-ins), a boot target that wants exactly them, and links to the
//! few stock units systemd needs to boot and halt (their `.wants`
//! directories are not there: no unit the host enabled, and no vendor
//! unit, starts inside). The directories the chosen units declare
//! (`StateDirectory=`, `CacheDirectory=`, `LogsDirectory=`,
//! `ConfigurationDirectory=`) become private writable binds of
//! directories in the service's data; `RuntimeDirectory=` lies in the
//! sandbox's private `/run` already. The rest of the root is the host's,
//! read-only.

use super::io_error;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{SandboxError, error};

/// Where the sandbox's systemd finds its units (inside), its
/// `SYSTEMD_UNIT_PATH`: the only unit directory it reads.
pub const UNIT_PATH: &str = "/etc/systemd/system";

/// The host's unit directories, highest priority first (systemd's order
/// for the system manager).
const HOST_UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// Where the stock units come from (the vendor's directory).
const VENDOR_DIRS: &[&str] = &["/usr/lib/systemd/system", "/lib/systemd/system"];

/// Stock units systemd needs to boot, to halt and to exit in a container,
/// and the targets units commonly order themselves against: linked from
/// the vendor's directory, without their `.wants` (so they pull in
/// nothing).
const STOCK_UNITS: &[&str] = &[
    "basic.target",
    "sysinit.target",
    "sockets.target",
    "paths.target",
    "timers.target",
    "slices.target",
    "local-fs-pre.target",
    "local-fs.target",
    "swap.target",
    "network-pre.target",
    "network.target",
    "network-online.target",
    "nss-lookup.target",
    "remote-fs.target",
    "time-sync.target",
    "multi-user.target",
    "emergency.target",
    "rescue.target",
    "shutdown.target",
    "umount.target",
    "final.target",
    "halt.target",
    "poweroff.target",
    "reboot.target",
    "exit.target",
    "systemd-halt.service",
    "systemd-poweroff.service",
    "systemd-reboot.service",
    "systemd-exit.service",
];

/// `system.slice`, where services go: systemd 252 has no stock file of it.
const SYSTEM_SLICE: &str = "[Unit]\nDescription=System Slice\nDefaultDependencies=no\n\
                            Before=slices.target\n";

/// The kinds of directories a unit declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirKind {
    State,
    Runtime,
    Cache,
    Logs,
    Configuration,
}

impl DirKind {
    const ALL: [Self; 5] = [
        Self::State,
        Self::Runtime,
        Self::Cache,
        Self::Logs,
        Self::Configuration,
    ];

    /// The unit file's key.
    pub fn key(self) -> &'static str {
        match self {
            Self::State => "StateDirectory",
            Self::Runtime => "RuntimeDirectory",
            Self::Cache => "CacheDirectory",
            Self::Logs => "LogsDirectory",
            Self::Configuration => "ConfigurationDirectory",
        }
    }

    /// Where systemd makes them (system manager).
    pub fn base(self) -> &'static str {
        match self {
            Self::State => "/var/lib",
            Self::Runtime => "/run",
            Self::Cache => "/var/cache",
            Self::Logs => "/var/log",
            Self::Configuration => "/etc",
        }
    }
}

/// One directory a unit declares: its kind and its absolute path inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredDir {
    pub kind: DirKind,
    pub path: String,
}

impl DeclaredDir {
    /// Whether it must be a private writable directory kept in the data
    /// (a runtime directory lies in the private `/run`, gone at stop, as
    /// on the host).
    pub fn is_kept(&self) -> bool {
        self.kind != DirKind::Runtime
    }
}

/// The directories declared in the `[Service]` sections of `texts` (a unit
/// file, then its drop-ins, in the order systemd reads them): each key is a
/// list of relative paths separated by white space (`NAME:LINK` keeps
/// NAME), added to by every assignment and emptied by an empty one, as
/// systemd does. `unit` names the unit in errors.
pub fn declared_dirs(unit: &str, texts: &[String]) -> crate::Result<Vec<DeclaredDir>> {
    let mut lists: Vec<(DirKind, Vec<String>)> =
        DirKind::ALL.iter().map(|k| (*k, Vec::new())).collect();
    for text in texts {
        let mut in_service = false;
        // Continuation lines (a trailing backslash) are joined first.
        let mut logical = Vec::new();
        let mut pending = String::new();
        for line in text.lines() {
            if let Some(head) = line.strip_suffix('\\') {
                pending.push_str(head);
                pending.push(' ');
                continue;
            }
            pending.push_str(line);
            logical.push(std::mem::take(&mut pending));
        }
        if !pending.is_empty() {
            logical.push(pending);
        }
        for line in logical {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if line.starts_with('[') {
                in_service = line == "[Service]";
                continue;
            }
            if !in_service {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim();
            let Some((kind, list)) = lists.iter_mut().find(|(k, _)| k.key() == key) else {
                continue;
            };
            let value = value.trim();
            if value.is_empty() {
                list.clear();
                continue;
            }
            for word in value.split_whitespace() {
                let name = word.split(':').next().unwrap_or(word);
                check_relative(unit, *kind, name)?;
                if !list.iter().any(|n| n == name) {
                    list.push(name.to_owned());
                }
            }
        }
    }
    Ok(lists
        .into_iter()
        .flat_map(|(kind, names)| {
            names.into_iter().map(move |n| DeclaredDir {
                kind,
                path: format!("{}/{}", kind.base(), n.trim_end_matches('/')),
            })
        })
        .collect())
}

/// systemd takes only relative paths below the kind's base, without `..`.
fn check_relative(unit: &str, kind: DirKind, name: &str) -> crate::Result<()> {
    let bad =
        name.is_empty() || name.starts_with('/') || name.split('/').any(|c| c == ".." || c == ".");
    if bad {
        return Err(error(
            SandboxError::InvalidConfig,
            format!(
                "the unit '{unit}' declares {}={name}, which is not a relative path below {}: \
                 fix the unit",
                kind.key(),
                kind.base()
            ),
        ));
    }
    Ok(())
}

/// A host unit: its file and its drop-ins, in the order systemd reads
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUnit {
    /// The name asked for (`web.service`, `getty@tty1.service`).
    pub name: String,
    /// The name of its file (the template's for an instance).
    pub file_name: String,
    pub file: PathBuf,
    /// (file name, path) of its `.conf` drop-ins, sorted by file name.
    pub dropins: Vec<(String, PathBuf)>,
}

impl HostUnit {
    /// The texts systemd reads for it: its file, then its drop-ins.
    pub fn texts(&self) -> crate::Result<Vec<String>> {
        std::iter::once(&self.file)
            .chain(self.dropins.iter().map(|(_, p)| p))
            .map(|p| read(p))
            .collect()
    }
}

fn read(path: &Path) -> crate::Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        error(
            SandboxError::Io,
            format!("cannot read '{}': {e}", path.display()),
        )
    })
}

/// Checks the name of a unit given with `-u`.
pub fn check_unit_name(name: &str) -> crate::Result<()> {
    let suffix_ok = [".service", ".socket", ".target", ".timer", ".path"]
        .iter()
        .any(|s| name.len() > s.len() && name.ends_with(s));
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.:-@\\".contains(c));
    if !suffix_ok || !chars_ok || name.starts_with('.') || name.starts_with('@') {
        return Err(error(
            SandboxError::InvalidArgument,
            format!(
                "'{name}' is no unit name: give a unit file's name, such as httpd.service \
                 (.service, .socket, .target, .timer or .path)"
            ),
        ));
    }
    Ok(())
}

/// Finds the host's unit `name` in `dirs` (highest priority first): its
/// file (an instance `a@b.service` falls back to its template
/// `a@.service`) and its drop-ins (`NAME.d/*.conf`, and the template's; of
/// two with the same file name, the higher directory's).
pub fn find_unit_in(name: &str, dirs: &[&str]) -> crate::Result<HostUnit> {
    check_unit_name(name)?;
    let template = name.split_once('@').and_then(|(head, rest)| {
        let suffix = rest.rsplit_once('.').map(|(_, s)| s)?;
        (!rest.starts_with('.')).then(|| format!("{head}@.{suffix}"))
    });
    let mut found = None;
    'names: for candidate in std::iter::once(name.to_owned()).chain(template.clone()) {
        for dir in dirs {
            let path = Path::new(dir).join(&candidate);
            if path.exists() || path.is_symlink() {
                found = Some((candidate.clone(), path));
                break 'names;
            }
        }
    }
    let Some((file_name, file)) = found else {
        return Err(error(
            SandboxError::InvalidArgument,
            format!(
                "unknown unit '{name}': no such file in {} (check the name with systemctl cat)",
                dirs.join(", ")
            ),
        ));
    };
    let real = std::fs::canonicalize(&file).map_err(|e| {
        error(
            SandboxError::InvalidArgument,
            format!("the unit '{name}' ({}) is not usable: {e}", file.display()),
        )
    })?;
    if real == Path::new("/dev/null") {
        return Err(error(
            SandboxError::InvalidArgument,
            format!(
                "the unit '{name}' is masked ({} is /dev/null): unmask it, or choose another",
                file.display()
            ),
        ));
    }
    let mut dropins: Vec<(String, PathBuf)> = Vec::new();
    for unit_name in template.iter().chain(std::iter::once(&name.to_owned())) {
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(Path::new(dir).join(format!("{unit_name}.d")))
            else {
                continue;
            };
            for entry in entries.flatten() {
                let file_name = entry.file_name().to_string_lossy().into_owned();
                if !file_name.ends_with(".conf") || dropins.iter().any(|(n, _)| *n == file_name) {
                    continue;
                }
                dropins.push((file_name, entry.path()));
            }
        }
    }
    dropins.sort();
    Ok(HostUnit {
        name: name.to_owned(),
        file_name,
        file: real,
        dropins,
    })
}

/// [`find_unit_in`] the host's unit directories.
pub fn find_unit(name: &str) -> crate::Result<HostUnit> {
    find_unit_in(name, HOST_UNIT_DIRS)
}

/// The boot target's text: it wants (and is ordered after) `units`.
pub fn target_text(units: &[String]) -> String {
    let list = units.join(" ");
    format!(
        "# Written by libvirt-sandbox: the service sandbox's boot target\n\
         [Unit]\n\
         Description=libvirt-sandbox service: {list}\n\
         Wants={list}\n\
         After={list}\n\
         AllowIsolate=yes\n"
    )
}

fn write_file(path: &Path, data: &[u8]) -> crate::Result<()> {
    std::fs::write(path, data).map_err(|e| io_error("write", path, e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
        .map_err(|e| io_error("set the mode of", path, e))
}

/// Writes the sandbox's unit directory `dir` (made here, mode 0755): the
/// stock units, the `units` with their drop-ins and `target` wanting them.
pub fn write_unit_dir(dir: &Path, units: &[HostUnit], target: &str) -> crate::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
        .map_err(|e| io_error("create", dir, e))?;
    let chosen = |n: &str| n == target || units.iter().any(|u| u.file_name == n);
    for stock in STOCK_UNITS.iter().filter(|s| !chosen(s)) {
        if let Some(src) = VENDOR_DIRS
            .iter()
            .map(|d| Path::new(d).join(stock))
            .find(|p| p.exists())
        {
            let link = dir.join(stock);
            std::os::unix::fs::symlink(&src, &link).map_err(|e| io_error("link", &link, e))?;
        }
    }
    if !chosen("system.slice") {
        write_file(&dir.join("system.slice"), SYSTEM_SLICE.as_bytes())?;
    }
    for unit in units {
        write_file(&dir.join(&unit.file_name), read(&unit.file)?.as_bytes())?;
        if unit.dropins.is_empty() {
            continue;
        }
        let dropin_dir = dir.join(format!("{}.d", unit.name));
        std::fs::DirBuilder::new()
            .mode(0o755)
            .create(&dropin_dir)
            .map_err(|e| io_error("create", &dropin_dir, e))?;
        for (file_name, path) in &unit.dropins {
            write_file(&dropin_dir.join(file_name), read(path)?.as_bytes())?;
        }
    }
    let names: Vec<String> = units.iter().map(|u| u.name.clone()).collect();
    write_file(&dir.join(target), target_text(&names).as_bytes())
}

/// The file in a service's directory listing the mount points on the
/// host's root its define made (empty directories where a declared
/// directory is bound): undefine removes those no other service needs.
pub const MOUNT_POINTS_FILE: &str = "mount-points";

/// Makes `path` on the host's root when it is missing (an empty directory,
/// mode 0755: the sandbox's root is the host's, read-only, so a bind needs
/// its mount point there). Returns whether it made it.
pub fn ensure_mount_point(path: &str) -> crate::Result<bool> {
    let p = Path::new(path);
    if p.is_dir() {
        return Ok(false);
    }
    if p.exists() || p.is_symlink() {
        return Err(error(
            SandboxError::InvalidConfig,
            format!(
                "the declared directory '{path}' is no directory on the host (a file or a link \
                 is there): it cannot be bound"
            ),
        ));
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(p)
        .map_err(|e| io_error("create the mount point", p, e))?;
    Ok(true)
}

/// Removes the mount points listed in the service directory `dir`'s
/// [`MOUNT_POINTS_FILE`] that are empty and that no other service in
/// `others` (their directories) lists.
pub fn remove_mount_points(dir: &Path, others: &[PathBuf]) {
    let Ok(text) = std::fs::read_to_string(dir.join(MOUNT_POINTS_FILE)) else {
        return;
    };
    let used: Vec<String> = others
        .iter()
        .filter(|o| o.as_path() != dir)
        .filter_map(|o| std::fs::read_to_string(o.join(MOUNT_POINTS_FILE)).ok())
        .flat_map(|t| t.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    for path in text.lines().filter(|p| !p.is_empty()) {
        if !used.iter().any(|u| u == path) {
            // Only when empty: a directory someone filled is theirs.
            let _ = std::fs::remove_dir(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(texts: &[&str]) -> Vec<(DirKind, String)> {
        let texts: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        declared_dirs("t.service", &texts)
            .unwrap()
            .into_iter()
            .map(|d| (d.kind, d.path))
            .collect()
    }

    #[test]
    fn declared_directories_are_read_from_the_service_section() {
        let unit = "[Unit]\nStateDirectory=not-here\n[Service]\nExecStart=/bin/true\n\
                    StateDirectory=web web/sub\nCacheDirectory=web\nLogsDirectory=web:alias\n\
                    RuntimeDirectory=web\nConfigurationDirectory=web\n[Install]\n\
                    StateDirectory=nor-here\n";
        assert_eq!(
            dirs(&[unit]),
            vec![
                (DirKind::State, "/var/lib/web".to_owned()),
                (DirKind::State, "/var/lib/web/sub".to_owned()),
                (DirKind::Runtime, "/run/web".to_owned()),
                (DirKind::Cache, "/var/cache/web".to_owned()),
                (DirKind::Logs, "/var/log/web".to_owned()),
                (DirKind::Configuration, "/etc/web".to_owned()),
            ]
        );
    }

    #[test]
    fn drop_ins_add_and_an_empty_assignment_resets() {
        let unit = "[Service]\nStateDirectory=a\nCacheDirectory=c\n";
        let reset = "[Service]\nStateDirectory=\nStateDirectory=b \\\n  d\n";
        assert_eq!(
            dirs(&[unit, reset]),
            vec![
                (DirKind::State, "/var/lib/b".to_owned()),
                (DirKind::State, "/var/lib/d".to_owned()),
                (DirKind::Cache, "/var/cache/c".to_owned()),
            ]
        );
    }

    #[test]
    fn paths_leaving_the_base_are_refused() {
        for bad in ["/etc", "../etc", "a/../../b", "./a"] {
            let text = vec![format!("[Service]\nStateDirectory={bad}\n")];
            let e = declared_dirs("t.service", &text).unwrap_err();
            assert!(e.message().contains("not a relative path"), "{bad}: {e}");
        }
    }

    #[test]
    fn units_are_found_with_templates_and_drop_ins() {
        let tmp = std::env::temp_dir().join(format!("lvs-units-{}", std::process::id()));
        let (high, low) = (tmp.join("etc"), tmp.join("lib"));
        for d in [
            high.join("web.service.d"),
            low.join("web.service.d"),
            low.join("getty@.service.d"),
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(low.join("web.service"), "[Service]\n").unwrap();
        std::fs::write(high.join("web.service.d/b.conf"), "high").unwrap();
        std::fs::write(low.join("web.service.d/b.conf"), "low").unwrap();
        std::fs::write(low.join("web.service.d/a.conf"), "a").unwrap();
        std::fs::write(low.join("getty@.service"), "[Service]\n").unwrap();
        std::fs::write(low.join("getty@.service.d/x.conf"), "x").unwrap();
        std::os::unix::fs::symlink("/dev/null", high.join("masked.service")).unwrap();
        let dirs = [high.to_str().unwrap(), low.to_str().unwrap()];
        let web = find_unit_in("web.service", &dirs).unwrap();
        assert_eq!(web.file, low.join("web.service"));
        assert_eq!(
            web.dropins,
            vec![
                ("a.conf".to_owned(), low.join("web.service.d/a.conf")),
                ("b.conf".to_owned(), high.join("web.service.d/b.conf")),
            ]
        );
        let tty = find_unit_in("getty@tty1.service", &dirs).unwrap();
        assert_eq!(tty.file_name, "getty@.service");
        assert_eq!(tty.dropins.len(), 1);
        let e = find_unit_in("nope.service", &dirs).unwrap_err();
        assert!(
            e.message().starts_with("unknown unit 'nope.service'"),
            "{e}"
        );
        let e = find_unit_in("masked.service", &dirs).unwrap_err();
        assert!(e.message().contains("is masked"), "{e}");
        let e = find_unit_in("../x.service", &dirs).unwrap_err();
        assert!(e.message().contains("is no unit name"), "{e}");

        let out = tmp.join("out");
        write_unit_dir(&out, &[web], "multi-user.target").unwrap();
        let target = std::fs::read_to_string(out.join("multi-user.target")).unwrap();
        assert!(target.contains("Wants=web.service\n"), "{target}");
        assert_eq!(
            std::fs::read_to_string(out.join("web.service.d/b.conf")).unwrap(),
            "high"
        );
        assert!(out.join("system.slice").is_file());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
