//! A whole fleet for the daemon's end-to-end tests, real processes only: a
//! `git daemon` on loopback serving the repository, `flotilla sim` serving
//! the member clusters, `flotilla run` following the repository; the
//! system `git` and `/usr/bin/kubectl` check what it did. Also the
//! repository the scenarios start from.

use super::daemon::{Daemon, DaemonConfig};
use super::git::{GitServer, Workdir};
use super::sim::Sim;
use serde_json::Value;

/// The status branch the daemon writes (the default).
pub const STATUS: &str = "flotilla/status";

/// `Cluster` objects `member1`…`member<n>` (the simulator's names).
pub fn clusters(n: usize) -> String {
    (1..=n)
        .map(|i| {
            format!(
                "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: member{i}\n"
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// Every template kind the scenarios use, duplicated to every cluster.
pub const POLICY: &str = "apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: everywhere
spec:
  resourceSelectors:
    - {apiVersion: v1, kind: Namespace}
    - {apiVersion: apps/v1, kind: Deployment}
    - {apiVersion: v1, kind: ConfigMap}
    - {apiVersion: v1, kind: Service}
    - {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler}
  placement:
    replicaScheduling:
      replicaSchedulingType: Duplicated
";

/// Namespace `shop` and Deployment `shop/web` (2 replicas) at `image`.
pub fn app(image: &str) -> String {
    format!(
        "apiVersion: v1
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
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:{image}
          resources:
            requests: {{cpu: 100m, memory: 64Mi}}
"
    )
}

/// ConfigMap `shop/<name>` with `greeting`.
pub fn configmap(name: &str, greeting: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\ndata:\n  greeting: {greeting}\n"
    )
}

/// The repository most scenarios start from: `n` clusters, the policy,
/// the app at 1.0.0 and ConfigMap `web-config`.
pub fn repository(n: usize) -> Vec<(&'static str, String)> {
    vec![
        ("clusters.yaml", clusters(n)),
        ("policy.yaml", POLICY.to_string()),
        ("apps/web.yaml", app("1.0.0")),
        ("apps/config.yaml", configmap("web-config", "hello")),
    ]
}

/// The processes of one fleet; killed on drop.
pub struct Fleet {
    pub daemon: Daemon,
    pub work: Workdir,
    pub git: GitServer,
    pub sim: Sim,
    /// The daemon's data directory (its clone), kept across restarts.
    pub data: tempfile::TempDir,
}

impl Fleet {
    /// `n` simulated clusters, a repository of `files`, and the daemon
    /// following it with `configure`'s changes to the test defaults.
    pub fn start_with(
        n: usize,
        files: &[(&str, String)],
        configure: impl FnOnce(&mut DaemonConfig),
    ) -> Fleet {
        let sim = Sim::start(&["--clusters", &n.to_string()]);
        let git = GitServer::start();
        let work = git.create("fleet.git", files);
        let data = tempfile::tempdir().expect("tempdir");
        let mut config = DaemonConfig::new(&git.url("fleet.git"), &sim.kubeconfig, data.path());
        configure(&mut config);
        let daemon = Daemon::start(config);
        Fleet {
            daemon,
            work,
            git,
            sim,
            data,
        }
    }

    pub fn start(n: usize, files: &[(&str, String)]) -> Fleet {
        Fleet::start_with(n, files, |_| {})
    }

    /// Polls `check` for up to `secs` seconds; on timeout, fails with the
    /// daemon's log.
    pub fn wait_for(&self, secs: u64, what: &str, check: impl FnMut() -> bool) {
        self.daemon.wait_for(secs, what, check)
    }

    /// The text of `path` on the status branch, fetched now.
    pub fn status_file(&self, path: &str) -> Option<String> {
        self.work.remote_file(STATUS, path)
    }

    /// `path` on the status branch, parsed (YAML), fetched now.
    pub fn status_yaml(&self, path: &str) -> Option<Value> {
        let text = self.status_file(path)?;
        Some(
            serde_norway::from_str(&text)
                .unwrap_or_else(|e| panic!("{path} is not YAML ({e}):\n{text}")),
        )
    }

    /// `status/clusters/<cluster>.yaml`, parsed.
    pub fn cluster_status(&self, cluster: &str) -> Option<Value> {
        self.status_yaml(&format!("status/clusters/{cluster}.yaml"))
    }

    /// The `flotilla.io/revision` annotation of `what` (kubectl get args)
    /// on `cluster`; `None` when the object does not exist.
    pub fn revision(&self, cluster: &str, what: &[&str]) -> Option<String> {
        self.sim.jsonpath(
            cluster,
            what,
            "{.metadata.annotations.flotilla\\.io/revision}",
        )
    }

    /// A live edit of an owned field: `kubectl set image` of Deployment
    /// `shop/web` on `cluster`.
    pub fn set_web_image(&self, cluster: &str, image: &str) {
        let image = format!("web={image}");
        self.sim.kubectl_ok(
            cluster,
            &["-n", "shop", "set", "image", "deploy/web", &image],
        );
    }

    /// Waits until every `(what)` object on every one of `clusters`
    /// carries revision `commit`.
    pub fn wait_applied(&self, secs: u64, clusters: &[&str], objects: &[&[&str]], commit: &str) {
        for cluster in clusters {
            for what in objects {
                self.wait_for(secs, &format!("{what:?} at {commit} on {cluster}"), || {
                    self.revision(cluster, what).as_deref() == Some(commit)
                });
            }
        }
    }

    /// Waits until the daemon reports the fleet converged on the current
    /// revision (`/readyz` is 200 once it has been, then stays so: use
    /// [`Fleet::wait_settled`] after later commits).
    pub fn wait_ready(&self, secs: u64) {
        self.wait_for(secs, "the daemon to be ready", || {
            super::http::request(&self.daemon.listen, "GET", "/readyz", &[], None).0 == 200
        });
    }

    /// Waits until the status README names `commit` as applied and says
    /// every resource is Healthy on every cluster.
    pub fn wait_status_healthy(&self, secs: u64, commit: &str) {
        self.wait_for(secs, &format!("status to show {commit} healthy"), || {
            self.status_file("status/README.md").is_some_and(|readme| {
                readme.contains(commit)
                    && !readme.contains("Progressing")
                    && !readme.contains("Missing")
                    && !readme.contains("Unknown")
                    && readme.contains("Healthy")
            })
        });
    }
}
