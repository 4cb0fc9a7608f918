//! ACL data (RFC 4314 §3.6–3.8).

use bytes::Bytes;

use super::Mailbox;

/// `acl-data = "ACL" SP mailbox *(SP identifier SP rights)`
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct AclResponse {
    /// The mailbox.
    pub mailbox: Mailbox,
    /// Identifier/rights pairs.
    pub entries: Vec<AclEntry>,
}

/// One identifier and its rights, e.g. `bob` / `lrs`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct AclEntry {
    /// The user or group identifier.
    pub identifier: Bytes,
    /// The rights string.
    pub rights: Bytes,
}

/// `listrights-data = "LISTRIGHTS" SP mailbox SP identifier SP rights *(SP rights)`
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ListRightsResponse {
    /// The mailbox.
    pub mailbox: Mailbox,
    /// The identifier asked about.
    pub identifier: Bytes,
    /// Rights always granted.
    pub required: Bytes,
    /// Groups of rights that can be granted independently.
    pub optional: Vec<Bytes>,
}

/// `myrights-data = "MYRIGHTS" SP mailbox SP rights`
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MyRightsResponse {
    /// The mailbox.
    pub mailbox: Mailbox,
    /// The logged-in user's rights.
    pub rights: Bytes,
}
