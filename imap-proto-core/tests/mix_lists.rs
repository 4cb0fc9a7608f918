//! Header-field lists and flag lists as servers send them, including the forms that leave
//! the fast paths (quoted names, a `]` in a name, extra spaces, lists longer than a word).

use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::parse::parse_response;
use imap_proto_core::types::{Flag, MessageAttribute, Response, SectionKind, Untagged};

fn attributes(frame: &'static [u8]) -> Vec<MessageAttribute> {
    match parse_response(Bytes::from_static(frame), &Limits::default()) {
        Ok(Response::Untagged(Untagged::Fetch(fetch))) => fetch.to_attribute_list(),
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(frame)),
    }
}

fn header_names(frame: &'static [u8]) -> (Vec<Bytes>, usize) {
    let attrs = attributes(frame);
    let Some(MessageAttribute::BodySection(body)) = attrs.first() else {
        panic!("{attrs:?}");
    };
    match &body.section.kind {
        SectionKind::HeaderFields(names) | SectionKind::HeaderFieldsNot(names) => {
            (names.clone(), names.capacity())
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn header_lists_read_atoms_quoted_names_and_brackets() {
    let (names, capacity) = header_names(
        b"* 1 FETCH (BODY[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID REFERENCES CONTENT-TYPE)] {0}\r\n)\r\n",
    );
    assert_eq!(
        names,
        [
            "FROM",
            "TO",
            "CC",
            "SUBJECT",
            "DATE",
            "MESSAGE-ID",
            "REFERENCES",
            "CONTENT-TYPE"
        ]
        .map(|n| Bytes::from_static(n.as_bytes()))
    );
    assert_eq!(capacity, 8, "sized exactly");
    let (names, _) = header_names(
        b"* 1 FETCH (BODY[HEADER.FIELDS.NOT (\"X Y\"  X-A \"a)b\" {3}\r\nQ-B)] NIL)\r\n",
    );
    assert_eq!(
        names,
        ["X Y", "X-A", "a)b", "Q-B"].map(|n| Bytes::from_static(n.as_bytes()))
    );
    let (names, _) = header_names(b"* 1 FETCH (BODY[HEADER.FIELDS (X]Y Z)] NIL)\r\n");
    assert_eq!(
        names,
        ["X]Y", "Z"].map(|n| Bytes::from_static(n.as_bytes()))
    );
}

#[test]
fn flag_lists_read_back_every_flag() {
    let frames: [(&'static [u8], usize); 5] = [
        (b"* 1 FETCH (FLAGS ())\r\n", 0),
        (b"* 1 FETCH (FLAGS (\\Seen))\r\n", 1),
        (b"* 1 FETCH (UID 4 FLAGS (\\Seen $Forwarded NonJunk) MODSEQ (7))\r\n", 3),
        (
            b"* 1 FETCH (FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $a $b $c $d $e $f $g))\r\n",
            12,
        ),
        (b"* 1 FETCH (FLAGS ($a))\r\n", 1),
    ];
    for (frame, count) in frames {
        let attrs = attributes(frame);
        let flags = attrs
            .iter()
            .find_map(|a| match a {
                MessageAttribute::Flags(flags) => Some(flags),
                _ => None,
            })
            .unwrap();
        assert_eq!(flags.len(), count, "{:?}", String::from_utf8_lossy(frame));
        assert_eq!(
            flags.iter().count(),
            count,
            "{:?}",
            String::from_utf8_lossy(frame)
        );
    }
    let attrs = attributes(b"* 1 FETCH (FLAGS (\\Seen  $Junk \\X-Ext \\*))\r\n");
    let [MessageAttribute::Flags(flags)] = &attrs[..] else {
        panic!("{attrs:?}");
    };
    assert_eq!(
        flags.to_vec(),
        [
            Flag::Seen,
            Flag::keyword("$Junk"),
            Flag::Extension(Bytes::from_static(b"X-Ext")),
            Flag::MayCreate,
        ]
    );
}

fn status_items(frame: &'static [u8]) -> Vec<imap_proto_core::types::StatusItem> {
    match parse_response(Bytes::from_static(frame), &Limits::default()) {
        Ok(Response::Untagged(Untagged::MailboxStatus(status))) => status.items,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(frame)),
    }
}

#[test]
fn status_lists_are_sized_exactly_and_read_values_with_parentheses() {
    use imap_proto_core::types::StatusItem;
    let items = status_items(
        b"* STATUS INBOX (MESSAGES 231 RECENT 1 UIDNEXT 44292 UIDVALIDITY 1 UNSEEN 0 HIGHESTMODSEQ 9 SIZE 5)\r\n",
    );
    assert_eq!(items.len(), 7);
    assert_eq!(items.capacity(), 7, "sized exactly");
    assert_eq!(items[2], StatusItem::UidNext(44292));
    let items = status_items(b"* STATUS x (MAILBOXID (F2a) MESSAGES 2  X-A (1 2) UNSEEN 1)\r\n");
    assert_eq!(items.len(), 4);
    assert_eq!(items[0], StatusItem::MailboxId(Bytes::from_static(b"F2a")));
    assert_eq!(items[3], StatusItem::Unseen(1));
    assert!(status_items(b"* STATUS x ()\r\n").is_empty());
}
