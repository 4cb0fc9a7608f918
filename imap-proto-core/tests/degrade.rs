//! Issue 12, item 4: one response that fails the grammar, inside intact framing, costs that
//! response only. A bulk FETCH of 10,000 messages with one broken BODYSTRUCTURE returns the
//! 9,999 others and an entry saying which message could not be parsed, and the session then
//! answers NOOP. Where stepping over could desynchronise, the connection still fails.

use imap_proto_core::ops::fetch::{Delivery, fetch};
use imap_proto_core::ops::mailbox::select;
use imap_proto_core::ops::session::noop;
use imap_proto_core::types::{FetchAttr, MessageAttribute, SequenceSet};
use imap_proto_core::{Config, Connection, Error, TypedEvent};

mod support;

const MESSAGES: u32 = 10_000;
const BROKEN: u32 = 4711;

fn transmit(conn: &mut Connection) -> String {
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    String::from_utf8(wire).unwrap()
}

fn selected() -> Connection {
    support::selected(MESSAGES)
}

/// One FETCH response; message `BROKEN` has a BODYSTRUCTURE that breaks the grammar (an
/// unterminated quoted string inside its parameter list).
fn response(seq: u32) -> String {
    let structure = if seq == BROKEN {
        "(\"text\" \"plain\" (\"charset\" \"us-ascii) NIL NIL \"7bit\" 12 1)"
    } else {
        "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1)"
    };
    format!(
        "* {seq} FETCH (UID {} BODYSTRUCTURE {structure} FLAGS (\\Seen))\r\n",
        seq + 100
    )
}

#[test]
fn a_bulk_fetch_with_one_broken_response_returns_all_the_others() {
    for uid in [false, true] {
        let mut conn = selected();
        let set: SequenceSet = if uid { "101:10100" } else { "1:*" }.parse().unwrap();
        let id = conn
            .submit(fetch(
                uid,
                &set,
                &[FetchAttr::Uid, FetchAttr::BodyStructure, FetchAttr::Flags],
                None,
                false,
                Delivery::Buffered,
            ))
            .unwrap();
        transmit(&mut conn);
        let mut wire = String::new();
        for seq in 1..=MESSAGES {
            wire.push_str(&response(seq));
        }
        wire.push_str("A0002 OK done\r\n");
        // In reads of 64 KiB, as an adapter would hand them over.
        for read in wire.as_bytes().chunks(64 * 1024) {
            conn.handle_input(read);
        }
        let (responses, _) = conn.take_output(&id).unwrap().expect("the FETCH succeeds");
        assert_eq!(responses.len(), MESSAGES as usize);
        let broken: Vec<_> = responses
            .iter()
            .filter(|r| r.unparsed().is_some())
            .collect();
        assert_eq!(broken.len(), 1);
        let broken = broken[0];
        assert_eq!(broken.seq, BROKEN);
        // What parsed before the failure is kept; the entry holds the whole response.
        assert_eq!(broken.uid(), Some(BROKEN + 100));
        assert_eq!(
            &broken.unparsed().unwrap().raw[..],
            response(BROKEN).as_bytes()
        );
        for good in responses.iter().filter(|r| r.seq != BROKEN) {
            assert_eq!(good.uid(), Some(good.seq + 100));
            assert!(good.body_structure().is_some());
            assert!(good.flags().is_some());
        }
        assert_eq!(conn.poll_event(), None, "nothing left over as an event");
        let ping = conn.submit(noop()).unwrap();
        assert_eq!(transmit(&mut conn), "A0003 NOOP\r\n");
        conn.handle_input(b"A0003 OK still here\r\n");
        conn.take_output(&ping).unwrap().unwrap();
    }
}

#[test]
fn a_fetch_broken_before_its_uid_still_reaches_the_uid_fetch() {
    let mut conn = selected();
    let set: SequenceSet = "101:200".parse().unwrap();
    let id = conn
        .submit(fetch(
            true,
            &set,
            &[FetchAttr::Uid, FetchAttr::Flags],
            None,
            false,
            Delivery::Buffered,
        ))
        .unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* 1 FETCH (FLAGS (\\Seen \"x) UID 101)\r\n* 2 FETCH (UID 102 FLAGS ())\r\nA0002 OK done\r\n");
    let (responses, _) = conn.take_output(&id).unwrap().unwrap();
    assert_eq!(responses.len(), 2);
    assert!(responses[0].unparsed().is_some());
    assert_eq!(responses[1].uid(), Some(102));
}

#[test]
fn an_unparseable_unsolicited_fetch_becomes_an_event() {
    let mut conn = selected();
    let id = conn.submit(noop()).unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* 3 FETCH (FLAGS (\\Seen \"x))\r\nA0002 OK done\r\n");
    conn.take_output(&id).unwrap().unwrap();
    let Some(TypedEvent::Fetch(fetch)) = conn.poll_event() else {
        panic!("expected the FETCH as an event");
    };
    assert_eq!(fetch.seq, 3);
    assert!(matches!(
        fetch.attributes.as_slice(),
        [MessageAttribute::Unparsed(_)]
    ));
}

/// Stepping over is refused where the bytes around the response decide what the stream
/// becomes, or where the response completes a command.
#[test]
fn fail_closed_where_stepping_over_could_desynchronise() {
    // A tagged status that does not parse.
    let mut conn = selected();
    let id = conn.submit(noop()).unwrap();
    transmit(&mut conn);
    conn.handle_input(b"A0002 FOO\r\n");
    assert!(conn.take_output(&id).unwrap().unwrap_err().is_fatal());
    assert!(conn.failure().is_some());

    // Any broken response while COMPRESS is negotiated.
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] hi\r\n");
    let id = conn
        .submit(imap_proto_core::ops::upgrade::compress())
        .unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* FLAGS (\\Seen \"x)\r\n");
    let error = conn.take_output(&id).unwrap().unwrap_err();
    assert!(matches!(error, Error::Parse(_)), "{error:?}");
    assert!(conn.failure().is_some());

    // A broken greeting.
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* FLAGS (\\Seen \"x)\r\n");
    assert!(conn.failure().is_some());
}

/// A response whose body literal is streamed (above `stream_threshold`) degrades the same
/// way: a broken head costs that message (its literal and tail are dropped), a broken tail
/// arrives as the last attribute after the body.
#[test]
fn streamed_responses_with_a_broken_head_or_tail_cost_only_themselves() {
    let mut config = Config::default();
    config.limits.stream_threshold = 16;
    let mut conn = Connection::new(config);
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    let id = conn
        .submit(select("INBOX", &Default::default(), false))
        .unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* 3 EXISTS\r\nA0001 OK [READ-WRITE] done\r\n");
    conn.take_output(&id).unwrap().unwrap();
    while conn.poll_event().is_some() {}
    let set: SequenceSet = "1:*".parse().unwrap();
    let id = conn
        .submit(fetch(
            true,
            &set,
            &[FetchAttr::Uid, FetchAttr::whole_message_peek()],
            None,
            false,
            Delivery::Buffered,
        ))
        .unwrap();
    transmit(&mut conn);
    let body = [b'b'; 100];
    let wire = [
        &b"* 1 FETCH (UID 101 BODY[] {100}\r\n"[..],
        &body,
        b")\r\n* 2 FETCH (UID 102 FLAGS (\\Seen \"x) BODY[] {100}\r\n",
        &body,
        b")\r\n* 3 FETCH (UID 103 BODY[] {100}\r\n",
        &body,
        b" FLAGS (\\Seen \"x))\r\nA0002 OK done\r\n",
    ]
    .concat();
    for read in wire.chunks(40) {
        conn.handle_input(read);
    }
    let (responses, _) = conn.take_output(&id).unwrap().expect("the FETCH succeeds");
    assert_eq!(responses.len(), 3, "{responses:?}");
    let whole = imap_proto_core::types::Section::default();
    assert_eq!(responses[0].section(&whole).map(|b| b.len()), Some(100));
    assert!(responses[0].unparsed().is_none());
    assert_eq!(responses[1].uid(), Some(102));
    assert!(responses[1].unparsed().is_some());
    assert_eq!(
        responses[1].section(&whole),
        None,
        "the broken message's body is dropped"
    );
    assert_eq!(responses[2].section(&whole).map(|b| b.len()), Some(100));
    assert!(matches!(
        responses[2].attributes.last(),
        Some(MessageAttribute::Unparsed(_))
    ));
    assert_eq!(conn.poll_event(), None);
    let ping = conn.submit(noop()).unwrap();
    assert_eq!(transmit(&mut conn), "A0003 NOOP\r\n");
    conn.handle_input(b"A0003 OK\r\n");
    conn.take_output(&ping).unwrap().unwrap();
}
