//! The `Display` of parsed values reads as the server sent them (types/display.rs): response
//! codes, flags, mailbox attributes, and mailbox names in the session's encoding.

use bytes::Bytes;

use super::parse_response;
use crate::types::{
    Capability, Flag, Mailbox, MailboxAttribute, NameEncoding, Response, ResponseCode, StatusKind,
};

/// The response code of `line` (a tagged or untagged status response).
fn code(line: &str) -> ResponseCode {
    let response = parse_response(Bytes::from(format!("{line}\r\n")), &Default::default());
    let status = match response.expect(line) {
        Response::Tagged(tagged) => tagged.status,
        Response::Untagged(crate::types::Untagged::Status(status)) => status,
        other => panic!("{line}: {other:?}"),
    };
    assert!(matches!(status.kind, StatusKind::Ok | StatusKind::No));
    status.code.expect(line)
}

#[test]
fn response_codes_read_as_sent() {
    for text in [
        "ALERT",
        "BADCHARSET (UTF-8 US-ASCII)",
        "CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN",
        "PERMANENTFLAGS (\\Seen \\Deleted $Junk \\*)",
        "READ-ONLY",
        "UIDNEXT 4392",
        "UIDVALIDITY 3857529045",
        "APPENDUID 38505 3955",
        "COPYUID 38505 304,319:320 3956:3958",
        "HIGHESTMODSEQ 715194045007",
        "MODIFIED 7,9",
        "MAILBOXID (F2212ea87-6097-4256-9d51-71338625)",
        "METADATA LONGENTRIES 2199",
        "NONEXISTENT",
        "UNKNOWN-CTE",
        "URLMECH INTERNAL",
    ] {
        assert_eq!(code(&format!("a1 OK [{text}] done")).to_string(), text);
    }
}

#[test]
fn flags_and_attributes_read_as_sent() {
    let flags: Vec<String> = [
        Flag::Seen,
        Flag::MayCreate,
        Flag::keyword("$Junk"),
        Flag::Extension(Bytes::from_static(b"X-Custom")),
    ]
    .iter()
    .map(Flag::to_string)
    .collect();
    assert_eq!(flags, ["\\Seen", "\\*", "$Junk", "\\X-Custom"]);
    assert_eq!(
        MailboxAttribute::HasNoChildren.to_string(),
        "\\HasNoChildren"
    );
    assert_eq!(
        MailboxAttribute::Extension(Bytes::from_static(b"X-Thing")).to_string(),
        "\\X-Thing"
    );
    assert_eq!(Capability::new("AUTH=PLAIN").to_string(), "AUTH=PLAIN");
}

#[test]
fn mailbox_names_read_in_the_sessions_encoding() {
    let wire = Bytes::from_static(b"Entw&APw-rfe");
    assert_eq!(Mailbox::from_wire(wire.clone()).to_string(), "Entwürfe");
    assert_eq!(
        Mailbox::from_wire_in(wire.clone(), NameEncoding::Utf8).to_string(),
        "Entw&APw-rfe"
    );
    let list = |names| {
        let line = Bytes::from_static(b"* LIST () \"/\" Entw&APw-rfe\r\n");
        match super::parse_response_in(line, &Default::default(), names) {
            Ok(Response::Untagged(crate::types::Untagged::List(info))) => info.mailbox,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(list(NameEncoding::ModifiedUtf7).name(), "Entwürfe");
    assert_eq!(list(NameEncoding::Utf8).name(), "Entw&APw-rfe");
    let utf8 = Bytes::from("Entwürfe".as_bytes());
    assert_eq!(
        Mailbox::from_wire_in(utf8, NameEncoding::Utf8).to_string(),
        "Entwürfe"
    );
}
