//! What one replica of a workload asks for: the effective resource requests
//! of its pod template, as the capacity estimator reads them.
//!
//! In: the template's kind and manifest. Out: [`ReplicaRequests`], resource
//! name → amount per replica, in the unit the estimator divides by (cpu in
//! millicores, everything else in whole units, each container's value
//! rounded up as Kubernetes' `Quantity.Value()` does), or a
//! [`RequestsError`] naming the container and field whose quantity does not
//! parse.
//!
//! The effective request is Kubernetes' (`k8s.io/component-helpers/resource`
//! `PodRequests`): a container without a request for a resource it has a
//! limit for requests its limit; app containers add up; an init container
//! runs alone, so it counts only when it is larger, except a restartable
//! one (`restartPolicy: Always`, a sidecar), which keeps running and adds to
//! everything after it; the pod `overhead` adds on top. Karmada v1.14's
//! `AddPodTemplateRequest` is the same without the sidecar rule (it treats a
//! sidecar as a plain init container); see docs/karmada-compatibility.md.
//!
//! Which resources count is Karmada's `util.Resource`: cpu, memory,
//! ephemeral-storage, pods and the scalar resources (extended resources such
//! as `nvidia.com/gpu`, `hugepages-*`, `attachable-volumes-*`, and
//! `kubernetes.io/`-prefixed ones); any other name is ignored, as there.
//!
//! Pure; never panics on a malformed template (a missing or mistyped field is
//! simply no request). A quantity that does not parse is an error here, but
//! validation (`model::pod_resources`) reports it first, with its line.

use crate::model::pod_resources::pod_spec_pointer;
use crate::model::quantity::{Quantity, QuantityError};
use serde_json::Value;
use std::collections::BTreeMap;

/// Per-replica requests: resource name → amount (cpu in millicores, the
/// rest in whole units). Only positive amounts are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicaRequests {
    amounts: BTreeMap<String, i128>,
}

/// A request or limit that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestsError {
    #[error("invalid quantity at {pointer} of the pod template")]
    Quantity {
        /// JSON pointer into the template, e.g. `/spec/template/spec/containers/0/resources/requests/cpu`.
        pointer: String,
        #[source]
        source: QuantityError,
    },
}

impl ReplicaRequests {
    /// No requests: the estimator counts pods only.
    pub fn none() -> Self {
        ReplicaRequests::default()
    }

    /// Requests given directly (cpu in millicores, others in whole units),
    /// for tests and for callers that know them already.
    pub fn from_amounts<I: IntoIterator<Item = (String, i128)>>(amounts: I) -> Self {
        ReplicaRequests {
            amounts: amounts.into_iter().filter(|(_, v)| *v > 0).collect(),
        }
    }

    /// The effective requests of the pod template of `manifest`; none when
    /// the kind has no pod template.
    pub fn from_template(kind: &str, manifest: &Value) -> Result<Self, RequestsError> {
        let Some((pointer, pod_spec)) = pod_spec(kind, manifest) else {
            return Ok(ReplicaRequests::none());
        };
        pod_requests(&pointer, pod_spec)
    }

    /// Whether the replica requests nothing (the estimator then counts pods).
    pub fn is_empty(&self) -> bool {
        self.amounts.is_empty()
    }

    /// Resource name → amount, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i128)> {
        self.amounts.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// The amount of one resource (0 when not requested).
    pub fn get(&self, resource: &str) -> i128 {
        self.amounts.get(resource).copied().unwrap_or(0)
    }
}

/// Where the pod spec of a template is, by kind.
fn pod_spec<'v>(kind: &str, manifest: &'v Value) -> Option<(String, &'v Value)> {
    let pointer = pod_spec_pointer(kind);
    manifest
        .pointer(pointer)
        .filter(|v| v.is_object())
        .map(|v| (pointer.to_string(), v))
}

/// One container's effective requests: requests, defaulted from limits.
fn container_requests(
    pointer: &str,
    container: &Value,
) -> Result<BTreeMap<String, i128>, RequestsError> {
    let mut out = BTreeMap::new();
    let resources = container.get("resources");
    for field in ["requests", "limits"] {
        let Some(list) = resources
            .and_then(|r| r.get(field))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (name, raw) in list {
            if out.contains_key(name) || !counted(name) {
                continue;
            }
            let text = match raw {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            let q: Quantity = text.parse().map_err(|source| RequestsError::Quantity {
                pointer: format!("{pointer}/resources/{field}/{}", escape(name)),
                source,
            })?;
            out.insert(name.clone(), amount(name, &q));
        }
    }
    Ok(out)
}

/// Kubernetes' `PodRequests` over a pod spec (see the module header).
fn pod_requests(pointer: &str, spec: &Value) -> Result<ReplicaRequests, RequestsError> {
    let list = |field: &str| -> Vec<&Value> {
        spec.get(field)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    let mut total: BTreeMap<String, i128> = BTreeMap::new();
    for (i, c) in list("containers").into_iter().enumerate() {
        add(
            &mut total,
            &container_requests(&format!("{pointer}/containers/{i}"), c)?,
        );
    }
    let mut sidecars: BTreeMap<String, i128> = BTreeMap::new();
    let mut init_peak: BTreeMap<String, i128> = BTreeMap::new();
    for (i, c) in list("initContainers").into_iter().enumerate() {
        let own = container_requests(&format!("{pointer}/initContainers/{i}"), c)?;
        let restartable = c.get("restartPolicy").and_then(Value::as_str) == Some("Always");
        let while_running = if restartable {
            add(&mut total, &own);
            add(&mut sidecars, &own);
            sidecars.clone()
        } else {
            let mut with_sidecars = own;
            add(&mut with_sidecars, &sidecars);
            with_sidecars
        };
        for (name, v) in while_running {
            let peak = init_peak.entry(name).or_insert(0);
            *peak = (*peak).max(v);
        }
    }
    for (name, v) in init_peak {
        let t = total.entry(name).or_insert(0);
        *t = (*t).max(v);
    }
    if let Some(overhead) = spec.get("overhead") {
        let wrapped = serde_json::json!({"resources": {"requests": overhead}});
        add(
            &mut total,
            &container_requests(&format!("{pointer}/overhead"), &wrapped)?,
        );
    }
    Ok(ReplicaRequests::from_amounts(total))
}

fn add(into: &mut BTreeMap<String, i128>, from: &BTreeMap<String, i128>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_insert(0) += v;
    }
}

/// The estimator's unit: millicores for cpu, whole units rounded up for the rest.
pub(super) fn amount(resource: &str, q: &Quantity) -> i128 {
    if resource == "cpu" {
        q.milli()
    } else {
        q.value_ceil()
    }
}

/// Karmada's `util.Resource.Add`: the standard resources and the scalar ones.
fn counted(name: &str) -> bool {
    matches!(name, "cpu" | "memory" | "ephemeral-storage" | "pods") || is_scalar(name)
}

/// Kubernetes' `IsScalarResourceName`: extended, hugepages, attachable
/// volumes, or prefixed native resources.
fn is_scalar(name: &str) -> bool {
    name.starts_with("hugepages-")
        || name.starts_with("attachable-volumes-")
        || name.contains("kubernetes.io/")
        || (name.contains('/') && !name.starts_with("requests."))
}

/// JSON pointer escaping of one token (`/` in `nvidia.com/gpu`).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(pod: Value) -> Value {
        json!({"spec": {"template": {"spec": pod}}})
    }

    fn reqs(kind: &str, manifest: &Value) -> Vec<(String, i128)> {
        ReplicaRequests::from_template(kind, manifest)
            .expect("valid")
            .iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    fn c(requests: Value, limits: Value) -> Value {
        json!({"name": "c", "resources": {"requests": requests, "limits": limits}})
    }

    #[test]
    #[allow(clippy::type_complexity)] // a table of tuples reads best here
    fn effective_requests() {
        let cases: &[(&str, &str, Value, &[(&str, i128)])] = &[
            (
                "containers add up",
                "Deployment",
                deploy(
                    json!({"containers": [c(json!({"cpu": "250m", "memory": "64Mi"}), json!({})), c(json!({"cpu": "1"}), json!({}))]}),
                ),
                &[("cpu", 1250), ("memory", 64 << 20)],
            ),
            (
                "limits stand in for missing requests",
                "Deployment",
                deploy(
                    json!({"containers": [c(json!({"cpu": "100m"}), json!({"cpu": "2", "memory": "1Gi"}))]}),
                ),
                &[("cpu", 100), ("memory", 1 << 30)],
            ),
            (
                "an init container counts when larger",
                "Deployment",
                deploy(json!({
                    "containers": [c(json!({"cpu": "500m", "memory": "1Gi"}), json!({}))],
                    "initContainers": [c(json!({"cpu": "2", "memory": "10Mi"}), json!({}))]})),
                &[("cpu", 2000), ("memory", 1 << 30)],
            ),
            (
                "a sidecar adds to the app containers and to later init containers",
                "Deployment",
                deploy(json!({
                    "containers": [c(json!({"cpu": "500m"}), json!({}))],
                    "initContainers": [
                        {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "200m"}}},
                        c(json!({"cpu": "1"}), json!({}))]})),
                // max(500 + 200, 1000 + 200)
                &[("cpu", 1200)],
            ),
            (
                "overhead adds on top; extended resources count; unknown names do not",
                "Deployment",
                deploy(json!({
                    "containers": [c(json!({"nvidia.com/gpu": 1, "foo": "3", "hugepages-2Mi": "4Mi"}), json!({}))],
                    "overhead": {"cpu": "50m"}})),
                &[
                    ("cpu", 50),
                    ("hugepages-2Mi", 4 << 20),
                    ("nvidia.com/gpu", 1),
                ],
            ),
            (
                "memory rounds up per container",
                "Deployment",
                deploy(
                    json!({"containers": [c(json!({"memory": "1500m"}), json!({})), c(json!({"memory": "1500m"}), json!({}))]}),
                ),
                &[("memory", 4)],
            ),
            (
                "a pod",
                "Pod",
                json!({"spec": {"containers": [c(json!({"cpu": "1"}), json!({}))]}}),
                &[("cpu", 1000)],
            ),
            (
                "a cronjob",
                "CronJob",
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [c(json!({"cpu": "1"}), json!({}))]}}}}}}),
                &[("cpu", 1000)],
            ),
            (
                "a configmap has none",
                "ConfigMap",
                json!({"data": {}}),
                &[],
            ),
            (
                "malformed shapes are no request",
                "Deployment",
                deploy(json!({"containers": [{"resources": {"requests": ["cpu"]}}, 3]})),
                &[],
            ),
        ];
        for (name, kind, manifest, want) in cases {
            let want: Vec<(String, i128)> = want.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            assert_eq!(reqs(kind, manifest), want, "case {name}");
        }
    }

    #[test]
    fn a_bad_quantity_names_its_place() {
        let m = deploy(json!({"containers": [c(json!({"nvidia.com/gpu": "lots"}), json!({}))]}));
        let err = ReplicaRequests::from_template("Deployment", &m).expect_err("invalid");
        assert_eq!(
            err.to_string(),
            "invalid quantity at /spec/template/spec/containers/0/resources/requests/nvidia.com~1gpu of the pod template"
        );
    }
}
