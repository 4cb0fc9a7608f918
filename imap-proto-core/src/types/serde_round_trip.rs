//! The stored result types survive a serde round trip (feature `serde`), including a
//! mailbox's name encoding and a sequence set's wire form.

use bytes::Bytes;

use super::*;

fn round_trip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_string(value).expect("serializes");
    serde_json::from_str(&json).expect("deserializes")
}

#[test]
fn stored_types_round_trip() {
    let info = MailboxInfo {
        attributes: vec![MailboxAttribute::Drafts, MailboxAttribute::HasNoChildren],
        delimiter: Some('/'),
        mailbox: Mailbox::from_wire_in(Bytes::from("Entwürfe"), NameEncoding::Utf8),
        extended: vec![ListExtendedItem::ChildInfo(vec![Bytes::from_static(
            b"SUBSCRIBED",
        )])],
    };
    let back = round_trip(&info);
    assert_eq!(back, info);
    assert_eq!(back.mailbox.encoding(), NameEncoding::Utf8);
    assert_eq!(back.mailbox.name(), "Entwürfe");

    let flags = vec![Flag::Seen, Flag::keyword("$Junk"), Flag::MayCreate];
    assert_eq!(round_trip(&flags), flags);

    let set: SequenceSet = "1:5,7,9:*".parse().unwrap();
    assert_eq!(serde_json::to_string(&set).unwrap(), "\"1:5,7,9:*\"");
    assert_eq!(round_trip(&set), set);
    assert!(serde_json::from_str::<SequenceSet>("\"0:4\"").is_err());

    let copy = CopyResult {
        code: Some(ResponseCode::CopyUid {
            uid_validity: 38505,
            source: vec![UidRange::new(304, 304)],
            destination: vec![UidRange::new(3956, 3956)],
        }),
    };
    assert_eq!(round_trip(&copy), copy);
    let capabilities = vec![Capability::new("IMAP4rev1"), Capability::new("AUTH=PLAIN")];
    assert_eq!(round_trip(&capabilities), capabilities);
}
