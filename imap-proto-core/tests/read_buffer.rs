//! `Framer::read_buffer` (the adapter reads into the framer's own buffer) must frame every
//! stream exactly as `Framer::push` does, whatever the read size: both real-server
//! transcripts and every RFC example response.

use std::path::PathBuf;

use imap_proto_core::Limits;
use imap_proto_core::parse::frame::{Frame, Framer};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

/// The frames of `stream`, read `read_size` bytes at a time, through `read_buffer` when
/// `own_buffer` is set and through `push` otherwise.
fn frames(stream: &[u8], read_size: usize, own_buffer: bool) -> Vec<Frame> {
    let mut framer = Framer::new(Limits::default());
    let mut out = Vec::new();
    for read in stream.chunks(read_size) {
        if own_buffer {
            let buffer = framer.read_buffer(read_size);
            let capacity = buffer.capacity();
            buffer.extend_from_slice(read);
            assert_eq!(
                buffer.capacity(),
                capacity,
                "the read must fit the room given"
            );
        } else {
            framer.push(read);
        }
        while let Some(frame) = framer.next_frame().expect("framing must not fail") {
            out.push(frame);
        }
    }
    assert!(
        !framer.is_mid_response(),
        "stream must end on a response boundary"
    );
    out
}

/// Every stream the corpus tests use: the two transcripts and the RFC example files.
fn streams() -> Vec<(String, Vec<u8>)> {
    let mut streams: Vec<(String, Vec<u8>)> = ["dovecot", "cyrus"]
        .iter()
        .map(|name| {
            let path = data_dir().join(format!("transcripts/{name}.server.bin"));
            (name.to_string(), std::fs::read(path).expect("transcript"))
        })
        .collect();
    let mut files: Vec<_> = std::fs::read_dir(data_dir().join("rfc-responses"))
        .expect("rfc-responses dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|x| x == "txt")
                && path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("rfc"))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 30, "expected the extracted RFC files");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        streams.push((name, std::fs::read(&path).unwrap()));
    }
    streams
}

#[test]
fn read_buffer_frames_like_push_at_every_read_size() {
    for (name, stream) in streams() {
        let reference = frames(&stream, stream.len().max(1), false);
        assert!(!reference.is_empty(), "{name}: no frames");
        for read_size in [1, 2, 3, 7, 64, 4096, 65536] {
            assert_eq!(
                frames(&stream, read_size, true),
                reference,
                "{name} in reads of {read_size}"
            );
        }
    }
}
