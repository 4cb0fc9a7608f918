//! Sequence sets: which messages a command applies to (RFC 9051 §9 `sequence-set`, RFC 5182
//! `$`).

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use super::EncodeError;

use super::UidRange;

/// One end of a range, or a single value: `seq-number = nz-number / "*"`.
///
/// Exhaustive on purpose: the grammar is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeqNumber {
    /// A message sequence number or UID.
    Value(NonZeroU32),
    /// `*`: the largest number in use in the mailbox (RFC 9051 §9).
    Largest,
}

impl SeqNumber {
    /// The value with `*` resolved to `largest`.
    fn resolve(self, largest: u32) -> u32 {
        match self {
            SeqNumber::Value(v) => v.get(),
            SeqNumber::Largest => largest,
        }
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqNumber::Value(v) => write!(f, "{v}"),
            SeqNumber::Largest => f.write_str("*"),
        }
    }
}

/// One element of a sequence set: `seq-number / seq-range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SequenceItem {
    /// `seq-number`
    Single(SeqNumber),
    /// `seq-range = seq-number ":" seq-number`; the bounds may come in either order
    /// (RFC 9051 §9: `2:4` and `4:2` are the same range).
    Range(SeqNumber, SeqNumber),
}

impl fmt::Display for SequenceItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SequenceItem::Single(n) => write!(f, "{n}"),
            SequenceItem::Range(a, b) => write!(f, "{a}:{b}"),
        }
    }
}

/// A validated `sequence-set`: what FETCH, STORE, COPY, SEARCH UID ... operate on.
///
/// It is either a non-empty list of numbers and ranges, where `*` stands for the largest number
/// in use, or `$`, the result of the last `SEARCH RETURN (SAVE)` (RFC 5182 §2), which can only
/// stand alone. Zero is never a valid number. [`fmt::Display`] gives the wire form and
/// [`FromStr`] parses it back.
///
/// ```
/// # use imap_proto_core::types::SequenceSet;
/// let set: SequenceSet = "1:4,7,10:*".parse().unwrap();
/// assert_eq!(set.to_string(), "1:4,7,10:*");
/// assert_eq!(SequenceSet::from_numbers([3, 1, 2, 9]).unwrap().to_string(), "1:3,9");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(into = "String", try_from = "String")
)]
pub struct SequenceSet {
    repr: Repr,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// `$` (RFC 5182 `seq-last-command`).
    SavedResult,
    /// A non-empty list.
    Items(Vec<SequenceItem>),
}

fn nonzero(n: u32, value: impl FnOnce() -> String) -> Result<NonZeroU32, EncodeError> {
    NonZeroU32::new(n).ok_or_else(|| EncodeError::InvalidSequenceSet {
        value: value(),
        reason: "0 is not a valid message number or UID",
    })
}

impl SequenceSet {
    /// One message: `n`. Fails for 0.
    pub fn single(n: u32) -> Result<Self, EncodeError> {
        let n = nonzero(n, || "0".to_owned())?;
        Ok(Self::from(n))
    }

    /// The range `start:end` (either order). Fails if either bound is 0.
    pub fn range(start: u32, end: u32) -> Result<Self, EncodeError> {
        let value = || format!("{start}:{end}");
        let a = nonzero(start, value)?;
        let b = nonzero(end, value)?;
        Ok(Self::item(SequenceItem::Range(
            SeqNumber::Value(a),
            SeqNumber::Value(b),
        )))
    }

    /// `start:*`: from `start` to the last message. Fails for 0.
    pub fn range_from(start: u32) -> Result<Self, EncodeError> {
        let a = nonzero(start, || "0:*".to_owned())?;
        Ok(Self::item(SequenceItem::Range(
            SeqNumber::Value(a),
            SeqNumber::Largest,
        )))
    }

    /// `1:*`: every message.
    pub fn all() -> Self {
        Self::item(SequenceItem::Range(
            SeqNumber::Value(NonZeroU32::MIN),
            SeqNumber::Largest,
        ))
    }

    /// `*`: the message with the largest number.
    pub fn largest() -> Self {
        Self::item(SequenceItem::Single(SeqNumber::Largest))
    }

    /// `$`: the saved result of the last `SEARCH RETURN (SAVE)` (RFC 5182 §2). Needs the
    /// `SEARCHRES` capability (or IMAP4rev2).
    pub fn saved_result() -> Self {
        SequenceSet {
            repr: Repr::SavedResult,
        }
    }

    fn item(item: SequenceItem) -> Self {
        SequenceSet {
            repr: Repr::Items(vec![item]),
        }
    }

    /// A set from explicit items, kept in the given order. Fails when `items` is empty.
    pub fn from_items(items: impl IntoIterator<Item = SequenceItem>) -> Result<Self, EncodeError> {
        let items: Vec<SequenceItem> = items.into_iter().collect();
        if items.is_empty() {
            return Err(EncodeError::InvalidSequenceSet {
                value: String::new(),
                reason: "a sequence set needs at least one number or range",
            });
        }
        Ok(SequenceSet {
            repr: Repr::Items(items),
        })
    }

    /// A compact set holding exactly the given numbers: sorted, duplicates dropped, runs of
    /// consecutive numbers joined into ranges (`[3, 1, 2, 9]` gives `1:3,9`). Fails when the
    /// iterator is empty or yields 0.
    pub fn from_numbers(numbers: impl IntoIterator<Item = u32>) -> Result<Self, EncodeError> {
        let mut numbers: Vec<u32> = numbers.into_iter().collect();
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.first() == Some(&0) {
            return Err(EncodeError::InvalidSequenceSet {
                value: "0".to_owned(),
                reason: "0 is not a valid message number or UID",
            });
        }
        Self::from_sorted_ranges(numbers.iter().map(|&n| (n, n)))
    }

    /// A compact set covering the given ranges (as a server reports them in VANISHED,
    /// COPYUID or ESEARCH): sorted and merged where they touch or overlap. Fails when the
    /// iterator is empty or a range includes 0.
    pub fn from_ranges(ranges: impl IntoIterator<Item = UidRange>) -> Result<Self, EncodeError> {
        let mut ranges: Vec<(u32, u32)> = ranges.into_iter().map(|r| (r.start, r.end)).collect();
        ranges.sort_unstable();
        if ranges.first().is_some_and(|r| r.0 == 0) {
            return Err(EncodeError::InvalidSequenceSet {
                value: "0".to_owned(),
                reason: "0 is not a valid message number or UID",
            });
        }
        Self::from_sorted_ranges(ranges.into_iter())
    }

    /// Merges sorted, non-zero `(start, end)` pairs (start <= end) into items.
    fn from_sorted_ranges(ranges: impl Iterator<Item = (u32, u32)>) -> Result<Self, EncodeError> {
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        let mut items = Vec::with_capacity(merged.len());
        for (start, end) in merged {
            let a = nonzero(start, || start.to_string())?;
            let b = nonzero(end, || end.to_string())?;
            items.push(if a == b {
                SequenceItem::Single(SeqNumber::Value(a))
            } else {
                SequenceItem::Range(SeqNumber::Value(a), SeqNumber::Value(b))
            });
        }
        Self::from_items(items)
    }

    /// True for `$` (RFC 5182).
    pub fn is_saved_result(&self) -> bool {
        matches!(self.repr, Repr::SavedResult)
    }

    /// True when the set uses `*` anywhere.
    pub fn uses_largest(&self) -> bool {
        self.items().iter().any(|item| match item {
            SequenceItem::Single(n) => *n == SeqNumber::Largest,
            SequenceItem::Range(a, b) => *a == SeqNumber::Largest || *b == SeqNumber::Largest,
        })
    }

    /// The numbers and ranges, in order; empty for `$`.
    pub fn items(&self) -> &[SequenceItem] {
        match &self.repr {
            Repr::SavedResult => &[],
            Repr::Items(items) => items,
        }
    }

    /// Whether `n` is in the set, without knowing the largest number in use.
    ///
    /// `a:*` contains every `n >= a` (whatever `*` resolves to, `n` is then between the two
    /// ends, or `n` is above every number in use). Returns `None` when the answer depends on
    /// what `*` or `$` stand for: always for `$` (the saved search result lives on the
    /// server); for a number below `a` that only `a:*` could match (when the largest number
    /// is below `a`, `a:*` means `largest:a`); and for a number only a bare `*` could match.
    /// Callers filtering server data should keep the data then (`contains(n).unwrap_or(true)`),
    /// or resolve `*` with [`SequenceSet::contains_with_largest`].
    pub fn contains(&self, n: u32) -> Option<bool> {
        let items = match &self.repr {
            Repr::SavedResult => return None,
            Repr::Items(items) => items,
        };
        let mut unknown = false;
        for item in items {
            match *item {
                SequenceItem::Single(SeqNumber::Value(v)) => {
                    if v.get() == n {
                        return Some(true);
                    }
                }
                SequenceItem::Range(SeqNumber::Value(a), SeqNumber::Value(b)) => {
                    let (lo, hi) = (a.get().min(b.get()), a.get().max(b.get()));
                    if (lo..=hi).contains(&n) {
                        return Some(true);
                    }
                }
                SequenceItem::Range(SeqNumber::Value(a), SeqNumber::Largest)
                | SequenceItem::Range(SeqNumber::Largest, SeqNumber::Value(a)) => {
                    if n >= a.get() {
                        return Some(true);
                    }
                    unknown = true;
                }
                SequenceItem::Single(SeqNumber::Largest)
                | SequenceItem::Range(SeqNumber::Largest, SeqNumber::Largest) => unknown = true,
            }
        }
        if unknown { None } else { Some(false) }
    }

    /// Whether `n` is in the set when the largest number in use is `largest` (what `*`
    /// stands for). `None` only for `$`.
    pub fn contains_with_largest(&self, n: u32, largest: u32) -> Option<bool> {
        let items = match &self.repr {
            Repr::SavedResult => return None,
            Repr::Items(items) => items,
        };
        Some(items.iter().any(|item| match *item {
            SequenceItem::Single(v) => v.resolve(largest) == n,
            SequenceItem::Range(a, b) => {
                let (a, b) = (a.resolve(largest), b.resolve(largest));
                (a.min(b)..=a.max(b)).contains(&n)
            }
        }))
    }
}

impl From<NonZeroU32> for SequenceSet {
    fn from(n: NonZeroU32) -> Self {
        Self::item(SequenceItem::Single(SeqNumber::Value(n)))
    }
}

impl TryFrom<u32> for SequenceSet {
    type Error = EncodeError;

    fn try_from(n: u32) -> Result<Self, EncodeError> {
        Self::single(n)
    }
}

impl TryFrom<&[u32]> for SequenceSet {
    type Error = EncodeError;

    fn try_from(numbers: &[u32]) -> Result<Self, EncodeError> {
        Self::from_numbers(numbers.iter().copied())
    }
}

impl TryFrom<UidRange> for SequenceSet {
    type Error = EncodeError;

    fn try_from(range: UidRange) -> Result<Self, EncodeError> {
        Self::from_ranges([range])
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::SavedResult => f.write_str("$"),
            Repr::Items(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
        }
    }
}

/// `seq-number = nz-number / "*"`, with `nz-number = digit-nz *DIGIT` (no leading zero).
fn parse_seq_number(text: &str, whole: &str) -> Result<SeqNumber, EncodeError> {
    let refuse = |reason| EncodeError::InvalidSequenceSet {
        value: whole.to_owned(),
        reason,
    };
    if text == "*" {
        return Ok(SeqNumber::Largest);
    }
    if text.is_empty() {
        return Err(refuse("empty element"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse("elements are numbers, '*' or ranges a:b"));
    }
    if text.starts_with('0') {
        return Err(refuse("numbers are non-zero and have no leading zero"));
    }
    let n: u32 = text
        .parse()
        .map_err(|_| refuse("number larger than 4294967295"))?;
    nonzero(n, || whole.to_owned()).map(SeqNumber::Value)
}

impl From<SequenceSet> for String {
    /// The wire form (as [`fmt::Display`] writes it).
    fn from(set: SequenceSet) -> String {
        set.to_string()
    }
}

impl TryFrom<String> for SequenceSet {
    type Error = EncodeError;

    /// Parses the wire form (see [`FromStr`]).
    fn try_from(text: String) -> Result<Self, EncodeError> {
        text.parse()
    }
}

impl FromStr for SequenceSet {
    type Err = EncodeError;

    /// Parses the wire form: `sequence-set = (seq-number / seq-range) ["," sequence-set]` or
    /// `$` alone (RFC 5182). No spaces, no zero, no empty elements.
    fn from_str(text: &str) -> Result<Self, EncodeError> {
        if text == "$" {
            return Ok(Self::saved_result());
        }
        let mut items = Vec::new();
        for part in text.split(',') {
            let item = match part.split_once(':') {
                Some((a, b)) => {
                    SequenceItem::Range(parse_seq_number(a, text)?, parse_seq_number(b, text)?)
                }
                None => SequenceItem::Single(parse_seq_number(part, text)?),
            };
            items.push(item);
        }
        Self::from_items(items).map_err(|_| EncodeError::InvalidSequenceSet {
            value: text.to_owned(),
            reason: "empty",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_known_forms() {
        for text in ["1", "*", "$", "1:*", "4:2", "1,3:5,7:*,*", "4294967295"] {
            let set: SequenceSet = text.parse().unwrap();
            assert_eq!(set.to_string(), text);
        }
    }

    #[test]
    fn refuses_malformed_sets() {
        for bad in [
            "",
            "0",
            "1,",
            ",1",
            "1,,2",
            "1:",
            ":2",
            "0:5",
            "01",
            "1 ",
            " 1",
            "1:2:3",
            "$,1",
            "1,$",
            "4294967296",
            "a",
            "-1",
            "+1",
            "1\r\n",
        ] {
            assert!(
                matches!(
                    bad.parse::<SequenceSet>(),
                    Err(EncodeError::InvalidSequenceSet { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn constructors() {
        assert_eq!(SequenceSet::single(7).unwrap().to_string(), "7");
        assert!(SequenceSet::single(0).is_err());
        assert_eq!(SequenceSet::range(9, 2).unwrap().to_string(), "9:2");
        assert!(SequenceSet::range(0, 2).is_err());
        assert_eq!(SequenceSet::range_from(5).unwrap().to_string(), "5:*");
        assert_eq!(SequenceSet::all().to_string(), "1:*");
        assert_eq!(SequenceSet::largest().to_string(), "*");
        assert_eq!(SequenceSet::saved_result().to_string(), "$");
        assert_eq!(
            SequenceSet::from_numbers([5, 1, 2, 3, 3, 9, 10])
                .unwrap()
                .to_string(),
            "1:3,5,9:10"
        );
        assert!(SequenceSet::from_numbers([]).is_err());
        assert!(SequenceSet::from_numbers([0, 1]).is_err());
        assert_eq!(
            SequenceSet::from_numbers([u32::MAX, u32::MAX - 1])
                .unwrap()
                .to_string(),
            "4294967294:4294967295"
        );
        assert_eq!(
            SequenceSet::from_ranges([
                UidRange::new(5, 8),
                UidRange::new(1, 4),
                UidRange::single(20)
            ])
            .unwrap()
            .to_string(),
            "1:8,20"
        );
        assert!(SequenceSet::from_ranges([UidRange::new(0, 3)]).is_err());
        assert_eq!(
            SequenceSet::try_from(&[4u32, 5][..]).unwrap().to_string(),
            "4:5"
        );
    }

    #[test]
    fn membership() {
        let set: SequenceSet = "2:4,9,20:*".parse().unwrap();
        assert_eq!(set.contains(3), Some(true));
        assert_eq!(set.contains(9), Some(true));
        // 5 is below 20, but `20:*` is `*:20` when the largest number is under 20.
        assert_eq!(set.contains(5), None);
        assert_eq!(set.contains_with_largest(5, 30), Some(false));
        assert_eq!(set.contains_with_largest(5, 4), Some(true));
        let bounded: SequenceSet = "2:4,9".parse().unwrap();
        assert_eq!(bounded.contains(5), Some(false));
        assert_eq!(set.contains(1000), Some(true));
        assert_eq!(set.contains_with_largest(1000, 30), Some(false));
        assert_eq!(set.contains_with_largest(25, 30), Some(true));
        let reversed: SequenceSet = "4:2".parse().unwrap();
        assert_eq!(reversed.contains(3), Some(true));
        let star: SequenceSet = "5,*".parse().unwrap();
        assert_eq!(star.contains(5), Some(true));
        assert_eq!(star.contains(6), None);
        assert_eq!(star.contains_with_largest(6, 6), Some(true));
        assert_eq!(star.contains_with_largest(6, 7), Some(false));
        assert_eq!(SequenceSet::saved_result().contains(1), None);
        assert!(SequenceSet::saved_result().is_saved_result());
        assert!(set.uses_largest());
        assert!(!reversed.uses_largest());
    }
}
