//! BODYSTRUCTURE is read by offset, with the shapes servers send (quoted strings without
//! escapes, `NIL`, small numbers, single spaces, a parameter's quoted value right after its
//! name, a part with no extension values) taken in one step and every other spelling handed
//! to the general parsers. Each pair here spells the same structure both ways: they must
//! read the same, and broken structures must be errors, not panics.

use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::parse::parse_response;
use imap_proto_core::types::{BodyExtension, BodyStructure, Response, Untagged};

fn parse(value: &[u8]) -> Option<BodyStructure> {
    let mut wire = b"* 1 FETCH (BODYSTRUCTURE ".to_vec();
    wire.extend_from_slice(value);
    wire.extend_from_slice(b")\r\n");
    let Ok(Response::Untagged(Untagged::Fetch(mut fetch))) =
        parse_response(Bytes::from(wire), &Limits::default())
    else {
        return None;
    };
    fetch.body_structure.take().map(|structure| *structure)
}

fn structure(value: &str) -> BodyStructure {
    parse(value.as_bytes()).unwrap_or_else(|| panic!("does not parse: {value}"))
}

#[test]
fn parameters_read_the_same_in_every_spelling() {
    let plain =
        structure(r#"("text" "plain" ("charset" "utf-8" "name" "a b") NIL NIL "7bit" 5 1)"#);
    for other in [
        "(\"text\" \"plain\" (\"charset\" {5}\r\nutf-8 \"name\" \"a b\") NIL NIL \"7bit\" 5 1)",
        "(\"text\" \"plain\" ( \"charset\"  \"utf-8\"  \"name\" \"a b\" ) NIL NIL \"7bit\" 5 1)",
        "(\"text\" \"plain\" ({7}\r\ncharset \"utf-8\" \"name\" {3}\r\na b) NIL NIL \"7bit\" 5 1)",
    ] {
        assert_eq!(structure(other), plain, "{other:?}");
    }
    let root = plain.root();
    assert_eq!(root.param("charset"), Some(&b"utf-8"[..]));
    assert_eq!(root.param("name"), Some(&b"a b"[..]));
    let escaped = structure(r#"("text" "plain" ("name" "a \"b\" \\c") NIL NIL "7bit" 5 1)"#);
    assert_eq!(escaped.root().param("name"), Some(&br#"a "b" \c"#[..]));
    let control = structure("(\"text\" \"plain\" (\"name\" \"a\u{1}b\") NIL NIL \"7bit\" 5 1)");
    assert_eq!(control.root().param("name"), Some(&b"a\x01b"[..]));
    assert!(parse(br#"("text" "plain" ("name" "a\qb") NIL NIL "7bit" 5 1)"#).is_none());
    assert!(parse(br#"("text" "plain" ("name" "a\"b) NIL NIL "7bit" 5 1)"#).is_none());
    let nil_value = structure(r#"("text" "plain" ("name" NIL "x" "y") NIL NIL "7bit" 5 1)"#);
    assert_eq!(nil_value.root().params().count(), 2);
    assert_eq!(nil_value.root().param("x"), Some(&b"y"[..]));
    // A parameter name is a string: NIL there is an error.
    assert!(parse(br#"("text" "plain" (NIL "x") NIL NIL "7bit" 5 1)"#).is_none());
}

#[test]
fn absent_extension_values_read_the_same_in_one_compare_or_field_by_field() {
    let fast = structure(r#"("text" "plain" NIL NIL NIL "7bit" 5 1 NIL NIL NIL NIL)"#);
    for other in [
        r#"("text" "plain" NIL NIL NIL "7bit" 5 1 nil NIL NIL NIL)"#,
        r#"("text" "plain" NIL NIL NIL "7bit" 5 1 NIL NIL NIL NIL )"#,
        r#"("text" "plain" NIL NIL NIL "7bit" 5 1 NIL NIL  NIL NIL)"#,
    ] {
        assert_eq!(structure(other), fast, "{other}");
    }
    assert!(fast.root().has_extension_data());
    assert_eq!(fast.root().md5(), None);
    let md5 = structure(r#"("text" "plain" NIL NIL NIL "7bit" 5 1 "abc" NIL NIL NIL)"#);
    assert_eq!(md5.root().md5(), Some(&b"abc"[..]));
    // DavMail's line count where the MD5 belongs is kept as text.
    let number = structure(r#"("image" "png" NIL NIL NIL "base64" 5 12 NIL NIL NIL)"#);
    assert_eq!(number.root().md5(), Some(&b"12"[..]));
}

#[test]
fn numbers_read_by_offset_keep_their_limits() {
    let big = structure(r#"("image" "png" NIL NIL NIL "base64" 4294967295)"#);
    assert_eq!(big.root().octets(), u32::MAX);
    assert!(parse(br#"("image" "png" NIL NIL NIL "base64" 4294967296)"#).is_none());
    let lines = structure(r#"("text" "plain" NIL NIL NIL "7bit" 5 99999999999)"#);
    assert_eq!(lines.root().lines(), Some(u32::MAX));
    let negative = structure(r#"("text" "plain" NIL NIL NIL "7bit" 5 -1)"#);
    assert_eq!(negative.root().lines(), Some(0));
}

#[test]
fn media_types_are_compared_in_any_case() {
    for kind in ["TEXT", "text", "Text", "tExT"] {
        let part = structure(&format!(r#"("{kind}" "plain" NIL NIL NIL "7bit" 5 3)"#));
        assert_eq!(part.root().lines(), Some(3), "{kind}");
    }
    // Not TEXT: the number after the size is the MD5 quirk, not a line count.
    for kind in ["TEXTS", "TEX", "t\u{0}xt"] {
        let part = structure(&format!(r#"("{kind}" "plain" NIL NIL NIL "7bit" 5 3)"#));
        assert_eq!(part.root().lines(), None, "{kind:?}");
    }
    let envelope = r#"(NIL "s" NIL NIL NIL NIL NIL NIL NIL NIL)"#;
    let inner = r#"("text" "plain" NIL NIL NIL "7bit" 5 1)"#;
    for (kind, subtype) in [
        ("MESSAGE", "RFC822"),
        ("message", "rfc822"),
        ("Message", "Global"),
    ] {
        let part = structure(&format!(
            r#"("{kind}" "{subtype}" NIL NIL NIL "7bit" 50 {envelope} {inner} 4)"#
        ));
        let root = part.root();
        assert_eq!(root.lines(), Some(4), "{kind}/{subtype}");
        assert_eq!(root.envelope().and_then(|e| e.subject()), Some(&b"s"[..]));
        assert_eq!(root.message_body().map(|b| b.octets()), Some(5));
    }
}

#[test]
fn extension_values_read_the_same_in_every_spelling() {
    let head = r#"("text" "plain" NIL NIL NIL "7bit" 5 1 NIL NIL NIL NIL "#;
    let plain = structure(&format!(
        r#"{head}("x" (1 "two" (3 NIL "f")) 18446744073709551615))"#
    ));
    let spaced = structure(&format!(
        "{head}( \"x\"  ( 1 {{3}}\r\ntwo ( 3 nil \"f\" ) )  18446744073709551615 ))"
    ));
    assert_eq!(spaced, plain);
    let values = plain.root().extensions().to_vec();
    let n = |s: &str| BodyExtension::NString(Some(Bytes::copy_from_slice(s.as_bytes())));
    assert_eq!(
        values,
        [BodyExtension::List(vec![
            n("x"),
            BodyExtension::List(vec![
                BodyExtension::Number(1),
                n("two"),
                BodyExtension::List(vec![
                    BodyExtension::Number(3),
                    BodyExtension::NString(None),
                    n("f"),
                ]),
            ]),
            BodyExtension::Number(u64::MAX),
        ])]
    );
    let escaped = structure(&format!(r#"{head}"a\"b" ())"#));
    assert_eq!(
        escaped.root().extensions(),
        [n("a\"b"), BodyExtension::List(Vec::new())]
    );
    assert!(parse(format!("{head}18446744073709551616)").as_bytes()).is_none());
}

#[test]
fn deep_extension_lists_stop_at_the_nesting_limit() {
    let head = r#"("text" "plain" NIL NIL NIL "7bit" 5 1 NIL NIL NIL NIL "#;
    let depth = Limits::default().max_nesting_depth + 2;
    let value = format!("{head}{}1{})", "(".repeat(depth), ")".repeat(depth));
    assert!(parse(value.as_bytes()).is_none());
    let shallow = format!("{head}{}1{})", "(".repeat(3), ")".repeat(3));
    assert_eq!(structure(&shallow).root().extensions().len(), 1);
}

#[test]
fn every_cut_of_a_structure_is_an_error_not_a_panic() {
    let full = "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 12 1 NIL NIL NIL NIL)\
        (\"application\" \"pdf\" (\"name\" {5}\r\na.pdf) \"<id>\" \"d\" \"base64\" 99 \"md5\" \
        (\"attachment\" (\"filename\" \"a \\\"b\\\".pdf\")) (\"en\" \"de\") \"loc\" (1 (\"x\" NIL)))\
        (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 50 (NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) \
        (\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1) 4) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)";
    let parsed = structure(full);
    assert_eq!(parsed.root().parts().count(), 3);
    let bytes = full.as_bytes();
    for cut in 0..bytes.len() {
        // A cut may still be a whole (shorter) structure only where a part ends; it must
        // never panic, and the full structure must be the only reading of all of it.
        if let Some(shorter) = parse(&bytes[..cut]) {
            assert!(shorter != parsed, "cut at {cut} read as the whole");
        }
    }
}
