//! Health per kind: is a live object doing what it was applied for?
//!
//! In: one object as the cluster returns it (JSON, with `status`). Out: a
//! [`Health`] — a [`HealthState`], a short message and, for workloads, the
//! replica counts. One pure function per kind (gitops-engine's
//! `pkg/health` layout), dispatched on API group and kind by [`health`]:
//!
//! | kind | Healthy when |
//! |---|---|
//! | apps Deployment | the controller observed the spec, every replica is updated and available, no old replica is left; `ProgressDeadlineExceeded` is Degraded |
//! | apps StatefulSet | observed, every replica ready, updated up to the partition, current revision = update revision |
//! | apps DaemonSet | observed, every scheduled pod updated and available |
//! | batch Job | `Complete` (`Failed` is Degraded; running is Progressing) |
//! | core Pod | Running and Ready, or Succeeded (Failed, a crash loop, an image that cannot be pulled, or an unschedulable pod is Degraded) |
//! | core Service | not a LoadBalancer, or one with an ingress |
//! | core PersistentVolumeClaim | Bound (Lost is Degraded) |
//! | anything else | present and no `Ready`/`Available` condition is False |
//!
//! Every kind: a missing object (JSON `null`) is Missing; an object being
//! deleted is Progressing. A Secret's health never quotes the object (its
//! data must not reach status).
//!
//! Must not: read a clock (deadlines are the controllers' conditions), do
//! I/O, or panic on any input — a field of the wrong type reads as absent.

mod job;
mod pod;
mod service;
mod workloads;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How healthy an object is. Ordered from best to worst, as gitops-engine's
/// `healthOrder`, so the worst of several is their `max()`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub enum HealthState {
    /// Doing what it was applied for.
    Healthy,
    /// On its way: a rollout, a pending pod, a claim not yet bound.
    Progressing,
    /// Expected but not found in the cluster.
    Missing,
    /// Failed or stuck: it will not get better by waiting.
    Degraded,
    /// Not known: not observed (cluster unreachable) or unreadable status.
    #[default]
    Unknown,
}

impl HealthState {
    /// The name as written in status files and tables (`Healthy`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "Healthy",
            HealthState::Progressing => "Progressing",
            HealthState::Missing => "Missing",
            HealthState::Degraded => "Degraded",
            HealthState::Unknown => "Unknown",
        }
    }
}

impl std::fmt::Display for HealthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Replica counts of a workload in one cluster. `desired` is the object's
/// own `spec.replicas` (for a DaemonSet, the nodes it should run on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Replicas {
    pub desired: i64,
    pub ready: i64,
    pub updated: i64,
    pub available: i64,
}

/// The health of one object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Health {
    pub state: HealthState,
    /// Why, when not Healthy (or a note when Healthy); empty when there is
    /// nothing to say.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// For Deployments, StatefulSets and DaemonSets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Replicas>,
}

impl Health {
    /// A health with a state and a message, no replicas.
    pub fn new(state: HealthState, message: impl Into<String>) -> Self {
        Health {
            state,
            message: message.into(),
            replicas: None,
        }
    }

    /// Healthy, nothing to say.
    pub fn healthy() -> Self {
        Health::new(HealthState::Healthy, "")
    }

    /// The object is expected but absent.
    pub fn missing() -> Self {
        Health::new(HealthState::Missing, "not found in the cluster")
    }

    /// Not observed: the reason says why (e.g. the cluster is unreachable).
    pub fn unknown(reason: impl Into<String>) -> Self {
        Health::new(HealthState::Unknown, reason)
    }

    fn progressing(message: impl Into<String>) -> Self {
        Health::new(HealthState::Progressing, message)
    }

    fn degraded(message: impl Into<String>) -> Self {
        Health::new(HealthState::Degraded, message)
    }

    fn with_replicas(mut self, replicas: Replicas) -> Self {
        self.replicas = Some(replicas);
        self
    }
}

/// The health of `object`, a live object as the cluster returns it, or JSON
/// `null` when it was looked for and not found.
pub fn health(object: &Value) -> Health {
    if object.is_null() {
        return Health::missing();
    }
    if !object.is_object() {
        return Health::unknown("not an object");
    }
    let api_version = str_at(object, "/apiVersion").unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let kind = str_at(object, "/kind").unwrap_or_default();
    let secret = group.is_empty() && kind == "Secret";
    if object.pointer("/metadata/deletionTimestamp").is_some() {
        return Health::progressing("being deleted");
    }
    if secret {
        // Nothing of a Secret is quoted: its data must never reach status.
        return Health::healthy();
    }
    match (group, kind) {
        ("apps" | "extensions", "Deployment") => workloads::deployment(object),
        ("apps", "StatefulSet") => workloads::statefulset(object),
        ("apps" | "extensions", "DaemonSet") => workloads::daemonset(object),
        ("batch", "Job") => job::job(object),
        ("", "Pod") => pod::pod(object),
        ("", "Service") => service::service(object),
        ("", "PersistentVolumeClaim") => service::claim(object),
        _ => generic(object),
    }
}

/// Any other kind: present, and no `Ready` or `Available` condition False.
fn generic(object: &Value) -> Health {
    for type_ in ["Ready", "Available"] {
        if let Some(c) = condition(object, type_) {
            if str_at(c, "/status") == Some("False") {
                return Health::degraded(condition_text(type_, c));
            }
        }
    }
    Health::healthy()
}

// ---- helpers shared by the kinds ----

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn i64_at(v: &Value, pointer: &str) -> Option<i64> {
    v.pointer(pointer).and_then(Value::as_i64)
}

/// The condition of that type in `status.conditions`.
fn condition<'a>(object: &'a Value, type_: &str) -> Option<&'a Value> {
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| str_at(c, "/type") == Some(type_))
}

/// Whether the condition of that type has status `True`.
fn condition_true(object: &Value, type_: &str) -> bool {
    condition(object, type_).and_then(|c| str_at(c, "/status")) == Some("True")
}

/// `Type=Status: reason: message`, leaving out what is empty.
fn condition_text(type_: &str, c: &Value) -> String {
    let status = str_at(c, "/status").unwrap_or("Unknown");
    let mut out = format!("{type_}={status}");
    for field in ["/reason", "/message"] {
        if let Some(s) = str_at(c, field).filter(|s| !s.is_empty()) {
            out.push_str(": ");
            out.push_str(s);
        }
    }
    out
}

/// `Some(message)` when the controller has not yet seen the latest spec
/// (`status.observedGeneration < metadata.generation`).
fn not_observed(object: &Value) -> Option<String> {
    let generation = i64_at(object, "/metadata/generation")?;
    let observed = i64_at(object, "/status/observedGeneration").unwrap_or(0);
    (observed < generation).then(|| {
        format!(
            "waiting for the controller to observe generation {generation} (observed {observed})"
        )
    })
}
