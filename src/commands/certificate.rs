//! `graphmail certificate new`: a self-signed certificate for the app
//! registration. Filled in with the client branch.

use crate::cli::CertificateNewArgs;
use crate::error::{CliError, Result};

use super::Context;

pub fn new(_ctx: &Context, _args: CertificateNewArgs) -> Result<()> {
    Err(CliError::runtime("certificate new is not available yet"))
}
