//! CRDs: creating one registers its resource types, so discovery, routing
//! and OpenAPI serve them at once; with an establish delay (a fault) the
//! CRD first reports `Established=False` and is served only when the delay
//! has passed, as a slow API server would.

use super::{resource_of, ChangeKind, Store};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

impl Store {
    /// Sets the delay new CRDs wait before they are served.
    pub fn set_crd_establish_delay(&mut self, delay: chrono::Duration) {
        self.crd_delay = delay.max(chrono::Duration::zero());
    }

    pub(super) fn crd_created(&mut self, crd: &mut Value, now: DateTime<Utc>) {
        if self.crd_delay > chrono::Duration::zero() {
            let name = crd
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            set_established(crd, false);
            self.crds_pending.insert(name, now + self.crd_delay);
        } else {
            self.registry.register_crd(crd);
        }
    }

    pub(super) fn crd_updated(&mut self, crd: &mut Value) {
        let name = crd
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if self.crds_pending.contains_key(name) {
            set_established(crd, false);
        } else {
            self.registry.register_crd(crd);
        }
    }

    /// When the next pending CRD is due to be Established.
    pub fn next_crd_due(&self) -> Option<DateTime<Utc>> {
        self.crds_pending.values().min().copied()
    }

    /// Establishes the pending CRDs whose delay has passed; returns whether
    /// any was.
    pub fn establish_due_crds(&mut self, now: DateTime<Utc>) -> bool {
        let due: Vec<String> = self
            .crds_pending
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(n, _)| n.clone())
            .collect();
        let Some(rt) = self
            .registry
            .get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            .cloned()
        else {
            return false;
        };
        for name in &due {
            self.crds_pending.remove(name);
            let Ok(current) = self.get(&rt, None, name) else {
                continue;
            };
            let mut crd = (*current).clone();
            set_established(&mut crd, true);
            self.registry.register_crd(&crd);
            self.commit(
                resource_of(&rt),
                (String::new(), name.clone()),
                crd,
                ChangeKind::Modified,
            );
        }
        !due.is_empty()
    }
}

fn set_established(crd: &mut Value, established: bool) {
    let Some(conditions) = crd
        .pointer_mut("/status/conditions")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for c in conditions.iter_mut().filter(|c| c["type"] == "Established") {
        if established {
            c["status"] = json!("True");
            c["reason"] = json!("InitialNamesAccepted");
            c["message"] = json!("the initial names have been accepted");
        } else {
            c["status"] = json!("False");
            c["reason"] = json!("Installing");
            c["message"] = json!("the CRD is being installed (simulated establish delay)");
        }
    }
}
