// SPDX-License-Identifier: LGPL-2.1-or-later
//! The host <-> guest wire protocol of the app console: the one definition,
//! used by the guest init and by the host's `GVirSandboxConsoleRpc`.
//!
//! The channel is a character device (a pty in LXC, a virtio console in
//! QEMU) that starts in cooked mode, so nothing framed is sent until both
//! ends are known to be raw:
//!
//! 1. Handshake. The host sends [`HANDSHAKE_WAIT`] (0x1B) every 50 ms. The
//!    guest, once its end is raw, answers [`HANDSHAKE_SYNC`] (0x1C) to the
//!    first WAIT and ignores further WAITs; the host, on seeing SYNC (and
//!    ignoring anything else, e.g. echoes of its WAITs), sends one SYNC. After
//!    that byte both directions carry frames only.
//! 2. Frames. Every frame is a 4-byte big-endian total length (including the
//!    length word), a 16-byte header of four big-endian u32 words — `proc`,
//!    `type`, `status`, `serial` — and a payload of `length - 20` bytes.
//!    A length below 20 or above [`PACKET_MAX`] is a protocol error.
//!    - `proc` [`Proc`]: STDIN=1, STDOUT=2, STDERR=3 carry raw bytes (an empty
//!      STDIN frame means end of input); EXIT=4 carries the command's raw
//!      `waitpid` status as a big-endian i32; QUIT=5 is empty; ERROR=6 (new in
//!      this implementation) carries a UTF-8 message from the guest init
//!      about a setup failure; HELLO=7 (new) is the guest's first frame and
//!      carries its protocol version as a big-endian u32; WINSIZE=8 (new,
//!      host -> guest, tty mode) carries the local terminal's rows and columns
//!      as two big-endian u16; AUTH=9 (new, guest -> host) follows HELLO and
//!      carries the sandbox's secret from the launch spec: the host drops a
//!      peer whose first frames are not HELLO and the right AUTH.
//!    - `type`: MESSAGE=0 for EXIT/QUIT/ERROR/HELLO/WINSIZE, DATA=1 for the
//!      streams.
//!    - `status`: 0 (OK); anything else is an error.
//!    - `serial`: a per-sender counter, informational.
//! 3. End. After the command ended and its stdout/stderr reached end of file,
//!    the guest sends EXIT; the host answers QUIT and closes; the guest then
//!    shuts the sandbox down.

use std::fmt;

/// Host -> guest: "are you there?", repeated until answered.
pub const HANDSHAKE_WAIT: u8 = 0x1B;
/// Guest -> host answer, then host -> guest confirmation.
pub const HANDSHAKE_SYNC: u8 = 0x1C;
/// Largest frame, length word included.
pub const PACKET_MAX: usize = 262_144;
/// Size of the length word.
pub const LEN_SIZE: usize = 4;
/// Size of the header.
pub const HEADER_SIZE: usize = 16;
/// Largest payload.
pub const PAYLOAD_MAX: usize = PACKET_MAX - LEN_SIZE - HEADER_SIZE;
/// The protocol version this crate speaks (sent in HELLO).
pub const VERSION: u32 = 2;
/// Length of the per-sandbox secret carried by AUTH.
pub const SECRET_LEN: usize = 32;

/// Frame procedures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Proc {
    Stdin = 1,
    Stdout = 2,
    Stderr = 3,
    Exit = 4,
    Quit = 5,
    Error = 6,
    Hello = 7,
    WinSize = 8,
    Auth = 9,
}

const TYPE_MESSAGE: u32 = 0;
const TYPE_DATA: u32 = 1;
const STATUS_OK: u32 = 0;

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Stdin(Vec<u8>),
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    Exit(i32),
    Quit,
    Error(String),
    Hello(u32),
    /// Terminal rows and columns.
    WinSize(u16, u16),
    /// The sandbox's secret (guest -> host, right after HELLO).
    Auth(Vec<u8>),
}

/// A violation of the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    BadLength(u32),
    BadProc(u32),
    BadType { proc: u32, kind: u32 },
    BadStatus(u32),
    BadPayload(&'static str),
    VersionMismatch(u32),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadLength(l) => {
                write!(f, "invalid frame length {l} (must be 20 to {PACKET_MAX})")
            }
            Self::BadProc(p) => write!(f, "unknown frame procedure {p}"),
            Self::BadType { proc, kind } => {
                write!(f, "frame procedure {proc} has the wrong type {kind}")
            }
            Self::BadStatus(s) => write!(f, "frame status {s} is not OK"),
            Self::BadPayload(what) => write!(f, "invalid frame payload: {what}"),
            Self::VersionMismatch(v) => write!(
                f,
                "the guest speaks protocol version {v}, the host {VERSION}: install matching \
                 libvirt-sandbox host and guest helpers"
            ),
        }
    }
}

impl std::error::Error for ProtocolError {}

impl Message {
    fn proc(&self) -> Proc {
        match self {
            Message::Stdin(_) => Proc::Stdin,
            Message::Stdout(_) => Proc::Stdout,
            Message::Stderr(_) => Proc::Stderr,
            Message::Exit(_) => Proc::Exit,
            Message::Quit => Proc::Quit,
            Message::Error(_) => Proc::Error,
            Message::Hello(_) => Proc::Hello,
            Message::WinSize(..) => Proc::WinSize,
            Message::Auth(_) => Proc::Auth,
        }
    }

    /// Appends the frame(s) for this message to `out`. Stream data larger
    /// than [`PAYLOAD_MAX`] becomes several frames; an error text is cut there.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let proc = self.proc();
        let kind = match proc {
            Proc::Stdin | Proc::Stdout | Proc::Stderr => TYPE_DATA,
            _ => TYPE_MESSAGE,
        };
        let mut frame = |payload: &[u8]| {
            let len = (LEN_SIZE + HEADER_SIZE + payload.len()) as u32;
            out.extend_from_slice(&len.to_be_bytes());
            for word in [proc as u32, kind, STATUS_OK, 0] {
                out.extend_from_slice(&word.to_be_bytes());
            }
            out.extend_from_slice(payload);
        };
        match self {
            Message::Stdin(d) | Message::Stdout(d) | Message::Stderr(d) => {
                if d.is_empty() {
                    frame(&[]);
                }
                for chunk in d.chunks(PAYLOAD_MAX) {
                    frame(chunk);
                }
            }
            Message::Exit(status) => frame(&status.to_be_bytes()),
            Message::Hello(version) => frame(&version.to_be_bytes()),
            Message::WinSize(rows, cols) => {
                let [r0, r1] = rows.to_be_bytes();
                let [c0, c1] = cols.to_be_bytes();
                frame(&[r0, r1, c0, c1]);
            }
            Message::Quit => frame(&[]),
            Message::Auth(secret) => frame(&secret[..secret.len().min(PAYLOAD_MAX)]),
            Message::Error(text) => {
                let bytes = text.as_bytes();
                frame(&bytes[..bytes.len().min(PAYLOAD_MAX)]);
            }
        }
    }

    /// The encoded frame(s).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }
}

/// Incremental decoder: feed it bytes as they arrive, in any chunking.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes received but not yet decoded.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Adds `data` and returns every complete message. After an error the
    /// stream is unusable (the caller closes it).
    pub fn feed(&mut self, data: &[u8]) -> Result<Vec<Message>, ProtocolError> {
        self.buf.extend_from_slice(data);
        let mut messages = Vec::new();
        let mut start = 0;
        loop {
            let avail = &self.buf[start..];
            if avail.len() < LEN_SIZE {
                break;
            }
            let len = u32::from_be_bytes(avail[..4].try_into().expect("4 bytes"));
            if (len as usize) < LEN_SIZE + HEADER_SIZE || len as usize > PACKET_MAX {
                return Err(ProtocolError::BadLength(len));
            }
            if avail.len() < len as usize {
                break;
            }
            messages.push(decode_frame(&avail[LEN_SIZE..len as usize])?);
            start += len as usize;
        }
        self.buf.drain(..start);
        Ok(messages)
    }
}

fn word(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes(b[i * 4..i * 4 + 4].try_into().expect("4 bytes"))
}

fn decode_frame(frame: &[u8]) -> Result<Message, ProtocolError> {
    let (header, payload) = frame.split_at(HEADER_SIZE);
    let (proc, kind, status) = (word(header, 0), word(header, 1), word(header, 2));
    if status != STATUS_OK {
        return Err(ProtocolError::BadStatus(status));
    }
    let expect = |want: u32| {
        if kind == want {
            Ok(())
        } else {
            Err(ProtocolError::BadType { proc, kind })
        }
    };
    let int = |what| -> Result<[u8; 4], ProtocolError> {
        payload
            .try_into()
            .map_err(|_| ProtocolError::BadPayload(what))
    };
    Ok(match proc {
        1 => expect(TYPE_DATA).map(|()| Message::Stdin(payload.to_vec()))?,
        2 => expect(TYPE_DATA).map(|()| Message::Stdout(payload.to_vec()))?,
        3 => expect(TYPE_DATA).map(|()| Message::Stderr(payload.to_vec()))?,
        4 => {
            expect(TYPE_MESSAGE)?;
            Message::Exit(i32::from_be_bytes(int("EXIT needs a 4-byte status")?))
        }
        5 => {
            expect(TYPE_MESSAGE)?;
            if !payload.is_empty() {
                return Err(ProtocolError::BadPayload("QUIT has no payload"));
            }
            Message::Quit
        }
        6 => {
            expect(TYPE_MESSAGE)?;
            Message::Error(String::from_utf8_lossy(payload).into_owned())
        }
        7 => {
            expect(TYPE_MESSAGE)?;
            Message::Hello(u32::from_be_bytes(int("HELLO needs a 4-byte version")?))
        }
        8 => {
            expect(TYPE_MESSAGE)?;
            let [r0, r1, c0, c1] = int("WINSIZE needs 2-byte rows and columns")?;
            Message::WinSize(u16::from_be_bytes([r0, r1]), u16::from_be_bytes([c0, c1]))
        }
        9 => {
            expect(TYPE_MESSAGE)?;
            Message::Auth(payload.to_vec())
        }
        other => return Err(ProtocolError::BadProc(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Message> {
        vec![
            Message::Hello(VERSION),
            Message::WinSize(50, 132),
            Message::Stdin(b"input".to_vec()),
            Message::Stdin(Vec::new()),
            Message::Stdout(vec![0, 1, 2, 0x1b, 0x1c, 255]),
            Message::Stderr(b"err\n".to_vec()),
            Message::Exit(137),
            Message::Exit(-1),
            Message::Error("cannot mount /tmp: EPERM".into()),
            Message::Auth(vec![7; SECRET_LEN]),
            Message::Quit,
        ]
    }

    #[test]
    fn round_trip_every_message() {
        let mut bytes = Vec::new();
        for m in all() {
            m.encode_into(&mut bytes);
        }
        assert_eq!(Decoder::new().feed(&bytes).unwrap(), all());
    }

    #[test]
    fn any_chunking() {
        let bytes: Vec<u8> = all().iter().flat_map(|m| m.encode()).collect();
        let mut d = Decoder::new();
        let mut got = Vec::new();
        for b in &bytes {
            got.extend(d.feed(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(got, all());
        let mut seed = 7u64;
        for _ in 0..200 {
            let mut d = Decoder::new();
            let mut got = Vec::new();
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let n = 1 + (seed >> 33) as usize % 40;
                let (a, b) = rest.split_at(n.min(rest.len()));
                got.extend(d.feed(a).unwrap());
                rest = b;
            }
            assert_eq!(got, all());
            assert_eq!(d.pending(), 0);
        }
    }

    #[test]
    fn large_data_is_split() {
        let data = vec![7u8; PAYLOAD_MAX * 2 + 5];
        let bytes = Message::Stdout(data.clone()).encode();
        let got = Decoder::new().feed(&bytes).unwrap();
        assert_eq!(got.len(), 3);
        let joined: Vec<u8> = got
            .into_iter()
            .flat_map(|m| match m {
                Message::Stdout(d) => d,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(joined, data);
    }

    fn frame(len: u32, words: [u32; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = len.to_be_bytes().to_vec();
        for w in words {
            v.extend_from_slice(&w.to_be_bytes());
        }
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn malformed() {
        let d = || Decoder::new();
        assert_eq!(
            d().feed(&frame(8, [1, 1, 0, 0], &[])),
            Err(ProtocolError::BadLength(8))
        );
        assert_eq!(
            d().feed(&(PACKET_MAX as u32 + 1).to_be_bytes()),
            Err(ProtocolError::BadLength(PACKET_MAX as u32 + 1))
        );
        assert_eq!(
            d().feed(&frame(20, [10, 1, 0, 0], &[])),
            Err(ProtocolError::BadProc(10))
        );
        assert_eq!(
            d().feed(&frame(20, [2, 0, 0, 0], &[])),
            Err(ProtocolError::BadType { proc: 2, kind: 0 })
        );
        assert_eq!(
            d().feed(&frame(20, [2, 1, 3, 0], &[])),
            Err(ProtocolError::BadStatus(3))
        );
        assert!(matches!(
            d().feed(&frame(22, [4, 0, 0, 0], &[0, 1])),
            Err(ProtocolError::BadPayload(_))
        ));
        assert!(matches!(
            d().feed(&frame(21, [5, 0, 0, 0], &[0])),
            Err(ProtocolError::BadPayload(_))
        ));
        // Truncated: nothing yet, no error.
        let mut t = d();
        assert_eq!(t.feed(&frame(30, [2, 1, 0, 0], &[1, 2, 3])), Ok(vec![]));
    }

    #[test]
    fn fuzz_never_panics() {
        let mut seed = 0x1234_5678_9abc_def0u64;
        for _ in 0..20_000 {
            let mut d = Decoder::new();
            let mut buf = Vec::new();
            let n = (seed % 64) as usize;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Bias towards small numbers so some frames look plausible.
                buf.push(if seed.is_multiple_of(3) {
                    (seed % 8) as u8
                } else {
                    (seed >> 8) as u8
                });
            }
            let _ = d.feed(&buf);
            seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        }
    }
}
