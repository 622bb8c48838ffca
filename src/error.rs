// SPDX-License-Identifier: LGPL-2.1-or-later
//! The `GVirSandboxError` GError domain and the crate's `Result` type.
//!
//! The Rust API returns [`glib::Error`] values in this domain, so the C ABI only
//! hands them over; every code is documented in `libvirt-sandbox-error.h` and its
//! numeric value is ABI.

/// Error codes of the `LibvirtSandbox` error domain (`GVIR_SANDBOX_ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, glib::Enum, glib::ErrorDomain)]
#[enum_type(name = "GVirSandboxError")]
#[error_domain(name = "gvir-sandbox-error-quark")]
#[repr(i32)]
pub enum SandboxError {
    /// Unspecified failure.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_FAILED", nick = "failed")]
    Failed = 0,
    /// A mount specification (`TYPE:TARGET=SOURCE`) is invalid.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_INVALID_MOUNT", nick = "invalid-mount")]
    InvalidMount = 1,
    /// A network specification is invalid.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_INVALID_NETWORK", nick = "invalid-network")]
    InvalidNetwork = 2,
    /// A disk specification (`TYPE:TAG=SOURCE`) is invalid.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_INVALID_DISK", nick = "invalid-disk")]
    InvalidDisk = 3,
    /// An environment entry (`KEY=VALUE`) is invalid.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_INVALID_ENV", nick = "invalid-env")]
    InvalidEnv = 4,
    /// A host include (`GUEST-PATH[=HOST-PATH]`) is invalid or has no mount.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_INVALID_INCLUDE", nick = "invalid-include")]
    InvalidInclude = 5,
    /// A security specification (`MODE[,label=LABEL]`) is invalid.
    #[enum_value(
        name = "GVIR_SANDBOX_ERROR_INVALID_SECURITY",
        nick = "invalid-security"
    )]
    InvalidSecurity = 6,
    /// A saved configuration file is malformed or of an unknown class.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_INVALID_CONFIG", nick = "invalid-config")]
    InvalidConfig = 7,
    /// Reading or writing a host file failed.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_IO", nick = "io")]
    Io = 8,
    /// The libvirt connection is not open.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_NOT_CONNECTED", nick = "not-connected")]
    NotConnected = 9,
    /// The connection URI or a requested feature is not supported.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_UNSUPPORTED", nick = "unsupported")]
    Unsupported = 10,
    /// libvirt refused an operation; the message carries libvirt's reason.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_LIBVIRT", nick = "libvirt")]
    Libvirt = 11,
    /// The sandbox is not running.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_NOT_RUNNING", nick = "not-running")]
    NotRunning = 12,
    /// The sandbox is already running.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_ALREADY_RUNNING", nick = "already-running")]
    AlreadyRunning = 13,
    /// The host/guest console protocol was violated, or cut short: the
    /// guest's end of the app console closed before the command's exit
    /// status arrived (the sandbox was ended from outside, or its init died;
    /// see `Console::end_error`).
    #[enum_value(name = "GVIR_SANDBOX_ERROR_PROTOCOL", nick = "protocol")]
    Protocol = 14,
    /// The guest init failed to set the sandbox up and never ran the
    /// command; the message is the guest's (see `Console::end_error`).
    #[enum_value(name = "GVIR_SANDBOX_ERROR_GUEST", nick = "guest")]
    Guest = 15,
    /// No usable kernel, module directory or initrd for a virtual machine.
    #[enum_value(name = "GVIR_SANDBOX_ERROR_KERNEL", nick = "kernel")]
    Kernel = 16,
    /// A property or argument value is out of range.
    #[enum_value(
        name = "GVIR_SANDBOX_ERROR_INVALID_ARGUMENT",
        nick = "invalid-argument"
    )]
    InvalidArgument = 17,
}

/// The crate's error type: a GError in the `GVirSandboxError` domain (or, for
/// cancellation, `G_IO_ERROR_CANCELLED`).
pub type Error = glib::Error;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Builds an error in the sandbox domain; its message is [`bounded`].
pub fn error(code: SandboxError, message: impl AsRef<str>) -> Error {
    let message = bounded(message.as_ref());
    // A message quoting bad input may hold a NUL, which a GError cannot carry.
    if message.contains('\0') {
        return glib::Error::new(code, &message.replace('\0', "\\0"));
    }
    glib::Error::new(code, &message)
}

/// `message` with every long value it quotes cut to ~200 characters (and the
/// whole to a few hundred), wherever it came from (libvirt's messages quote
/// input too): one readable line for a 120 kB bad value.
pub fn bounded(message: &str) -> std::borrow::Cow<'_, str> {
    sandbox_proto::text::bounded(message)
}

impl From<crate::config::options::OptionError> for glib::Error {
    fn from(e: crate::config::options::OptionError) -> Self {
        use crate::config::options::OptionKind;
        let code = match e.kind {
            OptionKind::Mount | OptionKind::Size => SandboxError::InvalidMount,
            OptionKind::Network => SandboxError::InvalidNetwork,
            OptionKind::Disk => SandboxError::InvalidDisk,
            OptionKind::Env => SandboxError::InvalidEnv,
            OptionKind::Include => SandboxError::InvalidInclude,
            OptionKind::Security => SandboxError::InvalidSecurity,
            OptionKind::Limit => SandboxError::InvalidArgument,
        };
        error(code, e.message)
    }
}
