// SPDX-License-Identifier: LGPL-2.1-or-later
//! One set of rules for what a config may hold, applied wherever values
//! come in: the option parsers (the CLI's and the `*_opts` methods) use the
//! rules on single values, the key-file loader checks the whole config it
//! loaded with [`check`], and every start checks it again (values set
//! through GObject properties and setters, which cannot fail, are caught
//! there, before anything is created).
//!
//! Messages name what is wrong and quote at most [`SHOWN_MAX`] characters
//! of a value ([`shown`]).

use std::collections::HashSet;

use super::{Config, ConfigMount};
use crate::error::{SandboxError, error};

/// How many characters of a value a message quotes.
pub const SHOWN_MAX: usize = 200;

/// `value` as a message quotes it: escaped (control characters and quotes
/// visible), at most [`SHOWN_MAX`] characters, with the length of the rest.
pub fn shown(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(SHOWN_MAX).collect();
    let escaped: String = head.escape_debug().collect();
    let rest = chars.as_str().len();
    if rest == 0 {
        escaped
    } else {
        format!("{escaped}... ({rest} more bytes)")
    }
}

/// A path inside the sandbox where something is mounted or copied: absolute
/// and normalised (no `.` or `..` component, no empty one, no trailing
/// `/`), so that it says exactly which directory it covers.
pub fn check_guest_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("it is empty (expected an absolute path)".into());
    }
    if path.contains('\0') {
        return Err(format!("'{}' contains a NUL byte", shown(path)));
    }
    if !path.starts_with('/') {
        return Err(format!("'{}' is not an absolute path", shown(path)));
    }
    if path == "/" {
        return Ok(());
    }
    let normal: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if normal.contains(&"..") {
        return Err(format!(
            "'{}' has a '..' component (a path inside the sandbox must name its directory \
             directly)",
            shown(path)
        ));
    }
    let normalised = format!("/{}", normal.join("/"));
    if normalised != path {
        return Err(format!(
            "'{}' is not normalised (write it as '{}')",
            shown(path),
            shown(&normalised)
        ));
    }
    Ok(())
}

/// Where an include lands below its mount's target (`dst`, with or without
/// a leading `/`): never outside it.
pub fn check_include_dst(dst: &str) -> Result<(), String> {
    if dst.contains('\0') {
        Err(format!("'{}' contains a NUL byte", shown(dst)))
    } else if dst.split('/').any(|c| c == "..") {
        Err(format!(
            "'{}' has a '..' component (it would land outside its mount)",
            shown(dst)
        ))
    } else {
        Ok(())
    }
}

/// A sandbox name: also the libvirt domain's and the state directory's.
pub fn check_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_.+:@-".contains(c);
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if starts_well && name.len() <= 200 && name.chars().all(allowed) {
        return Ok(());
    }
    Err(format!(
        "invalid sandbox name '{}' (-n/--name, the config's name): use letters, digits and \
         '_.+:@-', starting with a letter or digit, at most 200 bytes",
        shown(name)
    ))
}

/// An environment variable's name: letters, digits and `_`, not starting
/// with a digit (POSIX's portable names, which every shell can use).
pub fn check_env_name(key: &str) -> Result<(), String> {
    let starts_well = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if starts_well && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Ok(());
    }
    Err(format!(
        "the variable name '{}' is not valid: use letters, digits and '_', not starting with \
         a digit",
        shown(key)
    ))
}

/// A disk's tag: it becomes `/dev/disk/by-tag/TAG` inside.
pub fn check_disk_tag(tag: &str) -> Result<(), String> {
    if !tag.is_empty()
        && tag.len() <= 64
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Ok(());
    }
    Err(format!(
        "the tag '{}' must be 1 to 64 letters, digits, '_' and '-' (it becomes \
         /dev/disk/by-tag/TAG)",
        shown(tag)
    ))
}

/// A host path the config names (a bind's, an image's, a disk's source):
/// absolute.
fn check_host_path(path: &str) -> Result<(), String> {
    if path.starts_with('/') && !path.contains('\0') {
        Ok(())
    } else {
        Err(format!("'{}' is not an absolute host path", shown(path)))
    }
}

/// The longest prefix of an address of `addr`'s family.
fn max_prefix(addr: &gio::InetAddress) -> u32 {
    use gio::prelude::InetAddressExt;
    if addr.family() == gio::SocketFamily::Ipv4 {
        32
    } else {
        128
    }
}

fn mount_error(mount: &ConfigMount, why: String) -> crate::Error {
    error(
        SandboxError::InvalidMount,
        format!(
            "invalid mount on '{}': {why}",
            shown(&mount.target().unwrap_or_default())
        ),
    )
}

/// Checks every value of `config` against the rules above: its name,
/// mount targets, sources, RAM sizes, include paths, environment names,
/// disk tags (no two alike) and sources, network prefixes. Two mounts on
/// one target are [`check_runnable`]'s: the original's config files may
/// hold them, and load.
pub fn check(config: &Config) -> crate::Result<()> {
    use gio::prelude::InetAddressExt;
    use glib::prelude::*;
    if let Some(name) = config.name() {
        check_name(&name).map_err(|e| error(SandboxError::InvalidConfig, e))?;
    }
    for mount in config.mounts() {
        let target = mount.target().unwrap_or_default();
        check_guest_path(&target).map_err(|e| mount_error(&mount, format!("the target {e}")))?;
        if let Some(ram) = mount.downcast_ref::<super::ConfigMountRam>()
            && ram.usage() == 0
        {
            return Err(mount_error(
                &mount,
                "a RAM file system needs a size above 0".into(),
            ));
        }
        if let Some(file) = mount.downcast_ref::<super::ConfigMountFile>()
            && let Some(source) = file.source().filter(|s| !s.is_empty())
        {
            let check = if mount.is::<super::ConfigMountGuestBind>() {
                check_guest_path
            } else {
                check_host_path
            };
            check(&source).map_err(|e| mount_error(&mount, format!("the source {e}")))?;
        }
        for (dst, _) in mount.includes() {
            check_include_dst(&dst)
                .map_err(|e| mount_error(&mount, format!("the include destination {e}")))?;
        }
    }
    for (key, _) in config.envs() {
        check_env_name(&key).map_err(|e| {
            error(
                SandboxError::InvalidEnv,
                format!("invalid environment entry: {e}"),
            )
        })?;
    }
    let mut tags = HashSet::new();
    for disk in config.disks() {
        let tag = disk.tag().unwrap_or_default();
        let fail = |why: String| {
            error(
                SandboxError::InvalidDisk,
                format!("invalid disk '{}': {why}", shown(&tag)),
            )
        };
        check_disk_tag(&tag).map_err(fail)?;
        if !tags.insert(tag.clone()) {
            return Err(fail("a second disk has the same tag".into()));
        }
        check_host_path(&disk.source().unwrap_or_default())
            .map_err(|e| fail(format!("the source {e}")))?;
    }
    for network in config.networks() {
        let prefixes = network
            .addresses()
            .into_iter()
            .map(|a| ("address", a.primary(), a.prefix()))
            .chain(
                network
                    .routes()
                    .into_iter()
                    .map(|r| ("route", r.target(), r.prefix())),
            );
        for (what, addr, prefix) in prefixes {
            if let Some(addr) = addr
                && prefix > max_prefix(&addr)
            {
                return Err(error(
                    SandboxError::InvalidNetwork,
                    format!(
                        "invalid network {what} {}/{prefix}: an {} prefix is at most {}",
                        addr.to_str(),
                        if max_prefix(&addr) == 32 {
                            "IPv4"
                        } else {
                            "IPv6"
                        },
                        max_prefix(&addr)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// What a start needs beyond [`check`]: no two mounts on one target (the
/// second would hide the first).
pub fn check_runnable(config: &Config) -> crate::Result<()> {
    check(config)?;
    let mut targets = HashSet::new();
    for mount in config.mounts() {
        if !targets.insert(mount.target().unwrap_or_default()) {
            return Err(mount_error(
                &mount,
                "a second mount has the same target (each directory takes one mount)".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigInteractive;
    use glib::prelude::*;

    #[test]
    fn values_are_shown_short_and_escaped() {
        assert_eq!(shown("a'b\n"), "a\\'b\\n");
        let long = "x".repeat(120_000);
        let s = shown(&long);
        assert!(s.len() < 260, "{}", s.len());
        assert!(s.ends_with("(119800 more bytes)"), "{s}");
    }

    #[test]
    fn guest_paths_are_absolute_and_normalised() {
        for good in ["/", "/mnt", "/var/lib/x", "/a.b/..c"] {
            assert_eq!(check_guest_path(good), Ok(()), "{good}");
        }
        for (bad, needle) in [
            ("", "empty"),
            ("mnt", "not an absolute"),
            ("/mnt/../etc", "'..'"),
            ("/..", "'..'"),
            ("/mnt/", "write it as '/mnt'"),
            ("//mnt", "write it as '/mnt'"),
            ("/mnt/./x", "write it as '/mnt/x'"),
            ("/a\0b", "NUL"),
        ] {
            let e = check_guest_path(bad).unwrap_err();
            assert!(e.contains(needle), "{bad:?}: {e}");
        }
    }

    #[test]
    fn names_env_names_and_tags() {
        assert!(check_name("httpd1").is_ok());
        assert!(check_name("").is_err() && check_name("../x").is_err());
        assert!(check_env_name("PATH").is_ok() && check_env_name("_x1").is_ok());
        for bad in ["", "A B", "1X", "A=B", "é"] {
            assert!(check_env_name(bad).is_err(), "{bad}");
        }
        assert!(check_disk_tag("data-1").is_ok());
        for bad in ["", "../../x", "a/b", &"t".repeat(65)] {
            assert!(check_disk_tag(bad).is_err(), "{bad}");
        }
        assert!(check_include_dst("notes/hosts").is_ok() && check_include_dst("/x").is_ok());
        assert!(check_include_dst("../../etc/passwd").is_err());
    }

    #[test]
    fn a_whole_config_is_checked() {
        let config = ConfigInteractive::new("ok");
        let base: &Config = config.upcast_ref();
        base.add_mount_opts("host-bind:/mnt=/srv").unwrap();
        base.add_mount_opts("ram:/run=1M").unwrap();
        check(base).unwrap();

        // Made through GObject, where nothing can fail: caught here.
        let ram = |target: &str| -> crate::config::ConfigMountRam {
            glib::Object::builder()
                .property("target", target)
                .property("usage", 1024u64)
                .build()
        };
        let twin = ram("/mnt");
        base.add_mount(twin.upcast_ref::<ConfigMount>());
        check(base).unwrap();
        let e = check_runnable(base).unwrap_err();
        assert!(e.message().contains("same target"), "{e}");
        let config = ConfigInteractive::new("ok");
        let base: &Config = config.upcast_ref();
        base.add_mount(ram("/mnt/../etc").upcast_ref::<ConfigMount>());
        let e = check(base).unwrap_err();
        assert!(e.message().contains("'..'"), "{e}");
        let config = ConfigInteractive::new("ok");
        let base: &Config = config.upcast_ref();
        let empty = ram("/run");
        empty.set_usage(0);
        base.add_mount(empty.upcast_ref::<ConfigMount>());
        assert!(check(base).unwrap_err().message().contains("size above 0"));
    }

    #[test]
    fn the_key_file_loader_applies_the_same_rules() {
        let base = "[api]\nclass=GVirSandboxConfigInteractive\n[core]\nname=ok\n\
                    [command]\nargv.0=/bin/true\n";
        assert!(Config::load_from_data(base).is_ok());
        let mount = |body: &str| format!("{base}[mount.0]\n{body}");
        let ram = "type=GVirSandboxConfigMountRam\n";
        for (data, needle) in [
            (
                base.replace("name=ok", "name=../../etc/x"),
                "invalid sandbox name",
            ),
            (
                mount(&format!("{ram}target=relative\nusage=1\n")),
                "not an absolute",
            ),
            (mount(&format!("{ram}target=/a/../etc\nusage=1\n")), "'..'"),
            (mount(&format!("{ram}target=/t\nusage=0\n")), "size above 0"),
            (
                format!("{base}[disk.0]\ntype=file\ntag=../../x\nsource=/d.img\nformat=raw\n"),
                "the tag '../../x'",
            ),
            (
                format!(
                    "{base}[network.0]\ndhcp=false\n[network.0.address.0]\n\
                     primary=10.0.0.2\nprefix=99\n"
                ),
                "IPv4 prefix is at most 32",
            ),
            (format!("{base}argv.99999999=x\n"), "argv.99999999"),
            (
                format!("{base}[env.0]\nkey=A B\nvalue=1\n"),
                "'A B' is not valid",
            ),
        ] {
            let e = Config::load_from_data(&data).unwrap_err();
            assert!(e.message().contains(needle), "{data}\n=> {e}");
        }
    }
}
