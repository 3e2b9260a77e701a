//! `graphmail demo`: the whole product page against the embedded sandbox.

use crate::cli::{DemoArgs, GlobalArgs};
use crate::error::{CliError, Result};

pub async fn run(_args: &DemoArgs, _global: &GlobalArgs) -> Result<()> {
    Err(CliError::runtime("the demo is not available yet"))
}
