//! `graphmail plan`, `graphmail apply`, `graphmail export`: the desired-state
//! file (docs/desired-state.md).

use std::path::PathBuf;

use clap::Args;

/// The desired-state file every command of this group reads by default.
pub const DEFAULT_DESIRED_FILE: &str = "graphmail.toml";

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The desired-state file (`-` for standard input)
    #[arg(long, short = 'f', value_name = "FILE", default_value = DEFAULT_DESIRED_FILE)]
    pub file: PathBuf,
    /// Exit 5 when there are changes, 0 when there are none (drift detection)
    #[arg(long)]
    pub exit_code: bool,
    /// Evidence older than this counts as missing (e.g. 30m, 12h, 7d)
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Re-test live items (nothing recorded, no probe sent): a live item that no longer passes is drift
    #[arg(long)]
    pub refresh: bool,
    /// Also show the removal of what the file does not declare
    #[arg(long)]
    pub prune: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The desired-state file (`-` for standard input)
    #[arg(long, short = 'f', value_name = "FILE", default_value = DEFAULT_DESIRED_FILE)]
    pub file: PathBuf,
    /// Remove connectors and routes the file does not declare (live ones need --yes or a confirmation)
    #[arg(long)]
    pub prune: bool,
    /// A changed live item that fails its test is saved disabled instead of keeping its old settings
    #[arg(long)]
    pub disable_failing: bool,
    /// Evidence older than this counts as missing (e.g. 30m, 12h, 7d)
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Seconds allowed per target
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the desired-state file here instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}
