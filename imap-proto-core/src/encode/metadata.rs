//! METADATA commands: GETMETADATA and SETMETADATA (RFC 5464 §4).

use bytes::Bytes;

use super::{CommandBuilder, EncodeContext, EncodeError, EncodedCommand};

/// `GETMETADATA [(options)] mailbox entries` (RFC 5464 §4.2).
///
/// `mailbox` is `""` for server metadata. `entries` (at least one) are entry names such as
/// `/shared/comment`; see [`check_entry_name`]. `max_size` adds `MAXSIZE n`; `depth` adds
/// `DEPTH` and must be `"0"`, `"1"` or `"infinity"`.
pub fn get_metadata(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    entries: &[&str],
    max_size: Option<u64>,
    depth: Option<&str>,
) -> Result<EncodedCommand, EncodeError> {
    let depth = match depth {
        None => None,
        Some("0") => Some("0"),
        Some("1") => Some("1"),
        Some(d) if d.eq_ignore_ascii_case("infinity") => Some("infinity"),
        Some(_) => {
            return Err(EncodeError::InvalidArgument {
                what: "GETMETADATA depth",
                reason: "must be \"0\", \"1\" or \"infinity\" (RFC 5464 §4.2.2)",
            });
        }
    };
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("GETMETADATA ");
    match (max_size, depth) {
        (None, None) => {}
        (Some(size), None) => {
            b.push("(MAXSIZE ").number(size).push(") ");
        }
        (None, Some(depth)) => {
            b.push("(DEPTH ").push(depth).push(") ");
        }
        (Some(size), Some(depth)) => {
            b.push("(MAXSIZE ")
                .number(size)
                .push(" DEPTH ")
                .push(depth)
                .push(") ");
        }
    }
    b.mailbox("mailbox", mailbox)?;
    b.sp();
    match entries {
        [] => {
            return Err(EncodeError::InvalidArgument {
                what: "metadata entries",
                reason: "at least one entry is required",
            });
        }
        [entry] => entry_name(&mut b, entry)?,
        _ => {
            b.push("(");
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    b.sp();
                }
                entry_name(&mut b, entry)?;
            }
            b.push(")");
        }
    }
    Ok(b.finish())
}

/// `SETMETADATA mailbox (entry value ...)` (RFC 5464 §4.3). A `None` value (`NIL`) removes
/// the entry. Values are quoted when they fit and literals otherwise (multi-line values
/// included); a value containing NUL is sent as a `literal8`, which RFC 5464 §5 allows for
/// values.
pub fn set_metadata(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    entries: &[(&str, Option<&[u8]>)],
) -> Result<EncodedCommand, EncodeError> {
    if entries.is_empty() {
        return Err(EncodeError::InvalidArgument {
            what: "metadata entries",
            reason: "at least one entry is required",
        });
    }
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("SETMETADATA ");
    b.mailbox("mailbox", mailbox)?;
    b.push(" (");
    for (i, (entry, value)) in entries.iter().enumerate() {
        if i > 0 {
            b.sp();
        }
        entry_name(&mut b, entry)?;
        b.sp();
        match value {
            Some(data) if data.contains(&0) => {
                b.literal("metadata value", Bytes::copy_from_slice(data), true)?;
            }
            _ => {
                b.nstring("metadata value", *value)?;
            }
        }
    }
    b.push(")");
    Ok(b.finish())
}

/// Checks an entry name (RFC 5464 §3.2): it starts with `/private` or `/shared`, and has no
/// `*`, `%`, non-ASCII octets or octets 0x00-0x19.
pub fn check_entry_name(entry: &str) -> Result<(), EncodeError> {
    let refuse = |reason| EncodeError::InvalidArgument {
        what: "metadata entry name",
        reason,
    };
    if entry
        .bytes()
        .any(|b| !b.is_ascii() || b < 0x1a || b == b'*' || b == b'%')
    {
        return Err(refuse(
            "no '*', '%', non-ASCII or control characters (RFC 5464 §3.2)",
        ));
    }
    let lower = entry.to_ascii_lowercase();
    let scoped = ["/private", "/shared"].iter().any(|scope| {
        lower
            .strip_prefix(scope)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    if !scoped {
        return Err(refuse(
            "must start with /private or /shared (RFC 5464 §3.2)",
        ));
    }
    Ok(())
}

/// `entry = astring`, checked by [`check_entry_name`].
fn entry_name(b: &mut CommandBuilder, entry: &str) -> Result<(), EncodeError> {
    check_entry_name(entry)?;
    b.astring("metadata entry name", entry.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{ctx, wire};
    use super::super::{Fragment, LiteralMode, LiteralSupport};
    use super::*;

    #[test]
    fn get_metadata_forms() {
        let c = EncodeContext::default();
        assert_eq!(
            wire(&get_metadata("m", &c, "", &["/shared/comment"], None, None).unwrap()),
            "m GETMETADATA \"\" /shared/comment\r\n"
        );
        assert_eq!(
            wire(
                &get_metadata(
                    "m",
                    &c,
                    "INBOX",
                    &["/shared/comment", "/private/comment"],
                    Some(1024),
                    Some("INFINITY")
                )
                .unwrap()
            ),
            "m GETMETADATA (MAXSIZE 1024 DEPTH infinity) INBOX (/shared/comment /private/comment)\r\n"
        );
        assert_eq!(
            wire(&get_metadata("m", &c, "INBOX", &["/private"], None, Some("1")).unwrap()),
            "m GETMETADATA (DEPTH 1) INBOX /private\r\n"
        );
        assert_eq!(
            wire(&get_metadata("m", &c, "INBOX", &["/private/x y"], Some(5), None).unwrap()),
            "m GETMETADATA (MAXSIZE 5) INBOX \"/private/x y\"\r\n"
        );
        assert!(get_metadata("m", &c, "", &[], None, None).is_err());
        assert!(get_metadata("m", &c, "", &["/shared/x"], None, Some("2")).is_err());
        for bad in [
            "comment",
            "/shared*",
            "/privatex",
            "/shared/a\r\nb",
            "/shared/%",
            "/shared/\u{e9}",
        ] {
            assert!(
                get_metadata("m", &c, "", &[bad], None, None).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn set_metadata_forms() {
        let c = ctx(LiteralSupport::Sync);
        assert_eq!(
            wire(
                &set_metadata(
                    "m",
                    &c,
                    "INBOX",
                    &[("/private/comment", Some(b"My new comment"))]
                )
                .unwrap()
            ),
            "m SETMETADATA INBOX (/private/comment \"My new comment\")\r\n"
        );
        assert_eq!(
            wire(
                &set_metadata(
                    "m",
                    &c,
                    "",
                    &[("/shared/comment", None), ("/private/x", Some(b""))]
                )
                .unwrap()
            ),
            "m SETMETADATA \"\" (/shared/comment NIL /private/x \"\")\r\n"
        );
        let cmd = set_metadata(
            "m",
            &c,
            "INBOX",
            &[("/shared/comment", Some(b"line1\r\nline2"))],
        )
        .unwrap();
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(b"m SETMETADATA INBOX (/shared/comment {12}\r\n".to_vec()),
                Fragment::Literal {
                    data: Bytes::from_static(b"line1\r\nline2"),
                    mode: LiteralMode::Sync
                },
                Fragment::Line(b")\r\n".to_vec()),
            ]
        );
        assert_eq!(
            set_metadata("m", &c, "INBOX", &[("/shared/blob", Some(b"\x00\x01"))])
                .unwrap()
                .to_bytes(),
            b"m SETMETADATA INBOX (/shared/blob ~{2}\r\n\x00\x01)\r\n"
        );
        assert!(set_metadata("m", &c, "INBOX", &[]).is_err());
        assert!(set_metadata("m", &c, "INBOX", &[("bad", None)]).is_err());
    }
}
