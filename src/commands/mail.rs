//! `graphmail mail peek | send`. Filled in with the mail issue.

use crate::cli::{MailPeekArgs, MailSendArgs};
use crate::error::{CliError, Result};

use super::Context;

pub async fn peek(_ctx: &Context, _args: MailPeekArgs) -> Result<()> {
    Err(CliError::runtime("mail peek is not available yet"))
}

pub async fn send(_ctx: &Context, _args: MailSendArgs) -> Result<()> {
    Err(CliError::runtime("mail send is not available yet"))
}
