// SPDX-License-Identifier: LGPL-2.1-or-later
//! POSIX access ACLs (the `system.posix_acl_access` attribute), for giving
//! one virtual machine's QEMU, which runs as a user of its own (see
//! [`super::qemu_host::VmUser`]), access to a file without changing its
//! owner, its group or what anybody else may do with it.
//!
//! A named-user entry is added with [`grant`] and removed with [`revoke`].
//! The mask (the ceiling of every named entry and of the owning group) is
//! widened only where that gives nobody else more than before, and folded
//! back into the group's entry once no named entry is left, so a file that
//! had no ACL gets its exact mode back.

use std::io;
use std::path::Path;

/// The attribute holding a file's access ACL.
const ACCESS_ACL: &str = "system.posix_acl_access";
/// The only version of the attribute's format.
const VERSION: u32 = 2;
/// The id of the entries that have none (owner, owning group, mask, others).
const NO_ID: u32 = u32::MAX;

const USER_OBJ: u16 = 0x01;
const USER: u16 = 0x02;
const GROUP_OBJ: u16 = 0x04;
const GROUP: u16 = 0x08;
const MASK: u16 = 0x10;
const OTHER: u16 = 0x20;

/// Read permission.
pub(crate) const READ: u16 = 4;
/// Write permission.
pub(crate) const WRITE: u16 = 2;
/// Execute (search, for a directory) permission.
pub(crate) const EXECUTE: u16 = 1;

/// One entry: tag, permission bits, user or group id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    tag: u16,
    perm: u16,
    id: u32,
}

impl Entry {
    /// An entry without an id (owner, owning group, mask, others).
    fn base(tag: u16, perm: u16) -> Self {
        Entry {
            tag,
            perm,
            id: NO_ID,
        }
    }
}

/// An access ACL, its entries in the kernel's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Acl {
    entries: Vec<Entry>,
}

fn invalid(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

impl Acl {
    /// The ACL equivalent to file mode `mode` (owner, group, others).
    fn from_mode(mode: u32) -> Self {
        let bits = |shift: u32| ((mode >> shift) & 7) as u16;
        Acl {
            entries: vec![
                Entry::base(USER_OBJ, bits(6)),
                Entry::base(GROUP_OBJ, bits(3)),
                Entry::base(OTHER, bits(0)),
            ],
        }
    }

    /// Parses the attribute's value.
    fn parse(bytes: &[u8]) -> io::Result<Self> {
        let (header, body) = bytes
            .split_first_chunk::<4>()
            .ok_or_else(|| invalid("the ACL is shorter than its header"))?;
        if u32::from_le_bytes(*header) != VERSION {
            return Err(invalid("the ACL has an unknown version"));
        }
        if body.len() % 8 != 0 {
            return Err(invalid("the ACL has a partial entry"));
        }
        let entries = body
            .chunks_exact(8)
            .map(|e| Entry {
                tag: u16::from_le_bytes([e[0], e[1]]),
                perm: u16::from_le_bytes([e[2], e[3]]),
                id: u32::from_le_bytes([e[4], e[5], e[6], e[7]]),
            })
            .collect();
        Ok(Acl { entries })
    }

    /// The attribute's value.
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = VERSION.to_le_bytes().to_vec();
        for e in &self.entries {
            bytes.extend_from_slice(&e.tag.to_le_bytes());
            bytes.extend_from_slice(&e.perm.to_le_bytes());
            bytes.extend_from_slice(&e.id.to_le_bytes());
        }
        bytes
    }

    /// The ACL of `path` (its mode's when it has none).
    fn of(path: &Path) -> io::Result<Self> {
        match xattr::get(path, ACCESS_ACL)? {
            Some(bytes) => Self::parse(&bytes),
            None => {
                use std::os::unix::fs::MetadataExt;
                Ok(Self::from_mode(std::fs::metadata(path)?.mode()))
            }
        }
    }

    /// Sets this as the ACL of `path`; a minimal one is the mode (the
    /// kernel then drops the attribute).
    fn apply(&self, path: &Path) -> io::Result<()> {
        xattr::set(path, ACCESS_ACL, &self.to_bytes())
    }

    fn perm(&self, tag: u16) -> Option<u16> {
        self.entries.iter().find(|e| e.tag == tag).map(|e| e.perm)
    }

    /// Whether an entry is limited by the mask.
    fn masked(tag: u16) -> bool {
        matches!(tag, USER | GROUP_OBJ | GROUP)
    }

    /// The entries but user `uid`'s.
    fn entries_but_user(&self, uid: u32) -> Vec<Entry> {
        self.entries
            .iter()
            .copied()
            .filter(|e| !(e.tag == USER && e.id == uid))
            .collect()
    }

    /// This ACL with user `uid` given exactly `perm`.
    fn with_user(&self, uid: u32, perm: u16) -> io::Result<Self> {
        let mut entries = self.entries_but_user(uid);
        let group = self.perm(GROUP_OBJ).unwrap_or(0);
        match entries.iter_mut().find(|e| e.tag == MASK) {
            None => entries.push(Entry::base(MASK, group | perm)),
            Some(mask) if mask.perm & perm != perm => {
                // Widening the mask must not widen anybody else's rights.
                let old = mask.perm;
                if self
                    .entries_but_user(uid)
                    .iter()
                    .any(|e| Self::masked(e.tag) && e.perm & !old != 0)
                {
                    return Err(io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        "its ACL's mask limits other entries, and widening it would give them \
                         more rights",
                    ));
                }
                mask.perm |= perm;
            }
            Some(_) => {}
        }
        entries.push(Entry {
            tag: USER,
            perm,
            id: uid,
        });
        entries.sort_by_key(|e| (e.tag, e.id));
        Ok(Acl { entries })
    }

    /// This ACL without an entry for user `uid`; without a named entry
    /// left, the mask is folded into the owning group's entry (what it
    /// allowed the group stays allowed, no more).
    fn without_user(&self, uid: u32) -> Self {
        let mut entries = self.entries_but_user(uid);
        if !entries.iter().any(|e| matches!(e.tag, USER | GROUP))
            && let Some(mask) = self.perm(MASK)
        {
            entries.retain(|e| e.tag != MASK);
            for e in entries.iter_mut().filter(|e| e.tag == GROUP_OBJ) {
                e.perm &= mask;
            }
        }
        Acl { entries }
    }

    /// The permission this ACL gives user `uid` by a named entry, if any.
    #[cfg(test)]
    fn user(&self, uid: u32) -> Option<u16> {
        self.entries
            .iter()
            .find(|e| e.tag == USER && e.id == uid)
            .map(|e| e.perm)
    }
}

/// Whether a named ACL entry of `path` gives user `uid` all of `perm`
/// (within the mask). Follows a link.
pub(crate) fn grants(path: &Path, uid: u32, perm: u16) -> bool {
    let Ok(acl) = Acl::of(path) else {
        return false;
    };
    let Some(entry) = acl
        .entries
        .iter()
        .find(|e| e.tag == USER && e.id == uid)
        .map(|e| e.perm)
    else {
        return false;
    };
    entry & acl.perm(MASK).unwrap_or(entry) & perm == perm
}

/// Gives user `uid` the permission `perm` (bits of [`READ`], [`WRITE`],
/// [`EXECUTE`]) on `path` through a named ACL entry, replacing an entry it
/// had. Follows a link.
pub(crate) fn grant(path: &Path, uid: u32, perm: u16) -> io::Result<()> {
    Acl::of(path)?.with_user(uid, perm)?.apply(path)
}

/// Removes user `uid`'s named entry from the ACL of `path` (nothing to do
/// when it has none).
pub(crate) fn revoke(path: &Path, uid: u32) -> io::Result<()> {
    let acl = Acl::of(path)?;
    let without = acl.without_user(uid);
    if without == acl {
        return Ok(());
    }
    without.apply(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    const ME: u32 = 0x3000_1234;

    #[test]
    fn a_mode_round_trips_through_a_grant_and_its_revocation() {
        let base = crate::builder::testing::temp_dir("acl");
        let file = base.join("disk.img");
        std::fs::write(&file, b"x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        grant(&file, ME, READ | WRITE).unwrap();
        let acl = Acl::of(&file).unwrap();
        assert_eq!(acl.user(ME), Some(READ | WRITE));
        assert!(grants(&file, ME, READ | WRITE) && !grants(&file, ME, EXECUTE));
        assert!(!grants(&file, ME + 1, READ));
        // The owning group keeps its read only (the mask shows in the mode).
        assert_eq!(acl.perm(GROUP_OBJ), Some(READ));
        assert_eq!(acl.perm(MASK), Some(READ | WRITE));
        assert_eq!(acl.perm(OTHER), Some(0));
        // Granting again replaces the entry.
        grant(&file, ME, READ).unwrap();
        assert_eq!(Acl::of(&file).unwrap().user(ME), Some(READ));
        revoke(&file, ME).unwrap();
        assert_eq!(xattr::get(&file, ACCESS_ACL).unwrap(), None);
        assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o640);
        revoke(&file, ME).unwrap(); // nothing left to revoke
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn other_entries_and_a_narrow_mask_are_kept() {
        let bob = Entry {
            tag: USER,
            perm: READ,
            id: 1000,
        };
        let acl = Acl {
            entries: vec![
                Entry::base(USER_OBJ, 6),
                bob,
                Entry::base(GROUP_OBJ, READ),
                Entry::base(MASK, READ),
                Entry::base(OTHER, 0),
            ],
        };
        // Widening r to rw gives bob and the group nothing new: allowed.
        let lent = acl.with_user(ME, READ | WRITE).unwrap();
        assert_eq!(lent.perm(MASK), Some(READ | WRITE));
        assert_eq!(lent.user(1000), Some(READ));
        // Revoking keeps bob, so the mask stays.
        let back = lent.without_user(ME);
        assert_eq!(back.user(1000), Some(READ));
        assert_eq!(back.perm(MASK), Some(READ | WRITE));
        assert_eq!(Acl::parse(&back.to_bytes()).unwrap(), back);

        // A mask that holds bob's rw back to r cannot be widened.
        let mut held = acl.clone();
        held.entries[1].perm = READ | WRITE;
        let err = held.with_user(ME, READ | WRITE).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        // Reading needs no widening.
        assert!(held.with_user(ME, READ).is_ok());

        // A group limited by a mask without named entries stays limited.
        let limited = Acl {
            entries: vec![
                Entry::base(USER_OBJ, 6),
                Entry::base(GROUP_OBJ, 6),
                Entry::base(MASK, READ),
                Entry::base(OTHER, 0),
            ],
        };
        let back = limited.with_user(ME, READ).unwrap().without_user(ME);
        assert_eq!(back, Acl::from_mode(0o640));
    }

    #[test]
    fn malformed_attributes_are_errors() {
        assert!(Acl::parse(b"").is_err());
        assert!(Acl::parse(&3u32.to_le_bytes()).is_err());
        assert!(Acl::parse(&[2, 0, 0, 0, 1, 0, 6]).is_err());
        assert_eq!(Acl::parse(&2u32.to_le_bytes()).unwrap().entries, []);
    }
}
