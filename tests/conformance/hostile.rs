//! The hostile-server scenarios of `imap-proto-core/tests/hostile.rs`, through the adapter
//! under test and a real socket: the core's outcome must reach the caller as the same typed
//! error (or the correct result), with no panic and no hang, and the calls after it must
//! behave as `docs/security.md` says: after a fatal error every call fails at once with
//! `Error::ConnectionFailed` and the client has closed the socket; after a non-fatal one a
//! NOOP still works. What the client sent (or did not send) is checked on the server side.

use std::io::{BufRead, BufReader, Write};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use imap_proto_core::{Config, FrameError, Limits, ParseErrorKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConnection, StreamOwned};

use crate::adapter::types::{AppendMessage, FetchAttr, SequenceSet, UidRange};
use crate::adapter::{
    ClientConfig, Error, ImapConnection, ProtocolViolation, SessionState, TlsMode, TypedEvent,
    fetch_channel, join2,
};

use super::ScriptedCase;
use super::scripted::{PREAUTH, Peer, ServerThread, T, scripted, serve};
use super::support::{Fail, TestResult};
use crate::{ensure, ensure_err, scripted_case};

/// The timeout of calls that must end long before it: a call that waited for it would be
/// a hang, not an answer.
const LONG: Duration = Duration::from_secs(30);

/// What "at once" means here: far below [`LONG`], far above any honest delay.
const PROMPT: Duration = Duration::from_secs(5);

/// How long the server waits to see whether the client sends more, or closes.
const LISTEN: Duration = Duration::from_secs(3);

/// A greeting that skips login and advertises no extension at all.
const BARE_PREAUTH: &str = "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n";

pub fn cases() -> Vec<ScriptedCase> {
    vec![
        scripted_case!(hostile_starttls_ok_with_injected_plaintext_fails_and_sends_nothing),
        scripted_case!(hostile_starttls_refused_with_no_or_bad_fails_connect),
        scripted_case!(hostile_preauth_greeting_fails_a_starttls_connect),
        scripted_case!(hostile_capabilities_from_before_tls_are_discarded),
        scripted_case!(hostile_untrusted_certificate_is_the_same_tls_error_in_every_mode),
        scripted_case!(hostile_huge_literal_fails_without_allocating),
        scripted_case!(hostile_nesting_ten_thousand_deep_is_a_parse_error),
        scripted_case!(hostile_endless_line_fails_at_the_limit_and_the_client_stops_reading),
        scripted_case!(hostile_garbage_line_is_fatal),
        scripted_case!(hostile_one_broken_response_in_a_bulk_fetch_costs_only_itself),
        scripted_case!(hostile_unexpected_continuation_is_fatal),
        scripted_case!(hostile_unknown_tag_is_fatal_and_changes_nothing),
        scripted_case!(hostile_bye_in_the_middle_of_a_fetch),
        scripted_case!(hostile_bye_without_a_close_fails_every_call_at_once),
        scripted_case!(hostile_stalled_server_times_out_and_the_connection_recovers),
        scripted_case!(hostile_silent_server_fails_the_connection_at_the_first_timeout),
        scripted_case!(hostile_trickling_server_times_out_and_the_connection_stays_usable),
        scripted_case!(hostile_reset_in_the_middle_of_a_literal),
        scripted_case!(hostile_reset_in_the_middle_of_a_streamed_literal),
        scripted_case!(hostile_corrupt_deflate_stream_after_compress),
        scripted_case!(hostile_vanished_earlier_outside_the_requested_set_is_filtered),
        scripted_case!(hostile_move_without_move_or_uidplus_sends_nothing),
        scripted_case!(hostile_appendlimit_is_enforced_before_anything_is_sent),
        scripted_case!(hostile_without_literal_plus_the_literal_waits_for_the_continuation),
        scripted_case!(hostile_a_million_unsolicited_exists_keep_the_event_queue_bounded),
    ]
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Answers the client's `SELECT INBOX` with 3 messages.
fn answer_select(peer: &mut Peer) {
    let tag = peer.expect("SELECT INBOX");
    peer.send(&format!("* 3 EXISTS\r\n{tag} OK [READ-WRITE] ok\r\n"));
}

/// The server side of a fatal error: the client sends nothing more and closes the socket.
fn assert_client_closes(peer: &mut Peer) {
    let (rest, closed) = peer.rest_and_close(LISTEN);
    assert!(
        rest.is_empty(),
        "the client sent {:?} after the failure",
        String::from_utf8_lossy(&rest)
    );
    assert!(
        closed,
        "the client keeps the socket open after a fatal error"
    );
}

flavored! {
    /// [`scripted`] with [`BARE_PREAUTH`] and INBOX selected (3 messages); the script
    /// goes on after the SELECT. Events so far are drained.
    async fn selected(
        script: impl FnOnce(Peer) + Send + 'static,
    ) -> Result<(ImapConnection, ServerThread), Fail> {
        let (client, server) = aw!(scripted(BARE_PREAUTH, move |mut peer| {
            answer_select(&mut peer);
            script(peer);
        }))?;
        aw!(client.select("INBOX", T))?;
        aw!(client.drain_events());
        Ok((client, server))
    }
}

flavored! {
    /// The documented state after a fatal error: every call fails at once with
    /// `ConnectionFailed`, not after its timeout.
    async fn fails_promptly(client: &ImapConnection) -> TestResult {
        aw!(fails_promptly_with(client, |result| matches!(
            result,
            Err(Error::ConnectionFailed(_))
        )))
    }
}

flavored! {
    /// Two calls each fail at once (not after their timeout) with an error `expected` accepts.
    async fn fails_promptly_with(
        client: &ImapConnection,
        expected: fn(&Result<(), Error>) -> bool,
    ) -> TestResult {
        for _ in 0..2 {
            let started = Instant::now();
            let result = aw!(client.noop(LONG));
            ensure!(expected(&result), "a call after a fatal error: {result:?}");
            ensure!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
        }
        Ok(())
    }
}

/// A connection reset by the peer, as the socket reported it.
fn is_reset(error: &Error) -> bool {
    matches!(error, Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionReset)
}

/// The peak virtual memory of this process (`VmPeak`), in KiB; `None` off Linux.
fn vm_peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmPeak:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A self-signed certificate for 127.0.0.1: the server's rustls configuration and a client
/// configuration that trusts it.
fn pki() -> (Arc<rustls::ServerConfig>, Arc<ClientConfig>) {
    let provider = || Arc::new(rustls::crypto::ring::default_provider());
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("rcgen");
    let cert: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let server = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .expect("server certificate");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).expect("root");
    let client = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

// ---------------------------------------------------------------------------------------
// STARTTLS
// ---------------------------------------------------------------------------------------

flavored! {
    /// Serves `greeting` and `script`, connects with `TlsMode::StartTls`, which must fail, and
    /// checks the script; returns why `connect` failed.
    async fn starttls_refused(
        greeting: &str,
        script: impl FnOnce(Peer) + Send + 'static,
    ) -> Result<Error, Fail> {
        let (port, server) = serve(greeting, script);
        let connected = aw!(ImapConnection::connect(
            "127.0.0.1",
            port,
            TlsMode::StartTls,
            T
        ));
        // Dropped before the script is checked: a failed `connect` leaves nothing open.
        let error = match connected {
            Ok(_) => return Err(Fail::Fail("connect succeeded".into())),
            Err(error) => error,
        };
        aw!(server.finish())?;
        Ok(error)
    }
}

async fn hostile_starttls_ok_with_injected_plaintext_fails_and_sends_nothing() -> TestResult {
    let refused = aw!(starttls_refused(
        "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n",
        |mut peer| {
            let tag = peer.expect("STARTTLS");
            // An attacker appends a response, and the start of another, to the OK: one write.
            peer.send(&format!(
                "{tag} OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n* OK [ALERT] inj"
            ));
            // No TLS handshake over the injected bytes, no command in the clear.
            assert_client_closes(&mut peer);
        },
    ))?;
    // The STARTTLS call itself saw the violation, so it gets the cause.
    ensure!(
        matches!(
            refused,
            Error::Protocol(ProtocolViolation::PlaintextAfterStartTls)
        ) || matches!(
            refused.cause(),
            Error::Protocol(ProtocolViolation::PlaintextAfterStartTls)
        ),
        "{refused:?}"
    );
    ensure!(refused.is_fatal(), "{refused:?}");
    Ok(())
}

async fn hostile_starttls_refused_with_no_or_bad_fails_connect() -> TestResult {
    for answer in ["NO not now", "BAD what?"] {
        let refused = aw!(starttls_refused(
            "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n",
            move |mut peer| {
                let tag = peer.expect("STARTTLS");
                peer.send(&format!("{tag} {answer}\r\n"));
                // The client must not go on in plaintext: no LOGIN, nothing at all.
                assert_client_closes(&mut peer);
            },
        ))?;
        ensure!(
            matches!(
                (&refused, answer.starts_with("NO")),
                (Error::No { .. }, true) | (Error::Bad { .. }, false)
            ),
            "{answer}: {refused:?}"
        );
    }
    Ok(())
}

async fn hostile_preauth_greeting_fails_a_starttls_connect() -> TestResult {
    let refused = aw!(starttls_refused(
        "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome back\r\n",
        // Authenticated before any TLS: STARTTLS is not even sent (RFC 9051 §6.2.1).
        assert_client_closes_owned,
    ))?;
    ensure!(
        matches!(
            refused,
            Error::WrongState {
                command: "STARTTLS",
                state: SessionState::Authenticated
            }
        ),
        "{refused:?}"
    );
    Ok(())
}

async fn hostile_capabilities_from_before_tls_are_discarded() -> TestResult {
    let (server_config, client_config) = pki();
    let (port, server) = serve(
        "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN X-EVIL] ready\r\n",
        move |mut peer| {
            let tag = peer.expect("STARTTLS");
            // A capability code on the OK itself is still plaintext.
            peer.send(&format!(
                "{tag} OK [CAPABILITY IMAP4rev1 AUTH=PLAIN X-EVIL] Begin TLS\r\n"
            ));
            let tls = ServerConnection::new(server_config).expect("server connection");
            let mut tls = BufReader::new(StreamOwned::new(tls, peer.into_stream()));
            let mut line = String::new();
            tls.read_line(&mut line).expect("read over TLS");
            let tag = line
                .strip_suffix(" CAPABILITY\r\n")
                .unwrap_or_else(|| panic!("a CAPABILITY over TLS first: {line:?}"))
                .to_string();
            let answer =
                format!("* CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-256 IDLE\r\n{tag} OK done\r\n");
            tls.get_mut().write_all(answer.as_bytes()).expect("write");
            tls.get_mut().flush().expect("flush");
            line.clear();
            tls.read_line(&mut line).expect("read over TLS");
            let tag = line
                .strip_suffix(" NOOP\r\n")
                .unwrap_or_else(|| panic!("a NOOP: {line:?}"))
                .to_string();
            tls.get_mut()
                .write_all(format!("{tag} OK done\r\n").as_bytes())
                .expect("write");
            tls.get_mut().flush().expect("flush");
        },
    );
    let client = aw!(ImapConnection::connect_with_tls_config(
        "127.0.0.1",
        port,
        TlsMode::StartTls,
        client_config,
        T
    ))?;
    ensure!(client.is_tls());
    let caps: Vec<String> = client
        .capabilities()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    ensure!(
        caps == ["IMAP4rev1", "AUTH=SCRAM-SHA-256", "IDLE"],
        "only the capabilities sent over TLS: {caps:?}"
    );
    aw!(client.noop(T))?;
    aw!(server.finish())
}

/// How a scripted TLS server with a self-signed certificate is reached.
#[derive(Debug, Clone, Copy)]
enum UntrustedTls {
    /// `TlsMode::Implicit`: TLS from the first byte.
    Implicit,
    /// `TlsMode::StartTls`: STARTTLS inside `connect`.
    StartTls,
    /// `TlsMode::Plain`, then the connection's `starttls()`.
    PlainThenStartTls,
}

flavored! {
    /// Connects with the default roots (webpki) to a server whose self-signed certificate
    /// they do not trust; returns the error of the call that ran the handshake, and checks
    /// that the server saw the handshake fail.
    async fn untrusted_tls_error(how: UntrustedTls) -> Result<Error, Fail> {
        let (server_config, _) = pki();
        let greeting = match how {
            UntrustedTls::Implicit => "",
            _ => "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n",
        };
        let implicit = matches!(how, UntrustedTls::Implicit);
        let (port, server) = serve(greeting, move |mut peer| {
            if !implicit {
                let tag = peer.expect("STARTTLS");
                peer.send(&format!("{tag} OK Begin TLS\r\n"));
            }
            let tls = ServerConnection::new(server_config).expect("server connection");
            let mut tls = StreamOwned::new(tls, peer.into_stream());
            // Writing drives the handshake first; the client's alert ends it.
            let greeted = tls
                .write_all(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
                .and_then(|()| tls.flush());
            assert!(greeted.is_err(), "the client accepted an untrusted certificate");
        });
        let mode = match how {
            UntrustedTls::Implicit => TlsMode::Implicit,
            UntrustedTls::StartTls => TlsMode::StartTls,
            UntrustedTls::PlainThenStartTls => TlsMode::Plain,
        };
        let connected = aw!(ImapConnection::connect("127.0.0.1", port, mode, T));
        let error = match (how, connected) {
            (UntrustedTls::PlainThenStartTls, Ok(client)) => {
                let error = match aw!(client.starttls(T)) {
                    Ok(()) => return Err(Fail::Fail("starttls() succeeded".into())),
                    Err(error) => error,
                };
                // Fatal, and said so: later calls fail at once with the same cause inside.
                aw!(fails_promptly(&client))?;
                let later = aw!(client.noop(T));
                let same_cause = match (&later, &error) {
                    (Err(Error::ConnectionFailed(cause)), Error::Tls(first)) => {
                        matches!(&**cause, Error::Tls(tls) if tls == first)
                    }
                    _ => false,
                };
                ensure!(same_cause, "{later:?} after {error:?}");
                error
            }
            (UntrustedTls::PlainThenStartTls, Err(error)) => {
                return Err(Fail::Fail(format!("plaintext connect failed: {error:?}")));
            }
            (_, Ok(_)) => return Err(Fail::Fail("connect succeeded".into())),
            (_, Err(error)) => error,
        };
        aw!(server.finish())?;
        Ok(error)
    }
}

async fn hostile_untrusted_certificate_is_the_same_tls_error_in_every_mode() -> TestResult {
    let implicit = aw!(untrusted_tls_error(UntrustedTls::Implicit))?;
    let starttls = aw!(untrusted_tls_error(UntrustedTls::StartTls))?;
    let explicit = aw!(untrusted_tls_error(UntrustedTls::PlainThenStartTls))?;
    for error in [&implicit, &starttls, &explicit] {
        ensure!(
            matches!(
                error,
                Error::Tls(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer
                ))
            ),
            "{error:?}"
        );
        ensure!(error.is_fatal(), "{error:?}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Framing limits
// ---------------------------------------------------------------------------------------

async fn hostile_huge_literal_fails_without_allocating() -> TestResult {
    let (client, server) = aw!(selected(|mut peer| {
        let _ = peer.expect("FETCH 1 (BODY.PEEK[])");
        peer.send("* 1 FETCH (BODY[] {4000000000}\r\n");
        peer.send_bytes(&[b'a'; 1000]);
        assert_client_closes(&mut peer);
    }))?;
    let peak_before = vm_peak_kib();
    let started = Instant::now();
    let one: SequenceSet = "1".parse()?;
    let fetched = aw!(client.fetch(&one, &[FetchAttr::whole_message_peek()], LONG));
    ensure!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    ensure!(
        matches!(
            fetched,
            Err(Error::Frame(FrameError::LiteralTooLarge {
                announced: 4_000_000_000,
                ..
            }))
        ),
        "{fetched:?}"
    );
    // Nothing near the 4 GB announced was reserved, even briefly.
    if let (Some(before), Some(after)) = (peak_before, vm_peak_kib()) {
        ensure!(
            after.saturating_sub(before) < 1024 * 1024,
            "VmPeak grew from {before} KiB to {after} KiB"
        );
    }
    aw!(fails_promptly(&client))?;
    aw!(server.finish())
}

async fn hostile_nesting_ten_thousand_deep_is_a_parse_error() -> TestResult {
    const DEPTH: usize = 10_000;
    let (client, server) = aw!(selected(|mut peer| {
        let tag = peer.expect("FETCH 1 (BODYSTRUCTURE)");
        let body = format!(
            "{}\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1{}",
            "(".repeat(DEPTH),
            ")".repeat(DEPTH)
        );
        peer.send(&format!(
            "* 1 FETCH (BODYSTRUCTURE {body})\r\n{tag} OK done\r\n"
        ));
        assert_client_closes(&mut peer);
    }))?;
    let one: SequenceSet = "1".parse()?;
    let fetched = aw!(client.fetch(&one, &[FetchAttr::BodyStructure], LONG));
    ensure!(
        matches!(fetched, Err(Error::Parse(ref e)) if e.kind == ParseErrorKind::TooDeep),
        "{fetched:?}"
    );
    aw!(fails_promptly(&client))?;
    aw!(server.finish())
}

async fn hostile_endless_line_fails_at_the_limit_and_the_client_stops_reading() -> TestResult {
    // Up to 64 MiB without a line end; the client must give up at 8 MiB.
    const FLOOD: usize = 64 * 1024 * 1024;
    // The adapters use the default limits (8 MiB).
    let limit = Limits::default().max_line_length;
    let (client, server) = aw!(scripted(PREAUTH, move |mut peer| {
        let _ = peer.expect("NOOP");
        peer.send("* OK ");
        let (written, stopped) = peer.flood(&[b'z'; 64 * 1024], FLOOD, Duration::from_secs(1));
        // The client stopped reading (a reset, or a write that stalls) once the line passed
        // the limit: what it took is the limit plus what the socket buffers hold.
        assert!(
            stopped.is_some() && written < limit + 24 * 1024 * 1024,
            "{written} bytes written, stopped by {stopped:?}"
        );
        assert_client_closes(&mut peer);
    }))?;
    aw!(client.drain_events());
    let noop = aw!(client.noop(LONG));
    ensure!(
        matches!(
            noop,
            // Failed by the read that crossed the limit (reads are at most 64 KiB).
            Err(Error::Frame(FrameError::LineTooLong { limit: l, observed }))
                if l == limit && observed > limit && observed <= limit + 64 * 1024
        ),
        "{noop:?}"
    );
    aw!(fails_promptly(&client))?;
    aw!(server.finish())
}

// ---------------------------------------------------------------------------------------
// Unparsable and unexpected responses
// ---------------------------------------------------------------------------------------

async fn hostile_garbage_line_is_fatal() -> TestResult {
    for garbage in ["garbage", "*", "A0001"] {
        let (client, server) = aw!(scripted(PREAUTH, move |mut peer| {
            let tag = peer.expect("NOOP");
            peer.send(&format!(
                "* 1 EXISTS\r\n{garbage}\r\n* 2 EXISTS\r\n{tag} OK done\r\n"
            ));
            assert_client_closes(&mut peer);
        }))?;
        aw!(client.drain_events());
        let noop = aw!(client.noop(LONG));
        ensure!(
            matches!(noop, Err(Error::Parse(_))),
            "{garbage:?}: {noop:?}"
        );
        // What came before the garbage was delivered; nothing after it.
        let events = aw!(client.drain_events());
        ensure!(events == [TypedEvent::Exists(1)], "{garbage:?}: {events:?}");
        aw!(fails_promptly(&client))?;
        aw!(server.finish())?;
    }
    Ok(())
}

/// Issue 12, item 4: a UID FETCH of 10,000 messages where one BODYSTRUCTURE breaks the
/// grammar (framing intact) returns the 9,999 others plus an entry for the broken one, the
/// untagged garbage after it is an event, and the session then answers NOOP.
async fn hostile_one_broken_response_in_a_bulk_fetch_costs_only_itself() -> TestResult {
    const MESSAGES: u32 = 10_000;
    const BROKEN: u32 = 4711;
    let (client, server) = aw!(scripted(BARE_PREAUTH, |mut peer| {
        let select = peer.expect("SELECT INBOX");
        peer.send(&format!(
            "* {MESSAGES} EXISTS\r\n{select} OK [READ-WRITE] done\r\n"
        ));
        let line = peer.line();
        let (fetch, command) = line.split_once(' ').expect("a tagged command");
        assert!(command.starts_with("UID FETCH 1:* "), "{line:?}");
        let mut wire = String::new();
        for seq in 1..=MESSAGES {
            // An unterminated quoted string in one parameter list.
            let charset = if seq == BROKEN {
                "\"us-ascii"
            } else {
                "\"us-ascii\""
            };
            wire.push_str(&format!(
                "* {seq} FETCH (UID {} BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" {charset}) \
                 NIL NIL \"7bit\" 12 1) FLAGS (\\Seen))\r\n",
                seq + 100
            ));
        }
        wire.push_str(&format!("* FLAGS (\\Seen \"x)\r\n{fetch} OK done\r\n"));
        peer.send(&wire);
        let noop = peer.expect("NOOP");
        peer.send(&format!("{noop} OK still here\r\n"));
    }))?;
    aw!(client.select("INBOX", LONG))?;
    aw!(client.drain_events());
    let all = SequenceSet::range_from(1)?;
    let found = aw!(client.uid_fetch(
        &all,
        &[FetchAttr::Uid, FetchAttr::BodyStructure, FetchAttr::Flags],
        LONG
    ))?;
    ensure!(found.len() == MESSAGES as usize, "{}", found.len());
    let broken: Vec<_> = found.iter().filter(|f| f.unparsed().is_some()).collect();
    ensure!(broken.len() == 1, "{broken:?}");
    ensure!(broken[0].seq == BROKEN && broken[0].uid() == Some(BROKEN + 100));
    ensure!(
        found
            .iter()
            .filter(|f| f.seq != BROKEN)
            .all(|f| f.body_structure().is_some() && f.uid() == Some(f.seq + 100))
    );
    let events = aw!(client.drain_events());
    ensure!(
        matches!(events.as_slice(), [TypedEvent::Unparsed(u)] if u.raw.starts_with(b"* FLAGS")),
        "{events:?}"
    );
    aw!(client.noop(T))?;
    aw!(server.finish())
}

async fn hostile_unexpected_continuation_is_fatal() -> TestResult {
    // With a command in flight that asked for nothing.
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let tag = peer.expect("NOOP");
        peer.send(&format!("+ go ahead\r\n{tag} OK done\r\n"));
        assert_client_closes(&mut peer);
    }))?;
    let noop = aw!(client.noop(LONG));
    ensure!(
        matches!(noop, Err(Error::ConnectionFailed(ref cause))
            if matches!(**cause, Error::Protocol(ProtocolViolation::UnexpectedContinuation))),
        "{noop:?}"
    );
    aw!(fails_promptly(&client))?;
    aw!(server.finish())?;

    // With nothing in flight, right after the greeting.
    let (port, server) = serve(
        "* OK [CAPABILITY IMAP4rev1] hi\r\n+ go ahead\r\n",
        assert_client_closes_owned,
    );
    let client = aw!(ImapConnection::connect(
        "127.0.0.1",
        port,
        TlsMode::Plain,
        T
    ))?;
    let noop = aw!(client.noop(LONG));
    ensure!(
        matches!(noop, Err(Error::ConnectionFailed(ref cause))
            if matches!(**cause, Error::Protocol(ProtocolViolation::UnexpectedContinuation))),
        "{noop:?}"
    );
    aw!(fails_promptly(&client))?;
    aw!(server.finish())
}

/// [`assert_client_closes`] as a whole script.
fn assert_client_closes_owned(mut peer: Peer) {
    assert_client_closes(&mut peer);
}

async fn hostile_unknown_tag_is_fatal_and_changes_nothing() -> TestResult {
    for stray in ["XYZ OK [CAPABILITY IMAP4rev1 AUTH=EVIL] hi", "a0001 OK"] {
        let (client, server) = aw!(scripted(
            "* OK [CAPABILITY IMAP4rev1] hi\r\n",
            move |mut peer| {
                let tag = peer.expect("NOOP");
                peer.send(&format!("{stray}\r\n{tag} OK done\r\n"));
                assert_client_closes(&mut peer);
            }
        ))?;
        let noop = aw!(client.noop(LONG));
        ensure!(
            matches!(noop, Err(Error::ConnectionFailed(ref cause))
                if matches!(**cause, Error::Protocol(ProtocolViolation::UnknownTag(_)))),
            "{stray:?}: {noop:?}"
        );
        // The stray response's code was not applied.
        let caps: Vec<String> = client
            .capabilities()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        ensure!(caps == ["IMAP4rev1"], "{caps:?}");
        aw!(fails_promptly(&client))?;
        aw!(server.finish())?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// BYE, stalls, resets
// ---------------------------------------------------------------------------------------

async fn hostile_bye_in_the_middle_of_a_fetch() -> TestResult {
    let (client, server) = aw!(selected(|mut peer| {
        let _ = peer.expect("FETCH 1:3 (FLAGS)");
        peer.send("* 1 FETCH (FLAGS (\\Seen))\r\n* BYE [UNAVAILABLE] shutting down\r\n");
        // The server closes (dropping `peer`).
    }))?;
    let some: SequenceSet = "1:3".parse()?;
    let started = Instant::now();
    let fetched = aw!(client.fetch(&some, &[FetchAttr::Flags], LONG));
    ensure!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    ensure!(
        matches!(fetched, Err(Error::Bye { ref text, .. }) if text == "shutting down"),
        "{fetched:?}"
    );
    ensure!(client.session_state() == SessionState::Logout);
    let events = aw!(client.drain_events());
    ensure!(
        events.iter().any(|e| matches!(e, TypedEvent::Bye(_))),
        "the BYE is also an event: {events:?}"
    );
    aw!(fails_with_the_bye_promptly(&client))?;
    aw!(server.finish())
}

flavored! {
    /// After a `* BYE`: every call fails at once with the BYE (before the server closed)
    /// or with `ConnectionFailed` carrying it (after).
    async fn fails_with_the_bye_promptly(client: &ImapConnection) -> TestResult {
        aw!(fails_promptly_with(client, |result| match result {
            Err(Error::Bye { .. }) => true,
            Err(Error::ConnectionFailed(cause)) => matches!(**cause, Error::Bye { .. }),
            _ => false,
        }))
    }
}

/// Issue 12, item 2: a server that sends `* BYE` and keeps the socket open. The call in
/// flight, and every later one, fail at once with the BYE instead of waiting for the close
/// (before: the FETCH waited until the server closed, here 3 s). The client still reads
/// until the server closes.
async fn hostile_bye_without_a_close_fails_every_call_at_once() -> TestResult {
    const HOLD: Duration = Duration::from_secs(3);
    let (client, server) = aw!(selected(|mut peer| {
        let _ = peer.expect("FETCH 1:3 (FLAGS)");
        peer.send("* 1 FETCH (FLAGS (\\Seen))\r\n* BYE Autologout; idle for too long\r\n");
        thread::sleep(HOLD);
        peer.send("* BYE Autologout; idle for too long\r\n");
    }))?;
    let some: SequenceSet = "1:3".parse()?;
    let started = Instant::now();
    let fetched = aw!(client.fetch(&some, &[FetchAttr::Flags], LONG));
    let fetch_took = started.elapsed();
    let started = Instant::now();
    let noop = aw!(client.noop(LONG));
    let noop_took = started.elapsed();
    println!("    elapsed: fetch in flight at the BYE {fetch_took:?}, NOOP after it {noop_took:?}");
    ensure!(
        matches!(&fetched, Err(Error::Bye { text, .. }) if text.starts_with("Autologout")),
        "{fetched:?}"
    );
    ensure!(matches!(noop, Err(Error::Bye { .. })), "{noop:?}");
    ensure!(
        fetch_took < HOLD && noop_took < HOLD,
        "{fetch_took:?} {noop_took:?}"
    );
    aw!(server.finish())
}

async fn hostile_stalled_server_times_out_and_the_connection_recovers() -> TestResult {
    let (client, server) = aw!(selected(|mut peer| {
        let first = peer.expect("NOOP");
        // Half a response, then silence until the client gave up and sent its next command.
        peer.send("* 1 EXI");
        let second = peer.expect("NOOP");
        peer.send(&format!("STS\r\n{first} OK late\r\n{second} OK done\r\n"));
    }))?;
    let started = Instant::now();
    let stalled = aw!(client.noop(Duration::from_millis(300)));
    ensure_err!(stalled, Error::Timeout);
    ensure!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    // Documented: the command stays in the core and the connection stays usable.
    ensure!(client.session_state() == SessionState::Selected);
    aw!(client.noop(T))?;
    let events = aw!(client.drain_events());
    ensure!(events.contains(&TypedEvent::Exists(1)), "{events:?}");
    aw!(server.finish())
}

/// The timeout of the calls in the two timeout-rule cases below (issue 12, item 1).
const SHORT: Duration = Duration::from_secs(1);

flavored! {
    /// `select(SHORT)` then `noop(SHORT)` twice, each with its elapsed time, printed before
    /// anything is checked (so a failing run still shows them).
    async fn select_then_two_noops(
        client: &ImapConnection,
    ) -> (Vec<Result<(), Error>>, Vec<Duration>) {
        let started = Instant::now();
        let mut results = vec![aw!(client.select("INBOX", SHORT)).map(drop)];
        let mut took = vec![started.elapsed()];
        for _ in 0..2 {
            let started = Instant::now();
            results.push(aw!(client.noop(SHORT)));
            took.push(started.elapsed());
        }
        println!("    elapsed: select {:?}, noop {:?}, noop {:?}", took[0], took[1], took[2]);
        (results, took)
    }
}

/// Issue 12, item 1: a server that stops answering. The call that times out finds that
/// nothing arrived since its command went out: the peer is presumed dead, the call fails
/// with the fatal `PeerUnresponsive`, the client closes the socket, and every later call
/// fails at once (before: every call waited its full timeout).
async fn hostile_silent_server_fails_the_connection_at_the_first_timeout() -> TestResult {
    let (client, server) = aw!(scripted(BARE_PREAUTH, |mut peer| {
        let _ = peer.expect("SELECT INBOX");
        assert_client_closes(&mut peer);
    }))?;
    let (results, took) = aw!(select_then_two_noops(&client));
    ensure_err!(&results[0], Error::PeerUnresponsive);
    ensure!(results[0].as_ref().is_err_and(Error::is_fatal));
    for (result, took) in results[1..].iter().zip(&took[1..]) {
        ensure!(
            matches!(result, Err(Error::ConnectionFailed(cause))
                if matches!(**cause, Error::PeerUnresponsive)),
            "{result:?}"
        );
        // Failed at once, not at its own timeout.
        ensure!(*took < SHORT, "took {took:?}");
    }
    aw!(server.finish())
}

/// Issue 12, item 1, the other half: a server that keeps trickling bytes (here one
/// untagged response every 100 ms) but answers late. The call times out with the non-fatal
/// `Timeout`, the connection stays usable, and the next calls get their answers.
async fn hostile_trickling_server_times_out_and_the_connection_stays_usable() -> TestResult {
    let (client, server) = aw!(scripted(BARE_PREAUTH, |mut peer| {
        let select = peer.expect("SELECT INBOX");
        for _ in 0..15 {
            peer.send("* 3 EXISTS\r\n");
            thread::sleep(Duration::from_millis(100));
        }
        peer.send(&format!("{select} OK [READ-WRITE] late\r\n"));
        for _ in 0..2 {
            let noop = peer.expect("NOOP");
            peer.send(&format!("{noop} OK done\r\n"));
        }
    }))?;
    let (results, _) = aw!(select_then_two_noops(&client));
    ensure_err!(&results[0], Error::Timeout);
    ensure!(!results[0].as_ref().is_err_and(Error::is_fatal));
    for result in &results[1..] {
        ensure!(result.is_ok(), "{result:?}");
    }
    // The late SELECT completion was read: its state change took effect.
    ensure!(client.session_state() == SessionState::Selected);
    aw!(server.finish())
}

async fn hostile_reset_in_the_middle_of_a_literal() -> TestResult {
    let (client, server) = aw!(selected(|mut peer| {
        let _ = peer.expect("FETCH 1 (BODY.PEEK[])");
        peer.send("* 1 FETCH (FLAGS () BODY[] {100}\r\n0123456789");
        // Let the client take the first bytes of the literal, then reset.
        thread::sleep(Duration::from_millis(200));
        peer.reset();
    }))?;
    let one: SequenceSet = "1".parse()?;
    let started = Instant::now();
    let fetched = aw!(client.fetch(&one, &[FetchAttr::whole_message_peek()], LONG));
    ensure!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    // The socket error itself, not a bare "closed".
    ensure!(matches!(fetched, Err(ref e) if is_reset(e)), "{fetched:?}");
    // Nothing partial was delivered.
    let events = aw!(client.drain_events());
    ensure!(
        !events.iter().any(|e| matches!(e, TypedEvent::Fetch(_))),
        "{events:?}"
    );
    aw!(fails_promptly(&client))?;
    aw!(server.finish())
}

async fn hostile_reset_in_the_middle_of_a_streamed_literal() -> TestResult {
    // Above the 1 MiB streaming threshold: the literal is handed out in chunks as it comes,
    // and then the connection resets.
    const SENT: usize = 256 * 1024;
    let (client, server) = aw!(selected(|mut peer| {
        let _ = peer.expect("FETCH 1 (BODY.PEEK[])");
        peer.send("* 1 FETCH (BODY[] {4000000}\r\n");
        peer.send_bytes(&[b'm'; SENT]);
        thread::sleep(Duration::from_millis(200));
        peer.reset();
    }))?;
    let one: SequenceSet = "1".parse()?;
    let (tx, mut rx) = fetch_channel(4);
    let items = [FetchAttr::whole_message_peek()];
    let started = Instant::now();
    let streaming = async { aw!(client.fetch_streaming(&one, &items, tx, LONG)) };
    let reading = async move {
        let mut outcomes = Vec::new();
        while let Some(item) = aw!(rx.recv()) {
            outcomes.push(item.map(|_| ()));
        }
        outcomes
    };
    let (streamed, outcomes) = aw!(join2(streaming, reading));
    ensure!(started.elapsed() < PROMPT, "took {:?}", started.elapsed());
    ensure!(
        matches!(streamed, Err(ref e) if is_reset(e)),
        "{streamed:?}"
    );
    // The channel's reader learns of the failure too, as its last item.
    ensure!(
        matches!(outcomes.last(), Some(Err(e)) if is_reset(e)),
        "{outcomes:?}"
    );
    aw!(fails_promptly(&client))?;
    aw!(server.finish())
}

// ---------------------------------------------------------------------------------------
// COMPRESS
// ---------------------------------------------------------------------------------------

async fn hostile_corrupt_deflate_stream_after_compress() -> TestResult {
    for same_write in [false, true] {
        let (client, server) = aw!(scripted(
            "* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] ready\r\n",
            move |mut peer| {
                let tag = peer.expect("COMPRESS DEFLATE");
                // 0xff: a reserved DEFLATE block type.
                if same_write {
                    let mut answer = format!("{tag} OK DEFLATE active\r\n").into_bytes();
                    answer.extend_from_slice(&[0xff; 4]);
                    peer.send_bytes(&answer);
                } else {
                    peer.send(&format!("{tag} OK DEFLATE active\r\n"));
                    // The client's compressed NOOP.
                    let _ = peer.read_once();
                    peer.send_bytes(&[0xff; 64]);
                }
                assert_client_closes(&mut peer);
            }
        ))?;
        let outcome = if same_write {
            aw!(client.compress(LONG))
        } else {
            aw!(client.compress(T))?;
            aw!(client.noop(LONG))
        };
        ensure!(
            matches!(outcome, Err(Error::Compression(_))),
            "same write {same_write}: {outcome:?}"
        );
        aw!(fails_promptly(&client))?;
        aw!(server.finish())?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Answers that do not match the question, requirements before bytes
// ---------------------------------------------------------------------------------------

async fn hostile_vanished_earlier_outside_the_requested_set_is_filtered() -> TestResult {
    let (client, server) = aw!(scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE QRESYNC ENABLE] hi\r\n",
        |mut peer| {
            let tag = peer.expect("ENABLE QRESYNC");
            peer.send(&format!("* ENABLED QRESYNC\r\n{tag} OK\r\n"));
            let tag = peer.expect("SELECT INBOX");
            peer.send(&format!("* 10 EXISTS\r\n{tag} OK [READ-WRITE] ok\r\n"));
            let tag = peer.expect("UID FETCH 100:200,7 (FLAGS) (CHANGEDSINCE 5 VANISHED)");
            peer.send(&format!(
                "* VANISHED (EARLIER) 1:4294967295\r\n* VANISHED (EARLIER) 8:99,201:300\r\n\
                 {tag} OK\r\n"
            ));
            let tag = peer.expect("NOOP");
            peer.send(&format!("{tag} OK done\r\n"));
        },
    ))?;
    aw!(client.enable(&["QRESYNC"], T))?;
    aw!(client.select("INBOX", T))?;
    aw!(client.drain_events());
    let set: SequenceSet = "100:200,7".parse()?;
    let (found, vanished) = aw!(client.uid_fetch_vanished(&set, &[FetchAttr::Flags], 5, T))?;
    ensure!(found.is_empty(), "{found:?}");
    ensure!(
        vanished == [UidRange::new(7, 7), UidRange::new(100, 200)],
        "{vanished:?}"
    );
    let events = aw!(client.drain_events());
    ensure!(events.is_empty(), "{events:?}");
    aw!(client.noop(T))?;
    aw!(server.finish())
}

async fn hostile_move_without_move_or_uidplus_sends_nothing() -> TestResult {
    let (client, server) = aw!(selected(|mut peer| {
        // The next command after the SELECT is the NOOP: no MOVE, COPY, STORE or EXPUNGE.
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK done\r\n"));
    }))?;
    let some: SequenceSet = "1:2".parse()?;
    ensure_err!(
        aw!(client.move_messages(&some, "Trash", T)),
        Error::MissingCapability(_)
    );
    ensure_err!(
        aw!(client.uid_move_messages(&some, "Trash", T)),
        Error::MissingCapability(_)
    );
    aw!(client.noop(T))?;
    aw!(server.finish())
}

async fn hostile_appendlimit_is_enforced_before_anything_is_sent() -> TestResult {
    let (client, server) = aw!(scripted(
        "* PREAUTH [CAPABILITY IMAP4rev1 APPENDLIMIT=10 MULTIAPPEND] hi\r\n",
        |mut peer| {
            // Nothing of either APPEND: the first command is the NOOP.
            let tag = peer.expect("NOOP");
            peer.send(&format!("{tag} OK done\r\n"));
        },
    ))?;
    ensure_err!(
        aw!(client.append("INBOX", &[], None, &[b'x'; 11], T)),
        Error::AppendLimitExceeded {
            size: 11,
            limit: 10
        }
    );
    let messages = [
        AppendMessage::new(&b"small"[..]),
        AppendMessage::new(vec![b'y'; 11]),
    ];
    ensure_err!(
        aw!(client.multi_append("INBOX", &messages, T)),
        Error::AppendLimitExceeded { .. }
    );
    aw!(client.noop(T))?;
    aw!(server.finish())
}

async fn hostile_without_literal_plus_the_literal_waits_for_the_continuation() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let line = peer.line();
        let tag = line
            .strip_suffix(" APPEND INBOX {5}")
            .unwrap_or_else(|| panic!("the APPEND header alone: {line:?}"))
            .to_string();
        // Not one byte of the literal before the `+`, even when unrelated data arrives.
        assert!(peer.quiet(Duration::from_millis(200)), "sent before the +");
        peer.send("* 4 EXISTS\r\n* OK still thinking\r\n");
        assert!(peer.quiet(Duration::from_millis(200)), "sent before the +");
        peer.send("+ go ahead\r\n");
        assert_eq!(peer.line(), "Hello");
        peer.send(&format!("{tag} OK APPEND done\r\n"));
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK done\r\n"));
    }))?;
    let appended = aw!(client.append("INBOX", &[], None, b"Hello", T))?;
    ensure!(appended.is_none(), "{appended:?}");
    aw!(client.noop(T))?;
    aw!(server.finish())
}

// ---------------------------------------------------------------------------------------
// Floods
// ---------------------------------------------------------------------------------------

async fn hostile_a_million_unsolicited_exists_keep_the_event_queue_bounded() -> TestResult {
    const FLOOD: u32 = 1_000_000;
    // The adapters use the default configuration: 10,000 events.
    let queue = Config::default().max_queued_events;
    let (client, server) = aw!(selected(|mut peer| {
        let tag = peer.expect("NOOP");
        let mut batch = String::with_capacity(64 * 1024);
        for n in 1..=FLOOD {
            batch.push_str(&format!("* {n} EXISTS\r\n"));
            if batch.len() >= 60 * 1024 {
                peer.send(&batch);
                batch.clear();
            }
        }
        batch.push_str(&format!("{tag} OK done\r\n"));
        peer.send(&batch);
        let tag = peer.expect("NOOP");
        peer.send(&format!("{tag} OK done\r\n"));
    }))?;
    // Nobody drains while the flood arrives.
    aw!(client.noop(LONG))?;
    let events = aw!(client.drain_events());
    ensure!(events.len() == queue + 1, "{} events kept", events.len());
    let dropped = match events.first() {
        Some(TypedEvent::EventsDropped(n)) => *n,
        other => return Err(Fail::Fail(format!("the loss is reported first: {other:?}"))),
    };
    ensure!(
        dropped == u64::from(FLOOD) - queue as u64,
        "{dropped} dropped"
    );
    // The newest are kept, in order.
    let kept: Vec<u32> = events[1..]
        .iter()
        .filter_map(|e| match e {
            TypedEvent::Exists(n) => Some(*n),
            _ => None,
        })
        .collect();
    let expected: Vec<u32> = (FLOOD - queue as u32 + 1..=FLOOD).collect();
    ensure!(
        kept == expected,
        "kept {} EXISTS, not the newest",
        kept.len()
    );
    aw!(client.noop(T))?;
    aw!(server.finish())
}
