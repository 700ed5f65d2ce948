//! Field ownership of the simulator's own writes, through the real binary
//! and kubectl: controllers record their managers as on a real cluster, so
//! server-side apply by a user's manager conflicts exactly where it would
//! (after an HPA scales) and nowhere else.

mod support;

use serde_json::Value;
use support::sim::{json_of, Sim};

fn web(replicas: u32, image: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: {image}
        resources: {{requests: {{cpu: 200m}}}}
"
    )
}

/// (manager, operation, subresource) of each managedFields entry.
fn managers(obj: &Value) -> Vec<(String, String, String)> {
    let s = |e: &Value, k: &str| e[k].as_str().unwrap_or_default().to_string();
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (s(e, "manager"), s(e, "operation"), s(e, "subresource")))
        .collect()
}

fn entry(m: &str, op: &str, sub: &str) -> (String, String, String) {
    (m.into(), op.into(), sub.into())
}

fn get(sim: &Sim, what: &[&str]) -> Value {
    let mut args = vec!["get"];
    args.extend(what);
    args.extend(["-o", "json", "--show-managed-fields"]);
    json_of(&sim.kubectl_ok("member1", &args))
}

fn apply(sim: &Sim, path: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "apply",
        "--server-side",
        "--field-manager=flotilla",
        "-f",
        path,
    ];
    args.extend(extra);
    sim.kubectl("member1", &args)
}

#[test]
fn controllers_record_their_managers_and_leave_the_appliers_fields() {
    let sim = Sim::start(&["--clusters", "1"]);
    let path = sim.write("web.yaml", &web(2, "nginx:1"));
    assert!(apply(&sim, &path, &[]).status.success());
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "deploy/web", "--timeout=30s"],
    );
    let yaml = sim.kubectl_ok(
        "member1",
        &[
            "get",
            "deploy",
            "web",
            "-o",
            "yaml",
            "--show-managed-fields",
        ],
    );
    assert!(
        yaml.contains("manager: kube-controller-manager") && yaml.contains("subresource: status"),
        "{yaml}"
    );
    let d = get(&sim, &["deploy", "web"]);
    assert_eq!(
        managers(&d),
        [
            entry("flotilla", "Apply", ""),
            entry("kube-controller-manager", "Update", ""),
            entry("kube-controller-manager", "Update", "status"),
        ]
    );

    // The same manager applies a new image: the controllers own nothing
    // of it, so there is no conflict, and the rollout completes.
    let path = sim.write("web.yaml", &web(2, "nginx:2"));
    let out = apply(&sim, &path, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "deploy/web", "--timeout=30s"],
    );

    let pods = get(&sim, &["pods", "-l", "app=web"]);
    let items = pods["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2);
    for p in &items {
        assert_eq!(
            managers(p),
            [
                entry("kube-controller-manager", "Update", ""),
                entry("kubelet", "Update", "status"),
            ],
            "{}",
            p["metadata"]["name"]
        );
    }
    let rs = get(&sim, &["rs", "-l", "app=web"]);
    for r in rs["items"].as_array().into_iter().flatten() {
        assert!(managers(r).contains(&entry("kube-controller-manager", "Update", "status")));
    }
}

#[test]
fn an_hpa_scale_makes_an_apply_of_replicas_conflict_unless_forced() {
    let sim = Sim::start(&["--clusters", "1"]);
    let path = sim.write("web.yaml", &web(2, "nginx:1"));
    assert!(apply(&sim, &path, &[]).status.success());
    sim.kubectl_ok(
        "member1",
        &[
            "autoscale",
            "deploy/web",
            "--cpu-percent=50",
            "--min=2",
            "--max=6",
        ],
    );
    sim.admin(
        "member1",
        "POST",
        "/load",
        Some(r#"{"namespace": "default", "name": "web", "cpuUtilization": 100}"#),
    );
    sim.admin(
        "member1",
        "POST",
        "/clock",
        Some(r#"{"advanceSeconds": 15}"#),
    );
    sim.wait_for(10, "the HPA to scale to 4", || {
        get(&sim, &["deploy", "web"])["spec"]["replicas"] == 4
    });
    let d = get(&sim, &["deploy", "web"]);
    let scale = d["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["subresource"] == "scale")
        .cloned()
        .unwrap_or_default();
    assert_eq!(scale["manager"], "kube-controller-manager");
    assert_eq!(
        scale["fieldsV1"],
        serde_json::json!({"f:spec": {"f:replicas": {}}})
    );
    let hpa = get(&sim, &["hpa", "web"]);
    assert!(managers(&hpa).contains(&entry("kube-controller-manager", "Update", "status")));

    // The manifest still says 2: the apply would take replicas from the HPA.
    let out = apply(&sim, &path, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(
            r#"conflict with "kube-controller-manager" with subresource "scale" using apps/v1: .spec.replicas"#
        ),
        "{stderr}"
    );
    assert_eq!(get(&sim, &["deploy", "web"])["spec"]["replicas"], 4);

    let out = apply(&sim, &path, &["--force-conflicts"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = get(&sim, &["deploy", "web"]);
    assert_eq!(d["spec"]["replicas"], 2);
    assert!(!managers(&d).contains(&entry("kube-controller-manager", "Update", "scale")));
}
