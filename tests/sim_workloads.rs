//! The simulator's controllers through the real binary and kubectl: HPA
//! driven by synthetic load and the simulated clock, StatefulSets,
//! DaemonSets, Jobs, and a custom workload with a scale subresource.

mod support;

use support::sim::{json_of, Sim};

fn replicas(sim: &Sim, what: &str) -> i64 {
    json_of(&sim.kubectl_ok("member1", &["get", what, "-o", "json"]))["spec"]["replicas"]
        .as_i64()
        .unwrap_or(-1)
}

#[test]
fn hpa_scales_within_bounds_as_load_changes() {
    let sim = Sim::start(&["--clusters", "1"]);
    sim.kubectl_ok(
        "member1",
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2",
        ],
    );
    sim.kubectl_ok(
        "member1",
        &["set", "resources", "deploy/web", "--requests=cpu=200m"],
    );
    // kubectl autoscale writes autoscaling/v1 (protobuf); it is stored as v2.
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
    let (code, v1) = sim.http(
        "member1",
        "GET",
        "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web",
        None,
    );
    assert_eq!(code, 200);
    assert_eq!(json_of(&v1)["spec"]["targetCPUUtilizationPercentage"], 50);
    // The HPA syncs every 15 s of simulated time; the test moves the clock.
    let sync = || {
        sim.admin(
            "member1",
            "POST",
            "/clock",
            Some(r#"{"advanceSeconds": 15}"#),
        )
    };
    let load = |percent: u32| {
        let body =
            format!(r#"{{"namespace": "default", "name": "web", "cpuUtilization": {percent}}}"#);
        sim.admin("member1", "POST", "/load", Some(&body));
    };
    load(100);
    sync();
    sim.wait_for(10, "a scale-up to 4 (2 x 100/50)", || {
        replicas(&sim, "deploy/web") == 4
    });
    load(400);
    sync();
    sim.wait_for(10, "the maximum of 6", || replicas(&sim, "deploy/web") == 6);
    sync();
    sim.wait_for(10, "the HPA to report the load", || {
        sim.kubectl_ok("member1", &["get", "hpa", "web"])
            .contains("cpu: 400%/50%")
    });
    // Load drops: the scale-down waits for the 5-minute stabilization window.
    load(5);
    for _ in 0..4 {
        sync();
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert_eq!(
        replicas(&sim, "deploy/web"),
        6,
        "no scale-down inside the window"
    );
    sim.admin(
        "member1",
        "POST",
        "/clock",
        Some(r#"{"advanceSeconds": 300}"#),
    );
    sim.wait_for(10, "the minimum of 2 after the window", || {
        replicas(&sim, "deploy/web") == 2
    });
}

#[test]
fn statefulsets_daemonsets_and_jobs_run() {
    let sim = Sim::start(&["--clusters", "1", "--nodes", "2"]);
    let sts = sim.write(
        "sts.yaml",
        "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
",
    );
    sim.kubectl_ok("member1", &["apply", "-f", &sts]);
    let status = sim.kubectl_ok(
        "member1",
        &["rollout", "status", "statefulset/db", "--timeout=40s"],
    );
    assert!(
        status.contains("partitioned roll out complete") || status.contains("roll out complete"),
        "{status}"
    );
    let pods = sim.kubectl_ok("member1", &["get", "pods", "-l", "app=db", "-o", "name"]);
    assert_eq!(
        pods.lines().collect::<Vec<_>>(),
        ["pod/db-0", "pod/db-1", "pod/db-2"]
    );

    let ds = sim.write(
        "ds.yaml",
        "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: agent:1}]}
",
    );
    sim.kubectl_ok("member1", &["apply", "-f", &ds]);
    sim.wait_for(20, "one agent per node", || {
        json_of(&sim.kubectl_ok("member1", &["get", "ds", "agent", "-o", "json"]))["status"]
            ["numberReady"]
            == 2
    });
    let nodes: Vec<String> =
        json_of(&sim.kubectl_ok("member1", &["get", "pods", "-l", "app=agent", "-o", "json"]))
            ["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|p| {
                p["spec"]["nodeName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
    assert_eq!(nodes.len(), 2);
    assert_ne!(nodes[0], nodes[1]);

    sim.kubectl_ok("member1", &["create", "job", "once", "--image=busybox"]);
    sim.kubectl_ok(
        "member1",
        &[
            "wait",
            "--for=condition=Complete",
            "job/once",
            "--timeout=30s",
        ],
    );
    let job = json_of(&sim.kubectl_ok("member1", &["get", "job", "once", "-o", "json"]));
    assert_eq!(job["status"]["succeeded"], 1);
}

#[test]
fn a_custom_workload_with_a_scale_subresource_runs_pods() {
    let sim = Sim::start(&["--clusters", "1"]);
    let crd = sim.write("crd.yaml", "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: clonesets.apps.kruise.io}
spec:
  group: apps.kruise.io
  scope: Namespaced
  names: {plural: clonesets, singular: cloneset, kind: CloneSet}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.labelSelector}
");
    sim.kubectl_ok("member1", &["apply", "-f", &crd]);
    let cs = sim.write(
        "cs.yaml",
        "apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec: {containers: [{name: shop, image: shop:1}]}
",
    );
    sim.kubectl_ok("member1", &["apply", "-f", &cs]);
    sim.wait_for(20, "3 ready clones", || {
        json_of(&sim.kubectl_ok("member1", &["get", "cloneset", "shop", "-o", "json"]))["status"]
            ["readyReplicas"]
            == 3
    });
    sim.kubectl_ok("member1", &["scale", "cloneset/shop", "--replicas=1"]);
    sim.wait_for(20, "1 pod left", || {
        sim.kubectl_ok("member1", &["get", "pods", "-l", "app=shop", "-o", "name"])
            .lines()
            .count()
            == 1
    });
}

#[test]
fn statefulset_claims_are_bound_and_follow_the_retention_policy() {
    let sim = Sim::start(&["--clusters", "1"]);
    let sts = |name: &str, policy: &str| {
        format!(
            "apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {name}}}
spec:
  replicas: 2
  serviceName: {name}
  selector: {{matchLabels: {{app: {name}}}}}
  persistentVolumeClaimRetentionPolicy: {policy}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: db, image: postgres:16}}]}}
  volumeClaimTemplates:
  - metadata: {{name: data}}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {{requests: {{storage: 1Gi}}}}
"
        )
    };
    let claims = |app: &str| -> Vec<serde_json::Value> {
        json_of(&sim.kubectl_ok(
            "member1",
            &["get", "pvc", "-l", &format!("app={app}"), "-o", "json"],
        ))["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let names = |app: &str| -> Vec<String> {
        claims(app)
            .iter()
            .map(|c| {
                c["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };

    // Default policy (Retain): the claims outlive the set.
    let path = sim.write(
        "db.yaml",
        &sts("db", "{whenDeleted: Retain, whenScaled: Retain}"),
    );
    sim.kubectl_ok("member1", &["apply", "-f", &path]);
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "statefulset/db", "--timeout=40s"],
    );
    let found = claims("db");
    assert_eq!(names("db"), ["data-db-0", "data-db-1"]);
    for c in &found {
        assert_eq!(c["status"]["phase"], "Bound");
        assert_eq!(c["status"]["capacity"]["storage"], "1Gi");
        assert_eq!(c["status"]["accessModes"][0], "ReadWriteOnce");
        assert!(c["metadata"]["ownerReferences"].is_null(), "{c:#}");
    }
    let pod = json_of(&sim.kubectl_ok("member1", &["get", "pod", "db-1", "-o", "json"]));
    assert_eq!(
        pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "data-db-1"
    );
    sim.kubectl_ok("member1", &["delete", "sts", "db"]);
    sim.wait_for(10, "the pods to go", || {
        sim.kubectl_ok("member1", &["get", "pods", "-l", "app=db", "-o", "name"])
            .is_empty()
    });
    assert_eq!(names("db"), ["data-db-0", "data-db-1"]);

    // whenDeleted: Delete: the set owns its claims; they go with it.
    let path = sim.write("cache.yaml", &sts("cache", "{whenDeleted: Delete}"));
    sim.kubectl_ok("member1", &["apply", "-f", &path]);
    sim.kubectl_ok(
        "member1",
        &["rollout", "status", "statefulset/cache", "--timeout=40s"],
    );
    for c in claims("cache") {
        assert_eq!(c["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
    }
    sim.kubectl_ok("member1", &["delete", "sts", "cache"]);
    sim.wait_for(10, "the claims to go with the set", || {
        names("cache").is_empty()
    });
    assert_eq!(names("db"), ["data-db-0", "data-db-1"]);
}
