//! Prompts fill in what is missing, only on an interactive terminal: never
//! with `--no-input`, without a TTY, or when `CI` is set. Otherwise the
//! caller gets `None` and says which flag to pass.

use std::io::IsTerminal;

use secrecy::SecretString;

use crate::error::{CliError, Result};

pub struct Prompter {
    interactive: bool,
}

impl Prompter {
    pub fn new(no_input: bool) -> Self {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
        let interactive =
            !no_input && !ci && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        Prompter { interactive }
    }

    /// A prompter that never asks (the demo, tests).
    pub fn never() -> Self {
        Prompter { interactive: false }
    }

    pub fn interactive(&self) -> bool {
        self.interactive
    }

    fn failed(e: dialoguer::Error) -> CliError {
        CliError::runtime(format!("could not read from the terminal: {e}"))
    }

    pub fn text(&self, label: &str) -> Result<Option<String>> {
        if !self.interactive {
            return Ok(None);
        }
        let value: String = dialoguer::Input::new()
            .with_prompt(label)
            .interact_text()
            .map_err(Self::failed)?;
        Ok(Some(value))
    }

    /// A prompt that may be left empty: `None` for no answer.
    pub fn text_optional(&self, label: &str) -> Result<Option<String>> {
        if !self.interactive {
            return Ok(None);
        }
        let value: String = dialoguer::Input::new()
            .with_prompt(label)
            .allow_empty(true)
            .interact_text()
            .map_err(Self::failed)?;
        Ok(Some(value).filter(|v| !v.trim().is_empty()))
    }

    pub fn password(&self, label: &str) -> Result<Option<SecretString>> {
        if !self.interactive {
            return Ok(None);
        }
        let value = dialoguer::Password::new()
            .with_prompt(label)
            .interact()
            .map_err(Self::failed)?;
        Ok(Some(SecretString::from(value)))
    }

    pub fn select(&self, label: &str, items: &[&str]) -> Result<Option<usize>> {
        if !self.interactive {
            return Ok(None);
        }
        let index = dialoguer::Select::new()
            .with_prompt(label)
            .items(items)
            .default(0)
            .interact()
            .map_err(Self::failed)?;
        Ok(Some(index))
    }

    /// Asks to confirm a destructive action. Without a terminal the answer
    /// is an error naming `--yes`.
    pub fn confirm(&self, question: &str, yes: bool) -> Result<()> {
        if yes {
            return Ok(());
        }
        if !self.interactive {
            return Err(CliError::usage(unconfirmed(question))
                .hint("pass --yes to confirm without a prompt"));
        }
        let ok = dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()
            .map_err(Self::failed)?;
        if ok {
            Ok(())
        } else {
            Err(CliError::usage("cancelled"))
        }
    }
}

/// The error of a confirmation that could not be asked: `Remove route 'x'?`
/// becomes "confirmation needed to remove route 'x'".
fn unconfirmed(question: &str) -> String {
    let action = question.trim().trim_end_matches('?');
    let mut chars = action.chars();
    let action = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("confirmation needed to {action}")
}
