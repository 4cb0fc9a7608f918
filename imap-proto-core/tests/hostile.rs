//! A hostile server, at the core level: every scenario feeds `Connection` bytes that a broken
//! or malicious server (or a network attacker before TLS) could send, and checks that the
//! result is a typed error or the correct answer, that nothing panics, that memory stays
//! bounded (`buffered_input_len`, event counts), and that later calls behave as documented
//! in `docs/security.md`:
//!
//! - after a fatal error (`Error::is_fatal`) every `submit` returns
//!   `Error::ConnectionFailed`, nothing more is sent and input is ignored;
//! - after a non-fatal error the connection keeps working, which each test proves with a
//!   following NOOP.
//!
//! Scenarios whose outcome does not depend on how the bytes are split run through the
//! transcript harness (whole, then one byte at a time). The rest drive `Connection`
//! directly, because the split is the point (STARTTLS injection in the same read or a
//! later one, a limit crossed at an exact byte).

mod support;

use imap_proto_core::ops::fetch::{Delivery, Fetch};
use imap_proto_core::parse::ParseErrorKind;
use imap_proto_core::parse::frame::FrameError;
use imap_proto_core::types::{AppendMessage, FetchAttr, SelectOptions, SequenceSet, UidRange};
use imap_proto_core::{
    Config, Connection, Error, Limits, OpId, Precondition, ProtocolViolation, SessionState,
    TlsSetup, TypedEvent, ops,
};
use support::{Pending, Transcript, transcript, transcript_with};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn set(text: &str) -> SequenceSet {
    text.parse().expect("valid sequence set")
}

fn tls() -> TlsSetup {
    TlsSetup::with_webpki_roots("imap.example.com").expect("a TLS setup")
}

/// Everything the connection has to send now.
fn transmit(conn: &mut Connection) -> Vec<u8> {
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    wire
}

fn caps_of(conn: &Connection) -> Vec<String> {
    conn.session()
        .capabilities()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

/// A connection greeted with `* OK [CAPABILITY caps]`, events drained.
fn greeted(config: Config, caps: &str) -> Connection {
    let mut conn = Connection::new(config);
    conn.handle_input(format!("* OK [CAPABILITY {caps}] ready\r\n").as_bytes());
    assert!(conn.is_greeted());
    while conn.poll_event().is_some() {}
    conn
}

/// A PREAUTH connection with INBOX selected (3 messages) as `A0001`; next tag `A0002`.
fn selected_conn(config: Config, caps: &str) -> Connection {
    let mut conn = Connection::new(config);
    conn.handle_input(format!("* PREAUTH [CAPABILITY {caps}] hi\r\n").as_bytes());
    let select = conn
        .submit(ops::mailbox::select(
            "INBOX",
            &SelectOptions::default(),
            false,
        ))
        .unwrap();
    assert_eq!(transmit(&mut conn), b"A0001 SELECT INBOX\r\n");
    conn.handle_input(b"* 3 EXISTS\r\nA0001 OK [READ-WRITE] ok\r\n");
    conn.take_output(&select).unwrap().unwrap();
    while conn.poll_event().is_some() {}
    conn
}

/// The documented state after a fatal error: `submit` refuses with `ConnectionFailed`,
/// nothing is sent, nothing is pending, later input is ignored and buys no memory.
fn assert_dead(conn: &mut Connection) {
    assert!(conn.failure().is_some(), "the connection must have failed");
    for _ in 0..2 {
        assert!(
            matches!(
                conn.submit(ops::session::noop()),
                Err(Error::ConnectionFailed(_))
            ),
            "submit after a fatal error"
        );
    }
    assert_eq!(conn.ops_pending(), 0);
    assert!(transmit(conn).is_empty(), "nothing is sent any more");
    let before = conn.buffered_input_len();
    conn.handle_input(&[b'x'; 4096]);
    conn.handle_input(b"* 1 EXISTS\r\n");
    assert_eq!(conn.buffered_input_len(), before, "input after the failure");
    conn.handle_eof();
    assert!(conn.failure().is_some());
}

/// A NOOP round trip under `tag`: the connection still works.
fn assert_alive(conn: &mut Connection, tag: &str) {
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    let noop = conn.submit(ops::session::noop()).expect("NOOP is accepted");
    assert_eq!(transmit(conn), format!("{tag} NOOP\r\n").as_bytes());
    conn.handle_input(format!("{tag} OK done\r\n").as_bytes());
    conn.take_output(&noop).unwrap().expect("NOOP completes");
}

/// [`assert_alive`] inside a transcript.
fn still_works(t: &mut Transcript, tag: &str) {
    let mut noop = t.api().noop().unwrap();
    t.run(&format!("C: {tag} NOOP\nS: {tag} OK done"));
    t.ok(&mut noop);
    assert!(t.conn.failure().is_none());
}

/// [`assert_dead`] inside a transcript.
fn is_dead(t: &mut Transcript) {
    t.flush();
    assert_dead(&mut t.conn);
    t.run("C: -");
}

/// `depth` opening parentheses, `inner`, and as many closing ones.
fn nested(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "(".repeat(depth), ")".repeat(depth))
}

fn is_too_deep(error: &Error) -> bool {
    matches!(error, Error::Parse(e) if e.kind == ParseErrorKind::TooDeep)
}

// ---------------------------------------------------------------------------------------
// STARTTLS: injection, refusal, absence, PREAUTH, capabilities
// ---------------------------------------------------------------------------------------

/// Plain greeting advertising STARTTLS and `A0001 STARTTLS` sent; returns the op.
fn starttls_sent(
    greeting_caps: &str,
) -> (
    Connection,
    OpId<ops::session::ThenRefreshCapabilities<ops::upgrade::StartTls>>,
) {
    let mut conn = greeted(Config::default(), greeting_caps);
    let id = conn.submit(ops::upgrade::starttls(tls())).unwrap();
    assert_eq!(transmit(&mut conn), b"A0001 STARTTLS\r\n");
    (conn, id)
}

#[test]
fn starttls_ok_with_plaintext_injected_in_the_same_read() {
    let (mut conn, id) = starttls_sent("IMAP4rev1 STARTTLS LOGINDISABLED");
    // An attacker appends a complete response and the start of another to the OK.
    conn.handle_input(
        b"A0001 OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n* OK [ALERT] inj",
    );
    let error = conn.take_output(&id).expect("the STARTTLS op finished");
    let error = error.expect_err("an injection must not succeed");
    assert!(error.is_fatal(), "{error:?}");
    assert!(
        matches!(
            error.cause(),
            Error::Protocol(ProtocolViolation::PlaintextAfterStartTls)
        ),
        "{error:?}"
    );
    // The injected bytes were never parsed: no capability, no event.
    assert!(!caps_of(&conn).iter().any(|c| c == "AUTH=PLAIN"));
    assert!(conn.poll_event().is_none());
    assert!(!transmit(&mut conn).starts_with(b"A0002"));
    assert_dead(&mut conn);
}

#[test]
fn starttls_ok_with_plaintext_injected_in_a_later_read() {
    let (mut conn, id) = starttls_sent("IMAP4rev1 STARTTLS LOGINDISABLED");
    conn.handle_input(b"A0001 OK Begin TLS\r\n");
    assert!(conn.failure().is_none());
    assert!(conn.session().tls_active());
    let hello = transmit(&mut conn);
    assert_eq!(hello.first(), Some(&0x16), "a TLS handshake record");
    // Plaintext now goes to rustls, which rejects it: it is never parsed as IMAP.
    conn.handle_input(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
    assert!(matches!(conn.take_output(&id), Some(Err(Error::Tls(_)))));
    assert!(caps_of(&conn).is_empty());
    assert!(conn.poll_event().is_none());
    assert_dead(&mut conn);
}

#[test]
fn starttls_refused_with_no_or_bad_keeps_plaintext_and_the_connection() {
    for (answer, bad) in [("A0001 NO not now", false), ("A0001 BAD what?", true)] {
        let (mut conn, id) = starttls_sent("IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN");
        conn.handle_input(format!("{answer}\r\n").as_bytes());
        let error = conn.take_output(&id).unwrap().unwrap_err();
        assert!(
            matches!(
                (&error, bad),
                (Error::No { .. }, false) | (Error::Bad { .. }, true)
            ),
            "{error:?}"
        );
        // Not fatal for the core: the session is still plaintext, nothing was switched.
        // A caller that requires TLS must stop here and close the connection; the
        // adapters do (docs/security.md).
        assert!(!error.is_fatal());
        assert!(!conn.session().tls_active());
        // LOGINDISABLED still stands: credentials cannot go out in the clear by LOGIN.
        assert!(matches!(
            conn.submit(ops::auth::login("alice", "secret")),
            Err(Error::Precondition(Precondition::LoginDisabled))
        ));
        assert!(transmit(&mut conn).is_empty());
        assert_alive(&mut conn, "A0002");
    }
}

#[test]
fn starttls_not_advertised_sends_nothing() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no TLS here");
        let error = t.submit(ops::upgrade::starttls(tls())).unwrap_err();
        assert!(
            matches!(&error, Error::MissingCapability(c) if c.is("STARTTLS")),
            "{error:?}"
        );
        t.run("C: -");
        // The refused command used no tag.
        still_works(t, "A0001");
    });
}

#[test]
fn preauth_greeting_refuses_starttls() {
    transcript(|t| {
        // A PREAUTH greeting on a plaintext connection: the server says the session is
        // authenticated before any TLS could be negotiated.
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome back");
        assert_eq!(t.state(), SessionState::Authenticated);
        // STARTTLS is only valid in the not-authenticated state (RFC 9051 §6.2.1).
        let error = t.submit(ops::upgrade::starttls(tls())).unwrap_err();
        assert!(
            matches!(
                error,
                Error::WrongState {
                    command: "STARTTLS",
                    state: SessionState::Authenticated
                }
            ),
            "{error:?}"
        );
        assert!(!error.is_fatal());
        t.run("C: -");
        assert!(!t.conn.session().tls_active());
        // The core goes on in plaintext; an adapter configured for STARTTLS treats PREAUTH
        // on a plaintext connection as an error and closes (docs/security.md).
        still_works(t, "A0001");
        // A second PREAUTH later is not a greeting and changes nothing.
        t.run("S: * PREAUTH again");
        assert_eq!(t.state(), SessionState::Authenticated);
        t.events();
    });
}

#[test]
fn capabilities_from_before_tls_are_discarded_at_the_ok() {
    let (mut conn, id) = starttls_sent("IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN-PRE");
    // Everything in this read is still plaintext: an untagged CAPABILITY before the OK and a
    // CAPABILITY code on the OK itself.
    conn.handle_input(
        b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\nA0001 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN XTOKEN] go\r\n",
    );
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    assert!(conn.session().tls_active());
    // Before the refresh over TLS has completed, nothing from before TLS is left.
    assert!(caps_of(&conn).is_empty(), "{:?}", caps_of(&conn));
    assert!(!conn.session().has_capability("AUTH=PLAIN"));
    assert!(!conn.session().has_capability("LOGINDISABLED"));
    assert!(conn.take_output(&id).is_none(), "waits for the refresh");
    // An AUTHENTICATE relying on the pre-TLS list is refused.
    assert!(matches!(
        conn.submit(ops::auth::authenticate_with(
            imap_proto_core::sasl::Plain::new("alice", "pw")
                .map(|m| Box::new(m) as Box<dyn imap_proto_core::sasl::Mechanism>)
        )),
        Err(Error::MissingCapability(_))
    ));
    // Only TLS goes out (the CAPABILITY refresh waits inside it).
    let wire = transmit(&mut conn);
    assert_eq!(wire.first(), Some(&0x16));
    assert!(!wire.windows(10).any(|w| w == b"CAPABILITY"));
    // The server vanishes during the handshake: the op fails, with no result.
    conn.handle_eof();
    assert!(matches!(
        conn.take_output(&id),
        Some(Err(Error::ConnectionClosed))
    ));
    assert_dead(&mut conn);
}

// ---------------------------------------------------------------------------------------
// Framing limits: huge literals, endless lines, deep nesting
// ---------------------------------------------------------------------------------------

#[test]
fn huge_announced_literals_fail_without_allocating() {
    // 2^64 - 1 is not a number64 (RFC 9051 §9); 2^32 is one, but above max_literal_size.
    let too_large = FrameError::LiteralTooLarge {
        limit: Limits::default().max_literal_size,
        announced: 4_294_967_296,
    };
    let not_a_number64 = FrameError::InvalidLiteral { digits: 20 };
    let cases = [
        ("* SEARCH {18446744073709551615}\r\n", &not_a_number64),
        (
            "* 1 FETCH (BODY[] {18446744073709551615}\r\n",
            &not_a_number64,
        ),
        ("* SEARCH {4294967296}\r\n", &too_large),
        ("A0002 OK {4294967296}\r\n", &too_large),
    ];
    for (line, expected) in cases {
        let mut conn = selected_conn(Config::default(), "IMAP4rev1");
        let noop = conn.submit(ops::session::noop()).unwrap();
        transmit(&mut conn);
        conn.handle_input(line.as_bytes());
        conn.handle_input(&[b'a'; 1000]);
        let error = conn.take_output(&noop).unwrap().unwrap_err();
        assert!(
            matches!(&error, Error::Frame(e) if e == expected),
            "{line:?}: {error:?}"
        );
        assert!(conn.buffered_input_len() < 2048, "{line:?}");
        assert!(conn.poll_event().is_none());
        assert_dead(&mut conn);
    }
}

#[test]
fn a_huge_fetch_literal_for_a_buffered_fetch_is_refused() {
    let mut conn = selected_conn(Config::default(), "IMAP4rev1");
    let id = conn
        .submit(ops::fetch::fetch(
            false,
            &set("1"),
            &[FetchAttr::whole_message_peek()],
            None,
            false,
            Delivery::Buffered,
        ))
        .unwrap();
    assert_eq!(transmit(&mut conn), b"A0002 FETCH 1 (BODY.PEEK[])\r\n");
    // 4 GiB announced for a FETCH the caller wants whole: buffering it would need 4 GiB.
    conn.handle_input(b"* 1 FETCH (BODY[] {4294967296}\r\n");
    let error = conn.take_output(&id).unwrap().unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Frame(FrameError::LiteralTooLarge {
                announced: 4294967296,
                ..
            })
        ),
        "{error:?}"
    );
    assert_dead(&mut conn);
}

#[test]
fn a_huge_fetch_literal_streams_in_bounded_memory_until_the_server_vanishes() {
    let mut conn = selected_conn(Config::default(), "IMAP4rev1");
    let id = conn
        .submit(ops::fetch::fetch(
            false,
            &set("1"),
            &[FetchAttr::whole_message_peek()],
            None,
            false,
            Delivery::Streamed,
        ))
        .unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* 1 FETCH (BODY[] {4294967296}\r\n");
    let piece = vec![b'x'; 64 * 1024];
    let mut received = 0usize;
    for _ in 0..64 {
        conn.handle_input(&piece);
        assert!(conn.buffered_input_len() <= piece.len());
        while let Some(item) = conn.op_mut(&id).unwrap().next_item() {
            for attribute in item.attributes {
                if let Some(d) = attribute.section_data() {
                    received += d.len();
                }
            }
        }
    }
    assert_eq!(received, 64 * piece.len());
    assert!(conn.failure().is_none());
    // The connection resets 4 MiB into the 4 GiB literal: the op fails, no partial result.
    conn.handle_eof();
    assert!(matches!(
        conn.take_output(&id),
        Some(Err(Error::ConnectionClosed))
    ));
    assert_dead(&mut conn);
}

#[test]
fn an_endless_line_fails_exactly_when_the_limit_is_passed() {
    const LIMIT: usize = 4096;
    let config = || {
        let mut config = Config::default();
        config.limits.max_line_length = LIMIT;
        config
    };
    // One byte at a time: the byte after the limit is the one that fails.
    let mut conn = greeted(config(), "IMAP4rev1");
    let noop = conn.submit(ops::session::noop()).unwrap();
    transmit(&mut conn);
    for n in 1..=LIMIT + 1 {
        conn.handle_input(b"a");
        if n <= LIMIT {
            assert!(conn.failure().is_none(), "failed at byte {n}");
            assert_eq!(conn.buffered_input_len(), n);
        }
    }
    let error = conn.take_output(&noop).unwrap().unwrap_err();
    assert!(
        matches!(
            error,
            Error::Frame(FrameError::LineTooLong {
                limit: LIMIT,
                observed
            }) if observed == LIMIT + 1
        ),
        "{error:?}"
    );
    assert_dead(&mut conn);

    // A few MiB in 16 KiB reads: the read that crosses the limit fails; the buffer never
    // holds more than the limit and one read.
    let mut conn = greeted(config(), "IMAP4rev1");
    let noop = conn.submit(ops::session::noop()).unwrap();
    transmit(&mut conn);
    let read = vec![b'z'; 1000];
    let mut sent = 0;
    while conn.failure().is_none() && sent < 4 * 1024 * 1024 {
        conn.handle_input(&read);
        sent += read.len();
        assert!(conn.buffered_input_len() <= LIMIT + read.len());
        assert_eq!(conn.failure().is_some(), sent > LIMIT, "after {sent} bytes");
    }
    assert!(matches!(
        conn.take_output(&noop),
        Some(Err(Error::Frame(FrameError::LineTooLong { .. })))
    ));
    assert_dead(&mut conn);

    // A line of exactly the limit, CRLF split across reads, is fine.
    let mut conn = greeted(config(), "IMAP4rev1");
    let mut line = b"* OK ".to_vec();
    line.resize(LIMIT, b'k');
    line.push(b'\r');
    conn.handle_input(&line);
    conn.handle_input(b"\n");
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    assert!(matches!(conn.poll_event(), Some(TypedEvent::Status(_))));
    assert_alive(&mut conn, "A0001");
}

#[test]
fn nesting_ten_thousand_levels_deep_is_a_parse_error() {
    const DEPTH: usize = 10_000;
    // BODYSTRUCTURE in a FETCH answer.
    let mut conn = selected_conn(Config::default(), "IMAP4rev1");
    let id = conn
        .submit(ops::fetch::fetch(
            false,
            &set("1"),
            &[FetchAttr::BodyStructure],
            None,
            false,
            Delivery::Buffered,
        ))
        .unwrap();
    transmit(&mut conn);
    let body = nested(DEPTH, "\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1");
    conn.handle_input(format!("* 1 FETCH (BODYSTRUCTURE {body})\r\n").as_bytes());
    let error = conn.take_output(&id).unwrap().unwrap_err();
    assert!(is_too_deep(&error), "{error:?}");
    assert_dead(&mut conn);

    // THREAD.
    let mut conn = selected_conn(Config::default(), "IMAP4rev1 THREAD=REFERENCES");
    let id = conn
        .submit(ops::search::thread(false, "REFERENCES", "UTF-8", "ALL"))
        .unwrap();
    transmit(&mut conn);
    conn.handle_input(format!("* THREAD {}\r\n", nested(DEPTH, "1")).as_bytes());
    let error = conn.take_output(&id).unwrap().unwrap_err();
    assert!(is_too_deep(&error), "{error:?}");
    assert_dead(&mut conn);

    // An unknown FETCH attribute, unsolicited.
    let mut conn = selected_conn(Config::default(), "IMAP4rev1");
    conn.handle_input(format!("* 1 FETCH (X-UNKNOWN {})\r\n", nested(DEPTH, "a")).as_bytes());
    let cause = conn.failure().expect("fatal");
    assert!(is_too_deep(cause), "{cause:?}");
    assert!(conn.poll_event().is_none());
    assert_dead(&mut conn);

    // Body extensions nested inside an otherwise valid BODYSTRUCTURE.
    let mut conn = selected_conn(Config::default(), "IMAP4rev1");
    let extension = nested(DEPTH, "1");
    conn.handle_input(
        format!(
            "* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1 NIL NIL NIL NIL {extension}))\r\n"
        )
        .as_bytes(),
    );
    assert!(is_too_deep(conn.failure().expect("fatal")));
    assert_dead(&mut conn);
}

#[test]
fn deep_nesting_in_an_unknown_response_is_kept_raw() {
    // An unknown untagged keyword is kept as raw bytes, never descended into.
    transcript(|t| {
        t.run("S: * OK hi");
        t.events();
        t.run(&format!("S: * XUNKNOWN {}", nested(10_000, "x")));
        let events = t.events();
        assert!(
            matches!(events.as_slice(), [TypedEvent::Other(_)]),
            "{events:?}"
        );
        still_works(t, "A0001");
    });
}

#[test]
fn nesting_within_the_limit_still_parses() {
    transcript_with(
        Config::default().with_limits(Limits::default().with_max_nesting_depth(8)),
        |t| {
            t.run("S: * PREAUTH [CAPABILITY IMAP4rev1 THREAD=REFERENCES] hi");
            let mut select = t.api().select("INBOX").unwrap();
            t.run("C: A0001 SELECT INBOX\nS: A0001 OK ok");
            t.ok(&mut select);
            let mut thread = t
                .submit(ops::search::thread(false, "REFERENCES", "UTF-8", "ALL"))
                .unwrap();
            t.run(&format!(
                "C: A0002 THREAD REFERENCES UTF-8 ALL\nS: * THREAD {}\nS: A0002 OK",
                nested(7, "1")
            ));
            assert_eq!(t.ok(&mut thread).len(), 1);
        },
    );
}

// ---------------------------------------------------------------------------------------
// Unparsable and unexpected responses
// ---------------------------------------------------------------------------------------

/// A NOOP in flight, answered with `* 1 EXISTS`, `line`, `* 2 EXISTS` and its completion.
fn noop_around(t: &mut Transcript, line: &str) -> Pending<()> {
    t.run("S: * PREAUTH [CAPABILITY IMAP4rev1] hi");
    t.events();
    let noop = t.api().noop().unwrap();
    t.run("C: A0001 NOOP");
    t.s("* 1 EXISTS");
    t.s(line);
    t.s("* 2 EXISTS");
    t.s("A0001 OK done");
    noop
}

#[test]
fn a_garbage_line_is_fatal_and_nothing_after_it_is_parsed() {
    for garbage in [
        "garbage",
        "",
        "*",
        "A0002",
        // Tagged BYE or PREAUTH: not a completion (RFC 9051 §7.1, `resp-cond-state`).
        "A0001 BYE odd",
        "A0001 PREAUTH odd",
        "\x00\x01\x02",
    ] {
        transcript(|t| {
            let mut noop = noop_around(t, garbage);
            let error = t.err(&mut noop);
            assert!(matches!(error, Error::Parse(_)), "{garbage:?}: {error:?}");
            assert!(error.is_fatal());
            // What came before the garbage was delivered; nothing after it.
            let events = t.events();
            assert_eq!(events, [TypedEvent::Exists(1)], "{garbage:?}");
            is_dead(t);
        });
    }
}

/// Issue 12, item 4: an untagged response that fails the grammar inside intact framing
/// costs that response only. It is queued as `TypedEvent::Unparsed` with its bytes and
/// error, and the session goes on: what came after it is parsed, and NOOP still answers.
#[test]
fn an_unparseable_untagged_response_costs_only_itself() {
    for garbage in [
        "* 4294967296 EXISTS",
        "* STATUS INBOX (MAILBOXID (\"x))",
        "* FLAGS (\\\\Seen \"x)",
        "* LIST (\\HasNoChildren) \"/\" {5}\r\nINBOX extra",
    ] {
        transcript(|t| {
            let mut noop = noop_around(t, garbage);
            t.ok(&mut noop);
            let events = t.events();
            assert_eq!(events.len(), 3, "{garbage:?}: {events:?}");
            assert_eq!(events[0], TypedEvent::Exists(1));
            let TypedEvent::Unparsed(unparsed) = &events[1] else {
                panic!("{garbage:?}: expected an unparsed response, got {events:?}");
            };
            assert_eq!(
                unparsed.raw,
                format!("{garbage}\r\n")
                    .replace("\\r\\n", "\r\n")
                    .as_bytes()
            );
            assert_eq!(events[2], TypedEvent::Exists(2));
            assert!(t.conn.failure().is_none());
            let mut noop = t.api().noop().unwrap();
            t.run("C: A0002 NOOP\nS: A0002 OK still here");
            t.ok(&mut noop);
        });
    }
}

#[test]
fn an_unknown_keyword_is_not_garbage() {
    transcript(|t| {
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1] hi");
        t.events();
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0001 NOOP\nS: * XYZZY plugh (1 2 {3}\nS+ abc)\\r\\n\nS: A0001 OK");
        t.ok(&mut noop);
        let events = t.events();
        assert!(
            matches!(events.as_slice(), [TypedEvent::Other(_)]),
            "{events:?}"
        );
        still_works(t, "A0002");
    });
}

#[test]
fn an_unexpected_continuation_is_fatal() {
    // With nothing in flight.
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1] hi\nS: + go ahead");
        assert!(t.conn.failure().is_some());
        is_dead(t);
    });
    // With a command in flight that asked for nothing.
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1] hi");
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0001 NOOP\nS: + go ahead\nS: A0001 OK");
        let error = t.err(&mut noop);
        assert!(error.is_fatal(), "{error:?}");
        is_dead(t);
    });
}

#[test]
fn an_unknown_tag_is_fatal_and_changes_nothing() {
    for stray in ["XYZ OK [CAPABILITY IMAP4rev1 AUTH=EVIL] hi", "a0001 OK"] {
        transcript(|t| {
            t.run("S: * OK [CAPABILITY IMAP4rev1] hi");
            let mut noop = t.api().noop().unwrap();
            t.run("C: A0001 NOOP");
            t.s(stray);
            t.s("A0001 OK done");
            let error = t.err(&mut noop);
            assert!(error.is_fatal(), "{stray:?}: {error:?}");
            assert!(
                matches!(error.cause(), Error::Protocol(ProtocolViolation::UnknownTag(tag)) if stray.starts_with(tag.as_str())),
                "{error:?}"
            );
            // The stray response's code was not applied.
            assert_eq!(t.caps(), ["IMAP4rev1"]);
            is_dead(t);
        });
    }
}

#[test]
fn a_tagged_response_for_a_command_never_sent_is_fatal() {
    // The next tag the client would use, and a completed command's tag replayed.
    for (stray, completes_first) in [("A0002 OK early", false), ("A0001 OK again", true)] {
        transcript(|t| {
            t.run("S: * OK [CAPABILITY IMAP4rev1] hi");
            let mut first = t.api().noop().unwrap();
            t.run("C: A0001 NOOP");
            if completes_first {
                t.run("S: A0001 OK done");
                t.ok(&mut first);
                let mut second = t.api().capability().unwrap();
                t.run("C: A0002 CAPABILITY");
                t.s(stray);
                let error = t.err(&mut second);
                assert!(error.is_fatal(), "{error:?}");
            } else {
                t.s(stray);
                let error = t.err(&mut first);
                assert!(error.is_fatal(), "{error:?}");
            }
            is_dead(t);
        });
    }
}

#[test]
fn a_tagged_response_before_the_command_was_written_ends_it_unsent() {
    let mut conn = greeted(Config::default(), "IMAP4rev1");
    let noop = conn.submit(ops::session::noop()).unwrap();
    // The driver has not written `A0001 NOOP` yet and the server guesses the tag. The
    // response ends the command; it is then never written, so no second answer can come.
    conn.handle_input(b"A0001 OK guessed\r\n");
    conn.take_output(&noop).unwrap().unwrap();
    assert!(transmit(&mut conn).is_empty());
    assert_alive(&mut conn, "A0002");
}

// ---------------------------------------------------------------------------------------
// BYE, stalls, resets
// ---------------------------------------------------------------------------------------

#[test]
fn bye_in_the_middle_of_a_fetch() {
    transcript(|t| {
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1] hi");
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0001 SELECT INBOX\nS: * 3 EXISTS\nS: A0001 OK [READ-WRITE] ok");
        t.ok(&mut select);
        t.events();
        let mut fetch = t.api().fetch(&set("1:3"), &[FetchAttr::Flags]).unwrap();
        t.run(
            "C: A0002 FETCH 1:3 (FLAGS)
             S: * 1 FETCH (FLAGS (\\Seen))
             S: * BYE [UNAVAILABLE] shutting down",
        );
        assert_eq!(t.state(), SessionState::Logout);
        // The server said it is closing: the op fails at once with the BYE (issue 12, item
        // 2), and so does every later call, without waiting for the close.
        let error = t.err(&mut fetch);
        assert!(
            matches!(&error, Error::Bye { text, .. } if text == "shutting down"),
            "{error:?}"
        );
        assert!(error.is_fatal());
        assert!(matches!(t.api().noop(), Err(Error::Bye { .. })));
        t.run("C: -");
        t.flush();
        let events = t.events();
        assert!(
            matches!(events.as_slice(), [TypedEvent::Bye(_)]),
            "the BYE is also an event: {events:?}"
        );
        // The client reads on until the server closes.
        assert!(t.conn.failure().is_none());
        t.conn.handle_eof();
        is_dead(t);
    });
}

#[test]
fn a_stalled_server_leaves_the_op_pending_and_sends_nothing_twice() {
    let mut conn = greeted(Config::default(), "IMAP4rev1");
    let noop = conn.submit(ops::session::noop()).unwrap();
    assert_eq!(transmit(&mut conn), b"A0001 NOOP\r\n");
    // Half a response, then silence.
    conn.handle_input(b"* 1 EXI");
    for _ in 0..3 {
        assert!(transmit(&mut conn).is_empty(), "the command went out once");
        assert!(conn.take_output(&noop).is_none());
        assert_eq!(conn.ops_pending(), 1);
        conn.handle_input(b"");
    }
    assert_eq!(conn.buffered_input_len(), 7);
    // The core has no clock; the adapter's timeout ends the wait by dropping the connection.
    conn.handle_input(b"STS\r\nA0001 OK\r\n");
    conn.take_output(&noop).unwrap().unwrap();
}

#[test]
fn a_reset_in_the_middle_of_a_literal() {
    // Below the streaming threshold: the literal is buffered, and lost with the connection.
    let mut conn = selected_conn(Config::default(), "IMAP4rev1");
    let id = conn
        .submit(ops::fetch::fetch(
            false,
            &set("1"),
            &[FetchAttr::whole_message_peek()],
            None,
            false,
            Delivery::Buffered,
        ))
        .unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* 1 FETCH (FLAGS () BODY[] {100}\r\n0123456789");
    assert!(conn.take_output(&id).is_none());
    conn.handle_eof();
    assert!(matches!(
        conn.take_output(&id),
        Some(Err(Error::ConnectionClosed))
    ));
    assert!(conn.poll_event().is_none(), "no partial FETCH event");
    assert_dead(&mut conn);

    // Above the threshold, streamed: chunks were handed out, but the result is the error.
    let mut config = Config::default();
    config.limits.stream_threshold = 16;
    let mut conn = selected_conn(config, "IMAP4rev1");
    let id: OpId<Fetch> = conn
        .submit(ops::fetch::fetch(
            false,
            &set("1"),
            &[FetchAttr::whole_message_peek()],
            None,
            false,
            Delivery::Streamed,
        ))
        .unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* 1 FETCH (BODY[] {100}\r\n0123456789012345678901234567890123");
    assert!(conn.op_mut(&id).unwrap().has_items());
    conn.handle_eof();
    assert!(matches!(
        conn.take_output(&id),
        Some(Err(Error::ConnectionClosed))
    ));
    assert_dead(&mut conn);
}

// ---------------------------------------------------------------------------------------
// COMPRESS
// ---------------------------------------------------------------------------------------

#[test]
fn a_corrupt_deflate_stream_after_compress() {
    for same_read in [false, true] {
        let mut conn = greeted(Config::default(), "IMAP4rev1 COMPRESS=DEFLATE");
        let id = conn.submit(ops::upgrade::compress()).unwrap();
        assert_eq!(transmit(&mut conn), b"A0001 COMPRESS DEFLATE\r\n");
        // 0xff: a reserved DEFLATE block type.
        let noop = if same_read {
            conn.handle_input(b"A0001 OK DEFLATE active\r\n\xff\xff\xff\xff");
            let error = conn.take_output(&id).unwrap().unwrap_err();
            assert!(matches!(error, Error::Compression(_)), "{error:?}");
            None
        } else {
            conn.handle_input(b"A0001 OK DEFLATE active\r\n");
            conn.take_output(&id).unwrap().unwrap();
            let noop = conn.submit(ops::session::noop()).unwrap();
            assert!(!transmit(&mut conn).is_empty());
            conn.handle_input(&[0xff; 64]);
            Some(noop)
        };
        if let Some(noop) = noop {
            let error = conn.take_output(&noop).unwrap().unwrap_err();
            assert!(matches!(error, Error::Compression(_)), "{error:?}");
            assert!(error.is_fatal());
        }
        assert!(conn.poll_event().is_none());
        assert_dead(&mut conn);
    }
}

// ---------------------------------------------------------------------------------------
// Answers that do not match the question
// ---------------------------------------------------------------------------------------

#[test]
fn vanished_earlier_outside_the_requested_set_is_filtered() {
    transcript(|t| {
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE QRESYNC ENABLE] hi");
        t.events();
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run("C: A0001 ENABLE QRESYNC\nS: * ENABLED QRESYNC\nS: A0001 OK");
        t.ok(&mut enable);
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0002 SELECT INBOX\nS: * 10 EXISTS\nS: A0002 OK [READ-WRITE] ok");
        t.ok(&mut select);
        let mut fetch = t
            .api()
            .uid_fetch_vanished(&set("100:200,7"), &[FetchAttr::Flags], 5)
            .unwrap();
        t.run(
            "C: A0003 UID FETCH 100:200,7 (FLAGS) (CHANGEDSINCE 5 VANISHED)
             S: * VANISHED (EARLIER) 1:4294967295
             S: * VANISHED (EARLIER) 8:99,201:300
             S: A0003 OK",
        );
        let (found, vanished) = t.ok(&mut fetch);
        assert!(found.is_empty());
        assert_eq!(vanished, [UidRange::new(7, 7), UidRange::new(100, 200)]);
        assert_eq!(t.conn.session().selected().unwrap().exists, 10);
        let events = t.events();
        assert!(events.is_empty(), "{events:?}");
        still_works(t, "A0004");
    });
}

#[test]
fn move_without_move_or_uidplus_sends_nothing() {
    transcript(|t| {
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1] hi");
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0001 SELECT INBOX\nS: * 3 EXISTS\nS: A0001 OK ok");
        t.ok(&mut select);
        for uid in [false, true] {
            let error = t
                .submit(ops::message::move_messages(uid, &set("1:2"), "Trash"))
                .unwrap_err();
            assert!(matches!(error, Error::MissingCapability(_)), "{error:?}");
            t.run("C: -");
        }
        still_works(t, "A0002");
    });
}

#[test]
fn appendlimit_is_enforced_before_anything_is_sent() {
    transcript(|t| {
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1 APPENDLIMIT=10 MULTIAPPEND] hi");
        let error = t.api().append("INBOX", &[], None, &[b'x'; 11]).unwrap_err();
        assert!(
            matches!(
                error,
                Error::AppendLimitExceeded {
                    size: 11,
                    limit: 10
                }
            ),
            "{error:?}"
        );
        // One message too large in a MULTIAPPEND refuses the whole command.
        let messages = [
            AppendMessage::new(&b"small"[..]),
            AppendMessage::new(vec![b'y'; 11]),
        ];
        assert!(matches!(
            t.api().multi_append("INBOX", &messages),
            Err(Error::AppendLimitExceeded { .. })
        ));
        t.run("C: -");
        still_works(t, "A0001");
    });
}

#[test]
fn without_literal_plus_the_literal_waits_for_the_continuation() {
    transcript(|t| {
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1] hi");
        let mut append = t.api().append("INBOX", &[], None, b"Hello").unwrap();
        // Exactly the header line, then nothing, even when unrelated data arrives.
        t.run(
            "C: A0001 APPEND INBOX {5}
             C: -
             S: * 4 EXISTS
             S: * OK still thinking
             C: -",
        );
        t.events();
        t.run(
            "S: + go ahead
             C+ Hello\\r\\n
             C: -
             S: A0001 OK APPEND done",
        );
        assert_eq!(t.ok(&mut append), None);
        still_works(t, "A0002");
    });
}

#[test]
fn each_literal_waits_for_its_own_complete_continuation_line() {
    let messages = || {
        vec![
            AppendMessage::new(&b"first"[..]),
            AppendMessage::new(&b"second!"[..]),
        ]
    };
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1 MULTIAPPEND] hi\r\n");
    let id = conn
        .submit(ops::append::append("INBOX", messages()))
        .unwrap();
    assert_eq!(transmit(&mut conn), b"A0001 APPEND INBOX {5}\r\n");
    // Until the whole `+` line has arrived, not one byte of the literal goes out.
    for byte in b"+ go ahead\r" {
        conn.handle_input(&[*byte]);
        assert!(transmit(&mut conn).is_empty());
    }
    conn.handle_input(b"\n");
    assert_eq!(transmit(&mut conn), b"first {7}\r\n");
    // The second literal needs a second `+`.
    conn.handle_input(b"* 1 EXISTS\r\n");
    assert!(transmit(&mut conn).is_empty());
    conn.handle_input(b"+\r\n");
    assert_eq!(transmit(&mut conn), b"second!\r\n");
    conn.handle_input(b"A0001 OK done\r\n");
    assert_eq!(conn.take_output(&id).unwrap().unwrap(), []);
    assert_alive(&mut conn, "A0002");

    // Refused between the two literals: the second is never sent.
    let id = conn
        .submit(ops::append::append("INBOX", messages()))
        .unwrap();
    assert_eq!(transmit(&mut conn), b"A0003 APPEND INBOX {5}\r\n");
    conn.handle_input(b"+ ok\r\n");
    assert_eq!(transmit(&mut conn), b"first {7}\r\n");
    conn.handle_input(b"A0003 NO [OVERQUOTA] full\r\n");
    assert!(matches!(conn.take_output(&id), Some(Err(Error::No { .. }))));
    conn.handle_input(b"+ late\r\n");
    assert!(conn.failure().is_some(), "a `+` nobody waits for is fatal");
    assert!(
        transmit(&mut conn).is_empty(),
        "the second literal never goes out"
    );
}

#[test]
fn a_refusal_instead_of_the_continuation_drops_the_literal() {
    for answer in ["A0001 NO [TOOBIG] too big", "A0001 BAD no"] {
        transcript(|t| {
            t.run("S: * PREAUTH [CAPABILITY IMAP4rev1] hi");
            let mut append = t.api().append("INBOX", &[], None, b"Secret").unwrap();
            t.run("C: A0001 APPEND INBOX {6}\nC: -");
            t.s(answer);
            let error = t.err(&mut append);
            assert!(!error.is_fatal(), "{error:?}");
            // The literal is never sent, and the next command is not stuck behind it.
            t.run("C: -");
            still_works(t, "A0002");
        });
    }
}

#[test]
fn an_ok_instead_of_the_continuation_drops_the_literal() {
    transcript(|t| {
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1] hi");
        let mut append = t
            .api()
            .append("INBOX", &[], None, b"A0009 DELETE INBOX")
            .unwrap();
        t.run("C: A0001 APPEND INBOX {18}\nC: -\nS: A0001 OK what literal?");
        assert_eq!(t.ok(&mut append), None);
        // The command is over: the message must never be sent, where the server would read
        // it as commands.
        t.run("C: -");
        still_works(t, "A0002");
    });
}

// ---------------------------------------------------------------------------------------
// Floods and caller-side limits
// ---------------------------------------------------------------------------------------

#[test]
fn a_million_unsolicited_exists_with_nobody_draining() {
    const FLOOD: usize = 1_000_000;
    const QUEUE: usize = 10_000;
    let mut conn = selected_conn(Config::default(), "IMAP4rev1");
    assert_eq!(Config::default().max_queued_events, QUEUE);
    let mut read = Vec::new();
    let mut sent = 0;
    while sent < FLOOD {
        read.clear();
        for n in sent..(sent + 4096).min(FLOOD) {
            read.extend_from_slice(format!("* {} EXISTS\r\n", n + 1).as_bytes());
        }
        sent = (sent + 4096).min(FLOOD);
        conn.handle_input(&read);
        assert!(conn.buffered_input_len() < 32, "one partial line at most");
        assert!(conn.events_pending() <= QUEUE + 1);
    }
    assert!(conn.failure().is_none());
    assert_eq!(conn.events_pending(), QUEUE + 1);
    assert_eq!(
        conn.poll_event(),
        Some(TypedEvent::EventsDropped((FLOOD - QUEUE) as u64))
    );
    // The newest are kept, in order.
    assert_eq!(
        conn.poll_event(),
        Some(TypedEvent::Exists((FLOOD - QUEUE + 1) as u32))
    );
    let mut rest = 1;
    while let Some(event) = conn.poll_event() {
        rest += 1;
        assert!(matches!(event, TypedEvent::Exists(_)));
    }
    assert_eq!(rest, QUEUE);
    assert_eq!(conn.session().selected().unwrap().exists, FLOOD as u32);
    assert_alive(&mut conn, "A0002");
}

#[test]
fn max_in_flight_is_enforced() {
    transcript_with(Config::default().with_max_in_flight(2), |t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1] hi");
        let mut first = t.api().noop().unwrap();
        let mut second = t.api().noop().unwrap();
        let error = t.api().noop().unwrap_err();
        assert!(matches!(error, Error::TooManyInFlight(2)), "{error:?}");
        assert!(!error.is_fatal());
        t.run("C: A0001 NOOP\nC: A0002 NOOP\nC: -\nS: A0001 OK");
        t.ok(&mut first);
        let mut third = t.api().noop().unwrap();
        t.run("C: A0003 NOOP\nS: A0002 OK\nS: A0003 OK");
        t.ok(&mut second);
        t.ok(&mut third);
    });
}

#[test]
fn a_literal_in_a_search_response_above_max_literal_size() {
    let mut config = Config::default();
    config.limits.max_literal_size = 1024;
    let mut conn = selected_conn(config, "IMAP4rev1");
    let id = conn.submit(ops::search::search(false, "ALL")).unwrap();
    assert_eq!(transmit(&mut conn), b"A0002 SEARCH ALL\r\n");
    conn.handle_input(b"* SEARCH 1 2 {1025}\r\n");
    let error = conn.take_output(&id).unwrap().unwrap_err();
    assert!(
        matches!(
            error,
            Error::Frame(FrameError::LiteralTooLarge {
                limit: 1024,
                announced: 1025
            })
        ),
        "{error:?}"
    );
    assert_dead(&mut conn);

    // Within the limit, a literal is still not a number: a parse error.
    let mut config = Config::default();
    config.limits.max_literal_size = 1024;
    let mut conn = selected_conn(config, "IMAP4rev1");
    let id = conn.submit(ops::search::search(false, "ALL")).unwrap();
    transmit(&mut conn);
    conn.handle_input(b"* SEARCH 1 {2}\r\n12\r\nA0002 OK\r\n");
    // Framed, so it costs only itself (issue 12, item 4): the SEARCH it answers fails
    // rather than return an empty result as a correct one, and the session goes on.
    let error = conn.take_output(&id).unwrap().unwrap_err();
    assert!(
        matches!(
            error,
            Error::Protocol(ProtocolViolation::UnparsedResponse(_))
        ),
        "{error:?}"
    );
    assert!(!error.is_fatal());
    assert!(matches!(
        conn.poll_event(),
        Some(TypedEvent::Unparsed(unparsed)) if &unparsed.raw[..] == b"* SEARCH 1 {2}\r\n12\r\n"
    ));
    let noop = conn.submit(ops::session::noop()).unwrap();
    assert_eq!(transmit(&mut conn), b"A0003 NOOP\r\n");
    conn.handle_input(b"A0003 OK\r\n");
    conn.take_output(&noop).unwrap().unwrap();
}

#[test]
fn an_oversized_response_fails_at_the_limit() {
    let mut config = Config::default();
    config.limits.max_response_size = 64 * 1024;
    let mut conn = selected_conn(config, "IMAP4rev1");
    let noop = conn.submit(ops::session::noop()).unwrap();
    transmit(&mut conn);
    // Many small literals, each within every other limit.
    let mut sent = 0;
    conn.handle_input(b"* XDATA");
    while conn.failure().is_none() && sent < 1024 * 1024 {
        conn.handle_input(b" {1000}\r\n");
        conn.handle_input(&[b'l'; 1000]);
        sent += 1000;
        assert!(conn.buffered_input_len() <= 64 * 1024 + 1024);
    }
    assert!(matches!(
        conn.take_output(&noop),
        Some(Err(Error::Frame(FrameError::ResponseTooLarge { .. })))
    ));
    assert_dead(&mut conn);
}

/// `n` lines `* k EXISTS`, numbered from `first`.
fn exists_lines(first: usize, n: usize) -> Vec<u8> {
    let mut lines = Vec::with_capacity(n * 16);
    for k in first..first + n {
        lines.extend_from_slice(format!("* {k} EXISTS\r\n").as_bytes());
    }
    lines
}

#[test]
fn a_flood_during_idle_is_bounded_too() {
    const FLOOD: usize = 200_000;
    let config = Config::default().with_max_queued_events(1000);
    let mut conn = selected_conn(config, "IMAP4rev1 IDLE");
    let id = conn.submit(ops::idle::idle()).unwrap();
    assert_eq!(transmit(&mut conn), b"A0002 IDLE\r\n");
    conn.handle_input(b"+ idling\r\n");
    for start in (1..=FLOOD).step_by(4096) {
        conn.handle_input(&exists_lines(start, 4096.min(FLOOD + 1 - start)));
        assert!(conn.op_mut(&id).unwrap().has_activity());
    }
    // The driver wakes up late and ends the IDLE; the server answers after even more data.
    conn.interrupt(&id).unwrap();
    assert_eq!(transmit(&mut conn), b"DONE\r\n");
    conn.handle_input(&exists_lines(FLOOD + 1, 10));
    conn.handle_input(b"A0002 OK IDLE terminated\r\n");
    let changes = conn.take_output(&id).unwrap().unwrap();
    // At most `max_queued_events` changes, the newest, after the count of those dropped.
    assert_eq!(changes.len(), 1001, "{:?}", changes.first());
    assert_eq!(
        changes[0],
        TypedEvent::EventsDropped((FLOOD + 10 - 1000) as u64)
    );
    assert_eq!(changes[1], TypedEvent::Exists((FLOOD + 10 - 999) as u32));
    assert_eq!(changes[1000], TypedEvent::Exists((FLOOD + 10) as u32));
    assert_eq!(
        conn.session().selected().unwrap().exists,
        (FLOOD + 10) as u32
    );
    assert_alive(&mut conn, "A0003");
}

// ---------------------------------------------------------------------------------------
// DEFLATE bombs
// ---------------------------------------------------------------------------------------

/// Raw DEFLATE (RFC 4978 §3) of `plain`, sync-flushed, as a server would send it.
fn deflate(plain: &[u8]) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let mut out = Vec::with_capacity(plain.len() / 100 + 1024);
    let mut input = plain;
    loop {
        out.reserve(64 * 1024);
        let before = compress.total_in();
        compress
            .compress_vec(input, &mut out, flate2::FlushCompress::Sync)
            .unwrap();
        input = &input[(compress.total_in() - before) as usize..];
        if input.is_empty() && out.len() < out.capacity() {
            return out;
        }
    }
}

/// A session with COMPRESS=DEFLATE active (the COMPRESS was `A0002`).
fn compressed(config: Config) -> Connection {
    let mut conn = selected_conn(config, "IMAP4rev1 COMPRESS=DEFLATE");
    let id = conn.submit(ops::upgrade::compress()).unwrap();
    assert_eq!(transmit(&mut conn), b"A0002 COMPRESS DEFLATE\r\n");
    conn.handle_input(b"A0002 OK DEFLATE active\r\n");
    conn.take_output(&id).unwrap().unwrap();
    conn
}

#[test]
fn a_deflate_bomb_is_held_to_the_line_limit() {
    // 64 MiB of one endless line compresses to about 64 KiB: one read.
    const PLAIN: usize = 64 * 1024 * 1024;
    let bomb = deflate(&vec![b'a'; PLAIN]);
    assert!(bomb.len() < PLAIN / 500, "{}", bomb.len());
    for with_the_ok in [false, true] {
        let mut config = Config::default();
        config.limits.max_line_length = 64 * 1024;
        let mut conn = selected_conn(config, "IMAP4rev1 COMPRESS=DEFLATE");
        let id = conn.submit(ops::upgrade::compress()).unwrap();
        transmit(&mut conn);
        let noop = if with_the_ok {
            let mut read = b"A0002 OK DEFLATE active\r\n".to_vec();
            read.extend_from_slice(&bomb);
            conn.handle_input(&read);
            conn.take_output(&id).unwrap().unwrap();
            None
        } else {
            conn.handle_input(b"A0002 OK DEFLATE active\r\n");
            conn.take_output(&id).unwrap().unwrap();
            let noop = conn.submit(ops::session::noop()).unwrap();
            transmit(&mut conn);
            conn.handle_input(&bomb);
            Some(noop)
        };
        let cause = conn.failure().expect("the line is too long");
        assert!(
            matches!(
                **cause,
                Error::Frame(FrameError::LineTooLong { limit: 65536, .. })
            ),
            "{cause:?}"
        );
        // Inflated piece by piece as the framer drains: the limit trips within one piece
        // of the line, not after the whole 64 MiB was inflated.
        if let Some(noop) = noop {
            let error = conn.take_output(&noop).unwrap().unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Frame(FrameError::LineTooLong { observed, .. })
                        if observed <= 64 * 1024 + 16 * 1024
                ),
                "{error:?}"
            );
        }
        assert_dead(&mut conn);
    }
}

#[test]
fn a_deflate_bomb_of_valid_responses_is_handled_in_pieces() {
    // 2 MiB of unsolicited EXISTS lines, highly compressible, in one read: processed as
    // they are inflated; the event queue keeps its bound.
    let lines = exists_lines(1, 150_000);
    let mut conn = compressed(Config::default().with_max_queued_events(100));
    conn.handle_input(&deflate(&lines));
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    assert!(conn.buffered_input_len() < 16 * 1024);
    assert_eq!(conn.events_pending(), 101);
    assert_eq!(conn.session().selected().unwrap().exists, 150_000);
}

// ---------------------------------------------------------------------------------------
// SASL and credentials
// ---------------------------------------------------------------------------------------

const SCRAM_NONCE: &str = "fyko+d2lbbFgONRv9qkxdawL";

fn scram(user: &str, password: &str) -> Box<dyn imap_proto_core::sasl::Mechanism> {
    Box::new(imap_proto_core::sasl::ScramSha256::with_nonce(user, password, SCRAM_NONCE).unwrap())
}

fn base64(data: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[test]
fn scram_with_an_absurd_iteration_count_is_refused_at_once() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] ready");
        let mut auth = t
            .submit(ops::auth::authenticate(scram("user", "pencil")))
            .unwrap();
        t.take_client();
        // 2^32 - 1 iterations would be hours of HMACs: refused before any is computed.
        let first = format!("r={SCRAM_NONCE}srv,s=QSXCR+Q6sek8bf92,i=4294967295");
        t.s(&format!("+ {}", base64(&first)));
        t.run("C: *\nS: A0001 BAD cancelled");
        let error = t.err(&mut auth);
        assert!(
            matches!(
                error,
                Error::Sasl(imap_proto_core::sasl::SaslError::IterationCountOutOfRange {
                    count: 4294967295,
                    ..
                })
            ),
            "{error:?}"
        );
        // The server misbehaved: the connection ends with it.
        assert!(error.is_fatal());
        assert_eq!(t.state(), SessionState::NotAuthenticated);
        is_dead(t);
    });
}

#[test]
fn a_server_claiming_success_without_proof_ends_the_connection() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] ready");
        let mut auth = t
            .submit(ops::auth::authenticate(scram("user", "pencil")))
            .unwrap();
        t.take_client();
        let first = format!("r={SCRAM_NONCE}srv,s=QSXCR+Q6sek8bf92,i=4096");
        t.s(&format!("+ {}", base64(&first)));
        t.take_client();
        // An impostor cannot compute the server signature; it says OK instead.
        t.s("A0001 OK [CAPABILITY IMAP4rev1 IDLE] welcome");
        let error = t.err(&mut auth);
        assert!(matches!(error, Error::Sasl(_)), "{error:?}");
        assert!(error.is_fatal());
        assert_eq!(t.state(), SessionState::NotAuthenticated);
        is_dead(t);
    });
}

#[test]
fn credentials_never_appear_in_debug_or_errors() {
    const PASSWORD: &str = "hunter2-SECRET";
    let mut conn = greeted(Config::default(), "IMAP4rev1 AUTH=PLAIN");
    conn.submit(ops::auth::login("alice", PASSWORD)).unwrap();
    assert!(!format!("{conn:?}").contains(PASSWORD));
    assert!(!format!("{conn:#?}").contains(PASSWORD));
    // A NUL in a credential is refused at submit, without echoing it, and is not fatal.
    let mut conn = greeted(Config::default(), "IMAP4rev1 AUTH=PLAIN");
    let nul = format!("{PASSWORD}\0");
    for error in [
        conn.submit(ops::auth::login("alice", &nul)).unwrap_err(),
        conn.submit(ops::auth::authenticate_with(
            imap_proto_core::sasl::Plain::new("alice", nul.as_str())
                .map(|m| Box::new(m) as Box<dyn imap_proto_core::sasl::Mechanism>),
        ))
        .unwrap_err(),
    ] {
        assert!(
            !format!("{error:?} {error}").contains(PASSWORD),
            "{error:?}"
        );
        assert!(!error.is_fatal(), "{error:?}");
    }
    assert!(transmit(&mut conn).is_empty());
    assert_alive(&mut conn, "A0001");
}

#[test]
fn a_huge_unsolicited_literal_with_nobody_draining() {
    const READ: usize = 64 * 1024;
    let mut conn = selected_conn(Config::default().with_max_queued_events(100), "IMAP4rev1");
    conn.handle_input(b"* 2 FETCH (BODY[] {4294967296}\r\n");
    let read = vec![b'u'; READ];
    for _ in 0..1000 {
        conn.handle_input(&read);
        assert!(conn.buffered_input_len() <= READ);
        assert!(conn.events_pending() <= 101);
    }
    // The chunks kept are the newest 100, each at most one read.
    let Some(TypedEvent::EventsDropped(dropped)) = conn.poll_event() else {
        panic!("the drop is reported first");
    };
    let mut kept = 0;
    let mut bytes = 0;
    while let Some(event) = conn.poll_event() {
        let TypedEvent::FetchChunk { seq: 2, data, .. } = event else {
            panic!("{event:?}");
        };
        kept += 1;
        bytes += data.len();
    }
    assert_eq!(kept, 100);
    assert!(bytes <= 100 * READ);
    assert_eq!(dropped + kept, 1000, "one chunk per read");
    // Still working (though any answer will only be read once the literal is over).
    assert!(conn.failure().is_none());
    conn.submit(ops::session::noop()).unwrap();
    assert_eq!(transmit(&mut conn), b"A0002 NOOP\r\n");
}
