// SPDX-License-Identifier: LGPL-2.1-or-later
//! Fuzzing of what the guest init reads: the wire protocol's frames (the
//! decoder both ends use), the launch spec and the secret's hex text. See
//! [`mutator`] for the fuzzer and how to run longer.

pub(crate) mod mutator;

use mutator::{Rng, chunks, fuzz, text};

use crate::isolation::hex_decode;
use crate::launch::{
    DiskTag, GuestMount, Include, LaunchSpec, NetAddress, NetInterface, NetRoute, SPEC_VERSION,
};
use crate::protocol::{self, Decoder, Message, ProtocolError};

/// One of every message, as the host and the guest send them.
fn messages() -> Vec<Message> {
    vec![
        Message::Hello(protocol::VERSION),
        Message::Auth(vec![0xa5; protocol::SECRET_LEN]),
        Message::WinSize(50, 132),
        Message::Stdin(b"input\n".to_vec()),
        Message::Stdin(Vec::new()),
        Message::Stdout(vec![0, 1, 0x1b, 0x1c, 0xff]),
        Message::Stderr(b"err\n".to_vec()),
        Message::Error("cannot mount /tmp: EPERM".to_owned()),
        Message::Exit(137 << 8),
        Message::Quit,
    ]
}

fn encode(messages: &[Message]) -> Vec<u8> {
    messages.iter().flat_map(Message::encode).collect()
}

/// Every input decoded at once: the messages, or the error.
fn decode_whole(data: &[u8]) -> (Result<Vec<Message>, ProtocolError>, usize) {
    let mut d = Decoder::new();
    let r = d.feed(data);
    (r, d.pending())
}

#[test]
fn fuzz_protocol_decoder() {
    let all = messages();
    let mut seeds: Vec<Vec<u8>> = all.iter().map(Message::encode).collect();
    seeds.push(encode(&all));
    seeds.push(Message::Stdout(vec![b'x'; protocol::PAYLOAD_MAX + 10]).encode());
    let mut dictionary: Vec<Vec<u8>> = seeds[..all.len()].to_vec();
    for len in [
        0u32,
        19,
        20,
        24,
        protocol::PACKET_MAX as u32,
        protocol::PACKET_MAX as u32 + 1,
    ] {
        dictionary.push(len.to_be_bytes().to_vec());
    }
    for word in [0u32, 1, 4, 5, 9, 10, u32::MAX] {
        dictionary.push(word.to_be_bytes().to_vec());
    }
    fuzz("protocol-decoder", seeds, dictionary, 10000, |data| {
        let (whole, pending) = decode_whole(data);
        // The same bytes in any chunking decode to the same messages (or the
        // same error), and the decoder never holds a whole frame's worth.
        let mut rng = Rng::new(data.len() as u64 ^ 0x5eed);
        let mut d = Decoder::new();
        let mut got = Vec::new();
        let mut chunked = Ok(());
        for chunk in chunks(&mut rng, data) {
            match d.feed(chunk) {
                Ok(m) => {
                    got.extend(m);
                    assert!(
                        d.pending() < protocol::PACKET_MAX,
                        "{} pending",
                        d.pending()
                    );
                }
                Err(e) => {
                    chunked = Err(e);
                    break;
                }
            }
        }
        match whole {
            Ok(messages) => {
                assert_eq!(chunked, Ok(()));
                assert_eq!(got, messages);
                assert!(pending < protocol::PACKET_MAX);
                assert_eq!(pending, d.pending());
                // What was decoded re-encodes to frames that decode to it.
                let fits = |m: &Message| match m {
                    Message::Error(t) => t.len() <= protocol::PAYLOAD_MAX,
                    _ => true,
                };
                let again: Vec<Message> = messages.iter().filter(|m| fits(m)).cloned().collect();
                assert_eq!(decode_whole(&encode(&again)).0, Ok(again));
            }
            Err(e) => assert_eq!(chunked, Err(e)),
        }
    });
}

#[test]
fn fuzz_protocol_encoder() {
    // Random messages (some larger than a frame) survive encode -> decode.
    let seeds: Vec<Vec<u8>> = messages().iter().map(Message::encode).collect();
    fuzz("protocol-encoder", seeds, Vec::new(), 2000, |data| {
        let mut rng = Rng::new(
            data.iter()
                .fold(7u64, |h, &b| h.wrapping_mul(31) ^ u64::from(b)),
        );
        let payload = |rng: &mut Rng| {
            let mut p = data.to_vec();
            if rng.one_in(16) {
                p = std::iter::repeat_n(p, 1 + protocol::PAYLOAD_MAX / data.len().max(1))
                    .flatten()
                    .collect();
            }
            p
        };
        let mut sent = Vec::new();
        for _ in 0..1 + rng.below(4) {
            sent.push(match rng.below(9) {
                0 => Message::Stdin(payload(&mut rng)),
                1 => Message::Stdout(payload(&mut rng)),
                2 => Message::Stderr(payload(&mut rng)),
                3 => Message::Exit(rng.next_u64() as i32),
                4 => Message::Quit,
                5 => Message::Error(text(data)),
                6 => Message::Hello(rng.next_u64() as u32),
                7 => Message::WinSize(rng.next_u64() as u16, rng.next_u64() as u16),
                _ => Message::Auth(data[..data.len().min(protocol::PAYLOAD_MAX)].to_vec()),
            });
        }
        let bytes = encode(&sent);
        let (got, pending) = decode_whole(&bytes);
        let got = got.expect("our own frames decode");
        assert_eq!(pending, 0);
        // Streams larger than a frame arrive as several messages.
        let joined = |ms: &[Message]| -> Vec<Message> {
            let mut out: Vec<Message> = Vec::new();
            for m in ms {
                match (out.last_mut(), m) {
                    (Some(Message::Stdin(a)), Message::Stdin(b))
                    | (Some(Message::Stdout(a)), Message::Stdout(b))
                    | (Some(Message::Stderr(a)), Message::Stderr(b))
                        if !b.is_empty() && !a.is_empty() =>
                    {
                        a.extend_from_slice(b)
                    }
                    _ => out.push(m.clone()),
                }
            }
            out
        };
        let expected: Vec<Message> = sent
            .iter()
            .map(|m| match m {
                Message::Error(t) if t.len() > protocol::PAYLOAD_MAX => {
                    let cut = &t.as_bytes()[..protocol::PAYLOAD_MAX];
                    Message::Error(String::from_utf8_lossy(cut).into_owned())
                }
                other => other.clone(),
            })
            .collect();
        assert_eq!(joined(&got), joined(&expected));
    });
}

fn full_spec() -> LaunchSpec {
    let mut spec = LaunchSpec::new(vec![
        "/bin/sh".into(),
        "-c".into(),
        "echo 'hi' \"there\"".into(),
    ]);
    spec.env = vec![
        ("LANG".into(), "C.UTF-8".into()),
        ("EMPTY".into(), String::new()),
    ];
    spec.uid = 1000;
    spec.gid = 100;
    spec.username = "alice".into();
    spec.homedir = "/home/alice".into();
    spec.tty = true;
    spec.channel = "unix:/run/libvirt-sandbox/x/app.sock".into();
    spec.shell = Some("/dev/hvc1".into());
    spec.debug = true;
    spec.mounts = vec![
        GuestMount {
            source: "tmpfs".into(),
            target: "/tmp".into(),
            fstype: "tmpfs".into(),
            options: "size=1024k,mode=1777".into(),
        },
        GuestMount {
            source: "/var/tmp".into(),
            target: "/srv".into(),
            fstype: String::new(),
            options: String::new(),
        },
    ];
    spec.includes = vec![Include {
        src: "/etc/hosts".into(),
        dst: "/tmp/hosts".into(),
        modes: vec![(String::new(), 0o644), ("sub/file".into(), 0o600)],
    }];
    spec.disks = vec![DiskTag {
        tag: "data".into(),
        device: "/dev/disk/by-id/virtio-d0".into(),
    }];
    spec.networks = vec![NetInterface {
        mac: "52:54:00:12:34:56".into(),
        network: "default".into(),
        dhcp: false,
        addresses: vec![NetAddress {
            address: "192.168.122.10".into(),
            prefix: 24,
            broadcast: Some("192.168.122.255".into()),
        }],
        routes: vec![NetRoute {
            target: "0.0.0.0".into(),
            prefix: 0,
            gateway: "192.168.122.1".into(),
        }],
    }];
    spec.secret = "00".repeat(protocol::SECRET_LEN);
    spec.max_tasks = 4096;
    spec.grants = vec!["/tmp".into(), "/home/alice".into()];
    spec
}

#[test]
fn fuzz_launch_spec() {
    let full = full_spec();
    let compact = serde_json::to_string(&full).unwrap();
    let minimal = LaunchSpec::new(vec!["/bin/true".into()]).to_json();
    let seeds = vec![
        full.to_json().into_bytes(),
        compact.into_bytes(),
        minimal.into_bytes(),
        format!(
            r#"{{"version":{SPEC_VERSION},"command":["x"],"uid":0,"gid":0,"username":"","homedir":"","channel":"c"}}"#
        )
        .into_bytes(),
    ];
    let dictionary = [
        "null", "true", "false", "[", "]", "{", "}", ",", ":", "\"", "\\", "\\u0000",
        "\\ud800", "\\uDFFF", "1e999", "-1", "-0", "0.5", "4294967296", "18446744073709551616",
        "\"version\":1,", "\"version\":2,", "\"command\":[],", "\"command\":[\"\"],",
        "\"channel\":\"\",", "\"shell\":null,", "\"modes\":[[\"\",4294967295]],",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ]
    .map(|t| t.as_bytes().to_vec())
    .to_vec();
    fuzz("launch-spec", seeds, dictionary, 10000, |data| {
        let json = text(data);
        if let Ok(spec) = LaunchSpec::from_json(&json) {
            assert_eq!(spec.version, SPEC_VERSION);
            assert!(!spec.command.is_empty() && !spec.command[0].is_empty());
            assert!(!spec.channel.is_empty());
            // A spec the init accepts survives the host's writing of it.
            assert_eq!(LaunchSpec::from_json(&spec.to_json()), Ok(spec));
        }
    });
}

#[test]
fn fuzz_secret_hex() {
    let seeds = vec![
        b"00ff10ab".to_vec(),
        "a5".repeat(protocol::SECRET_LEN).into_bytes(),
        b"DEADbeef".to_vec(),
    ];
    fuzz("secret-hex", seeds, Vec::new(), 10000, |data| {
        let hex = text(data);
        if let Ok(bytes) = hex_decode(&hex) {
            assert_eq!(bytes.len() * 2, hex.len());
            let lower: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(lower, hex.to_ascii_lowercase());
        }
    });
}
