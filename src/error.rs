//! The one top-level error. Its [`ErrorKind`] picks the exit code of SPEC §2;
//! every error carries `hints`: what to run or change next.

use std::fmt;

use serde::Serialize;

/// What went wrong, as far as a script cares: each kind is one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Exit 1: keyring, file system, a mail command's service error.
    Runtime,
    /// Exit 2: invalid usage or input.
    Usage,
    /// Exit 3: a connection test ran and a step failed.
    TestFailed,
    /// Exit 4: refused by the enable gate, or `status --check` found
    /// something enabled that cannot be trusted.
    Refused,
    /// Exit 5: `plan --exit-code` found the desired state differs from the
    /// state file.
    Changes,
}

impl ErrorKind {
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Runtime => 1,
            ErrorKind::Usage => 2,
            ErrorKind::TestFailed => 3,
            ErrorKind::Refused => 4,
            ErrorKind::Changes => 5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
    pub hints: Vec<String>,
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::Usage, message)
    }

    pub fn runtime(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::Runtime, message)
    }

    pub fn refused(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::Refused, message)
    }

    pub fn test_failed(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::TestFailed, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<crate::state::validate::ValidationError> for CliError {
    fn from(err: crate::state::validate::ValidationError) -> Self {
        CliError::usage(err.to_string())
    }
}

impl From<crate::state::store::StateError> for CliError {
    fn from(err: crate::state::store::StateError) -> Self {
        use crate::state::store::StateError as S;
        let kind = match &err {
            S::Malformed { .. } | S::TooNew { .. } | S::UnknownVersion { .. } | S::NoConfigDir => {
                ErrorKind::Usage
            }
            S::Io { .. } | S::LockTimeout { .. } | S::Render { .. } => ErrorKind::Runtime,
        };
        let hint = err.hint();
        let mut e = CliError::new(kind, err.to_string());
        if let Some(h) = hint {
            e.hints.push(h);
        }
        e
    }
}

impl From<crate::secrets::SecretError> for CliError {
    fn from(err: crate::secrets::SecretError) -> Self {
        let hint = err.hint();
        CliError::runtime(err.to_string()).hint(hint)
    }
}
