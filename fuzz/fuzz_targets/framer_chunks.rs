//! The framer gives the same frames (and the same error kind) however the input is chunked,
//! and its buffer never holds more than the limits allow.
#![no_main]

use arbitrary::Arbitrary;
use imap_proto_core::Limits;
use imap_proto_core::parse::frame::{Frame, FrameError, Framer};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    chunk_sizes: Vec<u8>,
    small_limits: bool,
    data: Vec<u8>,
}

fn limits(small: bool) -> Limits {
    if small {
        Limits::default()
            .with_max_line_length(64)
            .with_max_literal_size(128)
            .with_max_response_size(512)
            .with_max_nesting_depth(8)
            .with_stream_threshold(32)
    } else {
        Limits::default()
    }
}

/// Frames with streamed chunks merged, so that different chunkings compare equal.
fn run(limits: &Limits, data: &[u8], sizes: &[u8]) -> (Vec<Vec<u8>>, Option<std::mem::Discriminant<FrameError>>) {
    let mut framer = Framer::new(limits.clone());
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    loop {
        loop {
            match framer.next_frame() {
                Ok(Some(frame)) => match frame {
                    Frame::Complete(b) => frames.push(b.to_vec()),
                    Frame::StreamBegin { head, .. } => frames.push(head.to_vec()),
                    Frame::StreamChunk(b) => frames.last_mut().expect("chunk after begin").extend_from_slice(&b),
                    Frame::StreamEnd => frames.push(b"<end>".to_vec()),
                    Frame::StreamTail(b) => frames.push(b.to_vec()),
                },
                Ok(None) => break,
                Err(e) => return (frames, Some(std::mem::discriminant(&e))),
            }
            let cap = limits.max_response_size as u64 + limits.max_line_length as u64 + 65536;
            assert!((framer.buffered_len() as u64) <= cap.max(limits.max_literal_size + 65536));
        }
        if pos >= data.len() {
            return (frames, None);
        }
        let size = sizes.get(i).map_or(data.len(), |&s| usize::from(s).max(1));
        i += 1;
        let end = (pos + size).min(data.len());
        framer.push(&data[pos..end]);
        pos = end;
    }
}

fuzz_target!(|input: Input| {
    let limits = limits(input.small_limits);
    let whole = run(&limits, &input.data, &[]);
    let chunked = run(&limits, &input.data, &input.chunk_sizes);
    // Stream chunk boundaries differ with chunking; everything else must match.
    assert_eq!(whole.1, chunked.1, "error kind differs with chunking");
    if whole.1.is_none() {
        assert_eq!(whole.0, chunked.0, "frames differ with chunking");
    }
});
