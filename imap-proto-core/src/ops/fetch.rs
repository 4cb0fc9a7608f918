//! FETCH and UID FETCH, buffered or streamed, with CHANGEDSINCE and VANISHED
//! (RFC 9051 §6.4.5, RFC 7162 §3.1.4, §3.2.6).

use std::collections::VecDeque;

use crate::Error;
use crate::conn::StreamPart;
use crate::conn::session::Session;
use crate::encode::{self, message::FetchModifiers};
use crate::types::{
    FetchAttr, FetchResponse, MessageAttribute, SequenceSet, StreamedAttribute, Tagged, UidRange,
    Untagged,
};

use super::{Op, OpContext, SELECTED, Step, ok_or_error};

/// How a FETCH hands its responses to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Collect everything and return it with the tagged OK.
    Buffered,
    /// Queue each response as it arrives, for [`Fetch::next_item`]; a body literal above
    /// [`crate::Limits::stream_threshold`] comes as several responses with the same `seq`
    /// (see [`Fetch::next_item`]). Responses not yet taken when the command completes are
    /// the first element of the op's output, in arrival order.
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
    queue: VecDeque<FetchResponse>,
    vanished: Vec<UidRange>,
    buffered_bytes: usize,
    /// Buffered delivery: a response whose big literal the framer streams, being put back
    /// together (the response so far, and the literal being received).
    assembling: Option<(FetchResponse, Option<(StreamedAttribute, bytes::BytesMut)>)>,
    /// Messages this op already received a response for.
    answered: std::collections::HashSet<u32>,
    /// The message whose literal is being streamed to this op.
    streaming: Option<u32>,
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
        queue: VecDeque::new(),
        vanished: Vec::new(),
        buffered_bytes: 0,
        assembling: None,
        answered: std::collections::HashSet::new(),
        streaming: None,
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
    pub fn next_item(&mut self) -> Option<FetchResponse> {
        self.queue.pop_front()
    }

    /// True when responses are waiting in the stream queue.
    pub fn has_items(&self) -> bool {
        !self.queue.is_empty()
    }

    fn wants(&self, fetch: &FetchResponse) -> bool {
        self.wants_message(fetch.seq, fetch.uid(), false)
    }

    /// Whether a response for message `seq` (with `uid`, if it carries one) is this op's.
    /// `uid_may_follow`: for a streamed literal whose UID may come after the literal.
    fn wants_message(&self, seq: u32, uid: Option<u32>, uid_may_follow: bool) -> bool {
        // One response per message: untagged FETCH data carries no tag, so when FETCH
        // commands over the same messages are pipelined (Dovecot runs them in parallel and
        // interleaves their responses), each takes the first response for a message it has
        // not had yet, and a second one goes to the next command (or becomes an event).
        if self.answered.contains(&seq) {
            return false;
        }
        if !self.uid {
            return self.set.contains(seq).unwrap_or(true);
        }
        // For UID FETCH, unsolicited flag updates for other messages are not ours.
        match uid {
            Some(uid) => self.set.contains(uid).unwrap_or(true) || self.set.uses_largest(),
            None => uid_may_follow,
        }
    }

    fn deliver(&mut self, fetch: FetchResponse) {
        match self.delivery {
            Delivery::Buffered => {
                self.buffered_bytes += fetch
                    .attributes
                    .iter()
                    .map(|a| match a {
                        MessageAttribute::BodySection { data: Some(d), .. }
                        | MessageAttribute::Binary { data: Some(d), .. } => d.len(),
                        _ => 0,
                    })
                    .sum::<usize>();
                self.collected.push(fetch)
            }
            Delivery::Streamed => self.queue.push_back(fetch),
        }
    }

    /// Literal bytes buffered so far (for the caller's large-result warning).
    pub fn buffered_bytes(&self) -> usize {
        self.buffered_bytes
    }

    /// Buffered delivery of a streamed literal: the caller asked for whole responses, so
    /// the chunks are put back together and the response is delivered once, at its tail.
    fn assemble(&mut self, part: &StreamPart) {
        match part {
            StreamPart::Begin {
                seq,
                before,
                attribute,
                len,
            } => {
                let literal =
                    bytes::BytesMut::with_capacity(usize::try_from(*len).unwrap_or(0).min(1 << 26));
                let current = Some((attribute.clone(), literal));
                match self.assembling.as_mut() {
                    // A second big literal in the same response.
                    Some((response, slot)) if response.seq == *seq => {
                        response.attributes.extend(before.iter().cloned());
                        *slot = current;
                    }
                    _ => {
                        let response = FetchResponse {
                            seq: *seq,
                            attributes: before.clone(),
                        };
                        self.assembling = Some((response, current));
                    }
                }
            }
            StreamPart::Chunk { data, .. } => {
                if let Some((_, Some((_, literal)))) = self.assembling.as_mut() {
                    literal.extend_from_slice(data);
                }
            }
            StreamPart::End { .. } => {
                if let Some((response, slot)) = self.assembling.as_mut()
                    && let Some((attribute, literal)) = slot.take()
                {
                    let data = Some(literal.freeze());
                    response.attributes.push(match attribute {
                        StreamedAttribute::BodySection { section, origin } => {
                            MessageAttribute::BodySection {
                                section,
                                origin,
                                data,
                            }
                        }
                        StreamedAttribute::Binary { section, origin } => MessageAttribute::Binary {
                            section,
                            origin,
                            data,
                        },
                    });
                }
            }
            StreamPart::Tail { after, .. } => {
                if let Some((response, _)) = self.assembling.take() {
                    let mut response = response;
                    response.attributes.extend(after.iter().cloned());
                    self.deliver(response);
                }
            }
        }
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
            return Err(Error::Protocol(
                "UID FETCH (VANISHED) needs ENABLE QRESYNC first (RFC 7162 §3.2.6)".into(),
            ));
        }
        Ok(())
    }

    fn pipelinable(&self) -> bool {
        true
    }

    fn start(&mut self, ctx: &mut OpContext<'_>) -> Result<(), Error> {
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

    fn on_untagged(&mut self, data: Untagged, _session: &Session) -> Option<Untagged> {
        match data {
            Untagged::Fetch(fetch) if self.wants(&fetch) => {
                self.answered.insert(fetch.seq);
                self.deliver(fetch);
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
                    if self.set.is_saved_result() {
                        self.vanished.push(range);
                        continue;
                    }
                    let mut run: Option<UidRange> = None;
                    for uid in range.iter() {
                        if self.set.contains(uid).unwrap_or(true) {
                            run = Some(match run {
                                Some(r) if r.end + 1 == uid => UidRange::new(r.start, uid),
                                Some(r) => {
                                    self.vanished.push(r);
                                    UidRange::single(uid)
                                }
                                None => UidRange::single(uid),
                            });
                        }
                    }
                    self.vanished.extend(run);
                }
                None
            }
            other => Some(other),
        }
    }

    fn on_stream(&mut self, part: &StreamPart) -> bool {
        match part {
            // A second streamed literal of the response being streamed is always ours.
            StreamPart::Begin { seq, before, .. } if self.streaming != Some(*seq) => {
                let uid = before.iter().find_map(|a| match a {
                    MessageAttribute::Uid(uid) => Some(*uid),
                    _ => None,
                });
                if !self.wants_message(*seq, uid, true) {
                    return false;
                }
                self.answered.insert(*seq);
                self.streaming = Some(*seq);
            }
            StreamPart::Tail { .. } => self.streaming = None,
            _ => {}
        }
        if self.delivery == Delivery::Buffered {
            self.assemble(part);
            return true;
        }
        let fetch = match part {
            StreamPart::Begin { seq, before, .. } => FetchResponse {
                seq: *seq,
                attributes: before.clone(),
            },
            StreamPart::Chunk {
                seq,
                attribute,
                offset,
                data,
            } => FetchResponse {
                seq: *seq,
                attributes: vec![chunk_attribute(attribute, *offset, data.clone())],
            },
            StreamPart::End { .. } => return true,
            StreamPart::Tail { seq, after } => FetchResponse {
                seq: *seq,
                attributes: after.clone(),
            },
        };
        if fetch.attributes.is_empty() {
            return true;
        }
        self.deliver(fetch);
        true
    }

    fn on_tagged(&mut self, tagged: Tagged, _ctx: &mut OpContext<'_>) -> Step<Self::Output> {
        // Streamed responses the driver has not taken yet would be lost with the op: the
        // connection drops a finished op, and the responses and the tagged OK often arrive
        // in the same read. They are handed over with the result instead, in order.
        if self.delivery == Delivery::Streamed {
            self.collected.extend(self.queue.drain(..));
        }
        Step::Done(ok_or_error(tagged).map(|_| {
            (
                std::mem::take(&mut self.collected),
                std::mem::take(&mut self.vanished),
            )
        }))
    }
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
        } => MessageAttribute::BodySection {
            section: section.clone(),
            origin: origin(*base),
            data: Some(data),
        },
        StreamedAttribute::Binary {
            section,
            origin: base,
        } => MessageAttribute::Binary {
            section: section.clone(),
            origin: origin(*base),
            data: Some(data),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SelectOptions;
    use crate::{Config, Connection};

    /// Feeds `input` and returns what the connection wrote.
    fn exchange(conn: &mut Connection, input: &[u8]) -> String {
        conn.handle_input(input);
        let mut out = Vec::new();
        conn.poll_transmit(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Streamed responses that arrive in the same read as the tagged OK are not lost: the
    /// op hands them over with its result.
    #[test]
    fn streamed_responses_before_the_ok_come_with_the_result() {
        let mut conn = Connection::new(Config::default());
        exchange(&mut conn, b"* PREAUTH ready\r\n");
        let select = conn
            .submit(crate::ops::mailbox::select(
                "INBOX",
                &SelectOptions::default(),
                false,
            ))
            .unwrap();
        let mut out = Vec::new();
        conn.poll_transmit(&mut out);
        assert_eq!(out, b"A0001 SELECT INBOX\r\n");
        exchange(&mut conn, b"* 2 EXISTS\r\nA0001 OK [READ-WRITE] done\r\n");
        assert!(conn.take_output(&select).unwrap().is_ok());

        let id = conn
            .submit(fetch(
                false,
                &SequenceSet::range(1, 2).unwrap(),
                &[FetchAttr::Flags],
                None,
                false,
                Delivery::Streamed,
            ))
            .unwrap();
        assert_eq!(exchange(&mut conn, b""), "A0002 FETCH 1:2 (FLAGS)\r\n");
        conn.handle_input(b"* 1 FETCH (FLAGS (\\Seen))\r\n");
        let first = conn.op_mut(&id).and_then(Fetch::next_item).unwrap();
        assert_eq!(first.seq, 1);
        conn.handle_input(b"* 2 FETCH (FLAGS ())\r\nA0002 OK done\r\n");
        let (rest, vanished) = conn.take_output(&id).unwrap().unwrap();
        assert_eq!(rest.iter().map(|f| f.seq).collect::<Vec<_>>(), vec![2]);
        assert!(vanished.is_empty());
    }

    /// Two pipelined FETCHes over the same messages whose responses the server interleaves
    /// (as Dovecot does): each gets one response per message.
    #[test]
    fn pipelined_fetches_take_one_response_per_message_each() {
        let mut conn = Connection::new(Config::default());
        exchange(&mut conn, b"* PREAUTH ready\r\n");
        conn.submit(crate::ops::mailbox::select(
            "INBOX",
            &SelectOptions::default(),
            false,
        ))
        .unwrap();
        exchange(&mut conn, b"");
        exchange(&mut conn, b"* 2 EXISTS\r\nA0001 OK done\r\n");
        let set = SequenceSet::range(1, 2).unwrap();
        let items = [FetchAttr::Uid, FetchAttr::Flags];
        let by_seq = conn
            .submit(fetch(false, &set, &items, None, false, Delivery::Buffered))
            .unwrap();
        let by_uid = conn
            .submit(fetch(
                true,
                &SequenceSet::all(),
                &items,
                None,
                false,
                Delivery::Buffered,
            ))
            .unwrap();
        let sent = exchange(&mut conn, b"");
        assert_eq!(
            sent,
            "A0002 FETCH 1:2 (UID FLAGS)\r\nA0003 UID FETCH 1:* (UID FLAGS)\r\n"
        );
        conn.handle_input(
            b"* 1 FETCH (UID 7 FLAGS ())\r\n* 1 FETCH (UID 7 FLAGS ())\r\n\
              * 2 FETCH (UID 8 FLAGS ())\r\n* 2 FETCH (UID 8 FLAGS ())\r\n\
              A0003 OK done\r\nA0002 OK done\r\n* 5 FETCH (FLAGS (\\Seen))\r\n",
        );
        let seqs = |found: Vec<FetchResponse>| found.iter().map(|f| f.seq).collect::<Vec<_>>();
        assert_eq!(seqs(conn.take_output(&by_seq).unwrap().unwrap().0), [1, 2]);
        assert_eq!(seqs(conn.take_output(&by_uid).unwrap().unwrap().0), [1, 2]);
        // A response for a message outside every set is an event.
        let events: Vec<_> = std::iter::from_fn(|| conn.poll_event()).collect();
        assert!(
            events
                .iter()
                .any(|e| matches!(e, crate::TypedEvent::Fetch(FetchResponse { seq: 5, .. }))),
            "{events:?}"
        );
    }

    /// A buffered FETCH returns one response per message even when the framer streamed a
    /// body literal above the threshold in chunks.
    #[test]
    fn buffered_fetch_reassembles_a_streamed_literal() {
        let mut config = Config::default();
        config.limits.stream_threshold = 8;
        let mut conn = Connection::new(config);
        exchange(&mut conn, b"* PREAUTH ready\r\n");
        conn.submit(crate::ops::mailbox::select(
            "INBOX",
            &SelectOptions::default(),
            false,
        ))
        .unwrap();
        exchange(&mut conn, b"");
        exchange(&mut conn, b"* 1 EXISTS\r\nA0001 OK done\r\n");
        let id = conn
            .submit(fetch(
                true,
                &SequenceSet::single(7).unwrap(),
                &[FetchAttr::Uid, FetchAttr::Flags],
                None,
                false,
                Delivery::Buffered,
            ))
            .unwrap();
        exchange(&mut conn, b"");
        let body = b"0123456789abcdefghij0123456789";
        let mut input = b"* 1 FETCH (UID 7 BODY[] {30}\r\n".to_vec();
        input.extend_from_slice(body);
        input.extend_from_slice(b" FLAGS (\\Seen))\r\nA0002 OK done\r\n");
        // Split reads, so the literal arrives in several chunks.
        for piece in input.chunks(7) {
            conn.handle_input(piece);
        }
        let (found, _) = conn.take_output(&id).unwrap().unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].uid(), Some(7));
        assert_eq!(found[0].flags(), Some(&[crate::types::Flag::Seen][..]));
        assert_eq!(
            found[0]
                .section(&crate::types::Section::default())
                .map(|b| &b[..]),
            Some(&body[..])
        );
    }
}
