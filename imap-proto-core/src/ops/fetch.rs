//! FETCH and UID FETCH, buffered or streamed, with CHANGEDSINCE and VANISHED
//! (RFC 9051 §6.4.5, RFC 7162 §3.1.4, §3.2.6).

use std::collections::VecDeque;

use bytes::BytesMut;

use crate::contract::session::Session;
use crate::encode::{self, message::FetchModifiers};
use crate::parse::frame::MAX_READ_RESERVE;
use crate::types::StreamPart;
use crate::types::{
    FetchAttr, FetchResponse, MessageAttribute, SeqNumber, SequenceItem, SequenceSet,
    StreamedAttribute, Tagged, UidRange, Untagged,
};
use crate::{Error, Precondition};

use super::compact::compacted;
use super::seq_ranges::SeqRanges;
use super::{Claims, Op, OpContext, SELECTED, Step, kind, ok_or_error};

/// Message data a buffered FETCH may collect before it logs that streaming would be better
/// (the reference's 10 MB `uid_fetch` warning).
pub const BUFFER_WARNING: usize = 10 * 1000 * 1000;

/// How a FETCH hands its responses to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// Collect everything and return it with the tagged OK.
    Buffered,
    /// Queue each response as it arrives, for [`Fetch::next_item`]; a body literal above
    /// [`crate::Limits::stream_threshold`] comes as several responses with the same `seq`
    /// (see [`Fetch::next_item`]).
    Streamed,
}

/// The FETCH / UID FETCH op.
pub struct Fetch {
    uid: bool,
    set: SequenceSet,
    items: Vec<FetchAttr>,
    modifiers: FetchModifiers,
    delivery: Delivery,
    collected: Vec<FetchResponse>,
    /// Buffered delivery: how many responses the result is expected to hold, known when the
    /// command is sent (see [`expected_responses`]); reserved at the first response.
    expected: usize,
    queue: VecDeque<FetchResponse>,
    vanished: Vec<UidRange>,
    buffered_bytes: usize,
    /// Whether a small buffered result is compacted (not for the union of a merged fetch,
    /// whose calls' results are compacted one by one).
    compact: bool,
    /// Buffered delivery of a streamed literal: the response being put back together.
    assembling: Option<Assembly>,
    /// Messages this op already took a response for. Untagged FETCH data carries no tag:
    /// when FETCH commands over the same messages are pipelined, Dovecot runs them in
    /// parallel and interleaves their responses, so each op takes the first response per
    /// message and leaves a second one to the next op (or to the event queue).
    answered: SeqRanges,
}

/// A FETCH response whose body literal the framer streamed, reassembled for buffered
/// delivery: the attributes so far, and the literal being filled.
struct Assembly {
    response: FetchResponse,
    attribute: StreamedAttribute,
    data: BytesMut,
}

/// FETCH / UID FETCH with optional CHANGEDSINCE and VANISHED.
pub fn fetch(
    uid: bool,
    set: &SequenceSet,
    items: &[FetchAttr],
    changed_since: Option<u64>,
    vanished: bool,
    delivery: Delivery,
) -> Fetch {
    Fetch {
        uid,
        set: set.clone(),
        items: items.to_vec(),
        modifiers: FetchModifiers {
            changed_since,
            vanished,
        },
        delivery,
        collected: Vec::new(),
        expected: 0,
        queue: VecDeque::new(),
        vanished: Vec::new(),
        buffered_bytes: 0,
        compact: true,
        assembling: None,
        answered: SeqRanges::default(),
    }
}

impl Fetch {
    /// The next streamed response, in arrival order (streamed delivery only).
    ///
    /// A message whose body literal was streamed arrives as: one response with the
    /// attributes before the body (if any), one response per chunk holding a
    /// [`MessageAttribute::BodySection`] (or `Binary`) whose `origin` is the chunk's offset
    /// within the literal, then one response with the attributes after the body (if any).
    /// All carry the same `seq`; memory stays bounded by the chunk size.
    #[inline]
    pub fn next_item(&mut self) -> Option<FetchResponse> {
        self.queue.pop_front()
    }

    /// True when responses are waiting in the stream queue.
    pub fn has_items(&self) -> bool {
        !self.queue.is_empty()
    }

    fn wants(&self, fetch: &FetchResponse, session: &Session) -> bool {
        if self.answered.contains(fetch.seq) {
            return false;
        }
        // A response that failed the grammar before its UID cannot be placed by UID: it is
        // taken, as a streamed response without its UID is, so its error is not lost.
        if self.uid && fetch.uid().is_none() && fetch.unparsed().is_some() {
            return true;
        }
        is_reply_to(self.uid, &self.set, fetch, session)
    }

    fn deliver(&mut self, fetch: FetchResponse) {
        match self.delivery {
            Delivery::Buffered => {
                let before = self.buffered_bytes;
                self.buffered_bytes += fetch
                    .attributes
                    .iter()
                    .map(|a| a.section_data().map_or(0, |d| d.len()))
                    .sum::<usize>();
                if before <= BUFFER_WARNING && self.buffered_bytes > BUFFER_WARNING {
                    log::warn!(
                        "a buffered FETCH now holds over {BUFFER_WARNING} bytes of message data; \
                         uid_fetch_streaming delivers large results in bounded memory"
                    );
                }
                if self.collected.capacity() == 0 {
                    // Grown by doubling, a result is moved at every power of two and may
                    // keep up to half its capacity unused.
                    self.collected.reserve_exact(self.expected);
                }
                self.collected.push(fetch)
            }
            Delivery::Streamed => self.queue.push_back(fetch),
        }
    }

    /// Buffered delivery: puts a streamed response back together, so the caller gets one
    /// response per message whatever [`crate::Limits::stream_threshold`] is.
    fn assemble(&mut self, part: &StreamPart) {
        match part {
            StreamPart::Begin {
                seq,
                before,
                attribute,
                len,
            } => {
                let mut assembly = self.assembling.take().unwrap_or_else(|| Assembly {
                    response: FetchResponse::new(*seq),
                    attribute: attribute.clone(),
                    data: BytesMut::new(),
                });
                before
                    .iter()
                    .for_each(|attribute| assembly.response.push(attribute.clone()));
                assembly.attribute = attribute.clone();
                assembly.data.clear();
                // Room for the announced size at once: grown by doubling from the chunks, a
                // literal is copied about twice more and may keep up to half its capacity
                // unused. The size is the server's word, so at most what the framer reserves
                // for a literal (address space; pages become resident as bytes arrive).
                let room = usize::try_from(*len)
                    .unwrap_or(usize::MAX)
                    .min(MAX_READ_RESERVE);
                assembly.data.reserve(room);
                self.assembling = Some(assembly);
            }
            StreamPart::Chunk { data, .. } => {
                if let Some(assembly) = self.assembling.as_mut() {
                    assembly.data.extend_from_slice(data);
                }
            }
            StreamPart::End { .. } => {
                if let Some(assembly) = self.assembling.as_mut() {
                    let data = std::mem::take(&mut assembly.data).freeze();
                    let attribute = match &assembly.attribute {
                        StreamedAttribute::BodySection { section, origin } => {
                            MessageAttribute::body_section(section.clone(), *origin, Some(data))
                        }
                        StreamedAttribute::Binary { section, origin } => {
                            MessageAttribute::binary(section.clone(), *origin, Some(data))
                        }
                    };
                    assembly.response.push(attribute);
                }
            }
            StreamPart::Tail { after, .. } => {
                if let Some(mut assembly) = self.assembling.take() {
                    after
                        .iter()
                        .for_each(|attribute| assembly.response.push(attribute.clone()));
                    self.deliver(assembly.response);
                }
            }
        }
    }

    /// The buffered result. When fewer messages answered than expected (expunged, or never
    /// there), the caller keeps the responses, not the room reserved for the others.
    fn take_collected(&mut self) -> Vec<FetchResponse> {
        if self.collected.len() < self.collected.capacity() {
            self.collected.shrink_to_fit();
        }
        std::mem::take(&mut self.collected)
    }

    /// The result handed back: a small buffered one owning its bytes ([`super::compact`]),
    /// so that keeping it does not keep the read buffers it arrived in.
    fn result(&mut self) -> Vec<FetchResponse> {
        let collected = self.take_collected();
        if self.delivery == Delivery::Buffered && self.compact {
            return compacted(collected);
        }
        collected
    }

    /// Hands back the buffered result as it arrived, never compacted: for the union of a
    /// merged fetch, which compacts each call's share instead.
    pub(super) fn without_compaction(mut self) -> Self {
        self.compact = false;
        self
    }

    /// Literal bytes buffered so far (for the caller's large-result warning).
    pub fn buffered_bytes(&self) -> usize {
        self.buffered_bytes
    }

    /// True if the op may be merged with others into one command
    /// ([`super::fetch_merge::MergedFetch`]): buffered, no modifiers, and a set of plain
    /// numbers (`*` and `$` stand for what only the server knows, so no union or split by
    /// number is exact).
    pub fn is_mergeable(&self) -> bool {
        self.delivery == Delivery::Buffered
            && self.modifiers == FetchModifiers::default()
            && !self.set.is_saved_result()
            && !self.set.uses_largest()
    }

    /// True if `other` asks the same question over (maybe) other messages: the same
    /// UID-ness, items and modifiers.
    pub(super) fn same_request(&self, other: &Fetch) -> bool {
        self.uid == other.uid && self.items == other.items && self.modifiers == other.modifiers
    }

    /// By UID (true) or by sequence number.
    pub(super) fn by_uid(&self) -> bool {
        self.uid
    }

    /// The messages asked for.
    pub(super) fn set(&self) -> &SequenceSet {
        &self.set
    }

    /// The items asked for.
    pub(super) fn items(&self) -> &[FetchAttr] {
        &self.items
    }
}

impl Op for Fetch {
    type Output = (Vec<FetchResponse>, Vec<UidRange>);

    fn check(&self, session: &Session) -> Result<(), Error> {
        super::require_state(
            session,
            SELECTED,
            if self.uid { "UID FETCH" } else { "FETCH" },
        )?;
        if self.modifiers.changed_since.is_some() {
            super::require_capability(session, "CONDSTORE")?;
        }
        if self.modifiers.vanished && !session.is_enabled("QRESYNC") {
            // RFC 7162 §3.2.6.
            return Err(Precondition::NotEnabled {
                command: "UID FETCH (VANISHED)",
                extension: "QRESYNC",
            }
            .into());
        }
        Ok(())
    }

    fn pipelinable(&self) -> bool {
        true
    }

    /// FETCH responses are picked out by message, so fetches run side by side.
    fn claims(&self) -> Claims {
        Claims::attributed(kind::FETCH)
    }

    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
        if self.delivery == Delivery::Buffered && self.modifiers.changed_since.is_none() {
            self.expected = expected_responses(self.uid, &self.set, ctx.session());
        }
        let (uid, set, items, modifiers) = (
            self.uid,
            self.set.clone(),
            self.items.clone(),
            self.modifiers,
        );
        ctx.send(move |tag, enc| {
            if uid {
                encode::message::uid_fetch(tag, enc, &set, &items, &modifiers)
            } else {
                encode::message::fetch(tag, enc, &set, &items, &modifiers)
            }
        })
    }

    fn on_untagged(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        match data {
            Untagged::Fetch(fetch) if self.wants(&fetch, session) => {
                self.answered.insert(fetch.seq);
                // Streamed, the response goes straight into the queue: through `deliver` it
                // was moved once more (issue 15).
                match self.delivery {
                    Delivery::Streamed => self.queue.push_back(fetch),
                    Delivery::Buffered => self.deliver(fetch),
                }
                None
            }
            Untagged::Vanished {
                earlier: true,
                uids,
            } if self.modifiers.vanished => {
                // RFC 7162 §3.2.6: only UIDs in the requested set may be reported; a
                // non-conformant server may send others, which are dropped. With `$` the
                // set cannot be resolved here, so nothing is filtered.
                for range in uids {
                    self.vanished.extend(clip_to_set(range, &self.set));
                }
                None
            }
            other => Some(other),
        }
    }

    /// By UID the attributes before the literal usually carry the UID; when they do not,
    /// the response cannot be placed yet and is taken.
    fn wants_stream(&self, seq: u32, before: &[MessageAttribute], session: &Session) -> bool {
        if self.answered.contains(seq) {
            return false;
        }
        if !self.uid {
            return seq_in(&self.set, seq, session);
        }
        let uid = before.iter().find_map(|a| match a {
            MessageAttribute::Uid(uid) => Some(*uid),
            _ => None,
        });
        uid.is_none_or(|uid| uid_in(&self.set, uid))
    }

    fn buffers_streamed_literals(&self) -> bool {
        self.delivery == Delivery::Buffered
    }

    fn on_stream(&mut self, part: &StreamPart) -> bool {
        if let StreamPart::Begin { seq, .. } = part {
            self.answered.insert(*seq);
        }
        if self.delivery == Delivery::Buffered {
            self.assemble(part);
            return true;
        }
        let fetch = match part {
            StreamPart::Begin { seq, before, .. } => {
                FetchResponse::with_attributes(*seq, before.iter().cloned())
            }
            StreamPart::Chunk {
                seq,
                attribute,
                offset,
                data,
            } => FetchResponse::with_attributes(
                *seq,
                [chunk_attribute(attribute, *offset, data.clone())],
            ),
            StreamPart::End { .. } => return true,
            StreamPart::Tail { seq, after } => {
                FetchResponse::with_attributes(*seq, after.iter().cloned())
            }
        };
        if fetch.is_empty() {
            return true;
        }
        self.deliver(fetch);
        true
    }

    fn on_tagged(&mut self, tagged: Tagged, _ctx: &mut OpContext<'_>) -> Step<Self::Output> {
        // Streamed responses the caller did not take with `next_item` before the completion
        // arrived (both can come in one read) are handed back with the result.
        self.collected.extend(self.queue.drain(..));
        Step::Done(ok_or_error(tagged).map(|_| (self.result(), std::mem::take(&mut self.vanished))))
    }
}

/// True if `fetch` answers a FETCH or STORE over `set` (by UID when `uid`) rather than
/// being an unsolicited update for another message (RFC 9051 §7.5.2).
///
/// By sequence number, `*` stands for the message count the session knows. By UID, the
/// response must carry its UID; where `*` or `$` make the set unknowable here, the response
/// is kept.
pub(crate) fn is_reply_to(
    uid: bool,
    set: &SequenceSet,
    fetch: &FetchResponse,
    session: &Session,
) -> bool {
    if uid {
        return match fetch.uid() {
            Some(uid) => uid_in(set, uid),
            None => false,
        };
    }
    seq_in(set, fetch.seq, session)
}

/// At most this many responses are reserved ahead: the message count comes from the
/// server, and a larger result grows as any `Vec` does.
const MAX_EXPECTED: u32 = 1 << 18;

/// How many responses a FETCH over `set` should get, by what the session knows when it is
/// sent: at most one per message of the mailbox (RFC 9051 §7.4.1 `EXISTS`) and one per
/// number in `set`, `*` being the message count, or by UID the last UID given out
/// (`UIDNEXT` - 1, RFC 9051 §7.1). 0 when that is unknown (nothing selected, `$`, or `*` by
/// UID without `UIDNEXT`). Only a capacity hint: messages arriving meanwhile grow it.
fn expected_responses(uid: bool, set: &SequenceSet, session: &Session) -> usize {
    let Some(mailbox) = session.selected() else {
        return 0;
    };
    if set.is_saved_result() {
        return 0;
    }
    let exists = mailbox.exists;
    let largest = if uid {
        mailbox.uid_next.map(|next| next.saturating_sub(1))
    } else {
        Some(exists)
    };
    let resolve = |n: &SeqNumber| match n {
        SeqNumber::Value(v) => Some(v.get()),
        SeqNumber::Largest => largest,
    };
    let mut in_set: u64 = 0;
    for item in set.items() {
        in_set += match item {
            SequenceItem::Single(_) => 1,
            SequenceItem::Range(a, b) => {
                let (Some(a), Some(b)) = (resolve(a), resolve(b)) else {
                    return 0;
                };
                // Nothing lies above the largest number in use (`n:*` with n above it is
                // the one message `*`).
                let high = a.max(b).min(largest.unwrap_or(u32::MAX));
                u64::from(high.saturating_sub(a.min(b))) + 1
            }
        };
    }
    in_set.min(u64::from(exists)).min(u64::from(MAX_EXPECTED)) as usize
}

/// True if `uid` may be in `set` (kept when `*` or `$` make it unknowable here).
fn uid_in(set: &SequenceSet, uid: u32) -> bool {
    set.contains(uid).unwrap_or(true) || set.uses_largest()
}

/// True if message `seq` is in `set`, `*` being the message count the session knows.
fn seq_in(set: &SequenceSet, seq: u32, session: &Session) -> bool {
    match session.selected() {
        Some(mailbox) => set
            .contains_with_largest(seq, mailbox.exists)
            .unwrap_or(true),
        None => set.contains(seq).unwrap_or(true),
    }
}

/// The parts of `range` that lie in `set`, worked out on the bounds: a server may send
/// `1:4294967295`, which must not be walked UID by UID. With `*` or `$` the set cannot be
/// resolved here, so nothing is cut.
fn clip_to_set(range: UidRange, set: &SequenceSet) -> Vec<UidRange> {
    if set.is_saved_result() || set.uses_largest() {
        return vec![range];
    }
    let mut pieces: Vec<UidRange> = set
        .items()
        .iter()
        .filter_map(|item| {
            let (a, b) = match *item {
                SequenceItem::Single(SeqNumber::Value(v)) => (v.get(), v.get()),
                SequenceItem::Range(SeqNumber::Value(a), SeqNumber::Value(b)) => {
                    (a.get().min(b.get()), a.get().max(b.get()))
                }
                _ => return None,
            };
            let (lo, hi) = (a.max(range.start), b.min(range.end));
            (lo <= hi).then(|| UidRange::new(lo, hi))
        })
        .collect();
    pieces.sort_by_key(|r| r.start);
    let mut merged: Vec<UidRange> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match merged.last_mut() {
            Some(last) if piece.start <= last.end.saturating_add(1) => {
                *last = UidRange::new(last.start, last.end.max(piece.end));
            }
            _ => merged.push(piece),
        }
    }
    merged
}

/// A chunk of a streamed literal as the attribute it belongs to, with `origin` set to the
/// chunk's absolute offset (the streamed attribute's own origin plus the offset within the
/// literal).
fn chunk_attribute(
    attribute: &StreamedAttribute,
    offset: u64,
    data: bytes::Bytes,
) -> MessageAttribute {
    let origin = |base: Option<u32>| u32::try_from(u64::from(base.unwrap_or(0)) + offset).ok();
    match attribute {
        StreamedAttribute::BodySection {
            section,
            origin: base,
        } => MessageAttribute::body_section(section.clone(), origin(*base), Some(data)),
        StreamedAttribute::Binary {
            section,
            origin: base,
        } => MessageAttribute::binary(section.clone(), origin(*base), Some(data)),
    }
}

#[cfg(test)]
mod expected_tests {
    use super::*;
    use crate::types::{Section, SelectedMailbox};

    fn buffered(uid: bool, set: &str) -> Fetch {
        let items = [FetchAttr::Uid];
        fetch(
            uid,
            &set.parse().unwrap(),
            &items,
            None,
            false,
            Delivery::Buffered,
        )
    }

    fn expected(uid: bool, set: &str, exists: Option<u32>) -> usize {
        expected_with(uid, set, exists, None)
    }

    fn expected_with(uid: bool, set: &str, exists: Option<u32>, uid_next: Option<u32>) -> usize {
        let mut session = Session::new(false);
        session.selected = exists.map(|exists| {
            let mut mailbox = SelectedMailbox::new("INBOX".into(), true);
            mailbox.exists = exists;
            mailbox.uid_next = uid_next;
            mailbox
        });
        expected_responses(uid, &set.parse().unwrap(), &session)
    }

    #[test]
    fn the_hint_is_bounded_by_the_set_and_the_message_count() {
        assert_eq!(expected(false, "1:*", Some(20_000)), 20_000);
        assert_eq!(expected(false, "*:1", Some(20_000)), 20_000);
        assert_eq!(expected(false, "3:7,9", Some(20_000)), 6);
        assert_eq!(expected(false, "7:3", Some(5)), 3);
        assert_eq!(expected(false, "4294967295", Some(10)), 1);
        assert_eq!(expected(false, "100:200", Some(10)), 1);
        // By UID a range holds at most its span, and nothing above UIDNEXT - 1.
        assert_eq!(expected(true, "500:600", Some(20)), 20);
        assert_eq!(expected(true, "500:600", Some(2000)), 101);
        assert_eq!(
            expected_with(true, "1:*", Some(20_000), Some(20_001)),
            20_000
        );
        assert_eq!(
            expected_with(true, "1:*", Some(20_000), Some(90_001)),
            20_000
        );
        // New mail since a known UID: the few messages above it, not the mailbox.
        assert_eq!(
            expected_with(true, "19990:*", Some(20_000), Some(20_001)),
            11
        );
        assert_eq!(
            expected_with(true, "30000:*", Some(20_000), Some(20_001)),
            1
        );
        assert_eq!(expected_with(true, "1:*", Some(0), Some(1)), 0);
        // `*` by UID without UIDNEXT: unknown, nothing reserved.
        assert_eq!(expected(true, "1:*", Some(20_000)), 0);
        assert_eq!(expected(true, "5,9,12", Some(20)), 3);
        assert_eq!(expected(true, "$", Some(20)), 0);
        assert_eq!(expected(true, "1:*", None), 0);
    }

    /// The count comes from the server: a huge one reserves no more than the cap.
    #[test]
    fn a_huge_message_count_reserves_at_most_the_cap() {
        assert_eq!(
            expected(false, "1:*", Some(u32::MAX)),
            MAX_EXPECTED as usize
        );
        let huge = expected_with(true, "1:*,1:*", Some(u32::MAX), Some(u32::MAX));
        assert_eq!(huge, MAX_EXPECTED as usize);
    }

    /// The result keeps no room beyond its responses when fewer came than expected.
    #[test]
    fn a_result_smaller_than_expected_is_shrunk() {
        let mut fetch = buffered(true, "1:*");
        fetch.expected = 1000;
        for seq in 1..=3 {
            fetch.deliver(FetchResponse::with_attributes(
                seq,
                [MessageAttribute::Uid(seq)],
            ));
        }
        assert_eq!(fetch.collected.capacity(), 1000);
        let result = fetch.take_collected();
        assert_eq!((result.len(), result.capacity()), (3, 3));
    }

    /// A streamed literal put back together for a buffered FETCH is received into one
    /// allocation of its announced size: never moved, no spare room kept.
    #[test]
    fn an_assembled_literal_fills_one_allocation_of_its_size() {
        let mut fetch = buffered(false, "1");
        let len = 3 * 1024 * 1024 + 17;
        let attribute = StreamedAttribute::BodySection {
            section: Section::default(),
            origin: None,
        };
        fetch.assemble(&StreamPart::Begin {
            seq: 1,
            before: vec![MessageAttribute::Uid(7)],
            attribute: attribute.clone(),
            len: len as u64,
        });
        let start = fetch.assembling.as_ref().unwrap().data.as_ptr();
        let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        for (i, piece) in body.chunks(65_536).enumerate() {
            fetch.assemble(&StreamPart::Chunk {
                seq: 1,
                attribute: attribute.clone(),
                offset: (i * 65_536) as u64,
                data: bytes::Bytes::copy_from_slice(piece),
            });
        }
        let data = &fetch.assembling.as_ref().unwrap().data;
        assert_eq!((data.as_ptr(), data.capacity()), (start, len));
        fetch.assemble(&StreamPart::End { seq: 1 });
        fetch.assemble(&StreamPart::Tail {
            seq: 1,
            after: Vec::new(),
        });
        let result = fetch.take_collected();
        assert_eq!(result[0].uid, Some(7));
        let got = result[0].attributes[0].section_data().unwrap();
        assert_eq!((got.as_ptr(), &got[..]), (start, &body[..]));
    }
}
