//! SEARCH (plain, ESEARCH, SAVE), SORT and THREAD (RFC 9051 §6.4.4, RFC 4731, RFC 5182,
//! RFC 5256, RFC 7162 §3.1.5).

use crate::Error;
use crate::encode;
use crate::types::{EsearchResponse, SearchResult, Tagged, ThreadNode, Untagged};

use super::command::{CapabilityGate, Collect, Command, Gate, Gather};
use super::{OpContext, SELECTED};

/// Merges SEARCH / SORT / ESEARCH data into one result; ESEARCH `ALL` is expanded into
/// numbers (RFC 4731 §3.1).
struct SearchData {
    ids: Vec<u32>,
    modseq: Option<u64>,
}

fn search_pick(data: Untagged) -> Result<SearchData, Untagged> {
    match data {
        Untagged::Search { numbers, modseq } | Untagged::Sort { numbers, modseq } => {
            Ok(SearchData {
                ids: numbers,
                modseq,
            })
        }
        Untagged::Esearch(e) => Ok(SearchData {
            ids: e.all_numbers(),
            modseq: e.modseq,
        }),
        other => Err(other),
    }
}

/// Claims the first response `pick` accepts and no other: a command has one SEARCH (SORT,
/// THREAD, ESEARCH) response, and a second one answers another pipelined command.
fn first_only<T>(
    mut pick: impl FnMut(Untagged) -> Result<T, Untagged> + Send + 'static,
) -> impl FnMut(Untagged) -> Result<T, Untagged> + Send + 'static {
    let mut taken = false;
    move |data| {
        if taken {
            return Err(data);
        }
        let picked = pick(data)?;
        taken = true;
        Ok(picked)
    }
}

fn search_finish(
    found: Vec<SearchData>,
    _tagged: Tagged,
    _ctx: &mut OpContext<'_>,
) -> Result<SearchResult, Error> {
    let mut result = SearchResult::default();
    for data in found {
        result.ids.extend(data.ids);
        result.modseq = result.modseq.max(data.modseq);
    }
    Ok(result)
}

/// SEARCH / UID SEARCH with raw (validated) criteria.
pub fn search(uid: bool, criteria: &str) -> Command<impl Collect<Output = SearchResult>> {
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
        Gather::new(first_only(search_pick), search_finish),
    )
    .pipelinable()
}

/// SEARCH RETURN (options) (RFC 4731 §3.2): needs ESEARCH (or IMAP4rev2).
pub fn search_esearch(
    uid: bool,
    criteria: &str,
    return_options: &[&str],
) -> Command<impl Collect<Output = EsearchResponse>> {
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
            first_only(|data| match data {
                Untagged::Esearch(e) => Ok(e),
                other => Err(other),
            }),
            |found: Vec<EsearchResponse>, _tagged, _ctx| {
                // RFC 4731 §3.1: with no match the server may omit ESEARCH altogether.
                Ok(found.into_iter().last().unwrap_or_default())
            },
        ),
    )
    .pipelinable()
}

/// SEARCH RETURN (SAVE) (RFC 5182 §2): needs SEARCHRES (or IMAP4rev2). The result is kept
/// on the server as `$`.
pub fn search_save(uid: bool, criteria: &str) -> Command<impl Collect<Output = ()>> {
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
            first_only(|data| match data {
                Untagged::Esearch(e) => Ok(e),
                other => Err(other),
            }),
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
) -> Command<impl Collect<Output = SearchResult>> {
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
        Gather::new(first_only(search_pick), search_finish),
    )
    .pipelinable()
}

/// THREAD / UID THREAD (RFC 5256 §3).
pub fn thread(
    uid: bool,
    algorithm: &str,
    charset: &str,
    criteria: &str,
) -> Command<impl Collect<Output = Vec<ThreadNode>>> {
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
            first_only(|data| match data {
                Untagged::Thread(nodes) => Ok(nodes),
                other => Err(other),
            }),
            |found: Vec<Vec<ThreadNode>>, _tagged, _ctx| Ok(found.into_iter().flatten().collect()),
        ),
    )
    .pipelinable()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SelectOptions;
    use crate::{Config, Connection};

    /// Two pipelined searches that the server completes in the opposite order, each answer
    /// just before its completion (Dovecot runs them in parallel): each gets its own.
    #[test]
    fn pipelined_searches_get_the_answer_before_their_completion() {
        let mut conn = Connection::new(Config::default());
        conn.handle_input(b"* PREAUTH ready\r\n");
        conn.submit(crate::ops::mailbox::select(
            "INBOX",
            &SelectOptions::default(),
            false,
        ))
        .unwrap();
        conn.handle_input(b"* 3 EXISTS\r\nA0001 OK done\r\n");
        let by_seq = conn.submit(search(false, "ALL")).unwrap();
        let by_uid = conn.submit(search(true, "ALL")).unwrap();
        let mut out = Vec::new();
        conn.poll_transmit(&mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "A0001 SELECT INBOX\r\nA0002 SEARCH ALL\r\nA0003 UID SEARCH ALL\r\n"
        );
        conn.handle_input(
            b"* SEARCH 10 11 12\r\nA0003 OK done\r\n* SEARCH 1 2 3\r\nA0002 OK done\r\n",
        );
        assert_eq!(conn.take_output(&by_seq).unwrap().unwrap().ids, [1, 2, 3]);
        assert_eq!(
            conn.take_output(&by_uid).unwrap().unwrap().ids,
            [10, 11, 12]
        );
    }
}
