//! The OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows) through the `keyring` crate.
//!
//! NOTE: a locked or absent Secret Service can block for a long time, so each
//! call runs on its own thread and is abandoned after [`KEYRING_TIMEOUT`]:
//! an error the user can act on, never a hang (reference: crates.md).

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{SecretError, SecretKey, SecretStore};

pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct KeyringStore;

impl KeyringStore {
    pub fn new() -> Self {
        KeyringStore
    }
}

fn with_timeout<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SecretError> + Send + 'static,
) -> Result<T, SecretError> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| SecretError::Failed(e.to_string()))?;
    rx.recv_timeout(KEYRING_TIMEOUT)
        .unwrap_or(Err(SecretError::Timeout(KEYRING_TIMEOUT.as_secs())))
}

fn entry(key: &SecretKey) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(SecretKey::SERVICE, &key.user()).map_err(map_error)
}

fn map_error(err: keyring::Error) -> SecretError {
    match err {
        keyring::Error::NoStorageAccess(e) | keyring::Error::PlatformFailure(e) => {
            SecretError::Unavailable(explain_locked(e.to_string()))
        }
        other => SecretError::Failed(other.to_string()),
    }
}

/// NOTE: a locked Secret Service collection answers at once (seen with
/// gnome-keyring: `org.freedesktop.Secret.Error.IsLocked`, or a dismissed
/// unlock prompt when no desktop can show one); the raw D-Bus text does not
/// tell a user what to do, so say it is locked first.
fn explain_locked(detail: String) -> String {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("locked") || lower.contains("prompt") {
        format!(
            "the keyring is locked and could not be unlocked here (no unlock prompt without a desktop session; \
             unlock it, e.g. `gnome-keyring-daemon --unlock`): {detail}"
        )
    } else {
        detail
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretError> {
        let key = key.clone();
        with_timeout(move || match entry(&key)?.get_password() {
            // The keyring's copy is wiped once the secret holds its own.
            Ok(v) => Ok(Some(SecretString::from(
                zeroize::Zeroizing::new(v).as_str(),
            ))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        })
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretError> {
        let key = key.clone();
        let value = value.expose_secret().to_string();
        with_timeout(move || entry(&key)?.set_password(&value).map_err(map_error))
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        let key = key.clone();
        with_timeout(move || match entry(&key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        })
    }

    fn name(&self) -> &'static str {
        "OS keyring"
    }
}
