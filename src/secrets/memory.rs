//! An in-process store: the demo keeps its secrets here, never on disk.

use std::collections::HashMap;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

use super::{SecretError, SecretKey, SecretStore};

#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, SecretString>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretError> {
        let entries = self
            .entries
            .lock()
            .map_err(|_| SecretError::Failed("memory store poisoned".into()))?;
        Ok(entries
            .get(&key.user())
            .map(|v| SecretString::from(v.expose_secret().to_string())))
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretError> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| SecretError::Failed("memory store poisoned".into()))?;
        entries.insert(
            key.user(),
            SecretString::from(value.expose_secret().to_string()),
        );
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| SecretError::Failed("memory store poisoned".into()))?;
        entries.remove(&key.user());
        Ok(())
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}
