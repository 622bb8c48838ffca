// SPDX-License-Identifier: LGPL-2.1-or-later
//! `execute NAME -- CMD...` through the running service's root shell
//! console (the same on both backends): the command line goes to the
//! shell between two marks the shell prints itself (`\036` is printed by
//! printf, so the echo of the typed line never matches), and what comes
//! between them is the command's output; the end mark carries its exit
//! status. One execute at a time per service (a lock on the console).

use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg, OFlag, open};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::stat::Mode;
use nix::sys::termios::{self, SetArg};

/// How long the shell may take to start the command.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// `arg` quoted for a POSIX shell.
pub fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 12];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Runs `argv` in the shell at the pty `path`; its output goes to our
/// stdout; returns its exit status.
pub fn execute(path: &str, argv: &[String]) -> Result<u8, String> {
    let fd: OwnedFd = open(
        path,
        OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| format!("cannot open the service's shell console '{path}': {e}"))?;
    let fd = Flock::lock(fd, FlockArg::LockExclusive)
        .map_err(|(_, e)| format!("cannot lock the service's shell console: {e}"))?;
    if let Ok(mut attrs) = termios::tcgetattr(&*fd) {
        termios::cfmakeraw(&mut attrs);
        let _ = termios::tcsetattr(&*fd, SetArg::TCSANOW, &attrs);
    }
    let token = random_token()?;
    let command: Vec<String> = argv.iter().map(|a| quote(a)).collect();
    // Ctrl-U drops a half-typed line; the command's stdin is /dev/null.
    let line = format!(
        "\x15printf '\\036B%s\\n' {token}; ( {} ) </dev/null 2>&1; printf '\\036E%s %d\\n' {token} $?\n",
        command.join(" ")
    );
    nix::unistd::write(&*fd, line.as_bytes())
        .map_err(|e| format!("cannot write to the service's shell console: {e}"))?;
    let begin = format!("\x1eB{token}");
    let end = format!("\x1eE{token} ");
    let mut seen: Vec<u8> = Vec::new();
    let mut started = false;
    let since = Instant::now();
    let mut buf = [0u8; 16 * 1024];
    let mut stdout = std::io::stdout().lock();
    loop {
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(200u16)) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(format!("poll: {e}")),
        }
        match nix::unistd::read(&*fd, &mut buf) {
            Ok(0) | Err(Errno::EIO) => {
                return Err("the service ended before the command did".to_owned());
            }
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
            Err(e) => return Err(format!("cannot read the service's shell console: {e}")),
        }
        if !started {
            if let Some(at) = find(&seen, begin.as_bytes()) {
                // Past the mark and its line end.
                let rest = &seen[at + begin.len()..];
                if let Some(nl) = rest.iter().position(|&b| b == b'\n') {
                    seen = rest[nl + 1..].to_vec();
                    started = true;
                }
            } else if since.elapsed() > ANSWER_TIMEOUT {
                return Err(format!(
                    "the service's shell did not answer within {ANSWER_TIMEOUT:?}"
                ));
            }
        }
        if started {
            if let Some(at) = find(&seen, end.as_bytes()) {
                let rest = &seen[at + end.len()..];
                if let Some(nl) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
                    let code: u32 = std::str::from_utf8(&rest[..nl])
                        .ok()
                        .and_then(|c| c.trim().parse().ok())
                        .ok_or("the service's shell sent a bad exit status")?;
                    let _ = stdout.write_all(&crlf(&seen[..at]));
                    let _ = stdout.flush();
                    return Ok(code.min(255) as u8);
                }
            } else {
                // Keep what may be the start of the end mark.
                let keep = end.len().min(seen.len());
                let out: Vec<u8> = seen.drain(..seen.len() - keep).collect();
                // A CR at the cut stays for the next round.
                let _ = stdout.write_all(&crlf(&out));
                let _ = stdout.flush();
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The terminal's CR LF as LF.
fn crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, &b) in data.iter().enumerate() {
        if b == b'\r' && data.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(b);
    }
    out
}
