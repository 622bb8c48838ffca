// SPDX-License-Identifier: LGPL-2.1-or-later
//! The host half of the QEMU sandbox's initrd (the archive itself is
//! assembled by the pure [`crate::builder::initrd`]): reading the host's
//! module tree, decompressing its modules, and the cached initrd.
//!
//! Modules are decompressed here, on the host, rather than in the guest: init-qemu stays
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
//! The initrd is cached under the cache root, named by a SHA-256 key of the
//! init binary's bytes, the kernel release and module tree (with the size and
//! mtime of its `modules.dep`, which depmod rewrites whenever modules change)
//! the requested module list, and the size and mtime of the kernel's
//! build config, so a second start only stats files and hashes the init
//! binary.

use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::cache::{self, Key};
use super::kernel::Kernel;
use super::vmlinux::{self, Compression};
use crate::builder::initrd::{Module, ModuleIndex, OPTIONAL_GROUPS, REQUIRED_MODULES};
use crate::error::{SandboxError, error};

/// Reads `modules.dep` and `modules.builtin` (optional) of a tree.
pub fn module_index(modules_dir: &Path) -> crate::Result<ModuleIndex> {
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
    Ok(ModuleIndex::parse(
        &read("modules.dep", true)?,
        &read("modules.builtin", false)?,
    ))
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
/// `init` as /init, the modules read (and decompressed) from the tree, their
/// signatures removed when `strip_signatures` (see
/// [`crate::builder::initrd::write_initrd`]).
pub fn write_initrd(
    out: &mut dyn Write,
    init: &[u8],
    modules_dir: &Path,
    plan: &[(&str, Module)],
    strip_signatures: bool,
) -> crate::Result<()> {
    crate::builder::initrd::write_initrd(out, init, plan, &mut |module| {
        let mut data = read_module(&modules_dir.join(&module.path))?;
        if strip_signatures {
            data = strip_signature(data);
            hide_btf(&mut data);
        }
        Ok(data)
    })
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
    let index = module_index(&kernel.modules_dir)?;
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
    use crate::builder::initrd::tests::{DEP, read_cpio};
    use crate::builder::initrd::{MODULES_DIR, ORDER_FILE};
    use crate::builder::testing::temp_dir;

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
