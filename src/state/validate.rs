//! Input validation: pure functions that turn what the user typed into the
//! normalized value the state stores, or a [`ValidationError`] naming the
//! flag, the value, what is wrong and how to fix it. No I/O here, so the
//! resolve step (STYLE habit 1) can run them before touching anything.
//!
//! Decisions a reader might look for:
//! - **Names** (connectors, routes): 1–64 ASCII characters from letters,
//!   digits, space, `-`, `_` and `.`; they start and end with a letter or a
//!   digit (so no leading/trailing space, and no name that looks like a
//!   flag); `integration` is reserved because `test-connection integration`
//!   names the integration. A `:` is excluded because `--from route:NAME`
//!   uses it. Names are case-sensitive and are not trimmed: a stray space is
//!   an error, not a silent change.
//! - **Email addresses**: a practical RFC 5321 subset, `local@domain`, ASCII
//!   only (internationalized addresses must be given in their ASCII form),
//!   dot-atom local part ≤ 64, domain with at least one dot, ≤ 254 in all.
//!   Surrounding whitespace is trimmed; the domain is lower-cased, the local
//!   part kept as typed.
//! - **Folder paths**: segments split on `/`, each trimmed; a folder whose
//!   own name contains `/` cannot be named.
//! - **Error values** are display-safe: control characters escaped and long
//!   input cut, so an error message can never carry a terminal escape.

use std::fmt;
use std::net::IpAddr;

/// What is wrong with one input, in the terms of the flag that carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The flag or argument, e.g. `--address` or `NAME`.
    pub field: &'static str,
    /// The offending input, display-safe (escaped, cut to a sane length).
    pub value: String,
    /// What is wrong, e.g. `the domain has no dot`.
    pub problem: String,
    /// What to do instead.
    pub fix: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} '{}': {}; {}",
            self.field, self.value, self.problem, self.fix
        )
    }
}

impl std::error::Error for ValidationError {}

/// The longest input echoed back in an error, in characters.
const ECHO_MAX: usize = 80;

fn display_safe(input: &str) -> String {
    let mut out = String::new();
    for (count, c) in input.chars().enumerate() {
        if count == ECHO_MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn fail(
    field: &'static str,
    input: &str,
    problem: impl Into<String>,
    fix: impl Into<String>,
) -> ValidationError {
    ValidationError {
        field,
        value: display_safe(input),
        problem: problem.into(),
        fix: fix.into(),
    }
}

fn first_control(input: &str) -> Option<char> {
    input.chars().find(|c| c.is_control())
}

fn control_problem(c: char) -> String {
    format!("contains a control character (U+{:04X})", c as u32)
}

/// Longest connector or route name, in characters.
pub const NAME_MAX: usize = 64;
/// Names that would collide with a fixed word of the command line.
pub const RESERVED_NAMES: [&str; 1] = ["integration"];

/// A connector or route name (see the module note for the rules).
pub fn name(field: &'static str, input: &str) -> Result<String, ValidationError> {
    let fix = "use 1-64 letters, digits, spaces, '-', '_' or '.', starting and ending with a letter or digit";
    if input.is_empty() {
        return Err(fail(field, input, "is empty", fix));
    }
    if let Some(c) = first_control(input) {
        return Err(fail(field, input, control_problem(c), fix));
    }
    let len = input.chars().count();
    if len > NAME_MAX {
        return Err(fail(
            field,
            input,
            format!("is {len} characters long (at most {NAME_MAX})"),
            fix,
        ));
    }
    if input.starts_with(char::is_whitespace) || input.ends_with(char::is_whitespace) {
        return Err(fail(
            field,
            input,
            "has leading or trailing space",
            "remove the surrounding spaces",
        ));
    }
    if let Some(c) = input
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')))
    {
        return Err(fail(
            field,
            input,
            format!("contains '{c}', which names cannot hold"),
            fix,
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(input.chars().next()) || !edge_ok(input.chars().last()) {
        return Err(fail(
            field,
            input,
            "must start and end with a letter or digit",
            fix,
        ));
    }
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(input)) {
        return Err(fail(
            field,
            input,
            "is reserved (`test-connection integration` names the integration)",
            "choose another name",
        ));
    }
    Ok(input.to_string())
}

/// Longest address, per RFC 5321's path limit minus the angle brackets.
pub const EMAIL_MAX: usize = 254;

/// An email address: `local@domain`, domain lower-cased.
pub fn email(field: &'static str, input: &str) -> Result<String, ValidationError> {
    let fix = "give a full address such as support@contoso.com";
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(fail(field, input, "is empty", fix));
    }
    if let Some(c) = first_control(trimmed) {
        return Err(fail(field, input, control_problem(c), fix));
    }
    if trimmed.len() > EMAIL_MAX {
        return Err(fail(
            field,
            input,
            format!("is {} bytes long (at most {EMAIL_MAX})", trimmed.len()),
            fix,
        ));
    }
    if trimmed.chars().any(char::is_whitespace) {
        return Err(fail(field, input, "contains a space", fix));
    }
    if !trimmed.is_ascii() {
        return Err(fail(
            field,
            input,
            "contains non-ASCII characters",
            "give the address in its ASCII form (punycode for the domain)",
        ));
    }
    let Some((local, domain)) = trimmed.rsplit_once('@') else {
        return Err(fail(field, input, "has no '@'", fix));
    };
    if local.is_empty() {
        return Err(fail(field, input, "has nothing before the '@'", fix));
    }
    if local.len() > 64 {
        return Err(fail(
            field,
            input,
            "has a local part longer than 64 characters",
            fix,
        ));
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    if let Some(c) = local.chars().find(|&c| !(atext(c) || c == '.')) {
        return Err(fail(field, input, format!("has '{c}' before the '@'"), fix));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(fail(
            field,
            input,
            "has a misplaced '.' before the '@'",
            fix,
        ));
    }
    let domain = dns_domain(domain)
        .map_err(|problem| fail(field, input, format!("domain {problem}"), fix))?;
    Ok(format!("{local}@{domain}"))
}

/// Checks a DNS domain (ASCII, at least two labels) and lower-cases it;
/// the error is a phrase that follows "domain".
fn dns_domain(domain: &str) -> Result<String, String> {
    if domain.is_empty() {
        return Err("is missing".into());
    }
    if domain.len() > 253 {
        return Err("is longer than 253 characters".into());
    }
    if !domain.contains('.') {
        return Err(format!("'{}' has no dot", display_safe(domain)));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err("has an empty label (two dots in a row, or a leading/trailing dot)".into());
        }
        if label.len() > 63 {
            return Err("has a label longer than 63 characters".into());
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!("contains '{}'", display_safe(&c.to_string())));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("has a label that starts or ends with '-'".into());
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("ends in a numeric label (an IP address is not a mail domain)".into());
    }
    Ok(domain.to_ascii_lowercase())
}

/// Parses a GUID in any common form and returns it hyphenated, lower-case.
fn guid(input: &str) -> Option<String> {
    let uuid = uuid::Uuid::try_parse(input).ok()?;
    Some(uuid.hyphenated().to_string())
}

/// Tenants that name no single tenant. Client credentials need a
/// tenant-specific authority (reference §1.1: AADSTS9001023 on /common).
const MULTI_TENANT_ALIASES: [&str; 3] = ["common", "organizations", "consumers"];

/// A tenant: a GUID (lower-cased) or a verified DNS domain (lower-cased).
pub fn tenant(input: &str) -> Result<String, ValidationError> {
    const FIELD: &str = "--tenant";
    let fix = "give the tenant ID (a GUID, from Entra ID > Overview) or a verified domain such as contoso.onmicrosoft.com";
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(fail(FIELD, input, "is empty", fix));
    }
    if let Some(c) = first_control(trimmed) {
        return Err(fail(FIELD, input, control_problem(c), fix));
    }
    if MULTI_TENANT_ALIASES
        .iter()
        .any(|a| a.eq_ignore_ascii_case(trimmed))
    {
        return Err(fail(
            FIELD,
            input,
            "is a multi-tenant alias; client credentials need a tenant-specific authority (Entra answers AADSTS9001023)",
            fix,
        ));
    }
    if let Some(id) = guid(trimmed) {
        if id == uuid::Uuid::nil().hyphenated().to_string() {
            return Err(fail(FIELD, input, "is the all-zero GUID", fix));
        }
        return Ok(id);
    }
    if !trimmed.is_ascii() {
        return Err(fail(
            FIELD,
            input,
            "contains non-ASCII characters",
            "give the domain in its ASCII (punycode) form",
        ));
    }
    dns_domain(trimmed).map_err(|problem| {
        fail(
            FIELD,
            input,
            format!("is neither a GUID nor a valid domain: domain {problem}"),
            fix,
        )
    })
}

/// An application (client) ID: a GUID, returned hyphenated and lower-case.
pub fn app_id(input: &str) -> Result<String, ValidationError> {
    const FIELD: &str = "--app-id";
    let fix = "copy the Application (client) ID from Entra ID > App registrations > Overview";
    let trimmed = input.trim();
    if let Some(c) = first_control(trimmed) {
        return Err(fail(FIELD, input, control_problem(c), fix));
    }
    match guid(trimmed) {
        Some(id) if id == uuid::Uuid::nil().hyphenated().to_string() => {
            Err(fail(FIELD, input, "is the all-zero GUID", fix))
        }
        Some(id) => Ok(id),
        None => Err(fail(FIELD, input, "is not a GUID", fix)),
    }
}

/// Deepest folder path accepted.
pub const FOLDER_DEPTH_MAX: usize = 32;
/// Longest folder segment, in characters (Exchange's display-name limit).
pub const FOLDER_SEGMENT_MAX: usize = 255;
/// Longest whole folder path, in characters.
pub const FOLDER_PATH_MAX: usize = 1024;

/// A folder path such as `Inbox/Support/EU`: segments trimmed, joined by `/`.
pub fn folder(field: &'static str, input: &str) -> Result<String, ValidationError> {
    let fix = "give folder names separated by '/', e.g. Inbox/Support/EU";
    if let Some(c) = first_control(input) {
        return Err(fail(field, input, control_problem(c), fix));
    }
    if input.chars().count() > FOLDER_PATH_MAX {
        return Err(fail(
            field,
            input,
            format!("is longer than {FOLDER_PATH_MAX} characters"),
            fix,
        ));
    }
    if input.trim().is_empty() {
        return Err(fail(field, input, "is empty", fix));
    }
    let segments: Vec<&str> = input.split('/').map(str::trim).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(fail(
            field,
            input,
            "has an empty folder name (a leading, trailing or doubled '/')",
            fix,
        ));
    }
    if segments.len() > FOLDER_DEPTH_MAX {
        return Err(fail(
            field,
            input,
            format!("is more than {FOLDER_DEPTH_MAX} folders deep"),
            fix,
        ));
    }
    if segments
        .iter()
        .any(|s| s.chars().count() > FOLDER_SEGMENT_MAX)
    {
        return Err(fail(
            field,
            input,
            format!("has a folder name longer than {FOLDER_SEGMENT_MAX} characters"),
            fix,
        ));
    }
    Ok(segments.join("/"))
}

/// An expiry date for `--secret-expires`: `YYYY-MM-DD` (read as the start of
/// that day, UTC: the earliest moment the secret may stop working) or an
/// RFC 3339 time. Returns RFC 3339 UTC, e.g. `2027-03-01T00:00:00Z`.
pub fn expiry_date(field: &'static str, input: &str) -> Result<String, ValidationError> {
    let fix = "give the date Entra shows under Certificates & secrets, e.g. 2027-03-01 (or an RFC 3339 time)";
    let trimmed = input.trim();
    if let Some(c) = first_control(trimmed) {
        return Err(fail(field, input, control_problem(c), fix));
    }
    let at = if let Ok(day) = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        day.and_hms_opt(0, 0, 0).map(|t| t.and_utc())
    } else {
        chrono::DateTime::parse_from_rfc3339(trimmed)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    match at {
        Some(at) => Ok(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        None => Err(fail(field, input, "is not a date", fix)),
    }
}

/// An endpoint origin for `--authority-host` / `--graph-endpoint`: https, or
/// http only on a loopback host (the sandbox). Returns `scheme://host[:port]`
/// without a trailing slash.
pub fn endpoint_url(field: &'static str, input: &str) -> Result<String, ValidationError> {
    let fix = "give an origin such as https://login.microsoftonline.com (http only for 127.0.0.1, ::1 or localhost)";
    let trimmed = input.trim();
    if let Some(c) = first_control(trimmed) {
        return Err(fail(field, input, control_problem(c), fix));
    }
    if trimmed.len() > 2048 {
        return Err(fail(field, input, "is longer than 2048 characters", fix));
    }
    let url = url::Url::parse(trimmed)
        .map_err(|e| fail(field, input, format!("is not a URL ({e})"), fix))?;
    let host = match url.host() {
        Some(host) => host,
        None => return Err(fail(field, input, "has no host", fix)),
    };
    let loopback = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(fail(
                field,
                input,
                "uses http on a non-loopback host; tokens and mail must not cross the network in clear",
                "use https (http is allowed only for 127.0.0.1, ::1 or localhost)",
            ));
        }
        other => {
            return Err(fail(
                field,
                input,
                format!("has scheme '{other}', not https"),
                fix,
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail(
            field,
            input,
            "carries a user name or password",
            "remove the credentials from the URL",
        ));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(fail(
            field,
            input,
            format!("has a path ('{}')", display_safe(url.path())),
            fix,
        ));
    }
    if url.query().is_some() {
        return Err(fail(field, input, "has a query ('?...')", fix));
    }
    if url.fragment().is_some() {
        return Err(fail(field, input, "has a fragment ('#...')", fix));
    }
    Ok(url.origin().ascii_serialization())
}

/// Longest process (work-item type) name, in characters.
pub const PROCESS_MAX: usize = 128;

/// A process (work-item type) name: non-empty after trimming.
pub fn process(input: &str) -> Result<String, ValidationError> {
    const FIELD: &str = "--process";
    let fix = "give the work-item type mail becomes, e.g. Case";
    if let Some(c) = first_control(input) {
        return Err(fail(FIELD, input, control_problem(c), fix));
    }
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(fail(FIELD, input, "is empty", fix));
    }
    if trimmed.chars().count() > PROCESS_MAX {
        return Err(fail(
            FIELD,
            input,
            format!("is longer than {PROCESS_MAX} characters"),
            fix,
        ));
    }
    Ok(trimmed.to_string())
}

/// An environment variable name: `[A-Za-z_][A-Za-z0-9_]*`, at most 255.
pub fn env_var_name(field: &'static str, input: &str) -> Result<String, ValidationError> {
    let fix = "give a variable name of letters, digits and '_', not starting with a digit, e.g. GRAPH_SECRET";
    if input.is_empty() {
        return Err(fail(field, input, "is empty", fix));
    }
    if input.len() > 255 {
        return Err(fail(field, input, "is longer than 255 characters", fix));
    }
    if input.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(fail(field, input, "starts with a digit", fix));
    }
    if let Some(c) = input
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        let what = if c.is_control() {
            control_problem(c)
        } else {
            format!("contains '{c}'")
        };
        return Err(fail(field, input, what, fix));
    }
    Ok(input.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accept_the_documented_alphabet() {
        for ok in [
            "support",
            "Support EU",
            "eu-west_2.mail",
            "a",
            "9",
            &"x".repeat(64),
        ] {
            assert_eq!(name("NAME", ok).as_deref(), Ok(ok), "{ok}");
        }
    }

    #[test]
    fn names_reject_edges_reserved_and_hostile_input() {
        let cases = [
            ("", "is empty"),
            (" lead", "leading or trailing space"),
            ("trail ", "leading or trailing space"),
            ("-flag", "start and end"),
            ("route:x", "contains ':'"),
            ("a\u{1b}[31m", "control character (U+001B)"),
            ("naïve", "contains 'ï'"),
            ("Integration", "reserved"),
            ("integration", "reserved"),
        ];
        for (input, problem) in cases {
            let err = name("NAME", input).unwrap_err();
            assert!(err.problem.contains(problem), "{input:?}: {}", err.problem);
            assert_eq!(err.field, "NAME");
        }
        let long = "x".repeat(65);
        assert!(
            name("NAME", &long)
                .unwrap_err()
                .problem
                .contains("65 characters")
        );
    }

    #[test]
    fn error_display_is_one_line_and_escapes_and_cuts_the_value() {
        let err = name("NAME", &format!("\u{7}{}", "y".repeat(10_000))).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("invalid NAME '\\u{7}yyy"), "{shown}");
        assert!(!shown.contains('\u{7}'));
        assert!(shown.len() < 400, "{}", shown.len());
        assert!(err.value.ends_with('…'));
    }

    #[test]
    fn emails_are_trimmed_and_the_domain_lowercased() {
        assert_eq!(
            email("--address", " Support.EU@Contoso.COM ").unwrap(),
            "Support.EU@contoso.com"
        );
        assert_eq!(
            email("--address", "a+tag@sub.example.org").unwrap(),
            "a+tag@sub.example.org"
        );
    }

    #[test]
    fn emails_reject_the_malformed_and_hostile() {
        let cases = [
            ("", "is empty"),
            ("support", "no '@'"),
            ("@contoso.com", "nothing before"),
            ("support@", "domain is missing"),
            ("support@localhost", "no dot"),
            ("sup port@contoso.com", "space"),
            ("a..b@contoso.com", "misplaced '.'"),
            (".a@contoso.com", "misplaced '.'"),
            ("a@contoso..com", "empty label"),
            ("a@-contoso.com", "starts or ends with '-'"),
            ("a@10.0.0.1", "numeric label"),
            ("a@cont_oso.com", "contains '_'"),
            ("a\n@contoso.com", "control character (U+000A)"),
            ("ü@contoso.com", "non-ASCII"),
            ("a\"b@contoso.com", "has '\"'"),
        ];
        for (input, problem) in cases {
            let err = email("--address", input).unwrap_err();
            assert!(err.problem.contains(problem), "{input:?}: {}", err.problem);
        }
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(200));
        assert!(
            email("--address", &long)
                .unwrap_err()
                .problem
                .contains("at most 254")
        );
        let long_local = format!("{}@contoso.com", "a".repeat(65));
        assert!(
            email("--address", &long_local)
                .unwrap_err()
                .problem
                .contains("longer than 64")
        );
    }

    #[test]
    fn tenants_accept_guids_and_domains_normalized() {
        assert_eq!(
            tenant("72F988BF-86F1-41AF-91AB-2D7CD011DB47").unwrap(),
            "72f988bf-86f1-41af-91ab-2d7cd011db47"
        );
        assert_eq!(
            tenant("Contoso.OnMicrosoft.com").unwrap(),
            "contoso.onmicrosoft.com"
        );
    }

    #[test]
    fn tenants_reject_multi_tenant_aliases_with_the_reason() {
        for alias in ["common", "Organizations", "consumers"] {
            let err = tenant(alias).unwrap_err();
            assert_eq!(err.field, "--tenant");
            assert!(
                err.problem.contains("tenant-specific authority"),
                "{}",
                err.problem
            );
        }
        assert!(tenant("contoso").unwrap_err().problem.contains("no dot"));
        assert!(
            tenant("00000000-0000-0000-0000-000000000000")
                .unwrap_err()
                .problem
                .contains("all-zero")
        );
        assert!(
            tenant("contoso.com\u{0}")
                .unwrap_err()
                .problem
                .contains("control")
        );
        assert!(tenant("köln.de").unwrap_err().problem.contains("non-ASCII"));
    }

    #[test]
    fn app_ids_are_guids_normalized_to_lowercase_hyphenated() {
        assert_eq!(
            app_id("{0D4B6A2C-1111-4222-8333-944445555666}").unwrap(),
            "0d4b6a2c-1111-4222-8333-944445555666"
        );
        assert_eq!(
            app_id("0d4b6a2c111142228333944445555666").unwrap(),
            "0d4b6a2c-1111-4222-8333-944445555666"
        );
        assert!(
            app_id("not-a-guid")
                .unwrap_err()
                .problem
                .contains("not a GUID")
        );
        assert!(app_id("").is_err());
        assert!(app_id(&"a".repeat(100_000)).is_err());
    }

    #[test]
    fn folders_are_trimmed_per_segment() {
        assert_eq!(folder("--folder", "Inbox").unwrap(), "Inbox");
        assert_eq!(
            folder("--folder", " Inbox / Support /EU ").unwrap(),
            "Inbox/Support/EU"
        );
        assert_eq!(
            folder("--folder", "Boîte de réception/支持").unwrap(),
            "Boîte de réception/支持"
        );
    }

    #[test]
    fn folders_reject_empty_segments_depth_and_control_characters() {
        for input in ["", "  ", "/Inbox", "Inbox/", "Inbox//EU", "Inbox/ /EU"] {
            assert!(folder("--folder", input).is_err(), "{input:?}");
        }
        assert!(
            folder("--folder", "Inbox/\tEU")
                .unwrap_err()
                .problem
                .contains("control")
        );
        let deep = vec!["a"; 33].join("/");
        assert!(
            folder("--folder", &deep)
                .unwrap_err()
                .problem
                .contains("deep")
        );
        let wide = "x".repeat(256);
        assert!(
            folder("--folder", &wide)
                .unwrap_err()
                .problem
                .contains("folder name longer")
        );
        assert!(
            folder("--folder", &"x/".repeat(1000))
                .unwrap_err()
                .problem
                .contains("longer than 1024")
        );
    }

    #[test]
    fn endpoint_urls_return_the_origin() {
        let f = "--graph-endpoint";
        assert_eq!(
            endpoint_url(f, "https://graph.microsoft.com/").unwrap(),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            endpoint_url(f, "HTTPS://Graph.Microsoft.com").unwrap(),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            endpoint_url(f, "https://proxy.example:8443").unwrap(),
            "https://proxy.example:8443"
        );
        assert_eq!(
            endpoint_url(f, "http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            endpoint_url(f, "http://127.9.9.9:1/").unwrap(),
            "http://127.9.9.9:1"
        );
        assert_eq!(
            endpoint_url(f, "http://[::1]:9000").unwrap(),
            "http://[::1]:9000"
        );
        assert_eq!(
            endpoint_url(f, "http://localhost:9000").unwrap(),
            "http://localhost:9000"
        );
    }

    #[test]
    fn endpoint_urls_refuse_clear_text_paths_and_oddities() {
        let f = "--authority-host";
        let cases = [
            ("http://login.example.com", "non-loopback"),
            ("http://10.0.0.1", "non-loopback"),
            ("http://localhost.evil.com", "non-loopback"),
            ("ftp://127.0.0.1", "scheme 'ftp'"),
            ("https://graph.microsoft.com/v1.0", "has a path"),
            ("https://graph.microsoft.com/?x=1", "query"),
            ("https://graph.microsoft.com/#x", "fragment"),
            (
                "https://user:pw@graph.microsoft.com",
                "user name or password",
            ),
            ("graph.microsoft.com", "not a URL"),
            ("https://graph\u{7}.com", "control character"),
        ];
        for (input, problem) in cases {
            let err = endpoint_url(f, input).unwrap_err();
            assert!(err.problem.contains(problem), "{input:?}: {}", err.problem);
            assert!(!err.to_string().contains("pw@") || input.contains("pw@"));
        }
        assert!(endpoint_url(f, &format!("https://{}.com", "a".repeat(5000))).is_err());
    }

    #[test]
    fn process_names_are_trimmed_and_non_empty() {
        assert_eq!(process("  Case ").unwrap(), "Case");
        assert_eq!(process("Änderung").unwrap(), "Änderung");
        assert!(process("   ").is_err());
        assert!(
            process("Ca\u{0}se")
                .unwrap_err()
                .problem
                .contains("control")
        );
        assert!(process(&"p".repeat(129)).is_err());
    }

    #[test]
    fn env_var_names_follow_the_shell_grammar() {
        assert_eq!(
            env_var_name("--client-secret-env", "GRAPH_SECRET_2").unwrap(),
            "GRAPH_SECRET_2"
        );
        assert_eq!(env_var_name("--client-secret-env", "_x").unwrap(), "_x");
        for input in ["", "2X", "A-B", "A B", "A=B", "ÄB", "A\u{0}"] {
            let err = env_var_name("--client-secret-env", input).unwrap_err();
            assert_eq!(err.field, "--client-secret-env", "{input:?}");
        }
        assert!(env_var_name("--client-secret-env", &"A".repeat(256)).is_err());
    }
}
