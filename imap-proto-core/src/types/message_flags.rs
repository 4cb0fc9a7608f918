//! [`MessageFlags`]: the flags of one message as a FETCH returns them (`FLAGS`, RFC 9051
//! §7.5.2 and §2.3.2; RFC 3501 §7.4.2).
//!
//! Nearly every FETCH carries `FLAGS`, so this is the one value every message pays for. A
//! `Vec<Flag>` cost an allocation per message and a buffer reference per keyword; here the
//! list is one `Bytes` of its text: the wire text between the parentheses when it names a
//! keyword or an extension flag, and otherwise a static text of its system flags (so a list
//! of system flags alone needs no allocation and pins no read buffer, issue 15 item 2).
//! The text is checked when parsed, also when read back from storage (the serde impls in
//! parse/stored.rs); [`MessageFlags::iter`] reads it back.

use std::fmt;

use bytes::Bytes;

use super::Flag;

/// The flags of one message (`"FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"`).
///
/// Iterate it for [`Flag`] values, in the order the server sent them; a list of system
/// flags alone (`\Seen \Answered \Flagged \Deleted \Draft \Recent`) is kept in that fixed
/// order, each once. Compare lists with `==` as sets. Keywords compare ASCII
/// case-insensitively, as servers do (RFC 9051 §9, note 1).
#[derive(Clone, Default)]
pub struct MessageFlags {
    /// Flags separated by one or more spaces, every one checked (`flag-fetch`, or `\*`).
    text: Bytes,
}

/// The system flags a list of them alone is stored as, by bit: bit `k` is `SYSTEM[k]`
/// ([`MessageFlags::system_bit`]).
const SYSTEM: [&str; 6] = [
    "\\Seen",
    "\\Answered",
    "\\Flagged",
    "\\Deleted",
    "\\Draft",
    "\\Recent",
];

/// The longest text of [`SYSTEM`] flags: all six, separated by spaces.
const LONGEST: usize = 48;

/// Every set of [`SYSTEM`] flags as text, indexed by its bits, and each text's length.
static SYSTEM_TEXTS: ([[u8; LONGEST]; 64], [u8; 64]) = system_texts();

const fn system_texts() -> ([[u8; LONGEST]; 64], [u8; 64]) {
    let mut texts = [[0u8; LONGEST]; 64];
    let mut lens = [0u8; 64];
    let mut bits = 0;
    while bits < 64 {
        let mut len = 0;
        let mut k = 0;
        while k < SYSTEM.len() {
            if bits & (1 << k) != 0 {
                if len > 0 {
                    texts[bits][len] = b' ';
                    len += 1;
                }
                let name = SYSTEM[k].as_bytes();
                let mut c = 0;
                while c < name.len() {
                    texts[bits][len] = name[c];
                    len += 1;
                    c += 1;
                }
            }
            k += 1;
        }
        lens[bits] = len as u8;
        bits += 1;
    }
    (texts, lens)
}

impl MessageFlags {
    /// The list whose text the parser checked: every flag an atom, `\`-atom or `\*`,
    /// separated by spaces.
    pub(crate) fn from_checked(text: Bytes) -> Self {
        MessageFlags { text }
    }

    /// The list of the system flags whose bits are set (bit `k` is `\Seen`, `\Answered`,
    /// `\Flagged`, `\Deleted`, `\Draft`, `\Recent` for `k` = 0..5); a static text.
    pub(crate) fn system(bits: u8) -> Self {
        let bits = usize::from(bits & 63);
        let (texts, lens) = &SYSTEM_TEXTS;
        MessageFlags {
            text: Bytes::from_static(&texts[bits][..usize::from(lens[bits])]),
        }
    }

    /// The list of `flags`, for tests that compare parsed lists with a list they write.
    #[cfg(test)]
    pub(crate) fn of(flags: &[Flag]) -> Self {
        let text: Vec<String> = flags.iter().map(Flag::to_string).collect();
        MessageFlags::from_checked(Bytes::from(text.join(" ")))
    }

    /// The bit of a system flag in [`MessageFlags::system`], 0 for any other flag.
    #[inline(always)]
    pub(crate) fn system_bit(flag: &Flag) -> u8 {
        match flag {
            Flag::Seen => 1,
            Flag::Answered => 2,
            Flag::Flagged => 4,
            Flag::Deleted => 8,
            Flag::Draft => 16,
            Flag::Recent => 32,
            _ => 0,
        }
    }

    /// The flags; see the type's documentation for their order.
    pub fn iter(&self) -> MessageFlagsIter<'_> {
        MessageFlagsIter {
            text: &self.text,
            words: self.words(),
        }
    }

    /// Whether the message has `flag`; keywords and extension flags are matched ASCII
    /// case-insensitively (RFC 9051 §9, note 1), as servers match them.
    pub fn contains(&self, flag: &Flag) -> bool {
        self.words()
            .any(|(start, end)| same_flag(flag, &self.text[start..end]))
    }

    /// How many flags the list holds.
    pub fn len(&self) -> usize {
        self.words().count()
    }

    /// Whether the list is empty (`FLAGS ()`).
    pub fn is_empty(&self) -> bool {
        self.words().next().is_none()
    }

    /// The flags as a `Vec`, in [`MessageFlags::iter`]'s order.
    pub fn to_vec(&self) -> Vec<Flag> {
        self.iter().collect()
    }

    /// The text, for a copy that owns its bytes ([`super::detach`]); a static text stays
    /// as it is.
    pub(crate) fn text(&self) -> &Bytes {
        &self.text
    }

    /// Each flag's byte range in the text.
    fn words(&self) -> Words<'_> {
        Words {
            text: &self.text,
            at: 0,
        }
    }

    /// The bits of the system flags when the list holds nothing else, for a copy that keeps
    /// a static text.
    pub(crate) fn system_only(&self) -> Option<u8> {
        self.iter()
            .try_fold(0u8, |bits, flag| match Self::system_bit(&flag) {
                0 => None,
                bit => Some(bits | bit),
            })
    }
}

/// Whether the flag text `word` (with its backslash, if any) names `flag`.
fn same_flag(flag: &Flag, word: &[u8]) -> bool {
    match (flag, word.strip_prefix(b"\\")) {
        (Flag::Keyword(name), None) => name.eq_ignore_ascii_case(word),
        (Flag::Extension(name), Some(rest)) => {
            name.eq_ignore_ascii_case(rest) && Flag::system(rest).is_none()
        }
        (Flag::Keyword(_) | Flag::Extension(_), _) | (_, None) => false,
        (system, Some(rest)) => Flag::system(rest).as_ref() == Some(system),
    }
}

/// Byte ranges of the space-separated words of a flag list's text.
#[derive(Debug, Clone)]
struct Words<'a> {
    text: &'a [u8],
    at: usize,
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let rest = self.text.get(self.at..)?;
        let start = self.at + rest.iter().position(|&b| b != b' ')?;
        let len = self.text[start..]
            .iter()
            .position(|&b| b == b' ')
            .unwrap_or(self.text.len() - start);
        self.at = start + len;
        Some((start, start + len))
    }
}

/// The flags of a [`MessageFlags`], from [`MessageFlags::iter`].
#[derive(Debug, Clone)]
pub struct MessageFlagsIter<'a> {
    text: &'a Bytes,
    words: Words<'a>,
}

impl Iterator for MessageFlagsIter<'_> {
    type Item = Flag;

    fn next(&mut self) -> Option<Flag> {
        let (start, end) = self.words.next()?;
        Some(match self.text[start..end].strip_prefix(b"\\") {
            Some(name) => Flag::system(name)
                .unwrap_or_else(|| Flag::Extension(self.text.slice(start + 1..end))),
            None => Flag::Keyword(self.text.slice(start..end)),
        })
    }
}

impl<'a> IntoIterator for &'a MessageFlags {
    type Item = Flag;
    type IntoIter = MessageFlagsIter<'a>;

    fn into_iter(self) -> MessageFlagsIter<'a> {
        self.iter()
    }
}

/// The same set of flags: each flag of one is in the other. A flag's spellings differ only
/// in case (system flags too: `\\SEEN` is `\\Seen`), and flags are compared as servers
/// compare them, ASCII case-insensitively (RFC 9051 §9, note 1).
impl PartialEq for MessageFlags {
    fn eq(&self, other: &Self) -> bool {
        self.covers(other) && other.covers(self)
    }
}

impl MessageFlags {
    /// Whether every flag of `other` is in `self`.
    fn covers(&self, other: &Self) -> bool {
        other.words().all(|(start, end)| {
            let theirs = &other.text[start..end];
            self.words()
                .any(|(start, end)| self.text[start..end].eq_ignore_ascii_case(theirs))
        })
    }
}

impl Eq for MessageFlags {}

impl fmt::Debug for MessageFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The list as it is written in IMAP: `(\Seen $Junk)`.
impl fmt::Display for MessageFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (n, flag) in self.iter().enumerate() {
            if n > 0 {
                f.write_str(" ")?;
            }
            fmt::Display::fmt(&flag, f)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &'static str) -> MessageFlags {
        MessageFlags::from_checked(Bytes::from_static(text.as_bytes()))
    }

    #[test]
    fn every_system_set_reads_back_as_its_bits() {
        for bits in 0..64u8 {
            let flags = MessageFlags::system(bits);
            let read: Vec<Flag> = flags.iter().collect();
            assert_eq!(read.len(), bits.count_ones() as usize);
            for flag in &read {
                assert_ne!(
                    bits & MessageFlags::system_bit(flag),
                    0,
                    "{flag:?} in {bits:#b}"
                );
            }
            assert_eq!(flags.system_only(), Some(bits));
            assert_eq!(flags.is_empty(), bits == 0);
        }
    }

    #[test]
    fn each_bit_is_its_flag() {
        for (k, name) in SYSTEM.iter().enumerate() {
            let flag = Flag::system(&name.as_bytes()[1..]).expect("a system flag");
            assert_eq!(MessageFlags::system_bit(&flag), 1 << k);
        }
        assert_eq!(MessageFlags::system_bit(&Flag::MayCreate), 0);
        assert_eq!(MessageFlags::system_bit(&Flag::keyword("$Junk")), 0);
    }

    #[test]
    fn reads_flags_in_wire_order() {
        let flags = parsed("\\Seen  $Junk \\X-Custom \\RECENT NonJunk \\*");
        assert_eq!(
            flags.to_vec(),
            vec![
                Flag::Seen,
                Flag::keyword("$Junk"),
                Flag::Extension(Bytes::from_static(b"X-Custom")),
                Flag::Recent,
                Flag::keyword("NonJunk"),
                Flag::MayCreate,
            ]
        );
        assert_eq!(flags.len(), 6);
        assert_eq!(flags.system_only(), None);
        assert_eq!(
            flags.to_string(),
            "(\\Seen $Junk \\X-Custom \\Recent NonJunk \\*)"
        );
    }

    #[test]
    fn contains_matches_as_servers_do() {
        let flags = parsed("\\seen $junk \\X-Custom");
        assert!(flags.contains(&Flag::Seen));
        assert!(flags.contains(&Flag::keyword("$Junk")));
        assert!(flags.contains(&Flag::Extension(Bytes::from_static(b"x-custom"))));
        assert!(!flags.contains(&Flag::Answered));
        assert!(!flags.contains(&Flag::keyword("\\Seen")));
        assert!(!flags.contains(&Flag::keyword("X-Custom")));
        assert!(!flags.contains(&Flag::Extension(Bytes::from_static(b"$junk"))));
        // `\Seen` is never an extension flag, however it is spelled.
        assert!(!flags.contains(&Flag::Extension(Bytes::from_static(b"Seen"))));
    }

    #[test]
    fn equality_is_of_sets() {
        assert_eq!(parsed("\\Answered \\Seen"), MessageFlags::system(0b11));
        assert_eq!(parsed("$a \\SEEN"), parsed("\\Seen $A"));
        assert_eq!(parsed("$a $a"), parsed("$A"));
        assert_ne!(parsed("$a"), parsed("$b"));
        assert_ne!(parsed("\\Seen"), parsed(""));
        assert_eq!(MessageFlags::default(), MessageFlags::system(0));
    }
}
