//! The data model: what the parser produces and the encoder consumes.
//!
//! Every string a server sends is kept as a [`bytes::Bytes`] slice of the frame it arrived
//! in: parsing copies no payload bytes.

mod acl;
mod capability;
mod fetch;
mod flag;
mod mailbox;
mod metadata;
pub mod mutf7;
mod quota;
mod response;
mod search;

pub use acl::{AclEntry, AclResponse, ListRightsResponse, MyRightsResponse};
pub use capability::Capability;
pub use fetch::{
    Address, BodyExtension, BodyFields, BodyStructure, Disposition, Envelope, ExtensionTail,
    FetchResponse, FetchStreamContinuation, FetchStreamHead, MessageAttribute, MultipartExtension,
    Section, SectionKind, SinglePartExtension, SinglePartSpecific, StreamedAttribute,
};
pub use flag::{Flag, MailboxAttribute};
pub use mailbox::{
    ListExtendedItem, Mailbox, MailboxInfo, MailboxStatus, NamespaceDescriptor, NamespaceResponse,
    StatusItem,
};
pub use metadata::{MetadataEntries, MetadataResponse};
pub use quota::{QuotaResource, QuotaResponse, QuotaRootResponse};
pub use response::{
    Continuation, MetadataCode, Response, ResponseCode, SimpleCode, StatusKind, StatusResponse,
    Tagged, Untagged,
};
pub use search::{EsearchPartial, EsearchResponse, ThreadNode, UidRange};
