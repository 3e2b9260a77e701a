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
    /// Where a service answered: its IDs, as fields of the JSON error
    /// (SPEC §3), not only inside `message`. Boxed: most errors have none,
    /// and every `Result` carries the size of this type.
    pub service: Option<Box<ServiceIds>>,
}

/// What a service said about itself in a failed answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceIds {
    /// An AADSTS code, or Graph's `error.code`.
    pub code: Option<String>,
    /// Graph's `request-id`.
    pub request_id: Option<String>,
    /// Entra ID's trace ID.
    pub trace_id: Option<String>,
}

pub type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hints: Vec::new(),
            service: None,
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

    /// The IDs of a Graph answer (or of the token request behind it).
    pub fn graph(mut self, error: &crate::graph::GraphError) -> Self {
        if let crate::graph::GraphErrorKind::Token(inner) = &error.kind {
            return self.token(inner);
        }
        self.service = Some(Box::new(ServiceIds {
            code: error.code.clone(),
            request_id: error.request_id.clone(),
            trace_id: None,
        }));
        self
    }

    /// The IDs of an Entra ID answer.
    pub fn token(mut self, error: &crate::auth::TokenError) -> Self {
        self.service = Some(Box::new(ServiceIds {
            code: error.code(),
            request_id: None,
            trace_id: error.trace_id().map(str::to_string),
        }));
        self
    }

    /// The IDs a connection test's step reported.
    pub fn step(
        mut self,
        code: Option<&str>,
        request_id: Option<&str>,
        trace_id: Option<&str>,
    ) -> Self {
        self.service = Some(Box::new(ServiceIds {
            code: code.map(str::to_string),
            request_id: request_id.map(str::to_string),
            trace_id: trace_id.map(str::to_string),
        }));
        self
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
        let kind = if err.is_configuration() {
            ErrorKind::Usage
        } else {
            ErrorKind::Runtime
        };
        CliError::new(kind, err.to_string()).hint(hint)
    }
}
