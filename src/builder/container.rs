// SPDX-License-Identifier: LGPL-2.1-or-later
//! The LXC builder: Config -> `<domain type='lxc'>`.
//!
//! The container's root is the config's root directory (the host's `/` by
//! default), read-only. The init helpers and the sandbox's state directory
//! are bound read-only under the container's private `/dev` (a tmpfs libvirt
//! creates, so the mount points can be made whatever the root is). The init
//! reads its launch spec from the state directory and talks to the host over
//! the second console.

use super::xml::XmlWriter;
use super::{GUEST_INIT_DIR, GUEST_STATE_DIR, LAUNCH_SPEC_NAME, Layout, MEMORY_KIB};
use crate::config::Config;

/// File name of the LXC stage-1 init helper.
pub const INIT_LXC: &str = "libvirt-sandbox-init-lxc";

/// Builds the LXC domain XML of `config` laid out as `layout`.
pub fn build(config: &Config, layout: &Layout) -> String {
    let mut w = XmlWriter::new();
    w.element("domain", &[("type", "lxc")], |w| {
        w.text("name", &[], &layout.domain_name);
        if let Some(uuid) = config.uuid() {
            w.text("uuid", &[], &uuid);
        }
        w.text("memory", &[("unit", "KiB")], &MEMORY_KIB.to_string());
        os(w, config);
        // Without <privnet/> a container with no interface would share the
        // host's network namespace; with it, it has only loopback.
        w.element("features", &[], |w| w.empty("privnet", &[]));
        w.text("on_poweroff", &[], "destroy");
        w.text("on_reboot", &[], "destroy");
        w.text("on_crash", &[], "destroy");
        w.element("devices", &[], |w| devices(w, config, layout));
    });
    w.finish()
}

fn os(w: &mut XmlWriter, config: &Config) {
    let arch = config.arch().unwrap_or_default();
    w.element("os", &[], |w| {
        w.text("type", &[("arch", &arch)], "exe");
        w.text("init", &[], &format!("{GUEST_INIT_DIR}/{INIT_LXC}"));
        w.text(
            "initarg",
            &[],
            &format!("{GUEST_STATE_DIR}/{LAUNCH_SPEC_NAME}"),
        );
    });
}

fn bind(w: &mut XmlWriter, source: &str, target: &str, readonly: bool) {
    w.element(
        "filesystem",
        &[("type", "mount"), ("accessmode", "passthrough")],
        |w| {
            w.empty("source", &[("dir", source)]);
            w.empty("target", &[("dir", target)]);
            if readonly {
                w.empty("readonly", &[]);
            }
        },
    );
}

fn devices(w: &mut XmlWriter, config: &Config, layout: &Layout) {
    // Order matters: libvirt mounts in document order and creates missing
    // mount points, so parents come first.
    let root = config.root().unwrap_or_else(|| "/".to_owned());
    bind(w, &root, "/", true);
    bind(w, &layout.init_dir.to_string_lossy(), GUEST_INIT_DIR, true);
    bind(
        w,
        &layout.state_dir.to_string_lossy(),
        GUEST_STATE_DIR,
        true,
    );

    w.empty("console", &[("type", "pty")]);
    if layout.app_console {
        w.element("console", &[("type", "pty")], |w| {
            w.empty("target", &[("type", "lxc"), ("port", "1")])
        });
    }
    if config.shell() {
        let port = if layout.app_console { "2" } else { "1" };
        w.element("console", &[("type", "pty")], |w| {
            w.empty("target", &[("type", "lxc"), ("port", port)])
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::testing::{assert_golden, layout};
    use crate::config::ConfigInteractive;

    #[test]
    fn minimal_interactive() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        assert_golden("lxc-minimal.xml", &build(base, &layout()));
    }

    #[test]
    fn shell_and_custom_root() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        base.set_root("/srv/rootfs");
        base.set_shell(true);
        base.set_uuid(Some("4dea22b3-1d52-d8f3-2516-782e98a23fa0"));
        assert_golden("lxc-shell-root.xml", &build(base, &layout()));
    }

    use glib::prelude::*;
}
