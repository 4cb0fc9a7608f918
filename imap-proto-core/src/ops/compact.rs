//! Buffered results that pin no read buffer (issue 15 item 2).
//!
//! Parsed values are slices of the read buffer they arrived in, and a slice keeps its whole
//! allocation alive: a kept one-message FETCH result would pin a buffer of 1 MiB or more. So a
//! result whose values hold few bytes compared with the buffers they may pin is handed back
//! owning its bytes (one copy of at most [`COMPACT_BELOW`] bytes); a large one covers its
//! buffers and stays zero-copy.

use crate::types::FetchResponse;
use crate::types::detach::{Detach, retained_len};

/// The buffer the adapters' reads fill: 16 reads (`READ_BUFFER_READS` in parse/frame.rs)
/// of 64 KiB (`imap_driver::READ_CHUNK`). A buffer reserved for a literal is the literal's
/// own size, which the result then holds. A sans-IO caller that reads bigger chunks gets
/// bigger buffers (at most 4 MiB); a result of 2-8 MiB may then pin up to about W + 8 MiB.
/// Sized for the common case: each copied result costs its size in fresh pages, so a
/// threshold four times higher would copy every 2-8 MiB listing for a rare caller's sake.
const READ_BUFFER: usize = 16 * 64 * 1024;

/// Values of W bytes may pin about W + 2 read buffers: those they fill, and the first and
/// last, only partly theirs. Below two buffers' worth that can be more than twice W (the
/// bound issue 15 sets for a buffered FETCH), so the result is compacted; from there on
/// W + 2 buffers is at most 2 W and the result stays zero-copy.
pub(crate) const COMPACT_BELOW: usize = 2 * READ_BUFFER;

/// Whether `responses`' values hold fewer than [`COMPACT_BELOW`] bytes ([`retained_len`]).
/// Counted when the result is handed back, stopping at the threshold: a large result is
/// looked at only as far as its first 2 MiB of values.
fn is_small(responses: &[FetchResponse]) -> bool {
    responses
        .iter()
        .try_fold(0usize, |held, response| {
            let held = held + retained_len(response);
            (held < COMPACT_BELOW).then_some(held)
        })
        .is_some()
}

/// `responses`, a buffered result, each owning its bytes if the result is small.
pub(crate) fn compacted(mut responses: Vec<FetchResponse>) -> Vec<FetchResponse> {
    if is_small(&responses) {
        for response in &mut responses {
            *response = response.detached();
        }
    }
    responses
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use bytes::Bytes;

    use super::*;
    use crate::ops::fetch::{Delivery, Fetch, fetch};
    use crate::ops::fetch_merge::MergedFetch;
    use crate::ops::idle::idle;
    use crate::ops::message::store;
    use crate::ops::read_buffers::{READ, authenticated, feed, in_buffers, select_inbox};
    use crate::types::{FetchAttr, Flag, MessageAttribute, StoreOperation, TypedEvent};
    use crate::{Config, Connection};

    /// A connection with INBOX selected, its first command's tag `A0001` used.
    fn selected() -> Connection {
        select_inbox(authenticated("IMAP4rev1 IDLE"), 1000)
    }

    /// Every byte slice `attribute` holds.
    fn slices(attribute: &MessageAttribute) -> Vec<Bytes> {
        match attribute {
            MessageAttribute::Flags(flags) => vec![flags.text().clone()],
            MessageAttribute::Envelope(env) => vec![env.wire().clone()],
            MessageAttribute::BodySection(s) => {
                let mut out: Vec<Bytes> = s.data.iter().cloned().collect();
                if let crate::types::SectionKind::HeaderFields(names) = &s.section.kind {
                    out.extend(names.iter().cloned());
                }
                out
            }
            _ => Vec::new(),
        }
    }

    fn uid_fetch(set: &str, items: &[FetchAttr]) -> Fetch {
        fetch(
            true,
            &set.parse().unwrap(),
            items,
            None,
            false,
            Delivery::Buffered,
        )
    }

    /// A response with a keyword, an envelope and a header field: a few hundred bytes.
    fn small_response(seq: u32, uid: u32) -> String {
        format!(
            "* {seq} FETCH (UID {uid} FLAGS (\\Seen $Junk) ENVELOPE (\"Mon, 7 Dec 2026 04:40:25 \
             +0000\" \"note {uid}\" ((\"Ann\" NIL \"ann\" \"example.com\")) NIL NIL NIL NIL NIL \
             NIL \"<{uid}@example.com>\") BODY[HEADER.FIELDS (SUBJECT)] {{16}}\r\n\
             Subject: n {uid:03}\r\n)\r\n"
        )
    }

    /// A response with a literal of [`READ`] bytes.
    fn large_response(seq: u32, uid: u32) -> Vec<u8> {
        let mut out = format!("* {seq} FETCH (UID {uid} BODY[] {{{READ}}}\r\n").into_bytes();
        out.resize(out.len() + READ, b'a' + (uid % 26) as u8);
        out.extend_from_slice(b")\r\n");
        out
    }

    /// Enough [`large_response`]s (UIDs from 1) for a result above [`COMPACT_BELOW`].
    const LARGE: u32 = (COMPACT_BELOW / READ) as u32 + 2;

    /// The threshold assumes the buffer the framer allocates for the adapters' reads.
    #[test]
    fn the_threshold_follows_the_framers_read_buffer() {
        let mut conn = Connection::new(Config::default());
        assert_eq!(conn.read_buffer(READ).capacity(), READ_BUFFER);
    }

    #[test]
    fn a_small_buffered_fetch_owns_its_bytes() {
        let mut conn = selected();
        let items = [
            FetchAttr::Uid,
            FetchAttr::Flags,
            FetchAttr::Envelope,
            FetchAttr::header_fields_peek(["SUBJECT"]),
        ];
        let id = conn.submit(uid_fetch("7", &items)).unwrap();
        let wire = small_response(3, 7) + "A0002 OK done\r\n";
        let buffers = feed(&mut conn, wire.as_bytes());
        let (result, _) = conn.take_output(&id).unwrap().unwrap();
        assert_eq!(result.len(), 1);
        let values: Vec<Bytes> = result[0]
            .to_attribute_list()
            .iter()
            .flat_map(slices)
            .collect();
        assert_eq!(values.len(), 4, "{result:?}");
        for value in &values {
            assert!(
                !in_buffers(value, &buffers),
                "{value:?} is a read-buffer slice"
            );
        }
        drop(values);
        // Only the result refers to them, while the connection lives on.
        let envelope = result[0].envelope().unwrap();
        assert!(envelope.wire.text.is_unique());
        assert_eq!(envelope.subject(), Some(&b"note 7"[..]));
        let section = result[0]
            .attributes
            .iter()
            .find_map(MessageAttribute::section_data)
            .unwrap();
        assert_eq!(&section[..], b"Subject: n 007\r\n");
        assert!(section.is_unique());
        assert!(result[0].flags().unwrap().contains(&Flag::keyword("$Junk")));
    }

    #[test]
    fn a_large_buffered_fetch_stays_zero_copy() {
        let mut conn = selected();
        let items = [FetchAttr::Uid, FetchAttr::whole_message_peek()];
        let id = conn.submit(uid_fetch("1:*", &items)).unwrap();
        let mut wire: Vec<u8> = (1..=LARGE).flat_map(|n| large_response(n, n)).collect();
        wire.extend_from_slice(b"A0002 OK done\r\n");
        let buffers = feed(&mut conn, &wire);
        let (result, _) = conn.take_output(&id).unwrap().unwrap();
        assert_eq!(result.len(), LARGE as usize);
        for response in &result {
            let data = response.attributes[0].section_data().unwrap();
            assert_eq!(data.len(), READ);
            assert!(
                in_buffers(data, &buffers),
                "message {} was copied",
                response.seq
            );
        }
    }

    /// A response of a listing: an envelope and a structure (fields, not attributes), no
    /// literal; about 580 bytes.
    fn listing_response(n: u32) -> String {
        let structure =
            r#"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 1203 31 NIL NIL NIL NIL)"#;
        format!(
            "* {n} FETCH (UID {n} ENVELOPE (NIL \"{n:0>400}\" NIL NIL NIL NIL NIL NIL NIL NIL) \
             BODYSTRUCTURE {structure})\r\n"
        )
    }

    /// A listing of `count` messages, and the read buffers it came in.
    fn listing(count: u32) -> (Vec<FetchResponse>, Vec<Range<usize>>) {
        let mut conn = selected();
        let items = [
            FetchAttr::Uid,
            FetchAttr::Envelope,
            FetchAttr::BodyStructure,
        ];
        let id = conn.submit(uid_fetch("1:*", &items)).unwrap();
        let mut wire: String = (1..=count).map(listing_response).collect();
        wire.push_str("A0002 OK done\r\n");
        let buffers = feed(&mut conn, wire.as_bytes());
        let (result, _) = conn.take_output(&id).unwrap().unwrap();
        assert_eq!(result.len(), count as usize);
        (result, buffers)
    }

    /// Whether a listing response's envelope and structure lie in `buffers`.
    fn listing_in_buffers(response: &FetchResponse, buffers: &[Range<usize>]) -> (bool, bool) {
        let envelope = response.envelope().unwrap().wire();
        let body = response.body_structure().unwrap().wire();
        (in_buffers(envelope, buffers), in_buffers(body, buffers))
    }

    /// A listing's values are fields, counted too: a small one owns its bytes, one above
    /// the threshold stays zero-copy.
    #[test]
    fn listings_are_counted_by_their_fields() {
        let (small, buffers) = listing(3);
        for response in &small {
            assert_eq!(listing_in_buffers(response, &buffers), (false, false));
        }
        // A quarter more than the threshold in wire bytes: the values hold most of them.
        let count = (COMPACT_BELOW / listing_response(1).len() * 5 / 4) as u32;
        let (large, buffers) = listing(count);
        for response in &large {
            assert_eq!(listing_in_buffers(response, &buffers), (true, true));
        }
    }

    /// A small call merged with a large one gets its share owning its bytes; the large
    /// call's share stays zero-copy.
    #[test]
    fn each_merged_call_is_compacted_as_its_own_result() {
        let mut conn = selected();
        let items = [FetchAttr::Uid, FetchAttr::whole_message_peek()];
        let large = uid_fetch(&format!("1:{LARGE}"), &items);
        let mut merged = MergedFetch::new(large).ok().unwrap();
        assert!(
            merged
                .push(uid_fetch(&(LARGE + 1).to_string(), &items))
                .is_ok()
        );
        let id = conn.submit(merged).unwrap();
        let mut wire: Vec<u8> = (1..=LARGE + 1).flat_map(|n| large_response(n, n)).collect();
        wire.extend_from_slice(b"A0002 OK done\r\n");
        let buffers = feed(&mut conn, &wire);
        let mut outputs = conn.take_output(&id).unwrap().unwrap().into_iter();
        let (large, _) = outputs.next().unwrap().unwrap();
        let (small, _) = outputs.next().unwrap().unwrap();
        assert_eq!((large.len(), small.len()), (LARGE as usize, 1));
        for response in &large {
            let data = response.attributes[0].section_data().unwrap();
            assert!(
                in_buffers(data, &buffers),
                "message {} was copied",
                response.seq
            );
        }
        let data = small[0].attributes[0].section_data().unwrap();
        assert_eq!(small[0].uid(), Some(LARGE + 1));
        assert!(
            !in_buffers(data, &buffers),
            "the small call pins a read buffer"
        );
        assert!(data.is_unique());
    }

    /// STORE without .SILENT returns FETCH responses too.
    #[test]
    fn a_store_result_owns_its_flags() {
        let mut conn = selected();
        let flags = [Flag::keyword("$Junk")];
        let id = conn
            .submit(store(
                true,
                &"7".parse().unwrap(),
                StoreOperation::Add,
                &flags,
                None,
            ))
            .unwrap();
        let wire = b"* 3 FETCH (UID 7 FLAGS (\\Seen $Junk))\r\nA0002 OK done\r\n";
        let buffers = feed(&mut conn, wire);
        let result = conn.take_output(&id).unwrap().unwrap();
        let flags = result.fetched[0].flags().unwrap();
        assert!(flags.contains(&Flag::keyword("$Junk")));
        assert!(!in_buffers(flags.text(), &buffers));
        assert!(flags.text().is_unique());
    }

    /// The changes an IDLE collects (ops/idle.rs) own their bytes, as queued events do.
    #[test]
    fn idle_changes_own_their_bytes() {
        let mut conn = selected();
        let id = conn.submit(idle()).unwrap();
        let wire = b"+ idling\r\n* 3 FETCH (UID 7 FLAGS (\\Seen $Junk))\r\n";
        let mut buffers = feed(&mut conn, wire);
        conn.interrupt(&id).unwrap();
        buffers.extend(feed(&mut conn, b"A0002 OK done\r\n"));
        let changes = conn.take_output(&id).unwrap().unwrap();
        let [TypedEvent::Fetch(update)] = &changes[..] else {
            panic!("{changes:?}");
        };
        let flags = update.flags().unwrap();
        assert!(flags.contains(&Flag::keyword("$Junk")));
        assert!(!in_buffers(flags.text(), &buffers));
        assert!(flags.text().is_unique());
    }
}
