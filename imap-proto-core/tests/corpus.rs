//! Every complete server response in the RFCs, and every response of the two real-server
//! transcripts (Dovecot 2.3, Cyrus 3.6), must frame and parse; feeding a transcript one byte
//! at a time, or in any chunk size, through any of the framer's entry points, must give exactly
//! the same responses.
//!
//! The data is extracted by `tests/scripts/extract_rfc_responses.py` and
//! `tests/scripts/extract_transcript_responses.py` (see `tests/data/README.md`).

use std::path::PathBuf;

use bytes::Bytes;
use imap_proto_core::Limits;
use imap_proto_core::parse::frame::{Frame, Framer};
use imap_proto_core::parse::parse_response;
use imap_proto_core::types::{Response, Untagged};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

/// How `parse_stream` hands each chunk to the framer.
#[derive(Debug, Clone, Copy)]
enum Feed {
    /// `Framer::push`, which copies.
    Slice,
    /// `Framer::push_bytes`, each chunk a slice of one `Bytes` of the stream.
    Bytes,
    /// `Framer::push_bytes_mut`, each chunk split off one `BytesMut` of the stream.
    BytesMut,
}

/// Frames and parses a whole stream fed in chunks of `chunk` bytes.
fn parse_stream(stream: &[u8], chunk: usize) -> Vec<Result<Response, String>> {
    parse_stream_fed(stream, chunk, Feed::Slice)
}

/// [`parse_stream`] with the chunks handed over as `feed` says.
fn parse_stream_fed(stream: &[u8], chunk: usize, feed: Feed) -> Vec<Result<Response, String>> {
    let mut framer = Framer::new(Limits::default());
    let mut out = Vec::new();
    let shared = Bytes::copy_from_slice(stream);
    let mut unread = bytes::BytesMut::from(stream);
    let mut offset = 0;
    for piece in stream.chunks(chunk.max(1)) {
        match feed {
            Feed::Slice => framer.push(piece),
            Feed::Bytes => framer.push_bytes(shared.slice(offset..offset + piece.len())),
            Feed::BytesMut => framer.push_bytes_mut(unread.split_to(piece.len())),
        }
        offset += piece.len();
        while let Some(frame) = framer.next_frame().expect("framing must not fail") {
            match frame {
                Frame::Complete(bytes) => out.push(
                    parse_response(bytes.clone(), &Limits::default())
                        .map_err(|e| format!("{e}: {:?}", String::from_utf8_lossy(&bytes))),
                ),
                other => panic!("unexpected streaming frame {other:?}"),
            }
        }
    }
    assert_eq!(
        framer.buffered_len(),
        0,
        "stream must end on a response boundary"
    );
    out
}

/// The (source, line) of each response in a data file's index.
fn index(path: &str, key: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(data_dir().join(path)).expect("index");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[0] == key).then(|| (cols[0].to_string(), cols[cols.len() - 3].to_string()))
        })
        .collect()
}

#[test]
fn every_rfc_example_response_parses() {
    let mut total = 0;
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(data_dir().join("rfc-responses"))
        .expect("rfc-responses dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "txt")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("rfc"))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 30, "expected the extracted RFC files");
    for path in files {
        let rfc = path.file_stem().unwrap().to_string_lossy().to_string();
        let stream = std::fs::read(&path).unwrap();
        let lines = index("rfc-responses/index.tsv", &rfc);
        let parsed = parse_stream(&stream, stream.len());
        assert_eq!(
            parsed.len(),
            lines.len(),
            "{rfc}: response count differs from index"
        );
        for (result, (_, line)) in parsed.into_iter().zip(lines) {
            total += 1;
            if let Err(e) = result {
                failures.push(format!("{rfc} line {line}: {e}"));
            }
        }
    }
    assert!(total > 1600, "only {total} responses found");
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn transcript(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join(format!("transcripts/{name}.server.bin"))).expect("transcript")
}

#[test]
fn real_server_transcripts_parse_to_typed_responses() {
    for name in ["dovecot", "cyrus"] {
        let parsed = parse_stream(&transcript(name), 1 << 20);
        assert!(parsed.len() > 150, "{name}: {} responses", parsed.len());
        for result in parsed {
            match result {
                Ok(Response::Untagged(Untagged::Other { keyword, raw })) => panic!(
                    "{name}: unmodelled response {:?}: {:?}",
                    String::from_utf8_lossy(&keyword),
                    String::from_utf8_lossy(&raw)
                ),
                Ok(_) => {}
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }
}

#[test]
fn transcripts_split_at_every_byte_parse_identically() {
    for name in ["dovecot", "cyrus"] {
        let stream = transcript(name);
        let whole = parse_stream(&stream, stream.len());
        for chunk in [1, 2, 3, 7, 64, 4096] {
            for feed in [Feed::Slice, Feed::Bytes, Feed::BytesMut] {
                assert_eq!(
                    parse_stream_fed(&stream, chunk, feed),
                    whole,
                    "{name} in chunks of {chunk} by {feed:?}"
                );
            }
        }
    }
}

#[test]
fn frames_are_zero_copy_for_literals() {
    let frame = Bytes::from_static(b"* 1 FETCH (UID 5 BODY[] {11}\r\nhello world)\r\n");
    let base = frame.as_ptr() as usize;
    let Response::Untagged(Untagged::Fetch(fetch)) =
        parse_response(frame.clone(), &Limits::default()).unwrap()
    else {
        panic!("not a FETCH")
    };
    let body = fetch.section(&Default::default()).expect("BODY[]");
    assert_eq!(&body[..], b"hello world");
    assert_eq!(
        body.as_ptr() as usize,
        base + 30,
        "body must point into the frame"
    );
}
