//! `UidSet` (the known UIDs of a saved mailbox state) against a `BTreeSet` model: every
//! operation the sync relies on (union, difference, intersection, insert, contains, the
//! text form) gives the same set, and the ranges stay sorted, disjoint and non-touching.

use std::collections::BTreeSet;

use imap_proto_core::types::{UidRange, UidSet};
use proptest::prelude::*;

/// Small UIDs so that sets overlap, touch and leave gaps often; a few near `u32::MAX` for
/// the open-ended ranges QRESYNC's known-uids use.
fn uids() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(
        prop_oneof![9 => 1u32..80, 1 => (u32::MAX - 3)..=u32::MAX],
        0..40,
    )
}

fn model(set: &UidSet) -> BTreeSet<u32> {
    set.iter().collect()
}

fn well_formed(set: &UidSet) -> bool {
    set.ranges()
        .iter()
        .all(|r| r.start >= 1 && r.start <= r.end)
        && set
            .ranges()
            .windows(2)
            .all(|w| u64::from(w[0].end) + 1 < u64::from(w[1].start))
}

proptest! {
    #[test]
    fn operations_match_the_model(a in uids(), b in uids(), extra in 1u32..100) {
        let (sa, sb): (UidSet, UidSet) = (a.iter().copied().collect(), b.iter().copied().collect());
        let (ma, mb): (BTreeSet<u32>, BTreeSet<u32>) = (a.iter().copied().collect(), b.iter().copied().collect());
        prop_assert_eq!(model(&sa), ma.clone());
        prop_assert_eq!(sa.len(), ma.len() as u64);
        let union = sa.union(&sb);
        let difference = sa.difference(&sb);
        let intersection = sa.intersection(&sb);
        prop_assert_eq!(model(&union), &ma | &mb);
        prop_assert_eq!(model(&difference), &ma - &mb);
        prop_assert_eq!(model(&intersection), &ma & &mb);
        for set in [&sa, &union, &difference, &intersection] {
            prop_assert!(well_formed(set), "{:?}", set);
            prop_assert_eq!(&set.to_string().parse::<UidSet>().unwrap(), set);
        }
        for uid in 1..100 {
            prop_assert_eq!(sa.contains(uid), ma.contains(&uid));
        }
        let mut inserted = sa.clone();
        inserted.insert(extra);
        let mut expected = ma.clone();
        expected.insert(extra);
        prop_assert_eq!(model(&inserted), expected);
        prop_assert!(well_formed(&inserted));
    }

    #[test]
    fn ranges_in_any_order_give_one_set(ranges in prop::collection::vec((1u32..200, 0u32..20), 0..12)) {
        let ranges: Vec<UidRange> = ranges.iter().map(|&(s, n)| UidRange::new(s, s + n)).collect();
        let set = UidSet::from_ranges(ranges.iter().rev().copied());
        let expected: BTreeSet<u32> = ranges.iter().flat_map(UidRange::iter).collect();
        prop_assert_eq!(model(&set), expected);
        prop_assert!(well_formed(&set));
    }
}
