//! Services and PersistentVolumeClaims: the two core kinds whose health is
//! something other than "present": a LoadBalancer waits for its ingress, a
//! claim for its volume.

use super::{str_at, Health, HealthState};
use serde_json::Value;

pub(super) fn service(s: &Value) -> Health {
    if str_at(s, "/spec/type") != Some("LoadBalancer") {
        return Health::healthy();
    }
    let has_ingress = s
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .is_some_and(|i| !i.is_empty());
    if has_ingress {
        Health::healthy()
    } else {
        Health::progressing("waiting for the load balancer's ingress")
    }
}

pub(super) fn claim(pvc: &Value) -> Health {
    match str_at(pvc, "/status/phase") {
        Some("Bound") => Health::healthy(),
        Some("Lost") => Health::degraded("claim lost its volume"),
        Some("Pending") | None => Health::progressing("waiting for the claim to be bound"),
        Some(other) => Health::new(HealthState::Unknown, format!("phase {other}")),
    }
}
