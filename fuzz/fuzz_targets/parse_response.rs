//! Any bytes given to the response parser end in a typed value or a typed error: never a
//! panic, never unbounded recursion (the nesting limit stops it). A parsed value is then read
//! whole (its `Debug` form walks every accessor of the ENVELOPE and BODYSTRUCTURE views over
//! their offset tables, and `sections()` numbers every part), so those reads are fuzzed too.
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
        if let Response::Untagged(Untagged::Fetch(fetch)) = &response {
            for attribute in &fetch.attributes {
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
