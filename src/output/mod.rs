//! How results reach the user: data on stdout (a table on a terminal,
//! tab-separated rows when piped, JSON with `--output json`), messages and
//! errors on stderr, prompts only when someone can answer them.

pub mod inert;
pub mod printer;
mod prompt;
mod table;
mod width;

pub use inert::{inert, inert_lines};
pub use printer::{ColorChoice, Format, Printer, Render};
pub use prompt::Prompter;
pub use table::Table;
