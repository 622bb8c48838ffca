// SPDX-License-Identifier: LGPL-2.1-or-later
//! Fuzzing of everything the host library parses: the option syntaxes, the
//! key-file loader, the app channel's authentication (the wire protocol's
//! host end), the kernel, ELF, module and cpio handling of the QEMU boot
//! path, and the XML read from libvirt.
//!
//! The fuzzer is the init crate's (one copy, included by path): seeded,
//! deterministic, a few thousand cases per target in the normal test run.
//! `LIBVIRT_SANDBOX_FUZZ_ITERATIONS=N` runs N cases per target,
//! `LIBVIRT_SANDBOX_FUZZ_SEED=S` other cases (see README.md, "Testing").

#[path = "../init/src/fuzz_tests/mutator.rs"]
mod mutator;

use std::cell::Cell;
use std::io::Write;
use std::sync::Once;

use glib::prelude::*;
use mutator::{Rng, chunks, fuzz, text};
use sandbox_proto::protocol::{self, Message};

use crate::boot::{kernel, vmlinux};
use crate::builder::initrd;
use crate::config::options::{self, MountSpec, NetworkSpec, SecurityMode};
use crate::config::{Config, ConfigInteractive, ConfigServiceGeneric, ConfigServiceSystemd};
use crate::console::channel::{Candidate, ChannelAuth, Step};

fn seeds(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

// ---------------------------------------------------------------------------
// Option syntaxes: no panic, and what parses prints back to the same spec.

/// Tokens of the option syntaxes.
fn option_dictionary() -> Vec<Vec<u8>> {
    seeds(&[
        ":",
        "=",
        ",",
        "/",
        "%",
        ".",
        "host-bind:",
        "host-image:",
        "guest-bind:",
        "ram:",
        "h",
        "host",
        "g:",
        "r:",
        ",format=",
        "format=qcow2",
        "format=",
        "K",
        "M",
        "G",
        "KiB",
        "18446744073709551615",
        "18446744073709551616",
        "0",
        "dhcp",
        "source=",
        "mac=",
        "address=",
        "route=",
        "filter=",
        "filter.",
        "filter.ip=",
        "::",
        "::1",
        "fe80::1%eth0",
        "255.255.255.255",
        "/33",
        "/129",
        "/-1",
        "%",
        "label=",
        "dynamic",
        "static",
        "inherit",
        "file:",
        "block:",
        "=\n",
        "#",
        "\n",
        "/..",
        "//",
    ])
}

fn render_mount(spec: &MountSpec) -> String {
    match spec {
        MountSpec::HostBind { target, source } => {
            format!("host-bind:{target}={}", source.as_deref().unwrap_or(""))
        }
        MountSpec::HostImage {
            target,
            source,
            format,
        } => format!("host-image:{target}={source},format={}", format.nick()),
        MountSpec::GuestBind { target, source } => format!("guest-bind:{target}={source}"),
        MountSpec::Ram { target, usage } => format!("ram:{target}={usage}"),
    }
}

#[test]
fn fuzz_mount_options() {
    let s = seeds(&[
        "host-bind:/a=/b",
        "host-bind:/tmp=",
        "ram:/x=1M",
        "ram:/run=10240",
        "r:/t=4GiB",
        "host-image:/=/var/lib/sandbox/demo.qcow2,format=qcow2",
        "host-image:/etc=/tmp/home/img.qcow2",
        "guest-bind:/home=/tmp/home",
        "g:/a=/b",
    ]);
    fuzz("mount-options", s, option_dictionary(), 20000, |data| {
        let input = text(data);
        if let Ok(spec) = options::parse_mount(&input) {
            let again = render_mount(&spec);
            assert_eq!(options::parse_mount(&again), Ok(spec), "{again}");
        }
    });
}

#[test]
fn fuzz_disk_options() {
    let s = seeds(&[
        "file:tag=/path/to/disk.qcow2,format=qcow2",
        "file:data=/var/lib/sandbox/data.img",
        "file:x=/d.raw,format=raw",
        "block:b=/dev/sdb",
    ]);
    fuzz("disk-options", s, option_dictionary(), 10000, |data| {
        let input = text(data);
        if let Ok(spec) = options::parse_disk(&input) {
            let again = format!(
                "file:{}={},format={}",
                spec.tag,
                spec.source,
                spec.format.nick()
            );
            assert_eq!(options::parse_disk(&again), Ok(spec), "{again}");
        }
    });
}

fn render_network(spec: &NetworkSpec) -> String {
    let mut opts = Vec::new();
    if spec.dhcp {
        opts.push("dhcp".to_owned());
    }
    if let Some(s) = &spec.source {
        opts.push(format!("source={s}"));
    }
    if let Some(m) = &spec.mac {
        opts.push(format!("mac={m}"));
    }
    for a in &spec.addresses {
        let b = a.broadcast.map(|b| format!("%{b}")).unwrap_or_default();
        opts.push(format!("address={}/{}{b}", a.address, a.prefix));
    }
    for r in &spec.routes {
        opts.push(format!("route={}/{}%{}", r.target, r.prefix, r.gateway));
    }
    if let Some(f) = &spec.filter {
        opts.push(format!("filter={}", f.name));
        for (k, v) in &f.parameters {
            opts.push(format!("filter.{k}={v}"));
        }
    }
    opts.join(",")
}

#[test]
fn fuzz_network_options() {
    let s = seeds(&[
        "source=default,dhcp",
        "dhcp",
        "source=default,address=192.168.122.10/24%192.168.122.255,route=0.0.0.0/0%192.168.122.1",
        "address=2001:212::204:2/64,route=::/0%2001:212::1,mac=52:54:00:12:34:56",
        "source=private,mac=52:54:00:12:34:56,address=10.0.0.1/8,filter=clean-traffic,filter.ip=10.0.0.1",
        "address=10.0.0.1,address=10.0.0.2/32",
    ]);
    fuzz("network-options", s, option_dictionary(), 20000, |data| {
        let input = text(data);
        if let Ok(spec) = options::parse_network(&input) {
            let again = render_network(&spec);
            assert_eq!(options::parse_network(&again), Ok(spec), "{again}");
        }
    });
}

#[test]
fn fuzz_security_options() {
    let s = seeds(&[
        "dynamic",
        "static,label=system_u:system_r:svirt_t:s0:c1,c2",
        "inherit",
        "dynamic,label=system_u:system_r:svirt_t:s0",
    ]);
    fuzz("security-options", s, option_dictionary(), 10000, |data| {
        let input = text(data);
        if let Ok(spec) = options::parse_security(&input) {
            let mode = match spec.mode {
                SecurityMode::Dynamic => "dynamic",
                SecurityMode::Static => "static",
                SecurityMode::Inherit => "inherit",
            };
            let again = match &spec.label {
                Some(l) => format!("{mode},label={l}"),
                None => mode.to_owned(),
            };
            assert_eq!(options::parse_security(&again), Ok(spec), "{again}");
        }
        // The config method on the same text must not panic either.
        let config = ConfigInteractive::new("fuzz");
        let _ = config.upcast_ref::<Config>().set_security_opts(&input);
    });
}

#[test]
fn fuzz_include_specs() {
    let s = seeds(&[
        "/etc/hosts",
        "/tmp/notes=/etc/hosts",
        "# comment\n/etc/hosts\n\n  /tmp/a=/b  \n",
        "/=/",
    ]);
    let targets = ["/", "/tmp", "/tmp/", "/home/alice", "/var/tmp"];
    fuzz("include-specs", s, option_dictionary(), 10000, |data| {
        let input = text(data);
        if let Ok(spec) = options::parse_include(&input) {
            let again = format!("{}={}", spec.guest_path, spec.host_path);
            assert_eq!(options::parse_include(&again), Ok(spec.clone()), "{again}");
            if let Some((i, rel)) = options::find_include_mount(targets, &spec.guest_path) {
                assert!(i < targets.len() && rel.starts_with('/'), "{i} {rel}");
                assert!(
                    sandbox_proto::launch::is_within(&spec.guest_path, targets[i]),
                    "{} not in {}",
                    spec.guest_path,
                    targets[i]
                );
            }
        }
        if let Ok(list) = options::parse_include_list(&input) {
            for spec in list {
                assert!(spec.guest_path.starts_with('/') && spec.host_path.starts_with('/'));
            }
        }
    });
}

#[test]
fn fuzz_sizes_limits_and_env() {
    let s = seeds(&[
        "10240",
        "1K",
        "2KiB",
        "500M",
        "3G",
        "4GiB",
        "512M",
        "0",
        "1.5",
        "0.01",
        " 100 ",
        "KEY=VALUE",
        "A=",
        "PATH=/bin:/usr/bin",
    ]);
    fuzz("sizes-limits-env", s, option_dictionary(), 20000, |data| {
        let input = text(data);
        if let Ok(bytes) = options::parse_size(&input) {
            assert!(bytes > 0);
            assert_eq!(options::parse_size(&bytes.to_string()), Ok(bytes));
        }
        if let Ok(kib) = options::parse_memory(&input) {
            // (16 EiB - 1 in bytes is accepted and rounds up to 2^54 KiB,
            // which is one byte too many to write in K.)
            if kib < 1 << 54 {
                assert_eq!(options::parse_memory(&format!("{kib}K")), Ok(kib));
            }
        }
        if let Ok(cpus) = options::parse_cpus(&input) {
            assert!(cpus.is_finite());
            assert_eq!(options::parse_cpus(&cpus.to_string()), Ok(cpus));
        }
        if let Ok(n) = options::parse_max_tasks(&input) {
            assert_eq!(options::parse_max_tasks(&n.to_string()), Ok(n));
        }
        if let Ok((k, v)) = options::parse_env(&input) {
            assert_eq!(options::parse_env(&format!("{k}={v}")), Ok((k, v)));
        }
    });
}

// ---------------------------------------------------------------------------
// The key-file loader: mutated saved configs of every class.

thread_local! {
    /// GLib warnings and criticals logged by this thread while it fuzzes.
    static GLIB_COMPLAINTS: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Counts the GLib warnings and criticals this thread logs during `f`
/// (every other message goes on to GLib's default handler).
fn glib_complaints(f: impl FnOnce()) -> usize {
    static HANDLER: Once = Once::new();
    HANDLER.call_once(|| {
        glib::log_set_default_handler(|domain, level, message| {
            let counted = matches!(level, glib::LogLevel::Critical | glib::LogLevel::Warning)
                && GLIB_COMPLAINTS.with(|c| match c.get() {
                    Some(n) => {
                        eprintln!("fuzz: GLib {level:?} from {domain:?}: {message}");
                        c.set(Some(n + 1));
                        true
                    }
                    None => false,
                });
            if !counted {
                glib::log_default_handler(domain, level, Some(message));
            }
        });
    });
    GLIB_COMPLAINTS.with(|c| c.set(Some(0)));
    f();
    GLIB_COMPLAINTS.with(|c| c.take()).unwrap_or(0)
}

#[test]
fn glib_complaints_are_counted() {
    let n = glib_complaints(|| {
        glib::g_critical!("fuzz", "a critical the fuzz targets would count");
        glib::g_warning!("fuzz", "and a warning");
        glib::g_message!("fuzz", "but not a message");
    });
    assert_eq!(n, 2);
}

/// Saved configs of every class, with every kind of member set.
fn saved_configs() -> Vec<Vec<u8>> {
    let fill = |config: &Config| {
        config.set_uuid(Some("4dea22b3-1d52-d8f3-2516-782e98a23fa0"));
        config.set_kernrelease(Some("6.1.0-56-amd64"));
        config.set_userid(1000);
        config.set_groupid(1000);
        config.set_username("alice");
        config.set_homedir("/home/alice");
        config.set_privileged(true);
        config.set_max_tasks(100);
        config.set_memory(256 * 1024);
        config.set_cpus(1.5);
        config.add_env("LANG", "C.UTF-8");
        for m in [
            "host-bind:/tmp=/var/lib/sandbox/demo/tmp",
            "host-bind:/srv=",
            "host-image:/home=/var/lib/sandbox/home.qcow2,format=qcow2",
            "guest-bind:/var/tmp=/tmp",
            "ram:/run=10M",
        ] {
            config.add_mount_opts(m).unwrap();
        }
        config
            .add_host_include_strv(&["/tmp/notes/hosts=/etc/hosts"])
            .unwrap();
        config
            .add_network_opts("source=default,mac=52:54:00:12:34:56,address=192.168.122.10/24%192.168.122.255,route=0.0.0.0/0%192.168.122.1,filter=clean-traffic,filter.IP=192.168.122.10")
            .unwrap();
        config.add_network_opts("dhcp").unwrap();
        config
            .add_disk_opts("file:data=/var/lib/sandbox/data.img,format=raw")
            .unwrap();
        config
            .set_security_opts("static,label=system_u:system_r:svirt_t:s0:c1,c2")
            .unwrap();
    };
    let interactive = ConfigInteractive::new("demo");
    interactive.set_tty(true);
    interactive.set_command(&["/bin/sh", "-c", "echo hello"]);
    let generic = ConfigServiceGeneric::new("svc");
    generic.set_command(&["/usr/sbin/httpd", "-DFOREGROUND"]);
    let systemd = ConfigServiceSystemd::new("sysd");
    systemd.set_boot_target("multi-user.target");
    let configs: [&Config; 3] = [
        interactive.upcast_ref(),
        generic.upcast_ref(),
        systemd.upcast_ref(),
    ];
    let mut out: Vec<Vec<u8>> = configs
        .iter()
        .map(|c| c.save_to_data().into_bytes())
        .collect();
    for c in configs {
        fill(c);
        out.push(c.save_to_data().into_bytes());
    }
    for name in ["original-full.cfg", "original-interactive.cfg"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name);
        out.push(std::fs::read(path).unwrap());
    }
    out
}

#[test]
fn fuzz_keyfile_loader() {
    let dictionary = seeds(&[
        "[",
        "]",
        "=",
        "\n",
        "\\",
        "\\s",
        "\\n",
        "\\x",
        ";",
        "#",
        "class=GVirSandboxConfigInteractive",
        "class=GVirSandboxConfigServiceSystemd",
        "class=GVirSandboxConfigService",
        "class=GVirSandboxConfig",
        "class=GObject",
        "type=GVirSandboxConfigMountRam",
        "type=GVirSandboxConfigMountFile",
        "type=GVirSandboxConfigMountHostImage",
        "type=GObject",
        "[mount.1023]\n",
        "[mount.0.include.0]\n",
        "[network.0.address.0]\n",
        "[network.0.filterref]\n",
        "[disk.0]\n",
        "[env.0]\n",
        "[command]\n",
        "[limits]\n",
        "[security]\n",
        "true",
        "false",
        "-1",
        "4294967296",
        "18446744073709551616",
        "1e999",
        "nan",
        "usage=0",
        "format=zip",
        "prefix=255",
        "uid=4294967295",
        "primary=::1",
        "primary=1.2.3",
        "argv.0=",
        "uuid=not-a-uuid",
        "dynamic=true",
        "cpus=-0.5",
        "memory=1",
    ]);
    let mut loaded = 0;
    let mut cases = 0;
    let complaints = glib_complaints(|| {
        cases = fuzz(
            "keyfile-loader",
            saved_configs(),
            dictionary,
            5000,
            |data| {
                let Ok(config) = Config::load_from_data(&text(data)) else {
                    return;
                };
                loaded += 1;
                // What loads saves, and loads again to the same file.
                let saved = config.save_to_data();
                let again = Config::load_from_data(&saved)
                    .unwrap_or_else(|e| panic!("a saved config does not load: {e}\n{saved}"));
                assert_eq!(again.type_(), config.type_());
                assert_eq!(again.save_to_data(), saved);
            },
        );
    });
    assert_eq!(
        complaints, 0,
        "GLib warned or complained while loading configs"
    );
    assert!(
        loaded > cases / 50,
        "only {loaded} of {cases} mutants loaded"
    );
}

#[test]
fn fuzz_config_option_methods() {
    // Option strings through the config methods, then save -> load -> save.
    let s = seeds(&[
        "host-bind:/a=/b",
        "ram:/x=1M",
        "host-image:/i=/i.raw,format=raw",
        "guest-bind:/g=/a",
        "-N source=default,dhcp",
        "-N address=10.0.0.2/24%10.0.0.255,route=10.1.0.0/16%10.0.0.1",
        "--disk file:t=/d.qcow2,format=qcow2",
        "-i /a/x=/etc/hosts",
        "-e K=V",
        "-s static,label=u:r:t:s0",
        "-l memory=64M",
        "-l cpus=0.5",
        "-l max-tasks=10",
    ]);
    let mut cases = 0;
    let complaints = glib_complaints(|| {
        cases = fuzz(
            "config-option-methods",
            s,
            option_dictionary(),
            3000,
            |data| {
                let input = text(data);
                let config = ConfigInteractive::new("opts");
                config.set_command(&["/bin/true"]);
                let base: &Config = config.upcast_ref();
                let _ = base.add_mount_opts("host-bind:/a=/b");
                for opt in input.split('\n') {
                    let _ = match opt.split_once(' ') {
                        Some(("-N", v)) => base.add_network_opts(v),
                        Some(("--disk", v)) => base.add_disk_opts(v),
                        Some(("-i", v)) => base.add_host_include_strv(&[v]),
                        Some(("-e", v)) => base.add_env_opts(v),
                        Some(("-s", v)) => base.set_security_opts(v),
                        Some(("-l", v)) => {
                            let (name, value) = v.split_once('=').unwrap_or((v, ""));
                            base.set_limit_opts(name, value)
                        }
                        _ => base.add_mount_opts(opt),
                    };
                }
                // A config the shared rules accept saves and loads back.
                if crate::config::validate::check(base).is_err() {
                    return;
                }
                let saved = base.save_to_data();
                // GKeyFile drops a value's leading form feed or vertical tab (it
                // escapes the other white space): a known limit of the format.
                if saved.contains("=\x0b") || saved.contains("=\x0c") {
                    return;
                }
                let loaded = Config::load_from_data(&saved)
                    .unwrap_or_else(|e| panic!("a saved config does not load: {e}\n{saved}"));
                assert_eq!(loaded.save_to_data(), saved);
            },
        );
    });
    assert_eq!(complaints, 0, "GLib warned or complained");
    assert!(cases > 0);
}

// ---------------------------------------------------------------------------
// The host end of the wire protocol: the channel's authentication.

#[test]
fn fuzz_channel_authentication() {
    let secret = [0x5a; protocol::SECRET_LEN];
    let auth_frame = Message::Auth(secret.to_vec()).encode();
    let frames = |ms: &[Message]| -> Vec<u8> { ms.iter().flat_map(Message::encode).collect() };
    let mut good = vec![protocol::HANDSHAKE_WAIT, protocol::HANDSHAKE_SYNC];
    good.extend(frames(&[
        Message::Hello(protocol::VERSION),
        Message::Auth(secret.to_vec()),
        Message::Stdout(b"early".to_vec()),
        Message::Exit(0),
    ]));
    let mut wrong = vec![protocol::HANDSHAKE_SYNC];
    wrong.extend(frames(&[
        Message::Hello(protocol::VERSION),
        Message::Auth(vec![0x5b; protocol::SECRET_LEN]),
    ]));
    let mut dictionary: Vec<Vec<u8>> = vec![
        vec![protocol::HANDSHAKE_SYNC],
        vec![protocol::HANDSHAKE_WAIT],
        auth_frame.clone(),
        Message::Hello(protocol::VERSION).encode(),
        Message::Hello(1).encode(),
        Message::Quit.encode(),
    ];
    dictionary.push((protocol::PACKET_MAX as u32).to_be_bytes().to_vec());
    let auth = ChannelAuth::new(&secret, None);
    fuzz(
        "channel-authentication",
        vec![good, wrong],
        dictionary,
        10000,
        |data| {
            let (ours, _theirs) = std::os::unix::net::UnixStream::pair().unwrap();
            let mut candidate = Candidate::new(ours).unwrap();
            let mut rng = Rng::new(data.len() as u64);
            let mut fed = 0;
            for chunk in chunks(&mut rng, data) {
                fed += chunk.len();
                match candidate.input(chunk, &auth) {
                    Step::Continue => {}
                    Step::Authenticated(rest) => {
                        // Only the right secret, as an AUTH frame's payload
                        // (any serial), opens the channel.
                        let header = &auth_frame[..12];
                        let frame_len = auth_frame.len();
                        assert!(
                            data[..fed].windows(frame_len).any(|w| w[..12] == *header
                                && w[12..16] == [0; 4]
                                && w[20..] == secret),
                            "authenticated without the secret"
                        );
                        let _ = rest;
                        let (_, decoder, _) = candidate.into_parts();
                        assert!(decoder.pending() < protocol::PACKET_MAX);
                        return;
                    }
                    Step::Refused(why) => {
                        assert!(!why.is_empty());
                        // Refusals never quote a payload (it may be a secret).
                        assert!(!why.contains("ZZZZZZZZ"), "{why}");
                        return;
                    }
                    Step::Failed(e) => panic!("no hook, yet failed: {e}"),
                }
            }
        },
    );
}

// ---------------------------------------------------------------------------
// The QEMU boot path: bzImage, ELF, compressed streams, modules, cpio.

/// A minimal ELF64 with one PT_NOTE segment holding a Xen PVH note.
fn fake_elf() -> Vec<u8> {
    let mut elf = vec![0u8; 64 + 2 * 56];
    elf[..4].copy_from_slice(b"\x7fELF");
    elf[4] = 2;
    elf[5] = 1;
    elf[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
    elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
    elf[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
    let mut notes = Vec::new();
    for (name, kind) in [(&b"GNU\0"[..], 3u32), (&b"Xen\0"[..], 18)] {
        notes.extend_from_slice(&(name.len() as u32).to_le_bytes());
        notes.extend_from_slice(&4u32.to_le_bytes());
        notes.extend_from_slice(&kind.to_le_bytes());
        notes.extend_from_slice(name);
        notes.extend_from_slice(&0x100_0000u32.to_le_bytes());
    }
    let offset = elf.len() as u64;
    for (i, ty) in [1u32, 4].into_iter().enumerate() {
        let ph = 64 + i * 56;
        elf[ph..ph + 4].copy_from_slice(&ty.to_le_bytes());
        elf[ph + 8..ph + 16].copy_from_slice(&offset.to_le_bytes());
        elf[ph + 32..ph + 40].copy_from_slice(&(notes.len() as u64).to_le_bytes());
    }
    elf.extend_from_slice(&notes);
    elf.extend_from_slice(b"kernel text kernel text kernel text");
    elf
}

/// `data` in every compression the boot path reads, each followed by the
/// inflated size as the kernel build appends it.
fn compressed(data: &[u8]) -> Vec<(vmlinux::Compression, Vec<u8>)> {
    use vmlinux::Compression as C;
    let size = (data.len() as u32).to_le_bytes();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    let gz = gz.finish().unwrap();
    let mut xz = Vec::new();
    let mut w = lzma_rust2::XzWriter::new(&mut xz, lzma_rust2::XzOptions::default()).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap();
    let mut lzma = Vec::new();
    let mut w = lzma_rust2::LzmaWriter::new_use_header(
        &mut lzma,
        &lzma_rust2::LzmaOptions::default(),
        Some(data.len() as u64),
    )
    .unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap();
    let zstd = ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest);
    let block = lz4_flex::block::compress(data);
    let mut lz4 = vec![0x02, 0x21, 0x4c, 0x18];
    lz4.extend_from_slice(&(block.len() as u32).to_le_bytes());
    lz4.extend_from_slice(&block);
    [
        (C::Gzip, gz),
        (C::Xz, xz),
        (C::Lzma, lzma),
        (C::Zstd, zstd),
        (C::Lz4Legacy, lz4),
    ]
    .into_iter()
    .map(|(c, mut d)| {
        d.extend_from_slice(&size);
        (c, d)
    })
    .collect()
}

/// A minimal bzImage whose boot header points at `payload`.
fn fake_bzimage(payload: &[u8]) -> Vec<u8> {
    let mut img = vec![0u8; 2 * 512];
    img[0x1f1] = 1;
    img[0x202..0x206].copy_from_slice(b"HdrS");
    img[0x206..0x208].copy_from_slice(&0x20fu16.to_le_bytes());
    img[0x248..0x24c].copy_from_slice(&16u32.to_le_bytes());
    img[0x24c..0x250].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    img.extend_from_slice(&[0u8; 16]);
    img.extend_from_slice(payload);
    img
}

#[test]
fn fuzz_bzimage_extraction() {
    let elf = fake_elf();
    let seeds: Vec<Vec<u8>> = compressed(&elf)
        .iter()
        .map(|(_, d)| fake_bzimage(d))
        .collect();
    for s in &seeds {
        assert_eq!(vmlinux::extract(s).as_ref(), Ok(&elf));
    }
    fuzz(
        "bzimage-extraction",
        seeds,
        seeds_dictionary(),
        10000,
        |data| {
            if let Ok(payload) = vmlinux::payload(data) {
                assert!(!payload.is_empty());
            }
            if let Ok(out) = vmlinux::extract(data) {
                assert!(out.starts_with(b"\x7fELF"));
                let _ = vmlinux::has_pvh_note(&out);
            }
        },
    );
}

fn seeds_dictionary() -> Vec<Vec<u8>> {
    let mut d: Vec<Vec<u8>> = [
        &b"HdrS"[..],
        b"\x7fELF\x02\x01",
        b"\x1f\x8b",
        b"\xfd7zXZ\0",
        b"\x28\xb5\x2f\xfd",
        b"\x02\x21\x4c\x18",
        b"\x5d\0\0",
        b"Xen\0",
    ]
    .iter()
    .map(|s| s.to_vec())
    .collect();
    for v in [0u32, 0x208, 0x20f, 0xffff_ffff, 0x8000_0000, 1 << 30] {
        d.push(v.to_le_bytes().to_vec());
    }
    d
}

#[test]
fn fuzz_decompression() {
    let data = [fake_elf(), b"module text ".repeat(200)].concat();
    let streams = compressed(&data);
    for (format, s) in &streams {
        assert_eq!(
            vmlinux::decompress(s, *format, 0).as_ref(),
            Ok(&data),
            "{format:?}"
        );
    }
    let formats: Vec<vmlinux::Compression> = streams.iter().map(|(f, _)| *f).collect();
    let seeds = streams.into_iter().map(|(_, s)| s).collect();
    fuzz("decompression", seeds, seeds_dictionary(), 5000, |data| {
        // The format its magic says, as extract() picks it, then a random
        // one (module files are picked by name, not by magic).
        if let Some(format) = vmlinux::Compression::detect(data) {
            let _ = vmlinux::decompress(data, format, data.len() * 4);
        }
        let format = formats[data.len() % formats.len()];
        let _ = vmlinux::decompress(data, format, data.len());
    });
}

#[test]
fn fuzz_elf_notes() {
    let elf = fake_elf();
    assert_eq!(vmlinux::has_pvh_note(&elf), Ok(true));
    fuzz("elf-notes", vec![elf], seeds_dictionary(), 20000, |data| {
        let _ = vmlinux::has_pvh_note(data);
    });
}

/// A relocatable ELF64 with a `.BTF` section, then a module signature.
fn fake_module() -> Vec<u8> {
    let names = b"\0.text\0.BTF\0.shstrtab\0";
    let mut m = vec![0u8; 64];
    m[..4].copy_from_slice(b"\x7fELF");
    m[4] = 2;
    m[5] = 1;
    let text_at = m.len();
    m.extend_from_slice(b"module code");
    let names_at = m.len();
    m.extend_from_slice(names);
    while !m.len().is_multiple_of(8) {
        m.push(0);
    }
    let table = m.len();
    m[0x28..0x30].copy_from_slice(&(table as u64).to_le_bytes());
    m[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
    m[0x3c..0x3e].copy_from_slice(&4u16.to_le_bytes());
    m[0x3e..0x40].copy_from_slice(&3u16.to_le_bytes());
    for (name, offset, size) in [
        (0u32, 0usize, 0usize),
        (1, text_at, 11),
        (7, text_at, 4),
        (12, names_at, names.len()),
    ] {
        let mut h = [0u8; 64];
        h[..4].copy_from_slice(&name.to_le_bytes());
        h[24..32].copy_from_slice(&(offset as u64).to_le_bytes());
        h[32..40].copy_from_slice(&(size as u64).to_le_bytes());
        m.extend_from_slice(&h);
    }
    let signature = [0xab; 40];
    m.extend_from_slice(&signature);
    let mut info = [0u8; 12];
    info[8..].copy_from_slice(&(signature.len() as u32).to_be_bytes());
    m.extend_from_slice(&info);
    m.extend_from_slice(b"~Module signature appended~\n");
    m
}

#[test]
fn fuzz_module_edits() {
    let module = fake_module();
    let mut stripped = crate::boot::initrd::strip_signature(module.clone());
    assert_eq!(stripped.len(), module.len() - 80);
    assert!(crate::boot::initrd::hide_btf(&mut stripped));
    fuzz(
        "module-edits",
        vec![module],
        seeds_dictionary(),
        20000,
        |data| {
            let mut out = crate::boot::initrd::strip_signature(data.to_vec());
            assert!(out.len() <= data.len() && data.starts_with(&out));
            let len = out.len();
            crate::boot::initrd::hide_btf(&mut out);
            assert_eq!(out.len(), len);
        },
    );
}

#[test]
fn fuzz_modules_dep() {
    let dep = "kernel/drivers/virtio/virtio_pci.ko.xz: kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz\n\
        kernel/drivers/virtio/virtio_pci_modern_dev.ko.xz:\n\
        kernel/drivers/virtio/virtio_pci_legacy_dev.ko.xz:\n\
        kernel/drivers/char/virtio_console.ko.xz:\n\
        kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko.xz\n\
        kernel/net/9p/9pnet.ko.xz:\n\
        kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/netfs/netfs.ko.xz\n\
        kernel/fs/netfs/netfs.ko.xz:\n\
        kernel/drivers/block/virtio_blk.ko.xz:\n\
        kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz kernel/fs/mbcache.ko.xz kernel/lib/crc16.ko.xz\n\
        kernel/fs/jbd2/jbd2.ko.xz:\nkernel/fs/mbcache.ko.xz:\nkernel/lib/crc16.ko.xz:\n\
        kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz\n\
        kernel/drivers/net/net_failover.ko.xz: kernel/net/core/failover.ko.xz\n\
        kernel/net/core/failover.ko.xz:\nkernel/fs/fuse/virtiofs.ko.xz: kernel/fs/fuse/fuse.ko.xz\n\
        kernel/fs/fuse/fuse.ko.xz:\n";
    let builtin = "kernel/drivers/virtio/virtio.ko\nkernel/drivers/virtio/virtio_ring.ko\n";
    // The two files travel as one input, split at the first NUL.
    let seed = format!("{dep}\0{builtin}");
    let cycle = "a.ko: b.ko\nb.ko: a.ko\n\0".to_owned();
    let dictionary = seeds(&[
        ": ",
        ":",
        " ",
        "\n",
        ".ko",
        ".ko.xz",
        "-",
        "_",
        "virtio_pci.ko: ",
    ]);
    fuzz(
        "modules-dep",
        vec![seed.into_bytes(), cycle.into_bytes()],
        dictionary,
        5000,
        |data| {
            let input = text(data);
            let (dep, builtin) = input.split_once('\0').unwrap_or((&input, ""));
            let index = initrd::ModuleIndex::parse(dep, builtin);
            if let Ok(plan) = index.plan() {
                // Each module once.
                let mut names: Vec<&str> = plan.iter().map(|(_, m)| m.name.as_str()).collect();
                names.sort_unstable();
                let n = names.len();
                names.dedup();
                assert_eq!(names.len(), n, "a module twice in the plan");
            }
            let _ = index.closure(&["9p", "virtio-pci"], &["ext4"]);
            let _ = crate::boot::initrd::config_allows_unsigned_modules(&input);
        },
    );
    // A long dependency chain (a hand-edited modules.dep) is an error or a
    // plan, not a stack overflow.
    let mut chain = String::from("kernel/fs/9p/9p.ko: m0.ko\n");
    for i in 0..100_000 {
        chain.push_str(&format!("m{i}.ko: m{}.ko\n", i + 1));
    }
    let index = initrd::ModuleIndex::parse(&chain, "");
    let _ = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || index.closure(&["9p"], &[]).map(|m| m.len()))
        .unwrap()
        .join()
        .expect("the closure of a long chain does not overflow the stack");
}

/// One cpio entry: name, mode, device numbers, data.
type CpioEntry = (String, u32, (u32, u32), Vec<u8>);

/// Reads a newc archive back.
fn read_cpio(mut data: &[u8]) -> Vec<CpioEntry> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    loop {
        assert!(data.len() >= 110, "truncated cpio header");
        assert_eq!(&data[..6], b"070701");
        let field = |i: usize| {
            u32::from_str_radix(
                std::str::from_utf8(&data[6 + 8 * i..14 + 8 * i]).unwrap(),
                16,
            )
            .unwrap()
        };
        let (mode, size, rmaj, rmin, namesize) =
            (field(1), field(6), field(9), field(10), field(11));
        let name_end = 110 + namesize as usize;
        let name = &data[110..name_end];
        assert_eq!(name.last(), Some(&0));
        let name = String::from_utf8(name[..name.len() - 1].to_vec()).unwrap();
        let pad = |n: usize| (n + 3) & !3;
        let body = pad(offset + name_end) - offset;
        let end = body + size as usize;
        let file = data[body..end].to_vec();
        let next = pad(offset + end) - offset;
        offset += next;
        data = &data[next..];
        if name == "TRAILER!!!" {
            assert!(data.is_empty());
            return out;
        }
        out.push((name, mode, (rmaj, rmin), file));
    }
}

#[test]
fn fuzz_cpio_writer() {
    let s = seeds(&[
        "init\0binary",
        "lib/modules/00-virtio_pci.ko\0\x7fELF",
        "dev\0",
    ]);
    fuzz("cpio-writer", s, Vec::new(), 5000, |data| {
        // Entries from the input: NAME\0DATA pairs.
        let parts: Vec<&[u8]> = data.split(|&b| b == 0).collect();
        let mut expected = Vec::new();
        let mut cpio = initrd::CpioWriter::new(Vec::new());
        for (i, pair) in parts.chunks(2).enumerate() {
            let name = String::from_utf8_lossy(pair[0]).into_owned();
            let body = pair.get(1).copied().unwrap_or_default();
            match i % 3 {
                0 => {
                    cpio.file(&name, 0o644, body).unwrap();
                    expected.push((name, 0o100644, (0, 0), body.to_vec()));
                }
                1 => {
                    cpio.dir(&name).unwrap();
                    expected.push((name, 0o040755, (0, 0), Vec::new()));
                }
                _ => {
                    cpio.char_device(&name, 0o600, 5, 1).unwrap();
                    expected.push((name, 0o020600, (5, 1), Vec::new()));
                }
            }
        }
        let archive = cpio.finish().unwrap();
        assert_eq!(archive.len() % 4, 0);
        assert_eq!(read_cpio(&archive), expected);
    });
}

#[test]
fn fuzz_kernel_version_order() {
    let s = seeds(&[
        "6.1.0-56-amd64\n6.10.0-1-amd64",
        "6.9\n6.10",
        "5.10.0-9-amd64\n5.10.0-10-amd64",
    ]);
    fuzz("kernel-version-order", s, Vec::new(), 10000, |data| {
        let input = text(data);
        let (a, b) = input.split_once('\n').unwrap_or((&input, ""));
        let ab = kernel::version_cmp(a, b);
        assert_eq!(ab, kernel::version_cmp(b, a).reverse(), "{a:?} {b:?}");
        assert_eq!(kernel::version_cmp(a, a), std::cmp::Ordering::Equal);
    });
}

// ---------------------------------------------------------------------------
// XML from libvirt: the capabilities and the live domain description.

#[test]
fn fuzz_capabilities_xml() {
    let caps = "<capabilities><host><cpu><model>qemu64</model></cpu>\
        <secmodel><model>none</model><doi>0</doi></secmodel>\
        <secmodel><model>dac</model><doi>0</doi>\
        <baselabel type='kvm'>+64055:+107</baselabel>\
        <baselabel type=\"qemu\">+64055:+64055</baselabel></secmodel>\
        <secmodel><model>selinux</model><doi>0</doi></secmodel></host></capabilities>";
    assert_eq!(
        crate::context::security::dac_label(caps, "kvm"),
        Some((64055, 107))
    );
    let dictionary = seeds(&[
        "<secmodel>",
        "</secmodel>",
        "<model>",
        "</model>",
        "<model>dac</model>",
        "<baselabel",
        "</baselabel>",
        " type='qemu'>",
        ":",
        "+",
        "<",
        ">",
    ]);
    fuzz(
        "capabilities-xml",
        seeds(&[caps]),
        dictionary,
        10000,
        |data| {
            let xml = text(data);
            let models = crate::context::security::host_models(&xml);
            assert!(models.iter().all(|m| m.trim() == m));
            for virt in ["kvm", "qemu"] {
                let _ = crate::context::security::dac_label(&xml, virt);
            }
        },
    );
}

#[test]
fn fuzz_domain_xml() {
    let xml = r#"<domain type='lxc' id='1'>
  <devices>
    <console type='pty' tty='/dev/pts/3'>
      <source path='/dev/pts/3'/>
      <target type='lxc' port='0'/>
      <alias name='console0'/>
    </console>
    <console type="pty"><source path="/dev/pts/&#52;"/><alias name="console1"/></console>
    <serial type='pty'>
      <source path='/dev/pts/7'/>
      <alias name='serial0'/>
    </serial>
  </devices>
</domain>"#;
    assert_eq!(
        crate::console::pty::pty_path(xml, "console1").as_deref(),
        Some("/dev/pts/4")
    );
    let dictionary = seeds(&[
        "<console type='pty'>",
        "</console>",
        "<serial type='pty'>",
        "</serial>",
        "<alias name='console0'/>",
        "<source path='/x'/>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&#0;",
        "&#xFFFFFFFF;",
        "&bogus;",
        "<?xml version='1.0'?>",
        "<!DOCTYPE d [",
        "/>",
        "'",
        "\"",
    ]);
    fuzz("domain-xml", seeds(&[xml]), dictionary, 10000, |data| {
        let xml = text(data);
        for dev in ["console0", "console1", "serial0"] {
            let _ = crate::console::pty::pty_path(&xml, dev);
        }
    });
}
