//! Concurrent FETCH calls with the same items, which the adapters may merge into one
//! command over the union of their sets (issue 15 item 3): every call must get exactly what
//! it gets alone, on a real server, whatever the overlaps, the gaps left by expunged
//! messages, or a set the server refuses.

use std::sync::Arc;

use crate::adapter::types::{FetchAttr, Flag, SequenceSet, StoreOperation, UidRange};
use crate::adapter::{Error, spawn};

use super::Case;
use super::kit::{Kind, Server, T};
use super::support::{Fail, TestResult, mailbox_with, unique};
use crate::{case, ensure};

pub fn cases() -> Vec<Case> {
    vec![case!(
        concurrent_fetches_answer_as_alone,
        [Kind::Dovecot, Kind::Cyrus]
    )]
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
