// SPDX-License-Identifier: LGPL-2.1-or-later
//! `GVirSandboxConfigFilesystemBackend`: how a virtual machine's root (and
//! with it the init helpers and the state directory) reaches the guest, the
//! config's `filesystem-backend` property. Containers ignore it.
//!
//! - `auto` (the default): virtio-fs when a usable virtiofsd is found (the
//!   `virtiofsd` property, `$LIBVIRT_SANDBOX_VIRTIOFSD`, then the search
//!   path of `context::qemu_host::find_virtiofsd`) and the URI is
//!   qemu:///system, else virtio-9p;
//! - `p9`: virtio-9p, served by QEMU itself;
//! - `virtiofs`: virtio-fs, an error when virtiofsd cannot be used.
//!
//! Host binds are virtio-fs shares whatever the choice (QEMU's 9p server
//! would need host root to write them with the guest's owners).

/// The file-system backend of a virtual machine's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, glib::Enum)]
#[enum_type(name = "GVirSandboxConfigFilesystemBackend")]
#[repr(i32)]
pub enum FilesystemBackend {
    /// virtio-fs when virtiofsd is usable, else 9p.
    #[default]
    #[enum_value(name = "GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_AUTO", nick = "auto")]
    Auto = 0,
    /// virtio-9p, served by QEMU.
    #[enum_value(name = "GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_P9", nick = "p9")]
    P9 = 1,
    /// virtio-fs, served by virtiofsd.
    #[enum_value(
        name = "GVIR_SANDBOX_CONFIG_FILESYSTEM_BACKEND_VIRTIOFS",
        nick = "virtiofs"
    )]
    Virtiofs = 2,
}

impl FilesystemBackend {
    /// The nick (`auto`, `p9`, `virtiofs`): the CLI's and the key file's spelling.
    pub fn nick(self) -> &'static str {
        match self {
            FilesystemBackend::Auto => "auto",
            FilesystemBackend::P9 => "p9",
            FilesystemBackend::Virtiofs => "virtiofs",
        }
    }

    /// The backend named `nick` (`9p` is accepted for `p9`).
    pub fn from_nick(nick: &str) -> Option<Self> {
        match nick {
            "auto" => Some(FilesystemBackend::Auto),
            "p9" | "9p" => Some(FilesystemBackend::P9),
            "virtiofs" | "virtio-fs" => Some(FilesystemBackend::Virtiofs),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glib::prelude::*;

    #[test]
    fn nicks_match_the_gtype() {
        let class = glib::EnumClass::with_type(FilesystemBackend::static_type()).unwrap();
        for b in [
            FilesystemBackend::Auto,
            FilesystemBackend::P9,
            FilesystemBackend::Virtiofs,
        ] {
            assert_eq!(class.value(b as i32).unwrap().nick(), b.nick());
            assert_eq!(FilesystemBackend::from_nick(b.nick()), Some(b));
        }
        assert_eq!(
            FilesystemBackend::from_nick("9p"),
            Some(FilesystemBackend::P9)
        );
        assert_eq!(FilesystemBackend::from_nick("nfs"), None);
        assert_eq!(FilesystemBackend::default(), FilesystemBackend::Auto);
    }
}
