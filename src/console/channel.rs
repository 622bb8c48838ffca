// SPDX-License-Identifier: LGPL-2.1-or-later
//! Who may speak for the sandbox on its app channel socket.
//!
//! Any process that can reach the socket can connect to it, so the first
//! connection is not trusted: each one is a [`Candidate`] that must answer
//! the handshake, then send HELLO with our protocol version and AUTH with
//! the sandbox's secret (from its launch spec, which only the sandbox's
//! init reads). The first candidate to do so becomes the channel; the
//! others, and every one that sends anything else, are dropped. Until then
//! nothing of the caller's (stdin, terminal size) is sent to anyone.

use std::io::Read;
use std::os::unix::net::UnixStream;

use nix::sys::socket::{MsgFlags, send, sockopt};
use sandbox_proto::protocol::{self, Decoder, Message, ProtocolError};

use crate::error::{SandboxError, error};

/// The credentials of a channel peer (SO_PEERCRED: the process that
/// connected, as this host's pid namespace numbers it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

impl PeerCred {
    /// The credentials of the process at the other end of `stream`.
    pub(crate) fn of(stream: &UnixStream) -> Option<Self> {
        let cred = nix::sys::socket::getsockopt(stream, sockopt::PeerCredentials).ok()?;
        Some(Self {
            pid: cred.pid(),
            uid: cred.uid(),
            gid: cred.gid(),
        })
    }
}

/// What the owner of the channel says of a peer that answered the
/// handshake, before the host confirms it (and so before the guest may run
/// anything).
pub(crate) enum PeerCheck {
    /// Go on with the authentication.
    Accept,
    /// Not this sandbox's: drop it, keep listening.
    Refuse(String),
    /// The sandbox cannot run as configured: end the console with this.
    Fail(crate::Error),
}

/// A hook run on each peer that answered the handshake (the context
/// enforces the task limit there).
pub(crate) type PeerHook = Box<dyn Fn(&PeerCred) -> PeerCheck>;

/// What a peer must prove, the hook that sees it first and the one told
/// when it proved it.
pub(crate) struct ChannelAuth {
    secret: Vec<u8>,
    on_peer: Option<PeerHook>,
    on_authenticated: Option<Box<dyn Fn()>>,
}

impl ChannelAuth {
    pub(crate) fn new(secret: &[u8], on_peer: Option<PeerHook>) -> Self {
        Self {
            secret: secret.to_vec(),
            on_peer,
            on_authenticated: None,
        }
    }

    /// Runs `hook` once a peer authenticated, before anything it sent
    /// after its AUTH is handled (the context removes the launch spec
    /// there: the init has read it).
    pub(crate) fn on_authenticated(mut self, hook: impl Fn() + 'static) -> Self {
        self.on_authenticated = Some(Box::new(hook));
        self
    }

    pub(crate) fn authenticated(&self) {
        if let Some(hook) = &self.on_authenticated {
            hook();
        }
    }

    /// Compares in constant time (for secrets of the right length).
    fn matches(&self, offered: &[u8]) -> bool {
        offered.len() == self.secret.len()
            && std::hint::black_box(
                offered
                    .iter()
                    .zip(&self.secret)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b)),
            ) == 0
    }

    fn check(&self, cred: Option<&PeerCred>) -> PeerCheck {
        match (&self.on_peer, cred) {
            (None, _) => PeerCheck::Accept,
            (Some(hook), Some(cred)) => hook(cred),
            (Some(_), None) => PeerCheck::Refuse("its credentials are unknown".to_owned()),
        }
    }
}

/// What a candidate is expected to send next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// SYNC (the host sends WAIT until then).
    Sync,
    Hello,
    Auth,
}

/// What a candidate's input decided.
pub(crate) enum Step {
    /// Nothing yet.
    Continue,
    /// It proved it is the sandbox's init; the messages that followed its
    /// AUTH in the same input.
    Authenticated(Vec<Message>),
    /// Drop it, for this reason.
    Refused(String),
    /// End the console (see [`PeerCheck::Fail`]).
    Failed(crate::Error),
}

/// A connection to the channel socket that has not proved itself yet.
pub(crate) struct Candidate {
    stream: UnixStream,
    cred: Option<PeerCred>,
    state: Expect,
    decoder: Decoder,
}

/// Bytes read from a candidate at a time.
const CHUNK: usize = 16 * 1024;

impl Candidate {
    pub(crate) fn new(stream: UnixStream) -> std::io::Result<Self> {
        stream.set_nonblocking(true)?;
        let cred = PeerCred::of(&stream);
        Ok(Self {
            stream,
            cred,
            state: Expect::Sync,
            decoder: Decoder::new(),
        })
    }

    pub(crate) fn stream(&self) -> &UnixStream {
        &self.stream
    }

    pub(crate) fn cred(&self) -> Option<PeerCred> {
        self.cred
    }

    /// Whether it still has to answer the handshake.
    pub(crate) fn awaits_sync(&self) -> bool {
        self.state == Expect::Sync
    }

    /// The socket, the decoder holding what followed the messages already
    /// returned, and the credentials: the channel, once authenticated.
    pub(crate) fn into_parts(self) -> (UnixStream, Decoder, Option<PeerCred>) {
        (self.stream, self.decoder, self.cred)
    }

    /// Sends bytes without blocking and without SIGPIPE (the peer may be
    /// gone, and need not read).
    pub(crate) fn send(&self, data: &[u8]) -> nix::Result<()> {
        match send(
            std::os::fd::AsRawFd::as_raw_fd(&self.stream),
            data,
            MsgFlags::MSG_NOSIGNAL | MsgFlags::MSG_DONTWAIT,
        ) {
            Ok(_) | Err(nix::errno::Errno::EAGAIN) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Reads what arrived and moves the authentication on.
    pub(crate) fn readable(&mut self, auth: &ChannelAuth) -> Step {
        let mut buf = vec![0u8; CHUNK];
        match self.stream.read(&mut buf) {
            Ok(0) => Step::Refused("it closed the connection before authenticating".to_owned()),
            Ok(n) => self.input(&buf[..n], auth),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                ) =>
            {
                Step::Continue
            }
            Err(e) => Step::Refused(format!("reading from it failed: {e}")),
        }
    }

    /// Moves the authentication on with `data`, the next bytes it sent.
    pub(crate) fn input(&mut self, mut data: &[u8], auth: &ChannelAuth) -> Step {
        if self.state == Expect::Sync {
            // Anything before SYNC is noise.
            let Some(pos) = data.iter().position(|&b| b == protocol::HANDSHAKE_SYNC) else {
                return Step::Continue;
            };
            data = &data[pos + 1..];
            match auth.check(self.cred.as_ref()) {
                PeerCheck::Accept => {}
                PeerCheck::Refuse(why) => return Step::Refused(why),
                PeerCheck::Fail(e) => return Step::Failed(e),
            }
            if let Err(e) = self.send(&[protocol::HANDSHAKE_SYNC]) {
                return Step::Refused(format!("cannot answer its handshake: {e}"));
            }
            self.state = Expect::Hello;
        }
        let messages = match self.decoder.feed(data) {
            Ok(m) => m,
            Err(e) => return Step::Refused(format!("it broke the protocol: {e}")),
        };
        let mut messages = messages.into_iter();
        while let Some(message) = messages.next() {
            match (self.state, message) {
                (Expect::Hello, Message::Hello(v)) if v == protocol::VERSION => {
                    self.state = Expect::Auth;
                }
                (Expect::Hello, Message::Hello(v)) => {
                    return Step::Refused(ProtocolError::VersionMismatch(v).to_string());
                }
                (Expect::Auth, Message::Auth(secret)) if auth.matches(&secret) => {
                    return Step::Authenticated(messages.collect());
                }
                (Expect::Auth, Message::Auth(_)) => {
                    return Step::Refused("it sent the wrong secret".to_owned());
                }
                (Expect::Hello, other) => {
                    return Step::Refused(format!("it sent {} instead of HELLO", name(&other)));
                }
                (_, other) => {
                    return Step::Refused(format!("it sent {} instead of AUTH", name(&other)));
                }
            }
        }
        Step::Continue
    }
}

/// A message's procedure, for refusals (never its payload: it may be
/// someone's secret).
fn name(message: &Message) -> &'static str {
    match message {
        Message::Stdin(_) => "STDIN",
        Message::Stdout(_) => "STDOUT",
        Message::Stderr(_) => "STDERR",
        Message::Exit(_) => "EXIT",
        Message::Quit => "QUIT",
        Message::Error(_) => "ERROR",
        Message::Hello(_) => "HELLO",
        Message::WinSize(..) => "WINSIZE",
        Message::Auth(_) => "AUTH",
    }
}

/// A new secret for a sandbox: [`protocol::SECRET_LEN`] bytes from the
/// kernel's random number generator.
pub(crate) fn new_secret() -> crate::Result<Vec<u8>> {
    let mut secret = vec![0u8; protocol::SECRET_LEN];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut secret))
        .map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot read random bytes for the sandbox's secret from /dev/urandom: {e}"),
            )
        })?;
    Ok(secret)
}

/// Lower-case hex, as the launch spec carries the secret.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(messages: &[Message]) -> Vec<u8> {
        messages.iter().flat_map(Message::encode).collect()
    }

    fn candidate() -> (Candidate, UnixStream) {
        let (ours, theirs) = UnixStream::pair().unwrap();
        (Candidate::new(ours).unwrap(), theirs)
    }

    fn refused(step: Step) -> String {
        match step {
            Step::Refused(why) => why,
            _ => panic!("not refused"),
        }
    }

    #[test]
    fn the_right_secret_authenticates() {
        let auth = ChannelAuth::new(&[7; 32], None);
        let (mut c, mut peer) = candidate();
        assert_eq!(c.cred().map(|p| p.pid), Some(std::process::id() as i32));
        assert!(matches!(c.input(b"\x1b noise", &auth), Step::Continue));
        assert!(matches!(
            c.input(&[protocol::HANDSHAKE_SYNC], &auth),
            Step::Continue
        ));
        assert!(!c.awaits_sync());
        let mut answer = [0u8; 1];
        std::io::Read::read_exact(&mut peer, &mut answer).unwrap();
        assert_eq!(answer[0], protocol::HANDSHAKE_SYNC);
        let mut bytes = frames(&[
            Message::Hello(protocol::VERSION),
            Message::Auth(vec![7; 32]),
            Message::Stdout(b"early".to_vec()),
        ]);
        bytes.extend_from_slice(&[0, 0]); // the start of a next frame
        match c.input(&bytes, &auth) {
            Step::Authenticated(rest) => assert_eq!(rest, [Message::Stdout(b"early".to_vec())]),
            _ => panic!("not authenticated"),
        }
        let (_, decoder, _) = c.into_parts();
        assert_eq!(decoder.pending(), 2);
    }

    #[test]
    fn anything_else_is_refused() {
        let auth = ChannelAuth::new(&[7; 32], None);
        let sync = [protocol::HANDSHAKE_SYNC];
        let cases: [(&[Message], &str); 5] = [
            (
                &[
                    Message::Hello(protocol::VERSION),
                    Message::Auth(vec![8; 32]),
                ],
                "wrong secret",
            ),
            (
                &[
                    Message::Hello(protocol::VERSION),
                    Message::Auth(vec![7; 31]),
                ],
                "wrong secret",
            ),
            (&[Message::Auth(vec![7; 32])], "AUTH instead of HELLO"),
            (&[Message::Hello(1)], "protocol version 1"),
            (
                &[Message::Hello(protocol::VERSION), Message::Exit(0)],
                "EXIT instead of AUTH",
            ),
        ];
        for (messages, why) in cases {
            let (mut c, _peer) = candidate();
            let mut bytes = sync.to_vec();
            bytes.extend(frames(messages));
            let got = refused(c.input(&bytes, &auth));
            assert!(got.contains(why), "{got:?} lacks {why:?}");
        }
        let (mut c, peer) = candidate();
        drop(peer);
        assert!(refused(c.readable(&auth)).contains("closed the connection"));
        let (mut c, _peer) = candidate();
        let got = refused(c.input(&[protocol::HANDSHAKE_SYNC, 0, 0, 0, 1], &auth));
        assert!(got.contains("broke the protocol"), "{got}");
    }

    #[test]
    fn the_hook_sees_the_peer_before_it_is_confirmed() {
        let auth = ChannelAuth::new(
            &[1; 32],
            Some(Box::new(|cred: &PeerCred| {
                if cred.pid == std::process::id() as i32 {
                    PeerCheck::Refuse(format!("pid {} is not the sandbox's", cred.pid))
                } else {
                    PeerCheck::Accept
                }
            })),
        );
        let (mut c, mut peer) = candidate();
        let got = refused(c.input(&[protocol::HANDSHAKE_SYNC], &auth));
        assert!(got.contains("is not the sandbox's"), "{got}");
        // Not confirmed: nothing was sent to it.
        peer.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        assert!(std::io::Read::read(&mut peer, &mut byte).is_err());
    }

    #[test]
    fn secrets_are_random_and_hex_encoded() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_eq!(a.len(), protocol::SECRET_LEN);
        assert_ne!(a, b);
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(hex(&a).len(), 2 * protocol::SECRET_LEN);
    }
}
