//! `support bundle --redact-addresses`: every mailbox address in the
//! bundle's files becomes a placeholder, the same one for the same address
//! (case-insensitively) in every file, so a support engineer can still
//! follow one mailbox through the state, the reports and the log:
//! `mailbox-1@redacted.invalid` (`.invalid` is reserved, RFC 2606, and can
//! never deliver). Addresses are also found percent-encoded (`%40`), as
//! they appear in Graph URLs in a verbose log.

use std::collections::HashMap;

/// The placeholders' domain.
pub const PLACEHOLDER_DOMAIN: &str = "redacted.invalid";

#[derive(Debug, Default)]
pub struct Redactor {
    /// Lower-cased address → placeholder.
    map: HashMap<String, String>,
}

/// Where an address is in a text: byte range and its lower-cased form
/// (local@domain, whichever separator the text used).
struct Found {
    start: usize,
    end: usize,
    address: String,
}

fn is_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'+' | b'-' | b'\'')
}

fn is_domain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-')
}

fn find_addresses(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let sep = if bytes[i] == b'@' {
            1
        } else if bytes[i] == b'%'
            && bytes[i..].len() >= 3
            && bytes[i + 1..i + 3].eq_ignore_ascii_case(b"40")
        {
            3
        } else {
            i += 1;
            continue;
        };
        let mut start = i;
        while start > 0 && is_local(bytes[start - 1]) {
            start -= 1;
        }
        while start < i && matches!(bytes[start], b'.' | b'\'') {
            start += 1;
        }
        let domain_start = i + sep;
        let mut end = domain_start;
        while end < bytes.len() && is_domain(bytes[end]) {
            end += 1;
        }
        while end > domain_start && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &text[domain_start..end];
        let tld_ok = domain.rsplit_once('.').is_some_and(|(head, tld)| {
            !head.is_empty() && tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic())
        });
        if start < i && tld_ok && !domain.eq_ignore_ascii_case(PLACEHOLDER_DOMAIN) {
            found.push(Found {
                start,
                end,
                address: format!("{}@{}", &text[start..i], domain).to_ascii_lowercase(),
            });
            i = end;
        } else {
            i += sep;
        }
    }
    found
}

impl Redactor {
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Numbers the addresses of `text` in order of first appearance; call
    /// for every file first (in the bundle's order) so numbering does not
    /// depend on which file is rewritten first.
    pub fn learn(&mut self, text: &str) {
        for f in find_addresses(text) {
            let next = self.map.len() + 1;
            self.map
                .entry(f.address)
                .or_insert_with(|| format!("mailbox-{next}@{PLACEHOLDER_DOMAIN}"));
        }
    }

    /// `text` with every address replaced; and how many were replaced.
    pub fn redact(&mut self, text: &str) -> (String, usize) {
        self.learn(text);
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut count = 0;
        for f in find_addresses(text) {
            out.push_str(&text[last..f.start]);
            out.push_str(&self.map[&f.address]);
            last = f.end;
            count += 1;
        }
        out.push_str(&text[last..]);
        (out, count)
    }

    /// How many distinct addresses were seen.
    pub fn distinct(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_address_gets_the_same_placeholder_everywhere() {
        let mut r = Redactor::new();
        let state =
            "address = \"Support@Contoso.com\"\n[[route]]\naddress = \"help@contoso.com\"\n";
        let log = "GET https://graph.microsoft.com/v1.0/users/support%40contoso.com/mailFolders\nsent to help@contoso.com.";
        r.learn(state);
        r.learn(log);
        let (state, n) = r.redact(state);
        assert_eq!(n, 2);
        assert_eq!(
            state,
            "address = \"mailbox-1@redacted.invalid\"\n[[route]]\naddress = \"mailbox-2@redacted.invalid\"\n"
        );
        let (log, n) = r.redact(log);
        assert_eq!(n, 2);
        assert!(
            log.contains("/users/mailbox-1@redacted.invalid/mailFolders"),
            "{log}"
        );
        assert!(
            log.ends_with("sent to mailbox-2@redacted.invalid."),
            "{log}"
        );
        assert_eq!(r.distinct(), 2);
        // Redacting again changes nothing.
        assert_eq!(r.redact(&log), (log.clone(), 0));
    }

    #[test]
    fn things_that_are_not_addresses_stay() {
        let mut r = Redactor::new();
        let text = "a @ b, user@localhost, 100%40 of x, @handle, v1.0@, name@host.c0m";
        assert_eq!(r.redact(text), (text.to_string(), 0));
    }
}
