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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::core::tests::run;
    use crate::types::Mailbox;
    use bytes::Bytes;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn entry(identifier: &str, rights: &str) -> AclEntry {
        AclEntry {
            identifier: b(identifier),
            rights: b(rights),
        }
    }

    #[test]
    fn acl_known_answers() {
        let table = vec![
            // Dovecot 2.3.
            (
                "ACL INBOX bob lrs #admin akxeilprwtscd alice lrwstipekxacd",
                vec![
                    entry("bob", "lrs"),
                    entry("#admin", "akxeilprwtscd"),
                    entry("alice", "lrwstipekxacd"),
                ],
            ),
            // Cyrus 3.6.
            (
                "ACL INBOX alice lrswipkxtecdan",
                vec![entry("alice", "lrswipkxtecdan")],
            ),
            ("ACL INBOX", vec![]),
            ("acl INBOX \"-fred\" \"\"", vec![entry("-fred", "")]),
        ];
        for (input, entries) in table {
            let (value, rest) = run(input.as_bytes(), acl_data).expect(input);
            assert_eq!(
                value,
                AclResponse {
                    mailbox: Mailbox::from_wire(b("INBOX")),
                    entries
                },
                "{input:?}"
            );
            assert!(rest.is_empty(), "{input:?}");
        }
        // An identifier without rights is left unparsed, so the response fails.
        let (_, rest) = run(b"ACL INBOX bob", acl_data).unwrap();
        assert_eq!(rest, b" bob");
        assert!(run(b"ACL", acl_data).is_err());
    }

    #[test]
    fn listrights_and_myrights_known_answers() {
        // Dovecot: empty required set as "".
        let (value, rest) = run(
            b"LISTRIGHTS INBOX bob \"\" l r w s t p i e k x a c d",
            listrights_data,
        )
        .unwrap();
        assert!(rest.is_empty());
        assert_eq!(value.mailbox, Mailbox::from_wire(b("INBOX")));
        assert_eq!(value.identifier, b("bob"));
        assert_eq!(value.required, b(""));
        assert_eq!(value.optional.len(), 13);
        assert_eq!(value.optional.first(), Some(&b("l")));
        // Cyrus 3.6, RFC 4314 example.
        let (value, _) = run(
            b"LISTRIGHTS ~/Mail/saved smith la r swicdkxte",
            listrights_data,
        )
        .unwrap();
        assert_eq!(
            value,
            ListRightsResponse {
                mailbox: Mailbox::from_wire(b("~/Mail/saved")),
                identifier: b("smith"),
                required: b("la"),
                optional: vec![b("r"), b("swicdkxte")],
            }
        );
        let (value, _) = run(b"MYRIGHTS INBOX lrwstipekxacd", myrights_data).unwrap();
        assert_eq!(
            value,
            MyRightsResponse {
                mailbox: Mailbox::from_wire(b("INBOX")),
                rights: b("lrwstipekxacd"),
            }
        );
        for (input, parser) in [
            (
                "LISTRIGHTS INBOX bob",
                listrights_data as fn(Span<'_>) -> PResult<'_, _>,
            ),
            ("LISTRIGHTS INBOX", listrights_data),
        ] {
            assert!(run(input.as_bytes(), parser).is_err(), "{input:?}");
        }
        assert!(run(b"MYRIGHTS INBOX", myrights_data).is_err());
        assert!(run(b"MYRIGHTS", myrights_data).is_err());
    }
}
