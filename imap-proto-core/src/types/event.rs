//! Unsolicited server data, surfaced as typed events (RFC 9051 §5.2, §7).

use bytes::Bytes;

use super::{
    Capability, FetchResponse, Flag, MailboxInfo, MailboxStatus, MetadataResponse, StatusResponse,
    StreamedAttribute, UidRange, Untagged,
};

/// Something the server said that no in-flight command claimed. Session state has already
/// been updated from it when the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypedEvent {
    /// `* n EXISTS`: the mailbox now has n messages.
    Exists(u32),
    /// `* n RECENT` (IMAP4rev1).
    Recent(u32),
    /// `* n EXPUNGE`: message n was removed (later numbers shift down).
    Expunge(u32),
    /// `* VANISHED [(EARLIER)] uids` (RFC 7162 §3.2.10).
    Vanished {
        /// True for `(EARLIER)`.
        earlier: bool,
        /// The removed UIDs.
        uids: Vec<UidRange>,
    },
    /// `* n FETCH (...)`: flags or other data changed.
    Fetch(FetchResponse),
    /// `* FLAGS (...)`: the mailbox's defined flags changed.
    Flags(Vec<Flag>),
    /// An untagged OK/NO/BAD with `[ALERT]`: the RFC says the user must see the text.
    Alert(String),
    /// Any other untagged OK/NO/BAD (warnings, keepalives, NOTIFY overflow ...).
    Status(StatusResponse),
    /// `* BYE`: the server is closing the connection.
    Bye(StatusResponse),
    /// `* CAPABILITY ...` sent unsolicited.
    Capability(Vec<Capability>),
    /// `* STATUS` (NOTIFY, RFC 5465 §5.3, or unsolicited).
    MailboxStatus(MailboxStatus),
    /// `* LIST` (NOTIFY mailbox-name events, RFC 5465 §5.4).
    List(MailboxInfo),
    /// `* METADATA` (NOTIFY metadata events, RFC 5464 §4.4.2).
    Metadata(MetadataResponse),
    /// A chunk of a large FETCH literal that no command claimed.
    FetchChunk {
        /// Message sequence number.
        seq: u32,
        /// Which attribute (`BODY[section]` or `BINARY[section]`).
        attribute: StreamedAttribute,
        /// Offset of this chunk within the literal.
        offset: u64,
        /// The bytes.
        data: Bytes,
    },
    /// Events were dropped because the queue was full ([`crate::Config::max_queued_events`]).
    EventsDropped(u64),
    /// An untagged response that failed the grammar, with its bytes and the parse error;
    /// the session went on (docs/security.md, "One bad response costs that response").
    Unparsed(super::Unparsed),
    /// Any other untagged data.
    Other(Untagged),
}

impl TypedEvent {
    /// Classifies unclaimed untagged data.
    pub(crate) fn from_untagged(data: Untagged) -> Self {
        match data {
            Untagged::Exists(n) => TypedEvent::Exists(n),
            Untagged::Recent(n) => TypedEvent::Recent(n),
            Untagged::Expunge(n) => TypedEvent::Expunge(n),
            Untagged::Vanished { earlier, uids } => TypedEvent::Vanished { earlier, uids },
            Untagged::Fetch(f) => TypedEvent::Fetch(f),
            Untagged::Flags(f) => TypedEvent::Flags(f),
            Untagged::Capability(c) => TypedEvent::Capability(c),
            Untagged::MailboxStatus(s) => TypedEvent::MailboxStatus(s),
            Untagged::List(l) => TypedEvent::List(l),
            Untagged::Metadata(m) => TypedEvent::Metadata(m),
            Untagged::Unparsed(u) => TypedEvent::Unparsed(u),
            Untagged::Status(status) => match (&status.kind, &status.code) {
                (super::StatusKind::Bye, _) => TypedEvent::Bye(status),
                (_, Some(super::ResponseCode::Alert)) => {
                    TypedEvent::Alert(String::from_utf8_lossy(&status.text).into_owned())
                }
                _ => TypedEvent::Status(status),
            },
            other => TypedEvent::Other(other),
        }
    }
}
