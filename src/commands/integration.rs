//! `graphmail integration set | show | remove`
//!
//! `set` tests before it saves (SPEC §1 invariant 5): the credential supplied
//! in this command is used from memory for the test, and is stored (keyring,
//! imported certificate) only once the test has passed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

use crate::cli::{AssertionArg, CloudArg, IntegrationSetArgs};
use crate::diagnose::TargetRef;
use crate::error::{CliError, Result};
use crate::secrets::{self, SecretKey, SecretKind};
use crate::state::ops;
use crate::state::{AssertionForm, Cloud, Credential, Integration, SecretSource, State, validate};

use super::tester::{self, FreshSecrets};
use super::views::{self, ActionResult, IntegrationShow, IntegrationView, SCHEMA_VERSION};
use super::{Context, required};

/// The credential part of `integration set`, resolved from the flags.
enum CredentialInput {
    /// Keep the recorded credential.
    Keep,
    SecretValue(SecretString),
    SecretEnv(String),
    Certificate {
        path: PathBuf,
        password: PasswordInput,
    },
}

enum PasswordInput {
    Value(SecretString, SecretSource),
    Env(String),
    None,
}

fn credential_input(
    ctx: &Context,
    args: &IntegrationSetArgs,
    existing: Option<&Integration>,
) -> Result<CredentialInput> {
    if args.client_secret_stdin {
        return Ok(CredentialInput::SecretValue(
            ctx.read_secret_stdin("--client-secret-stdin")?,
        ));
    }
    if let Some(var) = &args.client_secret_env {
        return Ok(CredentialInput::SecretEnv(validate::env_var_name(
            "--client-secret-env",
            var,
        )?));
    }
    if let Some(path) = &args.certificate {
        let password = if args.certificate_password_stdin {
            PasswordInput::Value(
                ctx.read_secret_stdin("--certificate-password-stdin")?,
                SecretSource::Keyring,
            )
        } else if let Some(var) = &args.certificate_password_env {
            PasswordInput::Env(validate::env_var_name("--certificate-password-env", var)?)
        } else if args.no_certificate_password {
            PasswordInput::None
        } else if let Ok(v) = std::env::var(secrets::CERTIFICATE_PASSWORD_ENV)
            && !v.is_empty()
        {
            PasswordInput::Env(secrets::CERTIFICATE_PASSWORD_ENV.to_string())
        } else if let Some(v) = ctx.prompter.password("Certificate password")? {
            PasswordInput::Value(v, SecretSource::Keyring)
        } else {
            return Err(CliError::usage("the certificate's password is missing").hint(
                "pass --certificate-password-stdin, --certificate-password-env VAR, or --no-certificate-password",
            ));
        };
        return Ok(CredentialInput::Certificate {
            path: path.clone(),
            password,
        });
    }
    if existing.is_some() {
        return Ok(CredentialInput::Keep);
    }
    if let Ok(v) = std::env::var(secrets::CLIENT_SECRET_ENV)
        && !v.is_empty()
    {
        return Ok(CredentialInput::SecretEnv(
            secrets::CLIENT_SECRET_ENV.to_string(),
        ));
    }
    match ctx.prompter.select("Authenticate with", &["certificate (recommended)", "client secret"])? {
        Some(0) => {
            let path = required(ctx, None, "--certificate", "Certificate file (.pfx)")?;
            let password = match ctx.prompter.password("Certificate password")? {
                Some(v) => PasswordInput::Value(v, SecretSource::Keyring),
                None => PasswordInput::None,
            };
            Ok(CredentialInput::Certificate { path: PathBuf::from(path), password })
        }
        Some(_) => match ctx.prompter.password("Client secret (value, not the secret ID)")? {
            Some(v) => Ok(CredentialInput::SecretValue(v)),
            None => Err(CliError::usage("no client secret given")),
        },
        None => Err(CliError::usage("a credential is required").hint(
            "pass --client-secret-stdin, --client-secret-env VAR, or --certificate FILE.pfx (recommended)",
        )),
    }
}

fn cloud(arg: CloudArg) -> Cloud {
    match arg {
        CloudArg::Global => Cloud::Global,
        CloudArg::Usgov => Cloud::Usgov,
        CloudArg::UsgovDod => Cloud::UsgovDod,
        CloudArg::China => Cloud::China,
    }
}

/// Where an imported certificate lives: the private data dir, one file per
/// state file.
pub(crate) fn imported_certificate_path(data_dir: &Path, instance_id: &str) -> PathBuf {
    data_dir
        .join("certificates")
        .join(format!("{instance_id}.pfx"))
}

pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail =
        |e: std::io::Error| CliError::runtime(format!("cannot write {}: {e}", path.display()));
    let dir = path
        .parent()
        .ok_or_else(|| CliError::runtime("bad certificate path"))?;
    fs::create_dir_all(dir).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o600)).map_err(fail)?;
    }
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

pub async fn set(ctx: &Context, args: IntegrationSetArgs) -> Result<()> {
    let snapshot = ctx.store.load()?.state;
    let existing = snapshot.integration.as_ref();
    let tenant = match (&args.tenant, existing) {
        (Some(t), _) => validate::tenant(t)?,
        (None, Some(i)) => i.tenant.clone(),
        (None, None) => validate::tenant(&required(ctx, None, "--tenant", "Tenant ID or domain")?)?,
    };
    let app_id = match (&args.app_id, existing) {
        (Some(a), _) => validate::app_id(a)?,
        (None, Some(i)) => i.app_id.clone(),
        (None, None) => {
            validate::app_id(&required(ctx, None, "--app-id", "Application (client) ID")?)?
        }
    };
    let (cloud_value, authority_host, graph_endpoint) =
        match (&args.cloud, &args.authority_host, &args.graph_endpoint) {
            (Some(c), _, _) => (cloud(*c), None, None),
            (None, Some(a), Some(g)) => (
                Cloud::Custom,
                Some(validate::endpoint_url("--authority-host", a)?),
                Some(validate::endpoint_url("--graph-endpoint", g)?),
            ),
            _ => match existing {
                Some(i) => (i.cloud, i.authority_host.clone(), i.graph_endpoint.clone()),
                None => (Cloud::Global, None, None),
            },
        };
    let ca_file = match &args.ca_file {
        Some(p) => {
            let text = fs::read_to_string(p).map_err(|e| {
                CliError::usage(format!("--ca-file {}: cannot read it: {e}", p.display()))
                    .hint("give a PEM file")
            })?;
            if openssl::x509::X509::stack_from_pem(text.as_bytes())
                .map(|s| s.is_empty())
                .unwrap_or(true)
            {
                return Err(CliError::usage(format!(
                    "--ca-file {}: no PEM certificate in it",
                    p.display()
                ))
                .hint("give the root certificate in PEM form (-----BEGIN CERTIFICATE-----)"));
            }
            Some(
                fs::canonicalize(p)
                    .unwrap_or_else(|_| p.clone())
                    .display()
                    .to_string(),
            )
        }
        None => existing.and_then(|i| i.ca_file.clone()),
    };
    let input = credential_input(ctx, &args, existing)?;

    let mut fresh = FreshSecrets::default();
    let assertion = match args.assertion {
        Some(AssertionArg::Rs256) => Some(AssertionForm::Rs256X5t),
        Some(AssertionArg::Ps256) => Some(AssertionForm::Ps256X5tS256),
        None => None,
    };
    let credential = match &input {
        CredentialInput::Keep => {
            let mut c = existing
                .map(|i| i.credential.clone())
                .ok_or_else(|| CliError::usage("a credential is required"))?;
            if let (Credential::Certificate { assertion: a, .. }, Some(form)) = (&mut c, assertion)
            {
                *a = form;
            }
            c
        }
        CredentialInput::SecretValue(v) => {
            fresh.client_secret = Some(SecretString::from(v.expose_secret().to_string()));
            Credential::Secret {
                secret: SecretSource::Keyring,
                credential_generation: uuid::Uuid::new_v4().to_string(),
            }
        }
        CredentialInput::SecretEnv(var) => {
            // The flag names the source this command tests: it beats
            // GRAPHMAIL_CLIENT_SECRET, as flags beat environment (SPEC §5).
            if let Ok(value) = std::env::var(var)
                && !value.is_empty()
            {
                fresh.client_secret = Some(SecretString::from(value));
            }
            Credential::Secret {
                secret: SecretSource::Env { var: var.clone() },
                credential_generation: uuid::Uuid::new_v4().to_string(),
            }
        }
        CredentialInput::Certificate { path, password } => {
            let bytes = fs::read(path).map_err(|e| {
                CliError::usage(format!(
                    "--certificate {}: cannot read it: {e}",
                    path.display()
                ))
                .hint("give the .pfx file that holds the certificate and its private key")
            })?;
            let (pass, source) = match password {
                PasswordInput::Value(v, source) => (
                    SecretString::from(v.expose_secret().to_string()),
                    source.clone(),
                ),
                PasswordInput::Env(var) => match std::env::var(var) {
                    Ok(v) => (
                        SecretString::from(v),
                        SecretSource::Env { var: var.clone() },
                    ),
                    Err(_) => {
                        return Err(CliError::usage(format!(
                            "--certificate-password-env: {var} is not set"
                        ))
                        .hint(format!("export {var} before running graphmail")));
                    }
                },
                PasswordInput::None => (SecretString::from(String::new()), SecretSource::None),
            };
            let loaded = crate::auth::load_pfx(&bytes, pass.expose_secret()).map_err(|e| {
                CliError::usage(format!("--certificate {}: {e}", path.display())).hint(
                    "check the password; the file must be a PKCS#12 (.pfx) with the private key",
                )
            })?;
            fresh.pfx = Some(bytes);
            fresh.certificate_password = Some(pass);
            Credential::Certificate {
                file: imported_certificate_path(&ctx.data_dir, &snapshot.instance_id)
                    .display()
                    .to_string(),
                password: source,
                sha1: loaded.sha1_hex.clone(),
                sha256: loaded.sha256_hex.clone(),
                subject: loaded.subject.clone(),
                not_after: loaded.not_after.clone(),
                assertion: assertion.unwrap_or_default(),
            }
        }
    };
    let integration = Integration {
        tenant,
        app_id,
        cloud: cloud_value,
        authority_host,
        graph_endpoint,
        ca_file,
        credential,
        test: None,
    };

    if args.skip_test {
        ctx.printer.warn(
            "saving without a connection test (--skip-test): the integration is shown as untested",
        );
    }
    let also_test = if args.skip_test {
        vec![]
    } else {
        vec![TargetRef::integration()]
    };
    let new_integration = integration.clone();
    let importing = matches!(input, CredentialInput::Certificate { .. });
    let data_dir = ctx.data_dir.clone();
    let change = move |state: &mut State| -> Result<()> {
        let mut next = new_integration.clone();
        // The imported file is named by the instance ID of the state this
        // change lands in (a new state file gets its ID only when written).
        if let (Credential::Certificate { file, .. }, true) = (&mut next.credential, importing) {
            *file = imported_certificate_path(&data_dir, &state.instance_id)
                .display()
                .to_string();
        }
        // Keep the last test when nothing it depended on changed.
        if let Some(old) = &state.integration
            && crate::state::fingerprint::integration(old)
                == crate::state::fingerprint::integration(&next)
        {
            next.test = old.test.clone();
        }
        state.integration = Some(next);
        Ok(())
    };
    let options = super::test_connection::options(None, false, None)?;

    // The test uses the in-memory values; store them only after it passed.
    let previous = existing.map(|i| i.credential.clone());
    let applied = tester::apply_change_with(
        ctx,
        change,
        also_test,
        args.disable,
        &options,
        &fresh,
        |state| store_credential(ctx, state, previous.as_ref(), &input, &fresh),
    )
    .await?;
    let details = applied.details();
    let tested = applied
        .retested
        .iter()
        .any(|r| r.target.kind == crate::diagnose::TargetKind::Integration);
    let message = if tested {
        "Saved the integration: its connection test passed".to_string()
    } else {
        "Saved the integration (untested)".to_string()
    };
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "integration.set",
            target: "integration".into(),
            changed: applied.changed,
            message,
            details,
        },
    )
}

/// Stores what `integration set` was given: the secret or password in the
/// keyring, the certificate in the private data dir. Old keyring entries that
/// the new credential no longer uses are deleted.
fn store_credential(
    ctx: &Context,
    state: &State,
    previous: Option<&Credential>,
    input: &CredentialInput,
    fresh: &FreshSecrets,
) -> Result<()> {
    let instance = &state.instance_id;
    let store = ctx.secrets.as_ref();
    let (keep_secret, keep_password) = match input {
        CredentialInput::Keep => return Ok(()),
        CredentialInput::SecretValue(v) => {
            store.set(&SecretKey::new(instance, SecretKind::ClientSecret), v)?;
            (true, false)
        }
        CredentialInput::SecretEnv(_) => (false, false),
        CredentialInput::Certificate { password, .. } => {
            if let Some(bytes) = &fresh.pfx {
                write_private(&imported_certificate_path(&ctx.data_dir, instance), bytes)?;
            }
            if let PasswordInput::Value(v, SecretSource::Keyring) = password {
                store.set(
                    &SecretKey::new(instance, SecretKind::CertificatePassword),
                    v,
                )?;
                (false, true)
            } else {
                (false, false)
            }
        }
    };
    forget_keyring_entries(ctx, instance, previous, keep_secret, keep_password)
}

/// Deletes the keyring entries the previous credential used, except those
/// just written; the keyring is not touched when it held nothing of ours. A
/// failure here is a warning: the new credential is already in place.
fn forget_keyring_entries(
    ctx: &Context,
    instance: &str,
    previous: Option<&Credential>,
    keep_secret: bool,
    keep_password: bool,
) -> Result<()> {
    let kind = match previous {
        Some(Credential::Secret {
            secret: SecretSource::Keyring,
            ..
        }) if !keep_secret => SecretKind::ClientSecret,
        Some(Credential::Certificate {
            password: SecretSource::Keyring,
            ..
        }) if !keep_password => SecretKind::CertificatePassword,
        _ => return Ok(()),
    };
    let key = SecretKey::new(instance, kind);
    if let Err(e) = ctx.secrets.delete(&key) {
        ctx.printer.warn(format!(
            "could not delete the old {} from the keyring ({e}); delete it by hand: `secret-tool clear service {} user {}`",
            kind.label(),
            SecretKey::SERVICE,
            key.user()
        ));
    }
    Ok(())
}

pub fn show(ctx: &Context) -> Result<()> {
    let state = ctx.store.load()?.state;
    let view = IntegrationShow {
        schema_version: SCHEMA_VERSION,
        integration: state
            .integration
            .as_ref()
            .map(|i| IntegrationView::new(i, ctx.secrets.name())),
    };
    views::show(&ctx.printer, &view)
}

pub fn remove(ctx: &Context, cascade: bool) -> Result<()> {
    let snapshot = ctx.store.load()?.state;
    ops::remove_integration(&mut snapshot.clone(), cascade)?;
    ctx.prompter
        .confirm("Remove the integration and its stored secrets?", ctx.yes)?;
    let (removed, instance, previous) = ctx.store.update(|state| {
        let previous = state.integration.as_ref().map(|i| i.credential.clone());
        let removed = ops::remove_integration(state, cascade)?;
        Ok::<_, CliError>((removed, state.instance_id.clone(), previous))
    })?;
    // Secrets go after the state no longer refers to them.
    forget_keyring_entries(ctx, &instance, previous.as_ref(), false, false)?;
    let cert = imported_certificate_path(&ctx.data_dir, &instance);
    if cert.exists() {
        fs::remove_file(&cert)
            .map_err(|e| CliError::runtime(format!("cannot remove {}: {e}", cert.display())))?;
    }
    let mut details = Vec::new();
    if !removed.connectors.is_empty() {
        details.push(format!(
            "removed connectors: {}",
            removed.connectors.join(", ")
        ));
    }
    if !removed.routes.is_empty() {
        details.push(format!("removed routes: {}", removed.routes.join(", ")));
    }
    views::report(
        &ctx.printer,
        ActionResult {
            schema_version: SCHEMA_VERSION,
            action: "integration.remove",
            target: "integration".into(),
            changed: true,
            message: "Removed the integration and its stored secrets".into(),
            details,
        },
    )
}
