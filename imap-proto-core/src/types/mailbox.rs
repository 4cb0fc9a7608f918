//! Mailbox names, LIST/LSUB data, STATUS data and NAMESPACE data.

use std::borrow::Cow;

use bytes::Bytes;

use super::{MailboxAttribute, mutf7};

/// A mailbox name as the server sent it.
///
/// The wire form is kept (it is what commands must send back), and [`Mailbox::name`] decodes
/// modified UTF-7 (RFC 3501 §5.1.3) into Unicode on demand, so parsing never allocates for it.
/// `INBOX` is case-insensitive (RFC 9051 §5.1); [`Mailbox::is_inbox`] checks that.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    raw: Bytes,
}

impl Mailbox {
    /// Wraps a wire-form name.
    pub fn from_wire(raw: Bytes) -> Self {
        Mailbox { raw }
    }

    /// The name exactly as it appeared on the wire.
    pub fn wire(&self) -> &Bytes {
        &self.raw
    }

    /// The name decoded from modified UTF-7. A name that is not valid modified UTF-7 (some
    /// servers send raw 8-bit names) is returned as lossy UTF-8 of the wire form instead.
    pub fn name(&self) -> Cow<'_, str> {
        match mutf7::decode(&self.raw) {
            Some(name) => name,
            None => String::from_utf8_lossy(&self.raw),
        }
    }

    /// The name when the session runs with UTF-8 mailbox names (RFC 6855 `UTF8=ACCEPT`, or
    /// IMAP4rev2), where `&` is an ordinary character.
    pub fn utf8_name(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.raw)
    }

    /// True for any capitalisation of `INBOX`.
    pub fn is_inbox(&self) -> bool {
        self.raw.eq_ignore_ascii_case(b"INBOX")
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
pub struct MailboxStatus {
    /// The mailbox the data is about.
    pub mailbox: Mailbox,
    /// The items in the order the server sent them.
    pub items: Vec<StatusItem>,
}

/// One `status-att-val` (RFC 9051 §7.3.2, RFC 7162, RFC 8438, RFC 8474, RFC 7889).
#[derive(Debug, Clone, PartialEq, Eq)]
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
pub struct NamespaceDescriptor {
    /// The prefix, e.g. `""` or `"shared/"`.
    pub prefix: Mailbox,
    /// The hierarchy delimiter, or `None`.
    pub delimiter: Option<char>,
    /// `namespace-response-extension = SP string SP "(" string *(SP string) ")"`
    pub extensions: Vec<(Bytes, Vec<Bytes>)>,
}
