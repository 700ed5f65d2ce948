//! Deployments, StatefulSets and DaemonSets, as `kubectl rollout status`
//! judges them (kubectl's `polymorphichelpers/rollout_status.go`), with
//! gitops-engine's additions: a Deployment past its progress deadline or
//! unable to create pods is Degraded, and `OnDelete` workloads are healthy
//! once observed and ready (no rollout to wait for).

use super::{condition, condition_text, condition_true, i64_at, not_observed, str_at};
use super::{Health, HealthState, Replicas};
use serde_json::Value;

fn count(object: &Value, field: &str) -> i64 {
    i64_at(object, &format!("/status/{field}")).unwrap_or(0)
}

/// `spec.replicas`, defaulted to 1 as the API server does.
fn spec_replicas(object: &Value) -> i64 {
    i64_at(object, "/spec/replicas").unwrap_or(1)
}

fn name(object: &Value) -> &str {
    str_at(object, "/metadata/name").unwrap_or_default()
}

pub(super) fn deployment(d: &Value) -> Health {
    let replicas = Replicas {
        desired: spec_replicas(d),
        ready: count(d, "readyReplicas"),
        updated: count(d, "updatedReplicas"),
        available: count(d, "availableReplicas"),
    };
    let with = |h: Health| h.with_replicas(replicas);
    if d.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return with(Health::progressing("deployment is paused"));
    }
    if let Some(msg) = not_observed(d) {
        return with(Health::progressing(msg));
    }
    if let Some(c) = condition(d, "Progressing") {
        if str_at(c, "/reason") == Some("ProgressDeadlineExceeded") {
            return with(Health::degraded(format!(
                "deployment \"{}\" exceeded its progress deadline",
                name(d)
            )));
        }
    }
    if condition_true(d, "ReplicaFailure") {
        let text = condition(d, "ReplicaFailure")
            .map(|c| condition_text("ReplicaFailure", c))
            .unwrap_or_default();
        return with(Health::degraded(text));
    }
    let total = count(d, "replicas");
    let msg = if replicas.updated < replicas.desired {
        format!(
            "waiting for rollout to finish: {} out of {} new replicas have been updated",
            replicas.updated, replicas.desired
        )
    } else if total > replicas.updated {
        format!(
            "waiting for rollout to finish: {} old replicas are pending termination",
            total - replicas.updated
        )
    } else if replicas.available < replicas.updated {
        format!(
            "waiting for rollout to finish: {} of {} updated replicas are available",
            replicas.available, replicas.updated
        )
    } else {
        return with(Health::healthy());
    };
    with(Health::progressing(msg))
}

pub(super) fn statefulset(s: &Value) -> Health {
    let desired = spec_replicas(s);
    let ready = count(s, "readyReplicas");
    let updated = count(s, "updatedReplicas");
    let replicas = Replicas {
        desired,
        ready,
        updated,
        // Older API servers do not report availableReplicas.
        available: i64_at(s, "/status/availableReplicas").unwrap_or(ready),
    };
    let with = |h: Health| h.with_replicas(replicas);
    let observed = i64_at(s, "/status/observedGeneration").unwrap_or(0);
    if observed == 0 || not_observed(s).is_some() {
        return with(Health::progressing(not_observed(s).unwrap_or_else(|| {
            "waiting for the controller to observe it".into()
        })));
    }
    if ready < desired {
        return with(Health::progressing(format!(
            "waiting for {} pods to be ready",
            desired - ready
        )));
    }
    if str_at(s, "/spec/updateStrategy/type") == Some("OnDelete") {
        return with(Health::healthy());
    }
    let partition = i64_at(s, "/spec/updateStrategy/rollingUpdate/partition").unwrap_or(0);
    if partition > 0 {
        let want = (desired - partition).max(0);
        if updated < want {
            return with(Health::progressing(format!(
                "waiting for partitioned roll out to finish: {updated} out of {want} new pods have been updated"
            )));
        }
        return with(Health::new(
            HealthState::Healthy,
            format!("partitioned roll out complete: {updated} new pods have been updated"),
        ));
    }
    let current = str_at(s, "/status/currentRevision");
    let update = str_at(s, "/status/updateRevision");
    if current != update {
        return with(Health::progressing(format!(
            "waiting for rolling update to complete: {updated} pods at revision {}",
            update.unwrap_or("?")
        )));
    }
    with(Health::healthy())
}

pub(super) fn daemonset(ds: &Value) -> Health {
    let desired = count(ds, "desiredNumberScheduled");
    let replicas = Replicas {
        desired,
        ready: count(ds, "numberReady"),
        updated: count(ds, "updatedNumberScheduled"),
        available: count(ds, "numberAvailable"),
    };
    let with = |h: Health| h.with_replicas(replicas);
    if let Some(msg) = not_observed(ds) {
        return with(Health::progressing(msg));
    }
    if ds.pointer("/status").is_none() {
        return with(Health::progressing(
            "waiting for the controller to observe it",
        ));
    }
    let on_delete = str_at(ds, "/spec/updateStrategy/type") == Some("OnDelete");
    if !on_delete && replicas.updated < desired {
        return with(Health::progressing(format!(
            "waiting for rollout to finish: {} out of {desired} new pods have been updated",
            replicas.updated
        )));
    }
    if replicas.available < desired {
        return with(Health::progressing(format!(
            "waiting for rollout to finish: {} of {desired} pods are available",
            replicas.available
        )));
    }
    with(Health::healthy())
}
