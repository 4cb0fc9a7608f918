//! Resource limits for everything a server can make the client buffer.
//!
//! A server is untrusted input. Each limit below bounds memory that a hostile or broken server
//! could otherwise make grow without end; exceeding one is a typed error
//! ([`crate::parse::frame::FrameError`] or [`crate::parse::ParseError`]), never a panic.

/// Limits on framing and parsing. The defaults suit real mailboxes, including
/// `SEARCH` results with hundreds of thousands of numbers on one line. Built from
/// [`Limits::default`] and the `with_*` setters (the struct is `#[non_exhaustive]`, so a new
/// limit is not a breaking change).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest line segment (text between CRLFs, not counting literal contents) the framer
    /// buffers. Default 8 MiB: a `SEARCH` reply listing 1 million UIDs is about 7 MiB.
    pub max_line_length: usize,
    /// Largest literal the framer buffers whole. Default 64 MiB. An announced size is
    /// checked against this (and `max_response_size`) before anything is reserved. Through
    /// `Framer::push*` memory then grows as bytes arrive; through `Framer::read_buffer`
    /// (the adapters' path) the framer reserves room for the rest of the literal once its
    /// header passed, at most `MAX_READ_RESERVE` (256 MiB), so the literal arrives in one
    /// piece and is never joined or copied (the reservation is address space; its pages
    /// become resident only as the literal's bytes arrive).
    pub max_literal_size: u64,
    /// Largest complete buffered response (all its lines and literals). Default 128 MiB.
    pub max_response_size: usize,
    /// Deepest parenthesis nesting the parser follows (BODYSTRUCTURE, THREAD, body
    /// extensions). Default 64, far above any real message.
    pub max_nesting_depth: usize,
    /// FETCH literals larger than this are not buffered but handed out in chunks
    /// (`StreamBegin` / `StreamChunk` / `StreamEnd`), so a 1 GiB message needs bounded memory.
    /// Default 1 MiB.
    pub stream_threshold: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_length: 8 * 1024 * 1024,
            max_literal_size: 64 * 1024 * 1024,
            max_response_size: 128 * 1024 * 1024,
            max_nesting_depth: 64,
            stream_threshold: 1024 * 1024,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_line_length`].
    pub fn with_max_line_length(mut self, max_line_length: usize) -> Self {
        self.max_line_length = max_line_length;
        self
    }

    /// Sets [`Limits::max_literal_size`].
    pub fn with_max_literal_size(mut self, max_literal_size: u64) -> Self {
        self.max_literal_size = max_literal_size;
        self
    }

    /// Sets [`Limits::max_response_size`].
    pub fn with_max_response_size(mut self, max_response_size: usize) -> Self {
        self.max_response_size = max_response_size;
        self
    }

    /// Sets [`Limits::max_nesting_depth`].
    pub fn with_max_nesting_depth(mut self, max_nesting_depth: usize) -> Self {
        self.max_nesting_depth = max_nesting_depth;
        self
    }

    /// Sets [`Limits::stream_threshold`].
    pub fn with_stream_threshold(mut self, stream_threshold: u64) -> Self {
        self.stream_threshold = stream_threshold;
        self
    }
}
