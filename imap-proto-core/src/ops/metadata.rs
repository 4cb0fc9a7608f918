//! GETMETADATA and SETMETADATA (RFC 5464 §4.2–4.3).

use bytes::Bytes;

use crate::encode;
use crate::types::{
    MetadataCode, MetadataEntries, MetadataResponse, MetadataResult, ResponseCode, Untagged,
};

use super::Op;
use super::command::{CapabilityGate, Command, Gate, Gather, from_tagged};
use super::{AUTHENTICATED_OR_SELECTED, Claims, kind};

/// One METADATA response's mailbox and entry values.
type MailboxValues = (crate::types::Mailbox, Vec<(Bytes, Option<Bytes>)>);

const METADATA_CAPS: &[&str] = &["METADATA", "METADATA-SERVER"];

/// GETMETADATA mailbox (entries), with MAXSIZE and DEPTH options.
pub fn get_metadata(
    mailbox: &str,
    entries: &[&str],
    max_size: Option<u64>,
    depth: Option<&str>,
) -> impl Op<Output = MetadataResult> + use<> {
    let m = mailbox.to_string();
    let e: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
    let d = depth.map(str::to_string);
    Command::new(
        Gate {
            command: "GETMETADATA",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::AnyOf(METADATA_CAPS),
        },
        move |tag, enc| {
            let borrowed: Vec<&str> = e.iter().map(String::as_str).collect();
            encode::metadata::get_metadata(tag, enc, &m, &borrowed, max_size, d.as_deref())
        },
        Gather::new(
            |data| match data {
                Untagged::Metadata(MetadataResponse {
                    mailbox,
                    entries: MetadataEntries::Values(values),
                }) => Ok((mailbox, values)),
                other => Err(other),
            },
            |found: Vec<MailboxValues>, tagged: crate::types::Tagged, _ctx| {
                let long_entries = match tagged.status.code {
                    Some(ResponseCode::Metadata(MetadataCode::LongEntries(n))) => Some(n),
                    _ => None,
                };
                Ok(MetadataResult {
                    entries: found
                        .into_iter()
                        .flat_map(|(_, values)| values)
                        .map(|(name, value)| (String::from_utf8_lossy(&name).into_owned(), value))
                        .collect(),
                    long_entries,
                })
            },
        ),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::METADATA))
}

/// SETMETADATA mailbox (entry value ...); a `None` value deletes the entry.
pub fn set_metadata(
    mailbox: &str,
    entries: &[(&str, Option<&[u8]>)],
) -> impl Op<Output = ()> + use<> {
    let m = mailbox.to_string();
    let e: Vec<(String, Option<Vec<u8>>)> = entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(<[u8]>::to_vec)))
        .collect();
    Command::new(
        Gate {
            command: "SETMETADATA",
            states: AUTHENTICATED_OR_SELECTED,
            capability: CapabilityGate::AnyOf(METADATA_CAPS),
        },
        move |tag, enc| {
            let borrowed: Vec<(&str, Option<&[u8]>)> =
                e.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
            encode::metadata::set_metadata(tag, enc, &m, &borrowed)
        },
        from_tagged(|_t, _c: &mut super::OpContext<'_>| Ok(())),
    )
}
