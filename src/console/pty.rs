// SPDX-License-Identifier: LGPL-2.1-or-later
//! Finding and opening the host end of a domain's console.
//!
//! libvirt gives every `<console type='pty'>`/`<serial type='pty'>` a host
//! pseudo-terminal and records its path in the live domain XML. Opening it
//! directly (as the original's "direct" mode did) moves bytes without a
//! round trip through libvirtd, which is both faster and independent of a
//! libvirt event loop.

use std::os::fd::{BorrowedFd, OwnedFd};

use nix::fcntl::{OFlag, open};
use nix::sys::stat::Mode;
use nix::sys::termios::{self, SetArg};
use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::Event;

use crate::error::{SandboxError, error};

/// The host pty path of the console/serial device whose alias is `devname`
/// in the live domain XML `xml`.
pub(crate) fn pty_path(xml: &str, devname: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    // Collect (tty/source path, alias) per device element.
    let mut depth_device: Option<usize> = None;
    let mut depth = 0usize;
    let mut path: Option<String> = None;
    let mut alias: Option<String> = None;
    loop {
        let event = reader.read_event().ok()?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = e.name();
                let name: &str = name.as_ref();
                let attr = |key: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| AsRef::<str>::as_ref(&a.key) == key)
                        .and_then(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        })
                };
                if depth_device.is_none() && (name == "console" || name == "serial") {
                    if attr("type").as_deref() == Some("pty") {
                        depth_device = Some(depth);
                        path = attr("tty");
                        alias = None;
                    }
                } else if depth_device.is_some() {
                    if name == "source" {
                        if let Some(p) = attr("path") {
                            path = Some(p);
                        }
                    } else if name == "alias" {
                        alias = attr("name");
                    }
                }
                if !is_empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth_device == Some(depth) {
                    depth_device = None;
                    if alias.as_deref() == Some(devname) {
                        return path.take();
                    }
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// Opens the pty at `path` non-blocking and puts our end in raw mode, so bytes
/// pass unchanged (no echo, no CR/LF translation).
pub(crate) fn open_raw(path: &str) -> crate::Result<OwnedFd> {
    let fd = open(
        path,
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| {
        error(
            SandboxError::Io,
            format!("cannot open the console pty '{path}': {e}"),
        )
    })?;
    let mut attrs = termios::tcgetattr(&fd).map_err(|e| {
        error(
            SandboxError::Io,
            format!("cannot read the console pty '{path}' settings: {e}"),
        )
    })?;
    termios::cfmakeraw(&mut attrs);
    termios::tcsetattr(&fd, SetArg::TCSANOW, &attrs).map_err(|e| {
        error(
            SandboxError::Io,
            format!("cannot set the console pty '{path}' to raw mode: {e}"),
        )
    })?;
    Ok(fd)
}

/// The window size (rows, columns) of the terminal `fd`, if it is one
/// (TIOCGWINSZ; a size of zero is none).
pub(crate) fn window_size(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
    rustix::termios::tcgetwinsize(fd)
        .ok()
        .map(|w| (w.ws_row, w.ws_col))
        .filter(|&(r, c)| r > 0 && c > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE_XML: &str = r#"<domain type='lxc' id='1'>
  <devices>
    <console type='pty' tty='/dev/pts/3'>
      <source path='/dev/pts/3'/>
      <target type='lxc' port='0'/>
      <alias name='console0'/>
    </console>
    <console type='pty' tty='/dev/pts/4'>
      <source path='/dev/pts/4'/>
      <target type='lxc' port='1'/>
      <alias name='console1'/>
    </console>
    <serial type='pty'>
      <source path='/dev/pts/7'/>
      <alias name='serial0'/>
    </serial>
  </devices>
</domain>"#;

    #[test]
    fn finds_each_console() {
        assert_eq!(
            pty_path(LIVE_XML, "console0").as_deref(),
            Some("/dev/pts/3")
        );
        assert_eq!(
            pty_path(LIVE_XML, "console1").as_deref(),
            Some("/dev/pts/4")
        );
        assert_eq!(pty_path(LIVE_XML, "serial0").as_deref(), Some("/dev/pts/7"));
        assert_eq!(pty_path(LIVE_XML, "console9"), None);
        assert_eq!(pty_path("<not xml", "console0"), None);
    }
}
