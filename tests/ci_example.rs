//! The README's CI examples run: every `run:` line of the GitHub Actions
//! example and every `script:` line of the Azure DevOps one, in the order a
//! pull request then a merge then the nightly job would run them, for the
//! dev, test and prod environments, with bash, against the sandbox. A README
//! edit that breaks a command line breaks this test.
//!
//! Run with `cargo test --features test-store --test ci_example`.

mod common;

use std::path::Path;
use std::process::Command;

use graphmail::sandbox::seed::{APP_GRAPHMAIL, BUILTIN_TENANT_ID};
use graphmail::sandbox::{RunningSandbox, ServeOptions};

use common::{TestEnv, text};

const README: &str = include_str!("../README.md");

/// The lines after `key: ` in the YAML block that follows `marker`, grouped
/// by the job (GitHub) or stage (Azure DevOps) they belong to.
fn commands(marker: &str, key: &str) -> Vec<(String, String)> {
    let start = README
        .find(&format!("<!-- ci-example: {marker} -->"))
        .unwrap_or_else(|| panic!("README has no {marker} example"));
    let block = &README[start..];
    let block = &block[block.find("```yaml").expect("yaml block") + 7..];
    let block = &block[..block.find("```").expect("end of block")];
    let mut group = String::new();
    let mut out = Vec::new();
    for line in block.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if (indent == 2 && trimmed.ends_with(':') && !trimmed.starts_with('-'))
            || trimmed.starts_with("- stage: ")
        {
            group = trimmed
                .trim_end_matches(':')
                .trim_start_matches("- stage: ")
                .to_string();
        }
        let prefix = format!("- {key}: ");
        if let Some(command) = trimmed.strip_prefix(&prefix) {
            out.push((group.clone(), command.to_string()));
        }
    }
    assert!(!out.is_empty(), "no {key}: lines in the {marker} example");
    out
}

fn environment_file(sandbox: &RunningSandbox, folder: &str) -> String {
    let base = sandbox.base_url().to_string();
    format!(
        r#"[integration]
tenant = "{BUILTIN_TENANT_ID}"
app_id = "{APP_GRAPHMAIL}"
authority_host = "{base}"
graph_endpoint = "{base}"
secret = {{ env = "GRAPH_CLIENT_SECRET" }}

[[connector]]
name = "support"
use_for = "incoming"
address = "support@contoso.com"
folders = ["{folder}"]
process = "Support Request"

[[connector]]
name = "outbound"
use_for = "outbound"
address = "noreply@contoso.com"

[[route]]
name = "billing"
connector = "support"
address = "billing-support@contoso.com"
process = "Billing Request"
"#
    )
}

/// Runs one example line with bash in the checked-out repository.
fn run_line(
    env: &TestEnv,
    repo: &Path,
    sandbox: &RunningSandbox,
    environment: &str,
    state_root: &Path,
    line: &str,
) {
    let line = line.replace("/var/lib/graphmail", &state_root.display().to_string());
    let bin_dir = assert_cmd::cargo::cargo_bin("graphmail")
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &line])
        .current_dir(repo)
        .env_clear()
        .env("PATH", path)
        .env("HOME", env.path("home"))
        .env("XDG_CONFIG_HOME", env.path("config"))
        .env("XDG_DATA_HOME", env.path("data"))
        .env("GRAPHMAIL_TEST_SECRET_DIR", env.path("secrets"))
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env("ENVIRONMENT", environment)
        .env(
            "GRAPHMAIL_STATE",
            state_root.join(format!("{environment}.toml")),
        )
        .env(
            "GRAPH_CLIENT_SECRET",
            sandbox.ready().client_secret.clone().expect("secret"),
        )
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "[{environment}] {line}\nexit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn setup(sandbox: &RunningSandbox) -> (TestEnv, std::path::PathBuf) {
    let env = TestEnv::new();
    let repo = env.path("repo");
    std::fs::create_dir_all(repo.join("environments")).unwrap();
    for (name, folder) in [
        ("dev", "Inbox"),
        ("test", "Inbox/Support/US"),
        ("prod", "Inbox/Support/EU"),
    ] {
        std::fs::write(
            repo.join(format!("environments/{name}.toml")),
            environment_file(sandbox, folder),
        )
        .unwrap();
    }
    (env, repo)
}

fn start() -> (tokio::runtime::Runtime, RunningSandbox) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = runtime
        .block_on(graphmail::sandbox::start(ServeOptions::default()))
        .expect("sandbox");
    (runtime, sandbox)
}

#[test]
fn the_github_actions_example_plans_applies_and_checks_drift() {
    let (_runtime, sandbox) = start();
    let (env, repo) = setup(&sandbox);
    let states = env.path("state");
    std::fs::create_dir_all(&states).unwrap();
    let lines = commands("github-actions", "run");
    for job in ["plan", "apply", "drift"] {
        for environment in ["dev", "test", "prod"] {
            for (group, line) in lines.iter().filter(|(g, _)| g == job) {
                let _ = group;
                run_line(&env, &repo, &sandbox, environment, &states, line);
            }
        }
        if job == "plan" {
            let plan: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(repo.join("plan-prod.json")).expect("plan JSON written"),
            )
            .expect("plan JSON");
            assert_eq!(plan["changes"], true, "{plan:#}");
            assert!(!states.join("prod.toml").exists(), "a plan writes no state");
        }
        if job == "apply" {
            let applied: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(repo.join("apply-test.json")).expect("apply JSON"),
            )
            .expect("apply JSON");
            assert_eq!(applied["changed"], true, "{applied:#}");
            assert!(
                applied["not_applied"].as_array().unwrap().is_empty(),
                "{applied:#}"
            );
        }
    }
    // A merge of an unchanged file: the apply job changes nothing.
    for (_, line) in lines.iter().filter(|(g, _)| g == "apply") {
        run_line(&env, &repo, &sandbox, "dev", &states, line);
    }
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("apply-dev.json")).unwrap())
            .unwrap();
    assert_eq!(again["changed"], false, "{again:#}");
}

#[test]
fn the_azure_devops_example_plans_and_applies() {
    let (_runtime, sandbox) = start();
    let (env, repo) = setup(&sandbox);
    let states = env.path("azure-state");
    std::fs::create_dir_all(&states).unwrap();
    let lines = commands("azure-devops", "script");
    let plan_lines: Vec<_> = lines.iter().filter(|(g, _)| g == "plan").collect();
    let apply_lines: Vec<_> = lines.iter().filter(|(g, _)| g != "plan").collect();
    assert!(
        !plan_lines.is_empty() && apply_lines.len() >= 2,
        "{lines:?}"
    );
    for environment in ["dev", "test", "prod"] {
        for (_, line) in &plan_lines {
            run_line(&env, &repo, &sandbox, environment, &states, line);
        }
    }
    for environment in ["dev", "test", "prod"] {
        for (_, line) in &apply_lines {
            run_line(&env, &repo, &sandbox, environment, &states, line);
        }
        assert!(states.join(format!("{environment}.toml")).exists());
    }
}
