//! Apply against the in-process simulator over real HTTP: a first apply
//! creates everything (Namespace and CRD first, objects in them checked
//! once those exist), a second identical reconcile makes zero writes (the
//! simulator's counters prove it), a live edit of an owned field is
//! corrected, replicas scaled by another manager are left alone, and an
//! existing unlabelled object is a conflict until its policy adopts it.
//! kubectl is the independent client that edits and checks.

mod apply_support;
mod support;

use apply_support::{in_apply_order, reconcile, rendered, Env, Inputs, INSTANCE};
use flotilla::apply::{Inventory, Why};
use serde_json::{json, Value};

/// One application: a namespace, a CRD and a custom resource, a
/// ConfigMap, a NodePort Service and a Deployment.
fn app(revision: &str, image: &str) -> Vec<flotilla::render::RenderedObject> {
    in_apply_order(vec![
        rendered(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
            revision,
        ),
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
            "metadata": {"name": "w1", "namespace": "shop"}, "spec": {"size": 3}}),
            revision,
        ),
        rendered(
            json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cfg", "namespace": "shop"}, "data": {"greeting": "hello"}}),
            revision,
        ),
        rendered(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}),
            revision,
        ),
        rendered(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                    {"name": "app", "image": image, "ports": [{"containerPort": 8080}],
                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}}}),
            revision,
        ),
    ])
}

fn field_owners(obj: &Value) -> Vec<(String, String)> {
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["manager"].as_str().unwrap_or_default().to_string(),
                e["operation"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_apply_creates_everything_and_a_second_makes_zero_writes() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    let desired = app("r1", "nginx:1.25");
    let (plan, report, inventory) =
        reconcile(&cluster, &desired, &Inventory::new(), &Inputs::default()).await;
    assert!(
        report.errors.is_empty() && report.rejected.is_empty(),
        "{report}"
    );
    assert_eq!(plan.apply.len(), 6);
    assert!(plan.apply.iter().all(|a| a.why == Why::Missing && !a.force));
    assert_eq!(report.applied.len(), 6, "{report}");
    assert_eq!(inventory.len(), 6);
    for o in &desired {
        assert_eq!(
            inventory.get(&o.id),
            o.manifest["metadata"]["annotations"]["flotilla.io/hash"].as_str()
        );
    }

    // kubectl, an independent client, sees what was applied, marked ours.
    let dep = env
        .kubectl_get("member1", &["deployment", "web", "-n", "shop"])
        .await
        .expect("the Deployment exists");
    assert_eq!(
        dep["metadata"]["labels"]["flotilla.io/managed-by"],
        INSTANCE
    );
    assert!(field_owners(&dep).contains(&("flotilla".into(), "Apply".into())));
    let widget = env
        .kubectl_get("member1", &["widgets.example.com", "w1", "-n", "shop"])
        .await
        .expect("the Widget exists");
    assert_eq!(widget["spec"]["size"], 3);
    let svc = env
        .kubectl_get("member1", &["service", "web", "-n", "shop"])
        .await
        .expect("the Service exists");
    assert!(
        svc["spec"]["ports"][0]["nodePort"].is_number(),
        "a nodePort is allocated: {svc}"
    );

    // The same desired state again: reads only, not one write.
    env.reset_counters("member1").await;
    let (plan, report, again) = reconcile(&cluster, &desired, &inventory, &Inputs::default()).await;
    assert!(plan.is_noop(), "{plan}");
    assert_eq!(report.unchanged.len(), 6);
    assert!(
        report.applied.is_empty() && report.errors.is_empty(),
        "{report}"
    );
    assert_eq!(again, inventory);
    let counters = env.counters("member1").await;
    assert_eq!(env.writes("member1").await, 0, "{counters:?}");
    assert!(
        counters.get("get").copied().unwrap_or(0) >= 6,
        "{counters:?}"
    );

    // A new commit that leaves the content alone changes only the revision
    // annotation, which is not worth a write either.
    env.reset_counters("member1").await;
    let (plan, _, _) = reconcile(
        &cluster,
        &app("r2", "nginx:1.25"),
        &inventory,
        &Inputs::default(),
    )
    .await;
    assert!(plan.is_noop(), "{plan}");
    assert_eq!(env.writes("member1").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_edit_of_an_owned_field_is_detected_and_corrected() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    let desired = app("r1", "nginx:1.25");
    let (_, _, inventory) =
        reconcile(&cluster, &desired, &Inventory::new(), &Inputs::default()).await;

    env.kubectl_ok(
        "member1",
        &[
            "patch",
            "configmap",
            "cfg",
            "-n",
            "shop",
            "--type",
            "merge",
            "-p",
            r#"{"data":{"greeting":"hacked"}}"#,
        ],
    )
    .await;
    env.kubectl_ok(
        "member1",
        &[
            "set",
            "image",
            "deployment/web",
            "-n",
            "shop",
            "app=evil:latest",
        ],
    )
    .await;
    let (plan, report, inventory) =
        reconcile(&cluster, &desired, &inventory, &Inputs::default()).await;
    let whys: Vec<String> = plan
        .apply
        .iter()
        .map(|a| format!("{}: {}", a.id, a.why))
        .collect();
    assert_eq!(
        whys,
        [
            "ConfigMap shop/cfg: drift at data.greeting (held by kubectl-patch)",
            "Deployment shop/web: drift at spec.template.spec.containers[name=app].image (held by kubectl-set)",
        ]
    );
    assert_eq!(report.applied.len(), 2, "{report}");
    let cfg = env
        .kubectl_get("member1", &["configmap", "cfg", "-n", "shop"])
        .await
        .unwrap();
    assert_eq!(cfg["data"]["greeting"], "hello");
    let dep = env
        .kubectl_get("member1", &["deployment", "web", "-n", "shop"])
        .await
        .unwrap();
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.25"
    );

    // Healed, and flotilla holds the fields again: the next pass is quiet.
    env.reset_counters("member1").await;
    let (plan, _, _) = reconcile(&cluster, &desired, &inventory, &Inputs::default()).await;
    assert!(plan.is_noop(), "{plan}");
    assert_eq!(env.writes("member1").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_held_by_another_manager_are_not_fought_over() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    let desired = app("r1", "nginx:1.25");
    let (_, _, inventory) =
        reconcile(&cluster, &desired, &Inventory::new(), &Inputs::default()).await;

    // Another manager (here kubectl, through the scale subresource, as an
    // HPA does) takes spec.replicas.
    env.kubectl_ok(
        "member1",
        &["scale", "deployment/web", "-n", "shop", "--replicas=5"],
    )
    .await;
    env.reset_counters("member1").await;
    let (plan, _, inventory) = reconcile(&cluster, &desired, &inventory, &Inputs::default()).await;
    assert!(plan.is_noop(), "{plan}");
    assert_eq!(env.writes("member1").await, 0);

    // A new image is applied, forced, and replicas stay where the other
    // manager put them, with no conflict.
    let next = app("r2", "nginx:1.27");
    let (plan, report, _) = reconcile(&cluster, &next, &inventory, &Inputs::default()).await;
    assert_eq!(plan.apply.len(), 1, "{plan}");
    assert!(matches!(plan.apply[0].why, Why::HashDiffers { .. }));
    assert!(report.errors.is_empty(), "{report}");
    let dep = env
        .kubectl_get("member1", &["deployment", "web", "-n", "shop"])
        .await
        .unwrap();
    assert_eq!(dep["spec"]["replicas"], 5);
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlabelled_object_is_a_conflict_until_adopted() {
    let env = Env::start(1).await;
    let cluster = env.cluster("member1").await;
    env.kubectl_ok(
        "member1",
        &[
            "create",
            "configmap",
            "legacy",
            "-n",
            "default",
            "--from-literal=k=v",
        ],
    )
    .await;
    let desired = vec![rendered(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "legacy", "namespace": "default"}, "data": {"k": "from-git"}}),
        "r1",
    )];
    let (plan, report, inventory) =
        reconcile(&cluster, &desired, &Inventory::new(), &Inputs::default()).await;
    assert!(plan.apply.is_empty());
    assert_eq!(report.conflicts.len(), 1, "{report}");
    assert!(inventory.is_empty());
    let cm = env
        .kubectl_get("member1", &["configmap", "legacy"])
        .await
        .unwrap();
    assert_eq!(cm["data"]["k"], "v", "left alone");

    let inputs = Inputs {
        overwrite: desired.iter().map(|o| o.id.clone()).collect(),
        ..Inputs::default()
    };
    let (plan, report, inventory) = reconcile(&cluster, &desired, &inventory, &inputs).await;
    assert_eq!(plan.apply[0].why, Why::Adopt);
    assert!(report.errors.is_empty(), "{report}");
    assert_eq!(inventory.len(), 1);
    let cm = env
        .kubectl_get("member1", &["configmap", "legacy"])
        .await
        .unwrap();
    assert_eq!(cm["data"]["k"], "from-git");
    assert_eq!(cm["metadata"]["labels"]["flotilla.io/managed-by"], INSTANCE);
}
