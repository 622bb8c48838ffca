// SPDX-License-Identifier: LGPL-2.1-or-later
//! `start NAME` with a persistent log: the service runs under a `run` of
//! its own in the background (the same runner systemd's unit uses), whose
//! stdout and stderr are appended to `/var/log/libvirt-sandbox/NAME.log`.
//! So the output is kept from its first byte on both backends (a libvirt
//! console nobody reads loses it), and the task limit holds as under
//! systemd. `log NAME` prints the file; `delete` removes it.

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use libvirt_sandbox::context::ContextService;

/// Where the services' logs are.
pub const LOG_ROOT: &str = "/var/log/libvirt-sandbox";
/// How long `start` waits for its runner to start the domain (a VM's
/// domain is active as soon as QEMU runs; the boot comes after).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The log of the service `name`.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(LOG_ROOT).join(format!("{name}.log"))
}

/// Opens the log of `name` for appending (root's only), making its
/// directory if needed.
fn open(name: &str) -> Result<std::fs::File, String> {
    let fail = |what: &str, path: &std::path::Path, e: std::io::Error| {
        format!("cannot {what} the log '{}': {e}", path.display())
    };
    let root = PathBuf::from(LOG_ROOT);
    if !root.is_dir() {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .recursive(true)
            .create(&root)
            .map_err(|e| fail("create the directory of", &root, e))?;
    }
    let log = path(name);
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(&log)
        .map_err(|e| fail("open", &log, e))?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(|e| fail("restrict", &log, e))?;
    Ok(file)
}

/// Starts the stopped service `name` (on `uri`) under a background runner
/// writing to its log; returns once its domain runs (or its runner ended
/// having run it). A runner that could not start it fails `start` with
/// the runner's own line.
pub fn start(context: &ContextService, uri: &str, name: &str) -> Result<PathBuf, String> {
    let mut log = open(name)?;
    let begin = log
        .seek(SeekFrom::End(0))
        .map_err(|e| format!("cannot read the log '{}': {e}", path(name).display()))?;
    let now = glib::DateTime::now_utc()
        .ok()
        .and_then(|t| t.format_iso8601().ok())
        .map(|t| t.to_string())
        .unwrap_or_default();
    let _ = writeln!(log, "-- virt-sandbox-service: start {name} {now} --");
    let program = std::env::current_exe()
        .map_err(|e| format!("cannot find virt-sandbox-service's own path: {e}"))?;
    let stderr = log
        .try_clone()
        .map_err(|e| format!("cannot open the log '{}': {e}", path(name).display()))?;
    let mut runner = std::process::Command::new(program)
        .args(["run", "-c", uri, name])
        .env_remove("NOTIFY_SOCKET")
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(stderr)
        // Its own process group: the terminal's ^C and hangup are not its.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run virt-sandbox-service run: {e}"))?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = runner.try_wait() {
            // It ended: it either ran the service (a short command: its
            // status is ours to ignore) or failed saying why, last.
            let failure = runner_failure(name, begin).filter(|_| status.code() == Some(1));
            return match failure {
                Some(line) => Err(line),
                None => Ok(path(name)),
            };
        }
        if context.is_running().unwrap_or(false) {
            return Ok(path(name));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the service '{name}' did not start within {}s (see {})",
                START_TIMEOUT.as_secs(),
                path(name).display()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The runner's own error, if the last line it appended to the log after
/// `begin` is one (`virt-sandbox-service: ...`), without its program name.
fn runner_failure(name: &str, begin: u64) -> Option<String> {
    let mut text = String::new();
    let mut file = std::fs::File::open(path(name)).ok()?;
    file.seek(SeekFrom::Start(begin)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.lines()
        .rfind(|l| !l.trim().is_empty())?
        .strip_prefix("virt-sandbox-service: ")
        .map(str::to_owned)
}

/// Copies the log of `name` to stdout.
pub fn print(name: &str) -> Result<(), String> {
    let log = path(name);
    let mut file = match std::fs::File::open(&log) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "the service '{name}' has no log ({} does not exist): it is written when \
                 'virt-sandbox-service start' starts the service (under systemd its output \
                 is in the journal)",
                log.display()
            ));
        }
        Err(e) => return Err(format!("cannot read the log '{}': {e}", log.display())),
    };
    std::io::copy(&mut file, &mut std::io::stdout().lock())
        .map(|_| ())
        .map_err(|e| format!("cannot read the log '{}': {e}", log.display()))
}

/// Removes the log of `name`; none is fine.
pub fn remove(name: &str) -> Result<(), String> {
    match std::fs::remove_file(path(name)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "cannot remove the log '{}': {e}",
            path(name).display()
        )),
    }
}
