//! QUOTA and QUOTAROOT data (RFC 9208 §5, RFC 2087 §5).
//!
//! Lenient: an empty resource list `()` is accepted (RFC 2087's `#quota_resource` allowed
//! it), and quota root names are `astring`s, so Cyrus's bare `INBOX` and Dovecot's quoted
//! `"User quota"` both parse.

use super::core::{astring, atom, keyword, mailbox, many_sp, number64, paren_list, sp};
use super::error::PResult;
use super::input::Span;
use crate::types::{QuotaResource, QuotaResponse, QuotaRoot};

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
pub fn quotaroot_response(i: Span<'_>) -> PResult<'_, QuotaRoot> {
    let (i, _) = keyword("QUOTAROOT")(i)?;
    let (i, _) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, roots) = many_sp(i, astring)?;
    Ok((i, QuotaRoot { mailbox, roots }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::core::tests::run;
    use crate::types::Mailbox;
    use bytes::Bytes;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn res(name: &str, usage: u64, limit: u64) -> QuotaResource {
        QuotaResource {
            name: b(name),
            usage,
            limit,
        }
    }

    #[test]
    fn quota_known_answers() {
        let table = vec![
            // Dovecot 2.3 and Cyrus 3.6.
            (
                "QUOTA \"User quota\" (STORAGE 1 102400)",
                "User quota",
                vec![res("STORAGE", 1, 102_400)],
            ),
            (
                "QUOTA INBOX (STORAGE 0 102400)",
                "INBOX",
                vec![res("STORAGE", 0, 102_400)],
            ),
            // RFC 9208 §5.1 style, several resources, 64-bit values.
            (
                "QUOTA \"\" (STORAGE 10 512 MESSAGE 3 100 ANNOTATION-STORAGE 9000000000 18000000000)",
                "",
                vec![
                    res("STORAGE", 10, 512),
                    res("MESSAGE", 3, 100),
                    res("ANNOTATION-STORAGE", 9_000_000_000, 18_000_000_000),
                ],
            ),
            // RFC 2087 allowed an empty list.
            ("quota x ()", "x", vec![]),
        ];
        for (input, root, resources) in table {
            let (value, rest) = run(input.as_bytes(), quota_response).expect(input);
            assert_eq!(
                value,
                QuotaResponse {
                    root: b(root),
                    resources
                },
                "{input:?}"
            );
            assert!(rest.is_empty(), "{input:?}");
        }
        for input in [
            "QUOTA x",
            "QUOTA x (STORAGE 1)",
            "QUOTA x (STORAGE a 1)",
            "QUOTA x (STORAGE 1 2 3)",
            "QUOTA (STORAGE 1 2)",
            "QUOTA x (STORAGE 1 2",
        ] {
            assert!(run(input.as_bytes(), quota_response).is_err(), "{input:?}");
        }
    }

    #[test]
    fn quotaroot_known_answers() {
        let table: Vec<(&str, &str, Vec<&str>)> = vec![
            (
                "QUOTAROOT INBOX \"User quota\"",
                "INBOX",
                vec!["User quota"],
            ),
            // Cyrus 3.6: the root has the mailbox's name.
            ("QUOTAROOT INBOX INBOX", "INBOX", vec!["INBOX"]),
            ("QUOTAROOT comp.mail.mime", "comp.mail.mime", vec![]),
            ("QUOTAROOT x a \"b c\" {1}\r\nd", "x", vec!["a", "b c", "d"]),
        ];
        for (input, mailbox, roots) in table {
            let (value, rest) = run(input.as_bytes(), quotaroot_response).expect(input);
            assert_eq!(
                value,
                QuotaRoot {
                    mailbox: Mailbox::from_wire(b(mailbox)),
                    roots: roots.into_iter().map(b).collect(),
                },
                "{input:?}"
            );
            assert!(rest.is_empty(), "{input:?}");
        }
        assert!(run(b"QUOTAROOT", quotaroot_response).is_err());
        assert!(run(b"QUOTAROOT (x)", quotaroot_response).is_err());
    }
}
