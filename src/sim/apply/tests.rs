//! Server-side apply and update tracking: the scenarios kubectl and kube-rs
//! users run into (create, re-apply, conflicts and force, removal of
//! dropped fields, shared ownership, per-item ownership of associative
//! lists, `kubectl scale` then apply, the move from client-side apply).

use super::*;
use serde_json::{json, Value};

const T0: &str = "2025-01-01T00:00:00Z";
const T1: &str = "2025-01-01T00:01:00Z";
const T2: &str = "2025-01-01T00:02:00Z";

fn writer<'a>(manager: &'a str, now: &'a str) -> Writer<'a> {
    Writer {
        manager,
        api_version: "apps/v1",
        subresource: None,
        status_subresource: true,
        now,
    }
}

fn deploy(replicas: i64, containers: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": containers}}}
    })
}

fn nginx() -> Value {
    json!([{"name": "nginx", "image": "nginx:1.26", "ports": [{"containerPort": 80}]}])
}

/// The fieldsV1 of `manager`'s entry with `operation`.
fn fields(obj: &Value, manager: &str, operation: &str) -> Option<Value> {
    obj.pointer("/metadata/managedFields")?
        .as_array()?
        .iter()
        .find(|e| e["manager"] == manager && e["operation"] == operation)
        .map(|e| e["fieldsV1"].clone())
}

fn ssa(live: Option<&Value>, cfg: &Value, manager: &str, now: &str) -> Result<Value, ApplyError> {
    apply(live, cfg, &writer(manager, now), false)
}

#[test]
fn create_records_the_applied_fields() {
    let created = ssa(None, &deploy(2, nginx()), "flotilla", T0).expect("create");
    insta::assert_json_snapshot!("apply_create", created);
}

#[test]
fn reapplying_the_same_configuration_changes_nothing() {
    let cfg = deploy(2, nginx());
    let created = ssa(None, &cfg, "flotilla", T0).expect("create");
    let again = ssa(Some(&created), &cfg, "flotilla", T1).expect("re-apply");
    assert_eq!(again, created, "not even the time moves");
}

#[test]
fn a_field_another_manager_changed_conflicts_and_force_takes_it() {
    let cfg = deploy(2, nginx());
    let created = record_update(None, &cfg, &writer("kubectl-client-side-apply", T0));
    let err = ssa(Some(&created), &deploy(3, nginx()), "flotilla", T1).expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
    );
    assert_eq!(
        err.status(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "code": 409,
               "reason": "Conflict",
               "message": "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas",
               "details": {"causes": [{"reason": "FieldManagerConflict",
                   "message": "conflict with \"kubectl-client-side-apply\" using apps/v1", "field": ".spec.replicas"}]}})
    );
    // Same values elsewhere: no conflict, the fields become shared.
    let forced = apply(
        Some(&created),
        &deploy(3, nginx()),
        &writer("flotilla", T1),
        true,
    )
    .expect("force");
    assert_eq!(forced["spec"]["replicas"], 3);
    let csa = fields(&forced, "kubectl-client-side-apply", "Update").expect("still a manager");
    assert!(csa["f:spec"].get("f:replicas").is_none(), "{csa}");
    assert!(csa["f:spec"].get("f:selector").is_some(), "{csa}");
    let mine = fields(&forced, "flotilla", "Apply").expect("applier");
    assert!(mine["f:spec"].get("f:replicas").is_some());
}

#[test]
fn several_conflicts_are_listed_per_manager() {
    let base = deploy(2, nginx());
    let mut a = base.clone();
    let created = record_update(None, &base, &writer("creator", T0));
    a["spec"]["replicas"] = json!(5);
    a["metadata"]["labels"]["app"] = json!("x");
    let by_a = record_update(Some(&created), &a, &writer("alpha", T1));
    let mut b = by_a.clone();
    b["spec"]["paused"] = json!(true);
    let by_b = record_update(Some(&by_a), &b, &writer("beta", T1));
    let mut cfg = deploy(2, nginx());
    cfg["spec"]["paused"] = json!(false);
    let err = ssa(Some(&by_b), &cfg, "flotilla", T2).expect_err("conflicts");
    assert_eq!(
        err.to_string(),
        "Apply failed with 3 conflicts: conflicts with \"alpha\" using apps/v1:\n\
         - .metadata.labels.app\n\
         - .spec.replicas\n\
         conflicts with \"beta\" using apps/v1:\n\
         - .spec.paused"
    );
}

#[test]
fn a_field_dropped_from_the_configuration_is_removed() {
    let mut cfg = deploy(2, nginx());
    cfg["metadata"]["labels"]["tier"] = json!("front");
    cfg["spec"]["template"]["spec"]["containers"][0]["env"] = json!([{"name": "A", "value": "1"}]);
    let created = ssa(None, &cfg, "flotilla", T0).expect("create");
    let next = ssa(Some(&created), &deploy(2, nginx()), "flotilla", T1).expect("apply");
    assert_eq!(next["metadata"]["labels"], json!({"app": "web"}));
    let c = &next["spec"]["template"]["spec"]["containers"][0];
    assert!(c.get("env").is_none(), "{c}");
    assert_eq!(next["metadata"]["managedFields"][0]["time"], T1);
}

#[test]
fn a_field_two_managers_own_stays_when_one_drops_it() {
    let mut both = deploy(2, nginx());
    both["metadata"]["labels"]["shared"] = json!("yes");
    let by_a = ssa(None, &both, "a", T0).expect("a");
    let by_b = ssa(Some(&by_a), &both, "b", T1).expect("b: same values, no conflict");
    let dropped = ssa(Some(&by_b), &deploy(2, nginx()), "a", T2).expect("a drops");
    assert_eq!(dropped["metadata"]["labels"]["shared"], "yes");
    assert!(
        fields(&dropped, "a", "Apply").expect("a")["f:metadata"]["f:labels"]
            .get("f:shared")
            .is_none()
    );
}

#[test]
fn associative_list_items_are_owned_per_key() {
    let sidecar = json!([{"name": "sidecar", "image": "envoy:1"}]);
    let by_a = ssa(None, &deploy(2, nginx()), "a", T0).expect("a");
    let mut b_cfg = deploy(2, sidecar);
    b_cfg["spec"]
        .as_object_mut()
        .map(|s| s.shift_remove("replicas"));
    let by_b = ssa(Some(&by_a), &b_cfg, "b", T1).expect("b adds its container");
    let names = |o: &Value| -> Vec<Value> {
        o["spec"]["template"]["spec"]["containers"]
            .as_array()
            .map(|a| a.iter().map(|c| c["name"].clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(names(&by_b), [json!("nginx"), json!("sidecar")]);
    let b = fields(&by_b, "b", "Apply").expect("b");
    let b_containers = &b["f:spec"]["f:template"]["f:spec"]["f:containers"];
    assert!(b_containers.get(r#"k:{"name":"sidecar"}"#).is_some(), "{b}");
    assert!(b_containers.get(r#"k:{"name":"nginx"}"#).is_none(), "{b}");
    // a stops applying its container: it goes, b's stays.
    let a_none = deploy(2, json!([]));
    let after = ssa(Some(&by_b), &a_none, "a", T2).expect("a drops nginx");
    assert_eq!(names(&after), [json!("sidecar")]);
}

#[test]
fn kubectl_scale_then_server_side_apply_conflicts() {
    let w = |m| Writer {
        subresource: Some("scale"),
        ..writer(m, T1)
    };
    let created = ssa(None, &deploy(2, nginx()), "kubectl", T0).expect("create");
    let mut scaled = created.clone();
    scaled["spec"]["replicas"] = json!(4);
    let scaled = record_update(Some(&created), &scaled, &w("kubectl"));
    let err = ssa(Some(&scaled), &deploy(2, nginx()), "kubectl", T2).expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"
    );
    // Re-applying the scaled value is no conflict.
    assert!(ssa(Some(&scaled), &deploy(4, nginx()), "kubectl", T2).is_ok());
}

#[test]
fn kubectl_takes_over_its_own_client_side_apply() {
    let mut cfg = deploy(2, nginx());
    let last = crate::gojson::go_json(&crate::gojson::sorted_keys(&cfg));
    cfg["metadata"]["annotations"] = json!({LAST_APPLIED: format!("{last}\n")});
    let created = record_update(None, &cfg, &writer("kubectl-client-side-apply", T0));
    let server_side = deploy(3, nginx());
    let applied =
        ssa(Some(&created), &server_side, "kubectl", T1).expect("upgrade without conflict");
    assert_eq!(applied["spec"]["replicas"], 3);
    let annotation = applied["metadata"]["annotations"][LAST_APPLIED]
        .as_str()
        .expect("kept");
    assert_eq!(
        serde_json::from_str::<Value>(annotation).expect("json"),
        server_side
    );
    // Another manager gets the conflict.
    assert!(matches!(
        ssa(Some(&created), &server_side, "flotilla", T1),
        Err(ApplyError::Conflicts(_))
    ));
}

#[test]
fn status_is_neither_merged_nor_owned_through_the_main_resource() {
    let mut cfg = deploy(2, nginx());
    cfg["status"] = json!({"replicas": 9});
    let created = ssa(None, &cfg, "flotilla", T0).expect("create");
    assert!(created.get("status").is_none());
    assert!(fields(&created, "flotilla", "Apply")
        .expect("entry")
        .get("f:status")
        .is_none());
    let status = Writer {
        subresource: Some("status"),
        ..writer("kube-controller-manager", T1)
    };
    let mut with_status = created.clone();
    with_status["status"] = json!({"replicas": 2});
    let recorded = record_update(Some(&created), &with_status, &status);
    let entry = recorded["metadata"]["managedFields"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["subresource"] == "status"))
        .expect("status entry");
    assert_eq!(entry["fieldsV1"], json!({"f:status": {"f:replicas": {}}}));
}

#[test]
fn updates_record_what_changed_with_kubernetes_markers() {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "c", "namespace": "default", "labels": {"a": "1"}},
                    "data": {"k": "v"}});
    let w = Writer {
        api_version: "v1",
        status_subresource: false,
        ..writer("kubectl-create", T0)
    };
    let created = record_update(None, &cm, &w);
    assert_eq!(
        created["metadata"]["managedFields"],
        json!([{"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1", "time": T0,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {".": {}, "f:k": {}}, "f:metadata": {"f:labels": {".": {}, "f:a": {}}}}}])
    );
    let mut edited = created.clone();
    edited["data"]["k"] = json!("w");
    let edited = record_update(
        Some(&created),
        &edited,
        &Writer {
            manager: "kubectl-edit",
            now: T1,
            ..w
        },
    );
    assert_eq!(
        fields(&edited, "kubectl-edit", "Update"),
        Some(json!({"f:data": {"f:k": {}}}))
    );
    assert_eq!(
        fields(&edited, "kubectl-create", "Update"),
        Some(json!({"f:data": {}, "f:metadata": {"f:labels": {".": {}, "f:a": {}}}}))
    );
    let mut reset = edited.clone();
    reset["metadata"]["managedFields"] = json!([{}]);
    let reset = record_update(Some(&edited), &reset, &w);
    assert!(reset["metadata"].get("managedFields").is_none(), "{reset}");
}

#[test]
fn bad_configurations_are_refused_as_kubernetes_does() {
    let w = writer("flotilla", T0);
    let mut no_name = deploy(2, json!([{"image": "x"}]));
    let err = apply(None, &no_name, &w, false).expect_err("500");
    assert_eq!(err.code(), 500);
    assert_eq!(
        err.to_string(),
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): \
         .spec.template.spec.containers: element 0: associative list with keys has an element \
         that omits key field \"name\" (and doesn't have default value)"
    );
    no_name["spec"]["template"]["spec"]["containers"] =
        json!([{"name": "c", "env": [{"name": "A"}, {"name": "A"}]}]);
    assert_eq!(
        apply(None, &no_name, &w, false)
            .expect_err("dup")
            .to_string(),
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): \
         .spec.template.spec.containers[name=\"c\"].env: duplicate entries for key [name=\"A\"]"
    );
    let mut managed = deploy(2, nginx());
    managed["metadata"]["managedFields"] = json!([]);
    assert_eq!(
        apply(None, &managed, &w, false),
        Err(ApplyError::ManagedFieldsSet)
    );
    let err = apply(
        None,
        &json!({"apiVersion": "apps/v1beta1", "kind": "Deployment"}),
        &w,
        false,
    )
    .expect_err("version");
    assert_eq!(err.status()["reason"], "BadRequest");
}

#[test]
fn fields_v1_round_trips_in_kubernetes_order() {
    let text = r#"{"f:metadata":{"f:finalizers":{"v:\"a\"":{}},"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}"#;
    let v: Value = serde_json::from_str(text).expect("json");
    let set = FieldSet::from_fields_v1(&v).expect("decode");
    assert_eq!(
        serde_json::to_string(&set.to_fields_v1()).expect("encode"),
        text
    );
    let paths: Vec<String> = set.paths().iter().map(|p| path_string(p)).collect();
    assert!(paths.contains(
        &r#".spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort"#.to_string()
    ));
}

#[test]
fn a_strategic_patch_is_tracked_and_conflicts_name_list_items_by_key() {
    use crate::sim::patch::{patch, PatchKind};
    let csa = writer("kubectl-client-side-apply", T0);
    let created = record_update(None, &deploy(2, nginx()), &csa);
    let body = json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}],
        "containers": [{"image": "nginx:1.27", "name": "nginx"}]}}}});
    let patched =
        patch(PatchKind::Strategic, "apps", "Deployment", &created, &body).expect("patch");
    let patched = record_update(Some(&created), &patched, &Writer { now: T1, ..csa });
    let err = ssa(Some(&patched), &deploy(2, nginx()), "flotilla", T2).expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: \
         .spec.template.spec.containers[name=\"nginx\"].image"
    );
}

#[test]
fn custom_resources_have_atomic_lists_and_granular_maps() {
    let w = |m| Writer {
        api_version: "example.com/v1",
        status_subresource: false,
        ..writer(m, T0)
    };
    let cr = |items: Value, extra: Value| {
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
               "spec": {"items": items, "extra": extra}})
    };
    let by_a = apply(
        None,
        &cr(json!(["a", "b"]), json!({"x": 1})),
        &w("a"),
        false,
    )
    .expect("a");
    assert_eq!(
        fields(&by_a, "a", "Apply"),
        Some(json!({"f:spec": {"f:extra": {"f:x": {}}, "f:items": {}}}))
    );
    let mut b_cfg = cr(json!(["c"]), json!({"y": 2}));
    let err = apply(Some(&by_a), &b_cfg, &w("b"), false).expect_err("the whole list is a's");
    assert_eq!(
        err.to_string(),
        "Apply failed with 1 conflict: conflict with \"a\": .spec.items"
    );
    b_cfg["spec"]
        .as_object_mut()
        .map(|s| s.shift_remove("items"));
    let by_b = apply(Some(&by_a), &b_cfg, &w("b"), false).expect("maps merge key by key");
    assert_eq!(by_b["spec"]["extra"], json!({"x": 1, "y": 2}));
    let created = record_update(None, &cr(json!([]), json!({"x": 1})), &w("kubectl-create"));
    assert_eq!(
        fields(&created, "kubectl-create", "Update"),
        Some(json!({"f:spec": {".": {}, "f:extra": {".": {}, "f:x": {}}, "f:items": {}}}))
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn config() -> impl Strategy<Value = Value> {
        let env = prop::collection::btree_map("[A-C]", "[a-b]{1,2}", 1..3).prop_map(|m| {
            m.into_iter()
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect::<Vec<_>>()
        });
        let container = ("[a-b]{1,2}", prop::option::of(env));
        let containers = prop::collection::btree_map("[c-e]", container, 1..3).prop_map(|m| {
            Value::Array(
                m.into_iter()
                    .map(|(name, (image, env))| {
                        let mut c = json!({"name": name, "image": image});
                        if let Some(env) = env {
                            c["env"] = Value::Array(env);
                        }
                        c
                    })
                    .collect(),
            )
        });
        let labels = prop::collection::btree_map("[x-z]", "[0-1]", 0..3);
        (0i64..4, containers, labels).prop_map(|(r, c, l)| {
            let mut d = deploy(r, c);
            if let Some(m) = d["metadata"]["labels"].as_object_mut() {
                m.extend(l.into_iter().map(|(k, v)| (k, json!(v))));
            }
            d
        })
    }

    fn content(v: &Value) -> Value {
        managed::stripped(v)
    }

    proptest! {
        #[test]
        fn applying_twice_is_idempotent(cfg in config()) {
            let once = ssa(None, &cfg, "m", T0).expect("create");
            let twice = ssa(Some(&once), &cfg, "m", T1).expect("again");
            prop_assert_eq!(twice, once);
        }

        #[test]
        fn a_sole_applier_gets_exactly_its_configuration(a in config(), b in config()) {
            let first = ssa(None, &a, "m", T0).expect("a");
            let second = ssa(Some(&first), &b, "m", T1).expect("b");
            prop_assert_eq!(content(&second), b);
        }
    }
}

#[test]
fn subtracting_in_place_is_the_difference() {
    let set = |paths: &[&[&str]]| {
        let mut s = FieldSet::new();
        for p in paths {
            let path: Path = p
                .iter()
                .map(|f| PathElement::Field(f.to_string()))
                .collect();
            s.insert(&path);
        }
        s
    };
    let owned = set(&[
        &["spec", "replicas"],
        &["spec", "template", "spec"],
        &["metadata", "labels", "app"],
        &["status"],
    ]);
    let cases = [
        set(&[]),
        set(&[&["spec", "replicas"]]),
        set(&[
            &["spec", "template", "spec"],
            &["metadata", "labels", "app"],
        ]),
        set(&[&["status", "replicas"], &["other"]]),
        owned.clone(),
    ];
    for other in &cases {
        let mut s = owned.clone();
        s.subtract(other);
        assert_eq!(s, owned.difference(other), "minus {:?}", other.paths());
    }
}
