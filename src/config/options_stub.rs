//! Temporary stand-in until options.rs lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    pub kind: OptionKind,
    pub message: String,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    Mount,
    Network,
    Disk,
    Env,
    Include,
    Security,
    Size,
}
pub enum SecurityMode {
    Dynamic,
    Static,
    Inherit,
}
pub struct SecuritySpec {
    pub mode: SecurityMode,
    pub label: Option<String>,
}
pub fn parse_security(s: &str) -> Result<SecuritySpec, OptionError> {
    match s {
        "dynamic" => Ok(SecuritySpec {
            mode: SecurityMode::Dynamic,
            label: None,
        }),
        "inherit" => Ok(SecuritySpec {
            mode: SecurityMode::Inherit,
            label: None,
        }),
        _ => Err(OptionError {
            kind: OptionKind::Security,
            message: format!("bad {s}"),
        }),
    }
}
pub fn parse_env(s: &str) -> Result<(String, String), OptionError> {
    s.split_once('=')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .ok_or(OptionError {
            kind: OptionKind::Env,
            message: format!("bad {s}"),
        })
}
