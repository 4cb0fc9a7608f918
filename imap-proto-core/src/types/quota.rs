//! QUOTA and QUOTAROOT data (RFC 2087 §5, RFC 9208 §5).

use bytes::Bytes;

use super::Mailbox;

/// `quota-response = "QUOTA" SP quota-root-name SP quota-list`
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct QuotaResponse {
    /// The quota root, e.g. `"User quota"` (Dovecot) or `INBOX` (Cyrus).
    pub root: Bytes,
    /// The resources under that root.
    pub resources: Vec<QuotaResource>,
}

/// `quota-resource = resource-name SP resource-usage SP resource-limit`
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct QuotaResource {
    /// `STORAGE`, `MESSAGE`, `MAILBOX`, `ANNOTATION-STORAGE`, ...
    pub name: Bytes,
    /// Current usage (STORAGE is in KiB units).
    pub usage: u64,
    /// The limit.
    pub limit: u64,
}

/// `quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)`
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct QuotaRoot {
    /// The mailbox asked about.
    pub mailbox: Mailbox,
    /// Its quota roots (possibly none).
    pub roots: Vec<Bytes>,
}
