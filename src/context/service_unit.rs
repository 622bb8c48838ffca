// SPDX-License-Identifier: LGPL-2.1-or-later
//! The systemd unit of a service sandbox, `/etc/systemd/system/NAME_sandbox.service`
//! (the original's name), written by `virt-sandbox-service create` and
//! removed by `delete`.
//!
//! systemd supervises `virt-sandbox-service run NAME`, which runs the
//! service in the foreground (see [`super::service_run`]): `Type=notify`
//! (the runner says `READY=1` once the command runs, or relays the
//! command's own readiness with `--notify`), its output on the runner's
//! stdout and stderr (the journal), SIGTERM to the runner stops the command
//! inside gracefully and the domain is destroyed after the runner's stop
//! timeout (systemd's `TimeoutStopSec=` is longer, so the runner is never
//! killed with the domain still up; `ExecStopPost=` stops a domain left
//! running all the same), the command's exit status is the unit's result,
//! and `Restart=on-failure`.
//!
//! With sockets (`create --socket`, containers), `NAME_sandbox.socket`
//! beside it: systemd listens and starts the service with the sockets,
//! which `run` passes into the container (socket activation).

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{SandboxError, error};

/// Where `create` writes the units.
pub const UNIT_DIR: &str = "/etc/systemd/system";

/// What the unit of a service runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitOptions {
    /// The absolute path of `virt-sandbox-service`.
    pub program: PathBuf,
    /// Wait for the command's own `READY=1` (it speaks the notify
    /// protocol) rather than saying it once the command runs.
    pub notify: bool,
    /// Seconds the runner waits after SIGTERM before destroying the domain.
    pub stop_timeout: u32,
    /// Socket activation (containers): the `ListenStream=` addresses of the
    /// unit's `NAME_sandbox.socket`; none, no socket unit.
    pub sockets: Vec<String>,
}

/// The unit's name for the service `name`.
pub fn unit_name(name: &str) -> String {
    format!("{name}_sandbox.service")
}

/// The unit's path for the service `name`.
pub fn unit_path(name: &str) -> PathBuf {
    Path::new(UNIT_DIR).join(unit_name(name))
}

/// The socket unit's name for the service `name` (systemd pairs it with
/// [`unit_name`]'s by name).
pub fn socket_unit_name(name: &str) -> String {
    format!("{name}_sandbox.socket")
}

/// The socket unit's path for the service `name`.
pub fn socket_unit_path(name: &str) -> PathBuf {
    Path::new(UNIT_DIR).join(socket_unit_name(name))
}

/// Refuses an address that a `ListenStream=` of ours cannot hold: a port,
/// IP:PORT, [IPv6]:PORT, an absolute path or an @abstract name (no
/// spaces, quotes or unit-file specifiers).
fn check_listen(addr: &str) -> crate::Result<()> {
    let plain = |a: &str| {
        a.len() > 1
            && a.len() < 108
            && !a
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "%\\\"';".contains(c))
    };
    let ok = match addr.parse::<u16>() {
        Ok(port) => port != 0,
        Err(_) => match addr.parse::<std::net::SocketAddr>() {
            Ok(socket) => socket.port() != 0,
            Err(_) => (addr.starts_with('/') || addr.starts_with('@')) && plain(addr),
        },
    };
    if ok {
        Ok(())
    } else {
        Err(error(
            SandboxError::InvalidArgument,
            format!(
                "--socket '{}': give a port, IP:PORT, [IPv6]:PORT, an absolute socket path or \
                 @NAME (systemd's ListenStream=)",
                addr.escape_default()
            ),
        ))
    }
}

/// Refuses a service name that cannot be a unit's or a program path that
/// a unit cannot run.
fn check(name: &str, options: &UnitOptions) -> crate::Result<String> {
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_.:-".contains(*c)))
    {
        return Err(error(
            SandboxError::InvalidArgument,
            format!(
                "the name '{name}' cannot name a systemd unit ('{c}'): use letters, digits and \
                 '_.:-', or create the service with --no-unit"
            ),
        ));
    }
    let program = options.program.to_str().filter(|p| {
        options.program.is_absolute()
            && !p
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'\\%$;".contains(c))
    });
    program.map(str::to_owned).ok_or_else(|| {
        error(
            SandboxError::InvalidArgument,
            format!(
                "a systemd unit cannot run '{}': install virt-sandbox-service in a plain \
                 absolute path",
                options.program.display()
            ),
        )
    })
}

/// The unit's text.
pub fn unit_text(name: &str, options: &UnitOptions) -> crate::Result<String> {
    let program = check(name, options)?;
    for addr in &options.sockets {
        check_listen(addr)?;
    }
    let notify = if options.notify { " --notify" } else { "" };
    let timeout = options.stop_timeout;
    // Started directly too, the service gets its sockets.
    let sockets = if options.sockets.is_empty() {
        String::new()
    } else {
        let socket = socket_unit_name(name);
        format!("Requires={socket}\nAfter={socket}\n")
    };
    Ok(format!(
        "# The service sandbox '{name}', written by virt-sandbox-service create and removed by\n\
         # virt-sandbox-service delete.\n\
         [Unit]\n\
         Description=Service sandbox {name} (libvirt-sandbox)\n\
         Documentation=man:virt-sandbox-service(1)\n\
         After=network.target libvirtd.service virtlxcd.service virtqemud.service\n\
         {sockets}\
         \n\
         [Service]\n\
         Type=notify\n\
         NotifyAccess=main\n\
         ExecStart={program} run --stop-timeout={timeout}{notify} {name}\n\
         ExecStopPost=-{program} stop --if-running --stop-timeout={timeout} {name}\n\
         KillMode=mixed\n\
         SuccessExitStatus=143\n\
         TimeoutStartSec=300\n\
         TimeoutStopSec={}\n\
         Restart=on-failure\n\
         RestartSec=2\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n",
        timeout + 15
    ))
}

/// The text of the service `name`'s socket unit (socket activation), if
/// it has sockets: systemd listens, and starts the service (of the same
/// name) at the first connection; `run` passes the sockets on.
pub fn socket_unit_text(name: &str, options: &UnitOptions) -> crate::Result<Option<String>> {
    if options.sockets.is_empty() {
        return Ok(None);
    }
    check(name, options)?;
    let mut listen = String::new();
    for addr in &options.sockets {
        check_listen(addr)?;
        listen.push_str(&format!("ListenStream={addr}\n"));
    }
    Ok(Some(format!(
        "# The service sandbox '{name}', written by virt-sandbox-service create and removed by\n\
         # virt-sandbox-service delete.\n\
         [Unit]\n\
         Description=Sockets of the service sandbox {name} (libvirt-sandbox)\n\
         Documentation=man:virt-sandbox-service(1)\n\
         \n\
         [Socket]\n\
         {listen}\
         \n\
         [Install]\n\
         WantedBy=sockets.target\n"
    )))
}

/// Writes the unit of the service `name`, and its socket unit if it has
/// sockets (never replacing a file; neither is left when one fails).
pub fn write_unit(name: &str, options: &UnitOptions) -> crate::Result<PathBuf> {
    let socket = socket_unit_text(name, options)?;
    let path = write_unit_file(name, &unit_path(name), &unit_text(name, options)?)?;
    if let Some(text) = socket
        && let Err(e) = write_unit_file(name, &socket_unit_path(name), &text)
    {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

/// Writes the unit file `path` of the service `name` (never replacing a
/// file).
fn write_unit_file(name: &str, path: &Path, text: &str) -> crate::Result<PathBuf> {
    let path = path.to_path_buf();
    let fail = |e: std::io::Error| {
        error(
            SandboxError::Io,
            format!("cannot write the systemd unit '{}': {e}", path.display()),
        )
    };
    std::fs::create_dir_all(UNIT_DIR).map_err(fail)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC)
        .open(&path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                error(
                    SandboxError::AlreadyRunning,
                    format!(
                        "the systemd unit '{}' exists: the name '{name}' is in use",
                        path.display()
                    ),
                )
            } else {
                fail(e)
            }
        })?;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(fail)?;
    if let Err(e) = file.write_all(text.as_bytes()) {
        let _ = std::fs::remove_file(&path);
        return Err(fail(e));
    }
    Ok(path)
}

/// Removes the unit of the service `name` and its socket unit; none is
/// fine. Only a unit we wrote goes (its first line says so).
pub fn remove_unit(name: &str) -> crate::Result<()> {
    remove_unit_file(&socket_unit_path(name))?;
    remove_unit_file(&unit_path(name))
}

fn remove_unit_file(path: &Path) -> crate::Result<()> {
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(error(
            SandboxError::Io,
            format!("cannot read '{}': {e}", path.display()),
        )),
        Ok(text) if !text.starts_with("# The service sandbox '") => Err(error(
            SandboxError::InvalidArgument,
            format!(
                "'{}' was not written by virt-sandbox-service: it is left alone",
                path.display()
            ),
        )),
        Ok(_) => std::fs::remove_file(path).map_err(|e| {
            error(
                SandboxError::Io,
                format!("cannot remove '{}': {e}", path.display()),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> UnitOptions {
        UnitOptions {
            program: "/usr/bin/virt-sandbox-service".into(),
            notify: false,
            stop_timeout: 10,
            sockets: Vec::new(),
        }
    }

    #[test]
    fn the_unit_runs_the_service_in_the_foreground() {
        let text = unit_text("web", &options()).unwrap();
        assert!(text.contains("\nType=notify\n"), "{text}");
        assert!(
            text.contains("\nExecStart=/usr/bin/virt-sandbox-service run --stop-timeout=10 web\n"),
            "{text}"
        );
        assert!(text.contains("\nRestart=on-failure\n"), "{text}");
        assert!(text.contains("\nTimeoutStopSec=25\n"), "{text}");
        let notify = unit_text(
            "web",
            &UnitOptions {
                notify: true,
                ..options()
            },
        )
        .unwrap();
        assert!(
            notify.contains(" run --stop-timeout=10 --notify web\n"),
            "{notify}"
        );
        assert_eq!(
            unit_path("web"),
            Path::new("/etc/systemd/system/web_sandbox.service")
        );
    }

    #[test]
    fn names_and_programs_a_unit_cannot_hold_are_refused() {
        for bad in ["a@b", "a+b"] {
            let e = unit_text(bad, &options()).unwrap_err();
            assert!(e.message().contains("cannot name a systemd unit"), "{e}");
        }
        for program in [
            "relative/virt-sandbox-service",
            "/opt/my dir/x",
            "/opt/%n/x",
        ] {
            let e = unit_text(
                "web",
                &UnitOptions {
                    program: program.into(),
                    ..options()
                },
            )
            .unwrap_err();
            assert!(e.message().contains("cannot run"), "{program}: {e}");
        }
    }

    #[test]
    fn sockets_make_a_socket_unit_the_service_requires() {
        assert_eq!(socket_unit_text("web", &options()).unwrap(), None);
        let with = UnitOptions {
            sockets: vec!["8080".into(), "[::1]:80".into(), "/run/web.sock".into()],
            ..options()
        };
        let socket = socket_unit_text("web", &with).unwrap().unwrap();
        assert!(
            socket.contains(
                "\n[Socket]\nListenStream=8080\nListenStream=[::1]:80\nListenStream=/run/web.sock\n"
            ),
            "{socket}"
        );
        assert!(
            socket.starts_with("# The service sandbox 'web'"),
            "{socket}"
        );
        let service = unit_text("web", &with).unwrap();
        assert!(
            service.contains("\nRequires=web_sandbox.socket\nAfter=web_sandbox.socket\n"),
            "{service}"
        );
        assert!(!unit_text("web", &options()).unwrap().contains("Requires="));
        assert_eq!(
            socket_unit_path("web"),
            Path::new("/etc/systemd/system/web_sandbox.socket")
        );
        for bad in [
            "",
            "0",
            "65536",
            "8080 x",
            "127.0.0.1:99999",
            "127.0.0.1:0",
            "relative",
            "/",
            "/run/a%b",
            "/run/a b",
            "@",
            "@a\nb",
            "http://x",
        ] {
            let e = unit_text(
                "web",
                &UnitOptions {
                    sockets: vec![bad.into()],
                    ..options()
                },
            )
            .unwrap_err();
            assert!(e.message().starts_with("--socket '"), "{bad}: {e}");
        }
    }
}
