//! Message flags (RFC 3501 §2.3.2, RFC 9051 §2.3.2) and mailbox attributes
//! (RFC 9051 §7.3.1, RFC 6154 §2, RFC 5258 §3.4).

use bytes::Bytes;

/// A message flag.
///
/// `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension`
/// plus `\Recent` (`flag-fetch`, IMAP4rev1) and `\*` (`flag-perm`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `\Seen`
    Seen,
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Draft`
    Draft,
    /// `\Recent` (server-only, IMAP4rev1; never valid in STORE or APPEND)
    Recent,
    /// `\*` in PERMANENTFLAGS: new keywords may be created (never valid in STORE)
    MayCreate,
    /// A keyword such as `$Forwarded` or `$Junk` (`flag-keyword = atom`).
    Keyword(Bytes),
    /// Any other `\`-flag (`flag-extension = "\" atom`), stored without the backslash.
    Extension(Bytes),
}

impl Flag {
    /// Builds a keyword flag, e.g. `Flag::keyword("$Junk")`.
    pub fn keyword(name: impl Into<Bytes>) -> Self {
        Flag::Keyword(name.into())
    }

    /// Classifies a flag as it appears on the wire, matching system flags case-insensitively
    /// (RFC 9051 §2.3.2: flags are case-insensitive).
    pub fn from_wire(raw: Bytes) -> Self {
        if let Some(name) = raw.strip_prefix(b"\\") {
            Flag::system(name).unwrap_or_else(|| Flag::Extension(raw.slice(1..)))
        } else {
            Flag::Keyword(raw)
        }
    }

    /// The system flag (or `\*`) whose name, without the backslash, is `name`, matched
    /// case-insensitively. Lets parsers classify a flag before making any `Bytes` for it.
    pub(crate) fn system(name: &[u8]) -> Option<Self> {
        let known = [
            (&b"Seen"[..], Flag::Seen),
            (b"Answered", Flag::Answered),
            (b"Flagged", Flag::Flagged),
            (b"Deleted", Flag::Deleted),
            (b"Draft", Flag::Draft),
            (b"Recent", Flag::Recent),
            (b"*", Flag::MayCreate),
        ];
        known
            .into_iter()
            .find_map(|(spelling, flag)| name.eq_ignore_ascii_case(spelling).then_some(flag))
    }
}

/// A mailbox attribute from LIST/LSUB (`mbx-list-flags`), including the special-use
/// attributes of RFC 6154 and the LIST-EXTENDED attributes of RFC 5258.
///
/// Matching is case-insensitive: Cyrus 3.6 sends special-use attributes in lower case
/// (`\drafts`, `\sent`); see `docs/quirks.md`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the attribute of the same name
pub enum MailboxAttribute {
    NoInferiors,
    NoSelect,
    Marked,
    Unmarked,
    NonExistent,
    Subscribed,
    Remote,
    HasChildren,
    HasNoChildren,
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
    Important,
    /// Any other `\`-attribute, stored without the backslash.
    Extension(Bytes),
}

impl MailboxAttribute {
    /// Classifies an attribute as it appears on the wire (with its leading backslash).
    pub fn from_wire(raw: Bytes) -> Self {
        let name = raw.strip_prefix(b"\\").unwrap_or(&raw);
        if let Some(known) = MailboxAttribute::known(name) {
            return known;
        }
        let skip = raw.len() - name.len();
        MailboxAttribute::Extension(raw.slice(skip..))
    }

    /// The defined attribute whose name, without the backslash, is `name`, matched
    /// case-insensitively. Lets parsers classify an attribute before making any `Bytes`.
    pub(crate) fn known(name: &[u8]) -> Option<Self> {
        let known = [
            (&b"Noinferiors"[..], MailboxAttribute::NoInferiors),
            (b"Noselect", MailboxAttribute::NoSelect),
            (b"Marked", MailboxAttribute::Marked),
            (b"Unmarked", MailboxAttribute::Unmarked),
            (b"NonExistent", MailboxAttribute::NonExistent),
            (b"Subscribed", MailboxAttribute::Subscribed),
            (b"Remote", MailboxAttribute::Remote),
            (b"HasChildren", MailboxAttribute::HasChildren),
            (b"HasNoChildren", MailboxAttribute::HasNoChildren),
            (b"All", MailboxAttribute::All),
            (b"Archive", MailboxAttribute::Archive),
            (b"Drafts", MailboxAttribute::Drafts),
            (b"Flagged", MailboxAttribute::Flagged),
            (b"Junk", MailboxAttribute::Junk),
            (b"Sent", MailboxAttribute::Sent),
            (b"Trash", MailboxAttribute::Trash),
            (b"Important", MailboxAttribute::Important),
        ];
        known
            .into_iter()
            .find_map(|(spelling, attr)| name.eq_ignore_ascii_case(spelling).then_some(attr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_flags_case_insensitively() {
        assert_eq!(Flag::from_wire(Bytes::from_static(b"\\seen")), Flag::Seen);
        assert_eq!(Flag::from_wire(Bytes::from_static(b"\\*")), Flag::MayCreate);
        assert_eq!(
            Flag::from_wire(Bytes::from_static(b"\\X-Custom")),
            Flag::Extension(Bytes::from_static(b"X-Custom"))
        );
        assert_eq!(
            Flag::from_wire(Bytes::from_static(b"$Junk")),
            Flag::Keyword(Bytes::from_static(b"$Junk"))
        );
    }

    #[test]
    fn classifies_cyrus_lowercase_special_use() {
        assert_eq!(
            MailboxAttribute::from_wire(Bytes::from_static(b"\\drafts")),
            MailboxAttribute::Drafts
        );
        assert_eq!(
            MailboxAttribute::from_wire(Bytes::from_static(b"\\X-Thing")),
            MailboxAttribute::Extension(Bytes::from_static(b"X-Thing"))
        );
    }
}
