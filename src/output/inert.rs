//! Text from outside made harmless to a terminal. A subject line, a sender,
//! a folder name from Graph or a name typed into the state file by hand may
//! hold control sequences: OSC 52 writes the clipboard, cursor moves rewrite
//! what is on screen, bidi overrides make text read differently than it is.
//!
//! Every text path of the printer goes through here, so no command can forget
//! it: [`InertWriter`] wraps stdout for tables and views, [`inert_lines`]
//! cleans messages and errors on stderr, [`InertJson`] makes JSON write the
//! same characters as `\uXXXX` escapes (the value is kept exactly; serde_json
//! would write C1 and bidi characters raw).
//!
//! Escaped: C0 controls (tab and newline are kept where the layout uses them),
//! DEL, C1 controls, and the bidi embeddings, overrides, isolates and marks
//! (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C). They are shown as
//! `\u{1b}`, the way Rust writes them, so the reader still sees they were
//! there.
//!
//! Limit: on a colour terminal the exact colour codes graphmail paints with
//! ([`PAINT_CODES`]) pass the writer, so text from outside could switch
//! among those colours; every other escape sequence is shown inert, and
//! without colour (pipes, `NO_COLOR`, `--color never`) none passes.

use std::borrow::Cow;
use std::io::{self, Write};

/// The SGR sequences `TextContext::paint` and the printer's labels write:
/// bold, dim, red, green, yellow, reset. Nothing else reaches the terminal.
pub(crate) const PAINT_CODES: [&str; 6] = [
    "\x1b[0m", "\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[32m", "\x1b[33m",
];

/// True for a character that must not reach a terminal as it is.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// What a text keeps as it is.
#[derive(Debug, Clone, Copy)]
struct Keep {
    /// Newline and tab: free text and table layout use them.
    layout: bool,
    /// graphmail's own colour codes ([`PAINT_CODES`]).
    paint: bool,
}

/// How many bytes at the start of `rest` (which is not empty) `keep` lets
/// through as they are: one safe character, newline or tab under `layout`,
/// or one of [`PAINT_CODES`] under `paint`; `None` for a character that must
/// be escaped.
fn kept_len(rest: &str, keep: Keep) -> Option<usize> {
    let c = rest.chars().next()?;
    if keep.paint
        && c == '\x1b'
        && let Some(code) = PAINT_CODES.iter().find(|code| rest.starts_with(**code))
    {
        return Some(code.len());
    }
    if !is_unsafe(c) || (keep.layout && (c == '\n' || c == '\t')) {
        return Some(c.len_utf8());
    }
    None
}

/// The byte offset of the first character `keep` does not let through, if
/// any. Plain text is skipped byte by byte rather than decoded: every unsafe
/// character starts with a byte below 0x20, 0x7f, or one of the lead bytes
/// 0xc2 (C1), 0xd8 (U+061C) and 0xe2 (the marks and bidi controls). A
/// 3,000-row table goes through here (issue 17 (a)).
fn first_unsafe(text: &str, keep: Keep) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(offset) = first_candidate(&bytes[at..]) {
        // A match is ASCII or a lead byte, so `at` stays on a character
        // boundary.
        at += offset;
        match kept_len(&text[at..], keep) {
            Some(len) => at += len,
            None => return Some(at),
        }
    }
    None
}

/// A byte that may start a character [`kept_len`] must look at.
fn candidate(b: u8) -> bool {
    b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2
}

/// The offset of the first [`candidate`] byte. Eight bytes at a time: a word
/// with no byte below 0x20, none equal to 0x7f and none above 0x7f (all the
/// candidates are among those) is skipped whole; any other word is looked at
/// byte by byte. A 10,000-row table is more than a megabyte of this.
fn first_candidate(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        // Exact for "some byte is below 0x20" and "some byte is 0x7f" (the
        // classic has-less and has-zero tests); the high bit covers the rest.
        let below = w.wrapping_sub(0x20 * ONES) & !w & HIGH;
        let del = w ^ (0x7f * ONES);
        let del = del.wrapping_sub(ONES) & !del & HIGH;
        if below | del | (w & HIGH) != 0
            && let Some(i) = word.iter().position(|&b| candidate(b))
        {
            return Some(at + i);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| candidate(b))
        .map(|i| at + i)
}

fn inert_with(text: &str, keep: Keep) -> Cow<'_, str> {
    let Some(first) = first_unsafe(text, keep) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    let mut rest = &text[first..];
    while let Some(c) = rest.chars().next() {
        let taken = match kept_len(rest, keep) {
            // What stays, up to the next character to escape, at once.
            Some(_) => {
                let run = first_unsafe(rest, keep).unwrap_or(rest.len());
                out.push_str(&rest[..run]);
                run
            }
            None => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
                c.len_utf8()
            }
        };
        rest = &rest[taken..];
    }
    Cow::Owned(out)
}

/// One line of text from outside, every unsafe character escaped, newline
/// and tab included: for a table cell or a single-line value.
pub fn inert(text: &str) -> Cow<'_, str> {
    inert_with(
        text,
        Keep {
            layout: false,
            paint: false,
        },
    )
}

/// A message on stderr: newlines and tabs kept (messages and hints may
/// span lines), everything else escaped.
pub fn inert_lines(text: &str) -> Cow<'_, str> {
    inert_with(
        text,
        Keep {
            layout: true,
            paint: false,
        },
    )
}

/// A table cell: on a terminal the cell may be one of graphmail's painted
/// words; newlines stay for comfy-table's multi-line cells.
pub(crate) fn inert_cell(text: &str, terminal: bool) -> Cow<'_, str> {
    inert_with(
        text,
        Keep {
            layout: terminal,
            paint: true,
        },
    )
}

/// Wraps stdout for text output: everything written is made inert, except
/// layout (newline, tab) and, when colour is on, graphmail's paint codes.
///
/// Bytes are processed as UTF-8; a character split across two writes is
/// held until it is complete, invalid bytes become U+FFFD.
pub struct InertWriter<W: Write> {
    inner: W,
    color: bool,
    pending: Vec<u8>,
}

impl<W: Write> InertWriter<W> {
    pub fn new(inner: W, color: bool) -> Self {
        InertWriter {
            inner,
            color,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, text: &str) -> io::Result<()> {
        let clean = inert_with(
            text,
            Keep {
                layout: true,
                paint: self.color,
            },
        );
        self.inner.write_all(clean.as_bytes())
    }

    fn drain(&mut self) -> io::Result<()> {
        loop {
            let pending = std::mem::take(&mut self.pending);
            match std::str::from_utf8(&pending) {
                Ok(text) => return self.emit(text),
                Err(e) => {
                    let (good, bad) = pending.split_at(e.valid_up_to());
                    // `good` is valid UTF-8: it ends at `valid_up_to`.
                    self.emit(std::str::from_utf8(good).unwrap_or_default())?;
                    match e.error_len() {
                        // Incomplete at the end: wait for the rest.
                        None => {
                            self.pending = bad.to_vec();
                            return Ok(());
                        }
                        Some(n) => {
                            self.inner.write_all("\u{fffd}".as_bytes())?;
                            self.pending = bad[n..].to_vec();
                        }
                    }
                }
            }
        }
    }

    /// Writes what is held back and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.pending.is_empty() {
            self.pending.clear();
            self.inner.write_all("\u{fffd}".as_bytes())?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for InertWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The common case, nothing held back and whole characters: no copy.
        if self.pending.is_empty()
            && let Ok(text) = std::str::from_utf8(buf)
        {
            self.emit(text)?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        self.drain()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A serde_json formatter that writes unsafe characters as `\uXXXX`: the
/// JSON value is unchanged, but its text carries no raw C1 or bidi
/// character (serde_json escapes C0 itself, and writes DEL, C1 and bidi
/// characters raw).
pub struct InertJson<F>(pub F);

macro_rules! delegate {
    ($($name:ident ( $($arg:ident : $ty:ty),* );)*) => {
        $(
            fn $name<W: ?Sized + Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> io::Result<()> {
                self.0.$name(writer $(, $arg)*)
            }
        )*
    };
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for InertJson<F> {
    delegate! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        end_object_key();
        begin_object_value();
        end_object_value();
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let escape_all = Keep {
            layout: false,
            paint: false,
        };
        let mut rest = fragment;
        while let Some(at) = first_unsafe(rest, escape_all) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            // Every unsafe character is in the Basic Multilingual Plane.
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

/// Pretty JSON with unsafe characters escaped: the `--output json` documents.
pub fn to_writer_pretty<W: Write, T: serde::Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        writer,
        InertJson(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser)
}

/// One-line JSON with unsafe characters escaped: the error object on stderr.
pub fn to_string_compact<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        InertJson(serde_json::ser::CompactFormatter),
    );
    value.serialize(&mut ser)?;
    // serde_json writes only UTF-8.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    const HOSTILE: &str =
        "a\x1b]52;c;ZXZpbA==\x07b\x1b[2J\u{9b}31m\u{202e}txt.exe\u{2066}\r\n\u{7f}";

    #[test]
    fn inert_escapes_every_control_c1_and_bidi_character() {
        let out = inert(HOSTILE);
        assert!(!out.chars().any(is_unsafe), "{out}");
        assert_eq!(
            out,
            "a\\u{1b}]52;c;ZXZpbA==\\u{7}b\\u{1b}[2J\\u{9b}31m\\u{202e}txt.exe\\u{2066}\\u{d}\\u{a}\\u{7f}"
        );
        assert!(matches!(inert("plain café ✓"), Cow::Borrowed(_)));
    }

    /// The word-at-a-time scan finds what a byte-at-a-time scan finds, for
    /// every byte value at every place in and around a word.
    #[test]
    fn the_word_scan_finds_the_first_candidate_byte() {
        for b in 0..=u8::MAX {
            for at in 0..20 {
                let mut bytes = [b'a'; 20];
                bytes[at] = b;
                for len in [at + 1, 20] {
                    let slice = &bytes[..len];
                    assert_eq!(
                        first_candidate(slice),
                        slice.iter().position(|&x| candidate(x)),
                        "byte {b:#x} at {at} of {len}"
                    );
                }
            }
        }
    }

    /// The escaping, one character at a time: what the byte scan of
    /// [`first_unsafe`] must agree with.
    fn reference(text: &str, keep: Keep) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            match kept_len(rest, keep) {
                Some(len) => out.push_str(&rest[..len]),
                None => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
            rest = &rest[kept_len(rest, keep).unwrap_or(c.len_utf8())..];
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_config())]
        #[test]
        fn the_word_scan_agrees_with_the_byte_scan(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            proptest::prop_assert_eq!(
                first_candidate(&bytes),
                bytes.iter().position(|&b| candidate(b))
            );
        }

        #[test]
        fn the_byte_scan_escapes_exactly_what_the_character_walk_does(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[a-z é→✓\u{80}-\u{a0}\u{600}-\u{620}\u{2000}-\u{2070}]{0,8}").unwrap(),
                    proptest::sample::select(PAINT_CODES.to_vec()).prop_map(String::from),
                    proptest::sample::select(vec!["\x1b", "\x1b[5m", "\n", "\t", "\r", "\x7f", "\u{9b}", "\u{61c}"]).prop_map(String::from),
                ],
                0..12,
            ),
            layout: bool,
            paint: bool,
        ) {
            let text: String = parts.concat();
            let keep = Keep { layout, paint };
            let out = inert_with(&text, keep);
            proptest::prop_assert_eq!(out.as_ref(), reference(&text, keep));
            proptest::prop_assert_eq!(matches!(out, Cow::Borrowed(_)), out == text);
        }
    }

    #[test]
    fn inert_lines_keeps_newlines_and_tabs_only() {
        assert_eq!(inert_lines("a\tb\nc\x1b[1m"), "a\tb\nc\\u{1b}[1m");
    }

    #[test]
    fn the_writer_lets_only_paint_codes_through_and_only_with_colour() {
        let text = "\x1b[32mok\x1b[0m \x1b[5mblink\x1b]0;title\x07\n";
        let mut w = InertWriter::new(Vec::new(), true);
        w.write_all(text.as_bytes()).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "\x1b[32mok\x1b[0m \\u{1b}[5mblink\\u{1b}]0;title\\u{7}\n"
        );
        let mut w = InertWriter::new(Vec::new(), false);
        w.write_all(text.as_bytes()).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert!(!out.contains('\x1b'), "{out}");
    }

    #[test]
    fn the_writer_joins_a_character_split_across_writes() {
        let bytes = "é\u{202e}".as_bytes();
        let mut w = InertWriter::new(Vec::new(), false);
        for b in bytes {
            w.write_all(&[*b]).unwrap();
        }
        w.write_all(&[0xff, b'x']).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "é\\u{202e}\u{fffd}x");
    }

    #[test]
    fn json_keeps_the_value_but_escapes_unsafe_characters() {
        let value = serde_json::json!({ "subject\u{9b}": HOSTILE });
        let mut out = Vec::new();
        to_writer_pretty(&mut out, &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
        assert!(text.contains("\\u202e") && text.contains("\\u009b") && text.contains("\\u007f"));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        let compact = to_string_compact(&value).unwrap();
        assert!(!compact.chars().any(is_unsafe), "{compact}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&compact).unwrap(),
            value
        );
    }
}
