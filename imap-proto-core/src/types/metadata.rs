//! METADATA data (RFC 5464 §4.4).

use bytes::Bytes;

use super::Mailbox;

/// `metadata-resp = "METADATA" SP mailbox SP (entry-values / entry-list)`
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MetadataResponse {
    /// The mailbox (empty for server metadata).
    pub mailbox: Mailbox,
    /// Values (a GETMETADATA reply) or bare entry names (an unsolicited change notice).
    pub entries: MetadataEntries,
}

/// The two forms of `metadata-resp`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum MetadataEntries {
    /// `entry-values = "(" entry-value *(SP entry-value) ")"`; `None` is `NIL` (no value).
    Values(Vec<(Bytes, Option<Bytes>)>),
    /// `entry-list = entry *(SP entry)`: entries that changed (RFC 5464 §4.4.2).
    Changed(Vec<Bytes>),
}
