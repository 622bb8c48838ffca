// SPDX-License-Identifier: LGPL-2.1-or-later
//! Block disks (`--disk TYPE:TAG=SOURCE`). LXC: a host block device is
//! passed in as is; a raw image file is attached to a loop device first
//! (detached again when the sandbox ends). QEMU: each is a virtio disk (raw
//! or qcow2, read by QEMU itself). The guest init links each one as
//! `/dev/disk/by-tag/TAG`.

use std::path::{Path, PathBuf};
use std::process::Command;

use sandbox_proto::launch::DiskTag;

use crate::builder::{VirtioDisk, machine};
use crate::config::Config;
use crate::config::options::{DiskFormat, DiskType};
use crate::error::{SandboxError, error};

/// A loop device this process attached; dropping it detaches it.
#[derive(Debug)]
pub(crate) struct LoopDevice {
    path: PathBuf,
}

impl LoopDevice {
    fn attach(image: &Path) -> crate::Result<Self> {
        let output = Command::new("losetup")
            .args(["--find", "--show", "--"])
            .arg(image)
            .output()
            .map_err(|e| {
                error(
                    SandboxError::Io,
                    format!(
                        "cannot run losetup (util-linux) for '{}': {e}",
                        image.display()
                    ),
                )
            })?;
        if !output.status.success() {
            return Err(error(
                SandboxError::InvalidDisk,
                format!(
                    "cannot attach the disk image '{}' to a loop device: {}",
                    image.display(),
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            ));
        }
        let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        Ok(Self { path: path.into() })
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        let detached = Command::new("losetup")
            .arg("--detach")
            .arg(&self.path)
            .status();
        if !matches!(detached, Ok(s) if s.success()) {
            glib::g_warning!(
                "LibvirtSandbox",
                "cannot detach the loop device '{}'",
                self.path.display()
            );
        }
    }
}

/// The disks of one LXC start.
#[derive(Debug, Default)]
pub(crate) struct PreparedDisks {
    /// Host block devices to pass into the container.
    pub(crate) devices: Vec<PathBuf>,
    /// What the init links under `/dev/disk/by-tag`.
    pub(crate) tags: Vec<DiskTag>,
    /// Held until the sandbox ends.
    pub(crate) loops: Vec<LoopDevice>,
    /// The virtio disks of a virtual machine (QEMU).
    pub(crate) virtio: Vec<VirtioDisk>,
}

fn invalid(message: String) -> crate::Error {
    error(SandboxError::InvalidDisk, message)
}

/// Why `path` cannot be an image file: missing, unreadable, or not a
/// regular file (a directory, a device, a socket), each said as it is.
pub(crate) fn check_image_file(path: &std::path::Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => {
            use std::os::unix::fs::FileTypeExt;
            let kind = meta.file_type();
            let what = if kind.is_dir() {
                "a directory"
            } else if kind.is_block_device() {
                "a block device (use a block disk)"
            } else if kind.is_char_device() {
                "a character device"
            } else if kind.is_fifo() {
                "a FIFO"
            } else if kind.is_socket() {
                "a socket"
            } else {
                "not a regular file"
            };
            Err(format!(
                "the image '{}' is {what}, not a regular file",
                path.display()
            ))
        }
        Err(e) => Err(format!(
            "the image '{}' cannot be used: {e}",
            path.display()
        )),
    }
}

/// The loop device `losetup --find` would attach an image to next, for a
/// domain described without being started (nothing is attached).
fn next_free_loop() -> crate::Result<PathBuf> {
    let output = Command::new("losetup")
        .arg("--find")
        .output()
        .map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot run losetup (util-linux): {e}"),
            )
        })?;
    if !output.status.success() {
        return Err(invalid(format!(
            "cannot find a free loop device: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().into())
}

/// Checks every disk and attaches the image files (`attach`; otherwise
/// each image is shown on the loop device it would get next, and nothing
/// is attached).
pub(crate) fn prepare_lxc(config: &Config, attach: bool) -> crate::Result<PreparedDisks> {
    let mut prepared = PreparedDisks::default();
    for disk in config.disks() {
        let tag = disk.tag().unwrap_or_default();
        let source = PathBuf::from(disk.source().unwrap_or_default());
        let what = format!("disk '{tag}' ({})", source.display());
        let device = match disk.disk_type() {
            DiskType::Block => {
                use std::os::unix::fs::FileTypeExt;
                let meta = std::fs::metadata(&source)
                    .map_err(|e| invalid(format!("{what}: cannot use the device: {e}")))?;
                if !meta.file_type().is_block_device() {
                    return Err(invalid(format!("{what}: not a block device")));
                }
                source
            }
            DiskType::File => {
                if let Err(why) = check_image_file(&source) {
                    return Err(invalid(format!("{what}: {why}")));
                }
                if disk.format() != DiskFormat::Raw {
                    return Err(invalid(format!(
                        "{what}: container sandboxes take raw images only (this one is {}); \
                         convert it with qemu-img or use a virtual machine (qemu:///system)",
                        disk.format().nick()
                    )));
                }
                if !attach {
                    next_free_loop()?
                } else {
                    let attached = LoopDevice::attach(&source)?;
                    let path = attached.path.clone();
                    prepared.loops.push(attached);
                    path
                }
            }
            other => {
                return Err(invalid(format!(
                    "{what}: {} disks are not supported; use file or block",
                    other.nick()
                )));
            }
        };
        prepared.tags.push(DiskTag {
            tag,
            device: device.to_string_lossy().into_owned(),
        });
        prepared.devices.push(device);
    }
    Ok(prepared)
}

/// Checks every disk of a virtual-machine sandbox: QEMU opens them itself
/// (as the sandbox's user), raw or qcow2.
pub(crate) fn prepare_qemu(config: &Config) -> crate::Result<PreparedDisks> {
    let mut prepared = PreparedDisks::default();
    for (index, disk) in config.disks().iter().enumerate() {
        let tag = disk.tag().unwrap_or_default();
        let source = PathBuf::from(disk.source().unwrap_or_default());
        let what = format!("disk '{tag}' ({})", source.display());
        let block = match disk.disk_type() {
            DiskType::Block => {
                use std::os::unix::fs::FileTypeExt;
                let meta = std::fs::metadata(&source)
                    .map_err(|e| invalid(format!("{what}: cannot use the device: {e}")))?;
                if !meta.file_type().is_block_device() {
                    return Err(invalid(format!("{what}: not a block device")));
                }
                true
            }
            DiskType::File => {
                if let Err(why) = check_image_file(&source) {
                    return Err(invalid(format!("{what}: {why}")));
                }
                false
            }
            other => {
                return Err(invalid(format!(
                    "{what}: {} disks are not supported; use file or block",
                    other.nick()
                )));
            }
        };
        let format = disk.format();
        if !matches!(format, DiskFormat::Raw | DiskFormat::Qcow2) {
            return Err(invalid(format!(
                "{what}: the format {} is not supported; use raw or qcow2 \
                 (convert it with qemu-img)",
                format.nick()
            )));
        }
        prepared.tags.push(DiskTag {
            tag,
            device: machine::disk_device(index),
        });
        prepared.virtio.push(VirtioDisk {
            source,
            block,
            format: format.nick().to_owned(),
        });
    }
    Ok(prepared)
}
