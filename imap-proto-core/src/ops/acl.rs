//! SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS (RFC 4314 §3).

use crate::encode;
use crate::types::{AclEntry, AclResponse, ListRightsResponse, MyRightsResponse, Untagged};

use super::Op;
use super::command::{CapabilityGate, Command, Gate, Gather, from_tagged};
use super::{AUTHENTICATED_OR_SELECTED, Claims, kind};
use crate::ProtocolViolation;

fn acl_gate(command: &'static str) -> Gate {
    Gate {
        command,
        states: AUTHENTICATED_OR_SELECTED,
        capability: CapabilityGate::Required("ACL"),
    }
}

/// SETACL mailbox identifier rights.
pub fn set_acl(mailbox: &str, identifier: &str, rights: &str) -> impl Op<Output = ()> + use<> {
    let (m, i, r) = (
        mailbox.to_string(),
        identifier.to_string(),
        rights.to_string(),
    );
    Command::new(
        acl_gate("SETACL"),
        move |tag, enc| encode::acl::set_acl(tag, enc, &m, &i, &r),
        from_tagged(|_t, _c: &mut super::OpContext<'_>| Ok(())),
    )
}

/// DELETEACL mailbox identifier.
pub fn delete_acl(mailbox: &str, identifier: &str) -> impl Op<Output = ()> + use<> {
    let (m, i) = (mailbox.to_string(), identifier.to_string());
    Command::new(
        acl_gate("DELETEACL"),
        move |tag, enc| encode::acl::delete_acl(tag, enc, &m, &i),
        from_tagged(|_t, _c: &mut super::OpContext<'_>| Ok(())),
    )
}

/// GETACL mailbox.
pub fn get_acl(mailbox: &str) -> impl Op<Output = Vec<AclEntry>> + use<> {
    let m = mailbox.to_string();
    Command::new(
        acl_gate("GETACL"),
        move |tag, enc| encode::acl::get_acl(tag, enc, &m),
        Gather::new(
            |data| match data {
                Untagged::Acl(acl) => Ok(acl),
                other => Err(other),
            },
            |found: Vec<AclResponse>, _t, _c| {
                Ok(found.into_iter().flat_map(|a| a.entries).collect())
            },
        ),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::ACL))
}

/// LISTRIGHTS mailbox identifier.
pub fn list_rights(
    mailbox: &str,
    identifier: &str,
) -> impl Op<Output = ListRightsResponse> + use<> {
    let (m, i) = (mailbox.to_string(), identifier.to_string());
    Command::new(
        acl_gate("LISTRIGHTS"),
        move |tag, enc| encode::acl::list_rights(tag, enc, &m, &i),
        Gather::new(
            |data| match data {
                Untagged::ListRights(r) => Ok(r),
                other => Err(other),
            },
            |found: Vec<ListRightsResponse>, _t, _c| {
                found
                    .into_iter()
                    .last()
                    .ok_or(ProtocolViolation::MissingData("LISTRIGHTS").into())
            },
        ),
    )
    .detach_output()
    .pipelinable_claiming(Claims::exclusive(kind::LISTRIGHTS))
}

/// MYRIGHTS mailbox.
pub fn my_rights(mailbox: &str) -> impl Op<Output = String> + use<> {
    let m = mailbox.to_string();
    Command::new(
        acl_gate("MYRIGHTS"),
        move |tag, enc| encode::acl::my_rights(tag, enc, &m),
        Gather::new(
            |data| match data {
                Untagged::MyRights(r) => Ok(r),
                other => Err(other),
            },
            |found: Vec<MyRightsResponse>, _t, _c| {
                found
                    .into_iter()
                    .last()
                    .map(|r| String::from_utf8_lossy(&r.rights).into_owned())
                    .ok_or(ProtocolViolation::MissingData("MYRIGHTS").into())
            },
        ),
    )
    .pipelinable_claiming(Claims::exclusive(kind::MYRIGHTS))
}
