// SPDX-License-Identifier: LGPL-2.1-or-later
//! The QEMU sandbox's initrd: a newc cpio holding the static init-qemu as
//! `/init` and the kernel modules it loads before it can mount the host's
//! root over virtio-9p, in dependency order.
//!
//! Layout of the archive:
//! ```text
//! /init                        the static libvirt-sandbox-init-qemu
//! /dev/console /dev/null      char 5:1 and 1:3: /init's first stdio
//! /proc /sys /newroot          mount points
//! /modules/NN-NAME.ko          uncompressed modules
//! /modules/order               their file names, one a line, in load order
//! ```
//! The bytes of the modules come from the caller: [`crate::boot::initrd`]
//! reads, decompresses and caches them on the host; nothing here does I/O
//! but writing to the given output.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use crate::error::{SandboxError, error};
use sandbox_proto::layout;

/// Modules without which the sandbox cannot start: the PCI transport and the
/// consoles. Built-in ones are skipped.
pub const REQUIRED_MODULES: &[&str] = &["virtio_pci", "virtio_console"];
/// Optional module groups, put in the initrd when the kernel has them and
/// loaded by init-qemu only when the VM has the matching virtio device:
/// 9p (the root, helpers and state directory of a 9p VM), disks (with ext4
/// for filesystem images, and the crc32c that ext4/jbd2 ask for through a
/// soft dependency), network, and virtio-fs (a virtio-fs root, the host
/// binds; fuse comes with it as its dependency). A VM has 9p or virtio-fs
/// for its root: the kernel must have the one it boots with.
pub const OPTIONAL_GROUPS: &[(&str, &[&str])] = &[
    (layout::GROUP_P9, &["9pnet_virtio", "9p"]),
    (
        layout::GROUP_BLOCK,
        &["virtio_blk", "crc32c_generic", "ext4"],
    ),
    (layout::GROUP_NET, &["virtio_net"]),
    (layout::GROUP_FS, &["virtiofs"]),
];
/// Directory of the modules inside the initrd (defined by init-qemu).
pub const MODULES_DIR: &str = sandbox_proto::layout::MODULES_DIR;
/// The load-order file inside the initrd (defined by init-qemu).
pub const ORDER_FILE: &str = sandbox_proto::layout::ORDER_FILE;

/// A module to put in the initrd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Normalised name (`-` written as `_`).
    pub name: String,
    /// Path relative to the module tree, as in modules.dep.
    pub path: String,
}

fn normalise(name: &str) -> String {
    name.replace('-', "_")
}

/// `kernel/fs/9p/9p.ko.xz` -> `9p`.
fn module_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split(".ko").next().unwrap_or(file);
    normalise(stem)
}

/// Longest dependency chain [`ModuleIndex::closure`] follows (depmod's are a
/// handful long; a hand-edited file must not overflow the stack).
const MAX_DEPENDENCY_DEPTH: usize = 256;

/// What modules.dep and modules.builtin say about a module tree.
#[derive(Debug, Default)]
pub struct ModuleIndex {
    /// name -> (path, direct dependency paths).
    pub(crate) deps: HashMap<String, (String, Vec<String>)>,
    builtin: HashSet<String>,
}

impl ModuleIndex {
    /// Parses the two files' text.
    pub fn parse(modules_dep: &str, modules_builtin: &str) -> Self {
        let mut deps = HashMap::new();
        for line in modules_dep.lines() {
            let Some((path, rest)) = line.split_once(':') else {
                continue;
            };
            let path = path.trim();
            if path.is_empty() {
                continue;
            }
            let list = rest.split_whitespace().map(str::to_owned).collect();
            deps.insert(module_name(path), (path.to_owned(), list));
        }
        let builtin = modules_builtin
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(module_name)
            .collect();
        Self { deps, builtin }
    }

    pub fn is_builtin(&self, name: &str) -> bool {
        self.builtin.contains(&normalise(name))
    }

    /// The modules to load for `required` and (when present) `optional`, each
    /// after its dependencies, each once; built-ins are left out. A required
    /// module that is neither a module nor built in is an error.
    pub fn closure(&self, required: &[&str], optional: &[&str]) -> Result<Vec<Module>, String> {
        let mut order = Vec::new();
        self.closure_into(required, optional, &mut HashSet::new(), &mut order)?;
        Ok(order)
    }

    /// The initrd's plan: (group, module) in load order; the core group
    /// first, then each optional group without what an earlier one has.
    pub fn plan(&self) -> Result<Vec<(&'static str, Module)>, String> {
        let mut seen = HashSet::new();
        let mut plan = Vec::new();
        let groups = std::iter::once((layout::GROUP_CORE, REQUIRED_MODULES, true))
            .chain(OPTIONAL_GROUPS.iter().map(|(g, m)| (*g, *m, false)));
        for (group, modules, required) in groups {
            let mut order = Vec::new();
            let (req, opt) = if required {
                (modules, &[][..])
            } else {
                (&[][..], modules)
            };
            self.closure_into(req, opt, &mut seen, &mut order)?;
            plan.extend(order.into_iter().map(|m| (group, m)));
        }
        Ok(plan)
    }

    fn closure_into(
        &self,
        required: &[&str],
        optional: &[&str],
        seen: &mut HashSet<String>,
        order: &mut Vec<Module>,
    ) -> Result<(), String> {
        for (name, needed) in required
            .iter()
            .map(|n| (n, true))
            .chain(optional.iter().map(|n| (n, false)))
        {
            let name = normalise(name);
            if self.builtin.contains(&name) {
                continue;
            }
            match self.deps.get(&name) {
                Some(_) => self.visit(&name, seen, order, &mut Vec::new())?,
                None if needed => {
                    return Err(format!(
                        "the kernel has no module '{name}' (not in modules.dep nor in \
                         modules.builtin); a kernel with virtio and 9p support is needed"
                    ));
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Depth-first: dependencies first. `stack` catches cycles (which
    /// depmod never writes, but a hand-edited file might).
    fn visit(
        &self,
        name: &str,
        seen: &mut HashSet<String>,
        order: &mut Vec<Module>,
        stack: &mut Vec<String>,
    ) -> Result<(), String> {
        if seen.contains(name) || self.builtin.contains(name) {
            return Ok(());
        }
        if stack.iter().any(|s| s == name) {
            return Err(format!(
                "modules.dep has a dependency cycle through '{name}'"
            ));
        }
        if stack.len() >= MAX_DEPENDENCY_DEPTH {
            return Err(format!(
                "modules.dep has a dependency chain of more than {MAX_DEPENDENCY_DEPTH} \
                 modules through '{name}' (regenerate it with depmod)"
            ));
        }
        let (path, deps) = self
            .deps
            .get(name)
            .ok_or_else(|| format!("modules.dep names a dependency '{name}' it does not list"))?;
        stack.push(name.to_owned());
        for dep in deps {
            self.visit(&module_name(dep), seen, order, stack)?;
        }
        stack.pop();
        seen.insert(name.to_owned());
        order.push(Module {
            name: name.to_owned(),
            path: path.clone(),
        });
        Ok(())
    }
}

/// Writes a newc ("070701") cpio archive.
pub struct CpioWriter<W: Write> {
    out: W,
    ino: u32,
    written: u64,
}

/// File types for [`CpioWriter`] entries.
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFCHR: u32 = 0o020000;

impl<W: Write> CpioWriter<W> {
    pub fn new(out: W) -> Self {
        Self {
            out,
            ino: 0,
            written: 0,
        }
    }

    fn put(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.write_all(data)?;
        self.written += data.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> io::Result<()> {
        let pad = (4 - (self.written % 4) as usize) % 4;
        self.put(&[0u8; 3][..pad])
    }

    /// One entry; all owned by root, mtime 0 (the archive is reproducible).
    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) -> io::Result<()> {
        if data.len() > u32::MAX as usize {
            return Err(io::Error::other(format!(
                "'{name}' is too large for a cpio archive"
            )));
        }
        self.ino += 1;
        let nlink = if mode & S_IFDIR != 0 { 2 } else { 1 };
        let fields = [
            self.ino,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime
            data.len() as u32,
            0, // dev major
            0, // dev minor
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0, // check
        ];
        let mut header = String::with_capacity(110);
        header.push_str("070701");
        for f in fields {
            header.push_str(&format!("{f:08x}"));
        }
        self.put(header.as_bytes())?;
        self.put(name.as_bytes())?;
        self.put(&[0])?;
        self.pad()?;
        self.put(data)?;
        self.pad()
    }

    pub fn dir(&mut self, name: &str) -> io::Result<()> {
        self.entry(name, S_IFDIR | 0o755, (0, 0), &[])
    }

    pub fn file(&mut self, name: &str, perm: u32, data: &[u8]) -> io::Result<()> {
        self.entry(name, S_IFREG | (perm & 0o7777), (0, 0), data)
    }

    pub fn char_device(&mut self, name: &str, perm: u32, major: u32, minor: u32) -> io::Result<()> {
        self.entry(name, S_IFCHR | (perm & 0o7777), (major, minor), &[])
    }

    /// Writes the trailer and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.ino = 0;
        self.entry("TRAILER!!!", 0, (0, 0), &[])?;
        Ok(self.out)
    }
}

/// Writes the initrd for the (group, module) `plan` with `init` as /init,
/// each module's bytes (uncompressed, as the guest loads them) from
/// `read_module`. The host side, which reads the modules from the host's
/// tree, is [`crate::boot::initrd::write_initrd`].
pub fn write_initrd(
    out: &mut dyn Write,
    init: &[u8],
    plan: &[(&str, Module)],
    read_module: &mut dyn FnMut(&Module) -> crate::Result<Vec<u8>>,
) -> crate::Result<()> {
    let io_err = |e: io::Error| error(SandboxError::Io, format!("cannot write the initrd: {e}"));
    let mut cpio = CpioWriter::new(out);
    for dir in ["dev", "proc", "sys", "newroot", MODULES_DIR] {
        cpio.dir(dir).map_err(io_err)?;
    }
    cpio.char_device("dev/console", 0o600, 5, 1)
        .map_err(io_err)?;
    // Until virtio_console is loaded the kernel has no console to give /init
    // as stdio, and Rust's runtime then opens /dev/null for fds 0-2, aborting
    // (a kernel panic, for PID 1) when it cannot.
    cpio.char_device("dev/null", 0o666, 1, 3).map_err(io_err)?;
    cpio.file("init", 0o755, init).map_err(io_err)?;
    let mut order = String::new();
    for (i, (group, module)) in plan.iter().enumerate() {
        let data = read_module(module)?;
        let file = format!("{i:02}-{}.ko", module.name);
        cpio.file(&format!("{MODULES_DIR}/{file}"), 0o644, &data)
            .map_err(io_err)?;
        order.push_str(&format!("{group} {file}\n"));
    }
    cpio.file(ORDER_FILE, 0o644, order.as_bytes())
        .map_err(io_err)?;
    cpio.finish().map_err(io_err)?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One entry read back: (name, mode, rdev, data).
    pub(crate) type Entry = (String, u32, (u32, u32), Vec<u8>);

    /// A test-only newc reader.
    pub(crate) fn read_cpio(mut data: &[u8]) -> Vec<Entry> {
        let mut entries = Vec::new();
        let mut offset = 0usize;
        loop {
            assert_eq!(&data[..6], b"070701", "bad magic at {offset}");
            let field = |i: usize| {
                let s = std::str::from_utf8(&data[6 + i * 8..14 + i * 8]).unwrap();
                u32::from_str_radix(s, 16).unwrap()
            };
            let (mode, size, rmaj, rmin, namesize) =
                (field(1), field(6), field(9), field(10), field(11));
            let name_end = 110 + namesize as usize;
            let name = std::str::from_utf8(&data[110..name_end - 1])
                .unwrap()
                .to_owned();
            assert_eq!(data[name_end - 1], 0);
            let data_start = (offset + name_end).next_multiple_of(4) - offset;
            let data_end = data_start + size as usize;
            let body = data[data_start..data_end].to_vec();
            let next = (offset + data_end).next_multiple_of(4) - offset;
            offset += next;
            data = &data[next..];
            if name == "TRAILER!!!" {
                assert!(data.is_empty(), "bytes after the trailer");
                return entries;
            }
            entries.push((name, mode, (rmaj, rmin), body));
        }
    }

    #[test]
    fn cpio_round_trip() {
        let mut w = CpioWriter::new(Vec::new());
        w.dir("d").unwrap();
        w.file("d/a", 0o644, b"hello").unwrap();
        w.file("b", 0o755, b"").unwrap();
        w.char_device("console", 0o600, 5, 1).unwrap();
        let bytes = w.finish().unwrap();
        assert_eq!(bytes.len() % 4, 0);
        let entries = read_cpio(&bytes);
        let names: Vec<_> = entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["d", "d/a", "b", "console"]);
        assert_eq!(entries[0].1, S_IFDIR | 0o755);
        assert_eq!(
            (entries[1].1, entries[1].3.as_slice()),
            (S_IFREG | 0o644, &b"hello"[..])
        );
        assert_eq!((entries[3].1, entries[3].2), (S_IFCHR | 0o600, (5, 1)));
    }

    pub(crate) const DEP: &str = "\
kernel/fs/netfs/netfs.ko:
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
kernel/net/9p/9pnet.ko:
kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci.ko.xz: kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/char/virtio_console.ko.gz: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/block/virtio_blk.ko.zst: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
";

    fn names(modules: &[Module]) -> Vec<&str> {
        modules.iter().map(|m| m.name.as_str()).collect()
    }

    #[test]
    fn dependency_closure_in_load_order() {
        let index = ModuleIndex::parse(DEP, "kernel/fs/ext4/ext4.ko\n");
        let order = index
            .closure(REQUIRED_MODULES, &["virtio_blk", "virtio_net", "ext4"])
            .unwrap();
        assert_eq!(
            names(&order),
            [
                "virtio_pci_modern_dev",
                "virtio_ring",
                "virtio",
                "virtio_pci",
                "virtio_console",
                "virtio_blk"
            ]
        );
        assert_eq!(order[3].path, "kernel/drivers/virtio/virtio_pci.ko.xz");
        // Every module comes after everything it depends on.
        for (i, m) in order.iter().enumerate() {
            let (_, deps) = &index.deps[&m.name];
            for d in deps {
                let pos = order.iter().position(|o| o.name == module_name(d)).unwrap();
                assert!(pos < i, "{} before its dependency {d}", m.name);
            }
        }
    }

    #[test]
    fn plan_groups_share_nothing() {
        let index = ModuleIndex::parse(DEP, "");
        let plan = index.plan().unwrap();
        let core: Vec<_> = plan.iter().filter(|(g, _)| *g == "core").collect();
        assert_eq!(core.len(), 5);
        // 9p is loaded only for a 9p VM: its own group, after core.
        let p9: Vec<_> = plan
            .iter()
            .filter(|(g, _)| *g == "p9")
            .map(|(_, m)| m.name.as_str())
            .collect();
        assert_eq!(p9, ["9pnet", "9pnet_virtio", "netfs", "fscache", "9p"]);
        // virtio_blk's dependencies are all in core already.
        let blk: Vec<_> = plan
            .iter()
            .filter(|(g, _)| *g == "blk")
            .map(|(_, m)| m.name.as_str())
            .collect();
        assert_eq!(blk, ["virtio_blk"]);
        // Groups come in order: core, p9, then blk.
        let first_blk = plan.iter().position(|(g, _)| *g == "blk").unwrap();
        let first_p9 = plan.iter().position(|(g, _)| *g == "p9").unwrap();
        assert!(plan[..first_p9].iter().all(|(g, _)| *g == "core"));
        assert!(plan[first_p9..first_blk].iter().all(|(g, _)| *g == "p9"));
    }

    #[test]
    fn builtins_are_skipped_and_missing_ones_named() {
        let index = ModuleIndex::parse(
            DEP,
            "kernel/drivers/virtio/virtio_ring.ko\nkernel/drivers/virtio/virtio.ko\n",
        );
        let order = index.closure(&["virtio_console"], &[]).unwrap();
        assert_eq!(names(&order), ["virtio_console"]);
        let e = index.closure(&["virtio_pci", "vsock"], &[]).unwrap_err();
        assert!(e.contains("'vsock'"), "{e}");
        assert!(index.closure(&["virtio_ring"], &[]).unwrap().is_empty());
    }
}
