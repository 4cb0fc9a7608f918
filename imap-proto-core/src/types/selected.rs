//! The selected mailbox as the client last saw it (RFC 9051 §6.3.2, kept current from
//! unsolicited data, §7).

use bytes::Bytes;

use super::{FetchResponse, Flag, UidRange};

/// The selected mailbox as the client last saw it (the result of SELECT/EXAMINE, kept
/// current by unsolicited EXISTS, EXPUNGE, VANISHED, FLAGS and response codes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct SelectedMailbox {
    /// The mailbox name as sent.
    pub name: String,
    /// True after EXAMINE or a `[READ-ONLY]` SELECT.
    pub read_only: bool,
    /// `* n EXISTS`
    pub exists: u32,
    /// `* n RECENT` (IMAP4rev1 only).
    pub recent: u32,
    /// `[UIDVALIDITY n]`
    pub uid_validity: Option<u32>,
    /// `[UIDNEXT n]`
    pub uid_next: Option<u32>,
    /// `[UNSEEN n]` (IMAP4rev1): the first unseen message.
    pub unseen: Option<u32>,
    /// `[HIGHESTMODSEQ n]` (RFC 7162 §3.1.2.1).
    pub highest_modseq: Option<u64>,
    /// `[NOMODSEQ]`: the mailbox does not support mod-sequences (RFC 7162 §3.1.2.2).
    pub no_modseq: bool,
    /// `* FLAGS (...)`: the flags defined in the mailbox.
    pub flags: Vec<Flag>,
    /// `[PERMANENTFLAGS (...)]`: the flags the client can change permanently.
    pub permanent_flags: Vec<Flag>,
    /// `[MAILBOXID (id)]` (RFC 8474).
    pub mailbox_id: Option<Bytes>,
    /// `* VANISHED (EARLIER)` received during a QRESYNC SELECT (RFC 7162 §3.2.5.2).
    pub vanished: Vec<UidRange>,
    /// `* FETCH` received during a QRESYNC SELECT: messages changed since the given modseq.
    pub changed: Vec<FetchResponse>,
}

impl SelectedMailbox {
    pub(crate) fn new(name: String, read_only: bool) -> Self {
        SelectedMailbox {
            name,
            read_only,
            exists: 0,
            recent: 0,
            uid_validity: None,
            uid_next: None,
            unseen: None,
            highest_modseq: None,
            no_modseq: false,
            flags: Vec::new(),
            permanent_flags: Vec::new(),
            mailbox_id: None,
            vanished: Vec::new(),
            changed: Vec::new(),
        }
    }
}
