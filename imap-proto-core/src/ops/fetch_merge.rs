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
//! A tagged NO or BAD may be the fault of one call's set (a sequence number beyond the
//! mailbox): the op then runs each call's own command, one after the other, so each gets
//! the result it would have had alone. It does so as the same op, so nothing queued behind
//! it (a SELECT) can run in between.

use crate::Error;
use crate::contract::session::Session;
use crate::types::{
    FetchResponse, MessageAttribute, SeqNumber, SequenceItem, SequenceSet, StreamPart, Tagged,
    UidRange, Untagged,
};

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
}

enum Phase {
    /// Not sent yet: calls may still join.
    Forming,
    /// The union's command is in flight.
    Merged(Fetch),
    /// The union's command failed with NO or BAD: call `current` runs alone; the results
    /// of the calls before it.
    Alone {
        current: usize,
        results: Vec<Result<FetchOutput, Error>>,
    },
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
            set_len: first.set().to_string().len(),
            members: vec![first],
            phase: Phase::Forming,
        })
    }

    /// True if `fetch` may join: mergeable, the same UID-ness, items and modifiers, and
    /// room left under [`MAX_MERGED_CALLS`] and [`MAX_MERGED_SET_LEN`].
    pub fn accepts(&self, fetch: &Fetch) -> bool {
        matches!(self.phase, Phase::Forming)
            && fetch.is_mergeable()
            && self.members.len() < MAX_MERGED_CALLS
            && self.members.first().is_some_and(|m| m.same_request(fetch))
            && self.set_len + 1 + fetch.set().to_string().len() <= MAX_MERGED_SET_LEN
    }

    /// Adds `fetch`; `Err(fetch)` unless [`MergedFetch::accepts`] it.
    #[allow(clippy::result_large_err)]
    pub fn push(&mut self, fetch: Fetch) -> Result<(), Fetch> {
        if !self.accepts(&fetch) {
            return Err(fetch);
        }
        self.set_len += 1 + fetch.set().to_string().len();
        self.members.push(fetch);
        Ok(())
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

    /// The union of the calls' sets, compacted (`1,2,3,7` is `1:3,7`).
    pub fn union(&self) -> Result<SequenceSet, Error> {
        let ranges = (self.members.iter())
            .flat_map(|m| m.set().items())
            .filter_map(|item| bounds(item).map(|(a, b)| UidRange::new(a, b)));
        Ok(SequenceSet::from_ranges(ranges)?)
    }

    /// The op whose command is in flight now.
    fn current(&self) -> Option<&Fetch> {
        match &self.phase {
            Phase::Forming => None,
            Phase::Merged(union) => Some(union),
            Phase::Alone { current, .. } => self.members.get(*current),
        }
    }

    fn current_mut(&mut self) -> Option<&mut Fetch> {
        match &mut self.phase {
            Phase::Forming => None,
            Phase::Merged(union) => Some(union),
            Phase::Alone { current, .. } => self.members.get_mut(*current),
        }
    }

    /// Sends the command of the first call from `next` on that can start, recording the
    /// errors of those that cannot; done once every call has its result.
    fn run_alone(
        &mut self,
        next: usize,
        mut results: Vec<Result<FetchOutput, Error>>,
        ctx: &mut OpContext<'_>,
    ) -> Step<Vec<Result<FetchOutput, Error>>> {
        for index in next..self.members.len() {
            let member = &mut self.members[index];
            match member.check(ctx.session()).and_then(|()| member.start(ctx)) {
                Ok(()) => {
                    self.phase = Phase::Alone {
                        current: index,
                        results,
                    };
                    return Step::Continue;
                }
                Err(e) => results.push(Err(e)),
            }
        }
        self.phase = Phase::Forming;
        Step::Done(Ok(results))
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

    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        let first = self
            .members
            .first()
            .ok_or(Error::Internal("a merged FETCH without calls"))?;
        let mut union = fetch(
            first.by_uid(),
            &self.union()?,
            first.items(),
            None,
            false,
            Delivery::Buffered,
        );
        union.start(ctx)?;
        self.phase = Phase::Merged(union);
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
            Phase::Merged(mut union) => match union.on_tagged(tagged, ctx) {
                Step::Done(Ok((responses, _))) => {
                    let sets: Vec<&SequenceSet> = self.members.iter().map(Fetch::set).collect();
                    let uid = union.by_uid();
                    let split = split_by_set(responses, uid, &sets);
                    Step::Done(Ok(split.into_iter().map(|r| Ok((r, Vec::new()))).collect()))
                }
                // Perhaps one call's set is at fault: each call runs alone instead.
                Step::Done(Err(Error::No { .. } | Error::Bad { .. })) => {
                    self.run_alone(0, Vec::with_capacity(self.members.len()), ctx)
                }
                Step::Done(Err(e)) => Step::Done(Err(e)),
                Step::Continue => {
                    self.phase = Phase::Merged(union);
                    Step::Continue
                }
            },
            Phase::Alone {
                current,
                mut results,
            } => match self
                .members
                .get_mut(current)
                .map(|m| m.on_tagged(tagged, ctx))
            {
                Some(Step::Done(result)) => {
                    results.push(result);
                    self.run_alone(current + 1, results, ctx)
                }
                Some(Step::Continue) => {
                    self.phase = Phase::Alone { current, results };
                    Step::Continue
                }
                None => Step::Done(Err(Error::Internal("a merged FETCH lost its call"))),
            },
        }
    }
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
pub fn split_by_set(
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
        FetchResponse {
            seq,
            attributes: uid.map(MessageAttribute::Uid).into_iter().collect(),
        }
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
}
