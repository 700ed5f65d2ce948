//! Choosing groups (regions, zones, …) under min/max constraints: Karmada
//! v1.14 `spreadconstraint/select_groups.go`.
//!
//! Every combination of groups whose summed value reaches the target, with
//! a size within [min, max], is a feasible path (found depth-first over the
//! groups sorted by value ascending, then weight descending, then name; a
//! path stops growing once feasible). The best path has the highest summed
//! weight, then the highest summed value, then was found first; a path that
//! is a prefix of it (groups sorted by weight, then name) is preferred.
//!
//! Same result as Karmada, plus a pruning Karmada does not do: a branch
//! whose remaining groups cannot reach the target is not explored (it would
//! find no path, and paths are numbered only when found), nor one too
//! short to reach the minimum number of groups.
//!
//! The search is exponential in the number of groups. Regions are few, but
//! a label can have a value per cluster: past [`SEARCH_LIMIT`] steps the
//! search stops and the groups are chosen greedily instead (highest weight,
//! then value, then name, until the constraints hold), and the result says
//! so. Karmada has no limit (and no answer in reasonable time there).

use std::cmp::Ordering;

/// A group as selection sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub name: String,
    /// What must reach the target (clusters in the group, or replicas).
    pub value: i64,
    /// The group's score.
    pub weight: i64,
}

/// Search steps before falling back to the greedy choice.
pub(crate) const SEARCH_LIMIT: usize = 200_000;

/// The chosen groups, best first (empty when no combination is feasible),
/// and whether they were chosen greedily because the search was too large.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chosen {
    pub groups: Vec<Group>,
    pub greedy: bool,
}

#[derive(Debug, Clone)]
struct Path {
    id: usize,
    groups: Vec<usize>,
    weight: i64,
    value: i64,
}

/// The best groups, best first; empty when no combination is feasible.
pub(crate) fn select_groups(groups: &[Group], min: i64, max: i64, target: i64) -> Chosen {
    let none = Chosen {
        groups: Vec::new(),
        greedy: false,
    };
    if groups.is_empty() {
        return none;
    }
    let mut sorted: Vec<Group> = groups.to_vec();
    sorted.sort_by(|a, b| {
        a.value
            .cmp(&b.value)
            .then(b.weight.cmp(&a.weight))
            .then(a.name.cmp(&b.name))
    });
    // suffix[i]: the value of groups i.. together, for pruning.
    let mut suffix = vec![0i64; sorted.len() + 1];
    for i in (0..sorted.len()).rev() {
        suffix[i] = suffix[i + 1].saturating_add(sorted[i].value);
    }
    let mut search = Search {
        groups: &sorted,
        suffix: &suffix,
        min,
        max,
        target,
        stack: Vec::new(),
        found: Vec::new(),
        steps: 0,
    };
    search.dfs(0, 0);
    if search.steps > SEARCH_LIMIT {
        return Chosen {
            groups: greedy(&sorted, min, max, target),
            greedy: true,
        };
    }
    let Some(best) = prioritize(search.found, &sorted) else {
        return none;
    };
    Chosen {
        groups: best.groups.iter().map(|&i| sorted[i].clone()).collect(),
        greedy: false,
    }
}

/// The fallback for searches too large: the heaviest groups, in order,
/// until the constraints hold.
fn greedy(groups: &[Group], min: i64, max: i64, target: i64) -> Vec<Group> {
    let mut by_weight: Vec<&Group> = groups.iter().collect();
    by_weight.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then(b.value.cmp(&a.value))
            .then(a.name.cmp(&b.name))
    });
    let mut chosen: Vec<Group> = Vec::new();
    let mut sum = 0i64;
    for g in by_weight {
        let len = i64::try_from(chosen.len()).unwrap_or(i64::MAX);
        if sum >= target && len >= min {
            break;
        }
        if len >= max {
            return Vec::new();
        }
        sum = sum.saturating_add(g.value);
        chosen.push(g.clone());
    }
    let len = i64::try_from(chosen.len()).unwrap_or(i64::MAX);
    if sum >= target && len >= min && len <= max {
        chosen
    } else {
        Vec::new()
    }
}

struct Search<'g> {
    groups: &'g [Group],
    suffix: &'g [i64],
    min: i64,
    max: i64,
    target: i64,
    stack: Vec<usize>,
    found: Vec<Path>,
    steps: usize,
}

impl Search<'_> {
    fn len(&self) -> i64 {
        i64::try_from(self.stack.len()).unwrap_or(i64::MAX)
    }

    fn dfs(&mut self, sum: i64, begin: usize) {
        self.steps += 1;
        if self.steps > SEARCH_LIMIT {
            return;
        }
        if sum >= self.target && self.len() >= self.min && self.len() <= self.max {
            self.record();
            return;
        }
        if self.len() >= self.max {
            return;
        }
        // Nothing after `begin` can bring the sum to the target, or the
        // path to the minimum length.
        let left = i64::try_from(self.groups.len() - begin).unwrap_or(i64::MAX);
        if sum.saturating_add(self.suffix[begin]) < self.target || self.len() + left < self.min {
            return;
        }
        for i in begin..self.groups.len() {
            self.stack.push(i);
            self.dfs(sum.saturating_add(self.groups[i].value), i + 1);
            self.stack.pop();
        }
    }

    /// Karmada's `dfsPath.next`: ids start at 1, groups sorted by weight
    /// (descending), then name.
    fn record(&mut self) {
        let mut groups = self.stack.clone();
        groups.sort_by(|&a, &b| by_weight_then_name(&self.groups[a], &self.groups[b]));
        self.found.push(Path {
            id: self.found.len() + 1,
            weight: groups.iter().map(|&i| self.groups[i].weight).sum(),
            value: groups.iter().map(|&i| self.groups[i].value).sum(),
            groups,
        });
    }
}

fn by_weight_then_name(a: &Group, b: &Group) -> Ordering {
    b.weight.cmp(&a.weight).then(a.name.cmp(&b.name))
}

/// Karmada's `prioritizePaths`.
fn prioritize(mut paths: Vec<Path>, groups: &[Group]) -> Option<Path> {
    paths.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then(b.value.cmp(&a.value))
            .then(a.id.cmp(&b.id))
    });
    let mut iter = paths.into_iter();
    let mut best = iter.next()?;
    for p in iter {
        // `p` is a strict prefix of `best` (by group name): prefer it.
        if p.groups.len() < best.groups.len()
            && p.groups
                .iter()
                .zip(&best.groups)
                .all(|(&a, &b)| groups[a].name == groups[b].name)
        {
            best = p;
        }
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(name: &str, value: i64, weight: i64) -> Group {
        Group {
            name: name.into(),
            value,
            weight,
        }
    }

    fn names(v: Chosen) -> Vec<String> {
        assert!(!v.greedy);
        v.groups.into_iter().map(|g| g.name).collect()
    }

    #[test]
    fn karmada_examples() {
        // The doc example of findFeasiblePaths: target 7 over [2,3,6,7],
        // exactly two groups; every pair but [2,3] is feasible.
        let groups = [g("a", 2, 10), g("b", 3, 20), g("c", 6, 5), g("d", 7, 1)];
        assert_eq!(names(select_groups(&groups, 2, 2, 7)), ["b", "c"]);
        // Up to three: more groups weigh more, and no prefix of the best
        // path is feasible on its own.
        assert_eq!(names(select_groups(&groups, 1, 3, 7)), ["b", "a", "c"]);
        // Not reachable.
        assert!(select_groups(&groups, 1, 4, 100).groups.is_empty());
        // Too few groups for the minimum.
        assert!(select_groups(&groups, 5, 5, 1).groups.is_empty());
        // maxGroups 0 selects nothing (Karmada's DFS stops at once).
        assert!(select_groups(&groups, 1, 0, 1).groups.is_empty());
    }

    #[test]
    fn equal_weights_prefer_value_then_discovery_order() {
        let groups = [g("x", 1, 0), g("y", 3, 0), g("z", 2, 0)];
        // Feasible pairs for target 3: [x,z] (3), [x,y] (4), [z,y] (5).
        assert_eq!(names(select_groups(&groups, 2, 2, 3)), ["y", "z"]);
    }

    #[test]
    fn a_search_too_large_falls_back_to_the_heaviest_groups() {
        // 60 label values, 30 to choose: C(60, 30) combinations.
        let groups: Vec<Group> = (0..60).map(|i| g(&format!("v{i:02}"), 1, i % 7)).collect();
        let chosen = select_groups(&groups, 30, 30, 1);
        assert!(chosen.greedy);
        assert_eq!(chosen.groups.len(), 30);
        assert!(
            chosen.groups.iter().all(|g| g.weight >= 2),
            "the heaviest first"
        );
        // Still infeasible when it is.
        assert!(select_groups(&groups, 61, 61, 1).groups.is_empty());
    }
}
