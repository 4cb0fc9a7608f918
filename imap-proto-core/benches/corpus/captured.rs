//! Corpora captured from real servers: what a private Dovecot 2.3.19 and Cyrus 3.6.1 sent for
//! an account seeded by `captured/capture.py` (varied real-world messages: encoded words in a
//! dozen charsets, raw 8-bit headers, deep MIME trees, RFC 2231 parameters, S/MIME and PGP,
//! calendar invites, mailing-list mail, bounces with `message/rfc822` parts). The bytes are
//! committed gzip-compressed next to the script, so the benchmark runs where no server is;
//! `capture.py` regenerates them (see its header and `docs/benchmarks.md`).

use std::io::Read;

use super::{Corpus, Scale, response_len};

/// Every captured corpus: server × workload, as `captured/<server>-<workload>.imap.gz`.
const CAPTURES: [&str; 6] = [
    "dovecot-metadata",
    "dovecot-bodies",
    "dovecot-mix",
    "cyrus-metadata",
    "cyrus-bodies",
    "cyrus-mix",
];

/// The captured corpora at `scale` (a smoke scale keeps each one's first responses only).
pub fn all(scale: Scale) -> Vec<Corpus> {
    CAPTURES.iter().map(|name| load(name, scale)).collect()
}

/// The captured corpus called `name`, if there is one.
pub fn named(name: &str, scale: Scale) -> Option<Corpus> {
    CAPTURES
        .iter()
        .find(|capture| **capture == name)
        .map(|capture| load(capture, scale))
}

fn load(name: &'static str, scale: Scale) -> Corpus {
    let path = format!(
        "{}/benches/corpus/captured/{name}.imap.gz",
        env!("CARGO_MANIFEST_DIR")
    );
    let compressed =
        std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_end(&mut bytes)
        .unwrap_or_else(|error| panic!("cannot decompress {path}: {error}"));
    // Cut after whole responses: all of them at full scale, a fraction for the smoke test.
    let total = super::count_responses(&bytes)
        .unwrap_or_else(|| panic!("{path} does not end on a complete response"));
    let responses = scale.of(total);
    let mut end = 0;
    for _ in 0..responses {
        end += response_len(&bytes[end..]).expect("counted above");
    }
    bytes.truncate(end);
    Corpus {
        name,
        bytes,
        responses,
    }
}
