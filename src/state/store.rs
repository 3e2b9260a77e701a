//! The one writer of the state file (STYLE habit 4).
//!
//! - [`resolve_path`]: `--state`, then `GRAPHMAIL_STATE`, then the platform
//!   config dir (`$XDG_CONFIG_HOME/graphmail/state.toml` on Linux).
//! - [`StateFile::load`]: the read-only hot path (`status`, `list`): no lock,
//!   one read and one typed `toml` parse, or for a large file graphmail
//!   wrote itself, a JSON copy of its settings ([`super::parsed`]). A
//!   missing file is a fresh state that has not been written.
//! - [`StateFile::update`]: takes an exclusive lock on `<file>.lock` (a
//!   separate file, because the atomic rename replaces the state file
//!   itself), re-reads under the lock, runs the caller's change, and writes
//!   only if the state changed: the user's document is patched (comments and
//!   formatting kept, see [`super::document`]), written to a temp file in the
//!   same folder, fsynced, made 0600, renamed over the file, and the folder
//!   fsynced. A crash leaves the old file or the new one, never a torn one.
//!
//! Test records, and everything else graphmail writes for itself, live in
//! `<file>.d/` ([`super::evidence`], docs/state-dir.md): `load` joins its
//! `verdicts.json` to the items, and [`StateFile::update_with`] writes the
//! directory under the same lock, before the file.
//!
//! A file that does not parse, or was written by a newer schema, is never
//! overwritten: `update` fails before calling the change. Errors name the
//! path, and for parse errors the line and column, with a hint.
//!
//! Limits: the lock is advisory (`flock`); an editor saving the file during
//! an update is not stopped, but its write is either read before the change
//! or replaced whole. Symlinked state files are followed: the lock, the temp
//! file and the rename all use [`canonical_path`], so a link and its target
//! (or two links) take one lock; the target is replaced, the link kept.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use toml_edit::DocumentMut;

use super::document;
use super::evidence::{self, Journal};
use super::model::{SCHEMA_VERSION, State};
use super::parsed;

/// The environment variable that names the state file when `--state` is not given.
pub const STATE_ENV: &str = "GRAPHMAIL_STATE";

/// How long `update` waits for another graphmail to release the lock.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// Refuse to read more: a 1,000-connector state is about 1 MiB.
const MAX_STATE_BYTES: u64 = 64 << 20;

/// From this size a one-item change is spliced into the text instead of
/// patched through the parsed document ([`document::patch_entries_in_text`]):
/// below it the document's parse costs about a millisecond.
const SPLICE_MIN_BYTES: usize = 64 * 1024;

/// From this size the settings and the verdicts are parsed side by side
/// ([`StateFile::settings_and_verdicts`]); below it a thread's start costs
/// more than the smaller parse.
const PARALLEL_READ_MIN_BYTES: usize = 16 * 1024;

const HINT_MALFORMED: &str = "fix the file by hand, or move it away to start fresh";

/// Where a parse error points: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file is not valid TOML, or a field has the wrong type or name.
    #[error("{}: {problem}{}", located(path, *location), show_excerpt(excerpt))]
    Malformed {
        path: PathBuf,
        location: Option<Location>,
        /// What the parser said, e.g. ``invalid type: string "yes", expected a boolean``.
        problem: String,
        /// The offending line and a caret under the column, when known.
        excerpt: Option<String>,
    },
    /// `schema_version` is higher than this build understands.
    #[error(
        "{}: schema_version {found} was written by a newer graphmail (this one reads up to {SCHEMA_VERSION})",
        path.display()
    )]
    TooNew { path: PathBuf, found: i64 },
    /// `schema_version` is one no graphmail ever wrote (0, negative).
    #[error("{}: schema_version {found} is not a version graphmail knows", path.display())]
    UnknownVersion { path: PathBuf, found: i64 },
    #[error("could not {action} {}: {error}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        error: io::Error,
    },
    #[error("timed out after {}s waiting for the lock on {}", waited.as_secs(), path.display())]
    LockTimeout { path: PathBuf, waited: Duration },
    /// The new state could not be rendered: a bug, never the user's input.
    #[error("could not render the new state of {}: {problem}", path.display())]
    Render { path: PathBuf, problem: String },
    #[error("no location for the state file: no home directory was found")]
    NoConfigDir,
}

fn located(path: &Path, location: Option<Location>) -> String {
    match location {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    }
}

fn show_excerpt(excerpt: &Option<String>) -> String {
    excerpt
        .as_ref()
        .map(|e| format!("\n{e}"))
        .unwrap_or_default()
}

impl StateError {
    /// What to do about it, for a `Hint:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            StateError::Malformed { .. } | StateError::UnknownVersion { .. } => {
                Some(HINT_MALFORMED.to_string())
            }
            StateError::TooNew { .. } => Some(
                "upgrade graphmail; this file is left untouched so the newer version keeps working"
                    .to_string(),
            ),
            StateError::LockTimeout { path, .. } => Some(format!(
                "another graphmail is still changing this file; wait for it, or check for a hung process holding {}",
                lock_path(path).display()
            )),
            StateError::Io { path, .. } => Some(format!(
                "check that {} is readable and its folder writable, or choose another file with --state or {STATE_ENV}",
                path.display()
            )),
            StateError::NoConfigDir => Some(format!("pass --state PATH or set {STATE_ENV}")),
            StateError::Render { .. } => None,
        }
    }

    /// The path the error concerns, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            StateError::Malformed { path, .. }
            | StateError::TooNew { path, .. }
            | StateError::UnknownVersion { path, .. }
            | StateError::Io { path, .. }
            | StateError::LockTimeout { path, .. }
            | StateError::Render { path, .. } => Some(path),
            StateError::NoConfigDir => None,
        }
    }
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StateError + 'a {
    move |error| StateError::Io {
        action,
        path: path.to_path_buf(),
        error,
    }
}

/// Where the state file is: `--state`, then `GRAPHMAIL_STATE`, then the
/// platform config dir (`~/.config/graphmail/state.toml` on Linux,
/// honouring `XDG_CONFIG_HOME`). An empty flag or variable counts as unset.
pub fn resolve_path(flag: Option<&Path>) -> Result<PathBuf, StateError> {
    let config_dir = || {
        directories::ProjectDirs::from("", "", "graphmail").map(|d| d.config_dir().to_path_buf())
    };
    resolve_path_from(
        flag,
        std::env::var_os(STATE_ENV).map(PathBuf::from),
        config_dir,
    )
}

fn resolve_path_from(
    flag: Option<&Path>,
    env: Option<PathBuf>,
    config_dir: impl FnOnce() -> Option<PathBuf>,
) -> Result<PathBuf, StateError> {
    if let Some(path) = flag.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = env.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(path);
    }
    config_dir()
        .map(|dir| dir.join("state.toml"))
        .ok_or(StateError::NoConfigDir)
}

/// The real file behind a state file path: every link followed, in the file
/// name and in its folders. Two paths to one file give one answer, so they
/// share one lock, one temp-file folder and anything else derived from the
/// path (use this, not the path as typed, for such derivations). A file that
/// does not exist yet is its folder's real path joined with its name; a
/// folder that does not exist yet leaves the path as given.
pub fn canonical_path(path: &Path) -> Result<PathBuf, StateError> {
    match fs::canonicalize(path) {
        Ok(real) => Ok(real),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Ok(meta) = fs::symlink_metadata(path) {
                // Created since (another writer's rename landed in between):
                // resolve again.
                match fs::canonicalize(path) {
                    Ok(real) => return Ok(real),
                    // A dangling link: writing would replace the link, not
                    // fill its target.
                    Err(e) if meta.file_type().is_symlink() => {
                        return Err(io_error("follow the link", path)(e));
                    }
                    Err(e) => return Err(io_error("resolve", path)(e)),
                }
            }
            let (Some(name), dir) = (path.file_name(), parent_of(path)) else {
                return Ok(path.to_path_buf());
            };
            Ok(fs::canonicalize(&dir).map_or_else(|_| path.to_path_buf(), |d| d.join(name)))
        }
        Err(e) => Err(io_error("resolve", path)(e)),
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `<file>.lock`, next to the state file.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// `<file>.d`, the machine-owned directory beside the state file (SPEC §1),
/// derived from the same path as [`lock_path`].
pub fn data_dir_path(path: &Path) -> PathBuf {
    super::evidence::dir_for(path)
}

/// A state as read from disk.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub state: State,
    /// False when there was no file: `state` is fresh and not yet written.
    pub exists: bool,
    /// The schema version the file was migrated from, if it was older.
    pub migrated_from: Option<u32>,
}

/// A [`Loaded`] state with the bytes it was read from
/// ([`StateFile::load_seen`]), for [`StateFile::update_seen`].
pub struct Seen {
    pub loaded: Loaded,
    /// `None` when there was no file: nothing to compare.
    kept: Option<Kept>,
}

struct Kept {
    text: String,
    verdicts_bytes: Option<Vec<u8>>,
    /// The verdicts as read, before they were joined to the state.
    verdicts: evidence::Verdicts,
}

/// `verdicts.json` as [`StateFile::settings_and_verdicts`] read it.
struct VerdictsRead {
    parsed: evidence::Verdicts,
    /// Asked to keep: its bytes (`None`: no file) and a copy of the parse
    /// (which joining the state consumes), made on the reading thread.
    kept: Option<(Option<Vec<u8>>, evidence::Verdicts)>,
}

impl VerdictsRead {
    fn of(dir: &Path, keep: bool) -> Self {
        if !keep {
            return VerdictsRead {
                parsed: evidence::read_verdicts(dir),
                kept: None,
            };
        }
        let (parsed, bytes) = evidence::read_verdicts_kept(dir);
        let copy = parsed.clone();
        VerdictsRead {
            parsed,
            kept: Some((bytes, copy)),
        }
    }
}

/// The state file at one path.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
    lock_timeout: Duration,
}

impl StateFile {
    /// Names the file; nothing is read or created until `load` or `update`.
    pub fn open(path: impl Into<PathBuf>) -> Self {
        StateFile {
            path: path.into(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// How long `update` waits for the lock (default 30 s).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The real file behind [`Self::path`] ([`canonical_path`]).
    pub fn canonical_path(&self) -> Result<PathBuf, StateError> {
        canonical_path(&self.path)
    }

    /// Reads the state without locking: for commands that only read.
    pub fn load(&self) -> Result<Loaded, StateError> {
        self.load_keeping(false).map(|seen| seen.loaded)
    }

    /// [`Self::load`] for a command that will record what it read through
    /// [`Self::update_seen`]: the bytes read are kept, so that the update
    /// need not parse them again when it finds them unchanged under the
    /// lock (a test run reads the file before its requests and again to
    /// record them: about a millisecond at 200 connectors, issue 17 (c)).
    pub fn load_seen(&self) -> Result<Seen, StateError> {
        self.load_keeping(true)
    }

    fn load_keeping(&self, keep: bool) -> Result<Seen, StateError> {
        let Some(text) = self.read_text()? else {
            return Ok(Seen {
                loaded: Loaded {
                    state: State::new(),
                    exists: false,
                    migrated_from: None,
                },
                kept: None,
            });
        };
        let started = std::time::Instant::now();
        let dir = self.data_dir();
        let ((mut state, migrated_from), verdicts) =
            self.settings_and_verdicts(&dir, &text, keep)?;
        let kib = text.len() / 1024;
        let kept = verdicts.kept.map(|(verdicts_bytes, verdicts)| Kept {
            text,
            verdicts_bytes,
            verdicts,
        });
        verdicts.parsed.join(&mut state);
        tracing::info!(
            "read {} ({kib} KiB) and its verdicts in {} ms",
            self.path.display(),
            started.elapsed().as_millis()
        );
        Ok(Seen {
            loaded: Loaded {
                state,
                exists: true,
                migrated_from,
            },
            kept,
        })
    }

    /// Changes the state under an exclusive lock. `change` sees the state as
    /// it is on disk now; if it fails, or leaves the state as it was, nothing
    /// is written. A file that does not parse is never passed to `change`
    /// nor overwritten.
    pub fn update<T, E>(&self, change: impl FnOnce(&mut State) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StateError>,
    {
        self.update_with(|state, _| change(state))
    }

    /// [`StateFile::update`] that may also record evidence and history in
    /// `<file>.d/` through the [`Journal`], under the same lock. The
    /// directory is written first: should the process die between the two
    /// writes, the file's settings no longer match the new records, which
    /// then count as stale (the gate stays shut), never as a false pass.
    pub fn update_with<T, E>(
        &self,
        change: impl FnOnce(&mut State, &mut Journal) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StateError>,
    {
        self.update_after(None, change)
    }

    /// [`Self::update_with`] after [`Self::load_seen`]: when the file and
    /// its verdicts are, byte for byte, what `seen` read, `change` starts
    /// from `seen`'s state instead of a new parse of them. Anything else
    /// (another writer came between) is read afresh, as `update_with` does.
    pub fn update_seen<T, E>(
        &self,
        seen: &Seen,
        change: impl FnOnce(&mut State, &mut Journal) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StateError>,
    {
        self.update_after(Some(seen), change)
    }

    fn update_after<T, E>(
        &self,
        seen: Option<&Seen>,
        change: impl FnOnce(&mut State, &mut Journal) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StateError>,
    {
        let folder = self.parent_dir();
        create_private_dir(&folder).map_err(io_error("create the folder", &folder))?;
        // One lock per file, however it is reached (links, `..`), and the
        // records directory beside the real file, not beside a link to it.
        let real = self.canonical_path()?;
        let _lock = self.lock(&real)?;
        let text = self.read_text()?;
        let dir = data_dir_path(&real);
        let unchanged = seen.and_then(|seen| {
            let kept = seen.kept.as_ref()?;
            (text.as_ref() == Some(&kept.text)
                && evidence::verdicts_unchanged(&dir, kept.verdicts_bytes.as_deref()))
            .then_some((seen, kept))
        });
        let (old, migrated, on_disk) = match (unchanged, &text) {
            (Some((seen, kept)), _) => (
                seen.loaded.state.clone(),
                seen.loaded.migrated_from.is_some(),
                kept.verdicts.clone(),
            ),
            (None, None) => (State::new(), false, evidence::read_verdicts(&dir)),
            (None, Some(text)) => {
                let ((mut state, migrated_from), verdicts) =
                    self.settings_and_verdicts(&dir, text, false)?;
                let on_disk = verdicts.parsed;
                // Records written inline by an older graphmail are in `state`
                // now; with no file record to win over them they move to the
                // directory at this write.
                on_disk.clone().join(&mut state);
                (state, migrated_from.is_some(), on_disk)
            }
        };
        let mut new = old.clone();
        let mut journal = Journal::new(dir.clone());
        if on_disk.instance_id != old.instance_id.to_string() && dir.exists() {
            journal.reset();
        }
        let output = change(&mut new, &mut journal)?;
        journal
            .commit(&old, &new, &on_disk)
            .map_err(io_error("write the evidence in", &dir))?;
        let had_inline = text.as_deref().is_some_and(has_inline_tests);
        // The file holds no records: compare and render without them
        // (moved out and back, not cloned: thousands of items, SPEC §8).
        let mut old = old;
        let old_records = take_records(&mut old);
        let new_records = take_records(&mut new);
        if new == old && !had_inline {
            return Ok(output);
        }
        if had_inline {
            // Patch against the document as it is, inline records included.
            put_records(&mut old, old_records);
        }
        // An item changed in place: patch only its entry, in a large file
        // without reading the whole document ([`document::patch_entries_in_text`]).
        let spliced = match text.as_deref() {
            Some(text) if !migrated && !had_inline && text.len() >= SPLICE_MIN_BYTES => {
                document::patch_entries_in_text(text, &old, &new)
            }
            _ => None,
        };
        let mut doc = match (&spliced, text.as_deref()) {
            (None, Some(text)) => Some(text.parse::<DocumentMut>().map_err(
                |e: toml_edit::TomlError| {
                    malformed(&self.path, text, e.span(), e.message().to_string())
                },
            )?),
            _ => None,
        };
        let in_place = match (spliced, doc.as_mut()) {
            (Some(text), _) => Some(Ok(text)),
            (None, Some(doc)) if !migrated && !had_inline => {
                document::patch_entries(doc, &old, &new)
            }
            _ => None,
        };
        let rendered = match in_place {
            Some(Ok(text)) => text,
            Some(Err(problem)) => {
                tracing::warn!(path = %self.path.display(), "patching one entry failed ({problem}); patching the whole file");
                let mut doc: Option<DocumentMut> = text.as_deref().and_then(|t| t.parse().ok());
                self.render(doc.as_mut(), Some(&old), &new)?
            }
            None => self.render(doc.as_mut(), (!migrated).then_some(&old), &new)?,
        };
        self.write_atomic(&real, &rendered)?;
        // `new`, its records moved out, is what `rendered` reads back as.
        if rendered.len() < parsed::MIN_BYTES || create_private_dir(&dir).is_ok() {
            parsed::write(&dir, &rendered, &new);
        }
        drop(new_records);
        Ok(output)
    }

    /// Writes one file of `<file>.d/delta/` (a `mail watch` position, see
    /// docs/state-dir.md) under the state file's lock, by atomic replace.
    /// The state file itself is not touched.
    pub fn save_delta_position(&self, name: &str, text: &str) -> Result<(), StateError> {
        let real = self.canonical_path()?;
        let _lock = self.lock(&real)?;
        let dir = data_dir_path(&real);
        create_private_dir(&dir).map_err(io_error("create the folder", &dir))?;
        let delta = dir.join("delta");
        create_private_dir(&delta).map_err(io_error("create the folder", &delta))?;
        self.write_atomic(&delta.join(name), text)
    }

    /// `<file>.d` beside the real file ([`canonical_path`]), so a link and
    /// its target share one records directory as they share one lock.
    pub fn data_dir(&self) -> PathBuf {
        match self.canonical_path() {
            Ok(real) => data_dir_path(&real),
            Err(_) => data_dir_path(&self.path),
        }
    }

    /// Renders `new` into the user's document, and checks that the result
    /// reads back as `new`; should patching ever get that wrong, the
    /// canonical rendering is written instead (comments lost, data right).
    fn render(
        &self,
        doc: Option<&mut DocumentMut>,
        old: Option<&State>,
        new: &State,
    ) -> Result<String, StateError> {
        let render_error = |problem: String| StateError::Render {
            path: self.path.clone(),
            problem,
        };
        if let Some(doc) = doc {
            let patched = document::render_patched(doc, old, new).map_err(render_error)?;
            if toml::from_str::<State>(&patched).is_ok_and(|back| back == *new) {
                return Ok(patched);
            }
            tracing::warn!(path = %self.path.display(), "could not keep the file's formatting; rewrote it in full");
        }
        let fresh = document::render_fresh(new).map_err(render_error)?;
        match toml::from_str::<State>(&fresh) {
            Ok(back) if back == *new => Ok(fresh),
            _ => Err(render_error(
                "the rendered state does not read back as written".into(),
            )),
        }
    }

    /// The settings of `text` (from the JSON copy when it was made from
    /// this text, else the typed parse) and the verdicts in `dir`. From
    /// [`PARALLEL_READ_MIN_BYTES`] the verdicts are read and parsed on a
    /// thread of their own meanwhile: at 1,000 connectors the two parses
    /// were most of a `status`, one after the other on one core of two
    /// (issue 17 (a)). `keep`: the verdicts' bytes and a copy of their
    /// parse too ([`Self::load_seen`]), the copy made on that thread, off
    /// the path to a test run's token request.
    fn settings_and_verdicts(
        &self,
        dir: &Path,
        text: &str,
        keep: bool,
    ) -> Result<((State, Option<u32>), VerdictsRead), StateError> {
        let settings = || match parsed::read(dir, text) {
            Some(state) => Ok((state, None)),
            None => parse_state(&self.path, text),
        };
        if text.len() < PARALLEL_READ_MIN_BYTES {
            let verdicts = VerdictsRead::of(dir, keep);
            return Ok((settings()?, verdicts));
        }
        std::thread::scope(|scope| {
            let thread =
                std::thread::Builder::new().spawn_scoped(scope, || VerdictsRead::of(dir, keep));
            let settings = settings();
            let verdicts = match thread {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to be had (a process at its limit): in turn.
                Err(_) => VerdictsRead::of(dir, keep),
            };
            Ok((settings?, verdicts))
        })
    }

    fn read_text(&self) -> Result<Option<String>, StateError> {
        let mut bytes = Vec::new();
        let read = File::open(&self.path).and_then(|f| {
            // Sized once from the file's length: a megabyte read in doubling
            // steps was a tenth of `status` at 1,000 connectors (issue 17).
            let len = f.metadata().map_or(0, |m| m.len()).min(MAX_STATE_BYTES + 1);
            bytes.reserve_exact(usize::try_from(len).unwrap_or(0) + 1);
            io::Read::read_to_end(&mut io::Read::take(f, MAX_STATE_BYTES + 1), &mut bytes)
        });
        if let Ok(len) = read
            && len as u64 > MAX_STATE_BYTES
        {
            return Err(StateError::Malformed {
                path: self.path.clone(),
                location: None,
                problem: format!(
                    "the file is larger than {} MiB; this is not a graphmail state file",
                    MAX_STATE_BYTES >> 20
                ),
                excerpt: None,
            });
        }
        match read.and_then(|_| {
            String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
        }) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(StateError::Malformed {
                path: self.path.clone(),
                location: None,
                problem: "the file is not UTF-8 text".into(),
                excerpt: None,
            }),
            Err(e) => Err(io_error("read", &self.path)(e)),
        }
    }

    fn parent_dir(&self) -> PathBuf {
        parent_of(&self.path)
    }

    /// Waits, up to the timeout, for the exclusive lock on `<real>.lock`,
    /// where `real` is the canonical path; released when the returned file
    /// is dropped.
    fn lock(&self, real: &Path) -> Result<File, StateError> {
        let lock_path = lock_path(real);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&lock_path)
            .map_err(io_error("open the lock file", &lock_path))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(fs::TryLockError::WouldBlock) => {
                    let waited = start.elapsed();
                    if waited >= self.lock_timeout {
                        return Err(StateError::LockTimeout {
                            path: real.to_path_buf(),
                            waited,
                        });
                    }
                    std::thread::sleep(pause.min(self.lock_timeout - waited));
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_error("lock", &lock_path)(e)),
            }
        }
    }

    /// Temp file in the real file's folder, fsync, 0600, rename over the
    /// real file (a link to it is kept), fsync the folder.
    fn write_atomic(&self, target: &Path, text: &str) -> Result<(), StateError> {
        let dir = parent_of(target);
        let prefix = temp_prefix(target);
        remove_stale_temp_files(&dir, &prefix);
        let mut temp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(io_error("create a temporary file in", &dir))?;
        let temp_path = temp.path().to_path_buf();
        let write_error = io_error("write", &temp_path);
        temp.write_all(text.as_bytes()).map_err(write_error)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            temp.as_file()
                .set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(io_error("set the mode of", &temp_path))?;
        }
        temp.as_file()
            .sync_all()
            .map_err(io_error("flush", &temp_path))?;
        temp.persist(target)
            .map_err(|e| io_error("replace", target)(e.error))?;
        sync_dir(&dir).map_err(io_error("flush the folder", &dir))?;
        Ok(())
    }
}

/// The machine-owned parts of a state, moved out of it.
struct Records {
    integration: Option<crate::state::TestRecord>,
    connectors: Vec<Option<crate::state::TestRecord>>,
    routes: Vec<Option<crate::state::TestRecord>>,
    switched_off: std::collections::BTreeMap<String, String>,
}

/// Leaves `state` as the file holds it: without the machine-owned records.
fn take_records(state: &mut State) -> Records {
    Records {
        integration: state.integration.as_mut().and_then(|i| i.test.take()),
        connectors: state.connectors.iter_mut().map(|c| c.test.take()).collect(),
        routes: state.routes.iter_mut().map(|r| r.test.take()).collect(),
        switched_off: std::mem::take(&mut state.switched_off),
    }
}

fn put_records(state: &mut State, records: Records) {
    if let Some(i) = state.integration.as_mut() {
        i.test = records.integration;
    }
    for (c, t) in state.connectors.iter_mut().zip(records.connectors) {
        c.test = t;
    }
    for (r, t) in state.routes.iter_mut().zip(records.routes) {
        r.test = t;
    }
    state.switched_off = records.switched_off;
}

/// Whether an older graphmail wrote test records into the file itself.
fn has_inline_tests(text: &str) -> bool {
    text.contains("test")
        && text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("test =") || l.starts_with("test=") || l.ends_with(".test]")
        })
}

/// `.state.toml.` for `state.toml`: temp files are hidden and name their file.
fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.")
}

/// Temp files left by a process killed mid-write. Only called under the
/// lock, when no other writer can own one.
fn remove_stale_temp_files(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix) && name.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Parses and version-checks a state file's text; returns the state and,
/// when it was migrated, the version it was migrated from.
pub fn parse_state(path: &Path, text: &str) -> Result<(State, Option<u32>), StateError> {
    // Hot path: one typed parse of a current file.
    let typed_error = match toml::from_str::<State>(text) {
        Ok(state) if state.schema_version == SCHEMA_VERSION => return Ok((state, None)),
        Ok(state) => {
            return check_version(path, i64::from(state.schema_version)).map(|()| (state, None));
        }
        Err(e) => e,
    };
    // A newer file may fail the typed parse for its new fields: report the
    // version, not the field. An older one may need migrating first.
    if let Ok(raw) = toml::from_str::<toml::Table>(text)
        && let Some(found) = raw.get("schema_version").and_then(toml::Value::as_integer)
        && found != i64::from(SCHEMA_VERSION)
    {
        check_version(path, found)?;
    }
    Err(malformed(
        path,
        text,
        typed_error.span(),
        typed_error.message().to_string(),
    ))
}

/// Refuses versions this build cannot read. Versions older than
/// [`SCHEMA_VERSION`] would be migrated here, on the raw table, before the
/// typed parse; v1 is the first, so there is none yet.
fn check_version(path: &Path, found: i64) -> Result<(), StateError> {
    if found > i64::from(SCHEMA_VERSION) {
        return Err(StateError::TooNew {
            path: path.to_path_buf(),
            found,
        });
    }
    if found < i64::from(SCHEMA_VERSION) {
        return Err(StateError::UnknownVersion {
            path: path.to_path_buf(),
            found,
        });
    }
    Ok(())
}

fn malformed(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    problem: String,
) -> StateError {
    let (location, excerpt) = match span {
        Some(span) => {
            let (location, excerpt) = locate(text, span.start);
            (Some(location), Some(excerpt))
        }
        None => (None, None),
    };
    StateError::Malformed {
        path: path.to_path_buf(),
        location,
        problem: problem.trim_end().to_string(),
        excerpt,
    }
}

/// 1-based line and column of a byte offset, and the line with a caret
/// under the column. Control characters in the line are escaped.
fn locate(text: &str, offset: usize) -> (Location, String) {
    let offset = offset.min(text.len());
    let offset = (0..=offset)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    let line_text: String = text[line_start..]
        .split('\n')
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .chars()
        .take(200)
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect();
    let gutter = line.to_string().len();
    let pad: String = line_text
        .chars()
        .take(column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let excerpt = format!(
        "{:gutter$} |\n{line} | {line_text}\n{:gutter$} | {pad}^",
        "", ""
    );
    (Location { line, column }, excerpt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> StateFile {
        let path = dir.join("state.toml");
        fs::write(&path, text).unwrap();
        StateFile::open(path)
    }

    #[test]
    fn resolve_prefers_flag_then_env_then_config_dir() {
        let config = || Some(PathBuf::from("/home/u/.config/graphmail"));
        let flag = Path::new("/tmp/flag.toml");
        let env = Some(PathBuf::from("/tmp/env.toml"));
        assert_eq!(
            resolve_path_from(Some(flag), env.clone(), config).unwrap(),
            flag
        );
        assert_eq!(
            resolve_path_from(None, env.clone(), config).unwrap(),
            Path::new("/tmp/env.toml")
        );
        assert_eq!(
            resolve_path_from(Some(Path::new("")), Some(PathBuf::new()), config).unwrap(),
            Path::new("/home/u/.config/graphmail/state.toml")
        );
        assert!(matches!(
            resolve_path_from(None, None, || None),
            Err(StateError::NoConfigDir)
        ));
    }

    #[test]
    fn a_missing_file_loads_as_a_fresh_unwritten_state() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::open(dir.path().join("nested/state.toml"));
        let loaded = file.load().unwrap();
        assert!(!loaded.exists);
        assert_eq!(loaded.state.schema_version, SCHEMA_VERSION);
        assert!(!file.path().exists());
    }

    #[test]
    fn line_and_column_point_at_the_bad_value() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n[[connector]]\nname = \"a\"\nuse_for = \"outbound\"\naddress = \"a@b.c\"\nenabled = \"yes\"\n",
        );
        let err = file.load().unwrap_err();
        let StateError::Malformed {
            location, problem, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(
            *location,
            Some(Location {
                line: 7,
                column: 11
            })
        );
        assert!(problem.contains("boolean"), "{problem}");
        let shown = err.to_string();
        assert!(shown.contains("state.toml:7:11: "), "{shown}");
        assert!(
            shown.contains("7 | enabled = \"yes\"\n  |           ^"),
            "{shown}"
        );
        assert_eq!(err.hint().unwrap(), HINT_MALFORMED);
    }

    #[test]
    fn syntax_errors_and_unknown_fields_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\nbogus = [\n",
        );
        let StateError::Malformed { location, .. } = file.load().unwrap_err() else {
            panic!()
        };
        assert!(location.is_some_and(|l| l.line >= 3), "{location:?}");
        let file = write(
            dir.path(),
            "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\nbogus = 1\n",
        );
        let err = file.load().unwrap_err();
        let StateError::Malformed {
            location, problem, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(location.unwrap().line, 3);
        assert!(problem.contains("bogus"), "{problem}");
    }

    #[test]
    fn versions_newer_and_unknown_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "schema_version = 2\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\nnew_thing = 1\n",
        );
        assert!(matches!(
            file.load().unwrap_err(),
            StateError::TooNew { found: 2, .. }
        ));
        let file = write(
            dir.path(),
            "schema_version = 7\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n",
        );
        assert!(matches!(
            file.load().unwrap_err(),
            StateError::TooNew { found: 7, .. }
        ));
        let file = write(
            dir.path(),
            "schema_version = 0\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n",
        );
        assert!(matches!(
            file.load().unwrap_err(),
            StateError::UnknownVersion { found: 0, .. }
        ));
    }

    #[test]
    fn non_utf8_content_is_malformed_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.toml");
        fs::write(&path, b"schema_version = 1\n\xff\xfe").unwrap();
        assert!(matches!(
            StateFile::open(path).load().unwrap_err(),
            StateError::Malformed { .. }
        ));
    }

    #[test]
    fn hostile_nesting_and_huge_files_are_errors_not_crashes() {
        let dir = tempfile::tempdir().unwrap();
        let deep = format!(
            "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\nx = {}",
            "[".repeat(100_000)
        );
        assert!(matches!(
            write(dir.path(), &deep).load().unwrap_err(),
            StateError::Malformed { .. }
        ));
        let inline = format!(
            "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\nx = {}",
            "{a=".repeat(100_000)
        );
        assert!(matches!(
            write(dir.path(), &inline).load().unwrap_err(),
            StateError::Malformed { .. }
        ));
        let path = dir.path().join("big.toml");
        File::create(&path)
            .unwrap()
            .set_len(MAX_STATE_BYTES + 10)
            .unwrap();
        let err = StateFile::open(&path).load().unwrap_err();
        assert!(err.to_string().contains("larger than 64 MiB"), "{err}");
    }

    #[test]
    fn locate_handles_multibyte_text_and_offsets_past_the_end() {
        let (location, _) = locate("a = \"é\"\nb = ü", 13);
        assert_eq!(location, Location { line: 2, column: 5 });
        let (location, _) = locate("x", 99);
        assert_eq!(location, Location { line: 1, column: 2 });
    }

    /// The JSON copy starts at [`parsed::MIN_BYTES`], well below the
    /// splice: a 200-connector file (about 29 KiB) is read from its copy
    /// after graphmail wrote it, and a file of a few connectors has none.
    #[test]
    fn a_mid_size_file_gets_its_copy_and_a_small_one_none() {
        let state_of = |n: usize| {
            let mut text = String::from(
                "schema_version = 1\ninstance_id = \"5b0c1f8e-2f7e-4d7a-9a51-0c9d4e1f2a3b\"\n",
            );
            for i in 0..n {
                text.push_str(&format!(
                    "\n[[connector]]\nname = \"c{i:04}\"\nuse_for = \"incoming\"\naddress = \"m{i}@contoso.com\"\nenabled = false\nfolders = [\"Inbox/Support\"]\nprocess = \"Case\"\n"
                ));
            }
            text
        };
        for (n, copied) in [(200, true), (5, false)] {
            let dir = tempfile::tempdir().unwrap();
            let text = state_of(n);
            assert_eq!(
                text.len() >= parsed::MIN_BYTES,
                copied,
                "{} bytes",
                text.len()
            );
            assert!(text.len() < SPLICE_MIN_BYTES);
            let file = write(dir.path(), &text);
            file.update(|s| {
                s.connectors[1].process = Some("Q1".into());
                Ok::<_, StateError>(())
            })
            .unwrap();
            let copy = file.data_dir().join(parsed::PARSED_FILE);
            assert_eq!(copy.exists(), copied, "{n} connectors");
            let loaded = file.load().unwrap().state;
            assert_eq!(loaded.connectors[1].process.as_deref(), Some("Q1"));
            if copied {
                // Read from the copy: a copy edited here shows through.
                let edited = fs::read_to_string(&copy)
                    .unwrap()
                    .replace("\"Q1\"", "\"FromCopy\"");
                fs::write(&copy, edited).unwrap();
                let state = file.load().unwrap().state;
                assert_eq!(state.connectors[1].process.as_deref(), Some("FromCopy"));
            }
        }
    }

    /// A hand-commented file large enough for the fast paths: a one-item
    /// change splices only that entry (every comment kept, the result the
    /// whole-document patch gives), the JSON copy serves the next read, and
    /// a hand edit after it is read from the file, not from the stale copy.
    #[test]
    fn a_large_file_is_patched_in_place_and_its_copy_never_outlives_an_edit() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from(
            "# hand-written\nschema_version = 1\ninstance_id = \"5b0c1f8e-2f7e-4d7a-9a51-0c9d4e1f2a3b\"\n",
        );
        for i in 0..600 {
            text.push_str(&format!(
                "\n# connector {i}, kept by hand\n[[connector]]\nname = \"c{i:04}\" # its name\nuse_for = \"incoming\"\naddress = \"m{i}@contoso.com\"\nenabled = false\nfolders = [\"Inbox\"]\nprocess = \"Case\"\n"
            ));
        }
        assert!(text.len() >= SPLICE_MIN_BYTES);
        let file = write(dir.path(), &text);
        let set = |process: &str| {
            file.update(|s| {
                s.connectors[2].process = Some(process.into());
                Ok::<_, StateError>(())
            })
            .unwrap()
        };
        set("Q1");
        let after = fs::read_to_string(file.path()).unwrap();
        let expected = text.replacen(
            "name = \"c0002\" # its name\nuse_for = \"incoming\"\naddress = \"m2@contoso.com\"\nenabled = false\nfolders = [\"Inbox\"]\nprocess = \"Case\"",
            "name = \"c0002\" # its name\nuse_for = \"incoming\"\naddress = \"m2@contoso.com\"\nenabled = false\nfolders = [\"Inbox\"]\nprocess = \"Q1\"",
            1,
        );
        assert!(after == expected, "only the process line changes");
        // The same change through the whole document gives the same bytes.
        let (mut old, _) = parse_state(file.path(), &text).unwrap();
        let mut new = old.clone();
        new.connectors[2].process = Some("Q1".into());
        let mut doc: DocumentMut = text.parse().unwrap();
        let whole = document::patch_entries(&mut doc, &old, &new)
            .unwrap()
            .unwrap();
        assert!(
            after == whole,
            "the splice differs from the whole-document patch"
        );
        let copy = file.data_dir().join(parsed::PARSED_FILE);
        assert!(copy.exists(), "a large file gets its JSON copy");
        assert_eq!(file.load().unwrap().state, new);
        // A hand edit: the copy no longer matches the text and is not used.
        fs::write(
            file.path(),
            after.replace("m7@contoso.com", "hand@contoso.com"),
        )
        .unwrap();
        old = file.load().unwrap().state;
        assert_eq!(old.connectors[7].address, "hand@contoso.com");
        set("Q2");
        let state = file.load().unwrap().state;
        assert_eq!(state.connectors[7].address, "hand@contoso.com");
        assert_eq!(state.connectors[2].process.as_deref(), Some("Q2"));
        assert!(
            fs::read_to_string(file.path())
                .unwrap()
                .contains("# connector 599, kept by hand")
        );
    }

    #[test]
    fn update_creates_the_file_private_and_skips_unchanged_states() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::open(dir.path().join("sub/state.toml"));
        file.update(|_| Ok::<_, StateError>(())).unwrap();
        assert!(
            !file.path().exists(),
            "an unchanged fresh state is not written"
        );
        file.update(|s| {
            s.routes.clear();
            s.instance_id = uuid::Uuid::from_u128(7);
            Ok::<_, StateError>(())
        })
        .unwrap();
        let text = fs::read_to_string(file.path()).unwrap();
        assert!(text.starts_with(document::HEADER), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(file.path()), 0o600);
            assert_eq!(mode(&dir.path().join("sub")), 0o700);
            assert_eq!(mode(&lock_path(file.path())), 0o600);
        }
        let modified = fs::metadata(file.path()).unwrap().modified().unwrap();
        file.update(|s| {
            s.instance_id = uuid::Uuid::from_u128(7);
            Ok::<_, StateError>(())
        })
        .unwrap();
        assert_eq!(
            fs::metadata(file.path()).unwrap().modified().unwrap(),
            modified
        );
        assert_eq!(fs::read_to_string(file.path()).unwrap(), text);
    }

    #[test]
    fn a_held_lock_times_out_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::open(dir.path().join("state.toml"))
            .with_lock_timeout(Duration::from_millis(150));
        let holder = File::create(lock_path(file.path())).unwrap();
        holder.lock().unwrap();
        let start = Instant::now();
        let err = file.update(|_| Ok::<_, StateError>(())).unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(150));
        assert!(matches!(err, StateError::LockTimeout { .. }), "{err:?}");
        assert!(err.hint().unwrap().contains("state.toml.lock"));
        drop(holder);
        file.update(|_| Ok::<_, StateError>(())).unwrap();
    }

    #[test]
    fn stale_temp_files_are_cleaned_under_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".state.toml.abc123.tmp");
        fs::write(&stale, "torn").unwrap();
        let unrelated = dir.path().join(".other.toml.x.tmp");
        fs::write(&unrelated, "keep").unwrap();
        let file = StateFile::open(dir.path().join("state.toml"));
        file.update(|s| {
            s.instance_id = uuid::Uuid::from_u128(7);
            Ok::<_, StateError>(())
        })
        .unwrap();
        assert!(!stale.exists());
        assert!(unrelated.exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_state_file_keeps_its_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        let link = dir.path().join("state.toml");
        fs::write(
            &real,
            "schema_version = 1\ninstance_id = \"00000000-0000-4000-8000-000000000001\"\n",
        )
        .unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        StateFile::open(&link)
            .update(|s| {
                s.instance_id = uuid::Uuid::from_u128(2);
                Ok::<_, StateError>(())
            })
            .unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            fs::read_to_string(&real)
                .unwrap()
                .contains("00000000-0000-0000-0000-000000000002")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_link_its_target_and_a_dotted_path_have_one_canonical_path() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        fs::write(&real, "").unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        let link = dir.path().join("sub/link.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let want = fs::canonicalize(&real).unwrap();
        assert_eq!(canonical_path(&link).unwrap(), want);
        assert_eq!(
            canonical_path(&dir.path().join("sub/../real.toml")).unwrap(),
            want
        );
        // Not written yet: the real folder and the name.
        let linked_dir = dir.path().join("dirlink");
        std::os::unix::fs::symlink(dir.path(), &linked_dir).unwrap();
        assert_eq!(
            canonical_path(&linked_dir.join("new.toml")).unwrap(),
            want.parent().unwrap().join("new.toml")
        );
        // A dangling link is refused rather than replaced by a file.
        let dangling = dir.path().join("dangling.toml");
        std::os::unix::fs::symlink(dir.path().join("gone.toml"), &dangling).unwrap();
        assert!(canonical_path(&dangling).is_err());
    }
}
