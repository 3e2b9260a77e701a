//! TEMPORARY stand-in for the state store (replaced by the store branch).

use std::path::{Path, PathBuf};

use super::model::State;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StateError(String);

impl StateError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Runtime
    }
    pub fn hint(&self) -> Option<String> {
        None
    }
}

pub fn resolve_path(flag: Option<&Path>) -> Result<PathBuf, StateError> {
    flag.map(Path::to_path_buf)
        .ok_or_else(|| StateError("no state path".into()))
}

pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub fn open(path: PathBuf) -> Self {
        StateFile { path }
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn load(&self) -> Result<State, StateError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => toml::from_str(&text).map_err(|e| StateError(e.to_string())),
            Err(_) => Ok(State::new()),
        }
    }
    pub fn update<T, E: From<StateError>>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut state = self.load()?;
        let out = f(&mut state)?;
        let text = toml::to_string(&state).map_err(|e| StateError(e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StateError(e.to_string()))?;
        }
        std::fs::write(&self.path, text).map_err(|e| StateError(e.to_string()))?;
        Ok(out)
    }
}
