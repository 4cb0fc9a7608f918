//! FETCH data items a client asks for (RFC 9051 §6.4.5 `fetch-att`, and the extensions that add
//! items).

use crate::encode::{CommandBuilder, EncodeError};

use super::{Section, SectionKind};

/// A byte range of a body section: `<origin.length>` (RFC 9051 §6.4.5 `partial`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Partial {
    /// The first octet wanted (0-based).
    pub origin: u64,
    /// How many octets at most; must not be 0 (`nz-number64`).
    pub length: u64,
}

/// One item of a FETCH request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

    /// Writes the item (a macro writes its name: the caller expands macros in lists).
    pub(crate) fn encode(&self, b: &mut CommandBuilder) -> Result<(), EncodeError> {
        match self {
            FetchAttr::All => b.push("ALL"),
            FetchAttr::Fast => b.push("FAST"),
            FetchAttr::Full => b.push("FULL"),
            FetchAttr::Uid => b.push("UID"),
            FetchAttr::Flags => b.push("FLAGS"),
            FetchAttr::InternalDate => b.push("INTERNALDATE"),
            FetchAttr::Rfc822Size => b.push("RFC822.SIZE"),
            FetchAttr::Envelope => b.push("ENVELOPE"),
            FetchAttr::Body => b.push("BODY"),
            FetchAttr::BodyStructure => b.push("BODYSTRUCTURE"),
            FetchAttr::BodySection {
                section,
                partial,
                peek,
            } => {
                b.push(if *peek { "BODY.PEEK[" } else { "BODY[" });
                encode_section(b, section)?;
                b.push("]");
                encode_partial(b, *partial)?;
                b
            }
            FetchAttr::Binary {
                part,
                partial,
                peek,
            } => {
                b.push(if *peek { "BINARY.PEEK[" } else { "BINARY[" });
                encode_part(b, part)?;
                b.push("]");
                encode_partial(b, *partial)?;
                b
            }
            FetchAttr::BinarySize { part } => {
                b.push("BINARY.SIZE[");
                encode_part(b, part)?;
                b.push("]")
            }
            FetchAttr::ModSeq => b.push("MODSEQ"),
            FetchAttr::EmailId => b.push("EMAILID"),
            FetchAttr::ThreadId => b.push("THREADID"),
            FetchAttr::Preview { lazy: false } => b.push("PREVIEW"),
            FetchAttr::Preview { lazy: true } => b.push("PREVIEW (LAZY)"),
            FetchAttr::SaveDate => b.push("SAVEDATE"),
            FetchAttr::Rfc822 => b.push("RFC822"),
            FetchAttr::Rfc822Header => b.push("RFC822.HEADER"),
            FetchAttr::Rfc822Text => b.push("RFC822.TEXT"),
            FetchAttr::Other(text) => {
                if !text.bytes().next().is_some_and(crate::encode::is_atom_char) {
                    return Err(EncodeError::InvalidAtom {
                        what: "fetch item",
                        value: text.clone(),
                    });
                }
                b.raw_text("fetch item", text)?
            }
        };
        Ok(())
    }
}

/// `section-part = nz-number *("." nz-number)`
fn encode_part(b: &mut CommandBuilder, part: &[u32]) -> Result<(), EncodeError> {
    for (i, &n) in part.iter().enumerate() {
        if n == 0 {
            return Err(EncodeError::InvalidArgument {
                what: "section part",
                reason: "part numbers start at 1",
            });
        }
        if i > 0 {
            b.push(".");
        }
        b.number(u64::from(n));
    }
    Ok(())
}

/// `section-spec = section-msgtext / (section-part ["." section-text])`
fn encode_section(b: &mut CommandBuilder, section: &Section) -> Result<(), EncodeError> {
    encode_part(b, &section.part)?;
    let has_part = !section.part.is_empty();
    let dot = |b: &mut CommandBuilder| {
        if has_part {
            b.push(".");
        }
    };
    match &section.kind {
        SectionKind::Full => {}
        SectionKind::Header => {
            dot(b);
            b.push("HEADER");
        }
        SectionKind::Text => {
            dot(b);
            b.push("TEXT");
        }
        SectionKind::Mime => {
            if !has_part {
                return Err(EncodeError::InvalidArgument {
                    what: "section",
                    reason: "MIME needs a part number (RFC 9051 §6.4.5)",
                });
            }
            b.push(".MIME");
        }
        SectionKind::HeaderFields(names) | SectionKind::HeaderFieldsNot(names) => {
            if names.is_empty() {
                return Err(EncodeError::InvalidArgument {
                    what: "section",
                    reason: "HEADER.FIELDS needs at least one field name",
                });
            }
            dot(b);
            b.push(if matches!(section.kind, SectionKind::HeaderFields(_)) {
                "HEADER.FIELDS ("
            } else {
                "HEADER.FIELDS.NOT ("
            });
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    b.sp();
                }
                b.astring("header field name", name)?;
            }
            b.push(")");
        }
        SectionKind::Rfc822 | SectionKind::Rfc822Header | SectionKind::Rfc822Text => {
            return Err(EncodeError::InvalidArgument {
                what: "section",
                reason: "RFC822 kinds are items of their own: use FetchAttr::Rfc822, \
                         Rfc822Header or Rfc822Text",
            });
        }
    }
    Ok(())
}

/// `partial = "<" number64 "." nz-number64 ">"`
fn encode_partial(b: &mut CommandBuilder, partial: Option<Partial>) -> Result<(), EncodeError> {
    if let Some(Partial { origin, length }) = partial {
        if length == 0 {
            return Err(EncodeError::InvalidArgument {
                what: "partial",
                reason: "the length of a partial fetch must not be 0",
            });
        }
        b.push("<")
            .number(origin)
            .push(".")
            .number(length)
            .push(">");
    }
    Ok(())
}
