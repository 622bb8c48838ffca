// SPDX-License-Identifier: LGPL-2.1-or-later
//! Which kernel a QEMU sandbox boots: the host's own kernel image and its
//! module tree, so the guest runs exactly what the host's distribution ships.
//!
//! Explicit choices (the config's kernel release, kernel path, module path)
//! win. Otherwise the running kernel is used when both its image and its
//! modules are installed, and else the newest installed kernel that has both
//! (a container or a kernel upgrade often leaves the running kernel without
//! an image in `/boot`).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use crate::error::{SandboxError, error};

/// A bootable kernel on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kernel {
    /// The release (`uname -r` of the guest), e.g. `6.1.0-56-amd64`.
    pub release: String,
    /// The compressed image (bzImage), e.g. `/boot/vmlinuz-6.1.0-56-amd64`.
    pub image: PathBuf,
    /// The module tree, e.g. `/lib/modules/6.1.0-56-amd64`.
    pub modules_dir: PathBuf,
}

/// What to install when no kernel is usable.
const INSTALL_HINT: &str =
    "install a kernel package providing both (on Debian: apt-get install linux-image-amd64)";

/// Selects the kernel to boot (see the module doc).
pub fn select(
    release: Option<&str>,
    kernpath: Option<&str>,
    kmodpath: Option<&str>,
) -> crate::Result<Kernel> {
    let running = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .map_err(|e| error(SandboxError::Kernel, format!("uname: {e}")))?;
    select_in(
        Path::new("/boot"),
        Path::new("/lib/modules"),
        &running,
        release,
        kernpath,
        kmodpath,
    )
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// [`select`] with the roots and the running release as parameters.
fn select_in(
    boot: &Path,
    modules: &Path,
    running: &str,
    release: Option<&str>,
    kernpath: Option<&str>,
    kmodpath: Option<&str>,
) -> crate::Result<Kernel> {
    let (release, kernpath, kmodpath) =
        (non_empty(release), non_empty(kernpath), non_empty(kmodpath));
    let image_of = |rel: &str| boot.join(format!("vmlinuz-{rel}"));
    let modules_of = |rel: &str| modules.join(rel);

    let chosen = match release {
        Some(rel) => rel.to_owned(),
        None if kernpath.is_some() && kmodpath.is_some() => {
            // Both paths given: the release is the module tree's name.
            let dir = Path::new(kmodpath.unwrap_or_default());
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }
        None => {
            let complete = |rel: &str| image_of(rel).is_file() && modules_of(rel).is_dir();
            if complete(running) {
                running.to_owned()
            } else {
                match newest_installed(boot, modules)? {
                    Some(rel) => rel,
                    None => {
                        return Err(error(
                            SandboxError::Kernel,
                            format!(
                                "no kernel to boot the sandbox: the running kernel {running} \
                                 has {} and no other release has both '{}' and '{}'; {INSTALL_HINT}",
                                describe_missing(&image_of(running), &modules_of(running)),
                                image_of("RELEASE").display(),
                                modules_of("RELEASE").display(),
                            ),
                        ));
                    }
                }
            }
        }
    };
    let kernel = Kernel {
        image: kernpath.map_or_else(|| image_of(&chosen), PathBuf::from),
        modules_dir: kmodpath.map_or_else(|| modules_of(&chosen), PathBuf::from),
        release: chosen,
    };
    if !kernel.image.is_file() || !kernel.modules_dir.is_dir() {
        return Err(error(
            SandboxError::Kernel,
            format!(
                "cannot boot kernel {}: {}; {INSTALL_HINT}, or choose another kernel \
                 (kernel release/path/module path of the config)",
                kernel.release,
                describe_missing(&kernel.image, &kernel.modules_dir)
            ),
        ));
    }
    Ok(kernel)
}

fn describe_missing(image: &Path, modules: &Path) -> String {
    let mut missing = Vec::new();
    if !image.is_file() {
        missing.push(format!("no kernel image '{}'", image.display()));
    }
    if !modules.is_dir() {
        missing.push(format!("no module directory '{}'", modules.display()));
    }
    if missing.is_empty() {
        "both image and modules".to_owned()
    } else {
        missing.join(" and ")
    }
}

/// The newest release with both `boot/vmlinuz-REL` and `modules/REL`.
fn newest_installed(boot: &Path, modules: &Path) -> crate::Result<Option<String>> {
    let entries = match std::fs::read_dir(boot) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(error(
                SandboxError::Kernel,
                format!("cannot list '{}': {e}", boot.display()),
            ));
        }
    };
    let mut releases: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("vmlinuz-"))
                .map(str::to_owned)
        })
        .filter(|rel| !rel.is_empty() && boot.join(format!("vmlinuz-{rel}")).is_file())
        .filter(|rel| modules.join(rel).is_dir())
        .collect();
    releases.sort_by(|a, b| version_cmp(a, b));
    Ok(releases.pop())
}

/// Compares releases the way `sort -V` does for kernel names: runs of digits
/// numerically, everything else byte-wise (so 6.10 > 6.9 and -56 > -9).
pub fn version_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
                let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if ord != Ordering::Equal {
                    return ord;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::testing::temp_dir;

    struct Tree {
        root: PathBuf,
    }

    impl Tree {
        fn new(name: &str) -> Self {
            let root = temp_dir(name);
            std::fs::create_dir_all(root.join("boot")).unwrap();
            std::fs::create_dir_all(root.join("modules")).unwrap();
            Self { root }
        }
        fn image(&self, rel: &str) -> &Self {
            std::fs::write(self.boot().join(format!("vmlinuz-{rel}")), b"bz").unwrap();
            self
        }
        fn modules(&self, rel: &str) -> &Self {
            std::fs::create_dir_all(self.mods().join(rel)).unwrap();
            self
        }
        fn boot(&self) -> PathBuf {
            self.root.join("boot")
        }
        fn mods(&self) -> PathBuf {
            self.root.join("modules")
        }
        fn select(
            &self,
            running: &str,
            release: Option<&str>,
            kernpath: Option<&str>,
            kmodpath: Option<&str>,
        ) -> crate::Result<Kernel> {
            select_in(
                &self.boot(),
                &self.mods(),
                running,
                release,
                kernpath,
                kmodpath,
            )
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    #[test]
    fn running_kernel_first() {
        let t = Tree::new("kernel-running");
        t.image("6.1.0-9-amd64").modules("6.1.0-9-amd64");
        t.image("6.10.0-1-amd64").modules("6.10.0-1-amd64");
        let k = t.select("6.1.0-9-amd64", None, None, None).unwrap();
        assert_eq!(k.release, "6.1.0-9-amd64");
        assert_eq!(k.image, t.boot().join("vmlinuz-6.1.0-9-amd64"));
        assert_eq!(k.modules_dir, t.mods().join("6.1.0-9-amd64"));
    }

    #[test]
    fn newest_complete_kernel_otherwise() {
        let t = Tree::new("kernel-newest");
        t.image("6.1.0-9-amd64").modules("6.1.0-9-amd64");
        t.image("6.1.0-56-amd64").modules("6.1.0-56-amd64");
        // Newer but incomplete: skipped.
        t.image("6.12.0-1-amd64");
        t.modules("6.18.44-fc");
        let k = t.select("6.18.44-fc", None, None, None).unwrap();
        assert_eq!(k.release, "6.1.0-56-amd64");
    }

    #[test]
    fn explicit_choices_win() {
        let t = Tree::new("kernel-explicit");
        t.image("5.10.0-1-amd64").modules("5.10.0-1-amd64");
        t.image("6.1.0-1-amd64").modules("6.1.0-1-amd64");
        let k = t
            .select("6.1.0-1-amd64", Some("5.10.0-1-amd64"), None, None)
            .unwrap();
        assert_eq!(k.image, t.boot().join("vmlinuz-5.10.0-1-amd64"));

        let image = t.boot().join("vmlinuz-5.10.0-1-amd64");
        let mods = t.mods().join("5.10.0-1-amd64");
        let k = t.select("x", None, image.to_str(), mods.to_str()).unwrap();
        assert_eq!(k.release, "5.10.0-1-amd64");
        assert_eq!((k.image, k.modules_dir), (image, mods));
    }

    #[test]
    fn errors_name_what_is_missing() {
        let t = Tree::new("kernel-missing");
        t.modules("6.18.44-fc");
        let e = t.select("6.18.44-fc", None, None, None).unwrap_err();
        let msg = e.message();
        assert!(e.matches(SandboxError::Kernel), "{msg}");
        assert!(msg.contains("vmlinuz-6.18.44-fc"), "{msg}");
        assert!(!msg.contains("no module directory"), "{msg}");
        assert!(msg.contains("linux-image-amd64"), "{msg}");

        let e = t.select("6.18.44-fc", Some("4.0"), None, None).unwrap_err();
        let msg = e.message();
        assert!(
            msg.contains("vmlinuz-4.0") && msg.contains("modules/4.0"),
            "{msg}"
        );
    }

    #[test]
    fn version_order() {
        let mut v = vec!["6.9.0-1", "6.10.0-1", "6.1.0-56", "6.1.0-9", "6.1.0-56-rt"];
        v.sort_by(|a, b| version_cmp(a, b));
        assert_eq!(
            v,
            ["6.1.0-9", "6.1.0-56", "6.1.0-56-rt", "6.9.0-1", "6.10.0-1"]
        );
        assert_eq!(version_cmp("6.01", "6.1"), Ordering::Equal);
    }
}
