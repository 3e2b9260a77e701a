//! `graphmail doctor`: checks this machine and this state file, each finding
//! `ok`, `warning` or `problem` with a detail and a fix: the state file and
//! its lock, the problems `status` would report, the secret source and the
//! keyring, the imported certificate file, the expiry radar (recorded dates,
//! and an AADSTS7000222 in the run history), and, against the integration's
//! endpoints, the proxy, DNS, reachability, TLS chain, clock skew and cloud.
//!
//! Doctor is a test of the machine: it exits 3 when any finding is a
//! problem. It never changes the state file, never sends a secret, and
//! makes one unauthenticated request (the tenant's OpenID discovery
//! document, for the server's `Date`). Network checks run concurrently,
//! each bounded by `--timeout` (default 5 s).

mod local;
mod network;
mod probe;
mod proxy;
mod report;
mod target;

use std::time::Duration;

pub use report::{DoctorReport, Finding, Health};

use crate::error::{CliError, Result};
use crate::state::{evidence, store};

use super::Context;
use super::views;

/// What `doctor` was asked.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// Time allowed per check.
    pub check_timeout: Duration,
}

impl Default for DoctorOptions {
    fn default() -> Self {
        DoctorOptions {
            check_timeout: Duration::from_secs(5),
        }
    }
}

/// Runs every check and reports; exit 3 when something is a problem.
pub async fn run(ctx: &Context, options: DoctorOptions) -> Result<()> {
    let report = examine(ctx, &options).await;
    views::show(&ctx.printer, &report)?;
    if report.summary.problem > 0 {
        return Err(CliError::test_failed(format!(
            "doctor found {} problem(s) (see the rows marked problem)",
            report.summary.problem
        )));
    }
    Ok(())
}

/// Every finding, in a stable order: state, secrets, expiry, then network.
pub async fn examine(ctx: &Context, options: &DoctorOptions) -> DoctorReport {
    let path = ctx.store.path().to_path_buf();
    let loaded = ctx.store.load().map(|l| (l.state, l.exists));
    let (file_finding, state) = local::state_file(&path, loaded);
    let mut findings = vec![file_finding, local::state_lock(&path)];
    let Some(state) = state else {
        return DoctorReport::new(path.display().to_string(), findings);
    };
    findings.push(local::state_problems(&path, &state));
    let integration = state.integration.as_ref();

    let secrets = local::secret_sources(
        ctx.secrets.clone(),
        &state.instance_id,
        integration,
        options.check_timeout + Duration::from_secs(1),
    );
    let network = async {
        match integration {
            None => vec![Finding::warning(
                "integration",
                "integration",
                "none configured: the clock, proxy, DNS, TLS and cloud checks need its endpoints",
                "run `graphmail integration set`, then doctor again",
            )],
            Some(integration) => {
                let (endpoints, bad) = target::endpoints(integration);
                let mut out: Vec<Finding> = bad
                    .into_iter()
                    .map(|(role, origin)| {
                        Finding::problem(
                            "integration",
                            role,
                            format!("the endpoint {origin:?} is not a URL"),
                            "fix it with `graphmail integration set --authority-host URL --graph-endpoint URL`",
                        )
                    })
                    .collect();
                let env = proxy::ProxyEnv::from_process();
                out.extend(
                    network::checks(integration, &endpoints, &env, options.check_timeout).await,
                );
                out
            }
        }
    };
    let ((secret_findings, password), network_findings) = tokio::join!(secrets, network);
    findings.extend(secret_findings);
    if let Some(integration) = integration {
        findings.extend(local::certificate_file(integration, password.as_ref()));
        // The directory beside the real file, as `history` finds it.
        let real = store::canonical_path(&path).unwrap_or_else(|_| path.clone());
        let history = evidence::read_history(&store::data_dir_path(&real));
        let expired_seen = local::expired_in_history(&state, &history);
        findings.extend(local::expiry(
            integration,
            expired_seen.as_ref(),
            chrono::Utc::now(),
        ));
    }
    findings.extend(network_findings);
    DoctorReport::new(path.display().to_string(), findings)
}
