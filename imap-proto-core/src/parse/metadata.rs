//! METADATA data (RFC 5464 §4.4): values returned by GETMETADATA and unsolicited change
//! notices.
//!
//! Entries are `astring`s, so Dovecot's bare `/private/comment` and Cyrus's quoted
//! `"/private/comment"` both parse; values are `nstring` or `literal8`.

use bytes::Bytes;

use super::core::{astring, keyword, mailbox, many_sp, nstring, paren_list, sp};
use super::error::PResult;
use super::input::Span;
use crate::types::{MetadataEntries, MetadataResponse};

/// `metadata-resp = "METADATA" SP mailbox SP (entry-values / entry-list)` (RFC 5464 §5).
/// The mailbox is `""` for server metadata.
pub fn metadata_resp(i: Span<'_>) -> PResult<'_, MetadataResponse> {
    let (i, _) = keyword("METADATA")(i)?;
    let (i, _) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, _) = sp(i)?;
    let (i, entries) = if i.as_slice().first() == Some(&b'(') {
        let (i, values) = entry_values(i)?;
        (i, MetadataEntries::Values(values))
    } else {
        let (i, entries) = entry_list(i)?;
        (i, MetadataEntries::Changed(entries))
    };
    Ok((i, MetadataResponse { mailbox, entries }))
}

/// `entry-values = "(" entry-value *(SP entry-value) ")"` (RFC 5464 §5). Lenient: `()`
/// is accepted as no values.
pub fn entry_values(i: Span<'_>) -> PResult<'_, Vec<(Bytes, Option<Bytes>)>> {
    paren_list(i, entry_value)
}

/// `entry-value = entry SP value`, `entry = astring`, `value = nstring / literal8`
/// (RFC 5464 §5); `None` is `NIL`, an entry without a value.
pub fn entry_value(i: Span<'_>) -> PResult<'_, (Bytes, Option<Bytes>)> {
    let (i, entry) = astring(i)?;
    let (i, _) = sp(i)?;
    let (i, value) = nstring(i)?;
    Ok((i, (entry, value)))
}

/// `entry-list = entry *(SP entry)` (RFC 5464 §5): the entries an unsolicited METADATA
/// response reports as changed.
pub fn entry_list(i: Span<'_>) -> PResult<'_, Vec<Bytes>> {
    let (i, first) = astring(i)?;
    let (i, more) = many_sp(i, astring)?;
    let mut entries = Vec::with_capacity(1 + more.len());
    entries.push(first);
    entries.extend(more);
    Ok((i, entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::core::tests::run;
    use crate::types::Mailbox;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn metadata_known_answers() {
        let values = |pairs: &[(&str, Option<&str>)]| {
            MetadataEntries::Values(pairs.iter().map(|&(e, v)| (b(e), v.map(b))).collect())
        };
        let table = vec![
            // Dovecot 2.3: bare entries, NIL values, literal values.
            (
                "METADATA \"\" (/shared/comment NIL /shared/admin NIL)",
                "",
                values(&[("/shared/comment", None), ("/shared/admin", None)]),
            ),
            (
                "METADATA INBOX (/private/comment {13}\r\nprobe comment)",
                "INBOX",
                values(&[("/private/comment", Some("probe comment"))]),
            ),
            // Cyrus 3.6: quoted entries.
            (
                "METADATA INBOX (\"/private/comment\" \"probe comment\" \"/private\" NIL)",
                "INBOX",
                values(&[
                    ("/private/comment", Some("probe comment")),
                    ("/private", None),
                ]),
            ),
            // literal8 value, lowercase nil.
            (
                "METADATA x (/shared/y ~{2}\r\n\0\x01 /shared/z nil)",
                "x",
                values(&[("/shared/y", Some("\0\x01")), ("/shared/z", None)]),
            ),
            // RFC 5464 §4.4.2: unsolicited change notice.
            (
                "METADATA INBOX /shared/comment /private/comment",
                "INBOX",
                MetadataEntries::Changed(vec![b("/shared/comment"), b("/private/comment")]),
            ),
            (
                "METADATA \"\" /shared/admin",
                "",
                MetadataEntries::Changed(vec![b("/shared/admin")]),
            ),
            // Lenient: an empty value list.
            ("METADATA INBOX ()", "INBOX", values(&[])),
        ];
        for (input, mailbox, entries) in table {
            let (value, rest) = run(input.as_bytes(), metadata_resp).expect(input);
            assert_eq!(
                value,
                MetadataResponse {
                    mailbox: Mailbox::from_wire(b(mailbox)),
                    entries
                },
                "{input:?}"
            );
            assert!(rest.is_empty(), "{input:?}");
        }
        for input in [
            "METADATA INBOX",
            "METADATA INBOX (/a)",
            "METADATA INBOX (/a \"x\"",
            "METADATA INBOX (/a x)",
        ] {
            let result = run(input.as_bytes(), metadata_resp);
            assert!(
                result.as_ref().map_or(true, |(_, rest)| !rest.is_empty()),
                "{input:?} gave {result:?}"
            );
        }
    }
}
