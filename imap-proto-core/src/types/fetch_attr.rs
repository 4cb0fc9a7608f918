//! FETCH data items a client asks for (RFC 9051 §6.4.5 `fetch-att`, and the extensions that add
//! items).

use super::{Section, SectionKind};

/// A byte range of a body section: `<origin.length>` (RFC 9051 §6.4.5 `partial`), built with
/// [`Partial::new`] (`#[non_exhaustive]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Partial {
    /// The first octet wanted (0-based).
    pub origin: u64,
    /// How many octets at most; must not be 0 (`nz-number64`).
    pub length: u64,
}

impl Partial {
    /// At most `length` octets from `origin` (0-based); a zero `length` is refused when the
    /// command is encoded.
    pub fn new(origin: u64, length: u64) -> Self {
        Partial { origin, length }
    }
}

/// One item of a FETCH request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FetchAttr {
    /// `ALL` macro: `FLAGS INTERNALDATE RFC822.SIZE ENVELOPE`.
    All,
    /// `FAST` macro: `FLAGS INTERNALDATE RFC822.SIZE`.
    Fast,
    /// `FULL` macro: `FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY`.
    Full,
    /// `UID`
    Uid,
    /// `FLAGS`
    Flags,
    /// `INTERNALDATE`
    InternalDate,
    /// `RFC822.SIZE`
    Rfc822Size,
    /// `ENVELOPE`
    Envelope,
    /// `BODY`: the non-extensible body structure.
    Body,
    /// `BODYSTRUCTURE`
    BodyStructure,
    /// `BODY[section]<partial>`, or with `peek` `BODY.PEEK[section]<partial>`, which does not
    /// set `\Seen`. The `Rfc822*` section kinds are not valid here: use
    /// [`FetchAttr::Rfc822`], [`FetchAttr::Rfc822Header`] or [`FetchAttr::Rfc822Text`].
    BodySection {
        /// The section.
        section: Section,
        /// An optional byte range.
        partial: Option<Partial>,
        /// `BODY.PEEK` instead of `BODY`.
        peek: bool,
    },
    /// `BINARY[part]<partial>` or with `peek` `BINARY.PEEK[...]`: the part with its
    /// content-transfer-encoding removed (RFC 3516 §4.1).
    Binary {
        /// The part numbers; empty for the whole message.
        part: Vec<u32>,
        /// An optional byte range.
        partial: Option<Partial>,
        /// `BINARY.PEEK` instead of `BINARY`.
        peek: bool,
    },
    /// `BINARY.SIZE[part]`: the decoded size of a part (RFC 3516 §4.2).
    BinarySize {
        /// The part numbers; empty for the whole message.
        part: Vec<u32>,
    },
    /// `MODSEQ` (RFC 7162 §3.1.4)
    ModSeq,
    /// `EMAILID` (RFC 8474 §5.1)
    EmailId,
    /// `THREADID` (RFC 8474 §5.2)
    ThreadId,
    /// `PREVIEW`, or `PREVIEW (LAZY)` when the server should not generate a preview it does
    /// not have yet (RFC 8970 §3).
    Preview {
        /// Add the `LAZY` modifier.
        lazy: bool,
    },
    /// `SAVEDATE` (RFC 8514 §4)
    SaveDate,
    /// `RFC822` (IMAP4rev1): the whole message, setting `\Seen`.
    Rfc822,
    /// `RFC822.HEADER` (IMAP4rev1): the header, without setting `\Seen`.
    Rfc822Header,
    /// `RFC822.TEXT` (IMAP4rev1): the body text, setting `\Seen`.
    Rfc822Text,
    /// Any other item, such as `X-GM-LABELS`, sent as is. It must start with an atom
    /// character and pass the raw-text checks of `CommandBuilder::raw_text` (no CR, LF, NUL,
    /// `{`, unbalanced brackets).
    Other(String),
}

impl FetchAttr {
    /// `BODY.PEEK[section]`: fetch without setting `\Seen`.
    pub fn body_peek(section: Section) -> Self {
        FetchAttr::BodySection {
            section,
            partial: None,
            peek: true,
        }
    }

    /// `BODY[section]`: fetch and set `\Seen`.
    pub fn body(section: Section) -> Self {
        FetchAttr::BodySection {
            section,
            partial: None,
            peek: false,
        }
    }

    /// `BODY.PEEK[]`: the whole message, without setting `\Seen`.
    pub fn whole_message_peek() -> Self {
        Self::body_peek(Section::default())
    }

    /// `BODY.PEEK[HEADER.FIELDS (names...)]`.
    pub fn header_fields_peek<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<bytes::Bytes>,
    {
        Self::body_peek(Section {
            part: Vec::new(),
            kind: SectionKind::HeaderFields(names.into_iter().map(Into::into).collect()),
        })
    }

    /// True for the `ALL`, `FAST` and `FULL` macros, which may only stand alone.
    pub fn is_macro(&self) -> bool {
        matches!(self, FetchAttr::All | FetchAttr::Fast | FetchAttr::Full)
    }

    /// The items a macro stands for (RFC 9051 §6.4.5); `None` for other items.
    pub fn macro_expansion(&self) -> Option<&'static [FetchAttr]> {
        const FAST: &[FetchAttr] = &[
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
        ];
        const ALL: &[FetchAttr] = &[
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
            FetchAttr::Envelope,
        ];
        const FULL: &[FetchAttr] = &[
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
            FetchAttr::Envelope,
            FetchAttr::Body,
        ];
        match self {
            FetchAttr::All => Some(ALL),
            FetchAttr::Fast => Some(FAST),
            FetchAttr::Full => Some(FULL),
            _ => None,
        }
    }
}
