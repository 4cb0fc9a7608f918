//! Mailbox commands: CREATE (with special use and MAILBOXID), LIST variants, LSUB,
//! (UN)SUBSCRIBE, RENAME, DELETE, STATUS, SELECT/EXAMINE and non-ASCII names.

use std::sync::Arc;

use imap_tokio::types::{MailboxAttribute, StatusItem};
use imap_tokio::{Error, SessionState};

use crate::kit::{Kind, Server, T};
use crate::support::{TestResult, mailbox_with, message, unique};
use crate::{Case, case, ensure, ensure_err};

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

async fn names(imap: &imap_tokio::ImapConnection, pattern: &str) -> Result<Vec<String>, Error> {
    Ok(imap
        .list("", pattern, T)
        .await?
        .iter()
        .map(|m| m.mailbox.name().into_owned())
        .collect())
}

async fn create_rename_delete(s: Arc<Server>) -> TestResult {
    let imap = s.login("alice").await?;
    let name = unique("lifecycle");
    let renamed = format!("{name}-renamed");
    imap.create(&name, T).await?;
    ensure!(names(&imap, &name).await? == vec![name.clone()]);
    // Creating it again is the server's NO.
    ensure_err!(imap.create(&name, T).await, Error::No { .. });
    imap.rename(&name, &renamed, T).await?;
    ensure!(names(&imap, &name).await?.is_empty());
    ensure!(names(&imap, &renamed).await? == vec![renamed.clone()]);
    // Hierarchy.
    let child = format!("{renamed}/child");
    imap.create(&child, T).await?;
    ensure!(names(&imap, &format!("{renamed}/%")).await? == vec![child.clone()]);
    imap.delete(&child, T).await?;
    imap.delete(&renamed, T).await?;
    ensure!(names(&imap, &renamed).await?.is_empty());
    ensure_err!(imap.delete(&renamed, T).await, Error::No { .. });
    imap.logout().await?;
    Ok(())
}

async fn list_variants(s: Arc<Server>) -> TestResult {
    let imap = s.login("bob").await?;
    let parent = unique("listing");
    let child = format!("{parent}/kid");
    mailbox_with(&imap, &parent, 2).await?;
    imap.create(&child, T).await?;

    let extended = imap
        .list_extended("", &[&parent, &child], &[], &["CHILDREN"], T)
        .await?;
    ensure!(extended.len() == 2, "{extended:?}");
    let parent_info = extended
        .iter()
        .find(|m| m.mailbox.name() == parent)
        .ok_or_else(|| crate::support::Fail::Fail(format!("no {parent} in {extended:?}")))?;
    ensure!(
        parent_info
            .attributes
            .contains(&MailboxAttribute::HasChildren),
        "{parent_info:?}"
    );

    let with_status = imap
        .list_status("", &format!("{parent}*"), "MESSAGES UNSEEN", T)
        .await?;
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
        imap.list_extended("", &["*"], &[], &["SPECIAL-USE"], T)
            .await?;
    }
    imap.delete(&child, T).await?;
    imap.delete(&parent, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn subscriptions(s: Arc<Server>) -> TestResult {
    let imap = s.login("carol").await?;
    let name = unique("subscribed");
    imap.create(&name, T).await?;
    imap.subscribe(&name, T).await?;
    let subscribed = imap.lsub("", &name, T).await?;
    ensure!(subscribed.len() == 1, "{subscribed:?}");
    let selected = imap
        .list_extended("", &[&name], &["SUBSCRIBED"], &[], T)
        .await?;
    ensure!(selected.len() == 1, "{selected:?}");
    imap.unsubscribe(&name, T).await?;
    ensure!(imap.lsub("", &name, T).await?.is_empty());
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn special_use_and_mailbox_ids(s: Arc<Server>) -> TestResult {
    let imap = s.login("alice").await?;
    let caps = imap.capabilities();
    let objectid = caps.iter().any(|c| c.is("OBJECTID"));
    let special = caps.iter().any(|c| c.is("CREATE-SPECIAL-USE"));

    let plain = unique("with-id");
    let id = imap.create_with_mailbox_id(&plain, T).await?;
    // RFC 8474 §4.1: a server with OBJECTID must send MAILBOXID.
    ensure!(id.is_some() == objectid, "OBJECTID {objectid}, id {id:?}");

    let first = unique("special");
    let second = unique("special");
    if special {
        // Cyrus allows one mailbox per special use and user (and refuses to delete one):
        // each user takes a use it does not have yet.
        let bob = s.login("bob").await?;
        let use_first = free_special_use(&imap).await?;
        let use_second = free_special_use(&bob).await?;
        imap.create_special_use(&first, std::slice::from_ref(&use_first), T)
            .await?;
        let listed = imap
            .list_extended("", &[&first], &[], &["SPECIAL-USE"], T)
            .await?;
        ensure!(
            listed.iter().any(|m| m.attributes.contains(&use_first)),
            "{listed:?}"
        );
        let id = bob
            .create_special_use_with_mailbox_id(&second, std::slice::from_ref(&use_second), T)
            .await?;
        ensure!(id.is_some() == objectid, "{id:?}");
        let listed = bob
            .list_extended("", &[&second], &[], &["SPECIAL-USE"], T)
            .await?;
        ensure!(
            listed.iter().any(|m| m.attributes.contains(&use_second)),
            "{listed:?}"
        );
        for (conn, name) in [(&imap, &first), (&bob, &second)] {
            match conn.delete(name, T).await {
                Ok(()) => {}
                // Cyrus: "NO SPECIAL-USE flag conflict" (specialuse_protect).
                Err(Error::No { .. }) if s.kind == Kind::Cyrus => {}
                Err(e) => return Err(e.into()),
            }
        }
        bob.logout().await?;
    } else {
        let archive = [MailboxAttribute::Archive];
        ensure_err!(
            imap.create_special_use(&first, &archive, T).await,
            Error::MissingCapability(_)
        );
        ensure_err!(
            imap.create_special_use_with_mailbox_id(&first, &archive, T)
                .await,
            Error::MissingCapability(_)
        );
    }
    imap.delete(&plain, T).await?;
    imap.logout().await?;
    Ok(())
}

/// A special use the user's mailboxes do not have yet.
async fn free_special_use(
    imap: &imap_tokio::ImapConnection,
) -> Result<MailboxAttribute, crate::support::Fail> {
    let taken: Vec<MailboxAttribute> = imap
        .list_extended("", &["*"], &[], &["SPECIAL-USE"], T)
        .await?
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
    .ok_or_else(|| crate::support::Fail::Skip("every special use is taken".into()))
}

async fn status_select_examine(s: Arc<Server>) -> TestResult {
    let imap = s.login("bob").await?;
    let name = unique("status");
    let uids = mailbox_with(&imap, &name, 3).await?;
    let status = imap
        .status(&name, "MESSAGES UNSEEN UIDNEXT UIDVALIDITY", T)
        .await?;
    ensure!(status.messages() == Some(3), "{status:?}");
    ensure!(status.unseen() == Some(3), "{status:?}");
    if let Some(last) = uids.last() {
        ensure!(status.uid_next() == Some(last + 1), "{status:?}");
    }
    // The parenthesised form is accepted too.
    let status = imap.status(&name, "(MESSAGES)", T).await?;
    ensure!(status.messages() == Some(3));

    let selected = imap.select(&name, T).await?;
    ensure!(selected.exists == 3 && !selected.read_only, "{selected:?}");
    ensure!(selected.uid_validity.is_some() && selected.uid_next.is_some());
    ensure!(imap.session_state() == SessionState::Selected);
    let examined = imap.examine(&name, T).await?;
    ensure!(examined.read_only && examined.exists == 3, "{examined:?}");
    imap.unselect(T).await?;
    ensure!(imap.session_state() == SessionState::Authenticated);
    imap.delete(&name, T).await?;
    imap.logout().await?;
    Ok(())
}

async fn non_ascii_mailbox_names(s: Arc<Server>) -> TestResult {
    let imap = s.login("carol").await?;
    let name = unique("Entwürfe ✓ 日本");
    imap.create(&name, T).await?;
    // Sent as modified UTF-7 (RFC 3501 §5.1.3), listed back as the same name.
    ensure!(
        names(&imap, "*").await?.contains(&name),
        "{name} not listed"
    );
    imap.append(&name, &[], None, &message("ümlaut", "grüße"), T)
        .await?;
    let status = imap.status(&name, "MESSAGES", T).await?;
    ensure!(status.messages() == Some(1), "{status:?}");
    let selected = imap.select(&name, T).await?;
    ensure!(selected.exists == 1);
    let renamed = format!("{name} — neu");
    imap.close(T).await?;
    imap.rename(&name, &renamed, T).await?;
    ensure!(names(&imap, "*").await?.contains(&renamed));
    imap.delete(&renamed, T).await?;
    imap.logout().await?;
    Ok(())
}
