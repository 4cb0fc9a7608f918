//! SELECT / EXAMINE parameters (RFC 4466 §2.1 `select-params`, RFC 7162 §3.1.8 and §3.2.5).

use super::SequenceSet;

/// Options for SELECT and EXAMINE.
///
/// `SelectOptions::default()` is a plain SELECT. [`SelectOptions::condstore`] adds
/// `(CONDSTORE)`; [`SelectOptions::qresync`] adds `(QRESYNC (...))`, which implies CONDSTORE
/// and needs `ENABLE QRESYNC` first (RFC 7162 §3.2.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelectOptions {
    /// Send the `CONDSTORE` parameter (RFC 7162 §3.1.8). Ignored when `qresync` is set, since
    /// QRESYNC implies it.
    pub condstore: bool,
    /// Send the `QRESYNC` parameter (RFC 7162 §3.2.5).
    pub qresync: Option<QresyncParams>,
}

impl SelectOptions {
    /// `SELECT mailbox (CONDSTORE)`.
    pub fn condstore() -> Self {
        SelectOptions {
            condstore: true,
            qresync: None,
        }
    }

    /// `SELECT mailbox (QRESYNC (...))`.
    pub fn qresync(params: QresyncParams) -> Self {
        SelectOptions {
            condstore: false,
            qresync: Some(params),
        }
    }
}

/// What the client remembers from its last session with a mailbox (RFC 7162 §3.2.5):
/// `"QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"`.
///
/// Built with [`QresyncParams::new`] and the `with_*` setters (`#[non_exhaustive]`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QresyncParams {
    /// The UIDVALIDITY of the cached state (non-zero).
    pub uid_validity: u32,
    /// The HIGHESTMODSEQ of the cached state (1 to 2^63-1).
    pub mod_seq: u64,
    /// The UIDs the client knows; `*` is not allowed.
    pub known_uids: Option<SequenceSet>,
    /// Pairs of message numbers and their UIDs, to help the server find what was expunged:
    /// `(known-sequence-set, known-uid-set)`; `*` is not allowed in either.
    pub seq_match: Option<(SequenceSet, SequenceSet)>,
}

impl QresyncParams {
    /// The cached UIDVALIDITY and HIGHESTMODSEQ, without known UIDs or sequence match data.
    pub fn new(uid_validity: u32, mod_seq: u64) -> Self {
        QresyncParams {
            uid_validity,
            mod_seq,
            known_uids: None,
            seq_match: None,
        }
    }

    /// Sets [`QresyncParams::known_uids`].
    pub fn with_known_uids(mut self, known_uids: SequenceSet) -> Self {
        self.known_uids = Some(known_uids);
        self
    }

    /// Sets [`QresyncParams::seq_match`]: message numbers and their UIDs.
    pub fn with_seq_match(mut self, seqs: SequenceSet, uids: SequenceSet) -> Self {
        self.seq_match = Some((seqs, uids));
        self
    }
}
