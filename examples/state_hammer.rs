//! A child process for the state store's crash and concurrency tests
//! (tests/state_store.rs), also usable by hand against any state file.
//!
//! ```text
//! state_hammer FILE add PREFIX COUNT   # COUNT updates, each adding connector PREFIX-<n>
//! state_hammer FILE churn              # updates forever: add, change, remove; the file
//!                                      # grows and shrinks so a torn write would show
//! ```

use std::path::Path;

use graphmail::state::store::{StateError, StateFile};
use graphmail::state::{Connector, UseFor};

fn connector(name: String, folders: usize) -> Connector {
    Connector {
        address: format!("{name}@contoso.com"),
        name,
        use_for: UseFor::Incoming,
        enabled: false,
        folders: (0..folders.max(1))
            .map(|f| format!("Inbox/Support/Folder {f}"))
            .collect(),
        process: Some("Case".into()),
        send_automated_emails: false,
        test_mode: false,
        ai: Vec::new(),
        test: None,
    }
}

/// Runs one hammer command; `args` as on the command line.
pub fn run(args: &[String]) -> Result<(), StateError> {
    let [file, command, rest @ ..] = args else {
        eprintln!("usage: state_hammer FILE (add PREFIX COUNT | churn)");
        std::process::exit(2);
    };
    let file = StateFile::open(Path::new(file));
    match (command.as_str(), rest) {
        ("add", [prefix, count]) => {
            let count: usize = count.parse().unwrap_or(0);
            for n in 0..count {
                file.update(|s| {
                    s.connectors.push(connector(format!("{prefix}-{n}"), 1));
                    Ok::<_, StateError>(())
                })?;
            }
            Ok(())
        }
        ("churn", []) => {
            for n in 0usize.. {
                file.update(|s| {
                    // Sizes swing between a few and ~60 connectors of up to 40 folders.
                    if s.connectors.len() > 60 || (n.is_multiple_of(97) && !s.connectors.is_empty())
                    {
                        let keep = n % 5;
                        s.connectors.truncate(keep);
                    }
                    s.connectors.push(connector(format!("churn-{n}"), n % 40));
                    if let Some(first) = s.connectors.first_mut() {
                        first.address = format!("changed-{n}@contoso.com");
                    }
                    Ok::<_, StateError>(())
                })?;
            }
            Ok(())
        }
        _ => {
            eprintln!("usage: state_hammer FILE (add PREFIX COUNT | churn)");
            std::process::exit(2);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
