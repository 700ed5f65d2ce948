//! Test support shared by the controller tests: an in-memory [`World`], an
//! executor that applies [`Action`]s the way the store will (uids, resource
//! versions, generations, optimistic concurrency on `Update`, `/scale`,
//! the store's own binding, failures dropped), a clock to drive, and
//! builders for nodes and workloads. It keeps no `managedFields`: the
//! store's tests cover those.

mod build;

pub(crate) use build::*;

use super::due::next_due;
use super::{run_all, Action, Inputs, Resource, World};
use crate::sim::store::binding::bind;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(crate) fn res(group: &str, plural: &str) -> Resource {
    Resource::new(group, plural)
}
pub(crate) fn pods() -> Resource {
    res("", "pods")
}
pub(crate) fn nodes() -> Resource {
    res("", "nodes")
}
pub(crate) fn deployments() -> Resource {
    res("apps", "deployments")
}
pub(crate) fn replicasets() -> Resource {
    res("apps", "replicasets")
}

/// The most rounds one tick may take before the test calls it a livelock.
pub(crate) const MAX_ROUNDS: usize = 40;

pub(crate) struct TestWorld {
    pub objects: BTreeMap<Resource, Vec<Value>>,
    pub inputs: Inputs,
    next: u64,
    /// When set, each round's actions are applied in an order shuffled
    /// from this seed (controllers must not depend on the order).
    pub shuffle: Option<u64>,
}

impl World for TestWorld {
    fn list(&self, resource: &Resource) -> Vec<&Value> {
        self.objects
            .get(resource)
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    }
}

pub(crate) fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

impl TestWorld {
    pub fn new() -> Self {
        TestWorld {
            objects: BTreeMap::new(),
            inputs: Inputs {
                now: t0(),
                pod_ready_delay: Duration::seconds(5),
                cpu_utilization: BTreeMap::new(),
                generic_workloads: Vec::new(),
            },
            next: 0,
            shuffle: None,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inputs.now
    }

    /// Creates an object as the API would (a user's write).
    pub fn create(&mut self, resource: Resource, object: Value) {
        let applied = self.apply(vec![Action::Create { resource, object }]);
        assert_eq!(applied, 1, "create failed");
    }

    pub fn get(&self, resource: &Resource, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(resource)?.iter().find(|o| {
            o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
                && o.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    == namespace
        })
    }

    /// A user's change to an object (bumps generation on a spec change).
    pub fn edit(
        &mut self,
        resource: &Resource,
        namespace: &str,
        name: &str,
        f: impl FnOnce(&mut Value),
    ) {
        let mut obj = self
            .get(resource, namespace, name)
            .cloned()
            .expect("object to edit");
        f(&mut obj);
        let applied = self.apply(vec![Action::Update {
            resource: resource.clone(),
            object: obj,
        }]);
        assert_eq!(applied, 1, "edit failed");
    }

    pub fn delete(&mut self, resource: &Resource, namespace: &str, name: &str) {
        self.apply(vec![Action::Delete {
            resource: resource.clone(),
            namespace: Some(namespace.to_string()).filter(|n| !n.is_empty()),
            name: name.to_string(),
        }]);
    }

    fn position(&self, resource: &Resource, namespace: Option<&str>, name: &str) -> Option<usize> {
        self.objects.get(resource)?.iter().position(|o| {
            o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
                && o.pointer("/metadata/namespace").and_then(Value::as_str) == namespace
        })
    }

    fn bump(&mut self) -> String {
        self.next += 1;
        self.next.to_string()
    }

    /// Applies actions in order, as the store would; returns how many took.
    pub fn apply(&mut self, actions: Vec<Action>) -> usize {
        let mut applied = 0;
        for a in actions {
            let ok = match a {
                Action::Create {
                    resource,
                    mut object,
                } => {
                    let name = object["metadata"]["name"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    let ns = object["metadata"]["namespace"].as_str().map(str::to_string);
                    if name.is_empty() || self.position(&resource, ns.as_deref(), &name).is_some() {
                        false
                    } else {
                        let n = self.bump();
                        object["metadata"]["uid"] = json!(format!("uid-{n}"));
                        object["metadata"]["resourceVersion"] = json!(n);
                        object["metadata"]["generation"] = json!(1);
                        object["metadata"]["creationTimestamp"] =
                            json!(super::obj::fmt_time(self.inputs.now));
                        self.objects.entry(resource).or_default().push(object);
                        true
                    }
                }
                Action::Update {
                    resource,
                    mut object,
                } => {
                    let name = object["metadata"]["name"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    let ns = object["metadata"]["namespace"].as_str().map(str::to_string);
                    match self.position(&resource, ns.as_deref(), &name) {
                        None => false,
                        Some(i) => {
                            let rv = self.bump();
                            let list = self.objects.entry(resource).or_default();
                            let old = &mut list[i];
                            let stale = object["metadata"]
                                .get("resourceVersion")
                                .is_some_and(|v| v != &old["metadata"]["resourceVersion"]);
                            if stale {
                                false
                            } else {
                                let mut gen = old["metadata"]["generation"].as_i64().unwrap_or(1);
                                if object.get("spec") != old.get("spec") {
                                    gen += 1;
                                }
                                for k in ["uid", "creationTimestamp"] {
                                    object["metadata"][k] = old["metadata"][k].clone();
                                }
                                object["metadata"]["generation"] = json!(gen);
                                object["metadata"]["resourceVersion"] = json!(rv);
                                match old.get("status") {
                                    Some(s) => object["status"] = s.clone(),
                                    None => {
                                        if let Some(o) = object.as_object_mut() {
                                            o.remove("status");
                                        }
                                    }
                                }
                                *old = object;
                                true
                            }
                        }
                    }
                }
                Action::UpdateStatus {
                    resource,
                    namespace,
                    name,
                    status,
                } => match self.position(&resource, namespace.as_deref(), &name) {
                    None => false,
                    Some(i) => {
                        let rv = self.bump();
                        let obj = &mut self.objects.entry(resource).or_default()[i];
                        obj["status"] = status;
                        obj["metadata"]["resourceVersion"] = json!(rv);
                        true
                    }
                },
                Action::Delete {
                    resource,
                    namespace,
                    name,
                } => match self.position(&resource, namespace.as_deref(), &name) {
                    None => false,
                    Some(i) => {
                        self.objects.entry(resource).or_default().remove(i);
                        true
                    }
                },
                Action::Scale {
                    resource,
                    namespace,
                    name,
                    replicas,
                } => self.write(&resource, namespace.as_deref(), &name, |o| {
                    o["spec"]["replicas"] = json!(replicas);
                    Some(())
                }),
                Action::Bind {
                    namespace,
                    name,
                    node,
                } => {
                    let now = super::obj::fmt_time(self.inputs.now);
                    self.write(&pods(), Some(&namespace), &name, |p| {
                        *p = bind(p, &node, &now).ok()?;
                        Some(())
                    })
                }
            };
            applied += usize::from(ok);
        }
        applied
    }

    /// Changes an object in place (no resourceVersion precondition, spec
    /// and status alike, as the store's `/scale` and binding do); false if
    /// it is missing or `f` refuses.
    fn write(
        &mut self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        f: impl FnOnce(&mut Value) -> Option<()>,
    ) -> bool {
        let Some(i) = self.position(resource, namespace, name) else {
            return false;
        };
        let rv = self.bump();
        let Some(obj) = self.objects.get_mut(resource).and_then(|l| l.get_mut(i)) else {
            return false;
        };
        let mut next = obj.clone();
        if f(&mut next).is_none() {
            return false;
        }
        if next.get("spec") != obj.get("spec") {
            let gen = obj["metadata"]["generation"].as_i64().unwrap_or(1);
            next["metadata"]["generation"] = json!(gen + 1);
        }
        next["metadata"]["resourceVersion"] = json!(rv);
        *obj = next;
        true
    }

    /// Runs the controllers until they return nothing, calling `check`
    /// after every round; panics on a livelock.
    pub fn settle_with(&mut self, check: &mut dyn FnMut(&TestWorld)) -> usize {
        for round in 0..MAX_ROUNDS {
            let mut actions = run_all(self, &self.inputs);
            if actions.is_empty() {
                return round;
            }
            assert_one_writer(&actions);
            if let Some(seed) = self.shuffle.as_mut() {
                shuffle(&mut actions, seed);
            }
            self.apply(actions);
            check(self);
        }
        let left = run_all(self, &self.inputs);
        panic!("no convergence after {MAX_ROUNDS} rounds; still: {left:#?}");
    }

    pub fn settle(&mut self) -> usize {
        self.settle_with(&mut |_| {})
    }

    /// Advances the clock by `step` seconds at a time, settling after each
    /// step, for `total` seconds. Checks on the way what the runner relies
    /// on to sleep: nothing becomes due that [`next_due`] did not announce.
    pub fn run_for(&mut self, total: i64, step: i64, check: &mut dyn FnMut(&TestWorld)) {
        self.settle_with(check);
        let mut t = 0;
        while t < total {
            let due = next_due(self, &self.inputs);
            self.inputs.now += Duration::seconds(step);
            t += step;
            let acts = run_all(self, &self.inputs);
            assert!(
                acts.is_empty() || due.is_some_and(|d| d <= self.inputs.now),
                "at {} the controllers act, but the next due time was {due:?}: {acts:#?}",
                self.inputs.now
            );
            self.settle_with(check);
        }
    }

    pub fn list_of(&self, resource: &Resource) -> Vec<&Value> {
        self.list(resource)
    }

    /// Pods in `phase` whose Ready condition is `ready`.
    pub fn count_pods(&self, f: impl Fn(&Value) -> bool) -> usize {
        self.list(&pods()).into_iter().filter(|p| f(p)).count()
    }
}

/// Within a round an object is created at most once and its status
/// written at most once (the order of a round's actions must not matter).
fn assert_one_writer(actions: &[Action]) {
    let mut seen = std::collections::BTreeSet::new();
    for a in actions {
        let key = match a {
            Action::Create { resource, object } => (
                "create",
                resource.clone(),
                object["metadata"]["namespace"].as_str().map(str::to_string),
                object["metadata"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            ),
            Action::UpdateStatus {
                resource,
                namespace,
                name,
                ..
            } => ("status", resource.clone(), namespace.clone(), name.clone()),
            _ => continue,
        };
        assert!(
            seen.insert(key.clone()),
            "two writers in one round: {key:?}"
        );
    }
}

/// Fisher-Yates with a xorshift generator (no dependency on `rand`).
fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let j = (*seed % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
