//! Issue 12, items 1 and 2, in the core (no clock: the test plays the driver's timer):
//!
//! - one rule for timeouts: `Connection::timed_out` fails the connection when the server
//!   sent nothing since the timed-out command went out (every later call fails at once),
//!   and leaves it usable when the server was still sending;
//! - a `* BYE` outside LOGOUT fails every pending op at once with `Error::Bye`, later
//!   submits fail at once with it, and input is still read until the server closes.

use imap_proto_core::ops::mailbox::select;
use imap_proto_core::ops::session::{logout, noop};
use imap_proto_core::{Config, Connection, Error, SessionState, TimeoutVerdict, TypedEvent};

fn greeted() -> Connection {
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
    while conn.poll_event().is_some() {}
    conn
}

fn transmit(conn: &mut Connection) -> String {
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    String::from_utf8(wire).unwrap()
}

#[test]
fn a_timeout_with_nothing_from_the_server_fails_the_connection_at_once() {
    let mut conn = greeted();
    let select = conn
        .submit(select("INBOX", &Default::default(), false))
        .unwrap();
    // Queued behind the SELECT: before, it waited its own full timeout too.
    let queued = conn.submit(noop()).unwrap();
    assert_eq!(transmit(&mut conn), "A0001 SELECT INBOX\r\n");
    assert_eq!(conn.timed_out(&select), TimeoutVerdict::PeerPresumedDead);
    let error = conn.take_output(&select).unwrap().unwrap_err();
    assert!(matches!(error, Error::PeerUnresponsive), "{error:?}");
    assert!(error.is_fatal());
    // Every pending op has its result now, and every later call fails without waiting.
    assert!(matches!(
        conn.take_output(&queued).unwrap().unwrap_err(),
        Error::ConnectionFailed(cause) if matches!(*cause, Error::PeerUnresponsive)
    ));
    assert!(matches!(
        conn.submit(noop()),
        Err(Error::ConnectionFailed(cause)) if matches!(*cause, Error::PeerUnresponsive)
    ));
    assert!(conn.is_over(), "the driver closes the socket");
    assert_eq!(transmit(&mut conn), "");
}

#[test]
fn a_timeout_while_the_server_is_still_sending_leaves_the_connection_usable() {
    let mut conn = greeted();
    let select = conn
        .submit(select("INBOX", &Default::default(), false))
        .unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* 3 EXISTS\r\n");
    assert_eq!(conn.timed_out(&select), TimeoutVerdict::ServerStillSending);
    assert!(
        !Error::Timeout.is_fatal(),
        "the call reports a non-fatal Timeout"
    );
    assert!(conn.failure().is_none());
    // The late answer is read; the session follows it and the next call works.
    conn.handle_input(b"A0001 OK [READ-WRITE] done\r\n");
    assert_eq!(conn.session().state(), SessionState::Selected);
    let ping = conn.submit(noop()).unwrap();
    assert_eq!(transmit(&mut conn), "A0002 NOOP\r\n");
    conn.handle_input(b"A0002 OK\r\n");
    conn.take_output(&ping).unwrap().unwrap();
}

#[test]
fn bytes_of_a_response_still_arriving_count_as_sending() {
    // Half a literal arrived through the framer's own buffer: the server is alive.
    for path in ["read_buffer", "read_slice"] {
        let mut conn = greeted();
        let id = conn.submit(noop()).unwrap();
        transmit(&mut conn);
        let part = b"* 1 FETCH (BODY[] {100}\r\nabc";
        if path == "read_buffer" {
            conn.read_buffer(4096).extend_from_slice(part);
            conn.handle_read();
        } else {
            conn.read_slice(part.len()).copy_from_slice(part);
            conn.handle_read_len(part.len());
        }
        assert_eq!(
            conn.timed_out(&id),
            TimeoutVerdict::ServerStillSending,
            "{path}"
        );
        // Nothing more since then: the next timeout finds the peer silent.
        assert_eq!(
            conn.timed_out(&id),
            TimeoutVerdict::PeerPresumedDead,
            "{path}"
        );
    }
}

#[test]
fn a_bye_fails_every_pending_op_at_once_and_later_submits_too() {
    let mut conn = greeted();
    let first = conn
        .submit(select("INBOX", &Default::default(), false))
        .unwrap();
    let second = conn.submit(noop()).unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* BYE [UNAVAILABLE] shutting down\r\n");
    for result in [
        conn.take_output(&first).map(|r| r.map(|_| ())),
        conn.take_output(&second),
    ] {
        let error = result
            .expect("failed at once, not at the close")
            .unwrap_err();
        assert!(
            matches!(&error, Error::Bye { text, .. } if text == "shutting down"),
            "{error:?}"
        );
        assert!(error.is_fatal());
    }
    assert!(matches!(conn.submit(noop()), Err(Error::Bye { .. })));
    assert_eq!(transmit(&mut conn), "", "nothing more is sent");
    // The client still reads until the server closes (RFC 9051 §7.1.5): a late
    // completion and more untagged data are read without failing anything.
    assert!(!conn.is_over());
    conn.handle_input(b"* 4 EXISTS\r\nA0001 NO [UNAVAILABLE] bye\r\n");
    assert!(conn.failure().is_none());
    let events: Vec<_> = std::iter::from_fn(|| conn.poll_event()).collect();
    assert!(
        matches!(
            events.as_slice(),
            [TypedEvent::Bye(_), TypedEvent::Exists(4)]
        ),
        "{events:?}"
    );
    conn.handle_eof();
    assert!(conn.is_over());
    assert!(matches!(
        conn.submit(noop()),
        Err(Error::ConnectionFailed(cause)) if matches!(*cause, Error::Bye { .. })
    ));
}

#[test]
fn the_bye_of_logout_ends_only_the_logout() {
    let mut conn = greeted();
    let id = conn.submit(logout()).unwrap();
    assert_eq!(transmit(&mut conn), "A0001 LOGOUT\r\n");
    conn.handle_input(b"* BYE logging out\r\nA0001 OK done\r\n");
    conn.take_output(&id).unwrap().unwrap();
    assert!(conn.is_over());
}
