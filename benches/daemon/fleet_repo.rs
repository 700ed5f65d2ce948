//! The repository the daemon benchmarks follow: `apps` applications, each
//! a Deployment (1 replica, small requests) and the ConfigMap its pods
//! read, in ten team namespaces, sent to every one of `clusters` simulated
//! clusters (`member1`…) by one Duplicated ClusterPropagationPolicy.
//!
//! A change for the latency benchmark is a new `version` in one app's
//! ConfigMap: one object per cluster to apply, the smallest commit a user
//! makes, so the figure is the daemon's reaction time, not apply volume.

use std::fmt::Write as _;

pub const NAMESPACES: usize = 10;

/// The files of the repository, as (path, text).
pub fn files(clusters: usize, apps: usize) -> Vec<(String, String)> {
    let mut files = vec![("clusters.yaml".to_string(), clusters_yaml(clusters))];
    files.push(("policy.yaml".to_string(), POLICY.to_string()));
    for ns in 0..NAMESPACES {
        files.push((
            format!("apps/{}/namespace.yaml", namespace(ns)),
            format!(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n",
                namespace(ns)
            ),
        ));
    }
    for app in 0..apps {
        files.push((app_path(app), app_yaml(app, "v0")));
    }
    files
}

/// The path and text of `app` with its ConfigMap at `version`.
pub fn app_change(app: usize, version: &str) -> (String, String) {
    (app_path(app), app_yaml(app, version))
}

pub fn namespace(ns: usize) -> String {
    format!("team-{ns:02}")
}

/// The namespace and ConfigMap name of `app`.
pub fn config_of(app: usize) -> (String, String) {
    (namespace(app % NAMESPACES), format!("app-{app:04}"))
}

fn app_path(app: usize) -> String {
    format!("apps/{}/app-{app:04}.yaml", namespace(app % NAMESPACES))
}

fn clusters_yaml(clusters: usize) -> String {
    let mut out = String::new();
    for i in 1..=clusters {
        let region = if i % 2 == 1 { "eu-west-1" } else { "us-east-1" };
        let _ = write!(
            out,
            "---\napiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: member{i}\n  labels: {{region: {region}}}\nspec:\n  region: {region}\n"
        );
    }
    out
}

fn app_yaml(app: usize, version: &str) -> String {
    let (ns, name) = config_of(app);
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: {ns}
  labels: {{bench: daemon}}
data:
  version: {version}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels: {{bench: daemon}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
          envFrom:
            - configMapRef: {{name: {name}}}
          resources:
            requests: {{cpu: 10m, memory: 16Mi}}
"
    )
}

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
