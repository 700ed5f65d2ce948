//! Request counters per verb, resource and field manager, read through the
//! admin API so that tests can prove a steady state makes zero writes and
//! a guard made zero deletes.

use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Counters {
    /// (verb, resource, field manager or "") → count.
    counts: BTreeMap<(String, String, String), u64>,
}

impl Counters {
    pub fn record(&mut self, verb: &str, resource: &str, manager: Option<&str>) {
        *self
            .counts
            .entry((
                verb.to_string(),
                resource.to_string(),
                manager.unwrap_or_default().to_string(),
            ))
            .or_default() += 1;
    }

    pub fn reset(&mut self) {
        self.counts.clear();
    }

    /// `{"total": n, "byVerb": {...}, "requests": [{verb, resource, fieldManager, count}]}`.
    pub fn to_json(&self) -> Value {
        let mut by_verb: BTreeMap<&str, u64> = BTreeMap::new();
        let requests: Vec<Value> = self
            .counts
            .iter()
            .map(|((verb, resource, manager), n)| {
                *by_verb.entry(verb).or_default() += n;
                json!({"verb": verb, "resource": resource, "fieldManager": manager, "count": n})
            })
            .collect();
        json!({"total": self.counts.values().sum::<u64>(), "byVerb": by_verb, "requests": requests})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_by_verb_resource_and_manager() {
        let mut c = Counters::default();
        c.record("patch", "deployments.apps", Some("flotilla"));
        c.record("patch", "deployments.apps", Some("flotilla"));
        c.record("get", "pods", None);
        let j = c.to_json();
        assert_eq!(j["total"], 3);
        assert_eq!(j["byVerb"]["patch"], 2);
        assert_eq!(j["requests"][1]["fieldManager"], "flotilla");
        c.reset();
        assert_eq!(c.to_json()["total"], 0);
    }
}
