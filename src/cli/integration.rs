//! `graphmail integration ...`

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

// NOTE: parsed once per run; boxing the flags would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Create or change the integration; tests it before saving
    Set(IntegrationSetArgs),
    /// Show the integration and where its secret comes from
    Show,
    /// Remove the integration and its stored secrets
    Remove(IntegrationRemoveArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloudArg {
    Global,
    Usgov,
    UsgovDod,
    China,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssertionArg {
    /// RS256 with `x5t` (SHA-1 thumbprint): the widest acceptance
    Rs256,
    /// PS256 with `x5t#S256` (SHA-256 thumbprint)
    Ps256,
}

#[derive(Debug, Args)]
pub struct IntegrationSetArgs {
    /// Tenant ID (GUID) or verified domain, e.g. contoso.onmicrosoft.com
    #[arg(long)]
    pub tenant: Option<String>,
    /// Application (client) ID of the app registration
    #[arg(long, value_name = "GUID")]
    pub app_id: Option<String>,
    /// Read the client secret from standard input and keep it in the OS keyring
    #[arg(long, group = "credential")]
    pub client_secret_stdin: bool,
    /// Read the client secret from this environment variable at each run
    #[arg(long, value_name = "VAR", group = "credential")]
    pub client_secret_env: Option<String>,
    /// Authenticate with this certificate (.pfx with its private key)
    #[arg(long, value_name = "FILE.pfx", group = "credential")]
    pub certificate: Option<PathBuf>,
    /// Read the certificate password from standard input (kept in the OS keyring)
    #[arg(
        long,
        requires = "certificate",
        conflicts_with = "certificate_password_env"
    )]
    pub certificate_password_stdin: bool,
    /// Read the certificate password from this environment variable at each run
    #[arg(long, value_name = "VAR", requires = "certificate")]
    pub certificate_password_env: Option<String>,
    /// The certificate has no password
    #[arg(long, requires = "certificate", conflicts_with_all = ["certificate_password_stdin", "certificate_password_env"])]
    pub no_certificate_password: bool,
    /// JWT header form of the client assertion
    #[arg(long, value_enum, value_name = "FORM")]
    pub assertion: Option<AssertionArg>,
    /// Microsoft cloud
    #[arg(long, value_enum, conflicts_with_all = ["authority_host", "graph_endpoint"])]
    pub cloud: Option<CloudArg>,
    /// Custom authority host (proxies, the sandbox), e.g. https://login.example
    #[arg(long, value_name = "URL", requires = "graph_endpoint")]
    pub authority_host: Option<String>,
    /// Custom Graph endpoint, e.g. https://graph.example
    #[arg(long, value_name = "URL", requires = "authority_host")]
    pub graph_endpoint: Option<String>,
    /// An extra trusted root certificate (PEM): TLS-inspecting proxies, the sandbox
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// When the client secret expires (YYYY-MM-DD or RFC 3339), as Entra shows it; `doctor` warns 30 days ahead
    #[arg(long, value_name = "DATE")]
    pub secret_expires: Option<String>,
    /// Save without a connection test (shown as untested)
    #[arg(long)]
    pub skip_test: bool,
    /// When the change makes live connectors or routes fail their re-test, disable them instead of refusing
    #[arg(long)]
    pub disable: bool,
}

#[derive(Debug, Args)]
pub struct IntegrationRemoveArgs {
    /// Also remove the connectors and routes that depend on it
    #[arg(long)]
    pub cascade: bool,
    /// Exit 0 when there is nothing to remove, so a teardown can run twice
    #[arg(long)]
    pub ignore_missing: bool,
}
