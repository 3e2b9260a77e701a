//! A file-backed store for the end-to-end tests, which run the binary as a
//! new process and so cannot share an in-memory store. Compiled only with
//! the `test-store` feature: no release build can reach a plaintext store.

use std::fs;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use super::{SecretError, SecretKey, SecretStore};

pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: PathBuf) -> Self {
        FileStore { dir }
    }

    fn path(&self, key: &SecretKey) -> PathBuf {
        self.dir.join(key.user().replace('/', "__"))
    }
}

impl SecretStore for FileStore {
    fn get(&self, key: &SecretKey) -> Result<Option<SecretString>, SecretError> {
        match fs::read_to_string(self.path(key)) {
            Ok(v) => Ok(Some(SecretString::from(v))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SecretError::Failed(e.to_string())),
        }
    }

    fn set(&self, key: &SecretKey, value: &SecretString) -> Result<(), SecretError> {
        fs::create_dir_all(&self.dir).map_err(|e| SecretError::Failed(e.to_string()))?;
        fs::write(self.path(key), value.expose_secret())
            .map_err(|e| SecretError::Failed(e.to_string()))
    }

    fn delete(&self, key: &SecretKey) -> Result<(), SecretError> {
        match fs::remove_file(self.path(key)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(SecretError::Failed(e.to_string())),
        }
    }

    fn name(&self) -> &'static str {
        "test file store"
    }
}
