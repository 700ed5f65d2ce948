//! Dividing replicas by weight: Karmada's `helper.Dispenser.TakeByWeight`
//! (`pkg/util/helper/binding.go`).
//!
//! The entries are sorted by weight, then by their previous replicas (both
//! descending); each gets ⌊weight × replicas ÷ Σweight⌋, and what is left
//! goes one by one to the entries in that order.
//!
//! Karmada breaks the remaining ties (equal weight, equal previous
//! replicas) at random: its comparison draws from crypto/rand. flotilla
//! keeps such entries in the order it was given them — the candidate order
//! (locality score, available replicas, name) — which is the order Karmada
//! produces when its coin never asks for a swap, its most likely outcome.

/// One weighted entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Weighted {
    pub name: String,
    pub weight: i64,
    /// Replicas in the previous decision (the tie-break).
    pub last: i32,
}

/// One entry's share, with how it was computed (for explanations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Share {
    pub name: String,
    pub replicas: i32,
    /// ⌊weight × replicas ÷ Σweight⌋.
    pub floor: i32,
    pub weight: i64,
    pub weight_sum: i64,
}

/// Divides `replicas` over `entries` by weight. Nothing is given out when
/// the weights sum to 0 (as in Karmada). Shares are in dispensing order.
pub(crate) fn take_by_weight(replicas: i32, entries: &[Weighted]) -> Vec<Share> {
    let sum: i64 = entries.iter().map(|w| w.weight.max(0)).sum();
    if sum <= 0 || replicas <= 0 {
        return Vec::new();
    }
    let mut sorted: Vec<&Weighted> = entries.iter().collect();
    // Stable: ties keep the given order.
    sorted.sort_by(|a, b| b.weight.cmp(&a.weight).then(b.last.cmp(&a.last)));
    let total = i128::from(replicas);
    let mut remain = total;
    let mut shares: Vec<Share> = sorted
        .iter()
        .map(|w| {
            // weight ≤ sum, so the share is ≤ replicas and fits an i32.
            let floor = i128::from(w.weight.max(0)) * total / i128::from(sum);
            remain -= floor;
            let floor = i32::try_from(floor).unwrap_or(replicas);
            Share {
                name: w.name.clone(),
                replicas: floor,
                floor,
                weight: w.weight,
                weight_sum: sum,
            }
        })
        .collect();
    // Each floor loses less than one replica, so remain < shares.len().
    for s in &mut shares {
        if remain <= 0 {
            break;
        }
        s.replicas += 1;
        remain -= 1;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(name: &str, weight: i64, last: i32) -> Weighted {
        Weighted {
            name: name.into(),
            weight,
            last,
        }
    }

    fn run(replicas: i32, entries: &[Weighted]) -> Vec<(String, i32)> {
        take_by_weight(replicas, entries)
            .into_iter()
            .map(|s| (s.name, s.replicas))
            .collect()
    }

    #[test]
    #[allow(clippy::type_complexity)] // a table of tuples reads best here
    fn remainders_follow_weight_then_previous_then_given_order() {
        let cases: &[(&str, i32, Vec<Weighted>, &[(&str, i32)])] = &[
            (
                "exact",
                9,
                vec![w("a", 1, 0), w("b", 2, 0)],
                &[("b", 6), ("a", 3)],
            ),
            (
                "heavier first",
                9,
                vec![w("a", 1, 0), w("b", 3, 0)],
                &[("b", 7), ("a", 2)],
            ),
            (
                "2:1 of 2 gives 2:0",
                2,
                vec![w("a", 2, 0), w("b", 1, 0)],
                &[("a", 2), ("b", 0)],
            ),
            (
                "previous breaks a tie",
                1,
                vec![w("a", 1, 0), w("b", 1, 3)],
                &[("b", 1), ("a", 0)],
            ),
            (
                "given order breaks the rest",
                1,
                vec![w("z", 1, 0), w("a", 1, 0)],
                &[("z", 1), ("a", 0)],
            ),
            ("zero weights give nothing", 5, vec![w("a", 0, 0)], &[]),
        ];
        for (name, replicas, entries, want) in cases {
            let want: Vec<(String, i32)> = want.iter().map(|(n, r)| (n.to_string(), *r)).collect();
            assert_eq!(run(*replicas, entries), want, "case {name}");
        }
    }
}
