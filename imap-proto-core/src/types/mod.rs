//! The data model: what the parser produces and the encoder consumes.
//!
//! Every string a server sends is kept as a [`bytes::Bytes`] slice of the frame it arrived
//! in (or, inside an [`Envelope`], as a range of one such slice): parsing copies no payload
//! bytes.

mod acl;
mod append;
pub(crate) mod body_structure;
mod capability;
mod compact_table;
#[cfg(feature = "chrono")]
mod date;
#[cfg(feature = "decode")]
mod decode;
pub(crate) mod detach;
mod display;
pub(crate) mod encode_error;
pub(crate) mod envelope;
pub(crate) mod event;
mod fetch;
mod fetch_attr;
mod flag;
pub(crate) mod lexical;
mod mailbox;
mod message_flags;
mod metadata;
pub mod mutf7;
mod names;
mod notify;
pub(crate) mod parse_error;
mod quota;
mod response;
mod results;
mod search;
mod search_criteria;
mod select;
mod selected;
mod sequence;
#[cfg(all(test, feature = "serde"))]
mod serde_round_trip;
mod session_state;
mod store;
mod stream_part;
mod sync;
mod unparsed;
mod wire_text;

pub use acl::{AclEntry, AclResponse, ListRightsResponse, MyRightsResponse};
pub use append::{AppendMessage, normalize_date_time};
pub use body_structure::{BodyExtension, BodyPart, BodyStructure, Disposition, Params, Parts};
pub(crate) use body_structure::{BodyTables, PartNode};
pub use capability::Capability;
#[cfg(feature = "chrono")]
pub use date::{format_date_time, parse_date_time, parse_rfc5322_date};
#[cfg(feature = "decode")]
pub use decode::decode_header;
pub(crate) use encode_error::EncodeError;
pub use envelope::{Address, Addresses, Envelope};
pub(crate) use envelope::{EnvelopeTables, ListKind, RawAddress, StringKind};
pub(crate) use event::TypedEvent;
pub use fetch::{
    BinaryData, FetchResponse, FetchStreamContinuation, FetchStreamHead, MessageAttribute,
    OtherAttribute, Section, SectionData, SectionKind, StreamedAttribute,
};
pub use fetch_attr::{FetchAttr, Partial};
pub use flag::{Flag, MailboxAttribute};
pub use mailbox::{
    ListExtendedItem, Mailbox, MailboxInfo, MailboxStatus, NameEncoding, NamespaceDescriptor,
    NamespaceResponse, StatusItem,
};
pub use message_flags::{MessageFlags, MessageFlagsIter};
pub use metadata::{MetadataEntries, MetadataResponse};
pub use notify::{NotifyEvent, NotifyEventGroup, NotifyEvents, NotifyFilter, NotifySetParams};
pub(crate) use parse_error::ParseError;
pub use quota::{QuotaResource, QuotaResponse, QuotaRoot};
pub use response::{
    Continuation, MetadataCode, Response, ResponseCode, SimpleCode, StatusKind, StatusResponse,
    Tagged, Untagged,
};
pub use results::{
    CopyResult, ExpungeResult, IdleEvent, MetadataResult, MoveResult, QuotaRootResponse,
    SearchResult, StatusResult, StoreResult,
};
pub use search::{EsearchPartial, EsearchResponse, ThreadNode, UidRange};
pub use search_criteria::SearchCriteria;
pub use select::{QresyncParams, SelectOptions};
pub use selected::SelectedMailbox;
pub use sequence::{SeqNumber, SequenceItem, SequenceSet};
pub use session_state::SessionState;
pub use store::StoreOperation;
pub use stream_part::StreamPart;
pub use sync::{
    FlagUpdate, MailboxState, SyncDelta, SyncOptions, SyncStrategy, UidSet, UidSetParseError,
};
pub use unparsed::Unparsed;
pub(crate) use wire_text::{Field, MAX_WIRE_TEXT_LEN};
