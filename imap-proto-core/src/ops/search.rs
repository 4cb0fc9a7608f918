//! SEARCH (plain, ESEARCH, SAVE), SORT and THREAD (RFC 9051 §6.4.4, RFC 4731, RFC 5182,
//! RFC 5256, RFC 7162 §3.1.5).

use crate::contract::session::Session;
use crate::encode;
use crate::types::{EsearchResponse, SearchResult, Tagged, ThreadNode, UidRange, Untagged};
use crate::{Error, ProtocolViolation};

use super::Op;
use super::command::{CapabilityGate, Collect, Command, Gate, Gather};
use super::{Claims, OpContext, SELECTED, kind};

/// The fewest numbers an ESEARCH `ALL` may expand to, whatever the message count.
const MIN_EXPANSION_CAP: u64 = 1 << 20;

/// Merges SEARCH / SORT / ESEARCH data into one result; ESEARCH `ALL` is expanded into
/// numbers (RFC 4731 §3.1).
///
/// A result cannot hold more messages than the mailbox has, so an `ALL` set that would
/// expand beyond the message count (or 2^20, if that is more) is refused rather than
/// expanded: `1:4294967295` is a dozen bytes on the wire and 16 GiB in memory.
#[derive(Default)]
pub(crate) struct SearchCollector {
    result: SearchResult,
    error: Option<Error>,
}

impl Collect for SearchCollector {
    type Output = SearchResult;
    fn offer(&mut self, data: Untagged, session: &Session) -> Option<Untagged> {
        let (numbers, modseq) = match data {
            Untagged::Search { numbers, modseq } | Untagged::Sort { numbers, modseq } => {
                (numbers, modseq)
            }
            Untagged::Esearch(e) => {
                let count: u64 = e.all.iter().flatten().map(UidRange::len).sum();
                let cap = session
                    .selected()
                    .map_or(0, |m| u64::from(m.exists))
                    .max(MIN_EXPANSION_CAP);
                if count > cap {
                    self.error = Some(ProtocolViolation::TooManyResults(count).into());
                    return None;
                }
                (e.all_numbers(), e.modseq)
            }
            other => return Some(other),
        };
        self.result.ids.extend(numbers);
        self.result.modseq = self.result.modseq.max(modseq);
        None
    }
    fn finish(self, _tagged: Tagged, _ctx: &mut OpContext<'_>) -> Result<SearchResult, Error> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.result),
        }
    }
}

/// SEARCH / UID SEARCH with raw (validated) criteria.
pub fn search(uid: bool, criteria: &str) -> impl Op<Output = SearchResult> + use<> {
    let criteria = criteria.to_string();
    Command::new(
        Gate {
            command: if uid { "UID SEARCH" } else { "SEARCH" },
            states: SELECTED,
            capability: CapabilityGate::None,
        },
        move |tag, enc| {
            if uid {
                encode::message::uid_search(tag, enc, &criteria, None, None)
            } else {
                encode::message::search(tag, enc, &criteria, None, None)
            }
        },
        SearchCollector::default(),
    )
    .pipelinable_claiming(Claims::exclusive(kind::SEARCH))
}

/// SEARCH RETURN (options) (RFC 4731 §3.2): needs ESEARCH (or IMAP4rev2).
pub fn search_esearch(
    uid: bool,
    criteria: &str,
    return_options: &[&str],
) -> impl Op<Output = EsearchResponse> + use<> {
    let criteria = criteria.to_string();
    let options: Vec<String> = return_options.iter().map(|s| s.to_string()).collect();
    Command::new(
        Gate {
            command: if uid { "UID SEARCH" } else { "SEARCH" },
            states: SELECTED,
            capability: CapabilityGate::RequiredOrRev2("ESEARCH"),
        },
        move |tag, enc| {
            let opts: Vec<&str> = options.iter().map(String::as_str).collect();
            if uid {
                encode::message::uid_search(tag, enc, &criteria, None, Some(&opts))
            } else {
                encode::message::search(tag, enc, &criteria, None, Some(&opts))
            }
        },
        Gather::new(
            |data| match data {
                Untagged::Esearch(e) => Ok(e),
                other => Err(other),
            },
            |found: Vec<EsearchResponse>, _tagged, _ctx| {
                // RFC 4731 §3.1: with no match the server may omit ESEARCH altogether.
                Ok(found.into_iter().last().unwrap_or_default())
            },
        ),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::SEARCH))
}

/// SEARCH RETURN (SAVE) (RFC 5182 §2): needs SEARCHRES (or IMAP4rev2). The result is kept
/// on the server as `$`.
pub fn search_save(uid: bool, criteria: &str) -> impl Op<Output = ()> + use<> {
    let criteria = criteria.to_string();
    Command::new(
        Gate {
            command: if uid { "UID SEARCH" } else { "SEARCH" },
            states: SELECTED,
            capability: CapabilityGate::RequiredOrRev2("SEARCHRES"),
        },
        move |tag, enc| {
            if uid {
                encode::message::uid_search(tag, enc, &criteria, None, Some(&["SAVE"]))
            } else {
                encode::message::search(tag, enc, &criteria, None, Some(&["SAVE"]))
            }
        },
        Gather::new(
            |data| match data {
                Untagged::Esearch(e) => Ok(e),
                other => Err(other),
            },
            |_found: Vec<EsearchResponse>, _tagged, _ctx| Ok(()),
        ),
    )
}

/// SORT / UID SORT (RFC 5256 §3): needs SORT.
pub fn sort(
    uid: bool,
    sort_criteria: &str,
    charset: &str,
    criteria: &str,
) -> impl Op<Output = SearchResult> + use<> {
    let (keys, charset, criteria) = (
        sort_criteria.to_string(),
        charset.to_string(),
        criteria.to_string(),
    );
    Command::new(
        Gate {
            command: if uid { "UID SORT" } else { "SORT" },
            states: SELECTED,
            capability: CapabilityGate::Required("SORT"),
        },
        move |tag, enc| {
            if uid {
                encode::message::uid_sort(tag, enc, &keys, &charset, &criteria)
            } else {
                encode::message::sort(tag, enc, &keys, &charset, &criteria)
            }
        },
        SearchCollector::default(),
    )
    .pipelinable_claiming(Claims::exclusive(kind::SEARCH))
}

/// THREAD / UID THREAD (RFC 5256 §3).
pub fn thread(
    uid: bool,
    algorithm: &str,
    charset: &str,
    criteria: &str,
) -> impl Op<Output = Vec<ThreadNode>> + use<> {
    let (algo, charset, criteria) = (
        algorithm.to_string(),
        charset.to_string(),
        criteria.to_string(),
    );
    let capability = format!("THREAD={algo}");
    Command::new(
        Gate {
            command: if uid { "UID THREAD" } else { "THREAD" },
            states: SELECTED,
            capability: CapabilityGate::Named(capability),
        },
        move |tag, enc| {
            if uid {
                encode::message::uid_thread(tag, enc, &algo, &charset, &criteria)
            } else {
                encode::message::thread(tag, enc, &algo, &charset, &criteria)
            }
        },
        Gather::new(
            |data| match data {
                Untagged::Thread(nodes) => Ok(nodes),
                other => Err(other),
            },
            |found: Vec<Vec<ThreadNode>>, _tagged, _ctx| Ok(found.into_iter().flatten().collect()),
        ),
    )
    .pipelinable_claiming(Claims::exclusive(kind::SEARCH))
}
