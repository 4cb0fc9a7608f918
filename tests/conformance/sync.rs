//! Mailbox sync (`sync_mailbox`) against real servers: each strategy for real (QRESYNC on
//! Dovecot and Cyrus, CONDSTORE capped on both, the listing on a Dovecot without
//! CONDSTORE), a model-based random test whose local copy must equal a full re-read after
//! every sync, and the same while a proxy cuts the connection at random bytes of the sync.
//!
//! `IMAP_SYNC_SEED` replays the random cases; the seed is in every failure message.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::adapter::reconnect::{Backoff, is_retryable};
use crate::adapter::types::{
    FetchAttr, Flag, MailboxState, MessageFlags, SequenceSet, StoreOperation, SyncDelta,
    SyncOptions, SyncStrategy, UidSet,
};
use crate::adapter::{Error, ImapConnection, Reconnect, Resilient, TlsMode, sleep};

use super::Case;
use super::kit::{Kind, Server, T};
use super::proxy::{FaultProxy, Rng};
use super::support::{Fail, TestResult, all, mailbox_with, message, unique};
use crate::{case, ensure};

/// Rounds of random changes and syncs per server in [`random_changes_converge`].
const MODEL_ROUNDS: u32 = 25;
/// Rounds in [`cut_syncs_converge`]; each may take a few reconnects.
const CUT_ROUNDS: u32 = 12;

pub fn cases() -> Vec<Case> {
    vec![
        case!(sync_with_qresync, [Kind::Dovecot, Kind::Cyrus]),
        case!(sync_with_condstore, [Kind::Dovecot, Kind::Cyrus]),
        case!(sync_without_condstore, [Kind::DovecotNoCondstore]),
        case!(
            random_changes_converge,
            [Kind::Dovecot, Kind::Cyrus, Kind::DovecotNoCondstore]
        ),
        case!(retry_policy_on_real_failures, [Kind::Dovecot, Kind::Cyrus]),
        case!(
            cut_syncs_converge,
            [Kind::Dovecot, Kind::Cyrus, Kind::DovecotNoCondstore]
        ),
        case!(refused_login_stops_the_helper, [Kind::Dovecot, Kind::Cyrus]),
    ]
}

/// The client's copy of a mailbox: each message's flags by UID.
type Local = BTreeMap<u32, Vec<Flag>>;

/// Applies a delta to the local copy, failing on anything reported twice or never known.
fn apply(local: &mut Local, delta: &SyncDelta) -> Result<(), String> {
    if delta.uid_validity_changed {
        if !delta.expunged.is_empty() {
            return Err(format!("new UIDVALIDITY with expunges: {delta:?}"));
        }
        local.clear();
    }
    for uid in delta.expunged.iter() {
        local
            .remove(&uid)
            .ok_or_else(|| format!("expunged {uid} was never known: {delta:?}"))?;
    }
    for uid in delta.new.iter() {
        if local.insert(uid, Vec::new()).is_some() {
            return Err(format!("new {uid} was known already: {delta:?}"));
        }
        if !delta.changed.iter().any(|u| u.uid == uid) {
            return Err(format!("new {uid} came without its flags: {delta:?}"));
        }
    }
    for update in &delta.changed {
        let slot = local
            .get_mut(&update.uid)
            .ok_or_else(|| format!("flags for unknown {}: {delta:?}", update.uid))?;
        *slot = update.flags.clone();
    }
    Ok(())
}

/// The same flags in any order (`\Recent` aside).
fn same_copy(a: &Local, b: &Local) -> bool {
    let norm = |f: &Vec<Flag>| {
        let mut v: Vec<String> = f
            .iter()
            .filter(|f| **f != Flag::Recent)
            .map(|f| format!("{f:?}").to_ascii_lowercase())
            .collect();
        v.sort();
        v
    };
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((ua, fa), (ub, fb))| ua == ub && norm(fa) == norm(fb))
}

flavored! {
    /// The mailbox as it is: UIDVALIDITY and every message's flags, read in full by `imap`
    /// (EXAMINE, so nothing changes).
    async fn full_read(imap: &ImapConnection, name: &str) -> Result<(u32, Local), Fail> {
        let selected = aw!(imap.examine(name, T))?;
        let mut copy = Local::new();
        if selected.exists > 0 {
            for found in aw!(imap.uid_fetch(&all(), &[FetchAttr::Uid, FetchAttr::Flags], T))? {
                if let Some(uid) = found.uid() {
                    copy.insert(uid, found.flags().map(MessageFlags::to_vec).unwrap_or_default());
                }
            }
        }
        aw!(imap.unselect(T))?;
        Ok((selected.uid_validity.unwrap_or(0), copy))
}
}

flavored! {
    /// Syncs, applies the delta and checks the copy and the new state against a full re-read.
    async fn sync_and_check(
        imap: &ImapConnection,
        reader: &ImapConnection,
        name: &str,
        state: &mut MailboxState,
        local: &mut Local,
        options: &SyncOptions,
        context: &str,
    ) -> Result<SyncDelta, Fail> {
        let delta = aw!(imap.sync_mailbox(name, state, options, T))?;
        aw!(check_delta(reader, name, state, local, delta, context))
}
}

fn fail(context: &str, what: String) -> Fail {
    Fail::Fail(format!("{context}: {what}"))
}

flavored! {
    /// The checks after a sync, apart from the sync itself (the cut case's sync may need
    /// retries): the delta applies cleanly, the copy and the new state equal a full re-read.
    async fn check_delta(
        reader: &ImapConnection,
        name: &str,
        state: &mut MailboxState,
        local: &mut Local,
        delta: SyncDelta,
        context: &str,
    ) -> Result<SyncDelta, Fail> {
        apply(local, &delta).map_err(|e| fail(context, e))?;
        let (validity, truth) = aw!(full_read(reader, name))?;
        if !same_copy(local, &truth) {
            return Err(fail(context, format!("local copy {local:?}\n    server {truth:?}\n    delta {delta:?}")));
        }
        let known: UidSet = truth.keys().copied().collect();
        if delta.state.uid_validity != validity || delta.state.known_uids != known {
            return Err(fail(context, format!("state {:?}, server {validity} {known}", delta.state)));
        }
        if let Some(flags) = &delta.state.flags
            && !same_copy(flags, &truth)
        {
            return Err(fail(context, format!("state flags {flags:?}, server {truth:?}")));
        }
        *state = delta.state.clone();
        Ok(delta)
}
}

flavored! {
/// Makes the same changes for every strategy case: two appends (one `\Flagged`), a flag on
/// one known message, one expunge. Returns (appended, flagged, expunged) UIDs.
async fn change_some(other: &ImapConnection, name: &str, known: &[u32]) -> Result<(Vec<u32>, u32, u32), Fail> {
    aw!(other.select(name, T))?;
    let mut appended = Vec::new();
    for flags in [vec![], vec![Flag::Flagged]] {
        let (_, uid) = aw!(other.append(name, &flags, None, &message("new", "new"), T))?
            .ok_or_else(|| Fail::Fail("no APPENDUID".into()))?;
        appended.push(uid);
    }
    aw!(other.uid_store(&SequenceSet::single(known[0])?, StoreOperation::Add, &[Flag::Seen], None, T))?;
    aw!(other.uid_store(&SequenceSet::single(known[1])?, StoreOperation::Add, &[Flag::Deleted], None, T))?;
    aw!(other.uid_expunge(&SequenceSet::single(known[1])?, T))?;
    aw!(other.unselect(T))?;
    Ok((appended, known[0], known[1]))
}
}

flavored! {
/// One strategy end to end: first sync (a listing), changes, a sync with `expected`, a sync
/// with nothing changed, then a recreated mailbox (new UIDVALIDITY).
async fn exercise(s: Arc<Server>, options: SyncOptions, expected: SyncStrategy) -> TestResult {
    let imap = aw!(s.login("alice"))?;
    let other = aw!(s.login("alice"))?;
    let name = unique("sync");
    let known = aw!(mailbox_with(&other, &name, 4))?;
    let mut state = MailboxState::tracking_flags();
    let mut local = Local::new();

    let first = aw!(sync_and_check(&imap, &other, &name, &mut state, &mut local, &options, "first"))?;
    ensure!(first.strategy == SyncStrategy::Full, "{first:?}");
    ensure!(first.new.iter().eq(known.iter().copied()), "{first:?}");

    let (appended, flagged, expunged) = aw!(change_some(&other, &name, &known))?;
    let second = aw!(sync_and_check(&imap, &other, &name, &mut state, &mut local, &options, "second"))?;
    ensure!(second.strategy == expected, "{second:?}");
    ensure!(second.new.iter().eq(appended.iter().copied()), "{second:?}");
    ensure!(second.expunged.iter().eq([expunged]), "{second:?}");
    let changed: Vec<u32> = second.changed.iter().map(|u| u.uid).collect();
    let mut wanted = vec![flagged];
    wanted.extend(&appended);
    ensure!(changed == wanted, "changed {changed:?}, wanted {wanted:?}: {second:?}");
    if expected != SyncStrategy::Full {
        ensure!(second.changed.iter().all(|u| u.mod_seq.is_some()), "{second:?}");
        ensure!(second.state.highest_modseq.is_some(), "{second:?}");
    } else {
        ensure!(second.state.highest_modseq.is_none() || options.max_strategy == SyncStrategy::Full, "{second:?}");
    }

    let third = aw!(sync_and_check(&imap, &other, &name, &mut state, &mut local, &options, "third"))?;
    ensure!(third.strategy == expected && third.is_empty(), "{third:?}");

    // A recreated mailbox: UIDVALIDITY-based servers pick a new one (a second apart at least).
    aw!(imap.unselect(T))?;
    aw!(other.delete(&name, T))?;
    aw!(sleep(std::time::Duration::from_millis(1100)));
    aw!(mailbox_with(&other, &name, 2))?;
    let fourth = aw!(sync_and_check(&imap, &other, &name, &mut state, &mut local, &options, "recreated"))?;
    ensure!(fourth.uid_validity_changed && fourth.strategy == SyncStrategy::Full, "{fourth:?}");
    ensure!(fourth.new.len() == 2 && fourth.expunged.is_empty(), "{fourth:?}");

    aw!(imap.unselect(T))?;
    aw!(other.delete(&name, T))?;
    aw!(other.logout())?;
    aw!(imap.logout())?;
    Ok(())
}
}

async fn sync_with_qresync(s: Arc<Server>) -> TestResult {
    aw!(exercise(s, SyncOptions::default(), SyncStrategy::Qresync))
}

async fn sync_with_condstore(s: Arc<Server>) -> TestResult {
    aw!(exercise(
        s,
        SyncOptions::default().with_max_strategy(SyncStrategy::Condstore),
        SyncStrategy::Condstore
    ))
}

async fn sync_without_condstore(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.login("alice"))?;
    ensure!(
        !imap
            .capabilities()
            .iter()
            .any(|c| c.is("CONDSTORE") || c.is("QRESYNC")),
        "the server advertises CONDSTORE or QRESYNC: {:?}",
        imap.capabilities()
    );
    aw!(imap.logout())?;
    aw!(exercise(s, SyncOptions::default(), SyncStrategy::Full))
}

/// Cyrus 3.6 closes the connection, without BYE, at the next command of a session whose
/// selected mailbox another session deleted (docs/quirks.md): a client reconnects and syncs
/// again from the same state.
fn drops_session(s: &Server, changes: &[String]) -> bool {
    s.kind == Kind::Cyrus && changes.iter().any(|c| c == "recreate")
}

/// The random seed for this run.
fn seed() -> u64 {
    std::env::var("IMAP_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(super::proxy::seed)
}

/// A random pick from `items`.
fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> Option<T> {
    (!items.is_empty()).then(|| items[(rng.next() % items.len() as u64) as usize])
}

flavored! {
    /// One to four random changes through `other`: appends, flag changes, expunges, moves
    /// and (rarely) the mailbox deleted and created again. Returns what it did.
    async fn random_changes(
        rng: &mut Rng,
        other: &ImapConnection,
        name: &str,
        trash: &str,
    ) -> Result<Vec<String>, Fail> {
        let flags = [Flag::Seen, Flag::Flagged, Flag::Answered, Flag::keyword("$Label1")];
        let mut done = Vec::new();
        for _ in 0..1 + rng.next() % 4 {
            let (_, truth) = aw!(full_read(other, name))?;
            let uids: Vec<u32> = truth.keys().copied().collect();
            aw!(other.select(name, T))?;
            let roll = rng.next() % 100;
            let target = pick(rng, &uids);
            match (roll, target) {
                (0..=3, _) => {
                    aw!(other.unselect(T))?;
                    aw!(other.delete(name, T))?;
                    // UIDVALIDITY is often the clock: make sure it moves.
                    aw!(sleep(std::time::Duration::from_millis(1100)));
                    aw!(other.create(name, T))?;
                    done.push("recreate".to_string());
                    continue;
                }
                (4..=34, _) | (_, None) => {
                    let f: Vec<Flag> = flags.iter().filter(|_| rng.next().is_multiple_of(3)).cloned().collect();
                    aw!(other.append(name, &f, None, &message("random", "body"), T))?;
                    done.push(format!("append {f:?}"));
                }
                (35..=69, Some(uid)) => {
                    let flag = pick(rng, &[0usize, 1, 2, 3]).unwrap_or(0);
                    let op = if rng.next().is_multiple_of(2) { StoreOperation::Add } else { StoreOperation::Remove };
                    aw!(other.uid_store(&SequenceSet::single(uid)?, op, &[flags[flag].clone()], None, T))?;
                    done.push(format!("{op:?} {:?} on {uid}", flags[flag]));
                }
                (70..=87, Some(uid)) => {
                    aw!(other.uid_store(&SequenceSet::single(uid)?, StoreOperation::Add, &[Flag::Deleted], None, T))?;
                    aw!(other.uid_expunge(&SequenceSet::single(uid)?, T))?;
                    done.push(format!("expunge {uid}"));
                }
                (_, Some(uid)) => {
                    aw!(other.uid_move_messages(&SequenceSet::single(uid)?, trash, T))?;
                    done.push(format!("move {uid}"));
                }
            }
            aw!(other.unselect(T))?;
        }
        Ok(done)
}
}

/// A random cap and a random choice to keep flags or not, so states made by one strategy
/// are resumed by another.
fn random_options(rng: &mut Rng, state: &mut MailboxState, local: &Local) -> SyncOptions {
    let strategy = pick(
        rng,
        &[
            SyncStrategy::Qresync,
            SyncStrategy::Qresync,
            SyncStrategy::Condstore,
            SyncStrategy::Full,
        ],
    )
    .unwrap_or(SyncStrategy::Qresync);
    match rng.next() % 4 {
        0 => state.flags = None,
        1 => state.flags = Some(local.clone()),
        _ => {}
    }
    SyncOptions::default().with_max_strategy(strategy)
}

async fn random_changes_converge(s: Arc<Server>) -> TestResult {
    let seed = seed();
    let mut rng = Rng(seed);
    let mut imap = aw!(s.login("bob"))?;
    let other = aw!(s.login("bob"))?;
    let (name, trash) = (unique("model"), unique("model-trash"));
    aw!(mailbox_with(&other, &name, 3))?;
    aw!(other.create(&trash, T))?;
    let mut state = MailboxState::new();
    let mut local = Local::new();
    let mut used = BTreeMap::<String, u32>::new();
    for round in 0..MODEL_ROUNDS {
        let changes = aw!(random_changes(&mut rng, &other, &name, &trash))?;
        let options = random_options(&mut rng, &mut state, &local);
        let context = format!("seed {seed} round {round} after {changes:?} with {options:?}");
        let delta = match aw!(imap.sync_mailbox(&name, &state, &options, T)) {
            Ok(delta) => delta,
            Err(e) if drops_session(&s, &changes) && e.is_fatal() => {
                imap = aw!(s.login("bob"))?;
                aw!(imap.sync_mailbox(&name, &state, &options, T))?
            }
            Err(e) => return Err(Fail::Fail(format!("{context}: {e:?}"))),
        };
        let delta = aw!(check_delta(
            &other, &name, &mut state, &mut local, delta, &context
        ))?;
        *used.entry(format!("{:?}", delta.strategy)).or_default() += 1;
    }
    if s.kind != Kind::DovecotNoCondstore {
        ensure!(
            used.len() == 3,
            "seed {seed}: not every strategy ran: {used:?}"
        );
    }
    aw!(imap.logout())?;
    for mailbox in [&name, &trash] {
        aw!(other.delete(mailbox, T))?;
    }
    aw!(other.logout())?;
    Ok(())
}

flavored! {
    /// A connection to `port` (the server's or a proxy's), logged in as `user`: what the
    /// reconnect helper calls (owned arguments, so each call's future is its own).
    async fn connect_as(
        s: Arc<Server>,
        port: u16,
        user: &'static str,
        password: String,
    ) -> Result<ImapConnection, Error> {
        let imap = aw!(ImapConnection::connect_with_tls_config(
            &s.host(),
            port,
            TlsMode::StartTls,
            s.tls(),
            T,
        ))?;
        aw!(imap.login(user, &password, T))?;
        Ok(imap)
}
}

/// Syncs through [`Resilient`] while the proxy cuts each round's first connections at random
/// bytes (login or sync): every round ends in a delta that, applied once, equals a full
/// re-read, and every reconnect was reported with a retryable cause and counted attempts.
async fn cut_syncs_converge(s: Arc<Server>) -> TestResult {
    let seed = seed();
    let mut rng = Rng(seed ^ 0xC07);
    let upstream = format!("{}:{}", s.host(), s.port())
        .parse()
        .map_err(|e| Fail::Fail(format!("{e}")))?;
    let proxy = Arc::new(FaultProxy::start(upstream, seed)?);
    let other = aw!(s.login("carol"))?;
    let (name, trash) = (unique("cut"), unique("cut-trash"));
    aw!(mailbox_with(&other, &name, 3))?;
    aw!(other.create(&trash, T))?;
    let mut state = MailboxState::new();
    let mut local = Local::new();
    let events = Arc::new(Mutex::new(Vec::<Reconnect>::new()));
    let (server, port, password) = (s.clone(), proxy.port(), s.password("carol"));
    let (recut_proxy, seen) = (proxy.clone(), events.clone());
    let mut recut = Rng(seed ^ 0x5EC);
    let mut sync =
        Resilient::new(move || connect_as(server.clone(), port, "carol", password.clone()))
            // Short delays here; the schedule is the core's.
            .with_backoff(
                Backoff::new()
                    .with_initial(Duration::from_millis(5))
                    .with_max(Duration::from_millis(40))
                    .with_max_attempts(8)
                    .with_seed(seed),
            )
            .on_reconnect(move |event| {
                // The next two connections of a sync are cut somewhere too.
                if event.attempt < 3 {
                    recut_proxy.cut_after(recut.next() % 1500);
                }
                seen.lock().expect("events").push(event.clone());
            });
    let mut reconnects = 0;
    for round in 0..CUT_ROUNDS {
        let changes = aw!(random_changes(&mut rng, &other, &name, &trash))?;
        let options = random_options(&mut rng, &mut state, &local);
        let context = format!("seed {seed} round {round} after {changes:?} with {options:?}");
        proxy.cut_after(rng.next() % 1500);
        let delta = aw!(sync.sync_mailbox(&name, &state, &options, T))
            .map_err(|e| fail(&context, format!("the helper gave up: {e:?}")))?;
        proxy.cut_after(u64::MAX);
        let round_events = std::mem::take(&mut *events.lock().expect("events"));
        for (i, event) in round_events.iter().enumerate() {
            ensure!(
                event.attempt as usize == i + 1 && is_retryable(&event.cause),
                "{context}: reconnect {i} reported as {event:?}"
            );
        }
        // Three cuts at most, one more when the change itself ended Cyrus's session.
        let most = 3 + usize::from(drops_session(&s, &changes));
        ensure!(
            round_events.len() <= most,
            "{context}: {} reconnects: {round_events:?}",
            round_events.len()
        );
        reconnects += round_events.len();
        aw!(check_delta(
            &other, &name, &mut state, &mut local, delta, &context
        ))?;
    }
    ensure!(reconnects > 0, "seed {seed}: no sync was cut");
    println!(
        "    {}: {CUT_ROUNDS} rounds, {reconnects} reconnects through the helper",
        s.kind.label()
    );
    if let Some(imap) = sync.into_connection() {
        aw!(imap.logout())?;
    }
    for mailbox in [&name, &trash] {
        aw!(other.delete(mailbox, T))?;
    }
    aw!(other.logout())?;
    Ok(())
}

/// A refused login stops [`Resilient`] at once: one connection, no reconnect event.
async fn refused_login_stops_the_helper(s: Arc<Server>) -> TestResult {
    let connects = Arc::new(AtomicU32::new(0));
    let reconnects = Arc::new(AtomicU32::new(0));
    let (server, port, counted, reported) =
        (s.clone(), s.port(), connects.clone(), reconnects.clone());
    let mut sync = Resilient::new(move || {
        counted.fetch_add(1, Ordering::Relaxed);
        connect_as(
            server.clone(),
            port,
            "carol",
            "not-the-password".to_string(),
        )
    })
    .on_reconnect(move |_| {
        reported.fetch_add(1, Ordering::Relaxed);
    });
    let result = aw!(sync.sync_mailbox("INBOX", &MailboxState::new(), &SyncOptions::default(), T));
    ensure!(matches!(&result, Err(e) if !is_retryable(e)), "{result:?}");
    ensure!(
        connects.load(Ordering::Relaxed) == 1 && reconnects.load(Ordering::Relaxed) == 0,
        "{} connections, {} reconnects after a refused login",
        connects.load(Ordering::Relaxed),
        reconnects.load(Ordering::Relaxed)
    );
    Ok(())
}

/// What retrying cannot fix stops a reconnect loop at once: a refused login, a certificate
/// that does not verify (the kit's own CA is not among the default roots).
async fn retry_policy_on_real_failures(s: Arc<Server>) -> TestResult {
    let imap = aw!(s.connect())?;
    let refused = aw!(imap.login("carol", "not-the-password", T));
    ensure!(
        matches!(&refused, Err(e) if !is_retryable(e)),
        "{refused:?}"
    );
    let untrusted = aw!(ImapConnection::connect(
        &s.host(),
        s.port(),
        TlsMode::StartTls,
        T
    ));
    ensure!(
        matches!(&untrusted, Err(e) if !is_retryable(e)),
        "{:?}",
        untrusted.err()
    );
    Ok(())
}
