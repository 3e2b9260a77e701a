//! A table that renders with borders on a terminal (comfy-table, fitted to
//! the width) and as tab-separated rows otherwise, so `cut` and `awk` work.

use std::io::{self, Write};

use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{ContentArrangement, Table as Comfy};

use super::inert::inert_cell;

#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<I, S>(headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
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
            let clean =
                |s: &String| inert_cell(&s.replace(['\t', '\n', '\r'], " "), false).into_owned();
            writeln!(
                out,
                "{}",
                self.headers
                    .iter()
                    .map(|h| h.to_uppercase())
                    .collect::<Vec<_>>()
                    .join("\t")
            )?;
            for row in &self.rows {
                writeln!(
                    out,
                    "{}",
                    row.iter().map(clean).collect::<Vec<_>>().join("\t")
                )?;
            }
            Ok(())
        }
    }
}
