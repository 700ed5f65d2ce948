//! What the API server does to an object before storing it: type checks,
//! the validation clients rely on (422 with causes), and the defaults a real
//! cluster fills in (a Namespace's phase and name label, a Service's
//! clusterIP, a Deployment's strategy, a claim's Pending phase, a CRD's
//! Established condition).

use crate::sim::error::{ApiError, Cause};
use crate::sim::resources::ResourceType;
use serde_json::{json, Value};

/// Fills a missing apiVersion/kind from the URL's type and rejects a body of
/// another type.
pub fn require_type(rt: &ResourceType, object: &mut Value) -> Result<(), ApiError> {
    let api_version = rt.api_version();
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !kind.is_empty() && kind != rt.kind {
        return Err(ApiError::bad_request(format!(
            "the kind of the object ({kind}) does not match the resource ({}); expected {}",
            rt.qualified_plural(),
            rt.kind
        )));
    }
    object["kind"] = json!(rt.kind);
    let sent = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // Another served version of the same group is converted by a real
    // server; the simulator stores what it was given under that version.
    if sent.is_empty() || sent.split('/').count() != api_version.split('/').count() {
        object["apiVersion"] = json!(api_version);
    }
    if !object.get("metadata").is_some_and(Value::is_object) {
        object["metadata"] = json!({});
    }
    *object = crate::sim::convert::to_storage(rt, object.take());
    Ok(())
}

fn cause(field: &str, message: String) -> Cause {
    Cause {
        reason: "FieldValueInvalid".into(),
        message,
        field: field.into(),
    }
}

/// Checks an object before a create or update.
pub fn validate(rt: &ResourceType, name: &str, object: &Value) -> Result<(), ApiError> {
    let mut causes = Vec::new();
    if name.is_empty() {
        causes.push(Cause {
            reason: "FieldValueRequired".into(),
            message: "Required value: name or generateName is required".into(),
            field: "metadata.name".into(),
        });
    } else if !is_dns_subdomain(name) {
        causes.push(cause(
            "metadata.name",
            format!("Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"),
        ));
    }
    for field in ["labels", "annotations"] {
        if let Some(map) = object.pointer(&format!("/metadata/{field}")) {
            match map.as_object() {
                Some(m) => {
                    for (k, v) in m {
                        if !v.is_string() {
                            causes.push(cause(
                                &format!("metadata.{field}"),
                                format!(
                                    "Invalid value: {v}: the value of key \"{k}\" must be a string"
                                ),
                            ));
                        }
                    }
                }
                None if map.is_null() => {}
                None => causes.push(cause(
                    &format!("metadata.{field}"),
                    "Invalid value: must be a map of strings".into(),
                )),
            }
        }
    }
    if let Some(replicas) = object.pointer("/spec/replicas") {
        if rt.scale.is_some() {
            match replicas.as_i64() {
                Some(n) if n < 0 => causes.push(cause(
                    "spec.replicas",
                    format!("Invalid value: {n}: must be greater than or equal to 0"),
                )),
                Some(_) => {}
                None if replicas.is_null() => {}
                None => causes.push(cause(
                    "spec.replicas",
                    format!("Invalid value: {replicas}: must be an integer"),
                )),
            }
        }
    }
    if matches!(
        rt.kind.as_str(),
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
    ) && rt.group == "apps"
    {
        validate_selector(object, &mut causes);
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(rt, name, &causes))
    }
}

/// apps/v1 workloads need a selector that matches their template's labels.
fn validate_selector(object: &Value, causes: &mut Vec<Cause>) {
    let Some(selector) = object.pointer("/spec/selector") else {
        causes.push(Cause {
            reason: "FieldValueRequired".into(),
            message: "Required value".into(),
            field: "spec.selector".into(),
        });
        return;
    };
    let labels = object
        .pointer("/spec/template/metadata/labels")
        .and_then(Value::as_object);
    if let Some(wanted) = selector.get("matchLabels").and_then(Value::as_object) {
        let ok = wanted
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
        if !ok {
            causes.push(cause(
                "spec.template.metadata.labels",
                format!(
                    "Invalid value: {}: `selector` does not match template `labels`",
                    Value::Object(labels.cloned().unwrap_or_default())
                ),
            ));
        }
    }
}

fn is_dns_subdomain(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 253
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

/// Defaults set when an object is created.
pub fn default_on_create(rt: &ResourceType, object: &mut Value, uid: &str) {
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Namespace") => {
            let name = object["metadata"]["name"].clone();
            object["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            object["spec"]["finalizers"] = json!(["kubernetes"]);
            object["status"] = json!({"phase": "Active"});
        }
        ("", "Service") => default_service(object, uid),
        ("", "Pod") => {
            if object.pointer("/status/phase").is_none() {
                object["status"]["phase"] = json!("Pending");
            }
            if object.pointer("/spec/restartPolicy").is_none() {
                object["spec"]["restartPolicy"] = json!("Always");
            }
        }
        ("", "PersistentVolumeClaim") => {
            fill(&mut object["spec"], "volumeMode", json!("Filesystem"));
            // A new claim's status is the server's: whatever was sent goes.
            object["status"] = json!({"phase": "Pending"});
        }
        ("apps", "Deployment") => {
            let spec = &mut object["spec"];
            if spec.get("replicas").is_none_or(Value::is_null) {
                spec["replicas"] = json!(1);
            }
            if spec.get("strategy").is_none_or(|s| s.get("type").is_none()) {
                spec["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
            }
            for (field, value) in [
                ("revisionHistoryLimit", 10),
                ("progressDeadlineSeconds", 600),
            ] {
                if spec.get(field).is_none() {
                    spec[field] = json!(value);
                }
            }
        }
        ("apps", "ReplicaSet") if object.pointer("/spec/replicas").is_none_or(Value::is_null) => {
            object["spec"]["replicas"] = json!(1);
        }
        ("apps", "StatefulSet") => {
            let spec = &mut object["spec"];
            fill(spec, "replicas", json!(1));
            fill(spec, "podManagementPolicy", json!("OrderedReady"));
            fill(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
            );
            fill(spec, "revisionHistoryLimit", json!(10));
            fill(
                spec,
                "persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
            );
        }
        ("apps", "DaemonSet") => {
            let spec = &mut object["spec"];
            fill(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
            );
            fill(spec, "revisionHistoryLimit", json!(10));
        }
        ("batch", "Job") => {
            let spec = &mut object["spec"];
            fill(spec, "completions", json!(1));
            fill(spec, "parallelism", json!(1));
            fill(spec, "backoffLimit", json!(6));
            fill(spec, "completionMode", json!("NonIndexed"));
            fill(spec, "suspend", json!(false));
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd_status(object),
        _ => {}
    }
}

/// Sets `field` of `spec` when it is absent or null.
fn fill(spec: &mut Value, field: &str, value: Value) {
    if spec.get(field).is_none_or(Value::is_null) {
        spec[field] = value;
    }
}

/// Defaults kept across updates: allocated values a client does not send.
pub fn default_on_update(rt: &ResourceType, current: &Value, next: &mut Value) {
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Service") => {
            for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
                if next["spec"].get(field).is_none() {
                    if let Some(v) = current["spec"].get(field) {
                        next["spec"][field] = v.clone();
                    }
                }
            }
        }
        ("", "Namespace") => {
            let name = next["metadata"]["name"].clone();
            next["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
            if next.pointer("/spec/finalizers").is_none() {
                next["spec"]["finalizers"] = json!(["kubernetes"]);
            }
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd_status(next),
        _ => {}
    }
}

/// A cluster IP derived from the uid, so it is stable and unique enough.
fn default_service(object: &mut Value, uid: &str) {
    let spec = &mut object["spec"];
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    spec["type"] = json!(kind);
    if kind != "ExternalName" && spec.get("clusterIP").is_none_or(|v| v.as_str() == Some("")) {
        let n = u32::from_str_radix(&uid[..6], 16).unwrap_or(1);
        let ip = format!("10.96.{}.{}", (n >> 8) & 0xff, (n & 0xff).max(1));
        spec["clusterIP"] = json!(ip);
        spec["clusterIPs"] = json!([ip]);
    }
    if matches!(kind.as_str(), "NodePort" | "LoadBalancer") {
        let base = 30000 + (u32::from_str_radix(&uid[6..10], 16).unwrap_or(0) % 2000);
        if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
            for (i, port) in ports.iter_mut().enumerate() {
                if port.get("nodePort").is_none() {
                    port["nodePort"] = json!(base + i as u32);
                }
            }
        }
    }
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for port in ports {
            if port.get("protocol").is_none() {
                port["protocol"] = json!("TCP");
            }
            if port.get("targetPort").is_none() {
                port["targetPort"] = port.get("port").cloned().unwrap_or(json!(80));
            }
        }
    }
    spec["sessionAffinity"] = spec
        .get("sessionAffinity")
        .cloned()
        .unwrap_or(json!("None"));
    object["status"] = json!({"loadBalancer": {}});
}

/// A CRD is established at once (a delay can be injected as a fault).
fn crd_status(object: &mut Value) {
    let names = object.pointer("/spec/names").cloned().unwrap_or(json!({}));
    let since = object
        .pointer("/metadata/creationTimestamp")
        .cloned()
        .unwrap_or(Value::Null);
    object["status"] = json!({
        "acceptedNames": names,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": since},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": since},
        ],
        "storedVersions": object.pointer("/spec/versions").and_then(Value::as_array)
            .map(|vs| vs.iter().filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true)).filter_map(|v| v.get("name").cloned()).collect::<Vec<_>>())
            .unwrap_or_default(),
    });
}
