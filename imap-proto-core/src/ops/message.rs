//! STORE, COPY, MOVE (with its UIDPLUS fallback), EXPUNGE and UID EXPUNGE
//! (RFC 9051 §6.4.3, §6.4.6–6.4.9; RFC 4315; RFC 6851; RFC 7162).

use crate::contract::session::Session;
use crate::encode;
use crate::types::detach::Detach;
use crate::types::{
    CopyResult, ExpungeResult, FetchResponse, Flag, MoveResult, ResponseCode, SequenceSet,
    StatusKind, StoreOperation, Tagged, UidRange, Untagged,
};
use crate::{Error, Precondition};

use super::command::{CapabilityGate, Collect, Command, Gate, from_tagged};
use super::{Op, OpContext, SELECTED, Step, ok_or_error};

/// STORE or UID STORE, with UNCHANGEDSINCE when given (RFC 7162 §3.1.3). `\Recent` and `\*`
/// are filtered out by the encoder (RFC 9051 §2.3.2).
pub fn store(
    uid: bool,
    set: &SequenceSet,
    operation: StoreOperation,
    flags: &[Flag],
    unchanged_since: Option<u64>,
) -> impl Op<Output = crate::types::StoreResult> + use<> {
    let (set, flags) = (set.clone(), flags.to_vec());
    let reply_set = set.clone();
    Command::new(
        Gate {
            command: if uid { "UID STORE" } else { "STORE" },
            states: SELECTED,
            capability: if unchanged_since.is_some() {
                CapabilityGate::Required("CONDSTORE")
            } else {
                CapabilityGate::None
            },
        },
        move |tag, enc| {
            if uid {
                encode::message::uid_store(tag, enc, &set, operation, &flags, unchanged_since)
            } else {
                encode::message::store(tag, enc, &set, operation, &flags, unchanged_since)
            }
        },
        StoreCollector {
            uid,
            set: reply_set,
            fetched: Vec::new(),
        },
    )
}

/// Gathers the FETCH responses a STORE caused (those for messages in its set; others are
/// unsolicited updates and stay events) and the `[MODIFIED]` code (RFC 7162 §3.1.3).
pub(crate) struct StoreCollector {
    uid: bool,
    set: SequenceSet,
    fetched: Vec<FetchResponse>,
}

impl Collect for StoreCollector {
    type Output = crate::types::StoreResult;
    fn offer(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        match data {
            Untagged::Fetch(fetch)
                if super::fetch::is_reply_to(self.uid, &self.set, &fetch, session) =>
            {
                self.fetched.push(fetch);
                None
            }
            other => Some(other),
        }
    }
    fn finish(self, tagged: Tagged, _ctx: &mut OpContext<'_>) -> Result<Self::Output, Error> {
        let modified = match tagged.status.code {
            Some(ResponseCode::Modified(set)) => set,
            _ => Vec::new(),
        };
        Ok(crate::types::StoreResult {
            // Kept by the caller: a small result must not pin the read buffer.
            fetched: super::compact::compacted(self.fetched),
            modified,
        })
    }
}

/// COPY or UID COPY (RFC 9051 §6.4.7), returning the tagged code (COPYUID, RFC 4315 §3).
pub fn copy(uid: bool, set: &SequenceSet, mailbox: &str) -> impl Op<Output = CopyResult> + use<> {
    let (set, mailbox) = (set.clone(), mailbox.to_string());
    Command::new(
        Gate {
            command: if uid { "UID COPY" } else { "COPY" },
            states: SELECTED,
            capability: CapabilityGate::None,
        },
        move |tag, enc| {
            if uid {
                encode::message::uid_copy(tag, enc, &set, &mailbox)
            } else {
                encode::message::copy(tag, enc, &set, &mailbox)
            }
        },
        from_tagged(|tagged: Tagged, _ctx: &mut OpContext<'_>| {
            Ok(CopyResult {
                code: tagged.status.code,
            })
        }),
    )
    .detach_output()
}

/// Gathers EXPUNGE / VANISHED responses.
#[derive(Default)]
struct Expunges {
    seqs: Vec<u32>,
    uids: Vec<UidRange>,
    vanished: bool,
    /// QRESYNC was enabled when the command started: the server reports removals with
    /// VANISHED (RFC 7162 §3.2.10), so the result is UIDs even when nothing was removed.
    qresync: bool,
}

impl Expunges {
    fn offer(&mut self, data: Untagged) -> Option<Untagged> {
        match data {
            Untagged::Expunge(n) => {
                self.seqs.push(n);
                None
            }
            Untagged::Vanished {
                earlier: false,
                uids,
            } => {
                self.vanished = true;
                self.uids.extend(uids);
                None
            }
            other => Some(other),
        }
    }

    fn expecting_vanished(session: &Session) -> Self {
        Expunges {
            qresync: session.is_enabled("QRESYNC"),
            ..Expunges::default()
        }
    }

    fn result(self) -> ExpungeResult {
        if self.vanished || self.qresync {
            ExpungeResult::Vanished(self.uids)
        } else {
            ExpungeResult::Expunged(self.seqs)
        }
    }
}

/// The EXPUNGE / UID EXPUNGE op.
pub struct Expunge {
    uid_set: Option<SequenceSet>,
    found: Expunges,
}

/// EXPUNGE (RFC 9051 §6.4.3): the result is VANISHED UIDs when QRESYNC is enabled
/// (RFC 7162 §3.2.10), else sequence numbers.
pub fn expunge() -> Expunge {
    Expunge {
        uid_set: None,
        found: Expunges::default(),
    }
}

/// UID EXPUNGE (RFC 4315 §2.1; part of IMAP4rev2, RFC 9051 §6.4.9).
pub fn uid_expunge(set: &SequenceSet) -> Expunge {
    Expunge {
        uid_set: Some(set.clone()),
        found: Expunges::default(),
    }
}

impl Op for Expunge {
    type Output = ExpungeResult;
    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(session, SELECTED, "EXPUNGE")?;
        if self.uid_set.is_some() {
            super::require_capability_or_rev2(session, "UIDPLUS")?;
        }
        if session.selected().is_some_and(|m| m.read_only) {
            return Err(Precondition::ReadOnlyMailbox.into());
        }
        Ok(())
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.found = Expunges::expecting_vanished(ctx.session());
        match &self.uid_set {
            Some(set) => {
                let set = set.clone();
                ctx.send(move |tag, enc| encode::message::uid_expunge(tag, enc, &set))
            }
            None => ctx.send(encode::message::expunge),
        }
    }
    fn on_untagged(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        self.found.offer(data)
    }
    fn on_tagged(&mut self, tagged: Tagged, _ctx: &mut OpContext<'_>) -> Step<ExpungeResult> {
        Step::Done(ok_or_error(tagged).map(|_| std::mem::take(&mut self.found).result()))
    }
}

/// Where a MOVE is in its command sequence.
enum MovePhase {
    /// Native MOVE / UID MOVE sent.
    Native,
    /// Fallback for sequence numbers: `FETCH set (UID)` to learn the UIDs first.
    FetchUids,
    /// Fallback: UID COPY sent.
    Copy,
    /// Fallback: UID STORE +FLAGS.SILENT (\Deleted) sent.
    Store,
    /// Fallback: UID EXPUNGE of exactly the moved UIDs sent.
    Expunge,
}

/// The MOVE op (RFC 6851). Without MOVE (and not on IMAP4rev2) it falls back to
/// `UID COPY` + `UID STORE +FLAGS.SILENT (\Deleted)` + `UID EXPUNGE` (RFC 6851 §4), which
/// needs UIDPLUS: a plain EXPUNGE is never sent, since it would also remove unrelated
/// messages another client marked `\Deleted`.
pub struct Move {
    uid: bool,
    set: SequenceSet,
    mailbox: String,
    phase: MovePhase,
    uids: Vec<u32>,
    code: Option<ResponseCode>,
    found: Expunges,
}

/// MOVE (`uid == false`) or UID MOVE.
pub fn move_messages(uid: bool, set: &SequenceSet, mailbox: &str) -> Move {
    Move {
        uid,
        set: set.clone(),
        mailbox: mailbox.to_string(),
        phase: MovePhase::Native,
        uids: Vec::new(),
        code: None,
        found: Expunges::default(),
    }
}

impl Move {
    fn native(session: &Session) -> bool {
        session.has_or_rev2("MOVE")
    }

    fn uid_set(&self) -> Result<SequenceSet, Error> {
        if self.uid {
            Ok(self.set.clone())
        } else {
            Ok(SequenceSet::from_numbers(self.uids.iter().copied())?)
        }
    }

    /// The result, its code owning its bytes as COPY's does (`Command::detach_output`).
    fn result(&mut self) -> MoveResult {
        MoveResult {
            code: self.code.take().detached(),
            expunged: std::mem::take(&mut self.found).result(),
        }
    }

    fn send_copy(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.phase = MovePhase::Copy;
        let (set, mailbox) = (self.uid_set()?, self.mailbox.clone());
        ctx.send(move |tag, enc| encode::message::uid_copy(tag, enc, &set, &mailbox))
    }
}

impl Op for Move {
    type Output = MoveResult;
    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(
            session,
            SELECTED,
            if self.uid { "UID MOVE" } else { "MOVE" },
        )?;
        if !Self::native(session) && !session.has_capability("UIDPLUS") {
            // Neither MOVE nor the COPY + UID EXPUNGE fallback (UIDPLUS): MOVE is named.
            return Err(Error::MissingCapability("MOVE".into()));
        }
        Ok(())
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.found = Expunges::expecting_vanished(ctx.session());
        if Self::native(ctx.session()) {
            let (uid, set, mailbox) = (self.uid, self.set.clone(), self.mailbox.clone());
            return ctx.send(move |tag, enc| {
                if uid {
                    encode::message::uid_move_messages(tag, enc, &set, &mailbox)
                } else {
                    encode::message::move_messages(tag, enc, &set, &mailbox)
                }
            });
        }
        if self.uid {
            return self.send_copy(ctx);
        }
        self.phase = MovePhase::FetchUids;
        let set = self.set.clone();
        ctx.send(move |tag, enc| {
            encode::message::fetch(
                tag,
                enc,
                &set,
                &[crate::types::FetchAttr::Uid],
                &encode::message::FetchModifiers::default(),
            )
        })
    }
    fn on_untagged(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match (&self.phase, data) {
            (MovePhase::FetchUids, Untagged::Fetch(fetch)) => match fetch.uid() {
                Some(uid) => {
                    self.uids.push(uid);
                    None
                }
                None => Some(Untagged::Fetch(fetch)),
            },
            // RFC 6851 §4.3: COPYUID comes in an untagged OK before the expunges.
            (MovePhase::Native, Untagged::Status(status))
                if status.kind == StatusKind::Ok
                    && matches!(status.code, Some(ResponseCode::CopyUid { .. })) =>
            {
                self.code = status.code;
                None
            }
            (MovePhase::Native | MovePhase::Expunge, data) => self.found.offer(data),
            (_, data) => Some(data),
        }
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<MoveResult> {
        let tagged = match ok_or_error(tagged) {
            Ok(t) => t,
            Err(e) => return Step::Done(Err(e)),
        };
        let next = match self.phase {
            MovePhase::Native => {
                if tagged.status.code.is_some() && self.code.is_none() {
                    self.code = tagged.status.code;
                }
                return Step::Done(Ok(self.result()));
            }
            MovePhase::FetchUids => {
                if self.uids.is_empty() {
                    // No message matched: nothing to copy or expunge (and no code yet).
                    return Step::Done(Ok(self.result()));
                }
                self.send_copy(ctx)
            }
            MovePhase::Copy => {
                self.code = tagged.status.code;
                self.phase = MovePhase::Store;
                match self.uid_set() {
                    Ok(set) => ctx.send(move |tag, enc| {
                        encode::message::uid_store(
                            tag,
                            enc,
                            &set,
                            StoreOperation::Add.silent(),
                            &[Flag::Deleted],
                            None,
                        )
                    }),
                    Err(e) => Err(e),
                }
            }
            MovePhase::Store => {
                self.phase = MovePhase::Expunge;
                match self.uid_set() {
                    Ok(set) => {
                        ctx.send(move |tag, enc| encode::message::uid_expunge(tag, enc, &set))
                    }
                    Err(e) => Err(e),
                }
            }
            MovePhase::Expunge => {
                return Step::Done(Ok(self.result()));
            }
        };
        match next {
            Ok(()) => Step::Continue,
            Err(e) => Step::Done(Err(e)),
        }
    }
}
