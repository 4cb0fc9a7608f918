//! Mailbox synchronisation: select a mailbox and report what changed since a saved
//! [`MailboxState`], with the best the server offers (RFC 7162 §3.2.5 QRESYNC, §3.1
//! CONDSTORE, else a UID and FLAGS listing). One op that chains the commands it needs, like
//! the MOVE fallback: each step is an existing op (ENABLE, SELECT, UID FETCH, UID SEARCH)
//! run as a phase, so their parsing and claiming rules apply unchanged.
//!
//! Why the saved HIGHESTMODSEQ is the one SELECT reported, never a higher one seen later in
//! the same sync: a server's view of the mailbox moves only between commands, so a later
//! message's higher mod-sequence may arrive while an expunge with a lower one is not yet
//! visible to this session; resuming from the higher value would lose that expunge for good.
//! Resuming from SELECT's value may report a change made during the sync once more, which a
//! caller applying whole flag lists absorbs.

use std::collections::BTreeMap;

use crate::Error;
use crate::contract::session::{Session, SessionState};
use crate::error::ProtocolViolation;
use crate::types::SelectedMailbox;
use crate::types::StreamPart;
use crate::types::{
    FetchAttr, FetchResponse, Flag, FlagUpdate, MailboxState, MessageAttribute, MessageFlags,
    QresyncParams, SelectOptions, SequenceSet, SyncDelta, SyncOptions, SyncStrategy, Tagged,
    UidSet, Untagged,
};

use super::{AUTHENTICATED_OR_SELECTED, Op, OpContext, Step};

/// Above this many ranges the known UIDs are sent as one span `min:max` (QRESYNC known-uids,
/// the expunge SEARCH): a mailbox with thousands of holes would otherwise make a command line
/// longer than servers accept (Dovecot's default limit is 64 KiB). Both uses stay exact:
/// VANISHED and the SEARCH answer are intersected with the known set.
const MAX_KNOWN_RANGES: usize = 1000;

/// What one phase of the sync gave.
enum Found {
    Unselected,
    Enabled(bool),
    Selected(Box<SelectedMailbox>),
    Fetched(Vec<FetchResponse>),
    Present(UidSet),
}

/// An op whose output is turned into [`Found`], so every phase has one type.
struct Phase<O, F> {
    op: O,
    map: F,
}

impl<O, F> Op for Phase<O, F>
where
    O: Op,
    F: FnMut(O::Output) -> Found + Send + 'static,
{
    type Output = Found;
    fn check(&self, session: &Session) -> Result<(), Error> {
        self.op.check(session)
    }
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        self.op.start(ctx)
    }
    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        self.op.on_untagged(data, session)
    }
    fn on_stream(&mut self, part: &StreamPart) -> bool {
        self.op.on_stream(part)
    }
    fn buffers_streamed_literals(&self) -> bool {
        self.op.buffers_streamed_literals()
    }
    fn wants_stream(&self, seq: u32, before: &[MessageAttribute], session: &Session) -> bool {
        self.op.wants_stream(seq, before, session)
    }
    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<Found> {
        match self.op.on_tagged(tagged, ctx) {
            Step::Done(result) => Step::Done(result.map(&mut self.map)),
            Step::Continue => Step::Continue,
        }
    }
}

fn phase<O: Op>(
    op: O,
    map: impl FnMut(O::Output) -> Found + Send + 'static,
) -> Box<dyn Op<Output = Found>> {
    Box::new(Phase { op, map })
}

/// The sync op: see [`sync`].
pub struct Sync {
    mailbox: String,
    saved: MailboxState,
    options: SyncOptions,
    phase: Option<Box<dyn Op<Output = Found>>>,
    strategy: SyncStrategy,
    qresync_enabled: bool,
    selected: Option<Box<SelectedMailbox>>,
    fetched: Vec<FetchResponse>,
    present: Option<UidSet>,
}

/// Selects `mailbox` and reports what changed since `state` (see [`SyncDelta`]).
///
/// QRESYNC is ENABLEd first when the server offers it and it is not on yet; ENABLE is
/// valid only in the Authenticated state (RFC 5161 §3.1), so a selected mailbox is first
/// left with UNSELECT (when the server has it; else CONDSTORE is used). From then on the
/// session reports expunges as VANISHED.
pub fn sync(mailbox: &str, state: &MailboxState, options: &SyncOptions) -> Sync {
    Sync {
        mailbox: mailbox.to_string(),
        saved: state.clone(),
        options: options.clone(),
        phase: None,
        strategy: SyncStrategy::Full,
        qresync_enabled: false,
        selected: None,
        fetched: Vec::new(),
        present: None,
    }
}

impl Sync {
    /// The saved state can resume from a mod-sequence.
    fn resumable(&self) -> bool {
        self.saved.uid_validity != 0 && self.saved.highest_modseq.is_some_and(|m| m > 0)
    }

    fn begin(
        &mut self,
        mut next: Box<dyn Op<Output = Found>>,
        ctx: &mut OpContext<'_>,
    ) -> Result<(), Error> {
        next.start(ctx)?;
        self.phase = Some(next);
        Ok(())
    }

    /// The known UIDs as a command argument, or one span over them when they are too
    /// fragmented (see [`MAX_KNOWN_RANGES`]).
    fn known_argument(&self) -> Option<SequenceSet> {
        let known = &self.saved.known_uids;
        if known.ranges().len() <= MAX_KNOWN_RANGES {
            return known.to_sequence_set();
        }
        let first = known.ranges().first()?.start;
        SequenceSet::range(first, known.max()?).ok()
    }

    /// QRESYNC's known-uids: the known UIDs and every UID above them, up to the largest
    /// (`*` is not allowed there). A server reports flag changes only for the UIDs in this
    /// set (RFC 7162 §3.2.5.1), so with the known UIDs alone new mail would go unreported and
    /// cost a second command; the open end makes SELECT report it too.
    fn qresync_uids(&self) -> Option<SequenceSet> {
        let above = self.saved.known_uids.max().unwrap_or(0).saturating_add(1);
        let known = if self.saved.known_uids.ranges().len() <= MAX_KNOWN_RANGES {
            self.saved.known_uids.clone()
        } else {
            let first = self.saved.known_uids.ranges().first()?.start;
            UidSet::from(crate::types::UidRange::new(first, above))
        };
        known
            .union(&UidSet::from(crate::types::UidRange::new(above, u32::MAX)))
            .to_sequence_set()
    }

    fn start_select(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let session = ctx.session();
        let allows = |s: SyncStrategy| self.options.max_strategy >= s;
        let options = if self.qresync_enabled && allows(SyncStrategy::Qresync) && self.resumable() {
            self.strategy = SyncStrategy::Qresync;
            SelectOptions::qresync(QresyncParams {
                uid_validity: self.saved.uid_validity,
                mod_seq: self.saved.highest_modseq.unwrap_or(1),
                known_uids: self.qresync_uids(),
                seq_match: None,
            })
        } else if allows(SyncStrategy::Condstore) && session.has_capability("CONDSTORE") {
            self.strategy = if self.resumable() {
                SyncStrategy::Condstore
            } else {
                SyncStrategy::Full
            };
            SelectOptions::condstore()
        } else {
            self.strategy = SyncStrategy::Full;
            SelectOptions::default()
        };
        let select = super::mailbox::select(&self.mailbox, &options, self.options.read_only);
        self.begin(phase(select, |m| Found::Selected(Box::new(m))), ctx)
    }

    /// After SELECT: settles the strategy and starts the next command, if any.
    fn after_select(&mut self, ctx: &mut OpContext<'_>) -> Result<bool, Error> {
        let Some(mailbox) = self.selected.as_deref() else {
            return Err(Error::Internal("sync: SELECT completed without a mailbox"));
        };
        // RFC 9051 §7.1: SELECT must return UIDVALIDITY; without it no UID can be trusted.
        let validity =
            mailbox
                .uid_validity
                .ok_or(Error::Protocol(ProtocolViolation::MissingData(
                    "SELECT (UIDVALIDITY)",
                )))?;
        let modseq = mailbox.highest_modseq.filter(|_| !mailbox.no_modseq);
        let (exists, changed_since) = (mailbox.exists, self.saved.highest_modseq);
        if validity != self.saved.uid_validity || modseq.is_none() {
            self.strategy = SyncStrategy::Full;
        }
        match self.strategy {
            SyncStrategy::Qresync => Ok(false),
            SyncStrategy::Condstore => {
                if exists > 0 && modseq != changed_since {
                    let fetch = super::fetch::fetch(
                        true,
                        &SequenceSet::all(),
                        &[FetchAttr::Uid, FetchAttr::Flags, FetchAttr::ModSeq],
                        changed_since,
                        false,
                        super::fetch::Delivery::Buffered,
                    );
                    self.begin(phase(fetch, |(found, _)| Found::Fetched(found)), ctx)?;
                    return Ok(true);
                }
                self.start_expunge_search(ctx)
            }
            _ => {
                if exists == 0 {
                    return Ok(false);
                }
                // Each message's MODSEQ costs ~14 bytes of listing: asked only when CONDSTORE
                // is allowed (a server may report HIGHESTMODSEQ on a plain SELECT anyway).
                let mut items = vec![FetchAttr::Uid, FetchAttr::Flags];
                if modseq.is_some() && self.options.max_strategy >= SyncStrategy::Condstore {
                    items.push(FetchAttr::ModSeq);
                }
                let fetch = super::fetch::fetch(
                    true,
                    &SequenceSet::all(),
                    &items,
                    None,
                    false,
                    super::fetch::Delivery::Buffered,
                );
                self.begin(phase(fetch, |(found, _)| Found::Fetched(found)), ctx)?;
                Ok(true)
            }
        }
    }

    /// CONDSTORE: which known UIDs are still there (RFC 7162 §3.1 reports no expunges), with
    /// ESEARCH's compact answer when the server has it (RFC 4731).
    fn start_expunge_search(&mut self, ctx: &mut OpContext<'_>) -> Result<bool, Error> {
        let Some(known) = self.known_argument() else {
            return Ok(false);
        };
        let criteria = format!("UID {known}");
        let search = if ctx.session().has_or_rev2("ESEARCH") {
            phase(
                super::search::search_esearch(true, &criteria, &["ALL"]),
                |found| Found::Present(UidSet::from_ranges(found.all.unwrap_or_default())),
            )
        } else {
            phase(super::search::search(true, &criteria), |found| {
                Found::Present(found.ids.into_iter().collect())
            })
        };
        self.begin(search, ctx)?;
        Ok(true)
    }

    /// Moves on after a phase; `Ok(true)` when another command went out.
    fn advance(&mut self, found: Found, ctx: &mut OpContext<'_>) -> Result<bool, Error> {
        match found {
            Found::Unselected => {
                self.begin(enable_qresync(), ctx)?;
                Ok(true)
            }
            Found::Enabled(qresync) => {
                self.qresync_enabled = qresync;
                self.start_select(ctx)?;
                Ok(true)
            }
            Found::Selected(mailbox) => {
                self.selected = Some(mailbox);
                self.after_select(ctx)
            }
            Found::Fetched(found) => {
                self.fetched = found;
                if self.strategy == SyncStrategy::Condstore {
                    return self.start_expunge_search(ctx);
                }
                Ok(false)
            }
            Found::Present(present) => {
                self.present = Some(present);
                Ok(false)
            }
        }
    }

    /// Builds the delta from what the phases gave.
    fn delta(&mut self) -> Result<SyncDelta, Error> {
        let mailbox = self
            .selected
            .take()
            .ok_or(Error::Internal("sync finished without SELECT"))?;
        let validity = mailbox.uid_validity.unwrap_or(0);
        let validity_changed = self.saved.uid_validity != 0 && self.saved.uid_validity != validity;
        let saved = std::mem::take(&mut self.saved);
        let tracking = saved.flags.is_some();
        let (listing, reports) = match self.strategy {
            SyncStrategy::Qresync => (false, mailbox.changed),
            _ => (
                self.strategy == SyncStrategy::Full,
                std::mem::take(&mut self.fetched),
            ),
        };
        let reports: BTreeMap<u32, FlagUpdate> = reports
            .iter()
            .filter_map(|r| {
                Some((
                    r.uid()?,
                    FlagUpdate {
                        uid: r.uid()?,
                        flags: without_recent(r.flags()?),
                        mod_seq: r.modseq(),
                    },
                ))
            })
            .collect();
        let reported: UidSet = reports.keys().copied().collect();

        let (known, new, expunged) = if listing {
            let base = if validity_changed {
                UidSet::new()
            } else {
                saved.known_uids.clone()
            };
            (
                reported.clone(),
                reported.difference(&base),
                base.difference(&reported),
            )
        } else {
            let expunged = match self.strategy {
                SyncStrategy::Qresync => UidSet::from_ranges(mailbox.vanished.iter().copied())
                    .intersection(&saved.known_uids),
                _ => match &self.present {
                    Some(present) => saved.known_uids.difference(present),
                    None => UidSet::new(),
                },
            };
            let new = reported.difference(&saved.known_uids).difference(&expunged);
            let known = saved.known_uids.difference(&expunged).union(&new);
            (known, new, expunged)
        };

        let old_flags = if validity_changed {
            None
        } else {
            saved.flags.as_ref()
        };
        let changed: Vec<FlagUpdate> = reports
            .into_values()
            .filter(|u| known.contains(u.uid))
            .filter(|u| {
                new.contains(u.uid)
                    || match old_flags.and_then(|f| f.get(&u.uid)) {
                        Some(before) => !same_flags(before, &u.flags),
                        // Not kept: nothing to compare with, so reported.
                        None => true,
                    }
            })
            .collect();

        let flags = tracking.then(|| {
            let mut map = if listing || validity_changed {
                BTreeMap::new()
            } else {
                let mut map = saved.flags.clone().unwrap_or_default();
                map.retain(|uid, _| known.contains(*uid));
                map
            };
            for update in &changed {
                map.insert(update.uid, update.flags.clone());
            }
            if listing {
                // Unchanged known messages were filtered out of `changed`: keep their flags.
                if let Some(old) = old_flags {
                    for (uid, f) in old {
                        if known.contains(*uid) {
                            map.entry(*uid).or_insert_with(|| f.clone());
                        }
                    }
                }
            }
            map
        });
        let state = MailboxState {
            uid_validity: validity,
            highest_modseq: mailbox.highest_modseq.filter(|_| !mailbox.no_modseq),
            uid_next: mailbox.uid_next,
            known_uids: known,
            flags,
        };
        Ok(SyncDelta {
            strategy: self.strategy,
            uid_validity_changed: validity_changed,
            new,
            expunged,
            changed,
            state,
        })
    }
}

/// `ENABLE QRESYNC` (RFC 7162 §3.2.3), as a phase.
fn enable_qresync() -> Box<dyn Op<Output = Found>> {
    phase(super::session::enable(&["QRESYNC"]), |on| {
        Found::Enabled(on.iter().any(|c| c.eq_ignore_ascii_case("QRESYNC")))
    })
}

/// `\Recent` belongs to one session (RFC 3501 §2.3.2), never to a saved state.
fn without_recent(flags: &MessageFlags) -> Vec<Flag> {
    flags.iter().filter(|f| *f != Flag::Recent).collect()
}

/// The same flags in any order.
fn same_flags(a: &[Flag], b: &[Flag]) -> bool {
    a.len() == b.len() && a.iter().all(|f| b.contains(f))
}

impl Op for Sync {
    type Output = SyncDelta;

    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(session, AUTHENTICATED_OR_SELECTED, "sync (SELECT)")
    }

    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let session = ctx.session();
        self.qresync_enabled = session.is_enabled("QRESYNC");
        let wants_qresync = self.options.max_strategy >= SyncStrategy::Qresync
            && session.has_capability("QRESYNC")
            && !self.qresync_enabled;
        if wants_qresync && session.state() == SessionState::Authenticated {
            return self.begin(enable_qresync(), ctx);
        }
        if wants_qresync && session.has_or_rev2("UNSELECT") {
            let unselect = super::mailbox::unselect();
            return self.begin(phase(unselect, |()| Found::Unselected), ctx);
        }
        self.start_select(ctx)
    }

    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        match self.phase.as_mut() {
            Some(phase) => phase.on_untagged(data, session),
            None => Some(data),
        }
    }

    fn on_stream(&mut self, part: &StreamPart) -> bool {
        self.phase.as_mut().is_some_and(|p| p.on_stream(part))
    }

    fn buffers_streamed_literals(&self) -> bool {
        self.phase
            .as_ref()
            .is_some_and(|p| p.buffers_streamed_literals())
    }

    fn wants_stream(&self, seq: u32, before: &[MessageAttribute], session: &Session) -> bool {
        self.phase
            .as_ref()
            .is_some_and(|p| p.wants_stream(seq, before, session))
    }

    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<SyncDelta> {
        let Some(phase) = self.phase.as_mut() else {
            return Step::Done(Err(Error::Internal("sync: completion with no command")));
        };
        let found = match phase.on_tagged(tagged, ctx) {
            Step::Continue => return Step::Continue,
            Step::Done(Err(e)) => return Step::Done(Err(e)),
            Step::Done(Ok(found)) => found,
        };
        match self.advance(found, ctx) {
            Ok(true) => Step::Continue,
            Ok(false) => Step::Done(self.delta()),
            Err(e) => Step::Done(Err(e)),
        }
    }
}
