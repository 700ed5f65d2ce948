//! The cases of `fixtures/karmada/schedule.json` where flotilla deliberately
//! differs from Karmada v1.14, each with its reason. Shared by the
//! in-process corpus test (`src/schedule/corpus_tests.rs`) and the test
//! through the binary (`tests/karmada_schedule.rs`); every entry is also in
//! docs/karmada-compatibility.md.
//!
//! An entry is a rule over the case (not a list of ids), because the corpus
//! is a sample: a hidden case of the same kind is allowed for the same
//! reason. A case an entry allows must still be answered cleanly (no panic,
//! a decision or a placement error).

use serde_json::Value;

/// One deliberate difference.
pub struct Allowed {
    /// Short name, as in docs/karmada-compatibility.md.
    pub rule: &'static str,
    pub reason: &'static str,
    /// Whether the case is of this kind, given the case and flotilla's
    /// answer: `{"clusters": [...], "reasons": {cluster: reason}}` or
    /// `{"error": "..."}`.
    pub applies: fn(&Value, &Value) -> bool,
}

fn karmada_error(case: &Value) -> &str {
    case["expected"]["error"].as_str().unwrap_or("")
}

pub const ALLOWED: &[Allowed] = &[
    Allowed {
        rule: "karmada-panic",
        reason:
            "Karmada panics (Duplicated with a region spread constraint divides by zero when a \
                 region has no cluster that fits all replicas); flotilla scores such a region 0 \
                 and schedules",
        applies: |case, _| karmada_error(case).starts_with("panic:"),
    },
    Allowed {
        rule: "spread-beyond-karmada",
        reason: "Karmada v1.14 rejects spreading by zone, provider or label (\"just support \
                 cluster and region spread constraint\"); flotilla implements them",
        applies: |case, _| {
            karmada_error(case).contains("just support cluster and region spread constraint")
        },
    },
    Allowed {
        rule: "scale-down-over-filtered",
        reason: "when replicas divided by room (dynamic weights, Aggregated) are scaled down, \
                 Karmada weighs by the whole previous decision, including clusters that no \
                 longer pass the filters (deleted, no longer serving the API, no longer matching \
                 the affinity), and gives them replicas; flotilla scales down over the clusters \
                 that pass",
        applies: |case, flotilla| {
            let placement = &case["policy"]["spec"]["placement"];
            let rs = &placement["replicaScheduling"];
            let by_room = rs["replicaDivisionPreference"] == "Aggregated"
                || rs["weightPreference"]["dynamicWeight"].is_string();
            let known = |name: &str| {
                case["clusters"]
                    .as_array()
                    .is_some_and(|cs| cs.iter().any(|c| c["metadata"]["name"] == name))
            };
            let passes = |name: &str| {
                known(name)
                    && !flotilla["reasons"][name]
                        .as_str()
                        .is_some_and(|r| r.starts_with("filtered out"))
            };
            let previous: Vec<(&str, i64)> = case["previous"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| {
                    (
                        t["name"].as_str().unwrap_or(""),
                        t["replicas"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
            let kept: i64 = previous
                .iter()
                .filter(|(n, _)| passes(n))
                .map(|(_, r)| r)
                .sum();
            let dropped = previous.iter().any(|(n, r)| *r > 0 && !passes(n));
            let replicas = case["template"]["spec"]["replicas"].as_i64().unwrap_or(1);
            // Karmada's scale-down path, with a previous cluster that no longer passes.
            by_room && dropped && kept > replicas
        },
    },
];

/// The first rule that allows flotilla's answer to `case` to differ, if any.
pub fn allowed(case: &Value, flotilla: &Value) -> Option<&'static Allowed> {
    ALLOWED.iter().find(|a| (a.applies)(case, flotilla))
}
