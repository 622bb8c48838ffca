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
use super::{
    GUEST_INIT_DIR, GUEST_STATE_DIR, HostMount, Interface, LAUNCH_SPEC_NAME, Layout, SecLabel,
};
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
        w.text("memory", &[("unit", "KiB")], &config.memory().to_string());
        cputune(w, config, "period", "quota");
        os(w, config);
        // Without <privnet/> a container with no interface would share the
        // host's network namespace; with it, it has only loopback.
        w.element("features", &[], |w| w.empty("privnet", &[]));
        w.text("on_poweroff", &[], "destroy");
        w.text("on_reboot", &[], "destroy");
        w.text("on_crash", &[], "destroy");
        w.element("devices", &[], |w| devices(w, config, layout));
        if let Some(security) = &layout.security {
            seclabel(w, security);
        }
    });
    w.finish()
}

/// Length of the CFS period of a CPU quota, in microseconds.
const CPU_PERIOD_US: u64 = 100_000;

/// `<cputune>` capping the sandbox at `config.cpus()` CPUs' worth of time
/// per period (none without a quota). `period` and `quota` name the
/// elements: a container's cgroup takes `period`/`quota`, a machine's
/// whole-domain cap is `global_period`/`global_quota` (its `quota` would
/// apply to each virtual CPU).
pub(crate) fn cputune(w: &mut XmlWriter, config: &Config, period: &str, quota: &str) {
    let cpus = config.cpus();
    if cpus <= 0.0 {
        return;
    }
    // libvirt refuses a quota under 1 ms.
    let quota_us = ((cpus * CPU_PERIOD_US as f64).round() as u64).max(1000);
    w.element("cputune", &[], |w| {
        w.text(period, &[], &CPU_PERIOD_US.to_string());
        w.text(quota, &[], &quota_us.to_string());
    });
}

/// The security label element (the same for both drivers).
pub(crate) fn seclabel(w: &mut XmlWriter, security: &SecLabel) {
    let kind = if security.dynamic {
        "dynamic"
    } else {
        "static"
    };
    w.element(
        "seclabel",
        &[
            ("type", kind),
            ("model", &security.model),
            ("relabel", "yes"),
        ],
        |w| {
            if let Some(label) = &security.label {
                // A dynamic label is generated from the base label.
                let element = if security.dynamic {
                    "baselabel"
                } else {
                    "label"
                };
                w.text(element, &[], label);
            }
        },
    );
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

/// Size of a tmpfs that only holds a mount point.
const MOUNT_POINT_TMPFS_KIB: u64 = 4;

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

/// One of the config's mounts, as libvirt's LXC driver spells it.
fn host_mount(w: &mut XmlWriter, mount: &HostMount) {
    let target = |w: &mut XmlWriter| w.empty("target", &[("dir", mount.target())]);
    match mount {
        HostMount::Bind { source, .. } => w.element(
            "filesystem",
            &[("type", "mount"), ("accessmode", "passthrough")],
            |w| {
                w.empty("source", &[("dir", &source.to_string_lossy())]);
                target(w);
            },
        ),
        HostMount::Image { source, format, .. } => {
            // The kernel's loop driver reads raw images; anything else needs
            // qemu-nbd.
            let driver = if format == "raw" { "loop" } else { "nbd" };
            w.element(
                "filesystem",
                &[("type", "file"), ("accessmode", "passthrough")],
                |w| {
                    w.empty("driver", &[("type", driver), ("format", format)]);
                    w.empty("source", &[("file", &source.to_string_lossy())]);
                    target(w);
                },
            )
        }
        HostMount::Ram { usage_kib, .. } => w.element(
            "filesystem",
            &[("type", "ram"), ("accessmode", "passthrough")],
            |w| {
                w.empty(
                    "source",
                    &[("usage", &usage_kib.to_string()), ("units", "KiB")],
                );
                target(w);
            },
        ),
    }
}

/// A network interface joining a libvirt network (shared with the machine
/// builder: the element is the same for both drivers but for the model and
/// the address, which `address` writes).
pub(crate) fn interface(
    w: &mut XmlWriter,
    interface: &Interface,
    model: Option<&str>,
    address: impl FnOnce(&mut XmlWriter),
) {
    w.element("interface", &[("type", "network")], |w| {
        w.empty("mac", &[("address", &interface.mac)]);
        w.empty("source", &[("network", &interface.source)]);
        w.empty("target", &[("dev", &interface.host_dev)]);
        if let Some(model) = model {
            w.empty("model", &[("type", model)]);
        }
        if let Some((filter, parameters)) = &interface.filter {
            w.element("filterref", &[("filter", filter)], |w| {
                for (name, value) in parameters {
                    w.empty("parameter", &[("name", name), ("value", value)]);
                }
            });
        }
        address(w);
    });
}

fn devices(w: &mut XmlWriter, config: &Config, layout: &Layout) {
    // Order matters: libvirt mounts in document order and creates missing
    // mount points, so parents come first. A mount on `/` replaces the
    // read-only root.
    match layout.mounts.iter().find(|m| m.target() == "/") {
        Some(root) => host_mount(w, root),
        None => bind(
            w,
            &config.root().unwrap_or_else(|| "/".to_owned()),
            "/",
            true,
        ),
    }
    bind(w, &layout.init_dir.to_string_lossy(), GUEST_INIT_DIR, true);
    bind(
        w,
        &layout.state_dir.to_string_lossy(),
        GUEST_STATE_DIR,
        true,
    );
    // The private /run, /tmp, ... come before the config's mounts, which
    // may lie inside them (their mount points are made in the tmpfs).
    for dir in &layout.private_dirs {
        host_mount(
            w,
            &HostMount::Ram {
                usage_kib: config.memory(),
                target: dir.clone(),
            },
        );
    }
    // Single files bound into those, before the config's mounts (a mount
    // of the caller's at the same place wins). libvirt creates a file's
    // mount point but not its parents: a tiny tmpfs makes the directory
    // it lies in (when that is not the private directory itself).
    for file in &layout.host_files {
        let parent = std::path::Path::new(&file.target)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !layout.private_dirs.contains(&parent) && parent != "/" {
            host_mount(
                w,
                &HostMount::Ram {
                    usage_kib: MOUNT_POINT_TMPFS_KIB,
                    target: parent,
                },
            );
        }
        bind(w, &file.source.to_string_lossy(), &file.target, true);
    }
    for mount in layout.mounts.iter().filter(|m| m.target() != "/") {
        host_mount(w, mount);
    }
    for iface in &layout.interfaces {
        interface(w, iface, None, |_| {});
    }
    for device in &layout.block_devices {
        w.element(
            "hostdev",
            &[("mode", "capabilities"), ("type", "storage")],
            |w| {
                w.element("source", &[], |w| {
                    w.text("block", &[], &device.to_string_lossy());
                })
            },
        );
    }

    // In the original's order (console::Kind::devname): log, shell, app.
    w.empty("console", &[("type", "pty")]);
    if config.shell() {
        w.element("console", &[("type", "pty")], |w| {
            w.empty("target", &[("type", "lxc"), ("port", "1")])
        });
    }
    if layout.app_console {
        let port = if config.shell() { "2" } else { "1" };
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

    #[test]
    fn every_mount_type() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let mut layout = layout();
        layout.mounts = crate::builder::testing::sample_mounts();
        let targets: Vec<String> = layout.mounts.iter().map(|m| m.target().into()).collect();
        layout.private_dirs = crate::builder::private_dirs(&layout.private_dirs, &targets);
        assert_golden("lxc-mounts.xml", &build(base, &layout));
        let xml = build(base, &layout);
        let run = xml.find("<target dir=\"/run\"/>").unwrap();
        let home = xml.find("<target dir=\"/home\"/>").unwrap();
        assert!(run < home, "private dirs come first: {xml}");
        assert_eq!(xml.matches("<target dir=\"/tmp\"/>").count(), 1, "{xml}");
    }

    #[test]
    fn limits() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        base.set_cpus(1.5);
        base.set_memory(256 * 1024);
        let mut layout = layout();
        layout.private_dirs = vec!["/tmp".into()];
        assert_golden("lxc-limits.xml", &build(base, &layout));
        let xml = build(base, &layout);
        assert!(
            xml.contains("<memory unit=\"KiB\">262144</memory>"),
            "{xml}"
        );
        assert!(xml.contains("<period>100000</period>"), "{xml}");
        assert!(xml.contains("<quota>150000</quota>"), "{xml}");
        assert!(
            xml.contains("<source usage=\"262144\" units=\"KiB\"/>"),
            "{xml}"
        );
        base.set_cpus(0.001);
        assert!(build(base, &layout).contains(">1000</quota>"));
    }

    #[test]
    fn interfaces() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let mut layout = layout();
        layout.interfaces = vec![
            Interface {
                mac: "52:54:00:12:34:56".into(),
                host_dev: "vsb-0000a1b2".into(),
                source: "default".into(),
                filter: None,
            },
            Interface {
                mac: "52:54:00:ab:cd:ef".into(),
                host_dev: "vsb-0000c3d4".into(),
                source: "isolated".into(),
                filter: Some((
                    "clean-traffic".into(),
                    vec![("IP".into(), "192.168.122.10".into())],
                )),
            },
        ];
        assert_golden("lxc-interfaces.xml", &build(base, &layout));
    }

    #[test]
    fn resolv_conf_in_private_run() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let mut layout = layout();
        layout.mounts = vec![HostMount::Bind {
            source: "/var/lib/sandbox/resolve".into(),
            target: "/run/systemd/other".into(),
        }];
        layout.interfaces = vec![Interface {
            mac: "52:54:00:12:34:56".into(),
            host_dev: "vsb-0000a1b2".into(),
            source: "default".into(),
            filter: None,
        }];
        layout.host_files = vec![crate::builder::HostFile {
            source: "/run/systemd/resolve/stub-resolv.conf".into(),
            target: "/run/systemd/resolve/stub-resolv.conf".into(),
        }];
        let xml = build(base, &layout);
        // After the private /run, before the config's mounts.
        let at = |needle: &str| {
            xml.find(needle)
                .unwrap_or_else(|| panic!("{needle}: {xml}"))
        };
        assert!(at("<target dir=\"/run\"/>") < at("stub-resolv.conf"));
        assert!(at("stub-resolv.conf") < at("/run/systemd/other"));
        assert_golden("lxc-resolv-conf.xml", &xml);
    }

    #[test]
    fn security_labels() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        for (name, model, dynamic, label) in [
            ("lxc-seclabel-dynamic.xml", "selinux", true, None),
            (
                "lxc-seclabel-dynamic-base.xml",
                "selinux",
                true,
                Some("system_u:system_r:svirt_lxc_net_t:s0"),
            ),
            (
                "lxc-seclabel-static.xml",
                "selinux",
                false,
                Some("system_u:system_r:svirt_t:s0:c1,c2"),
            ),
            (
                "lxc-seclabel-apparmor.xml",
                "apparmor",
                false,
                Some("libvirt-sandbox-demo"),
            ),
        ] {
            let mut layout = layout();
            layout.security = Some(SecLabel {
                model: model.into(),
                dynamic,
                label: label.map(Into::into),
            });
            assert_golden(name, &build(base, &layout));
        }
    }

    /// A service's domain (see `context::service`): on a host with SELinux
    /// its default label is a dynamic one, so libvirt gives each service an
    /// MCS category pair of its own; on a host without, no `<seclabel>`.
    /// Its data here is image-backed (`create -i`).
    #[test]
    fn service_with_a_dynamic_mcs_label() {
        let config = crate::config::ConfigServiceGeneric::new("web");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        base.set_shell(true);
        let mut layout = layout();
        layout.domain_name = "web".into();
        layout.state_dir = "/etc/libvirt-sandbox/services/web".into();
        layout.app_console = false;
        layout
            .private_dirs
            .push("/etc/libvirt-sandbox/services".into());
        layout.mounts = vec![HostMount::Image {
            source: "/var/lib/libvirt/filesystems/web/data.img".into(),
            target: "/run/libvirt-sandbox-data".into(),
            format: "raw".into(),
        }];
        assert_eq!(
            crate::context::security::choose(base, &["none".into()]).unwrap(),
            None
        );
        layout.security =
            crate::context::security::choose(base, &["none".into(), "selinux".into()]).unwrap();
        let xml = build(base, &layout);
        assert!(
            xml.contains("<seclabel type=\"dynamic\" model=\"selinux\""),
            "{xml}"
        );
        assert_golden("lxc-service-seclabel.xml", &xml);
    }

    #[test]
    fn block_devices() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let mut layout = layout();
        layout.block_devices = vec!["/dev/loop7".into()];
        assert_golden("lxc-disks.xml", &build(base, &layout));
    }

    #[test]
    fn image_as_root() {
        let config = ConfigInteractive::new("demo");
        let base: &Config = config.upcast_ref();
        base.set_arch("x86_64");
        let mut layout = layout();
        layout.mounts = vec![HostMount::Image {
            source: "/var/lib/sandbox/root.img".into(),
            target: "/".into(),
            format: "raw".into(),
        }];
        layout.private_dirs = crate::builder::private_dirs(&layout.private_dirs, &["/".into()]);
        assert_golden("lxc-image-root.xml", &build(base, &layout));
    }

    use glib::prelude::*;
}
