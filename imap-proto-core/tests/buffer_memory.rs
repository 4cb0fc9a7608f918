//! What the framer's buffer costs around a large response (issue 16): once a 1 MB response
//! is handed out and dropped, the framer holds a small buffer again, whatever the input
//! path; and a large buffered literal read through `read_buffer` is received in place,
//! peaking near its size, not twice it. A counting global allocator measures live heap
//! bytes.
//!
//! One test function only: the allocator's counters are process-wide, so tests measured in
//! parallel threads would see each other's allocations.

use imap_proto_core::Limits;
use imap_proto_core::parse::frame::{Frame, Framer};
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// The adapters' largest read (`imap_driver::READ_CHUNK`).
const READ: usize = 64 * 1024;
/// The adapters' first read size.
const SMALL_READ: usize = 2 * 1024;
/// The read buffer `read_buffer` allocates for reads of `READ` bytes (16 reads): it may
/// still be live when the literal's reservation is made.
const READ_BUFFER: usize = 16 * READ;
/// What an idle framer may keep: below the size above which a drained buffer is released.
const SMALL: usize = 64 * 1024;

/// How the bytes reach the framer.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// `read_buffer` (the adapters' plaintext reads).
    ReadBuffer,
    /// `push` (decrypted TLS and inflated COMPRESS bytes).
    Push,
}

/// `* 1 FETCH (BODY[] {len}\r\n<len bytes>)\r\n`.
fn fetch_response(len: usize) -> Vec<u8> {
    let mut response = format!("* 1 FETCH (BODY[] {{{len}}}\r\n").into_bytes();
    response.resize(response.len() + len, b'x');
    response.extend_from_slice(b")\r\n");
    response
}

/// Feeds `stream` in reads of `size` bytes and drops every frame as it comes; returns the
/// number of frames.
fn feed(framer: &mut Framer, path: Path, stream: &[u8], size: usize) -> usize {
    let mut frames = 0;
    for read in stream.chunks(size) {
        match path {
            Path::ReadBuffer => framer.read_buffer(size).extend_from_slice(read),
            Path::Push => framer.push(read),
        }
        while let Some(frame) = framer.next_frame().expect("framing") {
            assert!(matches!(frame, Frame::Complete(_)));
            frames += 1;
        }
    }
    frames
}

/// Live heap bytes the framer holds after a 1 MB response was handed out and dropped.
fn held_after_large_response(path: Path) -> usize {
    let mut framer = Framer::new(Limits::default());
    // The adapters' first reads are small (`imap_driver::ReadSize`).
    feed(
        &mut framer,
        path,
        b"* OK [CAPABILITY IMAP4rev1] hi\r\n",
        SMALL_READ,
    );
    let baseline = ALLOCATOR.current_usage();
    let stream = fetch_response(1_000_000);
    let frames = feed(&mut framer, path, &stream, READ);
    assert_eq!(frames, 1);
    drop(stream);
    let held = ALLOCATOR.current_usage().saturating_sub(baseline);
    // Still usable: the next response is framed.
    assert_eq!(feed(&mut framer, path, b"* 2 EXISTS\r\n", SMALL_READ), 1);
    drop(framer);
    held
}

/// Peak live heap bytes while a buffered literal of `len` bytes arrives through
/// `read_buffer`, above what was live before.
fn peak_receiving_literal(len: usize) -> usize {
    let mut framer = Framer::new(Limits::default().with_stream_threshold(u64::MAX));
    let stream = fetch_response(len);
    let baseline = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    assert_eq!(feed(&mut framer, Path::ReadBuffer, &stream, READ), 1);
    ALLOCATOR.peak_usage().saturating_sub(baseline)
}

#[test]
fn large_responses_leave_a_small_buffer_and_literals_arrive_in_place() {
    for path in [Path::ReadBuffer, Path::Push] {
        let held = held_after_large_response(path);
        println!("{path:?}: {held} bytes held after a 1 MB response");
        assert!(
            held <= SMALL,
            "{path:?}: {held} bytes held after the response"
        );
    }
    // Above the 4 MiB a read buffer holds: the literal is reserved whole at its header, so
    // it is not copied as it grows (before: a copy per 4 MiB, peaking near twice its size).
    let len = 20 * 1024 * 1024;
    let peak = peak_receiving_literal(len);
    println!("a {len}-byte literal peaked at {peak} bytes");
    assert!(
        peak <= len + READ_BUFFER + 2 * READ + 1024,
        "the literal was copied while it grew: peak {peak} bytes for {len}"
    );
}
