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

/// `entry-values = "(" entry-value *(SP entry-value) ")"` (RFC 5464 §5).
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
