//! The response framer: cuts the server's byte stream into complete responses.
//!
//! The parser works on whole responses, but a TCP read can end anywhere, including in the
//! middle of a literal. [`Framer`] buffers what has arrived and hands out one [`Frame`] per
//! response, so the parser never sees a partial response. Every frame is one [`Bytes`], so
//! the parser can slice into it with [`Bytes::slice_ref`]; see "Input and copies" for the
//! only copy the framer makes.
//!
//! # Framing rules
//!
//! A response line ends at CRLF (RFC 9051 §2.2). If the text just before the CRLF is a
//! literal header, the next `N` bytes are literal content (RFC 9051 §4.3): they may contain
//! anything, including CRLF and `{`, and they are never scanned at all. The response then
//! continues after the literal until a CRLF that does not follow a literal header. Headers
//! recognised at the end of a line:
//!
//! - `{N}`: a literal (RFC 9051 §4.3);
//! - `{N+}`: a non-synchronizing literal (RFC 7888). Servers must not send it, but it is
//!   tolerated because its meaning is unambiguous;
//! - `~{N}`: a literal8 (RFC 3516 §4.2; `~{N+}` is tolerated as well).
//!
//! `N` is a `number64` (RFC 9051 §9, at most 2^63 − 1). A header whose digits exceed that is
//! [`FrameError::InvalidLiteral`]: the stream cannot be framed past it. Anything else in
//! braces (`{abc}`, `{}`, `{-1}`) is ordinary text and is left for the parser to reject. The
//! whole header must lie in one line segment: a `{` at the end of a literal's content never
//! starts a header.
//!
//! Quirk tolerance: a bare LF also ends a line (some servers and proxies send them), both
//! for a response's last line and after a literal header. An LF inside a literal is content,
//! never a line end.
//!
//! # Streaming large FETCH literals
//!
//! A literal announced larger than [`Limits::stream_threshold`] in an untagged FETCH
//! response (one that starts with `* <digits> FETCH `, case-insensitive) is not buffered.
//! Instead the framer emits:
//!
//! 1. [`Frame::StreamBegin`] with the response so far (its *head*, up to and including the
//!    literal header's line end), the announced length and whether it is a literal8;
//! 2. [`Frame::StreamChunk`] for each run of literal bytes as they arrive (one chunk per
//!    [`Framer::next_frame`] call, as large as what is buffered, never waiting for more);
//! 3. [`Frame::StreamEnd`] once exactly `N` bytes were handed out;
//! 4. [`Frame::StreamTail`] with the rest of the response, from after the literal up to and
//!    including its final line end (it may contain further small literals).
//!
//! If the rest reaches another literal above the threshold, step 4 is replaced by another
//! `StreamBegin` whose head is the rest so far: heads after the first are *continuation
//! heads*, which start right after the previous streamed literal rather than at `*`. A
//! literal above the threshold in any other response (tagged, or untagged non-FETCH) is
//! buffered like any other, subject to [`Limits::max_literal_size`].
//!
//! While streaming, the buffer holds only literal bytes that arrived and were not yet handed
//! out. A chunk shares its allocation with the buffer (or is a slice of the
//! [`Framer::push_bytes`] read it arrived in), so that allocation is freed when the caller
//! drops the chunk. Streamed bytes are never joined or copied by `push_bytes`.
//!
//! # Input and copies
//!
//! [`Framer::push_bytes`] takes a read as a [`Bytes`], which is what an adapter gets when it
//! reads into a `BytesMut` and freezes the filled part. Every response (and every streamed
//! chunk) that lies inside that `Bytes` is handed out as a slice of it: no byte is copied.
//!
//! A response that began in one read and ends in a later one cannot be a slice of any of
//! them, and a frame must be one contiguous `Bytes`: its bytes are copied once, when the
//! response is complete, into one allocation of the exact size. Until then the parts the
//! state machine has scanned (notably literal content) are only set aside as slices of
//! their reads. The one exception is a line whose text is split between two reads: line
//! text must be contiguous to be checked, so that line's bytes are joined by copying as
//! they arrive (a line, not a literal's content; lines may grow long, so that buffer grows
//! geometrically). The rest of a read after a joined response is again handed out uncopied.
//!
//! So the copy that remains is exactly the bytes of the responses that straddle a read
//! boundary: the socket read put them in two buffers, and only a copy makes them one. That
//! is the cost of the read boundary and nothing more; no byte of a response that fits in
//! one read is ever copied, and reads that arrive before the caller drains are queued as
//! they are.
//!
//! [`Framer::push_bytes_mut`] takes a read as the `BytesMut` the adapter split off its read
//! buffer, before freezing. When a read directly follows the previous one in the same
//! allocation, a response straddling the two is joined in place
//! ([`BytesMut::try_unsplit`]), so nothing is copied at all; only when the adapter moves to
//! a new read buffer is a response straddling the old and the new one copied, as above.
//!
//! A frame keeps the allocation it is a slice of alive: as long as the caller holds a frame
//! (or a string parsed from it), the read it came from stays allocated.
//!
//! [`Framer::read_buffer`] goes one step further: the adapter reads straight into the
//! framer's own buffer, so every frame is a slice of it and nothing is joined. Once a
//! buffered literal's header has been read, the buffer reserves room for the rest of the
//! literal (up to [`MAX_READ_RESERVE`]), so a message body arrives in one piece however the
//! reads fall. When the buffer is full and the caller holds no frame of it any more, it is
//! reused: the unfinished response (a header and at most one read of literal bytes) moves
//! to its start. Once everything buffered is handed out, a large buffer (one that held a
//! large response, or was sized for large reads) is released instead, so a connection that
//! goes idle after a large response holds a small buffer again.
//!
//! [`Framer::push`] takes a borrowed `&[u8]` (say, decrypted TLS records) and must copy it;
//! frames are then split off that buffer without further copies. The two may be mixed: the
//! input order is kept.
//!
//! # Limits
//!
//! Every limit of [`Limits`] that concerns framing is enforced as the bytes arrive, never
//! waiting for a line end, so an endless line or a huge literal fails instead of growing
//! memory:
//!
//! - a line segment (the text between two line ends or between a literal and a line end,
//!   without the CR before the LF) longer than [`Limits::max_line_length`] is
//!   [`FrameError::LineTooLong`]. A line that outgrows one read buffer (1 MiB) is moved
//!   once into room for the rest the limit allows, not doubled step by step, so an endless
//!   line peaks at the line limit plus the buffer it outgrew (never twice the limit:
//!   `tests/line_memory.rs` measures it);
//! - a literal to be buffered whose announced size exceeds [`Limits::max_literal_size`] is
//!   [`FrameError::LiteralTooLarge`], detected from the header alone. The announced size
//!   never causes an allocation or a `reserve`: the buffer grows only as bytes arrive. The
//!   one exception is [`Framer::read_buffer`], which reserves room for the rest of a literal
//!   that passed these checks, at most [`MAX_READ_RESERVE`] bytes;
//! - a buffered response larger than [`Limits::max_response_size`] is
//!   [`FrameError::ResponseTooLarge`]. A literal that would push the response past the limit
//!   fails as soon as its header is seen. For a streamed response, the head and the tail are
//!   each measured on their own (they are separate frames); streamed literal bytes do not
//!   count, since they are never buffered whole.
//!
//! The *kind* of error does not depend on how the input was split into pushes: where two
//! limits are exceeded in one push, the error reported is the one a byte-at-a-time feed
//! would have hit first. The `observed` values can differ (a large push shows more of an
//! over-long line than a small one).
//!
//! # Poisoning
//!
//! After any error the framer is poisoned: the position of the next response in the stream
//! is unknown, so it cannot resynchronise safely. Every later [`Framer::next_frame`] returns
//! the same error, [`Framer::push`] and [`Framer::push_bytes`] discard their input and the
//! buffer is released. The
//! connection must be closed.
//!
//! # Design notes
//!
//! Details decided here beyond the original sketch, and why:
//!
//! - `StreamEnd` is its own `next_frame` result even when the last chunk and the tail are
//!   already buffered, so each call returns at most one frame and the caller's loop stays
//!   uniform.
//! - Headers with more digits than `number64` allows are errors (not just u64 overflow):
//!   RFC 9051 §9 bounds literal sizes to 63 bits, and no larger value can be honest.
//! - Line length excludes the CR before the LF. The measure of an unterminated segment
//!   also ignores a trailing CR, whose LF may be in the next read, so a line of exactly
//!   `max_line_length` bytes passes however it is split.
//! - Scanning resumes where the previous call stopped (`scan_pos`), so each byte outside
//!   literals is searched for LF once, with `memchr`; literal bytes are skipped by offset.
//!   (A line that straddles two `push_bytes` reads is searched once more, to find how much
//!   of the second read to join.)

use std::collections::VecDeque;
use std::ops::Deref;

use bytes::{Bytes, BytesMut};

use crate::limits::Limits;

mod read_pool;

/// Largest literal length RFC 9051 §9 allows: `number64` is an unsigned 63-bit integer.
const MAX_NUMBER64: u64 = i64::MAX as u64;

/// Initial buffer capacity. It also becomes the smallest reallocation `bytes` makes once
/// frames share the buffer, which avoids many tiny allocations for small reads.
const INITIAL_CAPACITY: usize = 16 * 1024;

/// The most [`Framer::read_buffer`] reserves ahead for the rest of an announced literal
/// that passed the limits. Up to this, the literal is reserved whole once its header is
/// read, so it arrives in place and is never copied (the reservation is address space: its
/// pages become resident only as the literal's bytes arrive). It only binds when
/// [`Limits::max_literal_size`] is set above it; the buffer then doubles as bytes arrive.
pub const MAX_READ_RESERVE: usize = 256 * 1024 * 1024;

/// The most a new [`Framer::read_buffer`] allocation holds for reads alone
/// ([`READ_BUFFER_READS`] reads).
const MAX_READ_AHEAD: usize = 4 * 1024 * 1024;

/// Once every buffered byte is handed out, a buffer that held more than this at once (a
/// large response, not merely many reads) is released rather than kept for reuse, so a
/// large response does not pin its memory; the next read allocates a buffer sized for it.
/// Above what a buffer of small responses holds between drains (a 64 KiB read plus a
/// partial response).
const RELEASE_ABOVE: usize = 256 * 1024;

/// A line segment whose buffer would grow past this is moved once to room for all the line
/// limit allows ([`Framer::line_growth`]) rather than doubled again.
const LINE_GROWTH_STEP: usize = 1024 * 1024;

/// A new read buffer of [`Framer::read_buffer`] holds this many reads (up to
/// [`MAX_READ_AHEAD`] bytes), so it is reused (or replaced) once per this many reads
/// rather than after every one.
const READ_BUFFER_READS: usize = 16;

/// One unit of framed input, handed out by [`Framer::next_frame`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// One whole response: its line(s) with every embedded literal, including the final line
    /// end. Ready for the parser, which may slice into it without copying.
    Complete(Bytes),
    /// The start of a response whose FETCH literal is streamed rather than buffered.
    StreamBegin {
        /// The response from its start (or, for a continuation head, from after the previous
        /// streamed literal) up to and including the literal header's line end.
        head: Bytes,
        /// The announced length of the streamed literal, in bytes.
        literal_len: u64,
        /// Whether the literal is a literal8 (`~{N}`, RFC 3516), which may contain NUL.
        binary: bool,
    },
    /// The next bytes of the streamed literal, as they arrived.
    StreamChunk(Bytes),
    /// All announced bytes of the streamed literal were handed out.
    StreamEnd,
    /// The rest of a streamed response after its last streamed literal, up to and including
    /// its final line end.
    StreamTail(Bytes),
}

/// Why the framer gave up. After any of these, the framer is poisoned (see the module docs):
/// the stream cannot be resynchronised, so the connection must be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A line segment grew past [`Limits::max_line_length`].
    #[error("line segment of {observed} bytes exceeds the limit of {limit} bytes")]
    LineTooLong {
        /// The configured limit.
        limit: usize,
        /// The segment length seen when the limit tripped.
        observed: usize,
    },
    /// A literal to be buffered was announced larger than [`Limits::max_literal_size`].
    #[error("literal of {announced} bytes exceeds the limit of {limit} bytes")]
    LiteralTooLarge {
        /// The configured limit.
        limit: u64,
        /// The size the server announced.
        announced: u64,
    },
    /// A buffered response grew (or was announced to grow) past
    /// [`Limits::max_response_size`].
    #[error("response of at least {observed} bytes exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The configured limit.
        limit: usize,
        /// The response size seen or implied by a literal header when the limit tripped.
        observed: u64,
    },
    /// A literal header's length is not a `number64` (RFC 9051 §9): it has too many digits.
    #[error("literal header with {digits} digits exceeds the 63-bit length limit")]
    InvalidLiteral {
        /// How many digits the header had.
        digits: usize,
    },
}

/// Where the framer is within the current response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Searching the current line segment for its LF.
    Line,
    /// Inside a buffered literal that ends at this buffer offset.
    Literal {
        /// Buffer offset just past the literal's last byte.
        end: usize,
    },
    /// Handing out a streamed literal.
    Streaming {
        /// Literal bytes not yet handed out.
        remaining: u64,
    },
}

/// A literal header found at the end of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LiteralHeader {
    /// The announced length.
    len: u64,
    /// `~{N}` (literal8) rather than `{N}`.
    binary: bool,
}

/// The bytes the state machine works on: received, not yet handed out, and (once a response
/// has started) starting at that response.
#[derive(Debug)]
enum Window {
    /// A `BytesMut`: what [`Framer::push`] copied, a [`Framer::push_bytes_mut`] input (the
    /// caller's allocation, not copied), or a line joined by copying across two inputs.
    Owned(BytesMut),
    /// The rest of a [`Framer::push_bytes`] input, not copied: frames are slices of it.
    Shared(Bytes),
}

impl Window {
    /// Hands out the first `at` bytes without copying them. Inlined: it runs for every
    /// frame, and as a call it cost about 16 instructions of entry and exit.
    #[inline(always)]
    fn split_to(&mut self, at: usize) -> Bytes {
        match self {
            Window::Owned(owned) => owned.split_to(at).freeze(),
            Window::Shared(shared) => shared.split_to(at),
        }
    }

    /// Appends a copy of `more`: the copy which joins a line split across two inputs. If the
    /// window is shared, or owned without room for `more`, its bytes are first copied into
    /// a new buffer of `capacity` bytes (at least what they and `more` need).
    fn append(&mut self, more: &[u8], capacity: usize) {
        if let Window::Owned(owned) = self
            && owned.capacity() - owned.len() >= more.len()
        {
            return owned.extend_from_slice(more);
        }
        let mut grown = BytesMut::with_capacity(capacity.max(self.len() + more.len()));
        grown.extend_from_slice(self);
        grown.extend_from_slice(more);
        *self = Window::Owned(grown);
    }
}

impl Deref for Window {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Window::Owned(owned) => owned,
            Window::Shared(shared) => shared,
        }
    }
}

/// Splits the server's byte stream into complete responses (see the module docs).
///
/// Feed it with [`Framer::push_bytes`], [`Framer::push_bytes_mut`] or [`Framer::push`] after
/// every read, then call [`Framer::next_frame`] until it returns `Ok(None)`; buffered memory
/// is bounded by the limits only if the caller drains it like that.
#[derive(Debug)]
pub struct Framer {
    /// Bytes received and not yet handed out. Offset 0 is the start of the current response
    /// (or of its continuation after a streamed literal, or of streamed literal bytes).
    buf: Window,
    /// Inputs that arrived while `buf` still held bytes, in order. They are moved into `buf`
    /// only as the state machine reaches them. None of them is empty.
    queued: VecDeque<Window>,
    /// The start of the current response when it began in earlier inputs: parts of them,
    /// already scanned, set aside uncopied. They come before `buf`, and are joined with it
    /// (one copy, into an allocation of the exact size) when the response is handed out.
    earlier: Vec<Bytes>,
    /// Total length of `earlier`; buffer offsets plus this are offsets in the response.
    earlier_len: usize,
    /// The limits to enforce.
    limits: Limits,
    /// Position within the current response.
    state: State,
    /// Buffer offset where the current line segment starts (0, or just after a literal).
    segment_start: usize,
    /// Buffer offset up to which the current segment was already searched for LF.
    scan_pos: usize,
    /// The buffered bytes continue a response whose earlier literal was streamed: its end is
    /// a [`Frame::StreamTail`], and another big literal streams without a prefix check.
    in_tail: bool,
    /// The error that poisoned the framer, returned by every later call.
    poisoned: Option<FrameError>,
    /// The most bytes the window held (or handed out in one frame) since it was allocated.
    /// Above [`RELEASE_ABOVE`], the window is released once drained
    /// ([`Framer::release_drained`]).
    high_water: usize,
    /// Read-ahead buffers of [`Framer::read_buffer`] kept for reuse (issue 15).
    read_pool: read_pool::ReadPool,
}

impl Framer {
    /// Creates an empty framer that enforces `limits`.
    pub fn new(limits: Limits) -> Self {
        Framer {
            // Allocated by the first input: an idle connection may hold none.
            buf: Window::Owned(BytesMut::new()),
            queued: VecDeque::new(),
            earlier: Vec::new(),
            earlier_len: 0,
            limits,
            state: State::Line,
            segment_start: 0,
            scan_pos: 0,
            in_tail: false,
            poisoned: None,
            high_water: 0,
            read_pool: read_pool::ReadPool::default(),
        }
    }

    /// Appends bytes read from the server by copying them into the framer's buffer; frames
    /// are then split off that buffer without further copies. Use it when the input is a
    /// borrowed slice anyway (say, decrypted TLS records); [`Framer::push_bytes`] avoids the
    /// copy. Input pushed after an error is discarded, since nothing will be framed any more.
    pub fn push(&mut self, data: &[u8]) {
        if self.poisoned.is_some() || data.is_empty() {
            return;
        }
        if self.queued.is_empty() {
            let line_capacity = self.line_growth(self.buf.len() + data.len());
            match &mut self.buf {
                Window::Owned(owned) if owned.capacity() - owned.len() >= data.len() => {
                    return owned.extend_from_slice(data);
                }
                Window::Owned(owned) => {
                    // No room: a long line moves once, into room for all it may still get.
                    // A released window starts again at the initial capacity, which `bytes`
                    // then keeps as its smallest reallocation.
                    if let Some(capacity) = line_capacity.or_else(|| {
                        (owned.capacity() == 0).then(|| data.len().max(INITIAL_CAPACITY))
                    }) {
                        let mut grown = BytesMut::with_capacity(capacity);
                        grown.extend_from_slice(owned);
                        *owned = grown;
                    }
                    return owned.extend_from_slice(data);
                }
                Window::Shared(shared) if shared.is_empty() => {
                    let mut owned = BytesMut::with_capacity(data.len().max(INITIAL_CAPACITY));
                    owned.extend_from_slice(data);
                    self.buf = Window::Owned(owned);
                    return;
                }
                Window::Shared(_) => {}
            }
        }
        // Bytes of an earlier `push_bytes` input come first; keep the order.
        self.queued
            .push_back(Window::Shared(Bytes::copy_from_slice(data)));
    }

    /// Takes bytes read from the server without copying them (see "Input and copies" in the
    /// module docs): frames and stream chunks that lie inside `data` are handed out as
    /// slices of it, and only a response that continues into a later input is copied, once,
    /// when it is complete. An adapter that reads into a `BytesMut` and freezes what each
    /// read filled gets exactly such a `Bytes`. Input pushed after an error is discarded.
    pub fn push_bytes(&mut self, data: Bytes) {
        if self.poisoned.is_some() || data.is_empty() {
            return;
        }
        if self.buf.is_empty() && self.queued.is_empty() {
            self.buf = Window::Shared(data);
        } else {
            self.queued.push_back(Window::Shared(data));
        }
    }

    /// Takes bytes read from the server as the `BytesMut` the read filled, without copying
    /// them, like [`Framer::push_bytes`]. In addition, when `data` directly follows the
    /// previous input in the same allocation (an adapter that reads into one large
    /// `BytesMut` and splits each filled part off with [`BytesMut::split`]), a response that
    /// straddles the two reads is joined in place ([`BytesMut::try_unsplit`]) instead of
    /// copied, so no byte is copied at all until the adapter's buffer is reallocated.
    /// Input pushed after an error is discarded.
    pub fn push_bytes_mut(&mut self, data: BytesMut) {
        if self.poisoned.is_some() || data.is_empty() {
            return;
        }
        // The input this one may continue: the last one queued, or else the window.
        let previous = match self.queued.back_mut() {
            Some(queued) => queued,
            None => &mut self.buf,
        };
        let data = match previous {
            window if window.is_empty() => return *window = Window::Owned(data),
            Window::Owned(owned) => match owned.try_unsplit(data) {
                Ok(()) => return,
                Err(data) => data,
            },
            Window::Shared(_) => data,
        };
        self.queued.push_back(Window::Owned(data));
    }

    /// Drops what was appended to [`Framer::read_buffer`] beyond its first `len` bytes: for
    /// callers that read into a zero-filled tail of it (a `&mut [u8]` read) and keep only
    /// what the read returned.
    pub fn truncate_read_buffer(&mut self, len: usize) {
        if let Window::Owned(owned) = &mut self.buf {
            owned.truncate(len);
        }
    }

    /// The framer's own read buffer, for an adapter that reads from the socket straight into
    /// it (for instance with tokio's `AsyncReadExt::read_buf`): append what one read returns,
    /// at most `read_size` bytes, then drain [`Framer::next_frame`]. The returned buffer has
    /// room for at least `read_size` more bytes. Only append to it: the bytes already in it
    /// are the framer's.
    ///
    /// This is the input path that joins nothing: every frame is a slice of this buffer, and
    /// when a buffered literal's header has been read, the room reserved is the rest of the
    /// literal (up to [`MAX_READ_RESERVE`]) plus one read, so the literal arrives
    /// contiguously. The buffer is reused once the caller has dropped every frame cut from it
    /// (the unfinished response, at most a header and one read of literal bytes, is then
    /// moved to its start: the only copy); otherwise a new one of `16 * read_size` bytes (at
    /// most 4 MiB), or what the response needs, is allocated. Unlike the other inputs, an
    /// announced literal size thus reserves address space before the bytes arrive, bounded
    /// by [`MAX_READ_RESERVE`] per literal and checked against the limits first (a literal
    /// over [`Limits::max_literal_size`] fails at its header, before any reservation); its
    /// pages become resident only as the server sends the literal.
    ///
    /// It may be mixed with the other inputs; bytes they queued are then copied into this
    /// buffer once, to keep the input order. After an error, what is appended is discarded.
    pub fn read_buffer(&mut self, read_size: usize) -> &mut BytesMut {
        if self.poisoned.is_some() {
            // Whatever was appended since the error is dropped here, unread.
            self.buf = Window::Owned(BytesMut::with_capacity(read_size));
        }
        let queued_len: usize = self.queued.iter().map(|input| input.len()).sum();
        if queued_len > 0 || matches!(self.buf, Window::Shared(_)) {
            // Inputs of `push_bytes` (or queued behind them) come first: copy them in order.
            let mut owned = BytesMut::with_capacity(self.buf.len() + queued_len + read_size);
            owned.extend_from_slice(&self.buf);
            for input in self.queued.drain(..) {
                owned.extend_from_slice(&input);
            }
            self.buf = Window::Owned(owned);
        }
        // Room for the read, plus the rest of the literal being read: the read that ends the
        // literal then still fits, so the response is never moved once its header is in.
        let mut need = read_size;
        let in_literal = matches!(self.state, State::Literal { .. });
        if let State::Literal { end } = self.state {
            need = need.saturating_add(end.saturating_sub(self.buf.len()).min(MAX_READ_RESERVE));
        }
        let needed = self.buf.len().saturating_add(need);
        let line_capacity = self.line_growth(needed);
        let buf = match &mut self.buf {
            Window::Owned(owned) => owned,
            Window::Shared(_) => unreachable!("the window was made owned above"),
        };
        if buf.capacity() - buf.len() < need && !buf.try_reclaim(need) {
            let reads = read_size
                .saturating_mul(READ_BUFFER_READS)
                .min(MAX_READ_AHEAD);
            // A literal beyond the reservation doubles, so it is copied O(1) times per byte.
            let doubled = if in_literal { buf.len().saturating_mul(2) } else { 0 };
            let capacity = line_capacity.unwrap_or(needed).max(reads).max(doubled);
            if capacity == reads {
                // Plain read-ahead comes from the pool: warm pages rather than fresh ones.
                self.read_pool.refill(buf, capacity);
            } else {
                let mut grown = BytesMut::with_capacity(capacity);
                grown.extend_from_slice(buf);
                *buf = grown;
                self.read_pool.forget_current();
            }
        }
        buf
    }

    /// How many received bytes are buffered and not yet handed out in a frame.
    pub fn buffered_len(&self) -> usize {
        if self.poisoned.is_some() {
            // Only `read_buffer` can hold bytes now, and they are discarded unread.
            return 0;
        }
        self.earlier_len
            + self.buf.len()
            + self.queued.iter().map(|input| input.len()).sum::<usize>()
    }

    /// Whether a response has started but its last frame has not been handed out: bytes are
    /// buffered, a literal is being streamed, or a streamed response's tail is pending.
    /// After draining [`Framer::next_frame`], `false` means the stream is at a response
    /// boundary, which is where a TLS or COMPRESS layer may start.
    pub fn is_mid_response(&self) -> bool {
        self.buffered_len() > 0 || self.state != State::Line || self.in_tail
    }

    /// Takes every buffered byte not yet handed out and resets the framer to a response
    /// boundary. The upgrade code uses it after the tagged OK to STARTTLS (any buffered
    /// plaintext was injected and must not be parsed) or COMPRESS (buffered bytes are
    /// already compressed). A poisoned framer stays poisoned.
    pub fn take_buffered(&mut self) -> BytesMut {
        self.reset_position();
        let window = std::mem::replace(&mut self.buf, Window::Owned(BytesMut::new()));
        let mut taken = match window {
            Window::Owned(owned) if self.earlier.is_empty() => owned,
            window => {
                let mut taken = BytesMut::with_capacity(self.earlier_len + window.len());
                for part in &self.earlier {
                    taken.extend_from_slice(part);
                }
                taken.extend_from_slice(&window);
                taken
            }
        };
        self.earlier.clear();
        self.earlier_len = 0;
        for input in self.queued.drain(..) {
            taken.extend_from_slice(&input);
        }
        taken
    }

    /// Returns the next frame, `Ok(None)` if more input is needed, or the error that
    /// poisoned the framer.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if let Some(error) = &self.poisoned {
            return Err(error.clone());
        }
        self.high_water = self.high_water.max(self.buf.len());
        // Matched rather than chained (`inspect_err`, `?`, `Ok(frame)`): each step moved the
        // whole result once more: about 85 instructions a frame on `dovecot-mix`.
        match self.step() {
            Ok(Some(frame)) => {
                self.release_drained(&frame);
                Ok(Some(frame))
            }
            Ok(None) => Ok(None),
            Err(error) => Err(self.poison(error)),
        }
    }

    /// Remembers `error`, which every later call returns, and drops everything buffered.
    #[cold]
    #[inline(never)]
    fn poison(&mut self, error: FrameError) -> FrameError {
        self.poisoned = Some(error.clone());
        self.buf = Window::Owned(BytesMut::new());
        self.high_water = 0;
        self.queued.clear();
        self.earlier.clear();
        self.earlier_len = 0;
        self.reset_position();
        error
    }

    /// After `frame` was handed out: if nothing is left buffered and the window held a large
    /// response, drops it ([`Framer::release_buffer`]). Buffers of small responses are kept
    /// and reused.
    fn release_drained(&mut self, frame: &Frame) {
        let handed_out = match frame {
            Frame::Complete(bytes) | Frame::StreamTail(bytes) | Frame::StreamChunk(bytes) => {
                bytes.len()
            }
            Frame::StreamBegin { head, .. } => head.len(),
            Frame::StreamEnd => 0,
        };
        self.high_water = self.high_water.max(handed_out);
        if self.high_water > RELEASE_ABOVE {
            self.release_buffer();
        }
    }

    /// Drops the window's buffer if it holds no byte not yet handed out, so its allocation
    /// is freed once the caller drops the frames cut from it; the next input allocates
    /// again. For a connection about to wait (`Connection::release_spare_memory`). The
    /// read buffers kept for reuse go too.
    pub fn release_buffer(&mut self) {
        if self.buf.is_empty() && self.queued.is_empty() && self.earlier.is_empty() {
            self.buf = Window::Owned(BytesMut::new());
            self.read_pool = read_pool::ReadPool::default();
            self.high_water = 0;
        }
    }

    /// Forgets the position within the current response: the next byte starts a response.
    fn reset_position(&mut self) {
        self.state = State::Line;
        self.segment_start = 0;
        self.scan_pos = 0;
        self.in_tail = false;
    }

    /// Advances the state machine until it has a frame or needs more input.
    fn step(&mut self) -> Result<Option<Frame>, FrameError> {
        loop {
            match self.state {
                State::Line => {
                    // The window once: each access through `Window` is a match on its kind.
                    let buf: &[u8] = &self.buf;
                    let unscanned = buf.get(self.scan_pos..).unwrap_or(&[]);
                    let Some(offset) = memchr::memchr(b'\n', unscanned) else {
                        let len = buf.len();
                        self.scan_pos = len;
                        self.check_growth(len, len)?;
                        if self.take_queued() {
                            continue;
                        }
                        return Ok(None);
                    };
                    let lf = self.scan_pos + offset;
                    let line_end = lf + 1;
                    let segment = buf.get(self.segment_start..lf).unwrap_or(&[]);
                    self.check_segment(segment, line_end)?;
                    let text = segment.strip_suffix(b"\r").unwrap_or(segment);
                    match literal_header(text)? {
                        None => return Ok(Some(self.take_response_end(line_end))),
                        Some(header) => {
                            if let Some(frame) = self.begin_literal(header, line_end)? {
                                return Ok(Some(frame));
                            }
                        }
                    }
                }
                State::Literal { end } => {
                    if self.buf.len() < end {
                        if self.take_queued() {
                            continue;
                        }
                        return Ok(None);
                    }
                    self.state = State::Line;
                    self.segment_start = end;
                    self.scan_pos = end;
                }
                State::Streaming { remaining: 0 } => {
                    self.state = State::Line;
                    self.in_tail = true;
                    return Ok(Some(Frame::StreamEnd));
                }
                State::Streaming { remaining } => {
                    if self.buf.is_empty() {
                        if self.take_queued() {
                            continue;
                        }
                        return Ok(None);
                    }
                    let take = usize::try_from(remaining)
                        .map_or(self.buf.len(), |remaining| remaining.min(self.buf.len()));
                    self.state = State::Streaming {
                        remaining: remaining - take as u64,
                    };
                    return Ok(Some(Frame::StreamChunk(self.buf.split_to(take))));
                }
            }
        }
    }

    /// Moves queued input into the window once the window's bytes are used up, so the state
    /// machine can go on; `false` if nothing is queued.
    ///
    /// An empty window simply becomes the next input, uncopied. Otherwise a response
    /// continues from the window into the next input, and only the part of that input this
    /// response still needs is copied after the window: up to the end of the current line,
    /// or of the current literal. The rest of the input stays queued, so the responses after
    /// this one are again slices of it.
    fn take_queued(&mut self) -> bool {
        let Some(next) = self.queued.front() else {
            return false;
        };
        // Set aside, uncopied, the part of the window the state machine is done with: all of it
        // inside a literal, everything before the current line segment otherwise.
        let done = match self.state {
            State::Line => self.segment_start,
            State::Literal { .. } => self.buf.len(),
            State::Streaming { .. } => 0,
        };
        if done > 0 {
            self.earlier.push(self.buf.split_to(done));
            self.earlier_len += done;
            // (Inside a literal these two are stale; the literal's end resets them.)
            self.segment_start = self.segment_start.saturating_sub(done);
            self.scan_pos = self.scan_pos.saturating_sub(done);
            if let State::Literal { end } = &mut self.state {
                *end -= done;
            }
        }
        if self.buf.is_empty() {
            if let Some(next) = self.queued.pop_front() {
                self.buf = next;
            }
            return true;
        }
        // A line segment continues into the next input: its text must be contiguous, so it is
        // joined by copying (a line's text, not a literal's content).
        let len = self.buf.len();
        let line_in = |bytes: &[u8]| memchr::memchr(b'\n', bytes).map_or(bytes.len(), |lf| lf + 1);
        let wanted = match self.state {
            State::Line => line_in(next),
            // Inside a literal the window was set aside above, and streamed bytes are handed
            // out before more are taken; should the window hold bytes anyway, joining the
            // whole input is still correct.
            State::Literal { .. } | State::Streaming { .. } => next.len(),
        };
        // Grow geometrically, so a long line joined from many inputs costs O(1) copies per
        // byte; a long line once, to all it may still need.
        let capacity = self
            .line_growth(len + wanted)
            .unwrap_or_else(|| len.saturating_mul(2).max(len + wanted));
        let Some(next) = self.queued.front_mut() else {
            return false;
        };
        let joined = next.split_to(wanted);
        if next.is_empty() {
            self.queued.pop_front();
        }
        self.buf.append(&joined, capacity);
        true
    }

    /// Hands out the current response (or streamed response's tail), which ends at buffer
    /// offset `end`, and starts the next one.
    fn take_response_end(&mut self, end: usize) -> Frame {
        let bytes = self.take_through(end);
        let frame = if self.in_tail {
            Frame::StreamTail(bytes)
        } else {
            Frame::Complete(bytes)
        };
        self.reset_position();
        frame
    }

    /// Hands out the current response's bytes up to buffer offset `end`: a slice of the
    /// window, or, if the response began in earlier inputs, those parts and the window's
    /// bytes joined in one allocation of the exact size (the only copy of such a response).
    fn take_through(&mut self, end: usize) -> Bytes {
        let last = self.buf.split_to(end);
        if self.earlier.is_empty() {
            return last;
        }
        let mut joined = BytesMut::with_capacity(self.earlier_len + last.len());
        for part in self.earlier.drain(..) {
            joined.extend_from_slice(&part);
        }
        joined.extend_from_slice(&last);
        self.earlier_len = 0;
        joined.freeze()
    }

    /// Joins the parts set aside in `earlier` with the window, by copying, so the window
    /// starts at the response again (for the prefix check of a literal to stream).
    fn join_earlier(&mut self) {
        if self.earlier.is_empty() {
            return;
        }
        let moved = self.earlier_len;
        let mut joined = BytesMut::with_capacity(moved + self.buf.len());
        for part in self.earlier.drain(..) {
            joined.extend_from_slice(&part);
        }
        joined.extend_from_slice(&self.buf);
        self.buf = Window::Owned(joined);
        self.earlier_len = 0;
        self.segment_start += moved;
        self.scan_pos += moved;
    }

    /// Handles a literal header whose line ends just before buffer offset `literal_start`:
    /// either starts streaming it (returning the `StreamBegin` frame) or checks the limits
    /// and skips over it while it is buffered.
    fn begin_literal(
        &mut self,
        header: LiteralHeader,
        literal_start: usize,
    ) -> Result<Option<Frame>, FrameError> {
        let mut literal_start = literal_start;
        if header.len > self.limits.stream_threshold && !self.earlier.is_empty() {
            // The prefix check needs the response's start: join it (a head, not a literal).
            literal_start += self.earlier_len;
            self.join_earlier();
        }
        if header.len > self.limits.stream_threshold
            && (self.in_tail || is_untagged_fetch(&self.buf))
        {
            let head = self.buf.split_to(literal_start);
            self.segment_start = 0;
            self.scan_pos = 0;
            self.in_tail = false;
            self.state = State::Streaming {
                remaining: header.len,
            };
            return Ok(Some(Frame::StreamBegin {
                head,
                literal_len: header.len,
                binary: header.binary,
            }));
        }
        if header.len > self.limits.max_literal_size {
            return Err(FrameError::LiteralTooLarge {
                limit: self.limits.max_literal_size,
                announced: header.len,
            });
        }
        let response_limit = self.limits.max_response_size;
        // Measured on the whole response, including any parts set aside.
        let end = ((self.earlier_len + literal_start) as u64).saturating_add(header.len);
        match usize::try_from(end) {
            Ok(end) if end <= response_limit => {
                self.state = State::Literal {
                    end: end - self.earlier_len,
                };
                Ok(None)
            }
            _ => Err(FrameError::ResponseTooLarge {
                limit: response_limit,
                observed: end,
            }),
        }
    }

    /// The capacity to move the window into when it must hold `needed` bytes and the
    /// current line segment has outgrown [`LINE_GROWTH_STEP`]: room for the most the line
    /// can still get before [`Limits::max_line_length`] (or the response limit) cuts it,
    /// plus what `needed` brings beyond the window. `None` while the line is short (or
    /// inside a literal): the caller grows as usual.
    ///
    /// Growing a long line by doubling would hold the old and the new buffer at once, up to
    /// twice the line limit while an endless line is cut; moving it once, to its bound, holds
    /// at most the buffer it outgrew besides. Capacity not yet filled is address space: its
    /// pages become resident only as bytes arrive.
    fn line_growth(&self, needed: usize) -> Option<usize> {
        let doubled = needed.max(self.buf.len().saturating_mul(2));
        if self.state != State::Line || doubled <= LINE_GROWTH_STEP {
            return None;
        }
        let line_bound = self
            .segment_start
            .saturating_add(self.limits.max_line_length)
            .saturating_add(2);
        let response_bound = self
            .limits
            .max_response_size
            .saturating_sub(self.earlier_len);
        let incoming = needed.saturating_sub(self.buf.len());
        Some(needed.max(line_bound.min(response_bound).saturating_add(incoming)))
    }

    /// Checks the current line segment, `buf[segment_start..segment_end]` (the bytes before
    /// its LF, or all buffered bytes when no LF arrived yet), and the response so far,
    /// `buf[..response_len]`, against the limits.
    ///
    /// Both measures only grow as bytes arrive. If both limits are exceeded, the error is the
    /// one whose limit the earlier byte crossed, so the error kind does not depend on how
    /// the input was split into pushes.
    fn check_growth(&self, segment_end: usize, response_len: usize) -> Result<(), FrameError> {
        let segment = self.buf.get(self.segment_start..segment_end).unwrap_or(&[]);
        self.check_segment(segment, response_len)
    }

    /// [`Framer::check_growth`] of `segment`, the window's bytes from `segment_start` to
    /// the segment's end. Within both limits (what every response of a sane server is) it is two
    /// compares; only an overrun is measured in detail, to report the right error.
    #[inline(always)]
    fn check_segment(&self, segment: &[u8], response_len: usize) -> Result<(), FrameError> {
        // The segment with any CR is at least as long as the line the limit counts.
        if segment.len() <= self.limits.max_line_length
            && self.earlier_len + response_len <= self.limits.max_response_size
        {
            return Ok(());
        }
        self.segment_overrun(segment, response_len)
    }

    /// [`Framer::check_segment`] past the fast check: which limit the segment or the response
    /// broke first, if any.
    #[cold]
    #[inline(never)]
    fn segment_overrun(&self, segment: &[u8], response_len: usize) -> Result<(), FrameError> {
        // Offsets in the response, counting any parts set aside before the window.
        let response_len = self.earlier_len + response_len;
        let line_len = segment.strip_suffix(b"\r").unwrap_or(segment).len();
        let line_limit = self.limits.max_line_length;
        let response_limit = self.limits.max_response_size;
        // Buffer offset of the byte whose arrival first made the segment too long. A CR at
        // offset `line_limit` in the segment did not count until a byte followed it.
        let line_tripped_at = (line_len > line_limit).then(|| {
            let cr_first = segment.get(line_limit) == Some(&b'\r');
            (self.earlier_len + self.segment_start)
                .saturating_add(line_limit)
                .saturating_add(usize::from(cr_first))
        });
        // Buffer offset of the byte that first made the response too long.
        let response_tripped_at = (response_len > response_limit).then_some(response_limit);
        match (line_tripped_at, response_tripped_at) {
            (Some(line_at), Some(response_at)) if response_at < line_at => {
                Err(self.response_too_large(response_len))
            }
            (Some(_), _) => Err(FrameError::LineTooLong {
                limit: line_limit,
                observed: line_len,
            }),
            (None, Some(_)) => Err(self.response_too_large(response_len)),
            (None, None) => Ok(()),
        }
    }

    /// The error for a response of `observed` bytes over the limit.
    fn response_too_large(&self, observed: usize) -> FrameError {
        FrameError::ResponseTooLarge {
            limit: self.limits.max_response_size,
            observed: observed as u64,
        }
    }
}

/// Recognises a literal header at the end of a line's text (CR and LF already removed):
/// `literal = "{" number64 ["+"] "}" CRLF *CHAR8` (RFC 9051 §9, `+` from RFC 7888) or
/// `literal8 = "~{" number64 "}" CRLF *OCTET` (RFC 3516 §4.2).
///
/// Returns `Ok(None)` when the text does not end in a header, and an error when it does
/// but the number is too large for `number64`.
fn literal_header(text: &[u8]) -> Result<Option<LiteralHeader>, FrameError> {
    let Some(inside) = text.strip_suffix(b"}") else {
        return Ok(None);
    };
    let inside = inside.strip_suffix(b"+").unwrap_or(inside);
    // The digits, read once from the end: up to 18 of them cannot overflow `number64`
    // (10^18 - 1 < 2^63), so only a longer run is checked digit by digit below.
    let mut short_len = 0u64;
    let mut scale = 1u64;
    let mut digit_count = 0;
    for &byte in inside.iter().rev() {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        if digit_count < 18 {
            short_len += u64::from(digit) * scale;
            scale = scale.wrapping_mul(10);
        }
        digit_count += 1;
    }
    if digit_count == 0 {
        return Ok(None);
    }
    let (before_digits, digits) = inside.split_at(inside.len() - digit_count);
    let Some(before_brace) = before_digits.strip_suffix(b"{") else {
        return Ok(None);
    };
    let len = if digit_count <= 18 {
        short_len
    } else {
        digits
            .iter()
            .try_fold(0u64, |acc, digit| {
                acc.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
            })
            .filter(|&len| len <= MAX_NUMBER64)
            .ok_or(FrameError::InvalidLiteral {
                digits: digit_count,
            })?
    };
    Ok(Some(LiteralHeader {
        len,
        binary: before_brace.ends_with(b"~"),
    }))
}

/// Whether a response starts like an untagged FETCH: `* <digits> FETCH ` (RFC 9051 §7.5.2),
/// with the keyword in any case. Only these responses have their big literals streamed.
fn is_untagged_fetch(response: &[u8]) -> bool {
    let Some(after_star) = response.strip_prefix(b"* ") else {
        return false;
    };
    let digit_count = after_star
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    digit_count > 0
        && after_star
            .get(digit_count..digit_count + 7)
            .is_some_and(|keyword| keyword.eq_ignore_ascii_case(b" FETCH "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Default limits with a small streaming threshold, as in the streaming tests.
    fn streaming_limits() -> Limits {
        Limits {
            stream_threshold: 16,
            ..Limits::default()
        }
    }

    /// How a test hands its input to the framer. Every test runs with each of them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Feed {
        /// [`Framer::push`], which copies.
        Slices,
        /// [`Framer::push_bytes`], each input its own allocation.
        SeparateBytes,
        /// [`Framer::push_bytes`], the inputs consecutive slices of one `Bytes`, as an
        /// adapter that freezes the parts of its read buffer produces them.
        OneBuffer,
        /// [`Framer::push_bytes_mut`], each input its own allocation.
        SeparateBytesMut,
        /// [`Framer::push_bytes_mut`], the inputs split off one `BytesMut` in turn, as an
        /// adapter that reads into one buffer produces them: joins happen in place.
        OneBufferMut,
        /// [`Framer::read_buffer`], each input appended to the framer's own buffer.
        ReadBuffer,
    }

    const FEEDS: [Feed; 6] = [
        Feed::Slices,
        Feed::SeparateBytes,
        Feed::OneBuffer,
        Feed::SeparateBytesMut,
        Feed::OneBufferMut,
        Feed::ReadBuffer,
    ];

    /// Bytes the framer holds allocated: its buffer's capacity, or the length of the
    /// uncopied input it keeps (whose allocation belongs to the caller).
    fn held_capacity(framer: &Framer) -> usize {
        let window = match &framer.buf {
            Window::Owned(owned) => owned.capacity(),
            Window::Shared(shared) => shared.len(),
        };
        window + framer.earlier_len + framer.queued.iter().map(|input| input.len()).sum::<usize>()
    }

    /// Pushes one input the way `feed` says (the one-buffer feeds need all inputs up
    /// front, so a single push is given its own allocation, as with the separate feeds).
    fn push(framer: &mut Framer, feed: Feed, data: &[u8]) {
        match feed {
            Feed::Slices => framer.push(data),
            Feed::SeparateBytes | Feed::OneBuffer => {
                framer.push_bytes(Bytes::copy_from_slice(data))
            }
            Feed::SeparateBytesMut | Feed::OneBufferMut => {
                framer.push_bytes_mut(BytesMut::from(data))
            }
            Feed::ReadBuffer => framer.read_buffer(data.len()).extend_from_slice(data),
        }
    }

    /// Feeds `chunks` with every [`Feed`], checks that all of them give exactly the same
    /// frames and error, and returns those.
    fn run(limits: &Limits, chunks: &[&[u8]]) -> (Vec<Frame>, Option<FrameError>) {
        let reference = run_with(Feed::Slices, limits, chunks);
        for feed in FEEDS {
            assert_eq!(
                run_with(feed, limits, chunks),
                reference,
                "{feed:?} differs from {:?}",
                Feed::Slices
            );
        }
        reference
    }

    /// Feeds `chunks` one push at a time, draining frames after each push, and returns the
    /// frames and the error that stopped framing, if any.
    fn run_with(feed: Feed, limits: &Limits, chunks: &[&[u8]]) -> (Vec<Frame>, Option<FrameError>) {
        let mut framer = Framer::new(limits.clone());
        let mut frames = Vec::new();
        let whole = Bytes::from(chunks.concat());
        let mut whole_mut = BytesMut::from(&whole[..]);
        let mut offset = 0;
        for chunk in chunks {
            match feed {
                Feed::OneBuffer => framer.push_bytes(whole.slice(offset..offset + chunk.len())),
                Feed::OneBufferMut => framer.push_bytes_mut(whole_mut.split_to(chunk.len())),
                _ => push(&mut framer, feed, chunk),
            }
            offset += chunk.len();
            loop {
                match framer.next_frame() {
                    Ok(Some(frame)) => frames.push(frame),
                    Ok(None) => break,
                    Err(error) => return (frames, Some(error)),
                }
            }
        }
        (frames, None)
    }

    /// Merges consecutive stream chunks, whose boundaries depend on how input was split.
    fn merge_chunks(frames: Vec<Frame>) -> Vec<Frame> {
        let mut merged: Vec<Frame> = Vec::new();
        for frame in frames {
            if let (Some(Frame::StreamChunk(previous)), Frame::StreamChunk(next)) =
                (merged.last_mut(), &frame)
            {
                let mut joined = previous.to_vec();
                joined.extend_from_slice(next);
                *previous = Bytes::from(joined);
                continue;
            }
            merged.push(frame);
        }
        merged
    }

    /// Asserts that feeding `input` one byte at a time, and split in two at every offset,
    /// gives the same frames (chunks merged) and the same error kind as feeding it at once.
    fn assert_split_independent(limits: &Limits, input: &[u8]) {
        let (whole_frames, whole_error) = run(limits, &[input]);
        let whole_frames = merge_chunks(whole_frames);
        let whole_kind = whole_error.as_ref().map(std::mem::discriminant);
        let check = |frames: Vec<Frame>, error: Option<FrameError>, how: &str| {
            assert_eq!(merge_chunks(frames), whole_frames, "frames differ ({how})");
            assert_eq!(
                error.as_ref().map(std::mem::discriminant),
                whole_kind,
                "error kind differs ({how}): {error:?} vs {whole_error:?}"
            );
        };
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let (frames, error) = run(limits, &bytes);
        check(frames, error, "byte by byte");
        for split in 0..=input.len() {
            let (first, second) = input.split_at(split);
            let (frames, error) = run(limits, &[first, second]);
            check(frames, error, &format!("split at {split}"));
        }
    }

    fn complete(text: &[u8]) -> Frame {
        Frame::Complete(Bytes::copy_from_slice(text))
    }

    /// Ten varied responses; each one is a single complete frame.
    const TRANSCRIPT: &[&[u8]] = &[
        b"* OK [CAPABILITY IMAP4rev2 BINARY] ready\r\n",
        b"a1 OK done\r\n",
        b"* 1 FETCH (UID 5 BODY[] {12}\r\nline1\r\n{5}\r\n FLAGS ())\r\n",
        b"* 2 FETCH (BINARY[1] ~{4}\r\n\x00\r\n\xff)\r\n",
        b"* 3 FETCH (BODY[HEADER] {0}\r\n BODY[TEXT] {3+}\r\nabc)\r\n",
        b"* LIST () \"/\" {5}\r\nINBOX\r\n",
        b"* SEARCH 1 2 3\n",
        b"* OK text {abc}\r\n",
        b"* 4 FETCH (BODY[1] {2}\r\nx{ BODY[2] {1}\r\n\n)\r\n",
        b"+ go ahead\r\n",
        b"* BYE logging out\r\n",
    ];

    #[test]
    fn single_line_is_one_complete_frame() {
        let (frames, error) = run(&Limits::default(), &[b"* OK ready\r\n"]);
        assert_eq!(frames, vec![complete(b"* OK ready\r\n")]);
        assert_eq!(error, None);
    }

    #[test]
    fn several_responses_in_one_push() {
        let (frames, error) = run(
            &Limits::default(),
            &[b"* 1 EXISTS\r\n* 0 RECENT\r\na OK\r\n"],
        );
        assert_eq!(
            frames,
            vec![
                complete(b"* 1 EXISTS\r\n"),
                complete(b"* 0 RECENT\r\n"),
                complete(b"a OK\r\n")
            ]
        );
        assert_eq!(error, None);
    }

    #[test]
    fn partial_response_waits_and_stays_buffered() {
        for feed in FEEDS {
            let mut framer = Framer::new(Limits::default());
            push(&mut framer, feed, b"* 1 FETCH (BODY[] {10}\r\nabc");
            assert_eq!(framer.next_frame(), Ok(None));
            assert_eq!(framer.buffered_len(), 27);
            assert!(framer.is_mid_response());
            push(&mut framer, feed, b"defghij)\r\n");
            assert_eq!(
                framer.next_frame(),
                Ok(Some(complete(b"* 1 FETCH (BODY[] {10}\r\nabcdefghij)\r\n")))
            );
            assert_eq!(framer.next_frame(), Ok(None));
            assert!(!framer.is_mid_response());
        }
    }

    #[test]
    fn transcript_gives_one_frame_per_response() {
        let input = TRANSCRIPT.concat();
        let (frames, error) = run(&Limits::default(), &[&input]);
        let expected: Vec<Frame> = TRANSCRIPT.iter().map(|text| complete(text)).collect();
        assert_eq!(frames, expected);
        assert_eq!(error, None);
    }

    #[test]
    fn transcript_framing_does_not_depend_on_splits() {
        assert_split_independent(&Limits::default(), &TRANSCRIPT.concat());
    }

    #[test]
    fn complete_frame_is_split_from_the_buffer_without_copying() {
        for feed in FEEDS {
            let mut framer = Framer::new(Limits::default());
            push(&mut framer, feed, b"* OK a\r\n* OK b\r\n");
            let Ok(Some(Frame::Complete(first))) = framer.next_frame() else {
                panic!("expected a complete frame");
            };
            let Ok(Some(Frame::Complete(second))) = framer.next_frame() else {
                panic!("expected a complete frame");
            };
            // Both frames sit back to back in the one allocation the push copied into.
            assert_eq!(first.as_ptr().wrapping_add(first.len()), second.as_ptr());
        }
    }

    /// Whether `part` lies inside `input`'s memory, i.e. was handed out without a copy.
    fn is_slice_of(part: &[u8], input: &Bytes) -> bool {
        let range = input.as_ptr_range();
        let part = part.as_ptr_range();
        range.start <= part.start && part.end <= range.end
    }

    #[test]
    fn push_bytes_hands_out_frames_as_slices_of_the_input() {
        let mut framer = Framer::new(Limits::default());
        let first = Bytes::from_static(b"* OK a\r\n* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n* OK par");
        framer.push_bytes(first.clone());
        for expected in [&b"* OK a\r\n"[..], b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n"] {
            let Ok(Some(Frame::Complete(frame))) = framer.next_frame() else {
                panic!("expected a complete frame");
            };
            assert_eq!(&frame[..], expected);
            assert!(is_slice_of(&frame, &first));
        }
        assert_eq!(framer.next_frame(), Ok(None));
        // The incomplete rest is kept as it is, not copied yet.
        assert!(matches!(&framer.buf, Window::Shared(rest) if is_slice_of(rest, &first)));
        assert_eq!(framer.buffered_len(), 8);

        let second = Bytes::from_static(b"tial\r\n* 2 EXISTS\r\n* OK");
        framer.push_bytes(second.clone());
        let Ok(Some(Frame::Complete(joined))) = framer.next_frame() else {
            panic!("expected the joined frame");
        };
        assert_eq!(&joined[..], b"* OK partial\r\n");
        assert!(!is_slice_of(&joined, &first) && !is_slice_of(&joined, &second));
        // Only what the joined response needed was copied: the rest of the second input is
        // again handed out as slices of it.
        let Ok(Some(Frame::Complete(after))) = framer.next_frame() else {
            panic!("expected a complete frame");
        };
        assert_eq!(&after[..], b"* 2 EXISTS\r\n");
        assert!(is_slice_of(&after, &second));
        assert_eq!(framer.next_frame(), Ok(None));
        assert!(matches!(&framer.buf, Window::Shared(rest) if is_slice_of(rest, &second)));
    }

    #[test]
    fn push_bytes_joins_only_the_straddling_literal() {
        let mut framer = Framer::new(Limits::default());
        framer.push_bytes(Bytes::from_static(b"* 1 FETCH (BODY[] {10}\r\n0123"));
        let second = Bytes::from_static(b"456789)\r\n* OK done\r\n");
        framer.push_bytes(second.clone());
        assert_eq!(
            framer.next_frame(),
            Ok(Some(complete(b"* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n")))
        );
        let Ok(Some(Frame::Complete(done))) = framer.next_frame() else {
            panic!("expected a complete frame");
        };
        assert_eq!(&done[..], b"* OK done\r\n");
        assert!(is_slice_of(&done, &second));
        assert_eq!(framer.buffered_len(), 0);
        assert!(!framer.is_mid_response());
    }

    #[test]
    fn push_bytes_sets_literal_parts_aside_and_copies_them_once() {
        let inputs: [&[u8]; 3] = [
            b"* 1 FETCH (BODY[] {30}\r\n0123456789",
            b"abcdefghij",
            b"ABCDEFGHIJ)\r\n* OK\r\n",
        ];
        let whole = Bytes::from(inputs.concat());
        let (first, second) = (inputs[0].len(), inputs[0].len() + inputs[1].len());
        let mut framer = Framer::new(Limits::default());
        framer.push_bytes(whole.slice(..first));
        assert_eq!(framer.next_frame(), Ok(None));
        framer.push_bytes(whole.slice(first..second));
        assert_eq!(framer.next_frame(), Ok(None));
        // Nothing copied yet: the response's start is set aside as slices of the inputs.
        assert_eq!(framer.buffered_len(), second);
        assert_eq!(framer.earlier_len, first);
        assert!(framer.earlier.iter().all(|part| is_slice_of(part, &whole)));
        assert!(matches!(&framer.buf, Window::Shared(window) if is_slice_of(window, &whole)));
        framer.push_bytes(whole.slice(second..));
        let Ok(Some(Frame::Complete(joined))) = framer.next_frame() else {
            panic!("expected the joined frame");
        };
        assert_eq!(&joined[..], &whole[..whole.len() - 6]);
        assert!(!is_slice_of(&joined, &whole));
        let Ok(Some(Frame::Complete(next))) = framer.next_frame() else {
            panic!("expected a complete frame");
        };
        assert_eq!(&next[..], b"* OK\r\n");
        assert!(is_slice_of(&next, &whole));
        assert!(framer.earlier.is_empty() && !framer.is_mid_response());
    }

    #[test]
    fn push_bytes_streams_chunks_as_slices_of_the_input() {
        let input = Bytes::from(streamed_fetch());
        let (first, second) = (input.slice(..60), input.slice(60..));
        let mut framer = Framer::new(streaming_limits());
        framer.push_bytes(first.clone());
        assert!(matches!(
            framer.next_frame(),
            Ok(Some(Frame::StreamBegin { .. }))
        ));
        let Ok(Some(Frame::StreamChunk(chunk))) = framer.next_frame() else {
            panic!("expected a stream chunk");
        };
        assert!(is_slice_of(&chunk, &first));
        assert_eq!(framer.next_frame(), Ok(None));
        framer.push_bytes(second.clone());
        let Ok(Some(Frame::StreamChunk(chunk))) = framer.next_frame() else {
            panic!("expected a stream chunk");
        };
        assert!(is_slice_of(&chunk, &second));
        assert_eq!(framer.next_frame(), Ok(Some(Frame::StreamEnd)));
        let Ok(Some(Frame::StreamTail(tail))) = framer.next_frame() else {
            panic!("expected the tail");
        };
        assert_eq!(&tail[..], b" FLAGS (\\Seen))\r\n");
        assert!(is_slice_of(&tail, &second));
    }

    #[test]
    fn push_bytes_mut_joins_consecutive_reads_in_place() {
        let mut read_buffer = BytesMut::with_capacity(256);
        read_buffer.extend_from_slice(b"* OK a\r\n* 1 FETCH (BODY[] {10}\r\n0123");
        let allocation_start = read_buffer.as_ptr();
        let mut framer = Framer::new(Limits::default());
        framer.push_bytes_mut(read_buffer.split());
        assert_eq!(framer.next_frame(), Ok(Some(complete(b"* OK a\r\n"))));
        assert_eq!(framer.next_frame(), Ok(None));
        read_buffer.extend_from_slice(b"456789)\r\n* OK b\r\n");
        framer.push_bytes_mut(read_buffer.split());
        let Ok(Some(Frame::Complete(joined))) = framer.next_frame() else {
            panic!("expected the joined frame");
        };
        assert_eq!(&joined[..], b"* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n");
        // Joined in place: the frame is where the reads put it in the read buffer.
        assert_eq!(joined.as_ptr(), allocation_start.wrapping_add(8));
        assert_eq!(framer.next_frame(), Ok(Some(complete(b"* OK b\r\n"))));
        assert!(!framer.is_mid_response());
        // A read from another allocation cannot be joined in place: it is joined by copying.
        framer.push_bytes_mut(BytesMut::from(&b"* OK c"[..]));
        assert_eq!(framer.next_frame(), Ok(None));
        framer.push_bytes_mut(BytesMut::from(&b"d\r\n"[..]));
        assert_eq!(framer.next_frame(), Ok(Some(complete(b"* OK cd\r\n"))));
    }

    /// Every frame the framer has now.
    fn drain_all(framer: &mut Framer) -> Vec<Frame> {
        std::iter::from_fn(|| framer.next_frame().expect("no error")).collect()
    }

    /// Reads `stream` into the framer's own buffer `read_size` bytes at a time, draining
    /// after each read and handing every frame to `seen`.
    fn read_all(framer: &mut Framer, stream: &[u8], read_size: usize, mut seen: impl FnMut(Frame)) {
        for piece in stream.chunks(read_size) {
            framer.read_buffer(read_size).extend_from_slice(piece);
            drain_all(framer).into_iter().for_each(&mut seen);
        }
    }

    #[test]
    fn read_buffer_receives_an_announced_literal_in_one_piece() {
        let literal = vec![b'x'; 100_000];
        let mut fetch = b"* 1 FETCH (BODY[] {100000}\r\n".to_vec();
        fetch.extend_from_slice(&literal);
        fetch.extend_from_slice(b")\r\n");
        let mut stream = b"* OK a\r\n".to_vec();
        stream.extend_from_slice(&fetch);
        stream.extend_from_slice(b"* OK b\r\n");
        let mut framer = Framer::new(Limits::default());
        let mut frames = Vec::new();
        let mut reserved_at = None;
        for piece in stream.chunks(4096) {
            let in_literal = framer.state != State::Line;
            let buf = framer.read_buffer(4096);
            if in_literal && reserved_at.is_none() {
                // The header has been read and the buffer starts at the response: the whole
                // response fits without moving.
                assert!(buf.capacity() >= fetch.len());
                reserved_at = Some(buf.as_ptr());
            }
            buf.extend_from_slice(piece);
            frames.extend(drain_all(&mut framer));
        }
        assert_eq!(
            frames,
            vec![
                complete(b"* OK a\r\n"),
                complete(&fetch),
                complete(b"* OK b\r\n")
            ]
        );
        // The response was neither joined nor moved after its header: it is where the reads
        // put it.
        let Frame::Complete(joined) = &frames[1] else {
            panic!("expected the FETCH frame");
        };
        assert_eq!(Some(joined.as_ptr()), reserved_at);
    }

    #[test]
    fn read_buffer_reuses_its_allocation_once_frames_are_dropped() {
        let mut framer = Framer::new(Limits::default());
        let base = framer.read_buffer(64).as_ptr() as usize;
        let capacity = framer.read_buffer(64).capacity();
        let stream = b"* 3 EXISTS\r\n* 1 FETCH (BODY[] {5}\r\nhello)\r\n".repeat(2_000);
        let mut count = 0;
        read_all(&mut framer, &stream, 64, |frame| {
            let Frame::Complete(bytes) = frame else {
                panic!("expected complete frames");
            };
            let at = bytes.as_ptr() as usize;
            assert!(at >= base && at + bytes.len() <= base + capacity);
            count += 1;
        });
        assert_eq!(count, 4_000);
        assert!(stream.len() > 4 * capacity);
    }

    #[test]
    fn read_buffer_reserves_at_most_max_read_reserve() {
        let mut framer = Framer::new(Limits {
            max_literal_size: 1 << 40,
            max_response_size: usize::MAX,
            ..Limits::default()
        });
        framer
            .read_buffer(16)
            .extend_from_slice(b"a1 OK {1000000000000}\r\nabc");
        assert_eq!(framer.next_frame(), Ok(None));
        let buf = framer.read_buffer(16);
        assert!(buf.capacity() - buf.len() >= MAX_READ_RESERVE);
        assert!(buf.capacity() < MAX_READ_RESERVE + 64 + 16);
    }

    #[test]
    fn read_buffer_keeps_the_order_of_queued_inputs() {
        let mut framer = Framer::new(Limits::default());
        framer.push_bytes(Bytes::from_static(b"* OK a\r\n* OK"));
        framer.push_bytes(Bytes::from_static(b" b\r\n* O"));
        framer.read_buffer(8).extend_from_slice(b"K c\r\n");
        assert_eq!(
            drain_all(&mut framer),
            vec![
                complete(b"* OK a\r\n"),
                complete(b"* OK b\r\n"),
                complete(b"* OK c\r\n")
            ]
        );
    }

    #[test]
    fn push_and_push_bytes_may_be_mixed_in_order() {
        let mut framer = Framer::new(Limits::default());
        framer.push_bytes(Bytes::from_static(b"* OK a\r\n* OK b"));
        framer.push(b"c\r\n* OK d");
        framer.push_bytes(Bytes::from_static(b"e\r\n* OK f"));
        framer.push_bytes_mut(BytesMut::from(&b"g"[..]));
        framer.push(b"\r\n");
        let mut frames = Vec::new();
        while let Some(frame) = framer.next_frame().expect("no error") {
            frames.push(frame);
        }
        assert_eq!(
            frames,
            vec![
                complete(b"* OK a\r\n"),
                complete(b"* OK bc\r\n"),
                complete(b"* OK de\r\n"),
                complete(b"* OK fg\r\n"),
            ]
        );
        assert!(!framer.is_mid_response());
    }

    #[test]
    fn take_buffered_returns_queued_inputs_in_order() {
        let mut framer = Framer::new(Limits::default());
        framer.push_bytes(Bytes::from_static(b"a1 OK go\r\n* OK x"));
        framer.push_bytes(Bytes::from_static(b"yz"));
        framer.push(b"\r\n");
        assert_eq!(framer.next_frame(), Ok(Some(complete(b"a1 OK go\r\n"))));
        assert_eq!(framer.buffered_len(), 10);
        assert_eq!(framer.take_buffered().as_ref(), b"* OK xyz\r\n");
        assert_eq!(framer.buffered_len(), 0);
        assert_eq!(framer.next_frame(), Ok(None));
    }

    #[test]
    fn literal_may_contain_crlf_and_header_text() {
        let response = b"* 1 FETCH (BODY[] {16}\r\n{5}\r\nab\r\n\r\n{3}\r\n)\r\n";
        let (frames, error) = run(&Limits::default(), &[response, b"a OK\r\n"]);
        assert_eq!(frames, vec![complete(response), complete(b"a OK\r\n")]);
        assert_eq!(error, None);
    }

    #[test]
    fn zero_length_literal_is_followed_directly_by_the_line() {
        let response = b"* 1 FETCH (BODY[] {0}\r\n)\r\n";
        let (frames, _) = run(&Limits::default(), &[response]);
        assert_eq!(frames, vec![complete(response)]);
    }

    #[test]
    fn zero_length_literal_at_end_of_line_continues_to_next_line_end() {
        let (frames, _) = run(&Limits::default(), &[b"* X {0}\r\n\r\n* OK\r\n"]);
        assert_eq!(
            frames,
            vec![complete(b"* X {0}\r\n\r\n"), complete(b"* OK\r\n")]
        );
    }

    #[test]
    fn non_synchronizing_header_is_tolerated() {
        let response = b"* 1 FETCH (BODY[] {4+}\r\n\r\n\r\n)\r\n";
        let (frames, _) = run(&Limits::default(), &[response]);
        assert_eq!(frames, vec![complete(response)]);
    }

    #[test]
    fn literal8_header_is_recognised() {
        assert_eq!(
            literal_header(b"* 1 FETCH (BINARY[] ~{42}"),
            Ok(Some(LiteralHeader {
                len: 42,
                binary: true
            }))
        );
        assert_eq!(
            literal_header(b"x {7+}"),
            Ok(Some(LiteralHeader {
                len: 7,
                binary: false
            }))
        );
    }

    #[test]
    fn malformed_braces_are_text() {
        for text in [
            &b"x {abc}"[..],
            b"x {}",
            b"x {+}",
            b"x {-1}",
            b"x 5}",
            b"x {5",
            b"}",
        ] {
            assert_eq!(literal_header(text), Ok(None), "{text:?}");
        }
        let (frames, _) = run(&Limits::default(), &[b"* OK {abc}\r\n* OK {}\r\n"]);
        assert_eq!(
            frames,
            vec![complete(b"* OK {abc}\r\n"), complete(b"* OK {}\r\n")]
        );
    }

    #[test]
    fn brace_at_end_of_literal_content_does_not_start_a_header() {
        // The literal is "x{"; the line "5}\r\n" after it is not a literal header.
        let response = b"* 1 FETCH (BODY[] {2}\r\nx{5}\r\n";
        let (frames, _) = run(&Limits::default(), &[response, b"a OK\r\n"]);
        assert_eq!(frames, vec![complete(response), complete(b"a OK\r\n")]);
    }

    #[test]
    fn bare_lf_ends_lines_and_literal_headers() {
        let input = b"* OK one\n* 1 FETCH (BODY[] {3}\na\nb)\n* OK two\r\n";
        let (frames, error) = run(&Limits::default(), &[input]);
        assert_eq!(
            frames,
            vec![
                complete(b"* OK one\n"),
                complete(b"* 1 FETCH (BODY[] {3}\na\nb)\n"),
                complete(b"* OK two\r\n"),
            ]
        );
        assert_eq!(error, None);
        assert_split_independent(&Limits::default(), input);
    }

    #[test]
    fn lone_cr_is_text() {
        let (frames, _) = run(&Limits::default(), &[b"* OK a\rb\r\n"]);
        assert_eq!(frames, vec![complete(b"* OK a\rb\r\n")]);
    }

    /// The literal of the streaming tests: 100 bytes including CRLF and header-like text.
    fn hundred_byte_literal() -> Vec<u8> {
        let mut literal = b"Subject: hi\r\n\r\n{5}\r\n".to_vec();
        literal.extend((0..80).map(|i| b'a' + (i % 26) as u8));
        assert_eq!(literal.len(), 100);
        literal
    }

    fn streamed_fetch() -> Vec<u8> {
        [
            &b"* 1 FETCH (UID 7 BODY[] {100}\r\n"[..],
            &hundred_byte_literal(),
            b" FLAGS (\\Seen))\r\n",
        ]
        .concat()
    }

    #[test]
    fn big_fetch_literal_is_streamed() {
        let (frames, error) = run(&streaming_limits(), &[&streamed_fetch()]);
        assert_eq!(
            frames,
            vec![
                Frame::StreamBegin {
                    head: Bytes::from_static(b"* 1 FETCH (UID 7 BODY[] {100}\r\n"),
                    literal_len: 100,
                    binary: false,
                },
                Frame::StreamChunk(Bytes::from(hundred_byte_literal())),
                Frame::StreamEnd,
                Frame::StreamTail(Bytes::from_static(b" FLAGS (\\Seen))\r\n")),
            ]
        );
        assert_eq!(error, None);
    }

    #[test]
    fn streamed_literal_fed_byte_by_byte_has_the_same_content() {
        let input = streamed_fetch();
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let (frames, error) = run(&streaming_limits(), &bytes);
        assert_eq!(error, None);
        let chunk_count = frames
            .iter()
            .filter(|frame| matches!(frame, Frame::StreamChunk(_)))
            .count();
        assert_eq!(chunk_count, 100, "one chunk per arriving byte");
        let (whole, _) = run(&streaming_limits(), &[&input]);
        assert_eq!(merge_chunks(frames), whole);
        assert_split_independent(&streaming_limits(), &input);
    }

    #[test]
    fn stream_chunks_are_handed_out_without_waiting_for_the_whole_literal() {
        for feed in FEEDS {
            let literal = hundred_byte_literal();
            let mut framer = Framer::new(streaming_limits());
            push(&mut framer, feed, b"* 12 FETCH (BODY[] {100}\r\n");
            push(&mut framer, feed, &literal[..10]);
            assert!(matches!(
                framer.next_frame(),
                Ok(Some(Frame::StreamBegin {
                    literal_len: 100,
                    ..
                }))
            ));
            assert_eq!(
                framer.next_frame(),
                Ok(Some(Frame::StreamChunk(Bytes::copy_from_slice(
                    &literal[..10]
                ))))
            );
            assert_eq!(framer.next_frame(), Ok(None));
            assert_eq!(framer.buffered_len(), 0);
            assert!(framer.is_mid_response());
            push(&mut framer, feed, &literal[10..]);
            push(&mut framer, feed, b")\r\n");
            assert_eq!(
                framer.next_frame(),
                Ok(Some(Frame::StreamChunk(Bytes::copy_from_slice(
                    &literal[10..]
                ))))
            );
            assert_eq!(framer.next_frame(), Ok(Some(Frame::StreamEnd)));
            assert!(framer.is_mid_response());
            assert_eq!(
                framer.next_frame(),
                Ok(Some(Frame::StreamTail(Bytes::from_static(b")\r\n"))))
            );
            assert_eq!(framer.next_frame(), Ok(None));
            assert!(!framer.is_mid_response());
        }
    }

    #[test]
    fn streaming_memory_stays_bounded_by_unread_input() {
        for feed in FEEDS {
            let mut framer = Framer::new(Limits {
                stream_threshold: 16,
                max_literal_size: 1024,
                max_response_size: 2048,
                ..Limits::default()
            });
            let total: u64 = 4 * 1024 * 1024;
            push(
                &mut framer,
                feed,
                format!("* 1 FETCH (BODY[] {{{total}}}\r\n").as_bytes(),
            );
            let piece = [b'x'; 4096];
            let mut streamed = 0u64;
            let mut pushed = 0u64;
            while pushed < total {
                push(&mut framer, feed, &piece);
                pushed += piece.len() as u64;
                assert!(framer.buffered_len() <= piece.len() + 64);
                while let Some(frame) = framer.next_frame().expect("no error") {
                    if let Frame::StreamChunk(chunk) = frame {
                        streamed += chunk.len() as u64;
                    }
                }
                assert_eq!(framer.buffered_len(), 0);
                assert!(held_capacity(&framer) <= 64 * 1024);
            }
            assert_eq!(streamed, total);
        }
    }

    #[test]
    fn fetch_prefix_is_case_insensitive() {
        assert!(is_untagged_fetch(b"* 1 fetch (BODY[] {20}"));
        assert!(is_untagged_fetch(b"* 4294967295 FeTcH ("));
        assert!(!is_untagged_fetch(b"* FETCH ("));
        assert!(!is_untagged_fetch(b"a1 FETCH ("));
        assert!(!is_untagged_fetch(b"* 1 FETCHX"));
        assert!(!is_untagged_fetch(b"* 1 FETCH"));
        assert!(!is_untagged_fetch(b"*  1 FETCH ("));
    }

    #[test]
    fn big_literal_outside_untagged_fetch_is_buffered() {
        let literal = hundred_byte_literal();
        for head in [
            &b"a1 FETCH (BODY[] {100}\r\n"[..],
            b"* LIST () \"/\" {100}\r\n",
            b"* OK {100}\r\n",
        ] {
            let response = [head, &literal[..], b")\r\n"].concat();
            let (frames, error) = run(&streaming_limits(), &[&response]);
            assert_eq!(frames, vec![complete(&response)]);
            assert_eq!(error, None);
        }
    }

    #[test]
    fn two_big_literals_in_one_fetch_give_a_continuation_head() {
        let literal = hundred_byte_literal();
        let input = [
            &b"* 3 FETCH (BODY[1] {100}\r\n"[..],
            &literal,
            b" BODY[2] {3}\r\nabc BINARY[3] ~{20}\r\n",
            &literal[..20],
            b" UID 9)\r\n* OK next\r\n",
        ]
        .concat();
        let (frames, error) = run(&streaming_limits(), &[&input]);
        assert_eq!(
            frames,
            vec![
                Frame::StreamBegin {
                    head: Bytes::from_static(b"* 3 FETCH (BODY[1] {100}\r\n"),
                    literal_len: 100,
                    binary: false,
                },
                Frame::StreamChunk(Bytes::copy_from_slice(&literal)),
                Frame::StreamEnd,
                Frame::StreamBegin {
                    head: Bytes::from_static(b" BODY[2] {3}\r\nabc BINARY[3] ~{20}\r\n"),
                    literal_len: 20,
                    binary: true,
                },
                Frame::StreamChunk(Bytes::copy_from_slice(&literal[..20])),
                Frame::StreamEnd,
                Frame::StreamTail(Bytes::from_static(b" UID 9)\r\n")),
                complete(b"* OK next\r\n"),
            ]
        );
        assert_eq!(error, None);
        assert_split_independent(&streaming_limits(), &input);
    }

    #[test]
    fn literal_at_threshold_is_buffered() {
        let response = [&b"* 1 FETCH (BODY[] {16}\r\n"[..], &[b'z'; 16], b")\r\n"].concat();
        let (frames, _) = run(&streaming_limits(), &[&response]);
        assert_eq!(frames, vec![complete(&response)]);
    }

    #[test]
    fn endless_line_fails_once_it_exceeds_the_limit() {
        for feed in FEEDS {
            let limits = Limits {
                max_line_length: 100,
                ..Limits::default()
            };
            let mut framer = Framer::new(limits);
            push(&mut framer, feed, b"* OK ");
            push(&mut framer, feed, &[b'a'; 95]);
            assert_eq!(framer.next_frame(), Ok(None), "exactly at the limit");
            push(&mut framer, feed, b"\r");
            assert_eq!(framer.next_frame(), Ok(None), "a trailing CR is not text");
            push(&mut framer, feed, b"a");
            assert_eq!(
                framer.next_frame(),
                Err(FrameError::LineTooLong {
                    limit: 100,
                    observed: 102
                })
            );
        }
    }

    #[test]
    fn endless_line_without_line_end_never_buffers_past_the_limit() {
        for feed in FEEDS {
            let mut framer = Framer::new(Limits {
                max_line_length: 1000,
                ..Limits::default()
            });
            let mut error = None;
            for _ in 0..100 {
                push(&mut framer, feed, &[b'x'; 64]);
                if let Err(e) = framer.next_frame() {
                    error = Some(e);
                    break;
                }
                assert!(framer.buffered_len() <= 1000);
            }
            assert!(matches!(
                error,
                Some(FrameError::LineTooLong { limit: 1000, .. })
            ));
            assert_eq!(framer.buffered_len(), 0);
        }
    }

    #[test]
    fn line_of_exactly_the_limit_passes() {
        let limits = Limits {
            max_line_length: 10,
            ..Limits::default()
        };
        let (frames, error) = run(&limits, &[b"* OK 12345\r\n* OK\n"]);
        assert_eq!(
            frames,
            vec![complete(b"* OK 12345\r\n"), complete(b"* OK\n")]
        );
        assert_eq!(error, None);
        let (_, error) = run(&limits, &[b"* OK 123456\r\n"]);
        assert_eq!(
            error,
            Some(FrameError::LineTooLong {
                limit: 10,
                observed: 11
            })
        );
    }

    #[test]
    fn line_limit_applies_to_each_segment_not_the_literals() {
        let limits = Limits {
            max_line_length: 22,
            ..Limits::default()
        };
        let response = [
            &b"* 1 FETCH (BODY[] {40}\r\n"[..],
            &[b'q'; 40],
            b" BODY[1] {2}\r\nxy)\r\n",
        ]
        .concat();
        let (frames, error) = run(&limits, &[&response]);
        assert_eq!(frames, vec![complete(&response)]);
        assert_eq!(error, None);
    }

    #[test]
    fn huge_announced_literal_fails_at_once_without_allocating() {
        for feed in FEEDS {
            let mut framer = Framer::new(Limits {
                max_literal_size: 1024,
                ..Limits::default()
            });
            push(&mut framer, feed, b"* LIST () \"/\" {4294967296000}\r\n");
            assert_eq!(
                framer.next_frame(),
                Err(FrameError::LiteralTooLarge {
                    limit: 1024,
                    announced: 4_294_967_296_000
                })
            );
            assert_eq!(framer.buffered_len(), 0);
            assert!(held_capacity(&framer) <= INITIAL_CAPACITY);
        }
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn buffered_literal_below_its_limit_grows_only_with_input() {
        for feed in FEEDS {
            let mut framer = Framer::new(Limits {
                max_literal_size: 1 << 40,
                max_response_size: usize::MAX,
                ..Limits::default()
            });
            push(&mut framer, feed, b"a1 OK {1000000000000}\r\nabc");
            assert_eq!(framer.next_frame(), Ok(None));
            assert!(held_capacity(&framer) <= INITIAL_CAPACITY);
        }
    }

    #[test]
    fn literal_length_beyond_number64_is_invalid() {
        let (_, error) = run(
            &Limits::default(),
            &[b"* 1 FETCH (BODY[] {99999999999999999999999}\r\n"],
        );
        assert_eq!(error, Some(FrameError::InvalidLiteral { digits: 23 }));
        let (_, error) = run(&Limits::default(), &[b"* OK ~{9223372036854775808}\r\n"]);
        assert_eq!(error, Some(FrameError::InvalidLiteral { digits: 19 }));
        assert_eq!(
            literal_header(b"{9223372036854775807}"),
            Ok(Some(LiteralHeader {
                len: MAX_NUMBER64,
                binary: false
            }))
        );
        assert_eq!(
            literal_header(b"{0000000000000000000000042}"),
            Ok(Some(LiteralHeader {
                len: 42,
                binary: false
            }))
        );
    }

    /// The one-pass reading of up to 18 digits against `str::parse`, on both sides of the
    /// 18-digit boundary where the checked reading takes over.
    #[test]
    fn literal_length_digits_read_as_the_number_they_spell() {
        let mut values = vec![0u64, 1, 7, 42, 2639, MAX_NUMBER64];
        for digits in 1..=19u32 {
            let power = 10u64.pow(digits - 1);
            values.extend([power, power * 3 + 7, 10u64.saturating_pow(digits) - 1]);
        }
        for value in values {
            if value > MAX_NUMBER64 {
                let header = format!("{{{value}}}");
                let digits = header.len() - 2;
                assert_eq!(
                    literal_header(header.as_bytes()),
                    Err(FrameError::InvalidLiteral { digits })
                );
                continue;
            }
            for (header, binary) in [(format!("{{{value}}}"), false), (format!("~{{{value}+}}"), true)] {
                assert_eq!(
                    literal_header(header.as_bytes()),
                    Ok(Some(LiteralHeader { len: value, binary })),
                    "{header}"
                );
            }
            let padded = format!("{{0{value:018}}}");
            assert_eq!(
                literal_header(padded.as_bytes()).map(|h| h.map(|h| h.len)),
                Ok(Some(value)),
                "{padded}"
            );
        }
    }

    #[test]
    fn oversized_response_fails_while_growing() {
        for feed in FEEDS {
            let limits = Limits {
                max_response_size: 80,
                ..Limits::default()
            };
            // Lines and literals each within their limits, but the response keeps growing.
            let mut framer = Framer::new(limits.clone());
            push(&mut framer, feed, b"* 1 FETCH (BODY[1] {20}\r\n");
            push(&mut framer, feed, &[b'x'; 20]);
            push(&mut framer, feed, b" BODY[2] {10}\r\n");
            assert_eq!(framer.next_frame(), Ok(None));
            push(&mut framer, feed, &[b'y'; 10]);
            push(&mut framer, feed, b" UID 1234567890");
            assert_eq!(
                framer.next_frame(),
                Err(FrameError::ResponseTooLarge {
                    limit: 80,
                    observed: 85
                })
            );
            // A single line past the response limit fails too, even if the line limit is
            // higher.
            let (_, error) = run(&limits, &[&[b'z'; 81]]);
            assert!(matches!(error, Some(FrameError::ResponseTooLarge { .. })));
        }
    }

    #[test]
    fn literal_that_would_overflow_the_response_fails_at_its_header() {
        let limits = Limits {
            max_response_size: 100,
            ..Limits::default()
        };
        let (frames, error) = run(&limits, &[b"a OK\r\n* 1 FETCH (BODY[] {90}\r\n"]);
        assert_eq!(frames, vec![complete(b"a OK\r\n")]);
        assert_eq!(
            error,
            Some(FrameError::ResponseTooLarge {
                limit: 100,
                observed: 114
            })
        );
    }

    #[test]
    fn streamed_tail_is_measured_on_its_own() {
        let limits = Limits {
            max_response_size: 40,
            stream_threshold: 16,
            ..Limits::default()
        };
        let input = [
            &b"* 1 FETCH (BODY[] {100}\r\n"[..],
            &hundred_byte_literal(),
            b" FLAGS (\\Seen))\r\n",
        ]
        .concat();
        let (frames, error) = run(&limits, &[&input]);
        assert_eq!(frames.len(), 4);
        assert_eq!(error, None);
        let long_tail = [&input[..125], &[b' '; 40], b")\r\n"].concat();
        let (_, error) = run(&limits, &[&long_tail]);
        assert!(matches!(error, Some(FrameError::ResponseTooLarge { .. })));
    }

    #[test]
    fn error_poisons_the_framer() {
        for feed in FEEDS {
            let mut framer = Framer::new(Limits {
                max_line_length: 8,
                ..Limits::default()
            });
            push(
                &mut framer,
                feed,
                b"* OK\r\n* OK too long for the limit\r\n* OK\r\n",
            );
            assert_eq!(framer.next_frame(), Ok(Some(complete(b"* OK\r\n"))));
            let error = framer.next_frame().expect_err("line too long");
            assert!(matches!(error, FrameError::LineTooLong { limit: 8, .. }));
            assert_eq!(framer.buffered_len(), 0);
            push(&mut framer, feed, b"* OK\r\n");
            assert_eq!(
                framer.buffered_len(),
                0,
                "input after an error is discarded"
            );
            assert_eq!(framer.next_frame(), Err(error.clone()));
            let _ = framer.take_buffered();
            assert_eq!(framer.next_frame(), Err(error));
        }
    }

    #[test]
    fn error_kinds_do_not_depend_on_splits() {
        let tight = Limits {
            max_line_length: 24,
            max_literal_size: 30,
            max_response_size: 60,
            max_nesting_depth: 8,
            stream_threshold: 16,
        };
        let inputs: [&[u8]; 7] = [
            b"* OK fine\r\n* OK this line is far too long for the limit\r\n",
            b"a OK\r\n* 1 FETCH (BODY[] {99999999999999999999}\r\n",
            b"a OK\r\n* LIST () \"/\" {31}\r\n",
            b"* LIST () {25}\r\n0123456789012345678901234 more text here and more)\r\n",
            b"* LIST () {20}\r\n01234567890123456789\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\n",
            b"* OK 456789012345678901234\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\n",
            b"* 1 FETCH (BODY[] {40}\r\n0123456789012345678901234567890123456789 X {abc} plus a long tail of text\r\n",
        ];
        for input in inputs {
            let (_, error) = run(&tight, &[input]);
            assert!(
                error.is_some(),
                "{:?} should fail",
                String::from_utf8_lossy(input)
            );
            assert_split_independent(&tight, input);
        }
        assert_split_independent(&tight, &TRANSCRIPT.concat());
    }

    #[test]
    fn pseudo_random_splits_match_one_shot_framing() {
        let mut input = TRANSCRIPT.concat();
        input.extend_from_slice(&streamed_fetch());
        input.extend_from_slice(&TRANSCRIPT.concat());
        let configurations = [
            Limits::default(),
            streaming_limits(),
            Limits {
                max_line_length: 40,
                max_literal_size: 64,
                max_response_size: 200,
                max_nesting_depth: 8,
                stream_threshold: 8,
            },
            Limits {
                max_line_length: 30,
                ..Limits::default()
            },
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for limits in &configurations {
            let (whole, whole_error) = run(limits, &[&input]);
            let whole = merge_chunks(whole);
            for _ in 0..200 {
                let mut chunks = Vec::new();
                let mut rest = &input[..];
                while !rest.is_empty() {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let len = (state % 40) as usize + 1;
                    let (chunk, tail) = rest.split_at(len.min(rest.len()));
                    chunks.push(chunk);
                    rest = tail;
                }
                let (frames, error) = run(limits, &chunks);
                assert_eq!(merge_chunks(frames), whole);
                assert_eq!(
                    error.as_ref().map(std::mem::discriminant),
                    whole_error.as_ref().map(std::mem::discriminant)
                );
            }
        }
    }

    #[test]
    fn take_buffered_returns_unparsed_bytes_and_resets() {
        for feed in FEEDS {
            let mut framer = Framer::new(Limits::default());
            push(
                &mut framer,
                feed,
                b"a2 OK Begin TLS now\r\n* OK injected\r\n* 1 FETCH (BODY[] {5}\r\nab",
            );
            assert_eq!(
                framer.next_frame(),
                Ok(Some(complete(b"a2 OK Begin TLS now\r\n")))
            );
            assert!(framer.is_mid_response());
            let rest = framer.take_buffered();
            assert_eq!(&rest[..], b"* OK injected\r\n* 1 FETCH (BODY[] {5}\r\nab");
            assert_eq!(framer.buffered_len(), 0);
            assert!(!framer.is_mid_response());
            assert_eq!(framer.next_frame(), Ok(None));
            push(&mut framer, feed, b"* OK after\r\n");
            assert_eq!(framer.next_frame(), Ok(Some(complete(b"* OK after\r\n"))));
        }
    }

    #[test]
    fn take_buffered_mid_literal_forgets_the_literal() {
        for feed in FEEDS {
            let mut framer = Framer::new(streaming_limits());
            push(&mut framer, feed, b"* 1 FETCH (BODY[] {100}\r\nabc");
            assert!(matches!(
                framer.next_frame(),
                Ok(Some(Frame::StreamBegin { .. }))
            ));
            assert_eq!(framer.take_buffered().as_ref(), b"abc");
            assert!(!framer.is_mid_response());
            push(&mut framer, feed, b"* OK\r\n");
            assert_eq!(framer.next_frame(), Ok(Some(complete(b"* OK\r\n"))));
        }
    }
}
