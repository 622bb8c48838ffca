// SPDX-License-Identifier: LGPL-2.1-or-later
//! The on-disk cache of QEMU boot files (the extracted vmlinux, the initrd):
//! where it lives, content keys, and atomic writes.
//!
//! Location: QEMU started by `qemu:///system` runs as an unprivileged user
//! (the VM's own), which must be able to read the kernel and initrd it is
//! given. Root's usual
//! cache (`/root/.cache`, under a mode-0700 home) is unreachable for it, so
//! when running as root the cache is `/var/cache/libvirt-sandbox` (directories
//! 0755, files 0644: everything in it is derived from world-readable host
//! files, so nothing is exposed that was not readable before). Other users get
//! `$XDG_CACHE_HOME/libvirt-sandbox` or `~/.cache/libvirt-sandbox`; with
//! `qemu:///session` QEMU runs as that user. `LIBVIRT_SANDBOX_CACHE_DIR`
//! overrides both (tests, packagers).
//!
//! Entries nobody read for 30 days are removed when a new entry of their
//! kind is written ([`evict_idle`]).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::error::{SandboxError, error};

/// Environment variable overriding the cache root.
pub const CACHE_DIR_ENV: &str = "LIBVIRT_SANDBOX_CACHE_DIR";
/// The world-readable cache root used by root (see the module doc).
pub const SYSTEM_CACHE_DIR: &str = "/var/cache/libvirt-sandbox";

/// The cache root for this process (not created; see [`ensure_dir`]).
pub fn cache_root() -> crate::Result<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    if nix::unistd::geteuid().is_root() {
        return Ok(PathBuf::from(SYSTEM_CACHE_DIR));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("libvirt-sandbox"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".cache/libvirt-sandbox")),
        None => Err(error(
            SandboxError::Io,
            format!(
                "cannot choose a cache directory for the QEMU boot files: neither \
                 XDG_CACHE_HOME nor HOME is set (set {CACHE_DIR_ENV})"
            ),
        )),
    }
}

/// Creates `dir` and its parents, readable and searchable by everyone (QEMU
/// runs as another user, see the module doc).
pub fn ensure_dir(dir: &Path) -> crate::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
        .map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot create the cache directory '{}': {e}", dir.display()),
            )
        })
}

/// Writes `path` atomically: the bytes produced by `fill` go to a temporary
/// file in the same directory, which is renamed over `path` only once
/// complete, so a concurrent reader sees the old file, the new one or none,
/// never a partial one. The file is mode 0644.
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> crate::Result<()> {
    let io_err = |what: &str, p: &Path, e: std::io::Error| {
        error(
            SandboxError::Io,
            format!("cannot {what} '{}': {e}", p.display()),
        )
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and call: concurrent writers never share a temp file.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
    let result = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)
            .map_err(|e| io_err("create", &tmp, e))?;
        // The umask may have narrowed the mode; QEMU must read the file.
        file.set_permissions(fs::Permissions::from_mode(0o644))
            .map_err(|e| io_err("chmod", &tmp, e))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut out).map_err(|e| io_err("write", &tmp, e))?;
        let file = out
            .into_inner()
            .map_err(|e| io_err("write", &tmp, e.into_error()))?;
        file.sync_all().map_err(|e| io_err("sync", &tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| io_err("rename into place", path, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// How long a cache entry may go unread before a new entry of its kind
/// replaces it on disk: each kernel update or new init binary adds a 6 MB
/// initrd, each kernel a 60 MB vmlinux.
pub const MAX_IDLE: Duration = Duration::from_secs(30 * 24 * 3600);

/// Best effort: removes the files of `dir` named `prefix*`, other than
/// `keep`, that nobody read or wrote for `max_idle` (by atime and mtime;
/// QEMU reads the cached files at every start, and relatime refreshes atime
/// daily). Called when a new entry was just written, so a cache only shrinks
/// when it grows. Temporary files of writers in progress are fresh, hence kept.
pub fn evict_idle(dir: &Path, prefix: &str, keep: &Path, max_idle: Duration) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let idle = |t: std::io::Result<SystemTime>| {
        t.ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > max_idle)
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path == keep || !name.to_string_lossy().starts_with(prefix) {
            continue;
        }
        match entry.metadata() {
            Ok(meta) if meta.is_file() && idle(meta.accessed()) && idle(meta.modified()) => {
                let _ = fs::remove_file(&path);
            }
            _ => {}
        }
    }
}

/// A SHA-256 content key, fed piece by piece.
#[derive(Default)]
pub struct Key(Sha256);

impl Key {
    pub fn new(kind: &str) -> Self {
        let mut key = Self(Sha256::new());
        key.field(kind.as_bytes());
        key
    }

    /// Adds one length-prefixed field (so ("ab","c") and ("a","bc") differ).
    pub fn field(&mut self, data: &[u8]) -> &mut Self {
        self.0.update((data.len() as u64).to_le_bytes());
        self.0.update(data);
        self
    }

    /// The first 128 bits in hex: plenty against accidental collisions, and
    /// short file names.
    pub fn hex(self) -> String {
        self.0.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_field_separated() {
        let mut a = Key::new("t");
        a.field(b"ab").field(b"c");
        let mut b = Key::new("t");
        b.field(b"a").field(b"bc");
        assert_ne!(a.hex(), b.hex());
        assert_eq!(Key::new("t").hex().len(), 32);
    }

    #[test]
    fn evict_idle_removes_only_long_unused_entries_of_its_kind() {
        let dir = crate::builder::testing::temp_dir("cache-evict");
        let touch = |name: &str, days_ago: u64| {
            let path = dir.join(name);
            fs::write(&path, name).unwrap();
            let when = SystemTime::now() - Duration::from_secs(days_ago * 24 * 3600);
            let file = fs::File::options().write(true).open(&path).unwrap();
            file.set_times(fs::FileTimes::new().set_accessed(when).set_modified(when))
                .unwrap();
            path
        };
        let old = touch("initrd-1.0-aaa.img", 40);
        let recent = touch("initrd-1.0-bbb.img", 3);
        let kept = touch("initrd-1.0-ccc.img", 40);
        let other_kind = touch("vmlinux-1.0-ddd", 40);
        evict_idle(&dir, "initrd-", &kept, MAX_IDLE);
        assert!(!old.exists());
        assert!(recent.exists() && kept.exists() && other_kind.exists());
        // A missing directory is no error.
        evict_idle(&dir.join("nope"), "initrd-", &kept, MAX_IDLE);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = crate::builder::testing::temp_dir("cache-atomic");
        let path = dir.join("sub/file");
        write_atomic(&path, |w| w.write_all(b"one")).unwrap();
        write_atomic(&path, |w| w.write_all(b"two")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        let failed = write_atomic(&path, |_| Err(std::io::Error::other("boom")));
        assert!(failed.unwrap_err().message().contains("boom"));
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.join("sub")).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
