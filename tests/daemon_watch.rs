//! Watches and the per-object drift backoff, end to end with real
//! processes: a `git daemon` on loopback, `flotilla sim` with two clusters,
//! `flotilla run` with `--resync 1h` (so only its watches can explain a
//! prompt correction), and kubectl as the other writer.
//!
//! One scenario: converge; a steady fleet makes no writes and almost no
//! reads; a `kubectl edit` of an owned field is corrected within seconds;
//! a workload's health change reaches the status branch without a resync;
//! a "fighting controller" re-applying a conflicting value for 16 s costs
//! a bounded number of flotilla writes, and status reports the fight.

mod support;

use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};
use support::daemon::{Daemon, DaemonConfig};
use support::git::GitServer;
use support::sim::{json_of, Sim};

const CLUSTERS: &str = "apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: member1}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: member2}
";

const POLICY: &str = "apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: everywhere}
spec:
  resourceSelectors:
    - {apiVersion: v1, kind: Namespace}
    - {apiVersion: apps/v1, kind: Deployment}
    - {apiVersion: v1, kind: ConfigMap}
  placement:
    replicaScheduling: {replicaSchedulingType: Duplicated}
";

const APP: &str = "apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          resources: {requests: {cpu: 100m, memory: 64Mi}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {greeting: hello}
";

/// What the fighting controller keeps applying.
const FIGHTER: &str = "apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {greeting: fight}
";

const STATUS_FILE: &str = "status/resources/shop/core.ConfigMap/web-config.yaml";

/// `flotilla run` with an hour between fetches and between resyncs.
fn start_daemon(repo: &str, kubeconfig: &std::path::Path, data: &std::path::Path) -> Daemon {
    let mut config = DaemonConfig::new(repo, kubeconfig, data);
    config.interval = "1h".into();
    config.resync = "1h".into();
    config.log = "warn".into();
    Daemon::start(config)
}

/// The simulator's request counters of `cluster`.
fn counters(sim: &Sim, cluster: &str) -> Value {
    json_of(&sim.admin(cluster, "GET", "/counters", None).1)
}

fn reset_counters(sim: &Sim) {
    for cluster in ["member1", "member2"] {
        sim.admin(cluster, "DELETE", "/counters", None);
    }
}

/// Requests counted by `keep(verb, resource, field manager, dry run)`.
fn count(c: &Value, keep: impl Fn(&str, &str, &str, bool) -> bool) -> u64 {
    c["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default();
            keep(
                s("verb"),
                s("resource"),
                s("fieldManager"),
                r["dryRun"] == true,
            )
        })
        .filter_map(|r| r["count"].as_u64())
        .sum()
}

fn is_read(verb: &str) -> bool {
    matches!(verb, "get" | "list" | "watch")
}

fn greeting(sim: &Sim) -> String {
    let out = sim.kubectl(
        "member1",
        &[
            "-n",
            "shop",
            "get",
            "configmap",
            "web-config",
            "-o",
            "jsonpath={.data.greeting}",
        ],
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn watches_heal_drift_at_once_and_a_fight_costs_few_writes() {
    let sim = Sim::start(&["--clusters", "2"]);
    let git = GitServer::start();
    let work = git.create(
        "fleet.git",
        &[
            ("clusters.yaml", CLUSTERS.to_string()),
            ("policy.yaml", POLICY.to_string()),
            ("apps/web.yaml", APP.to_string()),
        ],
    );
    let data = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(&git.url("fleet.git"), &sim.kubeconfig, data.path());

    // Converge: the Deployment ready everywhere, and said so in status
    // (health arrives through the watches: there is no resync to wait for).
    for cluster in ["member1", "member2"] {
        sim.wait_for(90, "the Deployment to be ready", || {
            let out = sim.kubectl(
                cluster,
                &[
                    "-n",
                    "shop",
                    "get",
                    "deploy",
                    "web",
                    "-o",
                    "jsonpath={.status.readyReplicas}",
                ],
            );
            String::from_utf8_lossy(&out.stdout) == "2"
        });
    }
    sim.wait_for(60, "the status README to say Healthy", || {
        work.remote_file("flotilla/status", "status/README.md")
            .is_some_and(|t| t.contains("Deployment shop/web") && !t.contains("Progressing"))
    });

    // (c) Steady state: no writes, and reads are the watches' few
    // reconnects, not a GET per object per pass.
    std::thread::sleep(Duration::from_secs(3));
    reset_counters(&sim);
    let commits = work.remote_log("flotilla/status").len();
    let window = Duration::from_secs(30);
    std::thread::sleep(window);
    let per_minute = 60.0 / window.as_secs_f64();
    for cluster in ["member1", "member2"] {
        let c = counters(&sim, cluster);
        let writes = count(&c, |v, _, _, _| !is_read(v));
        let reads = count(&c, |v, _, _, _| is_read(v)) as f64 * per_minute;
        eprintln!("steady state on {cluster}: {reads:.1} reads/min, {writes} writes ({c})");
        assert_eq!(writes, 0, "a steady fleet writes nothing: {c}");
        assert!(
            reads <= 6.0,
            "a steady fleet reads little: {reads:.1}/min: {c}"
        );
    }
    assert_eq!(
        work.remote_log("flotilla/status").len(),
        commits,
        "no status commit"
    );

    // (a) A kubectl edit of an owned field is corrected within seconds.
    let edited = Command::new("/usr/bin/kubectl")
        .arg("--kubeconfig")
        .arg(&sim.kubeconfig)
        .args(["--context", "member1", "--cache-dir"])
        .arg(sim.dir.path().join("kube-cache"))
        .args(["-n", "shop", "edit", "configmap", "web-config"])
        .env(
            "KUBE_EDITOR",
            "sed -i 's/greeting: hello/greeting: tampered/'",
        )
        .output()
        .expect("kubectl runs");
    assert!(edited.status.success(), "kubectl edit: {edited:?}");
    let started = Instant::now();
    let c = counters(&sim, "member1");
    assert_eq!(
        count(&c, |v, _, m, _| v == "patch" && m == "kubectl-edit"),
        1,
        "the edit was written: {c}"
    );
    sim.wait_for(10, "the edit to be corrected", || greeting(&sim) == "hello");
    eprintln!("kubectl edit corrected after {:?}", started.elapsed());
    sim.wait_for(30, "the drift to be reported", || {
        work.remote_file("flotilla/status", STATUS_FILE)
            .is_some_and(|t| t.contains("correctedAt") && t.contains("data.greeting"))
    });

    // (d) Health through the watches: member2's nodes go NotReady, its
    // pods follow, and the Deployment's status reaches the status branch
    // with no write by flotilla and no resync; and back.
    let health = |cluster: &str| {
        work.remote_file(
            "flotilla/status",
            "status/resources/shop/apps.Deployment/web.yaml",
        )
        .and_then(|t| serde_norway::from_str::<Value>(&t).ok())
        .and_then(|v| {
            v["clusters"][cluster]["health"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default()
    };
    assert_eq!(health("member2"), "Healthy");
    let (code, body) = sim.admin(
        "member2",
        "POST",
        "/faults",
        Some(r#"{"nodesNotReady":true}"#),
    );
    assert_eq!(code, 200, "{body}");
    let started = Instant::now();
    sim.wait_for(30, "member2's Deployment to be reported unhealthy", || {
        health("member2") != "Healthy"
    });
    eprintln!(
        "health change on the status branch after {:?}: {}",
        started.elapsed(),
        health("member2")
    );
    sim.admin(
        "member2",
        "POST",
        "/faults",
        Some(r#"{"nodesNotReady":false}"#),
    );
    sim.wait_for(
        30,
        "member2's Deployment to be reported healthy again",
        || health("member2") == "Healthy",
    );

    // (b) A fighting controller re-applies its value for 16 s, with its
    // own field manager and force. flotilla corrects it ever less often.
    let fight = sim.write("fight.yaml", FIGHTER);
    std::thread::sleep(Duration::from_secs(2));
    reset_counters(&sim);
    let fight_started = Instant::now();
    let mut fighter_runs = 0;
    let mut reported = false;
    while fight_started.elapsed() < Duration::from_secs(16) {
        sim.kubectl_ok(
            "member1",
            &[
                "apply",
                "--server-side",
                "--force-conflicts",
                "--field-manager=fighter",
                "-f",
                &fight,
            ],
        );
        fighter_runs += 1;
        reported = reported
            || work
                .remote_file("flotilla/status", STATUS_FILE)
                .is_some_and(|t| t.contains("fighting: true"));
        std::thread::sleep(Duration::from_millis(300));
    }
    let fought = fight_started.elapsed();
    let c = counters(&sim, "member1");
    let flotilla_writes = count(&c, |v, r, m, dry| {
        v == "patch" && r == "configmaps" && m == "flotilla" && !dry
    });
    let fighter_writes = count(&c, |v, _, m, _| v == "patch" && m == "fighter");
    eprintln!(
        "fight of {fought:?}: {fighter_runs} fighter applies ({fighter_writes} patches), {flotilla_writes} flotilla writes"
    );
    // Backoff 1 s, 2 s, 4 s, 8 s: corrections at about 0, 1, 3, 7 and 15 s.
    assert!(flotilla_writes >= 2, "flotilla did fight back: {c}");
    assert!(
        flotilla_writes <= 6,
        "{flotilla_writes} writes against {fighter_runs} fighter applies: {c}"
    );
    assert!(
        fighter_writes >= 2 * flotilla_writes,
        "the fighter wrote far more often: {c}"
    );
    assert!(
        daemon
            .metric("flotilla_drift_deferred_total{cluster=\"member1\"}")
            .unwrap_or(0.0)
            > 0.0
    );
    assert_eq!(
        count(&counters(&sim, "member2"), |v, _, _, _| !is_read(v)),
        0,
        "the other cluster is left alone"
    );
    // Status says so (the README names the fight too).
    sim.wait_for(30, "status to report the fight", || {
        reported
            || work
                .remote_file("flotilla/status", STATUS_FILE)
                .is_some_and(|t| t.contains("fighting: true"))
    });
    // The fighter gone, the last deferred correction heals the object.
    sim.wait_for(30, "the object to be healed after the fight", || {
        greeting(&sim) == "hello"
    });
}
