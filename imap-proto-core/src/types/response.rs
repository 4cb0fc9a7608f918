//! Top-level server responses (RFC 3501 §7, RFC 9051 §7) and response codes.

use bytes::Bytes;

use super::names::NameTable;

use super::{
    AclResponse, Capability, EsearchResponse, FetchResponse, Flag, ListRightsResponse, MailboxInfo,
    MailboxStatus, MetadataResponse, MyRightsResponse, NamespaceResponse, QuotaResponse, QuotaRoot,
    ThreadNode, UidRange,
};

/// One complete server response, as cut out by the framer and decoded by the parser.
///
/// `response = continue-req / response-data / response-tagged` (RFC 9051 §9, lenient: the
/// framer already split the stream into single responses).
///
/// Exhaustive on purpose: the grammar has exactly these three kinds of response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// `continue-req = "+" SP (resp-text / base64) CRLF`
    Continuation(Continuation),
    /// `response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
    /// capability-data / enable-data) CRLF`
    Untagged(Untagged),
    /// `response-tagged = tag SP resp-cond-state CRLF`
    Tagged(Tagged),
}

/// A continuation request (`+ ...`). Whether the text is base64 (SASL) or human text depends on
/// the command in flight, so both readings are kept: [`Continuation::text`] is the raw text and
/// [`Continuation::code`] is set when it started with a bracketed response code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Continuation {
    /// A response code, when the text parsed as `resp-text` with `"[" resp-text-code "]"`.
    pub code: Option<ResponseCode>,
    /// The remaining text (or the whole base64 payload), without the trailing CRLF.
    pub text: Bytes,
}

/// A tagged completion: `response-tagged = tag SP resp-cond-state CRLF`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tagged {
    /// The tag the client sent.
    pub tag: Bytes,
    /// OK, NO or BAD with its code and text.
    pub status: StatusResponse,
}

/// The status word of a `resp-cond-*` (RFC 9051 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusKind {
    /// `OK`
    Ok,
    /// `NO`
    No,
    /// `BAD`
    Bad,
    /// `PREAUTH` (greeting only)
    PreAuth,
    /// `BYE`
    Bye,
}

/// `resp-cond-state` / `resp-cond-auth` / `resp-cond-bye` with its `resp-text`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusResponse {
    /// OK, NO, BAD, PREAUTH or BYE.
    pub kind: StatusKind,
    /// `"[" resp-text-code "]"`, when present.
    pub code: Option<ResponseCode>,
    /// Human-readable text. Empty when the server omitted it (a common quirk).
    pub text: Bytes,
}

/// Untagged data (`* ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Untagged {
    /// `* OK|NO|BAD|PREAUTH|BYE [code] text` (including the greeting).
    Status(StatusResponse),
    /// `capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1" *(SP capability)`
    Capability(Vec<Capability>),
    /// `enable-data = "ENABLED" *(SP capability)` (RFC 5161 §4)
    Enabled(Vec<Capability>),
    /// `id-response = "ID" SP id-params-list` (RFC 2971 §4); `None` for `ID NIL`.
    Id(Option<Vec<(Bytes, Option<Bytes>)>>),
    /// `namespace-response` (RFC 2342 §5, RFC 9051 §7.2.2)
    Namespace(NamespaceResponse),
    /// `"LIST" SP mailbox-list`
    List(MailboxInfo),
    /// `"LSUB" SP mailbox-list`
    Lsub(MailboxInfo),
    /// `"STATUS" SP mailbox SP "(" [status-att-list] ")"`
    MailboxStatus(MailboxStatus),
    /// `"SEARCH" *(SP nz-number) [SP search-sort-mod-seq]` (RFC 3501 §7.2.5, RFC 7162 §3.1.5)
    Search {
        /// Matching sequence numbers or UIDs.
        numbers: Vec<u32>,
        /// `(MODSEQ n)` when CONDSTORE added it.
        modseq: Option<u64>,
    },
    /// `esearch-response` (RFC 4731 §3.1, RFC 9051 §7.3.4)
    Esearch(EsearchResponse),
    /// `sort-data = "SORT" *(SP nz-number) [SP search-sort-mod-seq]` (RFC 5256 §4)
    Sort {
        /// Sorted sequence numbers or UIDs.
        numbers: Vec<u32>,
        /// `(MODSEQ n)` when CONDSTORE added it.
        modseq: Option<u64>,
    },
    /// `thread-data = "THREAD" [SP 1*thread-list]` (RFC 5256 §4)
    Thread(Vec<ThreadNode>),
    /// `"FLAGS" SP flag-list`
    Flags(Vec<Flag>),
    /// `number SP "EXISTS"`
    Exists(u32),
    /// `number SP "RECENT"` (IMAP4rev1 only)
    Recent(u32),
    /// `nz-number SP "EXPUNGE"`
    Expunge(u32),
    /// `"VANISHED" [SP "(EARLIER)"] SP known-uids` (RFC 7162 §3.2.10)
    Vanished {
        /// `(EARLIER)`: a reply to a FETCH/SELECT resync, not a fresh expunge.
        earlier: bool,
        /// The expunged UIDs.
        uids: Vec<UidRange>,
    },
    /// `nz-number SP "FETCH" SP msg-att`
    Fetch(FetchResponse),
    /// `quota-response` (RFC 9208 §5.1)
    Quota(QuotaResponse),
    /// `quotaroot-response` (RFC 9208 §5.2)
    QuotaRoot(QuotaRoot),
    /// `acl-data` (RFC 4314 §3.6)
    Acl(AclResponse),
    /// `listrights-data` (RFC 4314 §3.7)
    ListRights(ListRightsResponse),
    /// `myrights-data` (RFC 4314 §3.8)
    MyRights(MyRightsResponse),
    /// `metadata-resp` (RFC 5464 §4.4)
    Metadata(MetadataResponse),
    /// An untagged response that failed the grammar inside intact framing, kept with its
    /// parse error instead of ending the session (docs/security.md). Unparseable FETCH
    /// responses come as [`Untagged::Fetch`] with a [`super::MessageAttribute::Unparsed`].
    Unparsed(super::Unparsed),
    /// Any other untagged response, kept raw so nothing the server said is lost.
    /// `keyword` is the first atom after `* ` (or after the number), `raw` is the whole line
    /// without the CRLF.
    Other {
        /// The response keyword, e.g. `XLIST` or `X-FOO`.
        keyword: Bytes,
        /// The whole response without its CRLF.
        raw: Bytes,
    },
}

/// `resp-text-code` (RFC 3501 §7.1, RFC 9051 §7.1 and the extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ResponseCode {
    /// `ALERT`
    Alert,
    /// `BADCHARSET [SP "(" charset *(SP charset) ")"]`
    BadCharset(Vec<Bytes>),
    /// `capability-data`
    Capability(Vec<Capability>),
    /// `PARSE`
    Parse,
    /// `PERMANENTFLAGS SP "(" [flag-perm *(SP flag-perm)] ")"`
    PermanentFlags(Vec<Flag>),
    /// `READ-ONLY`
    ReadOnly,
    /// `READ-WRITE`
    ReadWrite,
    /// `TRYCREATE`
    TryCreate,
    /// `UIDNEXT SP nz-number`
    UidNext(u32),
    /// `UIDVALIDITY SP nz-number`
    UidValidity(u32),
    /// `UNSEEN SP nz-number`
    Unseen(u32),
    /// `APPENDUID SP nz-number SP append-uid` (RFC 4315 §3; a uid-set with MULTIAPPEND)
    AppendUid {
        /// UIDVALIDITY of the destination mailbox.
        uid_validity: u32,
        /// The UIDs assigned, in message order.
        uids: Vec<UidRange>,
    },
    /// `COPYUID SP nz-number SP uid-set SP uid-set` (RFC 4315 §3)
    CopyUid {
        /// UIDVALIDITY of the destination mailbox.
        uid_validity: u32,
        /// Source UIDs.
        source: Vec<UidRange>,
        /// Destination UIDs, in the same order.
        destination: Vec<UidRange>,
    },
    /// `UIDNOTSTICKY` (RFC 4315 §3)
    UidNotSticky,
    /// `HIGHESTMODSEQ SP mod-sequence-value` (RFC 7162 §3.1.2.1)
    HighestModSeq(u64),
    /// `NOMODSEQ` (RFC 7162 §3.1.2.2)
    NoModSeq,
    /// `MODIFIED SP sequence-set` (RFC 7162 §3.1.3)
    Modified(Vec<UidRange>),
    /// `CLOSED` (RFC 7162 §3.2.11)
    Closed,
    /// `NOTSAVED` (RFC 5182 §2.1)
    NotSaved,
    /// `COMPRESSIONACTIVE` (RFC 4978 §4)
    CompressionActive,
    /// `MAILBOXID SP "(" objectid ")"` (RFC 8474 §4.1)
    MailboxId(Bytes),
    /// `TOOBIG` (RFC 4469 §5 / RFC 7889 §4)
    TooBig,
    /// `METADATA LONGENTRIES n` / `MAXSIZE n` / `TOOMANY` / `NOPRIVATE` (RFC 5464 §4.2.1, §4.3)
    Metadata(MetadataCode),
    /// `BADEVENT SP "(" event *(SP event) ")"` (RFC 5465 §5.1)
    BadEvent(Vec<Bytes>),
    /// `NOTIFICATIONOVERFLOW` (RFC 5465 §5.8)
    NotificationOverflow,
    /// `USEATTR` (RFC 6154 §6)
    UseAttr,
    /// `REFERRAL SP url` (RFC 2221 §4.1)
    Referral(Bytes),
    /// A response code of RFC 5530 or RFC 9051 without arguments
    /// (AUTHENTICATIONFAILED, OVERQUOTA, NONEXISTENT, SERVERBUG, ...).
    Simple(SimpleCode),
    /// `atom [SP 1*<any TEXT-CHAR except "]">]`: any other code, kept raw.
    Other {
        /// The code's atom, e.g. `URLMECH`.
        name: Bytes,
        /// Its argument text, if any.
        value: Option<Bytes>,
    },
}

/// The argument-free response codes of RFC 5530 and RFC 9051 §7.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is the code of the same name
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SimpleCode {
    Unavailable,
    AuthenticationFailed,
    AuthorizationFailed,
    Expired,
    PrivacyRequired,
    ContactAdmin,
    NoPerm,
    InUse,
    ExpungeIssued,
    Corruption,
    ServerBug,
    ClientBug,
    Cannot,
    Limit,
    OverQuota,
    AlreadyExists,
    NonExistent,
    HasChildren,
    UnknownCte,
}

impl SimpleCode {
    /// The code named `name`, e.g. `b"NONEXISTENT"`.
    pub(crate) fn from_name(upper: &[u8]) -> Option<Self> {
        SIMPLE_CODES.find(upper)
    }

    /// The code's name as servers send it, e.g. `NONEXISTENT`.
    pub fn as_str(self) -> &'static str {
        SIMPLE_CODES.name_of(&self).unwrap_or_default()
    }
}

/// Every [`SimpleCode`] by its name.
static SIMPLE_CODES: NameTable<SimpleCode> = NameTable(&[
    ("UNAVAILABLE", SimpleCode::Unavailable),
    ("AUTHENTICATIONFAILED", SimpleCode::AuthenticationFailed),
    ("AUTHORIZATIONFAILED", SimpleCode::AuthorizationFailed),
    ("EXPIRED", SimpleCode::Expired),
    ("PRIVACYREQUIRED", SimpleCode::PrivacyRequired),
    ("CONTACTADMIN", SimpleCode::ContactAdmin),
    ("NOPERM", SimpleCode::NoPerm),
    ("INUSE", SimpleCode::InUse),
    ("EXPUNGEISSUED", SimpleCode::ExpungeIssued),
    ("CORRUPTION", SimpleCode::Corruption),
    ("SERVERBUG", SimpleCode::ServerBug),
    ("CLIENTBUG", SimpleCode::ClientBug),
    ("CANNOT", SimpleCode::Cannot),
    ("LIMIT", SimpleCode::Limit),
    ("OVERQUOTA", SimpleCode::OverQuota),
    ("ALREADYEXISTS", SimpleCode::AlreadyExists),
    ("NONEXISTENT", SimpleCode::NonExistent),
    ("HASCHILDREN", SimpleCode::HasChildren),
    ("UNKNOWN-CTE", SimpleCode::UnknownCte),
]);

/// The `METADATA` response-code arguments (RFC 5464 §4.2.1, §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum MetadataCode {
    /// `LONGENTRIES n`: some values exceeded MAXSIZE; n is the largest.
    LongEntries(u64),
    /// `MAXSIZE n`: the largest value the server accepts.
    MaxSize(u64),
    /// `TOOMANY`: too many annotations.
    TooMany,
    /// `NOPRIVATE`: private annotations are not supported.
    NoPrivate,
}
