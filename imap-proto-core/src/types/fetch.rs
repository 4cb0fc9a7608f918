//! FETCH data (RFC 3501 §7.4.2, RFC 9051 §7.5.2 and the extensions that add attributes).

use bytes::Bytes;

use super::{BodyStructure, Envelope, MessageFlags, Unparsed};

/// `message-data = nz-number SP "FETCH" SP msg-att`: everything the server returned for one
/// message.
///
/// `UID`, `FLAGS` and `MODSEQ`, the attributes of every flag synchronisation (RFC 7162
/// §3.1.4.1, §3.2.5.2), and `ENVELOPE` and `BODYSTRUCTURE`, those of every message listing,
/// are fields; every other attribute is in [`FetchResponse::attributes`], in wire order. So a
/// response such as `* 4 FETCH (UID 7 FLAGS (\Seen $Junk) MODSEQ (9))` needs no allocation at
/// all, and one of `(UID FLAGS ENVELOPE BODYSTRUCTURE)` no list.
///
/// Its strings and literals are `Bytes` slices of the connection's read buffer, not copies
/// (zero-copy); an [`Envelope`] or [`BodyStructure`] holds one such slice of its wire text
/// and hands out its strings as borrowed ranges of it. Holding any of them keeps that
/// buffer's allocation (1 MiB, up to 4 MiB) alive. So a buffered result (FETCH, STORE,
/// SELECT's QRESYNC changes) whose values hold under 2 MiB, too little to cover the buffers
/// it could pin, comes with its values copied out; a larger one stays zero-copy, and holds
/// about twice its size at most. Streamed responses are always slices: to keep a few small values
/// of a large result for long while dropping the rest, copy them out
/// (`Bytes::copy_from_slice`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct FetchResponse {
    /// The message sequence number.
    pub seq: u32,
    /// The `UID`, when it was returned.
    pub uid: Option<u32>,
    /// The `FLAGS`, when they were returned.
    pub flags: Option<MessageFlags>,
    /// The `MODSEQ` (RFC 7162 §3.1.4.1), when it was returned.
    pub modseq: Option<u64>,
    /// The `ENVELOPE`, when it was returned. Boxed, as in [`MessageAttribute::Envelope`]:
    /// a response without one pays a pointer, not the envelope's size.
    pub envelope: Option<Box<Envelope>>,
    /// The `BODYSTRUCTURE`, when it was returned. The non-extensible `BODY` stays in
    /// [`FetchResponse::attributes`] ([`FetchResponse::body_structure`] finds either).
    pub body_structure: Option<Box<BodyStructure>>,
    /// Every other attribute, in wire order. A second `UID`, `FLAGS`, `MODSEQ`, `ENVELOPE`
    /// or `BODYSTRUCTURE` in the same response (a server defect) is kept here, after the
    /// first filled its field.
    pub attributes: Vec<MessageAttribute>,
}

impl FetchResponse {
    /// A response for message `seq` with no attributes yet.
    pub(crate) fn new(seq: u32) -> Self {
        FetchResponse {
            seq,
            uid: None,
            flags: None,
            modseq: None,
            envelope: None,
            body_structure: None,
            attributes: Vec::new(),
        }
    }

    /// Message `seq`'s response made of `attributes`, each put where
    /// [`FetchResponse::push`] puts it.
    pub(crate) fn with_attributes(
        seq: u32,
        attributes: impl IntoIterator<Item = MessageAttribute>,
    ) -> Self {
        let mut response = FetchResponse::new(seq);
        attributes
            .into_iter()
            .for_each(|attribute| response.push(attribute));
        response
    }

    /// Adds one attribute: `UID`, `FLAGS`, `MODSEQ`, `ENVELOPE` or `BODYSTRUCTURE` to its
    /// field while that is empty, anything else (and a repeated one) to
    /// [`FetchResponse::attributes`]. Inlined: the parser pushes attributes it has just
    /// built, so the match folds away.
    #[inline(always)]
    pub(crate) fn push(&mut self, attribute: MessageAttribute) {
        match attribute {
            MessageAttribute::Uid(uid) if self.uid.is_none() => self.uid = Some(uid),
            MessageAttribute::Flags(flags) if self.flags.is_none() => self.flags = Some(flags),
            MessageAttribute::ModSeq(modseq) if self.modseq.is_none() => self.modseq = Some(modseq),
            MessageAttribute::Envelope(envelope) if self.envelope.is_none() => {
                self.envelope = Some(envelope)
            }
            MessageAttribute::BodyStructure(body) if self.body_structure.is_none() => {
                self.body_structure = Some(body)
            }
            other => self.attributes.push(other),
        }
    }

    /// Whether the response holds no attribute at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.uid.is_none()
            && self.flags.is_none()
            && self.modseq.is_none()
            && self.envelope.is_none()
            && self.body_structure.is_none()
            && self.attributes.is_empty()
    }

    /// Every attribute as one list: the fields first (`UID`, `FLAGS`, `MODSEQ`, `ENVELOPE`,
    /// `BODYSTRUCTURE`), then [`FetchResponse::attributes`]. For code that handles all
    /// attributes alike.
    pub fn to_attribute_list(&self) -> Vec<MessageAttribute> {
        let mut copy = self.clone();
        copy.take_fields().chain(copy.attributes).collect()
    }

    /// The fields as attributes, in the order of [`FetchResponse::to_attribute_list`], taken
    /// out of their fields.
    pub(crate) fn take_fields(&mut self) -> impl Iterator<Item = MessageAttribute> + use<> {
        [
            self.uid.take().map(MessageAttribute::Uid),
            self.flags.take().map(MessageAttribute::Flags),
            self.modseq.take().map(MessageAttribute::ModSeq),
            self.envelope.take().map(MessageAttribute::Envelope),
            self.body_structure
                .take()
                .map(MessageAttribute::BodyStructure),
        ]
        .into_iter()
        .flatten()
    }

    /// The `UID`, when it was returned.
    pub fn uid(&self) -> Option<u32> {
        self.uid
    }

    /// The `FLAGS`, when they were returned.
    pub fn flags(&self) -> Option<&MessageFlags> {
        self.flags.as_ref()
    }

    /// The `ENVELOPE`, when it was returned.
    pub fn envelope(&self) -> Option<&Envelope> {
        self.envelope.as_deref()
    }

    /// The `BODYSTRUCTURE` (or non-extensible `BODY`), when it was returned.
    pub fn body_structure(&self) -> Option<&BodyStructure> {
        self.body_structure.as_deref().or_else(|| {
            self.attributes.iter().find_map(|a| match a {
                MessageAttribute::Body(body) => Some(&**body),
                _ => None,
            })
        })
    }

    /// The whole response and its parse error when it failed the grammar: the attributes
    /// before it are those that parsed before the failure (docs/security.md).
    pub fn unparsed(&self) -> Option<&Unparsed> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::Unparsed(unparsed) => Some(&**unparsed),
            _ => None,
        })
    }

    /// The `INTERNALDATE` as sent (`"17-Jul-1996 02:44:25 -0700"`), when it was returned.
    pub fn internal_date(&self) -> Option<&Bytes> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::InternalDate(date) => Some(date),
            _ => None,
        })
    }

    /// The `INTERNALDATE` as a date; `None` when absent or not a valid `date-time`.
    #[cfg(feature = "chrono")]
    pub fn internal_date_time(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.internal_date()
            .and_then(|raw| super::parse_date_time(raw))
    }

    /// The `MODSEQ`, when it was returned.
    pub fn modseq(&self) -> Option<u64> {
        self.modseq
    }

    /// The content of `BODY[section]` (or `RFC822`/`RFC822.HEADER`/`RFC822.TEXT`, or
    /// `BINARY[section]`) for the given section; `None` if absent or `NIL`.
    pub fn section(&self, wanted: &Section) -> Option<&Bytes> {
        self.attributes.iter().find_map(|a| match a {
            MessageAttribute::BodySection(body) if body.section == *wanted => body.data.as_ref(),
            _ => None,
        })
    }
}

/// One `msg-att-dynamic` or `msg-att-static` item.
///
/// At most 40 bytes: a buffered FETCH keeps one per attribute per message, so the few large
/// items (section data, unmodelled attributes) are boxed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum MessageAttribute {
    /// `"UID" SP uniqueid`. In a [`FetchResponse`], the field [`FetchResponse::uid`].
    Uid(u32),
    /// `"FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"`. In a [`FetchResponse`], the field
    /// [`FetchResponse::flags`].
    Flags(MessageFlags),
    /// `"INTERNALDATE" SP date-time`, kept as the raw 26-character string.
    InternalDate(Bytes),
    /// `"RFC822.SIZE" SP number64`
    Rfc822Size(u64),
    /// `"ENVELOPE" SP envelope`
    Envelope(Box<Envelope>),
    /// `"BODY" SP body`: the non-extensible form.
    Body(Box<BodyStructure>),
    /// `"BODYSTRUCTURE" SP body`
    BodyStructure(Box<BodyStructure>),
    /// `"BODY" section ["<" number ">"] SP nstring`, and the IMAP4rev1 `RFC822`,
    /// `RFC822.HEADER` and `RFC822.TEXT` items, which are mapped to [`SectionKind::Rfc822`],
    /// [`SectionKind::Rfc822Header`] and [`SectionKind::Rfc822Text`].
    BodySection(Box<SectionData>),
    /// `"BINARY" section-binary ["<" number ">"] SP (nstring / literal8)` (RFC 3516 §7; the
    /// origin is echoed for a partial fetch, RFC 3516 §4.2).
    Binary(Box<BinaryData>),
    /// `"BINARY.SIZE" section-binary SP number` (RFC 3516 §4)
    BinarySize {
        /// The part numbers.
        section: Vec<u32>,
        /// Decoded size in octets.
        size: u64,
    },
    /// `"MODSEQ" SP "(" permsg-modsequence ")"` (RFC 7162 §3.1.4.1). In a [`FetchResponse`],
    /// the field [`FetchResponse::modseq`].
    ModSeq(u64),
    /// `"EMAILID" SP "(" objectid ")"` (RFC 8474 §5.1)
    EmailId(Bytes),
    /// `"THREADID" SP ("(" objectid ")" / nil)` (RFC 8474 §5.2)
    ThreadId(Option<Bytes>),
    /// `"SAVEDATE" SP (date-time / nil)` (RFC 8514 §4)
    SaveDate(Option<Bytes>),
    /// `"PREVIEW" SP nstring` (RFC 8970 §4)
    Preview(Option<Bytes>),
    /// The response failed the grammar from this point on, inside intact framing: the whole
    /// response as sent and the parse error, always the last attribute. The session goes on
    /// (docs/security.md, "One bad response costs that response"). Not storable: with the
    /// `serde` feature, serializing it is an error (its parse error names a grammar rule by
    /// a `&'static str`, which cannot be read back).
    #[cfg_attr(feature = "serde", serde(skip))]
    Unparsed(Box<Unparsed>),
    /// An attribute this library does not model (e.g. `X-GM-LABELS`, `X-GM-MSGID`): its name
    /// and its value exactly as sent, so nothing is lost.
    Other(Box<OtherAttribute>),
}

/// The value of [`MessageAttribute::BodySection`]: `BODY[section]<origin>` and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SectionData {
    /// Which part.
    pub section: Section,
    /// The `<origin>` of a partial fetch.
    pub origin: Option<u32>,
    /// The data; `None` for `NIL`. A slice of the frame, never copied.
    pub data: Option<Bytes>,
}

/// The value of [`MessageAttribute::Binary`]: `BINARY[part]<origin>` and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BinaryData {
    /// The part numbers (empty for the whole message).
    pub section: Vec<u32>,
    /// The `<origin>` of a partial fetch.
    pub origin: Option<u32>,
    /// The decoded content; `None` for `NIL`. A slice of the frame, never copied.
    pub data: Option<Bytes>,
}

/// The value of [`MessageAttribute::Other`]: an attribute this library does not model.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OtherAttribute {
    /// The attribute name.
    pub name: Bytes,
    /// The raw value (an atom, a string's content, a literal's content or a whole
    /// parenthesised list including its parentheses).
    pub value: Bytes,
}

impl MessageAttribute {
    /// `BODY[section]<origin>` with its data (`None` for `NIL`).
    pub fn body_section(section: Section, origin: Option<u32>, data: Option<Bytes>) -> Self {
        MessageAttribute::BodySection(Box::new(SectionData {
            section,
            origin,
            data,
        }))
    }

    /// `BINARY[section]<origin>` with its content (`None` for `NIL`).
    pub fn binary(section: Vec<u32>, origin: Option<u32>, data: Option<Bytes>) -> Self {
        MessageAttribute::Binary(Box::new(BinaryData {
            section,
            origin,
            data,
        }))
    }

    /// An attribute this library does not model, as sent.
    pub fn other(name: Bytes, value: Bytes) -> Self {
        MessageAttribute::Other(Box::new(OtherAttribute { name, value }))
    }

    /// The data of a `BODY[...]` or `BINARY[...]` item (`None` for others and for `NIL`).
    pub fn section_data(&self) -> Option<&Bytes> {
        match self {
            MessageAttribute::BodySection(body) => body.data.as_ref(),
            MessageAttribute::Binary(binary) => binary.data.as_ref(),
            _ => None,
        }
    }
}

/// A FETCH section specifier: `section = "[" [section-spec] "]"` (RFC 9051 §6.4.5), plus the
/// IMAP4rev1 `RFC822*` items as their own kinds. Built with [`Section::new`] (or
/// `Section::default()`, the whole message); `#[non_exhaustive]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Section {
    /// `section-part = nz-number *("." nz-number)`; empty for the whole message.
    pub part: Vec<u32>,
    /// What within that part.
    pub kind: SectionKind,
}

impl Section {
    /// `kind` within the part numbered `part` (empty: the whole message), e.g.
    /// `Section::new([1, 2], SectionKind::Mime)` for `[1.2.MIME]`.
    pub fn new(part: impl Into<Vec<u32>>, kind: SectionKind) -> Self {
        Section {
            part: part.into(),
            kind,
        }
    }
}

/// `section-msgtext / "MIME"`, or the whole part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SectionKind {
    /// The whole part (`BODY[]`, `BODY[1.2]`).
    #[default]
    Full,
    /// `HEADER`
    Header,
    /// `HEADER.FIELDS (names)`
    HeaderFields(Vec<Bytes>),
    /// `HEADER.FIELDS.NOT (names)`
    HeaderFieldsNot(Vec<Bytes>),
    /// `TEXT`
    Text,
    /// `MIME`
    Mime,
    /// `RFC822` (IMAP4rev1), equivalent to `BODY[]`.
    Rfc822,
    /// `RFC822.HEADER` (IMAP4rev1), equivalent to `BODY[HEADER]`.
    Rfc822Header,
    /// `RFC822.TEXT` (IMAP4rev1), equivalent to `BODY[TEXT]`.
    Rfc822Text,
}

/// Which attribute a streamed FETCH literal belongs to.
///
/// A literal larger than [`crate::Limits::stream_threshold`] is not buffered: the framer hands
/// out the response up to the literal's header as one frame, then the literal content in chunks.
/// This names the attribute whose value those chunks are.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamedAttribute {
    /// `BODY[section]<origin>`; also `RFC822`, `RFC822.HEADER` and `RFC822.TEXT`, with the
    /// section kinds [`SectionKind::Rfc822`], [`SectionKind::Rfc822Header`] and
    /// [`SectionKind::Rfc822Text`], exactly as [`MessageAttribute::BodySection`] maps them.
    BodySection {
        /// Which part.
        section: Section,
        /// The `<origin>` of a partial fetch.
        origin: Option<u32>,
    },
    /// `BINARY[part]<origin>` (RFC 3516 §4.2).
    Binary {
        /// The part numbers (empty for the whole message).
        section: Vec<u32>,
        /// The `<origin>` of a partial fetch.
        origin: Option<u32>,
    },
}

/// The start of a FETCH response whose big literal is streamed: e.g.
/// `* 12 FETCH (UID 7 FLAGS (\Seen) BODY[1.2]<0> {123456}` CRLF, without the literal content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchStreamHead {
    /// The message sequence number.
    pub seq: u32,
    /// The attributes before the streamed one: the fields of a [`FetchResponse`] first (as
    /// [`FetchResponse::to_attribute_list`] orders them), then the others in wire order.
    pub before: Vec<MessageAttribute>,
    /// The attribute whose literal content follows in chunks.
    pub streamed: StreamedAttribute,
}

/// A second (or later) streamed literal in the same FETCH response: the text between the end of
/// the previous streamed literal and this one's header, e.g. ` UID 7 BODY[2] {99999}` CRLF.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchStreamContinuation {
    /// The attributes between the previous streamed literal and this one, ordered as in
    /// [`FetchStreamHead::before`].
    pub before: Vec<MessageAttribute>,
    /// The attribute whose literal content follows in chunks.
    pub streamed: StreamedAttribute,
}

#[cfg(test)]
mod tests {
    use super::{FetchResponse, MessageAttribute};

    #[test]
    fn an_attribute_costs_at_most_40_bytes() {
        // Issue 15 item 2: a buffered FETCH keeps one per attribute per message.
        assert!(std::mem::size_of::<MessageAttribute>() <= 40);
        // And one response per message: UID, FLAGS and MODSEQ cost no more than the two
        // attributes they replace in the list, ENVELOPE and BODYSTRUCTURE a pointer each
        // (less than the 40 bytes of a list entry, and a listing needs no list).
        assert!(std::mem::size_of::<FetchResponse>() <= 104);
    }
}
