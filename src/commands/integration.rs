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
/// state file. Named from the parsed UUID only, so the name is 36 hex digits
/// and hyphens: never a path of its own.
pub(crate) fn imported_certificate_path(data_dir: &Path, instance_id: &uuid::Uuid) -> PathBuf {
    data_dir
        .join("certificates")
        .join(format!("{}.pfx", instance_id.hyphenated()))
}

/// Writes `bytes` to `path` (mode 0600) through a temporary file renamed
/// into place: a reader never sees half a key.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    stage_private(path, bytes)?
        .persist(path)
        .map_err(|e| CliError::runtime(format!("cannot write {}: {}", path.display(), e.error)))?;
    Ok(())
}

/// Writes `bytes` beside `path` under a temporary name (mode 0600), to be
/// moved into place with [`tempfile::NamedTempFile::persist`] once every
/// other part of the command has succeeded: dropped instead, it deletes
/// itself, so a failed command leaves no copy of the private key behind.
fn stage_private(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
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
    Ok(tmp)
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
    let secret_expires = secret_expiry(&args, &input, &credential, existing)?;
    let integration = Integration {
        tenant,
        app_id,
        cloud: cloud_value,
        authority_host,
        graph_endpoint,
        ca_file,
        secret_expires,
        credential,
        test: None,
    };

    // An identical re-run (CI runs every script again) changes nothing:
    // no new credential generation, no invalidated evidence, no re-tests.
    if let Some(existing) = existing
        && let Some(kept) = unchanged(ctx, &snapshot, existing, &integration, &input, &fresh)
        && (args.skip_test || passing(existing))
        && (args.skip_test || still_gets_a_token(ctx, &snapshot.instance_id, &kept, &fresh).await)
    {
        let message = match kept.credential {
            Credential::Secret { .. } if !args.skip_test => {
                "Nothing to change: the integration already has these settings, and its client secret still gets a token"
            }
            _ => "Nothing to change: the integration already has these settings",
        };
        return views::report(
            &ctx.printer,
            ActionResult {
                schema_version: SCHEMA_VERSION,
                action: "integration.set",
                target: "integration".into(),
                changed: false,
                message: message.to_string(),
                details: vec![],
            },
        );
    }
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
    let mut details = Vec::new();
    let own = applied
        .retested
        .iter()
        .find(|r| r.target.kind == crate::diagnose::TargetKind::Integration);
    // A pass can carry warnings (no roles in the token, a certificate near
    // its end date): say them, do not bury them under "Saved".
    let mut warnings = 0;
    for step in own.iter().flat_map(|r| &r.steps) {
        if step.status == crate::diagnose::StepStatus::Warning {
            warnings += 1;
            let mut line = format!("warning: {}: {}", step.check.as_str(), step.detail);
            if let Some(hint) = &step.hint {
                line.push_str(&format!(" ({hint})"));
            }
            details.push(line);
        }
    }
    details.extend(applied.details());
    let message = if own.is_some() && warnings > 0 {
        format!("Saved the integration: its connection test passed with {warnings} warning(s)")
    } else if own.is_some() {
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

/// `existing` as this command would leave it when the command repeats what
/// the state already holds, else `None`. The generation stands in for the
/// secret's value, so a repeated secret keeps the recorded one; a value
/// given on stdin repeats only when the keyring already holds it; a
/// certificate repeats when its thumbprint, its password source and the
/// imported file's bytes all match (all local reads, never the network).
fn unchanged(
    ctx: &Context,
    snapshot: &State,
    existing: &Integration,
    proposed: &Integration,
    input: &CredentialInput,
    fresh: &FreshSecrets,
) -> Option<Integration> {
    let mut same = proposed.clone();
    same.test = existing.test.clone();
    match (&mut same.credential, &existing.credential) {
        (
            Credential::Secret {
                credential_generation: new,
                secret: source,
            },
            Credential::Secret {
                credential_generation: old,
                secret: old_source,
            },
        ) if source == old_source => {
            if let CredentialInput::SecretValue(value) = input {
                let key = SecretKey::new(&snapshot.instance_id, SecretKind::ClientSecret);
                let stored = ctx.secrets.get(&key).ok().flatten()?;
                if stored.expose_secret() != value.expose_secret() {
                    return None;
                }
            }
            *new = old.clone();
        }
        (Credential::Certificate { .. }, Credential::Certificate { file, .. }) => {
            if let CredentialInput::Certificate { password, .. } = input {
                let on_disk = fs::read(file).ok()?;
                if fresh.pfx.as_deref() != Some(on_disk.as_slice()) {
                    return None;
                }
                if let PasswordInput::Value(value, SecretSource::Keyring) = password {
                    let key =
                        SecretKey::new(&snapshot.instance_id, SecretKind::CertificatePassword);
                    let stored = ctx.secrets.get(&key).ok().flatten()?;
                    if stored.expose_secret() != value.expose_secret() {
                        return None;
                    }
                }
            }
        }
        _ => return None,
    }
    (same == *existing).then_some(same)
}

/// Whether the recorded test of `integration` is a pass of its current settings.
fn passing(integration: &Integration) -> bool {
    integration.test.as_ref().is_some_and(|t| {
        t.passed && t.fingerprint == crate::state::fingerprint::integration(integration)
    })
}

/// For a repeated client secret, whose value may have been rotated behind
/// the same source: the one token request that proves it still works. A
/// certificate is proved by its thumbprint, locally: always true.
async fn still_gets_a_token(
    ctx: &Context,
    instance_id: &uuid::Uuid,
    integration: &Integration,
    fresh: &FreshSecrets,
) -> bool {
    if matches!(integration.credential, Credential::Certificate { .. }) {
        return true;
    }
    // A run under an override variable proves the override, not the
    // recorded source: let the ordinary path say so.
    if tester::credential_override(integration, fresh).is_some() {
        return false;
    }
    let Ok(options) = super::test_connection::options(None, false, None) else {
        return false;
    };
    let Ok(credential) = tester::resolve_credential(ctx, instance_id, integration, fresh) else {
        return false;
    };
    let mut http_options = options.http.clone();
    if http_options.ca_file.is_none() {
        http_options.ca_file = integration.ca_file.as_ref().map(Into::into);
    }
    let endpoints = integration.endpoints();
    let Ok(client) = crate::auth::check_url(&endpoints.authority_host)
        .and_then(|_| crate::auth::build_http_client(&http_options))
    else {
        return false;
    };
    let request =
        crate::auth::TokenRequest::new(&endpoints, &integration.tenant, &integration.app_id);
    let provider = crate::auth::TokenProvider::new(client, request, credential)
        .with_retry(options.retry.clone());
    provider.token().await.is_ok()
}

/// The client secret's recorded expiry after this `set`: `--secret-expires`
/// (a client secret only), else the recorded one while the secret is kept; a
/// new secret forgets the old secret's date.
fn secret_expiry(
    args: &IntegrationSetArgs,
    input: &CredentialInput,
    credential: &Credential,
    existing: Option<&Integration>,
) -> Result<Option<String>> {
    match (&args.secret_expires, credential) {
        (Some(_), Credential::Certificate { .. }) => Err(CliError::usage(
            "--secret-expires applies to a client secret; this integration uses a certificate",
        )
        .hint("a certificate's expiry is read from the certificate itself: drop --secret-expires")),
        (Some(date), Credential::Secret { .. }) => {
            Ok(Some(validate::expiry_date("--secret-expires", date)?))
        }
        (None, _) if matches!(input, CredentialInput::Keep) => {
            Ok(existing.and_then(|i| i.secret_expires.clone()))
        }
        (None, _) => Ok(None),
    }
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
            // Staged first, moved into place last: a keyring that fails
            // leaves neither the new key nor an overwritten old one.
            let path = imported_certificate_path(&ctx.data_dir, instance);
            let staged = fresh
                .pfx
                .as_ref()
                .map(|bytes| stage_private(&path, bytes))
                .transpose()?;
            let keep = if let PasswordInput::Value(v, SecretSource::Keyring) = password {
                store.set(
                    &SecretKey::new(instance, SecretKind::CertificatePassword),
                    v,
                )?;
                (false, true)
            } else {
                (false, false)
            };
            if let Some(staged) = staged {
                staged.persist(&path).map_err(|e| {
                    CliError::runtime(format!("cannot write {}: {}", path.display(), e.error))
                })?;
            }
            keep
        }
    };
    forget_keyring_entries(ctx, instance, previous, keep_secret, keep_password)
}

/// Deletes the keyring entries the previous credential used, except those
/// just written; the keyring is not touched when it held nothing of ours. A
/// failure here is a warning: the new credential is already in place.
fn forget_keyring_entries(
    ctx: &Context,
    instance: &uuid::Uuid,
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

pub fn remove(ctx: &Context, cascade: bool, ignore_missing: bool) -> Result<()> {
    let snapshot = ctx.store.load()?.state;
    if ignore_missing && snapshot.integration.is_none() {
        return views::nothing_to_remove(
            &ctx.printer,
            "integration.remove",
            "integration",
            "No integration: nothing to remove".to_string(),
        );
    }
    ops::remove_integration(&mut snapshot.clone(), cascade)?;
    ctx.prompter
        .confirm("Remove the integration and its stored secrets?", ctx.yes)?;
    let (removed, instance, previous) = ctx.store.update(|state| {
        let previous = state.integration.as_ref().map(|i| i.credential.clone());
        // Gone since the check above (another teardown ran): as absent.
        if ignore_missing && previous.is_none() {
            return Ok((ops::Removed::default(), state.instance_id, None));
        }
        let removed = ops::remove_integration(state, cascade)?;
        Ok::<_, CliError>((removed, state.instance_id, previous))
    })?;
    if previous.is_none() {
        return views::nothing_to_remove(
            &ctx.printer,
            "integration.remove",
            "integration",
            "No integration: nothing to remove".to_string(),
        );
    }
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
