//! Property tests of the ENVELOPE and BODYSTRUCTURE views: any envelope or MIME tree,
//! written with any mix of quoted strings (with escapes), literals and NIL, parses into a
//! value whose accessors give back exactly what was written. These exercise the offset
//! tables behind the views (ranges of the wire text, the unescaped buffer, shared address
//! lists, the depth-first part table) from outside the crate, through `parse_response`.

use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::parse::parse_response;
use imap_proto_core::types::{
    Addresses, BodyPart, BodyStructure, Envelope, MessageAttribute, Response, Untagged,
};
use proptest::prelude::*;

/// A string as the test wrote it, and how it goes on the wire.
#[derive(Debug, Clone)]
struct Text {
    value: Vec<u8>,
    literal: bool,
}

impl Text {
    fn write(&self, out: &mut Vec<u8>) {
        if self.literal {
            out.extend_from_slice(format!("{{{}}}\r\n", self.value.len()).as_bytes());
            out.extend_from_slice(&self.value);
        } else {
            out.push(b'"');
            for &b in &self.value {
                if b == b'"' || b == b'\\' {
                    out.push(b'\\');
                }
                out.push(b);
            }
            out.push(b'"');
        }
    }
}

fn write_nstring(text: &Option<Text>, out: &mut Vec<u8>) {
    match text {
        Some(t) => t.write(out),
        None => out.extend_from_slice(b"NIL"),
    }
}

/// Any bytes: a quoted string when it can be one (no CR, LF or NUL), else a literal.
fn text() -> impl Strategy<Value = Text> {
    (
        prop::collection::vec(
            prop_oneof![
                4 => b'a'..=b'z',
                1 => Just(b'"'),
                1 => Just(b'\\'),
                1 => Just(b' '),
                1 => any::<u8>(),
            ],
            0..10,
        ),
        any::<bool>(),
    )
        .prop_map(|(value, literal)| {
            let must = value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0));
            Text {
                value,
                literal: literal || must,
            }
        })
}

fn nstring() -> impl Strategy<Value = Option<Text>> {
    prop::option::of(text())
}

type AddressModel = [Option<Text>; 4];

#[derive(Debug, Clone)]
struct EnvelopeModel {
    strings: [Option<Text>; 4],
    /// from, sender, reply-to, to, cc, bcc; `None` is NIL.
    lists: [Option<Vec<AddressModel>>; 6],
}

fn address_list() -> impl Strategy<Value = Option<Vec<AddressModel>>> {
    prop::option::of(prop::collection::vec(
        [nstring(), nstring(), nstring(), nstring()],
        1..4,
    ))
}

fn envelope() -> impl Strategy<Value = EnvelopeModel> {
    (
        [nstring(), nstring(), nstring(), nstring()],
        [
            address_list(),
            address_list(),
            address_list(),
            address_list(),
            address_list(),
            address_list(),
        ],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(strings, mut lists, sender_is_from, reply_is_from)| {
            // Servers copy From into Sender and Reply-To; the parser shares the parse then.
            if sender_is_from {
                lists[1] = lists[0].clone();
            }
            if reply_is_from {
                lists[2] = lists[0].clone();
            }
            EnvelopeModel { strings, lists }
        })
}

fn write_envelope(env: &EnvelopeModel, out: &mut Vec<u8>) {
    let [date, subject, in_reply_to, message_id] = &env.strings;
    out.push(b'(');
    write_nstring(date, out);
    out.push(b' ');
    write_nstring(subject, out);
    for list in &env.lists {
        out.push(b' ');
        match list {
            None => out.extend_from_slice(b"NIL"),
            Some(addresses) => {
                out.push(b'(');
                for address in addresses {
                    out.push(b'(');
                    for (k, field) in address.iter().enumerate() {
                        if k > 0 {
                            out.push(b' ');
                        }
                        write_nstring(field, out);
                    }
                    out.push(b')');
                }
                out.push(b')');
            }
        }
    }
    out.push(b' ');
    write_nstring(in_reply_to, out);
    out.push(b' ');
    write_nstring(message_id, out);
    out.push(b')');
}

fn value(text: &Option<Text>) -> Option<&[u8]> {
    text.as_ref().map(|t| &t.value[..])
}

fn check_addresses(parsed: Addresses<'_>, model: &Option<Vec<AddressModel>>) {
    let model = model.as_deref().unwrap_or_default();
    assert_eq!(parsed.len(), model.len());
    for (a, m) in parsed.zip(model) {
        assert_eq!(a.name(), value(&m[0]));
        assert_eq!(a.adl(), value(&m[1]));
        assert_eq!(a.mailbox(), value(&m[2]));
        assert_eq!(a.host(), value(&m[3]));
    }
}

fn check_envelope(env: &Envelope, model: &EnvelopeModel) {
    assert_eq!(env.date(), value(&model.strings[0]));
    assert_eq!(env.subject(), value(&model.strings[1]));
    assert_eq!(env.in_reply_to(), value(&model.strings[2]));
    assert_eq!(env.message_id(), value(&model.strings[3]));
    check_addresses(env.from(), &model.lists[0]);
    check_addresses(env.sender(), &model.lists[1]);
    check_addresses(env.reply_to(), &model.lists[2]);
    check_addresses(env.to(), &model.lists[3]);
    check_addresses(env.cc(), &model.lists[4]);
    check_addresses(env.bcc(), &model.lists[5]);
    // Every returned slice becomes an equal owned `Bytes`.
    if let Some(subject) = env.subject() {
        assert_eq!(env.to_bytes(subject), subject);
    }
}

/// One MIME part as written.
#[derive(Debug, Clone)]
enum PartModel {
    Single {
        kind: SingleKind,
        subtype: Text,
        params: Vec<(Text, Text)>,
        id: Option<Text>,
        description: Option<Text>,
        encoding: Text,
        octets: u32,
        extension: Option<ExtensionModel>,
    },
    Multipart {
        parts: Vec<PartModel>,
        subtype: Text,
        params: Vec<(Text, Text)>,
        extension: Option<ExtensionModel>,
    },
}

#[derive(Debug, Clone)]
enum SingleKind {
    /// A type that is neither TEXT nor MESSAGE.
    Basic(&'static str),
    Text {
        lines: u32,
    },
    Message {
        envelope: Box<EnvelopeModel>,
        body: Box<PartModel>,
        lines: u32,
    },
}

#[derive(Debug, Clone)]
struct ExtensionModel {
    md5: Option<Text>,
    disposition: Option<(Text, Vec<(Text, Text)>)>,
    languages: Vec<Text>,
    location: Option<Text>,
}

fn params() -> impl Strategy<Value = Vec<(Text, Text)>> {
    prop::collection::vec((text(), text()), 0..3)
}

fn extension() -> impl Strategy<Value = Option<ExtensionModel>> {
    prop::option::of(
        (
            nstring(),
            prop::option::of((text(), params())),
            prop::collection::vec(text(), 0..3),
            nstring(),
        )
            .prop_map(|(md5, disposition, languages, location)| ExtensionModel {
                md5,
                disposition,
                languages,
                location,
            }),
    )
}

fn leaf() -> impl Strategy<Value = PartModel> {
    (
        prop_oneof![
            Just(SingleKind::Basic("APPLICATION")),
            Just(SingleKind::Basic("image")),
            any::<u32>().prop_map(|lines| SingleKind::Text { lines }),
        ],
        text(),
        params(),
        nstring(),
        nstring(),
        text(),
        any::<u32>(),
        extension(),
    )
        .prop_map(
            |(kind, subtype, params, id, description, encoding, octets, extension)| {
                PartModel::Single {
                    kind,
                    subtype,
                    params,
                    id,
                    description,
                    encoding,
                    octets,
                    extension,
                }
            },
        )
}

fn part() -> impl Strategy<Value = PartModel> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (
                prop::collection::vec(inner.clone(), 1..4),
                text(),
                params(),
                extension()
            )
                .prop_map(|(parts, subtype, params, extension)| {
                    PartModel::Multipart {
                        parts,
                        subtype,
                        params,
                        extension,
                    }
                }),
            (
                envelope(),
                inner,
                any::<u32>(),
                params(),
                text(),
                any::<u32>(),
                extension()
            )
                .prop_map(
                    |(envelope, body, lines, params, encoding, octets, extension)| {
                        PartModel::Single {
                            kind: SingleKind::Message {
                                envelope: Box::new(envelope),
                                body: Box::new(body),
                                lines,
                            },
                            subtype: Text {
                                value: b"RFC822".to_vec(),
                                literal: false,
                            },
                            params,
                            id: None,
                            description: None,
                            encoding,
                            octets,
                            extension,
                        }
                    }
                ),
        ]
    })
}

fn write_params(params: &[(Text, Text)], out: &mut Vec<u8>) {
    if params.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (k, (key, value)) in params.iter().enumerate() {
        if k > 0 {
            out.push(b' ');
        }
        key.write(out);
        out.push(b' ');
        value.write(out);
    }
    out.push(b')');
}

fn write_extension_tail(ext: &ExtensionModel, out: &mut Vec<u8>) {
    out.push(b' ');
    match &ext.disposition {
        None => out.extend_from_slice(b"NIL"),
        Some((kind, params)) => {
            out.push(b'(');
            kind.write(out);
            out.push(b' ');
            write_params(params, out);
            out.push(b')');
        }
    }
    out.push(b' ');
    match ext.languages.as_slice() {
        [] => out.extend_from_slice(b"NIL"),
        [one] => one.write(out),
        many => {
            out.push(b'(');
            for (k, lang) in many.iter().enumerate() {
                if k > 0 {
                    out.push(b' ');
                }
                lang.write(out);
            }
            out.push(b')');
        }
    }
    out.push(b' ');
    write_nstring(&ext.location, out);
}

fn write_part(part: &PartModel, out: &mut Vec<u8>) {
    out.push(b'(');
    match part {
        PartModel::Single {
            kind,
            subtype,
            params,
            id,
            description,
            encoding,
            octets,
            extension,
        } => {
            let media_type = match kind {
                SingleKind::Basic(t) => t,
                SingleKind::Text { .. } => "TEXT",
                SingleKind::Message { .. } => "MESSAGE",
            };
            out.extend_from_slice(format!("\"{media_type}\" ").as_bytes());
            subtype.write(out);
            out.push(b' ');
            write_params(params, out);
            out.push(b' ');
            write_nstring(id, out);
            out.push(b' ');
            write_nstring(description, out);
            out.push(b' ');
            encoding.write(out);
            out.extend_from_slice(format!(" {octets}").as_bytes());
            match kind {
                SingleKind::Basic(_) => {}
                SingleKind::Text { lines } => out.extend_from_slice(format!(" {lines}").as_bytes()),
                SingleKind::Message {
                    envelope,
                    body,
                    lines,
                } => {
                    out.push(b' ');
                    write_envelope(envelope, out);
                    out.push(b' ');
                    write_part(body, out);
                    out.extend_from_slice(format!(" {lines}").as_bytes());
                }
            }
            if let Some(ext) = extension {
                out.push(b' ');
                write_nstring(&ext.md5, out);
                write_extension_tail(ext, out);
            }
        }
        PartModel::Multipart {
            parts,
            subtype,
            params,
            extension,
        } => {
            for child in parts {
                write_part(child, out);
            }
            out.push(b' ');
            subtype.write(out);
            if let Some(ext) = extension {
                out.push(b' ');
                write_params(params, out);
                write_extension_tail(ext, out);
            }
        }
    }
    out.push(b')');
}

fn check_params<'a>(parsed: impl Iterator<Item = (&'a [u8], &'a [u8])>, model: &[(Text, Text)]) {
    let parsed: Vec<_> = parsed.collect();
    let model: Vec<_> = model
        .iter()
        .map(|(k, v)| (&k.value[..], &v.value[..]))
        .collect();
    assert_eq!(parsed, model);
}

fn check_extension(part: BodyPart<'_>, extension: &Option<ExtensionModel>) {
    let Some(ext) = extension else {
        assert!(!part.has_extension_data());
        return;
    };
    assert!(part.has_extension_data());
    match &ext.disposition {
        None => assert!(part.disposition().is_none()),
        Some((kind, params)) => {
            let d = part.disposition().expect("disposition");
            assert_eq!(d.kind(), &kind.value[..]);
            check_params(d.params(), params);
        }
    }
    let languages: Vec<_> = part.languages().collect();
    let expected: Vec<_> = ext.languages.iter().map(|l| &l.value[..]).collect();
    assert_eq!(languages, expected);
    assert_eq!(part.location(), value(&ext.location));
}

fn check_part(part: BodyPart<'_>, model: &PartModel) {
    match model {
        PartModel::Single {
            kind,
            subtype,
            params,
            id,
            description,
            encoding,
            octets,
            extension,
        } => {
            assert!(!part.is_multipart());
            assert_eq!(part.media_subtype(), &subtype.value[..]);
            check_params(part.params(), params);
            assert_eq!(part.id(), value(id));
            assert_eq!(part.description(), value(description));
            assert_eq!(part.encoding(), &encoding.value[..]);
            assert_eq!(part.octets(), *octets);
            assert_eq!(part.parts().count(), 0);
            match kind {
                SingleKind::Basic(t) => {
                    assert_eq!(part.media_type(), t.as_bytes());
                    assert_eq!(part.lines(), None);
                    assert!(part.envelope().is_none() && part.message_body().is_none());
                }
                SingleKind::Text { lines } => {
                    assert_eq!(part.media_type(), b"TEXT");
                    assert_eq!(part.lines(), Some(*lines));
                }
                SingleKind::Message {
                    envelope,
                    body,
                    lines,
                } => {
                    assert_eq!(part.media_type(), b"MESSAGE");
                    assert_eq!(part.lines(), Some(*lines));
                    check_envelope(part.envelope().expect("envelope"), envelope);
                    check_part(part.message_body().expect("message body"), body);
                }
            }
            if let Some(ext) = extension {
                assert_eq!(part.md5(), value(&ext.md5));
            }
            check_extension(part, extension);
        }
        PartModel::Multipart {
            parts,
            subtype,
            params,
            extension,
        } => {
            assert!(part.is_multipart());
            assert_eq!(part.media_type(), b"MULTIPART");
            assert_eq!(part.media_subtype(), &subtype.value[..]);
            let children: Vec<_> = part.parts().collect();
            assert_eq!(children.len(), parts.len());
            for (child, m) in children.into_iter().zip(parts) {
                check_part(child, m);
            }
            if extension.is_some() {
                check_params(part.params(), params);
            } else {
                assert_eq!(part.params().len(), 0);
            }
            check_extension(part, extension);
        }
    }
}

fn count_parts(model: &PartModel) -> usize {
    match model {
        PartModel::Single {
            kind: SingleKind::Message { body, .. },
            ..
        } => 1 + count_parts(body),
        PartModel::Single { .. } => 1,
        PartModel::Multipart { parts, .. } => 1 + parts.iter().map(count_parts).sum::<usize>(),
    }
}

/// `* 1 FETCH (<name> <value>)`, parsed; the one attribute.
fn parse_fetch(name: &str, value: &[u8]) -> MessageAttribute {
    let mut wire = format!("* 1 FETCH ({name} ").into_bytes();
    wire.extend_from_slice(value);
    wire.extend_from_slice(b")\r\n");
    let shown = String::from_utf8_lossy(&wire).into_owned();
    let response = parse_response(Bytes::from(wire), &Limits::default())
        .unwrap_or_else(|e| panic!("{e}: {shown}"));
    let Response::Untagged(Untagged::Fetch(fetch)) = response else {
        panic!("not a FETCH: {shown}");
    };
    let mut attributes = fetch.to_attribute_list();
    assert_eq!(attributes.len(), 1, "{shown}");
    attributes.remove(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn envelopes_read_back_what_was_written(model in envelope()) {
        let mut wire = Vec::new();
        write_envelope(&model, &mut wire);
        let MessageAttribute::Envelope(env) = parse_fetch("ENVELOPE", &wire) else {
            panic!("not an ENVELOPE");
        };
        check_envelope(&env, &model);
        prop_assert_eq!(&env.wire()[..], &wire[..]);
    }

    #[test]
    fn body_structures_read_back_what_was_written(model in part()) {
        let mut wire = Vec::new();
        write_part(&model, &mut wire);
        let MessageAttribute::BodyStructure(structure) = parse_fetch("BODYSTRUCTURE", &wire) else {
            panic!("not a BODYSTRUCTURE");
        };
        check_part(structure.root(), &model);
        prop_assert_eq!(structure.sections().len(), count_parts(&model));
        prop_assert_eq!(&structure.wire()[..], &wire[..]);
        // Equal to itself parsed again from other bytes (equality ignores where bytes live).
        let again: BodyStructure = match parse_fetch("BODYSTRUCTURE", &wire) {
            MessageAttribute::BodyStructure(s) => *s,
            _ => unreachable!("parsed above"),
        };
        prop_assert_eq!(&again, &*structure);
    }
}
