//! Real-world server defects from public bug reports (issue 12, item 5). Each test names the
//! report it reproduces and feeds the defective response to a connection with the command
//! that provoked it in flight. Every one is either parsed leniently (the value the server
//! meant) or degraded to that response alone (`docs/security.md`, "One bad response costs
//! that response"); none ends the session, which answers NOOP afterwards. `docs/quirks.md`
//! has the table: defect, source, what the client returns.

use imap_proto_core::ops::fetch::{Delivery, fetch};
use imap_proto_core::ops::mailbox::{select, status};
use imap_proto_core::ops::message::copy;
use imap_proto_core::ops::session::noop;
use imap_proto_core::types::{
    FetchAttr, FetchResponse, MessageAttribute, ResponseCode, SectionKind, SequenceSet, StatusKind,
};
use imap_proto_core::{Config, Connection, TypedEvent};

/// A connection with INBOX selected, the greeting's events drained.
fn selected(capabilities: &str) -> Connection {
    let mut conn = Connection::new(Config::default());
    conn.handle_input(format!("* PREAUTH [CAPABILITY IMAP4rev1 {capabilities}] hi\r\n").as_bytes());
    let id = conn
        .submit(select("INBOX", &Default::default(), false))
        .unwrap();
    sent(&mut conn);
    conn.handle_input(b"* 20 EXISTS\r\nA0001 OK [READ-WRITE] done\r\n");
    conn.take_output(&id).unwrap().unwrap();
    while conn.poll_event().is_some() {}
    conn
}

/// What the client wrote, and the tag of its last command.
fn sent(conn: &mut Connection) -> String {
    let mut wire = Vec::new();
    conn.poll_transmit(&mut wire);
    let wire = String::from_utf8(wire).unwrap();
    wire.split(' ').next().unwrap_or_default().to_string()
}

/// Feeds the server's `lines` (each ends in CRLF) and the tagged OK for `tag`.
fn answer(conn: &mut Connection, tag: &str, lines: &[&[u8]]) {
    for line in lines {
        conn.handle_input(line);
    }
    conn.handle_input(format!("{tag} OK done\r\n").as_bytes());
    assert!(conn.failure().is_none(), "the session must go on");
}

/// A UID FETCH of `items`, answered with `lines`: the responses it returns.
fn uid_fetch(conn: &mut Connection, items: &[FetchAttr], lines: &[&[u8]]) -> Vec<FetchResponse> {
    let set: SequenceSet = "1:*".parse().unwrap();
    let id = conn
        .submit(fetch(true, &set, items, None, false, Delivery::Buffered))
        .unwrap();
    let tag = sent(conn);
    answer(conn, &tag, lines);
    conn.take_output(&id)
        .unwrap()
        .expect("the FETCH succeeds")
        .0
}

/// A NOOP answered with `lines`: the events they left.
fn noop_with(conn: &mut Connection, lines: &[&[u8]]) -> Vec<TypedEvent> {
    let id = conn.submit(noop()).unwrap();
    let tag = sent(conn);
    answer(conn, &tag, lines);
    conn.take_output(&id).unwrap().expect("the NOOP succeeds");
    std::iter::from_fn(|| conn.poll_event()).collect()
}

/// The session still answers after the defect.
fn still_answers(conn: &mut Connection) {
    let id = conn.submit(noop()).unwrap();
    let tag = sent(conn);
    conn.handle_input(format!("{tag} OK still here\r\n").as_bytes());
    conn.take_output(&id).unwrap().unwrap();
}

/// One response's BODYSTRUCTURE, read leniently or degraded: returns the response.
fn structure_of(wire: &[u8]) -> FetchResponse {
    let mut conn = selected("");
    let mut found = uid_fetch(
        &mut conn,
        &[FetchAttr::Uid, FetchAttr::BodyStructure],
        &[wire],
    );
    still_answers(&mut conn);
    assert_eq!(found.len(), 1);
    found.remove(0)
}

fn lenient_structure(wire: &[u8]) -> FetchResponse {
    let response = structure_of(wire);
    assert!(
        response.unparsed().is_none() && response.body_structure().is_some(),
        "expected a lenient parse: {response:?}"
    );
    response
}

fn degraded(response: &FetchResponse, wire: &[u8]) {
    let unparsed = response.unparsed().expect("expected a degraded response");
    assert_eq!(&unparsed.raw[..], wire);
}

// --- BODYSTRUCTURE ---------------------------------------------------------------------

/// Exchange 2010 sends NIL for an empty parameter value, where `body-fld-param` needs a
/// string: jakartaee/mail-api#203 ("Exchange returns NIL instead of \"\" for empty
/// parameter").
#[test]
fn exchange_nil_parameter_value_in_bodystructure() {
    let wire = b"* 1 FETCH (UID 7 BODYSTRUCTURE (\"application\" \"octet-stream\" (\"name\" NIL) NIL NIL \"base64\" 100 NIL NIL NIL NIL))\r\n";
    let response = lenient_structure(wire);
    assert_eq!(response.uid(), Some(7));
}

/// mail.ru sends `("boundary" NIL)` in a multipart's parameters: kisli/vmime#159.
#[test]
fn mail_ru_nil_boundary_in_multipart() {
    let wire = b"* 4 FETCH (UID 4 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 536 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 7130 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" NIL)))\r\n";
    lenient_structure(wire);
}

/// Office 365 sends NIL where BODYSTRUCTURE needs a string, failing bulk summary fetches:
/// jstedfast/MailKit#1446 ("Syntax error in BODYSTRUCTURE. Unexpected token: NIL" w/ O365)
/// and #919 (Exchange). Here the encoding field is NIL (modern-email/defects#41 reports the
/// same `body-fld-enc` NIL).
#[test]
fn office365_nil_encoding_in_bodystructure() {
    let wire = b"* 2 FETCH (UID 2 BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL NIL 850 31 NIL NIL NIL NIL))\r\n";
    lenient_structure(wire);
}

/// A nested message whose body is a multipart without children, written `(NIL
/// "alternative" ...)`: jstedfast/MailKit#1393.
#[test]
fn multipart_without_children_inside_a_message_part() {
    let wire = b"* 3 FETCH (UID 3 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 727 16 NIL NIL NIL NIL)(\"message\" \"rfc822\" (\"name\" \"Message headers\") NIL NIL \"7bit\" 903 (\"Mon, 17 Nov 2014 13:29:21 +0100\" \"Re: Adresy\" NIL NIL NIL NIL NIL NIL NIL \"<D6173425@example.com>\") (NIL \"alternative\" (\"boundary\" \"Apple-Mail=_352F\") NIL NIL NIL) 17 NIL NIL NIL NIL) \"report\" (\"report-type\" \"delivery-status\") NIL NIL NIL))\r\n";
    let response = lenient_structure(wire);
    assert_eq!(response.uid(), Some(3));
}

/// A part with only one media-type string (`( "X-ZIP" ("BOUNDARY" "") ...`):
/// jstedfast/MailKit#371.
#[test]
fn a_part_with_one_media_type_string() {
    let wire = b"* 5 FETCH (UID 5 BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"windows-1251\") NIL NIL \"base64\" 356 5)( \"X-ZIP\" (\"BOUNDARY\" \"\") NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL))\r\n";
    let response = lenient_structure(wire);
    assert_eq!(response.uid(), Some(5));
}

/// Latin-1 (`0xE4`, "ä") raw in a BODYSTRUCTURE parameter, from a CP-1252 header that the
/// server passed on: thunderbird/thunderbird-android#6291; djc/imap-proto#194 (Dovecot and
/// Cyrus with Outlook's ISO-8859-9 file names).
#[test]
fn latin1_bytes_in_a_bodystructure_parameter() {
    let wire = b"* 6 FETCH (UID 6 BODYSTRUCTURE (\"APPLICATION\" \"PDF\" (\"NAME\" \"Allgemeine Gesch\xe4ftsbedingungen.pdf\") NIL NIL \"BASE64\" 202054 NIL (\"ATTACHMENT\" NIL) NIL NIL))\r\n";
    let response = lenient_structure(wire);
    let part = response.body_structure().unwrap().root();
    assert_eq!(
        part.param("NAME"),
        Some(&b"Allgemeine Gesch\xe4ftsbedingungen.pdf"[..])
    );
}

// --- ENVELOPE --------------------------------------------------------------------------

fn envelope_of(wire: &[u8]) -> FetchResponse {
    let mut conn = selected("");
    let mut found = uid_fetch(&mut conn, &[FetchAttr::Uid, FetchAttr::Envelope], &[wire]);
    still_answers(&mut conn);
    assert_eq!(found.len(), 1);
    found.remove(0)
}

/// iCloud sends a Message-ID with unescaped double quotes inside its quoted string, and
/// clients that fail on it retry the UID FETCH for ever: MailCore/mailcore2#1967,
/// dinhvh/libetpan#426.
#[test]
fn icloud_unescaped_quotes_in_an_envelope_message_id() {
    let wire = b"* 7027 FETCH (UID 11153 ENVELOPE (\"Tue, 30 Jan 2018 23:39:12 +0100\" \"Hi\" ((\"A\" NIL \"a\" \"example.com\")) NIL NIL ((NIL NIL \"b\" \"me.com\")) NIL NIL NIL \"<700089605.6840893.JavaMail.\"www-data\"@mp-be012>\"))\r\n";
    let response = envelope_of(wire);
    assert_eq!(response.seq, 7027);
    degraded(&response, wire);
    assert_eq!(response.uid(), Some(11153), "what parsed before is kept");
}

/// The same defect from another server (`JavaMail."cv@notice.zhipin.com"@v-bosszpmail-01`):
/// jakartaee/mail-api#669.
#[test]
fn quoted_local_part_unescaped_in_an_envelope_message_id() {
    let wire = b"* 364 FETCH (UID 364 ENVELOPE (\"Wed, 6 Apr 2022 17:10:18 +0800 (CST)\" \"x\" NIL NIL NIL NIL NIL NIL NIL \"<1763943481.139839.JavaMail.\"cv@notice.zhipin.com\"@v-bosszpmail-01>\"))\r\n";
    let response = envelope_of(wire);
    degraded(&response, wire);
}

/// A Message-ID with a quote and a second bracketed address: mscdex/node-imap#516.
#[test]
fn message_id_with_a_quote_and_a_second_address() {
    let wire = b"* 9 FETCH (UID 9 ENVELOPE (\"Wed, 16 Dec 2015 16:19:25 +0100 (CET)\" \"Subject Line\" ((NIL NIL NIL NIL)) ((NIL NIL NIL NIL)) ((NIL NIL NIL NIL)) ((NIL NIL NIL NIL)) NIL NIL NIL \"<message@id.with\" <quote.angleBracket@and.space>\"))\r\n";
    let response = envelope_of(wire);
    degraded(&response, wire);
}

/// Proton Bridge passes raw 8-bit header bytes into ENVELOPE quoted strings:
/// modern-email/defects#38.
#[test]
fn proton_bridge_8bit_bytes_in_envelope_strings() {
    let wire = "* 2 FETCH (UID 4 ENVELOPE (\"Sat, 17 Aug 2024 12:21:18 +0000\" \"All is wrong?\" ((\"Bàd\" NIL \"from\" \"localhost\")) NIL NIL ((\"Wrȯng\" NIL \"to\" \"localhost\")) NIL NIL NIL NIL))\r\n";
    let response = envelope_of(wire.as_bytes());
    assert!(response.unparsed().is_none(), "{response:?}");
    let envelope = response.envelope().unwrap();
    assert_eq!(envelope.subject(), Some(&b"All is wrong?"[..]));
}

// --- FETCH items -----------------------------------------------------------------------

/// iCloud answers `FETCH (RFC822)` with a FETCH that lacks the RFC822 item:
/// modern-email/defects#36, rcarmo/imapbackup#50.
#[test]
fn icloud_fetch_rfc822_answered_without_the_item() {
    let mut conn = selected("");
    let found = uid_fetch(
        &mut conn,
        &[FetchAttr::Uid, FetchAttr::Rfc822],
        &[b"* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n"],
    );
    still_answers(&mut conn);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].uid(), Some(1));
    assert!(
        !found[0].attributes.iter().any(|a| matches!(
            a,
            MessageAttribute::BodySection(s) if s.section.kind == SectionKind::Rfc822
        )),
        "the missing item stays missing: the caller sees no body rather than an empty one"
    );
}

/// Gmail's X-GM-LABELS with quoted labels holding parentheses and brackets, and an atom:
/// ruby/net-imap#272.
#[test]
fn gmail_labels_quoted_with_parentheses() {
    let mut conn = selected("X-GM-EXT-1");
    let wire = b"* 3 FETCH (X-GM-LABELS (\"()\" \"(foobar)\" \"[foobar]\" \"\\\\Draft\" \"\\\\Important\" fav) UID 6 FLAGS (\\Flagged \\Seen))\r\n";
    let found = uid_fetch(&mut conn, &[FetchAttr::Uid], &[wire]);
    still_answers(&mut conn);
    assert_eq!(found[0].uid(), Some(6));
    let labels = found[0].attributes.iter().find_map(|a| match a {
        MessageAttribute::Other(other) if &other.name[..] == b"X-GM-LABELS" => Some(&other.value),
        _ => None,
    });
    assert_eq!(
        labels.map(|v| &v[..]),
        Some(&b"(\"()\" \"(foobar)\" \"[foobar]\" \"\\\\Draft\" \"\\\\Important\" fav)"[..])
    );
}

/// Gmail sends a label as a literal when it holds characters a quoted string cannot, and
/// unquoted labels that are not atoms (`[Mailbox]`, `+IMNews`): jstedfast/MailKit#51 and
/// #195.
#[test]
fn gmail_labels_as_literal_and_non_atoms() {
    let mut conn = selected("X-GM-EXT-1");
    let found = uid_fetch(
        &mut conn,
        &[FetchAttr::Uid],
        &[
            b"* 1 FETCH (X-GM-LABELS ([Mailbox]) UID 1)\r\n",
            b"* 2 FETCH (X-GM-LABELS (+IMNews) UID 2)\r\n",
            b"* 3 FETCH (X-GM-LABELS ({5}\r\nab\"cd \"\\\\Inbox\") UID 3)\r\n",
        ],
    );
    still_answers(&mut conn);
    assert_eq!(found.len(), 3);
    for (i, response) in found.iter().enumerate() {
        assert_eq!(response.uid(), Some(i as u32 + 1), "{response:?}");
        assert!(response.unparsed().is_none(), "{response:?}");
    }
}

/// Xeams closes a FETCH's parenthesis right after its BODY[] literal and sends the other
/// items after it on the same line: paperless-ngx/paperless-ngx#13412.
#[test]
fn xeams_items_after_the_closing_parenthesis() {
    let mut conn = selected("");
    let wire = b"* 1 FETCH (UID 1 BODY[] {5}\r\nhello) FLAGS (\\Seen) RFC822.SIZE 5\r\n";
    let found = uid_fetch(&mut conn, &[FetchAttr::Uid, FetchAttr::Flags], &[wire]);
    still_answers(&mut conn);
    assert_eq!(found.len(), 1);
    degraded(&found[0], wire);
    assert_eq!(found[0].uid(), Some(1));
}

// --- Status responses and response codes ------------------------------------------------

/// Exchange 2013 sends COPYUID as an untagged response without the OK:
/// domainaware/parsedmarc#80, ruby/net-imap#250.
#[test]
fn exchange_2013_copyuid_without_ok() {
    let mut conn = selected("UIDPLUS");
    let set: SequenceSet = "86".parse().unwrap();
    let id = conn.submit(copy(true, &set, "Archive")).unwrap();
    let tag = sent(&mut conn);
    answer(&mut conn, &tag, &[b"* [COPYUID 52 86 1146]\r\n"]);
    conn.take_output(&id).unwrap().expect("the COPY succeeds");
    let events: Vec<_> = std::iter::from_fn(|| conn.poll_event()).collect();
    assert!(
        matches!(
            events.as_slice(),
            [TypedEvent::Status(s)] if s.kind == StatusKind::Ok
                && matches!(&s.code, Some(ResponseCode::CopyUid { uid_validity: 52, .. }))
        ),
        "{events:?}"
    );
    still_answers(&mut conn);
}

/// Outlook.com sends COPYUID with two of its three arguments missing (`[COPYUID 14  ]`):
/// jstedfast/MailKit#555.
#[test]
fn outlook_copyuid_missing_its_uid_sets() {
    let mut conn = selected("UIDPLUS");
    let events = noop_with(&mut conn, &[b"* OK [COPYUID 14  ]\r\n"]);
    still_answers(&mut conn);
    // Kept as an unknown code with its raw argument: no UIDs are invented.
    assert!(
        matches!(
            events.as_slice(),
            [TypedEvent::Status(s)] if matches!(&s.code, Some(ResponseCode::Other { name, value: Some(v) })
                if &name[..] == b"COPYUID" && &v[..] == b"14  ")
        ),
        "{events:?}"
    );
}

/// Office 365 puts a quoted string inside the response code's brackets, on the tagged
/// completion of AUTHENTICATE: ruby/net-imap#597.
#[test]
fn office365_quoted_string_inside_a_response_code() {
    let mut conn = selected("");
    let id = conn.submit(noop()).unwrap();
    let tag = sent(&mut conn);
    conn.handle_input(format!("{tag} OK [Error=\"Microsoft.Exchange.Data.Storage.WrongServerException:Cross Server access is not allowed\" AuthResultFromPopImapEnd=0 Service=Imap4] completed.\r\n").as_bytes());
    conn.take_output(&id).unwrap().expect("an OK is an OK");
    still_answers(&mut conn);
}

/// Gmail sends `[HIGHESTMODSEQ n]` with neither the SP nor the text `resp-text` requires:
/// modern-email/defects#28.
#[test]
fn gmail_highestmodseq_without_text() {
    let mut conn = selected("CONDSTORE");
    let events = noop_with(&mut conn, &[b"* OK [HIGHESTMODSEQ 13637]\r\n"]);
    still_answers(&mut conn);
    assert!(
        matches!(events.as_slice(), [TypedEvent::Status(s)] if s.code == Some(ResponseCode::HighestModSeq(13637))),
        "{events:?}"
    );
}

/// 163.com answers STATUS with an empty item list: modern-email/defects#15.
#[test]
fn netease_empty_status_list() {
    let mut conn = selected("");
    let id = conn.submit(status("INBOX", "(MESSAGES)")).unwrap();
    let tag = sent(&mut conn);
    answer(&mut conn, &tag, &[b"* STATUS INBOX ()\r\n"]);
    let result = conn.take_output(&id).unwrap();
    assert!(result.is_ok(), "{result:?}");
    still_answers(&mut conn);
}

/// Cyrus 3.6 sometimes returns garbage bytes in `STATUS (MAILBOXID)` right after CREATE
/// (this project's own conformance runs, issue 12); here the garbage breaks the grammar.
#[test]
fn cyrus_garbage_in_a_status_item() {
    let mut conn = selected("");
    let id = conn.submit(status("INBOX", "(MAILBOXID)")).unwrap();
    let tag = sent(&mut conn);
    answer(
        &mut conn,
        &tag,
        &[b"* STATUS INBOX (MAILBOXID (\"\x01\xff))\r\n"],
    );
    let error = conn.take_output(&id).unwrap().unwrap_err();
    assert!(
        matches!(
            error,
            imap_proto_core::Error::Protocol(imap_proto_core::ProtocolViolation::UnparsedResponse(
                _
            ))
        ),
        "{error:?}"
    );
    assert!(!error.is_fatal(), "{error:?}");
    assert!(matches!(conn.poll_event(), Some(TypedEvent::Unparsed(_))));
    still_answers(&mut conn);
}
/// Yandex sends `* BYE Autologout; idle for too long` again and again without closing:
/// jstedfast/MailKit#938 (the client waited for the close instead of failing at once).
#[test]
fn yandex_autologout_bye_loop() {
    let mut conn = selected("");
    let id = conn.submit(noop()).unwrap();
    sent(&mut conn);
    for _ in 0..10 {
        conn.handle_input(b"* BYE Autologout; idle for too long\r\n");
    }
    let error = conn
        .take_output(&id)
        .expect("failed at the first BYE")
        .unwrap_err();
    assert!(
        matches!(&error, imap_proto_core::Error::Bye { text, .. } if text.contains("Autologout")),
        "{error:?}"
    );
    assert!(conn.submit(noop()).is_err());
}
