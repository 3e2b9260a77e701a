//! `graphmail scope set | show | plan | check` end to end: the real binary
//! in a sealed environment, against in-process sandboxes seeded with the
//! three ways a tenant can stand (tenant-wide consent, RBAC for
//! Applications without the consent, an application access policy).

mod common;

use common::{TestEnv, check, text};
use graphmail::sandbox::graph::{
    MailboxSeed, ManagementScopeSeed, RbacSeed, RoleAssignmentSeed, ServicePrincipalSeed,
};
use graphmail::sandbox::seed::APP_GRAPHMAIL;
use graphmail::sandbox::{RunningSandbox, Seed, ServeOptions, start};
use serde_json::Value;

/// The environment variable the integration reads its secret from.
const SECRET_VAR: &str = "GRAPHMAIL_TEST_SCOPE_SECRET";

/// A sandbox on its own runtime, so the blocking child process never
/// starves its server.
struct Sandbox {
    runtime: tokio::runtime::Runtime,
    running: Option<RunningSandbox>,
}

impl Sandbox {
    fn start(seed: Seed) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let running = runtime
            .block_on(start(ServeOptions {
                seed: Some(seed),
                ..ServeOptions::default()
            }))
            .expect("sandbox starts");
        Sandbox {
            runtime,
            running: Some(running),
        }
    }

    fn running(&self) -> &RunningSandbox {
        self.running.as_ref().expect("running")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            self.runtime.block_on(running.shutdown());
        }
    }
}

/// A sealed graphmail whose integration points at a sandbox, with an
/// incoming connector on support@ and an outbound one on noreply@.
struct Tenant {
    env: TestEnv,
    sandbox: Sandbox,
}

impl Tenant {
    fn new(seed: Seed) -> Self {
        let tenant = Tenant {
            env: TestEnv::new(),
            sandbox: Sandbox::start(seed),
        };
        let ready = tenant.sandbox.running().ready().clone();
        tenant.expect(
            &[
                "integration",
                "set",
                "--tenant",
                &ready.tenant,
                "--app-id",
                &ready.app_id,
                "--client-secret-env",
                SECRET_VAR,
                "--authority-host",
                &ready.authority_host,
                "--graph-endpoint",
                &ready.graph_endpoint,
                "--skip-test",
            ],
            0,
        );
        tenant.expect(
            &[
                "connector",
                "add",
                "support",
                "--use-for",
                "incoming",
                "--address",
                "support@contoso.com",
                "--folder",
                "Inbox",
                "--process",
                "Support Request",
            ],
            0,
        );
        tenant.expect(
            &[
                "connector",
                "add",
                "out",
                "--use-for",
                "outbound",
                "--address",
                "noreply@contoso.com",
            ],
            0,
        );
        tenant
    }

    #[track_caller]
    fn expect(&self, args: &[&str], code: i32) -> (String, String) {
        let secret = self
            .sandbox
            .running()
            .ready()
            .client_secret
            .clone()
            .expect("sandbox secret");
        let out = self
            .env
            .command()
            .env(SECRET_VAR, secret)
            .args(args)
            .output()
            .expect("run graphmail");
        check(&out, code, args);
        (text(&out.stdout), text(&out.stderr))
    }

    /// `scope check --output json` with its exit code, stdout as JSON, stderr.
    #[track_caller]
    fn check_json(&self, extra: &[&str], code: i32) -> (Value, String) {
        let mut args = vec!["scope", "check", "--output", "json"];
        args.extend(extra);
        let (stdout, stderr) = self.expect(&args, code);
        let value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
        (value, stderr)
    }
}

/// The built-in contoso tenant without its access policy: the graphmail app
/// holds Mail.ReadWrite and Mail.Send tenant-wide.
fn tenant_wide() -> Seed {
    let mut seed = Seed::builtin();
    seed.mail.access_policies.clear();
    seed
}

/// RBAC for Applications as `scope plan --mechanism rbac` sets it up:
/// Application Mail.ReadWrite on support@, Application Mail.Send and
/// Mail.ReadBasic on noreply@.
fn rbac_grants() -> RbacSeed {
    let assignment = |role: &str, scope: &str| RoleAssignmentSeed {
        app_id: APP_GRAPHMAIL.into(),
        role: role.into(),
        scope: Some(scope.into()),
    };
    RbacSeed {
        service_principals: vec![ServicePrincipalSeed {
            app_id: APP_GRAPHMAIL.into(),
            object_id: Some("6233fba6-0198-4277-892f-9275bf728bcc".into()),
            display_name: Some("graphmail".into()),
        }],
        management_scopes: vec![
            ManagementScopeSeed {
                name: "graphmail-incoming".into(),
                mailboxes: vec!["support@contoso.com".into()],
                member_of_group: None,
            },
            ManagementScopeSeed {
                name: "graphmail-outbound".into(),
                mailboxes: vec!["noreply@contoso.com".into()],
                member_of_group: None,
            },
        ],
        role_assignments: vec![
            assignment("Application Mail.ReadWrite", "graphmail-incoming"),
            assignment("Application Mail.Send", "graphmail-outbound"),
            assignment("Application Mail.ReadBasic", "graphmail-outbound"),
        ],
    }
}

/// RBAC for Applications without the tenant-wide consent: the graphmail
/// app's tokens carry no mail role, and [`rbac_grants`] reach its mailboxes.
fn rbac_without_consent() -> Seed {
    let mut seed = tenant_wide();
    for app in &mut seed.tenants[0].apps {
        if app.id == APP_GRAPHMAIL {
            app.roles.clear();
        }
    }
    seed.mail.rbac = rbac_grants();
    seed
}

fn outcomes(probes: &Value) -> Vec<(String, String)> {
    probes
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            (
                p["address"].as_str().unwrap_or_default().to_string(),
                p["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn rbac_with_the_tenant_wide_consent_still_in_place_is_unrestricted_and_names_the_trap() {
    let mut seed = tenant_wide();
    seed.mail.rbac = rbac_grants();
    let tenant = Tenant::new(seed);
    tenant.expect(
        &[
            "scope",
            "set",
            "--mechanism",
            "rbac",
            "--outside",
            "adele@contoso.com",
        ],
        0,
    );
    let (report, stderr) = tenant.check_json(&[], 3);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["verdict"], "unrestricted", "{report:#}");
    assert_eq!(
        outcomes(&report["outside"]),
        pairs(&[("adele@contoso.com", "answered")])
    );
    assert!(stderr.contains("additive trap"), "{stderr}");
    assert!(stderr.contains("Mail.ReadWrite and Mail.Send"), "{stderr}");
    assert!(stderr.contains("unrestricted"), "{stderr}");
    assert!(
        stderr.contains("Permissions"),
        "the hint says where: {stderr}"
    );
    // The table says the same to a person.
    let (stdout, _) = tenant.expect(&["scope", "check"], 3);
    assert!(
        stdout.contains("verdict: unrestricted: the app reaches adele@contoso.com"),
        "{stdout}"
    );
}

#[test]
fn rbac_scoped_app_without_the_consent_is_restricted() {
    let seed = rbac_without_consent();
    let tenant = Tenant::new(seed);
    tenant.expect(&["scope", "set", "--mechanism", "rbac"], 0);
    let (report, stderr) = tenant.check_json(&["--outside", "adele@contoso.com"], 0);
    assert_eq!(report["verdict"], "restricted", "{report:#}\n{stderr}");
    assert_eq!(report["token_roles"], serde_json::json!([]));
    assert_eq!(
        outcomes(&report["mailboxes"]),
        pairs(&[
            ("support@contoso.com", "answered"),
            ("noreply@contoso.com", "answered"),
        ])
    );
    assert_eq!(report["mailboxes"][1]["folder"], "sentitems");
    assert_eq!(
        outcomes(&report["outside"]),
        pairs(&[("adele@contoso.com", "refused")])
    );
    assert_eq!(report["outside"][0]["denial"], "access-denied");
    assert_eq!(report["outside"][0]["code"], "ErrorAccessDenied");
    assert!(!stderr.contains("warning"), "{stderr}");
    // Given only for this run: nothing recorded.
    let shown = tenant.expect(&["scope", "show", "--output", "json"], 0).0;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["outside"], serde_json::json!([]));
}

/// Without `scope set --mechanism rbac` recorded, a token with no mail role
/// whose mailbox answers anyway says why in its `permissions` step, which
/// heads the report though the mailbox step amended it.
#[test]
fn a_mailbox_that_answers_without_the_role_amends_the_permissions_step() {
    let seed = rbac_without_consent();
    let tenant = Tenant::new(seed);
    let (stdout, stderr) = tenant.expect(
        &[
            "test-connection",
            "connector",
            "support",
            "--output",
            "json",
        ],
        0,
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let steps = report["steps"].as_array().expect("steps");
    let checks: Vec<&str> = steps.iter().filter_map(|s| s["check"].as_str()).collect();
    assert_eq!(
        checks[..4],
        ["authority", "token", "permissions", "mailbox"],
        "{report:#}\n{stderr}"
    );
    let permissions = &steps[2];
    assert_eq!(permissions["status"], "warning", "{report:#}");
    let detail = permissions["detail"].as_str().unwrap();
    assert!(
        detail.contains("the token lacks Mail.ReadWrite, but support@contoso.com answered anyway"),
        "{detail}"
    );
    assert!(
        permissions["hint"]
            .as_str()
            .unwrap()
            .contains("Test-ServicePrincipalAuthorization"),
        "{report:#}"
    );
    assert_eq!(steps[3]["status"], "passed", "{report:#}");
}

#[test]
fn rbac_scoped_through_direct_group_membership_reaches_only_the_members() {
    let mut seed = rbac_without_consent();
    let mut rbac = rbac_grants();
    // The built-in group holds support@, sales@, noreply@ and onprem@.
    rbac.management_scopes = vec![ManagementScopeSeed {
        name: "graphmail-members".into(),
        mailboxes: vec![],
        member_of_group: Some("graphmail-mailboxes@contoso.com".into()),
    }];
    for assignment in &mut rbac.role_assignments {
        assignment.scope = Some("graphmail-members".into());
    }
    seed.mail.rbac = rbac;
    let tenant = Tenant::new(seed);
    tenant.expect(&["scope", "set", "--mechanism", "rbac"], 0);
    let (report, _) = tenant.check_json(
        &[
            "--outside",
            "adele@contoso.com",
            "--outside",
            "restricted@contoso.com",
        ],
        0,
    );
    assert_eq!(report["verdict"], "restricted", "{report:#}");
    assert_eq!(
        outcomes(&report["outside"]),
        pairs(&[
            ("adele@contoso.com", "refused"),
            ("restricted@contoso.com", "refused"),
        ])
    );
}

#[test]
fn access_policy_scoped_app_is_restricted_without_the_trap_warning() {
    // The built-in tenant restricts the graphmail app to its group with an
    // application access policy; the Entra consent stays.
    let tenant = Tenant::new(Seed::builtin());
    tenant.expect(
        &[
            "scope",
            "set",
            "--mechanism",
            "access-policy",
            "--outside",
            "adele@contoso.com",
            "--outside",
            "nobody@contoso.com",
        ],
        0,
    );
    let (report, stderr) = tenant.check_json(&[], 0);
    assert_eq!(report["verdict"], "restricted", "{report:#}\n{stderr}");
    assert!(
        report["token_roles"]
            .as_array()
            .unwrap()
            .contains(&Value::from("Mail.Send"))
    );
    assert_eq!(
        outcomes(&report["outside"]),
        pairs(&[
            ("adele@contoso.com", "refused"),
            ("nobody@contoso.com", "not-a-mailbox"),
        ])
    );
    assert_eq!(report["outside"][0]["denial"], "access-policy");
    assert!(!stderr.contains("additive trap"), "{stderr}");
    assert!(
        stderr.contains("nobody@contoso.com is not a mailbox (404): it proves nothing"),
        "{stderr}"
    );
}

#[test]
fn a_refused_configured_mailbox_is_broken_and_named() {
    let tenant = Tenant::new(Seed::builtin());
    // restricted@ is outside the access policy's group.
    tenant.expect(
        &[
            "connector",
            "add",
            "legal",
            "--use-for",
            "incoming",
            "--address",
            "restricted@contoso.com",
            "--folder",
            "Inbox",
            "--process",
            "Legal",
        ],
        0,
    );
    tenant.expect(
        &[
            "scope",
            "set",
            "--mechanism",
            "access-policy",
            "--outside",
            "adele@contoso.com",
        ],
        0,
    );
    let (report, stderr) = tenant.check_json(&[], 3);
    assert_eq!(report["verdict"], "broken", "{report:#}");
    assert_eq!(report["mailboxes"][2]["address"], "restricted@contoso.com");
    assert_eq!(report["mailboxes"][2]["outcome"], "refused");
    assert!(
        stderr.contains(
            "broken: a configured mailbox is out of the app's reach: restricted@contoso.com"
        ),
        "{stderr}"
    );
}

#[test]
fn without_an_outside_mailbox_that_refuses_nothing_is_proven() {
    let tenant = Tenant::new(Seed::builtin());
    tenant.expect(&["scope", "set", "--mechanism", "access-policy"], 0);
    let (report, stderr) = tenant.check_json(&[], 3);
    assert_eq!(report["verdict"], "unknown", "{report:#}");
    assert_eq!(report["outside"], serde_json::json!([]));
    assert!(stderr.contains("no outside mailbox to test"), "{stderr}");
    assert!(stderr.contains("--outside"), "{stderr}");
    // A 404 proves nothing either.
    let (report, _) = tenant.check_json(&["--outside", "nobody@contoso.com"], 3);
    assert_eq!(report["verdict"], "unknown", "{report:#}");
    // An outside address that is a configured mailbox is refused as input.
    let (_, stderr) = tenant.expect(&["scope", "check", "--outside", "support@contoso.com"], 2);
    assert!(stderr.contains("--outside"), "{stderr}");
}

/// A state of 3 connectors and 2 alias routes, one a proxy address of the
/// outbound mailbox, one a mailbox of its own (with a quote in its address).
fn planned_env() -> TestEnv {
    let env = TestEnv::new();
    env.unreachable_integration();
    for args in [
        &[
            "connector",
            "add",
            "support",
            "--use-for",
            "incoming",
            "--address",
            "support@contoso.com",
            "--folder",
            "Inbox",
            "--process",
            "Support Request",
        ][..],
        &[
            "connector",
            "add",
            "sales",
            "--use-for",
            "incoming",
            "--address",
            "sales@contoso.com",
            "--folder",
            "Inbox/Leads",
            "--process",
            "Lead",
        ],
        &[
            "connector",
            "add",
            "out",
            "--use-for",
            "outbound",
            "--address",
            "noreply@contoso.com",
        ],
        &[
            "route",
            "add",
            "info",
            "--connector",
            "out",
            "--address",
            "info@contoso.com",
        ],
        &[
            "route",
            "add",
            "obrien",
            "--connector",
            "out",
            "--address",
            "o'brien@contoso.com",
        ],
        &[
            "scope",
            "set",
            "--mechanism",
            "rbac",
            "--outside",
            "ceo@contoso.com",
            "--own-mailbox",
            "o'brien@contoso.com",
        ],
    ] {
        env.ok(args);
    }
    env
}

#[test]
fn the_rbac_plan_matches_the_reviewed_snapshot() {
    let env = planned_env();
    let (script, stderr) = env.ok(&["scope", "plan"]);
    assert!(stderr.contains("<ENTERPRISE-APP-OBJECT-ID>"), "{stderr}");
    insta::assert_snapshot!("scope_plan_rbac", script);
    let plan = env.json(&["scope", "plan"]);
    assert_eq!(plan["schema_version"], 1);
    assert_eq!(plan["mechanism"], "rbac");
    let mailboxes: Vec<&str> = plan["mailboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        mailboxes,
        [
            "support@contoso.com",
            "sales@contoso.com",
            "noreply@contoso.com"
        ]
    );
    assert_eq!(
        plan["mailboxes"][2]["roles"],
        serde_json::json!(["Application Mail.Send", "Application Mail.ReadBasic"])
    );
    assert_eq!(plan["aliases"][0]["kind"], "proxy-address");
    assert_eq!(plan["aliases"][1]["kind"], "own-mailbox");
    assert_eq!(plan["scopes"][0]["name"], "graphmail-4a1f7c2e-incoming");
    assert_eq!(
        plan["scopes"][0]["filter"],
        "PrimarySmtpAddress -eq 'support@contoso.com' -or PrimarySmtpAddress -eq 'sales@contoso.com'"
    );
    assert_eq!(plan["script"], script.as_str());
}

#[test]
fn the_access_policy_plan_with_a_group_matches_the_reviewed_snapshot() {
    let env = planned_env();
    let (script, _) = env.ok(&[
        "scope",
        "plan",
        "--mechanism",
        "access-policy",
        "--group",
        "graphmail-mailboxes",
        "--exact",
    ]);
    insta::assert_snapshot!("scope_plan_access_policy", script);
    // The RBAC plan through groups: one per role set.
    let plan = env.json(&["scope", "plan", "--group", "gm"]);
    assert_eq!(plan["scopes"][1]["group"], "gm-outbound");
    assert_eq!(plan["scopes"][1]["filter"], Value::Null);
    assert!(
        plan["script"]
            .as_str()
            .unwrap()
            .contains("$OutboundGroup = Sync-Group 'gm-outbound' @('noreply@contoso.com') $false")
    );
}

#[test]
fn scope_set_validates_names_the_field_and_leaves_the_state_alone() {
    let env = planned_env();
    let before = env.state_text();
    for (args, field) in [
        (
            &["scope", "set", "--outside", "not-an-address"][..],
            "--outside",
        ),
        (
            &["scope", "set", "--outside", "noreply@contoso.com"],
            "--outside",
        ),
        (
            &["scope", "set", "--own-mailbox", "ceo@contoso.com"],
            "--own-mailbox",
        ),
        (&["scope", "set"], "--mechanism"),
        (&["scope", "plan", "--group", "bad name"], "--group"),
        (&["scope", "plan", "--exact"], "--group"),
    ] {
        let (_, stderr) = env.expect(args, 2);
        assert!(stderr.contains(field), "{args:?}: {stderr}");
        assert_eq!(env.state_text(), before, "{args:?} changed the state");
    }
    // Re-running the same set changes nothing and says so.
    let out = env.json(&[
        "scope",
        "set",
        "--mechanism",
        "rbac",
        "--outside",
        "CEO@Contoso.com",
    ]);
    assert_eq!(out["changed"], false, "{out:#}");
    assert_eq!(env.state_text(), before);
    let shown = env.json(&["scope", "show"]);
    assert_eq!(
        shown,
        serde_json::json!({"schema_version": 1, "mechanism": "rbac",
            "outside": ["ceo@contoso.com"], "own_mailboxes": ["o'brien@contoso.com"]})
    );
    // A fresh state: the mechanism is required, and show has every collection.
    let fresh = TestEnv::new();
    let (_, stderr) = fresh.expect(&["scope", "set", "--outside", "ceo@contoso.com"], 2);
    assert!(stderr.contains("--mechanism is required"), "{stderr}");
    assert!(!fresh.state_path().exists());
    assert_eq!(
        fresh.json(&["scope", "show"]),
        serde_json::json!({"schema_version": 1, "mechanism": null, "outside": [], "own_mailboxes": []})
    );
    let (_, stderr) = fresh.expect(&["scope", "plan", "--mechanism", "rbac"], 2);
    assert!(stderr.contains("no integration"), "{stderr}");
}

/// `test-connection integration --output json`: the report and stderr.
fn integration_report(tenant: &Tenant) -> (Value, String) {
    let (stdout, stderr) =
        tenant.expect(&["test-connection", "integration", "--output", "json"], 0);
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (value, stderr)
}

fn step<'a>(report: &'a Value, check: &str) -> Option<&'a Value> {
    report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["check"] == check)
}

#[test]
fn an_unrestricted_app_passes_its_integration_test_with_a_scope_warning() {
    let mut seed = tenant_wide();
    seed.mail.rbac = rbac_grants();
    let tenant = Tenant::new(seed);
    tenant.expect(
        &[
            "scope",
            "set",
            "--mechanism",
            "rbac",
            "--outside",
            "adele@contoso.com",
        ],
        0,
    );
    let (report, stderr) = integration_report(&tenant);
    assert_eq!(report["verdict"], "passed", "{report:#}\n{stderr}");
    assert_eq!(report["passed"], true);
    let scope = step(&report, "scope").expect("a scope step");
    assert_eq!(scope["status"], "warning", "{scope:#}");
    let detail = scope["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("unrestricted: the app reaches adele@contoso.com"),
        "{detail}"
    );
    assert!(detail.contains("additive trap"), "{detail}");
    assert!(
        scope["hint"].as_str().unwrap().contains("Permissions"),
        "{scope:#}"
    );
    // After the token: the probes ride on it.
    let checks: Vec<&str> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["authority", "token", "permissions", "scope"]);
    // The table says it to a person, and the warning blocks nothing.
    let (stdout, _) = tenant.expect(&["test-connection", "integration"], 0);
    assert!(stdout.contains("scope"), "{stdout}");
    assert!(stdout.contains("unrestricted"), "{stdout}");
    tenant.expect(&["test-connection", "connector", "out"], 0);
    tenant.expect(&["enable", "connector", "out"], 0);
}

#[test]
fn a_restricted_app_passes_its_scope_step() {
    let seed = rbac_without_consent();
    let tenant = Tenant::new(seed);
    tenant.expect(
        &[
            "scope",
            "set",
            "--mechanism",
            "rbac",
            "--outside",
            "adele@contoso.com",
        ],
        0,
    );
    let (report, stderr) = integration_report(&tenant);
    assert_eq!(report["verdict"], "passed", "{report:#}\n{stderr}");
    let scope = step(&report, "scope").expect("a scope step");
    assert_eq!(scope["status"], "passed", "{scope:#}");
    assert!(
        scope["detail"].as_str().unwrap().starts_with(
            "restricted: 2 configured mailbox(es) answer; 1 outside mailbox(es) refused"
        ),
        "{scope:#}"
    );
    // The refusal it rests on, for support to quote.
    assert_eq!(scope["code"], "ErrorAccessDenied");
    assert!(scope["request_id"].is_string(), "{scope:#}");
}

#[test]
fn without_a_recorded_outside_mailbox_there_is_no_scope_step() {
    let tenant = Tenant::new(Seed::builtin());
    let (report, _) = integration_report(&tenant);
    assert_eq!(report["verdict"], "passed", "{report:#}");
    assert!(step(&report, "scope").is_none(), "{report:#}");
    // A mechanism alone proves nothing and adds nothing.
    tenant.expect(&["scope", "set", "--mechanism", "access-policy"], 0);
    let (report, _) = integration_report(&tenant);
    assert!(step(&report, "scope").is_none(), "{report:#}");
    // An unknown verdict (the canary is no mailbox) is a warning, not a
    // failure: the integration still passes.
    tenant.expect(&["scope", "set", "--outside", "nobody@contoso.com"], 0);
    let (report, _) = integration_report(&tenant);
    assert_eq!(report["verdict"], "passed", "{report:#}");
    let scope = step(&report, "scope").expect("a scope step");
    assert_eq!(scope["status"], "warning", "{scope:#}");
    assert!(
        scope["detail"].as_str().unwrap().starts_with("unknown: "),
        "{scope:#}"
    );
}

/// The built-in tenant scoped with RBAC for Applications, the Entra consent
/// removed: the app holds nothing tenant-wide, only Application
/// Mail.ReadWrite on support@ and Application Mail.Send + Mail.ReadBasic on
/// noreply@. Plus brand@, a mailbox of its own that noreply@ has Send As on.
fn rbac_scoped_with_a_brand_mailbox() -> Seed {
    let mut seed = rbac_without_consent();
    seed.mail.mailboxes.push(MailboxSeed {
        address: "brand@contoso.com".into(),
        display_name: Some("Contoso Brand".into()),
        ..MailboxSeed::default()
    });
    let noreply = seed
        .mail
        .mailboxes
        .iter_mut()
        .find(|m| m.address == "noreply@contoso.com")
        .expect("noreply@ in the built-in seed");
    noreply.send_as.push("brand@contoso.com".into());
    seed
}

#[test]
fn alias_routes_of_an_rbac_scoped_outbound_mailbox_pass_their_probe_on_mail_read_basic() {
    let tenant = Tenant::new(rbac_scoped_with_a_brand_mailbox());
    // help@ is a proxy address of noreply@ that Exchange sends from as is;
    // brand@ is a mailbox of its own.
    for (name, address) in [("help", "help@contoso.com"), ("brand", "brand@contoso.com")] {
        tenant.expect(
            &[
                "route",
                "add",
                name,
                "--connector",
                "out",
                "--address",
                address,
            ],
            0,
        );
    }
    for (name, address) in [("help", "help@contoso.com"), ("brand", "brand@contoso.com")] {
        let (stdout, stderr) =
            tenant.expect(&["test-connection", "route", name, "--output", "json"], 0);
        let report: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
        assert_eq!(report["verdict"], "passed", "{report:#}\n{stderr}");
        // The token carries no Mail.* role: everything rests on RBAC.
        let permissions = step(&report, "permissions").expect("permissions");
        assert_eq!(permissions["status"], "warning", "{permissions:#}");
        // The probe's copy was found in Sent Items and its From judged.
        let send_as = step(&report, "send-as").expect("send-as");
        assert_eq!(send_as["status"], "passed", "{send_as:#}");
        assert_eq!(send_as["carried_from"], Value::Null, "{send_as:#}");
        assert!(
            send_as["detail"].as_str().unwrap().contains(address),
            "{send_as:#}"
        );
    }
    // The proof that the app is scoped holds at the same time.
    tenant.expect(
        &[
            "scope",
            "set",
            "--mechanism",
            "rbac",
            "--outside",
            "adele@contoso.com",
        ],
        0,
    );
    let (report, _) = integration_report(&tenant);
    assert_eq!(
        step(&report, "scope").unwrap()["status"],
        "passed",
        "{report:#}"
    );
    // With RBAC recorded, a token without Mail.* roles is what the admin set
    // up: no warning, and above all no advice to grant the tenant-wide
    // consent that would undo the scoping.
    let (stdout, stderr) =
        tenant.expect(&["test-connection", "route", "help", "--output", "json"], 0);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    assert_eq!(report["verdict"], "passed", "{report:#}");
    let permissions = step(&report, "permissions").expect("permissions");
    assert_eq!(permissions["status"], "skipped", "{permissions:#}");
    assert!(
        permissions["detail"]
            .as_str()
            .unwrap()
            .contains("as expected with RBAC for Applications"),
        "{permissions:#}"
    );
    assert_eq!(permissions["hint"], Value::Null, "{permissions:#}");
    assert!(!stdout.contains("Grant admin consent"), "{stdout}");
}

#[test]
fn a_scope_probe_that_outlasts_the_deadline_is_cut_off_and_changes_no_verdict() {
    let mut seed = tenant_wide();
    seed.mail.rbac = rbac_grants();
    // Every Graph request takes 8 s; the token does not (Entra is not slowed).
    seed.mail.mail_limits.latency_ms = 8_000;
    let tenant = Tenant::new(seed);
    tenant.expect(
        &[
            "scope",
            "set",
            "--mechanism",
            "rbac",
            "--outside",
            "adele@contoso.com",
        ],
        0,
    );
    let started = std::time::Instant::now();
    let (stdout, stderr) = tenant.expect(
        &[
            "test-connection",
            "integration",
            "--timeout",
            "2",
            "--output",
            "json",
        ],
        0,
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed < std::time::Duration::from_secs(7),
        "the run's deadline holds: {elapsed:?}"
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    assert_eq!(report["verdict"], "passed", "{report:#}");
    // Graph never answered: nothing learned, so inconclusive, and no advice
    // to name another canary.
    let scope = step(&report, "scope").expect("a scope step");
    assert_eq!(scope["status"], "skipped", "{scope:#}");
    let detail = scope["detail"].as_str().unwrap();
    assert!(detail.starts_with("inconclusive: "), "{detail}");
    assert!(detail.contains("no conclusive answer"), "{detail}");
    let hint = scope["hint"].as_str().unwrap();
    assert!(hint.contains("run the check again"), "{hint}");
}
