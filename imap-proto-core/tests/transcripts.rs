//! Transcript tests: `S:`/`C:` scripts run against `Connection` alone. Every transcript is
//! run twice by [`support::transcript`], with the server's bytes fed whole and then one
//! byte at a time; the client bytes, results and events must be the same.
//!
//! Ops are submitted through `t.api()`, whose methods are generated from the crate's method
//! table (`for_each_imap_method!`), so each table entry's own op expression and result map
//! run here. `every_table_method_has_a_transcript` checks that each one is called.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use imap_proto_core::ops;
use imap_proto_core::types::{
    AppendMessage, Capability, ExpungeResult, FetchAttr, Flag, MailboxAttribute, MessageAttribute,
    NotifyEvent, NotifyEvents, NotifyFilter, NotifySetParams, QresyncParams, ResponseCode,
    SelectOptions, SequenceSet, StatusItem, StatusKind, StoreOperation, UidRange,
};
use imap_proto_core::types::{MailboxState, SyncDelta, SyncOptions, SyncStrategy, UidSet};
use imap_proto_core::{Config, Error, Precondition, ProtocolViolation, SessionState, TypedEvent};
use support::{Transcript, transcript, transcript_with};

fn set(text: &str) -> SequenceSet {
    text.parse().expect("valid sequence set")
}

/// `* PREAUTH` with these capabilities: the session starts Authenticated.
fn preauth(t: &mut Transcript, caps: &str) {
    t.s(&format!("* PREAUTH [CAPABILITY {caps}] ready"));
    assert_eq!(t.state(), SessionState::Authenticated);
    t.events();
}

/// PREAUTH, then `A0001 SELECT INBOX` with 3 messages: the next tag is A0002.
fn selected(t: &mut Transcript, caps: &str) {
    preauth(t, caps);
    let mut select = t.api().select("INBOX").unwrap();
    t.run(
        "C: A0001 SELECT INBOX
         S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
         S: * 3 EXISTS
         S: * OK [UIDVALIDITY 3857529045] UIDs valid
         S: * OK [UIDNEXT 4392] Predicted next UID
         S: A0001 OK [READ-WRITE] SELECT completed",
    );
    let mailbox = t.ok(&mut select);
    assert_eq!(mailbox.exists, 3);
    assert_eq!(t.state(), SessionState::Selected);
}

// ---------------------------------------------------------------------------------------
// Greeting, NOOP, CAPABILITY, ID, NAMESPACE, CHECK
// ---------------------------------------------------------------------------------------

#[test]
fn greeting_ok_sets_capabilities() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot ready.");
        assert!(t.conn.is_greeted());
        assert_eq!(t.state(), SessionState::NotAuthenticated);
        assert_eq!(t.caps(), ["IMAP4rev1", "LITERAL+", "AUTH=PLAIN"]);
    });
}

#[test]
fn nothing_can_be_submitted_before_the_greeting() {
    transcript(|t| {
        assert!(matches!(
            t.api().noop(),
            Err(Error::Precondition(Precondition::NotGreeted))
        ));
        t.run("C: -");
        t.run("S: * OK hello");
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0001 NOOP\nS: A0001 OK");
        t.ok(&mut noop);
    });
}

#[test]
fn greeting_preauth_is_authenticated() {
    transcript(|t| {
        t.run("S: * PREAUTH [CAPABILITY IMAP4rev1 IDLE] logged in as alice");
        assert_eq!(t.state(), SessionState::Authenticated);
        assert!(matches!(
            t.api().login("alice", "pw"),
            Err(Error::WrongState {
                command: "LOGIN",
                state: SessionState::Authenticated
            })
        ));
        let mut caps = t.api().capability().unwrap();
        t.run(
            "C: A0001 CAPABILITY
             S: * CAPABILITY IMAP4rev1 IDLE NAMESPACE
             S: A0001 OK done",
        );
        let caps = t.ok(&mut caps);
        assert_eq!(caps.len(), 3);
        assert_eq!(t.caps(), ["IMAP4rev1", "IDLE", "NAMESPACE"]);
    });
}

#[test]
fn greeting_bye_refuses_every_command() {
    transcript(|t| {
        t.run("S: * BYE [UNAVAILABLE] too many connections");
        assert_eq!(t.state(), SessionState::Logout);
        let events = t.events();
        assert!(matches!(events.as_slice(), [TypedEvent::Bye(s)] if s.kind == StatusKind::Bye));
        // Every command is refused with the server's reason (issue 12, item 2).
        assert!(
            matches!(t.api().noop(), Err(Error::Bye { text, .. }) if text == "too many connections")
        );
        assert!(matches!(t.api().capability(), Err(Error::Bye { .. })));
        t.run("C: -");
    });
}

#[test]
fn noop_delivers_unsolicited_data_as_events() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut noop = t.api().noop().unwrap();
        t.run(
            "C: A0002 NOOP
             S: * 4 EXISTS
             S: * 1 RECENT
             S: * 2 EXPUNGE
             S: * 1 FETCH (FLAGS (\\Seen))
             S: * OK [ALERT] System shutdown in 10 minutes
             S: * NO disk almost full
             S: A0002 OK NOOP completed",
        );
        t.ok(&mut noop);
        let events = t.events();
        assert_eq!(events.len(), 6, "{events:?}");
        assert_eq!(events[0], TypedEvent::Exists(4));
        assert_eq!(events[1], TypedEvent::Recent(1));
        assert_eq!(events[2], TypedEvent::Expunge(2));
        assert!(matches!(&events[3], TypedEvent::Fetch(f) if f.seq == 1));
        assert_eq!(
            events[4],
            TypedEvent::Alert("System shutdown in 10 minutes".into())
        );
        assert!(matches!(&events[5], TypedEvent::Status(s) if s.kind == StatusKind::No));
        // EXISTS 4, then one EXPUNGE: 3 messages.
        let mailbox = t.conn.session().selected().unwrap();
        assert_eq!((mailbox.exists, mailbox.recent), (3, 1));
    });
}

#[test]
fn unsolicited_data_between_commands_becomes_events() {
    transcript(|t| {
        selected(t, "IMAP4rev1 CONDSTORE");
        t.run(
            "S: * 5 EXISTS
             S: * 3 EXPUNGE
             S: * 2 FETCH (FLAGS (\\Deleted) MODSEQ (12))
             S: * FLAGS (\\Seen \\Deleted $Junk)
             S: * OK [ALERT] maintenance",
        );
        let events = t.events();
        assert_eq!(events[0], TypedEvent::Exists(5));
        assert_eq!(events[1], TypedEvent::Expunge(3));
        assert!(matches!(&events[2], TypedEvent::Fetch(f) if f.seq == 2));
        assert!(matches!(&events[3], TypedEvent::Flags(f) if f.len() == 3));
        assert_eq!(events[4], TypedEvent::Alert("maintenance".into()));
        let mailbox = t.conn.session().selected().unwrap();
        assert_eq!(mailbox.exists, 4);
        assert_eq!(mailbox.flags.len(), 3);
    });
}

#[test]
fn id_and_namespace() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ID NAMESPACE");
        let mut id = t
            .api()
            .id(&[("name", Some("imap-rs")), ("version", None)])
            .unwrap();
        t.run(
            "C: A0001 ID (\"name\" \"imap-rs\" \"version\" NIL)
             S: * ID (\"name\" \"Dovecot\" \"support-url\" NIL)
             S: A0001 OK ID completed",
        );
        assert_eq!(
            t.ok(&mut id),
            vec![
                ("name".to_string(), Some("Dovecot".to_string())),
                ("support-url".to_string(), None)
            ]
        );
        let mut ns = t.api().namespace().unwrap();
        t.run(
            "C: A0002 NAMESPACE
             S: * NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL
             S: A0002 OK done",
        );
        let ns = t.ok(&mut ns);
        assert_eq!(ns.personal.len(), 1);
        assert_eq!(ns.other_users.len(), 1);
        assert!(ns.shared.is_empty());
    });
}

#[test]
fn check_on_rev1() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut check = t.api().check().unwrap();
        t.run("C: A0002 CHECK\nS: A0002 OK CHECK completed");
        t.ok(&mut check);
    });
}

// ---------------------------------------------------------------------------------------
// LOGIN, AUTHENTICATE, UNAUTHENTICATE, LOGOUT
// ---------------------------------------------------------------------------------------

#[test]
fn login_refreshes_capabilities_when_the_ok_lacks_them() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS] ready");
        assert!(matches!(t.events().as_slice(), [TypedEvent::Status(_)]));
        let mut login = t.api().login("alice", "secret pw").unwrap();
        t.run(
            "C: A0001 LOGIN alice \"secret pw\"
             S: A0001 OK LOGIN completed
             C: A0002 CAPABILITY",
        );
        t.running(&mut login);
        assert_eq!(t.state(), SessionState::Authenticated);
        t.run(
            "S: * CAPABILITY IMAP4rev1 IDLE MOVE
             S: A0002 OK done",
        );
        t.ok(&mut login);
        assert_eq!(t.caps(), ["IMAP4rev1", "IDLE", "MOVE"]);
        assert!(t.events().is_empty());
    });
}

#[test]
fn login_with_capabilities_in_the_ok_needs_no_refresh() {
    transcript(|t| {
        t.run("S: * OK ready");
        let mut login = t.api().login("alice", "pw").unwrap();
        t.run(
            "C: A0001 LOGIN alice pw
             S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
        );
        t.ok(&mut login);
        t.run("C: -");
        assert_eq!(t.caps(), ["IMAP4rev1", "IDLE"]);
    });
}

#[test]
fn login_refused() {
    transcript(|t| {
        t.run("S: * OK ready");
        let mut login = t.api().login("alice", "wrong").unwrap();
        t.run(
            "C: A0001 LOGIN alice wrong
             S: A0001 NO [AUTHENTICATIONFAILED] Authentication failed.",
        );
        let err = t.err(&mut login);
        assert!(
            matches!(&err, Error::No { code: Some(ResponseCode::Simple(_)), text } if text == "Authentication failed."),
            "{err:?}"
        );
        assert_eq!(t.state(), SessionState::NotAuthenticated);
    });
}

#[test]
fn authenticate_plain_with_sasl_ir() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready");
        let mut auth = t.api().authenticate_plain("user", "pass").unwrap();
        t.run(
            "C: A0001 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==
             S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
        );
        t.ok(&mut auth);
        assert_eq!(t.state(), SessionState::Authenticated);
    });
}

#[test]
fn authenticate_plain_without_sasl_ir() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready");
        let mut auth = t.api().authenticate_plain("user", "pass").unwrap();
        t.run(
            "C: A0001 AUTHENTICATE PLAIN
             S: +
             C: AHVzZXIAcGFzcw==
             S: A0001 OK Logged in
             C: A0002 CAPABILITY
             S: * CAPABILITY IMAP4rev1 IDLE
             S: A0002 OK",
        );
        t.ok(&mut auth);
        assert_eq!(t.caps(), ["IMAP4rev1", "IDLE"]);
    });
}

/// A caller's server-first mechanism (the LOGIN mechanism's prompts): no initial response
/// even though SASL-IR is offered, each challenge decoded and answered in turn.
#[test]
fn authenticate_with_a_callers_mechanism() {
    #[derive(Debug)]
    struct Prompts(Vec<&'static [u8]>);
    impl imap_proto_core::sasl::Mechanism for Prompts {
        fn name(&self) -> &'static str {
            "LOGIN"
        }
        fn initial_response(&mut self) -> Option<Vec<u8>> {
            None
        }
        fn step(&mut self, _: &[u8]) -> Result<Vec<u8>, imap_proto_core::sasl::SaslError> {
            match self.0.is_empty() {
                true => Err(imap_proto_core::sasl::SaslError::UnexpectedChallenge),
                false => Ok(self.0.remove(0).to_vec()),
            }
        }
        fn finish(&mut self, _: Option<&[u8]>) -> Result<(), imap_proto_core::sasl::SaslError> {
            Ok(())
        }
    }
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=LOGIN] ready");
        let mechanism = Prompts(vec![b"user", b"pass"]);
        let mut auth = t.api().authenticate_with(mechanism).unwrap();
        t.run(
            "C: A0001 AUTHENTICATE LOGIN
             S: + VXNlcm5hbWU6
             C: dXNlcg==
             S: + UGFzc3dvcmQ6
             C: cGFzcw==
             S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
        );
        t.ok(&mut auth);
        assert_eq!(t.state(), SessionState::Authenticated);
    });
}

/// Dovecot's answer to a rejected OAuth token.
const OAUTH_ERROR: &str = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=";

#[test]
fn xoauth2_error_challenge_is_answered_then_no() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready");
        let mut auth = t
            .api()
            .authenticate_xoauth2("alice@example.com", "TOKEN")
            .unwrap();
        let initial = BASE64.encode(b"user=alice@example.com\x01auth=Bearer TOKEN\x01\x01");
        t.c(&format!("A0001 AUTHENTICATE XOAUTH2 {initial}"));
        t.s(&format!("+ {OAUTH_ERROR}"));
        // The error challenge is answered with an empty response.
        t.run(
            "C: 
             S: A0001 NO [AUTHENTICATIONFAILED] Authentication failed",
        );
        let err = t.err(&mut auth);
        match err {
            Error::No { text, .. } => {
                assert!(text.starts_with("Authentication failed"), "{text}");
                assert!(text.contains("\"status\":\"401\""), "{text}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(t.state(), SessionState::NotAuthenticated);
    });
}

#[test]
fn oauthbearer_error_challenge_without_sasl_ir() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 AUTH=OAUTHBEARER] ready");
        let mut auth = t
            .api()
            .authenticate_oauthbearer("alice@example.com", "TOKEN")
            .unwrap();
        t.run("C: A0001 AUTHENTICATE OAUTHBEARER\nS: +");
        let initial = BASE64.encode(b"n,a=alice@example.com,\x01auth=Bearer TOKEN\x01\x01");
        t.c(&initial);
        t.s(&format!("+ {OAUTH_ERROR}"));
        // RFC 7628 §3.2.3: the client answers the error with a single %x01.
        t.run(
            "C: AQ==
             S: A0001 NO [AUTHENTICATIONFAILED] Authentication failed",
        );
        assert!(matches!(t.err(&mut auth), Error::No { .. }));
    });
}

const SCRAM_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
const SCRAM_SERVER_FIRST: &str =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const SCRAM_CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SCRAM_SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

fn scram() -> Box<dyn imap_proto_core::sasl::Mechanism> {
    Box::new(imap_proto_core::sasl::ScramSha256::with_nonce("user", "pencil", SCRAM_NONCE).unwrap())
}

#[test]
fn scram_sha256_rfc7677_vectors() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] ready");
        let mut auth = t.submit(ops::auth::authenticate(scram())).unwrap();
        t.c(&format!(
            "A0001 AUTHENTICATE SCRAM-SHA-256 {}",
            BASE64.encode(format!("n,,n=user,r={SCRAM_NONCE}"))
        ));
        t.s(&format!("+ {}", BASE64.encode(SCRAM_SERVER_FIRST)));
        t.c(&BASE64.encode(SCRAM_CLIENT_FINAL));
        t.s(&format!("+ {}", BASE64.encode(SCRAM_SERVER_FINAL)));
        t.run(
            "C: 
             S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] Logged in",
        );
        t.ok(&mut auth);
        assert_eq!(t.state(), SessionState::Authenticated);
    });
}

#[test]
fn scram_sha256_without_sasl_ir() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-256] ready");
        let mut auth = t.submit(ops::auth::authenticate(scram())).unwrap();
        t.run("C: A0001 AUTHENTICATE SCRAM-SHA-256\nS: + ");
        t.c(&BASE64.encode(format!("n,,n=user,r={SCRAM_NONCE}")));
        t.s(&format!("+ {}", BASE64.encode(SCRAM_SERVER_FIRST)));
        t.c(&BASE64.encode(SCRAM_CLIENT_FINAL));
        t.s(&format!("+ {}", BASE64.encode(SCRAM_SERVER_FINAL)));
        t.run(
            "C: 
             S: A0001 OK [CAPABILITY IMAP4rev1] Logged in",
        );
        t.ok(&mut auth);
    });
}

#[test]
fn scram_sha256_bad_server_signature_cancels() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] ready");
        let mut auth = t.api().authenticate_scram_sha256("user", "pencil").unwrap();
        // The random nonce is unknown here; answer with a server-first that does not extend
        // it, which the client must refuse by cancelling with `*`.
        let sent = t.take_client();
        assert!(sent.starts_with(b"A0001 AUTHENTICATE SCRAM-SHA-256 "));
        t.s(&format!("+ {}", BASE64.encode(SCRAM_SERVER_FIRST)));
        t.run(
            "C: *
             S: A0001 BAD Authentication exchange cancelled",
        );
        assert!(matches!(
            t.err(&mut auth),
            Error::Sasl(imap_proto_core::sasl::SaslError::ServerNonceMismatch)
        ));
        assert_eq!(t.state(), SessionState::NotAuthenticated);
    });
}

#[test]
fn scram_ok_without_server_signature_is_an_error() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] ready");
        let mut auth = t.submit(ops::auth::authenticate(scram())).unwrap();
        t.take_client();
        t.s(&format!("+ {}", BASE64.encode(SCRAM_SERVER_FIRST)));
        t.c(&BASE64.encode(SCRAM_CLIENT_FINAL));
        // An impostor that does not know the password cannot prove it; it just says OK.
        t.s("A0001 OK [CAPABILITY IMAP4rev1] Logged in");
        assert!(matches!(t.err(&mut auth), Error::Sasl(_)));
        assert_ne!(t.state(), SessionState::Authenticated);
    });
}

#[test]
fn unauthenticate_clears_state_and_refreshes_capabilities() {
    transcript(|t| {
        preauth(
            t,
            "IMAP4rev1 ENABLE QRESYNC CONDSTORE UNAUTHENTICATE NOTIFY",
        );
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run(
            "C: A0001 ENABLE QRESYNC
             S: * ENABLED QRESYNC
             S: A0001 OK enabled",
        );
        assert_eq!(t.ok(&mut enable), ["QRESYNC"]);
        let mut notify = t.api().notify_none().unwrap();
        t.run("C: A0002 NOTIFY NONE\nS: A0002 OK");
        t.ok(&mut notify);
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0003 SELECT INBOX\nS: * 2 EXISTS\nS: A0003 OK [READ-WRITE] done");
        t.ok(&mut select);
        assert!(t.conn.session().is_enabled("QRESYNC"));
        let mut unauth = t.api().unauthenticate().unwrap();
        t.run(
            "C: A0004 UNAUTHENTICATE
             S: A0004 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] unauthenticated
             C: A0005 CAPABILITY
             S: * CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR
             S: A0005 OK",
        );
        t.ok(&mut unauth);
        assert_eq!(t.state(), SessionState::NotAuthenticated);
        let session = t.conn.session();
        assert!(session.selected().is_none());
        assert!(session.enabled().is_empty());
        assert!(!session.notify_active());
        assert_eq!(t.caps(), ["IMAP4rev1", "AUTH=PLAIN", "SASL-IR"]);
        // A new user can log in.
        let mut login = t.api().login("bob", "pw").unwrap();
        t.run("C: A0006 LOGIN bob pw\nS: A0006 OK [CAPABILITY IMAP4rev1] ok");
        t.ok(&mut login);
    });
}

#[test]
fn logout_requires_bye_then_ok() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut logout = t.submit(ops::session::logout()).unwrap();
        t.run(
            "C: A0001 LOGOUT
             S: * BYE IMAP4rev1 Server logging out
             S: A0001 OK LOGOUT completed",
        );
        t.ok(&mut logout);
        assert_eq!(t.state(), SessionState::Logout);
        assert!(t.events().is_empty(), "the BYE belongs to LOGOUT");
        t.conn.handle_eof();
        assert!(t.api().noop().is_err());
    });
}

#[test]
fn logout_ok_without_bye_is_an_error() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut logout = t.submit(ops::session::logout()).unwrap();
        t.run("C: A0001 LOGOUT\nS: A0001 OK LOGOUT completed");
        assert!(matches!(
            t.err(&mut logout),
            Error::Protocol(ProtocolViolation::LogoutWithoutBye)
        ));
        assert_eq!(t.state(), SessionState::Logout);
    });
}

// ---------------------------------------------------------------------------------------
// SELECT / EXAMINE (with CONDSTORE and QRESYNC), CLOSE, UNSELECT
// ---------------------------------------------------------------------------------------

#[test]
fn select_collects_the_mailbox_without_events() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 CONDSTORE OBJECTID");
        let mut select = t.api().select("INBOX").unwrap();
        t.run(
            "C: A0001 SELECT INBOX
             S: * 172 EXISTS
             S: * 1 RECENT
             S: * OK [UNSEEN 12] Message 12 is first unseen
             S: * OK [UIDVALIDITY 3857529045] UIDs valid
             S: * OK [UIDNEXT 4392] Predicted next UID
             S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
             S: * OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited
             S: * OK [HIGHESTMODSEQ 715194045007] Highest
             S: * OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Ok
             S: A0001 OK [READ-WRITE] SELECT completed",
        );
        let mailbox = t.ok(&mut select);
        assert_eq!(mailbox.name, "INBOX");
        assert!(!mailbox.read_only);
        assert_eq!((mailbox.exists, mailbox.recent), (172, 1));
        assert_eq!(mailbox.unseen, Some(12));
        assert_eq!(mailbox.uid_validity, Some(3857529045));
        assert_eq!(mailbox.uid_next, Some(4392));
        assert_eq!(mailbox.flags.len(), 5);
        assert_eq!(
            mailbox.permanent_flags,
            [Flag::Deleted, Flag::Seen, Flag::MayCreate]
        );
        assert_eq!(mailbox.highest_modseq, Some(715194045007));
        assert_eq!(
            mailbox.mailbox_id.as_deref(),
            Some(&b"F2212ea87-6097-4256-9d51-71338625"[..])
        );
        assert_eq!(t.conn.session().selected(), Some(&mailbox));
        assert_eq!(t.state(), SessionState::Selected);
        assert!(t.events().is_empty());
    });
}

#[test]
fn examine_is_read_only_and_alerts_still_surface() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 CONDSTORE");
        let mut examine = t.api().examine("Archive/2024").unwrap();
        t.run(
            "C: A0001 EXAMINE Archive/2024
             S: * 17 EXISTS
             S: * OK [ALERT] This mailbox is being migrated
             S: * OK [UIDVALIDITY 1] ok
             S: A0001 OK [READ-ONLY] EXAMINE completed",
        );
        let mailbox = t.ok(&mut examine);
        assert!(mailbox.read_only);
        assert_eq!(mailbox.name, "Archive/2024");
        assert_eq!(
            t.events(),
            [TypedEvent::Alert("This mailbox is being migrated".into())]
        );
        let mut with = t
            .api()
            .examine_with("INBOX", &SelectOptions::condstore())
            .unwrap();
        t.run(
            "C: A0002 EXAMINE INBOX (CONDSTORE)
             S: * OK [CLOSED] Previous mailbox closed
             S: * 3 EXISTS
             S: * OK [HIGHESTMODSEQ 90] ok
             S: A0002 OK [READ-ONLY] done",
        );
        let mailbox = t.ok(&mut with);
        assert_eq!((mailbox.exists, mailbox.highest_modseq), (3, Some(90)));
        assert_eq!(mailbox.name, "INBOX");
    });
}

#[test]
fn failed_select_leaves_no_mailbox_selected() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut select = t.api().select("Nope").unwrap();
        t.run(
            "C: A0002 SELECT Nope
             S: A0002 NO [NONEXISTENT] Mailbox doesn't exist",
        );
        assert!(matches!(t.err(&mut select), Error::No { .. }));
        assert_eq!(t.state(), SessionState::Authenticated);
        assert!(t.conn.session().selected().is_none());
    });
}

#[test]
fn select_qresync_collects_vanished_earlier_and_fetch() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE QRESYNC");
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run(
            "C: A0001 ENABLE QRESYNC
             S: * ENABLED QRESYNC
             S: A0001 OK",
        );
        assert_eq!(t.ok(&mut enable), ["QRESYNC"]);
        let params = QresyncParams::new(67890007, 20050715194045000)
            .with_known_uids(set("41,43:211,214:541"));
        let mut select = t
            .api()
            .select_with("INBOX", &SelectOptions::qresync(params))
            .unwrap();
        t.run(
            "C: A0002 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))
             S: * 314 EXISTS
             S: * 15 RECENT
             S: * OK [UIDVALIDITY 67890007] UIDVALIDITY
             S: * OK [UIDNEXT 567] Predicted next UID
             S: * OK [HIGHESTMODSEQ 20060115205545359] Highest mailbox mod-sequence
             S: * FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen)
             S: * VANISHED (EARLIER) 41,43:116,118,120:211,214:540
             S: * 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))
             S: * 50 FETCH (UID 119 FLAGS (\\Draft $MDNSent) MODSEQ (90060115194045308))
             S: A0002 OK [READ-WRITE] mailbox selected",
        );
        let mailbox = t.ok(&mut select);
        assert_eq!(mailbox.exists, 314);
        assert_eq!(mailbox.vanished.len(), 5);
        assert_eq!(mailbox.vanished[0], UidRange::new(41, 41));
        assert_eq!(mailbox.vanished[4], UidRange::new(214, 540));
        assert_eq!(mailbox.changed.len(), 2);
        assert_eq!(mailbox.changed[0].uid(), Some(117));
        assert!(t.events().is_empty());
    });
}

#[test]
fn close_and_unselect_return_to_authenticated() {
    transcript(|t| {
        selected(t, "IMAP4rev1 UNSELECT");
        let mut close = t.api().close().unwrap();
        t.run("C: A0002 CLOSE\nS: A0002 OK CLOSE completed");
        t.ok(&mut close);
        assert_eq!(t.state(), SessionState::Authenticated);
        assert!(t.conn.session().selected().is_none());
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0003 SELECT INBOX\nS: A0003 OK [READ-WRITE] ok");
        t.ok(&mut select);
        let mut unselect = t.api().unselect().unwrap();
        t.run("C: A0004 UNSELECT\nS: A0004 OK done");
        t.ok(&mut unselect);
        assert_eq!(t.state(), SessionState::Authenticated);
        assert!(t.conn.session().selected().is_none());
    });
}

// ---------------------------------------------------------------------------------------
// CREATE, DELETE, RENAME, SUBSCRIBE, LIST, LSUB, LIST-EXTENDED, LIST-STATUS, STATUS
// ---------------------------------------------------------------------------------------

#[test]
fn create_delete_rename_subscribe() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 CREATE-SPECIAL-USE OBJECTID");
        let mut create = t.api().create("Projects").unwrap();
        t.run("C: A0001 CREATE Projects\nS: A0001 OK CREATE completed");
        t.ok(&mut create);
        let mut with_id = t.api().create_with_mailbox_id("Projects/2025").unwrap();
        t.run(
            "C: A0002 CREATE Projects/2025
             S: A0002 OK [MAILBOXID (F6352ae03)] CREATE completed",
        );
        assert_eq!(t.ok(&mut with_id), Some("F6352ae03".to_string()));
        let mut special = t
            .api()
            .create_special_use("Spam", &[MailboxAttribute::Junk])
            .unwrap();
        t.run("C: A0003 CREATE Spam (USE (\\Junk))\nS: A0003 OK done");
        t.ok(&mut special);
        let mut special_id = t
            .api()
            .create_special_use_with_mailbox_id("Sent Items", &[MailboxAttribute::Sent])
            .unwrap();
        t.run(
            "C: A0004 CREATE \"Sent Items\" (USE (\\Sent))
             S: A0004 NO [USEATTR] \\Sent is already in use",
        );
        assert!(matches!(
            t.err(&mut special_id),
            Error::No {
                code: Some(ResponseCode::UseAttr),
                ..
            }
        ));
        let mut rename = t.api().rename("Projects", "Old Projects").unwrap();
        t.run("C: A0005 RENAME Projects \"Old Projects\"\nS: A0005 OK");
        t.ok(&mut rename);
        let mut sub = t.api().subscribe("Old Projects").unwrap();
        t.run("C: A0006 SUBSCRIBE \"Old Projects\"\nS: A0006 OK");
        t.ok(&mut sub);
        let mut unsub = t.api().unsubscribe("Old Projects").unwrap();
        t.run("C: A0007 UNSUBSCRIBE \"Old Projects\"\nS: A0007 OK");
        t.ok(&mut unsub);
        let mut delete = t.api().delete("Old Projects").unwrap();
        t.run("C: A0008 DELETE \"Old Projects\"\nS: A0008 OK");
        t.ok(&mut delete);
    });
}

#[test]
fn list_and_lsub() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut list = t.api().list("", "*").unwrap();
        t.run(
            "C: A0001 LIST \"\" *
             S: * LIST (\\HasNoChildren) \"/\" INBOX
             S: * LIST (\\HasChildren \\Noselect) \"/\" Archive
             S: * LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"
             S: A0001 OK LIST completed",
        );
        let boxes = t.ok(&mut list);
        assert_eq!(boxes.len(), 3);
        assert_eq!(boxes[2].mailbox.name(), "Sent Items");
        assert_eq!(boxes[0].delimiter, Some('/'));
        let mut lsub = t.api().lsub("", "%").unwrap();
        t.run(
            "C: A0002 LSUB \"\" %
             S: * LSUB () \"/\" INBOX
             S: A0002 OK LSUB completed",
        );
        let boxes = t.ok(&mut lsub);
        assert_eq!(boxes.len(), 1);
        assert!(t.events().is_empty());
    });
}

#[test]
fn list_extended_and_list_status() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 LIST-EXTENDED LIST-STATUS SPECIAL-USE");
        let mut ext = t
            .api()
            .list_extended("", &["INBOX", "Drafts"], &["SUBSCRIBED"], &["CHILDREN"])
            .unwrap();
        t.run(
            "C: A0001 LIST (SUBSCRIBED) \"\" (INBOX Drafts) RETURN (CHILDREN)
             S: * LIST (\\Subscribed \\HasNoChildren) \"/\" INBOX
             S: * LIST (\\Subscribed \\NonExistent) \"/\" Drafts (\"CHILDINFO\" (\"SUBSCRIBED\"))
             S: A0001 OK done",
        );
        let boxes = t.ok(&mut ext);
        assert_eq!(boxes.len(), 2);
        let mut with_status = t.api().list_status("", "%", "MESSAGES UNSEEN").unwrap();
        t.run(
            "C: A0002 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))
             S: * LIST () \".\" INBOX
             S: * STATUS INBOX (MESSAGES 17 UNSEEN 16)
             S: * LIST () \".\" foo
             S: * STATUS foo (MESSAGES 30 UNSEEN 29)
             S: * LIST (\\NoSelect) \".\" bar
             S: A0002 OK List completed.",
        );
        let pairs = t.ok(&mut with_status);
        assert_eq!(pairs.len(), 3);
        assert_eq!(
            pairs[0].1,
            [StatusItem::Messages(17), StatusItem::Unseen(16)]
        );
        assert_eq!(pairs[1].0.mailbox.name(), "foo");
        assert_eq!(
            pairs[1].1,
            [StatusItem::Messages(30), StatusItem::Unseen(29)]
        );
        assert!(pairs[2].1.is_empty());
        assert!(t.events().is_empty());
    });
}

#[test]
fn status_of_a_mailbox() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut status = t.api().status("blurdybloop", "(UIDNEXT MESSAGES)").unwrap();
        t.run(
            "C: A0001 STATUS blurdybloop (UIDNEXT MESSAGES)
             S: * STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)
             S: A0001 OK STATUS completed",
        );
        let result = t.ok(&mut status);
        assert_eq!(result.messages(), Some(231));
        assert_eq!(result.uid_next(), Some(44292));
        assert!(result.ambiguous.is_empty());
    });
}

#[test]
fn status_under_notify_keeps_ambiguous_responses() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 NOTIFY");
        let params = NotifySetParams::new().with_status().group(
            NotifyFilter::Personal,
            NotifyEvents::Events(vec![
                NotifyEvent::MessageNew { fetch: Vec::new() },
                NotifyEvent::MessageExpunge,
            ]),
        );
        let mut notify = t.api().notify_set(params).unwrap();
        t.run(
            "C: A0001 NOTIFY SET STATUS (personal (MessageNew MessageExpunge))
             S: * STATUS INBOX (MESSAGES 3 UIDNEXT 4)
             S: A0001 OK NOTIFY completed",
        );
        t.ok(&mut notify);
        assert!(t.conn.session().notify_active());
        assert!(matches!(
            t.events().as_slice(),
            [TypedEvent::MailboxStatus(_)]
        ));
        let mut status = t.api().status("INBOX", "MESSAGES UNSEEN").unwrap();
        t.run(
            "C: A0002 STATUS INBOX (MESSAGES UNSEEN)
             S: * STATUS INBOX (MESSAGES 4 UIDNEXT 5)
             S: * STATUS Other (MESSAGES 1)
             S: * STATUS inbox (MESSAGES 4 UNSEEN 2)
             S: A0002 OK STATUS completed",
        );
        let result = t.ok(&mut status);
        // The last same-mailbox STATUS is the answer; the earlier one is kept as ambiguous.
        assert_eq!(
            result.items,
            [StatusItem::Messages(4), StatusItem::Unseen(2)]
        );
        assert_eq!(result.ambiguous.len(), 1);
        // Another mailbox's notification is an event.
        assert!(
            matches!(t.events().as_slice(), [TypedEvent::MailboxStatus(s)] if s.mailbox.name() == "Other")
        );
        let mut none = t.api().notify_none().unwrap();
        t.run("C: A0003 NOTIFY NONE\nS: A0003 OK");
        t.ok(&mut none);
        assert!(!t.conn.session().notify_active());
    });
}

// ---------------------------------------------------------------------------------------
// FETCH, UID FETCH, CHANGEDSINCE, VANISHED
// ---------------------------------------------------------------------------------------

#[test]
fn fetch_by_sequence_number_with_a_body_literal() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut fetch = t
            .api()
            .fetch(
                &set("1:2"),
                &[FetchAttr::Flags, FetchAttr::whole_message_peek()],
            )
            .unwrap();
        t.run(
            "C: A0002 FETCH 1:2 (FLAGS BODY.PEEK[])
             S: * 1 FETCH (FLAGS (\\Seen) BODY[] {12}
             S+ Hello\\r\\nWorld
             S: )
             S: * 2 FETCH (FLAGS () BODY[] {0}
             S: )
             S: A0002 OK FETCH completed",
        );
        let found = t.ok(&mut fetch);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].seq, 1);
        assert!(
            found[0]
                .attributes
                .iter()
                .any(|a| a.section_data().map(|d| &d[..]) == Some(&b"Hello\r\nWorld"[..]))
        );
        assert!(t.events().is_empty());
    });
}

#[test]
fn uid_fetch_leaves_unrelated_flag_updates_as_events() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut fetch = t
            .api()
            .uid_fetch(&set("100:101"), &[FetchAttr::Flags])
            .unwrap();
        t.run(
            "C: A0002 UID FETCH 100:101 (FLAGS)
             S: * 1 FETCH (UID 100 FLAGS (\\Seen))
             S: * 3 FETCH (FLAGS (\\Deleted))
             S: * 2 FETCH (UID 101 FLAGS ())
             S: A0002 OK UID FETCH completed",
        );
        let found = t.ok(&mut fetch);
        assert_eq!(
            found.iter().map(|f| f.uid()).collect::<Vec<_>>(),
            [Some(100), Some(101)]
        );
        assert!(matches!(t.events().as_slice(), [TypedEvent::Fetch(f)] if f.seq == 3));
    });
}

#[test]
fn fetch_changed_since() {
    transcript(|t| {
        selected(t, "IMAP4rev1 CONDSTORE");
        let mut fetch = t
            .api()
            .fetch_changed_since(&set("1:*"), &[FetchAttr::Flags], 12345)
            .unwrap();
        t.run(
            "C: A0002 FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)
             S: * 1 FETCH (FLAGS (\\Seen) MODSEQ (12346))
             S: A0002 OK done",
        );
        let found = t.ok(&mut fetch);
        assert_eq!(found[0].modseq(), Some(12346));
        let mut uid_fetch = t
            .api()
            .uid_fetch_changed_since(&set("1:*"), &[FetchAttr::Flags], 12345)
            .unwrap();
        t.run(
            "C: A0003 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)
             S: * 2 FETCH (UID 7 FLAGS () MODSEQ (12350))
             S: A0003 OK done",
        );
        assert_eq!(t.ok(&mut uid_fetch).len(), 1);
    });
}

#[test]
fn uid_fetch_vanished_filters_uids_outside_the_set() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE QRESYNC");
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run("C: A0001 ENABLE QRESYNC\nS: * ENABLED QRESYNC\nS: A0001 OK");
        t.ok(&mut enable);
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0002 SELECT INBOX\nS: * 10 EXISTS\nS: A0002 OK [READ-WRITE] ok");
        t.ok(&mut select);
        let mut fetch = t
            .api()
            .uid_fetch_vanished(&set("300:310,405,411"), &[FetchAttr::Flags], 12345)
            .unwrap();
        t.run(
            "C: A0003 UID FETCH 300:310,405,411 (FLAGS) (CHANGEDSINCE 12345 VANISHED)
             S: * VANISHED (EARLIER) 1:299,300:305,307,309:312,405,500
             S: * 1 FETCH (UID 308 FLAGS (\\Seen) MODSEQ (12400))
             S: A0003 OK done",
        );
        let (found, vanished) = t.ok(&mut fetch);
        assert_eq!(found.len(), 1);
        assert_eq!(
            vanished,
            [
                UidRange::new(300, 305),
                UidRange::new(307, 307),
                UidRange::new(309, 310),
                UidRange::new(405, 405)
            ]
        );
        // VANISHED (EARLIER) does not change the message count.
        assert_eq!(t.conn.session().selected().unwrap().exists, 10);
        assert!(t.events().is_empty());
    });
}

// ---------------------------------------------------------------------------------------
// STORE, COPY, MOVE (native and fallback), EXPUNGE, UID EXPUNGE
// ---------------------------------------------------------------------------------------

#[test]
fn store_with_unchangedsince_reports_modified() {
    transcript(|t| {
        selected(t, "IMAP4rev1 CONDSTORE");
        let mut store = t
            .api()
            .store(
                &set("1:3"),
                StoreOperation::Add,
                &[Flag::Deleted, Flag::Recent],
                Some(320162338),
            )
            .unwrap();
        t.run(
            "C: A0002 STORE 1:3 (UNCHANGEDSINCE 320162338) +FLAGS (\\Deleted)
             S: * 1 FETCH (FLAGS (\\Deleted) MODSEQ (320162350))
             S: * 3 FETCH (FLAGS (\\Deleted) MODSEQ (320162351))
             S: A0002 OK [MODIFIED 2] Conditional STORE failed",
        );
        let result = t.ok(&mut store);
        assert_eq!(result.fetched.len(), 2);
        assert_eq!(result.modified, [UidRange::new(2, 2)]);
        let mut uid_store = t
            .api()
            .uid_store(
                &set("7"),
                StoreOperation::Replace.silent(),
                &[Flag::Seen],
                None,
            )
            .unwrap();
        t.run("C: A0003 UID STORE 7 FLAGS.SILENT (\\Seen)\nS: A0003 OK");
        let result = t.ok(&mut uid_store);
        assert!(result.fetched.is_empty() && result.modified.is_empty());
    });
}

#[test]
fn copy_and_uid_copy_return_copyuid() {
    transcript(|t| {
        selected(t, "IMAP4rev1 UIDPLUS");
        let mut copy = t.api().copy(&set("2:3"), "Archive").unwrap();
        t.run(
            "C: A0002 COPY 2:3 Archive
             S: A0002 OK [COPYUID 38505 304,319 3956:3957] Done",
        );
        let result = t.ok(&mut copy);
        let (validity, source, dest) = result.copy_uid().unwrap();
        assert_eq!(validity, 38505);
        assert_eq!(source, [UidRange::new(304, 304), UidRange::new(319, 319)]);
        assert_eq!(dest, [UidRange::new(3956, 3957)]);
        let mut uid_copy = t.api().uid_copy(&set("304"), "Trash").unwrap();
        t.run(
            "C: A0003 UID COPY 304 Trash
             S: A0003 NO [TRYCREATE] Mailbox doesn't exist",
        );
        assert!(matches!(
            t.err(&mut uid_copy),
            Error::No {
                code: Some(ResponseCode::TryCreate),
                ..
            }
        ));
    });
}

#[test]
fn native_move_collects_copyuid_and_expunges() {
    transcript(|t| {
        selected(t, "IMAP4rev1 MOVE UIDPLUS");
        let mut mv = t.api().move_messages(&set("2:3"), "Archive").unwrap();
        t.run(
            "C: A0002 MOVE 2:3 Archive
             S: * OK [COPYUID 432432 42:43 1000:1001] Moved UIDs.
             S: * 2 EXPUNGE
             S: * 2 EXPUNGE
             S: A0002 OK Move completed",
        );
        let result = t.ok(&mut mv);
        assert!(matches!(
            result.code,
            Some(ResponseCode::CopyUid {
                uid_validity: 432432,
                ..
            })
        ));
        assert_eq!(result.expunged, ExpungeResult::Expunged(vec![2, 2]));
        assert_eq!(t.conn.session().selected().unwrap().exists, 1);
        assert!(t.events().is_empty());
    });
}

#[test]
fn native_uid_move_with_qresync_returns_vanished() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE QRESYNC MOVE");
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run("C: A0001 ENABLE QRESYNC\nS: * ENABLED QRESYNC\nS: A0001 OK");
        t.ok(&mut enable);
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0002 SELECT INBOX\nS: * 5 EXISTS\nS: A0002 OK [READ-WRITE] ok");
        t.ok(&mut select);
        let mut mv = t.api().uid_move_messages(&set("42:43"), "Archive").unwrap();
        t.run(
            "C: A0003 UID MOVE 42:43 Archive
             S: * OK [COPYUID 432432 42:43 1000:1001] Moved UIDs.
             S: * VANISHED 42:43
             S: A0003 OK Move completed",
        );
        let result = t.ok(&mut mv);
        assert_eq!(
            result.expunged,
            ExpungeResult::Vanished(vec![UidRange::new(42, 43)])
        );
        assert_eq!(t.conn.session().selected().unwrap().exists, 3);
    });
}

/// The MOVE fallback must never send a plain EXPUNGE: it would also remove messages another
/// client marked `\Deleted` (RFC 6851 §4).
fn assert_no_plain_expunge(t: &Transcript) {
    let sent: Vec<&String> = t.log.iter().filter(|l| l.starts_with("C: ")).collect();
    assert!(sent.iter().any(|l| l.contains(" UID EXPUNGE ")), "{sent:?}");
    assert!(
        !sent.iter().any(|l| l.trim_end().ends_with(" EXPUNGE")),
        "{sent:?}"
    );
}

#[test]
fn uid_move_fallback_uses_uid_expunge_never_expunge() {
    transcript(|t| {
        selected(t, "IMAP4rev1 UIDPLUS");
        let mut mv = t
            .api()
            .uid_move_messages(&set("304,319"), "Archive")
            .unwrap();
        t.run(
            "C: A0002 UID COPY 304,319 Archive
             S: A0002 OK [COPYUID 38505 304,319 3956:3957] Done
             C: A0003 UID STORE 304,319 +FLAGS.SILENT (\\Deleted)
             S: A0003 OK Store completed
             C: A0004 UID EXPUNGE 304,319
             S: * 2 EXPUNGE
             S: * 2 EXPUNGE
             S: A0004 OK Expunge completed",
        );
        let result = t.ok(&mut mv);
        assert!(matches!(
            result.code,
            Some(ResponseCode::CopyUid {
                uid_validity: 38505,
                ..
            })
        ));
        assert_eq!(result.expunged, ExpungeResult::Expunged(vec![2, 2]));
        assert_eq!(t.conn.session().selected().unwrap().exists, 1);
    });
}

#[test]
fn sequence_move_fallback_fetches_uids_first() {
    transcript(|t| {
        selected(t, "IMAP4rev1 UIDPLUS");
        let mut mv = t.api().move_messages(&set("1,3"), "Archive").unwrap();
        t.run(
            "C: A0002 FETCH 1,3 (UID)
             S: * 1 FETCH (UID 17)
             S: * 3 FETCH (UID 25)
             S: A0002 OK Fetch completed
             C: A0003 UID COPY 17,25 Archive
             S: A0003 OK [COPYUID 9 17,25 1:2] Done
             C: A0004 UID STORE 17,25 +FLAGS.SILENT (\\Deleted)
             S: A0004 OK
             C: A0005 UID EXPUNGE 17,25
             S: * 3 EXPUNGE
             S: * 1 EXPUNGE
             S: A0005 OK",
        );
        let result = t.ok(&mut mv);
        assert_no_plain_expunge(t);
        assert_eq!(result.expunged, ExpungeResult::Expunged(vec![3, 1]));
        assert!(t.events().is_empty());
    });
}

#[test]
fn sequence_move_fallback_with_no_matching_message_sends_nothing_more() {
    transcript(|t| {
        selected(t, "IMAP4rev1 UIDPLUS");
        let mut mv = t.api().move_messages(&set("9"), "Archive").unwrap();
        t.run("C: A0002 FETCH 9 (UID)\nS: A0002 OK nothing there\nC: -");
        let result = t.ok(&mut mv);
        assert_eq!(result.code, None);
        assert_eq!(result.expunged, ExpungeResult::Expunged(Vec::new()));
    });
}

#[test]
fn vanished_filtering_is_skipped_for_a_saved_search_result() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE QRESYNC SEARCHRES");
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run("C: A0001 ENABLE QRESYNC\nS: * ENABLED QRESYNC\nS: A0001 OK");
        t.ok(&mut enable);
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0002 SELECT INBOX\nS: A0002 OK [READ-WRITE] ok");
        t.ok(&mut select);
        let mut fetch = t
            .api()
            .uid_fetch_vanished(&"$".parse().unwrap(), &[FetchAttr::Flags], 7)
            .unwrap();
        t.run(
            "C: A0003 UID FETCH $ (FLAGS) (CHANGEDSINCE 7 VANISHED)
             S: * VANISHED (EARLIER) 3:4,90
             S: A0003 OK",
        );
        let (_, vanished) = t.ok(&mut fetch);
        assert_eq!(vanished, [UidRange::new(3, 4), UidRange::new(90, 90)]);
    });
}

#[test]
fn move_fallback_stops_at_the_first_failure() {
    transcript(|t| {
        selected(t, "IMAP4rev1 UIDPLUS");
        let mut mv = t.api().uid_move_messages(&set("5"), "Gone").unwrap();
        t.run(
            "C: A0002 UID COPY 5 Gone
             S: A0002 NO [TRYCREATE] no such mailbox",
        );
        assert!(matches!(t.err(&mut mv), Error::No { .. }));
        // Nothing is flagged or expunged after a failed copy.
        t.run("C: -");
    });
}

#[test]
fn move_without_move_or_uidplus_is_refused_before_sending() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        assert!(matches!(
            t.api().uid_move_messages(&set("1"), "Archive"),
            Err(Error::MissingCapability(_))
        ));
        assert!(matches!(
            t.api().move_messages(&set("1"), "Archive"),
            Err(Error::MissingCapability(_))
        ));
        t.run("C: -");
    });
}

#[test]
fn expunge_and_uid_expunge() {
    transcript(|t| {
        selected(t, "IMAP4rev1 UIDPLUS");
        let mut expunge = t.api().expunge().unwrap();
        t.run(
            "C: A0002 EXPUNGE
             S: * 3 EXPUNGE
             S: * 1 EXPUNGE
             S: A0002 OK EXPUNGE completed",
        );
        assert_eq!(t.ok(&mut expunge), ExpungeResult::Expunged(vec![3, 1]));
        assert_eq!(t.conn.session().selected().unwrap().exists, 1);
        let mut uid_expunge = t.api().uid_expunge(&set("3000:3002")).unwrap();
        t.run(
            "C: A0003 UID EXPUNGE 3000:3002
             S: * 1 EXPUNGE
             S: A0003 OK UID EXPUNGE completed",
        );
        assert_eq!(t.ok(&mut uid_expunge), ExpungeResult::Expunged(vec![1]));
        assert_eq!(t.conn.session().selected().unwrap().exists, 0);
    });
}

#[test]
fn expunge_with_qresync_returns_vanished() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE QRESYNC UIDPLUS");
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run("C: A0001 ENABLE QRESYNC\nS: * ENABLED QRESYNC\nS: A0001 OK");
        t.ok(&mut enable);
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0002 SELECT INBOX\nS: * 10 EXISTS\nS: A0002 OK [READ-WRITE] ok");
        t.ok(&mut select);
        let mut expunge = t.api().expunge().unwrap();
        t.run(
            "C: A0003 EXPUNGE
             S: * VANISHED 405,407,410:412
             S: A0003 OK [HIGHESTMODSEQ 20010715194045319] expunged",
        );
        assert_eq!(
            t.ok(&mut expunge),
            ExpungeResult::Vanished(vec![
                UidRange::new(405, 405),
                UidRange::new(407, 407),
                UidRange::new(410, 412)
            ])
        );
        assert_eq!(t.conn.session().selected().unwrap().exists, 5);
        let mut uid_expunge = t.api().uid_expunge(&set("500")).unwrap();
        t.run(
            "C: A0004 UID EXPUNGE 500
             S: * VANISHED 500
             S: A0004 OK",
        );
        assert_eq!(
            t.ok(&mut uid_expunge),
            ExpungeResult::Vanished(vec![UidRange::new(500, 500)])
        );
        // Nothing removed: still the QRESYNC form.
        let mut nothing = t.api().expunge().unwrap();
        t.run("C: A0005 EXPUNGE\nS: A0005 OK");
        assert_eq!(t.ok(&mut nothing), ExpungeResult::Vanished(Vec::new()));
    });
}

// ---------------------------------------------------------------------------------------
// SEARCH, ESEARCH, SAVE, SORT, THREAD
// ---------------------------------------------------------------------------------------

#[test]
fn search_and_uid_search() {
    transcript(|t| {
        selected(t, "IMAP4rev1 CONDSTORE");
        let mut search = t.api().search("FLAGGED SINCE 1-Feb-1994").unwrap();
        t.run(
            "C: A0002 SEARCH FLAGGED SINCE 1-Feb-1994
             S: * SEARCH 2 84 882
             S: A0002 OK SEARCH completed",
        );
        let result = t.ok(&mut search);
        assert_eq!(result.ids, [2, 84, 882]);
        assert_eq!(result.modseq, None);
        let mut uid_search = t.api().uid_search("MODSEQ 620162338").unwrap();
        t.run(
            "C: A0003 UID SEARCH MODSEQ 620162338
             S: * SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)
             S: A0003 OK Search complete",
        );
        let result = t.ok(&mut uid_search);
        assert_eq!(result.ids.len(), 10);
        assert_eq!(result.modseq, Some(917162500));
        // An ESEARCH answer to a plain SEARCH is expanded.
        let mut search = t.api().uid_search("UNSEEN").unwrap();
        t.run(
            "C: A0004 UID SEARCH UNSEEN
             S: * ESEARCH (TAG \"A0004\") UID ALL 4:6,9
             S: A0004 OK",
        );
        assert_eq!(t.ok(&mut search).ids, [4, 5, 6, 9]);
    });
}

#[test]
fn esearch_and_search_save() {
    transcript(|t| {
        selected(t, "IMAP4rev1 ESEARCH SEARCHRES");
        let mut esearch = t
            .api()
            .search_esearch("UNSEEN", &["MIN", "MAX", "COUNT"])
            .unwrap();
        t.run(
            "C: A0002 SEARCH RETURN (MIN MAX COUNT) UNSEEN
             S: * ESEARCH (TAG \"A0002\") MIN 2 MAX 47 COUNT 7
             S: A0002 OK done",
        );
        let result = t.ok(&mut esearch);
        assert_eq!(
            (result.min, result.max, result.count),
            (Some(2), Some(47), Some(7))
        );
        let mut uid_esearch = t.api().uid_search_esearch("DELETED", &["ALL"]).unwrap();
        t.run(
            "C: A0003 UID SEARCH RETURN (ALL) DELETED
             S: A0003 OK no matches",
        );
        let result = t.ok(&mut uid_esearch);
        assert_eq!(result.count, None);
        let mut save = t.api().search_save("FLAGGED").unwrap();
        t.run("C: A0004 SEARCH RETURN (SAVE) FLAGGED\nS: A0004 OK saved");
        t.ok(&mut save);
        let mut uid_save = t.api().uid_search_save("SEEN").unwrap();
        t.run("C: A0005 UID SEARCH RETURN (SAVE) SEEN\nS: A0005 OK saved");
        t.ok(&mut uid_save);
        let mut fetch = t
            .api()
            .uid_fetch(&"$".parse().unwrap(), &[FetchAttr::Uid])
            .unwrap();
        t.run(
            "C: A0006 UID FETCH $ (UID)
             S: * 1 FETCH (UID 6)
             S: A0006 OK",
        );
        assert_eq!(t.ok(&mut fetch).len(), 1);
    });
}

#[test]
fn sort_and_uid_sort() {
    transcript(|t| {
        selected(t, "IMAP4rev1 SORT");
        let mut sort = t
            .api()
            .sort("REVERSE DATE SUBJECT", "UTF-8", "ALL")
            .unwrap();
        t.run(
            "C: A0002 SORT (REVERSE DATE SUBJECT) UTF-8 ALL
             S: * SORT 5 3 4 1 2
             S: A0002 OK SORT completed",
        );
        assert_eq!(t.ok(&mut sort).ids, [5, 3, 4, 1, 2]);
        let mut uid_sort = t.api().uid_sort("ARRIVAL", "US-ASCII", "UNSEEN").unwrap();
        t.run(
            "C: A0003 UID SORT (ARRIVAL) US-ASCII UNSEEN
             S: * SORT 17 9
             S: A0003 OK",
        );
        assert_eq!(t.ok(&mut uid_sort).ids, [17, 9]);
    });
}

#[test]
fn thread_and_uid_thread() {
    transcript(|t| {
        selected(t, "IMAP4rev1 THREAD=REFERENCES THREAD=ORDEREDSUBJECT");
        let mut thread = t.api().thread("ORDEREDSUBJECT", "UTF-8", "ALL").unwrap();
        t.run(
            "C: A0002 THREAD ORDEREDSUBJECT UTF-8 ALL
             S: * THREAD (166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177 (183)(182)(188)(184)(185)(186)(187)(189))(190)(191)(192)(193)(194 195)(196 (197)(198))(199)(200 202)(201)(203)(204)(205)(206 207)(208)
             S: A0002 OK THREAD completed",
        );
        let nodes = t.ok(&mut thread);
        assert!(nodes.len() > 20);
        let mut uid_thread = t
            .api()
            .uid_thread("REFERENCES", "US-ASCII", "SINCE 5-MAR-2000")
            .unwrap();
        t.run(
            "C: A0003 UID THREAD REFERENCES US-ASCII SINCE 5-MAR-2000
             S: * THREAD (2)(3 6 (4 23)(44 7 96))
             S: A0003 OK Thread completed.",
        );
        assert_eq!(t.ok(&mut uid_thread).len(), 2);
        assert!(matches!(
            t.api().thread("X-UNKNOWN", "UTF-8", "ALL"),
            Err(Error::MissingCapability(_))
        ));
        t.run("C: -");
    });
}

// ---------------------------------------------------------------------------------------
// APPEND, MULTIAPPEND, APPENDLIMIT
// ---------------------------------------------------------------------------------------

const MESSAGE: &[u8] = b"Subject: hi\r\n\r\nbody\r\n";

#[test]
fn append_waits_for_the_continuation_before_the_literal() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 UIDPLUS");
        let mut append = t
            .api()
            .append(
                "saved-messages",
                &[Flag::Seen],
                Some("7-Feb-1994 21:52:25 -0800"),
                MESSAGE,
            )
            .unwrap();
        // Only the command line up to the literal header goes out.
        t.run(
            "C: A0001 APPEND saved-messages (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {21}
             C: -",
        );
        t.running(&mut append);
        // After the `+`, the literal and the command's final CRLF.
        t.run(
            "S: + Ready for literal data
             C+ Subject: hi\\r\\n\\r\\nbody\\r\\n\\r\\n
             S: A0001 OK [APPENDUID 38505 3955] APPEND completed",
        );
        assert_eq!(t.ok(&mut append), Some((38505, 3955)));
        assert!(t.events().is_empty());
    });
}

#[test]
fn append_refused_before_the_literal_sends_nothing_more() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut append = t.api().append("Nope", &[], None, MESSAGE).unwrap();
        t.run(
            "C: A0001 APPEND Nope {21}
             S: A0001 NO [TRYCREATE] no such mailbox
             C: -",
        );
        assert!(matches!(t.err(&mut append), Error::No { .. }));
        // The connection is still in sync: the next command goes out normally.
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0002 NOOP\nS: A0002 OK");
        t.ok(&mut noop);
    });
}

#[test]
fn append_with_literal_plus_goes_out_in_one_go() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 LITERAL+");
        let mut append = t.api().append("INBOX", &[], None, MESSAGE).unwrap();
        t.run(
            "C+ A0001 APPEND INBOX {21+}\\r\\nSubject: hi\\r\\n\\r\\nbody\\r\\n\\r\\n
             S: A0001 OK APPEND completed",
        );
        assert_eq!(t.ok(&mut append), None);
    });
}

#[test]
fn multiappend_with_appenduid() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 MULTIAPPEND UIDPLUS");
        let messages = [
            AppendMessage::new(&b"a\r\n"[..]).with_flags(vec![Flag::Seen]),
            AppendMessage::new(&b"bb\r\n"[..]),
        ];
        let mut append = t.api().multi_append("INBOX", &messages).unwrap();
        t.run(
            "C: A0001 APPEND INBOX (\\Seen) {3}
             C: -
             S: + go
             C+ a\\r\\n {4}\\r\\n
             C: -
             S: + go
             C+ bb\\r\\n\\r\\n
             S: A0001 OK [APPENDUID 7 20:21] done",
        );
        assert_eq!(t.ok(&mut append), [(7, 20), (7, 21)]);
    });
}

#[test]
fn appendlimit_exceeded_is_refused_before_any_byte() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 APPENDLIMIT=10 MULTIAPPEND");
        let err = t.api().append("INBOX", &[], None, MESSAGE).unwrap_err();
        assert!(
            matches!(
                err,
                Error::AppendLimitExceeded {
                    size: 21,
                    limit: 10
                }
            ),
            "{err:?}"
        );
        let messages = [
            AppendMessage::new(&b"ok\r\n"[..]),
            AppendMessage::new(MESSAGE),
        ];
        assert!(matches!(
            t.api().multi_append("INBOX", &messages),
            Err(Error::AppendLimitExceeded { .. })
        ));
        t.run("C: -");
        assert_eq!(t.conn.ops_pending(), 0);
    });
}

// ---------------------------------------------------------------------------------------
// IDLE
// ---------------------------------------------------------------------------------------

#[test]
fn idle_keepalive_then_exists_then_done() {
    transcript(|t| {
        selected(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run("C: A0002 IDLE\nS: + idling");
        assert!(t.conn.op_mut(&id).unwrap().is_idling());
        t.run("S: * OK Still here");
        // A keepalive is not activity.
        assert!(!t.conn.op_mut(&id).unwrap().has_activity());
        t.run("C: -");
        t.run("S: * 4 EXISTS");
        assert!(t.conn.op_mut(&id).unwrap().has_activity());
        assert_eq!(t.conn.session().selected().unwrap().exists, 4);
        t.conn.interrupt(&id).unwrap();
        t.run("C: DONE\nS: A0002 OK IDLE terminated");
        let result = t.conn.take_output(&id).expect("IDLE finished").unwrap();
        assert_eq!(result, [TypedEvent::Exists(4)]);
        t.log.push(format!("R: {result:?}"));
        // DONE is sent once even if asked twice.
        t.conn.interrupt(&id).unwrap();
        t.run("C: -");
    });
}

#[test]
fn idle_interrupted_before_the_continuation() {
    transcript(|t| {
        preauth(t, "IMAP4rev2");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run("C: A0001 IDLE");
        t.conn.interrupt(&id).unwrap();
        // DONE may only follow the server's `+`.
        t.run("C: -\nS: + idling\nC: DONE\nS: A0001 OK done");
        assert_eq!(t.conn.take_output(&id).unwrap().unwrap(), []);
    });
}

#[test]
fn idle_refused() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run("C: A0001 IDLE\nS: A0001 BAD not now");
        assert!(matches!(
            t.conn.take_output(&id),
            Some(Err(Error::Bad { .. }))
        ));
        t.conn.interrupt(&id).unwrap();
        t.run("C: -");
    });
}

#[test]
fn idle_reissued_keeps_collecting_across_the_new_command() {
    transcript(|t| {
        selected(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run("C: A0002 IDLE\nS: + idling");
        // RFC 2177 §3: DONE, then IDLE again under a new tag; the op goes on.
        t.conn
            .op_mut(&id)
            .unwrap()
            .renew(ops::idle::Renewal::Reissue);
        t.conn.interrupt(&id).unwrap();
        assert!(!t.conn.op_mut(&id).unwrap().is_idling());
        t.run("C: DONE\nS: * 4 EXISTS\nS: A0002 OK IDLE terminated\nC: A0003 IDLE");
        assert!(t.conn.take_output(&id).is_none());
        t.run("S: + idling");
        assert!(t.conn.op_mut(&id).unwrap().is_idling());
        t.run("S: * 5 EXISTS");
        t.conn.interrupt(&id).unwrap();
        t.run("C: DONE\nS: A0003 OK IDLE terminated");
        let result = t.conn.take_output(&id).expect("IDLE finished").unwrap();
        assert_eq!(result, [TypedEvent::Exists(4), TypedEvent::Exists(5)]);
    });
}

#[test]
fn idle_probe_sends_noop_between_done_and_the_new_idle() {
    transcript(|t| {
        selected(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run("C: A0002 IDLE\nS: + idling");
        t.conn.op_mut(&id).unwrap().renew(ops::idle::Renewal::Probe);
        t.conn.interrupt(&id).unwrap();
        // Asked again while the probe runs: nothing more is sent.
        t.conn.op_mut(&id).unwrap().renew(ops::idle::Renewal::Probe);
        t.conn.interrupt(&id).unwrap();
        t.run("C: DONE\nS: A0002 OK IDLE terminated\nC: A0003 NOOP");
        t.run("S: A0003 OK NOOP completed\nC: A0004 IDLE\nS: + idling");
        t.conn.interrupt(&id).unwrap();
        t.run("C: DONE\nS: A0004 OK IDLE terminated");
        assert_eq!(t.conn.take_output(&id).unwrap().unwrap(), []);
    });
}

#[test]
fn idle_ended_during_a_renewal_completes_at_the_next_ok() {
    transcript(|t| {
        selected(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run("C: A0002 IDLE\nS: + idling");
        t.conn.op_mut(&id).unwrap().renew(ops::idle::Renewal::Probe);
        t.conn.interrupt(&id).unwrap();
        t.run("C: DONE");
        // The caller's end while DONE is out: no NOOP, no new IDLE.
        t.conn.interrupt(&id).unwrap();
        t.run("S: * 6 EXISTS\nS: A0002 OK IDLE terminated\nC: -");
        assert_eq!(
            t.conn.take_output(&id).unwrap().unwrap(),
            [TypedEvent::Exists(6)]
        );
    });
}

#[test]
fn idle_reissue_refused_ends_the_op_with_the_refusal() {
    transcript(|t| {
        selected(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run("C: A0002 IDLE\nS: + idling");
        t.conn
            .op_mut(&id)
            .unwrap()
            .renew(ops::idle::Renewal::Reissue);
        t.conn.interrupt(&id).unwrap();
        t.run("C: DONE\nS: A0002 OK IDLE terminated\nC: A0003 IDLE\nS: A0003 NO not now");
        assert!(matches!(
            t.conn.take_output(&id),
            Some(Err(Error::No { .. }))
        ));
    });
}

#[test]
fn a_timeout_after_done_judges_the_peer_from_the_done() {
    transcript(|t| {
        selected(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run("C: A0002 IDLE\nS: + idling\nS: * OK Still here");
        t.conn.interrupt(&id).unwrap();
        t.run("C: DONE");
        // Bytes came since IDLE went out, none since DONE: the peer is presumed dead.
        assert_eq!(
            t.conn.timed_out(&id),
            imap_proto_core::TimeoutVerdict::PeerPresumedDead
        );
        assert!(matches!(
            t.conn.take_output(&id),
            Some(Err(Error::PeerUnresponsive))
        ));
    });
}

// ---------------------------------------------------------------------------------------
// ENABLE, NOTIFY, QUOTA, ACL, METADATA
// ---------------------------------------------------------------------------------------

#[test]
fn enable_returns_what_the_server_enabled() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE UTF8=ACCEPT");
        let mut enable = t.api().enable(&["CONDSTORE", "X-UNKNOWN"]).unwrap();
        t.run(
            "C: A0001 ENABLE CONDSTORE X-UNKNOWN
             S: * ENABLED CONDSTORE
             S: A0001 OK Enabled",
        );
        assert_eq!(t.ok(&mut enable), ["CONDSTORE"]);
        assert!(t.conn.session().is_enabled("CONDSTORE"));
        assert!(!t.conn.session().is_enabled("X-UNKNOWN"));
        let mut utf8 = t.api().enable_utf8().unwrap();
        t.run(
            "C: A0002 ENABLE UTF8=ACCEPT
             S: * ENABLED UTF8=ACCEPT
             S: A0002 OK",
        );
        assert!(t.ok(&mut utf8));
        assert!(t.conn.session().utf8_mode());
        // UTF-8 mailbox names now travel as they are (RFC 6855 §3).
        let mut create = t.api().create("Entwürfe").unwrap();
        t.run("C: A0003 CREATE \"Entwürfe\"\nS: A0003 OK");
        t.ok(&mut create);
    });
}

#[test]
fn enable_imap4rev2_switches_the_session_to_rev2() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 IMAP4rev2 UIDPLUS");
        assert!(!t.conn.session().is_rev2());
        let mut enable = t.api().enable(&["IMAP4rev2"]).unwrap();
        t.run(
            "C: A0001 ENABLE IMAP4rev2
             S: * ENABLED IMAP4rev2
             S: A0001 OK",
        );
        assert_eq!(t.ok(&mut enable), ["IMAP4rev2"]);
        assert!(t.conn.session().is_rev2());
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0002 SELECT INBOX\nS: A0002 OK [READ-WRITE] ok");
        t.ok(&mut select);
        // CHECK is gone in IMAP4rev2; UNSELECT and MOVE are part of it.
        assert!(matches!(
            t.api().check(),
            Err(Error::Precondition(Precondition::RemovedInRev2))
        ));
        let mut mv = t.api().uid_move_messages(&set("4"), "Trash").unwrap();
        t.run("C: A0003 UID MOVE 4 Trash\nS: A0003 OK");
        t.ok(&mut mv);
        let mut unselect = t.api().unselect().unwrap();
        t.run("C: A0004 UNSELECT\nS: A0004 OK");
        t.ok(&mut unselect);
    });
}

#[test]
fn enable_in_selected_is_a_protocol_error() {
    transcript(|t| {
        selected(t, "IMAP4rev1 ENABLE QRESYNC");
        assert!(matches!(
            t.api().enable(&["QRESYNC"]),
            Err(Error::WrongState {
                command: "ENABLE",
                state: SessionState::Selected
            })
        ));
        assert!(matches!(
            t.api().enable_utf8(),
            Err(Error::WrongState {
                command: "ENABLE",
                ..
            })
        ));
        t.run("C: -");
    });
}

#[test]
fn quota_family() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 QUOTA QUOTASET");
        let mut quota = t.api().get_quota("").unwrap();
        t.run(
            "C: A0001 GETQUOTA \"\"
             S: * QUOTA \"\" (STORAGE 10 512 MESSAGE 2 100)
             S: A0001 OK Getquota completed",
        );
        let resources = t.ok(&mut quota);
        assert_eq!(resources.len(), 2);
        assert_eq!(resources[0].usage, 10);
        assert_eq!(resources[0].limit, 512);
        let mut root = t.api().get_quota_root("INBOX").unwrap();
        t.run(
            "C: A0002 GETQUOTAROOT INBOX
             S: * QUOTAROOT INBOX \"\"
             S: * QUOTA \"\" (STORAGE 10 512)
             S: A0002 OK Getquotaroot completed",
        );
        let root = t.ok(&mut root);
        assert_eq!(root.roots, [""]);
        assert_eq!(root.quotas.len(), 1);
        let mut set_quota = t.api().set_quota("", &[("STORAGE", 512)]).unwrap();
        t.run(
            "C: A0003 SETQUOTA \"\" (STORAGE 512)
             S: * QUOTA \"\" (STORAGE 10 512)
             S: A0003 OK Setquota completed",
        );
        assert_eq!(t.ok(&mut set_quota).len(), 1);
    });
}

#[test]
fn acl_family() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ACL RIGHTS=texk");
        let mut set_acl = t.api().set_acl("INBOX", "Fred", "+rwipslxetad").unwrap();
        t.run("C: A0001 SETACL INBOX Fred +rwipslxetad\nS: A0001 OK Setacl complete");
        t.ok(&mut set_acl);
        let mut get_acl = t.api().get_acl("INBOX").unwrap();
        t.run(
            "C: A0002 GETACL INBOX
             S: * ACL INBOX Fred rwipsldexta owner lrswipkxtecda
             S: A0002 OK Getacl complete",
        );
        let entries = t.ok(&mut get_acl);
        assert_eq!(entries.len(), 2);
        let mut list_rights = t.api().list_rights("INBOX", "Fred").unwrap();
        t.run(
            "C: A0003 LISTRIGHTS INBOX Fred
             S: * LISTRIGHTS INBOX Fred \"\" l r s w i p k x t e c d a 0 1 2 3 4 5 6 7 8 9
             S: A0003 OK Listrights completed",
        );
        let rights = t.ok(&mut list_rights);
        assert!(rights.required.is_empty());
        let mut my_rights = t.api().my_rights("INBOX").unwrap();
        t.run(
            "C: A0004 MYRIGHTS INBOX
             S: * MYRIGHTS INBOX rwiptsldaex
             S: A0004 OK Myrights complete",
        );
        assert_eq!(t.ok(&mut my_rights), "rwiptsldaex");
        let mut delete_acl = t.api().delete_acl("INBOX", "Fred").unwrap();
        t.run("C: A0005 DELETEACL INBOX Fred\nS: A0005 OK Deleteacl complete");
        t.ok(&mut delete_acl);
    });
}

#[test]
fn metadata_family() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 METADATA");
        let mut get = t
            .api()
            .get_metadata(
                "INBOX",
                &["/shared/comment", "/private/comment"],
                Some(1024),
                Some("1"),
            )
            .unwrap();
        t.run(
            "C: A0001 GETMETADATA (MAXSIZE 1024 DEPTH 1) INBOX (/shared/comment /private/comment)
             S: * METADATA INBOX (/shared/comment \"Shared comment\" /private/comment NIL)
             S: A0001 OK [METADATA LONGENTRIES 2199] GETMETADATA complete",
        );
        let result = t.ok(&mut get);
        assert_eq!(result.entries.len(), 2);
        assert_eq!(result.entries[0].0, "/shared/comment");
        assert_eq!(result.entries[0].1.as_deref(), Some(&b"Shared comment"[..]));
        assert_eq!(result.entries[1].1, None);
        assert_eq!(result.long_entries, Some(2199));
        let mut set_md = t
            .api()
            .set_metadata(
                "INBOX",
                &[
                    ("/private/comment", Some(&b"My new comment"[..])),
                    ("/shared/comment", None),
                ],
            )
            .unwrap();
        t.run(
            "C: A0002 SETMETADATA INBOX (/private/comment \"My new comment\" /shared/comment NIL)
             S: A0002 OK SETMETADATA complete",
        );
        t.ok(&mut set_md);
    });
}

// ---------------------------------------------------------------------------------------
// Pipelining, protocol failures, the event queue bound
// ---------------------------------------------------------------------------------------

#[test]
fn pipelinable_ops_go_out_in_one_write() {
    transcript(|t| {
        selected(t, "IMAP4rev1 QUOTA");
        let mut noop = t.api().noop().unwrap();
        let mut status = t.api().status("Drafts", "MESSAGES").unwrap();
        let mut fetch = t.api().uid_fetch(&set("1:*"), &[FetchAttr::Flags]).unwrap();
        let mut search = t.api().search("ALL").unwrap();
        // All four commands are written before any answer arrives.
        t.run(
            "C+ A0002 NOOP\\r\\nA0003 STATUS Drafts (MESSAGES)\\r\\nA0004 UID FETCH 1:* (FLAGS)\\r\\nA0005 SEARCH ALL\\r\\n
             S: * STATUS Drafts (MESSAGES 3)
             S: * 1 FETCH (UID 5 FLAGS ())
             S: * SEARCH 1 2 3
             S: A0003 OK
             S: A0005 OK
             S: A0002 OK
             S: A0004 OK",
        );
        t.ok(&mut noop);
        assert_eq!(t.ok(&mut status).messages(), Some(3));
        assert_eq!(t.ok(&mut fetch).len(), 1);
        assert_eq!(t.ok(&mut search).ids, [1, 2, 3]);
    });
}

#[test]
fn ops_whose_responses_cannot_be_told_apart_run_one_after_the_other() {
    transcript(|t| {
        selected(t, "IMAP4rev1 LIST-STATUS");
        let mut first = t.api().search("FLAGGED").unwrap();
        // Two STATUS commands for one mailbox in flight at once (A0003 and A0005).
        let mut status_a = t.api().status("INBOX", "MESSAGES").unwrap();
        let mut second = t.api().uid_search("UNSEEN").unwrap();
        let mut status_b = t.api().status("INBOX", "UNSEEN").unwrap();
        // `* SEARCH` carries no tag: the second SEARCH waits for the first to complete (and
        // the queue stays in order). STATUS responses name their mailbox, so STATUS commands
        // run alongside.
        t.run(
            "C: A0002 SEARCH FLAGGED
             C: A0003 STATUS INBOX (MESSAGES)
             C: -
             S: * SEARCH 1 2
             S: * STATUS INBOX (MESSAGES 3)
             S: A0002 OK
             C: A0004 UID SEARCH UNSEEN
             C: A0005 STATUS INBOX (UNSEEN)
             S: * SEARCH 7
             S: * STATUS INBOX (UNSEEN 1)
             S: A0003 OK
             S: A0004 OK
             S: A0005 OK",
        );
        assert_eq!(t.ok(&mut first).ids, [1, 2]);
        assert_eq!(t.ok(&mut second).ids, [7]);
        // Without NOTIFY each STATUS takes one answer, in order.
        let a = t.ok(&mut status_a);
        assert_eq!(a.items, [StatusItem::Messages(3)]);
        assert!(a.ambiguous.is_empty());
        assert_eq!(t.ok(&mut status_b).items, [StatusItem::Unseen(1)]);
        // LIST-STATUS takes every LIST and STATUS: a STATUS behind it waits.
        let mut list_status = t.api().list_status("", "%", "MESSAGES").unwrap();
        let mut status = t.api().status("Drafts", "MESSAGES").unwrap();
        t.run(
            "C: A0006 LIST \"\" % RETURN (STATUS (MESSAGES))
             C: -
             S: * LIST () \"/\" INBOX
             S: * STATUS INBOX (MESSAGES 3)
             S: A0006 OK
             C: A0007 STATUS Drafts (MESSAGES)
             S: * STATUS Drafts (MESSAGES 0)
             S: A0007 OK",
        );
        assert_eq!(t.ok(&mut list_status).len(), 1);
        assert_eq!(t.ok(&mut status).messages(), Some(0));
    });
}

#[test]
fn pipelined_fetches_of_different_messages_each_get_their_own() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut a = t.api().uid_fetch(&set("10"), &[FetchAttr::Flags]).unwrap();
        let mut b = t.api().uid_fetch(&set("20"), &[FetchAttr::Flags]).unwrap();
        t.run(
            "C: A0002 UID FETCH 10 (FLAGS)
             C: A0003 UID FETCH 20 (FLAGS)
             S: * 2 FETCH (UID 20 FLAGS ())
             S: * 1 FETCH (UID 10 FLAGS (\\Seen))
             S: A0003 OK
             S: A0002 OK",
        );
        assert_eq!(t.ok(&mut a)[0].uid(), Some(10));
        assert_eq!(t.ok(&mut b)[0].uid(), Some(20));
    });
}

#[test]
fn a_non_pipelinable_op_waits_for_the_ones_in_flight() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut noop = t.api().noop().unwrap();
        let mut close = t.api().close().unwrap();
        let mut list = t.api().list("", "*").unwrap();
        t.run("C: A0002 NOOP\nC: -\nS: A0002 OK");
        t.ok(&mut noop);
        t.run("C: A0003 CLOSE\nC: -\nS: A0003 OK");
        t.ok(&mut close);
        t.run("C: A0004 LIST \"\" *\nS: A0004 OK");
        t.ok(&mut list);
    });
}

#[test]
fn an_unknown_tag_fails_the_connection() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0001 NOOP\nS: Z999 OK what?");
        // The op's error says the connection is gone (`is_fatal`), not a refused request.
        assert!(matches!(t.err(&mut noop), Error::ConnectionFailed(_)));
        assert!(t.conn.failure().is_some());
        assert!(matches!(t.api().noop(), Err(Error::ConnectionFailed(_))));
        // Later input is ignored.
        t.run("S: A0001 OK\nC: -");
    });
}

#[test]
fn a_continuation_with_nothing_waiting_fails_the_connection() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0001 NOOP\nS: + go ahead");
        assert!(matches!(t.err(&mut noop), Error::ConnectionFailed(_)));
        assert!(t.conn.failure().is_some());
    });
}

#[test]
fn unparsable_input_fails_every_pending_op() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut noop = t.api().noop().unwrap();
        let mut search = t.api().search("ALL").unwrap();
        t.run("C: A0002 NOOP\nC: A0003 SEARCH ALL\nS: * 1 FETCH (FLAGS (\\Seen)");
        t.run("S: garbage");
        let first = t.err(&mut noop);
        assert!(first.is_fatal(), "{first:?}");
        assert!(matches!(t.err(&mut search), Error::ConnectionFailed(_)));
    });
}

#[test]
fn eof_fails_pending_ops() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0001 NOOP");
        t.conn.handle_eof();
        assert!(matches!(t.err(&mut noop), Error::ConnectionClosed));
    });
}

#[test]
fn the_event_queue_is_bounded() {
    let config = Config::default().with_max_queued_events(3);
    transcript_with(config, |t| {
        selected(t, "IMAP4rev1");
        t.run(
            "S: * 4 EXISTS
             S: * 5 EXISTS
             S: * 6 EXISTS
             S: * 7 EXISTS
             S: * 8 EXISTS",
        );
        assert_eq!(t.conn.session().selected().unwrap().exists, 8);
        assert_eq!(
            t.events(),
            [
                TypedEvent::EventsDropped(2),
                TypedEvent::Exists(6),
                TypedEvent::Exists(7),
                TypedEvent::Exists(8)
            ]
        );
        t.run("S: * 9 EXISTS");
        assert_eq!(t.events(), [TypedEvent::Exists(9)]);
    });
}

#[test]
fn capability_code_in_an_untagged_ok_updates_the_cache() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        t.run("S: * OK [CAPABILITY IMAP4rev1 IDLE MOVE] now with more");
        assert_eq!(t.caps(), ["IMAP4rev1", "IDLE", "MOVE"]);
        let _ = Capability::new("IDLE");
    });
}

#[test]
fn compress_refused_stays_uncompressed() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 COMPRESS=DEFLATE");
        let mut compress = t.api().compress().unwrap();
        t.run(
            "C: A0001 COMPRESS DEFLATE
             S: A0001 NO [COMPRESSIONACTIVE] DEFLATE active via TLS",
        );
        assert!(matches!(
            t.err(&mut compress),
            Error::No {
                code: Some(ResponseCode::CompressionActive),
                ..
            }
        ));
        assert!(!t.conn.session().compress_active());
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0002 NOOP\nS: A0002 OK");
        t.ok(&mut noop);
    });
}

#[test]
fn bye_during_a_command_fails_it_with_bye() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut search = t.api().search("ALL").unwrap();
        t.run("C: A0002 SEARCH ALL\nS: * BYE [UNAVAILABLE] Server shutting down");
        assert_eq!(t.state(), SessionState::Logout);
        // At once, not when the server closes (issue 12, item 2).
        let err = t.err(&mut search);
        assert!(matches!(t.events().as_slice(), [TypedEvent::Bye(_)]));
        t.conn.handle_eof();
        assert!(
            matches!(&err, Error::Bye { code: Some(ResponseCode::Simple(_)), text } if text == "Server shutting down"),
            "{err:?}"
        );
    });
}

#[test]
fn buffered_fetch_reassembles_a_streamed_literal() {
    let mut config = Config::default();
    config.limits.stream_threshold = 8;
    transcript_with(config, |t| {
        selected(t, "IMAP4rev1");
        let mut fetch = t
            .api()
            .uid_fetch(
                &set("7"),
                &[FetchAttr::Flags, FetchAttr::whole_message_peek()],
            )
            .unwrap();
        t.run(
            "C: A0002 UID FETCH 7 (FLAGS BODY.PEEK[])
             S: * 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] {25}
             S+ Subject: x\\r\\n\\r\\nsome body\\r\\n
             S:  RFC822.SIZE 25)
             S: A0002 OK done",
        );
        let found = t.ok(&mut fetch);
        assert_eq!(found.len(), 1, "{found:?}");
        let attributes = &found[0].attributes;
        assert_eq!(found[0].uid(), Some(7));
        assert!(
            attributes.iter().any(|a| matches!(
                a,
                MessageAttribute::BodySection(s)
                    if s.origin.is_none()
                        && s.data.as_deref() == Some(&b"Subject: x\r\n\r\nsome body\r\n"[..])
            )),
            "{attributes:?}"
        );
        assert!(
            attributes
                .iter()
                .any(|a| matches!(a, MessageAttribute::Rfc822Size(25)))
        );
        assert!(t.events().is_empty());
    });
}

#[test]
fn sequence_fetch_leaves_other_messages_flag_updates_as_events() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut fetch = t.api().fetch(&set("1:2"), &[FetchAttr::Flags]).unwrap();
        t.run(
            "C: A0002 FETCH 1:2 (FLAGS)
             S: * 1 FETCH (FLAGS (\\Seen))
             S: * 3 FETCH (FLAGS (\\Deleted))
             S: * 2 FETCH (FLAGS ())
             S: A0002 OK",
        );
        assert_eq!(t.ok(&mut fetch).len(), 2);
        assert!(matches!(t.events().as_slice(), [TypedEvent::Fetch(f)] if f.seq == 3));
    });
}

#[test]
fn store_leaves_other_messages_flag_updates_as_events() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut store = t
            .api()
            .uid_store(&set("10:11"), StoreOperation::Add, &[Flag::Seen], None)
            .unwrap();
        t.run(
            "C: A0002 UID STORE 10:11 +FLAGS (\\Seen)
             S: * 1 FETCH (UID 10 FLAGS (\\Seen))
             S: * 3 FETCH (UID 99 FLAGS (\\Deleted))
             S: A0002 OK",
        );
        assert_eq!(t.ok(&mut store).fetched.len(), 1);
        assert!(matches!(t.events().as_slice(), [TypedEvent::Fetch(f)] if f.seq == 3));
    });
}

#[test]
fn login_with_a_synchronizing_literal_password() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1] ready");
        let mut login = t.api().login("alice", "p\u{e4}ss").unwrap();
        t.run(
            "C: A0001 LOGIN alice {5}
             C: -
             S: + go
             C: p\u{e4}ss
             S: A0001 OK [CAPABILITY IMAP4rev1] done",
        );
        t.ok(&mut login);
    });
}

#[test]
fn starttls_is_refused_once_compression_is_on() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 STARTTLS COMPRESS=DEFLATE] ready");
        let setup = imap_proto_core::TlsSetup::with_webpki_roots("imap.example.com").unwrap();
        let mut compress = t.api().compress().unwrap();
        t.run("C: A0001 COMPRESS DEFLATE\nS: A0001 OK DEFLATE active");
        t.ok(&mut compress);
        // TLS must be below compression (RFC 4978 §3), never on top of it.
        assert!(matches!(
            t.submit(ops::upgrade::starttls(setup)),
            Err(Error::Precondition(Precondition::CompressActive))
        ));
    });
}

#[test]
fn a_queued_op_is_checked_again_when_it_starts() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut noop = t.api().noop().unwrap();
        let mut close = t.api().close().unwrap();
        // Valid when submitted, but CLOSE will have left the Selected state by its turn.
        let mut fetch = t.api().fetch(&set("1"), &[FetchAttr::Flags]).unwrap();
        t.run("C: A0002 NOOP\nS: A0002 OK\nC: A0003 CLOSE\nS: A0003 OK");
        t.ok(&mut noop);
        t.ok(&mut close);
        assert!(matches!(
            t.err(&mut fetch),
            Error::WrongState {
                command: "FETCH",
                state: SessionState::Authenticated
            }
        ));
        t.run("C: -");
    });
}

#[test]
fn encoding_errors_are_reported_at_submit_and_use_no_tag() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        // A caller string that would inject a command is refused, and nothing is sent.
        let err = t.api().search("ALL\r\nA0003 DELETE INBOX").unwrap_err();
        assert!(matches!(err, Error::Encode(_)), "{err:?}");
        t.run("C: -");
        assert_eq!(t.conn.ops_pending(), 0);
        let mut noop = t.api().noop().unwrap();
        t.run("C: A0002 NOOP\nS: A0002 OK");
        t.ok(&mut noop);
    });
}

#[test]
fn authenticate_uses_an_initial_response_on_imap4rev2() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev2 AUTH=PLAIN] ready");
        let mut auth = t.api().authenticate_plain("user", "pass").unwrap();
        t.run(
            "C: A0001 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==
             S: A0001 OK [CAPABILITY IMAP4rev2] Logged in",
        );
        t.ok(&mut auth);
    });
}

#[test]
fn login_capabilities_in_an_untagged_ok_need_no_refresh() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1] ready");
        let mut login = t.api().login("alice", "pw").unwrap();
        t.run(
            "C: A0001 LOGIN alice pw
             S: * OK [CAPABILITY IMAP4rev1 IDLE] post-login capabilities
             S: A0001 OK Logged in",
        );
        t.ok(&mut login);
        t.run("C: -");
        assert_eq!(t.caps(), ["IMAP4rev1", "IDLE"]);
    });
}

#[test]
fn streamed_fetch_items_not_drained_come_back_in_the_output() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let id = t
            .submit_raw(ops::fetch::fetch(
                true,
                &set("1:*"),
                &[FetchAttr::Flags],
                None,
                false,
                ops::fetch::Delivery::Streamed,
            ))
            .unwrap();
        t.run(
            "C: A0002 UID FETCH 1:* (FLAGS)
             S: * 1 FETCH (UID 4 FLAGS ())",
        );
        let first = t.conn.op_mut(&id).unwrap().next_item().unwrap();
        assert_eq!(first.uid(), Some(4));
        // The last response and the completion arrive in one read: nothing may be lost.
        t.run(
            "S: * 2 FETCH (UID 5 FLAGS ())
             S: A0002 OK",
        );
        let (rest, _) = t.conn.take_output(&id).unwrap().unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].uid(), Some(5));
        t.log.push(format!("R: {rest:?}"));
    });
}

#[test]
fn an_event_queue_of_zero_keeps_only_the_count() {
    let config = Config::default().with_max_queued_events(0);
    transcript_with(config, |t| {
        selected(t, "IMAP4rev1");
        t.run("S: * 4 EXISTS\nS: * 5 EXISTS");
        assert_eq!(t.events(), [TypedEvent::EventsDropped(2)]);
        assert_eq!(t.conn.session().selected().unwrap().exists, 5);
    });
}

#[test]
fn idle_ended_by_the_server() {
    transcript(|t| {
        selected(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run(
            "C: A0002 IDLE
             S: + idling
             S: * 2 EXPUNGE
             S: A0002 OK IDLE timed out",
        );
        assert_eq!(
            t.conn.take_output(&id).unwrap().unwrap(),
            [TypedEvent::Expunge(2)]
        );
        // Too late for DONE: nothing is sent.
        t.conn.interrupt(&id).unwrap();
        t.run("C: -");
    });
}

#[test]
fn bye_during_idle() {
    transcript(|t| {
        selected(t, "IMAP4rev1 IDLE");
        let id = t.submit_raw(ops::idle::idle()).unwrap();
        t.run(
            "C: A0002 IDLE
             S: + idling
             S: * BYE Autologout; idle for too long",
        );
        assert!(matches!(t.events().as_slice(), [TypedEvent::Bye(_)]));
        t.conn.handle_eof();
        assert!(matches!(
            t.conn.take_output(&id),
            Some(Err(Error::Bye { .. }))
        ));
    });
}

#[test]
fn a_challenge_that_is_not_base64_cancels_authenticate() {
    transcript(|t| {
        t.run("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready");
        let mut auth = t.api().authenticate_plain("user", "pass").unwrap();
        t.run(
            "C: A0001 AUTHENTICATE PLAIN
             S: + this is not base64!
             C: *
             S: A0001 BAD cancelled",
        );
        assert!(matches!(
            t.err(&mut auth),
            Error::Protocol(ProtocolViolation::InvalidChallenge)
        ));
        assert_eq!(t.state(), SessionState::NotAuthenticated);
    });
}

#[test]
fn unsolicited_capability_updates_the_cache() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        t.run("S: * CAPABILITY IMAP4rev1 IDLE");
        assert_eq!(t.caps(), ["IMAP4rev1", "IDLE"]);
        assert!(matches!(t.events().as_slice(), [TypedEvent::Capability(c)] if c.len() == 2));
    });
}

#[test]
fn status_matches_modified_utf7_and_utf8_names() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE UTF8=ACCEPT");
        let mut status = t.api().status("Entwürfe", "MESSAGES").unwrap();
        t.run(
            "C: A0001 STATUS Entw&APw-rfe (MESSAGES)
             S: * STATUS Entw&APw-rfe (MESSAGES 2)
             S: A0001 OK",
        );
        assert_eq!(t.ok(&mut status).messages(), Some(2));
        let mut utf8 = t.api().enable_utf8().unwrap();
        t.run("C: A0002 ENABLE UTF8=ACCEPT\nS: * ENABLED UTF8=ACCEPT\nS: A0002 OK");
        assert!(t.ok(&mut utf8));
        let mut status = t.api().status("Entwürfe", "MESSAGES").unwrap();
        t.run(
            "C: A0003 STATUS \"Entwürfe\" (MESSAGES)
             S: * STATUS \"Entwürfe\" (MESSAGES 3)
             S: A0003 OK",
        );
        assert_eq!(t.ok(&mut status).messages(), Some(3));
        assert!(t.events().is_empty());
    });
}

#[test]
fn search_with_no_match() {
    transcript(|t| {
        selected(t, "IMAP4rev1");
        let mut search = t.api().search("DELETED").unwrap();
        t.run("C: A0002 SEARCH DELETED\nS: * SEARCH\nS: A0002 OK");
        assert!(t.ok(&mut search).ids.is_empty());
    });
}

#[test]
fn select_of_another_mailbox_with_qresync_closed() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE QRESYNC");
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run("C: A0001 ENABLE QRESYNC\nS: * ENABLED QRESYNC\nS: A0001 OK");
        t.ok(&mut enable);
        let mut first = t.api().select("INBOX").unwrap();
        t.run("C: A0002 SELECT INBOX\nS: * 10 EXISTS\nS: A0002 OK [READ-WRITE] ok");
        t.ok(&mut first);
        let mut second = t.api().examine("Archive").unwrap();
        t.run(
            "C: A0003 EXAMINE Archive
             S: * OK [CLOSED] Previous mailbox is now closed
             S: * 4 EXISTS
             S: * OK [UIDVALIDITY 9] ok
             S: A0003 OK [READ-ONLY] done",
        );
        let mailbox = t.ok(&mut second);
        assert_eq!((mailbox.name.as_str(), mailbox.exists), ("Archive", 4));
        assert_eq!(mailbox.uid_validity, Some(9));
        assert!(mailbox.read_only);
    });
}

#[test]
fn huge_ranges_from_the_server_are_never_walked_or_expanded() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE QRESYNC UIDPLUS");
        let mut enable = t.api().enable(&["QRESYNC"]).unwrap();
        t.run("C: A0001 ENABLE QRESYNC\nS: * ENABLED QRESYNC\nS: A0001 OK");
        t.ok(&mut enable);
        let mut select = t.api().select("INBOX").unwrap();
        t.run("C: A0002 SELECT INBOX\nS: * 3 EXISTS\nS: A0002 OK [READ-WRITE] ok");
        t.ok(&mut select);
        // VANISHED (EARLIER) over the whole UID space is cut on the bounds.
        let mut fetch = t
            .api()
            .uid_fetch_vanished(&set("10:20,4000000000"), &[FetchAttr::Flags], 1)
            .unwrap();
        t.run(
            "C: A0003 UID FETCH 10:20,4000000000 (FLAGS) (CHANGEDSINCE 1 VANISHED)
             S: * VANISHED (EARLIER) 1:4294967295
             S: A0003 OK",
        );
        let (_, vanished) = t.ok(&mut fetch);
        assert_eq!(
            vanished,
            [UidRange::new(10, 20), UidRange::new(4000000000, 4000000000)]
        );
        // An ESEARCH ALL of four billion UIDs is refused, not expanded.
        let mut search = t.api().uid_search("ALL").unwrap();
        t.run(
            "C: A0004 UID SEARCH ALL
             S: * ESEARCH (TAG \"A0004\") UID ALL 1:4294967295
             S: A0004 OK",
        );
        assert!(matches!(
            t.err(&mut search),
            Error::Protocol(ProtocolViolation::TooManyResults(_))
        ));
        // APPENDUID gives one UID per message appended, whatever range the server sends.
        let mut append = t.api().append("INBOX", &[], None, b"x").unwrap();
        t.run(
            "C: A0005 APPEND INBOX {1}
             S: + go
             C: x
             S: A0005 OK [APPENDUID 7 1:4294967295] done",
        );
        assert_eq!(t.ok(&mut append), Some((7, 1)));
    });
}

// ---------------------------------------------------------------------------------------
// Mailbox sync: each strategy's command chain and the delta it builds
// ---------------------------------------------------------------------------------------

fn uids(text: &str) -> UidSet {
    text.parse().expect("valid UID set")
}

fn changed_uids(delta: &SyncDelta) -> Vec<u32> {
    delta.changed.iter().map(|u| u.uid).collect()
}

#[test]
fn sync_with_qresync_enables_it_and_resumes_in_one_select() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 ENABLE CONDSTORE QRESYNC");
        let state = MailboxState::from_parts(67890007, Some(90060115194045000), uids("41:45,100"));
        let mut sync = t
            .api()
            .sync_mailbox("INBOX", &state, &SyncOptions::default())
            .unwrap();
        // The known UIDs get an open end, so new mail is reported by the same SELECT.
        t.run(
            "C: A0001 ENABLE QRESYNC
             S: * ENABLED QRESYNC
             S: A0001 OK
             C: A0002 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:45,100:4294967295))
             S: * 6 EXISTS
             S: * OK [UIDVALIDITY 67890007] UIDVALIDITY
             S: * OK [UIDNEXT 103] Predicted next UID
             S: * OK [HIGHESTMODSEQ 90060115194045020] Highest
             S: * VANISHED (EARLIER) 42,46:99
             S: * 3 FETCH (UID 43 FLAGS (\\Seen \\Recent) MODSEQ (90060115194045010))
             S: * 6 FETCH (UID 102 FLAGS () MODSEQ (90060115194045020))
             S: A0002 OK [READ-WRITE] mailbox selected",
        );
        let delta = t.ok(&mut sync);
        assert_eq!(delta.strategy, SyncStrategy::Qresync);
        assert!(!delta.uid_validity_changed);
        // VANISHED is cut to the known UIDs: 46:99 were never known.
        assert_eq!(delta.expunged, uids("42"));
        assert_eq!(delta.new, uids("102"));
        assert_eq!(changed_uids(&delta), [43, 102]);
        assert_eq!(delta.changed[0].flags, [Flag::Seen]);
        assert_eq!(delta.changed[0].mod_seq, Some(90060115194045010));
        assert_eq!(delta.state.known_uids, uids("41,43:45,100,102"));
        assert_eq!(delta.state.highest_modseq, Some(90060115194045020));
        assert_eq!(delta.state.uid_next, Some(103));
        assert_eq!(t.state(), SessionState::Selected);
        assert!(t.events().is_empty());
    });
}

#[test]
fn sync_with_condstore_fetches_changes_then_searches_for_expunges() {
    transcript(|t| {
        preauth(t, "IMAP4rev1 CONDSTORE ESEARCH");
        let mut state = MailboxState::from_parts(7, Some(100), uids("1:5"));
        state.flags = Some((1..=5).map(|uid| (uid, vec![Flag::Seen])).collect());
        let mut sync = t
            .api()
            .sync_mailbox("INBOX", &state, &SyncOptions::default())
            .unwrap();
        t.run(
            "C: A0001 SELECT INBOX (CONDSTORE)
             S: * 5 EXISTS
             S: * OK [UIDVALIDITY 7] UIDs valid
             S: * OK [UIDNEXT 7] next
             S: * OK [HIGHESTMODSEQ 104] modseq
             S: A0001 OK [READ-WRITE] done
             C: A0002 UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 100)
             S: * 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged) MODSEQ (101))
             S: * 3 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (102))
             S: * 5 FETCH (UID 6 FLAGS () MODSEQ (104))
             S: A0002 OK done
             C: A0003 UID SEARCH RETURN (ALL) UID 1:5
             S: * ESEARCH (TAG \"A0003\") UID ALL 1:3,5
             S: A0003 OK done",
        );
        let delta = t.ok(&mut sync);
        assert_eq!(delta.strategy, SyncStrategy::Condstore);
        assert_eq!(delta.expunged, uids("4"));
        assert_eq!(delta.new, uids("6"));
        // UID 3's mod-sequence moved but its flags did not: the kept flags filter it out.
        assert_eq!(changed_uids(&delta), [2, 6]);
        assert_eq!(delta.state.known_uids, uids("1:3,5:6"));
        let flags = delta.state.flags.as_ref().unwrap();
        assert_eq!(flags[&2], [Flag::Seen, Flag::Flagged]);
        assert_eq!(flags[&6], []);
        assert!(!flags.contains_key(&4));
        assert_eq!(delta.state.highest_modseq, Some(104));
    });
}

#[test]
fn sync_without_condstore_lists_and_sees_a_new_uidvalidity() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let state = MailboxState::from_parts(7, Some(100), uids("1:5"));
        let mut sync = t
            .api()
            .sync_mailbox("INBOX", &state, &SyncOptions::default())
            .unwrap();
        t.run(
            "C: A0001 SELECT INBOX
             S: * 2 EXISTS
             S: * OK [UIDVALIDITY 8] new
             S: A0001 OK [READ-WRITE] done
             C: A0002 UID FETCH 1:* (UID FLAGS)
             S: * 1 FETCH (UID 1 FLAGS (\\Seen))
             S: * 2 FETCH (UID 2 FLAGS ())
             S: A0002 OK done",
        );
        let delta = t.ok(&mut sync);
        assert_eq!(delta.strategy, SyncStrategy::Full);
        assert!(delta.uid_validity_changed);
        assert_eq!(delta.new, uids("1:2"));
        assert!(delta.expunged.is_empty());
        assert_eq!(changed_uids(&delta), [1, 2]);
        assert_eq!(delta.state.uid_validity, 8);
        assert_eq!(delta.state.highest_modseq, None);
    });
}

#[test]
fn sync_in_selected_state_unselects_to_enable_qresync() {
    transcript(|t| {
        selected(t, "IMAP4rev1 ENABLE UNSELECT CONDSTORE QRESYNC");
        let state = MailboxState::from_parts(3857529045, Some(9), uids("1:3"));
        let mut sync = t
            .api()
            .sync_mailbox("INBOX", &state, &SyncOptions::default())
            .unwrap();
        t.run(
            "C: A0002 UNSELECT
             S: A0002 OK
             C: A0003 ENABLE QRESYNC
             S: * ENABLED QRESYNC
             S: A0003 OK
             C: A0004 SELECT INBOX (QRESYNC (3857529045 9 1:4294967295))
             S: * 3 EXISTS
             S: * OK [UIDVALIDITY 3857529045] UIDs valid
             S: * OK [HIGHESTMODSEQ 9] modseq
             S: A0004 OK [READ-WRITE] done",
        );
        let delta = t.ok(&mut sync);
        assert_eq!(delta.strategy, SyncStrategy::Qresync);
        assert!(delta.is_empty());
        assert_eq!(delta.new_messages(), None);
        // A cap on the strategy keeps QRESYNC off (no UNSELECT, no ENABLE).
        let options = SyncOptions::default().with_max_strategy(SyncStrategy::Condstore);
        let mut sync = t
            .api()
            .sync_mailbox("INBOX", &delta.state, &options)
            .unwrap();
        t.run(
            "C: A0005 SELECT INBOX (CONDSTORE)
             S: * 3 EXISTS
             S: * OK [UIDVALIDITY 3857529045] UIDs valid
             S: * OK [HIGHESTMODSEQ 9] modseq
             S: A0005 OK [READ-WRITE] done
             C: A0006 UID SEARCH UID 1:3
             S: * SEARCH 1 2 3
             S: A0006 OK done",
        );
        let delta = t.ok(&mut sync);
        assert_eq!(delta.strategy, SyncStrategy::Condstore);
        assert!(delta.is_empty());
    });
}

#[test]
fn sync_fails_when_select_does_not_give_uidvalidity() {
    transcript(|t| {
        preauth(t, "IMAP4rev1");
        let mut sync = t
            .api()
            .sync_mailbox("INBOX", &MailboxState::new(), &SyncOptions::default())
            .unwrap();
        t.run(
            "C: A0001 SELECT INBOX
             S: * 0 EXISTS
             S: A0001 OK done",
        );
        assert!(matches!(t.err(&mut sync), Error::Protocol(_)));
    });
}

/// Every `op` entry of the method table is called by some transcript above.
#[test]
fn every_table_method_has_a_transcript() {
    let source = include_str!("transcripts.rs");
    let missing: Vec<&str> = support::TABLE_OP_METHODS
        .iter()
        .copied()
        .filter(|name| !source.contains(&format!(".{name}(")))
        .collect();
    assert!(missing.is_empty(), "no transcript calls {missing:?}");
}
