//! ACL commands: SETACL, DELETEACL, GETACL, LISTRIGHTS and MYRIGHTS (RFC 4314 §3).

use super::{CommandBuilder, EncodeContext, EncodeError, EncodedCommand};
use crate::encode::mailbox::one_mailbox;

/// `SETACL mailbox identifier rights` (RFC 4314 §3.1). `rights` is the rights string, with an
/// optional leading `+` (add) or `-` (remove), e.g. `"+lrs"`. Identifier and rights are
/// `astring`s.
pub fn set_acl(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    identifier: &str,
    rights: &str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("SETACL ");
    b.mailbox("mailbox", mailbox)?;
    b.sp();
    b.astring("ACL identifier", identifier.as_bytes())?;
    b.sp();
    b.astring("ACL rights", rights.as_bytes())?;
    Ok(b.finish())
}

/// `DELETEACL mailbox identifier` (RFC 4314 §3.2).
pub fn delete_acl(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    identifier: &str,
) -> Result<EncodedCommand, EncodeError> {
    mailbox_and_identifier(tag, ctx, "DELETEACL ", mailbox, identifier)
}

/// `GETACL mailbox` (RFC 4314 §3.3).
pub fn get_acl(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    one_mailbox(tag, ctx, "GETACL ", mailbox)
}

/// `LISTRIGHTS mailbox identifier` (RFC 4314 §3.4).
pub fn list_rights(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
    identifier: &str,
) -> Result<EncodedCommand, EncodeError> {
    mailbox_and_identifier(tag, ctx, "LISTRIGHTS ", mailbox, identifier)
}

/// `MYRIGHTS mailbox` (RFC 4314 §3.5).
pub fn my_rights(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    one_mailbox(tag, ctx, "MYRIGHTS ", mailbox)
}

fn mailbox_and_identifier(
    tag: &str,
    ctx: &EncodeContext,
    command: &'static str,
    mailbox: &str,
    identifier: &str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push(command);
    b.mailbox("mailbox", mailbox)?;
    b.sp();
    b.astring("ACL identifier", identifier.as_bytes())?;
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::wire;
    use super::*;

    #[test]
    fn acl_commands() {
        let ctx = EncodeContext::default();
        assert_eq!(
            wire(&set_acl("a", &ctx, "INBOX", "Fred", "+rwip").unwrap()),
            "a SETACL INBOX Fred +rwip\r\n"
        );
        assert_eq!(
            wire(&set_acl("a", &ctx, "Shared Folder", "group:staff", "").unwrap()),
            "a SETACL \"Shared Folder\" group:staff \"\"\r\n"
        );
        assert_eq!(
            wire(&delete_acl("a", &ctx, "INBOX", "-Fred").unwrap()),
            "a DELETEACL INBOX -Fred\r\n"
        );
        assert_eq!(
            wire(&get_acl("a", &ctx, "INBOX").unwrap()),
            "a GETACL INBOX\r\n"
        );
        assert_eq!(
            wire(&list_rights("a", &ctx, "~/Mail/saved", "smith").unwrap()),
            "a LISTRIGHTS ~/Mail/saved smith\r\n"
        );
        assert_eq!(
            wire(&my_rights("a", &ctx, "INBOX").unwrap()),
            "a MYRIGHTS INBOX\r\n"
        );
        assert_eq!(
            wire(&set_acl("a", &ctx, "INBOX", "a\r\nb", "l").unwrap()),
            "a SETACL INBOX {4}\r\na\r\nb l\r\n"
        );
    }
}
