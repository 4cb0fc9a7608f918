//! SEARCH, ESEARCH, SORT and THREAD data, and the UID ranges servers send back.

use bytes::Bytes;

/// An inclusive range of UIDs or sequence numbers as a server sends it in `sequence-set` /
/// `uid-set` data (VANISHED, COPYUID, APPENDUID, ESEARCH ALL, MODIFIED). `start <= end`
/// always holds: a server's `9:4` is normalised to `4:9` (RFC 9051 §9: ranges are unordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UidRange {
    /// First value, inclusive.
    pub start: u32,
    /// Last value, inclusive.
    pub end: u32,
}

impl UidRange {
    /// Builds a range, putting the bounds in order.
    pub fn new(a: u32, b: u32) -> Self {
        UidRange {
            start: a.min(b),
            end: a.max(b),
        }
    }

    /// A range of one value.
    pub fn single(v: u32) -> Self {
        UidRange { start: v, end: v }
    }

    /// True if `v` lies in the range.
    pub fn contains(&self, v: u32) -> bool {
        self.start <= v && v <= self.end
    }

    /// How many values the range covers.
    pub fn len(&self) -> u64 {
        u64::from(self.end - self.start) + 1
    }

    /// Never true: a range holds at least one value. Present for API symmetry.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Iterates the values, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + use<> {
        self.start..=self.end
    }
}

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`
/// (RFC 4731 §3.1, RFC 9051 §7.3.4, RFC 5267 §4.4, RFC 9394 §3.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct EsearchResponse {
    /// `search-correlator = SP "(" "TAG" SP tag-string ")"`
    pub tag: Option<Bytes>,
    /// True when the numbers are UIDs.
    pub uid: bool,
    /// `MIN nz-number`
    pub min: Option<u32>,
    /// `MAX nz-number`
    pub max: Option<u32>,
    /// `COUNT number`
    pub count: Option<u32>,
    /// `ALL sequence-set`
    pub all: Option<Vec<UidRange>>,
    /// `PARTIAL (range set)` (RFC 9394): the requested range and the matching values.
    pub partial: Option<EsearchPartial>,
    /// `MODSEQ mod-sequence-value` (RFC 7162 §3.1.5)
    pub modseq: Option<u64>,
    /// Any other `search-return-data`, kept raw.
    pub other: Vec<(Bytes, Bytes)>,
}

impl EsearchResponse {
    /// Expands [`EsearchResponse::all`] into individual numbers (empty when absent).
    pub fn all_numbers(&self) -> Vec<u32> {
        self.all.iter().flatten().flat_map(UidRange::iter).collect()
    }
}

/// `"PARTIAL" SP "(" partial-range SP partial-results ")"` (RFC 9394 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct EsearchPartial {
    /// The requested range, as signed offsets (negative counts from the end).
    pub range: (i64, i64),
    /// The results, or empty for `NIL`.
    pub results: Vec<UidRange>,
}

/// One node of a `THREAD` response (RFC 5256 §4).
///
/// `thread-list = "(" (thread-members / thread-nested) ")"`: a node carries a message number
/// and its replies. A thread whose root message is missing (`((3)(5))`) has `id: None`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ThreadNode {
    /// The message number or UID, or `None` for a missing parent.
    pub id: Option<u32>,
    /// Replies to this message.
    pub children: Vec<ThreadNode>,
}

impl Drop for ThreadNode {
    /// Drops the tree iteratively. A server can send a linear thread of thousands of replies
    /// (`(1 2 3 ... n)` nests each message under the previous one); the default recursive drop
    /// would use one stack frame per level and could overflow the stack on such input.
    fn drop(&mut self) {
        // A leaf (most nodes; also every node the loop below has emptied) has nothing to walk.
        if self.children.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut self.children);
        while let Some(mut node) = pending.pop() {
            pending.append(&mut node.children);
        }
    }
}
