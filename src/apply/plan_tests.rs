use super::*;
use crate::apply::object::IGNORE;
use crate::apply::prune::HoldReason;
use crate::render::ownership::{mark, HASH};
use serde_json::json;

fn rendered(api: &str, kind: &str, ns: Option<&str>, name: &str, spec: Value) -> RenderedObject {
    let mut manifest = json!({"apiVersion": api, "kind": kind, "metadata": {"name": name}});
    if let Some(ns) = ns {
        manifest["metadata"]["namespace"] = json!(ns);
    }
    if let Some(m) = spec.as_object() {
        for (k, v) in m {
            manifest[k] = v.clone();
        }
    }
    mark(&mut manifest, "fl", "apps/x.yaml", "c1");
    RenderedObject {
        id: ObjectRef {
            api_version: api.into(),
            kind: kind.into(),
            namespace: ns.map(str::to_string),
            name: name.into(),
        },
        manifest,
    }
}

/// The object as the cluster has it after flotilla applied it.
fn applied(o: &RenderedObject) -> Live {
    let mut live = o.manifest.clone();
    live["metadata"]["uid"] = json!(format!("uid-{}", o.id.name));
    live["metadata"]["managedFields"] =
        json!([{"manager": "flotilla", "operation": "Apply", "fieldsV1": {}}]);
    Live::Present(live)
}

struct Fixture {
    desired: Vec<RenderedObject>,
    live: BTreeMap<ObjectRef, Live>,
    inventory: Inventory,
    overwrite: BTreeSet<ObjectRef>,
    prune: PruneSettings,
    approved_hold: Option<HeldPrune>,
}

impl Fixture {
    fn new(desired: Vec<RenderedObject>) -> Self {
        Fixture {
            desired,
            live: BTreeMap::new(),
            inventory: Inventory::new(),
            overwrite: BTreeSet::new(),
            prune: PruneSettings::default(),
            approved_hold: None,
        }
    }

    /// Every desired object live as applied and in the inventory.
    fn converged(mut self) -> Self {
        for o in &self.desired {
            self.live.insert(o.id.clone(), applied(o));
            self.inventory
                .record(o.id.clone(), object::hash(&o.manifest).unwrap());
        }
        self
    }

    fn plan(&self) -> ClusterPlan {
        plan(&PlanInput {
            instance: "fl",
            desired: &self.desired,
            live: &self.live,
            inventory: &self.inventory,
            overwrite: &self.overwrite,
            prune: self.prune,
            approved_hold: self.approved_hold.as_ref(),
        })
    }

    fn live_mut(&mut self, i: usize) -> &mut Value {
        let id = self.desired[i].id.clone();
        match self.live.get_mut(&id) {
            Some(Live::Present(v)) => v,
            _ => panic!("{id} is not live"),
        }
    }
}

fn app() -> Vec<RenderedObject> {
    vec![
        rendered("v1", "Namespace", None, "shop", json!({})),
        rendered(
            "v1",
            "ConfigMap",
            Some("shop"),
            "cfg",
            json!({"data": {"a": "1"}}),
        ),
        rendered(
            "apps/v1",
            "Deployment",
            Some("shop"),
            "web",
            json!({"spec": {"replicas": 3}}),
        ),
        rendered(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            Some("shop"),
            "web",
            json!({"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}}),
        ),
    ]
}

#[test]
fn a_fresh_cluster_applies_everything_in_order_without_force() {
    let mut f = Fixture::new(app());
    for o in &f.desired {
        f.live.insert(o.id.clone(), Live::Absent);
    }
    let p = f.plan();
    insta::assert_snapshot!(p.to_string(), @r"
    apply     Namespace shop: missing
    apply     ConfigMap shop/cfg: missing
    apply     Deployment shop/web: missing
    apply     HorizontalPodAutoscaler shop/web: missing
    ");
    assert!(p.apply.iter().all(|a| !a.force));
    assert_eq!(
        p.apply[2].body["spec"]["replicas"], 3,
        "created with the rendered replicas"
    );
}

#[test]
fn a_converged_cluster_plans_no_writes() {
    let f = Fixture::new(app()).converged();
    let p = f.plan();
    assert!(p.is_noop(), "{p}");
    assert_eq!(p.unchanged.len(), 4);
    assert!(p.hold.is_none());
}

#[test]
fn a_new_revision_with_the_same_content_is_not_written() {
    let mut f = Fixture::new(app()).converged();
    // The cluster still has revision c0's annotation; the hash is the same.
    f.live_mut(1)["metadata"]["annotations"]["flotilla.io/revision"] = json!("c0");
    assert!(f.plan().is_noop());
}

#[test]
fn hash_drift_conflict_adopt_and_ignore() {
    let mut f = Fixture::new(app()).converged();
    f.live_mut(1)["metadata"]["annotations"][HASH] = json!("sha256:old");
    f.live_mut(2)["spec"]["replicas"] = json!(9);
    let mut g = Fixture::new(app()).converged();
    g.live_mut(0)["metadata"]["labels"] = json!({});
    g.live_mut(1)["metadata"]["labels"]["flotilla.io/managed-by"] = json!("other");
    g.live_mut(2)["metadata"]["annotations"][IGNORE] = json!("true");
    g.overwrite.insert(g.desired[1].id.clone());
    let (p, q) = (f.plan(), g.plan());
    insta::assert_snapshot!(format!("{p}---\n{q}"), @r#"
    apply     ConfigMap shop/cfg: hash differs (live sha256:old)
    unchanged Namespace shop
    unchanged Deployment shop/web
    unchanged HorizontalPodAutoscaler shop/web
    ---
    apply     ConfigMap shop/cfg: adopted (conflictResolution: Overwrite)
    unchanged HorizontalPodAutoscaler shop/web
    conflict  Namespace shop: exists without the flotilla.io/managed-by label
    ignored   Deployment shop/web
    "#);
    assert!(p.apply[0].force && q.apply[0].force);
}

#[test]
fn replicas_are_drift_unless_autoscaled_or_held_by_another_manager() {
    let mut desired = app();
    desired.pop(); // no HPA
    let mut f = Fixture::new(desired).converged();
    f.live_mut(2)["spec"]["replicas"] = json!(9);
    f.live_mut(2)["metadata"]["managedFields"] = json!([{"manager": "flotilla", "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]);
    let p = f.plan();
    assert_eq!(p.apply.len(), 1);
    assert_eq!(
        p.apply[0].why.to_string(),
        "drift at spec.replicas (held by flotilla)"
    );
    assert_eq!(
        p.apply[0].body["spec"]["replicas"], 3,
        "self-heal sends the desired value"
    );

    f.live_mut(2)["metadata"]["managedFields"] = json!([
        {"manager": "flotilla", "operation": "Apply", "fieldsV1": {}},
        {"manager": "kubectl", "operation": "Update", "subresource": "scale", "fieldsV1": {"f:spec": {"f:replicas": {}}}}
    ]);
    assert!(f.plan().is_noop(), "held by another manager: retained");

    let mut g = Fixture::new(app()).converged();
    g.live_mut(2)["spec"]["replicas"] = json!(9);
    assert!(g.plan().is_noop(), "targeted by a desired HPA: retained");
}

#[test]
fn prune_and_its_holds() {
    // Two of four removed: allowed (not more than half).
    let mut f = Fixture::new(app()).converged();
    let removed: Vec<RenderedObject> = f.desired.drain(2..).collect();
    let p = f.plan();
    let ids: Vec<String> = p.prune.iter().map(ToString::to_string).collect();
    assert_eq!(
        ids,
        ["HorizontalPodAutoscaler shop/web", "Deployment shop/web"]
    );
    assert!(p.hold.is_none());

    // Three of four: held until approved.
    f.desired.truncate(1);
    let p = f.plan();
    assert!(p.prune.is_empty());
    let hold = p.hold.expect("held");
    assert!(matches!(
        hold.reason,
        HoldReason::OverThreshold {
            deleting: 3,
            owned: 4,
            ..
        }
    ));
    assert_eq!(hold.would_prune.len(), 3);
    f.prune.approved = true;
    assert_eq!(f.plan().prune.len(), 3);

    // Everything removed: held as an empty render; the Namespace stays anyway.
    f.desired.clear();
    f.prune = PruneSettings::default();
    let p = f.plan();
    assert_eq!(
        p.hold.as_ref().map(|h| &h.reason),
        Some(&HoldReason::EmptyRender)
    );
    f.prune = PruneSettings {
        allow_empty: true,
        max_fraction: 1.0,
        approved: false,
    };
    let p = f.plan();
    assert_eq!(p.prune.len(), 3, "{p}");
    assert!(p
        .kept
        .iter()
        .any(|(id, r)| id.kind == "Namespace" && *r == KeepReason::NeedsConfirm));
    drop(removed);
}

#[test]
fn an_approval_of_an_earlier_hold_lets_through_what_it_covers() {
    let mut f = Fixture::new(app()).converged();
    f.desired.truncate(1);
    // Held at c2: three of four.
    let hold = f.plan().hold.expect("held");
    let held = HeldPrune::next(None, "c2", Some(&hold)).expect("recorded");
    assert_eq!(
        (held.commit.as_str(), held.kind),
        ("c2", HoldKind::OverThreshold)
    );
    // c3 (the approval) deletes the same: still recorded at c2.
    assert_eq!(
        HeldPrune::next(Some(&held), "c3", Some(&hold)),
        Some(held.clone())
    );
    // Approved at c3 by naming c2: the prune goes through.
    f.approved_hold = Some(held.clone());
    assert_eq!(f.plan().prune.len(), 3);
    assert!(f.plan().hold.is_none());
    // An approval covers only what was held: a record of fewer objects
    // does not let three through, and the new hold is recorded anew.
    let mut fewer = held.clone();
    let first = fewer.objects.iter().next().cloned().expect("an object");
    fewer.objects.remove(&first);
    f.approved_hold = Some(fewer.clone());
    let hold = f.plan().hold.expect("held again");
    let again = HeldPrune::next(Some(&fewer), "c4", Some(&hold)).expect("recorded");
    assert_eq!((again.commit.as_str(), again.objects.len()), ("c4", 3));
    // An empty render's hold is not lifted by an approval.
    f.desired.clear();
    f.approved_hold = Some(held.clone());
    assert_eq!(
        f.plan().hold.map(|h| h.reason),
        Some(HoldReason::EmptyRender)
    );
    // Nothing held: no record; an incomplete observation keeps the record.
    assert_eq!(HeldPrune::next(Some(&again), "c5", None), None);
    let unobserved = Hold {
        reason: HoldReason::IncompleteObservation { unobserved: 1 },
        would_prune: Vec::new(),
    };
    assert_eq!(
        HeldPrune::next(Some(&again), "c5", Some(&unobserved)),
        Some(again.clone())
    );
}

#[test]
fn an_unobserved_object_plans_nothing() {
    let mut f = Fixture::new(app()).converged();
    f.desired.truncate(2);
    let gone = f.desired[1].id.clone();
    f.live.insert(gone, Live::Absent);
    let unread = app()[3].id.clone();
    f.live.remove(&unread);
    let p = f.plan();
    assert!(p.apply.is_empty() && p.prune.is_empty());
    assert_eq!(
        p.hold.map(|h| h.reason),
        Some(HoldReason::IncompleteObservation { unobserved: 1 })
    );
    assert!(p
        .kept
        .iter()
        .any(|(id, r)| *id == unread && *r == KeepReason::Unobserved));
}

#[test]
fn inventory_objects_confirmed_absent_are_gone() {
    let mut f = Fixture::new(app()).converged();
    let removed = f.desired.pop().unwrap().id;
    f.live.insert(removed.clone(), Live::Absent);
    let p = f.plan();
    assert_eq!(p.gone, [removed]);
    assert!(p.is_noop());
}
