//! The support engineer's commands: `doctor`, `token inspect`.

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Seconds allowed per check (the network checks run concurrently)
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Get a token as a connection test does and show its claims (never the token)
    Inspect,
}
