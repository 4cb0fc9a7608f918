//! Concurrent FETCH calls with the same items, which the adapters may merge into one
//! command over the union of their sets (issue 15 item 3): every call must get exactly what
//! it gets alone, on a real server, whatever the overlaps, the gaps left by expunged
//! messages, or a set the server refuses. Two scripted cases show what no real server lets
//! us see: the one command on the wire, a NO on it answered per call, and a call that times
//! out without disturbing the one merged with it.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::adapter::types::{FetchAttr, Flag, SequenceSet, StoreOperation, UidRange};
use crate::adapter::{Error, TypedEvent, join2, spawn};

use super::kit::{Kind, Server, T};
use super::scripted::{PREAUTH, scripted};
use super::support::{Fail, TestResult, mailbox_with, stray_fetches, uids, unique};
use super::{Case, ScriptedCase};
use crate::{case, ensure, ensure_err, scripted_case};

pub fn cases() -> Vec<Case> {
    vec![case!(
        concurrent_fetches_answer_as_alone,
        [Kind::Dovecot, Kind::Cyrus]
    )]
}

pub fn scripted_cases() -> Vec<ScriptedCase> {
    vec![
        scripted_case!(a_fetch_pipeline_is_one_command_answered_per_call),
        scripted_case!(a_timed_out_call_does_not_disturb_the_one_merged_with_it),
    ]
}

const ITEMS: &[FetchAttr] = &[FetchAttr::Uid, FetchAttr::Flags, FetchAttr::Rfc822Size];

/// Random overlapping sets, the same every run (xorshift).
struct Sets(u64);

impl Sets {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        1 + (self.0 % u64::from(n)) as u32
    }

    /// One to three numbers or ranges within `1..=max`.
    fn set(&mut self, max: u32) -> Result<SequenceSet, Fail> {
        let mut ranges = Vec::new();
        for _ in 0..self.below(3) {
            let start = self.below(max);
            let end = if self.below(2) == 1 {
                start
            } else {
                self.below(max)
            };
            ranges.push(UidRange::new(start, end));
        }
        Ok(SequenceSet::from_ranges(ranges)?)
    }
}

/// What a call returned, comparable: the responses, or which kind of error.
fn outcome(result: Result<Vec<crate::adapter::types::FetchResponse>, Error>) -> String {
    match result {
        Ok(found) => format!("{found:?}"),
        Err(Error::No { .. }) => "NO".to_owned(),
        Err(Error::Bad { .. }) => "BAD".to_owned(),
        Err(e) => format!("error {e}"),
    }
}

/// 40 `uid_fetch` calls over random overlapping UID sets (some beyond the last message,
/// some on expunged ones): alone one after the other, then all at once, then as one
/// homogeneous pipeline; the same for `fetch` by sequence number with one set beyond the
/// mailbox, whose NO or BAD must reach that call only.
async fn concurrent_fetches_answer_as_alone(s: Arc<Server>) -> TestResult {
    let box_name = unique("merged");
    let imap = Arc::new(aw!(s.login("bob"))?);
    let appended = aw!(mailbox_with(&imap, &box_name, 12))?;
    aw!(imap.select(&box_name, T))?;
    // Answers that differ per message: some flagged, two expunged (gaps in the UIDs).
    let flagged = SequenceSet::from_numbers([2, 5, 9])?;
    aw!(imap.store(&flagged, StoreOperation::Add, &[Flag::Flagged], None, T))?;
    let gone = SequenceSet::from_numbers([4, 7])?;
    aw!(imap.store(&gone, StoreOperation::Add, &[Flag::Deleted], None, T))?;
    aw!(imap.expunge(T))?;
    let max_uid = appended.last().copied().unwrap_or(12) + 2;

    for by_uid in [true, false] {
        let mut sets = Sets(0x9e37_79b9_7f4a_7c15);
        let max = if by_uid { max_uid } else { 10 };
        let mut wanted = (0..40)
            .map(|_| sets.set(max))
            .collect::<Result<Vec<_>, _>>()?;
        if !by_uid {
            wanted[17] = SequenceSet::single(99)?;
        }
        let mut alone = Vec::new();
        for set in &wanted {
            let found = if by_uid {
                aw!(imap.uid_fetch(set, ITEMS, T))
            } else {
                aw!(imap.fetch(set, ITEMS, T))
            };
            alone.push(outcome(found));
        }
        ensure!(alone.iter().any(|a| a.contains("Flagged")), "{alone:?}");

        let calls: Vec<_> = (wanted.iter().cloned())
            .map(|set| {
                let imap = imap.clone();
                spawn(async move {
                    let found = if by_uid {
                        aw!(imap.uid_fetch(&set, ITEMS, T))
                    } else {
                        aw!(imap.fetch(&set, ITEMS, T))
                    };
                    outcome(found)
                })
            })
            .collect();
        for ((call, expected), set) in calls.into_iter().zip(&alone).zip(&wanted) {
            let got = aw!(call.join()).map_err(Fail::Fail)?;
            ensure!(
                &got == expected,
                "{set} (by UID: {by_uid}) at once: {got}\nalone: {expected}"
            );
        }

        let results = if by_uid {
            let batch = wanted.iter().map(|set| crate::adapter::pipeline::UidFetch {
                sequence_set: set,
                items: ITEMS,
            });
            aw!(imap.pipeline().many(batch).execute(T))?
        } else {
            let batch = wanted.iter().map(|set| crate::adapter::pipeline::Fetch {
                sequence_set: set,
                items: ITEMS,
            });
            aw!(imap.pipeline().many(batch).execute(T))?
        };
        ensure!(results.len() == wanted.len());
        for ((got, expected), set) in results.into_iter().zip(&alone).zip(&wanted) {
            let got = outcome(got);
            ensure!(
                &got == expected,
                "{set} (by UID: {by_uid}) pipelined: {got}\nalone: {expected}"
            );
        }
    }
    // Still in step.
    aw!(imap.noop(T))?;
    Ok(())
}

/// A homogeneous pipeline of `uid_fetch` calls is one `UID FETCH` over the union; the
/// answers, out of order and with one for a UID nobody asked for (an event), are split per
/// call. A NO on a merged command is answered by each call's own command.
async fn a_fetch_pipeline_is_one_command_answered_per_call() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let tag = peer.expect("SELECT INBOX");
        peer.send(&format!("* 4 EXISTS\r\n{tag} OK [READ-WRITE] done\r\n"));
        let tag = peer.expect("UID FETCH 1:3,7 (UID FLAGS)");
        peer.send("* 2 FETCH (UID 3 FLAGS ())\r\n* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n");
        peer.send("* 4 FETCH (UID 9 FLAGS (\\Flagged))\r\n* 3 FETCH (UID 2 FLAGS ())\r\n");
        peer.send(&format!("{tag} OK done\r\n"));
        let tag = peer.expect("UID FETCH 1:2 (UID FLAGS)");
        peer.send(&format!("{tag} NO [SERVERBUG] try again\r\n"));
        let tag = peer.expect("UID FETCH 1 (UID FLAGS)");
        peer.send(&format!("* 1 FETCH (UID 1 FLAGS ())\r\n{tag} OK done\r\n"));
        let tag = peer.expect("UID FETCH 2 (UID FLAGS)");
        peer.send(&format!("{tag} NO not this one\r\n"));
    }))?;
    aw!(client.select("INBOX", T))?;
    let items = [FetchAttr::Uid, FetchAttr::Flags];
    let sets = ["1:2", "3", "2", "7"].map(|text| {
        text.parse::<SequenceSet>()
            .map_err(|e| Fail::Fail(e.to_string()))
    });
    let sets = sets.into_iter().collect::<Result<Vec<_>, _>>()?;
    let batch = sets.iter().map(|set| crate::adapter::pipeline::UidFetch {
        sequence_set: set,
        items: &items,
    });
    let results = aw!(client.pipeline().many(batch).execute(T))?;
    let found = results
        .into_iter()
        .map(|r| r.map(|found| uids(&found)))
        .collect::<Result<Vec<_>, _>>()?;
    ensure!(found == [vec![1, 2], vec![3], vec![2], vec![]], "{found:?}");
    let events = aw!(client.drain_events());
    let fetches: Vec<_> = (events.iter())
        .filter_map(|e| match e {
            TypedEvent::Fetch(f) => Some(f.uid()),
            _ => None,
        })
        .collect();
    ensure!(fetches == [Some(9)], "{events:?}");

    let one_two = [SequenceSet::single(1)?, SequenceSet::single(2)?];
    let batch = one_two
        .iter()
        .map(|set| crate::adapter::pipeline::UidFetch {
            sequence_set: set,
            items: &items,
        });
    let mut results = aw!(client.pipeline().many(batch).execute(T))?.into_iter();
    let (first, second) = (results.next(), results.next());
    ensure!(
        matches!(&first, Some(Ok(found)) if uids(found) == [1]),
        "{first:?}"
    );
    ensure!(matches!(second, Some(Err(Error::No { .. }))), "{second:?}");
    aw!(server.finish())
}

/// Two concurrent calls, maybe merged: the one whose timeout passes gets `Timeout` (the
/// server was still sending), the other its answer; the late answer of the first becomes
/// no event and the connection stays in step. The script answers either form: each batch of
/// command gets an untagged line at once, each batch of commands and its answers 300 ms later.
async fn a_timed_out_call_does_not_disturb_the_one_merged_with_it() -> TestResult {
    let (client, server) = aw!(scripted(PREAUTH, |mut peer| {
        let tag = peer.expect("SELECT INBOX");
        peer.send(&format!("* 2 EXISTS\r\n{tag} OK [READ-WRITE] done\r\n"));
        loop {
            let first = peer.line();
            let (tag, rest) = first.split_once(' ').expect("a tagged command");
            if rest == "NOOP" {
                peer.send(&format!("{tag} OK done\r\n"));
                break;
            }
            // Each command hears from the server at once, so a timeout is not a dead peer.
            peer.send("* OK still working\r\n");
            let mut commands = vec![first.clone()];
            while !peer.quiet(Duration::from_millis(150)) {
                commands.push(peer.line());
                peer.send("* OK still working\r\n");
            }
            thread::sleep(Duration::from_millis(300));
            for command in commands {
                let (tag, rest) = command.split_once(' ').expect("a tagged command");
                let set = (rest.strip_prefix("UID FETCH "))
                    .and_then(|r| r.strip_suffix(" (UID FLAGS)"))
                    .unwrap_or_else(|| panic!("unexpected command {command:?}"));
                let set: SequenceSet = set.parse().expect("a sequence set");
                for uid in 1..=2 {
                    if set.contains(uid) == Some(true) {
                        peer.send(&format!("* {uid} FETCH (UID {uid} FLAGS ())\r\n"));
                    }
                }
                peer.send(&format!("{tag} OK done\r\n"));
            }
        }
    }))?;
    aw!(client.select("INBOX", T))?;
    let items = [FetchAttr::Uid, FetchAttr::Flags];
    let (one, two) = (SequenceSet::single(1)?, SequenceSet::single(2)?);
    let (impatient, patient) = aw!(join2(
        async { aw!(client.uid_fetch(&one, &items, Duration::from_millis(100))) },
        async { aw!(client.uid_fetch(&two, &items, T)) },
    ));
    ensure_err!(impatient, Error::Timeout);
    ensure!(uids(&patient?) == [2]);
    aw!(client.noop(T))?;
    ensure!(stray_fetches(aw!(client.drain_events())) == 0);
    aw!(server.finish())
}
