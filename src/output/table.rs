//! A table that renders with borders on a terminal (comfy-table, fitted to
//! the width) and as tab-separated rows otherwise, so `cut` and `awk` work.

use std::borrow::Cow;
use std::io::{self, Write};

use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{ContentArrangement, Table as Comfy};

use super::inert::inert_cell;

/// Cells borrow what they show where they can: a list of 3,000 items is
/// not copied to be printed (issue 17 (a)).
#[derive(Debug, Clone, Default)]
pub struct Table<'a> {
    headers: Vec<Cow<'a, str>>,
    rows: Vec<Vec<Cow<'a, str>>>,
}

impl<'a> Table<'a> {
    pub fn new<I, S>(headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'a, str>>,
    {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'a, str>>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the table: bordered when `terminal` is set, else a header line
    /// and tab-separated rows (tabs and newlines in cells become spaces).
    /// Cells are made inert first (`super::inert`), so the borders are
    /// fitted to what the terminal shows.
    pub fn write(&self, out: &mut dyn Write, terminal: bool, width: Option<u16>) -> io::Result<()> {
        if terminal {
            let mut table = Comfy::new();
            table
                .load_preset(UTF8_BORDERS_ONLY)
                .set_content_arrangement(ContentArrangement::Dynamic);
            // `table.width()` is the terminal's, as nothing is set yet.
            table.set_width(super::width::table_columns(width, table.width()));
            table.set_header(&self.headers);
            for row in &self.rows {
                table.add_row(row.iter().map(|cell| inert_cell(cell, true).into_owned()));
            }
            writeln!(out, "{table}")
        } else {
            // One line per row, built in one buffer and written at once.
            let mut line = String::new();
            for (i, header) in self.headers.iter().enumerate() {
                if i > 0 {
                    line.push('\t');
                }
                line.push_str(&header.to_uppercase());
            }
            line.push('\n');
            out.write_all(line.as_bytes())?;
            for row in &self.rows {
                line.clear();
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        line.push('\t');
                    }
                    if cell.contains(['\t', '\n', '\r']) {
                        line.push_str(&inert_cell(&cell.replace(['\t', '\n', '\r'], " "), false));
                    } else {
                        line.push_str(&inert_cell(cell, false));
                    }
                }
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
            Ok(())
        }
    }
}
