//! Apply when the cluster refuses: an object rejected at admission (dry
//! runs included) means nothing of the revision is applied to that
//! cluster; an unreachable cluster gives a retryable error, applies and
//! prunes nothing and keeps the inventory; a write that fails midway skips
//! the prune and drops no inventory entry. Faults come from the
//! simulator's admin API.

mod apply_support;
mod support;

use apply_support::{names, reconcile, rendered, Env, Inputs, INSTANCE};
use flotilla::apply::execute::ExecuteOptions;
use flotilla::apply::{self, Disposition, Inventory, PlanInput};
use flotilla::model::common::ObjectRef;
use flotilla::render::RenderedObject;
use serde_json::json;
use std::collections::BTreeSet;

fn configmap(ns: &str, name: &str, value: &str, revision: &str) -> RenderedObject {
    rendered(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"v": value}}),
        revision,
    )
}

fn deployment(name: &str, revision: &str) -> RenderedObject {
    rendered(
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}),
        revision,
    )
}

async fn value_of(env: &Env, name: &str) -> Option<String> {
    env.kubectl_get("member1", &["configmap", name, "-n", "default"])
        .await
        .map(|cm| cm["data"]["v"].as_str().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_rejected_at_admission_stops_the_whole_revision() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    env.fault(
        "member1",
        r#"{"reject": {"matching": "configmaps/b", "message": "b is frozen"}}"#,
    )
    .await;
    let v1 = vec![
        configmap("default", "a", "1", "r1"),
        configmap("default", "b", "1", "r1"),
        deployment("web", "r1"),
    ];
    let (plan, report, inventory) =
        reconcile(&cluster, &v1, &Inventory::new(), &Inputs::default()).await;
    assert_eq!(plan.apply.len(), 3);
    assert_eq!(
        names(report.rejected.iter().map(|r| &r.id)),
        ["ConfigMap default/b"]
    );
    assert!(
        report.rejected[0].message.contains("b is frozen"),
        "{report}"
    );
    assert!(report.applied.is_empty(), "{report}");
    assert_eq!(report.disposition(), Some(Disposition::Stall));
    assert!(inventory.is_empty());
    assert_eq!(
        value_of(&env, "a").await,
        None,
        "nothing of the revision is applied"
    );
    assert!(env
        .kubectl_get("member1", &["deployment", "web"])
        .await
        .is_none());

    // Without the fault the revision goes in; then a second revision that
    // changes a and b is refused as a whole: a keeps its old value.
    env.clear_faults("member1").await;
    let (_, report, inventory) = reconcile(&cluster, &v1, &inventory, &Inputs::default()).await;
    assert_eq!(report.applied.len(), 3, "{report}");
    env.fault(
        "member1",
        r#"{"reject": {"matching": "configmaps/b", "message": "b is frozen"}}"#,
    )
    .await;
    let v2 = vec![
        configmap("default", "a", "2", "r2"),
        configmap("default", "b", "2", "r2"),
        deployment("web", "r2"),
    ];
    let (_, report, after) = reconcile(&cluster, &v2, &inventory, &Inputs::default()).await;
    assert_eq!(report.rejected.len(), 1, "{report}");
    assert!(report.applied.is_empty());
    assert_eq!(after, inventory);
    assert_eq!(value_of(&env, "a").await.as_deref(), Some("1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_in_a_new_namespace_are_checked_once_it_exists() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    env.fault(
        "member1",
        r#"{"reject": {"matching": "configmaps/x", "message": "x is frozen"}}"#,
    )
    .await;
    let desired = vec![
        rendered(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fresh"}}),
            "r1",
        ),
        configmap("fresh", "ok", "1", "r1"),
        configmap("fresh", "x", "1", "r1"),
    ];
    let (_, report, inventory) =
        reconcile(&cluster, &desired, &Inventory::new(), &Inputs::default()).await;
    // The Namespace had to exist before its objects could be checked; past
    // it, nothing is applied.
    assert_eq!(
        names(report.applied.iter().map(|(id, _)| id)),
        ["Namespace fresh"]
    );
    assert_eq!(
        names(report.rejected.iter().map(|r| &r.id)),
        ["ConfigMap fresh/x"]
    );
    assert!(env
        .kubectl_get("member1", &["configmap", "ok", "-n", "fresh"])
        .await
        .is_none());
    assert_eq!(inventory.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_is_retried_and_nothing_is_pruned() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    let v1: Vec<RenderedObject> = ["a", "b", "c"]
        .iter()
        .map(|n| configmap("default", n, "1", "r1"))
        .collect();
    let (_, _, inventory) = reconcile(&cluster, &v1, &Inventory::new(), &Inputs::default()).await;
    assert_eq!(inventory.len(), 3);

    // Plan the next revision (a changed, c removed) while the cluster is
    // up; it goes down before the plan is carried out.
    let v2 = vec![
        configmap("default", "a", "2", "r2"),
        configmap("default", "b", "1", "r2"),
    ];
    let ids: BTreeSet<&ObjectRef> = v1.iter().map(|o| &o.id).collect();
    let live = cluster.observe(ids.iter().copied()).await.expect("observe");
    let plan = apply::plan(&PlanInput {
        instance: INSTANCE,
        desired: &v2,
        live: &live,
        inventory: &inventory,
        overwrite: &BTreeSet::new(),
        prune: Default::default(),
        approved_hold: None,
    });
    assert_eq!((plan.apply.len(), plan.prune.len()), (1, 1), "{plan}");
    env.fault("member1", r#"{"api": "refuse"}"#).await;

    let (report, after) =
        apply::execute(&cluster, &plan, &inventory, &ExecuteOptions::default()).await;
    assert_eq!(report.errors.len(), 1, "reported once: {report}");
    assert_eq!(report.errors[0].category(), "DryRun");
    assert_eq!(report.disposition(), Some(Disposition::Retry));
    assert!(
        report.applied.is_empty() && report.pruned.is_empty(),
        "{report}"
    );
    assert!(report.prune_skipped);
    assert_eq!(after, inventory, "an error never drops an inventory entry");

    // Reading it fails too, as an error, never as "absent".
    let err = cluster
        .observe(ids.iter().copied())
        .await
        .expect_err("unreachable");
    assert_eq!(err.disposition(), Disposition::Retry);
    assert_eq!(err.category(), "Unreachable");

    // Back up: the next reconcile converges and prunes c.
    env.clear_faults("member1").await;
    let (_, report, after) = reconcile(&cluster, &v2, &inventory, &Inputs::default()).await;
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(names(&report.pruned), ["ConfigMap default/c"]);
    assert_eq!(after.len(), 2);
    assert_eq!(value_of(&env, "a").await.as_deref(), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_skips_the_prune_and_keeps_the_inventory() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    let v1: Vec<RenderedObject> = ["a", "b", "c"]
        .iter()
        .map(|n| configmap("default", n, "1", "r1"))
        .collect();
    let (_, _, inventory) = reconcile(&cluster, &v1, &Inventory::new(), &Inputs::default()).await;
    let v2 = vec![
        configmap("default", "a", "2", "r2"),
        configmap("default", "b", "2", "r2"),
    ];
    // Dry runs pass; the second real write fails.
    env.fault("member1", r#"{"failNthWrite": 2}"#).await;
    let (_, report, after) = reconcile(&cluster, &v2, &inventory, &Inputs::default()).await;
    assert_eq!(report.applied.len(), 1, "{report}");
    assert_eq!(report.errors.len(), 1, "{report}");
    assert_eq!(report.disposition(), Some(Disposition::Retry));
    assert!(report.pruned.is_empty() && report.prune_skipped, "{report}");
    assert_eq!(after.len(), 3, "c is still in the inventory");
    let (applied, _) = &report.applied[0];
    let failed = v2.iter().find(|o| o.id != *applied).expect("the other one");
    assert_eq!(
        after.get(&failed.id),
        inventory.get(&failed.id),
        "the failed one keeps its old hash"
    );
    assert_ne!(after.get(applied), inventory.get(applied));
    assert!(env
        .kubectl_get("member1", &["configmap", "c"])
        .await
        .is_some());

    // The retry finishes the job.
    let (_, report, after) = reconcile(&cluster, &v2, &after, &Inputs::default()).await;
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(names(&report.pruned), ["ConfigMap default/c"]);
    assert_eq!(after.len(), 2);
}

fn widget_app(revision: &str) -> Vec<RenderedObject> {
    vec![
        rendered(
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}),
            revision,
        ),
        rendered(
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "default"}, "spec": {"size": 1}}),
            revision,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_resource_waits_for_its_crd_to_be_served() {
    let env = Env::start(2).await;
    // member1: the CRD is served after a second; the apply waits for it.
    env.fault("member1", r#"{"crdEstablishDelaySeconds": 1}"#)
        .await;
    let cluster = env.cluster("member1").await;
    let (_, report, inventory) = reconcile(
        &cluster,
        &widget_app("r1"),
        &Inventory::new(),
        &Inputs::default(),
    )
    .await;
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(report.applied.len(), 2, "{report}");
    assert_eq!(inventory.len(), 2);

    // member2: not served within the timeout: the caller waits and comes
    // back; the custom resource is not applied meanwhile.
    env.fault("member2", r#"{"crdEstablishDelaySeconds": 30}"#)
        .await;
    let cluster = env.cluster("member2").await;
    let desired = widget_app("r1");
    let ids: BTreeSet<&ObjectRef> = desired.iter().map(|o| &o.id).collect();
    let live = cluster.observe(ids).await.expect("observe");
    let plan = apply::plan(&PlanInput {
        instance: INSTANCE,
        desired: &desired,
        live: &live,
        inventory: &Inventory::new(),
        overwrite: &BTreeSet::new(),
        prune: Default::default(),
        approved_hold: None,
    });
    let opts = ExecuteOptions {
        establish_timeout: std::time::Duration::from_millis(500),
        ..ExecuteOptions::default()
    };
    let (report, inventory) = apply::execute(&cluster, &plan, &Inventory::new(), &opts).await;
    assert_eq!(
        names(report.applied.iter().map(|(id, _)| id)),
        ["CustomResourceDefinition widgets.example.com"]
    );
    assert_eq!(report.disposition(), Some(Disposition::Wait), "{report}");
    assert_eq!(report.errors[0].category(), "NotEstablished");
    assert_eq!(inventory.len(), 1);
}
