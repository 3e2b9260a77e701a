//! TLS for the HTTP client: rustls with the `ring` provider, ALPN `h2` and
//! `http/1.1`, and a certificate verifier whose trusted roots load on a
//! thread of their own instead of when the client is built.
//!
//! Loading the system's CA bundle (`SSL_CERT_FILE` / `SSL_CERT_DIR` when set,
//! else the usual OpenSSL locations) takes about 3 ms, which every run paid
//! before its first request could leave (issue 17 (c)). A run against a
//! plain-HTTP loopback endpoint (the sandbox) never needs it, and an HTTPS
//! one needs it only once the server's certificate arrives, a round trip
//! after connecting. So the first TLS connection starts the load on a
//! thread of its own when it sends its hello (rustls asks the verifier for
//! its signature schemes then), and the certificate check waits for it
//! only if it has not finished. The roots are those of
//! `rustls-platform-verifier`, exactly as reqwest would use them, plus the
//! `--ca-file` roots.
//!
//! With a `--ca-file` (a TLS-inspecting proxy, the sandbox), a certificate
//! is first checked against its roots alone, which need no load: a chain
//! to one of them is trusted by the full set too (on Linux the platform
//! verifier is WebPKI over the system roots plus these). Only a
//! certificate they do not vouch for waits for the system's roots, which
//! then load at the first such check instead of at the hello.

use std::sync::{Arc, Once, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// The rustls configuration of a client that trusts the system's roots and
/// `extra`, HTTP/2 offered before HTTP/1.1 (what reqwest itself sets up).
/// The caller has checked that each of `extra` is a usable root
/// ([`usable_root`]).
pub(super) fn client_config(
    provider: Arc<CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let extra_only = if extra.is_empty() {
        None
    } else {
        let mut store = rustls::RootCertStore::empty();
        for cert in &extra {
            store.add(cert.clone())?;
        }
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                .build()
                .map_err(|e| rustls::Error::General(e.to_string()))?;
        Some(verifier)
    };
    let verifier = Arc::new(LazyRoots {
        roots: Arc::new(Roots {
            provider: provider.clone(),
            extra,
            loaded: OnceLock::new(),
        }),
        extra_only,
        loading: Once::new(),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Whether `cert` can serve as a trusted root (a DER certificate whose
/// subject and key can be read), so that a bad `--ca-file` is refused
/// when the client is built, not at the first connection.
pub(super) fn usable_root(cert: &CertificateDer<'_>) -> Result<(), rustls::Error> {
    rustls::RootCertStore::empty().add(cert.clone().into_owned())
}

/// A verifier that loads its roots once: on its own thread from the first
/// hello, or in the first certificate check if that comes first.
#[derive(Debug)]
struct LazyRoots {
    roots: Arc<Roots>,
    /// WebPKI over the `--ca-file` roots alone, when there are any.
    extra_only: Option<Arc<WebPkiServerVerifier>>,
    loading: Once,
}

#[derive(Debug)]
struct Roots {
    provider: Arc<CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    /// `Err` when not a single root could be loaded: every certificate is
    /// then refused as issued by an unknown CA.
    loaded: OnceLock<Result<rustls_platform_verifier::Verifier, ()>>,
}

impl Roots {
    /// The loaded verifier; blocks while another thread loads it.
    fn verifier(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        let loaded = self.loaded.get_or_init(|| {
            rustls_platform_verifier::Verifier::new_with_extra_roots(
                self.extra.iter().cloned(),
                self.provider.clone(),
            )
            .map_err(|e| {
                // Only when the store is empty: no system root and no
                // --ca-file. Plain HTTP to loopback still works.
                tracing::warn!(
                    "no system CA certificates could be loaded ({e}): HTTPS servers are trusted only through --ca-file"
                );
            })
        });
        loaded
            .as_ref()
            .map_err(|()| rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
    }
}

impl LazyRoots {
    /// Starts loading the roots on a thread of their own, once.
    fn start_loading(&self) {
        self.loading.call_once(|| {
            let roots = self.roots.clone();
            // Without the thread, the certificate check loads them.
            let _ = std::thread::Builder::new()
                .name("tls-roots".into())
                .spawn(move || {
                    let _ = roots.verifier();
                });
        });
    }
}

impl ServerCertVerifier for LazyRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(extra) = &self.extra_only
            && let Ok(verified) =
                extra.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            return Ok(verified);
        }
        // Refused by the `--ca-file` roots (or none): the whole set decides,
        // and its error is the one reported.
        self.roots.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    // The handshake's signatures need no roots: the provider's algorithms,
    // as the platform verifier's inner WebPKI verifier uses them.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.roots.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.roots.provider.signature_verification_algorithms,
        )
    }

    /// Asked for the client hello: the certificate check is a round trip
    /// away, and the roots start loading now, unless `--ca-file` roots are
    /// expected to vouch for the certificate.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        if self.extra_only.is_none() {
            self.start_loading();
        }
        self.roots
            .provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
