//! Peak memory while the framer cuts an endless line (issue 12, item 6): a server that
//! streams one line without end must cost at most the line limit plus one read buffer,
//! whatever input path the adapter uses. A counting global allocator measures the peak of
//! live heap bytes while the line arrives, through a whole `Connection`.
//!
//! One test function only: the allocator's counters are process-wide, so tests measured in
//! parallel threads would see each other's allocations.

use imap_proto_core::{Config, Connection, Error, Limits};
use peak_alloc::PeakAlloc;

/// Counts live heap bytes and their peak. A `realloc` is counted as allocate, copy, free,
/// so a buffer that grows by moving shows its old and new blocks at once.
#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// The adapters' read size (`READ_CHUNK` in imap-tokio, imap-async-std, imap-blocking).
const READ: usize = 64 * 1024;
const LINE_LIMIT: usize = 8 * 1024 * 1024;
/// The read buffer `read_buffer` allocates for reads of `READ` bytes: 16 reads.
const READ_BUFFER: usize = 16 * READ;

/// How a read reaches the connection.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// `read_buffer` + `handle_read` (imap-tokio).
    ReadBuffer,
    /// `read_slice` + `handle_read_len` (imap-async-std, imap-blocking).
    ReadSlice,
    /// `handle_input` with a borrowed read (TLS and COMPRESS decrypt into the framer the
    /// same way).
    HandleInput,
}

/// Feeds a greeting, then one endless line in reads of `READ` bytes until the connection
/// fails, and returns the peak of live heap bytes above what was live before the line.
fn peak_while_cutting(path: Path) -> usize {
    let config = Config::default().with_limits(Limits::default().with_max_line_length(LINE_LIMIT));
    let mut conn = Connection::new(config);
    conn.handle_input(b"* PREAUTH hi\r\n");
    let id = conn
        .submit(imap_proto_core::ops::session::noop())
        .expect("noop");
    let read = vec![b'x'; READ];
    let mut start = b"* OK ".to_vec();
    start.resize(READ, b'x');
    let baseline = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let mut fed = 0usize;
    while conn.failure().is_none() {
        let bytes = if fed == 0 { &start } else { &read };
        match path {
            Path::ReadBuffer => {
                conn.read_buffer(READ).extend_from_slice(bytes);
                conn.handle_read();
            }
            Path::ReadSlice => {
                conn.read_slice(READ).copy_from_slice(bytes);
                conn.handle_read_len(READ);
            }
            Path::HandleInput => conn.handle_input(bytes),
        }
        fed += READ;
        assert!(fed <= 2 * LINE_LIMIT, "the line was never cut");
    }
    let peak = ALLOCATOR.peak_usage() - baseline;
    assert!(matches!(
        conn.take_output(&id),
        Some(Err(Error::Frame(
            imap_proto_core::parse::frame::FrameError::LineTooLong { .. }
        )))
    ));
    assert_eq!(conn.buffered_input_len(), 0, "released after the cut");
    peak
}

#[test]
fn endless_line_peaks_at_the_line_limit_plus_one_read() {
    let bound = LINE_LIMIT + READ_BUFFER + 2 * READ;
    for path in [Path::ReadBuffer, Path::ReadSlice, Path::HandleInput] {
        let peak = peak_while_cutting(path);
        println!("{path:?}: peak {peak} bytes ({:.2} MiB)", mib(peak));
        assert!(
            peak <= bound,
            "{path:?}: peak {peak} bytes, above the line limit plus one read buffer ({bound})"
        );
    }
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
