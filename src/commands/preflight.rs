//! Before a command touches the network: the state file's own values must
//! be ones graphmail would have written. Addresses, names and folders become
//! Graph URL paths (`/users/{address}/mailFolders/...`) and the tenant
//! becomes the token URL; a hand-edited `address = ".."` must not turn into
//! a request for `/users/..`. `status` lists the same problems as rows; here
//! any of them stops the command with exit 2 and no request. Used by
//! `test-connection`, `mail peek` and `mail send`; any command that builds URLs from the state
//! should call [`check`] first.

use crate::error::{CliError, Result};
use crate::state::State;
use crate::state::problems::{ProblemKind, check_references};
use crate::state::validate;

/// Exit 2, naming the first bad value and where it is, when any connector
/// or route name, address or folder, or the integration's tenant or app ID,
/// fails the checks the commands apply to typed input.
pub fn check(state: &State) -> Result<()> {
    if let Some(integration) = &state.integration {
        let bad = validate::tenant(&integration.tenant)
            .err()
            .or_else(|| validate::app_id(&integration.app_id).err());
        if let Some(bad) = bad {
            return Err(refuse(format!(
                "the integration's {} in the state file is not valid: {}",
                bad.field.trim_start_matches('-'),
                bad.problem
            )));
        }
    }
    let unsafe_kinds = [
        ProblemKind::InvalidName,
        ProblemKind::InvalidAddress,
        ProblemKind::InvalidFolder,
    ];
    if let Some(found) = check_references(state)
        .into_iter()
        .find(|p| unsafe_kinds.contains(&p.kind))
    {
        return Err(refuse(format!(
            "the state file's {} {}",
            found.subject, found.problem
        )));
    }
    Ok(())
}

fn refuse(message: String) -> CliError {
    CliError::usage(format!("{message}; nothing was sent to Microsoft"))
        .hint("fix the value in the state file (see `graphmail status`), or remove and re-add it with graphmail")
}
