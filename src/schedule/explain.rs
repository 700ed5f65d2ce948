//! Explanations: one short line per cluster saying why it got what it got.
//!
//! In: what each step noted (filter rejections, spread selection, weight
//! shares, room, what was kept from the previous decision). Out: the text
//! of [`Decision::reasons`](super::Decision), e.g.
//!
//! ```text
//! filtered out: has taint dedicated=gpu:NoSchedule that the placement does not tolerate
//! not selected: spread by cluster takes 2 cluster(s) (maxGroups 2) and ranks others first
//! selected: 3 replica(s) (weight 2 of 5: 6 × 2/5 rounds down to 2, +1 of the 1 left over)
//! selected: 7 replica(s) (room for 12 more (cpu: 3 free ÷ 250m per replica); kept 4 from the previous decision; +3 new as its share by room)
//! passed the filters but got no replicas (weight 1 of 3)
//! ```
//!
//! Pure text assembly; no decision is made here.

use super::estimator::Limit;

/// "room for N more (what bounds it)".
pub(crate) fn room(room: i64, limit: &Limit) -> String {
    let why = match limit {
        Limit::NoSummary => "the cluster reports no resourceSummary".to_string(),
        Limit::Pods { free } if *free >= i64::from(i32::MAX) => {
            return "no replicas to estimate".to_string()
        }
        Limit::Pods { free } => format!("{free} free pod(s)"),
        Limit::Resource {
            name,
            free,
            per_replica,
        } => format!(
            "{name}: {} free ÷ {} per replica",
            amount(name, *free),
            amount(name, *per_replica)
        ),
        Limit::NotReported { name } => format!("the cluster does not report {name}"),
        Limit::InvalidStatus { name } => format!("the cluster's {name} quantity does not parse"),
        Limit::Models => "its resource models".to_string(),
    };
    format!("room for {room} more ({why})")
}

/// An amount in the estimator's unit, as a quantity a person reads.
fn amount(resource: &str, v: i128) -> String {
    if resource == "cpu" {
        return if v % 1000 == 0 {
            format!("{}", v / 1000)
        } else {
            format!("{v}m")
        };
    }
    const UNITS: [(&str, i128); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    if matches!(resource, "memory" | "ephemeral-storage") || resource.starts_with("hugepages-") {
        for (unit, size) in UNITS {
            if v != 0 && v % size == 0 {
                return format!("{}{unit}", v / size);
            }
        }
    }
    v.to_string()
}

/// The line of a cluster that passed the filters.
pub(crate) fn placed(got: Option<i32>, counted: bool, chosen: bool, notes: &[String]) -> String {
    let detail = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    match (got, chosen) {
        (Some(_), _) if !counted => format!("selected{detail}"),
        (Some(n), _) => format!("selected: {n} replica(s){detail}"),
        (None, false) => match notes.first() {
            Some(n) => n.clone(),
            None => "not selected".to_string(),
        },
        (None, true) => format!("passed the filters but got no replicas{detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_lines() {
        let cases: &[(i64, Limit, &str)] = &[
            (
                0,
                Limit::NoSummary,
                "room for 0 more (the cluster reports no resourceSummary)",
            ),
            (
                3,
                Limit::Pods { free: 3 },
                "room for 3 more (3 free pod(s))",
            ),
            (
                3,
                Limit::Resource {
                    name: "cpu".into(),
                    free: 1500,
                    per_replica: 500,
                },
                "room for 3 more (cpu: 1500m free ÷ 500m per replica)",
            ),
            (
                2,
                Limit::Resource {
                    name: "memory".into(),
                    free: 8 << 30,
                    per_replica: 3 << 30,
                },
                "room for 2 more (memory: 8Gi free ÷ 3Gi per replica)",
            ),
            (
                0,
                Limit::NotReported {
                    name: "nvidia.com/gpu".into(),
                },
                "room for 0 more (the cluster does not report nvidia.com/gpu)",
            ),
        ];
        for (n, limit, want) in cases {
            assert_eq!(room(*n, limit), *want);
        }
    }
}
