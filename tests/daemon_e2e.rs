//! The daemon end to end, with real processes only: a `git daemon` on
//! loopback serving the repository, `flotilla sim` serving two clusters,
//! `flotilla run` following the repository, and the system `git` and
//! `/usr/bin/kubectl` as independent clients checking what it did.
//!
//! One scenario per test, each step building on the last, as a fleet's
//! life does: converge, stay quiet, heal drift, survive a bad commit and an
//! unreachable remote, prune what left Git and nothing else.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use support::git::GitServer;
use support::sim::{json_of, Sim};

const CLUSTERS: &str = "apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: member1
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: member2
";

const POLICY: &str = "apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: everywhere
spec:
  resourceSelectors:
    - {apiVersion: v1, kind: Namespace}
    - {apiVersion: apps/v1, kind: Deployment}
    - {apiVersion: v1, kind: ConfigMap}
  placement:
    replicaScheduling:
      replicaSchedulingType: Duplicated
";

const APP: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          resources:
            requests: {cpu: 100m, memory: 64Mi}
";

const CONFIG: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
data:
  greeting: hello
";

/// `flotilla run`, killed on drop.
struct Daemon {
    child: Child,
    /// `host:port` of /metrics and friends.
    listen: String,
}

impl Daemon {
    fn start(repo: &str, kubeconfig: &std::path::Path, data: &std::path::Path) -> Daemon {
        Daemon::start_with(repo, kubeconfig, data, "1s", None)
    }

    fn start_with(
        repo: &str,
        kubeconfig: &std::path::Path,
        data: &std::path::Path,
        interval: &str,
        webhook_secret: Option<&str>,
    ) -> Daemon {
        let mut command = Command::new(env!("CARGO_BIN_EXE_flotilla"));
        if let Some(secret) = webhook_secret {
            command.env("FLOTILLA_WEBHOOK_SECRET", secret);
        }
        let mut child = command
            .args(["run", "--repo", repo, "--kubeconfig"])
            .arg(kubeconfig)
            .arg("--data-dir")
            .arg(data)
            .args([
                "--interval",
                interval,
                "--resync",
                "1s",
                "--status-debounce",
                "1s",
                "--listen",
                "127.0.0.1:0",
            ])
            .env("FLOTILLA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("flotilla run starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let mut listen = String::new();
        for line in lines.by_ref() {
            let line = line.expect("read daemon output");
            if let Some(rest) = line.split("http://").nth(1) {
                listen = rest.trim().to_string();
                break;
            }
        }
        assert!(!listen.is_empty(), "flotilla run printed no address");
        // Keep draining stderr so the daemon never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Daemon { child, listen }
    }

    fn metrics(&self) -> String {
        support::sim::http(&self.listen, "GET", "/metrics", None, "text/plain").1
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Write requests (anything but get, list, watch) counted by the simulator.
fn writes(sim: &Sim, cluster: &str) -> u64 {
    let (_, body) = sim.admin(cluster, "GET", "/counters", None);
    json_of(&body)["byVerb"]
        .as_object()
        .map(|verbs| {
            verbs
                .iter()
                .filter(|(v, _)| !matches!(v.as_str(), "get" | "list" | "watch"))
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
        .unwrap_or(0)
}

fn configmap_greeting(sim: &Sim, cluster: &str) -> Option<String> {
    let out = sim.kubectl(
        cluster,
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
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_fleet_follows_its_repository_safely() {
    let sim = Sim::start(&["--clusters", "2"]);
    let mut git = GitServer::start();
    let work = git.create(
        "fleet.git",
        &[
            ("clusters.yaml", CLUSTERS.to_string()),
            ("policy.yaml", POLICY.to_string()),
            ("apps/web.yaml", APP.to_string()),
            ("apps/config.yaml", CONFIG.to_string()),
        ],
    );
    let data = tempfile::tempdir().expect("tempdir");
    let daemon = Daemon::start(&git.url("fleet.git"), &sim.kubeconfig, data.path());

    // 1. The commit reaches every cluster, and status comes back to Git.
    for cluster in ["member1", "member2"] {
        sim.wait_for(60, "the Deployment to be ready", || {
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
        let labels = sim.kubectl_ok(
            cluster,
            &[
                "-n",
                "shop",
                "get",
                "deploy",
                "web",
                "-o",
                "jsonpath={.metadata.labels}",
            ],
        );
        assert!(labels.contains("flotilla.io/managed-by"), "{labels}");
    }
    sim.wait_for(30, "the status README to say Healthy", || {
        work.remote_file("flotilla/status", "status/README.md")
            .is_some_and(|t| t.contains("Deployment shop/web") && t.contains("Healthy"))
    });
    let resource = work
        .remote_file(
            "flotilla/status",
            "status/resources/shop/apps.Deployment/web.yaml",
        )
        .expect("the Deployment's status file");
    assert!(
        resource.contains("member1") && resource.contains("member2"),
        "{resource}"
    );
    let cluster_file = work
        .remote_file("flotilla/status", "status/clusters/member1.yaml")
        .expect("member1's status file");
    assert!(
        cluster_file.contains("web-config"),
        "the inventory lists what was applied:\n{cluster_file}"
    );
    let log = work.remote_log("flotilla/status");
    assert!(
        log.iter().all(|entry| entry.contains("Flotilla-Source: ")),
        "every status commit names its source: {log:?}"
    );
    assert!(daemon.metrics().contains("flotilla_source_valid 1"));

    // 2. Steady state: intervals pass, nothing is written anywhere.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let before = (
        writes(&sim, "member1"),
        writes(&sim, "member2"),
        work.remote_log("flotilla/status").len(),
    );
    std::thread::sleep(std::time::Duration::from_secs(5));
    let after = (
        writes(&sim, "member1"),
        writes(&sim, "member2"),
        work.remote_log("flotilla/status").len(),
    );
    assert_eq!(
        before, after,
        "a steady fleet costs reads, not writes (cluster writes, status commits)"
    );

    // 3. Drift on an owned field is corrected and reported.
    sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "patch",
            "configmap",
            "web-config",
            "--type=merge",
            "-p",
            r#"{"data":{"greeting":"tampered"}}"#,
        ],
    );
    sim.wait_for(30, "the drift to be corrected", || {
        configmap_greeting(&sim, "member1").as_deref() == Some("hello")
    });
    sim.wait_for(30, "the drift to be reported", || {
        work.remote_file(
            "flotilla/status",
            "status/resources/shop/core.ConfigMap/web-config.yaml",
        )
        .is_some_and(|t| t.contains("drift"))
    });

    // 4. A malformed commit is never applied; errors.yaml says why.
    work.commit_files(
        &[(
            "apps/broken.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n".to_string(),
        )],
        "broken",
    );
    sim.wait_for(30, "errors.yaml", || {
        work.remote_file("flotilla/status", "status/errors.yaml")
            .is_some_and(|t| t.contains("apps/broken.yaml"))
    });
    assert!(daemon.metrics().contains("flotilla_source_valid 0"));
    assert_eq!(
        configmap_greeting(&sim, "member1").as_deref(),
        Some("hello")
    );

    // 5. Removing a template prunes it, and only it: an unlabelled object
    //    and one with our label copied onto it stay.
    sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "create",
            "configmap",
            "theirs",
            "--from-literal=k=v",
        ],
    );
    sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "create",
            "configmap",
            "copied",
            "--from-literal=k=v",
        ],
    );
    sim.kubectl_ok(
        "member1",
        &[
            "-n",
            "shop",
            "label",
            "configmap",
            "copied",
            "flotilla.io/managed-by=flotilla",
        ],
    );
    work.remove(
        &["apps/broken.yaml", "apps/config.yaml"],
        "fix the commit; web-config leaves",
    );
    sim.wait_for(30, "web-config to be pruned", || {
        configmap_greeting(&sim, "member1").is_none()
    });
    sim.wait_for(30, "errors.yaml to clear", || {
        work.remote_file("flotilla/status", "status/errors.yaml")
            .is_none()
    });
    for kept in ["theirs", "copied"] {
        sim.kubectl_ok("member1", &["-n", "shop", "get", "configmap", kept]);
    }
    sim.kubectl_ok("member1", &["get", "namespace", "shop"]);

    // 6. The remote unreachable: the last good revision stays applied,
    //    drift is still corrected, nothing is pruned.
    git.stop();
    sim.wait_for(30, "the fetch errors to be counted", || {
        daemon
            .metrics()
            .lines()
            .any(|l| l.starts_with("flotilla_git_fetch_errors_total") && !l.ends_with(" 0"))
    });
    sim.kubectl_ok(
        "member2",
        &["-n", "shop", "scale", "deploy", "web", "--replicas=2"],
    );
    sim.kubectl_ok(
        "member2",
        &[
            "-n",
            "shop",
            "set",
            "image",
            "deploy/web",
            "web=registry.example.com/web:evil",
        ],
    );
    sim.wait_for(
        30,
        "the image drift to be corrected while the remote is down",
        || {
            let out = sim.kubectl(
                "member2",
                &[
                    "-n",
                    "shop",
                    "get",
                    "deploy",
                    "web",
                    "-o",
                    "jsonpath={.spec.template.spec.containers[0].image}",
                ],
            );
            String::from_utf8_lossy(&out.stdout) == "registry.example.com/web:1.0.0"
        },
    );
    sim.kubectl_ok("member2", &["-n", "shop", "get", "deploy", "web"]);
    git.resume();
    sim.wait_for(30, "the status to be pushed again", || {
        work.remote_file("flotilla/status", "status/README.md")
            .is_some()
    });
}

/// A POST to the daemon's webhook with `headers`; returns the status code.
fn post_webhook(listen: &str, body: &str, headers: &[(&str, String)]) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(listen).expect("connect to the daemon");
    let mut request = format!(
        "POST /webhook HTTP/1.1\r\nHost: {listen}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_signed_push_webhook_applies_a_commit_at_once() {
    let sim = Sim::start(&["--clusters", "2"]);
    let git = GitServer::start();
    let work = git.create(
        "fleet.git",
        &[
            ("clusters.yaml", CLUSTERS.to_string()),
            ("policy.yaml", POLICY.to_string()),
            ("apps/web.yaml", APP.to_string()),
            ("apps/config.yaml", CONFIG.to_string()),
        ],
    );
    let data = tempfile::tempdir().expect("tempdir");
    // Polls once an hour: only the webhook can bring the next commit soon.
    let daemon = Daemon::start_with(
        &git.url("fleet.git"),
        &sim.kubeconfig,
        data.path(),
        "1h",
        Some("s3cret"),
    );
    sim.wait_for(60, "the first commit", || {
        configmap_greeting(&sim, "member2").as_deref() == Some("hello")
    });

    let commit = work.commit_files(
        &[("apps/config.yaml", CONFIG.replace("hello", "bonjour"))],
        "say bonjour",
    );
    let body = format!(r#"{{"ref":"refs/heads/main","after":"{commit}"}}"#);
    let event = ("X-GitHub-Event", "push".to_string());
    // Unsigned and wrongly signed pushes are refused and trigger nothing.
    assert_eq!(post_webhook(&daemon.listen, &body, &[event.clone()]), 401);
    let wrong = flotilla::server::webhook::WebhookSecret::new("guess")
        .expect("secret")
        .sign_hex(body.as_bytes());
    assert_eq!(
        post_webhook(
            &daemon.listen,
            &body,
            &[
                event.clone(),
                ("X-Hub-Signature-256", format!("sha256={wrong}"))
            ]
        ),
        401
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(
        configmap_greeting(&sim, "member2").as_deref(),
        Some("hello"),
        "a refused webhook triggered a fetch"
    );
    // A signed one is fetched and applied at once.
    let signature = flotilla::server::webhook::WebhookSecret::new("s3cret")
        .expect("secret")
        .sign_hex(body.as_bytes());
    assert_eq!(
        post_webhook(
            &daemon.listen,
            &body,
            &[
                event,
                ("X-Hub-Signature-256", format!("sha256={signature}"))
            ]
        ),
        202
    );
    sim.wait_for(15, "the pushed commit to be applied", || {
        configmap_greeting(&sim, "member2").as_deref() == Some("bonjour")
    });
}
