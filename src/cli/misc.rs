//! `test-connection`, `enable`, `disable`, `status`, `certificate`, `sandbox`, `demo`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use clap_complete::ArgValueCandidates;

use super::names;

#[derive(Debug, Args)]
pub struct TestConnectionArgs {
    #[command(subcommand)]
    pub target: Option<TestTarget>,
    /// Test the integration, every connector and every route, concurrently
    #[arg(long)]
    pub all: bool,
    /// Where a probe goes when a fact needs one (default: the outbound connector's own address)
    #[arg(long, global = true, value_name = "EMAIL", conflicts_with = "no_send")]
    pub send_test_to: Option<String>,
    /// Never send a probe: facts only a probe establishes stay unverified
    #[arg(long, global = true)]
    pub no_send: bool,
    /// Evidence older than this counts as missing (e.g. 30m, 12h, 7d)
    #[arg(long, global = true, value_name = "DURATION")]
    pub max_age: Option<String>,
    /// Run and report without touching the state file or its directory
    #[arg(long, global = true)]
    pub no_record: bool,
    /// Incoming routes: send a probe through an enabled outbound connector and find it
    #[arg(long, global = true)]
    pub probe_delivery: bool,
    /// Seconds allowed per target
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TestTarget {
    /// The integration: authority, token, permissions, scope (outside mailboxes recorded)
    Integration,
    /// One connector
    Connector {
        /// The connector's name
        #[arg(add = ArgValueCandidates::new(names::connectors))]
        name: String,
    },
    /// One route
    Route {
        /// The route's name
        #[arg(add = ArgValueCandidates::new(names::routes))]
        name: String,
    },
}

/// `enable` targets.
#[derive(Debug, Clone, Subcommand)]
pub enum EnableRef {
    /// A connector
    Connector {
        /// The connector's name
        #[arg(add = ArgValueCandidates::new(names::connectors))]
        name: String,
        /// Also re-enable (through the gate) the routes its disable switched off
        #[arg(long)]
        with_routes: bool,
    },
    /// A route
    Route {
        /// The route's name
        #[arg(add = ArgValueCandidates::new(names::routes))]
        name: String,
    },
}

/// `disable` targets.
#[derive(Debug, Clone, Subcommand)]
pub enum ItemRef {
    /// A connector
    Connector {
        /// The connector's name
        #[arg(add = ArgValueCandidates::new(names::connectors))]
        name: String,
    },
    /// A route
    Route {
        /// The route's name
        #[arg(add = ArgValueCandidates::new(names::routes))]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Exit 4 when anything enabled cannot be trusted (no valid passing test)
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Subcommand)]
pub enum CertificateCommand {
    /// Make a self-signed certificate: a .pfx for graphmail and a .cer/.pem for Entra
    New(CertificateNewArgs),
}

#[derive(Debug, Args)]
pub struct CertificateNewArgs {
    /// Subject common name
    #[arg(long, default_value = "graphmail")]
    pub subject: String,
    /// Days of validity
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Folder to write <name>.pfx, <name>.cer and <name>.pem into
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Base name of the files
    #[arg(long, default_value = "graphmail")]
    pub name: String,
    /// Read the PFX password from standard input
    #[arg(long, conflicts_with = "password_env")]
    pub password_stdin: bool,
    /// Read the PFX password from this environment variable
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Overwrite existing files
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the emulator; prints one JSON line with its endpoints and test credentials
    Serve(SandboxServeArgs),
}

#[derive(Debug, Args)]
pub struct SandboxServeArgs {
    /// Address to listen on (loopback)
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Seed file (TOML) with tenants, apps, mailboxes, policies and faults
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Serve HTTPS with a generated CA (its path is in the ready line)
    #[arg(long)]
    pub tls: bool,
    /// Allow a --listen address that is not loopback (the sandbox has no real security)
    #[arg(long)]
    pub allow_non_loopback: bool,
    /// Keep the generated certificates and CA in this folder (default: a temp folder removed on exit)
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's state folder and print its path
    #[arg(long)]
    pub keep: bool,
}
