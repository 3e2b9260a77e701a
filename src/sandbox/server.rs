//! Running a sandbox: binding (loopback unless told otherwise), the router
//! (identity paths, Graph paths, faults, admin), plain HTTP or HTTPS with a
//! generated CA, the ready line of SPEC §6, and shutdown.
//!
//! Limits: one listening socket; certificates and the PFX live in a temp
//! folder removed at shutdown unless `output_dir` is given.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use axum_server::accept::NoDelayAcceptor;
use serde::{Deserialize, Serialize};

use super::identity::{discovery, token};
use super::seed::Seed;
use super::{Sandbox, SandboxError, admin, date, faults, graph, tls};

/// How to run a sandbox.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Default `127.0.0.1:0` (any free port).
    pub listen: Option<SocketAddr>,
    /// Allow a non-loopback `listen` (the CLI flag `--allow-non-loopback`).
    pub allow_non_loopback: bool,
    /// A seed file; ignored when `seed` is given.
    pub seed_file: Option<PathBuf>,
    /// A seed built in code (tests); default: the seed file, else the built-in tenant.
    pub seed: Option<Seed>,
    /// Serve HTTPS with a generated CA (its PEM is `ca_file` in the ready line).
    pub tls: bool,
    /// Where to write the generated PFX, PEMs and CA; default: a temp folder
    /// removed when the sandbox stops.
    pub output_dir: Option<PathBuf>,
}

/// The ready line (SPEC §6); the field names are a contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReadyInfo {
    pub authority_host: String,
    pub graph_endpoint: String,
    pub tenant: String,
    pub app_id: String,
    pub client_secret: Option<String>,
    pub certificate_pfx: Option<PathBuf>,
    pub certificate_password: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub admin_endpoint: String,
    pub mailboxes: Vec<String>,
}

/// The ready line for a sandbox (`ca_file` given once TLS is set up).
pub fn ready_info(sandbox: &Sandbox, ca_file: Option<PathBuf>) -> ReadyInfo {
    let origin = sandbox.origin();
    let found = sandbox.directory.app(sandbox.ready_app_id());
    let now = sandbox.now();
    let secret = found.and_then(|(_, app)| {
        app.secrets
            .iter()
            .find(|s| s.expires_at > now)
            .map(|s| s.value.clone())
    });
    let cert = found.and_then(|(_, app)| app.certificates.iter().find(|c| c.pfx.is_some()));
    let ca_file = ca_file.or_else(|| {
        let path = sandbox.output_dir().join("ca.pem");
        (sandbox.scheme() == "https" && path.exists()).then_some(path)
    });
    ReadyInfo {
        authority_host: origin.clone(),
        graph_endpoint: origin.clone(),
        tenant: found.map(|(t, _)| t.id.clone()).unwrap_or_default(),
        app_id: found.map(|(_, a)| a.id.clone()).unwrap_or_default(),
        client_secret: secret,
        certificate_pfx: cert.and_then(|c| c.pfx.clone()),
        certificate_password: cert.and_then(|c| c.pfx_password.clone()),
        ca_file,
        admin_endpoint: format!("{origin}{}", admin::PREFIX),
        mailboxes: sandbox.graph.mailbox_addresses(),
    }
}

/// The whole router for one sandbox.
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    let services = Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token_endpoint))
        .merge(graph::routes())
        .layer(axum::middleware::from_fn_with_state(
            sandbox.clone(),
            faults::apply,
        ));
    services
        .nest(admin::PREFIX, admin::routes(sandbox.clone()))
        .layer(axum::middleware::from_fn_with_state(
            sandbox.clone(),
            date::stamp,
        ))
        .with_state(sandbox)
}

/// A sandbox running in this process; stops when dropped or on [`RunningSandbox::shutdown`].
pub struct RunningSandbox {
    ready: ReadyInfo,
    sandbox: Arc<Sandbox>,
    handle: axum_server::Handle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _files: Option<tempfile::TempDir>,
}

impl RunningSandbox {
    /// The ready line's content.
    pub fn ready(&self) -> &ReadyInfo {
        &self.ready
    }

    /// `scheme://127.0.0.1:PORT`: authority host and Graph endpoint.
    pub fn base_url(&self) -> &str {
        &self.ready.authority_host
    }

    /// `scheme://127.0.0.1:PORT/_sandbox`.
    pub fn admin_url(&self) -> &str {
        &self.ready.admin_endpoint
    }

    /// The shared state (clock, counters, faults, directory).
    pub fn sandbox(&self) -> &Arc<Sandbox> {
        &self.sandbox
    }

    /// Every seeded app's throw-away credentials (secrets, PFX paths, passwords).
    pub fn credentials(&self) -> super::CredentialsReport {
        self.sandbox.credentials()
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        self.handle.shutdown();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// Starts a sandbox on the current tokio runtime and returns once it listens.
pub async fn start(opts: ServeOptions) -> Result<RunningSandbox, SandboxError> {
    let listen = opts
        .listen
        .unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    if !listen.ip().is_loopback() && !opts.allow_non_loopback {
        return Err(SandboxError::NonLoopback { addr: listen });
    }
    let seed = match (opts.seed, &opts.seed_file) {
        (Some(seed), _) => seed,
        (None, Some(path)) => Seed::load(path)?,
        (None, None) => Seed::builtin(),
    };
    let (files, out_dir) = match &opts.output_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| SandboxError::Io {
                context: format!("creating {}", dir.display()),
                source,
            })?;
            (None, dir.clone())
        }
        None => {
            let dir = tempfile::Builder::new()
                .prefix("graphmail-sandbox-")
                .tempdir()
                .map_err(|source| SandboxError::Io {
                    context: "creating a temp folder".into(),
                    source,
                })?;
            let path = dir.path().to_owned();
            (Some(dir), path)
        }
    };

    let listener = std::net::TcpListener::bind(listen)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|source| SandboxError::Bind {
            addr: listen,
            source,
        })?;
    let local = listener.local_addr().map_err(|source| SandboxError::Bind {
        addr: listen,
        source,
    })?;

    // NOTE: RSA key generation takes a while on a loaded machine; keep it off the async workers.
    let tls_wanted = opts.tls;
    let dir = out_dir.clone();
    let (server_tls, sandbox) = tokio::task::spawn_blocking(move || {
        let server_tls = if tls_wanted {
            Some(tls::server_tls(&dir, Some(local.ip()))?)
        } else {
            None
        };
        let sandbox = Sandbox::new(&seed, &dir, local, tls_wanted)?;
        Ok::<_, SandboxError>((server_tls, sandbox))
    })
    .await
    .map_err(|e| SandboxError::Io {
        context: "setting up the sandbox".into(),
        source: std::io::Error::other(e.to_string()),
    })??;
    let sandbox = Arc::new(sandbox);
    let ready = ready_info(&sandbox, server_tls.as_ref().map(|t| t.ca_file.clone()));
    let app = router(sandbox.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    // TCP_NODELAY on every accepted socket. Without it an HTTP/2 answer,
    // written as a HEADERS record and then a DATA record, waits out the
    // client's delayed ACK behind Nagle's algorithm: about 40 ms added to
    // requests that Microsoft's front doors answer at once.
    let server = axum_server::from_tcp(listener).handle(handle.clone());
    let task = match server_tls {
        Some(t) => {
            let config = axum_server::tls_openssl::OpenSSLConfig::from_pem(&t.cert_pem, &t.key_pem)
                .map_err(|e| SandboxError::Certificate(format!("TLS setup: {e}")))?;
            let acceptor =
                axum_server::tls_openssl::OpenSSLAcceptor::new(config).acceptor(NoDelayAcceptor);
            tokio::spawn(server.acceptor(acceptor).serve(app))
        }
        None => tokio::spawn(server.acceptor(NoDelayAcceptor).serve(app)),
    };
    handle.listening().await;
    tracing::info!(origin = %sandbox.origin(), "sandbox listening");
    Ok(RunningSandbox {
        ready,
        sandbox,
        handle,
        task: Some(task),
        _files: files,
    })
}

/// `graphmail sandbox serve`: starts, prints the ready line on stdout, and
/// runs until Ctrl-C or SIGTERM.
pub async fn serve(opts: ServeOptions) -> Result<(), SandboxError> {
    use std::io::Write;
    let running = start(opts).await?;
    let line = serde_json::to_string(running.ready()).unwrap_or_default();
    let mut stdout = std::io::stdout().lock();
    let printed = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
    drop(stdout);
    printed.map_err(|source| SandboxError::Io {
        context: "printing the ready line".into(),
        source,
    })?;
    wait_for_signal().await;
    running.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
