//! ENVELOPE's addresses are gathered in a per-thread scratch list reused from one envelope to
//! the next, `NIL` address lists and `NIL` source routes are taken in one compare, and every
//! other spelling goes to the general parsers. These check that the reuse never carries an
//! address from one envelope into another (also after a malformed one, and past the room kept
//! between envelopes), and that the one-compare paths read what the general ones read.

use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::parse::parse_response;
use imap_proto_core::types::{Addresses, Envelope, Response, Untagged};

fn parse(value: &str) -> Option<Envelope> {
    let wire = format!("* 1 FETCH (ENVELOPE {value})\r\n");
    let Ok(Response::Untagged(Untagged::Fetch(mut fetch))) =
        parse_response(Bytes::from(wire), &Limits::default())
    else {
        return None;
    };
    fetch.envelope.take().map(|envelope| *envelope)
}

fn envelope(value: &str) -> Envelope {
    parse(value).unwrap_or_else(|| panic!("does not parse: {value}"))
}

/// `n` addresses `("Name k" NIL "user-k" "host.example")`.
fn list(prefix: &str, n: usize) -> String {
    let addresses: String = (0..n)
        .map(|k| format!(r#"("{prefix} {k}" NIL "{prefix}-{k}" "host.example")"#))
        .collect();
    format!("({addresses})")
}

fn mailboxes(list: Addresses<'_>) -> Vec<String> {
    list.map(|a| String::from_utf8_lossy(a.mailbox().unwrap_or_default()).into_owned())
        .collect()
}

fn wire(from: &str, to: &str, cc: &str) -> String {
    format!(r#"("d" "s" {from} {from} {from} {to} {cc} NIL NIL "<id>")"#)
}

#[test]
fn consecutive_envelopes_of_every_size_keep_only_their_own_addresses() {
    // Sizes around the old inline room (8), and past the room kept between envelopes.
    for (to, cc) in [
        (0, 0),
        (1, 2),
        (7, 1),
        (8, 8),
        (9, 30),
        (300, 2),
        (2, 0),
        (600, 1),
    ] {
        let value = wire(&list("f", 1), &list("t", to.max(1)), &list("c", cc.max(1)));
        let env = envelope(&value);
        let to = to.max(1);
        let cc = cc.max(1);
        assert_eq!(env.from().len(), 1);
        assert_eq!(env.sender().len(), 1);
        assert_eq!(env.reply_to().len(), 1);
        assert_eq!(env.to().len(), to);
        assert_eq!(env.cc().len(), cc);
        assert!(env.bcc().is_empty());
        let expected: Vec<String> = (0..to).map(|k| format!("t-{k}")).collect();
        assert_eq!(mailboxes(env.to()), expected);
        let expected: Vec<String> = (0..cc).map(|k| format!("c-{k}")).collect();
        assert_eq!(mailboxes(env.cc()), expected);
        assert_eq!(
            env.to().last().unwrap().name(),
            Some(format!("t {}", to - 1).as_bytes())
        );
    }
}

#[test]
fn a_malformed_envelope_leaves_nothing_for_the_next() {
    let good = wire(&list("f", 2), &list("t", 12), "NIL");
    let expected = envelope(&good);
    for broken in [
        // Fails in the last address of a long list, after many were gathered.
        format!(
            r#"("d" "s" {} NIL NIL {} NIL NIL NIL "<id>")"#,
            list("f", 3),
            {
                let mut to = list("t", 20);
                to.truncate(to.len() - 3);
                to + "x)"
            }
        ),
        // Fails after all address lists, at the message id.
        format!(
            r#"("d" "s" {} NIL NIL {} NIL NIL NIL <id>)"#,
            list("f", 3),
            list("t", 9)
        ),
        // Fails in the middle of an address's fields.
        format!(
            r#"("d" "s" {} NIL NIL (("n" NIL "m" 5)) NIL NIL NIL "<id>")"#,
            list("f", 10)
        ),
    ] {
        assert!(parse(&broken).is_none(), "{broken:?}");
        let again = envelope(&good);
        assert_eq!(again, expected);
        assert_eq!(mailboxes(again.from()), ["f-0", "f-1"]);
        assert_eq!(again.to().len(), 12);
    }
}

#[test]
fn nil_lists_and_routes_read_the_same_in_every_spelling() {
    let plain = envelope(r#"("d" "s" (("A" NIL "a" "h")) NIL NIL NIL NIL NIL NIL "<id>")"#);
    for other in [
        r#"("d" "s" (("A" nil "a" "h")) nil Nil nIL niL nil nil "<id>")"#,
        r#"("d" "s" (("A" NIL "a" "h")) NIL  NIL NIL NIL NIL NIL "<id>")"#,
        r#"("d" "s" (("A"  NIL "a" "h")) NIL NIL NIL NIL NIL NIL "<id>")"#,
        r#"("d" "s" (("A" NIL  "a" "h")) NIL NIL NIL NIL NIL NIL "<id>")"#,
        r#"("d" "s" ( ("A" NIL "a" "h") ) NIL NIL NIL NIL NIL NIL "<id>")"#,
        "(\"d\" \"s\" (({1}\r\nA NIL \"a\" \"h\")) NIL NIL NIL NIL NIL NIL \"<id>\")",
    ] {
        let env = envelope(other);
        assert_eq!(env, plain, "{other:?}");
        assert!(env.sender().is_empty() && env.bcc().is_empty());
    }
    // A source route that is not NIL is kept, quoted or literal, escaped or not.
    for (route, expected) in [
        (r#""@relay.example""#, &b"@relay.example"[..]),
        ("{3}\r\n@r1", b"@r1"),
        (r#""@a\"b""#, b"@a\"b"),
        ("\"NIL \"", b"NIL "),
    ] {
        let value = format!(r#"("d" "s" (("A" {route} "a" "h")) NIL NIL NIL NIL NIL NIL NIL)"#);
        let env = envelope(&value);
        let from = env.from().next().unwrap();
        assert_eq!(from.adl(), Some(expected), "{value:?}");
        assert_eq!(from.mailbox(), Some(&b"a"[..]));
        assert_eq!(from.host(), Some(&b"h"[..]));
    }
    // Words that only start like NIL are not NIL.
    for broken in [
        r#"("d" "s" (("A" NILS "a" "h")) NIL NIL NIL NIL NIL NIL NIL)"#,
        r#"("d" "s" (("A" NIL "a" "h")) NILNIL NIL NIL NIL NIL NIL NIL)"#,
        r#"("d" "s" (("A" NIL "a" "h")) NIL NIL NIL NIL NIX NIL NIL)"#,
        r#"("d" "s" (("A" NIL "a" "h")) NIL NIL NIL NIL NIL NI"#,
    ] {
        assert!(parse(broken).is_none(), "{broken:?}");
    }
}
