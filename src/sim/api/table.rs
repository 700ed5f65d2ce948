//! Server-side printing: `meta.k8s.io/v1` Tables, which kubectl asks for on
//! `get` and prints verbatim. Columns per kind follow what a real API server
//! prints (pods: READY, STATUS, RESTARTS, AGE; deployments: READY,
//! UP-TO-DATE, AVAILABLE, AGE; …); other kinds get NAME and AGE.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Whether the Accept header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept.contains("as=Table")
}

/// (name, priority): priority 1 columns show with `-o wide` only.
fn columns(kind: &str) -> Vec<(&'static str, u8)> {
    let mut cols = vec![("Name", 0)];
    cols.extend(match kind {
        "Pod" => vec![
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
        ],
        "Deployment" => vec![
            ("Ready", 0),
            ("Up-to-date", 0),
            ("Available", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1),
        ],
        "ReplicaSet" => vec![("Desired", 0), ("Current", 0), ("Ready", 0), ("Age", 0)],
        "StatefulSet" => vec![("Ready", 0), ("Age", 0)],
        "DaemonSet" => vec![
            ("Desired", 0),
            ("Current", 0),
            ("Ready", 0),
            ("Up-to-date", 0),
            ("Available", 0),
            ("Age", 0),
        ],
        "Service" => vec![
            ("Type", 0),
            ("Cluster-IP", 0),
            ("External-IP", 0),
            ("Port(s)", 0),
            ("Age", 0),
        ],
        "Namespace" => vec![("Status", 0), ("Age", 0)],
        "Node" => vec![("Status", 0), ("Roles", 0), ("Age", 0), ("Version", 0)],
        "ConfigMap" => vec![("Data", 0), ("Age", 0)],
        "Secret" => vec![("Type", 0), ("Data", 0), ("Age", 0)],
        "Job" => vec![("Status", 0), ("Completions", 0), ("Age", 0)],
        "HorizontalPodAutoscaler" => vec![
            ("Reference", 0),
            ("Targets", 0),
            ("MinPods", 0),
            ("MaxPods", 0),
            ("Replicas", 0),
            ("Age", 0),
        ],
        "Event" => vec![("Type", 0), ("Reason", 0), ("Object", 0), ("Message", 0)],
        _ => vec![("Age", 0)],
    });
    cols
}

fn s(o: &Value, p: &str) -> String {
    match o.pointer(p) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn n(o: &Value, p: &str) -> i64 {
    o.pointer(p).and_then(Value::as_i64).unwrap_or(0)
}

fn len(o: &Value, p: &str) -> usize {
    o.pointer(p)
        .and_then(Value::as_object)
        .map_or(0, |m| m.len())
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
}

fn cell(kind: &str, column: &str, o: &Value, now: DateTime<Utc>) -> Value {
    let text = match (kind, column) {
        (_, "Name") => s(o, "/metadata/name"),
        (_, "Age") => age(o, now),
        ("Pod", "Ready") => {
            let statuses = o
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array);
            let total = o
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let ready = statuses.map_or(0, |s| s.iter().filter(|c| c["ready"] == true).count());
            format!("{ready}/{total}")
        }
        ("Pod", "Status") => {
            if o.pointer("/metadata/deletionTimestamp").is_some() {
                "Terminating".into()
            } else {
                s(o, "/status/phase")
            }
        }
        ("Pod", "Restarts") => return json!(0),
        ("Pod", "IP") => or_none(s(o, "/status/podIP")),
        ("Pod", "Node") => or_none(s(o, "/spec/nodeName")),
        ("Deployment" | "StatefulSet", "Ready") => format!(
            "{}/{}",
            n(o, "/status/readyReplicas"),
            n(o, "/spec/replicas")
        ),
        ("Deployment", "Up-to-date") => return json!(n(o, "/status/updatedReplicas")),
        ("Deployment", "Available") => return json!(n(o, "/status/availableReplicas")),
        ("Deployment", "Containers") => names(o, "name"),
        ("Deployment", "Images") => names(o, "image"),
        ("ReplicaSet", "Desired") => return json!(n(o, "/spec/replicas")),
        ("ReplicaSet", "Current") => return json!(n(o, "/status/replicas")),
        ("ReplicaSet", "Ready") => return json!(n(o, "/status/readyReplicas")),
        ("DaemonSet", "Desired") => return json!(n(o, "/status/desiredNumberScheduled")),
        ("DaemonSet", "Current") => return json!(n(o, "/status/currentNumberScheduled")),
        ("DaemonSet", "Ready") => return json!(n(o, "/status/numberReady")),
        ("DaemonSet", "Up-to-date") => return json!(n(o, "/status/updatedNumberScheduled")),
        ("DaemonSet", "Available") => return json!(n(o, "/status/numberAvailable")),
        ("Service", "Type") => s(o, "/spec/type"),
        ("Service", "Cluster-IP") => or_none(s(o, "/spec/clusterIP")),
        ("Service", "External-IP") => "<none>".into(),
        ("Service", "Port(s)") => service_ports(o),
        ("Namespace", "Status") => s(o, "/status/phase"),
        ("Node", "Status") => {
            let ready = o
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .and_then(|cs| {
                    cs.iter()
                        .find(|c| c["type"] == "Ready")
                        .map(|c| c["status"] == "True")
                });
            let mut status = if ready == Some(true) {
                "Ready"
            } else {
                "NotReady"
            }
            .to_string();
            if o.pointer("/spec/unschedulable") == Some(&json!(true)) {
                status.push_str(",SchedulingDisabled");
            }
            status
        }
        ("Node", "Roles") => "<none>".into(),
        ("Node", "Version") => s(o, "/status/nodeInfo/kubeletVersion"),
        ("ConfigMap", "Data") => return json!(len(o, "/data") + len(o, "/binaryData")),
        ("Secret", "Type") => s(o, "/type"),
        ("Secret", "Data") => return json!(len(o, "/data")),
        ("Job", "Status") => {
            let done = o
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Complete" && c["status"] == "True")
                });
            if done { "Complete" } else { "Running" }.into()
        }
        ("Job", "Completions") => format!(
            "{}/{}",
            n(o, "/status/succeeded"),
            o.pointer("/spec/completions")
                .and_then(Value::as_i64)
                .unwrap_or(1)
        ),
        ("HorizontalPodAutoscaler", "Reference") => format!(
            "{}/{}",
            s(o, "/spec/scaleTargetRef/kind"),
            s(o, "/spec/scaleTargetRef/name")
        ),
        ("HorizontalPodAutoscaler", "Targets") => hpa_targets(o),
        ("HorizontalPodAutoscaler", "MinPods") => {
            return json!(o
                .pointer("/spec/minReplicas")
                .and_then(Value::as_i64)
                .unwrap_or(1))
        }
        ("HorizontalPodAutoscaler", "MaxPods") => return json!(n(o, "/spec/maxReplicas")),
        ("HorizontalPodAutoscaler", "Replicas") => return json!(n(o, "/status/currentReplicas")),
        ("Event", "Type") => s(o, "/type"),
        ("Event", "Reason") => s(o, "/reason"),
        ("Event", "Object") => format!(
            "{}/{}",
            s(o, "/involvedObject/kind").to_lowercase(),
            s(o, "/involvedObject/name")
        ),
        ("Event", "Message") => s(o, "/message"),
        _ => String::new(),
    };
    json!(text)
}

fn names(o: &Value, field: &str) -> String {
    o.pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c[field].as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn service_ports(o: &Value) -> String {
    let ports = o
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let text: Vec<String> = ports
        .iter()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match p.get("nodePort").and_then(Value::as_i64) {
                Some(np) => format!("{}:{np}/{proto}", p["port"]),
                None => format!("{}/{proto}", p["port"]),
            }
        })
        .collect();
    or_none(text.join(","))
}

fn hpa_targets(o: &Value) -> String {
    let current = o
        .pointer("/status/currentMetrics/0/resource/current/averageUtilization")
        .and_then(Value::as_i64)
        .map_or("<unknown>".to_string(), |v| format!("{v}%"));
    let target = o
        .pointer("/spec/metrics/0/resource/target/averageUtilization")
        .and_then(Value::as_i64)
        .map_or("<unset>".to_string(), |v| format!("{v}%"));
    format!("cpu: {current}/{target}")
}

/// kubectl's human duration: 45s, 5m30s, 3h, 2d4h, 400d.
pub fn human_duration(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (m, h, days) = (secs / 60, secs / 3600, secs / 86400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        match secs % 60 {
            0 => format!("{m}m"),
            s => format!("{m}m{s}s"),
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        match m % 60 {
            0 => format!("{h}h"),
            r => format!("{h}h{r}m"),
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 192 {
        match h % 24 {
            0 => format!("{days}d"),
            r => format!("{days}d{r}h"),
        }
    } else {
        format!("{days}d")
    }
}

fn age(o: &Value, now: DateTime<Utc>) -> String {
    o.pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or("<unknown>".into(), |t| {
            human_duration(now - t.with_timezone(&Utc))
        })
}

/// A Table of `objects` of `kind`, with `resource_version` in its metadata.
pub fn table(kind: &str, objects: &[&Value], resource_version: &str, now: DateTime<Utc>) -> Value {
    let cols = columns(kind);
    let defs: Vec<Value> = cols
        .iter()
        .map(|(name, priority)| {
            let format = if *name == "Name" { "name" } else { "" };
            let ty = if *name == "Restarts" || name.ends_with("Pods") { "integer" } else { "string" };
            json!({"name": name, "type": ty, "format": format, "description": "", "priority": priority})
        })
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let cells: Vec<Value> = cols.iter().map(|(c, _)| cell(kind, c, o, now)).collect();
            let mut meta = o.get("metadata").cloned().unwrap_or(json!({}));
            if let Some(m) = meta.as_object_mut() {
                m.remove("managedFields");
            }
            json!({"cells": cells, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": defs, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        let cases = [
            (45, "45s"),
            (119, "119s"),
            (330, "5m30s"),
            (600, "10m"),
            (3 * 3600 + 60, "3h1m"),
            (10 * 3600, "10h"),
            (50 * 3600, "2d2h"),
            (400 * 86400, "400d"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(chrono::Duration::seconds(secs)), want);
        }
    }

    #[test]
    fn deployment_rows_show_readiness() {
        let now = Utc::now();
        let d = json!({"metadata": {"name": "web", "creationTimestamp": (now - chrono::Duration::seconds(30)).to_rfc3339()},
            "spec": {"replicas": 3}, "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let t = table("Deployment", &[&d], "7", now);
        assert_eq!(
            t["rows"][0]["cells"],
            json!(["web", "2/3", 3, 2, "30s", "", ""])
        );
        assert_eq!(t["columnDefinitions"][5]["priority"], 1);
    }
}
