//! BODY and BODYSTRUCTURE (RFC 9051 §7.5.2, RFC 3501 §7.4.2): the MIME tree of a message.
//!
//! A [`BodyStructure`] keeps one `Bytes` of its wire text and one exact-size table (see
//! `compact_table.rs`) of its parts in depth-first order, each string a range of that text
//! (see `wire_text.rs` for why). A part is read through a [`BodyPart`] view:
//! `structure.root()` is the top part, `parts()` walks a multipart's children and
//! `message_body()` enters an attached message.
//!
//! The parser fills [`BodyTables`] (scratch tables with inline room, on its stack) and
//! [`BodyTables::finish`] stores them. In the table, a part is a record of its subtree's
//! end, a mask of what it has, and only the items it has (`NIL` fields, empty ranges, a
//! zero size are left out), so a typical part takes 40–60 bytes instead of a fixed 128.

use std::cell::RefCell;
use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;

use super::Envelope;
use super::compact_table::{Table, TableBytes, all_narrow, narrow_fits};
use super::lexical::unescape_into;
use super::wire_text::{Field, ShowBytes, ShowField, WireText};

/// What a part record may hold, in record order (which is wire order, so the parser appends
/// each item as it reads it): the bit of its mask that says it is there. An item's place in
/// the record is a count of the bits below it, the one-word items ([`ONE_WORD_ITEMS`])
/// counting one word and the others two.
#[derive(Clone, Copy)]
pub(crate) enum Item {
    MediaType = 0,
    MediaSubtype = 1,
    Params = 2,
    Id = 3,
    Description = 4,
    Encoding = 5,
    Octets = 6,
    Envelope = 7,
    Lines = 8,
    Md5 = 9,
    Disposition = 10,
    DispositionParams = 11,
    Languages = 12,
    Location = 13,
    Extensions = 14,
}

/// The mask bits of the one-word items ([`Item::Octets`], [`Item::Envelope`],
/// [`Item::Lines`]); the others take two words.
const ONE_WORD_ITEMS: u32 = 0b1_1100_0000;
/// Bit of a record's end word: `body-type-mpart`.
const MULTIPART: u32 = 1 << 31;
/// Mask bit: the extension data was sent. (Bit 31 in both words, so that both fit a
/// table's 16-bit words.)
const HAS_EXTENSION: u32 = 1 << 31;
/// The one mask with no 16-bit form: every item and the extension data.
const FULL_MASK: u32 = HAS_EXTENSION | 0x7FFF;
/// Table words before the part records' places: the unescaped strings' offset (word 0), the
/// number of parts, the first word of the parameters and that of the languages.
const HEADER_WORDS: usize = 4;
/// The most words a part record takes (end, mask, three one-word and twelve two-word items).
const MAX_RECORD_WORDS: usize = 2 + 3 + 2 * 12;
/// Below this, every wire text offset, unescaped offset, length and count of a structure
/// has a 16-bit table word.
const NARROW_LIMIT: usize = 0x7FFF;

/// One part's record as the parser reads it, on its stack: the end and mask words, then
/// every item the part has, appended in [`Item`] order (`NIL` fields, empty ranges and a
/// zero size are left out), so a typical part takes 40–60 bytes in the table instead of a
/// fixed 128. [`BodyTables::close_part`] stores it.
pub(crate) struct PartNode {
    words: [u32; MAX_RECORD_WORDS],
    len: u32,
    mask: u32,
    /// The one-word items ORed together: below 2^15 when all fit 16-bit words.
    numbers: u32,
}

impl PartNode {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        PartNode {
            words: [0; MAX_RECORD_WORDS],
            len: 2,
            mask: 0,
            numbers: 0,
        }
    }

    /// Appends `item`'s words. Items come in [`Item`] order, each at most once, so a record
    /// never passes [`MAX_RECORD_WORDS`]; an item out of order is dropped (debug builds
    /// stop) rather than misplace the ones after it.
    #[inline(always)]
    fn put<const N: usize>(&mut self, item: Item, words: [u32; N]) {
        let bit = 1 << item as u32;
        let ordered = self.mask & !HAS_EXTENSION < bit;
        debug_assert!(ordered, "record item {} out of order", item as u32);
        let at = self.len as usize;
        if let (true, Some(slot)) = (ordered, self.words.get_mut(at..at + N)) {
            slot.copy_from_slice(&words);
            self.len += N as u32;
            self.mask |= bit;
        }
    }

    /// A string item; `NIL` is left out.
    #[inline(always)]
    pub(crate) fn field(&mut self, item: Item, field: Field) {
        if !field.is_nil() {
            self.put(item, field.to_words());
        }
    }

    /// A range of the parameters, languages or extensions; an empty one is left out.
    #[inline(always)]
    pub(crate) fn range(&mut self, item: Item, (start, end): (u32, u32)) {
        if start != end {
            self.put(item, [start, end]);
        }
    }

    /// A one-word item: `body-fld-lines`, an attached message's envelope (its index among
    /// the structure's envelopes; its body is the next part), or `body-fld-octets` (0 is left
    /// out).
    #[inline(always)]
    pub(crate) fn number(&mut self, item: Item, value: u32) {
        debug_assert!(ONE_WORD_ITEMS & (1 << item as u32) != 0);
        if matches!(item, Item::Octets) && value == 0 {
            return;
        }
        self.numbers |= value;
        self.put(item, [value]);
    }

    /// The extension data was sent.
    #[inline(always)]
    pub(crate) fn has_extension(&mut self) {
        self.mask |= HAS_EXTENSION;
    }
}

/// A structure being parsed: its part records (in the order the parts close, each placed by
/// its index) and shared tables as scratch tables, stored in the structure's one exact-size
/// table by [`BodyTables::finish`]. The parser reuses one per thread ([`BodyTables::with`]).
#[derive(Default)]
pub(crate) struct BodyTables {
    /// Each part's record's first word in `records`, by part index: depth-first, the root
    /// first, each part's descendants right after it.
    places: Vec<u32>,
    /// Every part's record, in the order the parts closed.
    records: Vec<u32>,
    /// Every parameter (attribute, value) of every part and disposition: four words each.
    params: Vec<u32>,
    /// Every language tag: two words each.
    languages: Vec<u32>,
    /// The envelopes of attached messages.
    pub(crate) envelopes: Vec<Envelope>,
    /// Some part has extension values beyond `body-fld-loc` (rare; see [`ExtensionValues`]).
    has_values: bool,
    /// Every record's one-word items ORed, and 2^15 for a mask with no 16-bit form.
    numbers: u32,
}

/// Scratch words a thread keeps between structures; a table that grew past this (a huge
/// structure) is let go rather than held for the thread's life.
const KEPT_SCRATCH_WORDS: usize = 4096;
/// The same for the envelopes (their room is usually handed over to the structure, see
/// [`exact_boxed`]).
const KEPT_SCRATCH_ITEMS: usize = 64;

thread_local! {
    static SCRATCH: RefCell<BodyTables> = RefCell::default();
}

/// The table lengths [`BodyTables::restore`] goes back to.
pub(crate) struct BodyCheckpoint {
    places: usize,
    records: usize,
    params: usize,
    languages: usize,
    envelopes: usize,
    has_values: bool,
}

impl BodyTables {
    /// Runs `f` with empty tables: this thread's, whose allocations are kept from one
    /// structure to the next (a metadata FETCH parses one per message; growing fresh tables
    /// each time cost more than filling them), or new ones if those are in use.
    pub(crate) fn with<R>(f: impl FnOnce(&mut BodyTables) -> R) -> R {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut tables) => {
                tables.clear();
                f(&mut tables)
            }
            Err(_) => f(&mut BodyTables::default()),
        })
    }

    /// Empties the tables, keeping their room unless it grew large.
    fn clear(&mut self) {
        for words in [
            &mut self.places,
            &mut self.records,
            &mut self.params,
            &mut self.languages,
        ] {
            if words.capacity() > KEPT_SCRATCH_WORDS {
                *words = Vec::new();
            }
            words.clear();
        }
        if self.envelopes.capacity() > KEPT_SCRATCH_ITEMS {
            self.envelopes = Vec::new();
        }
        self.envelopes.clear();
        self.has_values = false;
        self.numbers = 0;
    }

    /// Starts a part: it gets the next index; returns it.
    #[inline(always)]
    pub(crate) fn open_part(&mut self) -> usize {
        let index = self.places.len();
        self.places.push(0);
        index
    }

    /// Stores the record of part `index` (from [`BodyTables::open_part`]), whose
    /// descendants are every part opened since.
    #[inline(always)]
    pub(crate) fn close_part(&mut self, index: usize, part: &mut PartNode, multipart: bool) {
        let end = self.places.len() as u32;
        part.words[0] = if multipart { end | MULTIPART } else { end };
        part.words[1] = part.mask;
        if let Some(place) = self.places.get_mut(index) {
            *place = self.records.len() as u32;
        }
        self.numbers |= part.numbers | (u32::from(part.mask == FULL_MASK) << 15);
        self.has_values |= part.mask & (1 << Item::Extensions as u32) != 0;
        self.records
            .extend_from_slice(part.words.get(..part.len as usize).unwrap_or_default());
    }

    /// The number of parameters so far.
    #[inline(always)]
    pub(crate) fn param_count(&self) -> u32 {
        (self.params.len() / 4) as u32
    }

    #[inline(always)]
    pub(crate) fn push_param(&mut self, name: Field, value: Field) {
        let [a, b] = name.to_words();
        let [c, d] = value.to_words();
        self.params.extend_from_slice(&[a, b, c, d]);
    }

    /// The number of language tags so far.
    #[inline(always)]
    pub(crate) fn language_count(&self) -> u32 {
        (self.languages.len() / 2) as u32
    }

    #[inline]
    pub(crate) fn push_language(&mut self, language: Field) {
        self.languages.extend_from_slice(&language.to_words());
    }

    pub(crate) fn checkpoint(&self) -> BodyCheckpoint {
        BodyCheckpoint {
            places: self.places.len(),
            records: self.records.len(),
            params: self.params.len(),
            languages: self.languages.len(),
            envelopes: self.envelopes.len(),
            has_values: self.has_values,
        }
    }

    /// Forgets everything added since `c` was taken.
    pub(crate) fn restore(&mut self, c: BodyCheckpoint) {
        self.places.truncate(c.places);
        self.records.truncate(c.records);
        self.params.truncate(c.params);
        self.languages.truncate(c.languages);
        self.envelopes.truncate(c.envelopes);
        self.has_values = c.has_values;
    }

    /// The structure of wire text `text` (which the fields are ranges of) and the unescaped
    /// strings `unescaped`. Takes the envelopes.
    ///
    /// The table: the header words, each part's place, the records, the parameters, the
    /// languages. 16-bit words when every word has one: known without looking at them when
    /// the text, the unescaped strings and the table are short and every number is small
    /// (nearly always), checked word by word otherwise. A number with no 16-bit form (a part
    /// of 32 KiB or more, as attachments are) is seen in the ORed numbers, and makes the
    /// table 32-bit without that check.
    pub(crate) fn finish(&mut self, text: Bytes, unescaped: &[u8]) -> BodyStructure {
        let parts = self.places.len();
        let base = HEADER_WORDS + parts;
        let params_at = base + self.records.len();
        let languages_at = params_at + self.params.len();
        let count = languages_at + self.languages.len();
        let header = [parts as u32, params_at as u32, languages_at as u32];
        // A word has a 16-bit form only if its bits 15–30 are all clear or all set
        // (`u32::MAX`), so the ORed numbers (and mask flag) have them all clear or all set
        // when every number has one: anything else is a number without one. (Numbers of a
        // failed attempt at a part the parser then read another way stay ORed in: at worst
        // a 32-bit table that could have been 16-bit, for that quirk.)
        let middle = (self.numbers >> 15) & 0xFFFF;
        let narrow = narrow_fits(count)
            && ((text.len() < NARROW_LIMIT
                && unescaped.len() < NARROW_LIMIT
                && self.numbers < 0x8000)
                || ((middle == 0 || middle == 0xFFFF)
                    && all_narrow(&header)
                    && self
                        .places
                        .iter()
                        .all(|&place| all_narrow(&[place.wrapping_add(base as u32)]))
                    && all_narrow(&self.records)
                    && all_narrow(&self.params)
                    && all_narrow(&self.languages)));
        let mut table = TableBytes::new(count, narrow, unescaped.len());
        table.push_words(&header);
        table.push_offsets(&self.places, base as u32);
        table.push_words(&self.records);
        table.push_words(&self.params);
        table.push_words(&self.languages);
        let rare = (!self.envelopes.is_empty() || self.has_values).then(|| {
            Box::new(Rare {
                envelopes: exact_boxed(&mut self.envelopes),
                extensions: ExtensionValues::default(),
            })
        });
        BodyStructure {
            wire: WireText {
                text,
                table: table.finish(unescaped),
            },
            rare,
        }
    }
}

/// The items of `items` in a slice of exactly their number. A fresh allocation and a move
/// when `items` has spare room: shrinking in place with `realloc` cost several times more
/// (glibc splits the block and frees the rest). `items` keeps its allocation.
fn exact_boxed<T>(items: &mut Vec<T>) -> Box<[T]> {
    if items.len() == items.capacity() {
        return std::mem::take(items).into_boxed_slice();
    }
    items.drain(..).collect()
}

/// What few structures have: attached messages' envelopes, extension values beyond
/// `body-fld-loc`.
#[derive(Clone, Default)]
pub(crate) struct Rare {
    pub(crate) envelopes: Box<[Envelope]>,
    pub(crate) extensions: ExtensionValues,
}

/// The extension values beyond `body-fld-loc` of every part (`*(SP body-extension)`,
/// RFC 9051 §9), built on the first [`BodyPart::extensions`] call.
///
/// Servers almost never send them, and clients almost never read them: a nested `Vec` of
/// values per part, built and dropped with every structure that had them, was a tenth of a
/// metadata pass. The parser checks their grammar (the same errors as ever) and each part's
/// record keeps the range of the wire text they take; the first call decodes every part's
/// values from that text once, and keeps them here. Empty (16 bytes, the room the values'
/// slice took before) until then.
#[derive(Clone, Default)]
pub(crate) struct ExtensionValues(OnceLock<Box<DecodedValues>>);

/// Every part's extension values, and which are whose.
#[derive(Clone)]
struct DecodedValues {
    /// Each part that has values: its index and its values' range in `values`, by index.
    parts: Box<[(u32, u32, u32)]>,
    values: Box<[BodyExtension]>,
}

impl DecodedValues {
    fn of(&self, index: usize) -> &[BodyExtension] {
        let Ok(at) = self
            .parts
            .binary_search_by_key(&index, |&(part, _, _)| part as usize)
        else {
            return &[];
        };
        let (_, first, end) = self.parts[at];
        self.values
            .get(first as usize..end as usize)
            .unwrap_or_default()
    }
}

impl BodyStructure {
    /// Decodes every part's extension values from the wire text (see [`ExtensionValues`]).
    fn decode_values(&self) -> DecodedValues {
        let mut parts = Vec::new();
        let mut values = Vec::new();
        for index in 0..self.part_count() {
            let (start, end) = self.record(index).range(Item::Extensions);
            if start < end {
                let first = values.len() as u32;
                decode_extension_values(&self.wire.text, start as usize, end as usize, &mut values);
                parts.push((index as u32, first, values.len() as u32));
            }
        }
        DecodedValues {
            parts: parts.into_boxed_slice(),
            values: values.into_boxed_slice(),
        }
    }
}

/// Appends the values of `text[start..end]`, `body-extension *(SP body-extension)` as the
/// parser checked it (`fetch.rs`, `body_extension_end`), to `out`: numbers, `NIL` (any
/// case), quoted strings (unescaped), literals (`{n}`, `{n+}`, `~{n}`, CRLF or a bare LF)
/// and lists of them, spaces between. Reads anything else without a panic, but only
/// checked text gives the values the grammar means.
pub(crate) fn decode_extension_values(
    text: &Bytes,
    start: usize,
    end: usize,
    out: &mut Vec<BodyExtension>,
) {
    let s = text.get(..end).unwrap_or_default();
    let slice = |from: usize, to: usize| {
        if from <= to && to <= s.len() {
            text.slice(from..to)
        } else {
            Bytes::new()
        }
    };
    let mut at = start;
    // The lists being read, each with its items so far: no recursion, however deep.
    let mut open: Vec<Vec<BodyExtension>> = Vec::new();
    loop {
        while s.get(at) == Some(&b' ') {
            at += 1;
        }
        let Some(&first) = s.get(at) else { break };
        let value = match first {
            b'(' => {
                open.push(Vec::new());
                at += 1;
                continue;
            }
            b')' => {
                at += 1;
                match open.pop() {
                    Some(items) => BodyExtension::List(items),
                    None => continue,
                }
            }
            b'0'..=b'9' => {
                let (n, next) = digits(s, at);
                at = next;
                BodyExtension::Number(n)
            }
            b'"' => {
                let content = at + 1;
                let mut escaped = false;
                let mut k = content;
                while let Some(&byte) = s.get(k) {
                    match byte {
                        b'"' => break,
                        b'\\' => {
                            escaped = true;
                            k += 2;
                        }
                        _ => k += 1,
                    }
                }
                let close = k.min(s.len());
                at = close + 1;
                let raw = s.get(content..close).unwrap_or_default();
                if escaped {
                    let mut value = Vec::with_capacity(raw.len());
                    unescape_into(raw, &mut value);
                    BodyExtension::NString(Some(Bytes::from(value)))
                } else {
                    BodyExtension::NString(Some(slice(content, close)))
                }
            }
            b'{' | b'~' => {
                let mut k = at + usize::from(first == b'~') + 1;
                let (len, next) = digits(s, k);
                k = next + usize::from(s.get(next) == Some(&b'+')) + 1;
                k += usize::from(s.get(k) == Some(&b'\r')) + 1;
                let to = k.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
                at = to;
                BodyExtension::NString(Some(slice(k, to)))
            }
            _ => {
                at += 3;
                BodyExtension::NString(None)
            }
        };
        match open.last_mut() {
            Some(items) => items.push(value),
            None => out.push(value),
        }
    }
}

/// The number of the digits at `s[at..]` (saturating), and the offset after them.
fn digits(s: &[u8], mut at: usize) -> (u64, usize) {
    let mut n: u64 = 0;
    while let Some(digit) = s.get(at).filter(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(u64::from(digit - b'0'));
        at += 1;
    }
    (n, at)
}

/// `body = "(" (body-type-1part / body-type-mpart) ")"` (RFC 9051 §9): a message's MIME
/// structure, from a `BODYSTRUCTURE` (or the non-extensible `BODY`) FETCH item.
///
/// Read it through [`BodyStructure::root`]. Strings are returned as sent, borrowed from the
/// structure; they are not copies: the structure keeps a zero-copy `Bytes` of its wire text
/// ([`BodyStructure::wire`]), so holding it keeps the connection's read buffer alive, like
/// every other value of a FETCH response.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct BodyStructure {
    /// The structure as sent, from `(` to `)`, and its table (see [`BodyTables::finish`]).
    pub(crate) wire: WireText,
    /// Attached messages' envelopes and extension values, when there are any.
    pub(crate) rare: Option<Box<Rare>>,
}

impl BodyStructure {
    /// The top part: the message itself.
    pub fn root(&self) -> BodyPart<'_> {
        BodyPart {
            structure: self,
            index: 0,
        }
    }

    /// Every part, depth-first (the root first, each part followed by its descendants), with
    /// the section number that fetches its content (`[1, 2]` is `BODY[1.2]`; RFC 9051
    /// §6.4.5): a multipart message's root has the empty number, a single-part message's root
    /// is part 1, and an attached message's multipart body shares the message's number (its
    /// `TEXT`) while a single-part body is the message's part 1.
    pub fn sections(&self) -> Vec<(Vec<u32>, BodyPart<'_>)> {
        let mut out = Vec::with_capacity(self.part_count());
        let root = self.root();
        let number = if root.is_multipart() {
            Vec::new()
        } else {
            vec![1]
        };
        root.collect_sections(number, &mut out);
        out
    }

    /// The structure exactly as the server sent it, from `(` to `)`.
    pub fn wire(&self) -> &Bytes {
        &self.wire.text
    }

    /// An owned `Bytes` of `value`, a slice returned by one of this structure's parts,
    /// without copying it; a slice from anywhere else is copied.
    pub fn to_bytes(&self, value: &[u8]) -> Bytes {
        self.wire.to_bytes(value)
    }

    fn part_count(&self) -> usize {
        self.wire.table.word(1) as usize
    }

    /// Part `index`'s record (an empty one past the last part).
    fn record(&self, index: usize) -> Record<'_> {
        let table = &self.wire.table;
        if index >= self.part_count() {
            return Record {
                table,
                at: 0,
                end: 0,
                mask: 0,
            };
        }
        let at = table.word(HEADER_WORDS + index) as usize;
        Record {
            table,
            at,
            end: table.word(at),
            mask: table.word(at + 1),
        }
    }

    fn params_in(&self, (start, end): (u32, u32)) -> Params<'_> {
        let first = self.wire.table.word(2) as usize;
        Params {
            wire: &self.wire,
            next: first + 4 * start as usize,
            end: first + 4 * end.max(start) as usize,
        }
    }

    /// The bytes of the structure's table (for the size tests).
    #[cfg(test)]
    pub(crate) fn table_len(&self) -> usize {
        self.wire.table.byte_len()
    }

    /// How many parameters the table holds, of every part and disposition (for tests).
    #[cfg(test)]
    pub(crate) fn param_count(&self) -> usize {
        let table = &self.wire.table;
        (table.word(3) - table.word(2)) as usize / 4
    }
}

/// One part's record in a structure's table.
#[derive(Clone, Copy)]
struct Record<'a> {
    table: &'a Table,
    /// The record's first word (its end); its mask is the next.
    at: usize,
    /// The end word: the index just past the part's subtree, and [`MULTIPART`].
    end: u32,
    mask: u32,
}

impl Record<'_> {
    fn end(&self) -> u32 {
        self.end & !MULTIPART
    }

    fn is_multipart(&self) -> bool {
        self.end & MULTIPART != 0
    }

    fn has_extension(&self) -> bool {
        self.mask & HAS_EXTENSION != 0
    }

    /// The first word of `item`, if the part has it.
    #[inline]
    fn place(&self, item: Item) -> Option<usize> {
        let bit = 1 << item as u32;
        if self.mask & bit == 0 {
            return None;
        }
        let below = self.mask & (bit - 1);
        let one = (below & ONE_WORD_ITEMS).count_ones();
        let two = (below & !ONE_WORD_ITEMS & !HAS_EXTENSION).count_ones();
        Some(self.at + 2 + (one + 2 * two) as usize)
    }

    fn word(&self, item: Item) -> Option<u32> {
        self.place(item).map(|at| self.table.word(at))
    }

    fn field(&self, item: Item) -> Field {
        self.place(item)
            .map_or(Field::NIL, |at| self.table.field(at))
    }

    fn range(&self, item: Item) -> (u32, u32) {
        self.place(item).map_or((0, 0), |at| self.table.range(at))
    }
}

impl PartialEq for BodyStructure {
    /// Two structures are equal when every part is, wherever their bytes came from.
    fn eq(&self, other: &Self) -> bool {
        self.root() == other.root()
    }
}

impl Eq for BodyStructure {}

impl fmt::Debug for BodyStructure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root().fmt(f)
    }
}

/// One part of a [`BodyStructure`]: a single part (`body-type-1part`: text, an attachment, an
/// attached message) or a multipart (`body-type-mpart`).
///
/// Absent fields read as `None` (or empty), the same as `NIL`: BODY sends no extension data,
/// and servers may cut it short.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct BodyPart<'a> {
    structure: &'a BodyStructure,
    index: usize,
}

impl<'a> BodyPart<'a> {
    fn record(&self) -> Record<'a> {
        self.structure.record(self.index)
    }

    fn field(&self, item: Item) -> Option<&'a [u8]> {
        self.structure.wire.get(self.record().field(item))
    }

    /// `body-type-mpart`: a part made of parts.
    pub fn is_multipart(&self) -> bool {
        self.record().is_multipart()
    }

    /// `media-type`, e.g. `TEXT` or `APPLICATION`, in the server's case; `MULTIPART` for a
    /// multipart. Empty when the server sent `NIL` (a quirk, see `docs/quirks.md`).
    pub fn media_type(&self) -> &'a [u8] {
        if self.is_multipart() {
            return b"MULTIPART";
        }
        self.field(Item::MediaType).unwrap_or_default()
    }

    /// `media-subtype`, e.g. `PLAIN` or `MIXED`. Empty when the server sent `NIL`.
    pub fn media_subtype(&self) -> &'a [u8] {
        self.field(Item::MediaSubtype).unwrap_or_default()
    }

    /// Whether this is `media_type/media_subtype`, compared without regard to case as MIME
    /// types are (RFC 2045 §5.1): `part.is_type("text", "plain")`.
    pub fn is_type(&self, media_type: &str, media_subtype: &str) -> bool {
        self.media_type()
            .eq_ignore_ascii_case(media_type.as_bytes())
            && self
                .media_subtype()
                .eq_ignore_ascii_case(media_subtype.as_bytes())
    }

    /// `body-fld-param` of a single part (`CHARSET`, `NAME`, ...) or the parameters of a
    /// multipart's `body-ext-mpart` (`BOUNDARY`, ...). A `NIL` value reads as empty.
    pub fn params(&self) -> Params<'a> {
        self.structure.params_in(self.record().range(Item::Params))
    }

    /// The value of the parameter `name` (compared without regard to case), if sent.
    pub fn param(&self, name: &str) -> Option<&'a [u8]> {
        self.params().get(name)
    }

    /// `body-fld-id`: the Content-ID.
    pub fn id(&self) -> Option<&'a [u8]> {
        self.field(Item::Id)
    }

    /// `body-fld-desc`: the Content-Description.
    pub fn description(&self) -> Option<&'a [u8]> {
        self.field(Item::Description)
    }

    /// `body-fld-enc`, e.g. `7BIT` or `BASE64`. Empty for a multipart, and when the server
    /// sent `NIL` (a quirk, see `docs/quirks.md`; RFC 2045 §6.1 makes that mean `7BIT`).
    pub fn encoding(&self) -> &'a [u8] {
        self.field(Item::Encoding).unwrap_or_default()
    }

    /// `body-fld-octets`: the size of the encoded content. 0 for a multipart.
    pub fn octets(&self) -> u32 {
        self.record().word(Item::Octets).unwrap_or(0)
    }

    /// `body-fld-lines`: the size in lines of a TEXT part or an attached message.
    pub fn lines(&self) -> Option<u32> {
        self.record().word(Item::Lines)
    }

    /// The envelope of an attached message (`MESSAGE/RFC822` or `MESSAGE/GLOBAL`).
    pub fn envelope(&self) -> Option<&'a Envelope> {
        let index = self.record().word(Item::Envelope)?;
        let rare: &'a Rare = self.structure.rare.as_deref()?;
        rare.envelopes.get(index as usize)
    }

    /// The body of an attached message (`MESSAGE/RFC822` or `MESSAGE/GLOBAL`).
    pub fn message_body(&self) -> Option<BodyPart<'a>> {
        self.record().word(Item::Envelope)?;
        Some(BodyPart {
            structure: self.structure,
            index: self.index + 1,
        })
    }

    /// A multipart's parts, in order (none for a single part, and none for the childless
    /// multiparts some servers send, see `docs/quirks.md`).
    pub fn parts(&self) -> Parts<'a> {
        let record = self.record();
        let end = record.end() as usize;
        let next = if record.is_multipart() {
            self.index + 1
        } else {
            end
        };
        Parts {
            structure: self.structure,
            next,
            end,
        }
    }

    /// The extension data (`body-ext-1part` / `body-ext-mpart`) was sent: BODYSTRUCTURE
    /// sends it, BODY does not.
    pub fn has_extension_data(&self) -> bool {
        self.record().has_extension()
    }

    /// `body-fld-md5`.
    pub fn md5(&self) -> Option<&'a [u8]> {
        self.field(Item::Md5)
    }

    /// `body-fld-dsp`: e.g. `("attachment" ("filename" "a.pdf"))`.
    pub fn disposition(&self) -> Option<Disposition<'a>> {
        let kind = self.field(Item::Disposition)?;
        Some(Disposition {
            kind,
            params: self
                .structure
                .params_in(self.record().range(Item::DispositionParams)),
        })
    }

    /// `body-fld-lang`: the Content-Language tags.
    pub fn languages(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let (start, end) = self.record().range(Item::Languages);
        let wire = &self.structure.wire;
        let first = wire.table.word(3) as usize;
        (start as usize..end.max(start) as usize)
            .map(move |k| wire.field_at(first + 2 * k).unwrap_or_default())
    }

    /// `body-fld-loc`: the Content-Location.
    pub fn location(&self) -> Option<&'a [u8]> {
        self.field(Item::Location)
    }

    /// `*(SP body-extension)`: values of extensions newer than this library, as sent. The
    /// first call on a structure builds every part's values from its wire text (see
    /// `ExtensionValues`); later calls, on any thread, return them.
    pub fn extensions(&self) -> &'a [BodyExtension] {
        let (start, end) = self.record().range(Item::Extensions);
        let structure: &'a BodyStructure = self.structure;
        let Some(rare) = structure.rare.as_deref().filter(|_| start < end) else {
            return &[];
        };
        rare.extensions
            .0
            .get_or_init(|| Box::new(structure.decode_values()))
            .of(self.index)
    }

    /// Pushes this part as `number`, then the parts numbered below it: a multipart's parts,
    /// or an attached message's body (see [`BodyStructure::sections`]).
    fn collect_sections(self, number: Vec<u32>, out: &mut Vec<(Vec<u32>, BodyPart<'a>)>) {
        out.push((number.clone(), self));
        let numbered: Vec<BodyPart<'a>> = match self.message_body() {
            Some(body) if body.is_multipart() => {
                out.push((number.clone(), body));
                body.parts().collect()
            }
            Some(body) => vec![body],
            None => self.parts().collect(),
        };
        for (k, child) in numbered.into_iter().enumerate() {
            let mut child_number = number.clone();
            child_number.push(k as u32 + 1);
            child.collect_sections(child_number, out);
        }
    }
}

impl PartialEq for BodyPart<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.is_multipart() == other.is_multipart()
            && self.media_type() == other.media_type()
            && self.media_subtype() == other.media_subtype()
            && self.params().eq(other.params())
            && self.id() == other.id()
            && self.description() == other.description()
            && self.encoding() == other.encoding()
            && self.octets() == other.octets()
            && self.lines() == other.lines()
            && self.envelope() == other.envelope()
            && self.message_body() == other.message_body()
            && self.parts().eq(other.parts())
            && self.has_extension_data() == other.has_extension_data()
            && self.md5() == other.md5()
            && self.disposition() == other.disposition()
            && self.languages().eq(other.languages())
            && self.location() == other.location()
            && self.extensions() == other.extensions()
    }
}

impl Eq for BodyPart<'_> {}

impl fmt::Debug for BodyPart<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct(if self.is_multipart() {
            "Multipart"
        } else {
            "Single"
        });
        s.field("media_type", &ShowBytes(self.media_type()))
            .field("media_subtype", &ShowBytes(self.media_subtype()))
            .field("params", &self.params());
        if self.is_multipart() {
            s.field("parts", &self.parts());
        } else {
            s.field("id", &ShowField(self.id()))
                .field("description", &ShowField(self.description()))
                .field("encoding", &ShowBytes(self.encoding()))
                .field("octets", &self.octets())
                .field("lines", &self.lines());
            if let Some(envelope) = self.envelope() {
                s.field("envelope", envelope)
                    .field("message_body", &self.message_body());
            }
        }
        if self.has_extension_data() {
            let languages: Vec<_> = self.languages().map(ShowBytes).collect();
            s.field("md5", &ShowField(self.md5()))
                .field("disposition", &self.disposition())
                .field("languages", &languages)
                .field("location", &ShowField(self.location()))
                .field("extensions", &self.extensions());
        }
        s.finish()
    }
}

/// A multipart's parts: an iterator of [`BodyPart`].
#[derive(Clone)]
pub struct Parts<'a> {
    structure: &'a BodyStructure,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Parts<'a> {
    type Item = BodyPart<'a>;

    fn next(&mut self) -> Option<BodyPart<'a>> {
        if self.next >= self.end {
            return None;
        }
        let part = BodyPart {
            structure: self.structure,
            index: self.next,
        };
        // The next sibling starts where this part's subtree ends; `max` keeps a malformed
        // table from looping.
        self.next = (part.record().end() as usize).max(self.next + 1);
        Some(part)
    }
}

impl fmt::Debug for Parts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// `body-fld-param`: (attribute, value) pairs such as `("CHARSET" "UTF-8")`, as sent.
#[derive(Clone)]
pub struct Params<'a> {
    wire: &'a WireText,
    /// The table word of the next (attribute, value) pair: four words each.
    next: usize,
    /// The table word just past the last pair.
    end: usize,
}

impl<'a> Params<'a> {
    /// The value of the parameter `name` (compared without regard to case, as MIME
    /// parameter names are), if sent.
    pub fn get(self, name: &str) -> Option<&'a [u8]> {
        self.into_iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, value)| value)
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let at = self.next;
        self.next += 4;
        Some((
            self.wire.field_at(at).unwrap_or_default(),
            self.wire.field_at(at + 2).unwrap_or_default(),
        ))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.end.saturating_sub(self.next) / 4;
        (len, Some(len))
    }
}

impl ExactSizeIterator for Params<'_> {}

impl fmt::Debug for Params<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.clone().map(|(k, v)| (ShowBytes(k), ShowBytes(v))))
            .finish()
    }
}

/// `body-fld-dsp = "(" string SP body-fld-param ")"`: e.g. `attachment` with `filename`.
#[derive(Clone)]
#[non_exhaustive]
pub struct Disposition<'a> {
    kind: &'a [u8],
    params: Params<'a>,
}

impl<'a> Disposition<'a> {
    /// `inline`, `attachment`, ... in the server's case.
    pub fn kind(&self) -> &'a [u8] {
        self.kind
    }

    /// Its parameters (`filename`, `size`, ...).
    pub fn params(&self) -> Params<'a> {
        self.params.clone()
    }

    /// The value of the parameter `name` (compared without regard to case), if sent.
    pub fn param(&self, name: &str) -> Option<&'a [u8]> {
        self.params().get(name)
    }
}

impl PartialEq for Disposition<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.params().eq(other.params())
    }
}

impl Eq for Disposition<'_> {}

impl fmt::Debug for Disposition<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Disposition")
            .field("kind", &ShowBytes(self.kind))
            .field("params", &self.params)
            .finish()
    }
}

/// `body-extension = nstring / number / "(" body-extension *(SP body-extension) ")"`
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyExtension {
    /// `nstring`
    NString(Option<Bytes>),
    /// `number`
    Number(u64),
    /// A parenthesised list.
    List(Vec<BodyExtension>),
}

/// An owned description of a body structure, for writing expected values in tests: the shape
/// of the grammar, with every string given. [`BodyValues::build`] makes the real structure.
#[cfg(test)]
pub(crate) mod values {
    use bytes::Bytes;

    use super::{BodyExtension, BodyStructure, BodyTables, Item, PartNode};
    use crate::types::Envelope;
    use crate::types::wire_text::{Field, push_value};

    /// `body-fld-param` pairs.
    pub(crate) type ParamList = Vec<(Bytes, Bytes)>;

    /// A part: `body-type-1part` or `body-type-mpart`.
    #[derive(Debug, Clone)]
    pub(crate) enum BodyValues {
        Single {
            media_type: Bytes,
            media_subtype: Bytes,
            fields: BodyFields,
            specific: SinglePartSpecific,
            extension: Option<SinglePartExtension>,
        },
        Multipart {
            parts: Vec<BodyValues>,
            media_subtype: Bytes,
            extension: Option<MultipartExtension>,
        },
    }

    /// `body-fields`.
    #[derive(Debug, Clone, Default)]
    pub(crate) struct BodyFields {
        pub params: ParamList,
        pub id: Option<Bytes>,
        pub description: Option<Bytes>,
        pub encoding: Bytes,
        pub octets: u32,
    }

    /// What follows a single part's fields.
    #[derive(Debug, Clone)]
    pub(crate) enum SinglePartSpecific {
        Basic,
        Text {
            lines: u32,
        },
        Message {
            envelope: Box<Envelope>,
            body: Box<BodyValues>,
            lines: u32,
        },
    }

    /// `body-ext-1part`.
    #[derive(Debug, Clone, Default)]
    pub(crate) struct SinglePartExtension {
        pub md5: Option<Bytes>,
        pub tail: ExtensionTail,
    }

    /// `body-ext-mpart`.
    #[derive(Debug, Clone, Default)]
    pub(crate) struct MultipartExtension {
        pub params: ParamList,
        pub tail: ExtensionTail,
    }

    /// The fields both extension forms share.
    #[derive(Debug, Clone, Default)]
    pub(crate) struct ExtensionTail {
        pub disposition: Option<Disposition>,
        pub language: Vec<Bytes>,
        pub location: Option<Bytes>,
        pub extensions: Vec<BodyExtension>,
    }

    /// `body-fld-dsp`.
    #[derive(Debug, Clone)]
    pub(crate) struct Disposition {
        pub kind: Bytes,
        pub params: ParamList,
    }

    /// Builds the flat table, every string stored in the unescaped buffer (which equality
    /// does not see), and the extension values written out as wire text.
    struct Builder {
        out: BodyTables,
        buffer: Vec<u8>,
        text: Vec<u8>,
    }

    /// `values` as wire text, a space between each two.
    fn write_extensions(values: &[BodyExtension], text: &mut Vec<u8>) {
        for value in values {
            write_extension(value, text);
            text.push(b' ');
        }
        if !values.is_empty() {
            text.pop();
        }
    }

    /// `value` as wire text: a literal for a string a quoted one cannot hold.
    fn write_extension(value: &BodyExtension, text: &mut Vec<u8>) {
        match value {
            BodyExtension::NString(None) => text.extend_from_slice(b"NIL"),
            BodyExtension::NString(Some(s))
                if s.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)) =>
            {
                text.extend_from_slice(format!("{{{}}}\r\n", s.len()).as_bytes());
                text.extend_from_slice(s);
            }
            BodyExtension::NString(Some(s)) => {
                text.push(b'"');
                for &b in s.iter() {
                    if matches!(b, b'"' | b'\\') {
                        text.push(b'\\');
                    }
                    text.push(b);
                }
                text.push(b'"');
            }
            BodyExtension::Number(n) => text.extend_from_slice(n.to_string().as_bytes()),
            BodyExtension::List(items) => {
                text.push(b'(');
                write_extensions(items, text);
                text.push(b')');
            }
        }
    }

    impl Builder {
        fn field(&mut self, value: Option<&Bytes>) -> Field {
            push_value(&mut self.buffer, value.map(|v| &v[..]))
        }

        fn params(&mut self, params: &ParamList) -> (u32, u32) {
            let first = self.out.param_count();
            for (key, value) in params {
                let (key, value) = (self.field(Some(key)), self.field(Some(value)));
                self.out.push_param(key, value);
            }
            (first, self.out.param_count())
        }

        fn tail(&mut self, tail: &ExtensionTail, node: &mut PartNode) {
            node.has_extension();
            if let Some(d) = &tail.disposition {
                let kind = self.field(Some(&d.kind));
                node.field(Item::Disposition, kind);
                let params = self.params(&d.params);
                node.range(Item::DispositionParams, params);
            }
            let first = self.out.language_count();
            for lang in &tail.language {
                let field = self.field(Some(lang));
                self.out.push_language(field);
            }
            node.range(Item::Languages, (first, self.out.language_count()));
            let location = self.field(tail.location.as_ref());
            node.field(Item::Location, location);
            // Each part's values after a space, so that none starts at offset 0.
            self.text.push(b' ');
            let first = self.text.len() as u32;
            write_extensions(&tail.extensions, &mut self.text);
            node.range(Item::Extensions, (first, self.text.len() as u32));
        }

        fn part(&mut self, part: &BodyValues) {
            let index = self.out.open_part();
            let mut node = PartNode::new();
            let multipart = match part {
                BodyValues::Single {
                    media_type,
                    media_subtype,
                    fields,
                    specific,
                    extension,
                } => {
                    let field = self.field(Some(media_type));
                    node.field(Item::MediaType, field);
                    let field = self.field(Some(media_subtype));
                    node.field(Item::MediaSubtype, field);
                    let params = self.params(&fields.params);
                    node.range(Item::Params, params);
                    let field = self.field(fields.id.as_ref());
                    node.field(Item::Id, field);
                    let field = self.field(fields.description.as_ref());
                    node.field(Item::Description, field);
                    let field = self.field(Some(&fields.encoding));
                    node.field(Item::Encoding, field);
                    node.number(Item::Octets, fields.octets);
                    match specific {
                        SinglePartSpecific::Basic => {}
                        SinglePartSpecific::Text { lines } => node.number(Item::Lines, *lines),
                        SinglePartSpecific::Message {
                            envelope,
                            body,
                            lines,
                        } => {
                            node.number(Item::Envelope, self.out.envelopes.len() as u32);
                            self.out.envelopes.push((**envelope).clone());
                            self.part(body);
                            node.number(Item::Lines, *lines);
                        }
                    }
                    if let Some(ext) = extension {
                        node.has_extension();
                        let md5 = self.field(ext.md5.as_ref());
                        node.field(Item::Md5, md5);
                        self.tail(&ext.tail, &mut node);
                    }
                    false
                }
                BodyValues::Multipart {
                    parts,
                    media_subtype,
                    extension,
                } => {
                    for child in parts {
                        self.part(child);
                    }
                    let field = self.field(Some(media_subtype));
                    node.field(Item::MediaSubtype, field);
                    if let Some(ext) = extension {
                        node.has_extension();
                        let params = self.params(&ext.params);
                        node.range(Item::Params, params);
                        self.tail(&ext.tail, &mut node);
                    }
                    true
                }
            };
            self.out.close_part(index, &mut node, multipart);
        }
    }

    impl BodyValues {
        /// The structure these values describe.
        pub(crate) fn build(&self) -> BodyStructure {
            let mut builder = Builder {
                out: BodyTables::default(),
                buffer: Vec::new(),
                text: Vec::new(),
            };
            builder.part(self);
            builder
                .out
                .finish(Bytes::from(builder.text), &builder.buffer)
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::values::{
        BodyFields, BodyValues, ExtensionTail, SinglePartExtension, SinglePartSpecific,
    };
    use super::{BodyExtension, PartNode, Rare};
    use crate::types::detach::Detach;

    #[test]
    fn extension_values_cost_no_more_than_their_slice_did_until_read() {
        // `Rare` held a boxed slice of values (16 bytes) besides the envelopes; the cache
        // that replaces it is no bigger while empty.
        assert!(std::mem::size_of::<Rare>() <= 32);
    }

    #[test]
    fn detached_structures_build_their_values_from_their_own_text() {
        let values = vec![
            BodyExtension::NString(Some(Bytes::from_static(b"a\"b"))),
            BodyExtension::List(vec![
                BodyExtension::Number(u64::MAX),
                BodyExtension::NString(Some(Bytes::from_static(b"line\r\nbreak"))),
                BodyExtension::NString(None),
                BodyExtension::List(vec![]),
            ]),
        ];
        let structure = BodyValues::Single {
            media_type: Bytes::from_static(b"TEXT"),
            media_subtype: Bytes::from_static(b"PLAIN"),
            fields: BodyFields::default(),
            specific: SinglePartSpecific::Basic,
            extension: Some(SinglePartExtension {
                md5: None,
                tail: ExtensionTail {
                    extensions: values.clone(),
                    ..ExtensionTail::default()
                },
            }),
        }
        .build();
        // Detached before and after the first read.
        let early = structure.detached();
        assert_eq!(structure.root().extensions(), &values[..]);
        let late = structure.detached();
        drop(structure);
        assert_eq!(early.root().extensions(), &values[..]);
        assert_eq!(late.root().extensions(), &values[..]);
    }

    #[test]
    fn a_part_costs_at_most_128_bytes() {
        // docs/security.md bounds the memory of a hostile structure with this size: a part's
        // place and its longest record, and the record being read on the stack.
        const { assert!(4 * (1 + super::MAX_RECORD_WORDS) <= 128) };
        assert!(std::mem::size_of::<PartNode>() <= 128);
    }
}
