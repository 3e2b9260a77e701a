//! Reading the files `mail send` attaches or takes its body from, with a
//! ceiling: each file is opened once, its size taken from the open handle
//! (not from a second lookup of the path, which another process could
//! swap in between), and the read itself stops one byte past the ceiling,
//! so a file that grows, a pipe, or `/dev/zero` never fills memory.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::error::{CliError, Result};

/// Graph refuses a request over about 4 MB (413 `RequestEntityTooLarge`,
/// reference/graph-mail.md §"Request size"; <https://learn.microsoft.com/en-us/graph/api/user-sendmail>):
/// a body larger than the whole request can never be sent.
pub const BODY_LIMIT: u64 = 4 * 1024 * 1024;

/// `--body-file`: a file, a pipe or `-` (standard input), at most
/// [`BODY_LIMIT`] bytes. Exit 2 otherwise.
pub fn read_body(path: &Path) -> Result<Vec<u8>> {
    let shown = path.display();
    let read = if path.as_os_str() == "-" {
        read_stream_capped(io::stdin().lock(), BODY_LIMIT)
    } else {
        read_capped(path, BODY_LIMIT, false)
    };
    read.map_err(|e| match e {
        InputError::Io(e) => CliError::usage(format!("--body-file {shown}: cannot read it: {e}")),
        InputError::NotAFile => CliError::usage(format!("--body-file {shown}: not a file")),
        InputError::TooLarge { len, limit } => CliError::usage(format!(
            "--body-file {shown}: the body is {}{len} bytes, over the {} MB Graph accepts in one request",
            if len > limit + 1 { "" } else { "at least " },
            limit >> 20
        ))
        .hint("send a shorter body, or put the content in a file shared by link"),
    })
}

/// One `--attach` file, opened: a regular file of at most `limit` bytes
/// (over it, the caller's error `over(len)`), with its size then. Exit 2
/// otherwise. The caller reads it whole ([`read_opened`]) or a chunk at a
/// time (an upload session).
pub fn open_attachment(
    path: &Path,
    limit: u64,
    over: impl FnOnce(u64) -> CliError,
) -> Result<(File, u64)> {
    let shown = path.display();
    let opened = File::open(path).and_then(|file| {
        let meta = file.metadata()?;
        Ok((file, meta))
    });
    let (file, meta) = opened.map_err(|e| CliError::usage(format!("--attach {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(CliError::usage(format!("--attach {shown}: not a file")));
    }
    if meta.len() > limit {
        return Err(over(meta.len()));
    }
    Ok((file, meta.len()))
}

/// Reads an opened `--attach` file of `len` bytes whole; one that grew
/// since it was opened is refused (exit 2), never read on without end.
pub fn read_opened(path: &Path, file: File, len: u64) -> Result<Vec<u8>> {
    let shown = path.display();
    read_stream_capped(file, len).map_err(|e| match e {
        InputError::Io(e) => CliError::usage(format!("--attach {shown}: {e}")),
        InputError::NotAFile => CliError::usage(format!("--attach {shown}: not a file")),
        InputError::TooLarge { .. } => {
            CliError::usage(format!("--attach {shown}: the file grew while it was read"))
                .hint("attach a file nothing is writing to")
        }
    })
}

/// Why a file was not read.
#[derive(Debug)]
pub enum InputError {
    Io(io::Error),
    /// A folder, a device: not something to attach.
    NotAFile,
    /// More than `limit` bytes (`len` is what the handle reported, or at
    /// least `limit + 1` when the read found more).
    TooLarge {
        len: u64,
        limit: u64,
    },
}

/// Reads at most `limit` bytes of `path`. `regular_only` refuses anything
/// but a regular file (attachments); otherwise pipes and process
/// substitutions are read too, under the same ceiling (`--body-file <(cmd)`).
pub fn read_capped(
    path: &Path,
    limit: u64,
    regular_only: bool,
) -> std::result::Result<Vec<u8>, InputError> {
    let file = File::open(path).map_err(InputError::Io)?;
    let meta = file.metadata().map_err(InputError::Io)?;
    if meta.is_file() {
        if meta.len() > limit {
            return Err(InputError::TooLarge {
                len: meta.len(),
                limit,
            });
        }
    } else if regular_only || meta.is_dir() {
        return Err(InputError::NotAFile);
    }
    read_stream_capped(file, limit)
}

/// Reads a stream up to `limit` bytes; one byte more is an error.
pub fn read_stream_capped(
    stream: impl Read,
    limit: u64,
) -> std::result::Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    stream
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(InputError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            len: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_size_and_a_stream_by_its_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'x'; 11]).unwrap();
        assert!(matches!(
            read_capped(&path, 10, true),
            Err(InputError::TooLarge { len: 11, limit: 10 })
        ));
        assert_eq!(read_capped(&path, 11, true).unwrap().len(), 11);
        assert!(matches!(
            read_capped(dir.path(), 10, false),
            Err(InputError::NotAFile)
        ));
        // An endless stream stops one byte past the limit.
        assert!(matches!(
            read_stream_capped(io::repeat(b'z'), 1000),
            Err(InputError::TooLarge { len: 1001, .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_read_under_the_ceiling_or_refused_as_attachments() {
        let zero = Path::new("/dev/zero");
        assert!(matches!(
            read_capped(zero, 4096, false),
            Err(InputError::TooLarge { len: 4097, .. })
        ));
        assert!(matches!(
            read_capped(zero, 4096, true),
            Err(InputError::NotAFile)
        ));
    }
}
