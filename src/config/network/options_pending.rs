// SPDX-License-Identifier: LGPL-2.1-or-later
//! TEMPORARY: stand-ins for the network/disk parsers of `config/options.rs`
//! until that file lands (then this file is deleted and the `use`s in
//! `network/mod.rs` and `disk.rs` point back at `crate::config::options`).
#![allow(dead_code)]
use crate::config::options::{OptionError, OptionKind};
use std::net::IpAddr;
#[derive(Debug, Clone)]
pub struct AddressSpec {
    pub address: IpAddr,
    pub prefix: u32,
    pub broadcast: Option<IpAddr>,
}
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub target: IpAddr,
    pub prefix: u32,
    pub gateway: IpAddr,
}
#[derive(Debug, Clone)]
pub struct FilterSpec {
    pub name: String,
    pub parameters: Vec<(String, String)>,
}
#[derive(Debug, Clone, Default)]
pub struct NetworkSpec {
    pub dhcp: bool,
    pub source: Option<String>,
    pub mac: Option<String>,
    pub addresses: Vec<AddressSpec>,
    pub routes: Vec<RouteSpec>,
    pub filter: Option<FilterSpec>,
}
fn nerr(m: String) -> OptionError {
    OptionError {
        kind: OptionKind::Network,
        message: m,
    }
}
fn ip_prefix(s: &str) -> Result<(IpAddr, u32), OptionError> {
    let (a, p) = s
        .split_once('/')
        .map_or((s, 24), |(a, p)| (a, p.parse().unwrap_or(999)));
    Ok((
        a.parse()
            .map_err(|_| nerr(format!("Unable to parse address {s}")))?,
        p,
    ))
}
pub fn parse_network(s: &str) -> Result<NetworkSpec, OptionError> {
    let mut n = NetworkSpec::default();
    for tok in s.split(',') {
        if tok == "dhcp" {
            n.dhcp = true;
        } else if let Some(v) = tok.strip_prefix("source=") {
            n.source = Some(v.into());
        } else if let Some(v) = tok.strip_prefix("mac=") {
            n.mac = Some(v.into());
        } else if let Some(v) = tok.strip_prefix("address=") {
            let (a, b) = v.split_once('%').map_or((v, None), |(a, b)| (a, Some(b)));
            let (address, prefix) = ip_prefix(a)?;
            let broadcast = b
                .map(|b| b.parse().map_err(|_| nerr(format!("bad {b}"))))
                .transpose()?;
            n.addresses.push(AddressSpec {
                address,
                prefix,
                broadcast,
            });
        } else if let Some(v) = tok.strip_prefix("route=") {
            let (a, g) = v
                .split_once('%')
                .ok_or_else(|| nerr(format!("Missing gateway in route {v}")))?;
            let (target, prefix) = ip_prefix(a)?;
            n.routes.push(RouteSpec {
                target,
                prefix,
                gateway: g.parse().map_err(|_| nerr(format!("bad {g}")))?,
            });
        } else if let Some(v) = tok.strip_prefix("filter.") {
            let (k, val) = v.rsplit_once('=').unwrap();
            if let Some(f) = n.filter.as_mut() {
                f.parameters.push((k.to_uppercase(), val.into()));
            }
        } else if let Some(v) = tok.strip_prefix("filter=") {
            n.filter = Some(FilterSpec {
                name: v.into(),
                parameters: vec![],
            });
        } else {
            return Err(nerr(format!("Unknown parameter {tok}")));
        }
    }
    Ok(n)
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskType {
    File,
    Block,
    Dir,
    Network,
}
impl DiskType {
    pub fn nick(self) -> &'static str {
        ["file", "block", "dir", "network"][self as usize]
    }
    pub fn from_nick(s: &str) -> Option<Self> {
        [Self::File, Self::Block, Self::Dir, Self::Network]
            .into_iter()
            .find(|t| t.nick() == s)
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskFormat {
    Raw,
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
const FMTS: [(DiskFormat, &str); 14] = [
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
    pub fn nick(self) -> &'static str {
        FMTS[self as usize].1
    }
    pub fn from_nick(s: &str) -> Option<Self> {
        FMTS.iter().find(|f| f.1 == s).map(|f| f.0)
    }
}
pub struct DiskSpec {
    pub disk_type: DiskType,
    pub tag: String,
    pub source: String,
    pub format: DiskFormat,
}
pub fn parse_disk(s: &str) -> Result<DiskSpec, OptionError> {
    let e = |m: String| OptionError {
        kind: OptionKind::Disk,
        message: m,
    };
    let (t, rest) = s
        .split_once(':')
        .ok_or_else(|| e(format!("No disk type prefix on {s}")))?;
    let disk_type =
        DiskType::from_nick(t).ok_or_else(|| e(format!("Unknown disk type prefix on {s}")))?;
    let (tag, src) = rest
        .split_once('=')
        .ok_or_else(|| e(format!("Missing disk source string on {s}")))?;
    let (source, format) = match src.split_once(',') {
        Some((src, f)) => (
            src,
            DiskFormat::from_nick(
                f.strip_prefix("format=")
                    .ok_or_else(|| e(format!("bad {f}")))?,
            )
            .ok_or_else(|| e(format!("Unknown disk image format: '{f}'")))?,
        ),
        None => (
            src,
            if src.ends_with(".qcow2") {
                DiskFormat::Qcow2
            } else {
                DiskFormat::Raw
            },
        ),
    };
    Ok(DiskSpec {
        disk_type,
        tag: tag.into(),
        source: source.into(),
        format,
    })
}
