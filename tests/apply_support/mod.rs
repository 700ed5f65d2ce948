//! Shared helpers of the `apply_*` tests (which also declare `mod support`):
//! an in-process simulator reached over real HTTP with the kube client, its
//! admin API through the minimal HTTP/1.1 client of `support::http`,
//! kubectl as an independent client, rendered objects with ownership
//! marks, and one reconcile of one cluster (observe → plan → execute) as
//! the daemon runs it.
#![allow(dead_code)]

use flotilla::apply::{
    self, execute::ExecuteOptions, ApplyReport, ClusterClient, ClusterPlan, Inventory, PlanInput,
    PruneSettings,
};
use flotilla::model::common::ObjectRef;
use flotilla::render::{ownership, RenderedObject};
use flotilla::sim::config::SimConfig;
use flotilla::sim::server::Simulator;
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub const INSTANCE: &str = "flotilla";

pub struct Env {
    pub sim: Simulator,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl Env {
    /// Starts `n` simulated clusters (`member1`…) on loopback.
    pub async fn start(n: usize) -> Env {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sim = Simulator::start(&SimConfig::generated(n, 1), "127.0.0.1".parse().unwrap())
            .await
            .expect("simulator starts");
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig.yaml");
        std::fs::write(&kubeconfig, sim.kubeconfig()).expect("kubeconfig");
        Env {
            sim,
            dir,
            kubeconfig,
        }
    }

    pub async fn client(&self, context: &str) -> kube::Client {
        let kubeconfig = Kubeconfig::read_from(&self.kubeconfig).expect("read kubeconfig");
        let options = KubeConfigOptions {
            context: Some(context.into()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .expect("config");
        kube::Client::try_from(config).expect("client")
    }

    pub async fn cluster(&self, name: &str) -> ClusterClient {
        ClusterClient::new(name, self.client(name).await)
    }

    /// A request to the simulator-wide admin API for `cluster` (`path`
    /// below `/sim/clusters/<cluster>`); returns (status, JSON body).
    /// The minimal client of `support::http`, off the runtime's threads.
    pub async fn admin(
        &self,
        cluster: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, Value) {
        let addr = self.sim.admin.to_string();
        let (method, body) = (method.to_string(), body.map(str::to_string));
        let path = format!("/sim/clusters/{cluster}{path}");
        let (status, text) = tokio::task::spawn_blocking(move || {
            crate::support::http::request(&addr, &method, &path, &[], body.as_deref())
        })
        .await
        .expect("join");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn fault(&self, cluster: &str, spec: &str) {
        let (code, body) = self.admin(cluster, "POST", "/faults", Some(spec)).await;
        assert_eq!(code, 200, "fault {spec}: {body}");
    }

    pub async fn clear_faults(&self, cluster: &str) {
        self.admin(cluster, "DELETE", "/faults", None).await;
    }

    pub async fn reset_counters(&self, cluster: &str) {
        self.admin(cluster, "DELETE", "/counters", None).await;
    }

    /// Requests counted since the last reset, by verb (`patch`, `get`, …).
    pub async fn counters(&self, cluster: &str) -> BTreeMap<String, u64> {
        let (_, body) = self.admin(cluster, "GET", "/counters", None).await;
        body["byVerb"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Write requests (create, update, patch, delete) since the last reset.
    pub async fn writes(&self, cluster: &str) -> u64 {
        self.counters(cluster)
            .await
            .iter()
            .filter(|(verb, _)| !matches!(verb.as_str(), "get" | "list" | "watch"))
            .map(|(_, n)| n)
            .sum()
    }

    /// Runs kubectl against `context` (off the runtime's threads); returns
    /// (success, stdout, stderr).
    pub async fn kubectl(&self, context: &str, args: &[&str]) -> (bool, String, String) {
        let mut cmd = std::process::Command::new("/usr/bin/kubectl");
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--context")
            .arg(context)
            .arg("--cache-dir")
            .arg(self.dir.path().join("kube-cache"))
            .args(args);
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("join")
            .expect("kubectl runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// kubectl that must succeed; returns stdout.
    pub async fn kubectl_ok(&self, context: &str, args: &[&str]) -> String {
        let (ok, stdout, stderr) = self.kubectl(context, args).await;
        assert!(ok, "kubectl {args:?} failed:\n{stdout}\n{stderr}");
        stdout
    }

    /// `kubectl get -o json` of one object; `None` if not found.
    pub async fn kubectl_get(&self, context: &str, what: &[&str]) -> Option<Value> {
        let mut args = vec!["get", "-o", "json", "--show-managed-fields"];
        args.extend_from_slice(what);
        let (ok, stdout, stderr) = self.kubectl(context, &args).await;
        if !ok {
            assert!(
                stderr.contains("NotFound"),
                "kubectl get {what:?}: {stderr}"
            );
            return None;
        }
        Some(serde_json::from_str(&stdout).expect("kubectl prints JSON"))
    }
}

/// A rendered object from a manifest, marked as the render marks it.
pub fn rendered(manifest: Value, revision: &str) -> RenderedObject {
    let mut manifest = manifest;
    ownership::mark(&mut manifest, INSTANCE, "apps/test.yaml", revision);
    let s = |p: &str| {
        manifest
            .pointer(p)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let id = ObjectRef {
        api_version: s("/apiVersion").expect("apiVersion"),
        kind: s("/kind").expect("kind"),
        namespace: s("/metadata/namespace"),
        name: s("/metadata/name").expect("name"),
    };
    RenderedObject { id, manifest }
}

/// Sorts objects into apply order, as the render does.
pub fn in_apply_order(mut objects: Vec<RenderedObject>) -> Vec<RenderedObject> {
    objects.sort_by(|a, b| {
        flotilla::render::order::apply_key(&a.id).cmp(&flotilla::render::order::apply_key(&b.id))
    });
    objects
}

/// What one reconcile of one cluster takes besides the cluster.
#[derive(Default)]
pub struct Inputs {
    pub overwrite: BTreeSet<ObjectRef>,
    pub prune: PruneSettings,
}

/// One reconcile: observe every desired and inventory object, plan,
/// execute. Panics if the observation fails (tests that expect that call
/// `observe` themselves).
pub async fn reconcile(
    cluster: &ClusterClient,
    desired: &[RenderedObject],
    inventory: &Inventory,
    inputs: &Inputs,
) -> (ClusterPlan, ApplyReport, Inventory) {
    let ids: BTreeSet<&ObjectRef> = desired
        .iter()
        .map(|o| &o.id)
        .chain(inventory.iter().map(|(id, _)| id))
        .collect();
    let live = cluster.observe(ids).await.expect("observe");
    let plan = apply::plan(&PlanInput {
        instance: INSTANCE,
        desired,
        live: &live,
        inventory,
        overwrite: &inputs.overwrite,
        prune: inputs.prune,
        approved_hold: None,
    });
    let (report, inventory) =
        apply::execute(cluster, &plan, inventory, &ExecuteOptions::default()).await;
    (plan, report, inventory)
}

/// The names of objects in a list of ids, as `Kind ns/name`.
pub fn names<'a>(ids: impl IntoIterator<Item = &'a ObjectRef>) -> Vec<String> {
    ids.into_iter().map(ToString::to_string).collect()
}
