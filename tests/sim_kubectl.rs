//! The simulator through the real binary, with the real kubectl
//! (`/usr/bin/kubectl`, 1.32) as an independent client: discovery,
//! everyday reads and writes, watches, CRDs, errors, and the admin API.

mod support;

use serde_json::{json, Value};
use std::process::Command;
use support::sim::{json_of, Sim};

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
";

#[test]
fn discovery_lists_builtins_with_short_names() {
    let sim = Sim::start(&["--clusters", "1"]);
    let out = sim.kubectl_ok("member1", &["api-resources"]);
    let deploy = out
        .lines()
        .find(|l| l.starts_with("deployments "))
        .expect("deployments listed");
    assert!(
        deploy.contains("deploy") && deploy.contains("apps/v1") && deploy.contains("Deployment"),
        "{deploy}"
    );
    assert!(out
        .lines()
        .any(|l| l.starts_with("customresourcedefinitions ") && l.contains("crd")));
    let ns = sim.kubectl_ok("member1", &["get", "ns"]);
    for name in ["default", "kube-system"] {
        assert!(
            ns.lines()
                .any(|l| l.starts_with(name) && l.contains("Active")),
            "{ns}"
        );
    }
    let nodes = sim.kubectl_ok("member1", &["get", "nodes"]);
    assert_eq!(
        nodes.lines().filter(|l| l.contains(" Ready ")).count(),
        3,
        "{nodes}"
    );
}

#[test]
fn create_get_and_delete_round_trip_with_kubernetes_errors() {
    let sim = Sim::start(&["--clusters", "1"]);
    let file = sim.write("deploy.yaml", DEPLOYMENT);
    assert!(sim
        .kubectl_ok("member1", &["create", "-f", &file])
        .contains("deployment.apps/web created"));
    let again = sim.kubectl("member1", &["create", "-f", &file]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("Error from server (AlreadyExists): error when creating"),
        "{again:?}"
    );
    let obj = json_of(&sim.kubectl_ok("member1", &["get", "deploy", "web", "-o", "json"]));
    assert_eq!(obj["metadata"]["namespace"], "default");
    assert_eq!(obj["metadata"]["generation"], 1);
    assert!(obj["metadata"]["uid"]
        .as_str()
        .is_some_and(|u| u.len() == 36));
    assert_eq!(
        obj["spec"]["strategy"]["type"], "RollingUpdate",
        "defaults are applied"
    );
    let missing_ns = sim.kubectl("member1", &["create", "-f", &file, "-n", "nope"]);
    assert!(
        String::from_utf8_lossy(&missing_ns.stderr).contains("namespaces \"nope\" not found"),
        "{missing_ns:?}"
    );
    assert!(sim
        .kubectl_ok("member1", &["delete", "deploy", "web"])
        .contains("deployment.apps \"web\" deleted"));
    let gone = sim.kubectl("member1", &["get", "deploy", "web"]);
    assert!(
        String::from_utf8_lossy(&gone.stderr)
            .contains("Error from server (NotFound): deployments.apps \"web\" not found"),
        "{gone:?}"
    );
}

#[test]
fn a_crd_is_served_as_soon_as_it_is_created() {
    let sim = Sim::start(&["--clusters", "1"]);
    // Warm the discovery cache first, so kubectl must notice the new type.
    sim.kubectl_ok("member1", &["get", "pods"]);
    let crd = sim.write(
        "crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
",
    );
    sim.kubectl_ok("member1", &["create", "-f", &crd]);
    sim.kubectl_ok(
        "member1",
        &[
            "wait",
            "--for=condition=Established",
            "crd/widgets.example.com",
            "--timeout=10s",
        ],
    );
    let empty = sim.kubectl("member1", &["get", "widgets"]);
    assert!(
        empty.status.success()
            && String::from_utf8_lossy(&empty.stderr).contains("No resources found"),
        "{empty:?}"
    );
    let widget = sim.write(
        "widget.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n",
    );
    sim.kubectl_ok("member1", &["apply", "-f", &widget]);
    let listed = sim.kubectl_ok("member1", &["get", "wd"]);
    assert!(listed.contains("w1"), "{listed}");
    // Deleting the CRD takes its objects and its type with it.
    sim.kubectl_ok("member1", &["delete", "crd", "widgets.example.com"]);
    let (code, _) = sim.http(
        "member1",
        "GET",
        "/apis/example.com/v1/namespaces/default/widgets",
        None,
    );
    assert_eq!(code, 404);
}

#[test]
fn a_crd_establish_delay_holds_the_type_back() {
    let sim = Sim::start(&["--clusters", "1"]);
    let (code, _) = sim.admin(
        "member1",
        "POST",
        "/faults",
        Some(r#"{"crdEstablishDelaySeconds": 2}"#),
    );
    assert_eq!(code, 200);
    let crd = sim.write(
        "crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, kind: Gadget}
  versions: [{name: v1, served: true, storage: true}]
",
    );
    sim.kubectl_ok("member1", &["create", "-f", &crd]);
    let status = json_of(&sim.kubectl_ok(
        "member1",
        &["get", "crd", "gadgets.example.com", "-o", "json"],
    ));
    let established = status["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Established"))
        .cloned();
    assert_eq!(
        established.map(|c| c["status"].clone()),
        Some(json!("False"))
    );
    let (code, _) = sim.http(
        "member1",
        "GET",
        "/apis/example.com/v1/namespaces/default/gadgets",
        None,
    );
    assert_eq!(code, 404, "not served before it is established");
    sim.kubectl_ok(
        "member1",
        &[
            "wait",
            "--for=condition=Established",
            "crd/gadgets.example.com",
            "--timeout=15s",
        ],
    );
    let (code, _) = sim.http(
        "member1",
        "GET",
        "/apis/example.com/v1/namespaces/default/gadgets",
        None,
    );
    assert_eq!(code, 200);
}

#[test]
fn get_watch_sees_a_change() {
    let sim = Sim::start(&["--clusters", "1"]);
    sim.kubectl_ok(
        "member1",
        &["create", "configmap", "cfg", "--from-literal=a=1"],
    );
    let mut watch = Command::new("/usr/bin/kubectl")
        .arg("--kubeconfig")
        .arg(&sim.kubeconfig)
        .args([
            "--context",
            "member1",
            "get",
            "configmap",
            "cfg",
            "-w",
            "-o",
            "name",
            "--request-timeout=20s",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("kubectl get -w starts");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    sim.kubectl_ok("member1", &["label", "configmap", "cfg", "changed=yes"]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = watch.kill();
    let out = watch.wait_with_output().expect("watch output");
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        lines.len() >= 2,
        "the initial object and the change: {lines:?}"
    );
}

#[test]
fn capacity_export_is_accepted_by_render() {
    let sim = Sim::start(&["--clusters", "2", "--nodes", "2"]);
    let out = Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(["sim", "capacity", "--kubeconfig"])
        .arg(&sim.kubeconfig)
        .output()
        .expect("capacity runs");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let docs: Vec<Value> = text
        .split("---\n")
        .map(|d| serde_norway::from_str(d).expect("YAML"))
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["metadata"]["name"], "member1");
    assert_eq!(docs[0]["status"]["conditions"][0]["status"], "True");
    assert_eq!(
        docs[0]["status"]["resourceSummary"]["allocatable"]["cpu"],
        "8"
    );
    assert_eq!(docs[0]["status"]["nodeSummary"]["readyNum"], 2);
    assert!(docs[0]["status"]["apiEnablements"]
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e["groupVersion"] == "apps/v1")));
    // The same file feeds render: a repository whose clusters are the simulated ones.
    let repo = sim.dir.path().join("repo");
    support::write_files(&repo, &[
        ("clusters.yaml", "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: member1}\n---\napiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: member2}\n".to_string()),
        ("app.yaml", format!("{DEPLOYMENT}---\napiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata: {{name: web, namespace: default}}\nspec:\n  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]\n  placement:\n    replicaScheduling: {{replicaSchedulingType: Divided}}\n").replace("name: web\n  labels", "name: web\n  namespace: default\n  labels")),
    ]);
    let state = sim.dir.path().join("state.yaml");
    std::fs::write(&state, &text).expect("write state");
    let render = support::flotilla(&[
        "render",
        repo.to_str().unwrap_or_default(),
        "--cluster-state",
        state.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert_eq!(
        render.status.code(),
        Some(0),
        "{}",
        support::stderr(&render)
    );
    let placed = json_of(&support::stdout(&render));
    assert_eq!(
        placed["placements"][0]["clusters"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn faults_make_the_api_unavailable_then_refuse_connections_then_recover() {
    let sim = Sim::start(&["--clusters", "1"]);
    let (code, _) = sim.admin(
        "member1",
        "POST",
        "/faults",
        Some(r#"{"api": "unavailable"}"#),
    );
    assert_eq!(code, 200);
    let (code, body) = sim.http("member1", "GET", "/api/v1/namespaces", None);
    assert_eq!(code, 503, "{body}");
    assert_eq!(json_of(&body)["reason"], "ServiceUnavailable");
    sim.admin("member1", "POST", "/faults", Some(r#"{"api": "refuse"}"#));
    let addr = sim.endpoints["member1"].clone();
    sim.wait_for(5, "connections to be refused", || {
        std::net::TcpStream::connect(&addr).is_err()
    });
    let down = sim.kubectl("member1", &["get", "ns", "--request-timeout=5s"]);
    assert!(!down.status.success());
    // The simulator-wide admin API stays up and brings the cluster back on
    // the same address.
    let (code, _) = sim.admin("member1", "DELETE", "/faults", None);
    assert_eq!(code, 200);
    sim.wait_for(5, "connections to be accepted again", || {
        std::net::TcpStream::connect(&addr).is_ok()
    });
    sim.kubectl_ok("member1", &["get", "ns"]);
}

#[test]
fn counters_record_writes_by_field_manager() {
    let sim = Sim::start(&["--clusters", "1"]);
    sim.admin("member1", "DELETE", "/counters", None);
    sim.kubectl_ok(
        "member1",
        &["create", "configmap", "cfg", "--from-literal=a=1"],
    );
    let (_, body) = sim.admin("member1", "GET", "/counters", None);
    let counters = json_of(&body);
    let creates: Vec<&Value> = counters["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter(|r| r["verb"] == "create")
        .collect();
    assert_eq!(creates.len(), 1, "{counters}");
    assert_eq!(creates[0]["resource"], "configmaps");
    assert_eq!(creates[0]["fieldManager"], "kubectl-create");
}

#[test]
fn generators_send_protobuf_and_get_kubernetes_answers() {
    let sim = Sim::start(&["--clusters", "1"]);
    assert!(sim
        .kubectl_ok("member1", &["create", "namespace", "shop"])
        .contains("namespace/shop created"));
    let again = sim.kubectl("member1", &["create", "namespace", "shop"]);
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("Error from server (AlreadyExists): namespaces \"shop\" already exists"),
        "{again:?}"
    );
    sim.kubectl_ok(
        "member1",
        &[
            "create",
            "deployment",
            "web",
            "-n",
            "shop",
            "--image=nginx:1.27",
            "--replicas=2",
            "--port=80",
        ],
    );
    let d = json_of(&sim.kubectl_ok(
        "member1",
        &["get", "deploy", "web", "-n", "shop", "-o", "json"],
    ));
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
        80
    );
}

#[test]
fn client_side_apply_then_server_side_apply_with_a_conflict() {
    let sim = Sim::start(&["--clusters", "1"]);
    let file = sim.write("deploy.yaml", DEPLOYMENT);
    assert!(sim
        .kubectl_ok("member1", &["apply", "-f", &file])
        .contains("deployment.apps/web created"));
    assert!(sim
        .kubectl_ok("member1", &["apply", "-f", &file])
        .contains("deployment.apps/web unchanged"));
    // A strategic merge keeps the container's ports while changing its image.
    let changed = sim.write(
        "deploy2.yaml",
        &DEPLOYMENT
            .replace("nginx:1.25", "nginx:1.26")
            .replace("replicas: 2", "replicas: 3"),
    );
    assert!(sim
        .kubectl_ok("member1", &["apply", "-f", &changed])
        .contains("deployment.apps/web configured"));
    let d = json_of(&sim.kubectl_ok("member1", &["get", "deploy", "web", "-o", "json"]));
    let container = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        (
            container["image"].as_str(),
            container["ports"][0]["containerPort"].as_i64()
        ),
        (Some("nginx:1.26"), Some(80))
    );
    assert_eq!(d["metadata"]["generation"], 2);
    // kubectl scale takes spec.replicas; a server-side apply of another
    // value by another manager conflicts on it.
    sim.kubectl_ok("member1", &["scale", "deploy", "web", "--replicas=5"]);
    let other = sim.write(
        "other.yaml",
        &DEPLOYMENT.replace("replicas: 2", "replicas: 4"),
    );
    let conflict = sim.kubectl(
        "member1",
        &[
            "apply",
            "--server-side",
            "--field-manager=ops",
            "-f",
            &other,
        ],
    );
    assert_eq!(conflict.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&conflict.stderr);
    assert!(
        stderr.contains("conflict") && stderr.contains(".spec.replicas"),
        "{stderr}"
    );
    let forced = sim.kubectl_ok(
        "member1",
        &[
            "apply",
            "--server-side",
            "--field-manager=ops",
            "--force-conflicts",
            "-f",
            &other,
        ],
    );
    assert!(forced.contains("serverside-applied"), "{forced}");
    let d = json_of(&sim.kubectl_ok(
        "member1",
        &[
            "get",
            "deploy",
            "web",
            "-o",
            "json",
            "--show-managed-fields",
        ],
    ));
    assert_eq!(d["spec"]["replicas"], 4);
    let managers: Vec<&str> = d["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"ops"), "{managers:?}");
    // diff: nothing to show for the applied state, a diff for a change.
    let same = sim.kubectl(
        "member1",
        &[
            "diff",
            "--server-side",
            "--field-manager=ops",
            "--force-conflicts",
            "-f",
            &other,
        ],
    );
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    let differs = sim.kubectl(
        "member1",
        &[
            "diff",
            "--server-side",
            "--field-manager=ops",
            "--force-conflicts",
            "-f",
            &changed,
        ],
    );
    assert_eq!(differs.status.code(), Some(1), "{differs:?}");
    assert!(String::from_utf8_lossy(&differs.stdout).contains("nginx:1.26"));
}

#[test]
fn deployments_roll_out_scale_and_cascade_on_delete() {
    let sim = Sim::start(&["--clusters", "1"]);
    let file = sim.write("deploy.yaml", DEPLOYMENT);
    sim.kubectl_ok("member1", &["apply", "-f", &file]);
    let status = sim.kubectl_ok(
        "member1",
        &["rollout", "status", "deploy/web", "--timeout=30s"],
    );
    assert!(status.contains("successfully rolled out"), "{status}");
    let pods = sim.kubectl_ok("member1", &["get", "pods", "-l", "app=web", "-o", "json"]);
    let items = json_of(&pods)["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 2);
    assert!(items
        .iter()
        .all(|p| p["status"]["phase"] == "Running" && p["spec"]["nodeName"].is_string()));
    // A new image rolls all pods over.
    sim.kubectl_ok(
        "member1",
        &["set", "image", "deploy/web", "nginx=nginx:1.27"],
    );
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "deploy/web", "--timeout=30s"],
    );
    let images: Vec<String> =
        json_of(&sim.kubectl_ok("member1", &["get", "pods", "-l", "app=web", "-o", "json"]))
            ["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .map(|p| {
                p["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
    assert!(
        !images.is_empty() && images.iter().all(|i| i == "nginx:1.27"),
        "{images:?}"
    );
    sim.kubectl_ok("member1", &["scale", "deploy/web", "--replicas=4"]);
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "deploy/web", "--timeout=30s"],
    );
    let ready = json_of(&sim.kubectl_ok("member1", &["get", "deploy", "web", "-o", "json"]));
    assert_eq!(ready["status"]["readyReplicas"], 4);
    let top = sim.kubectl_ok("member1", &["top", "pods"]);
    assert!(top.lines().count() >= 5, "{top}");
    // Deleting the Deployment takes its ReplicaSets and Pods with it.
    sim.kubectl_ok("member1", &["delete", "deploy", "web"]);
    sim.wait_for(10, "dependents to be collected", || {
        let rs = sim.kubectl_ok("member1", &["get", "rs,pods", "-o", "name"]);
        rs.trim().is_empty()
    });
}

#[test]
fn a_deployment_larger_than_the_cluster_leaves_pods_pending_unschedulable() {
    let sim = Sim::start(&["--clusters", "1", "--nodes", "1"]);
    // One node of 4 CPU: six pods of 600m fit, four do not.
    let big = DEPLOYMENT
        .replace("replicas: 2", "replicas: 10")
        .replace("cpu: 100m", "cpu: 600m");
    let file = sim.write("big.yaml", &big);
    sim.kubectl_ok("member1", &["apply", "-f", &file]);
    sim.wait_for(20, "6 ready pods", || {
        json_of(&sim.kubectl_ok("member1", &["get", "deploy", "web", "-o", "json"]))["status"]
            ["readyReplicas"]
            == 6
    });
    let pods = json_of(&sim.kubectl_ok("member1", &["get", "pods", "-o", "json"]));
    let pending: Vec<&Value> = pods["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|p| p["status"]["phase"] == "Pending")
        .collect();
    assert_eq!(pending.len(), 4);
    for p in pending {
        let scheduled = p["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "PodScheduled"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (scheduled["status"].as_str(), scheduled["reason"].as_str()),
            (Some("False"), Some("Unschedulable")),
            "{p}"
        );
    }
}

#[test]
fn finalizers_hold_deletion_and_orphaning_keeps_dependents() {
    let sim = Sim::start(&["--clusters", "1"]);
    let held = sim.write("held.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/keep]\ndata: {a: '1'}\n");
    sim.kubectl_ok("member1", &["apply", "-f", &held]);
    sim.kubectl_ok("member1", &["delete", "configmap", "held", "--wait=false"]);
    let yaml = sim.kubectl_ok("member1", &["get", "configmap", "held", "-o", "yaml"]);
    assert!(
        yaml.contains("deletionTimestamp:") && yaml.contains("example.com/keep"),
        "{yaml}"
    );
    sim.kubectl_ok(
        "member1",
        &[
            "patch",
            "configmap",
            "held",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ],
    );
    let gone = sim.kubectl("member1", &["get", "configmap", "held"]);
    assert!(
        !gone.status.success(),
        "the last finalizer removed, the object is gone"
    );
    // --cascade=orphan leaves the ReplicaSet, without its owner reference.
    let file = sim.write("deploy.yaml", DEPLOYMENT);
    sim.kubectl_ok("member1", &["apply", "-f", &file]);
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "deploy/web", "--timeout=30s"],
    );
    sim.kubectl_ok("member1", &["delete", "deploy", "web", "--cascade=orphan"]);
    let rs = json_of(&sim.kubectl_ok("member1", &["get", "rs", "-o", "json"]));
    let items = rs["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{rs}");
    assert!(items[0]["metadata"]["ownerReferences"]
        .as_array()
        .is_none_or(|r| r.is_empty()));
}
