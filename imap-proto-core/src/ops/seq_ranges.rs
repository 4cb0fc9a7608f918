//! [`SeqRanges`]: the message numbers a FETCH has taken a response for, as sorted disjoint
//! ranges. Servers answer a FETCH in ascending order, so the set is one range that grows at
//! its end: O(1) a response and a few bytes for any number of messages, where a hash set
//! cost a SipHash and about 8 bytes per message (issue 15).

/// Sorted, disjoint, non-adjacent inclusive ranges of message numbers.
#[derive(Debug, Default, Clone)]
pub(crate) struct SeqRanges(Vec<(u32, u32)>);

impl SeqRanges {
    /// True if `n` was inserted.
    #[inline]
    pub(crate) fn contains(&self, n: u32) -> bool {
        if let Some(&(start, end)) = self.0.last()
            && n >= start
        {
            return n <= end;
        }
        let at = self.0.partition_point(|&(_, end)| end < n);
        self.0.get(at).is_some_and(|&(start, _)| start <= n)
    }

    /// Adds `n`: inlined for the usual case, the next message in ascending order.
    #[inline]
    pub(crate) fn insert(&mut self, n: u32) {
        if let Some(last) = self.0.last_mut()
            && n == last.1.wrapping_add(1)
            && n > last.0
        {
            last.1 = n;
            return;
        }
        self.insert_any(n);
    }

    /// Adds `n` wherever it falls.
    fn insert_any(&mut self, n: u32) {
        if let Some(last) = self.0.last_mut()
            && n >= last.0
        {
            if n <= last.1 {
                return;
            }
            if n == last.1 + 1 {
                last.1 = n;
                return;
            }
            self.0.push((n, n));
            return;
        }
        let at = self
            .0
            .partition_point(|&(_, end)| end.saturating_add(1) < n);
        // `at` is the first range that ends at n - 1 or later: n joins it, the one before
        // cannot reach n.
        match self.0.get(at).copied() {
            Some((start, end)) if start <= n.saturating_add(1) => {
                let (start, end) = (start.min(n), end.max(n));
                self.0[at] = (start, end);
                // Joining may close the gap to the next range.
                if let Some(&(next_start, next_end)) = self.0.get(at + 1)
                    && next_start <= end.saturating_add(1)
                {
                    self.0[at].1 = next_end.max(end);
                    self.0.remove(at + 1);
                }
            }
            _ => self.0.insert(at, (n, n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::SeqRanges;

    /// Every order of insertion gives the set a `BTreeSet` gives, kept as disjoint ranges.
    #[test]
    fn agrees_with_a_set_in_any_order() {
        let mut seed = 0x9e37_79b9_u64;
        for round in 0..200 {
            let mut ranges = SeqRanges::default();
            let mut set = BTreeSet::new();
            for _ in 0..(round % 40 + 1) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let n = match seed % 4 {
                    0 => u32::MAX - (seed >> 8) as u32 % 3,
                    _ => 1 + (seed >> 8) as u32 % 30,
                };
                ranges.insert(n);
                set.insert(n);
                for probe in (0..34).chain([u32::MAX - 3, u32::MAX - 2, u32::MAX - 1, u32::MAX]) {
                    assert_eq!(
                        ranges.contains(probe),
                        set.contains(&probe),
                        "{probe} {ranges:?}"
                    );
                }
                for pair in ranges.0.windows(2) {
                    assert!(pair[0].1.saturating_add(1) < pair[1].0, "{ranges:?}");
                }
            }
        }
    }

    #[test]
    fn ascending_responses_stay_one_range() {
        let mut ranges = SeqRanges::default();
        for n in 1..=20_000 {
            assert!(!ranges.contains(n));
            ranges.insert(n);
        }
        assert_eq!(ranges.0, vec![(1, 20_000)]);
    }
}
