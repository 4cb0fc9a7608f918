//! What mailbox synchronisation keeps between sessions and what one sync reports
//! (RFC 7162 §3.2.5 QRESYNC, §3.1 CONDSTORE; RFC 9051 §2.3.1.1 UIDVALIDITY).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::{Flag, SequenceSet, UidRange};

/// A set of UIDs kept as sorted, disjoint, non-touching ranges: a mailbox of 20,000
/// messages with a few gaps is a handful of ranges, not 20,000 numbers.
///
/// Its text form is an IMAP `sequence-set` of values (`1:4,7,9:20`, RFC 9051 §9), used by
/// [`fmt::Display`], [`FromStr`] and the `serde` feature: stable and compact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UidSet {
    ranges: Vec<UidRange>,
}

impl UidSet {
    /// The empty set.
    pub fn new() -> Self {
        UidSet::default()
    }

    /// The set covering `ranges` (in any order, overlapping or not; UID 0 is dropped).
    pub fn from_ranges(ranges: impl IntoIterator<Item = UidRange>) -> Self {
        let mut ranges: Vec<UidRange> = ranges
            .into_iter()
            .filter(|r| r.end > 0)
            .map(|r| UidRange::new(r.start.max(1), r.end))
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<UidRange> = Vec::with_capacity(ranges.len());
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end.saturating_add(1) => {
                    last.end = last.end.max(range.end)
                }
                _ => merged.push(range),
            }
        }
        UidSet { ranges: merged }
    }

    /// The ranges, ascending and disjoint.
    pub fn ranges(&self) -> &[UidRange] {
        &self.ranges
    }

    /// True when the set holds no UID.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// How many UIDs the set holds.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(UidRange::len).sum()
    }

    /// True if `uid` is in the set (a binary search over the ranges).
    pub fn contains(&self, uid: u32) -> bool {
        let after = self.ranges.partition_point(|r| r.end < uid);
        self.ranges.get(after).is_some_and(|r| r.start <= uid)
    }

    /// The highest UID, if any.
    pub fn max(&self) -> Option<u32> {
        self.ranges.last().map(|r| r.end)
    }

    /// The UIDs, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(UidRange::iter)
    }

    /// Adds one UID.
    pub fn insert(&mut self, uid: u32) {
        if uid == 0 || self.contains(uid) {
            return;
        }
        // Appending above the highest range is the common case (new mail).
        match self.ranges.last_mut() {
            Some(last) if last.end.checked_add(1) == Some(uid) => last.end = uid,
            Some(last) if last.end < uid => self.ranges.push(UidRange::single(uid)),
            None => self.ranges.push(UidRange::single(uid)),
            Some(_) => *self = self.union(&UidSet::from(UidRange::single(uid))),
        }
    }

    /// The UIDs in either set.
    pub fn union(&self, other: &UidSet) -> UidSet {
        UidSet::from_ranges(self.ranges.iter().chain(&other.ranges).copied())
    }

    /// The UIDs in `self` but not in `other`, worked out on range bounds.
    pub fn difference(&self, other: &UidSet) -> UidSet {
        let mut out = Vec::new();
        let mut cut = other.ranges.iter().peekable();
        for range in &self.ranges {
            let mut start = range.start;
            let end = range.end;
            while let Some(c) = cut.peek() {
                if c.end < start {
                    cut.next();
                    continue;
                }
                if c.start > end {
                    break;
                }
                if c.start > start {
                    out.push(UidRange::new(start, c.start - 1));
                }
                if c.end >= end {
                    start = 0;
                    break;
                }
                start = c.end + 1;
                cut.next();
            }
            if start != 0 {
                out.push(UidRange::new(start, end));
            }
        }
        UidSet { ranges: out }
    }

    /// The UIDs in both sets.
    pub fn intersection(&self, other: &UidSet) -> UidSet {
        self.difference(&self.difference(other))
    }

    /// The set as a command argument (`None` when empty: a sequence set cannot be).
    pub fn to_sequence_set(&self) -> Option<SequenceSet> {
        SequenceSet::from_ranges(self.ranges.iter().copied()).ok()
    }
}

impl From<UidRange> for UidSet {
    fn from(range: UidRange) -> Self {
        UidSet::from_ranges([range])
    }
}

impl FromIterator<u32> for UidSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut uids: Vec<u32> = iter.into_iter().collect();
        uids.sort_unstable();
        UidSet::from_ranges(uids.into_iter().map(UidRange::single))
    }
}

impl fmt::Display for UidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.start == r.end {
                write!(f, "{}", r.start)?;
            } else {
                write!(f, "{}:{}", r.start, r.end)?;
            }
        }
        Ok(())
    }
}

/// Why a text is not a [`UidSet`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a UID set: {0:?}")]
pub struct UidSetParseError(String);

impl FromStr for UidSet {
    type Err = UidSetParseError;
    /// Reads the [`fmt::Display`] form; the empty string is the empty set.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UidSetParseError(s.chars().take(64).collect());
        if s.is_empty() {
            return Ok(UidSet::new());
        }
        let number = |n: &str| n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(bad);
        let ranges = s
            .split(',')
            .map(|item| match item.split_once(':') {
                Some((a, b)) => Ok(UidRange::new(number(a)?, number(b)?)),
                None => Ok(UidRange::single(number(item)?)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(UidSet::from_ranges(ranges))
    }
}

/// What a client keeps about one mailbox between sessions, to ask the server only for what
/// changed since (RFC 7162 §3.2.5: `uidvalidity`, `mod-sequence-value`, `known-uids`).
///
/// Plain data. With the `serde` feature it serialises with stable field names, the UID set
/// and each message's flags in their IMAP text forms (`"1:500,502"`, `"\\Seen $Junk"`): a
/// mailbox without per-message flags is a few dozen bytes, so thousands of them are cheap.
///
/// Start with [`MailboxState::new`] (or [`MailboxState::tracking_flags`]) and keep the
/// [`SyncDelta::state`] each sync returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MailboxState {
    /// The mailbox's UIDVALIDITY (RFC 9051 §2.3.1.1); 0 when never synced.
    pub uid_validity: u32,
    /// HIGHESTMODSEQ as of the last sync (RFC 7162 §3.1.2.1), when the server has
    /// mod-sequences: the next sync asks only for changes above it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub highest_modseq: Option<u64>,
    /// UIDNEXT as of the last sync (informative: new mail is found by UID or mod-sequence).
    #[cfg_attr(feature = "serde", serde(default))]
    pub uid_next: Option<u32>,
    /// Every UID the client holds.
    #[cfg_attr(feature = "serde", serde(with = "serde_text"))]
    pub known_uids: UidSet,
    /// Each known message's flags (without `\Recent`), when the client keeps them: then a
    /// sync without CONDSTORE reports only the flags that changed, and the mirror of the
    /// flags is complete. `None` keeps the state small.
    #[cfg_attr(feature = "serde", serde(default, with = "serde_flags"))]
    pub flags: Option<BTreeMap<u32, Vec<Flag>>>,
}

impl MailboxState {
    /// A mailbox never synced: the first sync reports every message as new.
    pub fn new() -> Self {
        MailboxState::default()
    }

    /// A mailbox never synced whose per-message flags the sync should keep.
    pub fn tracking_flags() -> Self {
        MailboxState {
            flags: Some(BTreeMap::new()),
            ..MailboxState::default()
        }
    }

    /// A state saved earlier by other means (UIDVALIDITY, HIGHESTMODSEQ, known UIDs).
    pub fn from_parts(uid_validity: u32, highest_modseq: Option<u64>, known_uids: UidSet) -> Self {
        MailboxState {
            uid_validity,
            highest_modseq,
            known_uids,
            ..MailboxState::default()
        }
    }
}

/// How a sync learnt what changed, from the most to the least the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SyncStrategy {
    /// A UID and FLAGS listing of the whole mailbox, compared with the state: no
    /// CONDSTORE, no saved HIGHESTMODSEQ, a `[NOMODSEQ]` mailbox or a new UIDVALIDITY.
    Full,
    /// CONDSTORE (RFC 7162 §3.1): `UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE m)` for
    /// changes and new mail, then a UID SEARCH of the known UIDs to find the expunged ones.
    Condstore,
    /// QRESYNC (RFC 7162 §3.2.5): one `SELECT (QRESYNC (...))` answered with `VANISHED
    /// (EARLIER)` and the changed messages.
    Qresync,
}

/// How the mailbox sync op (`ops::sync::sync`) may work.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncOptions {
    /// The best strategy to use even when the server offers more (to compare them, or to
    /// avoid an extension a server gets wrong).
    pub max_strategy: SyncStrategy,
    /// EXAMINE instead of SELECT: nothing in the mailbox changes (no `\Recent` cleared).
    pub read_only: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            max_strategy: SyncStrategy::Qresync,
            read_only: false,
        }
    }
}

impl SyncOptions {
    /// Uses at most `strategy`.
    pub fn with_max_strategy(mut self, strategy: SyncStrategy) -> Self {
        self.max_strategy = strategy;
        self
    }

    /// EXAMINE (`true`) or SELECT.
    pub fn with_read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }
}

/// The flags of one message the sync reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlagUpdate {
    /// The message.
    pub uid: u32,
    /// All its flags now (without `\Recent`).
    pub flags: Vec<Flag>,
    /// Its mod-sequence, when the server has them (RFC 7162 §3.1.1).
    pub mod_seq: Option<u64>,
}

/// What changed in a mailbox since the [`MailboxState`] the sync was given.
///
/// Apply it whole, then keep [`SyncDelta::state`]: a sync that failed half way returns no
/// delta, and the next one, from the old state, reports everything again, so nothing is lost
/// or reported twice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncDelta {
    /// How the changes were found.
    pub strategy: SyncStrategy,
    /// The UIDVALIDITY differs from the state's (RFC 9051 §2.3.1.1): every UID known
    /// before means nothing now. Drop the local copy; `new` then lists every message and
    /// `expunged` is empty.
    pub uid_validity_changed: bool,
    /// Messages the state did not know.
    pub new: UidSet,
    /// Known messages that are gone.
    pub expunged: UidSet,
    /// The flags of every new message, and of each known one whose flags changed (or, when
    /// the state keeps no flags and the server has no CONDSTORE, of every known message:
    /// nothing else can tell which changed). Ascending by UID.
    pub changed: Vec<FlagUpdate>,
    /// The state to keep for the next sync.
    pub state: MailboxState,
}

impl SyncDelta {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.uid_validity_changed
            && self.new.is_empty()
            && self.expunged.is_empty()
            && self.changed.is_empty()
    }

    /// The new messages as a UID set for `uid_fetch_streaming` / `uid_fetch` (`None` when
    /// there are none).
    pub fn new_messages(&self) -> Option<SequenceSet> {
        self.new.to_sequence_set()
    }
}

/// A flag list in its IMAP text form (`\Seen $Junk`), for saved states.
#[cfg(any(feature = "serde", test))]
pub(crate) fn flags_to_text(flags: &[Flag]) -> String {
    let mut out = String::new();
    for flag in flags {
        if !out.is_empty() {
            out.push(' ');
        }
        match flag {
            Flag::Seen => out.push_str("\\Seen"),
            Flag::Answered => out.push_str("\\Answered"),
            Flag::Flagged => out.push_str("\\Flagged"),
            Flag::Deleted => out.push_str("\\Deleted"),
            Flag::Draft => out.push_str("\\Draft"),
            Flag::Recent => out.push_str("\\Recent"),
            Flag::MayCreate => out.push_str("\\*"),
            Flag::Keyword(k) => out.push_str(&String::from_utf8_lossy(k)),
            Flag::Extension(e) => {
                out.push('\\');
                out.push_str(&String::from_utf8_lossy(e))
            }
        }
    }
    out
}

/// Reads [`flags_to_text`]'s form.
#[cfg(any(feature = "serde", test))]
pub(crate) fn flags_from_text(text: &str) -> Vec<Flag> {
    text.split_ascii_whitespace()
        .map(|f| Flag::from_wire(bytes::Bytes::copy_from_slice(f.as_bytes())))
        .collect()
}

#[cfg(feature = "serde")]
mod serde_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::UidSet;

    pub fn serialize<S: Serializer>(set: &UidSet, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(set)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UidSet, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "serde")]
mod serde_flags {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Flag, flags_from_text, flags_to_text};

    pub fn serialize<S: Serializer>(
        flags: &Option<BTreeMap<u32, Vec<Flag>>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        flags
            .as_ref()
            .map(|map| {
                map.iter()
                    .map(|(uid, f)| (*uid, flags_to_text(f)))
                    .collect::<BTreeMap<u32, String>>()
            })
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<BTreeMap<u32, Vec<Flag>>>, D::Error> {
        let text: Option<BTreeMap<u32, String>> = Option::deserialize(d)?;
        Ok(text.map(|map| {
            map.into_iter()
                .map(|(uid, f)| (uid, flags_from_text(&f)))
                .collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> UidSet {
        s.parse().unwrap()
    }

    #[test]
    fn text_form_round_trips_and_merges() {
        assert_eq!(set("5,1:3,4,9").to_string(), "1:5,9");
        assert_eq!(set("").to_string(), "");
        assert!("0".parse::<UidSet>().is_err());
        assert!("1:x".parse::<UidSet>().is_err());
    }

    #[test]
    fn set_algebra_on_bounds() {
        let a = set("1:10,20:30");
        let b = set("3,5:7,25:40");
        assert_eq!(a.difference(&b).to_string(), "1:2,4,8:10,20:24");
        assert_eq!(a.intersection(&b).to_string(), "3,5:7,25:30");
        assert_eq!(a.union(&b).to_string(), "1:10,20:40");
        assert_eq!(a.len(), 21);
        assert!(a.contains(20) && !a.contains(15) && !a.contains(31));
        let mut c = set("1:3");
        c.insert(4);
        c.insert(9);
        c.insert(6);
        assert_eq!(c.to_string(), "1:4,6,9");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn saved_state_is_compact_and_round_trips() {
        let mut state = MailboxState::tracking_flags();
        state.uid_validity = 7;
        state.highest_modseq = Some(42);
        state.known_uids = set("1:500,502");
        if let Some(flags) = state.flags.as_mut() {
            flags.insert(1, vec![Flag::Seen, Flag::keyword("$Junk")]);
        }
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(
            json,
            r#"{"uid_validity":7,"highest_modseq":42,"uid_next":null,"known_uids":"1:500,502","flags":{"1":"\\Seen $Junk"}}"#
        );
        assert_eq!(serde_json::from_str::<MailboxState>(&json).unwrap(), state);
        let minimal: MailboxState =
            serde_json::from_str(r#"{"uid_validity":7,"known_uids":""}"#).unwrap();
        assert_eq!(minimal, MailboxState::from_parts(7, None, UidSet::new()));
    }

    #[test]
    fn flags_text_round_trips() {
        let flags = vec![
            Flag::Seen,
            Flag::keyword("$Junk"),
            Flag::Extension("X".into()),
        ];
        assert_eq!(flags_to_text(&flags), "\\Seen $Junk \\X");
        assert_eq!(flags_from_text(&flags_to_text(&flags)), flags);
    }
}
