//! The typed results of the public methods (the reference's result types).

use bytes::Bytes;

use super::{
    FetchResponse, MailboxStatus, QuotaResource, ResponseCode, StatusItem, StatusResponse, UidRange,
};

/// The result of SEARCH, UID SEARCH, SORT and UID SORT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct SearchResult {
    /// Matching sequence numbers or UIDs (for SORT, in sorted order).
    pub ids: Vec<u32>,
    /// The highest mod-sequence of the matches, when CONDSTORE added it (RFC 7162 §3.1.5).
    pub modseq: Option<u64>,
}

/// The result of STATUS.
///
/// While NOTIFY is active (RFC 5465 §4) the server may send unsolicited STATUS responses for
/// the same mailbox at any time, so a response arriving during the command cannot be told
/// apart from the reply. `items` holds the last STATUS for the mailbox received before the
/// tagged OK; `ambiguous` holds every earlier one, so nothing is lost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct StatusResult {
    /// The status items of the reply.
    pub items: Vec<StatusItem>,
    /// Other STATUS responses for the same mailbox that arrived during the command (only
    /// possible with NOTIFY active).
    pub ambiguous: Vec<MailboxStatus>,
}

impl StatusResult {
    /// `MESSAGES`, if returned.
    pub fn messages(&self) -> Option<u32> {
        self.items.iter().find_map(|i| match i {
            StatusItem::Messages(n) => Some(*n),
            _ => None,
        })
    }

    /// `UNSEEN`, if returned.
    pub fn unseen(&self) -> Option<u32> {
        self.items.iter().find_map(|i| match i {
            StatusItem::Unseen(n) => Some(*n),
            _ => None,
        })
    }

    /// `UIDNEXT`, if returned.
    pub fn uid_next(&self) -> Option<u32> {
        self.items.iter().find_map(|i| match i {
            StatusItem::UidNext(n) => Some(*n),
            _ => None,
        })
    }
}

/// The result of STORE / UID STORE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreResult {
    /// The FETCH responses the server returned (empty for `.SILENT`, except with
    /// CONDSTORE, RFC 7162 §3.1.3).
    pub fetched: Vec<FetchResponse>,
    /// `[MODIFIED set]`: messages not stored because they changed since UNCHANGEDSINCE.
    pub modified: Vec<UidRange>,
}

/// The result of COPY / UID COPY.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CopyResult {
    /// The tagged response code, normally `[COPYUID ...]` (RFC 4315 §3).
    pub code: Option<ResponseCode>,
}

impl CopyResult {
    /// `(uid_validity, source, destination)` from a COPYUID code.
    pub fn copy_uid(&self) -> Option<(u32, &[UidRange], &[UidRange])> {
        match &self.code {
            Some(ResponseCode::CopyUid {
                uid_validity,
                source,
                destination,
            }) => Some((*uid_validity, source, destination)),
            _ => None,
        }
    }
}

/// Messages removed by EXPUNGE, UID EXPUNGE or MOVE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ExpungeResult {
    /// `* n EXPUNGE` sequence numbers, in the order received (RFC 9051 §7.5.1).
    Expunged(Vec<u32>),
    /// `* VANISHED uids` when QRESYNC is enabled (RFC 7162 §3.2.10).
    Vanished(Vec<UidRange>),
}

impl Default for ExpungeResult {
    fn default() -> Self {
        ExpungeResult::Expunged(Vec::new())
    }
}

/// The result of MOVE / UID MOVE (or its COPY + STORE + UID EXPUNGE fallback).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MoveResult {
    /// The response code, typically `[COPYUID ...]` (RFC 6851 §4.3): from the untagged OK
    /// the server sends before the expunges, or from the tagged OK.
    pub code: Option<ResponseCode>,
    /// The EXPUNGE or VANISHED responses (RFC 6851 §3).
    pub expunged: ExpungeResult,
}

/// The result of GETMETADATA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MetadataResult {
    /// Entry names and values; `None` for entries that have no value.
    pub entries: Vec<(String, Option<Bytes>)>,
    /// `[METADATA LONGENTRIES n]`: values over MAXSIZE were left out; n is the largest.
    pub long_entries: Option<u64>,
}

/// The result of GETQUOTAROOT: the mailbox's roots and each root's resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct QuotaRootResponse {
    /// The quota roots of the mailbox.
    pub roots: Vec<String>,
    /// Each root's resources, as `(root, resources)`.
    pub quotas: Vec<(String, Vec<QuotaResource>)>,
}

/// What ended an IDLE (RFC 2177).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdleEvent {
    /// The server sent mailbox data (EXISTS, EXPUNGE, FETCH, VANISHED, ...); the data itself
    /// is on the event queue.
    Changed(Vec<super::TypedEvent>),
    /// The caller's cancellation token fired.
    Cancelled,
    /// The timeout elapsed with nothing from the server.
    TimedOut,
    /// The server ended the IDLE by itself (tagged completion or BYE).
    ServerEnded(Option<StatusResponse>),
}
