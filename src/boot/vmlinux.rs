// SPDX-License-Identifier: LGPL-2.1-or-later
//! The fast boot path: the kernel decompressed once on the host and booted as
//! an ELF `vmlinux` through its PVH entry point.
//!
//! Under TCG, the bzImage's own decompressor (running emulated) and the
//! real-mode setup cost seconds per boot; QEMU can instead load an ELF
//! vmlinux directly and enter it in 32-bit protected mode when the kernel
//! advertises a PVH entry (`XEN_ELFNOTE_PHYS32_ENTRY`, CONFIG_PVH=y). So the
//! payload of the bzImage (gzip, xz, zstd, lz4 or lzma, found through the
//! boot protocol's `payload_offset`/`payload_length` fields) is decompressed
//! here and cached; kernels without the PVH note boot from the bzImage.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::cache::{self, Key};
use super::kernel::Kernel;
use crate::error::{SandboxError, error};

/// ELF note type of the PVH 32-bit entry point (Xen's public elfnote.h).
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;
/// Refuse to inflate beyond this (a corrupt size field must not eat memory).
const MAX_VMLINUX: usize = 1 << 30;

/// The kernel file QEMU is told to boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootImage {
    pub path: PathBuf,
    /// True when `path` is an ELF vmlinux with a PVH entry.
    pub pvh: bool,
    /// Why this image was chosen (for the debug log).
    pub reason: String,
}

/// Compression formats of kernel payloads and modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Xz,
    Zstd,
    /// LZ4 "legacy" frames, as the kernel's `lz4 -l` writes them.
    Lz4Legacy,
    /// The old `.lzma` ("alone") format.
    Lzma,
}

impl Compression {
    /// Recognises a payload by its magic bytes.
    pub fn detect(data: &[u8]) -> Option<Self> {
        if data.starts_with(&[0x1f, 0x8b]) {
            Some(Self::Gzip)
        } else if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Self::Xz)
        } else if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Self::Zstd)
        } else if data.starts_with(&[0x02, 0x21, 0x4c, 0x18]) {
            Some(Self::Lz4Legacy)
        } else if data.starts_with(&[0x5d, 0x00, 0x00]) {
            Some(Self::Lzma)
        } else {
            None
        }
    }
}

/// Decompresses one stream of `format`; bytes after the stream's end (the
/// kernel appends the inflated size) are ignored.
pub fn decompress(data: &[u8], format: Compression, size_hint: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(size_hint.min(MAX_VMLINUX));
    let limit = (MAX_VMLINUX + 1) as u64;
    let result = match format {
        Compression::Gzip => flate2::read::GzDecoder::new(data)
            .take(limit)
            .read_to_end(&mut out),
        Compression::Xz => lzma_rust2::XzReader::new(data, false)
            .take(limit)
            .read_to_end(&mut out),
        Compression::Zstd => ruzstd::decoding::StreamingDecoder::new(data)
            .map_err(|e| format!("zstd: {e}"))?
            .take(limit)
            .read_to_end(&mut out),
        Compression::Lzma => lzma_rust2::LzmaReader::new_mem_limit(data, u32::MAX, None)
            .map_err(|e| format!("lzma: {e}"))?
            .take(limit)
            .read_to_end(&mut out),
        Compression::Lz4Legacy => return lz4_legacy(data, size_hint),
    };
    result.map_err(|e| format!("{format:?} stream: {e}"))?;
    if out.len() > MAX_VMLINUX {
        return Err(format!("inflates to more than {MAX_VMLINUX} bytes"));
    }
    Ok(out)
}

/// LZ4 legacy format: a magic, then blocks of (u32 size, data) that each
/// inflate to at most 8 MiB. The stream has no end marker; it ends with the
/// input or, in a kernel payload, at the appended 4-byte size.
fn lz4_legacy(data: &[u8], size_hint: usize) -> Result<Vec<u8>, String> {
    const MAGIC: u32 = 0x184c_2102;
    const BLOCK: usize = 8 << 20;
    let mut out = Vec::with_capacity(size_hint.min(MAX_VMLINUX));
    let mut rest = &data[4..];
    let mut block = vec![0u8; BLOCK];
    while rest.len() >= 4 {
        let size = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        rest = &rest[4..];
        if size == MAGIC {
            continue; // concatenated streams
        }
        let size = size as usize;
        if size > rest.len() {
            if rest.is_empty() && !out.is_empty() {
                break; // that was the kernel's appended length
            }
            return Err(format!(
                "lz4: block of {size} bytes past the end of the data"
            ));
        }
        let n = lz4_flex::block::decompress_into(&rest[..size], &mut block)
            .map_err(|e| format!("lz4: {e}"))?;
        out.extend_from_slice(&block[..n]);
        if out.len() > MAX_VMLINUX {
            return Err(format!("inflates to more than {MAX_VMLINUX} bytes"));
        }
        rest = &rest[size..];
    }
    Ok(out)
}

/// Little-endian integers at byte offset `at` of `d` (None past its end,
/// whatever `at`). Shared with the initrd's module edits.
pub(crate) fn le16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        d.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
pub(crate) fn le32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        d.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
pub(crate) fn le64(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        d.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Whether `data` starts like a 64-bit little-endian ELF file.
pub(crate) fn is_elf64_le(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF") && data.get(4) == Some(&2) && data.get(5) == Some(&1)
}

/// The compressed payload of an x86 bzImage (boot protocol >= 2.08).
pub fn payload(bzimage: &[u8]) -> Result<&[u8], String> {
    if bzimage.get(0x202..0x206) != Some(b"HdrS") {
        return Err("not an x86 bzImage (no 'HdrS' boot header at 0x202)".into());
    }
    let version = le16(bzimage, 0x206).unwrap_or(0);
    if version < 0x208 {
        return Err(format!(
            "boot protocol {}.{:02} has no payload fields (2.08 needed)",
            version >> 8,
            version & 0xff
        ));
    }
    let setup_sects = match bzimage[0x1f1] {
        0 => 4,
        n => n as usize,
    };
    let start = (setup_sects + 1) * 512;
    let offset = le32(bzimage, 0x248).unwrap_or(0) as usize;
    let length = le32(bzimage, 0x24c).unwrap_or(0) as usize;
    start
        .checked_add(offset)
        .and_then(|from| Some(from..from.checked_add(length)?))
        .and_then(|range| bzimage.get(range))
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            format!("payload at {start}+{offset} ({length} bytes) lies outside the image")
        })
}

/// Decompresses the vmlinux ELF out of a bzImage.
pub fn extract(bzimage: &[u8]) -> Result<Vec<u8>, String> {
    let payload = payload(bzimage)?;
    let format = Compression::detect(payload).ok_or_else(|| {
        format!(
            "unsupported payload compression (magic {:02x?}); gzip, xz, zstd, lz4 and lzma \
             are supported",
            &payload[..payload.len().min(6)]
        )
    })?;
    // The kernel build appends the inflated size (little-endian u32).
    let size_hint = le32(payload, payload.len().saturating_sub(4)).unwrap_or(0) as usize;
    let elf = decompress(payload, format, size_hint)?;
    if !elf.starts_with(b"\x7fELF") {
        return Err(format!("the {format:?} payload is not an ELF image"));
    }
    Ok(elf)
}

/// Whether a 64-bit little-endian ELF has the PVH entry note in a PT_NOTE
/// segment (which is where QEMU looks for it).
pub fn has_pvh_note(elf: &[u8]) -> Result<bool, String> {
    const PT_NOTE: u32 = 4;
    if !is_elf64_le(elf) {
        return Err("not a 64-bit little-endian ELF file".into());
    }
    let bad = || "truncated ELF program headers".to_owned();
    let phoff = le64(elf, 0x20).ok_or_else(bad)? as usize;
    let phentsize = le16(elf, 0x36).ok_or_else(bad)? as usize;
    let phnum = le16(elf, 0x38).ok_or_else(bad)? as usize;
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        if le32(elf, ph).ok_or_else(bad)? != PT_NOTE {
            continue;
        }
        let offset = le64(elf, ph + 8).ok_or_else(bad)? as usize;
        let size = le64(elf, ph + 32).ok_or_else(bad)? as usize;
        let notes = offset
            .checked_add(size)
            .and_then(|end| elf.get(offset..end))
            .ok_or_else(|| "a PT_NOTE segment lies outside the file".to_owned())?;
        if notes_have(notes, b"Xen", XEN_ELFNOTE_PHYS32_ENTRY) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Walks an ELF note area looking for (name, type).
fn notes_have(mut notes: &[u8], name: &[u8], kind: u32) -> bool {
    let align = |n: usize| (n + 3) & !3;
    while notes.len() >= 12 {
        let (Some(namesz), Some(descsz), Some(ty)) =
            (le32(notes, 0), le32(notes, 4), le32(notes, 8))
        else {
            return false;
        };
        let (namesz, descsz) = (namesz as usize, descsz as usize);
        let Some(note_name) = notes.get(12..12 + namesz) else {
            return false;
        };
        if ty == kind && note_name.strip_suffix(b"\0").unwrap_or(note_name) == name {
            return true;
        }
        let next = 12 + align(namesz) + align(descsz);
        notes = notes.get(next..).unwrap_or(&[]);
    }
    false
}

/// The cache file names for `image`: keyed by its path, size and mtime, so a
/// reinstalled kernel gets a fresh entry without hashing 8 MB every start.
fn cache_key(image: &Path) -> crate::Result<String> {
    let meta = std::fs::metadata(image).map_err(|e| {
        error(
            SandboxError::Kernel,
            format!("cannot read the kernel image '{}': {e}", image.display()),
        )
    })?;
    let mut key = Key::new("vmlinux-v1");
    key.field(image.as_os_str().as_encoded_bytes())
        .field(&meta.size().to_le_bytes())
        .field(&meta.mtime().to_le_bytes())
        .field(&meta.mtime_nsec().to_le_bytes());
    Ok(key.hex())
}

/// The image to boot `kernel` with: the cached PVH vmlinux (extracting it
/// on first use), or the bzImage when the kernel has no PVH entry or its
/// payload cannot be extracted (then `reason` says why).
pub fn boot_image(kernel: &Kernel, cache_root: &Path) -> crate::Result<BootImage> {
    let key = cache_key(&kernel.image)?;
    let dir = cache_root.join("kernels");
    let vmlinux = dir.join(format!("vmlinux-{}-{key}", kernel.release));
    // Remembers "this image has no usable vmlinux" so it is not inflated
    // again on every start.
    let no_pvh = dir.join(format!("vmlinux-{}-{key}.nopvh", kernel.release));
    let bzimage = |reason: String| BootImage {
        path: kernel.image.clone(),
        pvh: false,
        reason,
    };
    if vmlinux.is_file() {
        return Ok(BootImage {
            path: vmlinux,
            pvh: true,
            reason: "cached PVH vmlinux".into(),
        });
    }
    if let Ok(reason) = std::fs::read_to_string(&no_pvh) {
        return Ok(bzimage(reason));
    }
    let data = std::fs::read(&kernel.image).map_err(|e| {
        error(
            SandboxError::Kernel,
            format!(
                "cannot read the kernel image '{}': {e}",
                kernel.image.display()
            ),
        )
    })?;
    let verdict = extract(&data).and_then(|elf| match has_pvh_note(&elf)? {
        true => Ok(elf),
        false => Err("the kernel has no PVH entry note (CONFIG_PVH is off)".into()),
    });
    match verdict {
        Ok(elf) => {
            cache::write_atomic(&vmlinux, |w| w.write_all(&elf))?;
            cache::evict_idle(&dir, "vmlinux-", &vmlinux, cache::MAX_IDLE);
            Ok(BootImage {
                path: vmlinux,
                pvh: true,
                reason: "PVH vmlinux extracted from the bzImage".into(),
            })
        }
        Err(why) => {
            let reason = format!("booting the bzImage '{}': {why}", kernel.image.display());
            cache::write_atomic(&no_pvh, |w| w.write_all(reason.as_bytes()))?;
            Ok(bzimage(reason))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal bzImage: a boot header pointing at `payload`.
    fn fake_bzimage(payload: &[u8]) -> Vec<u8> {
        let setup_sects = 1u8;
        let mut img = vec![0u8; (setup_sects as usize + 1) * 512];
        img[0x1f1] = setup_sects;
        img[0x202..0x206].copy_from_slice(b"HdrS");
        img[0x206..0x208].copy_from_slice(&0x20fu16.to_le_bytes());
        img[0x248..0x24c].copy_from_slice(&16u32.to_le_bytes());
        img[0x24c..0x250].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        img.extend_from_slice(&[0u8; 16]);
        img.extend_from_slice(payload);
        img
    }

    /// A minimal ELF64 with one PT_NOTE segment holding a Xen note of `kind`.
    fn fake_elf(kind: u32) -> Vec<u8> {
        let mut elf = vec![0u8; 64 + 56];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        elf[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        let mut note = Vec::new();
        note.extend_from_slice(&4u32.to_le_bytes());
        note.extend_from_slice(&4u32.to_le_bytes());
        note.extend_from_slice(&kind.to_le_bytes());
        note.extend_from_slice(b"Xen\0");
        note.extend_from_slice(&0x100_0000u32.to_le_bytes());
        let ph = 64;
        let note_offset = elf.len() as u64;
        elf[ph..ph + 4].copy_from_slice(&4u32.to_le_bytes());
        elf[ph + 8..ph + 16].copy_from_slice(&note_offset.to_le_bytes());
        elf[ph + 32..ph + 40].copy_from_slice(&(note.len() as u64).to_le_bytes());
        elf.extend_from_slice(&note);
        elf
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        let mut out = enc.finish().unwrap();
        // Like the kernel build: the inflated size follows the stream.
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out
    }

    #[test]
    fn synthetic_gzip_bzimage_with_pvh() {
        let elf = fake_elf(XEN_ELFNOTE_PHYS32_ENTRY);
        let img = fake_bzimage(&gzip(&elf));
        let out = extract(&img).unwrap();
        assert_eq!(out, elf);
        assert!(has_pvh_note(&out).unwrap());
        assert!(!has_pvh_note(&fake_elf(17)).unwrap());
    }

    #[test]
    fn synthetic_xz_and_lz4() {
        let elf = fake_elf(XEN_ELFNOTE_PHYS32_ENTRY);
        let mut xz = Vec::new();
        let mut w = lzma_rust2::XzWriter::new(&mut xz, lzma_rust2::XzOptions::default()).unwrap();
        w.write_all(&elf).unwrap();
        w.finish().unwrap();
        xz.extend_from_slice(&(elf.len() as u32).to_le_bytes());
        assert_eq!(extract(&fake_bzimage(&xz)).unwrap(), elf);

        let mut lz4 = vec![0x02, 0x21, 0x4c, 0x18];
        let block = lz4_flex::block::compress(&elf);
        lz4.extend_from_slice(&(block.len() as u32).to_le_bytes());
        lz4.extend_from_slice(&block);
        lz4.extend_from_slice(&(elf.len() as u32).to_le_bytes());
        assert_eq!(extract(&fake_bzimage(&lz4)).unwrap(), elf);
    }

    #[test]
    fn rejects_non_kernels() {
        assert!(extract(b"hello").unwrap_err().contains("HdrS"));
        let img = fake_bzimage(b"BZh91AY&SY");
        assert!(extract(&img).unwrap_err().contains("unsupported payload"));
        assert!(has_pvh_note(b"\x7fELF\x01\x01").is_err());
    }

    #[test]
    fn cache_hit_and_bzimage_fallback() {
        let dir = crate::builder::testing::temp_dir("vmlinux-cache");
        let image = dir.join("vmlinuz-1.0");
        std::fs::write(
            &image,
            fake_bzimage(&gzip(&fake_elf(XEN_ELFNOTE_PHYS32_ENTRY))),
        )
        .unwrap();
        let kernel = Kernel {
            release: "1.0".into(),
            image: image.clone(),
            modules_dir: dir.join("modules"),
        };
        let cache = dir.join("cache");
        let first = boot_image(&kernel, &cache).unwrap();
        assert!(first.pvh, "{first:?}");
        let second = boot_image(&kernel, &cache).unwrap();
        assert_eq!(
            (second.path, second.reason.as_str()),
            (first.path, "cached PVH vmlinux")
        );

        let image2 = dir.join("vmlinuz-2.0");
        std::fs::write(&image2, fake_bzimage(&gzip(&fake_elf(1)))).unwrap();
        let kernel2 = Kernel {
            image: image2.clone(),
            ..kernel
        };
        for _ in 0..2 {
            let b = boot_image(&kernel2, &cache).unwrap();
            assert!(!b.pvh && b.path == image2, "{b:?}");
            assert!(b.reason.contains("no PVH entry"), "{b:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The real host kernel, when there is one (Debian 12's is XZ with BCJ).
    #[test]
    fn host_kernel_extracts_with_pvh() {
        let Ok(kernel) = super::super::kernel::select(None, None, None) else {
            eprintln!("no host kernel installed: skipped");
            return;
        };
        let data = std::fs::read(&kernel.image).unwrap();
        let started = std::time::Instant::now();
        let elf = extract(&data).unwrap();
        eprintln!(
            "{}: {} -> {} bytes in {:?}",
            kernel.image.display(),
            data.len(),
            elf.len(),
            started.elapsed()
        );
        assert!(has_pvh_note(&elf).unwrap());
    }
}
