//! Deterministic corpora of realistic IMAP server output for the parse benchmark.
//!
//! Three byte streams, each generated from a fixed seed by a small PRNG of our own, so every
//! run on every machine measures the same bytes:
//!
//! - `metadata`: FETCH responses with UID, FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE and
//!   BODYSTRUCTURE with full extension data, as a client's message-list sync receives them.
//! - `bodies`: FETCH responses carrying whole RFC 5322 messages as `BODY[]` literals.
//! - `mix`: a session: CAPABILITY, LIST, STATUS, SELECT, CONDSTORE/QRESYNC FETCH and VANISHED,
//!   a huge SEARCH, ESEARCH, EXISTS/EXPUNGE and tagged completions.
//!
//! Each generator counts the responses it writes; [`count_responses`] counts them again with
//! a literal-aware scanner, and the benchmark refuses to run when the two disagree.

/// A generated server byte stream and how many responses it holds.
pub struct Corpus {
    /// Benchmark group name.
    pub name: &'static str,
    /// The bytes exactly as a server would send them.
    pub bytes: Vec<u8>,
    /// Responses the generator wrote (untagged and tagged).
    pub responses: usize,
}

/// How big the corpora are: full size for `cargo bench`, a small slice when the bench target
/// runs once as a smoke test under `cargo test --all-targets` (a debug build).
#[derive(Clone, Copy)]
pub struct Scale {
    divisor: usize,
}

impl Scale {
    /// The sizes the benchmark is specified with.
    pub const FULL: Scale = Scale { divisor: 1 };
    /// One hundredth, enough to exercise every generator and parser path quickly.
    pub const SMOKE: Scale = Scale { divisor: 100 };

    fn of(self, n: usize) -> usize {
        (n / self.divisor).max(1)
    }
}

pub mod captured;
pub mod independent;

/// A corpus generator, by the corpus's name.
type Generator = (&'static str, fn(Scale) -> Corpus);

/// The generated corpora: the three of this file, then the three of the independent generator.
const GENERATORS: [Generator; 6] = [
    ("metadata", metadata),
    ("bodies", bodies),
    ("mix", mix),
    ("independent-metadata", independent::metadata),
    ("independent-bodies", independent::bodies),
    ("independent-mix", independent::mix),
];

/// Every corpus at the given scale: the generated ones, then the captured ones.
pub fn all(scale: Scale) -> Vec<Corpus> {
    let mut corpora: Vec<Corpus> = GENERATORS.iter().map(|(_, make)| make(scale)).collect();
    corpora.extend(captured::all(scale));
    corpora
}

/// The corpus called `name` alone (generating all of them takes a while under valgrind).
pub fn named(name: &str, scale: Scale) -> Option<Corpus> {
    GENERATORS
        .iter()
        .find(|(generator, _)| *generator == name)
        .map(|(_, make)| make(scale))
        .or_else(|| captured::named(name, scale))
}

// ---------------------------------------------------------------------------------------------
// Framing scanner (also used by the benchmark to skip a response a peer failed to parse).

/// Length of the first complete response in `buf`: its line up to CRLF, following every
/// literal (`{n}` or `{n+}` or `~{n}` right before a CRLF) through its `n` bytes to the next
/// line. `None` when `buf` does not hold a complete response.
pub fn response_len(buf: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let line = buf.get(pos..)?;
        let newline = memchr::memchr(b'\n', line)?;
        let next = pos + newline + 1;
        match line.get(..newline).and_then(literal_announcement) {
            Some(len) => {
                pos = next.checked_add(len)?;
                if pos > buf.len() {
                    return None;
                }
            }
            None => return Some(next),
        }
    }
}

/// The literal size announced at the end of `line` (the bytes before LF), if any.
fn literal_announcement(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = memchr::memrchr(b'{', inner)?;
    let digits = inner.get(open + 1..)?;
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Number of complete responses in `buf`, or `None` when trailing bytes do not form one.
pub fn count_responses(buf: &[u8]) -> Option<usize> {
    let mut count = 0;
    let mut rest = buf;
    while !rest.is_empty() {
        let len = response_len(rest)?;
        rest = rest.get(len..)?;
        count += 1;
    }
    Some(count)
}

// ---------------------------------------------------------------------------------------------
// PRNG and output buffer.

/// SplitMix64: tiny, fast, and good enough to vary test data; fixed seeds make it reproducible.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Log-uniform in `lo..hi`: sizes of mail parts spread over orders of magnitude.
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let (low, high) = ((lo as f64).ln(), (hi as f64).ln());
        (low + unit * (high - low)).exp() as u64
    }

    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
}

/// The stream being generated, with a count of the responses completed so far.
struct Out {
    buf: Vec<u8>,
    responses: usize,
}

impl Out {
    fn with_capacity(capacity: usize) -> Self {
        Out {
            buf: Vec::with_capacity(capacity),
            responses: 0,
        }
    }

    fn s(&mut self, text: &str) -> &mut Self {
        self.buf.extend_from_slice(text.as_bytes());
        self
    }

    fn num(&mut self, mut n: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&digits[at..]);
        self
    }

    /// `quoted`, escaping `"` and `\` (RFC 9051 §4.3).
    fn quoted(&mut self, text: &str) -> &mut Self {
        self.buf.push(b'"');
        for &byte in text.as_bytes() {
            if byte == b'"' || byte == b'\\' {
                self.buf.push(b'\\');
            }
            self.buf.push(byte);
        }
        self.buf.push(b'"');
        self
    }

    fn literal(&mut self, data: &[u8]) -> &mut Self {
        self.s("{").num(data.len() as u64).s("}\r\n");
        self.buf.extend_from_slice(data);
        self
    }

    /// `string`: quoted when it can be, a literal for 8-bit text or line breaks, and sometimes
    /// a literal for text with quoted-specials (as several servers do).
    fn string(&mut self, rng: &mut Rng, text: &str) -> &mut Self {
        let needs_literal = text.bytes().any(|b| b >= 0x80 || b == b'\r' || b == b'\n');
        let has_specials = text.bytes().any(|b| b == b'"' || b == b'\\');
        if needs_literal || (has_specials && rng.percent(30)) {
            self.literal(text.as_bytes())
        } else {
            self.quoted(text)
        }
    }

    fn nstring(&mut self, rng: &mut Rng, text: Option<&str>) -> &mut Self {
        match text {
            Some(text) => self.string(rng, text),
            None => self.s("NIL"),
        }
    }

    /// Ends the current response with CRLF and counts it.
    fn end(&mut self) {
        self.buf.extend_from_slice(b"\r\n");
        self.responses += 1;
    }

    fn into_corpus(self, name: &'static str) -> Corpus {
        Corpus {
            name,
            bytes: self.buf,
            responses: self.responses,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text building blocks.

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_into(out: &mut Vec<u8>, data: &[u8]) {
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
}

fn base64(data: &[u8]) -> String {
    let mut out = Vec::new();
    base64_into(&mut out, data);
    String::from_utf8(out).unwrap_or_default()
}

fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// Q-encoding of RFC 2047 §4.2 for a phrase: letters and digits stay, space is `_`, the rest
/// is `=XX`.
fn q_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &byte in bytes {
        match byte {
            b' ' => out.push('_'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("={byte:02X}")),
        }
    }
    out
}

/// `text` as RFC 2047 encoded words (B or Q, UTF-8 or ISO-8859-1), split the way mailers
/// split long headers into several words.
fn encoded_words(rng: &mut Rng, text: &str) -> String {
    let latin1 = text.chars().all(|c| u32::from(c) <= 0xFF);
    let chars: Vec<char> = text.chars().collect();
    let per_word = if rng.percent(50) { 12 } else { 40 };
    let mut words = Vec::new();
    for piece in chars.chunks(per_word) {
        let piece: String = piece.iter().collect();
        let word = match (latin1, rng.below(3)) {
            (true, 0) => {
                let bytes: Vec<u8> = piece
                    .chars()
                    .filter_map(|c| u8::try_from(u32::from(c)).ok())
                    .collect();
                format!("=?ISO-8859-1?Q?{}?=", q_encode(&bytes))
            }
            (_, 1) => format!("=?utf-8?q?{}?=", q_encode(piece.as_bytes())),
            _ => format!("=?UTF-8?B?{}?=", base64(piece.as_bytes())),
        };
        words.push(word);
    }
    words.join(" ")
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const ZONES: [&str; 7] = [
    "+0000", "+0100", "+0200", "-0500", "-0800", "+0530", "+0900",
];

/// A moment in time, in seconds since 1970 plus a display zone.
#[derive(Clone, Copy)]
struct Moment {
    unix: u64,
    zone: &'static str,
}

struct Civil {
    year: u64,
    month: usize,
    day: u64,
    hour: u64,
    minute: u64,
    second: u64,
    weekday: &'static str,
}

impl Moment {
    /// Calendar fields (the zone is only a label; the clock is not shifted).
    fn civil(self) -> Civil {
        let days = self.unix / 86_400;
        let secs = self.unix % 86_400;
        // Days since 1970-01-01 to a proleptic Gregorian date (era-based algorithm).
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        Civil {
            year,
            month: month as usize - 1,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            weekday: WEEKDAYS[(days % 7) as usize],
        }
    }

    /// RFC 5322 `date-time`, as in a Date header, sometimes with the zone's name as a comment.
    fn rfc5322(self, rng: &mut Rng) -> String {
        let c = self.civil();
        let named = match self.zone {
            "+0000" => " (UTC)",
            "+0100" => " (CET)",
            "-0500" => " (EST)",
            _ => "",
        };
        let comment = if rng.percent(15) { named } else { "" };
        format!(
            "{}, {} {} {} {:02}:{:02}:{:02} {}{}",
            c.weekday,
            c.day,
            MONTHS[c.month],
            c.year,
            c.hour,
            c.minute,
            c.second,
            self.zone,
            comment
        )
    }

    /// IMAP `date-time` (RFC 9051 §9), the INTERNALDATE form with a space-padded day.
    fn internal_date(self) -> String {
        let c = self.civil();
        format!(
            "{:>2}-{}-{} {:02}:{:02}:{:02} {}",
            c.day, MONTHS[c.month], c.year, c.hour, c.minute, c.second, self.zone
        )
    }
}

const ASCII_NAMES: [&str; 16] = [
    "Alice Johnson",
    "Bob Martinez",
    "Carol Nguyen",
    "David O'Brien",
    "Eve Adams",
    "Frank Li",
    "Grace Hopper-Smith",
    "Smith, John",
    "Dr. Heidi \"Doc\" Klum",
    "GitHub",
    "Jira Cloud",
    "The Build Bot",
    "Payroll Team",
    "Mark Zimmermann",
    "Priya Raghavan",
    "support@example.com",
];

const INTL_NAMES: [&str; 12] = [
    "José García",
    "Jörg Müller",
    "Zoë Ångström",
    "François Lefèvre",
    "Łukasz Wójcik",
    "Дмитрий Иванов",
    "田中 太郎",
    "Søren Kierkegaard",
    "Ελένη Παπαδοπούλου",
    "محمد علي",
    "Nguyễn Văn An",
    "İsmail Çelik",
];

const LOCAL_PARTS: [&str; 14] = [
    "alice",
    "bob.martinez",
    "c.nguyen",
    "dobrien",
    "eve",
    "frank.li",
    "noreply",
    "notifications",
    "team-dev",
    "billing+invoices",
    "jgarcia",
    "j.mueller",
    "postmaster",
    "do-not-reply",
];

const DOMAINS: [&str; 10] = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "lists.example.org",
    "corp.example.co.uk",
    "subsidiary.example.de",
    "users.noreply.example.com",
    "example.jp",
    "student.example.edu",
];

const TOPICS: [&str; 16] = [
    "Quarterly report",
    "Lunch on Friday?",
    "Meeting notes: roadmap sync",
    "Your order has shipped",
    "Build failed on main",
    "Invitation: Design review @ Tue 10:00",
    "Password reset request",
    "Weekly digest",
    "Contract draft v3",
    "Travel itinerary",
    "Q3 budget \"final\" numbers",
    "Re-scheduled: 1:1",
    "New comment on issue",
    "Security alert for your account",
    "Photos from the weekend",
    "Out of office: back Monday",
];

const INTL_TOPICS: [&str; 6] = [
    "Besprechung am Dienstag – Protokoll",
    "Réunion d'équipe : ordre du jour",
    "Отчёт за квартал",
    "会議のお知らせ",
    "Ваш заказ отправлен",
    "Año nuevo, proyecto nuevo ✨",
];

const LIST_TAGS: [&str; 4] = ["[dev-list]", "[announce]", "[users]", "[JIRA]"];

fn subject(rng: &mut Rng, reply: bool) -> String {
    let base = if rng.percent(18) {
        let topic = rng.pick(&INTL_TOPICS);
        if rng.percent(85) {
            encoded_words(rng, topic)
        } else {
            // Raw 8-bit subject, as unencoded headers arrive from some senders.
            topic.to_string()
        }
    } else if rng.percent(15) {
        format!("{} {}", rng.pick(&LIST_TAGS), rng.pick(&TOPICS))
    } else if rng.percent(10) {
        format!("Invoice #{} from Example Ltd", rng.range(10_000, 99_999))
    } else {
        rng.pick(&TOPICS).to_string()
    };
    let prefix = match (reply, rng.below(6)) {
        (true, 0) => "RE: ",
        (true, 1) => "Re: Re: ",
        (true, _) => "Re: ",
        (false, 0) => "Fwd: ",
        (false, _) => "",
    };
    format!("{prefix}{base}")
}

fn display_name(rng: &mut Rng) -> Option<String> {
    match rng.below(20) {
        0..=3 => None,
        4..=8 => {
            let name = rng.pick(&INTL_NAMES);
            Some(encoded_words(rng, name))
        }
        _ => Some(rng.pick(&ASCII_NAMES).to_string()),
    }
}

fn message_id(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("<{}.{}@{}>", rng.hex(16), rng.hex(8), rng.pick(&DOMAINS)),
        1 => {
            let raw = random_bytes(rng, 30);
            format!("<CA{}@mail.example.com>", base64(&raw))
        }
        _ => format!(
            "<{}-{}-{}@{}>",
            rng.range(1_000_000, 9_999_999),
            rng.hex(4),
            rng.range(1, 99),
            rng.pick(&DOMAINS)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// metadata: FETCH (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE).

const METADATA_SEED: u64 = 0x6D65_7461_6461_7461;

/// 50,000 message-list FETCH responses and the tagged completion.
pub fn metadata(scale: Scale) -> Corpus {
    let mut rng = Rng::new(METADATA_SEED);
    let count = scale.of(50_000);
    let mut out = Out::with_capacity(count * 1_600);
    let mut uid = rng.range(1, 500);
    // 2019-01-01 onward, a few messages an hour.
    let mut clock = 1_546_300_800;
    for seq in 1..=count as u64 {
        uid += rng.range(1, 3);
        clock += rng.range(10, 4_000);
        let when = Moment {
            unix: clock,
            zone: rng.pick(&ZONES),
        };
        out.s("* ")
            .num(seq)
            .s(" FETCH (UID ")
            .num(uid)
            .s(" FLAGS (");
        flags(&mut out, &mut rng);
        out.s(") INTERNALDATE \"")
            .s(&when.internal_date())
            .s("\" RFC822.SIZE ");
        // The size needs the body structure's sizes, so build the structure first.
        let mut structure = Out::with_capacity(2_048);
        let body_octets = message_body(&mut structure, &mut rng, 0);
        let size = body_octets + rng.range(1_200, 6_000);
        out.num(size).s(" ENVELOPE ");
        envelope(&mut out, &mut rng, when);
        out.s(" BODYSTRUCTURE ");
        out.buf.extend_from_slice(&structure.buf);
        out.s(")");
        out.end();
    }
    out.s("A0005 OK Fetch completed (0.120 + 0.000 + 0.119 secs).");
    out.end();
    out.into_corpus("metadata")
}

fn flags(out: &mut Out, rng: &mut Rng) {
    let mut first = true;
    let mut flag = |out: &mut Out, name: &str| {
        if !first {
            out.s(" ");
        }
        first = false;
        out.s(name);
    };
    if rng.percent(80) {
        flag(out, "\\Seen");
    }
    if rng.percent(15) {
        flag(out, "\\Answered");
    }
    if rng.percent(5) {
        flag(out, "\\Flagged");
    }
    if rng.percent(1) {
        flag(out, "\\Deleted");
    }
    if rng.percent(1) {
        flag(out, "\\Draft");
    }
    if rng.percent(4) {
        flag(out, "$Forwarded");
    }
    if rng.percent(10) {
        flag(
            out,
            rng.pick(&["$Junk", "$NotJunk", "$MDNSent", "$label1", "Work"]),
        );
    }
}

/// ENVELOPE (RFC 9051 §7.5.2): date, subject, from, sender, reply-to, to, cc, bcc,
/// in-reply-to, message-id.
fn envelope(out: &mut Out, rng: &mut Rng, when: Moment) {
    let reply = rng.percent(35);
    out.s("(");
    let date = rng.percent(97).then(|| when.rfc5322(rng));
    out.nstring(rng, date.as_deref()).s(" ");
    let subject = rng.percent(98).then(|| subject(rng, reply));
    out.nstring(rng, subject.as_deref()).s(" ");

    let from = address(rng);
    address_list(out, rng, std::slice::from_ref(&from));
    out.s(" ");
    // Servers fill sender and reply-to from From when the headers are absent (RFC 9051 §7.5.2).
    let sender = if rng.percent(90) {
        from.clone()
    } else {
        Addr {
            name: None,
            mailbox: format!("bounces+{}", rng.range(1_000, 99_999)),
            host: "lists.example.org".to_string(),
        }
    };
    address_list(out, rng, &[sender]);
    out.s(" ");
    let reply_to = if rng.percent(85) { from } else { address(rng) };
    address_list(out, rng, &[reply_to]);
    out.s(" ");

    if rng.percent(3) {
        // To: undisclosed-recipients:; as a group (RFC 9051 §7.5.2, group syntax).
        out.s("((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))");
    } else if rng.percent(2) {
        out.s("NIL");
    } else {
        let to: Vec<Addr> = (0..rng.range(1, 6)).map(|_| address(rng)).collect();
        address_list(out, rng, &to);
    }
    out.s(" ");
    if rng.percent(55) {
        out.s("NIL");
    } else {
        let cc: Vec<Addr> = (0..rng.range(1, 8)).map(|_| address(rng)).collect();
        address_list(out, rng, &cc);
    }
    out.s(" ");
    if rng.percent(95) {
        out.s("NIL");
    } else {
        let bcc = address(rng);
        address_list(out, rng, &[bcc]);
    }
    out.s(" ");
    let in_reply_to = reply.then(|| {
        if rng.percent(10) {
            format!("{} {}", message_id(rng), message_id(rng))
        } else {
            message_id(rng)
        }
    });
    out.nstring(rng, in_reply_to.as_deref()).s(" ");
    let id = rng.percent(98).then(|| message_id(rng));
    out.nstring(rng, id.as_deref()).s(")");
}

#[derive(Clone)]
struct Addr {
    name: Option<String>,
    mailbox: String,
    host: String,
}

fn address(rng: &mut Rng) -> Addr {
    Addr {
        name: display_name(rng),
        mailbox: rng.pick(&LOCAL_PARTS).to_string(),
        host: rng.pick(&DOMAINS).to_string(),
    }
}

/// `"(" 1*address ")"` with `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`.
fn address_list(out: &mut Out, rng: &mut Rng, addrs: &[Addr]) {
    out.s("(");
    for addr in addrs {
        out.s("(");
        out.nstring(rng, addr.name.as_deref()).s(" NIL ");
        out.quoted(&addr.mailbox).s(" ").quoted(&addr.host).s(")");
    }
    out.s(")");
}

/// Case of media type strings: Dovecot sends lower case, others upper case.
fn media(out: &mut Out, upper: bool, kind: &str, subtype: &str) {
    if upper {
        out.quoted(&kind.to_ascii_uppercase())
            .s(" ")
            .quoted(&subtype.to_ascii_uppercase());
    } else {
        out.quoted(kind).s(" ").quoted(subtype);
    }
}

fn params(out: &mut Out, pairs: &[(&str, &str)]) {
    if pairs.is_empty() {
        out.s("NIL");
        return;
    }
    out.s("(");
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.s(" ");
        }
        out.quoted(key).s(" ").quoted(value);
    }
    out.s(")");
}

/// ` body-fld-md5 SP body-fld-dsp SP body-fld-lang SP body-fld-loc` (RFC 9051 §9
/// `body-ext-1part`), all four always present.
fn ext_1part(out: &mut Out, rng: &mut Rng, disposition: Option<(&str, &[(&str, &str)])>) {
    out.s(" ");
    if rng.percent(4) {
        let digest = random_bytes(rng, 16);
        out.quoted(&base64(&digest));
    } else {
        out.s("NIL");
    }
    out.s(" ");
    disposition_field(out, disposition);
    out.s(" ");
    language(out, rng);
    out.s(" ");
    if rng.percent(3) {
        out.quoted(&format!("https://www.example.com/files/{}", rng.hex(8)));
    } else {
        out.s("NIL");
    }
}

fn disposition_field(out: &mut Out, disposition: Option<(&str, &[(&str, &str)])>) {
    match disposition {
        Some((kind, pairs)) => {
            out.s("(").quoted(kind).s(" ");
            params(out, pairs);
            out.s(")");
        }
        None => {
            out.s("NIL");
        }
    }
}

fn language(out: &mut Out, rng: &mut Rng) {
    match rng.below(20) {
        0 | 1 => {
            let tag = rng.pick(&["en", "en-US", "de-DE", "fr"]);
            out.quoted(tag);
        }
        2 => {
            out.s("(").quoted("en").s(" ").quoted("de").s(")");
        }
        _ => {
            out.s("NIL");
        }
    }
}

/// ` body-fld-param SP body-fld-dsp SP body-fld-lang SP body-fld-loc` for a multipart
/// (RFC 9051 §9 `body-ext-mpart`).
fn ext_mpart(out: &mut Out, rng: &mut Rng, extra: &[(&str, &str)]) {
    let boundary = match rng.below(4) {
        0 => format!(
            "----=_Part_{}_{}.{}",
            rng.range(1, 99_999),
            rng.range(1, 999_999_999),
            rng.range(1_600_000_000_000, 1_800_000_000_000)
        ),
        1 => format!("000000000000{}", rng.hex(16)),
        2 => format!("_000_{}_", rng.hex(24).to_ascii_uppercase()),
        _ => format!("b1_{}", rng.hex(32)),
    };
    let mut pairs: Vec<(&str, &str)> = extra.to_vec();
    pairs.push(("boundary", &boundary));
    out.s(" ");
    params(out, &pairs);
    out.s(" NIL ");
    language(out, rng);
    out.s(" NIL");
}

const CHARSETS: [&str; 6] = [
    "utf-8",
    "UTF-8",
    "us-ascii",
    "iso-8859-1",
    "windows-1252",
    "ISO-2022-JP",
];

/// A `body-type-text` part with extension data; returns its octets.
fn text_part(out: &mut Out, rng: &mut Rng, upper: bool, subtype: &str, octets: u64) -> u64 {
    out.s("(");
    media(out, upper, "text", subtype);
    out.s(" ");
    let charset = rng.pick(&CHARSETS);
    if subtype == "plain" && rng.percent(20) {
        params(
            out,
            &[("charset", charset), ("format", "flowed"), ("delsp", "yes")],
        );
    } else {
        params(out, &[("charset", charset)]);
    }
    let encoding = rng.pick(&[
        "7bit",
        "8bit",
        "quoted-printable",
        "base64",
        "QUOTED-PRINTABLE",
        "7BIT",
    ]);
    out.s(" NIL NIL ")
        .quoted(encoding)
        .s(" ")
        .num(octets)
        .s(" ");
    out.num(octets / rng.range(40, 75) + 1);
    let inline: &[(&str, &str)] = &[];
    let disposition = rng.percent(10).then_some(("inline", inline));
    ext_1part(out, rng, disposition);
    out.s(")");
    octets
}

#[derive(Clone, Copy)]
struct AttachmentKind {
    kind: &'static str,
    subtype: &'static str,
    names: &'static [&'static str],
    text: bool,
}

const ATTACHMENTS: [AttachmentKind; 8] = [
    AttachmentKind {
        kind: "application",
        subtype: "pdf",
        names: &["report.pdf", "Invoice-2024-0042.pdf", "Résumé.pdf"],
        text: false,
    },
    AttachmentKind {
        kind: "image",
        subtype: "jpeg",
        names: &["IMG_2041.JPG", "photo.jpg", "Foto vom Strand.jpg"],
        text: false,
    },
    AttachmentKind {
        kind: "image",
        subtype: "png",
        names: &["screenshot.png", "diagram (1).png"],
        text: false,
    },
    AttachmentKind {
        kind: "application",
        subtype: "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        names: &["budget Q3.xlsx", "Übersicht.xlsx"],
        text: false,
    },
    AttachmentKind {
        kind: "application",
        subtype: "vnd.openxmlformats-officedocument.wordprocessingml.document",
        names: &["Contract draft v3.docx"],
        text: false,
    },
    AttachmentKind {
        kind: "application",
        subtype: "zip",
        names: &["logs.zip", "archive-2024.zip"],
        text: false,
    },
    AttachmentKind {
        kind: "text",
        subtype: "calendar",
        names: &["invite.ics"],
        text: true,
    },
    AttachmentKind {
        kind: "text",
        subtype: "csv",
        names: &["export.csv", "données.csv"],
        text: true,
    },
];

/// An attachment part (`body-type-basic`, or `body-type-text` for text attachments) with a
/// filename in both Content-Type and Content-Disposition; returns its octets.
fn attachment(out: &mut Out, rng: &mut Rng, upper: bool) -> u64 {
    let kind = rng.pick(&ATTACHMENTS);
    let name = rng.pick(kind.names);
    let octets = if kind.text {
        rng.log_uniform(400, 200_000)
    } else {
        rng.log_uniform(8_000, 4_000_000)
    };
    let size = octets.to_string();
    let ascii = name.is_ascii();
    // Non-ASCII names travel as RFC 2231 `filename*` or as encoded words.
    let encoded_2231 = format!("utf-8''{}", percent_encode(name));
    let encoded_2047 = encoded_words(rng, name);
    let (param_key, param_value) = if ascii {
        ("filename", name)
    } else if rng.percent(50) {
        ("filename*", encoded_2231.as_str())
    } else {
        ("filename", encoded_2047.as_str())
    };
    let type_name = if ascii { name } else { encoded_2047.as_str() };

    out.s("(");
    media(out, upper, kind.kind, kind.subtype);
    out.s(" ");
    if kind.subtype == "calendar" {
        params(
            out,
            &[
                ("charset", "utf-8"),
                ("method", "REQUEST"),
                ("name", type_name),
            ],
        );
    } else if kind.text {
        params(out, &[("charset", "utf-8"), ("name", type_name)]);
    } else {
        params(out, &[("name", type_name)]);
    }
    out.s(" NIL ");
    if rng.percent(5) {
        out.quoted("Attached file");
    } else {
        out.s("NIL");
    }
    let encoding = if kind.text {
        "quoted-printable"
    } else {
        "base64"
    };
    out.s(" ").quoted(encoding).s(" ").num(octets);
    if kind.text {
        out.s(" ").num(octets / 60 + 1);
    }
    let creation = "Tue, 04 Feb 2025 10:11:12 GMT";
    let outlook = rng.percent(20);
    let mut dsp: Vec<(&str, &str)> = vec![(param_key, param_value), ("size", &size)];
    if outlook {
        dsp.push(("creation-date", creation));
        dsp.push(("modification-date", creation));
    }
    ext_1part(out, rng, Some(("attachment", &dsp)));
    out.s(")");
    octets
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || b".-_".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An inline image of a multipart/related HTML message (with Content-ID); returns octets.
fn inline_image(out: &mut Out, rng: &mut Rng, upper: bool, index: u64) -> u64 {
    let name = format!("image{index:03}.png");
    let cid = format!(
        "<image{index:03}.png@01DA{}.{}>",
        rng.hex(4).to_ascii_uppercase(),
        rng.hex(8).to_ascii_uppercase()
    );
    let octets = rng.log_uniform(2_000, 120_000);
    out.s("(");
    media(out, upper, "image", "png");
    out.s(" ");
    params(out, &[("name", &name)]);
    out.s(" ")
        .quoted(&cid)
        .s(" NIL ")
        .quoted("base64")
        .s(" ")
        .num(octets);
    ext_1part(out, rng, Some(("inline", &[("filename", &name)])));
    out.s(")");
    octets
}

/// multipart/alternative with text/plain and text/html; returns octets.
fn alternative(out: &mut Out, rng: &mut Rng, upper: bool) -> u64 {
    let plain = rng.log_uniform(200, 30_000);
    out.s("(");
    let mut octets = text_part(out, rng, upper, "plain", plain);
    let html = plain * rng.range(2, 6);
    octets += text_part(out, rng, upper, "html", html);
    out.s(" ")
        .quoted(if upper { "ALTERNATIVE" } else { "alternative" });
    ext_mpart(out, rng, &[]);
    out.s(")");
    octets
}

/// multipart/alternative whose HTML side is multipart/related with inline images.
fn alternative_related(out: &mut Out, rng: &mut Rng, upper: bool) -> u64 {
    let plain = rng.log_uniform(200, 20_000);
    out.s("(");
    let mut octets = text_part(out, rng, upper, "plain", plain);
    out.s("(");
    octets += text_part(out, rng, upper, "html", plain * 4);
    for index in 1..=rng.range(1, 4) {
        octets += inline_image(out, rng, upper, index);
    }
    out.s(" ").quoted("related");
    ext_mpart(out, rng, &[("type", "text/html")]);
    out.s(")");
    out.s(" ").quoted("alternative");
    ext_mpart(out, rng, &[]);
    out.s(")");
    octets
}

/// A `body-type-msg` part: a forwarded message with its own envelope and body structure.
fn attached_message(out: &mut Out, rng: &mut Rng, upper: bool, depth: u32) -> u64 {
    let mut inner = Out::with_capacity(1_024);
    let inner_octets = message_body(&mut inner, rng, depth + 1);
    let octets = inner_octets + rng.range(1_000, 4_000);
    out.s("(");
    media(out, upper, "message", "rfc822");
    out.s(" ");
    if rng.percent(50) {
        params(out, &[("name", "Forwarded message.eml")]);
    } else {
        out.s("NIL");
    }
    out.s(" NIL NIL ").quoted("7bit").s(" ").num(octets).s(" ");
    let when = Moment {
        unix: 1_546_300_800 + rng.below(200_000_000),
        zone: rng.pick(&ZONES),
    };
    envelope(out, rng, when);
    out.s(" ");
    out.buf.extend_from_slice(&inner.buf);
    out.s(" ").num(octets / 50 + 1);
    let attachment: &[(&str, &str)] = &[("filename", "Forwarded message.eml")];
    ext_1part(out, rng, Some(("attachment", attachment)));
    out.s(")");
    octets
}

/// The body structure of one message; returns the sum of its parts' octets.
fn message_body(out: &mut Out, rng: &mut Rng, depth: u32) -> u64 {
    let upper = rng.percent(30);
    let shape = if depth > 0 {
        rng.below(60)
    } else {
        rng.below(100)
    };
    match shape {
        0..=27 => {
            let octets = rng.log_uniform(200, 40_000);
            text_part(out, rng, upper, "plain", octets)
        }
        28..=31 => {
            let octets = rng.log_uniform(2_000, 120_000);
            text_part(out, rng, upper, "html", octets)
        }
        32..=59 => alternative(out, rng, upper),
        60..=67 => alternative_related(out, rng, upper),
        68..=87 => {
            out.s("(");
            let mut octets = if rng.percent(50) {
                alternative(out, rng, upper)
            } else {
                let octets = rng.log_uniform(200, 10_000);
                text_part(out, rng, upper, "plain", octets)
            };
            for _ in 0..rng.range(1, 3) {
                octets += attachment(out, rng, upper);
            }
            out.s(" ").quoted(if upper { "MIXED" } else { "mixed" });
            ext_mpart(out, rng, &[]);
            out.s(")");
            octets
        }
        88..=94 => {
            out.s("(");
            let plain = rng.log_uniform(100, 3_000);
            let mut octets = text_part(out, rng, upper, "plain", plain);
            octets += attached_message(out, rng, upper, depth);
            out.s(" ").quoted("mixed");
            ext_mpart(out, rng, &[]);
            out.s(")");
            octets
        }
        _ => {
            // multipart/signed (RFC 1847) with a detached OpenPGP signature.
            out.s("(");
            let plain = rng.log_uniform(200, 10_000);
            let mut octets = text_part(out, rng, upper, "plain", plain);
            out.s("(");
            media(out, upper, "application", "pgp-signature");
            out.s(" ");
            params(out, &[("name", "signature.asc")]);
            out.s(" ")
                .quoted("OpenPGP digital signature")
                .s(" NIL ")
                .quoted("7bit")
                .s(" 833");
            ext_1part(
                out,
                rng,
                Some(("attachment", &[("filename", "signature.asc")])),
            );
            out.s(")");
            octets += 833;
            out.s(" ").quoted("signed");
            ext_mpart(
                out,
                rng,
                &[
                    ("protocol", "application/pgp-signature"),
                    ("micalg", "pgp-sha256"),
                ],
            );
            out.s(")");
            octets
        }
    }
}

// ---------------------------------------------------------------------------------------------
// bodies: FETCH (UID BODY[] {n}) with whole RFC 5322 messages.

const BODIES_SEED: u64 = 0x626F_6469_6573_2121;

/// 5,000 `BODY[]` FETCH responses (mostly 2-50 KB, 2% 200 KB-2 MB; about 150 MB in all) and
/// the tagged completion.
pub fn bodies(scale: Scale) -> Corpus {
    let mut rng = Rng::new(BODIES_SEED);
    // Sizes come from their own stream, so edits to the message text do not move the total.
    let mut sizes = Rng::new(BODIES_SEED.rotate_left(32));
    let count = scale.of(5_000);
    let mut out = Out::with_capacity(count * 31_000);
    let mut message = Vec::with_capacity(2_100_000);
    let mut uid = rng.range(1_000, 5_000);
    let mut clock = 1_700_000_000;
    for seq in 1..=count as u64 {
        uid += rng.range(1, 3);
        clock += rng.range(10, 4_000);
        let size = if sizes.percent(2) {
            sizes.log_uniform(200_000, 2_000_000)
        } else {
            sizes.log_uniform(2_000, 50_000)
        };
        message.clear();
        let when = Moment {
            unix: clock,
            zone: rng.pick(&ZONES),
        };
        rfc5322_message(&mut message, &mut rng, size as usize, when);
        out.s("* ")
            .num(seq)
            .s(" FETCH (UID ")
            .num(uid)
            .s(" BODY[] ");
        out.literal(&message).s(")");
        out.end();
    }
    out.s("A0006 OK Fetch completed (1.512 + 0.000 + 1.498 secs).");
    out.end();
    out.into_corpus("bodies")
}

fn header_address(rng: &mut Rng) -> String {
    let addr = address(rng);
    match addr.name {
        Some(name) if name.starts_with("=?") => format!("{name} <{}@{}>", addr.mailbox, addr.host),
        Some(name) => format!(
            "\"{}\" <{}@{}>",
            name.replace('"', "\\\""),
            addr.mailbox,
            addr.host
        ),
        None => format!("{}@{}", addr.mailbox, addr.host),
    }
}

/// Appends `line` folded at 76 columns with a tab (RFC 5322 §2.2.3).
fn folded(out: &mut Vec<u8>, line: &str) {
    let mut column = 0;
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            if column + 1 + word.len() > 76 {
                out.extend_from_slice(b"\r\n\t");
                column = 1;
            } else {
                out.push(b' ');
                column += 1;
            }
        }
        out.extend_from_slice(word.as_bytes());
        column += word.len();
    }
    out.extend_from_slice(b"\r\n");
}

/// A plausible RFC 5322 message of about `size` bytes: trace and authentication headers, the
/// usual originator headers, and a text, alternative, or mixed MIME body.
fn rfc5322_message(out: &mut Vec<u8>, rng: &mut Rng, size: usize, when: Moment) {
    let start = out.len();
    let reply = rng.percent(35);
    let sender_domain = rng.pick(&DOMAINS);
    folded(
        out,
        &format!("Return-Path: <{}@{sender_domain}>", rng.pick(&LOCAL_PARTS)),
    );
    folded(out, "Delivered-To: me@example.com");
    for hop in 0..rng.range(2, 4) {
        let line = format!(
            "Received: from mail-{hop}.{sender_domain} (mail-{hop}.{sender_domain} [203.0.113.{}]) by mx{}.example.com (Postfix) with ESMTPS id {} for <me@example.com>; {}",
            rng.range(1, 254),
            rng.range(1, 4),
            rng.hex(10).to_ascii_uppercase(),
            when.rfc5322(rng)
        );
        folded(out, &line);
    }
    let body_hash = base64(&random_bytes(rng, 32));
    let signature = base64(&random_bytes(rng, 256));
    folded(
        out,
        &format!(
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={sender_domain}; s=s{}; t={}; h=from:to:subject:date:message-id:mime-version:content-type; bh={body_hash}; b={}",
            rng.range(1, 9),
            when.unix,
            signature
                .as_bytes()
                .chunks(60)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    folded(
        out,
        &format!(
            "Authentication-Results: mx1.example.com; dkim=pass header.d={sender_domain}; spf=pass smtp.mailfrom={sender_domain}; dmarc=pass"
        ),
    );
    folded(out, &format!("Date: {}", when.rfc5322(rng)));
    folded(out, &format!("From: {}", header_address(rng)));
    let to: Vec<String> = (0..rng.range(1, 4)).map(|_| header_address(rng)).collect();
    folded(out, &format!("To: {}", to.join(", ")));
    if rng.percent(40) {
        let cc: Vec<String> = (0..rng.range(1, 5)).map(|_| header_address(rng)).collect();
        folded(out, &format!("Cc: {}", cc.join(", ")));
    }
    folded(out, &format!("Subject: {}", subject(rng, reply)));
    folded(out, &format!("Message-ID: {}", message_id(rng)));
    if reply {
        let parent = message_id(rng);
        folded(out, &format!("In-Reply-To: {parent}"));
        folded(out, &format!("References: {} {parent}", message_id(rng)));
    }
    folded(out, "MIME-Version: 1.0");

    let limit = start + size;
    let boundary = format!("----=_Part_{}", rng.hex(20));
    if size > 100_000 {
        folded(
            out,
            &format!("Content-Type: multipart/mixed; boundary=\"{boundary}\""),
        );
        out.extend_from_slice(b"\r\nThis is a multi-part message in MIME format.\r\n\r\n");
        out.extend_from_slice(format!("--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n").as_bytes());
        let text_end = out.len() + rng.range(300, 4_000) as usize;
        prose(out, rng, text_end, reply);
        let name = rng.pick(&ATTACHMENTS).names[0];
        out.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n").as_bytes());
        let closing = boundary.len() + 8;
        base64_lines(out, rng, limit.saturating_sub(closing));
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    } else if rng.percent(55) {
        let encoding = if rng.percent(50) {
            "quoted-printable"
        } else {
            "7bit"
        };
        folded(
            out,
            "Content-Type: text/plain; charset=utf-8; format=flowed",
        );
        folded(out, &format!("Content-Transfer-Encoding: {encoding}"));
        out.extend_from_slice(b"\r\n");
        prose(out, rng, limit, reply);
    } else {
        folded(
            out,
            &format!("Content-Type: multipart/alternative; boundary=\"{boundary}\""),
        );
        out.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n").as_bytes());
        let text_end = out.len() + (limit.saturating_sub(out.len())) / 3;
        prose(out, rng, text_end, reply);
        out.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><head><meta http-equiv=3D\"Content-Type\" content=3D\"text/html; charset=3Dutf-8\"></head><body>\r\n").as_bytes());
        let closing = boundary.len() + 30;
        html(out, rng, limit.saturating_sub(closing));
        out.extend_from_slice(format!("</body></html>\r\n--{boundary}--\r\n").as_bytes());
    }
}

const WORDS: [&str; 64] = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "meeting",
    "project",
    "schedule",
    "budget",
    "review",
    "deadline",
    "customer",
    "release",
    "quarter",
    "please",
    "thanks",
    "attached",
    "update",
    "tomorrow",
    "caf=C3=A9",
    "na=C3=AFve",
];

/// Wrapped sentences until `end` (72 columns, CRLF); quoted lines first for replies.
fn prose(out: &mut Vec<u8>, rng: &mut Rng, end: usize, reply: bool) {
    let mut quoting = reply;
    let mut sentence_start = true;
    while out.len() < end {
        let line_start = out.len();
        if quoting {
            out.extend_from_slice(b"> ");
            quoting = rng.percent(85);
        }
        let mut first_word = true;
        loop {
            let word = rng.pick(&WORDS);
            if out.len() - line_start + word.len() + 2 > 72 {
                break;
            }
            if !first_word {
                out.push(b' ');
            }
            first_word = false;
            match (sentence_start, word.split_at_checked(1)) {
                (true, Some((initial, rest))) => {
                    out.extend_from_slice(initial.to_ascii_uppercase().as_bytes());
                    out.extend_from_slice(rest.as_bytes());
                }
                _ => out.extend_from_slice(word.as_bytes()),
            }
            sentence_start = false;
            if rng.percent(10) {
                sentence_start = rng.percent(85);
                out.push(if sentence_start { b'.' } else { b',' });
            }
        }
        out.extend_from_slice(b"\r\n");
        if rng.percent(12) {
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// HTML paragraphs of prose until `end`.
fn html(out: &mut Vec<u8>, rng: &mut Rng, end: usize) {
    while out.len() < end {
        out.extend_from_slice(b"<p style=3D\"margin:0\">");
        let paragraph_end = (out.len() + rng.range(100, 600) as usize).min(end.max(out.len() + 1));
        prose(out, rng, paragraph_end, false);
        out.extend_from_slice(b"</p>\r\n");
    }
}

/// Base64 of random bytes in 76-column lines until `end`.
fn base64_lines(out: &mut Vec<u8>, rng: &mut Rng, end: usize) {
    let mut raw = [0u8; 57];
    while out.len() < end {
        for chunk in raw.chunks_mut(8) {
            let bytes = rng.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        base64_into(out, &raw);
        out.extend_from_slice(b"\r\n");
    }
}

// ---------------------------------------------------------------------------------------------
// mix: a session of LIST, STATUS, SELECT, CONDSTORE FETCH, SEARCH, ESEARCH, VANISHED, ...

const MIX_SEED: u64 = 0x6D69_7820_7365_7373;

/// Mailboxes as a server lists them: (attributes, name as sent). Names in modified UTF-7
/// (RFC 3501 §5.1.3) and with special-use attributes (RFC 6154).
const MAILBOXES: [(&str, &str); 18] = [
    ("\\HasNoChildren", "INBOX"),
    ("\\HasNoChildren \\Sent", "\"Sent Items\""),
    ("\\HasNoChildren \\Drafts", "\"Entw&APw-rfe\""),
    ("\\HasNoChildren \\Trash", "\"Gel&APY-schte Elemente\""),
    ("\\HasNoChildren \\Junk", "Junk"),
    ("\\HasNoChildren \\Archive", "Archive"),
    ("\\Noselect \\HasChildren", "\"[Gmail]\""),
    ("\\HasNoChildren \\All", "\"[Gmail]/All Mail\""),
    ("\\HasNoChildren \\Flagged", "\"[Gmail]/Starred\""),
    ("\\HasNoChildren \\Drafts", "\"&BCcENQRABD0EPgQyBDgEOgQ4-\""),
    (
        "\\HasNoChildren \\Sent",
        "\"&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-\"",
    ),
    ("\\HasNoChildren", "\"&kAFP4W4IMH8-\""),
    ("\\HasNoChildren \\Sent", "\"&AMk-l&AOk-ments envoy&AOk-s\""),
    ("\\HasChildren", "Projects"),
    (
        "\\HasNoChildren \\Marked",
        "\"Projects/2024/Q3 \\\"launch\\\"\"",
    ),
    ("\\HasNoChildren \\UnMarked", "\"Rechnungen &- Belege\""),
    (
        "\\HasNoChildren",
        "\"&BB8EMAQ,BDoEMA-/&BBIERQQ+BDQETwRJBDgENQ-\"",
    ),
    ("\\HasNoChildren \\Subscribed", "\"Bo&AO4-te d'envoi\""),
];

/// A generated sequence set and its facts, for ESEARCH's COUNT, MIN and MAX.
struct SequenceSet {
    text: String,
    members: u64,
    first: u64,
    last: u64,
}

struct Session {
    rng: Rng,
    out: Out,
    tag: u64,
}

impl Session {
    /// A tagged OK for the next command.
    fn done(&mut self, text: &str) {
        self.tag += 1;
        let tag = format!("A{:04}", self.tag);
        self.out.s(&tag).s(" OK ").s(text);
        self.out.end();
    }

    /// A sequence set of ascending numbers above `after` with at least `count` members, in runs
    /// and single numbers with gaps: `1:5,7,9:200,...`.
    fn sequence_set(&mut self, after: u64, count: u64) -> SequenceSet {
        let mut set = SequenceSet {
            text: String::new(),
            members: 0,
            first: 0,
            last: 0,
        };
        let mut at = after;
        while set.members < count {
            at += self.rng.range(1, 20);
            let run = if self.rng.percent(60) {
                self.rng.range(1, 300)
            } else {
                0
            };
            if set.text.is_empty() {
                set.first = at;
            } else {
                set.text.push(',');
            }
            if run == 0 {
                set.text.push_str(&at.to_string());
            } else {
                set.text.push_str(&format!("{at}:{}", at + run));
            }
            at += run;
            set.members += run + 1;
        }
        set.last = at;
        set
    }

    fn capability(&mut self) {
        self.out.s("* CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE QUOTA");
        self.out.end();
        self.done("Pre-login capabilities listed, post-login capabilities have more.");
    }

    fn list(&mut self) {
        for (attributes, name) in MAILBOXES {
            self.out.s("* LIST (").s(attributes).s(") \"/\" ").s(name);
            self.out.end();
        }
        self.done("List completed (0.002 + 0.000 + 0.001 secs).");
    }

    fn status(&mut self) {
        for (_, name) in MAILBOXES
            .iter()
            .filter(|(attributes, _)| !attributes.contains("Noselect"))
        {
            let messages = self.rng.log_uniform(1, 200_000);
            let uidnext = messages + self.rng.range(1, 50_000);
            self.out
                .s("* STATUS ")
                .s(name)
                .s(" (MESSAGES ")
                .num(messages);
            if self.rng.percent(20) {
                self.out.s(" RECENT ").num(self.rng.below(5));
            }
            self.out.s(" UIDNEXT ").num(uidnext);
            self.out
                .s(" UIDVALIDITY ")
                .num(self.rng.range(1_000_000_000, 1_800_000_000));
            self.out.s(" UNSEEN ").num(self.rng.below(messages + 1));
            self.out
                .s(" HIGHESTMODSEQ ")
                .num(self.rng.range(1, 9_000_000_000));
            self.out
                .s(" SIZE ")
                .num(messages * self.rng.range(5_000, 80_000))
                .s(")");
            self.out.end();
            self.done("Status completed (0.001 + 0.000 secs).");
        }
    }

    fn select(&mut self, exists: u64, uidnext: u64, modseq: u64) {
        let o = &mut self.out;
        o.s("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $Junk $NotJunk $MDNSent)");
        o.end();
        o.s("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $Junk $NotJunk $MDNSent \\*)] Flags permitted.");
        o.end();
        o.s("* ").num(exists).s(" EXISTS");
        o.end();
        o.s("* 0 RECENT");
        o.end();
        o.s("* OK [UIDVALIDITY 1700000000] UIDs valid");
        o.end();
        o.s("* OK [UIDNEXT ").num(uidnext).s("] Predicted next UID");
        o.end();
        o.s("* OK [HIGHESTMODSEQ ").num(modseq).s("] Highest");
        o.end();
        let vanished = self.rng.range(0, 6);
        for _ in 0..vanished {
            let (after, count) = (self.rng.range(1, 1_000), self.rng.range(3, 400));
            let set = self.sequence_set(after, count);
            self.out.s("* VANISHED (EARLIER) ").s(&set.text);
            self.out.end();
        }
        self.done("[READ-WRITE] Select completed (0.002 + 0.000 + 0.001 secs).");
    }

    /// `UID FETCH 1:* (FLAGS) (CHANGEDSINCE n)` results with IDLE-style interruptions.
    fn flag_sync(&mut self, exists: &mut u64, uid_base: u64, modseq: &mut u64) {
        let changed = self.rng.range(2_000, 6_000);
        let mut seq = 0;
        let mut uid = uid_base;
        for _ in 0..changed {
            seq += self.rng.range(1, 3);
            uid += self.rng.range(1, 4);
            *modseq += self.rng.range(1, 30);
            self.out
                .s("* ")
                .num(seq)
                .s(" FETCH (UID ")
                .num(uid)
                .s(" MODSEQ (")
                .num(*modseq)
                .s(") FLAGS (");
            flags(&mut self.out, &mut self.rng);
            self.out.s("))");
            self.out.end();
            if self.rng.percent(1) {
                match self.rng.below(3) {
                    0 => {
                        *exists += 1;
                        self.out.s("* ").num(*exists).s(" EXISTS");
                    }
                    1 => {
                        self.out
                            .s("* ")
                            .num(self.rng.range(1, *exists))
                            .s(" EXPUNGE");
                        *exists -= 1;
                    }
                    _ => {
                        self.out
                            .s("* ")
                            .num(self.rng.range(1, *exists))
                            .s(" FETCH (FLAGS (\\Seen))");
                    }
                }
                self.out.end();
            }
        }
        self.done("Fetch completed (0.011 + 0.000 + 0.010 secs).");
    }

    fn esearch(&mut self) {
        for _ in 0..self.rng.range(5, 15) {
            self.tag += 1;
            let tag = format!("A{:04}", self.tag);
            let (after, count) = (self.rng.range(0, 500), self.rng.log_uniform(1, 5_000));
            let set = self.sequence_set(after, count);
            self.out
                .s("* ESEARCH (TAG \"")
                .s(&tag)
                .s("\") UID COUNT ")
                .num(set.members);
            self.out.s(" MIN ").num(set.first).s(" MAX ").num(set.last);
            self.out.s(" ALL ").s(&set.text);
            self.out.end();
            self.out
                .s(&tag)
                .s(" OK Search completed (0.003 + 0.000 secs).");
            self.out.end();
        }
    }

    /// A SEARCH reply listing `count` ascending numbers, optionally with `(MODSEQ n)`.
    fn big_search(&mut self, count: usize, modseq: Option<u64>) {
        self.out.s("* SEARCH");
        let mut at = 0;
        for _ in 0..count {
            at += self.rng.range(1, 3);
            self.out.s(" ").num(at);
        }
        if let Some(modseq) = modseq {
            self.out.s(" (MODSEQ ").num(modseq).s(")");
        }
        self.out.end();
        self.done("Search completed (0.093 + 0.000 + 0.092 secs).");
    }

    fn idle_updates(&mut self, exists: &mut u64) {
        for _ in 0..self.rng.range(20, 80) {
            match self.rng.below(4) {
                0 => {
                    *exists += 1;
                    self.out.s("* ").num(*exists).s(" EXISTS");
                }
                1 => {
                    self.out
                        .s("* ")
                        .num(self.rng.range(1, *exists))
                        .s(" EXPUNGE");
                    *exists -= 1;
                }
                2 => {
                    let (after, count) = (self.rng.range(1, 50_000), self.rng.range(1, 20));
                    let set = self.sequence_set(after, count);
                    self.out.s("* VANISHED ").s(&set.text);
                }
                _ => {
                    self.out
                        .s("* ")
                        .num(self.rng.range(1, *exists))
                        .s(" FETCH (UID ")
                        .num(self.rng.range(1, 90_000))
                        .s(" MODSEQ (")
                        .num(self.rng.range(1, 9_000_000_000))
                        .s(") FLAGS (\\Seen \\Answered))");
                }
            }
            self.out.end();
        }
        self.done("Idle completed (0.001 + 29.999 secs).");
    }
}

/// A session: CAPABILITY, LIST and STATUS every mailbox, then rounds of SELECT with QRESYNC,
/// CONDSTORE flag sync, ESEARCH and IDLE updates, with a 100,000-number SEARCH and its
/// `(MODSEQ n)` variant in two of the rounds.
pub fn mix(scale: Scale) -> Corpus {
    let mut session = Session {
        rng: Rng::new(MIX_SEED),
        out: Out::with_capacity(16_000_000),
        tag: 0,
    };
    let rounds = scale.of(20);
    let search_len = scale.of(100_000);
    session.capability();
    for round in 0..rounds {
        session.list();
        session.status();
        let mut exists = session.rng.range(10_000, 60_000);
        let uidnext = exists + session.rng.range(1_000, 30_000);
        let mut modseq = session.rng.range(1_000_000, 9_000_000);
        session.select(exists, uidnext, modseq);
        let uid_base = session.rng.range(1, 1_000);
        session.flag_sync(&mut exists, uid_base, &mut modseq);
        session.esearch();
        if round == 0 {
            session.big_search(search_len, None);
        }
        if round == rounds / 2 {
            session.big_search(search_len, Some(modseq));
        }
        session.idle_updates(&mut exists);
    }
    session.out.into_corpus("mix")
}
