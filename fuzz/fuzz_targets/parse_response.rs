//! Any bytes given to the response parser end in a typed value or a typed error: never a
//! panic, never unbounded recursion (the nesting limit stops it).
#![no_main]

use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::parse::{fetch_stream_head, fetch_stream_tail, parse_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let frame = Bytes::copy_from_slice(data);
    let _ = parse_response(frame.clone(), &limits);
    let _ = fetch_stream_head(frame.clone(), &limits);
    let _ = fetch_stream_tail(frame, &limits);
});
