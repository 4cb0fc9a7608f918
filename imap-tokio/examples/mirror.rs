//! Mirror a whole IMAP account into a local Maildir, incrementally: the first run fetches
//! everything, each later run only what changed (new messages, expunges, flags, a new
//! UIDVALIDITY), with the best sync the server offers (`sync_mailbox`), and prints it.
//!
//! ```sh
//! cargo xtask mirror                      # a private Dovecot: seeded, mirrored, changed, mirrored again
//! cargo run -p imap-tokio --example mirror -- --maildir ~/Mail/mirror   # IMAP_HOST, IMAP_USER ... set
//! ```
//!
//! Flags: `--maildir PATH` (default `./maildir`), `--server-env PATH` (a test kit
//! `server.env`), `--seed` (append sample messages first), `--change` (before syncing,
//! change the account from a second connection: two new messages, one flagged, one
//! expunged, so the run has something to report).
//!
//! Layout: one Maildir per mailbox (`cur/`, `new/`, `tmp/`; hierarchy separators become
//! `.`), each message `cur/<uid>.<uidvalidity>:2,<flags>` with the Maildir flags
//! (D F R S T); the sync state of every mailbox in `.imap-mirror.json` (the core's serde
//! form of `MailboxState`). New messages are streamed (`uid_fetch_streaming`) into `tmp/`
//! and renamed into `cur/`, so memory stays bounded whatever their size.

#[path = "common/target.rs"]
mod target;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use imap_tokio::types::{
    FetchAttr, Flag, MailboxAttribute, MailboxState, MessageAttribute, Section, SequenceSet,
    StoreOperation, SyncDelta, SyncOptions,
};
use imap_tokio::{Error, ImapConnection};
use indicatif::{ProgressBar, ProgressStyle};
use target::{T, Target};

/// The saved states, by mailbox name.
type States = BTreeMap<String, MailboxState>;

const STATE_FILE: &str = ".imap-mirror.json";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mirror: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut maildir, mut server_env, mut seed, mut change) =
        (PathBuf::from("maildir"), None, false, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--maildir" => maildir = args.next().ok_or("--maildir needs a path")?.into(),
            "--server-env" => server_env = Some(args.next().ok_or("--server-env needs a path")?),
            "--seed" => seed = true,
            "--change" => change = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let target = Target::from(server_env.as_deref())?;
    let imap = target.login().await.map_err(|e| format!("login: {e}"))?;
    if seed {
        seed_account(&imap)
            .await
            .map_err(|e| format!("seed: {e}"))?;
    }
    if change {
        let other = target.login().await.map_err(|e| format!("login: {e}"))?;
        change_account(&other)
            .await
            .map_err(|e| format!("change: {e}"))?;
        other.logout().await.map_err(|e| e.to_string())?;
    }
    std::fs::create_dir_all(&maildir).map_err(|e| format!("{maildir:?}: {e}"))?;
    let state_path = maildir.join(STATE_FILE);
    let mut states: States = match std::fs::read(&state_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("{state_path:?}: {e}"))?,
        Err(_) => {
            println!(
                "first run: mirroring {}@{} into {}",
                target.user,
                target.host,
                maildir.display()
            );
            States::new()
        }
    };

    // 1. Sync every selectable mailbox: what changed since the saved state.
    let mailboxes: Vec<String> = imap
        .list("", "*", T)
        .await
        .map_err(|e| format!("LIST: {e}"))?
        .into_iter()
        .filter(|m| {
            !m.attributes.iter().any(|a| {
                matches!(
                    a,
                    MailboxAttribute::NoSelect | MailboxAttribute::NonExistent
                )
            })
        })
        .map(|m| m.mailbox.name().into_owned())
        .collect();
    let mut deltas = Vec::new();
    for name in &mailboxes {
        let saved = states
            .get(name)
            .cloned()
            .unwrap_or_else(MailboxState::tracking_flags);
        let options = SyncOptions::default().with_read_only(true);
        let delta = imap
            .sync_mailbox(name, &saved, &options, T)
            .await
            .map_err(|e| format!("{name}: {e}"))?;
        deltas.push((name.clone(), delta));
    }
    for gone in states
        .keys()
        .filter(|n| !mailboxes.contains(n))
        .cloned()
        .collect::<Vec<_>>()
    {
        let dir = maildir.join(folder(&gone));
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{dir:?}: {e}"))?;
        states.remove(&gone);
        println!("{gone}: mailbox deleted on the server, local copy removed");
    }

    // 2. Apply each delta; stream the new messages with one progress bar for all.
    let total: u64 = deltas.iter().map(|(_, d)| d.new.len()).sum();
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} messages {bytes_per_sec} {msg}")
            .map_err(|e| e.to_string())?,
    );
    let mut report = Vec::new();
    for (name, delta) in &deltas {
        let dir = maildir.join(folder(name));
        let fetched = apply(&imap, name, &dir, delta, &bar).await?;
        states.insert(name.clone(), delta.state.clone());
        let json = serde_json::to_vec_pretty(&states).map_err(|e| e.to_string())?;
        std::fs::write(&state_path, json).map_err(|e| format!("{state_path:?}: {e}"))?;
        report.push(summary(name, delta, fetched));
    }
    bar.finish_and_clear();
    for line in report {
        println!("{line}");
    }
    imap.logout().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// One line per mailbox: what changed and how it was found.
fn summary(name: &str, delta: &SyncDelta, bytes: u64) -> String {
    if delta.is_empty() {
        return format!(
            "{name}: unchanged ({:?}, {} messages)",
            delta.strategy,
            delta.state.known_uids.len()
        );
    }
    let flags = delta
        .changed
        .iter()
        .filter(|u| !delta.new.contains(u.uid))
        .count();
    format!(
        "{name}: {}{} new ({bytes} bytes), {} expunged, {flags} with new flags ({:?}, {} messages)",
        if delta.uid_validity_changed {
            "UIDVALIDITY changed, local copy replaced; "
        } else {
            ""
        },
        delta.new.len(),
        delta.expunged.len(),
        delta.strategy,
        delta.state.known_uids.len(),
    )
}

/// A mailbox name as a directory name.
fn folder(name: &str) -> String {
    name.chars()
        .map(|c| if c == '/' || c.is_control() { '.' } else { c })
        .collect()
}

/// The Maildir info suffix for IMAP flags (keywords have no Maildir form).
fn maildir_flags(flags: &[Flag]) -> String {
    let mut letters: Vec<char> = flags
        .iter()
        .filter_map(|f| match f {
            Flag::Draft => Some('D'),
            Flag::Flagged => Some('F'),
            Flag::Answered => Some('R'),
            Flag::Seen => Some('S'),
            Flag::Deleted => Some('T'),
            _ => None,
        })
        .collect();
    letters.sort_unstable();
    format!(":2,{}", letters.into_iter().collect::<String>())
}

/// The files in `cur/` by UID.
fn index(cur: &Path) -> HashMap<u32, PathBuf> {
    let Ok(entries) = std::fs::read_dir(cur) else {
        return HashMap::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            Some((name.split('.').next()?.parse().ok()?, e.path()))
        })
        .collect()
}

/// Applies one delta to the mailbox's Maildir; returns the bytes fetched.
async fn apply(
    imap: &ImapConnection,
    name: &str,
    dir: &Path,
    delta: &SyncDelta,
    bar: &ProgressBar,
) -> Result<u64, String> {
    let (cur, tmp) = (dir.join("cur"), dir.join("tmp"));
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{dir:?}: {e}"))?;
    }
    let io = |e: std::io::Error| format!("{name}: {e}");
    if delta.uid_validity_changed {
        for path in index(&cur).into_values() {
            std::fs::remove_file(path).map_err(io)?;
        }
    }
    let files = index(&cur);
    for uid in delta.expunged.iter() {
        if let Some(path) = files.get(&uid) {
            std::fs::remove_file(path).map_err(io)?;
        }
    }
    let validity = delta.state.uid_validity;
    for update in delta.changed.iter().filter(|u| !delta.new.contains(u.uid)) {
        if let Some(path) = files.get(&update.uid) {
            let renamed = cur.join(format!(
                "{}.{validity}{}",
                update.uid,
                maildir_flags(&update.flags)
            ));
            std::fs::rename(path, renamed).map_err(io)?;
        }
    }
    let Some(new) = delta.new_messages() else {
        return Ok(0);
    };
    bar.set_message(name.to_string());
    imap.examine(name, T)
        .await
        .map_err(|e| format!("{name}: {e}"))?;
    let flags: HashMap<u32, &[Flag]> = delta
        .changed
        .iter()
        .map(|u| (u.uid, u.flags.as_slice()))
        .collect();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let items = [FetchAttr::Uid, FetchAttr::body_peek(Section::default())];
    let fetch = imap.uid_fetch_streaming(&new, &items, tx, T);
    // Each message's body arrives as one or more chunks with the same sequence number.
    let write = async {
        let mut open: Option<(u32, Option<u32>, std::fs::File, PathBuf)> = None;
        let mut bytes = 0u64;
        let finish = |done: (u32, Option<u32>, std::fs::File, PathBuf)| -> Result<(), String> {
            let (seq, uid, file, path) = done;
            drop(file);
            let uid = uid.ok_or(format!("{name}: message {seq} came without its UID"))?;
            let flags = flags.get(&uid).copied().unwrap_or(&[]);
            std::fs::rename(
                &path,
                cur.join(format!("{uid}.{validity}{}", maildir_flags(flags))),
            )
            .map_err(io)?;
            bar.inc(1);
            Ok(())
        };
        while let Some(item) = rx.recv().await {
            let response = item.map_err(|e: Error| format!("{name}: {e}"))?;
            if open.as_ref().is_some_and(|o| o.0 != response.seq) {
                finish(open.take().expect("checked"))?;
            }
            if open.is_none() {
                let path = tmp.join(format!("{}.{}", std::process::id(), response.seq));
                let file = std::fs::File::create(&path).map_err(io)?;
                open = Some((response.seq, None, file, path));
            }
            let current = open.as_mut().expect("just opened");
            if let Some(uid) = response.uid {
                current.1 = Some(uid);
            }
            for attribute in &response.attributes {
                if let MessageAttribute::BodySection(section) = attribute {
                    let data = section.data.as_deref().unwrap_or_default();
                    current.2.write_all(data).map_err(io)?;
                    bytes += data.len() as u64;
                }
            }
        }
        if let Some(done) = open.take() {
            finish(done)?;
        }
        Ok::<u64, String>(bytes)
    };
    let (fetched, written) = tokio::join!(fetch, write);
    fetched.map_err(|e| format!("{name}: {e}"))?;
    written
}

/// A few sample messages in INBOX and a second mailbox.
async fn seed_account(imap: &ImapConnection) -> Result<(), Error> {
    let _ = imap.create("Archive", T).await;
    for (mailbox, count) in [("INBOX", 12), ("Archive", 30)] {
        for i in 0..count {
            let body = "A line of the message body.\r\n".repeat(40 + i * 13);
            imap.append(
                mailbox,
                &[],
                None,
                &sample(&format!("{mailbox} sample {i}"), &body),
                T,
            )
            .await?;
        }
    }
    Ok(())
}

/// Changes from another device: two new messages, one flagged, the oldest expunged.
async fn change_account(imap: &ImapConnection) -> Result<(), Error> {
    for i in 0..2 {
        imap.append(
            "INBOX",
            &[],
            None,
            &sample(&format!("new mail {i}"), "Hello again.\r\n"),
            T,
        )
        .await?;
    }
    imap.select("INBOX", T).await?;
    let first = SequenceSet::single(1)?;
    let second = SequenceSet::single(2)?;
    imap.store(&second, StoreOperation::Add, &[Flag::Flagged], None, T)
        .await?;
    imap.store(&first, StoreOperation::Add, &[Flag::Deleted], None, T)
        .await?;
    imap.expunge(T).await?;
    Ok(())
}

fn sample(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}
