//! `graphmail completion SHELL`

use clap::Args;
use clap_complete::Shell;

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to print the script for
    #[arg(value_enum)]
    pub shell: Shell,
    /// The self-contained script (as in completions/): commands and options,
    /// but no connector or route names
    #[arg(long = "static")]
    pub static_script: bool,
}
