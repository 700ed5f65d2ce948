//! A cluster's status the way Karmada's cluster status controller fills it:
//! the Ready condition, `apiEnablements` from discovery, `nodeSummary`, and
//! `resourceSummary` — allocatable (sum over nodes), allocated (requests of
//! pods bound to a node and not finished) and allocating (requests of pods
//! waiting for a node). Pure: the objects come in as JSON.

use crate::model::quantity::Quantity;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// One served group-version and its resources (name, kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiEnablement {
    pub group_version: String,
    pub resources: Vec<(String, String)>,
}

/// Inputs of one cluster's status.
pub struct Observed<'a> {
    pub nodes: &'a [Value],
    pub pods: &'a [Value],
    pub api_enablements: &'a [ApiEnablement],
    /// `gitVersion` from `/version`.
    pub kubernetes_version: &'a str,
    /// Whether `/readyz` (or `/healthz`) answered ok.
    pub healthy: bool,
    /// RFC 3339, for the condition's lastTransitionTime.
    pub now: &'a str,
}

type Sums = BTreeMap<String, i128>;

/// A `ResourceList` object as milli-units per name; unparseable quantities
/// are left out.
pub fn quantities(v: Option<&Value>) -> Sums {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| quantity(v).map(|q| (k.clone(), q)))
                .collect()
        })
        .unwrap_or_default()
}

/// A quantity written as a string or a number, in milli-units.
pub fn quantity(v: &Value) -> Option<i128> {
    match v {
        Value::String(s) => s.parse::<Quantity>().ok().map(|q| q.milli()),
        Value::Number(n) => n.to_string().parse::<Quantity>().ok().map(|q| q.milli()),
        _ => None,
    }
}

fn add(sums: &mut Sums, resources: Option<&Value>) {
    for (name, milli) in quantities(resources) {
        *sums.entry(name).or_default() += milli;
    }
}

/// A pod's effective requests in milli-units, per resource name, as the
/// scheduler counts them: the sum over containers (a missing request
/// defaults to the limit, as the API server defaults it), at least the
/// largest init container's, plus the pod overhead.
pub fn pod_requests(pod: &Value) -> Sums {
    let spec = pod.get("spec").unwrap_or(&Value::Null);
    let of_container = |c: &Value| -> Sums {
        let mut out = quantities(c.pointer("/resources/limits"));
        out.extend(quantities(c.pointer("/resources/requests")));
        out
    };
    let list = |key: &str| -> Vec<Sums> {
        spec.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(of_container).collect())
            .unwrap_or_default()
    };
    let mut total = Sums::new();
    for c in list("containers") {
        for (k, v) in c {
            *total.entry(k).or_default() += v;
        }
    }
    for c in list("initContainers") {
        for (k, v) in c {
            let e = total.entry(k).or_default();
            *e = (*e).max(v);
        }
    }
    for (k, v) in quantities(spec.get("overhead")) {
        *total.entry(k).or_default() += v;
    }
    total
}

fn finished(pod: &Value) -> bool {
    matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    )
}

fn to_json(sums: &Sums) -> Value {
    let map: Map<String, Value> = sums
        .iter()
        .map(|(k, milli)| (k.clone(), json!(format_quantity(k, *milli))))
        .collect();
    Value::Object(map)
}

/// Kubernetes-style: cpu in cores or millicores, memory-like in binary
/// units when exact, counts as plain integers.
fn format_quantity(resource: &str, milli: i128) -> String {
    if milli % 1000 != 0 {
        return format!("{milli}m");
    }
    let n = milli / 1000;
    let binary = resource == "memory" || resource.ends_with("storage");
    if binary && n != 0 {
        for (suffix, size) in [
            ("Ti", 1i128 << 40),
            ("Gi", 1 << 30),
            ("Mi", 1 << 20),
            ("Ki", 1 << 10),
        ] {
            if n % size == 0 {
                return format!("{}{suffix}", n / size);
            }
        }
    }
    n.to_string()
}

fn node_ready(node: &Value) -> bool {
    node.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// The `status` of a Karmada Cluster for what was observed.
pub fn cluster_status(o: &Observed<'_>) -> Value {
    let mut allocatable = Sums::new();
    for node in o.nodes {
        add(&mut allocatable, node.pointer("/status/allocatable"));
    }
    let (mut allocated, mut allocating) = (Sums::new(), Sums::new());
    let (mut bound, mut waiting) = (0i128, 0i128);
    for pod in o.pods.iter().filter(|p| !finished(p)) {
        let requests = pod_requests(pod);
        let bound_to_node = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .is_some_and(|n| !n.is_empty());
        let (sums, count) = if bound_to_node {
            (&mut allocated, &mut bound)
        } else {
            (&mut allocating, &mut waiting)
        };
        for (k, v) in requests {
            *sums.entry(k).or_default() += v;
        }
        *count += 1;
    }
    allocated.insert("pods".into(), bound * 1000);
    if waiting > 0 {
        allocating.insert("pods".into(), waiting * 1000);
    }
    let ready_nodes = o.nodes.iter().filter(|n| node_ready(n)).count();
    let (status, reason, message) = if o.healthy {
        (
            "True",
            "ClusterReady",
            "cluster is healthy and ready to accept workloads",
        )
    } else {
        ("False", "ClusterNotReachable", "cluster is not reachable")
    };
    let enablements: Vec<Value> = o
        .api_enablements
        .iter()
        .map(|e| {
            let resources: Vec<Value> = e
                .resources
                .iter()
                .map(|(name, kind)| json!({"name": name, "kind": kind}))
                .collect();
            json!({"groupVersion": e.group_version, "resources": resources})
        })
        .collect();
    json!({
        "kubernetesVersion": o.kubernetes_version,
        "apiEnablements": enablements,
        "conditions": [{"type": "Ready", "status": status, "reason": reason, "message": message, "lastTransitionTime": o.now}],
        "nodeSummary": {"totalNum": o.nodes.len(), "readyNum": ready_nodes},
        "resourceSummary": {"allocatable": to_json(&allocatable), "allocated": to_json(&allocated), "allocating": to_json(&allocating)},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(node: Option<&str>, cpu: &str, phase: &str) -> Value {
        json!({"spec": {"nodeName": node, "containers": [{"resources": {"requests": {"cpu": cpu, "memory": "256Mi"}}}]},
            "status": {"phase": phase}})
    }

    #[test]
    fn resource_summary_follows_karmada() {
        let node = json!({"status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}]}});
        let nodes = vec![node.clone(), node];
        let pods = vec![
            pod(Some("n1"), "500m", "Running"),
            pod(Some("n1"), "1", "Running"),
            pod(None, "250m", "Pending"),
            pod(Some("n2"), "2", "Succeeded"),
        ];
        let status = cluster_status(&Observed {
            nodes: &nodes,
            pods: &pods,
            api_enablements: &[],
            kubernetes_version: "v1.32.4",
            healthy: true,
            now: "2026-01-01T00:00:00Z",
        });
        let rs = &status["resourceSummary"];
        assert_eq!(
            rs["allocatable"],
            json!({"cpu": "8", "memory": "32Gi", "pods": "220"})
        );
        assert_eq!(
            rs["allocated"],
            json!({"cpu": "1500m", "memory": "512Mi", "pods": "2"})
        );
        assert_eq!(
            rs["allocating"],
            json!({"cpu": "250m", "memory": "256Mi", "pods": "1"})
        );
        assert_eq!(status["nodeSummary"], json!({"totalNum": 2, "readyNum": 2}));
        assert_eq!(status["conditions"][0]["reason"], "ClusterReady");
    }

    #[test]
    fn init_containers_count_when_larger() {
        let p = json!({"spec": {"containers": [{"resources": {"requests": {"cpu": "100m"}}}],
            "initContainers": [{"resources": {"requests": {"cpu": "1"}}}]}});
        assert_eq!(pod_requests(&p)["cpu"], 1000);
    }
}
