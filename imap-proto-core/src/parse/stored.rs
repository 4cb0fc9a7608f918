//! Serde for the values that keep their wire text, `Envelope`, `BodyStructure` and
//! `MessageFlags` (feature `serde`): they are stored as that text (a string when it is UTF-8, bytes otherwise) and
//! read back through the parser, so a stored value is exactly what the server sent and the
//! data model needs no second representation. The impls live here, not in `types/`, because
//! reading them back needs the parser (docs/design.md, "Module layering").

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::PResult;
use super::core::message_flags;
use super::fetch::{body, envelope};
use super::input::{FrameContext, Span};
use crate::Limits;
use crate::types::{BodyStructure, Envelope, MessageFlags, NameEncoding};

/// Writes wire text: a string when it is UTF-8 (readable in JSON), bytes otherwise.
fn store<S: Serializer>(wire: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(wire) {
        Ok(text) => serializer.serialize_str(text),
        Err(_) => serializer.serialize_bytes(wire),
    }
}

/// Reads wire text back with `parser`, which must take all of it.
fn load<'de, D, T>(
    deserializer: D,
    what: &'static str,
    parser: impl for<'a> Fn(Span<'a>) -> PResult<'a, T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let ctx = FrameContext {
        frame: Bytes::deserialize(deserializer)?,
        max_depth: Limits::default().max_nesting_depth,
        names: NameEncoding::default(),
    };
    match parser(Span::new(&ctx)) {
        Ok((rest, value)) if rest.as_slice().is_empty() => Ok(value),
        _ => Err(serde::de::Error::custom(format_args!(
            "stored {what} is not valid IMAP"
        ))),
    }
}

impl Serialize for Envelope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        store(self.wire(), serializer)
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        load(deserializer, "ENVELOPE", envelope)
    }
}

impl Serialize for BodyStructure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        store(self.wire(), serializer)
    }
}

impl<'de> Deserialize<'de> for BodyStructure {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        load(deserializer, "BODYSTRUCTURE", |i| body(i, 0))
    }
}

impl Serialize for MessageFlags {
    /// As the list is written in IMAP, parentheses included: `(\Seen $Junk)`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MessageFlags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        load(deserializer, "FLAGS", message_flags)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use crate::parse::parse_response;
    use super::{BodyStructure, Envelope, MessageFlags};
    use crate::ParseErrorKind;
    use crate::types::{
        FetchResponse, Flag, MessageAttribute, ParseError, Response,
        SelectedMailbox, UidRange, Unparsed, Untagged,
    };

    fn round_trip<T>(value: &T) -> T
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let json = serde_json::to_string(value).expect("serializes");
        serde_json::from_str(&json).expect("deserializes")
    }

    /// A FETCH response as Dovecot sends it, with an envelope (encoded subject, a group, a
    /// quoted string with escapes), a multipart body structure, flags and a body section.
    fn fetched() -> FetchResponse {
        let line = concat!(
            "* 12 FETCH (UID 4242 FLAGS (\\Seen $Junk) RFC822.SIZE 3456 ",
            "INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" ",
            "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" ",
            "\"=?UTF-8?B?R3LDvMOfZQ==?= \\\"quoted\\\"\" ",
            "((\"J. M\\\"uller\" NIL \"jm\" \"example.com\")) NIL NIL ",
            "((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"b.example\")(NIL NIL NIL NIL)) ",
            "NIL NIL NIL \"<B27397-0100000@example.com>\") ",
            "BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" 12 1)",
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL NIL \"BASE64\" 400) \"MIXED\") ",
            "BODY[1] {12}\r\nHello world!)\r\n",
        );
        match parse_response(Bytes::from(line), &Default::default()) {
            Ok(Response::Untagged(Untagged::Fetch(fetch))) => fetch,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fetch_responses_survive_a_round_trip() {
        let fetch = fetched();
        let back = round_trip(&fetch);
        assert_eq!(back, fetch);
        let envelope = back.envelope().expect("envelope");
        assert_eq!(envelope.subject(), fetch.envelope().unwrap().subject());
        let sender = envelope.from().next().expect("a sender");
        assert_eq!(sender.name(), Some(&b"J. M\"uller"[..]));
        assert_eq!(envelope.to().count(), 3);
        let structure = back.body_structure().expect("body structure");
        assert_eq!(structure.wire(), fetch.body_structure().unwrap().wire());
        // Stored as readable wire text.
        let json = serde_json::to_string(&fetch).unwrap();
        assert!(json.contains("=?UTF-8?B?R3LDvMOfZQ==?="), "{json}");
    }

    #[test]
    fn stored_wire_text_that_does_not_parse_is_refused() {
        let nil = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
        assert!(serde_json::from_str::<Envelope>(&format!("{nil:?}")).is_ok());
        for broken in ["(NIL NIL", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) x", ""] {
            assert!(serde_json::from_str::<Envelope>(&format!("{broken:?}")).is_err());
        }
        let unterminated = r#""(\"TEXT\" \"PLAIN\"""#;
        assert!(serde_json::from_str::<BodyStructure>(unterminated).is_err());
    }

    /// A message's flags are stored as the list is written and read back through the parser:
    /// what it accepts comes back, anything else is refused.
    #[test]
    fn stored_flag_lists_are_read_back_by_the_parser() {
        let flags = fetched().flags.expect("the fixture has flags");
        assert_eq!(serde_json::to_string(&flags).unwrap(), r#""(\\Seen $Junk)""#);
        assert_eq!(round_trip(&flags), flags);
        for (good, read) in [
            ("()", "()"),
            (r"(\seen)", r"(\Seen)"),
            (r"($Junk  \*)", r"($Junk \*)"),
            (r"(\X-y a)", r"(\X-y a)"),
        ] {
            let back: MessageFlags = serde_json::from_str(&format!("{good:?}")).expect(good);
            assert_eq!(back.to_string(), read, "{good}");
        }
        for bad in ["(", r"(\)", "(a)b)", r#"("q")"#, r"(\**)", "(a\r\nb)", r"(\Seen{3})", r"\Seen"] {
            assert!(
                serde_json::from_str::<MessageFlags>(&format!("{bad:?}")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_unparsed_attribute_is_not_stored() {
        let mut fetch = fetched();
        fetch
            .attributes
            .push(MessageAttribute::Unparsed(Box::new(Unparsed {
                raw: Bytes::from_static(b"* 12 FETCH (ENVELOPE (garbage))\r\n"),
                error: ParseError {
                    kind: ParseErrorKind::Syntax("nil"),
                    offset: 22,
                },
            })));
        assert!(serde_json::to_string(&fetch).is_err());
    }

    #[test]
    fn selected_mailboxes_survive_a_round_trip() {
        let mut selected = SelectedMailbox::new("Entwürfe".into(), false);
        selected.exists = 172;
        selected.uid_validity = Some(3_857_529_045);
        selected.highest_modseq = Some(715_194_045_007);
        selected.flags = vec![Flag::Seen, Flag::keyword("$Junk")];
        selected.mailbox_id = Some(Bytes::from_static(b"F2212ea87"));
        selected.vanished = vec![UidRange::new(41, 44)];
        selected.changed = vec![fetched()];
        assert_eq!(round_trip(&selected), selected);
    }
}
