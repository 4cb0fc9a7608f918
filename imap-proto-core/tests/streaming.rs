//! Streaming a large FETCH literal in bounded memory (`Limits::stream_threshold`).

use imap_proto_core::ops::fetch::{Delivery, Fetch};
use imap_proto_core::types::{
    FetchAttr, FetchResponse, MessageAttribute, Section, SectionKind, SelectOptions,
};
use imap_proto_core::{Config, Connection, OpId, TypedEvent, ops};

const THRESHOLD: u64 = 64 * 1024;
const PIECE: usize = 8 * 1024;
const BODY_LEN: usize = 5 * 1024 * 1024;

fn body() -> Vec<u8> {
    let mut state = 0x9e37_79b9u32;
    (0..BODY_LEN)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

fn selected() -> Connection {
    let mut config = Config::default();
    config.limits.stream_threshold = THRESHOLD;
    let mut conn = Connection::new(config);
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    let select = conn
        .submit(ops::mailbox::select(
            "INBOX",
            &SelectOptions::default(),
            false,
        ))
        .unwrap();
    conn.handle_input(b"* 2 EXISTS\r\nA0001 OK [READ-WRITE] ok\r\n");
    conn.take_output(&select).unwrap().unwrap();
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    while conn.poll_event().is_some() {}
    conn
}

/// What a streamed FETCH handed out, put together.
#[derive(Default)]
struct Received {
    before: Vec<MessageAttribute>,
    body: Vec<u8>,
    after: Vec<MessageAttribute>,
    chunks: usize,
}

impl Received {
    fn take(&mut self, item: FetchResponse) {
        assert_eq!(item.seq, 1);
        match &item.attributes[..] {
            [MessageAttribute::BodySection(section)]
                if section.data.is_some()
                    && self.after.is_empty()
                    && (self.chunks > 0 || !self.before.is_empty()) =>
            {
                // Chunks come in order: each one's origin is the bytes received so far.
                assert_eq!(section.origin, Some(self.body.len() as u32));
                self.body
                    .extend_from_slice(section.data.as_deref().unwrap_or_default());
                self.chunks += 1;
            }
            _ if self.chunks == 0 => self.before.extend(item.to_attribute_list()),
            _ => self.after.extend(item.to_attribute_list()),
        }
    }
}

fn drain(conn: &mut Connection, id: &OpId<Fetch>, received: &mut Received) {
    if let Some(op) = conn.op_mut(id) {
        while let Some(item) = op.next_item() {
            received.take(item);
        }
    }
}

#[test]
fn a_5_mib_literal_streams_through_a_bounded_buffer() {
    let mut conn = selected();
    let id = conn
        .submit(ops::fetch::fetch(
            true,
            &"7".parse().unwrap(),
            &[
                FetchAttr::Uid,
                FetchAttr::whole_message_peek(),
                FetchAttr::Rfc822Size,
            ],
            None,
            false,
            Delivery::Streamed,
        ))
        .unwrap();
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    assert_eq!(wire, b"A0002 UID FETCH 7 (UID BODY.PEEK[] RFC822.SIZE)\r\n");

    let body = body();
    let mut input = format!("* 1 FETCH (UID 7 BODY[] {{{BODY_LEN}}}\r\n").into_bytes();
    input.extend_from_slice(&body);
    input.extend_from_slice(format!(" RFC822.SIZE {BODY_LEN})\r\nA0002 OK done\r\n").as_bytes());

    let mut received = Received::default();
    let mut most_buffered = 0;
    for piece in input.chunks(PIECE) {
        conn.handle_input(piece);
        most_buffered = most_buffered.max(conn.buffered_input_len());
        drain(&mut conn, &id, &mut received);
    }
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    // The last piece carried the end of the literal and the completion: what was not
    // drained comes back with the result.
    let (rest, _) = conn.take_output(&id).unwrap().unwrap();
    for item in rest {
        received.take(item);
    }
    assert_eq!(received.before, [MessageAttribute::Uid(7)]);
    assert_eq!(received.body.len(), BODY_LEN);
    assert!(received.body == body, "the streamed bytes differ");
    assert_eq!(
        received.after,
        [MessageAttribute::Rfc822Size(BODY_LEN as u64)]
    );
    assert!(
        received.chunks >= BODY_LEN / PIECE,
        "{} chunks",
        received.chunks
    );
    assert!(
        most_buffered <= 2 * PIECE,
        "the framer held {most_buffered} bytes at once"
    );
    assert!(conn.poll_event().is_none());
}

#[test]
fn a_large_unsolicited_literal_becomes_chunk_events() {
    let mut conn = selected();
    let body = &body()[..200 * 1024];
    let mut input = format!(
        "* 2 FETCH (FLAGS (\\Seen) BODY[TEXT] {{{}}}\r\n",
        body.len()
    )
    .into_bytes();
    input.extend_from_slice(body);
    input.extend_from_slice(b")\r\n");
    let mut chunks = Vec::new();
    let mut first = None;
    for piece in input.chunks(PIECE) {
        conn.handle_input(piece);
        assert!(conn.buffered_input_len() <= 2 * PIECE);
        while let Some(event) = conn.poll_event() {
            match event {
                TypedEvent::Fetch(f) => first = Some(f),
                TypedEvent::FetchChunk {
                    seq, offset, data, ..
                } => {
                    assert_eq!(seq, 2);
                    assert_eq!(offset as usize, chunks.len());
                    chunks.extend_from_slice(&data);
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(first.unwrap().to_attribute_list().len(), 1);
    assert!(chunks == body);
}

#[test]
fn buffered_delivery_of_a_streamed_literal_is_one_response() {
    let mut conn = selected();
    let id = conn
        .submit(ops::fetch::fetch(
            false,
            &"1".parse().unwrap(),
            &[FetchAttr::whole_message_peek()],
            None,
            false,
            Delivery::Buffered,
        ))
        .unwrap();
    let body = &body()[..300 * 1024];
    let mut input = format!("* 1 FETCH (BODY[] {{{}}} FLAGS ())\r\n", body.len()).into_bytes();
    // The header is on the first line: put the literal where it belongs.
    input.truncate(input.len() - " FLAGS ())\r\n".len());
    input.extend_from_slice(b"\r\n");
    input.extend_from_slice(body);
    input.extend_from_slice(b" FLAGS ())\r\nA0002 OK\r\n");
    for piece in input.chunks(PIECE) {
        conn.handle_input(piece);
    }
    let (found, _) = conn.take_output(&id).unwrap().unwrap();
    assert_eq!(found.len(), 1);
    match (&found[0].attributes[..], &found[0].flags) {
        ([MessageAttribute::BodySection(section)], Some(flags)) if section.origin.is_none() => {
            assert!(section.data.as_deref() == Some(body));
            assert!(flags.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pipelined_fetches_each_get_their_own_streamed_body() {
    let mut conn = selected();
    let fetch = |uid: &str| {
        ops::fetch::fetch(
            true,
            &uid.parse().unwrap(),
            &[FetchAttr::Uid, FetchAttr::whole_message_peek()],
            None,
            false,
            Delivery::Buffered,
        )
    };
    let first = conn.submit(fetch("10")).unwrap();
    let second = conn.submit(fetch("20")).unwrap();
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    assert_eq!(
        wire,
        b"A0002 UID FETCH 10 (UID BODY.PEEK[])\r\nA0003 UID FETCH 20 (UID BODY.PEEK[])\r\n"
    );
    let body_a = vec![b'a'; 100 * 1024];
    let body_b = vec![b'b'; 120 * 1024];
    let mut input = Vec::new();
    // The second command's answer comes first.
    for (seq, uid, body) in [(2, 20, &body_b), (1, 10, &body_a)] {
        input.extend_from_slice(
            format!("* {seq} FETCH (UID {uid} BODY[] {{{}}}\r\n", body.len()).as_bytes(),
        );
        input.extend_from_slice(body);
        input.extend_from_slice(b")\r\n");
    }
    input.extend_from_slice(b"A0003 OK\r\nA0002 OK\r\n");
    for piece in input.chunks(PIECE) {
        conn.handle_input(piece);
    }
    let body_of = |found: &[FetchResponse]| match found {
        [f] => f
            .attributes
            .iter()
            .find_map(|a| a.section_data().map(|d| d.to_vec()))
            .unwrap(),
        other => panic!("{} responses instead of one", other.len()),
    };
    let (a, _) = conn.take_output(&first).unwrap().unwrap();
    let (b, _) = conn.take_output(&second).unwrap().unwrap();
    assert!(body_of(&a) == body_a);
    assert!(body_of(&b) == body_b);
}

#[test]
fn two_large_literals_in_one_response_stay_together() {
    let mut conn = selected();
    let fetch = |uid: &str| {
        ops::fetch::fetch(
            true,
            &uid.parse().unwrap(),
            &[
                FetchAttr::Uid,
                FetchAttr::body_peek(Section::new([], SectionKind::Header)),
                FetchAttr::body_peek(Section::new([], SectionKind::Text)),
            ],
            None,
            false,
            Delivery::Buffered,
        )
    };
    let first = conn.submit(fetch("5")).unwrap();
    // Pipelined behind it, asking for a message the response is not about.
    let second = conn.submit(fetch("6")).unwrap();
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    let header = vec![b'h'; 70 * 1024];
    let text = vec![b't'; 90 * 1024];
    let mut input = format!("* 1 FETCH (UID 5 BODY[HEADER] {{{}}}\r\n", header.len()).into_bytes();
    input.extend_from_slice(&header);
    input.extend_from_slice(format!(" BODY[TEXT] {{{}}}\r\n", text.len()).as_bytes());
    input.extend_from_slice(&text);
    input.extend_from_slice(b" FLAGS (\\Seen))\r\nA0002 OK\r\nA0003 OK\r\n");
    for piece in input.chunks(PIECE) {
        conn.handle_input(piece);
    }
    let (found, _) = conn.take_output(&first).unwrap().unwrap();
    assert_eq!(found.len(), 1);
    let sizes: Vec<usize> = found[0]
        .to_attribute_list()
        .iter()
        .map(|a| a.section_data().map_or(0, |d| d.len()))
        .collect();
    assert_eq!(sizes, [0, 0, header.len(), text.len()]);
    let (other, _) = conn.take_output(&second).unwrap().unwrap();
    assert!(other.is_empty());
}
