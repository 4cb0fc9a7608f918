//! QUOTA commands: GETQUOTA, GETQUOTAROOT and SETQUOTA (RFC 9208 §4, RFC 2087).

use super::{CommandBuilder, EncodeContext, EncodeError, EncodedCommand};
use crate::encode::mailbox::one_mailbox;

/// `GETQUOTA root` (RFC 9208 §4.2). The quota root is an `astring`, sent as given (not a
/// mailbox name, so no modified UTF-7 conversion).
pub fn get_quota(
    tag: &str,
    ctx: &EncodeContext,
    root: &str,
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("GETQUOTA ");
    b.astring("quota root", root.as_bytes())?;
    Ok(b.finish())
}

/// `GETQUOTAROOT mailbox` (RFC 9208 §4.3).
pub fn get_quota_root(
    tag: &str,
    ctx: &EncodeContext,
    mailbox: &str,
) -> Result<EncodedCommand, EncodeError> {
    one_mailbox(tag, ctx, "GETQUOTAROOT ", mailbox)
}

/// `SETQUOTA root (resource limit ...)` (RFC 9208 §4.1; needs QUOTASET). Resource names such
/// as `STORAGE` or `MESSAGE` must be atoms. An empty list removes all limits.
pub fn set_quota(
    tag: &str,
    ctx: &EncodeContext,
    root: &str,
    resources: &[(&str, u64)],
) -> Result<EncodedCommand, EncodeError> {
    let mut b = CommandBuilder::new(tag, ctx)?;
    b.push("SETQUOTA ");
    b.astring("quota root", root.as_bytes())?;
    b.push(" (");
    for (i, (name, limit)) in resources.iter().enumerate() {
        if i > 0 {
            b.sp();
        }
        b.atom("quota resource name", name)?;
        b.sp().number(*limit);
    }
    b.push(")");
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::wire;
    use super::*;

    #[test]
    fn quota_commands() {
        let ctx = EncodeContext::default();
        assert_eq!(
            wire(&get_quota("q", &ctx, "").unwrap()),
            "q GETQUOTA \"\"\r\n"
        );
        assert_eq!(
            wire(&get_quota("q", &ctx, "User quota").unwrap()),
            "q GETQUOTA \"User quota\"\r\n"
        );
        assert_eq!(
            wire(&get_quota_root("q", &ctx, "INBOX").unwrap()),
            "q GETQUOTAROOT INBOX\r\n"
        );
        assert_eq!(
            wire(&set_quota("q", &ctx, "", &[("STORAGE", 512), ("MESSAGE", 1000)]).unwrap()),
            "q SETQUOTA \"\" (STORAGE 512 MESSAGE 1000)\r\n"
        );
        assert_eq!(
            wire(&set_quota("q", &ctx, "r", &[]).unwrap()),
            "q SETQUOTA r ()\r\n"
        );
        assert!(matches!(
            set_quota("q", &ctx, "", &[("STORAGE 1) (X", 5)]),
            Err(EncodeError::InvalidAtom { .. })
        ));
    }
}
