//! Message flags (RFC 3501 §2.3.2, RFC 9051 §2.3.2) and mailbox attributes
//! (RFC 9051 §7.3.1, RFC 6154 §2, RFC 5258 §3.4).

use bytes::Bytes;

use super::names::NameTable;

/// A message flag.
///
/// `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension`
/// plus `\Recent` (`flag-fetch`, IMAP4rev1) and `\*` (`flag-perm`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
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
        SYSTEM_FLAGS.find(name)
    }

    /// The name of a system flag (or `\*`) without its backslash; `None` for keywords and
    /// extensions.
    pub(crate) fn system_name(&self) -> Option<&'static str> {
        SYSTEM_FLAGS.name_of(self)
    }
}

/// The system flags and `\*`, by their names without the backslash.
static SYSTEM_FLAGS: NameTable<Flag> = NameTable(&[
    ("Seen", Flag::Seen),
    ("Answered", Flag::Answered),
    ("Flagged", Flag::Flagged),
    ("Deleted", Flag::Deleted),
    ("Draft", Flag::Draft),
    ("Recent", Flag::Recent),
    ("*", Flag::MayCreate),
]);

/// A mailbox attribute from LIST/LSUB (`mbx-list-flags`), including the special-use
/// attributes of RFC 6154 and the LIST-EXTENDED attributes of RFC 5258.
///
/// Matching is case-insensitive: Cyrus 3.6 sends special-use attributes in lower case
/// (`\drafts`, `\sent`); see `docs/quirks.md`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the attribute of the same name
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
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
        KNOWN_ATTRIBUTES.find(name)
    }

    /// The name of a defined attribute without its backslash; `None` for extensions.
    pub(crate) fn known_name(&self) -> Option<&'static str> {
        KNOWN_ATTRIBUTES.name_of(self)
    }
}

/// The defined mailbox attributes, by their names without the backslash.
static KNOWN_ATTRIBUTES: NameTable<MailboxAttribute> = NameTable(&[
    ("Noinferiors", MailboxAttribute::NoInferiors),
    ("Noselect", MailboxAttribute::NoSelect),
    ("Marked", MailboxAttribute::Marked),
    ("Unmarked", MailboxAttribute::Unmarked),
    ("NonExistent", MailboxAttribute::NonExistent),
    ("Subscribed", MailboxAttribute::Subscribed),
    ("Remote", MailboxAttribute::Remote),
    ("HasChildren", MailboxAttribute::HasChildren),
    ("HasNoChildren", MailboxAttribute::HasNoChildren),
    ("All", MailboxAttribute::All),
    ("Archive", MailboxAttribute::Archive),
    ("Drafts", MailboxAttribute::Drafts),
    ("Flagged", MailboxAttribute::Flagged),
    ("Junk", MailboxAttribute::Junk),
    ("Sent", MailboxAttribute::Sent),
    ("Trash", MailboxAttribute::Trash),
    ("Important", MailboxAttribute::Important),
]);

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
