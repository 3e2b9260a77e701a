//! How wide a table on a terminal may be.
//!
//! A terminal can report 0 columns (`stty cols 0`, a pty `script` made with
//! no size); laying a table out in 0 columns prints one character per line.
//! As `tput cols` does, graphmail then assumes 80.

/// The width assumed when neither `COLUMNS` nor the terminal gives one.
pub const FALLBACK_COLUMNS: u16 = 80;

/// The table width: `COLUMNS` when set and not 0, else what the terminal
/// reports when not 0, else [`FALLBACK_COLUMNS`].
pub fn table_columns(from_env: Option<u16>, from_terminal: Option<u16>) -> u16 {
    from_env
        .filter(|w| *w > 0)
        .or(from_terminal.filter(|w| *w > 0))
        .unwrap_or(FALLBACK_COLUMNS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_or_unknown_falls_back_to_80() {
        assert_eq!(table_columns(None, Some(0)), 80);
        assert_eq!(table_columns(Some(0), Some(0)), 80);
        assert_eq!(table_columns(None, None), 80);
        assert_eq!(table_columns(Some(0), Some(132)), 132);
        assert_eq!(table_columns(Some(100), Some(132)), 100);
    }
}
