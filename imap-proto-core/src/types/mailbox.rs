//! Mailbox names, LIST/LSUB data, STATUS data and NAMESPACE data.

use std::borrow::Cow;

use bytes::Bytes;

use super::{MailboxAttribute, mutf7};

/// How a session writes mailbox names: modified UTF-7 (RFC 3501 §5.1.3), or UTF-8 once
/// `UTF8=ACCEPT` is enabled (RFC 6855 §3) or in IMAP4rev2 (RFC 9051 §5.1), where `&` is an
/// ordinary character.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum NameEncoding {
    /// Modified UTF-7, IMAP4rev1's default.
    #[default]
    ModifiedUtf7,
    /// UTF-8.
    Utf8,
}

/// A mailbox name as the server sent it, and how the session wrote names when it was sent.
///
/// The wire form is kept (it is what commands must send back), and [`Mailbox::name`] decodes
/// it into Unicode on demand, so parsing never allocates for it. The encoding is recorded
/// when the response is parsed (from the session's state, see
/// `parse_response_in`), so `name()` is right whichever
/// mode the session was in. Two mailboxes are equal when their wire forms are.
/// `INBOX` is case-insensitive (RFC 9051 §5.1); [`Mailbox::is_inbox`] checks that.
#[derive(Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Mailbox {
    raw: Bytes,
    encoding: NameEncoding,
}

impl Mailbox {
    /// Wraps a wire-form name in modified UTF-7 (IMAP4rev1's default encoding).
    pub fn from_wire(raw: Bytes) -> Self {
        Self::from_wire_in(raw, NameEncoding::ModifiedUtf7)
    }

    /// Wraps a wire-form name written in `encoding`.
    pub fn from_wire_in(raw: Bytes, encoding: NameEncoding) -> Self {
        Mailbox { raw, encoding }
    }

    /// The name exactly as it appeared on the wire.
    pub fn wire(&self) -> &Bytes {
        &self.raw
    }

    /// How the name was written on the wire.
    pub fn encoding(&self) -> NameEncoding {
        self.encoding
    }

    /// The name as a user reads it, decoded from the encoding the session used: from modified
    /// UTF-7, or as UTF-8. A name that is not valid in it (some servers send raw 8-bit names)
    /// is returned as lossy UTF-8 of the wire form instead.
    pub fn name(&self) -> Cow<'_, str> {
        match self.encoding {
            NameEncoding::Utf8 => String::from_utf8_lossy(&self.raw),
            NameEncoding::ModifiedUtf7 => match mutf7::decode(&self.raw) {
                Some(name) => name,
                None => String::from_utf8_lossy(&self.raw),
            },
        }
    }

    /// The name read as UTF-8 whatever the session's encoding. [`Mailbox::name`] already
    /// does this for names sent in UTF-8 mode; this is for names known to be UTF-8 otherwise.
    pub fn utf8_name(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.raw)
    }

    /// True for any capitalisation of `INBOX`.
    pub fn is_inbox(&self) -> bool {
        self.raw.eq_ignore_ascii_case(b"INBOX")
    }
}

impl PartialEq for Mailbox {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for Mailbox {}

impl std::hash::Hash for Mailbox {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.name(), f)
    }
}

/// One `LIST` or `LSUB` line: `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR
/// DQUOTE / nil) SP mailbox [SP mbox-list-extended]` (RFC 9051 §7.3.1, RFC 5258 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MailboxInfo {
    /// Name attributes such as `\HasNoChildren` or `\Sent`.
    pub attributes: Vec<MailboxAttribute>,
    /// The hierarchy delimiter, or `None` for a flat namespace (`NIL`).
    pub delimiter: Option<char>,
    /// The mailbox name.
    pub mailbox: Mailbox,
    /// `mbox-list-extended` items such as `CHILDINFO` and `OLDNAME`.
    pub extended: Vec<ListExtendedItem>,
}

/// `mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val` (RFC 5258 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ListExtendedItem {
    /// `"CHILDINFO" SP "(" list-select-base-opt-quoted *(SP ...) ")"` (RFC 5258 §4)
    ChildInfo(Vec<Bytes>),
    /// `"OLDNAME" SP "(" mailbox ")"` (RFC 5465 §5.4, RFC 9051 §6.3.9.7)
    OldName(Mailbox),
    /// Any other item, with its value kept raw.
    Other {
        /// The item tag.
        tag: Bytes,
        /// The raw `tagged-ext-val`.
        value: Bytes,
    },
}

/// `"STATUS" SP mailbox SP "(" [status-att-list] ")"` (RFC 9051 §7.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MailboxStatus {
    /// The mailbox the data is about.
    pub mailbox: Mailbox,
    /// The items in the order the server sent them.
    pub items: Vec<StatusItem>,
}

/// One `status-att-val` (RFC 9051 §7.3.2, RFC 7162, RFC 8438, RFC 8474, RFC 7889).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum StatusItem {
    /// `MESSAGES n`
    Messages(u32),
    /// `RECENT n` (IMAP4rev1)
    Recent(u32),
    /// `UIDNEXT n`
    UidNext(u32),
    /// `UIDVALIDITY n`
    UidValidity(u32),
    /// `UNSEEN n`
    Unseen(u32),
    /// `DELETED n` (RFC 9051)
    Deleted(u32),
    /// `SIZE n` (RFC 8438)
    Size(u64),
    /// `HIGHESTMODSEQ n` (RFC 7162)
    HighestModSeq(u64),
    /// `MAILBOXID (id)` (RFC 8474)
    MailboxId(Bytes),
    /// `APPENDLIMIT n` or `APPENDLIMIT NIL` (RFC 7889)
    AppendLimit(Option<u64>),
    /// `DELETED-STORAGE n` (RFC 9208)
    DeletedStorage(u64),
    /// Any other item, with its raw value.
    Other {
        /// The item name.
        name: Bytes,
        /// The raw value.
        value: Bytes,
    },
}

/// `namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace` (RFC 2342 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct NamespaceResponse {
    /// Personal namespaces.
    pub personal: Vec<NamespaceDescriptor>,
    /// Other users' namespaces.
    pub other_users: Vec<NamespaceDescriptor>,
    /// Shared namespaces.
    pub shared: Vec<NamespaceDescriptor>,
}

/// `namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) [namespace-response-extensions] ")"`
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct NamespaceDescriptor {
    /// The prefix, e.g. `""` or `"shared/"`.
    pub prefix: Mailbox,
    /// The hierarchy delimiter, or `None`.
    pub delimiter: Option<char>,
    /// `namespace-response-extension = SP string SP "(" string *(SP string) ")"`
    pub extensions: Vec<(Bytes, Vec<Bytes>)>,
}
