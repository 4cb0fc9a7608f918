//! Any bytes given to the response parser end in a typed value or a typed error: never a
//! panic, never unbounded recursion (the nesting limit stops it). A parsed value is then read
//! whole (its `Debug` form walks every accessor of the ENVELOPE and BODYSTRUCTURE views over
//! their offset tables, and `sections()` numbers every part), so those reads are fuzzed too,
//! and so are the text views: decoded subjects and display names (RFC 2047), address lists
//! and response codes through `Display`.
#![no_main]

use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::parse::{fetch_stream_head, fetch_stream_tail, parse_response};
use imap_proto_core::types::{MessageAttribute, Response, Untagged};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let frame = Bytes::copy_from_slice(data);
    if let Ok(response) = parse_response(frame.clone(), &limits) {
        let _ = format!("{response:?}");
        if let Response::Tagged(tagged) = &response {
            let _ = tagged.status.code.as_ref().map(ToString::to_string);
        }
        if let Response::Untagged(Untagged::Fetch(fetch)) = &response {
            for attribute in &fetch.to_attribute_list() {
                if let MessageAttribute::Envelope(e) = attribute {
                    let _ = (e.decoded_subject(), e.from().to_string(), e.sender().to_string());
                    let _ = (e.reply_to().to_string(), e.to().to_string(), e.cc().to_string());
                    let _ = e.bcc().to_string();
                }
                if let MessageAttribute::BodyStructure(s) | MessageAttribute::Body(s) = attribute {
                    for (_, part) in s.sections() {
                        let _ = (part.parts().count(), part.message_body(), part.envelope());
                    }
                }
            }
        }
    }
    let _ = fetch_stream_head(frame.clone(), &limits);
    let _ = fetch_stream_tail(frame, &limits);
});
