use super::*;
use serde_json::json;

fn deployment(replicas: u64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop",
            "labels": {"app": "web", "flotilla.io/managed-by": "flotilla"},
            "annotations": {HASH: "sha256:1", REVISION: "c1"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                {"name": "app", "image": image, "args": ["--port", "8080"],
                 "ports": [{"containerPort": 8080}],
                 "resources": {"requests": {"cpu": "0.5", "memory": "64Mi"}}}]}}}
    })
}

/// A live copy of `desired` as the API server returns it: defaults,
/// status, and `managedFields` entries `(manager, operation, fieldsV1)`.
fn live_of(desired: &Value, managers: &[(&str, &str, Value)]) -> Value {
    let mut live = desired.clone();
    live["metadata"]["uid"] = json!("u1");
    live["metadata"]["resourceVersion"] = json!("7");
    live["metadata"]["managedFields"] = managers
        .iter()
        .map(|(m, op, f)| json!({"manager": m, "operation": op, "fieldsV1": f}))
        .collect();
    live["status"] = json!({"observedGeneration": 1});
    live
}

fn paths(desired: &Value, live: &Value, autoscaled: bool) -> Vec<String> {
    drift(desired, live, Context { autoscaled })
        .iter()
        .map(ToString::to_string)
        .collect()
}

struct Case {
    name: &'static str,
    desired: Value,
    live: Value,
    autoscaled: bool,
    want: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    let d = deployment(3, "web:1");
    let mut defaulted = live_of(&d, &[]);
    let c = &mut defaulted["spec"]["template"]["spec"]["containers"][0];
    c["imagePullPolicy"] = json!("IfNotPresent");
    c["ports"][0]["protocol"] = json!("TCP");
    c["resources"]["requests"]["cpu"] = json!("500m");
    c["env"] = json!([{"name": "ADDED", "value": "by someone"}]);
    defaulted["metadata"]["labels"]["team"] = json!("added");
    defaulted["metadata"]["annotations"][REVISION] = json!("c0");
    defaulted["spec"]["strategy"] = json!({"type": "RollingUpdate"});

    let mut edited = live_of(
        &deployment(3, "web:2"),
        &[(
            "kubectl-edit",
            "Update",
            json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {"f:image": {}}}}}}}),
        )],
    );
    edited["metadata"]["labels"]
        .as_object_mut()
        .unwrap()
        .remove("app");

    let hpa_scaled = live_of(
        &deployment(7, "web:1"),
        &[(
            "kube-controller-manager",
            "Update",
            json!({"f:spec": {"f:replicas": {}}}),
        )],
    );
    let flotilla_owned_scaled = live_of(
        &deployment(7, "web:1"),
        &[("flotilla", "Apply", json!({"f:spec": {"f:replicas": {}}}))],
    );
    let mut args = live_of(&d, &[]);
    args["spec"]["template"]["spec"]["containers"][0]["args"] = json!(["--port", "9090"]);
    let mut cpu = live_of(&d, &[]);
    cpu["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = json!("2");

    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"type": "NodePort", "selector": {"app": "web"},
            "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30000}]}});
    let mut svc_live = live_of(&svc, &[]);
    svc_live["spec"]["clusterIP"] = json!("10.0.0.7");
    svc_live["spec"]["clusterIPs"] = json!(["10.0.0.7"]);
    svc_live["spec"]["ports"] =
        json!([{"port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 31234}]);
    let mut svc_moved = svc_live.clone();
    svc_moved["spec"]["ports"][0]["targetPort"] = json!(9090);

    let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"},
        "secrets": [{"name": "from-git"}]});
    let mut sa_live = live_of(&sa, &[]);
    sa_live["secrets"] = json!([{"name": "sa-token-x"}]);

    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
        "stringData": {"user": "admin"}});
    let mut secret_live = live_of(&secret, &[]);
    secret_live.as_object_mut().unwrap().remove("stringData");
    secret_live["data"] = json!({"user": "YWRtaW4="});
    let mut secret_changed = secret_live.clone();
    secret_changed["data"]["user"] = json!("cm9vdA==");

    vec![
        Case { name: "identical", desired: d.clone(), live: live_of(&d, &[]), autoscaled: false, want: &[] },
        Case { name: "defaults, others' additions, normalized quantities and a new revision are not drift",
            desired: d.clone(), live: defaulted, autoscaled: false, want: &[] },
        Case { name: "a live edit of an owned field and a removed label",
            desired: d.clone(), live: edited, autoscaled: false,
            want: &["metadata.labels.app", "spec.template.spec.containers[name=app].image (held by kubectl-edit)"] },
        Case { name: "replicas held by another manager are retained",
            desired: d.clone(), live: hpa_scaled, autoscaled: false, want: &[] },
        Case { name: "replicas still held by flotilla drift",
            desired: d.clone(), live: flotilla_owned_scaled.clone(), autoscaled: false,
            want: &["spec.replicas (held by flotilla)"] },
        Case { name: "replicas of an autoscaled object are retained",
            desired: d.clone(), live: flotilla_owned_scaled, autoscaled: true, want: &[] },
        Case { name: "an atomic list differs as a whole",
            desired: d.clone(), live: args, autoscaled: false,
            want: &["spec.template.spec.containers[name=app].args"] },
        Case { name: "a different quantity",
            desired: d.clone(), live: cpu, autoscaled: false,
            want: &["spec.template.spec.containers[name=app].resources.requests.cpu"] },
        Case { name: "allocated clusterIPs and nodePorts are retained",
            desired: svc.clone(), live: svc_live, autoscaled: false, want: &[] },
        Case { name: "a service port is matched by port and protocol",
            desired: svc, live: svc_moved, autoscaled: false,
            want: &["spec.ports[port=80,protocol=TCP].targetPort"] },
        Case { name: "a service account's secrets are retained",
            desired: sa, live: sa_live, autoscaled: false, want: &[] },
        Case { name: "stringData compares with data",
            desired: secret.clone(), live: secret_live, autoscaled: false, want: &[] },
        Case { name: "stringData changed in data",
            desired: secret, live: secret_changed, autoscaled: false, want: &["stringData.user"] },
    ]
}

#[test]
fn drift_table() {
    for case in cases() {
        assert_eq!(
            paths(&case.desired, &case.live, case.autoscaled),
            case.want,
            "case: {}",
            case.name
        );
    }
}

#[test]
fn apply_body_keeps_retained_values_and_drops_server_metadata() {
    let mut desired = deployment(3, "web:1");
    desired["metadata"]["resourceVersion"] = json!("12");
    desired["metadata"]["uid"] = json!("copied");
    let created = apply_body(&desired, None, Context::default());
    assert_eq!(created["spec"]["replicas"], 3);
    assert!(created["metadata"].get("resourceVersion").is_none());
    assert!(created["metadata"].get("uid").is_none());

    let hpa = live_of(
        &deployment(7, "web:1"),
        &[("hpa", "Update", json!({"f:spec": {"f:replicas": {}}}))],
    );
    assert_eq!(
        apply_body(&desired, Some(&hpa), Context::default())["spec"]["replicas"],
        7
    );
    let ours = live_of(
        &deployment(7, "web:1"),
        &[("flotilla", "Apply", json!({"f:spec": {"f:replicas": {}}}))],
    );
    assert_eq!(
        apply_body(&desired, Some(&ours), Context::default())["spec"]["replicas"],
        3
    );
    let scaled = apply_body(&desired, Some(&ours), Context { autoscaled: true });
    assert_eq!(scaled["spec"]["replicas"], 7);
}

#[test]
fn base64_matches_the_standard_alphabet() {
    for (plain, encoded) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("admin", "YWRtaW4="),
    ] {
        assert_eq!(base64(plain.as_bytes()), encoded);
    }
}

#[test]
fn a_dry_run_that_changes_only_bookkeeping_leaves_the_object_unchanged() {
    let live = live_of(&deployment(3, "web:1"), &[("flotilla", "Apply", json!({}))]);
    let mut dry = live.clone();
    dry["metadata"]["resourceVersion"] = json!("8");
    dry["metadata"]["managedFields"][0]["time"] = json!("2026-01-01T00:00:00Z");
    assert!(unchanged_by(&dry, &live));
    dry["spec"]["replicas"] = json!(4);
    assert!(!unchanged_by(&dry, &live));
}
