//! Request counters per verb, resource and field manager (dry runs apart),
//! read through the admin API so that tests can prove a steady state makes
//! zero writes and a guard made zero deletes.

use serde_json::{json, Value};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Counters {
    /// (verb, resource, field manager or "", dry run) → count.
    counts: BTreeMap<(String, String, String, bool), u64>,
}

impl Counters {
    pub fn record(&mut self, verb: &str, resource: &str, manager: Option<&str>) {
        self.record_request(verb, resource, manager, false);
    }

    /// One request; a dry run (`dryRun=All`) is counted apart, so that
    /// real writes can be told from checks.
    pub fn record_request(
        &mut self,
        verb: &str,
        resource: &str,
        manager: Option<&str>,
        dry_run: bool,
    ) {
        *self
            .counts
            .entry((
                verb.to_string(),
                resource.to_string(),
                manager.unwrap_or_default().to_string(),
                dry_run,
            ))
            .or_default() += 1;
    }

    pub fn reset(&mut self) {
        self.counts.clear();
    }

    /// `{"total": n, "byVerb": {...}, "requests": [{verb, resource,
    /// fieldManager, count}]}`; a dry run's entry also has `"dryRun": true`.
    pub fn to_json(&self) -> Value {
        let mut by_verb: BTreeMap<&str, u64> = BTreeMap::new();
        let requests: Vec<Value> = self
            .counts
            .iter()
            .map(|((verb, resource, manager, dry_run), n)| {
                *by_verb.entry(verb).or_default() += n;
                let mut entry = json!({"verb": verb, "resource": resource, "fieldManager": manager, "count": n});
                if *dry_run {
                    entry["dryRun"] = Value::Bool(true);
                }
                entry
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
        c.record_request("patch", "deployments.apps", Some("flotilla"), true);
        let j = c.to_json();
        assert_eq!(j["total"], 4);
        assert_eq!(j["byVerb"]["patch"], 3);
        assert_eq!(j["requests"][1]["fieldManager"], "flotilla");
        assert_eq!(j["requests"][1]["count"], 2);
        assert_eq!(j["requests"][2]["dryRun"], true);
        assert_eq!(j["requests"][2]["count"], 1);
        c.reset();
        assert_eq!(c.to_json()["total"], 0);
    }
}
