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
//! Modules are decompressed here rather than in the guest: init-qemu stays
//! small and free of decoders, `finit_module` of a compressed file needs a
//! kernel built with CONFIG_MODULE_DECOMPRESS (5.17+), and the cost is paid
//! once, when the cached initrd is built.
//!
//! Their appended signatures are dropped too when the kernel's build config
//! shows it accepts unsigned modules (no CONFIG_MODULE_SIG_FORCE, no forced
//! lockdown): checking a signature costs several milliseconds a module under
//! TCG, and the modules come from the host's own tree anyway. The guest
//! kernel only marks itself tainted. Such modules also get their BTF section
//! hidden (an edit a signature would forbid): the kernel then skips parsing
//! it, another few milliseconds a module.
//!
//! The initrd is cached under the cache root, named by a SHA-256 key of the
//! init binary's bytes, the kernel release and module tree (with the size and
//! mtime of its `modules.dep`, which depmod rewrites whenever modules change)
//! the requested module list, and the size and mtime of the kernel's
//! build config, so a second start only stats files and hashes the init
//! binary.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::boot::cache::{self, Key};
use crate::boot::kernel::Kernel;
use crate::boot::vmlinux::{self, Compression};
use crate::error::{SandboxError, error};
use sandbox_init::qemu::layout;

/// Modules without which the sandbox cannot start: the PCI transport, the
/// consoles and the 9p root filesystem. Built-in ones are skipped.
pub const REQUIRED_MODULES: &[&str] = &["virtio_pci", "virtio_console", "9pnet_virtio", "9p"];
/// Optional module groups, put in the initrd when the kernel has them and
/// loaded by init-qemu only when the VM has the matching virtio device:
/// disks (with ext4 for filesystem images, and the crc32c that ext4/jbd2
/// ask for through a soft dependency), network, and virtio-fs (the host
/// binds; fuse comes with it as its dependency).
pub const OPTIONAL_GROUPS: &[(&str, &[&str])] = &[
    (
        layout::GROUP_BLOCK,
        &["virtio_blk", "crc32c_generic", "ext4"],
    ),
    (layout::GROUP_NET, &["virtio_net"]),
    (layout::GROUP_FS, &["virtiofs"]),
];
/// Directory of the modules inside the initrd (defined by init-qemu).
pub const MODULES_DIR: &str = sandbox_init::qemu::layout::MODULES_DIR;
/// The load-order file inside the initrd (defined by init-qemu).
pub const ORDER_FILE: &str = sandbox_init::qemu::layout::ORDER_FILE;

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
    deps: HashMap<String, (String, Vec<String>)>,
    builtin: HashSet<String>,
}

impl ModuleIndex {
    /// Reads `modules.dep` and `modules.builtin` (optional) of a tree.
    pub fn load(modules_dir: &Path) -> crate::Result<Self> {
        let read = |name: &str, required: bool| -> crate::Result<String> {
            let path = modules_dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(text),
                Err(e) if !required && e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
                Err(e) => Err(error(
                    SandboxError::Kernel,
                    format!(
                        "cannot read '{}': {e} (is the kernel's module package installed? \
                         `depmod` regenerates it)",
                        path.display()
                    ),
                )),
            }
        };
        Ok(Self::parse(
            &read("modules.dep", true)?,
            &read("modules.builtin", false)?,
        ))
    }

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

/// Reads a module file, decompressing `.ko.xz`, `.ko.gz` and `.ko.zst`.
fn read_module(path: &Path) -> crate::Result<Vec<u8>> {
    let data = std::fs::read(path).map_err(|e| {
        error(
            SandboxError::Kernel,
            format!("cannot read the kernel module '{}': {e}", path.display()),
        )
    })?;
    let name = path.to_string_lossy();
    let format = if name.ends_with(".ko") {
        return Ok(data);
    } else if name.ends_with(".ko.xz") {
        Compression::Xz
    } else if name.ends_with(".ko.gz") {
        Compression::Gzip
    } else if name.ends_with(".ko.zst") {
        Compression::Zstd
    } else {
        return Err(error(
            SandboxError::Kernel,
            format!(
                "kernel module '{}' has an unsupported compression (.ko, .ko.xz, .ko.gz and \
                 .ko.zst are supported)",
                path.display()
            ),
        ));
    };
    vmlinux::decompress(&data, format, data.len() * 4).map_err(|e| {
        error(
            SandboxError::Kernel,
            format!(
                "cannot decompress the kernel module '{}': {e}",
                path.display()
            ),
        )
    })
}

/// The marker that ends a signed module (see the kernel's module_signature.h).
const SIGNATURE_MAGIC: &[u8] = b"~Module signature appended~\n";
/// struct module_signature, between the signature and the marker; its last
/// four bytes are the signature's length, big-endian.
const SIGNATURE_INFO_LEN: usize = 12;

/// `module` without its appended signature (unchanged when unsigned or when
/// the trailer does not add up).
pub(crate) fn strip_signature(mut module: Vec<u8>) -> Vec<u8> {
    let Some(body) = module.strip_suffix(SIGNATURE_MAGIC) else {
        return module;
    };
    let Some(info_start) = body.len().checked_sub(SIGNATURE_INFO_LEN) else {
        return module;
    };
    let len_bytes: [u8; 4] = body[body.len() - 4..].try_into().expect("4 bytes");
    let signature_len = u32::from_be_bytes(len_bytes) as usize;
    if let Some(end) = info_start.checked_sub(signature_len) {
        module.truncate(end);
    }
    module
}

/// The section holding a module's BPF type information (BTF).
const BTF_SECTION: &[u8] = b".BTF";

/// Gives `module`'s `.BTF` section header a size of 0, so that the kernel
/// skips parsing the module's BPF type information when it loads it (a few
/// milliseconds a module under TCG: 50 ms over the 11 modules of a minimal
/// sandbox, measured by loading them with and without; for BPF tooling no
/// sandbox runs, and the kernel treats a module without BTF as normal). The
/// bytes stay where they are. Returns whether the header was found; anything
/// but a well-formed little-endian ELF64 object is left unchanged. Only for
/// modules whose signature is dropped: the edit invalidates it.
pub(crate) fn hide_btf(module: &mut [u8]) -> bool {
    use vmlinux::{le16, le32, le64};
    const SECTION_HEADER_LEN: usize = 64;
    const SH_SIZE: usize = 32;
    let word = |at: usize| le16(module, at).map(usize::from);
    let long = |at: usize| le32(module, at).map(|v| v as usize);
    let quad = |at: usize| le64(module, at).and_then(|v| usize::try_from(v).ok());
    if !vmlinux::is_elf64_le(module) {
        return false;
    }
    let (Some(table), Some(SECTION_HEADER_LEN), Some(count), Some(names_index)) =
        (quad(0x28), word(0x3a), word(0x3c), word(0x3e))
    else {
        return false;
    };
    let header = |index: usize| table.checked_add(index.checked_mul(SECTION_HEADER_LEN)?);
    let Some(names) = header(names_index).and_then(|h| quad(h.checked_add(24)?)) else {
        return false;
    };
    for index in 1..count {
        let Some(at) = header(index) else {
            return false;
        };
        let Some(name) = long(at).and_then(|n| module.get(names.checked_add(n)?..)) else {
            continue;
        };
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        if name == BTF_SECTION {
            return match module.get_mut(at + SH_SIZE..at + SH_SIZE + 8) {
                Some(size) => {
                    size.fill(0);
                    true
                }
                None => false,
            };
        }
    }
    false
}

/// Whether a kernel built with `config` (its `.config` text) loads unsigned
/// modules: signatures are then only checked, not required.
pub fn config_allows_unsigned_modules(config: &str) -> bool {
    const REQUIRING: [&str; 3] = [
        "CONFIG_MODULE_SIG_FORCE=y",
        "CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=y",
        "CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY=y",
    ];
    config
        .lines()
        .any(|line| line.starts_with("CONFIG_MODULES=y"))
        && !config
            .lines()
            .any(|line| REQUIRING.contains(&line.trim_end()))
}

/// The build config installed beside `kernel`'s image (`/boot/config-RELEASE`).
fn kernel_config(kernel: &Kernel) -> PathBuf {
    kernel
        .image
        .with_file_name(format!("config-{}", kernel.release))
}

/// Whether `kernel` is known to load unsigned modules, from its build config;
/// unknown means no. Read only when an initrd is built: the cache key holds
/// the config's size and mtime instead.
fn kernel_allows_unsigned_modules(kernel: &Kernel) -> bool {
    std::fs::read_to_string(kernel_config(kernel))
        .is_ok_and(|text| config_allows_unsigned_modules(&text))
}

/// Writes the initrd for the (group, module) `plan` of `modules_dir` with
/// `init` as /init, the modules' signatures removed (and their BTF hidden,
/// see [`hide_btf`]) when `strip_signatures`.
pub fn write_initrd(
    out: &mut dyn Write,
    init: &[u8],
    modules_dir: &Path,
    plan: &[(&str, Module)],
    strip_signatures: bool,
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
        let mut data = read_module(&modules_dir.join(&module.path))?;
        if strip_signatures {
            data = strip_signature(data);
            hide_btf(&mut data);
        }
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

/// The cache key of an initrd (see the module doc).
fn cache_key(init: &[u8], kernel: &Kernel, modules: &[&str]) -> crate::Result<String> {
    let dep = kernel.modules_dir.join("modules.dep");
    let meta = std::fs::metadata(&dep).map_err(|e| {
        error(
            SandboxError::Kernel,
            format!(
                "cannot read '{}': {e} (is the module package of kernel {} installed?)",
                dep.display(),
                kernel.release
            ),
        )
    })?;
    // The build config decides whether signatures are stripped; a stat of it
    // (none when missing) keeps a cache hit from reading it.
    let config = std::fs::metadata(kernel_config(kernel)).ok();
    let config_stamp = config
        .map(|m| {
            [m.size(), m.mtime() as u64, m.mtime_nsec() as u64]
                .map(u64::to_le_bytes)
                .concat()
        })
        .unwrap_or_default();
    let mut key = Key::new("initrd-v7");
    key.field(init)
        .field(&config_stamp)
        .field(kernel.release.as_bytes())
        .field(kernel.modules_dir.as_os_str().as_encoded_bytes())
        .field(&meta.size().to_le_bytes())
        .field(&meta.mtime().to_le_bytes())
        .field(&meta.mtime_nsec().to_le_bytes());
    for m in modules {
        key.field(m.as_bytes());
    }
    Ok(key.hex())
}

/// Returns the cached initrd for `kernel` with `init_qemu` as its /init,
/// building it first if needed (atomically: concurrent starts may both build
/// it, and each rename leaves a complete file).
pub fn ensure_initrd(
    kernel: &Kernel,
    init_qemu: &Path,
    cache_root: &Path,
) -> crate::Result<PathBuf> {
    let init = std::fs::read(init_qemu).map_err(|e| {
        error(
            SandboxError::Io,
            format!(
                "cannot read the QEMU init helper '{}': {e} (is libvirt-sandbox installed \
                 completely?)",
                init_qemu.display()
            ),
        )
    })?;
    let mut wanted: Vec<&str> = REQUIRED_MODULES.to_vec();
    for (group, modules) in OPTIONAL_GROUPS {
        wanted.push(group);
        wanted.extend(*modules);
    }
    let key = cache_key(&init, kernel, &wanted)?;
    let path = cache_root
        .join("initrd")
        .join(format!("initrd-{}-{key}.img", kernel.release));
    if path.is_file() {
        return Ok(path);
    }
    let index = ModuleIndex::load(&kernel.modules_dir)?;
    let plan = index.plan().map_err(|e| {
        error(
            SandboxError::Kernel,
            format!(
                "kernel {} ({}): {e}",
                kernel.release,
                kernel.modules_dir.display()
            ),
        )
    })?;
    let strip_signatures = kernel_allows_unsigned_modules(kernel);
    let mut failure = None;
    cache::write_atomic(&path, |out| {
        write_initrd(out, &init, &kernel.modules_dir, &plan, strip_signatures).map_err(|e| {
            let message = e.message().to_owned();
            failure = Some(e);
            io::Error::other(message)
        })
    })
    .map_err(|e| failure.take().unwrap_or(e))?;
    cache::evict_idle(
        &cache_root.join("initrd"),
        "initrd-",
        &path,
        cache::MAX_IDLE,
    );
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::testing::temp_dir;

    /// One entry read back: (name, mode, rdev, data).
    type Entry = (String, u32, (u32, u32), Vec<u8>);

    /// A test-only newc reader.
    fn read_cpio(mut data: &[u8]) -> Vec<Entry> {
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

    const DEP: &str = "\
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
                "9pnet",
                "9pnet_virtio",
                "netfs",
                "fscache",
                "9p",
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
        assert_eq!(core.len(), 10);
        // virtio_blk's dependencies are all in core already.
        let blk: Vec<_> = plan
            .iter()
            .filter(|(g, _)| *g == "blk")
            .map(|(_, m)| m.name.as_str())
            .collect();
        assert_eq!(blk, ["virtio_blk"]);
        // Groups come in order: core, then blk.
        let first_blk = plan.iter().position(|(g, _)| *g == "blk").unwrap();
        assert!(plan[..first_blk].iter().all(|(g, _)| *g == "core"));
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

    /// `body` with a module signature of `len` bytes appended.
    fn signed(mut body: Vec<u8>, len: u32) -> Vec<u8> {
        body.extend(std::iter::repeat_n(0xa5, len as usize));
        body.extend([0, 0, 2, 0, 0, 0, 0, 0]); // algo, hash, id type PKCS#7, ...
        body.extend(len.to_be_bytes());
        body.extend(SIGNATURE_MAGIC);
        body
    }

    #[test]
    fn strip_signature_removes_only_a_well_formed_trailer() {
        let module = b"\x7fELF module".to_vec();
        assert_eq!(strip_signature(signed(module.clone(), 300)), module);
        assert_eq!(strip_signature(module.clone()), module);
        // A trailer claiming more bytes than the file has is left alone.
        let mut bogus = module.clone();
        bogus.extend([0, 0, 2, 0, 0, 0, 0, 0]);
        bogus.extend(1000u32.to_be_bytes());
        bogus.extend(SIGNATURE_MAGIC);
        assert_eq!(strip_signature(bogus.clone()), bogus);
        assert_eq!(
            strip_signature(SIGNATURE_MAGIC.to_vec()),
            SIGNATURE_MAGIC.to_vec()
        );
    }

    /// A little-endian ELF64 object with a section of 100 bytes per name
    /// (the headers only: `hide_btf` reads no section data but the names).
    fn elf_with_sections(names: &[&str]) -> Vec<u8> {
        let mut strings = b"\0.shstrtab\0".to_vec();
        let mut name_offsets = Vec::new();
        for name in names {
            name_offsets.push(strings.len() as u32);
            strings.extend(name.as_bytes());
            strings.push(0);
        }
        let table = (64 + strings.len()).next_multiple_of(8);
        let mut elf = vec![0u8; 64];
        elf[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
        elf[0x28..0x30].copy_from_slice(&(table as u64).to_le_bytes());
        elf[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        elf[0x3c..0x3e].copy_from_slice(&(names.len() as u16 + 2).to_le_bytes());
        elf[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        elf.extend(&strings);
        elf.resize(table, 0);
        let header = |name: u32, kind: u32, offset: u64, size: u64| {
            let mut h = [0u8; 64];
            h[..4].copy_from_slice(&name.to_le_bytes());
            h[4..8].copy_from_slice(&kind.to_le_bytes());
            h[24..32].copy_from_slice(&offset.to_le_bytes());
            h[32..40].copy_from_slice(&size.to_le_bytes());
            h
        };
        elf.extend([0u8; 64]);
        elf.extend(header(1, 3, 64, strings.len() as u64));
        for offset in name_offsets {
            elf.extend(header(offset, 1, 0, 100));
        }
        elf
    }

    /// The sh_size of section `index` of an [`elf_with_sections`] object.
    fn section_size(elf: &[u8], index: usize) -> u64 {
        let table = u64::from_le_bytes(elf[0x28..0x30].try_into().unwrap()) as usize;
        let at = table + index * 64 + 32;
        u64::from_le_bytes(elf[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn hide_btf_empties_only_the_btf_section() {
        let mut elf = elf_with_sections(&[".text", ".BTF.ext", ".BTF", ".rela.BTF"]);
        let before = elf.clone();
        assert!(hide_btf(&mut elf));
        assert_eq!(section_size(&elf, 4), 0, ".BTF");
        for other in [2, 3, 5] {
            assert_eq!(section_size(&elf, other), 100, "section {other}");
        }
        // Nothing else changed: the same length, and only those 8 bytes.
        let changed = before.iter().zip(&elf).filter(|(a, b)| a != b).count();
        assert_eq!((elf.len(), changed), (before.len(), 1));
    }

    #[test]
    fn hide_btf_leaves_other_files_alone() {
        let mut without = elf_with_sections(&[".text", ".BTF.ext"]);
        let copy = without.clone();
        assert!(!hide_btf(&mut without));
        assert_eq!(without, copy);
        let whole = elf_with_sections(&[".BTF"]);
        // Cut inside the section headers, a 32-bit or big-endian object, no ELF.
        let mut damaged = vec![
            whole[..whole.len() - 40].to_vec(),
            whole.clone(),
            whole.clone(),
        ];
        damaged[1][4] = 1;
        damaged[2][5] = 2;
        damaged.push(b"not an ELF object at all".to_vec());
        damaged.push(Vec::new());
        for mut bytes in damaged {
            let copy = bytes.clone();
            assert!(!hide_btf(&mut bytes));
            assert_eq!(bytes, copy);
        }
    }

    #[test]
    fn unsigned_modules_need_a_config_that_allows_them() {
        let debian =
            "CONFIG_MODULES=y\nCONFIG_MODULE_SIG=y\n# CONFIG_MODULE_SIG_FORCE is not set\n";
        assert!(config_allows_unsigned_modules(debian));
        assert!(!config_allows_unsigned_modules(
            "CONFIG_MODULES=y\nCONFIG_MODULE_SIG_FORCE=y\n"
        ));
        assert!(!config_allows_unsigned_modules(
            "CONFIG_MODULES=y\nCONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=y\n"
        ));
        assert!(!config_allows_unsigned_modules(""));
    }

    /// A fake module tree whose modules are signed and compressed three ways.
    fn fake_tree(root: &Path) -> Kernel {
        let mods = root.join("lib/modules/1.0");
        for (path, _) in ModuleIndex::parse(DEP, "").deps.values() {
            let file = mods.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            let body = signed(format!("module {path}").into_bytes(), 64);
            let data = if path.ends_with(".gz") {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&body).unwrap();
                e.finish().unwrap()
            } else if path.ends_with(".xz") {
                let mut out = Vec::new();
                let mut w =
                    lzma_rust2::XzWriter::new(&mut out, lzma_rust2::XzOptions::default()).unwrap();
                w.write_all(&body).unwrap();
                w.finish().unwrap();
                out
            } else if path.ends_with(".zst") {
                ruzstd::encoding::compress_to_vec(
                    &body[..],
                    ruzstd::encoding::CompressionLevel::Fastest,
                )
            } else {
                body
            };
            std::fs::write(&file, data).unwrap();
        }
        std::fs::write(mods.join("modules.dep"), DEP).unwrap();
        std::fs::write(mods.join("modules.builtin"), "").unwrap();
        Kernel {
            release: "1.0".into(),
            image: root.join("vmlinuz-1.0"),
            modules_dir: mods,
        }
    }

    #[test]
    fn ensure_initrd_builds_then_hits_the_cache() {
        let root = temp_dir("initrd-cache");
        let kernel = fake_tree(&root);
        let init = root.join("init-qemu");
        std::fs::write(&init, b"\x7fELF fake init").unwrap();
        let cache = root.join("cache");

        let path = ensure_initrd(&kernel, &init, &cache).unwrap();
        let entries = read_cpio(&std::fs::read(&path).unwrap());
        let get = |n: &str| entries.iter().find(|e| e.0 == n).map(|e| e.3.clone());
        assert_eq!(get("init").unwrap(), b"\x7fELF fake init");
        let order = String::from_utf8(get(ORDER_FILE).unwrap()).unwrap();
        assert!(
            order.starts_with("core 00-virtio_pci_modern_dev.ko\n"),
            "{order}"
        );
        assert!(order.contains("core 03-virtio_pci.ko\n"), "{order}");
        assert!(order.ends_with("blk 10-virtio_blk.ko\n"), "{order}");
        for line in order.lines() {
            let (_, file) = line.split_once(' ').unwrap();
            let body = get(&format!("{MODULES_DIR}/{file}")).unwrap();
            assert!(
                body.starts_with(b"module kernel/"),
                "{line} not decompressed"
            );
            // No config-1.0 beside the image: signatures may be required.
            assert!(body.ends_with(SIGNATURE_MAGIC), "{line} lost its signature");
        }
        assert!(get("dev/console").is_some() && get("dev/null").is_some());

        // Second call: same path, file untouched.
        let before = std::fs::metadata(&path).unwrap();
        let started = std::time::Instant::now();
        let again = ensure_initrd(&kernel, &init, &cache).unwrap();
        let warm = started.elapsed();
        let after = std::fs::metadata(&again).unwrap();
        assert_eq!(again, path);
        assert_eq!(
            (before.ino(), before.mtime_nsec()),
            (after.ino(), after.mtime_nsec())
        );
        eprintln!("warm ensure_initrd: {warm:?}");

        // A different init binary is a different initrd.
        std::fs::write(&init, b"\x7fELF other init").unwrap();
        assert_ne!(ensure_initrd(&kernel, &init, &cache).unwrap(), path);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn modules_lose_their_signatures_when_the_kernel_allows() {
        let root = temp_dir("initrd-unsigned");
        let kernel = fake_tree(&root);
        let init = root.join("init-qemu");
        std::fs::write(&init, b"\x7fELF fake init").unwrap();
        let cache = root.join("cache");
        let signed_initrd = ensure_initrd(&kernel, &init, &cache).unwrap();
        std::fs::write(root.join("config-1.0"), "CONFIG_MODULES=y\n").unwrap();

        let path = ensure_initrd(&kernel, &init, &cache).unwrap();
        assert_ne!(path, signed_initrd, "the cache key must tell them apart");
        let entries = read_cpio(&std::fs::read(&path).unwrap());
        let modules: Vec<_> = entries.iter().filter(|e| e.0.ends_with(".ko")).collect();
        assert!(!modules.is_empty());
        for (name, _, _, body) in modules {
            let text = String::from_utf8(body.clone()).unwrap();
            assert!(
                text.starts_with("module kernel/") && !text.contains('~'),
                "{name}: {text:?}"
            );
        }
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn missing_init_is_named() {
        let root = temp_dir("initrd-noinit");
        let kernel = fake_tree(&root);
        let e = ensure_initrd(&kernel, &root.join("nope"), &root.join("cache")).unwrap_err();
        assert!(e.message().contains("nope"), "{}", e.message());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
