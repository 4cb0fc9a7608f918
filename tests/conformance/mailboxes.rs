//! Mailbox commands: CREATE (with special use and MAILBOXID), LIST variants, LSUB,
//! (UN)SUBSCRIBE, RENAME, DELETE, STATUS, SELECT/EXAMINE and non-ASCII names.

use std::sync::Arc;

use crate::adapter::types::{MailboxAttribute, StatusItem};
use crate::adapter::{Error, SessionState};

use super::Case;
use super::kit::{Kind, Server, T};
use super::support::{TestResult, mailbox_with, message, unique};
use crate::{case, ensure, ensure_err};

pub fn cases() -> Vec<Case> {
    vec![
        case!(create_rename_delete, [Kind::Dovecot, Kind::Cyrus]),
        case!(list_variants, [Kind::Dovecot, Kind::Cyrus]),
        case!(subscriptions, [Kind::Dovecot, Kind::Cyrus]),
        case!(special_use_and_mailbox_ids, [Kind::Dovecot, Kind::Cyrus]),
        case!(status_select_examine, [Kind::Dovecot, Kind::Cyrus]),
        case!(non_ascii_mailbox_names, [Kind::Dovecot, Kind::Cyrus]),
    ]
}

flavored! {
    async fn names(imap: &crate::adapter::ImapConnection, pattern: &str) -> Result<Vec<String>, Error> {
        Ok(aw!(imap
            .list("", pattern, T))?
            .iter()
            .map(|m| m.mailbox.name().into_owned())
            .collect())
}
}

async fn create_rename_delete(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("alice"))?;
    let name = unique("lifecycle");
    let renamed = format!("{name}-renamed");
    aw!(imap.create(&name, T))?;
    ensure!(aw!(names(&imap, &name))? == vec![name.clone()]);
    // Creating it again is the server's NO.
    ensure_err!(aw!(imap.create(&name, T)), Error::No { .. });
    aw!(imap.rename(&name, &renamed, T))?;
    ensure!(aw!(names(&imap, &name))?.is_empty());
    ensure!(aw!(names(&imap, &renamed))? == vec![renamed.clone()]);
    // Hierarchy.
    let child = format!("{renamed}/child");
    aw!(imap.create(&child, T))?;
    ensure!(aw!(names(&imap, &format!("{renamed}/%")))? == vec![child.clone()]);
    aw!(imap.delete(&child, T))?;
    aw!(imap.delete(&renamed, T))?;
    ensure!(aw!(names(&imap, &renamed))?.is_empty());
    ensure_err!(aw!(imap.delete(&renamed, T)), Error::No { .. });
    aw!(imap.logout())?;
    Ok(())
}

async fn list_variants(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("bob"))?;
    let parent = unique("listing");
    let child = format!("{parent}/kid");
    aw!(mailbox_with(&imap, &parent, 2))?;
    aw!(imap.create(&child, T))?;

    let extended = aw!(imap.list_extended("", &[&parent, &child], &[], &["CHILDREN"], T))?;
    ensure!(extended.len() == 2, "{extended:?}");
    let parent_info = extended
        .iter()
        .find(|m| m.mailbox.name() == parent)
        .ok_or_else(|| super::support::Fail::Fail(format!("no {parent} in {extended:?}")))?;
    ensure!(
        parent_info
            .attributes
            .contains(&MailboxAttribute::HasChildren),
        "{parent_info:?}"
    );

    let with_status = aw!(imap.list_status("", &format!("{parent}*"), "MESSAGES UNSEEN", T))?;
    let counts: Vec<(String, Option<u32>)> = with_status
        .iter()
        .map(|(info, items)| {
            let messages = items.iter().find_map(|i| match i {
                StatusItem::Messages(n) => Some(*n),
                _ => None,
            });
            (info.mailbox.name().into_owned(), messages)
        })
        .collect();
    ensure!(counts.contains(&(parent.clone(), Some(2))), "{counts:?}");
    ensure!(counts.contains(&(child.clone(), Some(0))), "{counts:?}");

    // The SPECIAL-USE return option, where advertised.
    if imap.capabilities().iter().any(|c| c.is("SPECIAL-USE")) {
        aw!(imap.list_extended("", &["*"], &[], &["SPECIAL-USE"], T))?;
    }
    aw!(imap.delete(&child, T))?;
    aw!(imap.delete(&parent, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn subscriptions(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("carol"))?;
    let name = unique("subscribed");
    aw!(imap.create(&name, T))?;
    aw!(imap.subscribe(&name, T))?;
    let subscribed = aw!(imap.lsub("", &name, T))?;
    ensure!(subscribed.len() == 1, "{subscribed:?}");
    let selected = aw!(imap.list_extended("", &[&name], &["SUBSCRIBED"], &[], T))?;
    ensure!(selected.len() == 1, "{selected:?}");
    aw!(imap.unsubscribe(&name, T))?;
    ensure!(aw!(imap.lsub("", &name, T))?.is_empty());
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn special_use_and_mailbox_ids(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("alice"))?;
    let caps = imap.capabilities();
    let objectid = caps.iter().any(|c| c.is("OBJECTID"));
    let special = caps.iter().any(|c| c.is("CREATE-SPECIAL-USE"));

    let plain = unique("with-id");
    let id = aw!(imap.create_with_mailbox_id(&plain, T))?;
    // RFC 8474 §4.1: a server with OBJECTID must send MAILBOXID.
    ensure!(id.is_some() == objectid, "OBJECTID {objectid}, id {id:?}");

    let first = unique("special");
    let second = unique("special");
    if special {
        // Cyrus allows one mailbox per special use and user (and refuses to delete one):
        // each user takes a use it does not have yet.
        let bob = aw!(s.login("bob"))?;
        let use_first = aw!(free_special_use(&imap))?;
        let use_second = aw!(free_special_use(&bob))?;
        aw!(imap.create_special_use(&first, std::slice::from_ref(&use_first), T))?;
        let listed = aw!(imap.list_extended("", &[&first], &[], &["SPECIAL-USE"], T))?;
        ensure!(
            listed.iter().any(|m| m.attributes.contains(&use_first)),
            "{listed:?}"
        );
        let id = aw!(bob.create_special_use_with_mailbox_id(
            &second,
            std::slice::from_ref(&use_second),
            T
        ))?;
        ensure!(id.is_some() == objectid, "{id:?}");
        let listed = aw!(bob.list_extended("", &[&second], &[], &["SPECIAL-USE"], T))?;
        ensure!(
            listed.iter().any(|m| m.attributes.contains(&use_second)),
            "{listed:?}"
        );
        for (conn, name) in [(&imap, &first), (&bob, &second)] {
            match aw!(conn.delete(name, T)) {
                Ok(()) => {}
                // Cyrus refuses to delete a special-use mailbox (specialuse_protect): drop
                // the use (its /private/specialuse annotation, RFC 6154 §4) first, so the
                // next run finds the use free again.
                Err(Error::No { .. }) if s.kind == Kind::Cyrus => {
                    aw!(conn.set_metadata(name, &[("/private/specialuse", None)], T))?;
                    aw!(conn.delete(name, T))?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        aw!(bob.logout())?;
    } else {
        let archive = [MailboxAttribute::Archive];
        ensure_err!(
            aw!(imap.create_special_use(&first, &archive, T)),
            Error::MissingCapability(_)
        );
        ensure_err!(
            aw!(imap.create_special_use_with_mailbox_id(&first, &archive, T)),
            Error::MissingCapability(_)
        );
    }
    aw!(imap.delete(&plain, T))?;
    aw!(imap.logout())?;
    Ok(())
}

flavored! {
    /// A special use the user's mailboxes do not have yet.
    async fn free_special_use(
        imap: &crate::adapter::ImapConnection,
    ) -> Result<MailboxAttribute, super::support::Fail> {
        let taken: Vec<MailboxAttribute> = aw!(imap
            .list_extended("", &["*"], &[], &["SPECIAL-USE"], T))?
            .into_iter()
            .flat_map(|m| m.attributes)
            .collect();
        [
            MailboxAttribute::Archive,
            MailboxAttribute::Junk,
            MailboxAttribute::Drafts,
            MailboxAttribute::Sent,
            MailboxAttribute::Trash,
            MailboxAttribute::Important,
        ]
        .into_iter()
        .find(|a| !taken.contains(a))
        .ok_or_else(|| super::support::Fail::Skip("every special use is taken".into()))
}
}

async fn status_select_examine(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("bob"))?;
    let name = unique("status");
    let uids = aw!(mailbox_with(&imap, &name, 3))?;
    let status = aw!(imap.status(&name, "MESSAGES UNSEEN UIDNEXT UIDVALIDITY", T))?;
    ensure!(status.messages() == Some(3), "{status:?}");
    ensure!(status.unseen() == Some(3), "{status:?}");
    if let Some(last) = uids.last() {
        ensure!(status.uid_next() == Some(last + 1), "{status:?}");
    }
    // The parenthesised form is accepted too.
    let status = aw!(imap.status(&name, "(MESSAGES)", T))?;
    ensure!(status.messages() == Some(3));

    let selected = aw!(imap.select(&name, T))?;
    ensure!(selected.exists == 3 && !selected.read_only, "{selected:?}");
    ensure!(selected.uid_validity.is_some() && selected.uid_next.is_some());
    ensure!(imap.session_state() == SessionState::Selected);
    let examined = aw!(imap.examine(&name, T))?;
    ensure!(examined.read_only && examined.exists == 3, "{examined:?}");
    aw!(imap.unselect(T))?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    aw!(imap.delete(&name, T))?;
    aw!(imap.logout())?;
    Ok(())
}

async fn non_ascii_mailbox_names(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("carol"))?;
    let name = unique("Entwürfe ✓ 日本");
    aw!(imap.create(&name, T))?;
    // Sent as modified UTF-7 (RFC 3501 §5.1.3), listed back as the same name.
    ensure!(aw!(names(&imap, "*"))?.contains(&name), "{name} not listed");
    aw!(imap.append(&name, &[], None, &message("ümlaut", "grüße"), T))?;
    let status = aw!(imap.status(&name, "MESSAGES", T))?;
    ensure!(status.messages() == Some(1), "{status:?}");
    let selected = aw!(imap.select(&name, T))?;
    ensure!(selected.exists == 1);
    let renamed = format!("{name} — neu");
    aw!(imap.close(T))?;
    aw!(imap.rename(&name, &renamed, T))?;
    ensure!(aw!(names(&imap, "*"))?.contains(&renamed));
    aw!(imap.delete(&renamed, T))?;
    aw!(imap.logout())?;
    Ok(())
}
