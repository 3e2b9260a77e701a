//! The value parser of `--use-for`: clap's enum parser, except that the
//! words people type for a direction get the value they meant.
//!
//! NOTE: clap's own suggestion compares spellings, so `inbound` got
//! `outbound` (the opposite: they share "bound"). Words with a known
//! meaning are answered from this table; anything else falls through to
//! clap, whose suggestion can only help for typos of the two values.

use clap::builder::{EnumValueParser, PossibleValue, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};

use super::UseForArg;

/// Words that mean one of the two values, with the value they mean.
const MEANT: &[(&str, &str)] = &[
    ("in", "incoming"),
    ("inbound", "incoming"),
    ("inbox", "incoming"),
    ("input", "incoming"),
    ("read", "incoming"),
    ("reading", "incoming"),
    ("receive", "incoming"),
    ("receiving", "incoming"),
    ("received", "incoming"),
    ("out", "outbound"),
    ("outgoing", "outbound"),
    ("output", "outbound"),
    ("send", "outbound"),
    ("sending", "outbound"),
    ("sent", "outbound"),
];

/// What `value` most likely meant, when it is a known synonym.
pub fn meant(value: &str) -> Option<&'static str> {
    let lower = value.trim().to_ascii_lowercase();
    MEANT
        .iter()
        .find(|(word, _)| *word == lower)
        .map(|(_, m)| *m)
}

#[derive(Clone, Default)]
pub struct UseForParser;

impl TypedValueParser for UseForParser {
    type Value = UseForArg;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<UseForArg, clap::Error> {
        if let Some(meant) = value.to_str().and_then(meant) {
            let mut err = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
            if let Some(arg) = arg {
                err.insert(
                    ContextKind::InvalidArg,
                    ContextValue::String(arg.to_string()),
                );
            }
            err.insert(
                ContextKind::InvalidValue,
                ContextValue::String(value.to_string_lossy().into_owned()),
            );
            err.insert(
                ContextKind::ValidValue,
                ContextValue::Strings(vec!["incoming".into(), "outbound".into()]),
            );
            err.insert(
                ContextKind::SuggestedValue,
                ContextValue::String(meant.to_string()),
            );
            return Err(err);
        }
        EnumValueParser::<UseForArg>::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        EnumValueParser::<UseForArg>::new()
            .possible_values()
            .map(|values| Box::new(values.collect::<Vec<_>>().into_iter()) as Box<_>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_mean_the_direction_they_name() {
        for (word, want) in [
            ("inbound", "incoming"),
            ("IN", "incoming"),
            ("receive", "incoming"),
            ("out", "outbound"),
            ("send", "outbound"),
            ("outgoing", "outbound"),
        ] {
            assert_eq!(meant(word), Some(want), "{word}");
        }
        assert_eq!(meant("incomming"), None, "a typo is clap's to suggest");
    }
}
