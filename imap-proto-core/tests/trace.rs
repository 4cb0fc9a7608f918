//! The protocol log never shows a credential: one scripted login per authentication method
//! (LOGIN with the password quoted, as a synchronizing literal and as a LITERAL+ literal;
//! AUTHENTICATE PLAIN with and without SASL-IR, XOAUTH2 with its error challenge,
//! OAUTHBEARER, SCRAM-SHA-256 with the RFC 7677 exchange). Each test first checks that the
//! secret did go over the wire, so it cannot pass by sending nothing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use imap_proto_core::conn::trace::Direction;
use imap_proto_core::sasl::{Mechanism, OAuthBearer, Plain, ScramSha256, XOAuth2};
use imap_proto_core::{Config, Connection, ops};

/// What a scripted session put on the wire and in the trace.
struct Session {
    wire: String,
    trace: Vec<String>,
}

/// Greets with `caps`, submits `submit`'s op, then feeds `server` lines one at a time, taking
/// what the client writes before each.
fn session(caps: &str, submit: impl FnOnce(&mut Connection), server: &[&str]) -> Session {
    let mut conn = Connection::new(Config::default());
    conn.set_trace(true);
    conn.handle_input(format!("* OK [CAPABILITY IMAP4rev1 {caps}] ready\r\n").as_bytes());
    submit(&mut conn);
    let mut wire = Vec::new();
    for line in server {
        conn.poll_transmit(&mut wire);
        conn.handle_input(format!("{line}\r\n").as_bytes());
    }
    conn.poll_transmit(&mut wire);
    assert!(conn.failure().is_none(), "{:?}", conn.failure());
    let trace = std::iter::from_fn(|| conn.poll_trace())
        .map(|line| line.to_string())
        .collect();
    Session {
        wire: String::from_utf8_lossy(&wire).into_owned(),
        trace,
    }
}

impl Session {
    /// `secret` went over the wire and is nowhere in the trace.
    fn hides(&self, secret: &str) {
        assert!(
            self.wire.contains(secret),
            "the exchange never sent {secret:?}: {}",
            self.wire
        );
        for line in &self.trace {
            assert!(!line.contains(secret), "{secret:?} in the trace: {line}");
        }
    }

    /// The trace has the greeting, then exactly these entries.
    fn reads(&self, expected: &[&str]) {
        assert!(
            self.trace[0].starts_with("S: * OK [CAPABILITY"),
            "{:?}",
            self.trace
        );
        assert_eq!(self.trace[1..], *expected);
    }
}

fn login(user: &'static str, password: &'static str) -> impl FnOnce(&mut Connection) {
    move |conn: &mut Connection| {
        conn.submit(ops::auth::login(user, password)).unwrap();
    }
}

fn authenticate(mechanism: impl Mechanism + 'static) -> impl FnOnce(&mut Connection) {
    move |conn: &mut Connection| {
        conn.submit(ops::auth::authenticate(Box::new(mechanism)))
            .unwrap();
    }
}

const OK: &str = "A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in";

fn b64(data: &[u8]) -> String {
    BASE64.encode(data)
}

#[test]
fn login_quoted_password() {
    let s = session("", login("joe", "s3cr3t pass"), &[OK]);
    s.hides("s3cr3t pass");
    s.reads(&[
        "C: A0001 LOGIN joe <masked>",
        "S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
    ]);
}

#[test]
fn login_password_as_a_synchronizing_literal() {
    let s = session(
        "",
        login("joe", "p\u{e4}ss\"w\u{f6}rd"),
        &["+ go ahead", OK],
    );
    s.hides("p\u{e4}ss\"w\u{f6}rd");
    s.reads(&[
        "C: A0001 LOGIN joe <masked>",
        "S: + go ahead",
        "C: <masked literal, 11 octets>",
        "C: ",
        "S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
    ]);
}

#[test]
fn login_user_and_password_as_literal_plus() {
    let s = session("LITERAL+", login("j\u{f6}e", "h\u{fc}nter2"), &[OK]);
    s.hides("h\u{fc}nter2");
    for line in &s.trace {
        assert!(!line.contains("j\u{f6}e"), "{line}");
    }
}

#[test]
fn authenticate_plain_with_sasl_ir() {
    let s = session(
        "SASL-IR AUTH=PLAIN",
        authenticate(Plain::new("joe", "plain-secret").unwrap()),
        &[OK],
    );
    s.hides(&b64(b"\0joe\0plain-secret"));
    s.reads(&[
        "C: A0001 AUTHENTICATE PLAIN <masked>",
        "S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
    ]);
}

#[test]
fn authenticate_plain_after_a_challenge() {
    let s = session(
        "AUTH=PLAIN",
        authenticate(Plain::new("joe", "plain-secret").unwrap()),
        &["+ ", OK],
    );
    s.hides(&b64(b"\0joe\0plain-secret"));
    s.reads(&[
        "C: A0001 AUTHENTICATE PLAIN",
        "S: + ",
        "C: <masked>",
        "S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
    ]);
}

#[test]
fn authenticate_xoauth2_with_its_error_challenge() {
    let error = b64(br#"{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}"#);
    let s = session(
        "SASL-IR AUTH=XOAUTH2",
        authenticate(XOAuth2::new("joe@example.com", "ya29.token-secret").unwrap()),
        &[
            &format!("+ {error}"),
            "A0001 NO [AUTHENTICATIONFAILED] Invalid credentials",
        ],
    );
    s.hides(&b64(
        b"user=joe@example.com\x01auth=Bearer ya29.token-secret\x01\x01",
    ));
    // The client's empty answer to the error challenge is masked like any exchange line.
    s.reads(&[
        "C: A0001 AUTHENTICATE XOAUTH2 <masked>",
        &format!("S: + {error}"),
        "C: <masked>",
        "S: A0001 NO [AUTHENTICATIONFAILED] Invalid credentials",
    ]);
}

#[test]
fn authenticate_oauthbearer() {
    let s = session(
        "SASL-IR AUTH=OAUTHBEARER",
        authenticate(OAuthBearer::new("joe@example.com", "bearer-secret").unwrap()),
        &[OK],
    );
    let sent = s
        .wire
        .strip_prefix("A0001 AUTHENTICATE OAUTHBEARER ")
        .and_then(|rest| rest.split("\r\n").next())
        .expect("initial response");
    let decoded = String::from_utf8(BASE64.decode(sent).unwrap()).unwrap();
    assert!(decoded.contains("auth=Bearer bearer-secret"), "{decoded}");
    s.hides(sent);
    s.reads(&[
        "C: A0001 AUTHENTICATE OAUTHBEARER <masked>",
        "S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
    ]);
}

#[test]
fn authenticate_scram_sha_256() {
    // RFC 7677 §3.
    let server_first =
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    let client_final = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
        p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    let server_final = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    let s = session(
        "SASL-IR AUTH=SCRAM-SHA-256",
        authenticate(ScramSha256::with_nonce("user", "pencil", "rOprNGfwEbeRWgbNEkqO").unwrap()),
        &[
            &format!("+ {}", b64(server_first)),
            &format!("+ {}", b64(server_final)),
            OK,
        ],
    );
    s.hides(&b64(client_final));
    s.hides(&b64(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    assert_eq!(s.trace.len(), 7, "{:#?}", s.trace);
    let client: Vec<_> = s.trace.iter().filter(|l| l.starts_with("C: ")).collect();
    assert_eq!(
        client,
        [
            "C: A0001 AUTHENTICATE SCRAM-SHA-256 <masked>",
            "C: <masked>",
            "C: <masked>"
        ]
    );
}

#[test]
fn the_trace_is_off_by_default_and_records_both_directions() {
    let mut conn = Connection::new(Config::default());
    conn.handle_input(b"* OK ready\r\n");
    assert!(!conn.is_tracing());
    assert!(conn.poll_trace().is_none());
    conn.set_trace(true);
    conn.submit(ops::session::noop()).unwrap();
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    conn.handle_input(b"* 3 EXISTS\r\nA0001 OK done\r\n");
    let lines: Vec<_> = std::iter::from_fn(|| conn.poll_trace()).collect();
    let directions: Vec<_> = lines.iter().map(|l| l.direction).collect();
    assert_eq!(
        directions,
        [Direction::Sent, Direction::Received, Direction::Received]
    );
    assert_eq!(lines[0].text, "A0001 NOOP");
    assert_eq!(lines[1].text, "* 3 EXISTS");
}
