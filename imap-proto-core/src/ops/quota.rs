//! GETQUOTA, GETQUOTAROOT, SETQUOTA (RFC 9208 §4; RFC 2087).

use crate::Error;
use crate::encode;
use crate::types::{QuotaResource, QuotaResponse, QuotaRoot, QuotaRootResponse, Untagged};

use super::Op;
use super::command::{CapabilityGate, Collect, Command, Gate, Gather};
use super::{AUTHENTICATED_OR_SELECTED, Claims, kind};

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn quota_gate(command: &'static str, capability: &'static str) -> Gate {
    Gate {
        command,
        states: AUTHENTICATED_OR_SELECTED,
        capability: CapabilityGate::Required(capability),
    }
}

fn gather_quota() -> impl Collect<Output = Vec<QuotaResource>> + use<> {
    Gather::new(
        |data| match data {
            Untagged::Quota(q) => Ok(q),
            other => Err(other),
        },
        |found: Vec<QuotaResponse>, _tagged, _ctx| {
            Ok(found.into_iter().flat_map(|q| q.resources).collect())
        },
    )
}

/// GETQUOTA root: needs QUOTA.
pub fn get_quota(root: &str) -> impl Op<Output = Vec<QuotaResource>> + use<> {
    let root = root.to_string();
    Command::new(
        quota_gate("GETQUOTA", "QUOTA"),
        move |tag, enc| encode::quota::get_quota(tag, enc, &root),
        gather_quota(),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::QUOTA))
}

/// SETQUOTA root (resources): needs QUOTASET (RFC 9208 §3.2).
pub fn set_quota(
    root: &str,
    resources: &[(&str, u64)],
) -> impl Op<Output = Vec<QuotaResource>> + use<> {
    let root = root.to_string();
    let resources: Vec<(String, u64)> =
        resources.iter().map(|(n, l)| (n.to_string(), *l)).collect();
    Command::new(
        quota_gate("SETQUOTA", "QUOTASET"),
        move |tag, enc| {
            let borrowed: Vec<(&str, u64)> =
                resources.iter().map(|(n, l)| (n.as_str(), *l)).collect();
            encode::quota::set_quota(tag, enc, &root, &borrowed)
        },
        gather_quota(),
    )
    .detach_output()
}

/// What GETQUOTAROOT returns: QUOTAROOT and QUOTA lines.
enum RootData {
    Roots(QuotaRoot),
    Quota(QuotaResponse),
}

/// GETQUOTAROOT mailbox: needs QUOTA.
pub fn get_quota_root(mailbox: &str) -> impl Op<Output = QuotaRootResponse> + use<> {
    let mailbox = mailbox.to_string();
    Command::new(
        quota_gate("GETQUOTAROOT", "QUOTA"),
        move |tag, enc| encode::quota::get_quota_root(tag, enc, &mailbox),
        Gather::new(
            |data| match data {
                Untagged::QuotaRoot(r) => Ok(RootData::Roots(r)),
                Untagged::Quota(q) => Ok(RootData::Quota(q)),
                other => Err(other),
            },
            |found: Vec<RootData>, _tagged, _ctx| {
                let mut result = QuotaRootResponse::default();
                for item in found {
                    match item {
                        RootData::Roots(r) => result.roots.extend(r.roots.iter().map(|b| lossy(b))),
                        RootData::Quota(q) => result.quotas.push((lossy(&q.root), q.resources)),
                    }
                }
                Ok::<_, Error>(result)
            },
        ),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::QUOTA))
}
