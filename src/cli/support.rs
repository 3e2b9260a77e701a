//! The support engineer's commands: `doctor`, `token inspect`, `history`,
//! `support bundle`.

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

const HISTORY_AFTER_HELP: &str = "\
Every recorded connection test of the item (or of every item), newest first: its time,
verdict, steps, codes, request-ids and trace IDs. Runs with --no-record, and runs under
a GRAPHMAIL_CLIENT_SECRET / GRAPHMAIL_CERTIFICATE_PASSWORD override, are not recorded.

The history lives in <state file>.d/history.jsonl and keeps the last 100 runs per item
(GRAPHMAIL_HISTORY_KEEP=N keeps N, from 1 to 100000); a removed item loses its history.";

#[derive(Debug, Args)]
#[command(after_help = HISTORY_AFTER_HELP)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub item: Option<HistoryItem>,
    /// Only runs since then: a duration back from now (30m, 12h, 7d) or a date (2026-11-30, RFC 3339)
    #[arg(long, global = true, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// At most this many runs, the newest
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

/// The item whose history to show (default: every item).
#[derive(Debug, Clone, Subcommand)]
pub enum HistoryItem {
    /// The integration's runs
    Integration,
    /// One connector's runs
    Connector {
        /// The connector's name
        #[arg(add = clap_complete::ArgValueCandidates::new(super::names::connectors))]
        name: String,
    },
    /// One route's runs
    Route {
        /// The route's name
        #[arg(add = clap_complete::ArgValueCandidates::new(super::names::routes))]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SupportCommand {
    /// One archive for a support ticket: versions, doctor, the state, test reports, history, a fresh test log
    #[command(after_help = "\
The bundle holds versions.txt (graphmail, uname, /etc/os-release), doctor.txt and
doctor.json, state.toml, last-tests.json (the last recorded test of every item with its
evidence: request-ids, trace IDs, times), history.json, test-connection.log (a fresh
`test-connection --all -v --no-record --no-send`: nothing is recorded, no mail is sent)
and MANIFEST (each file and what was redacted). The state file and its directory are
never changed.

Before anything is written every file is scanned for the client secret, the certificate
password, access tokens, upload-session URL credentials and private keys (PEM blocks,
the PFX), raw and percent-encoded, JSON-escaped or base64: a hit writes nothing and names
the file and the kind of secret. The archive is created with mode 0600.

Exit codes:
  0  the bundle was written
  1  a secret was found in a file (nothing written), or the archive could not be written
  2  invalid usage (e.g. the output file exists)")]
    Bundle(BundleArgs),
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// Where to write the archive (default: graphmail-support-<UTC time>.tar.gz or .zip, here)
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// A .zip instead of a .tar.gz
    #[arg(long)]
    pub zip: bool,
    /// Replace mailbox addresses by stable placeholders (mailbox-1@redacted.invalid, ...)
    #[arg(long)]
    pub redact_addresses: bool,
}
