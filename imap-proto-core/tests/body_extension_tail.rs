//! What most MIME parts send for their absent fields, `NIL NIL` for the Content-ID and
//! description and ` NIL NIL NIL)` to close the extension data (no disposition,
//! language or location), are each read in one compare; any other spelling goes field by
//! field.
//! Both readings must give the same part.

use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::parse::parse_response;
use imap_proto_core::types::{BodyStructure, Response, Untagged};

fn structure(value: &str) -> BodyStructure {
    let wire = format!("* 1 FETCH (BODYSTRUCTURE {value})\r\n");
    let response = parse_response(Bytes::from(wire), &Limits::default()).expect(value);
    let Response::Untagged(Untagged::Fetch(mut fetch)) = response else {
        panic!("not a FETCH: {value}");
    };
    let Some(structure) = fetch.body_structure.take() else {
        panic!("not a BODYSTRUCTURE: {value}");
    };
    *structure
}

#[test]
fn nil_extension_tails_read_the_same_in_one_compare_or_field_by_field() {
    // The second of each pair has a doubled space and a lower-case `nil`.
    for (single, multi) in [
        (
            r#"("text" "plain" NIL NIL NIL "7bit" 12 1 NIL NIL NIL NIL)"#,
            r#"(("text" "plain" NIL NIL NIL "7bit" 12 1) "mixed" NIL NIL NIL NIL)"#,
        ),
        (
            r#"("text" "plain" NIL NIL NIL "7bit" 12 1 NIL  NIL NIL nil)"#,
            r#"(("text" "plain" NIL NIL NIL "7bit" 12 1) "mixed" NIL  NIL NIL nil)"#,
        ),
    ] {
        let (s, m) = (structure(single), structure(multi));
        assert!(s.root().has_extension_data() && m.root().has_extension_data());
        assert_eq!(s.root().disposition(), None);
        assert_eq!(m.root().languages().len(), 0);
        assert_eq!(s.root().location(), None);
        assert_eq!((s.root().octets(), s.root().lines()), (12, Some(1)));
        assert_eq!(m.root().parts().count(), 1);
    }
    assert_eq!(
        structure(r#"("text" "plain" NIL NIL NIL "7bit" 12 1 NIL NIL NIL NIL)"#),
        structure(r#"("text" "plain" NIL NIL NIL "7bit" 12 1 NIL  NIL NIL NIL)"#),
    );
    let located = structure(r#"("text" "plain" NIL NIL NIL "7bit" 12 1 NIL NIL NIL "x")"#);
    assert_eq!(located.root().location(), Some(&b"x"[..]));
    let extended = structure(r#"("text" "plain" NIL NIL NIL "7bit" 12 1 NIL NIL NIL NIL 7)"#);
    assert_eq!(extended.root().extensions().len(), 1);
}

#[test]
fn absent_id_and_description_read_the_same_in_one_compare_or_field_by_field() {
    // `NIL NIL ` before the encoding is read in one step, any other spelling field by field.
    let fast = structure(r#"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1)"#);
    for slow in [
        r#"("text" "plain" ("charset" "utf-8") NIL  NIL "7bit" 12 1)"#,
        r#"("text" "plain" ("charset" "utf-8") nil nil "7bit" 12 1)"#,
    ] {
        assert_eq!(structure(slow), fast, "{slow}");
    }
    assert_eq!(fast.root().id(), None);
    assert_eq!(fast.root().description(), None);
    assert_eq!(fast.root().encoding(), b"7bit");
    let named = structure(r#"("text" "plain" NIL "<a@b>" NIL "7bit" 12 1)"#);
    assert_eq!(named.root().id(), Some(&b"<a@b>"[..]));
    let described = structure(r#"("text" "plain" NIL NIL "d" "7bit" 12 1)"#);
    assert_eq!(described.root().description(), Some(&b"d"[..]));
}
