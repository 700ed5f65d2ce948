use super::*;
use crate::apply::plan::{plan, PlanInput};
use crate::render::RenderedObject;
use proptest::prelude::*;
use serde_json::json;

fn id(api: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: api.into(),
        kind: kind.into(),
        namespace: ns.map(str::to_string),
        name: name.into(),
    }
}

fn obj(label: Option<&str>, annotations: Value, owners: Value) -> Value {
    let mut labels = serde_json::Map::new();
    if let Some(l) = label {
        labels.insert(MANAGED_BY.into(), json!(l));
    }
    json!({"metadata": {"labels": labels, "annotations": annotations, "ownerReferences": owners}})
}

/// (name, object, live copy, inventory, verdict).
type JudgeCase<'a> = (
    &'a str,
    &'a ObjectRef,
    Value,
    &'a Inventory,
    Result<(), KeepReason>,
);

#[test]
fn judge_table() {
    let cm = id("v1", "ConfigMap", Some("a"), "cm");
    let ns = id("v1", "Namespace", None, "shop");
    let crd = id(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "w.example.com",
    );
    let not_core_ns = id("example.com/v1", "Namespace", None, "x");
    let mut inv = Inventory::new();
    for i in [&cm, &ns, &crd, &not_core_ns] {
        inv.record(i.clone(), "h");
    }
    let empty = Inventory::new();
    let controller = json!([{"kind": "Deployment", "name": "web", "controller": true}]);
    let plain_owner = json!([{"kind": "ConfigMap", "name": "x"}]);
    let cases: Vec<JudgeCase> = vec![
        (
            "ours and in the inventory",
            &cm,
            obj(Some("fl"), json!({}), json!([])),
            &inv,
            Ok(()),
        ),
        (
            "a non-controller owner does not keep it",
            &cm,
            obj(Some("fl"), json!({}), plain_owner),
            &inv,
            Ok(()),
        ),
        (
            "not in the inventory, our label copied",
            &cm,
            obj(Some("fl"), json!({}), json!([])),
            &empty,
            Err(KeepReason::NotInInventory),
        ),
        (
            "label removed",
            &cm,
            obj(None, json!({}), json!([])),
            &inv,
            Err(KeepReason::NotManaged { label: None }),
        ),
        (
            "another instance",
            &cm,
            obj(Some("other"), json!({}), json!([])),
            &inv,
            Err(KeepReason::NotManaged {
                label: Some("other".into()),
            }),
        ),
        (
            "ignored",
            &cm,
            obj(Some("fl"), json!({IGNORE: "true"}), json!([])),
            &inv,
            Err(KeepReason::Ignored),
        ),
        (
            "prune disabled",
            &cm,
            obj(Some("fl"), json!({PRUNE: "disabled"}), json!([])),
            &inv,
            Err(KeepReason::PruneDisabled),
        ),
        (
            "controller owned",
            &cm,
            obj(Some("fl"), json!({}), controller),
            &inv,
            Err(KeepReason::ControllerOwned {
                owner: "Deployment/web".into(),
            }),
        ),
        (
            "namespace without confirm",
            &ns,
            obj(Some("fl"), json!({}), json!([])),
            &inv,
            Err(KeepReason::NeedsConfirm),
        ),
        (
            "namespace with confirm",
            &ns,
            obj(Some("fl"), json!({PRUNE: "confirm"}), json!([])),
            &inv,
            Ok(()),
        ),
        (
            "crd without confirm",
            &crd,
            obj(Some("fl"), json!({}), json!([])),
            &inv,
            Err(KeepReason::NeedsConfirm),
        ),
        (
            "a custom kind named Namespace does not cascade",
            &not_core_ns,
            obj(Some("fl"), json!({}), json!([])),
            &inv,
            Ok(()),
        ),
    ];
    for (name, id, live, inv, want) in cases {
        assert_eq!(judge("fl", id, &live, inv), want, "case: {name}");
    }
}

struct GuardCase {
    name: &'static str,
    desired: usize,
    owned: usize,
    deleting: usize,
    settings: PruneSettings,
    want: Option<&'static str>,
}

const DEFAULTS: PruneSettings = PruneSettings {
    allow_empty: false,
    max_fraction: 0.5,
    approved: false,
};

const GUARD_CASES: &[GuardCase] = &[
    GuardCase {
        name: "nothing to delete",
        desired: 0,
        owned: 4,
        deleting: 0,
        settings: DEFAULTS,
        want: None,
    },
    GuardCase {
        name: "half is allowed",
        desired: 2,
        owned: 4,
        deleting: 2,
        settings: DEFAULTS,
        want: None,
    },
    GuardCase {
        name: "over half is held",
        desired: 1,
        owned: 4,
        deleting: 3,
        settings: DEFAULTS,
        want: Some("over"),
    },
    GuardCase {
        name: "over half, approved",
        desired: 1,
        owned: 4,
        deleting: 3,
        settings: PruneSettings {
            approved: true,
            ..DEFAULTS
        },
        want: None,
    },
    GuardCase {
        name: "empty render",
        desired: 0,
        owned: 4,
        deleting: 1,
        settings: DEFAULTS,
        want: Some("empty"),
    },
    GuardCase {
        name: "empty render allowed, still over the threshold",
        desired: 0,
        owned: 4,
        deleting: 4,
        settings: PruneSettings {
            allow_empty: true,
            ..DEFAULTS
        },
        want: Some("over"),
    },
    GuardCase {
        name: "empty render allowed and approved",
        desired: 0,
        owned: 4,
        deleting: 4,
        settings: PruneSettings {
            allow_empty: true,
            approved: true,
            ..DEFAULTS
        },
        want: None,
    },
    GuardCase {
        name: "a NaN fraction holds",
        desired: 3,
        owned: 4,
        deleting: 1,
        settings: PruneSettings {
            max_fraction: f64::NAN,
            ..DEFAULTS
        },
        want: Some("over"),
    },
];

#[test]
fn guard_table() {
    assert_eq!(PruneSettings::default(), DEFAULTS);
    for c in GUARD_CASES {
        let got = guard(c.desired, c.owned, c.deleting, &c.settings).map(|r| match r {
            HoldReason::EmptyRender => "empty",
            HoldReason::OverThreshold { .. } => "over",
            HoldReason::IncompleteObservation { .. } => "incomplete",
        });
        assert_eq!(got, c.want, "case: {}", c.name);
    }
}

#[test]
fn candidates_sort_in_reverse_apply_order_and_drop_only_confirmed_absence() {
    let ns = id("v1", "Namespace", None, "shop");
    let cm = id("v1", "ConfigMap", Some("shop"), "cfg");
    let dep = id("apps/v1", "Deployment", Some("shop"), "web");
    let gone = id("v1", "Secret", Some("shop"), "old");
    let unread = id("v1", "Service", Some("shop"), "web");
    let inv: Inventory = [&ns, &cm, &dep, &gone, &unread]
        .into_iter()
        .map(|i| (i.clone(), "h".to_string()))
        .collect();
    let ours = |extra: Value| Live::Present(obj(Some("fl"), extra, json!([])));
    let live: BTreeMap<ObjectRef, Live> = [
        (ns.clone(), ours(json!({PRUNE: "confirm"}))),
        (cm.clone(), ours(json!({}))),
        (dep.clone(), ours(json!({}))),
        (gone.clone(), Live::Absent),
    ]
    .into_iter()
    .collect();
    let c = candidates("fl", &BTreeSet::new(), &inv, &live);
    assert_eq!(c.delete, [dep, cm, ns]);
    assert_eq!(c.gone, [gone]);
    assert_eq!(c.kept, [(unread, KeepReason::Unobserved)]);
}

// ---- property: nothing outside the rules is ever deleted ----

const KINDS: &[(&str, &str)] = &[
    ("v1", "ConfigMap"),
    ("apps/v1", "Deployment"),
    ("v1", "Namespace"),
    ("v1", "PersistentVolumeClaim"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("example.com/v1", "Widget"),
];

#[derive(Debug, Clone)]
struct Gen {
    kind: usize,
    in_inventory: bool,
    desired: bool,
    overwrite: bool,
    /// 0 unobserved, 1 absent, 2 present.
    state: u8,
    /// 0 none, 1 ours, 2 another instance.
    label: u8,
    controller: bool,
    /// 0 none, 1 disabled, 2 confirm, 3 something else.
    prune: u8,
    ignore: bool,
}

fn gen() -> impl Strategy<Value = Gen> {
    (
        0..KINDS.len(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![1 => Just(0u8), 3 => Just(1u8), 12 => Just(2u8)],
        0u8..3,
        any::<bool>(),
        0u8..4,
        prop_oneof![4 => Just(false), 1 => Just(true)],
    )
        .prop_map(
            |(kind, in_inventory, desired, overwrite, state, label, controller, prune, ignore)| {
                Gen {
                    kind,
                    in_inventory,
                    desired,
                    overwrite,
                    state,
                    label,
                    controller,
                    prune,
                    ignore,
                }
            },
        )
}

struct World {
    ids: Vec<ObjectRef>,
    desired: Vec<RenderedObject>,
    live: BTreeMap<ObjectRef, Live>,
    inventory: Inventory,
    overwrite: BTreeSet<ObjectRef>,
}

fn world(gens: &[Gen]) -> World {
    let mut w = World {
        ids: Vec::new(),
        desired: Vec::new(),
        live: BTreeMap::new(),
        inventory: Inventory::new(),
        overwrite: BTreeSet::new(),
    };
    for (i, g) in gens.iter().enumerate() {
        let (api, kind) = KINDS[g.kind];
        let namespaced = !matches!(kind, "Namespace" | "CustomResourceDefinition");
        let id = id(api, kind, namespaced.then_some("ns"), &format!("o{i}"));
        if g.in_inventory {
            w.inventory.record(id.clone(), "sha256:old");
        }
        if g.desired {
            let mut manifest =
                json!({"apiVersion": api, "kind": kind, "metadata": {"name": id.name}});
            crate::render::ownership::mark(&mut manifest, "fl", "x.yaml", "c1");
            w.desired.push(RenderedObject {
                id: id.clone(),
                manifest,
            });
        }
        if g.overwrite {
            w.overwrite.insert(id.clone());
        }
        let label = match g.label {
            1 => Some("fl"),
            2 => Some("other"),
            _ => None,
        };
        let mut ann = serde_json::Map::new();
        match g.prune {
            1 => drop(ann.insert(PRUNE.into(), json!("disabled"))),
            2 => drop(ann.insert(PRUNE.into(), json!("confirm"))),
            3 => drop(ann.insert(PRUNE.into(), json!("maybe"))),
            _ => {}
        }
        if g.ignore {
            ann.insert(IGNORE.into(), json!("true"));
        }
        let owners = if g.controller {
            json!([{"kind": "Deployment", "name": "d", "controller": true}])
        } else {
            json!([])
        };
        match g.state {
            0 => {}
            1 => drop(w.live.insert(id.clone(), Live::Absent)),
            _ => drop(w.live.insert(
                id.clone(),
                Live::Present(obj(label, Value::Object(ann), owners)),
            )),
        }
        w.ids.push(id);
    }
    w
}

fn run(w: &World, settings: PruneSettings) -> crate::apply::ClusterPlan {
    plan(&PlanInput {
        instance: "fl",
        desired: &w.desired,
        live: &w.live,
        inventory: &w.inventory,
        overwrite: &w.overwrite,
        prune: settings,
        approved_hold: None,
    })
}

fn settings() -> impl Strategy<Value = PruneSettings> {
    (any::<bool>(), 0.0f64..=1.0, any::<bool>()).prop_map(
        |(allow_empty, max_fraction, approved)| PruneSettings {
            allow_empty,
            max_fraction,
            approved,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn nothing_outside_the_rules_is_ever_deleted(
        gens in prop::collection::vec(gen(), 0..14),
        s in settings(),
    ) {
        let w = world(&gens);
        let p = run(&w, s);
        let desired: BTreeSet<&ObjectRef> = w.desired.iter().map(|o| &o.id).collect();
        for victim in &p.prune {
            let i = w.ids.iter().position(|x| x == victim).expect("a known id");
            let g = &gens[i];
            prop_assert!(g.in_inventory, "{victim} is not in the inventory");
            prop_assert!(!desired.contains(victim), "{victim} is desired");
            prop_assert_eq!(g.state, 2, "{} was not read", victim);
            prop_assert_eq!(g.label, 1, "{} is not labelled for this instance", victim);
            prop_assert!(!g.controller && !g.ignore && g.prune != 1, "{victim} is opted out or controlled");
            prop_assert!(!cascades(victim) || g.prune == 2, "{victim} cascades without confirm");
        }
        // Reverse apply order.
        let mut sorted = p.prune.clone();
        sort_for_prune(&mut sorted);
        prop_assert_eq!(&sorted, &p.prune);
        // The guards.
        let unobserved = gens.iter().any(|g| g.state == 0 && (g.desired || g.in_inventory));
        if unobserved {
            prop_assert!(p.prune.is_empty() && p.apply.is_empty());
        }
        if w.desired.is_empty() && !w.inventory.is_empty() && !s.allow_empty {
            prop_assert!(p.prune.is_empty());
        }
        if p.prune.len() as f64 > s.max_fraction * w.inventory.len() as f64 {
            prop_assert!(s.approved);
        }
        // Applies never touch what is not ours unless adopted, nor ignored objects.
        for a in &p.apply {
            let g = &gens[w.ids.iter().position(|x| *x == a.id).expect("a known id")];
            prop_assert!(g.state == 1 || (!g.ignore && (g.label == 1 || g.overwrite)), "{} applied", a.id);
            prop_assert_eq!(a.force, g.state == 2);
        }
    }

    #[test]
    fn copying_our_label_never_makes_an_object_deletable(
        gens in prop::collection::vec(gen(), 0..14),
        s in settings(),
    ) {
        let before = run(&world(&gens), s);
        let copied: Vec<Gen> = gens
            .iter()
            .map(|g| if g.in_inventory { g.clone() } else { Gen { label: 1, ..g.clone() } })
            .collect();
        let after = run(&world(&copied), s);
        prop_assert_eq!(&before.prune, &after.prune);
        let held = |p: &crate::apply::ClusterPlan| p.hold.as_ref().map(|h| h.would_prune.clone());
        prop_assert_eq!(held(&before), held(&after));
    }
}
