//! Merged FETCH calls ([`MergedFetch`]): one command over the union of the calls' sets, each
//! call handed exactly the responses in its own set, in server order; a tagged NO or BAD
//! runs each call alone, before anything queued behind the merged command.

use imap_proto_core::ops::fetch::{Delivery, Fetch, fetch};
use imap_proto_core::ops::fetch_merge::{
    FetchOutput, MAX_MERGED_CALLS, MAX_MERGED_SET_LEN, MergedFetch,
};
use imap_proto_core::ops::mailbox::select;
use imap_proto_core::types::{FetchAttr, SequenceSet};
use imap_proto_core::{Config, Connection, Error, OpId, TypedEvent};

const ITEMS: &[FetchAttr] = &[FetchAttr::Uid, FetchAttr::Flags];

fn set(text: &str) -> SequenceSet {
    text.parse().unwrap()
}

fn uid_fetch(text: &str) -> Fetch {
    fetch(true, &set(text), ITEMS, None, false, Delivery::Buffered)
}

fn seq_fetch(text: &str) -> Fetch {
    fetch(false, &set(text), ITEMS, None, false, Delivery::Buffered)
}

fn merged(fetches: impl IntoIterator<Item = Fetch>) -> MergedFetch {
    let mut fetches = fetches.into_iter();
    let mut merged = MergedFetch::new(fetches.next().unwrap()).ok().unwrap();
    for fetch in fetches {
        assert!(merged.push(fetch).is_ok());
    }
    merged
}

/// A connection with INBOX selected (10 messages), its first command's tag `A0001` used.
fn selected() -> Connection {
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    conn.submit(select("INBOX", &Default::default(), false))
        .unwrap();
    conn.handle_input(b"* 10 EXISTS\r\nA0001 OK [READ-WRITE] done\r\n");
    sent(&mut conn);
    while conn.poll_event().is_some() {}
    conn
}

fn sent(conn: &mut Connection) -> String {
    let mut out = Vec::new();
    conn.poll_transmit(&mut out);
    String::from_utf8(out).unwrap()
}

fn uids(output: &Result<FetchOutput, Error>) -> Vec<u32> {
    let (responses, vanished) = output.as_ref().unwrap();
    assert!(vanished.is_empty());
    responses.iter().map(|r| r.uid().unwrap()).collect()
}

fn seqs(output: &Result<FetchOutput, Error>) -> Vec<u32> {
    output.as_ref().unwrap().0.iter().map(|r| r.seq).collect()
}

fn outputs(conn: &mut Connection, id: &OpId<MergedFetch>) -> Vec<Result<FetchOutput, Error>> {
    conn.take_output(id).expect("finished").expect("merged OK")
}

#[test]
fn each_call_gets_the_responses_in_its_set_in_server_order() {
    let mut conn = selected();
    let id = conn
        .submit(merged(["1:3", "2,5", "5", "9", "3"].map(uid_fetch)))
        .unwrap();
    assert_eq!(sent(&mut conn), "A0002 UID FETCH 1:3,5,9 (UID FLAGS)\r\n");
    // Out of order; UID 3 and 9 are gone (expunged); UID 7 was asked for by nobody.
    conn.handle_input(
        b"* 3 FETCH (UID 5 FLAGS ())\r\n\
          * 1 FETCH (UID 1 FLAGS (\\Seen))\r\n\
          * 4 FETCH (UID 7 FLAGS (\\Deleted))\r\n\
          * 2 FETCH (UID 2 FLAGS ())\r\n\
          A0002 OK done\r\n",
    );
    let out = outputs(&mut conn, &id);
    let got: Vec<Vec<u32>> = out.iter().map(uids).collect();
    assert_eq!(got, [vec![1, 2], vec![5, 2], vec![5], vec![], vec![]]);
    // The response for UID 7 is an unsolicited update, as for one FETCH.
    let events: Vec<TypedEvent> = std::iter::from_fn(|| conn.poll_event()).collect();
    assert!(
        matches!(events.as_slice(), [TypedEvent::Fetch(f)] if f.uid() == Some(7)),
        "{events:?}"
    );
}

#[test]
fn by_sequence_number_the_split_is_by_sequence_number() {
    let mut conn = selected();
    let id = conn
        .submit(merged(["4", "1:2", "2:4"].map(seq_fetch)))
        .unwrap();
    assert_eq!(sent(&mut conn), "A0002 FETCH 1:4 (UID FLAGS)\r\n");
    conn.handle_input(
        b"* 1 FETCH (UID 11 FLAGS ())\r\n\
          * 2 FETCH (UID 12 FLAGS ())\r\n\
          * 3 FETCH (UID 13 FLAGS ())\r\n\
          * 4 FETCH (UID 14 FLAGS ())\r\n\
          A0002 OK done\r\n",
    );
    let out = outputs(&mut conn, &id);
    let got: Vec<Vec<u32>> = out.iter().map(seqs).collect();
    assert_eq!(got, [vec![4], vec![1, 2], vec![2, 3, 4]]);
}

#[test]
fn no_on_the_merged_command_runs_each_call_alone_before_what_follows() {
    let mut conn = selected();
    let id = conn.submit(merged(["1", "5", "2"].map(seq_fetch))).unwrap();
    // Queued behind: must not run before every call has its own answer.
    let select_id = conn
        .submit(select("Other", &Default::default(), false))
        .unwrap();
    assert_eq!(sent(&mut conn), "A0002 FETCH 1:2,5 (UID FLAGS)\r\n");
    conn.handle_input(b"* 1 FETCH (UID 11 FLAGS ())\r\nA0002 BAD Invalid messageset\r\n");
    assert_eq!(sent(&mut conn), "A0003 FETCH 1 (UID FLAGS)\r\n");
    conn.handle_input(b"* 1 FETCH (UID 11 FLAGS ())\r\nA0003 OK done\r\n");
    assert_eq!(sent(&mut conn), "A0004 FETCH 5 (UID FLAGS)\r\n");
    conn.handle_input(b"A0004 BAD Invalid messageset\r\n");
    assert_eq!(sent(&mut conn), "A0005 FETCH 2 (UID FLAGS)\r\n");
    assert!(conn.take_output(&select_id).is_none());
    conn.handle_input(b"* 2 FETCH (UID 12 FLAGS ())\r\nA0005 OK done\r\n");
    let out = outputs(&mut conn, &id);
    assert_eq!(seqs(&out[0]), [1]);
    assert!(matches!(&out[1], Err(Error::Bad { .. })), "{:?}", out[1]);
    assert_eq!(seqs(&out[2]), [2]);
    // Only now the SELECT.
    assert!(sent(&mut conn).starts_with("A0006 SELECT Other"));
}

/// Servers answer a sequence set beyond the mailbox differently (Dovecot: BAD for the
/// command; Cyrus: NO when no message is left, OK for the part that exists), so such a
/// call is not part of the union: it runs alone once the merged command is answered.
#[test]
fn by_sequence_number_a_set_beyond_the_mailbox_runs_alone() {
    let mut conn = selected();
    let id = conn
        .submit(merged(["1", "99", "2", "9:11"].map(seq_fetch)))
        .unwrap();
    assert_eq!(sent(&mut conn), "A0002 FETCH 1:2 (UID FLAGS)\r\n");
    conn.handle_input(
        b"* 2 FETCH (UID 12 FLAGS ())\r\n* 1 FETCH (UID 11 FLAGS ())\r\nA0002 OK done\r\n",
    );
    assert_eq!(sent(&mut conn), "A0003 FETCH 99 (UID FLAGS)\r\n");
    conn.handle_input(b"A0003 NO no such message\r\n");
    assert_eq!(sent(&mut conn), "A0004 FETCH 9:11 (UID FLAGS)\r\n");
    conn.handle_input(
        b"* 9 FETCH (UID 19 FLAGS ())\r\n* 10 FETCH (UID 20 FLAGS ())\r\nA0004 OK done\r\n",
    );
    let out = outputs(&mut conn, &id);
    assert_eq!(seqs(&out[0]), [1]);
    assert!(matches!(&out[1], Err(Error::No { .. })), "{:?}", out[1]);
    assert_eq!(seqs(&out[2]), [2]);
    assert_eq!(seqs(&out[3]), [9, 10]);
}

#[test]
fn a_lone_retry_that_cannot_start_fails_alone() {
    let mut conn = selected();
    let id = conn.submit(merged(["1", "2"].map(uid_fetch))).unwrap();
    assert_eq!(sent(&mut conn), "A0002 UID FETCH 1:2 (UID FLAGS)\r\n");
    conn.handle_input(b"A0002 NO [SERVERBUG] try again\r\n");
    assert_eq!(sent(&mut conn), "A0003 UID FETCH 1 (UID FLAGS)\r\n");
    conn.handle_input(b"A0003 NO still failing\r\n");
    assert_eq!(sent(&mut conn), "A0004 UID FETCH 2 (UID FLAGS)\r\n");
    conn.handle_input(b"* 2 FETCH (UID 2 FLAGS ())\r\nA0004 OK done\r\n");
    let out = outputs(&mut conn, &id);
    assert!(matches!(&out[0], Err(Error::No { text, .. }) if text == "still failing"));
    assert_eq!(uids(&out[1]), [2]);
}

#[test]
fn a_lost_connection_fails_the_merged_command_whole() {
    let mut conn = selected();
    let id = conn.submit(merged(["1", "2"].map(uid_fetch))).unwrap();
    sent(&mut conn);
    conn.handle_input(b"* 1 FETCH (UID 1 FLAGS ())\r\n");
    conn.handle_eof();
    assert!(conn.take_output(&id).unwrap().is_err());
}

#[test]
fn only_the_same_question_over_plain_numbers_merges() {
    let base = MergedFetch::new(uid_fetch("1")).ok().unwrap();
    assert!(base.accepts(&uid_fetch("2:4,9")));
    assert!(!base.accepts(&seq_fetch("2")), "by sequence number");
    let flags = [FetchAttr::Flags];
    let other_items = fetch(true, &set("2"), &flags, None, false, Delivery::Buffered);
    assert!(!base.accepts(&other_items));
    let changed = fetch(true, &set("2"), ITEMS, Some(5), false, Delivery::Buffered);
    assert!(!base.accepts(&changed));
    let streamed = fetch(true, &set("2"), ITEMS, None, false, Delivery::Streamed);
    assert!(!base.accepts(&streamed));
    assert!(!base.accepts(&uid_fetch("5:*")));
    assert!(!base.accepts(&uid_fetch("$")));
    assert!(MergedFetch::new(uid_fetch("*")).is_err());
    assert!(MergedFetch::new(changed).is_err());
}

#[test]
fn merging_stops_at_the_caps() {
    let mut calls = MergedFetch::new(uid_fetch("1")).ok().unwrap();
    for uid in 2..=MAX_MERGED_CALLS as u32 {
        assert!(calls.push(uid_fetch(&uid.to_string())).is_ok());
    }
    assert_eq!(calls.len(), MAX_MERGED_CALLS);
    assert!(calls.push(uid_fetch("1")).is_err());

    let mut text = MergedFetch::new(uid_fetch("1")).ok().unwrap();
    let mut uid = 1_000_000_u32;
    while text.push(uid_fetch(&uid.to_string())).is_ok() {
        uid += 2;
    }
    let union = text.union().unwrap().to_string();
    assert!(union.len() <= MAX_MERGED_SET_LEN, "{}", union.len());
    assert!(union.len() > MAX_MERGED_SET_LEN - 20, "{}", union.len());
}

#[test]
fn with_every_set_beyond_the_mailbox_each_call_runs_alone_at_once() {
    let mut conn = selected();
    let id = conn.submit(merged(["99", "12"].map(seq_fetch))).unwrap();
    assert_eq!(sent(&mut conn), "A0002 FETCH 99 (UID FLAGS)\r\n");
    conn.handle_input(b"A0002 NO no such message\r\n");
    assert_eq!(sent(&mut conn), "A0003 FETCH 12 (UID FLAGS)\r\n");
    conn.handle_input(b"A0003 BAD Invalid messageset\r\n");
    let out = outputs(&mut conn, &id);
    assert!(matches!(&out[0], Err(Error::No { .. })), "{:?}", out[0]);
    assert!(matches!(&out[1], Err(Error::Bad { .. })), "{:?}", out[1]);
}
