//! Every state and capability gate of the reference, table-driven.
//!
//! Each case puts a connection in a session state with given capabilities (and enabled
//! extensions), submits one op through the method table and checks the outcome: refused
//! with `Error::WrongState` (naming the session's state) / `Error::Precondition` /
//! `Error::MissingCapability` / `Error::AppendLimitExceeded` with not a single byte
//! transmitted and nothing left pending, or accepted and sent (the positive control that
//! keeps each refusal from passing by accident).

mod support;

use imap_proto_core::types::{
    AppendMessage, FetchAttr, MailboxAttribute, MailboxState, NotifyEvents, NotifyFilter,
    NotifySetParams, QresyncParams, SelectOptions, SequenceSet, StoreOperation, SyncOptions,
};
use imap_proto_core::{Config, Connection, Error, SessionState, TlsSetup};
use imap_proto_core::{ops, sasl};
use support::Api;

/// The state a case starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    NotAuthenticated,
    Authenticated,
    /// SELECT INBOX done.
    Selected,
    /// EXAMINE INBOX done.
    ReadOnly,
    /// LOGOUT done.
    Logout,
}

impl Start {
    /// The session state this start leaves the connection in.
    fn state(self) -> SessionState {
        match self {
            Start::NotAuthenticated => SessionState::NotAuthenticated,
            Start::Authenticated => SessionState::Authenticated,
            Start::Selected | Start::ReadOnly => SessionState::Selected,
            Start::Logout => SessionState::Logout,
        }
    }
}

/// What `submit` must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Accepted, and the command is on the wire.
    Sent,
    /// `Error::WrongState` (naming the state the session is in) or `Error::Precondition`,
    /// nothing sent.
    NotNow,
    /// `Error::MissingCapability`, nothing sent.
    Missing,
    /// `Error::AppendLimitExceeded`, nothing sent.
    TooBig,
}

use Expect::{Missing, NotNow, Sent, TooBig};
use Start::{Authenticated, Logout, NotAuthenticated, ReadOnly, Selected};

type Submit = Box<dyn Fn(&mut Api<'_>) -> Result<(), Error>>;

struct Case {
    line: u32,
    start: Start,
    caps: &'static str,
    enabled: &'static [&'static str],
    expect: Expect,
    submit: Submit,
}

/// `case!(start, "caps", expect, |a| a.method(...))`, optionally with
/// `enabled ["QRESYNC"]` after the capabilities.
macro_rules! case {
    ($start:expr, $caps:expr, enabled $enabled:expr, $expect:expr, $call:expr) => {
        Case {
            line: line!(),
            start: $start,
            caps: $caps,
            enabled: $enabled,
            expect: $expect,
            submit: Box::new(move |a: &mut Api<'_>| ($call)(a).map(|_| ())),
        }
    };
    ($start:expr, $caps:expr, $expect:expr, $call:expr) => {
        case!($start, $caps, enabled & [], $expect, $call)
    };
}

fn set(text: &str) -> SequenceSet {
    text.parse().unwrap()
}

/// Feeds `lines` and answers nothing; drains what the client sent.
fn feed(conn: &mut Connection, lines: &str) {
    let mut bytes = Vec::new();
    for line in lines.lines() {
        bytes.extend_from_slice(line.trim_start().as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    conn.handle_input(&bytes);
}

/// A connection in `start` with these capabilities and enabled extensions, and nothing
/// pending or waiting to be sent.
fn connection(start: Start, caps: &str, enabled: &[&str]) -> Connection {
    let mut conn = Connection::new(Config::default());
    let mut tag = 0;
    let mut next_tag = || {
        tag += 1;
        format!("A{tag:04}")
    };
    if start == NotAuthenticated {
        feed(&mut conn, &format!("* OK [CAPABILITY {caps}] ready"));
    } else {
        feed(&mut conn, &format!("* PREAUTH [CAPABILITY {caps}] ready"));
    }
    if !enabled.is_empty() {
        conn.submit(ops::session::enable(enabled)).unwrap();
        feed(
            &mut conn,
            &format!("* ENABLED {}\n{} OK", enabled.join(" "), next_tag()),
        );
    }
    match start {
        Selected | ReadOnly => {
            let read_only = start == ReadOnly;
            conn.submit(ops::mailbox::select(
                "INBOX",
                &SelectOptions::default(),
                read_only,
            ))
            .unwrap();
            feed(&mut conn, &format!("* 5 EXISTS\n{} OK done", next_tag()));
        }
        Logout => {
            conn.submit(ops::session::logout()).unwrap();
            feed(&mut conn, &format!("* BYE bye\n{} OK done", next_tag()));
        }
        NotAuthenticated | Authenticated => {}
    }
    let mut out = Vec::new();
    conn.poll_transmit(&mut out);
    while conn.poll_event().is_some() {}
    assert_eq!(conn.ops_pending(), 0);
    assert!(conn.failure().is_none());
    let expected_state = match start {
        NotAuthenticated => SessionState::NotAuthenticated,
        Authenticated => SessionState::Authenticated,
        Selected | ReadOnly => SessionState::Selected,
        Logout => SessionState::Logout,
    };
    assert_eq!(
        conn.session().state(),
        expected_state,
        "setting up {start:?}"
    );
    conn
}

fn tls() -> TlsSetup {
    TlsSetup::with_webpki_roots("imap.example.com").unwrap()
}

const REV1: &str = "IMAP4rev1";
const REV2: &str = "IMAP4rev2";

fn cases() -> Vec<Case> {
    vec![
        // --- Any state but Logout: NOOP, CAPABILITY, ID, LOGOUT, COMPRESS -----------------
        case!(NotAuthenticated, REV1, Sent, |a: &mut Api<'_>| a.noop()),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.noop()),
        case!(Logout, REV1, NotNow, |a: &mut Api<'_>| a.noop()),
        case!(NotAuthenticated, REV1, Sent, |a: &mut Api<'_>| a
            .capability()),
        case!(Logout, REV1, NotNow, |a: &mut Api<'_>| a.capability()),
        case!(NotAuthenticated, REV1, Sent, |a: &mut Api<'_>| a
            .id(&[("name", None)])),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.id(&[])),
        case!(Logout, REV1, NotNow, |a: &mut Api<'_>| a.id(&[])),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a
            .conn
            .submit(ops::session::logout())),
        case!(Logout, REV1, NotNow, |a: &mut Api<'_>| a
            .conn
            .submit(ops::session::logout())),
        case!(
            Authenticated,
            "IMAP4rev1 COMPRESS=DEFLATE",
            Sent,
            |a: &mut Api<'_>| a.compress()
        ),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a.compress()),
        // --- Not Authenticated only: LOGIN, AUTHENTICATE, STARTTLS -----------------------
        case!(NotAuthenticated, REV1, Sent, |a: &mut Api<'_>| a
            .login("u", "p")),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .login("u", "p")),
        case!(Selected, REV1, NotNow, |a: &mut Api<'_>| a.login("u", "p")),
        case!(
            NotAuthenticated,
            "IMAP4rev1 LOGINDISABLED",
            NotNow,
            |a: &mut Api<'_>| a.login("u", "p")
        ),
        case!(
            NotAuthenticated,
            "IMAP4rev1 AUTH=PLAIN",
            Sent,
            |a: &mut Api<'_>| a.authenticate_plain("u", "p")
        ),
        case!(NotAuthenticated, REV1, Missing, |a: &mut Api<'_>| a
            .authenticate_plain("u", "p")),
        case!(
            Authenticated,
            "IMAP4rev1 AUTH=PLAIN",
            NotNow,
            |a: &mut Api<'_>| a.authenticate_plain("u", "p")
        ),
        case!(
            NotAuthenticated,
            "IMAP4rev1 AUTH=XOAUTH2",
            Sent,
            |a: &mut Api<'_>| a.authenticate_xoauth2("u", "tok")
        ),
        case!(
            NotAuthenticated,
            "IMAP4rev1 AUTH=PLAIN",
            Missing,
            |a: &mut Api<'_>| a.authenticate_xoauth2("u", "tok")
        ),
        case!(
            NotAuthenticated,
            "IMAP4rev1 AUTH=OAUTHBEARER",
            Sent,
            |a: &mut Api<'_>| a.authenticate_oauthbearer("u", "tok")
        ),
        case!(NotAuthenticated, REV1, Missing, |a: &mut Api<'_>| a
            .authenticate_oauthbearer("u", "tok")),
        case!(
            NotAuthenticated,
            "IMAP4rev1 AUTH=SCRAM-SHA-256",
            Sent,
            |a: &mut Api<'_>| a.authenticate_scram_sha256("u", "p")
        ),
        case!(NotAuthenticated, REV1, Missing, |a: &mut Api<'_>| a
            .authenticate_scram_sha256("u", "p")),
        // A caller's mechanism: gated like the built-in ones, by its own name.
        case!(
            NotAuthenticated,
            "IMAP4rev1 AUTH=PLAIN",
            Sent,
            |a: &mut Api<'_>| a.authenticate_with(sasl::Plain::new("u", "p").unwrap())
        ),
        case!(
            NotAuthenticated,
            "IMAP4rev1 AUTH=XOAUTH2",
            Missing,
            |a: &mut Api<'_>| a.authenticate_with(sasl::Plain::new("u", "p").unwrap())
        ),
        case!(
            Authenticated,
            "IMAP4rev1 AUTH=PLAIN",
            NotNow,
            |a: &mut Api<'_>| a.authenticate_with(sasl::Plain::new("u", "p").unwrap())
        ),
        case!(
            NotAuthenticated,
            "IMAP4rev1 STARTTLS",
            Sent,
            |a: &mut Api<'_>| a.conn.submit(ops::upgrade::starttls(tls()))
        ),
        case!(NotAuthenticated, REV1, Missing, |a: &mut Api<'_>| a
            .conn
            .submit(ops::upgrade::starttls(tls()))),
        case!(
            Authenticated,
            "IMAP4rev1 STARTTLS",
            NotNow,
            |a: &mut Api<'_>| a.conn.submit(ops::upgrade::starttls(tls()))
        ),
        // --- UNAUTHENTICATE, ENABLE -------------------------------------------------------
        case!(Selected, "IMAP4rev1 UNAUTHENTICATE", Sent, |a: &mut Api<
            '_,
        >| a
            .unauthenticate()),
        case!(
            NotAuthenticated,
            "IMAP4rev1 UNAUTHENTICATE",
            NotNow,
            |a: &mut Api<'_>| a.unauthenticate()
        ),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .unauthenticate()),
        case!(Authenticated, "IMAP4rev1 ENABLE", Sent, |a: &mut Api<
            '_,
        >| a
            .enable(&["CONDSTORE"])),
        case!(Authenticated, REV2, Sent, |a: &mut Api<'_>| a
            .enable(&["UTF8=ACCEPT"])),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .enable(&["CONDSTORE"])),
        case!(Selected, "IMAP4rev1 ENABLE", NotNow, |a: &mut Api<'_>| a
            .enable(&["CONDSTORE"])),
        case!(
            NotAuthenticated,
            "IMAP4rev1 ENABLE",
            NotNow,
            |a: &mut Api<'_>| a.enable(&["CONDSTORE"])
        ),
        case!(Authenticated, "IMAP4rev1 ENABLE", Sent, |a: &mut Api<
            '_,
        >| a
            .enable_utf8()),
        case!(Selected, "IMAP4rev1 ENABLE", NotNow, |a: &mut Api<'_>| a
            .enable_utf8()),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .enable_utf8()),
        // --- NAMESPACE, NOTIFY, METADATA, QUOTA, ACL -------------------------------------
        case!(Authenticated, "IMAP4rev1 NAMESPACE", Sent, |a: &mut Api<
            '_,
        >| a
            .namespace()),
        case!(Selected, REV2, Sent, |a: &mut Api<'_>| a.namespace()),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .namespace()),
        case!(
            NotAuthenticated,
            "IMAP4rev1 NAMESPACE",
            NotNow,
            |a: &mut Api<'_>| a.namespace()
        ),
        case!(Authenticated, "IMAP4rev1 NOTIFY", Sent, |a: &mut Api<
            '_,
        >| a
            .notify_set(notify_params())),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .notify_set(notify_params())),
        case!(
            NotAuthenticated,
            "IMAP4rev1 NOTIFY",
            NotNow,
            |a: &mut Api<'_>| a.notify_set(notify_params())
        ),
        case!(Selected, "IMAP4rev1 NOTIFY", Sent, |a: &mut Api<'_>| a
            .notify_none()),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a.notify_none()),
        case!(Authenticated, "IMAP4rev1 METADATA", Sent, |a: &mut Api<
            '_,
        >| a
            .get_metadata("", &["/shared/comment"], None, None)),
        case!(
            Authenticated,
            "IMAP4rev1 METADATA-SERVER",
            Sent,
            |a: &mut Api<'_>| a.get_metadata("", &["/shared/comment"], None, None)
        ),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .get_metadata("", &["/shared/comment"], None, None)),
        case!(
            NotAuthenticated,
            "IMAP4rev1 METADATA",
            NotNow,
            |a: &mut Api<'_>| a.get_metadata("", &["/shared/comment"], None, None)
        ),
        case!(Selected, "IMAP4rev1 METADATA", Sent, |a: &mut Api<'_>| a
            .set_metadata("INBOX", &[("/private/comment", None)])),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .set_metadata("INBOX", &[("/private/comment", None)])),
        case!(Authenticated, "IMAP4rev1 QUOTA", Sent, |a: &mut Api<'_>| a
            .get_quota("")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .get_quota("")),
        case!(
            NotAuthenticated,
            "IMAP4rev1 QUOTA",
            NotNow,
            |a: &mut Api<'_>| a.get_quota("")
        ),
        case!(Authenticated, "IMAP4rev1 QUOTA", Sent, |a: &mut Api<'_>| a
            .get_quota_root("INBOX")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .get_quota_root("INBOX")),
        case!(
            Authenticated,
            "IMAP4rev1 QUOTA QUOTASET",
            Sent,
            |a: &mut Api<'_>| a.set_quota("", &[("STORAGE", 10)])
        ),
        case!(Authenticated, "IMAP4rev1 QUOTA", Missing, |a: &mut Api<
            '_,
        >| a
            .set_quota("", &[("STORAGE", 10)])),
        case!(Authenticated, "IMAP4rev1 ACL", Sent, |a: &mut Api<'_>| a
            .set_acl("INBOX", "fred", "lr")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .set_acl("INBOX", "fred", "lr")),
        case!(NotAuthenticated, "IMAP4rev1 ACL", NotNow, |a: &mut Api<
            '_,
        >| a
            .set_acl("INBOX", "fred", "lr")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .delete_acl("INBOX", "fred")),
        case!(Selected, "IMAP4rev1 ACL", Sent, |a: &mut Api<'_>| a
            .delete_acl("INBOX", "fred")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .get_acl("INBOX")),
        case!(Authenticated, "IMAP4rev1 ACL", Sent, |a: &mut Api<'_>| a
            .get_acl("INBOX")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .list_rights("INBOX", "fred")),
        case!(Authenticated, "IMAP4rev1 ACL", Sent, |a: &mut Api<'_>| a
            .list_rights("INBOX", "fred")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .my_rights("INBOX")),
        case!(Authenticated, "IMAP4rev1 ACL", Sent, |a: &mut Api<'_>| a
            .my_rights("INBOX")),
        // --- Mailbox commands: Authenticated or Selected ---------------------------------
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .list("", "*")),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.list("", "*")),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .lsub("", "*")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a.lsub("", "*")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a
            .list_extended("", &["*"], &[], &[])),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .list_extended("", &["*"], &["SUBSCRIBED"], &[])),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .list_extended("", &["a", "b"], &[], &[])),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .list_extended("", &["*"], &[], &["CHILDREN"])),
        case!(
            Authenticated,
            "IMAP4rev1 LIST-EXTENDED",
            Sent,
            |a: &mut Api<'_>| a.list_extended("", &["a", "b"], &["SUBSCRIBED"], &["CHILDREN"])
        ),
        case!(
            Authenticated,
            "IMAP4rev1 LIST-EXTENDED",
            Missing,
            |a: &mut Api<'_>| a.list_extended("", &["*"], &[], &["STATUS (MESSAGES)"])
        ),
        case!(
            Authenticated,
            "IMAP4rev1 LIST-EXTENDED LIST-STATUS",
            Sent,
            |a: &mut Api<'_>| a.list_extended("", &["*"], &[], &["STATUS (MESSAGES)"])
        ),
        case!(
            Authenticated,
            "IMAP4rev1 LIST-EXTENDED",
            Missing,
            |a: &mut Api<'_>| a.list_extended("", &["*"], &["SPECIAL-USE"], &[])
        ),
        case!(
            Authenticated,
            "IMAP4rev1 LIST-EXTENDED SPECIAL-USE",
            Sent,
            |a: &mut Api<'_>| a.list_extended("", &["*"], &[], &["SPECIAL-USE"])
        ),
        case!(Authenticated, REV2, Sent, |a: &mut Api<'_>| a
            .list_extended(
                "",
                &["a", "b"],
                &["SUBSCRIBED"],
                &["STATUS (MESSAGES)"]
            )),
        case!(
            NotAuthenticated,
            "IMAP4rev1 LIST-EXTENDED",
            NotNow,
            |a: &mut Api<'_>| a.list_extended("", &["*"], &[], &[])
        ),
        case!(
            Authenticated,
            "IMAP4rev1 LIST-STATUS",
            Sent,
            |a: &mut Api<'_>| a.list_status("", "*", "MESSAGES")
        ),
        case!(Authenticated, REV2, Sent, |a: &mut Api<'_>| a
            .list_status("", "*", "MESSAGES")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .list_status("", "*", "MESSAGES")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a
            .select("INBOX")),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.select("Other")),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .select("INBOX")),
        case!(Logout, REV1, NotNow, |a: &mut Api<'_>| a.select("INBOX")),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .examine("INBOX")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a
            .examine("INBOX")),
        case!(Authenticated, "IMAP4rev1 CONDSTORE", Sent, |a: &mut Api<
            '_,
        >| a
            .select_with("INBOX", &SelectOptions::condstore())),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .select_with("INBOX", &SelectOptions::condstore())),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .examine_with("INBOX", &SelectOptions::condstore())),
        case!(
            Authenticated,
            "IMAP4rev1 ENABLE CONDSTORE QRESYNC",
            NotNow,
            |a: &mut Api<'_>| a.select_with("INBOX", &qresync())
        ),
        case!(
            Authenticated,
            "IMAP4rev1 ENABLE CONDSTORE QRESYNC",
            enabled & ["QRESYNC"],
            Sent,
            |a: &mut Api<'_>| a.examine_with("INBOX", &qresync())
        ),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .sync_mailbox(
                "INBOX",
                &MailboxState::new(),
                &SyncOptions::default()
            )),
        case!(Logout, REV1, NotNow, |a: &mut Api<'_>| a.sync_mailbox(
            "INBOX",
            &MailboxState::new(),
            &SyncOptions::default()
        )),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a.sync_mailbox(
            "INBOX",
            &MailboxState::new(),
            &SyncOptions::default()
        )),
        case!(
            Selected,
            "IMAP4rev1 ENABLE UNSELECT CONDSTORE QRESYNC",
            Sent,
            |a: &mut Api<'_>| a.sync_mailbox(
                "INBOX",
                &MailboxState::from_parts(1, Some(5), "1:5".parse().unwrap()),
                &SyncOptions::default()
            )
        ),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .create("x")),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.create("x")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a
            .create_with_mailbox_id("x")),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .create_special_use("x", &[MailboxAttribute::Junk])),
        case!(
            Authenticated,
            "IMAP4rev1 CREATE-SPECIAL-USE",
            Sent,
            |a: &mut Api<'_>| a.create_special_use("x", &[MailboxAttribute::Junk])
        ),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .create_special_use_with_mailbox_id(
                "x",
                &[MailboxAttribute::Sent]
            )),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .delete("x")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a.delete("x")),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .rename("x", "y")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a
            .rename("x", "y")),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .subscribe("x")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a
            .subscribe("x")),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .unsubscribe("x")),
        case!(Authenticated, REV1, Sent, |a: &mut Api<'_>| a
            .unsubscribe("x")),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .status("INBOX", "MESSAGES")),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a
            .status("INBOX", "MESSAGES")),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a.append(
            "INBOX",
            &[],
            None,
            b"x"
        )),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.append(
            "INBOX",
            &[],
            None,
            b"x"
        )),
        case!(
            Authenticated,
            "IMAP4rev1 APPENDLIMIT=1",
            TooBig,
            |a: &mut Api<'_>| a.append("INBOX", &[], None, b"xx")
        ),
        case!(
            Authenticated,
            "IMAP4rev1 APPENDLIMIT=2",
            Sent,
            |a: &mut Api<'_>| a.append("INBOX", &[], None, b"xx")
        ),
        case!(
            Authenticated,
            "IMAP4rev1 MULTIAPPEND",
            Sent,
            |a: &mut Api<'_>| a.multi_append("INBOX", &two_messages())
        ),
        case!(Authenticated, REV1, Missing, |a: &mut Api<'_>| a
            .multi_append("INBOX", &two_messages())),
        case!(
            Authenticated,
            "IMAP4rev1 MULTIAPPEND APPENDLIMIT=2",
            TooBig,
            |a: &mut Api<'_>| a.multi_append("INBOX", &two_messages())
        ),
        case!(Authenticated, "IMAP4rev1 IDLE", Sent, |a: &mut Api<'_>| a
            .conn
            .submit(ops::idle::idle())),
        case!(Selected, REV2, Sent, |a: &mut Api<'_>| a
            .conn
            .submit(ops::idle::idle())),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .conn
            .submit(ops::idle::idle())),
        case!(NotAuthenticated, "IMAP4rev1 IDLE", NotNow, |a: &mut Api<
            '_,
        >| a
            .conn
            .submit(ops::idle::idle())),
        // --- Selected only: CHECK, CLOSE, UNSELECT, EXPUNGE ------------------------------
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.check()),
        case!(Selected, REV2, NotNow, |a: &mut Api<'_>| a.check()),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a.check()),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.close()),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a.close()),
        case!(Selected, "IMAP4rev1 UNSELECT", Sent, |a: &mut Api<'_>| a
            .unselect()),
        case!(Selected, REV2, Sent, |a: &mut Api<'_>| a.unselect()),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a.unselect()),
        case!(
            Authenticated,
            "IMAP4rev1 UNSELECT",
            NotNow,
            |a: &mut Api<'_>| a.unselect()
        ),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.expunge()),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a.expunge()),
        case!(ReadOnly, REV1, NotNow, |a: &mut Api<'_>| a.expunge()),
        case!(Selected, "IMAP4rev1 UIDPLUS", Sent, |a: &mut Api<'_>| a
            .uid_expunge(&set("1"))),
        case!(Selected, REV2, Sent, |a: &mut Api<'_>| a
            .uid_expunge(&set("1"))),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .uid_expunge(&set("1"))),
        case!(Authenticated, "IMAP4rev1 UIDPLUS", NotNow, |a: &mut Api<
            '_,
        >| a
            .uid_expunge(&set("1"))),
        // --- FETCH family ------------------------------------------------------------------
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a
            .fetch(&set("1"), &[FetchAttr::Uid])),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .fetch(&set("1"), &[FetchAttr::Uid])),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a
            .uid_fetch(&set("1"), &[FetchAttr::Uid])),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .uid_fetch(&set("1"), &[FetchAttr::Uid])),
        case!(NotAuthenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .uid_fetch(&set("1"), &[FetchAttr::Uid])),
        case!(Selected, "IMAP4rev1 CONDSTORE", Sent, |a: &mut Api<'_>| a
            .fetch_changed_since(&set("1"), &[FetchAttr::Flags], 5)),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .fetch_changed_since(&set("1"), &[FetchAttr::Flags], 5)),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .uid_fetch_changed_since(&set("1"), &[FetchAttr::Flags], 5)),
        case!(
            Authenticated,
            "IMAP4rev1 CONDSTORE",
            NotNow,
            |a: &mut Api<'_>| a.uid_fetch_changed_since(&set("1"), &[FetchAttr::Flags], 5)
        ),
        case!(
            Selected,
            "IMAP4rev1 ENABLE CONDSTORE QRESYNC",
            enabled & ["QRESYNC"],
            Sent,
            |a: &mut Api<'_>| a.uid_fetch_vanished(&set("1:*"), &[FetchAttr::Flags], 5)
        ),
        case!(
            Selected,
            "IMAP4rev1 ENABLE CONDSTORE QRESYNC",
            NotNow,
            |a: &mut Api<'_>| a.uid_fetch_vanished(&set("1:*"), &[FetchAttr::Flags], 5)
        ),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.conn.submit(
            ops::fetch::fetch(
                true,
                &set("1"),
                &[FetchAttr::whole_message_peek()],
                None,
                false,
                ops::fetch::Delivery::Streamed
            )
        )),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .conn
            .submit(ops::fetch::fetch(
                false,
                &set("1"),
                &[FetchAttr::whole_message_peek()],
                None,
                false,
                ops::fetch::Delivery::Streamed
            ))),
        // --- SEARCH family -----------------------------------------------------------------
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.search("ALL")),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .search("ALL")),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.uid_search("ALL")),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .uid_search("ALL")),
        case!(Selected, "IMAP4rev1 ESEARCH", Sent, |a: &mut Api<'_>| a
            .search_esearch("ALL", &["COUNT"])),
        case!(Selected, REV2, Sent, |a: &mut Api<'_>| a
            .search_esearch("ALL", &["COUNT"])),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .search_esearch("ALL", &["COUNT"])),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .uid_search_esearch("ALL", &["COUNT"])),
        case!(Authenticated, "IMAP4rev1 ESEARCH", NotNow, |a: &mut Api<
            '_,
        >| a
            .uid_search_esearch("ALL", &["COUNT"])),
        case!(Selected, "IMAP4rev1 SEARCHRES", Sent, |a: &mut Api<'_>| a
            .search_save("ALL")),
        case!(Selected, REV2, Sent, |a: &mut Api<'_>| a
            .uid_search_save("ALL")),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .search_save("ALL")),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .uid_search_save("ALL")),
        case!(Selected, "IMAP4rev1 SORT", Sent, |a: &mut Api<'_>| a
            .sort("DATE", "UTF-8", "ALL")),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .sort("DATE", "UTF-8", "ALL")),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .uid_sort("DATE", "UTF-8", "ALL")),
        case!(Authenticated, "IMAP4rev1 SORT", NotNow, |a: &mut Api<
            '_,
        >| a
            .uid_sort("DATE", "UTF-8", "ALL")),
        case!(
            Selected,
            "IMAP4rev1 THREAD=REFERENCES",
            Sent,
            |a: &mut Api<'_>| a.thread("REFERENCES", "UTF-8", "ALL")
        ),
        case!(
            Selected,
            "IMAP4rev1 THREAD=REFERENCES",
            Missing,
            |a: &mut Api<'_>| a.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
        ),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a.uid_thread(
            "REFERENCES",
            "UTF-8",
            "ALL"
        )),
        case!(
            Authenticated,
            "IMAP4rev1 THREAD=REFERENCES",
            NotNow,
            |a: &mut Api<'_>| a.uid_thread("REFERENCES", "UTF-8", "ALL")
        ),
        // --- STORE, COPY, MOVE -------------------------------------------------------------
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a.store(
            &set("1"),
            StoreOperation::Add,
            &[],
            None
        )),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a.store(
            &set("1"),
            StoreOperation::Add,
            &[],
            None
        )),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a.uid_store(
            &set("1"),
            StoreOperation::Add,
            &[],
            Some(5)
        )),
        case!(Selected, "IMAP4rev1 CONDSTORE", Sent, |a: &mut Api<'_>| a
            .uid_store(&set("1"), StoreOperation::Add, &[], Some(5))),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a
            .copy(&set("1"), "x")),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .copy(&set("1"), "x")),
        case!(Selected, REV1, Sent, |a: &mut Api<'_>| a
            .uid_copy(&set("1"), "x")),
        case!(Authenticated, REV1, NotNow, |a: &mut Api<'_>| a
            .uid_copy(&set("1"), "x")),
        case!(Selected, "IMAP4rev1 MOVE", Sent, |a: &mut Api<'_>| a
            .move_messages(&set("1"), "x")),
        case!(Selected, REV2, Sent, |a: &mut Api<'_>| a
            .uid_move_messages(&set("1"), "x")),
        case!(Selected, "IMAP4rev1 UIDPLUS", Sent, |a: &mut Api<'_>| a
            .uid_move_messages(&set("1"), "x")),
        case!(Selected, "IMAP4rev1 UIDPLUS", Sent, |a: &mut Api<'_>| a
            .move_messages(&set("1"), "x")),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .move_messages(&set("1"), "x")),
        case!(Selected, REV1, Missing, |a: &mut Api<'_>| a
            .uid_move_messages(&set("1"), "x")),
        case!(Authenticated, "IMAP4rev1 MOVE", NotNow, |a: &mut Api<
            '_,
        >| a
            .uid_move_messages(&set("1"), "x")),
    ]
}

fn qresync() -> SelectOptions {
    SelectOptions::qresync(QresyncParams::new(1, 1))
}

fn notify_params() -> NotifySetParams {
    NotifySetParams::new().group(
        NotifyFilter::Selected,
        NotifyEvents::message_events(Vec::new()),
    )
}

fn two_messages() -> Vec<AppendMessage> {
    vec![
        AppendMessage::new(&b"ab"[..]),
        AppendMessage::new(&b"cde"[..]),
    ]
}

#[test]
fn every_gate() {
    let mut failures = Vec::new();
    for case in cases() {
        let mut conn = connection(case.start, case.caps, case.enabled);
        let pending_before = conn.ops_pending();
        let result = (case.submit)(&mut Api { conn: &mut conn });
        let mut wire = Vec::new();
        conn.poll_transmit(&mut wire);
        let outcome = match (&result, case.expect) {
            (Ok(()), Sent) if !wire.is_empty() => Ok(()),
            (Ok(()), Sent) => Err("accepted but nothing was sent".to_string()),
            (Err(Error::WrongState { state, .. }), NotNow) if *state != case.start.state() => {
                Err(format!("refused for the wrong state {state:?}"))
            }
            (Err(Error::WrongState { .. } | Error::Precondition(_)), NotNow)
            | (Err(Error::MissingCapability(_)), Missing)
            | (Err(Error::AppendLimitExceeded { .. }), TooBig) => {
                if !wire.is_empty() {
                    Err(format!(
                        "refused but sent {:?}",
                        String::from_utf8_lossy(&wire)
                    ))
                } else if conn.ops_pending() != pending_before {
                    Err("refused but left an op pending".to_string())
                } else {
                    Ok(())
                }
            }
            (other, _) => Err(format!("got {other:?}")),
        };
        if let Err(why) = outcome {
            failures.push(format!(
                "line {}: {:?} [{}] expected {:?}: {why}",
                case.line, case.start, case.caps, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Every method of the table appears in at least one gate case.
#[test]
fn every_table_method_has_a_gate_case() {
    let source = include_str!("gates.rs");
    let missing: Vec<&str> = support::TABLE_OP_METHODS
        .iter()
        .copied()
        .filter(|name| !source.contains(&format!(".{name}(")))
        .collect();
    assert!(missing.is_empty(), "no gate case calls {missing:?}");
}
