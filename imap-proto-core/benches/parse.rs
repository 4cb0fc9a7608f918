//! Parse throughput on three realistic server byte streams (see `corpus.rs`), for every
//! contender in [`CONTENDERS`], measured in the same run on the same bytes.
//!
//! Run with `cargo bench -p imap-proto-core --bench parse`. Under
//! `cargo test --all-targets` the same code runs once over corpora a hundredth the size, as a
//! smoke test of the generators and the contenders.
//!
//! Before timing, each contender's pass is run once per corpus and its count of responses
//! parsed and failed is printed to stderr: a parser that rejects part of a corpus is faster
//! for it, so the counts belong next to the numbers. `docs/benchmarks.md` has the results
//! and how the rows differ.

mod corpus;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use criterion::{BatchSize, Criterion, SamplingMode, Throughput};
use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;
use imap_proto_core::Limits;
use imap_proto_core::parse::frame::{Frame, Framer};
use imap_proto_core::parse::{fetch_stream_head, fetch_stream_tail, parse_response};

/// What one pass over a corpus found: (responses parsed, responses that failed to parse).
type Tally = (usize, usize);

/// A pass that parses a whole corpus, and what it runs over.
#[derive(Clone, Copy)]
enum Pass {
    /// The stream as one `Bytes` (the other parsers get it as a slice).
    Stream(fn(&Bytes) -> Tally),
    /// The stream as the reads an adapter splits off its read buffers. A pass consumes its
    /// reads, so every iteration gets fresh ones, made outside the timed code.
    Reads(fn(Vec<BytesMut>) -> Tally),
    /// The stream read into the framer's own buffer; the pass times itself, leaving out the
    /// reads (the socket's copy), and returns that time.
    SelfTimed(fn(&Bytes) -> (Tally, Duration)),
}

/// A contender: its name in the report and its pass.
type Contender = (&'static str, Pass);

/// Everything measured, on every corpus. One row per contender.
const CONTENDERS: &[Contender] = &[
    (
        "ours-frame-only",
        Pass::SelfTimed(ours_frame_read_buffer_pass),
    ),
    ("ours", Pass::SelfTimed(ours_parse_read_buffer_pass)),
    ("ours-bytes", Pass::Stream(ours_parse_pass)),
    ("ours-bytesmut", Pass::Reads(ours_parse_reads_pass)),
    ("imap-proto", Pass::Stream(imap_proto_pass)),
    ("imap-proto-reads", Pass::SelfTimed(imap_proto_reads_pass)),
    ("imap-codec", Pass::Stream(imap_codec_pass)),
];

/// How much a socket read hands the framer at a time in these passes.
const READ_SIZE: usize = 64 * 1024;

/// The read buffer of the simulated adapter of `ours-bytesmut`: it reads into a `BytesMut`
/// of this capacity, splits each read off, and takes a new buffer when it is full. A
/// response that straddles two buffers is copied once joined, so the size matters for
/// `bodies`; `IMAP_BENCH_ADAPTER_BUFFER` (bytes) overrides it to measure that.
const ADAPTER_BUFFER: usize = 4 * 1024 * 1024;

/// The read size of the `ours`, `ours-frame-only` and `imap-proto-reads` rows:
/// [`READ_SIZE`], or what `IMAP_BENCH_READ_SIZE` (bytes) asks for. A read as large as the
/// stream makes these rows parse cold data, as the in-memory rows do.
fn read_size() -> usize {
    std::env::var("IMAP_BENCH_READ_SIZE")
        .ok()
        .and_then(|size| size.parse().ok())
        .filter(|&size| size > 0)
        .unwrap_or(READ_SIZE)
}

/// [`ADAPTER_BUFFER`], or the size `IMAP_BENCH_ADAPTER_BUFFER` asks for.
fn adapter_buffer() -> usize {
    std::env::var("IMAP_BENCH_ADAPTER_BUFFER")
        .ok()
        .and_then(|size| size.parse().ok())
        .filter(|&size| size >= READ_SIZE)
        .unwrap_or(ADAPTER_BUFFER)
}

/// The reads of the simulated adapter of `ours-bytesmut`, in order: `READ_SIZE` parts split
/// off buffers of `ADAPTER_BUFFER` bytes. Filling the buffers stands for the socket reads
/// (the kernel's copy), so it is done before the timing starts. The second vector holds
/// each buffer's (empty) rest, which keeps its allocation alive until it is dropped: the
/// timing then leaves out freeing the buffers, as it leaves out allocating and filling them
/// (the other passes run over a stream that stays allocated, too).
fn adapter_reads(stream: &[u8]) -> (Vec<BytesMut>, Vec<BytesMut>) {
    let mut reads = Vec::with_capacity(stream.len() / READ_SIZE + 1);
    let mut buffers = Vec::new();
    let size = adapter_buffer();
    for region in stream.chunks(size) {
        let mut buffer = BytesMut::with_capacity(size);
        buffer.extend_from_slice(region);
        let mut filled = buffer.split();
        buffers.push(buffer);
        while !filled.is_empty() {
            reads.push(filled.split_to(READ_SIZE.min(filled.len())));
        }
    }
    (reads, buffers)
}

/// How our passes hand a read to the framer.
enum Read {
    /// A frozen read, for `Framer::push_bytes`.
    Frozen(Bytes),
    /// A read still in its read buffer, for `Framer::push_bytes_mut`.
    InBuffer(BytesMut),
}

/// Our framer and parser over the stream, fed in socket-sized reads with
/// `Framer::push_bytes`. Each read is a `Bytes` slice of the stream, which is what an adapter
/// that reads into a `BytesMut` and freezes each filled part hands over; a response straddling
/// two reads is copied once.
fn ours_parse_pass(stream: &Bytes) -> Tally {
    let reads = (0..stream.len())
        .step_by(READ_SIZE)
        .map(|start| Read::Frozen(stream.slice(start..stream.len().min(start + READ_SIZE))));
    ours_reads_pass(reads, true)
}

/// Our framer and (when `parse` is set) our parser over `reads`.
fn ours_reads_pass(reads: impl Iterator<Item = Read>, parse: bool) -> Tally {
    let mut framer = Framer::new(Limits::default());
    let mut drain = Drain::new(parse);
    for read in reads {
        match read {
            Read::Frozen(read) => framer.push_bytes(read),
            Read::InBuffer(read) => framer.push_bytes_mut(read),
        }
        if !drain.frames(&mut framer) {
            break;
        }
    }
    drain.tally()
}

/// Our framer and (when `parse` is set) our parser, fed the way an adapter using
/// `Framer::read_buffer` feeds them: each socket read of [`read_size`] bytes goes straight into
/// the framer's own buffer, then the frames are drained. Every frame is a slice of that
/// buffer. The reads stand for the kernel's copy from its socket buffer into the framer's,
/// so they are left out of the time returned (as `ours-bytesmut` fills its buffers
/// before the timing); everything the framer does, including reserving and reusing its
/// buffer, is in it. The two clock readings per read stay in the time (about 2x20 ns).
fn ours_read_buffer_pass(stream: &Bytes, parse: bool) -> (Tally, Duration) {
    let mut framer = Framer::new(Limits::default());
    let mut drain = Drain::new(parse);
    let read_size = read_size();
    let mut reading = Duration::ZERO;
    let start = Instant::now();
    for read in stream.chunks(read_size) {
        let buffer = framer.read_buffer(read_size);
        let before_read = Instant::now();
        socket_read(buffer, read);
        reading += before_read.elapsed();
        if !drain.frames(&mut framer) {
            break;
        }
    }
    (drain.tally(), start.elapsed().saturating_sub(reading))
}

/// Stands for a socket read: the kernel's copy of `read` into the reader's buffer. Never
/// inlined, so an instruction count can leave it out as the timing does
/// (`valgrind --tool=callgrind --toggle-collect='*socket_read*'` switches the collection off
/// inside it; see [`count_one_pass`]).
#[inline(never)]
fn socket_read(buffer: &mut impl BufMut, read: &[u8]) {
    buffer.put_slice(read);
}

/// [`ours_read_buffer_pass`], framing only.
fn ours_frame_read_buffer_pass(stream: &Bytes) -> (Tally, Duration) {
    ours_read_buffer_pass(stream, false)
}

/// [`ours_read_buffer_pass`], framing and parsing.
fn ours_parse_read_buffer_pass(stream: &Bytes) -> (Tally, Duration) {
    ours_read_buffer_pass(stream, true)
}

/// Hands every frame the framer has to our parser (when `parse` is set) and counts.
struct Drain {
    limits: Limits,
    parse: bool,
    tally: Tally,
}

impl Drain {
    fn new(parse: bool) -> Self {
        Drain {
            limits: Limits::default(),
            parse,
            tally: (0, 0),
        }
    }

    fn tally(&self) -> Tally {
        self.tally
    }

    /// Drains the framer; `false` once it failed (the rest of the stream cannot be framed).
    /// A streamed literal (above `Limits::stream_threshold`) counts as one response,
    /// completed by its `StreamTail`; its chunks are zero-copy slices and are not parsed.
    fn frames(&mut self, framer: &mut Framer) -> bool {
        let Drain {
            limits,
            parse,
            tally,
        } = self;
        let mut count = |ok: bool| {
            if ok {
                tally.0 += 1;
            } else {
                tally.1 += 1;
            }
        };
        loop {
            match framer.next_frame() {
                Ok(Some(Frame::Complete(frame))) => {
                    let ok = !*parse || kept(parse_response(frame, limits));
                    count(ok);
                }
                Ok(Some(Frame::StreamBegin { head, .. })) => {
                    if *parse && !kept(fetch_stream_head(head, limits)) {
                        count(false);
                    }
                }
                Ok(Some(Frame::StreamChunk(chunk))) => {
                    black_box(chunk);
                }
                Ok(Some(Frame::StreamEnd)) => {}
                Ok(Some(Frame::StreamTail(tail))) => {
                    let ok = !*parse || kept(fetch_stream_tail(tail, limits));
                    count(ok);
                }
                Ok(None) => return true,
                Err(_) => {
                    count(false);
                    return false;
                }
            }
        }
    }
}

/// Whether `result` is `Ok`, after handing it to `black_box` by reference, as the imap-proto
/// and imap-codec rows do with theirs: by value, `black_box` also copied every parsed
/// response once more (about 1% of a session-mix pass), a cost no user pays.
fn kept<T, E>(result: Result<T, E>) -> bool {
    black_box(&result);
    result.is_ok()
}

/// Framing and parsing, fed by an adapter that hands the framer each read still in its
/// read buffer (`Framer::push_bytes_mut`), so responses straddling two reads are joined in
/// place unless the adapter's buffer changed between the two.
fn ours_parse_reads_pass(reads: Vec<BytesMut>) -> Tally {
    ours_reads_pass(reads.into_iter().map(Read::InBuffer), true)
}

/// Runs a one-response parser over a fully buffered stream the way a client would: parse a
/// response, advance by what it consumed. A response it cannot parse is counted and skipped
/// whole (literal-aware), so one unsupported response does not derail the rest.
/// `parse_one` returns the bytes consumed, or `None` on failure.
fn drive(stream: &[u8], mut parse_one: impl FnMut(&[u8]) -> Option<usize>) -> Tally {
    let (mut parsed, mut failed) = (0, 0);
    let mut rest = stream;
    while !rest.is_empty() {
        let consumed = match parse_one(rest) {
            Some(consumed) if consumed > 0 => {
                parsed += 1;
                consumed
            }
            _ => {
                failed += 1;
                match corpus::response_len(rest) {
                    Some(len) => len,
                    None => break,
                }
            }
        };
        rest = rest.get(consumed..).unwrap_or_default();
    }
    (parsed, failed)
}

/// imap-proto 0.17: `Response::parse` (its former `parser::parse_response`).
fn imap_proto_pass(stream: &Bytes) -> Tally {
    drive(stream, |input| match imap_proto::Response::parse(input) {
        Ok((rest, response)) => {
            black_box(&response);
            Some(input.len() - rest.len())
        }
        Err(_) => None,
    })
}

/// imap-proto 0.17 fed like our `ours` row: the same [`read_size`] socket reads, appended to a
/// read buffer (a `Vec`), each followed by `Response::parse` until it answers `Incomplete`.
/// As for `ours`, the reads are left out of the time returned and the buffer management (the
/// unparsed rest moved to the front when the buffer is full) is in it. This puts both in the
/// same cache state: the bytes each parser reads were just written by the read, whereas the
/// in-memory rows read a stream far larger than the caches.
fn imap_proto_reads_pass(stream: &Bytes) -> (Tally, Duration) {
    let (mut parsed, mut failed) = (0, 0);
    let read_size = read_size();
    let mut buffer: Vec<u8> = Vec::with_capacity(read_size.saturating_mul(16).min(4 << 20));
    let mut consumed = 0;
    let mut reading = Duration::ZERO;
    let start = Instant::now();
    for read in stream.chunks(read_size) {
        if buffer.capacity() - buffer.len() < read.len() {
            buffer.drain(..consumed);
            consumed = 0;
            buffer.reserve(read.len());
        }
        let before_read = Instant::now();
        socket_read(&mut buffer, read);
        reading += before_read.elapsed();
        while consumed < buffer.len() {
            let input = &buffer[consumed..];
            match imap_proto::Response::parse(input) {
                Ok((rest, response)) => {
                    black_box(&response);
                    parsed += 1;
                    consumed += input.len() - rest.len();
                }
                Err(error) if error.is_incomplete() => break,
                Err(_) => match corpus::response_len(input) {
                    Some(len) => {
                        failed += 1;
                        consumed += len;
                    }
                    None => break,
                },
            }
        }
    }
    ((parsed, failed), start.elapsed().saturating_sub(reading))
}

/// imap-codec 2.0.0-alpha.10: `ResponseCodec`'s `Decoder::decode`. With the whole stream in
/// memory a literal's bytes always follow its announcement, so `LiteralFound` and
/// `Incomplete` cannot be answered by reading more; they count as failures like `Failed`.
fn imap_codec_pass(stream: &Bytes) -> Tally {
    let codec = ResponseCodec::new();
    drive(stream, |input| match codec.decode(input) {
        Ok((rest, response)) => {
            black_box(&response);
            Some(input.len() - rest.len())
        }
        Err(_) => None,
    })
}

/// Checks that a corpus frames into exactly the responses its generator wrote.
fn check_corpus(corpus: &corpus::Corpus) {
    let framed = corpus::count_responses(&corpus.bytes);
    assert_eq!(
        framed,
        Some(corpus.responses),
        "corpus {} is not well-formed: generated {} responses, scanner framed {:?}",
        corpus.name,
        corpus.responses,
        framed
    );
    eprintln!(
        "corpus {}: {} responses, {:.1} MB",
        corpus.name,
        corpus.responses,
        corpus.bytes.len() as f64 / 1e6
    );
}

fn bench_corpus(criterion: &mut Criterion, corpus: &corpus::Corpus) {
    // One shared allocation, as a read buffer would be; passes slice it, never copy it.
    let stream = Bytes::from(corpus.bytes.clone());
    for (name, pass) in CONTENDERS {
        let (parsed, failed) = match pass {
            Pass::Stream(pass) => pass(&stream),
            Pass::Reads(pass) => pass(adapter_reads(&stream).0),
            Pass::SelfTimed(pass) => pass(&stream).0,
        };
        eprintln!(
            "{}/{name}: {parsed} parsed, {failed} failed (of {} responses)",
            corpus.name, corpus.responses
        );
    }
    let mut group = criterion.benchmark_group(corpus.name);
    group.throughput(Throughput::Bytes(corpus.bytes.len() as u64));
    // Each iteration is a whole corpus (tens of MB): ten flat samples are plenty.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for (name, pass) in CONTENDERS {
        group.bench_function(*name, |bencher| match pass {
            Pass::Stream(pass) => bencher.iter(|| pass(black_box(&stream))),
            Pass::Reads(pass) => {
                // The buffers come back out, to be dropped after the timing.
                bencher.iter_batched(
                    || adapter_reads(&stream),
                    |(reads, buffers)| (pass(reads), buffers),
                    BatchSize::PerIteration,
                )
            }
            Pass::SelfTimed(pass) => bencher.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| black_box(pass(black_box(&stream))).1)
                    .sum()
            }),
        });
    }
    group.finish();
}

/// Runs `contender`'s pass `passes` times over the corpus `name` (full size), outside
/// criterion, for an instruction count: `IMAP_BENCH_COUNT=<corpus>/<contender>/<passes>`.
/// Each pass runs in [`count_one_pass`], which callgrind can collect alone:
///
/// ```sh
/// IMAP_BENCH_COUNT=metadata/ours/1 valgrind --tool=callgrind --collect-atstart=no \
///     --toggle-collect='*count_one_pass*' --toggle-collect='*socket_read*' <bench binary>
/// ```
///
/// (the second toggle leaves the simulated socket reads out, as the timing does).
fn count_passes(spec: &str) {
    let mut parts = spec.splitn(3, '/');
    let (Some(corpus_name), Some(contender), Some(passes)) =
        (parts.next(), parts.next(), parts.next())
    else {
        panic!("IMAP_BENCH_COUNT={spec}: expected <corpus>/<contender>/<passes>");
    };
    let passes: usize = passes.parse().expect("a number of passes");
    let corpus = corpus::named(corpus_name, corpus::Scale::FULL)
        .unwrap_or_else(|| panic!("no corpus named {corpus_name}"));
    let (_, pass) = CONTENDERS
        .iter()
        .find(|(name, _)| *name == contender)
        .unwrap_or_else(|| panic!("no contender named {contender}"));
    let stream = Bytes::from(corpus.bytes);
    for _ in 0..passes {
        let (parsed, failed) = count_one_pass(pass, &stream);
        eprintln!("{corpus_name}/{contender}: {parsed} parsed, {failed} failed");
    }
}

/// One pass, never inlined: the function an instruction count collects.
#[inline(never)]
fn count_one_pass(pass: &Pass, stream: &Bytes) -> Tally {
    match pass {
        Pass::Stream(pass) => pass(stream),
        Pass::Reads(pass) => pass(adapter_reads(stream).0),
        Pass::SelfTimed(pass) => pass(stream).0,
    }
}

fn main() {
    if let Ok(spec) = std::env::var("IMAP_BENCH_COUNT") {
        count_passes(&spec);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    // `cargo bench` passes `--bench`; `cargo test` runs this target without it (criterion's
    // test mode, one iteration each), where full-size corpora would only cost time.
    let args: Vec<String> = std::env::args().collect();
    let benchmarking = args.iter().any(|arg| arg == "--bench")
        && !args.iter().any(|arg| arg == "--test" || arg == "--list");
    let scale = if benchmarking {
        corpus::Scale::FULL
    } else {
        corpus::Scale::SMOKE
    };
    let corpora = corpus::all(scale);
    for corpus in &corpora {
        check_corpus(corpus);
    }
    for corpus in &corpora {
        bench_corpus(&mut criterion, corpus);
    }
    criterion.final_summary();
}
