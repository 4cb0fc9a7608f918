//! ACL, LISTRIGHTS and MYRIGHTS data (RFC 4314 §3.6–3.8).
//!
//! Identifiers and rights are `astring`s: Dovecot sends `#admin` bare and an empty required
//! rights set as `""` in LISTRIGHTS.

use super::core::{astring, keyword, mailbox, many_sp, sp};
use super::error::PResult;
use super::input::Span;
use crate::types::{AclEntry, AclResponse, ListRightsResponse, MyRightsResponse};

/// `acl-data = "ACL" SP mailbox *(SP identifier SP rights)` (RFC 4314 §7), with
/// `identifier = astring` and `rights = astring`.
pub fn acl_data(i: Span<'_>) -> PResult<'_, AclResponse> {
    let (i, _) = keyword("ACL")(i)?;
    let (i, _) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, entries) = many_sp(i, |j| {
        let (j, identifier) = astring(j)?;
        let (j, _) = sp(j)?;
        let (j, rights) = astring(j)?;
        Ok((j, AclEntry { identifier, rights }))
    })?;
    Ok((i, AclResponse { mailbox, entries }))
}

/// `listrights-data = "LISTRIGHTS" SP mailbox SP identifier SP rights *(SP rights)`
/// (RFC 4314 §7): the rights always granted, then the groups that may be granted.
pub fn listrights_data(i: Span<'_>) -> PResult<'_, ListRightsResponse> {
    let (i, _) = keyword("LISTRIGHTS")(i)?;
    let (i, _) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, _) = sp(i)?;
    let (i, identifier) = astring(i)?;
    let (i, _) = sp(i)?;
    let (i, required) = astring(i)?;
    let (i, optional) = many_sp(i, astring)?;
    Ok((
        i,
        ListRightsResponse {
            mailbox,
            identifier,
            required,
            optional,
        },
    ))
}

/// `myrights-data = "MYRIGHTS" SP mailbox SP rights` (RFC 4314 §7): the logged-in user's
/// rights on a mailbox.
pub fn myrights_data(i: Span<'_>) -> PResult<'_, MyRightsResponse> {
    let (i, _) = keyword("MYRIGHTS")(i)?;
    let (i, _) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, _) = sp(i)?;
    let (i, rights) = astring(i)?;
    Ok((i, MyRightsResponse { mailbox, rights }))
}
