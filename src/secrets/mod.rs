//! Where secret values live (SPEC §5): the OS keyring, environment variables,
//! memory (the demo), and a file store compiled only for tests.
//!
//! The state file records only a [`crate::state::SecretSource`]; this module
//! turns it into a value at the moment a request is built. Values travel as
//! [`SecretString`], whose `Debug` prints `[REDACTED]`.

mod keyring_store;
mod memory;
#[cfg(feature = "test-store")]
mod test_store;

use std::sync::Arc;

pub use keyring_store::KeyringStore;
pub use memory::MemoryStore;
use secrecy::SecretString;
#[cfg(feature = "test-store")]
pub use test_store::FileStore;

use crate::state::SecretSource;

/// Overrides the recorded client-secret source for one run.
pub const CLIENT_SECRET_ENV: &str = "GRAPHMAIL_CLIENT_SECRET";
/// Overrides the recorded certificate-password source for one run.
pub const CERTIFICATE_PASSWORD_ENV: &str = "GRAPHMAIL_CERTIFICATE_PASSWORD";

/// Which secret of an instance an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    CertificatePassword,
}

impl SecretKind {
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client secret",
            SecretKind::CertificatePassword => "certificate password",
        }
    }

    fn entry_suffix(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client-secret",
            SecretKind::CertificatePassword => "certificate-password",
        }
    }

    /// The environment variable that overrides this secret for one run.
    pub fn override_var(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => CLIENT_SECRET_ENV,
            SecretKind::CertificatePassword => CERTIFICATE_PASSWORD_ENV,
        }
    }
}

/// The keyring entry of one secret of one state file: service `graphmail`,
/// user `<instance-id>/<kind>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey {
    /// A parsed UUID, never the state file's text: the entry name cannot
    /// reach another file's secrets.
    pub instance_id: uuid::Uuid,
    pub kind: SecretKind,
}

impl SecretKey {
    pub fn new(instance_id: &uuid::Uuid, kind: SecretKind) -> Self {
        SecretKey {
            instance_id: *instance_id,
            kind,
        }
    }

    pub const SERVICE: &'static str = "graphmail";

    pub fn user(&self) -> String {
        format!(
            "{}/{}",
            self.instance_id.hyphenated(),
            self.kind.entry_suffix()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("no OS keyring is reachable: {0}")]
    Unavailable(String),
    #[error("the OS keyring did not answer within {0} seconds")]
    Timeout(u64),
    #[error("the OS keyring refused the request: {0}")]
    Failed(String),
    #[error("the {kind} is not in the keyring (entry {user})")]
    Missing { kind: &'static str, user: String },
    #[error("environment variable {var} (the recorded source of the {kind}) is not set")]
    EnvMissing { var: String, kind: &'static str },
}

impl SecretError {
    /// The configuration names a source that cannot be read (an unset
    /// variable): bad input the user fixes, exit 2 in every command, as an
    /// unset `--password-env` variable is. A keyring that is unreachable,
    /// slow, refusing, or lacks the entry is a runtime failure (exit 1).
    pub fn is_configuration(&self) -> bool {
        matches!(self, SecretError::EnvMissing { .. })
    }

    pub fn hint(&self) -> String {
        match self {
            SecretError::Unavailable(_) | SecretError::Timeout(_) | SecretError::Failed(_) => format!(
                "keep the secret in an environment variable instead: `--client-secret-env VAR` / \
                 `--certificate-password-env VAR`, or set {CLIENT_SECRET_ENV} / {CERTIFICATE_PASSWORD_ENV} for one run; \
                 on Linux the keyring is the Secret Service (gnome-keyring or KeePassXC), which must be running and unlocked"
            ),
            SecretError::Missing { .. } => {
                "set it again with `graphmail integration set ... --client-secret-stdin` (or the certificate options)"
                    .to_string()
            }
            SecretError::EnvMissing { var, .. } => format!("export {var} before running graphmail"),
        }
    }
}

/// A place that keeps secret values by key.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretError>;
    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretError>;
    fn delete(&self, key: &SecretKey) -> Result<(), SecretError>;
    /// A short name for `integration show`: `keyring`, `memory`, `test file store`.
    fn name(&self) -> &'static str;
}

/// The store this build uses: the OS keyring; in test builds, the file store
/// when `GRAPHMAIL_TEST_SECRET_DIR` names a directory.
pub fn default_store() -> Arc<dyn SecretStore> {
    #[cfg(feature = "test-store")]
    if let Some(dir) = std::env::var_os("GRAPHMAIL_TEST_SECRET_DIR") {
        return Arc::new(FileStore::new(dir.into()));
    }
    Arc::new(KeyringStore::new())
}

/// Where a secret's value comes from in this run, after the `GRAPHMAIL_*`
/// overrides: what `integration show` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectiveSource {
    Override(&'static str),
    Recorded(SecretSource),
}

impl EffectiveSource {
    /// A sentence part for `integration show`; `store` names the secret
    /// store in use (`OS keyring`, or `memory` in the demo).
    pub fn describe(&self, store: &str) -> String {
        match self {
            EffectiveSource::Override(var) => {
                format!("environment variable {var} (override for this run)")
            }
            EffectiveSource::Recorded(SecretSource::Keyring) => store.to_string(),
            EffectiveSource::Recorded(SecretSource::Env { var }) => {
                format!("environment variable {var}")
            }
            EffectiveSource::Recorded(SecretSource::None) => "none".to_string(),
        }
    }
}

pub fn effective_source(kind: SecretKind, recorded: &SecretSource) -> EffectiveSource {
    match std::env::var(kind.override_var()) {
        Ok(v) if !v.is_empty() => EffectiveSource::Override(kind.override_var()),
        _ => EffectiveSource::Recorded(recorded.clone()),
    }
}

/// Reads a secret's value for this run: the override variable, else the
/// recorded source. `Ok(None)` only for [`SecretSource::None`].
pub fn resolve(
    store: &dyn SecretStore,
    instance_id: &uuid::Uuid,
    kind: SecretKind,
    recorded: &SecretSource,
) -> Result<Option<SecretString>, SecretError> {
    if let Ok(value) = std::env::var(kind.override_var())
        && !value.is_empty()
    {
        return Ok(Some(SecretString::from(value)));
    }
    match recorded {
        SecretSource::None => Ok(None),
        SecretSource::Env { var } => match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(SecretString::from(v))),
            _ => Err(SecretError::EnvMissing {
                var: var.clone(),
                kind: kind.label(),
            }),
        },
        SecretSource::Keyring => {
            let key = SecretKey::new(instance_id, kind);
            store
                .get(&key)?
                .map(Some)
                .ok_or_else(|| SecretError::Missing {
                    kind: kind.label(),
                    user: key.user(),
                })
        }
    }
}
