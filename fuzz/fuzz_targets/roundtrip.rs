//! Round trips through our encoders and parsers:
//! - a mailbox name encoded by the command encoder (atom, quoted, literal; modified UTF-7 or
//!   UTF-8) and read back by the response parser from a LIST line gives the same name;
//! - sequence sets survive `Display` -> `FromStr`;
//! - modified UTF-7 encode -> decode is the identity.
#![no_main]

use arbitrary::Arbitrary;
use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::encode::{CommandBuilder, EncodeContext, LiteralSupport};
use imap_proto_core::parse::parse_response;
use imap_proto_core::types::{Response, SequenceSet, Untagged, mutf7};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    name: String,
    utf8: bool,
    literal_plus: bool,
    set: String,
}

fuzz_target!(|input: Input| {
    // Modified UTF-7.
    let wire = mutf7::encode(&input.name);
    assert_eq!(mutf7::decode(wire.as_bytes()).as_deref(), Some(input.name.as_str()));

    // Encoder -> parser.
    let ctx = EncodeContext::default()
        .with_literals(if input.literal_plus { LiteralSupport::NonSync } else { LiteralSupport::Sync })
        .with_utf8(input.utf8);
    let mut b = CommandBuilder::new("A1", &ctx).expect("valid tag");
    let encoded = b
        .atom("keyword", "LIST")
        .and_then(|b| b.sp().raw_text("flags", "() \"/\""))
        .and_then(|b| b.sp().mailbox("mailbox", &input.name).map(|_| ()));
    if encoded.is_ok() {
        let mut bytes = b.finish().to_bytes();
        bytes.splice(0..2, *b"*");
        let response = parse_response(Bytes::from(bytes.clone()), &Limits::default())
            .unwrap_or_else(|e| panic!("encoder output does not parse: {e} {:?}", String::from_utf8_lossy(&bytes)));
        let Response::Untagged(Untagged::List(info)) = response else {
            panic!("not a LIST: {:?}", String::from_utf8_lossy(&bytes));
        };
        let back = if input.utf8 { info.mailbox.utf8_name() } else { info.mailbox.name() };
        assert_eq!(back, input.name);
    }

    // Sequence sets.
    if let Ok(set) = input.set.parse::<SequenceSet>() {
        let shown = set.to_string();
        let again: SequenceSet = shown.parse().expect("Display output parses");
        assert_eq!(again.to_string(), shown);
    }
});
