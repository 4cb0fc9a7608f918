//! Several FETCH calls with the same items answered by one command (issue 15 item 3).
//!
//! A server answers one `UID FETCH 1:500` far faster than 500 pipelined one-message
//! `UID FETCH`es (Dovecot: 1–10 ms against about 70 ms, docs/benchmarks.md), so a driver
//! that holds several buffered calls asking the same question ([`Fetch::is_mergeable`],
//! same UID-ness and items) sends their union once and hands each call the responses in
//! its own set, in server order. An untagged FETCH names its message (RFC 9051 §7.5.2), so
//! the split is exact: by UID for `UID FETCH` (the server must include it, RFC 9051
//! §6.4.9), by sequence number for `FETCH`. A message asked for by several calls goes to
//! each. Responses outside the union stay unsolicited updates (events), as for one FETCH.
//!
//! A tagged NO or BAD may be the fault of one call's set: the op then runs each call's own
//! command, one after the other, so each gets the result it would have had alone. By
//! sequence number, a call whose set reaches beyond the messages the session knows of runs
//! alone from the start (servers answer such a set differently, see [`MergedFetch`]'s
//! `start`). Either way as the same op, so nothing queued behind it (a SELECT) can run in
//! between.

use crate::Error;
use std::collections::VecDeque;

use crate::contract::session::Session;
use crate::types::{
    FetchResponse, MessageAttribute, SeqNumber, SequenceItem, SequenceSet, StreamPart, Tagged,
    UidRange, Untagged,
};

use super::compact::compacted;
use super::fetch::{Delivery, Fetch, fetch};
use super::{Claims, Op, OpContext, Step, kind};

/// The most calls one merged command answers.
pub const MAX_MERGED_CALLS: usize = 512;

/// The longest union a merged command sends, as sequence-set text (an upper bound: the
/// members' sets side by side). RFC 7162 §4 asks clients to keep command lines under
/// 8192 octets; this leaves room for the items.
pub const MAX_MERGED_SET_LEN: usize = 4000;

/// What one FETCH call returns: its responses and (always empty here: merged calls carry
/// no VANISHED modifier) the vanished UIDs.
pub type FetchOutput = (Vec<FetchResponse>, Vec<UidRange>);

/// Buffered FETCH calls with the same items, sent as one command over the union of their
/// sets. Its output has one result per call, in the order they were added.
pub struct MergedFetch {
    members: Vec<Fetch>,
    /// An upper bound of the union's text length.
    set_len: usize,
    phase: Phase,
    /// The calls still to run alone, in order.
    alone: VecDeque<usize>,
    /// Each call's result once known.
    results: Vec<Option<Result<FetchOutput, Error>>>,
}

enum Phase {
    /// Not sent yet: calls may still join.
    Forming,
    /// The union's command is in flight, for these calls.
    Merged(Box<Fetch>, Vec<usize>),
    /// This call's own command is in flight.
    Alone(usize),
}

impl MergedFetch {
    /// A merged FETCH holding `first`; `Err(first)` if it cannot be merged
    /// ([`Fetch::is_mergeable`]).
    #[allow(clippy::result_large_err)]
    pub fn new(first: Fetch) -> Result<Self, Fetch> {
        if !first.is_mergeable() {
            return Err(first);
        }
        Ok(MergedFetch {
            set_len: text_len(first.set()),
            members: vec![first],
            phase: Phase::Forming,
            alone: VecDeque::new(),
            results: Vec::new(),
        })
    }

    /// True if `fetch` may join: mergeable, the same UID-ness, items and modifiers, and
    /// room left under [`MAX_MERGED_CALLS`] and [`MAX_MERGED_SET_LEN`].
    pub fn accepts(&self, fetch: &Fetch) -> bool {
        self.room_for(fetch).is_some()
    }

    /// Adds `fetch`; `Err(fetch)` unless [`MergedFetch::accepts`] it.
    #[allow(clippy::result_large_err)]
    pub fn push(&mut self, fetch: Fetch) -> Result<(), Fetch> {
        let Some(set_len) = self.room_for(&fetch) else {
            return Err(fetch);
        };
        self.set_len = set_len;
        self.members.push(fetch);
        Ok(())
    }

    /// The union's text length bound with `fetch` joined, if it may join.
    fn room_for(&self, fetch: &Fetch) -> Option<usize> {
        let joins = matches!(self.phase, Phase::Forming)
            && fetch.is_mergeable()
            && self.members.len() < MAX_MERGED_CALLS
            && self.members.first().is_some_and(|m| m.same_request(fetch));
        let set_len = self.set_len + 1 + text_len(fetch.set());
        (joins && set_len <= MAX_MERGED_SET_LEN).then_some(set_len)
    }

    /// How many calls it holds.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Never true: a merged FETCH holds at least one call.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The calls, in the order they were added (to send a lone call as itself).
    pub fn into_fetches(self) -> Vec<Fetch> {
        self.members
    }

    /// The union of every call's set, compacted (`1,2,3,7` is `1:3,7`).
    pub fn union(&self) -> Result<SequenceSet, Error> {
        union_of(self.members.iter())
    }

    /// The op whose command is in flight now.
    fn current(&self) -> Option<&Fetch> {
        match &self.phase {
            Phase::Forming => None,
            Phase::Merged(union, _) => Some(union),
            Phase::Alone(index) => self.members.get(*index),
        }
    }

    fn current_mut(&mut self) -> Option<&mut Fetch> {
        match &mut self.phase {
            Phase::Forming => None,
            Phase::Merged(union, _) => Some(union),
            Phase::Alone(index) => self.members.get_mut(*index),
        }
    }

    /// Sends the command of the next call to run alone that can start (recording the
    /// errors of those that cannot); `false` once none is left.
    fn start_next_alone(&mut self, ctx: &mut OpContext<'_>) -> bool {
        while let Some(index) = self.alone.pop_front() {
            let Some(member) = self.members.get_mut(index) else {
                continue;
            };
            match member.check(ctx.session()).and_then(|()| member.start(ctx)) {
                Ok(()) => {
                    self.phase = Phase::Alone(index);
                    return true;
                }
                Err(e) => self.results[index] = Some(Err(e)),
            }
        }
        false
    }

    /// The next call alone, or the results once every call has one.
    fn next_step(&mut self, ctx: &mut OpContext<'_>) -> Step<Vec<Result<FetchOutput, Error>>> {
        if self.start_next_alone(ctx) {
            return Step::Continue;
        }
        self.phase = Phase::Forming;
        let results = std::mem::take(&mut self.results).into_iter();
        let missing = || Err(Error::Internal("a merged FETCH lost a call's result"));
        Step::Done(Ok(results.map(|r| r.unwrap_or_else(missing)).collect()))
    }
}

impl Op for MergedFetch {
    type Output = Vec<Result<FetchOutput, Error>>;

    fn check(&self, session: &Session) -> Result<(), Error> {
        match self.members.first() {
            Some(first) => first.check(session),
            None => Err(Error::Internal("a merged FETCH without calls")),
        }
    }

    fn pipelinable(&self) -> bool {
        true
    }

    /// As for one FETCH: responses are picked out by message.
    fn claims(&self) -> Claims {
        Claims::attributed(kind::FETCH)
    }

    /// By sequence number, a call whose set goes beyond the messages the session knows of
    /// runs alone (after the merged command): servers differ on such a set (Dovecot: BAD
    /// for the whole command; Cyrus: OK for the part that exists, NO when none does), and
    /// inside a union its answer would be the union's.
    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let first =
            (self.members.first()).ok_or(Error::Internal("a merged FETCH without calls"))?;
        let exists = match (first.by_uid(), ctx.session().selected()) {
            (false, Some(mailbox)) => Some(mailbox.exists),
            _ => None,
        };
        let (merged, alone): (Vec<usize>, Vec<usize>) = (0..self.members.len())
            .partition(|&i| exists.is_none_or(|n| highest(self.members[i].set()) <= n));
        self.results = (0..self.members.len()).map(|_| None).collect();
        self.alone = alone.into();
        if merged.is_empty() {
            if self.start_next_alone(ctx) {
                return Ok(());
            }
            // Nothing could be sent (every call refused): the op fails with the first
            // call's error.
            return Err(match self.results.iter_mut().find_map(Option::take) {
                Some(Err(e)) => e,
                _ => Error::Internal("a merged FETCH sent nothing"),
            });
        }
        let union = union_of(merged.iter().map(|&i| &self.members[i]))?;
        let mut command = fetch(
            first.by_uid(),
            &union,
            first.items(),
            None,
            false,
            Delivery::Buffered,
        )
        .without_compaction();
        command.start(ctx)?;
        self.phase = Phase::Merged(Box::new(command), merged);
        Ok(())
    }

    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        match self.current_mut() {
            Some(op) => op.on_untagged(data, session),
            None => Some(data),
        }
    }

    fn wants_stream(&self, seq: u32, before: &[MessageAttribute], session: &Session) -> bool {
        self.current()
            .is_some_and(|op| op.wants_stream(seq, before, session))
    }

    fn buffers_streamed_literals(&self) -> bool {
        true
    }

    fn on_stream(&mut self, part: &StreamPart) -> bool {
        self.current_mut().is_some_and(|op| op.on_stream(part))
    }

    fn on_tagged(&mut self, tagged: Tagged, ctx: &mut OpContext<'_>) -> Step<Self::Output> {
        match std::mem::replace(&mut self.phase, Phase::Forming) {
            Phase::Forming => Step::Done(Err(Error::Internal(
                "a merged FETCH completed before it started",
            ))),
            Phase::Merged(mut command, merged) => match command.on_tagged(tagged, ctx) {
                Step::Done(Ok((responses, _))) => {
                    let sets: Vec<&SequenceSet> =
                        merged.iter().map(|&i| self.members[i].set()).collect();
                    let split = split_by_set(responses, command.by_uid(), &sets);
                    // Each call's share compacted as its own result would be: a small call
                    // keeps no buffer of a large union alive.
                    for (index, found) in merged.into_iter().zip(split) {
                        self.results[index] = Some(Ok((compacted(found), Vec::new())));
                    }
                    self.next_step(ctx)
                }
                // Perhaps one call's set is at fault: each call runs alone instead, in order.
                Step::Done(Err(Error::No { .. } | Error::Bad { .. })) => {
                    self.alone.extend(merged);
                    self.alone.make_contiguous().sort_unstable();
                    self.next_step(ctx)
                }
                Step::Done(Err(e)) => Step::Done(Err(e)),
                Step::Continue => {
                    self.phase = Phase::Merged(command, merged);
                    Step::Continue
                }
            },
            Phase::Alone(index) => {
                match self
                    .members
                    .get_mut(index)
                    .map(|m| m.on_tagged(tagged, ctx))
                {
                    Some(Step::Done(result)) => {
                        self.results[index] = Some(result);
                        self.next_step(ctx)
                    }
                    Some(Step::Continue) => {
                        self.phase = Phase::Alone(index);
                        Step::Continue
                    }
                    None => Step::Done(Err(Error::Internal("a merged FETCH lost its call"))),
                }
            }
        }
    }
}

/// The union of `members`' sets, compacted.
fn union_of<'a>(members: impl Iterator<Item = &'a Fetch>) -> Result<SequenceSet, Error> {
    let ranges = (members.flat_map(|m| m.set().items()))
        .filter_map(|item| bounds(item).map(|(a, b)| UidRange::new(a, b)));
    Ok(SequenceSet::from_ranges(ranges)?)
}

/// The highest number in `set` (of plain numbers).
fn highest(set: &SequenceSet) -> u32 {
    (set.items().iter().filter_map(bounds))
        .map(|(_, hi)| hi)
        .max()
        .unwrap_or(0)
}

/// The length of `set`'s text (`1:3,7` is 5), counted without rendering it: the driver
/// asks for every call it gathers, once to decide whether the call waits and once to join.
fn text_len(set: &SequenceSet) -> usize {
    if set.is_saved_result() {
        return 1;
    }
    let digits = |n: u32| n.checked_ilog10().map_or(1, |log| log as usize + 1);
    let items = set.items().iter().map(|item| match *item {
        SequenceItem::Single(SeqNumber::Value(v)) => digits(v.get()),
        SequenceItem::Range(SeqNumber::Value(a), SeqNumber::Value(b)) => {
            digits(a.get()) + 1 + digits(b.get())
        }
        ref other => other.to_string().len(),
    });
    items.sum::<usize>() + set.items().len().saturating_sub(1)
}

/// The bounds of a set item of plain numbers (`*` never reaches here: such sets are not
/// merged).
fn bounds(item: &SequenceItem) -> Option<(u32, u32)> {
    match *item {
        SequenceItem::Single(SeqNumber::Value(v)) => Some((v.get(), v.get())),
        SequenceItem::Range(SeqNumber::Value(a), SeqNumber::Value(b)) => {
            Some((a.get().min(b.get()), a.get().max(b.get())))
        }
        _ => None,
    }
}

/// Hands each of `sets` the `responses` (in server order) whose UID (`uid`) or sequence
/// number lies in it; one lying in several sets goes to each (a clone: the message data
/// is shared `Bytes`). A response without its UID (one that failed the grammar before it)
/// cannot be placed and goes to every set, as each call alone would have taken it.
fn split_by_set(
    responses: Vec<FetchResponse>,
    uid: bool,
    sets: &[&SequenceSet],
) -> Vec<Vec<FetchResponse>> {
    let key = |r: &FetchResponse| if uid { r.uid() } else { Some(r.seq) };
    let mut keyed: Vec<(u32, usize)> = Vec::with_capacity(responses.len());
    let mut unplaced = Vec::new();
    for (index, response) in responses.iter().enumerate() {
        match key(response) {
            Some(k) => keyed.push((k, index)),
            None => unplaced.push(index),
        }
    }
    keyed.sort_unstable();
    let picks: Vec<Vec<usize>> = (sets.iter())
        .map(|set| {
            let mut mine = unplaced.clone();
            for (lo, hi) in set.items().iter().filter_map(bounds) {
                let from = keyed.partition_point(|&(k, _)| k < lo);
                let to = keyed.partition_point(|&(k, _)| k <= hi);
                mine.extend(keyed[from..to].iter().map(|&(_, index)| index));
            }
            // Server order; a set that names a message twice gets it once.
            mine.sort_unstable();
            mine.dedup();
            mine
        })
        .collect();
    let mut wanted = vec![0usize; responses.len()];
    for &index in picks.iter().flatten() {
        wanted[index] += 1;
    }
    let mut slots: Vec<Option<FetchResponse>> = responses.into_iter().map(Some).collect();
    (picks.into_iter())
        .map(|mine| {
            (mine.into_iter())
                .filter_map(|index| {
                    // The last taker gets the response itself, the others a clone.
                    wanted[index] -= 1;
                    if wanted[index] == 0 {
                        slots[index].take()
                    } else {
                        slots[index].clone()
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::MessageAttribute;

    fn response(seq: u32, uid: Option<u32>) -> FetchResponse {
        FetchResponse::with_attributes(seq, uid.map(MessageAttribute::Uid))
    }

    fn seqs(split: &[Vec<FetchResponse>]) -> Vec<Vec<u32>> {
        split
            .iter()
            .map(|r| r.iter().map(|f| f.seq).collect())
            .collect()
    }

    #[test]
    fn unplaceable_responses_go_with_every_call() {
        let (a, b) = ("1:2".parse().unwrap(), "2,1,2".parse().unwrap());
        let responses = vec![
            response(2, Some(2)),
            response(7, None),
            response(1, Some(1)),
        ];
        let split = split_by_set(responses, true, &[&a, &b]);
        assert_eq!(seqs(&split), [vec![2, 7, 1], vec![2, 7, 1]]);
    }

    /// Against the obvious quadratic split, on random overlapping sets and responses in
    /// random order (some for messages nobody asked for, some twice).
    #[test]
    fn agrees_with_filtering_each_set() {
        let mut seed = 0x2545_f491_u64;
        let mut next = |n: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            1 + (seed % u64::from(n)) as u32
        };
        for _ in 0..200 {
            let sets: Vec<SequenceSet> = (0..next(6))
                .map(|_| {
                    let items = (0..next(3)).map(|_| {
                        let (a, b) = (next(40), next(40));
                        UidRange::new(a, if next(2) == 1 { a } else { b })
                    });
                    SequenceSet::from_ranges(items).unwrap()
                })
                .collect();
            let responses: Vec<FetchResponse> =
                (0..next(30)).map(|i| response(i, Some(next(45)))).collect();
            let refs: Vec<&SequenceSet> = sets.iter().collect();
            let split = split_by_set(responses.clone(), true, &refs);
            let expected: Vec<Vec<FetchResponse>> = (sets.iter())
                .map(|set| {
                    (responses.iter())
                        .filter(|r| set.contains(r.uid().unwrap()) == Some(true))
                        .cloned()
                        .collect()
                })
                .collect();
            assert_eq!(seqs(&split), seqs(&expected));
        }
    }

    #[test]
    fn text_len_is_the_rendered_length() {
        for text in [
            "1",
            "9",
            "10",
            "1:3,7",
            "4294967295",
            "1,22,333:4444,55555",
            "5:*",
            "*",
            "$",
        ] {
            let set: SequenceSet = text.parse().unwrap();
            assert_eq!(text_len(&set), set.to_string().len(), "{text}");
        }
    }
}
