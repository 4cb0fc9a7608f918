//! FETCH data items on the wire (RFC 9051 §6.4.5 `fetch-att`, RFC 3516 §4, RFC 7162,
//! RFC 8474, RFC 8514, RFC 8970): the encoding of [`FetchAttr`], kept here so the data model
//! in `types/` does not depend on the encoder.

use super::{CommandBuilder, EncodeError};
use crate::types::{FetchAttr, Partial, Section, SectionKind};

impl FetchAttr {
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
                if !text.bytes().next().is_some_and(super::is_atom_char) {
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
