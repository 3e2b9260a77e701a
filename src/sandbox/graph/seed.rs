//! The mail part of the sandbox's seed file: mailboxes (addresses, aliases,
//! folders, messages), application access policies, generators for scale,
//! and the Graph limits (latency, mailbox concurrency).
//!
//! `MailSeed` is flattened into the identity half's top-level seed, so its
//! keys sit at the top of the TOML file:
//!
//! ```toml
//! [mail_limits]            # optional; every key has Microsoft's value by default
//! latency_ms = 0           # added to every Graph request while it holds its mailbox slot
//! mailbox_concurrency = 4  # Exchange's per app + mailbox limit (reference §6.1)
//! retry_after = "1"        # Retry-After of the 429 ApplicationThrottled answer
//! sent_items_delay_ms = 1000          # the Sent Items copy appears this long after the 202
//! max_request_bytes = 4194304         # Graph's ~4 MB request limit (413 RequestEntityTooLarge)
//! requests_per_window = 10000         # Outlook: 10,000 requests per 10 minutes per app + mailbox
//! request_window_seconds = 600
//! upload_bytes_per_window = 15728640  # Outlook: 15 MB of PATCH/POST/PUT per 30 s per app + mailbox
//! upload_window_seconds = 30
//! max_message_bytes = 36700160        # Exchange's default MaxSendSize (35 MB); per mailbox below
//! upload_session_min_bytes = 3145728  # createUploadSession refuses smaller attachments (0: accept any)
//! upload_session_max_bytes = 157286400  # 150 MB, the documented upload-session ceiling
//! delta_tokens_expire = false         # true: every delta token answers 410 syncStateNotFound
//!
//! [[mailboxes]]
//! address = "support@contoso.com"
//! kind = "shared"                     # or "user"
//! aliases = [{ address = "eu@contoso.com", behaviour = "rewrite" }]  # rewrite | allow | deny
//! folders = ["Inbox/Support/EU"]
//! hidden_folders = ["Legal Hold"]
//! member_of = ["graphmail-mailboxes@contoso.com"]
//! messages = [{ folder = "Inbox/Support/EU", from = "a@fabrikam.com", to = ["eu@contoso.com"],
//!               subject = "Hi", received = "2025-01-06T09:00:00Z", is_read = false }]
//! fill = [{ folder = "Inbox", count = 20 }]
//! max_message_bytes = 157286400       # Set-Mailbox -MaxSendSize for this mailbox (default: mail_limits')
//!
//! [[access_policies]]      # New-ApplicationAccessPolicy (reference §7.1)
//! app_id = "4a1f7c2e-..."
//! access_right = "RestrictAccess"     # or DenyAccess
//! scope_group = "graphmail-mailboxes@contoso.com"
//! members = ["sales@contoso.com"]     # plus every mailbox whose member_of names the group
//!
//! [[generate]]             # hundreds of mailboxes from a few lines
//! count = 200
//! pattern = "inbox{n}@contoso.com"
//! folders = ["Inbox/Support"]
//! messages_per_folder = 5
//! ```
//!
//! Parsing only checks shapes; `store` validates the content (unique
//! addresses, dates, known group members) when it builds the mailboxes.

use serde::{Deserialize, Serialize};

/// The mail part of the seed file: mailboxes, access policies, generators.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MailSeed {
    pub mail_limits: MailLimitsSeed,
    pub mailboxes: Vec<MailboxSeed>,
    pub access_policies: Vec<AccessPolicySeed>,
    pub generate: Vec<GenerateSeed>,
    /// RBAC for Applications: service principals, scopes, role assignments.
    #[serde(flatten)]
    pub rbac: super::rbac::RbacSeed,
}

impl MailSeed {
    /// The built-in mailboxes of the contoso tenant: rich enough for the demo
    /// and for every failure the connection test explains.
    pub fn builtin() -> MailSeed {
        // NOTE: the text is compiled in and covered by a unit test, so a parse
        // failure here is a build defect, never a runtime input problem.
        toml::from_str(BUILTIN_TOML).unwrap_or_default()
    }
}

/// The built-in seed, also a worked example of the format.
pub const BUILTIN_TOML: &str = include_str!("builtin.toml");

/// Graph limits applied by the mail half.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailLimitsSeed {
    /// Milliseconds added to every Graph request *while it holds its mailbox
    /// concurrency slot*, so clients see real queueing.
    pub latency_ms: u64,
    /// Concurrent requests per app + mailbox before 429 (Exchange: 4).
    pub mailbox_concurrency: usize,
    /// `Retry-After` value of the 429 (decimal seconds, as Graph sends them).
    pub retry_after: String,
    /// How long after the 202 of a send the copy lands in Sent Items.
    /// Microsoft: the copy "may not succeed immediately"
    /// (learn.microsoft.com/graph/outlook-immutable-id, reference §8). One
    /// second by default: every client that looks at once misses it and has
    /// to wait and retry, as against Exchange, where a few seconds are
    /// common, while a test suite full of sends stays fast. 0 = at once.
    pub sent_items_delay_ms: u64,
    /// Largest request body Graph takes (reference §4.1: about 4 MB, 413
    /// `RequestEntityTooLarge`; Microsoft's answer reads "The maximum request
    /// length supported is 4MB.", microsoft-graph-docs-contrib issue 682, for
    /// a body of 4 MiB). 4 MiB by default.
    pub max_request_bytes: usize,
    /// Outlook's request limit per app + mailbox: 10,000 per 10 minutes
    /// (learn.microsoft.com/graph/throttling-limits, reference §6.1).
    pub requests_per_window: u64,
    pub request_window_seconds: u64,
    /// Outlook's upload limit per app + mailbox: 15 MB of PATCH, POST and
    /// PUT bodies per 30 seconds (same page); upload-session chunks count.
    pub upload_bytes_per_window: u64,
    pub upload_window_seconds: u64,
    /// Largest message a mailbox may hold for sending: Exchange Online's
    /// default `MaxSendSize` is 35 MB (36,700,160 bytes); `Set-Mailbox
    /// -MaxSendSize` raises it to 150 MB. A mailbox's own value wins.
    pub max_message_bytes: u64,
    /// `createUploadSession` refuses attachments under this size with
    /// `ErrorAttachmentSizeShouldNotBeLessThanMinimumSize` (reported in
    /// microsoft-graph-docs issue 9589; Microsoft's page says upload
    /// sessions are for 3 MB to 150 MB: learn.microsoft.com/graph/outlook-large-attachments).
    pub upload_session_min_bytes: u64,
    /// Largest attachment an upload session takes (150 MB, same page).
    pub upload_session_max_bytes: u64,
    /// Every delta token is refused with 410 `syncStateNotFound`, as when
    /// Exchange has evicted its sync state (reference §4.5).
    pub delta_tokens_expire: bool,
}

impl Default for MailLimitsSeed {
    fn default() -> Self {
        MailLimitsSeed {
            latency_ms: 0,
            mailbox_concurrency: 4,
            retry_after: "1".to_owned(),
            sent_items_delay_ms: 1000,
            max_request_bytes: 4 * 1024 * 1024,
            requests_per_window: 10_000,
            request_window_seconds: 600,
            upload_bytes_per_window: 15 * 1024 * 1024,
            upload_window_seconds: 30,
            max_message_bytes: 36_700_160,
            upload_session_min_bytes: 3 * 1024 * 1024,
            upload_session_max_bytes: 150 * 1024 * 1024,
            delta_tokens_expire: false,
        }
    }
}

/// Whether the mailbox is a user's or a shared one (informational: Graph
/// treats both alike for app-only access, reference §4.0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailboxKind {
    #[default]
    Shared,
    User,
}

/// What a send with this alias in `from` does (reference §4.9: not settled
/// by Microsoft's documentation, so the seed chooses).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AliasBehaviour {
    /// Exchange's historical behaviour: `from` becomes the primary address.
    #[default]
    Rewrite,
    /// `SendFromAliasEnabled`: the alias stays as `from`.
    Allow,
    /// 403 `ErrorSendAsDenied`.
    Deny,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AliasSeed {
    pub address: String,
    #[serde(alias = "behavior")]
    pub behaviour: AliasBehaviour,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxSeed {
    /// Primary SMTP address (also the UPN here).
    pub address: String,
    /// Object ID (GUID); derived from the address when absent.
    pub id: Option<String>,
    pub display_name: Option<String>,
    pub kind: MailboxKind,
    /// Tenant ID the mailbox lives in; absent = any token's tenant may see it.
    pub tenant: Option<String>,
    /// Proxy addresses: mail to them lands in this mailbox.
    pub aliases: Vec<AliasSeed>,
    /// Other addresses this mailbox may send as (Send As on another mailbox or a DL).
    pub send_as: Vec<String>,
    /// Groups (by address) this mailbox belongs to, for access policies.
    pub member_of: Vec<String>,
    /// Folder paths to create (`Inbox/Support/EU`), parents included.
    pub folders: Vec<String>,
    /// Folder paths to create hidden (`isHidden = true`).
    pub hidden_folders: Vec<String>,
    pub messages: Vec<MessageSeed>,
    pub fill: Vec<FillSeed>,
    /// `false`: Graph answers 404 `MailboxNotEnabledForRESTAPI` (on-premises, inactive).
    pub rest_api_enabled: Option<bool>,
    /// Per-mailbox latency, overriding `mail_limits.latency_ms`.
    pub latency_ms: Option<u64>,
    /// This mailbox's `MaxSendSize` in bytes, overriding `mail_limits.max_message_bytes`.
    pub max_message_bytes: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessageSeed {
    /// Folder path; created when missing. Default `Inbox`.
    pub folder: Option<String>,
    pub subject: String,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub body: Option<String>,
    /// `text` (default) or `html`.
    pub body_type: Option<String>,
    /// RFC 3339; default: the seed's base time minus a minute per message.
    pub received: Option<String>,
    #[serde(alias = "read")]
    pub is_read: bool,
    pub is_draft: bool,
    pub importance: Option<String>,
    pub categories: Vec<String>,
}

/// Generated filler messages in one folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FillSeed {
    pub folder: String,
    pub count: u32,
    /// Every n-th message is unread (default 3; 0 = all read).
    pub unread_every: Option<u32>,
    /// The address the messages are sent to (default the mailbox).
    pub to: Option<String>,
}

/// `New-ApplicationAccessPolicy` (reference §7.1).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessPolicySeed {
    /// An app ID, or `*` for every app.
    pub app_id: String,
    pub access_right: AccessRight,
    /// The mail-enabled security group the policy is scoped to.
    pub scope_group: String,
    /// Members of the group (mailbox addresses), added to mailboxes' `member_of`.
    pub members: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum AccessRight {
    #[default]
    RestrictAccess,
    DenyAccess,
}

/// Many similar mailboxes from a few lines.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerateSeed {
    pub count: u32,
    /// Address pattern with `{n}`, e.g. `inbox{n}@contoso.com`.
    pub pattern: String,
    /// First `n` (default 1).
    pub start: Option<u32>,
    pub kind: MailboxKind,
    pub tenant: Option<String>,
    pub folders: Vec<String>,
    pub hidden_folders: Vec<String>,
    /// Filler messages in each of `folders`.
    pub messages_per_folder: u32,
    pub unread_every: Option<u32>,
    pub member_of: Vec<String>,
    pub latency_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_seed_parses_and_holds_the_documented_mailboxes() {
        let seed: MailSeed = toml::from_str(BUILTIN_TOML).expect("builtin.toml parses");
        let addresses: Vec<&str> = seed.mailboxes.iter().map(|m| m.address.as_str()).collect();
        for expected in [
            "support@contoso.com",
            "sales@contoso.com",
            "noreply@contoso.com",
            "restricted@contoso.com",
        ] {
            assert!(addresses.contains(&expected), "{expected} missing");
        }
        assert_eq!(seed.access_policies.len(), 1);
        assert_eq!(seed.mail_limits.mailbox_concurrency, 4);
    }

    #[test]
    fn seed_keys_flatten_into_a_parent_document() {
        #[derive(Deserialize)]
        struct Top {
            #[allow(dead_code)]
            tenants: Vec<toml::Value>,
            #[serde(flatten)]
            mail: MailSeed,
        }
        let top: Top = toml::from_str(
            r#"
            tenants = []
            [[mailboxes]]
            address = "a@b.com"
            aliases = [{ address = "c@b.com", behavior = "deny" }]
            [[generate]]
            count = 2
            pattern = "x{n}@b.com"
            "#,
        )
        .expect("parses");
        assert_eq!(
            top.mail.mailboxes[0].aliases[0].behaviour,
            AliasBehaviour::Deny
        );
        assert_eq!(top.mail.generate[0].count, 2);
        assert_eq!(top.mail.mail_limits.mailbox_concurrency, 4);
    }
}
