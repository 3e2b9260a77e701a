//! `graphmail sandbox serve`: runs the emulator until interrupted.

use crate::cli::SandboxServeArgs;
use crate::error::{CliError, Result};

pub async fn serve(_args: &SandboxServeArgs) -> Result<()> {
    Err(CliError::runtime("the sandbox is not available yet"))
}
