//! ReplicaSet controller: keeps `spec.replicas` active pods per ReplicaSet
//! (pods it owns through a controller ownerReference) and reports them in
//! `status`.
//!
//! Surplus pods are deleted in Kubernetes' order (unscheduled, Pending, not
//! Ready, newest first); missing ones are created from the template, named
//! `<replicaset>-<5 characters>` with the suffix derived from the
//! ReplicaSet's uid. Status is computed from the pods of the snapshot, so it
//! trails the pod writes by one round, as in Kubernetes.

use super::events::Recorder;
use super::obj::{
    by_controller, fresh_name, generation, i64_at, is_deleting, name, ns, owner_ref, status_update,
    string_map, uid, Names,
};
use super::pod::{from_template, is_active, is_available, is_ready, sort_for_deletion};
use super::{Action, Inputs, Resource, World};
use serde_json::{json, Value};

pub(crate) fn resource() -> Resource {
    Resource::new("apps", "replicasets")
}

pub(crate) fn pods() -> Resource {
    Resource::new("", "pods")
}

pub fn reconcile(world: &dyn World, inputs: &Inputs) -> Vec<Action> {
    let pods = world.list(&pods());
    let owned = by_controller(&pods);
    let mut taken = Names::new(&pods);
    let mut events = Recorder::new(world, "replicaset-controller", inputs.now);
    let mut out = Vec::new();
    for rs in world.list(&resource()) {
        if is_deleting(rs) {
            continue;
        }
        let active: Vec<&Value> = owned
            .get(uid(rs))
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| is_active(p))
            .collect();
        let want = usize::try_from(i64_at(rs, "/spec/replicas").unwrap_or(1)).unwrap_or(0);
        let mut scale = Scale {
            owner: rs,
            owner_ref: owner_ref(rs, "apps/v1", "ReplicaSet"),
            extra_labels: Vec::new(),
            events: &mut events,
            taken: &mut taken,
            out: &mut out,
        };
        scale.to(&active, want);
        let min_ready = i64_at(rs, "/spec/minReadySeconds").unwrap_or(0);
        let template_labels = string_map(rs.pointer("/spec/template/metadata/labels"));
        let fully_labeled = active
            .iter()
            .filter(|p| {
                let l = string_map(p.pointer("/metadata/labels"));
                template_labels.iter().all(|(k, v)| l.get(k) == Some(v))
            })
            .count();
        let mut status = json!({
            "replicas": active.len(),
            "fullyLabeledReplicas": fully_labeled,
            "readyReplicas": active.iter().filter(|p| is_ready(p)).count(),
            "availableReplicas": active.iter().filter(|p| is_available(p, min_ready, inputs.now)).count(),
            "observedGeneration": generation(rs),
        });
        if let Some(c) = rs.pointer("/status/conditions") {
            status["conditions"] = c.clone();
        }
        out.extend(status_update(&resource(), rs, status));
    }
    out
}

/// Creating or deleting an owner's pods to reach a count, with events.
pub(crate) struct Scale<'a, 'w> {
    pub owner: &'w Value,
    pub owner_ref: Value,
    /// Labels added to the template's on every new pod.
    pub extra_labels: Vec<(&'static str, String)>,
    pub events: &'a mut Recorder<'w>,
    pub taken: &'a mut Names<'w>,
    pub out: &'a mut Vec<Action>,
}

impl Scale<'_, '_> {
    /// Creates or deletes pods so that `active` becomes `want` pods.
    pub(crate) fn to(&mut self, active: &[&Value], want: usize) {
        if active.len() > want {
            let mut victims = active.to_vec();
            sort_for_deletion(&mut victims);
            for p in victims.into_iter().take(active.len() - want) {
                self.delete(p);
            }
        }
        for _ in active.len()..want {
            self.create();
        }
    }

    pub(crate) fn create(&mut self) {
        let Some(template) = self.owner.pointer("/spec/template") else {
            return;
        };
        let namespace = ns(self.owner);
        let pod_name = fresh_name(name(self.owner), namespace, uid(self.owner), self.taken);
        let pod = from_template(
            template,
            namespace,
            &pod_name,
            self.owner_ref.clone(),
            &self.extra_labels,
        );
        self.out.push(Action::Create {
            resource: pods(),
            object: pod,
        });
        self.events.normal(
            self.out,
            self.owner,
            "SuccessfulCreate",
            format!("Created pod: {pod_name}"),
        );
    }

    pub(crate) fn delete(&mut self, p: &Value) {
        self.out.push(delete_pod(p));
        self.events.normal(
            self.out,
            self.owner,
            "SuccessfulDelete",
            format!("Deleted pod: {}", name(p)),
        );
    }
}

pub(crate) fn delete_pod(p: &Value) -> Action {
    Action::Delete {
        resource: pods(),
        namespace: Some(ns(p).to_string()),
        name: name(p).to_string(),
    }
}
