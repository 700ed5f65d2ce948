//! The executor's `managedFields`: controllers' writes are recorded under
//! their components, and a user's server-side apply then conflicts (or
//! not) as it would on a real cluster.

use crate::sim::apply::{self, managed, ApplyError};
use crate::sim::controllers::{self, Inputs, Resource};
use crate::sim::resources::ResourceType;
use crate::sim::store::{Store, WriteOptions};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

struct Cluster {
    store: Store,
    inputs: Inputs,
}

impl Cluster {
    fn new(node_cpu: &str) -> Self {
        let mut c = Cluster {
            store: Store::new("test", 10_000, t0()),
            inputs: Inputs {
                now: t0(),
                pod_ready_delay: Duration::zero(),
                cpu_utilization: BTreeMap::new(),
                generic_workloads: Vec::new(),
            },
        };
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
            "status": {"allocatable": {"cpu": node_cpu, "memory": "16Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}});
        let rt = c.rt("", "nodes");
        c.store.create(&rt, None, node, &c.opts()).expect("node");
        c
    }

    fn rt(&self, group: &str, plural: &str) -> ResourceType {
        self.store
            .type_of(&Resource::new(group, plural))
            .expect("known type")
    }

    fn opts(&self) -> WriteOptions {
        WriteOptions {
            dry_run: false,
            field_manager: None,
            now: self.inputs.now,
        }
    }

    /// A server-side apply by `manager` into `default`, as the API does it.
    fn apply(
        &mut self,
        (group, plural): (&str, &str),
        cfg: &Value,
        manager: &str,
        force: bool,
    ) -> Result<Value, ApplyError> {
        let rt = self.rt(group, plural);
        let name = cfg["metadata"]["name"].as_str().unwrap_or_default();
        let live = self.store.get(&rt, Some("default"), name).ok();
        let now = crate::sim::store::timestamp(self.inputs.now);
        let api_version = rt.api_version();
        let w = apply::Writer {
            manager,
            api_version: &api_version,
            subresource: None,
            status_subresource: rt.status,
            now: &now,
        };
        let merged = apply::apply(live.as_deref(), cfg, &w, force)?;
        let opts = self.opts();
        let stored = match live {
            None => self.store.create(&rt, Some("default"), merged, &opts),
            Some(_) => {
                self.store
                    .replace(&rt, Some("default"), name, merged, super::Part::Main, &opts)
            }
        };
        Ok(stored.expect("stored"))
    }

    fn settle(&mut self) {
        for _ in 0..50 {
            let actions = controllers::run_all(&self.store.snapshot(), &self.inputs);
            if actions.is_empty() {
                return;
            }
            let done = self.store.execute(actions, self.inputs.now);
            assert!(done.unchanged.is_empty(), "{:?}", done.unchanged);
        }
        panic!("controllers did not settle");
    }

    fn run_for(&mut self, seconds: i64) {
        for _ in 0..seconds {
            self.inputs.now += Duration::seconds(1);
            self.settle();
        }
    }

    fn get(&self, group: &str, plural: &str, name: &str) -> Value {
        let rt = self.rt(group, plural);
        (*self.store.get(&rt, Some("default"), name).expect("object")).clone()
    }

    fn pods(&self) -> Vec<Value> {
        let rt = self.rt("", "pods");
        self.store.list(&rt, Some("default")).expect("list pods")
    }
}

const DEPLOYMENTS: (&str, &str) = ("apps", "deployments");

fn deployment(replicas: Option<i64>, image: &str) -> Value {
    let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": image,
                                  "resources": {"requests": {"cpu": "100m"}}}]}}}});
    if let Some(r) = replicas {
        d["spec"]["replicas"] = json!(r);
    }
    d
}

/// (manager, operation, subresource) of every entry, and each entry's
/// fieldsV1 by that key.
fn entries(obj: &Value) -> BTreeMap<(String, String, String), Value> {
    managed::decode(obj)
        .expect("managedFields decode")
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let key = (
                e.manager,
                e.operation.as_str().to_string(),
                e.subresource.unwrap_or_default(),
            );
            (key, e.fields.to_fields_v1())
        })
        .collect()
}

fn key(manager: &str, operation: &str, subresource: &str) -> (String, String, String) {
    (manager.into(), operation.into(), subresource.into())
}

#[test]
fn workload_writes_are_the_controller_managers_and_leave_the_appliers_fields() {
    let mut c = Cluster::new("8");
    c.apply(
        DEPLOYMENTS,
        &deployment(Some(2), "nginx:1"),
        "flotilla",
        false,
    )
    .expect("first apply");
    c.run_for(3);
    let d = c.get("apps", "deployments", "web");
    assert_eq!(d["status"]["readyReplicas"], 2, "{:#}", d["status"]);
    let e = entries(&d);
    assert_eq!(
        e.keys().cloned().collect::<Vec<_>>(),
        [
            key("flotilla", "Apply", ""),
            key("kube-controller-manager", "Update", ""),
            key("kube-controller-manager", "Update", "status"),
        ],
        "{e:#?}"
    );
    let kcm = &e[&key("kube-controller-manager", "Update", "")];
    assert_eq!(
        kcm,
        &json!({"f:metadata": {"f:annotations": {".": {}, "f:deployment.kubernetes.io/revision": {}}}}),
        "the controller owns the revision annotation only"
    );
    let status = &e[&key("kube-controller-manager", "Update", "status")];
    assert!(status.get("f:spec").is_none() && status["f:status"].get("f:readyReplicas").is_some());
    assert!(e[&key("flotilla", "Apply", "")]["f:spec"]
        .get("f:replicas")
        .is_some());

    // The same manager applies again (a new image): no conflict with the
    // controllers, and the rollout goes on.
    c.apply(
        DEPLOYMENTS,
        &deployment(Some(2), "nginx:2"),
        "flotilla",
        false,
    )
    .expect("re-apply without conflicts");

    // Pods: created by the ReplicaSet controller, status by the kubelet;
    // the binding (spec.nodeName, PodScheduled) is nobody's.
    let pod = c.pods().into_iter().next().expect("a pod");
    let e = entries(&pod);
    assert_eq!(
        e.keys().cloned().collect::<Vec<_>>(),
        [
            key("kube-controller-manager", "Update", ""),
            key("kubelet", "Update", "status"),
        ]
    );
    // Every entry's fields as text, to look for what nobody should own.
    let text = json!(e.values().collect::<Vec<_>>()).to_string();
    assert!(!text.contains("f:nodeName"), "{text}");
    assert!(!text.contains("PodScheduled"), "{text}");
    assert!(text.contains(r#"k:{\"type\":\"Ready\"}"#), "{text}");
}

#[test]
fn an_hpa_scale_makes_an_apply_of_replicas_by_another_manager_conflict() {
    let mut c = Cluster::new("8");
    c.apply(
        DEPLOYMENTS,
        &deployment(Some(2), "nginx:1"),
        "flotilla",
        false,
    )
    .expect("apply");
    c.settle();
    let hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "minReplicas": 1, "maxReplicas": 5,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                     "target": {"type": "Utilization", "averageUtilization": 50}}}]}});
    c.apply(
        ("autoscaling", "horizontalpodautoscalers"),
        &hpa,
        "kubectl",
        false,
    )
    .expect("hpa");
    c.inputs
        .cpu_utilization
        .insert(("default".into(), "web".into()), 100.0);
    c.run_for(2);
    let d = c.get("apps", "deployments", "web");
    assert_eq!(d["spec"]["replicas"], 4);
    let e = entries(&d);
    assert_eq!(
        e[&key("kube-controller-manager", "Update", "scale")],
        json!({"f:spec": {"f:replicas": {}}})
    );
    assert!(
        e[&key("flotilla", "Apply", "")]["f:spec"]
            .get("f:replicas")
            .is_none(),
        "the scale took spec.replicas from the applier"
    );
    let h = c.get("autoscaling", "horizontalpodautoscalers", "web");
    assert!(entries(&h).contains_key(&key("kube-controller-manager", "Update", "status")));

    // Applying the old count conflicts; leaving replicas out does not;
    // forcing takes the field back.
    let err = c
        .apply(
            DEPLOYMENTS,
            &deployment(Some(2), "nginx:1"),
            "flotilla",
            false,
        )
        .expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kube-controller-manager\" with subresource \"scale\" using apps/v1: .spec.replicas"
    );
    c.apply(DEPLOYMENTS, &deployment(None, "nginx:1"), "flotilla", false)
        .expect("no replicas, no conflict");
    let forced = c
        .apply(
            DEPLOYMENTS,
            &deployment(Some(2), "nginx:1"),
            "flotilla",
            true,
        )
        .expect("forced");
    assert_eq!(forced["spec"]["replicas"], 2);
    assert!(!entries(&forced).contains_key(&key("kube-controller-manager", "Update", "scale")));
}

#[test]
fn the_scheduler_owns_the_condition_it_writes_on_an_unschedulable_pod() {
    let mut c = Cluster::new("50m");
    c.apply(
        DEPLOYMENTS,
        &deployment(Some(1), "nginx:1"),
        "flotilla",
        false,
    )
    .expect("apply");
    c.settle();
    let pod = c.pods().into_iter().next().expect("a pod");
    assert!(pod["spec"]["nodeName"].is_null());
    let e = entries(&pod);
    let scheduler = &e[&key("kube-scheduler", "Update", "status")];
    assert!(
        scheduler["f:status"]["f:conditions"]
            .get(r#"k:{"type":"PodScheduled"}"#)
            .is_some(),
        "{scheduler:#}"
    );
}
