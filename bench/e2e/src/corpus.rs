//! The seeded mailbox: `MESSAGES` varied messages from a fixed seed, so every run fetches
//! the same bytes. Sizes from a few hundred bytes to 60 KB (about 2 KB on average), single
//! parts and MIME trees up to four levels deep (alternative, mixed, related, an attached
//! message), RFC 2047 encoded words (B and Q, UTF-8 and Latin-1) in names and subjects,
//! RFC 2231 parameters, raw 8-bit subjects, folded `References`, flags on some messages.

/// How many messages the benchmark mailbox holds.
pub const MESSAGES: u32 = 20_000;

/// A small deterministic generator (xorshift64*): the corpus must not depend on a crate's
/// random stream changing between versions.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "meeting",
    "report",
    "budget",
    "the",
    "and",
    "of",
    "quarterly",
    "review",
    "please",
    "find",
    "attached",
    "draft",
    "schedule",
    "tomorrow",
    "project",
    "update",
    "thanks",
    "regards",
    "invoice",
    "shipment",
    "delayed",
    "question",
    "about",
    "server",
    "migration",
    "release",
    "notes",
    "holiday",
    "plans",
    "lunch",
    "on",
    "friday",
    "agenda",
    "minutes",
    "customer",
];

const NAMES: &[&str] = &[
    "Alice Example",
    "=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?=",
    "=?ISO-8859-1?Q?Fran=E7ois_Ch=E2teau?=",
    "\"Smith, Bob\"",
    "=?UTF-8?Q?=E5=B1=B1=E7=94=B0_=E5=A4=AA=E9=83=8E?=",
    "Carol",
    "",
];

const SUBJECTS: &[&str] = &[
    "Quarterly report",
    "=?UTF-8?B?UmU6IMOcYmVyc2ljaHQgZGVyIFByb2pla3Rl?=",
    "=?ISO-8859-1?Q?R=E9union_de_l'=E9quipe?=",
    "Re: [list] release notes for 2.3 \"final\" (please read)",
    "=?UTF-8?Q?=F0=9F=93=85_Calendar_invite?= for friday",
    "Fwd: invoice #4411",
    "Grüße aus Köln (8-bit, unencoded)",
];

fn words(rng: &mut Rng, bytes: usize, line: usize) -> String {
    let mut text = String::with_capacity(bytes + 80);
    let mut col = 0;
    while text.len() < bytes {
        let word = rng.pick(WORDS);
        text.push_str(word);
        col += word.len() + 1;
        if col > line {
            text.push_str("\r\n");
            col = 0;
        } else {
            text.push(' ');
        }
    }
    text.push_str("\r\n");
    text
}

/// Base64-looking lines (76 characters) of about `bytes` bytes: an attachment's body.
fn base64_lines(rng: &mut Rng, bytes: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes + bytes / 76 * 2 + 2);
    while text.len() < bytes {
        for _ in 0..76 {
            text.push(ALPHABET[rng.below(64) as usize] as char);
        }
        text.push_str("\r\n");
    }
    text
}

/// A body size: mostly small, a long tail.
fn size(rng: &mut Rng) -> usize {
    match rng.below(100) {
        0 => 20_000 + rng.below(40_000) as usize,
        1..=10 => 3_000 + rng.below(6_000) as usize,
        _ => 150 + rng.below(1_200) as usize,
    }
}

fn address(rng: &mut Rng, n: u64) -> String {
    let name = rng.pick(NAMES);
    let mailbox = format!("user{}@host{}.example", rng.below(500), n % 7);
    if name.is_empty() {
        mailbox
    } else {
        format!("{name} <{mailbox}>")
    }
}

fn text_part(rng: &mut Rng, bytes: usize) -> String {
    if rng.below(3) == 0 {
        format!(
            "Content-Type: text/plain; charset=\"utf-8\"; format=flowed\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{}",
            words(rng, bytes, 72)
        )
    } else {
        format!(
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n{}",
            words(rng, bytes, 72)
        )
    }
}

fn html_part(rng: &mut Rng, bytes: usize) -> String {
    format!(
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         <html><body><p>{}</p></body></html>\r\n",
        words(rng, bytes, 70)
    )
}

fn attachment(rng: &mut Rng, bytes: usize) -> String {
    let (kind, name) = match rng.below(3) {
        0 => (
            "application/pdf",
            "name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"",
        ),
        1 => (
            "image/png",
            "name*=UTF-8''%E5%9B%BE%E7%89%87.png\r\nContent-Disposition: inline;\r\n \
             filename*0*=UTF-8''%E5%9B%BE%E7%89%87;\r\n filename*1=\".png\"",
        ),
        _ => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "name=\"=?UTF-8?B?w5xiZXJzaWNodC54bHN4?=\"\r\nContent-Disposition: attachment;\r\n \
             filename*=iso-8859-1'de'%DCbersicht.xlsx; size=4096",
        ),
    };
    format!(
        "Content-Type: {kind};\r\n {name}\r\nContent-Transfer-Encoding: base64\r\n\
         Content-ID: <part{}@example>\r\n\r\n{}",
        rng.below(1 << 20),
        base64_lines(rng, bytes)
    )
}

fn multipart(subtype: &str, boundary: &str, parts: &[String]) -> String {
    let mut text = format!(
        "Content-Type: multipart/{subtype};\r\n boundary=\"{boundary}\"\r\n\r\n\
         This is a multi-part message in MIME format.\r\n"
    );
    for part in parts {
        text.push_str(&format!("--{boundary}\r\n{part}"));
    }
    text.push_str(&format!("--{boundary}--\r\n"));
    text
}

fn headers(rng: &mut Rng, n: u32) -> String {
    let mut text = format!(
        "Date: {}, {:02} Mar 2026 {:02}:{:02}:{:02} +0{}00\r\n\
         From: {}\r\nTo: {}\r\nSubject: {} {n}\r\nMessage-ID: <m{n}.{}@example.org>\r\n\
         MIME-Version: 1.0\r\n",
        ["Mon", "Tue", "Wed", "Thu", "Fri"][rng.below(5) as usize],
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.below(9),
        address(rng, 1),
        address(rng, 2),
        rng.pick(SUBJECTS),
        rng.below(1 << 30),
    );
    if rng.below(3) == 0 {
        text.push_str(&format!(
            "Cc: {}, {},\r\n {}\r\n",
            address(rng, 3),
            address(rng, 4),
            address(rng, 5)
        ));
    }
    if n > 1 && rng.below(2) == 0 {
        let parent = 1 + rng.below(u64::from(n - 1));
        text.push_str(&format!(
            "In-Reply-To: <m{parent}.1@example.org>\r\nReferences:"
        ));
        for k in 0..1 + rng.below(8) {
            text.push_str(&format!(
                "\r\n <m{}.{k}@example.org>",
                rng.below(u64::from(n))
            ));
        }
        text.push_str("\r\n");
    }
    text
}

/// Message `n` (1-based) of the corpus.
pub fn message(rng: &mut Rng, n: u32) -> Vec<u8> {
    let mut text = headers(rng, n);
    let body = size(rng);
    let tag = rng.below(1 << 40);
    let mime = match rng.below(10) {
        0..=3 => text_part(rng, body),
        4..=5 => {
            let parts = [text_part(rng, body / 2), html_part(rng, body / 2)];
            multipart("alternative", &format!("alt-{tag}"), &parts)
        }
        6..=7 => {
            let parts = [text_part(rng, body / 3), attachment(rng, body)];
            multipart("mixed", &format!("mix-{tag}"), &parts)
        }
        8 => {
            let alternative = multipart(
                "alternative",
                &format!("alt-{tag}"),
                &[text_part(rng, body / 3), html_part(rng, body / 3)],
            );
            let related = multipart(
                "related",
                &format!("rel-{tag}"),
                &[alternative, attachment(rng, body / 2)],
            );
            multipart(
                "mixed",
                &format!("mix-{tag}"),
                &[related, attachment(rng, body / 2)],
            )
        }
        _ => {
            let inner = format!(
                "Content-Type: message/rfc822\r\n\r\n{}{}",
                headers(rng, n),
                text_part(rng, body / 2)
            );
            multipart(
                "mixed",
                &format!("fwd-{tag}"),
                &[text_part(rng, body / 4), inner],
            )
        }
    };
    text.push_str(&mime);
    text.into_bytes()
}
