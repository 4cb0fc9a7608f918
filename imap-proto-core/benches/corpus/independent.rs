//! A second generator, written apart from the one in `mod.rs` (its own PRNG, vocabulary and
//! structure) with a different mix, so the benchmark does not only measure the shapes one
//! generator happens to favour:
//!
//! - strings: about a fifth of envelope and parameter strings sent as literals (servers do
//!   this for 8-bit or long values), quoted strings with `\"` and `\\` escapes, raw UTF-8
//!   (as after `ENABLE UTF8=ACCEPT`, RFC 9051 §6.3.1), NIL-heavy envelopes (drafts, system
//!   mail, missing headers);
//! - BODYSTRUCTURE with nested extension data (`body-extension` lists of lists, RFC 3501
//!   §9), language lists, locations, MD5s, and every attribute order servers use;
//! - long keyword lists (30+ flags, as Thunderbird tags and Gmail-migrated labels make);
//! - bodies: many small messages and partial fetches (`BODY[1]`, `BODY[TEXT]<0>`,
//!   `BODY[HEADER]`), so per-response costs weigh more than in `bodies`;
//! - a session with long PERMANENTFLAGS and FLAGS, quoted and literal mailbox names,
//!   VANISHED (EARLIER) ranges, ESEARCH with ranges and MODSEQ, STATUS, QUOTA, THREAD,
//!   NO/BAD completions with codes, and continuation requests.

use std::io::Write;

use super::{Corpus, Scale};

/// xorshift64*: a different generator from `mod.rs`'s SplitMix64, with its own seeds.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// true with probability `percent`/100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The stream being written and how many responses it holds.
struct Stream {
    bytes: Vec<u8>,
    responses: usize,
}

impl Stream {
    fn new() -> Self {
        Stream {
            bytes: Vec::new(),
            responses: 0,
        }
    }

    /// Ends a response (CRLF) and counts it.
    fn end(&mut self) {
        self.bytes.extend_from_slice(b"\r\n");
        self.responses += 1;
    }

    fn into_corpus(self, name: &'static str) -> Corpus {
        Corpus {
            name,
            bytes: self.bytes,
            responses: self.responses,
        }
    }

    fn raw(&mut self, text: &[u8]) {
        self.bytes.extend_from_slice(text);
    }

    /// An IMAP string: a literal (`{n}` CRLF bytes) when `literal`, else quoted with `\` before
    /// every `"` and `\` (RFC 9051 §4.3).
    fn string(&mut self, text: &[u8], literal: bool) {
        if literal || text.iter().any(|&b| b == b'\r' || b == b'\n') {
            write!(self.bytes, "{{{}}}\r\n", text.len()).unwrap();
            self.bytes.extend_from_slice(text);
            return;
        }
        self.bytes.push(b'"');
        for &byte in text {
            if byte == b'"' || byte == b'\\' {
                self.bytes.push(b'\\');
            }
            self.bytes.push(byte);
        }
        self.bytes.push(b'"');
    }

    /// A string or NIL.
    fn nstring(&mut self, text: Option<&[u8]>, literal: bool) {
        match text {
            Some(text) => self.string(text, literal),
            None => self.raw(b"NIL"),
        }
    }
}

const PEOPLE: &[&str] = &[
    "Zhang Wei",
    "Fatima Zahra \"Fifi\" El Amrani",
    "Ödön Kovács",
    "Säde Virtanen",
    "Back\\slash Admin",
    "Ngozi Okonkwo",
    "Ютта Шмидт",
    "आरव शर्मा",
    "Łucja Wiśniewska",
    "O'Connor, Aoife",
    "Ælfred",
    "Jürgen ß",
];
const MAILBOX_NAMES: &[&str] = &[
    "postmaster",
    "r",
    "very.long.local.part.with.many.dots",
    "user+filter",
    "\"quoted local\"",
    "δοκιμή",
    "help-desk",
    "12345",
];
const HOSTS: &[&str] = &[
    "example.net",
    "xn--bcher-kva.example",
    "mx.example.museum",
    "例え.テスト",
    "a.b.c.d.example.org",
    "localhost",
];
const SUBJECT_PARTS: &[&str] = &[
    "Invoice",
    "\"quoted\" words",
    "path C:\\temp\\file",
    "☃ snow",
    "résumé",
    "=?utf-8?b?8J+Yig==?=",
    "100% off",
    "(no subject)",
    "Ticket #88213",
    "Αναφορά",
    "进度",
    "re: RE: Fw:",
];
const KEYWORDS: &[&str] = &[
    "$label1",
    "$label2",
    "$label3",
    "$label4",
    "$label5",
    "$Forwarded",
    "$MDNSent",
    "$Junk",
    "$NotJunk",
    "$Phishing",
    "$SubmitPending",
    "$Submitted",
    "Old",
    "todo",
    "later",
    "receipts",
    "travel-2024",
    "project_alpha",
    "project_beta",
    "ClientA",
    "ClientB",
    "Review",
    "Waiting",
    "Delegated",
    "Personal",
    "Work",
    "Family",
    "Bills",
    "Taxes",
    "Newsletters",
    "Social",
    "Promotions",
    "Updates",
    "Forums",
    "gmail-Important",
    "gmail-Starred",
];
const SYSTEM_FLAGS: &[&str] = &["\\Seen", "\\Answered", "\\Flagged", "\\Draft", "\\Deleted"];

fn flag_list(stream: &mut Stream, dice: &mut Dice) {
    stream.raw(b"(");
    let mut first = true;
    let mut sep = |stream: &mut Stream| {
        if !first {
            stream.raw(b" ");
        }
        first = false;
    };
    for flag in SYSTEM_FLAGS {
        if dice.percent(35) {
            sep(stream);
            stream.raw(flag.as_bytes());
        }
    }
    // One message in six carries a long keyword list.
    let keywords = if dice.percent(17) {
        20 + dice.below(17)
    } else {
        dice.below(3)
    };
    let offset = dice.below(KEYWORDS.len() as u64);
    for index in 0..keywords {
        sep(stream);
        let keyword = KEYWORDS[((offset + index) % KEYWORDS.len() as u64) as usize];
        stream.raw(keyword.as_bytes());
    }
    stream.raw(b")");
}

/// A date as servers write it in ENVELOPE (free text, quoted) or INTERNALDATE.
fn date(dice: &mut Dice, internal: bool) -> Vec<u8> {
    const MON: &[&str] = &[
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = 1 + dice.below(28);
    let month = dice.pick(MON);
    let year = 1998 + dice.below(28);
    let (h, m, s) = (dice.below(24), dice.below(60), dice.below(60));
    let zone = dice.pick(&["+0000", "-0700", "+0545", "+1400", "-1200"]);
    if internal {
        format!("{day:2}-{month}-{year} {h:02}:{m:02}:{s:02} {zone}").into_bytes()
    } else {
        format!("{day} {month} {year} {h:02}:{m:02}:{s:02} {zone}").into_bytes()
    }
}

/// One address: (name, adl, mailbox, host), with NILs where headers lack the parts.
fn address(stream: &mut Stream, dice: &mut Dice) {
    stream.raw(b"(");
    let name = dice.percent(60).then(|| dice.pick(PEOPLE).as_bytes());
    stream.nstring(name, dice.percent(20));
    stream.raw(b" ");
    // Source routes are obsolete but still parsed (RFC 5322 §4.4 obs-route).
    let adl: Option<&[u8]> = dice.percent(2).then_some(b"@relay.example".as_slice());
    stream.nstring(adl, false);
    stream.raw(b" ");
    stream.string(dice.pick(MAILBOX_NAMES).as_bytes(), dice.percent(10));
    stream.raw(b" ");
    stream.string(dice.pick(HOSTS).as_bytes(), dice.percent(10));
    stream.raw(b")");
}

/// An address list, a group (RFC 3501 §7.4.2: NIL host starts and ends it), or NIL.
fn addresses(stream: &mut Stream, dice: &mut Dice, nil_percent: u64) {
    if dice.percent(nil_percent) {
        stream.raw(b"NIL");
        return;
    }
    stream.raw(b"(");
    if dice.percent(5) {
        stream.raw(b"(NIL NIL \"team\" NIL)");
        for _ in 0..1 + dice.below(3) {
            address(stream, dice);
        }
        stream.raw(b"(NIL NIL NIL NIL)");
    } else {
        let most = if dice.percent(10) { 12 } else { 2 };
        for _ in 0..1 + dice.below(most) {
            address(stream, dice);
        }
    }
    stream.raw(b")");
}

fn subject(dice: &mut Dice) -> Vec<u8> {
    let mut subject = Vec::new();
    for index in 0..1 + dice.below(5) {
        if index > 0 {
            subject.push(b' ');
        }
        subject.extend_from_slice(dice.pick(SUBJECT_PARTS).as_bytes());
    }
    subject
}

fn envelope(stream: &mut Stream, dice: &mut Dice) {
    // A third of the messages are sparse: drafts, cron mail, system notices.
    let sparse = dice.percent(33);
    let nil = if sparse { 70 } else { 10 };
    stream.raw(b"ENVELOPE (");
    let date = (!dice.percent(nil / 2)).then(|| date(dice, false));
    stream.nstring(date.as_deref(), false);
    stream.raw(b" ");
    let subject = (!dice.percent(nil / 2)).then(|| subject(dice));
    stream.nstring(subject.as_deref(), dice.percent(20));
    for list in 0..6 {
        stream.raw(b" ");
        // from, sender, reply-to, to, cc, bcc
        let nil_percent = match list {
            0 => nil / 3,
            1 | 2 => nil.max(50),
            3 => nil,
            _ => 70 + nil / 4,
        };
        addresses(stream, dice, nil_percent);
    }
    stream.raw(b" ");
    let in_reply_to = dice
        .percent(30)
        .then(|| format!("<{}@{}>", dice.next(), dice.pick(HOSTS)).into_bytes());
    stream.nstring(in_reply_to.as_deref(), false);
    stream.raw(b" ");
    let message_id = (!dice.percent(nil / 2)).then(|| {
        format!(
            "<{:x}.{}@{}>",
            dice.next(),
            dice.below(999),
            dice.pick(HOSTS)
        )
        .into_bytes()
    });
    stream.nstring(message_id.as_deref(), false);
    stream.raw(b")");
}

/// `("key" "value" ...)` or NIL; values sometimes RFC 2231 names, literals or escaped.
fn parameters(stream: &mut Stream, dice: &mut Dice, pairs: &[(&str, &str)]) {
    if pairs.is_empty() {
        stream.raw(b"NIL");
        return;
    }
    stream.raw(b"(");
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            stream.raw(b" ");
        }
        stream.string(key.as_bytes(), false);
        stream.raw(b" ");
        stream.string(value.as_bytes(), dice.percent(15));
    }
    stream.raw(b")");
}

/// The extension data after a part's fields (RFC 3501 §7.4.2 body-ext-1part/mpart), cut
/// short at a random point, as servers that send only some of it do.
fn extensions(stream: &mut Stream, dice: &mut Dice, single: bool) {
    let depth = dice.below(6);
    if depth == 0 {
        return;
    }
    stream.raw(b" ");
    if single {
        let md5 = dice
            .percent(10)
            .then_some(b"Q2hlY2sgSW50ZWdyaXR5IQ==".as_slice());
        stream.nstring(md5, false);
    } else {
        parameters(stream, dice, &[("boundary", "--==_b0und4ry_x")]);
    }
    if depth < 2 {
        return;
    }
    stream.raw(b" ");
    if dice.percent(50) {
        stream.raw(b"(");
        stream.string(
            dice.pick(&["attachment", "inline", "form-data"]).as_bytes(),
            false,
        );
        stream.raw(b" ");
        parameters(
            stream,
            dice,
            &[("filename", "Résumé \"final\" v2.pdf"), ("size", "18342")],
        );
        stream.raw(b")");
    } else {
        stream.raw(b"NIL");
    }
    if depth < 3 {
        return;
    }
    stream.raw(b" ");
    match dice.below(3) {
        0 => stream.raw(b"NIL"),
        1 => stream.string(b"en", false),
        _ => stream.raw(b"(\"de-CH\" \"fr\" \"i-klingon\")"),
    }
    if depth < 4 {
        return;
    }
    stream.raw(b" ");
    let location = dice
        .percent(30)
        .then_some(b"https://example.net/a/b?c=d&e=%20f".as_slice());
    stream.nstring(location, false);
    if depth < 5 {
        return;
    }
    // body-extension: any nesting of strings, numbers and lists.
    stream.raw(b" (\"x-ext\" (1 \"two\" (3 NIL ");
    stream.string(b"f\xC3\xBCnf", dice.percent(50));
    stream.raw(b")) 4294967295)");
}

fn single_part(stream: &mut Stream, dice: &mut Dice) {
    let (kind, subtype) = *dice.pick(&[
        ("TEXT", "PLAIN"),
        ("text", "html"),
        ("IMAGE", "JPEG"),
        ("application", "octet-stream"),
        ("application", "x-unknown+json"),
        ("AUDIO", "ogg"),
        ("text", "x-vcard"),
    ]);
    stream.raw(b"(");
    stream.string(kind.as_bytes(), false);
    stream.raw(b" ");
    stream.string(subtype.as_bytes(), false);
    stream.raw(b" ");
    match dice.below(4) {
        0 => parameters(stream, dice, &[]),
        1 => parameters(stream, dice, &[("charset", "UTF-8")]),
        2 => parameters(
            stream,
            dice,
            &[
                ("charset", "ISO-2022-JP"),
                ("format", "flowed"),
                ("delsp", "yes"),
            ],
        ),
        _ => parameters(stream, dice, &[("name", "naïve \\ name.bin")]),
    }
    stream.raw(b" ");
    let id = dice
        .percent(20)
        .then(|| format!("<part{}@x>", dice.below(99)).into_bytes());
    stream.nstring(id.as_deref(), false);
    stream.raw(b" ");
    let description = dice
        .percent(10)
        .then_some("Beschreibung: Übersicht".as_bytes());
    stream.nstring(description, dice.percent(30));
    stream.raw(b" ");
    stream.string(
        dice.pick(&["7BIT", "8bit", "BASE64", "quoted-printable", "binary"])
            .as_bytes(),
        false,
    );
    write!(stream.bytes, " {}", dice.below(5_000_000)).unwrap();
    if kind.eq_ignore_ascii_case("text") {
        write!(stream.bytes, " {}", dice.below(90_000)).unwrap();
    }
    extensions(stream, dice, true);
    stream.raw(b")");
}

fn body(stream: &mut Stream, dice: &mut Dice, depth: u32) {
    if depth >= 4 || dice.percent(40) {
        single_part(stream, dice);
        return;
    }
    if dice.percent(8) {
        // message/rfc822: envelope, body and lines of the enclosed message.
        stream.raw(b"(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" ");
        write!(stream.bytes, "{} ", dice.below(200_000)).unwrap();
        let at = stream.bytes.len();
        envelope(stream, dice);
        // `envelope` writes the attribute name; the part wants only the list.
        stream.bytes.drain(at..at + b"ENVELOPE ".len());
        stream.raw(b" ");
        body(stream, dice, depth + 1);
        write!(stream.bytes, " {})", dice.below(4000)).unwrap();
        return;
    }
    stream.raw(b"(");
    for _ in 0..1 + dice.below(if depth == 0 { 6 } else { 3 }) {
        body(stream, dice, depth + 1);
    }
    stream.raw(b" ");
    stream.string(
        dice.pick(&[
            "MIXED",
            "alternative",
            "related",
            "signed",
            "report",
            "x-unknown",
        ])
        .as_bytes(),
        false,
    );
    extensions(stream, dice, false);
    stream.raw(b")");
}

const METADATA_SEED: u64 = 0x1D3_B1AF_00D5_EED1;

/// FETCH of UID, FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE (and MODSEQ for a
/// CONDSTORE session), attributes in the orders different servers use.
pub fn metadata(scale: Scale) -> Corpus {
    let mut dice = Dice(METADATA_SEED);
    let mut stream = Stream::new();
    let messages = scale.of(30_000) as u64;
    for seq in 1..=messages {
        let uid = seq * 3 + dice.below(3);
        write!(stream.bytes, "* {seq} FETCH (").unwrap();
        let order = dice.below(3);
        let modseq = dice.percent(50);
        let write_attr = |stream: &mut Stream, dice: &mut Dice, which: u32| match which {
            0 => write!(stream.bytes, "UID {uid}").unwrap(),
            1 => {
                stream.raw(b"FLAGS ");
                flag_list(stream, dice);
            }
            2 => {
                stream.raw(b"INTERNALDATE ");
                let date = date(dice, true);
                stream.string(&date, false);
            }
            3 => write!(stream.bytes, "RFC822.SIZE {}", dice.below(30_000_000)).unwrap(),
            4 => envelope(stream, dice),
            5 => {
                stream.raw(b"BODYSTRUCTURE ");
                body(stream, dice, 0);
            }
            _ => write!(stream.bytes, "MODSEQ ({})", 1 + dice.below(1 << 40)).unwrap(),
        };
        let orders: [&[u32]; 3] = [
            &[0, 1, 2, 3, 4, 5, 6],
            &[1, 0, 3, 2, 6, 4, 5],
            &[2, 3, 4, 5, 0, 1, 6],
        ];
        let mut first = true;
        for &which in orders[order as usize] {
            if which == 6 && !modseq {
                continue;
            }
            if !first {
                stream.raw(b" ");
            }
            first = false;
            write_attr(&mut stream, &mut dice, which);
        }
        stream.raw(b")");
        stream.end();
    }
    stream.raw(b"M1 OK [HIGHESTMODSEQ 90210] FETCH completed");
    stream.end();
    stream.into_corpus("independent-metadata")
}

const BODIES_SEED: u64 = 0xB0D1_E5B0_D1E5_0002;

/// A message of `size` bytes: a header block (some 8-bit), then text lines.
fn message(dice: &mut Dice, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 256);
    write!(
        out,
        "Return-Path: <bounce-{}@{}>\r\nDate: {}\r\nFrom: {} <{}@{}>\r\nSubject: ",
        dice.below(1 << 30),
        dice.pick(HOSTS),
        String::from_utf8_lossy(&date(dice, false)),
        dice.pick(PEOPLE),
        dice.pick(MAILBOX_NAMES),
        dice.pick(HOSTS)
    )
    .unwrap();
    out.extend_from_slice(&subject(dice));
    out.extend_from_slice(b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    let line: &[u8] = dice.pick::<&[u8]>(&[
        b"Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n".as_slice(),
        "Grüße aus Zürich — bis später.\r\n".as_bytes(),
        b"> quoted reply text from the previous message\r\n",
        b"\r\n",
    ]);
    while out.len() < size {
        out.extend_from_slice(line);
    }
    out
}

/// Message bodies: mostly small whole messages, with partial and section fetches.
pub fn bodies(scale: Scale) -> Corpus {
    let mut dice = Dice(BODIES_SEED);
    let mut stream = Stream::new();
    for seq in 1..=scale.of(20_000) as u64 {
        // Most mail is small; one in fifty is 100-600 KB.
        let size = if dice.percent(2) {
            100_000 + dice.below(500_000)
        } else {
            300 + dice.below(3_000)
        } as usize;
        let body = message(&mut dice, size);
        write!(stream.bytes, "* {seq} FETCH (UID {} ", seq + 1000).unwrap();
        match dice.below(6) {
            0 => stream.raw(b"BODY[TEXT]<0> "),
            1 => stream.raw(b"BODY[1] "),
            2 => stream.raw(b"BODY[HEADER] "),
            3 => {
                stream.raw(b"FLAGS ");
                flag_list(&mut stream, &mut dice);
                stream.raw(b" BODY[] ");
            }
            _ => stream.raw(b"BODY[] "),
        }
        stream.string(&body, true);
        stream.raw(b")");
        stream.end();
    }
    stream.raw(b"B1 OK FETCH done");
    stream.end();
    stream.into_corpus("independent-bodies")
}

const MIX_SEED: u64 = 0x5E55_1011_0000_0003;

/// A mailbox name: quoted (with escapes), atom, or literal.
fn mailbox(stream: &mut Stream, dice: &mut Dice) {
    const NAMES: &[&str] = &[
        "INBOX",
        "Archive.2019",
        "Clients \"Big\" Co",
        "back\\slash",
        "Expenses & Receipts",
        "&ZeVnLIqe-",
        "Projects/2024/Q1",
        "Listes/debian-user-french",
        "Spam",
    ];
    let name = dice.pick(NAMES);
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
        && dice.percent(50)
    {
        stream.raw(name.as_bytes());
    } else {
        stream.string(name.as_bytes(), dice.percent(10));
    }
}

/// A session of a different shape from `mod.rs`'s `mix`.
pub fn mix(scale: Scale) -> Corpus {
    let mut dice = Dice(MIX_SEED);
    let mut s = Stream::new();
    s.raw(b"* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ ENABLE IDLE UTF8=ACCEPT] ready");
    s.end();
    let mut tag = 0u64;
    let mut exists = 5000u64;
    let mut modseq = 1u64 << 33;
    for _round in 0..scale.of(1_500) {
        tag += 1;
        match dice.below(10) {
            0 => {
                for _ in 0..3 + dice.below(20) {
                    s.raw(b"* LIST (");
                    let attrs: &[&str] = dice.pick::<&[&str]>(&[
                        &[],
                        &["\\HasNoChildren"],
                        &["\\HasChildren", "\\Noselect"],
                        &["\\Subscribed", "\\Sent", "\\HasNoChildren"],
                        &["\\NonExistent"],
                    ]);
                    s.raw(attrs.join(" ").as_bytes());
                    s.raw(b") ");
                    s.raw(if dice.percent(90) { b"\"/\" " } else { b"NIL " });
                    mailbox(&mut s, &mut dice);
                    s.end();
                }
                write!(s.bytes, "A{tag} OK LIST done").unwrap();
            }
            1 => {
                s.raw(b"* STATUS ");
                mailbox(&mut s, &mut dice);
                write!(
                    s.bytes,
                    " (MESSAGES {} UIDNEXT {} UIDVALIDITY {} UNSEEN {} HIGHESTMODSEQ {})",
                    dice.below(100_000),
                    1 + dice.below(1 << 31),
                    1 + dice.below(1 << 31),
                    dice.below(500),
                    modseq
                )
                .unwrap();
                s.end();
                write!(s.bytes, "A{tag} OK STATUS completed").unwrap();
            }
            2 => {
                s.raw(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
                for keyword in KEYWORDS {
                    write!(s.bytes, " {keyword}").unwrap();
                }
                s.raw(b")");
                s.end();
                s.raw(b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
                for keyword in KEYWORDS {
                    write!(s.bytes, " {keyword}").unwrap();
                }
                s.raw(b" \\*)] Flags permitted.");
                s.end();
                write!(s.bytes, "* {exists} EXISTS").unwrap();
                s.end();
                s.raw(b"* 0 RECENT");
                s.end();
                write!(
                    s.bytes,
                    "* OK [UIDVALIDITY {}] UIDs valid",
                    1 + dice.below(1 << 31)
                )
                .unwrap();
                s.end();
                write!(s.bytes, "* OK [UIDNEXT {}] Predicted next UID", exists + 1).unwrap();
                s.end();
                write!(s.bytes, "* OK [HIGHESTMODSEQ {modseq}] Highest").unwrap();
                s.end();
                s.raw(b"* VANISHED (EARLIER) ");
                let mut uid = 1 + dice.below(10);
                for index in 0..20 + dice.below(200) {
                    if index > 0 {
                        s.raw(b",");
                    }
                    if dice.percent(50) {
                        let end = uid + 1 + dice.below(30);
                        write!(s.bytes, "{uid}:{end}").unwrap();
                        uid = end;
                    } else {
                        write!(s.bytes, "{uid}").unwrap();
                    }
                    uid += 2 + dice.below(40);
                }
                s.end();
                write!(s.bytes, "A{tag} OK [READ-WRITE] SELECT completed").unwrap();
            }
            3 | 4 => {
                // CONDSTORE flag changes with long keyword lists.
                for _ in 0..10 + dice.below(200) {
                    modseq += 1 + dice.below(5);
                    let seq = 1 + dice.below(exists);
                    write!(
                        s.bytes,
                        "* {seq} FETCH (MODSEQ ({modseq}) UID {} FLAGS ",
                        seq * 2
                    )
                    .unwrap();
                    flag_list(&mut s, &mut dice);
                    s.raw(b")");
                    s.end();
                }
                write!(
                    s.bytes,
                    "A{tag} OK [MODIFIED 7,9:12] Conditional STORE completed"
                )
                .unwrap();
            }
            5 => {
                write!(
                    s.bytes,
                    "* ESEARCH (TAG \"A{tag}\") UID MIN 3 MAX {} COUNT {} ALL ",
                    exists * 2,
                    exists / 2
                )
                .unwrap();
                let mut uid = 3;
                for index in 0..50 + dice.below(400) {
                    if index > 0 {
                        s.raw(b",");
                    }
                    let end = uid + dice.below(4);
                    if end > uid {
                        write!(s.bytes, "{uid}:{end}").unwrap();
                    } else {
                        write!(s.bytes, "{uid}").unwrap();
                    }
                    uid = end + 2 + dice.below(9);
                }
                write!(s.bytes, " MODSEQ {modseq}").unwrap();
                s.end();
                write!(s.bytes, "A{tag} OK SEARCH completed").unwrap();
            }
            6 => {
                s.raw(b"* THREAD ");
                for _ in 0..20 + dice.below(60) {
                    let root = 1 + dice.below(exists);
                    match dice.below(3) {
                        0 => write!(s.bytes, "({root})").unwrap(),
                        1 => write!(s.bytes, "({root} {} {})", root + 1, root + 7).unwrap(),
                        _ => write!(
                            s.bytes,
                            "({root} ({} {})({}))",
                            root + 2,
                            root + 3,
                            root + 9
                        )
                        .unwrap(),
                    }
                }
                s.end();
                write!(s.bytes, "A{tag} OK THREAD completed").unwrap();
            }
            7 => {
                // IDLE: continuation, then a burst of updates.
                s.raw(b"+ idling");
                s.end();
                for _ in 0..5 + dice.below(40) {
                    match dice.below(4) {
                        0 => {
                            exists += 1;
                            write!(s.bytes, "* {exists} EXISTS").unwrap();
                        }
                        1 => {
                            write!(s.bytes, "* {} EXPUNGE", 1 + dice.below(exists)).unwrap();
                            exists -= 1;
                        }
                        2 => {
                            write!(s.bytes, "* {} FETCH (FLAGS ", 1 + dice.below(exists)).unwrap();
                            flag_list(&mut s, &mut dice);
                            s.raw(b")");
                        }
                        _ => s.raw(b"* OK Still here"),
                    }
                    s.end();
                }
                write!(s.bytes, "A{tag} OK IDLE terminated").unwrap();
            }
            8 => {
                s.raw(b"* QUOTAROOT INBOX \"User quota\"");
                s.end();
                write!(
                    s.bytes,
                    "* QUOTA \"User quota\" (STORAGE {} 10485760 MESSAGE {} 100000)",
                    dice.below(10_485_760),
                    dice.below(100_000)
                )
                .unwrap();
                s.end();
                write!(s.bytes, "A{tag} OK Getquotaroot completed").unwrap();
            }
            _ => {
                let text: &[u8] = dice.pick::<&[u8]>(&[
                    b"NO [TRYCREATE] Mailbox doesn't exist: Arch\xC3\xADv".as_slice(),
                    b"BAD [CLIENTBUG] Unknown command",
                    b"NO [OVERQUOTA] Quota exceeded (mailbox for user is full)",
                    b"OK [APPENDUID 38505 3955] APPEND completed",
                    b"OK [COPYUID 38505 304,319:320 3956:3958] Done",
                    b"NO [ALERT] System shutdown in 10 minutes",
                ]);
                write!(s.bytes, "A{tag} ").unwrap();
                s.raw(text);
            }
        }
        s.end();
    }
    s.raw(b"* BYE Logging out");
    s.end();
    write!(s.bytes, "A{} OK LOGOUT completed", tag + 1).unwrap();
    s.end();
    s.into_corpus("independent-mix")
}
