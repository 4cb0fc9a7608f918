//! APPEND (RFC 9051 §6.3.12) and MULTIAPPEND (RFC 3502 §6.3.11).

use super::{CommandBuilder, EncodeContext, EncodeError, EncodedCommand, sendable_flags};
use crate::types::{AppendMessage, normalize_date_time};

/// `APPEND mailbox [(flags)] ["date-time"] literal` (RFC 9051 §6.3.12).
///
/// The message is always a literal: synchronizing unless LITERAL+ (or LITERAL- for up to 4096
/// octets) allows otherwise, so the sender may have to wait for `+`. A message containing NUL
/// is sent as a `literal8` (`~{N}`) when the server supports BINARY, and refused otherwise.
/// An empty flag list (after leaving out `\Recent` and `\*`) is omitted.
pub fn append(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    message: &AppendMessage,
) -> Result<EncodedCommand, EncodeError> {
    multi_append(tag, ctx, mailbox, std::slice::from_ref(message))
}

/// `APPEND mailbox 1*append-message` with several messages, appended atomically (RFC 3502 §3;
/// needs MULTIAPPEND). Each message carries its own flags and date.
pub fn multi_append(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    messages: &[AppendMessage],
) -> Result<EncodedCommand, EncodeError> {
    if messages.is_empty() {
        return Err(EncodeError::InvalidArgument {
            what: "APPEND messages",
            reason: "at least one message is required",
        });
    }
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("APPEND ");
    b.mailbox("mailbox", mailbox)?;
    for message in messages {
        b.sp();
        if sendable_flags(&message.flags).next().is_some() {
            b.flag_list(&message.flags)?;
            b.sp();
        }
        if let Some(date) = &message.date {
            let date = normalize_date_time(date)?;
            b.string("date-time", date.as_bytes())?;
            b.sp();
        }
        let literal8 = message.data.contains(&0);
        if literal8 && !ctx.binary {
            return Err(EncodeError::ContainsNul {
                what: "APPEND message (NUL needs the BINARY extension)",
            });
        }
        b.literal("APPEND message", message.data.clone(), literal8)?;
    }
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::wire;
    use super::super::{Fragment, LiteralMode, LiteralSupport};
    use super::*;
    use crate::types::Flag;
    use bytes::Bytes;

    const MSG: &[u8] = b"Subject: hi\r\n\r\nbody\r\n";

    fn with(literals: LiteralSupport, binary: bool) -> EncodeContext {
        EncodeContext {
            literals,
            utf8: false,
            binary,
        }
    }

    #[test]
    fn append_sync_literal() {
        let message = AppendMessage::new(MSG)
            .with_flags(vec![Flag::Seen, Flag::Recent])
            .with_date("7-Feb-1994 21:52:25 -0800");
        let cmd = append(
            "A003",
            &with(LiteralSupport::Sync, false),
            "saved-messages",
            &message,
        )
        .unwrap();
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(
                    b"A003 APPEND saved-messages (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {21}\r\n"
                        .to_vec()
                ),
                Fragment::Literal {
                    data: Bytes::from_static(MSG),
                    mode: LiteralMode::Sync
                },
                Fragment::Line(b"\r\n".to_vec()),
            ]
        );
        assert!(cmd.needs_continuation());
    }

    #[test]
    fn append_literal_plus_and_minus() {
        let small = AppendMessage::new(MSG);
        assert_eq!(
            wire(&append("a", &with(LiteralSupport::NonSync, false), "INBOX", &small).unwrap()),
            "a APPEND INBOX {21+}\r\nSubject: hi\r\n\r\nbody\r\n\r\n"
        );
        assert_eq!(
            wire(
                &append(
                    "a",
                    &with(LiteralSupport::NonSyncUpTo4096, false),
                    "INBOX",
                    &small
                )
                .unwrap()
            ),
            "a APPEND INBOX {21+}\r\nSubject: hi\r\n\r\nbody\r\n\r\n"
        );
        let big = AppendMessage::new(vec![b'x'; 5000]);
        let cmd = append(
            "a",
            &with(LiteralSupport::NonSyncUpTo4096, false),
            "INBOX",
            &big,
        )
        .unwrap();
        assert_eq!(
            cmd.fragments()[0],
            Fragment::Line(b"a APPEND INBOX {5000}\r\n".to_vec())
        );
        let cmd = append("a", &with(LiteralSupport::NonSync, false), "INBOX", &big).unwrap();
        assert_eq!(
            cmd.fragments()[0],
            Fragment::Line(b"a APPEND INBOX {5000+}\r\n".to_vec())
        );
        assert!(!cmd.needs_continuation());
    }

    #[test]
    fn append_binary_uses_literal8() {
        let message = AppendMessage::new(&b"a\0b"[..]);
        assert!(matches!(
            append(
                "a",
                &with(LiteralSupport::NonSync, false),
                "INBOX",
                &message
            ),
            Err(EncodeError::ContainsNul { .. })
        ));
        assert_eq!(
            append("a", &with(LiteralSupport::NonSync, true), "INBOX", &message)
                .unwrap()
                .to_bytes(),
            b"a APPEND INBOX ~{3+}\r\na\0b\r\n"
        );
        assert_eq!(
            append("a", &with(LiteralSupport::Sync, true), "INBOX", &message)
                .unwrap()
                .to_bytes(),
            b"a APPEND INBOX ~{3}\r\na\0b\r\n"
        );
    }

    #[test]
    fn multiappend() {
        let messages = [
            AppendMessage::new(&b"one"[..]).with_flags(vec![Flag::Draft]),
            AppendMessage::new(&b"two"[..]).with_date("\"01-Jan-2026 00:00:00 +0000\""),
        ];
        let cmd =
            multi_append("m", &with(LiteralSupport::Sync, false), "Drafts", &messages).unwrap();
        assert_eq!(
            cmd.fragments(),
            &[
                Fragment::Line(b"m APPEND Drafts (\\Draft) {3}\r\n".to_vec()),
                Fragment::Literal {
                    data: Bytes::from_static(b"one"),
                    mode: LiteralMode::Sync
                },
                Fragment::Line(b" \" 1-Jan-2026 00:00:00 +0000\" {3}\r\n".to_vec()),
                Fragment::Literal {
                    data: Bytes::from_static(b"two"),
                    mode: LiteralMode::Sync
                },
                Fragment::Line(b"\r\n".to_vec()),
            ]
        );
        assert!(multi_append("m", &EncodeContext::default(), "Drafts", &[]).is_err());
    }

    #[test]
    fn append_refusals() {
        let bad_date = AppendMessage::new(MSG).with_date("yesterday\r\nA2 LOGOUT");
        assert!(matches!(
            append("a", &EncodeContext::default(), "INBOX", &bad_date),
            Err(EncodeError::InvalidDateTime { .. })
        ));
        let bad_flag = AppendMessage::new(MSG).with_flags(vec![Flag::keyword("a b")]);
        assert!(matches!(
            append("a", &EncodeContext::default(), "INBOX", &bad_flag),
            Err(EncodeError::InvalidAtom { .. })
        ));
    }
}
