//! Body-extension values (`*(SP body-extension)` after `body-fld-loc`, RFC 3501 §7.4.2,
//! RFC 9051 §9): the parser checks them when it reads the structure and keeps them as
//! wire text; `BodyPart::extensions` builds the values on its first call. Whatever the
//! shape, the values are the ones the parser built eagerly before (written out here), and
//! a malformed value is the same error at parse time.

use bytes::Bytes;
use imap_proto_core::parse::parse_response;
use imap_proto_core::types::{BodyExtension, BodyStructure, Response, Untagged};
use imap_proto_core::{Limits, ParseError, ParseErrorKind};

fn parse_with(value: &str, limits: &Limits) -> Result<BodyStructure, ParseError> {
    let wire = format!("* 1 FETCH (BODYSTRUCTURE {value})\r\n");
    let Response::Untagged(Untagged::Fetch(mut fetch)) = parse_response(Bytes::from(wire), limits)?
    else {
        panic!("not a FETCH: {value:?}");
    };
    let Some(structure) = fetch.body_structure.take() else {
        panic!("not a BODYSTRUCTURE: {value:?}");
    };
    Ok(*structure)
}

fn parse(value: &str) -> BodyStructure {
    parse_with(value, &Limits::default()).unwrap_or_else(|e| panic!("{value:?}: {e:?}"))
}

/// A single basic part with no MD5, disposition, language or location, then `values`.
fn single(values: &str) -> String {
    format!(r#"("APPLICATION" "X" NIL NIL NIL "BASE64" 10 NIL NIL NIL NIL {values})"#)
}

fn s(value: &str) -> BodyExtension {
    BodyExtension::NString(Some(Bytes::copy_from_slice(value.as_bytes())))
}

fn nil() -> BodyExtension {
    BodyExtension::NString(None)
}

fn num(value: u64) -> BodyExtension {
    BodyExtension::Number(value)
}

fn list(items: Vec<BodyExtension>) -> BodyExtension {
    BodyExtension::List(items)
}

/// Every shape of value, and what the eager parser made of it.
fn shapes() -> Vec<(&'static str, Vec<BodyExtension>)> {
    vec![
        ("0", vec![num(0)]),
        ("7 42", vec![num(7), num(42)]),
        ("18446744073709551615", vec![num(u64::MAX)]),
        // Twenty digits that still fit (the checked path).
        ("00000000000000000001", vec![num(1)]),
        ("NIL", vec![nil()]),
        ("nil NiL", vec![nil(), nil()]),
        (r#""plain""#, vec![s("plain")]),
        (r#""""#, vec![s("")]),
        (r#""a\"b\\c""#, vec![s(r#"a"b\c"#)]),
        (r#""\\""#, vec![s(r"\")]),
        ("\"tab\there\"", vec![s("tab\there")]),
        ("\"caf\u{e9} (x)\"", vec![s("caf\u{e9} (x)")]),
        ("{5}\r\nhe)lo", vec![s("he)lo")]),
        ("{0}\r\n", vec![s("")]),
        // A bare LF after the count, as the literal reader allows.
        ("{2}\nab", vec![s("ab")]),
        ("{3+}\r\na\"b", vec![s("a\"b")]),
        ("~{2}\r\n\"(", vec![s("\"(")]),
        ("()", vec![list(vec![])]),
        ("( )", vec![list(vec![])]),
        (
            r#"(1 ("x" NIL) ())"#,
            vec![list(vec![num(1), list(vec![s("x"), nil()]), list(vec![])])],
        ),
        (
            "( 1  \"a\"  {2}\r\n)) )  NIL",
            vec![list(vec![num(1), s("a"), s("))")]), nil()],
        ),
        (
            "(\"a\\\"\" {1}\r\nb (((2))))",
            vec![list(vec![
                s("a\""),
                s("b"),
                list(vec![list(vec![list(vec![num(2)])])]),
            ])],
        ),
        (
            r#"7 "x" (1 ("y" NIL))"#,
            vec![
                num(7),
                s("x"),
                list(vec![num(1), list(vec![s("y"), nil()])]),
            ],
        ),
    ]
}

#[test]
fn every_shape_reads_as_the_eager_parser_built_it() {
    for (values, expected) in shapes() {
        let structure = parse(&single(values));
        let root = structure.root();
        assert_eq!(root.extensions(), &expected[..], "{values:?}");
        // A second call gives the same slice.
        assert_eq!(root.extensions(), &expected[..], "{values:?}");
        assert_eq!(root.location(), None);
    }
}

#[test]
fn no_values_reads_as_none() {
    for value in [
        single("").replace(" )", ")"),
        r#"("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1 NIL NIL NIL "loc")"#.to_string(),
        r#"("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1)"#.to_string(),
        r#"(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) "MIXED")"#.to_string(),
    ] {
        let structure = parse(&value);
        assert!(structure.root().extensions().is_empty(), "{value}");
    }
}

#[test]
fn multipart_parts_each_get_their_own_values() {
    let structure = parse(concat!(
        r#"(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1 NIL NIL NIL NIL 5)"#,
        r#"("TEXT" "HTML" NIL NIL NIL "7BIT" 1 1 NIL NIL NIL NIL)"#,
        r#"("IMAGE" "PNG" NIL NIL NIL "BASE64" 9 NIL NIL NIL "loc" "i" ("j" 2))"#,
        r#" "MIXED" ("BOUNDARY" "b") NIL NIL NIL "m" (6))"#,
    ));
    let root = structure.root();
    assert_eq!(root.extensions(), &[s("m"), list(vec![num(6)])]);
    let parts: Vec<_> = root.parts().collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0].extensions(), &[num(5)]);
    assert!(parts[1].extensions().is_empty());
    assert_eq!(parts[2].location(), Some(&b"loc"[..]));
    assert_eq!(parts[2].extensions(), &[s("i"), list(vec![s("j"), num(2)])]);
}

#[test]
fn attached_messages_keep_their_envelopes_and_values() {
    let envelope = r#"(NIL "subj" NIL NIL NIL NIL NIL NIL NIL NIL)"#;
    let inner = r#"("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1 NIL NIL NIL NIL "inner" 3)"#;
    for outer_values in ["", r#" "outer" (NIL)"#] {
        let value = format!(
            r#"(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 100 {envelope} {inner} 5 NIL NIL NIL NIL{outer_values}) "MIXED" NIL NIL NIL NIL 9)"#
        );
        let structure = parse(&value);
        let root = structure.root();
        assert_eq!(root.extensions(), &[num(9)]);
        let message = root.parts().next().unwrap();
        assert_eq!(
            message.envelope().unwrap().subject(),
            Some(&b"subj"[..]),
            "{value}"
        );
        let expected = if outer_values.is_empty() {
            vec![]
        } else {
            vec![s("outer"), list(vec![nil()])]
        };
        assert_eq!(message.extensions(), &expected[..], "{value}");
        let body = message.message_body().unwrap();
        assert_eq!(body.extensions(), &[s("inner"), num(3)]);
    }
    // An attached message with no extension values anywhere.
    let plain = parse(&format!(
        r#"("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 100 {envelope} ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) 5)"#
    ));
    assert!(plain.root().extensions().is_empty());
    assert!(plain.root().message_body().unwrap().extensions().is_empty());
    assert!(plain.root().envelope().is_some());
}

#[test]
fn malformed_values_are_the_same_errors() {
    for (values, kind) in [
        ("18446744073709551616", ParseErrorKind::NumberOverflow),
        ("99999999999999999999999", ParseErrorKind::NumberOverflow),
        ("(1 18446744073709551616)", ParseErrorKind::NumberOverflow),
    ] {
        let error = parse_with(&single(values), &Limits::default()).unwrap_err();
        assert_eq!(error.kind, kind, "{values:?}");
    }
    for values in [
        r#""a\x""#,
        "\"a\rb\"",
        "\"unterminated",
        "(1 2",
        "(1 \"x)",
        "ATOM",
        "NILX",
        "{9}\r\nshort",
        "-1",
    ] {
        assert!(
            parse_with(&single(values), &Limits::default()).is_err(),
            "{values:?}"
        );
    }
}

/// `depth` nested lists around a number.
fn nested(depth: usize) -> String {
    format!("{}1{}", "(".repeat(depth), ")".repeat(depth))
}

fn expected_nested(depth: usize) -> BodyExtension {
    (0..depth).fold(num(1), |inner, _| list(vec![inner]))
}

#[test]
fn nesting_up_to_the_limit_reads_and_past_it_is_too_deep() {
    for limit in [8, 64] {
        let limits = Limits::default().with_max_nesting_depth(limit);
        // msg-att is level 1, the structure 2, its values 3: `limit - 2` lists fit.
        let deepest = limit - 2;
        let structure = parse_with(&single(&nested(deepest)), &limits).unwrap();
        assert_eq!(
            structure.root().extensions(),
            &[expected_nested(deepest)],
            "limit {limit}"
        );
        let error = parse_with(&single(&nested(deepest + 1)), &limits).unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::TooDeep, "limit {limit}");
    }
    // One level deeper for a multipart's children.
    let limits = Limits::default().with_max_nesting_depth(8);
    let child = |depth| {
        format!(
            r#"(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1 NIL NIL NIL NIL {}) "MIXED")"#,
            nested(depth)
        )
    };
    let structure = parse_with(&child(5), &limits).unwrap();
    let part = structure.root().parts().next().unwrap();
    assert_eq!(part.extensions(), &[expected_nested(5)]);
    let error = parse_with(&child(6), &limits).unwrap_err();
    assert_eq!(error.kind, ParseErrorKind::TooDeep);
}

#[test]
fn input_cut_anywhere_is_an_error_not_a_panic() {
    let value = single("1 \"a\\\"b\" {4}\r\n(x)) (NIL (\"c\" 18446744073709551615) ()) nil");
    let wire = format!("* 1 FETCH (BODYSTRUCTURE {value})");
    let start = wire.find("BODYSTRUCTURE").unwrap();
    for cut in start..wire.len() {
        let Some(head) = wire.get(..cut) else {
            continue;
        };
        let frame = format!("{head}\r\n");
        assert!(
            parse_response(Bytes::from(frame), &Limits::default()).is_err(),
            "cut at {cut}"
        );
        // Closed again after the cut: what parses reads without a panic.
        for close in [")", "))", ")))"] {
            let frame = format!("{head}{close})\r\n");
            if let Ok(Response::Untagged(Untagged::Fetch(fetch))) =
                parse_response(Bytes::from(frame), &Limits::default())
                && let Some(structure) = &fetch.body_structure
            {
                for (_, part) in structure.sections() {
                    let _ = part.extensions();
                }
            }
        }
    }
    let whole = parse(&value);
    assert_eq!(
        whole.root().extensions(),
        &[
            num(1),
            s("a\"b"),
            s("(x))"),
            list(vec![nil(), list(vec![s("c"), num(u64::MAX)]), list(vec![])]),
            nil(),
        ]
    );
}

#[test]
fn clones_read_the_same_values_before_and_after_the_first_access() {
    let value = single(r#"1 ("x" ({1}"#).replace("{1}", "{1}\r\ny))");
    let expected = [num(1), list(vec![s("x"), list(vec![s("y")])])];
    let first = parse(&value);
    let early = first.clone();
    assert_eq!(first.root().extensions(), &expected);
    let late = first.clone();
    drop(first);
    assert_eq!(early.root().extensions(), &expected);
    assert_eq!(late.root().extensions(), &expected);
    assert_eq!(early, late);
    // Equality and the debug form see the values.
    let other = parse(&single(r#"1 ("x" ("z"))"#));
    assert_ne!(early, other);
    assert!(format!("{early:?}").contains("extensions"));
}

#[test]
fn two_threads_read_the_same_values() {
    let structure = parse(&single(r#"(1 2) "a" NIL"#));
    let expected = [list(vec![num(1), num(2)]), s("a"), nil()];
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let values = structure.root().extensions();
                    assert_eq!(values, &expected);
                    values.as_ptr() as usize
                })
            })
            .collect();
        let places: Vec<usize> = readers.into_iter().map(|r| r.join().unwrap()).collect();
        // Both read the one decoded copy.
        assert_eq!(places[0], places[1]);
    });
    fn send_sync_clone<T: Send + Sync + Clone>() {}
    send_sync_clone::<BodyStructure>();
}

#[test]
fn spelling_does_not_change_equality() {
    let a = parse(&single(r#"1 ("x" NIL)"#));
    let b = parse(&single("1  ( {1}\r\nx  nil )"));
    assert_eq!(a, b);
}

#[test]
fn errors_are_where_and_what_the_eager_parser_reported() {
    // Kind and frame offset as the eager parser reported them (recorded from it).
    let limits = Limits::default().with_max_nesting_depth(8);
    for (values, kind, offset) in [
        (r#""a\x""#, r#"Syntax("quoted-specials")"#, 86),
        ("\"a\rb\"", r#"Syntax("QUOTED-CHAR")"#, 86),
        ("\"unterminated", r#"Syntax("QUOTED-CHAR")"#, 99),
        ("(1 2", r#"Syntax("msg-att")"#, 90),
        ("(1 \"x)", r#"Syntax("QUOTED-CHAR")"#, 92),
        ("ATOM", r#"Syntax("nil")"#, 84),
        ("NILX", r#"Syntax("nil")"#, 84),
        ("{9}\r\nshort", r#"Syntax("body-type-1part")"#, 98),
        ("-1", r#"Syntax("nil")"#, 84),
        ("(1 (2 (3 18446744073709551616)))", "NumberOverflow", 93),
        ("((((((((1))))))))", "TooDeep", 91),
        ("( (  ) x)", r#"Syntax("nil")"#, 91),
    ] {
        let error = parse_with(&single(values), &limits).unwrap_err();
        assert_eq!(
            (format!("{:?}", error.kind), error.offset),
            (kind.to_string(), offset),
            "{values:?}"
        );
    }
}

/// A small deterministic generator (xorshift) for the round trip below.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A random value, `depth` lists deep at most.
fn random_value(dice: &mut Dice, depth: u32) -> BodyExtension {
    match dice.below(if depth == 0 { 3 } else { 4 }) {
        0 => match dice.below(3) {
            0 => num(dice.below(1000)),
            1 => num(u64::MAX - dice.below(3)),
            _ => num(dice.below(u64::MAX)),
        },
        1 => nil(),
        2 => {
            let len = dice.below(12) as usize;
            let alphabet = b"ab \"\\()\r\n\t{}~\xC3\xBC0";
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[dice.below(alphabet.len() as u64) as usize])
                .collect();
            BodyExtension::NString(Some(Bytes::from(bytes)))
        }
        _ => list(
            (0..dice.below(4))
                .map(|_| random_value(dice, depth - 1))
                .collect(),
        ),
    }
}

/// `value` as a server might spell it: `NIL` in any case, a literal (of either form) or a
/// quoted string with escapes, extra spaces in lists.
fn spell(value: &BodyExtension, dice: &mut Dice, out: &mut Vec<u8>) {
    match value {
        BodyExtension::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        BodyExtension::NString(None) => {
            out.extend_from_slice([&b"NIL"[..], b"nil", b"Nil"][dice.below(3) as usize])
        }
        BodyExtension::NString(Some(s)) => {
            let quotable = !s.iter().any(|b| matches!(b, b'\r' | b'\n' | 0));
            if quotable && dice.below(3) > 0 {
                // Each byte, with a backslash before `"` and `\`.
                let escaped = s.iter().flat_map(|&b| {
                    let escape = matches!(b, b'"' | b'\\');
                    [(b'\\', escape), (b, true)]
                });
                out.push(b'"');
                out.extend(escaped.filter_map(|(b, keep)| keep.then_some(b)));
                out.push(b'"');
            } else {
                let head = [
                    format!("{{{}}}\r\n", s.len()),
                    format!("~{{{}}}\r\n", s.len()),
                ];
                out.extend_from_slice(head[dice.below(2) as usize].as_bytes());
                out.extend_from_slice(s);
            }
        }
        BodyExtension::List(items) => {
            out.push(b'(');
            out.extend(std::iter::repeat_n(b' ', dice.below(2) as usize));
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.extend(std::iter::repeat_n(b' ', 1 + dice.below(2) as usize));
                }
                spell(item, dice, out);
            }
            out.push(b')');
        }
        _ => unreachable!("no other kind is generated"),
    }
}

#[test]
fn random_values_read_back_as_written() {
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
    for round in 0..400 {
        let values: Vec<BodyExtension> = (0..1 + dice.below(3))
            .map(|_| random_value(&mut dice, 3))
            .collect();
        let mut wire = b"* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1 NIL NIL NIL NIL ".to_vec();
        for (k, value) in values.iter().enumerate() {
            if k > 0 {
                wire.push(b' ');
            }
            spell(value, &mut dice, &mut wire);
        }
        wire.extend_from_slice(b") \"MIXED\" NIL NIL NIL NIL ");
        spell(&values[0], &mut dice, &mut wire);
        wire.extend_from_slice(b"))\r\n");
        let text = String::from_utf8_lossy(&wire).into_owned();
        let response = parse_response(Bytes::from(wire), &Limits::default())
            .unwrap_or_else(|e| panic!("round {round}: {e:?} in {text:?}"));
        let Response::Untagged(Untagged::Fetch(fetch)) = response else {
            panic!("not a FETCH: {text:?}");
        };
        let Some(structure) = &fetch.body_structure else {
            panic!("not a BODYSTRUCTURE: {text:?}");
        };
        let root = structure.root();
        assert_eq!(root.extensions(), &values[..1], "round {round}: {text:?}");
        let part = root.parts().next().unwrap();
        assert_eq!(part.extensions(), &values[..], "round {round}: {text:?}");
    }
}
