//! QUOTA and QUOTAROOT data (RFC 9208 §5, RFC 2087 §5).
//!
//! Lenient: an empty resource list `()` is accepted (RFC 2087's `#quota_resource` allowed
//! it), and quota root names are `astring`s, so Cyrus's bare `INBOX` and Dovecot's quoted
//! `"User quota"` both parse.

use super::core::{astring, atom, keyword, mailbox, many_sp, number64, paren_list, sp};
use super::error::PResult;
use super::input::Span;
use crate::types::{QuotaResource, QuotaResponse, QuotaRootResponse};

/// `quota-response = "QUOTA" SP quota-root-name SP quota-list` (RFC 9208 §7): usage and
/// limits under one quota root.
pub fn quota_response(i: Span<'_>) -> PResult<'_, QuotaResponse> {
    let (i, _) = keyword("QUOTA")(i)?;
    let (i, _) = sp(i)?;
    let (i, root) = astring(i)?;
    let (i, _) = sp(i)?;
    let (i, resources) = quota_list(i)?;
    Ok((i, QuotaResponse { root, resources }))
}

/// `quota-list = "(" quota-resource *(SP quota-resource) ")"` (RFC 9208 §7).
pub fn quota_list(i: Span<'_>) -> PResult<'_, Vec<QuotaResource>> {
    paren_list(i, quota_resource)
}

/// `quota-resource = resource-name SP resource-usage SP resource-limit`, with
/// `resource-name = "STORAGE" / "MESSAGE" / "MAILBOX" / "ANNOTATION-STORAGE" / atom` and
/// both numbers `number64` (RFC 9208 §7).
pub fn quota_resource(i: Span<'_>) -> PResult<'_, QuotaResource> {
    let (i, name) = atom(i)?;
    let (i, _) = sp(i)?;
    let (i, usage) = number64(i)?;
    let (i, _) = sp(i)?;
    let (i, limit) = number64(i)?;
    Ok((i, QuotaResource { name, usage, limit }))
}

/// `quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)` (RFC 9208 §7): the
/// quota roots a mailbox falls under (possibly none).
pub fn quotaroot_response(i: Span<'_>) -> PResult<'_, QuotaRootResponse> {
    let (i, _) = keyword("QUOTAROOT")(i)?;
    let (i, _) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, roots) = many_sp(i, astring)?;
    Ok((i, QuotaRootResponse { mailbox, roots }))
}
