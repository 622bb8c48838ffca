// SPDX-License-Identifier: LGPL-2.1-or-later
//! Parsers of the option syntaxes of `virt-sandbox` and of the config
//! `*_opts`/`*_strv` methods: mounts, disks, networks, environment entries,
//! host includes and security labels.
//!
//! Pure functions on strings returning plain data; the config classes turn
//! the data into objects. Every mistake gives one [`OptionError`] quoting the
//! input and saying what was expected. Where the original C parser accepted
//! nonsense (an empty mount type, unknown size suffixes, network filter
//! parameters without a filter, `/tmp` matching `/tmpfoo` for includes), these
//! parsers reject or fix it; each such place says so.

use std::net::IpAddr;

use super::validate;

/// Which syntax an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    Mount,
    Network,
    Disk,
    Env,
    Include,
    Security,
    Size,
    /// A resource ceiling: max-tasks, memory, cpus.
    Limit,
}

/// A parse error with a message a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OptionError {
    pub kind: OptionKind,
    pub message: String,
}

fn fail<T>(kind: OptionKind, message: String) -> Result<T, OptionError> {
    Err(OptionError {
        kind,
        message: shorten_quotes(&message),
    })
}

/// `message` with every quoted part (`'...'`, a value from the input) cut
/// to at most [`validate::SHOWN_MAX`] characters: a 120 kB bad value gives a
/// readable line, not a 240 kB one.
fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4096));
    for (i, part) in message.split('\'').enumerate() {
        if i > 0 {
            out.push('\'');
        }
        // Odd parts lie between quotes.
        if i % 2 == 1 && part.chars().count() > validate::SHOWN_MAX {
            let head: String = part.chars().take(validate::SHOWN_MAX).collect();
            let rest = part.len() - head.len();
            out.push_str(&format!("{head}... ({rest} more bytes)"));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Disk image formats (libvirt-gconfig's `GVirConfigDomainDiskFormat` nicks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum DiskFormat {
    Raw = 0,
    Dir,
    Bochs,
    Cloop,
    Cow,
    Dmg,
    Iso,
    Qcow,
    Qcow2,
    Qed,
    Vmdk,
    Vpc,
    Fat,
    Vhd,
}

const DISK_FORMATS: [(DiskFormat, &str); 14] = [
    (DiskFormat::Raw, "raw"),
    (DiskFormat::Dir, "dir"),
    (DiskFormat::Bochs, "bochs"),
    (DiskFormat::Cloop, "cloop"),
    (DiskFormat::Cow, "cow"),
    (DiskFormat::Dmg, "dmg"),
    (DiskFormat::Iso, "iso"),
    (DiskFormat::Qcow, "qcow"),
    (DiskFormat::Qcow2, "qcow2"),
    (DiskFormat::Qed, "qed"),
    (DiskFormat::Vmdk, "vmdk"),
    (DiskFormat::Vpc, "vpc"),
    (DiskFormat::Fat, "fat"),
    (DiskFormat::Vhd, "vhd"),
];

impl DiskFormat {
    /// The libvirt name of the format.
    pub fn nick(self) -> &'static str {
        DISK_FORMATS
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .unwrap_or("raw")
    }

    /// The format called `nick`.
    pub fn from_nick(nick: &str) -> Option<Self> {
        DISK_FORMATS
            .iter()
            .find(|(_, n)| *n == nick)
            .map(|(f, _)| *f)
    }

    /// The format with enum value `value` (the GVirConfigDomainDiskFormat value).
    pub fn from_value(value: i32) -> Option<Self> {
        DISK_FORMATS
            .iter()
            .find(|(f, _)| *f as i32 == value)
            .map(|(f, _)| *f)
    }

    /// Guesses the format from a file name's extension: `.img` and unknown or
    /// missing extensions are raw (the original left an error set in that case).
    pub fn guess_from_path(path: &str) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path);
        match name.rsplit_once('.') {
            Some((_, ext)) if ext != "img" => Self::from_nick(ext).unwrap_or(DiskFormat::Raw),
            _ => DiskFormat::Raw,
        }
    }

    fn list() -> String {
        DISK_FORMATS
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Disk source types (libvirt-gconfig's `GVirConfigDomainDiskType` nicks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum DiskType {
    File = 0,
    Block,
    Dir,
    Network,
}

impl DiskType {
    pub fn nick(self) -> &'static str {
        match self {
            DiskType::File => "file",
            DiskType::Block => "block",
            DiskType::Dir => "dir",
            DiskType::Network => "network",
        }
    }

    pub fn from_nick(nick: &str) -> Option<Self> {
        match nick {
            "file" => Some(DiskType::File),
            "block" => Some(DiskType::Block),
            "dir" => Some(DiskType::Dir),
            "network" => Some(DiskType::Network),
            _ => None,
        }
    }

    pub fn from_value(value: i32) -> Option<Self> {
        [
            DiskType::File,
            DiskType::Block,
            DiskType::Dir,
            DiskType::Network,
        ]
        .into_iter()
        .find(|t| *t as i32 == value)
    }
}

/// A parsed `-m TYPE:TARGET=SOURCE` mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSpec {
    /// A host directory; `None` means a fresh empty temporary directory.
    HostBind {
        target: String,
        source: Option<String>,
    },
    /// A filesystem image.
    HostImage {
        target: String,
        source: String,
        format: DiskFormat,
    },
    /// Another path of the sandbox, bound after the other mounts.
    GuestBind { target: String, source: String },
    /// A tmpfs of `usage` bytes.
    Ram { target: String, usage: u64 },
}

const MOUNT_TYPES: [&str; 4] = ["host-bind", "host-image", "guest-bind", "ram"];

fn check_absolute(
    kind: OptionKind,
    input: &str,
    what: &str,
    path: &str,
) -> Result<(), OptionError> {
    if path.contains('\0') {
        fail(
            kind,
            format!(
                "invalid {} '{input}': the {what} contains a NUL byte",
                kind_name(kind)
            ),
        )
    } else if path.starts_with('/') {
        Ok(())
    } else if path.is_empty() {
        fail(
            kind,
            format!(
                "invalid {} '{input}': the {what} is empty (expected an absolute path)",
                kind_name(kind)
            ),
        )
    } else {
        fail(
            kind,
            format!(
                "invalid {} '{input}': the {what} '{path}' is not an absolute path",
                kind_name(kind)
            ),
        )
    }
}

fn kind_name(kind: OptionKind) -> &'static str {
    match kind {
        OptionKind::Mount => "mount",
        OptionKind::Network => "network",
        OptionKind::Disk => "disk",
        OptionKind::Env => "environment entry",
        OptionKind::Include => "include",
        OptionKind::Security => "security option",
        OptionKind::Size => "size",
        OptionKind::Limit => "limit",
    }
}

/// Parses `TYPE:TARGET=SOURCE[,opts]` (`host-bind`, `host-image`,
/// `guest-bind`, `ram`). Like the original, a type may be abbreviated to any
/// unambiguous prefix (`host-b`, `g`, `r`); unlike it, an empty or ambiguous
/// one (`host`) is an error.
pub fn parse_mount(input: &str) -> Result<MountSpec, OptionError> {
    let k = OptionKind::Mount;
    let Some((ty, rest)) = input.split_once(':') else {
        return fail(
            k,
            format!(
                "invalid mount '{input}': no type prefix (expected TYPE:TARGET=SOURCE with TYPE one of {})",
                MOUNT_TYPES.join(", ")
            ),
        );
    };
    let matches: Vec<&str> = MOUNT_TYPES
        .iter()
        .copied()
        .filter(|t| !ty.is_empty() && t.starts_with(ty))
        .collect();
    let ty = match matches.as_slice() {
        [one] => *one,
        [] => {
            return fail(
                k,
                format!(
                    "invalid mount '{input}': unknown type '{ty}' (expected one of {})",
                    MOUNT_TYPES.join(", ")
                ),
            );
        }
        many => {
            return fail(
                k,
                format!(
                    "invalid mount '{input}': the type '{ty}' is ambiguous (it could be {})",
                    many.join(" or ")
                ),
            );
        }
    };
    let Some((target, source)) = rest.split_once('=') else {
        return fail(
            k,
            format!(
                "invalid mount '{input}': missing '=' between the target and the source (expected TYPE:TARGET=SOURCE)"
            ),
        );
    };
    if let Err(why) = validate::check_guest_path(target) {
        return fail(k, format!("invalid mount '{input}': the target {why}"));
    }
    match ty {
        "host-bind" => {
            if source.is_empty() {
                Ok(MountSpec::HostBind {
                    target: target.to_owned(),
                    source: None,
                })
            } else {
                check_absolute(k, input, "source", source)?;
                Ok(MountSpec::HostBind {
                    target: target.to_owned(),
                    source: Some(source.to_owned()),
                })
            }
        }
        "host-image" => {
            let (path, format) = split_format(k, input, source)?;
            check_absolute(k, input, "image path", path)?;
            let format = format.unwrap_or_else(|| DiskFormat::guess_from_path(path));
            Ok(MountSpec::HostImage {
                target: target.to_owned(),
                source: path.to_owned(),
                format,
            })
        }
        "guest-bind" => {
            check_absolute(k, input, "source", source)?;
            Ok(MountSpec::GuestBind {
                target: target.to_owned(),
                source: source.to_owned(),
            })
        }
        _ => {
            let usage = parse_size(source).map_err(|e| OptionError {
                kind: k,
                message: format!("invalid mount '{input}': {}", e.message),
            })?;
            Ok(MountSpec::Ram {
                target: target.to_owned(),
                usage,
            })
        }
    }
}

/// Splits `PATH[,format=FMT]`.
fn split_format<'a>(
    k: OptionKind,
    input: &str,
    source: &'a str,
) -> Result<(&'a str, Option<DiskFormat>), OptionError> {
    let Some((path, opts)) = source.split_once(',') else {
        return Ok((source, None));
    };
    let Some(nick) = opts.strip_prefix("format=") else {
        return fail(
            k,
            format!(
                "invalid {} '{input}': unknown option '{opts}' (the only option is format=FORMAT)",
                kind_name(k)
            ),
        );
    };
    match DiskFormat::from_nick(nick) {
        Some(f) => Ok((path, Some(f))),
        None => fail(
            k,
            format!(
                "invalid {} '{input}': unknown disk format '{nick}' (expected one of {})",
                kind_name(k),
                DiskFormat::list()
            ),
        ),
    }
}

/// Parses a size: a number of bytes with an optional `K`/`KiB`, `M`/`MiB`,
/// `G`/`GiB` suffix (powers of 1024). Unlike the original, an unknown suffix,
/// zero and overflow are errors.
pub fn parse_size(input: &str) -> Result<u64, OptionError> {
    let k = OptionKind::Size;
    let digits = input
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(input.len());
    let (number, suffix) = input.split_at(digits);
    if number.is_empty() {
        return fail(
            k,
            format!(
                "invalid size '{input}': expected a number of bytes, optionally followed by K, M or G"
            ),
        );
    }
    let shift = match suffix {
        "" => 0,
        "K" | "k" | "KiB" => 10,
        "M" | "m" | "MiB" => 20,
        "G" | "g" | "GiB" => 30,
        other => {
            return fail(
                k,
                format!("invalid size '{input}': unknown unit '{other}' (expected K, M or G)"),
            );
        }
    };
    let value: u64 = number.parse().map_err(|_| OptionError {
        kind: k,
        message: format!("invalid size '{input}': the number is too large"),
    })?;
    let bytes = value
        .checked_mul(1u64 << shift)
        .ok_or_else(|| OptionError {
            kind: k,
            message: format!("invalid size '{input}': the size is too large"),
        })?;
    if bytes == 0 {
        return fail(
            k,
            format!("invalid size '{input}': the size must not be zero"),
        );
    }
    Ok(bytes)
}

/// Parses a `max-tasks` value: a count of tasks, 0 for no limit.
pub fn parse_max_tasks(input: &str) -> Result<u32, OptionError> {
    input.trim().parse().map_err(|_| OptionError {
        kind: OptionKind::Limit,
        message: format!(
            "invalid max-tasks '{input}': expected a number of tasks from 0 (no limit) to {}",
            u32::MAX
        ),
    })
}

/// Parses a `memory` value into KiB: a size as [`parse_size`] reads it
/// (bytes without a suffix), rounded up to whole KiB, at least
/// [`MIN_MEMORY_KIB`](super::MIN_MEMORY_KIB).
pub fn parse_memory(input: &str) -> Result<u64, OptionError> {
    let fail = |why: String| OptionError {
        kind: OptionKind::Limit,
        message: format!("invalid memory '{input}': {why}"),
    };
    let bytes = parse_size(input.trim()).map_err(|e| {
        fail(
            e.message
                .split_once("': ")
                .map_or(e.message.clone(), |(_, why)| why.to_owned()),
        )
    })?;
    let kib = bytes.div_ceil(1024);
    if kib < super::MIN_MEMORY_KIB {
        return Err(fail(format!(
            "at least {}K is needed (sizes without a suffix are bytes: write 512M, 2G)",
            super::MIN_MEMORY_KIB
        )));
    }
    Ok(kib)
}

/// Parses a `cpus` value: a decimal number of CPUs, 0 for no quota, else
/// from [`MIN_CPUS`](super::MIN_CPUS) to [`MAX_CPUS`](super::MAX_CPUS).
pub fn parse_cpus(input: &str) -> Result<f64, OptionError> {
    let fail = |why: &str| OptionError {
        kind: OptionKind::Limit,
        message: format!("invalid cpus '{input}': {why}"),
    };
    let cpus: f64 = input
        .trim()
        .parse()
        .ok()
        .filter(|c: &f64| c.is_finite())
        .ok_or_else(|| fail("expected a number of CPUs such as 1 or 0.5"))?;
    if cpus == 0.0 {
        return Ok(0.0);
    }
    if !(super::MIN_CPUS..=super::MAX_CPUS).contains(&cpus) {
        return Err(fail(&format!(
            "expected 0 (no quota) or {} to {}",
            super::MIN_CPUS,
            super::MAX_CPUS
        )));
    }
    Ok(cpus)
}

/// A parsed `--disk TYPE:TAG=SOURCE[,format=FMT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskSpec {
    pub disk_type: DiskType,
    pub tag: String,
    pub source: String,
    pub format: DiskFormat,
}

/// Parses `TYPE:TAG=SOURCE[,format=FMT]`; only `file` disks are implemented.
pub fn parse_disk(input: &str) -> Result<DiskSpec, OptionError> {
    let k = OptionKind::Disk;
    let Some((ty, rest)) = input.split_once(':') else {
        return fail(
            k,
            format!(
                "invalid disk '{input}': no type prefix (expected file:TAG=SOURCE[,format=FORMAT])"
            ),
        );
    };
    let disk_type = match DiskType::from_nick(ty) {
        Some(DiskType::File) => DiskType::File,
        Some(other) => {
            return fail(
                k,
                format!(
                    "invalid disk '{input}': disks of type '{}' are not supported (use file)",
                    other.nick()
                ),
            );
        }
        None => {
            return fail(
                k,
                format!("invalid disk '{input}': unknown disk type '{ty}' (expected file)"),
            );
        }
    };
    let Some((tag, source)) = rest.split_once('=') else {
        return fail(
            k,
            format!(
                "invalid disk '{input}': missing '=' between the tag and the source (expected file:TAG=SOURCE)"
            ),
        );
    };
    if let Err(why) = validate::check_disk_tag(tag) {
        return fail(k, format!("invalid disk '{input}': {why}"));
    }
    let (path, format) = split_format(k, input, source)?;
    check_absolute(k, input, "source", path)?;
    let format = format.unwrap_or_else(|| DiskFormat::guess_from_path(path));
    Ok(DiskSpec {
        disk_type,
        tag: tag.to_owned(),
        source: path.to_owned(),
        format,
    })
}

/// One static address of a network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSpec {
    pub address: IpAddr,
    pub prefix: u32,
    pub broadcast: Option<IpAddr>,
}

/// One static route of a network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub target: IpAddr,
    pub prefix: u32,
    pub gateway: IpAddr,
}

/// A libvirt nwfilter reference with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterSpec {
    pub name: String,
    pub parameters: Vec<(String, String)>,
}

/// A parsed `--network` value: one interface.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkSpec {
    pub dhcp: bool,
    pub source: Option<String>,
    pub mac: Option<String>,
    pub addresses: Vec<AddressSpec>,
    pub routes: Vec<RouteSpec>,
    pub filter: Option<FilterSpec>,
}

fn default_prefix(addr: &IpAddr) -> u32 {
    if addr.is_ipv4() { 24 } else { 64 }
}

fn max_prefix(addr: &IpAddr) -> u32 {
    if addr.is_ipv4() { 32 } else { 128 }
}

/// Parses `ADDR[/PREFIX]`.
fn parse_cidr(input: &str, what: &str, text: &str) -> Result<(IpAddr, u32), OptionError> {
    let k = OptionKind::Network;
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| OptionError {
        kind: k,
        message: format!(
            "invalid network '{input}': cannot parse the {what} '{addr}' as an IPv4 or IPv6 address"
        ),
    })?;
    let prefix = match prefix {
        None => default_prefix(&addr),
        Some(p) => match p.parse::<u32>() {
            Ok(p) if p <= max_prefix(&addr) => p,
            _ => {
                return fail(
                    k,
                    format!(
                        "invalid network '{input}': the prefix length '{p}' of {what} {addr} must be a number from 0 to {}",
                        max_prefix(&addr)
                    ),
                );
            }
        },
    };
    Ok((addr, prefix))
}

fn parse_mac(input: &str, mac: &str) -> Result<String, OptionError> {
    let parts: Vec<&str> = mac.split(':').collect();
    let valid = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()));
    if !valid {
        return fail(
            OptionKind::Network,
            format!(
                "invalid network '{input}': '{mac}' is not a MAC address (expected six hex pairs like 52:54:00:12:34:56)"
            ),
        );
    }
    let first = u8::from_str_radix(parts[0], 16).unwrap_or(0);
    if first & 1 == 1 {
        return fail(
            OptionKind::Network,
            format!(
                "invalid network '{input}': '{mac}' is a multicast MAC address; an interface needs a unicast one (even first byte)"
            ),
        );
    }
    Ok(mac.to_ascii_lowercase())
}

/// Parses the comma-separated network options of one interface: `dhcp`,
/// `source=NETWORK`, `mac=MAC`, `address=IP[/PREFIX][%BROADCAST]`,
/// `route=NET[/PREFIX]%GATEWAY`, `filter=NAME`, `filter.KEY=VALUE`.
pub fn parse_network(input: &str) -> Result<NetworkSpec, OptionError> {
    let k = OptionKind::Network;
    let mut spec = NetworkSpec::default();
    let mut params: Vec<(String, String)> = Vec::new();
    let mut filter: Option<String> = None;
    if input.is_empty() {
        return fail(
            k,
            "invalid network '': expected options such as dhcp or address=IP/PREFIX".to_owned(),
        );
    }
    if input.contains('\0') {
        return fail(
            k,
            format!("invalid network '{input}': it contains a NUL byte"),
        );
    }
    for token in input.split(',') {
        if token.is_empty() {
            return fail(
                k,
                format!("invalid network '{input}': empty option between commas"),
            );
        }
        if token == "dhcp" {
            spec.dhcp = true;
            continue;
        }
        let Some((key, value)) = token.split_once('=') else {
            return fail(
                k,
                format!(
                    "invalid network '{input}': unknown option '{token}' (expected dhcp, source=, mac=, address=, route=, filter=, filter.NAME=)"
                ),
            );
        };
        match key {
            "source" | "mac" | "filter" if value.is_empty() => {
                return fail(
                    k,
                    format!("invalid network '{input}': '{key}=' needs a value"),
                );
            }
            "source" => {
                if spec.source.replace(value.to_owned()).is_some() {
                    return fail(k, format!("invalid network '{input}': source= given twice"));
                }
            }
            "mac" => {
                let mac = parse_mac(input, value)?;
                if spec.mac.replace(mac).is_some() {
                    return fail(k, format!("invalid network '{input}': mac= given twice"));
                }
            }
            "address" => {
                let (cidr, broadcast) = match value.split_once('%') {
                    Some((c, b)) => (c, Some(b)),
                    None => (value, None),
                };
                let (address, prefix) = parse_cidr(input, "address", cidr)?;
                let broadcast = match broadcast {
                    None => None,
                    Some(b) => {
                        let b: IpAddr = b.parse().map_err(|_| OptionError { kind: k, message: format!("invalid network '{input}': cannot parse the broadcast address '{b}'") })?;
                        if !(b.is_ipv4() && address.is_ipv4()) {
                            return fail(
                                k,
                                format!(
                                    "invalid network '{input}': a broadcast address is only valid with an IPv4 address"
                                ),
                            );
                        }
                        Some(b)
                    }
                };
                spec.addresses.push(AddressSpec {
                    address,
                    prefix,
                    broadcast,
                });
            }
            "route" => {
                let Some((cidr, gateway)) = value.split_once('%') else {
                    return fail(
                        k,
                        format!(
                            "invalid network '{input}': the route '{value}' has no gateway (expected route=NET/PREFIX%GATEWAY)"
                        ),
                    );
                };
                let (target, prefix) = parse_cidr(input, "route", cidr)?;
                let gateway: IpAddr = gateway.parse().map_err(|_| OptionError {
                    kind: k,
                    message: format!(
                        "invalid network '{input}': cannot parse the gateway '{gateway}'"
                    ),
                })?;
                if gateway.is_ipv4() != target.is_ipv4() {
                    return fail(
                        k,
                        format!(
                            "invalid network '{input}': the route {target} and its gateway {gateway} are of different IP versions"
                        ),
                    );
                }
                spec.routes.push(RouteSpec {
                    target,
                    prefix,
                    gateway,
                });
            }
            "filter" => {
                if filter.replace(value.to_owned()).is_some() {
                    return fail(k, format!("invalid network '{input}': filter= given twice"));
                }
            }
            _ => match key.strip_prefix("filter.") {
                Some(param) if !param.is_empty() => {
                    params.push((param.to_ascii_uppercase(), value.to_owned()))
                }
                _ => {
                    return fail(
                        k,
                        format!(
                            "invalid network '{input}': unknown option '{key}' (expected dhcp, source=, mac=, address=, route=, filter=, filter.NAME=)"
                        ),
                    );
                }
            },
        }
    }
    if spec.dhcp && (!spec.addresses.is_empty() || !spec.routes.is_empty()) {
        return fail(
            k,
            format!(
                "invalid network '{input}': dhcp cannot be combined with static addresses or routes"
            ),
        );
    }
    if !spec.routes.is_empty() && spec.addresses.is_empty() {
        return fail(
            k,
            format!(
                "invalid network '{input}': static routes need a static address (add address=IP/PREFIX)"
            ),
        );
    }
    match filter {
        Some(name) => {
            spec.filter = Some(FilterSpec {
                name,
                parameters: params,
            })
        }
        None if !params.is_empty() => {
            // The original silently dropped them.
            return fail(
                k,
                format!("invalid network '{input}': filter parameters given without filter=NAME"),
            );
        }
        None => {}
    }
    Ok(spec)
}

/// Parses `KEY=VALUE` (split at the first '='; the value may be empty).
pub fn parse_env(input: &str) -> Result<(String, String), OptionError> {
    let k = OptionKind::Env;
    let Some((key, value)) = input.split_once('=') else {
        return fail(
            k,
            format!("invalid environment entry '{input}': expected KEY=VALUE"),
        );
    };
    if key.is_empty() {
        return fail(
            k,
            format!(
                "invalid environment entry '{input}': the variable name is empty (expected KEY=VALUE)"
            ),
        );
    }
    if let Err(why) = validate::check_env_name(key) {
        return fail(k, format!("invalid environment entry '{input}': {why}"));
    }
    if key.contains('\0') || value.contains('\0') {
        return fail(
            k,
            format!(
                "invalid environment entry '{}': it contains a NUL byte",
                input.replace('\0', "\\0")
            ),
        );
    }
    Ok((key.to_owned(), value.to_owned()))
}

/// A host file or directory to copy into the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeSpec {
    pub guest_path: String,
    pub host_path: String,
}

/// Parses `GUEST-PATH[=HOST-PATH]` (the host path defaults to the guest path).
pub fn parse_include(input: &str) -> Result<IncludeSpec, OptionError> {
    let k = OptionKind::Include;
    let (guest, host) = match input.split_once('=') {
        Some((g, h)) => (g, h),
        None => (input, input),
    };
    if let Err(why) = validate::check_guest_path(guest) {
        return fail(
            k,
            format!("invalid include '{input}': the guest path {why}"),
        );
    }
    check_absolute(k, input, "host path", host)?;
    Ok(IncludeSpec {
        guest_path: guest.to_owned(),
        host_path: host.to_owned(),
    })
}

/// Parses an include list: one `GUEST-PATH[=HOST-PATH]` per line; blank lines
/// and `#` comments are skipped; errors name the line.
pub fn parse_include_list(text: &str) -> Result<Vec<IncludeSpec>, OptionError> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| {
            parse_include(line).map_err(|e| OptionError {
                kind: e.kind,
                message: format!("line {n}: {}", e.message),
            })
        })
        .collect()
}

/// Finds the mount an include goes into: the one whose target contains
/// `guest_path` (component-wise, so `/tmp` does not contain `/tmpfoo`, which
/// the original got wrong), preferring the longest target. Returns its index
/// and the path relative to the target (starting with '/').
pub fn find_include_mount<'a>(
    targets: impl IntoIterator<Item = &'a str>,
    guest_path: &str,
) -> Option<(usize, String)> {
    let mut best: Option<(usize, usize, String)> = None;
    for (i, target) in targets.into_iter().enumerate() {
        let trimmed = target.trim_end_matches('/');
        let rest = if trimmed.is_empty() {
            Some(guest_path)
        } else {
            guest_path
                .strip_prefix(trimmed)
                .filter(|r| r.is_empty() || r.starts_with('/'))
        };
        if let Some(rest) = rest {
            let rel = if rest.is_empty() {
                "/".to_owned()
            } else {
                rest.to_owned()
            };
            if best.as_ref().is_none_or(|(_, len, _)| trimmed.len() > *len) {
                best = Some((i, trimmed.len(), rel));
            }
        }
    }
    best.map(|(i, _, rel)| (i, rel))
}

/// The security mode of `-s MODE[,label=LABEL]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityMode {
    Dynamic,
    Static,
    Inherit,
}

/// A parsed security option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuritySpec {
    pub mode: SecurityMode,
    pub label: Option<String>,
}

/// Parses `dynamic`, `static[,label=LABEL]` or `inherit`; `label=` takes the
/// whole rest of the string (SELinux levels contain commas). With `dynamic`,
/// a label is the base label libvirt allocates from.
pub fn parse_security(input: &str) -> Result<SecuritySpec, OptionError> {
    let k = OptionKind::Security;
    let (mode, rest) = match input.split_once(',') {
        Some((m, r)) => (m, Some(r)),
        None => (input, None),
    };
    let mode = match mode {
        "dynamic" => SecurityMode::Dynamic,
        "static" => SecurityMode::Static,
        "inherit" => SecurityMode::Inherit,
        other => {
            return fail(
                k,
                format!(
                    "invalid security option '{input}': unknown mode '{other}' (expected dynamic, static or inherit)"
                ),
            );
        }
    };
    let label = match rest {
        None => None,
        Some(rest) => match rest.strip_prefix("label=") {
            Some("") => {
                return fail(
                    k,
                    format!("invalid security option '{input}': the label is empty"),
                );
            }
            Some(label) if mode == SecurityMode::Inherit => {
                return fail(
                    k,
                    format!(
                        "invalid security option '{input}': 'inherit' takes the caller's label; drop 'label={label}'"
                    ),
                );
            }
            Some(label) if label.contains('\0') => {
                return fail(
                    k,
                    format!("invalid security option '{input}': the label contains a NUL byte"),
                );
            }
            Some(label) => Some(label.to_owned()),
            None => {
                return fail(
                    k,
                    format!(
                        "invalid security option '{input}': unknown option '{rest}' (expected label=LABEL)"
                    ),
                );
            }
        },
    };
    Ok(SecuritySpec { mode, label })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_kind<T: std::fmt::Debug>(r: Result<T, OptionError>, kind: OptionKind, needle: &str) {
        let e = r.expect_err("expected an error");
        assert_eq!(e.kind, kind, "{}", e.message);
        assert!(
            e.message.contains(needle),
            "{:?} lacks {needle:?}",
            e.message
        );
    }

    #[test]
    fn mounts() {
        assert_eq!(
            parse_mount("host-bind:/tmp=/var/lib/sandbox/demo/tmp").unwrap(),
            MountSpec::HostBind {
                target: "/tmp".into(),
                source: Some("/var/lib/sandbox/demo/tmp".into())
            }
        );
        assert_eq!(
            parse_mount("host-bind:/tmp=").unwrap(),
            MountSpec::HostBind {
                target: "/tmp".into(),
                source: None
            }
        );
        assert_eq!(
            parse_mount("host-image:/=/var/lib/sandbox/demo.qcow2,format=qcow2").unwrap(),
            MountSpec::HostImage {
                target: "/".into(),
                source: "/var/lib/sandbox/demo.qcow2".into(),
                format: DiskFormat::Qcow2
            }
        );
        assert_eq!(
            parse_mount("host-image:/etc=/tmp/home/img.qcow2").unwrap(),
            MountSpec::HostImage {
                target: "/etc".into(),
                source: "/tmp/home/img.qcow2".into(),
                format: DiskFormat::Qcow2
            }
        );
        assert_eq!(
            parse_mount("host-image:/etc=/tmp/home,format=qcow2").unwrap(),
            MountSpec::HostImage {
                target: "/etc".into(),
                source: "/tmp/home".into(),
                format: DiskFormat::Qcow2
            }
        );
        assert_eq!(
            parse_mount("ram:/tmp=500M").unwrap(),
            MountSpec::Ram {
                target: "/tmp".into(),
                usage: 500 << 20
            }
        );
        assert_eq!(
            parse_mount("g:/home=/tmp/home").unwrap(),
            MountSpec::GuestBind {
                target: "/home".into(),
                source: "/tmp/home".into()
            }
        );
        assert!(matches!(
            parse_mount("host-b:/x=/y").unwrap(),
            MountSpec::HostBind { .. }
        ));
    }

    #[test]
    fn the_shared_rules_apply_to_options() {
        err_kind(
            parse_mount("host-bind:/mnt/../etc=/srv"),
            OptionKind::Mount,
            "'..' component",
        );
        err_kind(
            parse_mount("ram:/run/=1M"),
            OptionKind::Mount,
            "write it as '/run'",
        );
        err_kind(parse_env("A B=1"), OptionKind::Env, "'A B' is not valid");
        err_kind(
            parse_disk("file:../x=/d.img"),
            OptionKind::Disk,
            "the tag '../x'",
        );
        err_kind(
            parse_include("/etc/../x=/y"),
            OptionKind::Include,
            "'..' component",
        );
        // A long bad value is quoted in part.
        let long = format!("host-bind:{}=/srv", "x".repeat(120_000));
        let e = parse_mount(&long).unwrap_err();
        assert!(e.message.len() < 800, "{} bytes", e.message.len());
        assert!(e.message.contains("more bytes)"), "{}", e.message);
    }

    #[test]
    fn mount_errors() {
        err_kind(parse_mount("nonsense"), OptionKind::Mount, "no type prefix");
        err_kind(parse_mount(":/x=/y"), OptionKind::Mount, "unknown type");
        err_kind(parse_mount("host:/x=/y"), OptionKind::Mount, "ambiguous");
        err_kind(
            parse_mount("bogus:/x=/y"),
            OptionKind::Mount,
            "unknown type 'bogus'",
        );
        err_kind(
            parse_mount("host-bind:/tmp"),
            OptionKind::Mount,
            "missing '='",
        );
        err_kind(
            parse_mount("host-bind:tmp=/x"),
            OptionKind::Mount,
            "not an absolute path",
        );
        err_kind(
            parse_mount("host-bind:/tmp=rel"),
            OptionKind::Mount,
            "'rel' is not an absolute path",
        );
        err_kind(
            parse_mount("host-image:/x=/a.img,format=nope"),
            OptionKind::Mount,
            "unknown disk format 'nope'",
        );
        err_kind(
            parse_mount("host-image:/x=/a.img,size=3"),
            OptionKind::Mount,
            "unknown option 'size=3'",
        );
        err_kind(
            parse_mount("ram:/tmp=5X"),
            OptionKind::Mount,
            "unknown unit 'X'",
        );
        err_kind(parse_mount("ram:/tmp=0"), OptionKind::Mount, "zero");
        err_kind(
            parse_mount("ram:/tmp=99999999999999999999G"),
            OptionKind::Mount,
            "too large",
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10240").unwrap(), 10240);
        assert_eq!(parse_memory("512M").unwrap(), 512 * 1024);
        assert_eq!(parse_memory("1048577").unwrap(), 1025); // bytes, rounded up
        assert_eq!(parse_memory("2G").unwrap(), 2 << 20);
        err_kind(parse_memory("512"), OptionKind::Limit, "at least 1024K");
        err_kind(
            parse_memory("5X"),
            OptionKind::Limit,
            "invalid memory '5X': unknown unit",
        );
        assert_eq!(parse_cpus("1.5").unwrap(), 1.5);
        assert_eq!(parse_cpus("0").unwrap(), 0.0);
        err_kind(parse_cpus("0.001"), OptionKind::Limit, "0.01 to 1024");
        err_kind(parse_cpus("-1"), OptionKind::Limit, "invalid cpus '-1'");
        err_kind(parse_cpus("NaN"), OptionKind::Limit, "expected a number");
        assert_eq!(parse_max_tasks("100").unwrap(), 100);
        assert_eq!(parse_max_tasks("0").unwrap(), 0);
        err_kind(
            parse_max_tasks("-1"),
            OptionKind::Limit,
            "invalid max-tasks '-1'",
        );
        assert_eq!(parse_size("1K").unwrap(), 1024);
        assert_eq!(parse_size("2KiB").unwrap(), 2048);
        assert_eq!(parse_size("3G").unwrap(), 3 << 30);
        assert_eq!(parse_size("4GiB").unwrap(), 4 << 30); // the original overflowed here
        err_kind(parse_size("M"), OptionKind::Size, "expected a number");
    }

    #[test]
    fn formats() {
        assert_eq!(
            DiskFormat::guess_from_path("/tmp/img.blah"),
            DiskFormat::Raw
        );
        assert_eq!(DiskFormat::guess_from_path("/tmp/x.img"), DiskFormat::Raw);
        assert_eq!(DiskFormat::guess_from_path("/tmp/x.vmdk"), DiskFormat::Vmdk);
        assert_eq!(DiskFormat::guess_from_path("/tmp.d/noext"), DiskFormat::Raw);
        for (f, n) in DISK_FORMATS {
            assert_eq!(DiskFormat::from_nick(n), Some(f));
            assert_eq!(f.nick(), n);
            assert_eq!(DiskFormat::from_value(f as i32), Some(f));
        }
    }

    #[test]
    fn disks() {
        let d = parse_disk("file:dbdata=/tmp/img.blah,format=qcow2").unwrap();
        assert_eq!(
            (d.tag.as_str(), d.source.as_str(), d.format),
            ("dbdata", "/tmp/img.blah", DiskFormat::Qcow2)
        );
        assert_eq!(
            parse_disk("file:cache=/tmp/img.qcow2").unwrap().format,
            DiskFormat::Qcow2
        );
        assert_eq!(
            parse_disk("file:homedir=/tmp/img.qcow2,format=raw")
                .unwrap()
                .format,
            DiskFormat::Raw
        );
        assert_eq!(
            parse_disk("file:root=/tmp/img.img").unwrap().format,
            DiskFormat::Raw
        );
        err_kind(
            parse_disk("block:x=/dev/sda"),
            OptionKind::Disk,
            "not supported",
        );
        err_kind(
            parse_disk("floppy:x=/a"),
            OptionKind::Disk,
            "unknown disk type",
        );
        err_kind(parse_disk("file:/a"), OptionKind::Disk, "missing '='");
        err_kind(parse_disk("file:=/a"), OptionKind::Disk, "tag");
        err_kind(parse_disk("file:a/b=/a"), OptionKind::Disk, "tag 'a/b'");
        err_kind(
            parse_disk("file:x=/a,format=zip"),
            OptionKind::Disk,
            "unknown disk format",
        );
        err_kind(parse_disk("nocolon"), OptionKind::Disk, "no type prefix");
    }

    #[test]
    fn networks() {
        let n = parse_network("dhcp,source=default").unwrap();
        assert!(n.dhcp);
        assert_eq!(n.source.as_deref(), Some("default"));
        let n = parse_network("source=private,address=192.168.122.1/24%192.168.122.255").unwrap();
        assert!(!n.dhcp);
        assert_eq!(n.addresses[0].prefix, 24);
        assert_eq!(
            n.addresses[0].broadcast,
            Some("192.168.122.255".parse().unwrap())
        );
        let n = parse_network("address=2001:212::204:2/64").unwrap();
        assert_eq!(
            n.addresses[0].address,
            "2001:212::204:2".parse::<IpAddr>().unwrap()
        );
        let n = parse_network("address=10.0.0.1/24,route=192.168.1.0/24%10.0.0.3").unwrap();
        assert_eq!(n.routes[0].gateway, "10.0.0.3".parse::<IpAddr>().unwrap());
        let n =
            parse_network("address=10.0.0.1/24%10.0.0.255,route=192.168.1.0/24%10.0.0.3").unwrap();
        assert_eq!(n.routes.len(), 1);
        let n = parse_network("filter=clean-traffic,filter.ip=192.168.122.1").unwrap();
        assert_eq!(
            n.filter.unwrap(),
            FilterSpec {
                name: "clean-traffic".into(),
                parameters: vec![("IP".into(), "192.168.122.1".into())]
            }
        );
        assert_eq!(
            parse_network("mac=52:54:00:AB:cd:01")
                .unwrap()
                .mac
                .as_deref(),
            Some("52:54:00:ab:cd:01")
        );
        assert_eq!(
            parse_network("address=10.0.0.1").unwrap().addresses[0].prefix,
            24
        );
        assert_eq!(
            parse_network("address=fd00::1").unwrap().addresses[0].prefix,
            64
        );
    }

    #[test]
    fn network_errors() {
        err_kind(
            parse_network("dhcp,address=10.0.0.1/24"),
            OptionKind::Network,
            "dhcp cannot be combined",
        );
        err_kind(
            parse_network("route=10.0.0.0/8%10.0.0.1"),
            OptionKind::Network,
            "need a static address",
        );
        err_kind(
            parse_network("address=10.0.0.1/24,route=10.1.0.0/16"),
            OptionKind::Network,
            "no gateway",
        );
        err_kind(
            parse_network("address=10.0.0.300/24"),
            OptionKind::Network,
            "cannot parse the address",
        );
        err_kind(
            parse_network("address=10.0.0.1/33"),
            OptionKind::Network,
            "prefix length '33'",
        );
        err_kind(
            parse_network("address=fd00::1/64%fd00::ff"),
            OptionKind::Network,
            "only valid with an IPv4",
        );
        err_kind(
            parse_network("mac=52:54:00:12:34"),
            OptionKind::Network,
            "not a MAC address",
        );
        err_kind(
            parse_network("mac=01:00:5e:00:00:01"),
            OptionKind::Network,
            "multicast",
        );
        err_kind(
            parse_network("filter.ip=1.2.3.4"),
            OptionKind::Network,
            "without filter=NAME",
        );
        err_kind(
            parse_network("bogus=1"),
            OptionKind::Network,
            "unknown option 'bogus'",
        );
        err_kind(
            parse_network("dhcp,,dhcp"),
            OptionKind::Network,
            "empty option",
        );
        err_kind(
            parse_network("source=a,source=b"),
            OptionKind::Network,
            "twice",
        );
        err_kind(
            parse_network("address=10.0.0.1/24,route=fd00::/64%10.0.0.2"),
            OptionKind::Network,
            "different IP versions",
        );
        err_kind(parse_network(""), OptionKind::Network, "expected options");
    }

    #[test]
    fn env() {
        assert_eq!(
            parse_env("key1=val1").unwrap(),
            ("key1".into(), "val1".into())
        );
        assert_eq!(parse_env("k=a=b").unwrap(), ("k".into(), "a=b".into()));
        assert_eq!(parse_env("k=").unwrap(), ("k".into(), String::new()));
        err_kind(parse_env("novalue"), OptionKind::Env, "expected KEY=VALUE");
        err_kind(parse_env("=x"), OptionKind::Env, "name is empty");
    }

    #[test]
    fn includes() {
        assert_eq!(
            parse_include("/etc/nswitch.conf").unwrap(),
            IncludeSpec {
                guest_path: "/etc/nswitch.conf".into(),
                host_path: "/etc/nswitch.conf".into()
            }
        );
        assert_eq!(
            parse_include("/tmp/bar=/var/tmp/foo/bar")
                .unwrap()
                .host_path,
            "/var/tmp/foo/bar"
        );
        err_kind(
            parse_include("rel/path"),
            OptionKind::Include,
            "not an absolute path",
        );
        let list = parse_include_list("# comment\n/a\n\n  /b=/c  \n").unwrap();
        assert_eq!(list.len(), 2);
        err_kind(
            parse_include_list("/a\nbad\n"),
            OptionKind::Include,
            "line 2",
        );
        let targets = ["/", "/tmp", "/tmp/deep"];
        assert_eq!(
            find_include_mount(targets, "/tmp/bar"),
            Some((1, "/bar".into()))
        );
        assert_eq!(
            find_include_mount(targets, "/tmp/deep/x"),
            Some((2, "/x".into()))
        );
        assert_eq!(
            find_include_mount(targets, "/tmpfoo"),
            Some((0, "/tmpfoo".into()))
        );
        assert_eq!(find_include_mount(["/tmp"], "/tmpfoo"), None);
        assert_eq!(find_include_mount(["/tmp"], "/tmp"), Some((0, "/".into())));
    }

    #[test]
    fn security() {
        let s = parse_security("static,label=system_u:system_r:svirt_t:s0:c412,c355").unwrap();
        assert_eq!(
            (s.mode, s.label.as_deref()),
            (
                SecurityMode::Static,
                Some("system_u:system_r:svirt_t:s0:c412,c355")
            )
        );
        assert_eq!(
            parse_security("dynamic").unwrap().mode,
            SecurityMode::Dynamic
        );
        assert_eq!(
            parse_security("inherit").unwrap().mode,
            SecurityMode::Inherit
        );
        assert_eq!(parse_security("static").unwrap().label, None);
        assert_eq!(
            parse_security("static,label=sandbox-profile")
                .unwrap()
                .label
                .as_deref(),
            Some("sandbox-profile")
        );
        err_kind(
            parse_security("weird"),
            OptionKind::Security,
            "unknown mode",
        );
        err_kind(
            parse_security("static,bogus=1"),
            OptionKind::Security,
            "unknown option",
        );
        err_kind(
            parse_security("static,label="),
            OptionKind::Security,
            "empty",
        );
        err_kind(
            parse_security("inherit,label=x"),
            OptionKind::Security,
            "inherit",
        );
    }

    /// Random strings over each syntax's alphabet: no parser may panic.
    #[test]
    fn fuzz_no_panic() {
        const ALPHABET: &[u8] = b":=,/%.abcdefghilmnorstuxyKMG0123456789 -_";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let s: String = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize] as char)
                .collect();
            for prefix in [
                "",
                "host-bind:",
                "host-image:/x=",
                "ram:/t=",
                "file:",
                "address=",
                "route=",
                "static,",
            ] {
                let s = format!("{prefix}{s}");
                let _ = parse_mount(&s);
                let _ = parse_disk(&s);
                let _ = parse_network(&s);
                let _ = parse_env(&s);
                let _ = parse_include(&s);
                let _ = parse_include_list(&s);
                let _ = parse_security(&s);
                let _ = parse_size(&s);
                let _ = find_include_mount(["/", "/tmp"], &s);
            }
        }
    }
}
