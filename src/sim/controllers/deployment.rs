//! Deployment controller: Deployment → ReplicaSets, following Kubernetes'
//! `pkg/controller/deployment` closely enough that `kubectl rollout status`
//! and `rollout history` behave.
//!
//! - The new ReplicaSet is named `<deployment>-<pod-template-hash>`, the hash
//!   being FNV-1a of the canonical pod template (a collision with someone
//!   else's ReplicaSet moves to the next hash); it carries the hash as label
//!   and selector term, a controller ownerReference and the
//!   `deployment.kubernetes.io/revision` annotation (also mirrored on the
//!   Deployment). A template equal to an older ReplicaSet's (a rollback)
//!   reuses it with a new revision.
//! - RollingUpdate scales the new ReplicaSet up within `maxSurge` and old
//!   ones down within `maxUnavailable` (defaults 25%/25%), as
//!   `rolloutRolling` does; Recreate scales old ones to zero and waits for
//!   their pods to go before scaling the new one up. A paused Deployment is
//!   only scaled, never rolled out. Old ReplicaSets beyond
//!   `revisionHistoryLimit` (10) are deleted once empty.
//! - Availability is counted from the pods themselves (not from ReplicaSet
//!   status, which trails by a round), capped by each ReplicaSet's desired
//!   count: what will remain once its controller has deleted the surplus.
//!   That keeps the availability bound exact even though pods change one
//!   round after the ReplicaSets do.
//!
//! Not modelled: proportional scaling of several active ReplicaSets when the
//! Deployment is resized mid-rollout (the new one takes the change), the
//! `desired-replicas`/`max-replicas` annotations.

use super::events::Recorder;
use super::obj::{
    annotation, by_controller, i64_at, is_deleting, name, ns, owner_ref, set, stable_hash, str_at,
    time_at, uid, Names,
};
use super::pod::{is_active, is_available, is_ready};
use super::replicaset::{self, pods};
use super::{Action, Inputs, Resource, World};
use serde_json::{json, Value};

mod rollout;
mod status;

pub(crate) use status::due;

pub(crate) fn resource() -> Resource {
    Resource::new("apps", "deployments")
}

pub(crate) const HASH_LABEL: &str = "pod-template-hash";
pub(crate) const REVISION: &str = "deployment.kubernetes.io/revision";

/// One ReplicaSet of a Deployment, with the counts the rollout needs.
#[derive(Debug, Clone)]
pub(crate) struct Rs<'w> {
    /// `None` for the ReplicaSet this round creates.
    pub obj: Option<&'w Value>,
    pub name: String,
    pub spec: i64,
    pub orig_spec: i64,
    pub revision: i64,
    pub orig_revision: i64,
    pub active: i64,
    pub ready: i64,
    pub available: i64,
}

impl Rs<'_> {
    /// Pods that stay available once the ReplicaSet has its desired count
    /// (its controller deletes not-ready pods first).
    pub fn available_after(&self) -> i64 {
        self.available.min(self.spec)
    }
    /// Pods it has or will have.
    pub fn pods_after(&self) -> i64 {
        self.active.max(self.spec)
    }
}

/// Everything one Deployment sync decides.
pub(crate) struct Sync<'w> {
    pub d: &'w Value,
    pub replicas: i64,
    pub max_surge: i64,
    pub max_unavailable: i64,
    /// Old ReplicaSets, oldest first.
    pub old: Vec<Rs<'w>>,
    pub new: Option<Rs<'w>>,
    /// The template hash the new ReplicaSet has or gets.
    pub hash: String,
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let all_pods = world.list(&pods());
    let pods_by_rs = by_controller(&all_pods);
    let all_rs = world.list(&replicaset::resource());
    let rs_by_d = by_controller(&all_rs);
    let mut rs_names = Names::new(&all_rs);
    let mut events = Recorder::new(world, "deployment-controller", inputs.now);
    let mut out = Vec::new();
    for d in world.list(&resource()) {
        if is_deleting(d) || d.pointer("/spec/template").is_none() {
            continue;
        }
        let owned = rs_by_d.get(uid(d)).cloned().unwrap_or_default();
        let count = |rs: &Value, f: &dyn Fn(&Value) -> bool| -> i64 {
            pods_by_rs.get(uid(rs)).map_or(0, |ps| {
                ps.iter().filter(|p| is_active(p) && f(p)).count() as i64
            })
        };
        let min_ready = i64_at(d, "/spec/minReadySeconds").unwrap_or(0);
        let mut sets: Vec<Rs> = owned
            .iter()
            .map(|rs| {
                let spec = i64_at(rs, "/spec/replicas").unwrap_or(1).max(0);
                let revision = annotation(rs, REVISION)
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(0);
                Rs {
                    obj: Some(rs),
                    name: name(rs).to_string(),
                    spec,
                    orig_spec: spec,
                    revision,
                    orig_revision: revision,
                    active: count(rs, &|_| true),
                    ready: count(rs, &is_ready),
                    available: count(rs, &|p| is_available(p, min_ready, inputs.now)),
                }
            })
            .collect();
        sets.sort_by_key(|r| {
            (
                r.revision,
                r.obj
                    .and_then(|o| time_at(o, "/metadata/creationTimestamp")),
                r.name.clone(),
            )
        });
        let (hash, new_index) = find_new(d, &sets, &mut rs_names);
        let new = new_index.map(|i| sets.remove(i));
        let mut sync = Sync {
            d,
            replicas: i64_at(d, "/spec/replicas").unwrap_or(1).max(0),
            max_surge: 0,
            max_unavailable: 0,
            old: sets,
            new,
            hash,
        };
        rollout::resolve_fenceposts(&mut sync);
        let created = rollout::run(&mut sync);
        write(&sync, &mut events, &mut out);
        out.extend(status::update(&sync, created, inputs.now));
    }
    out
}

/// The template hash for `collision` (0 for the first try).
fn template_hash(template: &Value, collision: u32) -> String {
    let h = if collision == 0 {
        stable_hash(template)
    } else {
        stable_hash(&json!([template, collision]))
    };
    super::obj::safe_encode(h)
}

/// Whether a ReplicaSet's template equals the Deployment's, ignoring the
/// hash label (Kubernetes' `EqualIgnoreHash`), without copying either.
fn same_template(rs: &Value, template: &Value) -> bool {
    let (Some(Value::Object(a)), Value::Object(b)) = (rs.pointer("/spec/template"), template)
    else {
        return false;
    };
    let meta = |m: &serde_json::Map<String, Value>| -> (Vec<(String, Value)>, Value) {
        let meta = m.get("metadata").and_then(Value::as_object);
        let rest = meta
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| *k != "labels")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut labels = meta
            .and_then(|m| m.get("labels"))
            .cloned()
            .unwrap_or_else(|| json!({}));
        if let Some(l) = labels.as_object_mut() {
            l.remove(HASH_LABEL);
        }
        (rest, labels)
    };
    let others_equal = a.len() == b.len()
        && a.iter()
            .all(|(k, v)| k == "metadata" || b.get(k) == Some(v));
    others_equal && {
        let (mut ra, la) = meta(a);
        let (mut rb, lb) = meta(b);
        ra.sort_by(|x, y| x.0.cmp(&y.0));
        rb.sort_by(|x, y| x.0.cmp(&y.0));
        ra == rb && la == lb
    }
}

fn hash_label<'w>(r: &Rs<'w>) -> Option<&'w str> {
    r.obj
        .and_then(|o| str_at(o, &format!("/metadata/labels/{HASH_LABEL}")))
}

/// The hash of the new ReplicaSet and its index among `sets` if it exists:
/// the owned ReplicaSet whose template equals the Deployment's (ignoring
/// the hash label) or that carries the hash label; a hash whose name is
/// taken by another ReplicaSet is skipped.
fn find_new(d: &Value, sets: &[Rs], taken: &mut Names) -> (String, Option<usize>) {
    let template = d.pointer("/spec/template").unwrap_or(&Value::Null);
    // The ReplicaSet with the same template (a rollback finds its old
    // one), else the one labelled with the template's hash (in case the
    // store defaulted fields in the ReplicaSet's copy).
    let by_template = sets
        .iter()
        .rposition(|r| r.obj.is_some_and(|o| same_template(o, template)));
    if let Some((i, hash)) = by_template.and_then(|i| Some((i, hash_label(sets.get(i)?)?))) {
        return (hash.to_string(), Some(i));
    }
    for hash in (0..100).map(|c| template_hash(template, c)) {
        if let Some(i) = sets
            .iter()
            .rposition(|r| hash_label(r) == Some(hash.as_str()))
        {
            return (hash, Some(i));
        }
        if !taken.contains(ns(d), &format!("{}-{hash}", name(d))) {
            return (hash, None);
        }
    }
    (template_hash(template, 100), None)
}

/// The actions for the decided ReplicaSet counts and revisions.
fn write(sync: &Sync, events: &mut Recorder, out: &mut Vec<Action>) {
    let d = sync.d;
    for rs in sync.old.iter().chain(sync.new.as_ref()) {
        let scaled = rs.spec != rs.orig_spec;
        match rs.obj {
            None => out.push(Action::Create {
                resource: replicaset::resource(),
                object: new_replicaset(sync, rs),
            }),
            Some(obj) if scaled || rs.revision != rs.orig_revision => {
                let mut obj = obj.clone();
                set(&mut obj, &["spec", "replicas"], json!(rs.spec));
                set_annotation(&mut obj, REVISION, rs.revision.to_string());
                out.push(Action::Update {
                    resource: replicaset::resource(),
                    object: obj,
                });
            }
            Some(_) => {}
        }
        if scaled || (rs.obj.is_none() && rs.spec > 0) {
            let dir = if rs.spec > rs.orig_spec { "up" } else { "down" };
            events.normal(
                out,
                d,
                "ScalingReplicaSet",
                format!(
                    "Scaled {dir} replica set {} from {} to {}",
                    rs.name, rs.orig_spec, rs.spec
                ),
            );
        }
    }
    for old in rollout::history_to_delete(sync) {
        out.push(Action::Delete {
            resource: replicaset::resource(),
            namespace: Some(ns(d).to_string()),
            name: old.to_string(),
        });
    }
    if let Some(new) = &sync.new {
        let rev = new.revision.to_string();
        if annotation(d, REVISION) != Some(rev.as_str()) {
            let mut obj = d.clone();
            set_annotation(&mut obj, REVISION, rev);
            out.push(Action::Update {
                resource: resource(),
                object: obj,
            });
        }
    }
}

fn set_annotation(obj: &mut Value, key: &str, value: String) {
    set(obj, &["metadata", "annotations", key], json!(value));
}

fn new_replicaset(sync: &Sync, rs: &Rs) -> Value {
    let d = sync.d;
    let mut template = d.pointer("/spec/template").cloned().unwrap_or_default();
    set(
        &mut template,
        &["metadata", "labels", HASH_LABEL],
        json!(sync.hash),
    );
    let mut selector = d
        .pointer("/spec/selector")
        .cloned()
        .unwrap_or_else(|| json!({"matchLabels": template["metadata"]["labels"].clone()}));
    set(
        &mut selector,
        &["matchLabels", HASH_LABEL],
        json!(sync.hash),
    );
    let mut spec = json!({"replicas": rs.spec, "selector": selector, "template": template.clone()});
    if let Some(m) = d.pointer("/spec/minReadySeconds") {
        spec["minReadySeconds"] = m.clone();
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": rs.name,
            "namespace": ns(d),
            "labels": template["metadata"]["labels"].clone(),
            "annotations": {REVISION: rs.revision.to_string()},
            "ownerReferences": [owner_ref(d, "apps/v1", "Deployment")],
        },
        "spec": spec,
    })
}
