//! Prune against the in-process simulator: a removed template is deleted,
//! and nothing that is not flotilla's, by the rules of issue 5 §2: an
//! object whose label was removed, one our label was copied onto, one with
//! a controller ownerReference, opted-out ones and a Namespace without
//! `flotilla.io/prune: confirm` all stay. The empty-render and
//! over-threshold guards hold the prune until allowed or approved. The
//! simulator's counters count the deletes.

mod apply_support;
mod support;

use apply_support::{in_apply_order, names, reconcile, rendered, Env, Inputs};
use flotilla::apply::prune::HoldReason;
use flotilla::apply::{Disposition, Inventory, KeepReason, PruneSettings};
use flotilla::render::RenderedObject;
use serde_json::json;

fn configmap(ns: &str, name: &str, revision: &str) -> RenderedObject {
    rendered(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"v": name}}),
        revision,
    )
}

async fn deletes(env: &Env) -> u64 {
    env.counters("member1")
        .await
        .get("delete")
        .copied()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_deletes_a_removed_template_and_never_what_is_not_ours() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    let mut v1 = vec![rendered(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        "r1",
    )];
    for name in [
        "keep",
        "removed",
        "unlabelled",
        "owned",
        "opted-out",
        "ignored",
    ] {
        v1.push(configmap("shop", name, "r1"));
    }
    let v1 = in_apply_order(v1);
    let (_, report, inventory) =
        reconcile(&cluster, &v1, &Inventory::new(), &Inputs::default()).await;
    assert_eq!(inventory.len(), 7, "{report}");

    // What people do in the cluster meanwhile.
    let k = |args: &'static [&'static str]| {
        let env = &env;
        async move { env.kubectl_ok("member1", args).await }
    };
    k(&[
        "label",
        "configmap",
        "unlabelled",
        "-n",
        "shop",
        "flotilla.io/managed-by-",
    ])
    .await;
    k(&[
        "annotate",
        "configmap",
        "opted-out",
        "-n",
        "shop",
        "flotilla.io/prune=disabled",
    ])
    .await;
    k(&[
        "annotate",
        "configmap",
        "ignored",
        "-n",
        "shop",
        "flotilla.io/ignore=true",
    ])
    .await;
    k(&[
        "create",
        "configmap",
        "copied",
        "-n",
        "shop",
        "--from-literal=v=mine",
    ])
    .await;
    k(&[
        "label",
        "configmap",
        "copied",
        "-n",
        "shop",
        "flotilla.io/managed-by=flotilla",
    ])
    .await;
    k(&[
        "create",
        "configmap",
        "stranger",
        "-n",
        "shop",
        "--from-literal=v=mine",
    ])
    .await;
    let keep = env
        .kubectl_get("member1", &["configmap", "keep", "-n", "shop"])
        .await
        .unwrap();
    let owner = json!({"metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
        "name": "keep", "uid": keep["metadata"]["uid"], "controller": true}]}});
    env.kubectl_ok(
        "member1",
        &[
            "patch",
            "configmap",
            "owned",
            "-n",
            "shop",
            "--type",
            "merge",
            "-p",
            &owner.to_string(),
        ],
    )
    .await;

    // Only `keep` is still desired.
    let v2 = vec![configmap("shop", "keep", "r2")];
    env.reset_counters("member1").await;
    let (plan, report, inventory) = reconcile(&cluster, &v2, &inventory, &Inputs::default()).await;
    assert!(plan.hold.is_none(), "{plan}");
    assert_eq!(
        names(&report.pruned),
        ["ConfigMap shop/removed"],
        "{report}"
    );
    assert_eq!(deletes(&env).await, 1);
    let kept: Vec<String> = report
        .kept
        .iter()
        .map(|(id, why)| format!("{id}: {why}"))
        .collect();
    assert_eq!(
        kept,
        [
            "ConfigMap shop/ignored: annotated flotilla.io/ignore: \"true\"",
            "ConfigMap shop/opted-out: annotated flotilla.io/prune: disabled",
            "ConfigMap shop/owned: controlled by ConfigMap/keep",
            "ConfigMap shop/unlabelled: no flotilla.io/managed-by label",
            "Namespace shop: deleting it cascades; needs flotilla.io/prune: confirm",
        ]
    );
    assert!(matches!(report.kept[4].1, KeepReason::NeedsConfirm));
    // Kept objects stay in the inventory (flotilla applied them); the
    // deleted one leaves it.
    assert_eq!(inventory.len(), 6);
    for name in [
        "keep",
        "unlabelled",
        "owned",
        "opted-out",
        "ignored",
        "copied",
        "stranger",
    ] {
        assert!(
            env.kubectl_get("member1", &["configmap", name, "-n", "shop"])
                .await
                .is_some(),
            "{name} must stay"
        );
    }
    assert!(env
        .kubectl_get("member1", &["configmap", "removed", "-n", "shop"])
        .await
        .is_none());
    assert!(env
        .kubectl_get("member1", &["namespace", "shop"])
        .await
        .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_render_and_a_mass_deletion_are_held_until_allowed() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    let v1: Vec<RenderedObject> = (0..4)
        .map(|i| configmap("default", &format!("cm{i}"), "r1"))
        .collect();
    let (_, _, inventory) = reconcile(&cluster, &v1, &Inventory::new(), &Inputs::default()).await;
    assert_eq!(inventory.len(), 4);

    // Nothing rendered for the cluster: held, nothing deleted.
    env.reset_counters("member1").await;
    let (plan, report, after) = reconcile(&cluster, &[], &inventory, &Inputs::default()).await;
    let hold = report.held.as_ref().expect("held");
    assert_eq!(hold.reason, HoldReason::EmptyRender);
    assert_eq!(hold.would_prune.len(), 4);
    assert!(plan.prune.is_empty() && report.pruned.is_empty());
    assert_eq!(report.disposition(), Some(Disposition::Wait));
    assert_eq!(after, inventory);

    // Three of four removed: more than half, held.
    let (_, report, after) = reconcile(&cluster, &v1[..1], &inventory, &Inputs::default()).await;
    assert!(matches!(
        report.held.as_ref().map(|h| &h.reason),
        Some(HoldReason::OverThreshold {
            deleting: 3,
            owned: 4,
            ..
        })
    ));
    assert_eq!(after, inventory);
    assert_eq!(deletes(&env).await, 0);
    assert_eq!(env.writes("member1").await, 0);

    // Approved for this revision: deleted, in reverse apply order.
    let approved = Inputs {
        prune: PruneSettings {
            approved: true,
            ..PruneSettings::default()
        },
        ..Inputs::default()
    };
    let (_, report, after) = reconcile(&cluster, &v1[..1], &inventory, &approved).await;
    assert_eq!(
        names(&report.pruned),
        [
            "ConfigMap default/cm3",
            "ConfigMap default/cm2",
            "ConfigMap default/cm1"
        ]
    );
    assert_eq!(deletes(&env).await, 3);
    assert_eq!(after.len(), 1);
    assert_eq!(report.disposition(), None, "{report}");
}
