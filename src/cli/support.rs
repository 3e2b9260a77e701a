//! The support engineer's commands: `doctor`, `token inspect`.

use clap::{Args, Subcommand};

const DOCTOR_AFTER_HELP: &str = "\
Checks, each ok, warning or problem with a fix:
  state-file, state-lock, state-problems    the state file, its lock, what `status` would report
  secret-source, keyring, certificate-file  the credential is readable (values never shown)
  certificate-expiry, secret-expiry         warning under 30 days, problem once expired
  proxy, dns, reach, tls, clock, cloud      against the authority host and the Graph endpoint

One unauthenticated request (the tenant's OpenID discovery document) reads the
authority's Date header for the clock. Run it as the account graphmail runs as.

Exit codes:
  0  no check is a problem (warnings allowed)
  3  at least one check is a problem";

#[derive(Debug, Args)]
#[command(after_help = DOCTOR_AFTER_HELP)]
pub struct DoctorArgs {
    /// Seconds allowed per check (the network checks run concurrently)
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Get a token as a connection test does and show its claims (never the token)
    #[command(after_help = "\
Shows aud, iss, tid, appid, roles, exp, nbf, idtyp and xms_* claims, and the roles the
configured connectors need (incoming: Mail.ReadWrite, outbound: Mail.Send). Exchange RBAC
for Applications grants do not appear in tokens: `test-connection` is the proof.

Exit codes:
  0  a token was issued (whatever its roles)
  2  no integration
  3  no token was issued (the error carries the AADSTS code)")]
    Inspect,
}
