//! Table tests of strategic merge patch: every directive and every merge key
//! of the schema table, and the patch kubectl 1.32 sends on a second
//! `kubectl apply` (kubectl-wire.md section 6.2).

use super::{patch, PatchError, PatchKind};
use serde_json::{json, Value};

fn smp(group: &str, kind: &str, live: Value, p: Value) -> Result<Value, PatchError> {
    patch(PatchKind::Strategic, group, kind, &live, &p)
}

fn deploy(pod_spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web"},
           "spec": {"replicas": 2, "template": {"spec": pod_spec}}})
}

fn pod_spec(p: Value) -> Value {
    json!({"spec": {"template": {"spec": p}}})
}

#[test]
fn kubectl_apply_set_element_order_patch_keeps_ports() {
    let live = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": "{old}\n", "other": "x"}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80, "protocol": "TCP"}],
             "imagePullPolicy": "IfNotPresent"}]}}}
    });
    let body = json!({
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{new}\n"}},
        "spec": {"replicas": 3, "template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}],
            "containers": [{"image": "nginx:1.26", "name": "nginx"}]}}}
    });
    let got = smp("apps", "Deployment", live, body).expect("patch applies");
    assert_eq!(
        got,
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{new}\n", "other": "x"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.26", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                 "imagePullPolicy": "IfNotPresent"}]}}}
        })
    );
}

#[test]
fn merge_keys_by_path() {
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        Value,
        Value,
        Value,
    );
    let c = |name: &str, extra: Value| {
        let mut v = json!({"name": name});
        if let (Some(m), Value::Object(e)) = (v.as_object_mut(), extra) {
            m.extend(e);
        }
        v
    };
    let cases: Vec<Case> = vec![
        (
            "containers by name: merge one, append one",
            "apps",
            "Deployment",
            deploy(
                json!({"containers": [c("a", json!({"image": "a:1"})), c("b", json!({"image": "b:1"}))]}),
            ),
            pod_spec(
                json!({"containers": [c("b", json!({"image": "b:2"})), c("z", json!({"image": "z:1"}))]}),
            ),
            deploy(
                json!({"containers": [c("a", json!({"image": "a:1"})), c("b", json!({"image": "b:2"})), c("z", json!({"image": "z:1"}))]}),
            ),
        ),
        (
            "env by name inside a container",
            "apps",
            "Deployment",
            deploy(
                json!({"containers": [c("a", json!({"env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}))]}),
            ),
            pod_spec(
                json!({"containers": [c("a", json!({"env": [{"name": "Y", "value": "3"}]}))]}),
            ),
            deploy(
                json!({"containers": [c("a", json!({"env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "3"}]}))]}),
            ),
        ),
        (
            "volumeMounts by mountPath",
            "apps",
            "Deployment",
            deploy(
                json!({"containers": [c("a", json!({"volumeMounts": [{"mountPath": "/d", "name": "v1"}]}))]}),
            ),
            pod_spec(
                json!({"containers": [c("a", json!({"volumeMounts": [{"mountPath": "/d", "readOnly": true}, {"mountPath": "/e", "name": "v2"}]}))]}),
            ),
            deploy(
                json!({"containers": [c("a", json!({"volumeMounts": [{"mountPath": "/d", "name": "v1", "readOnly": true}, {"mountPath": "/e", "name": "v2"}]}))]}),
            ),
        ),
        (
            "container ports by containerPort",
            "apps",
            "Deployment",
            deploy(
                json!({"containers": [c("a", json!({"ports": [{"containerPort": 80, "name": "http"}]}))]}),
            ),
            pod_spec(
                json!({"containers": [c("a", json!({"ports": [{"containerPort": 80, "name": "web"}, {"containerPort": 443}]}))]}),
            ),
            deploy(
                json!({"containers": [c("a", json!({"ports": [{"containerPort": 80, "name": "web"}, {"containerPort": 443}]}))]}),
            ),
        ),
        (
            "volumes, imagePullSecrets by name; hostAliases by ip",
            "apps",
            "Deployment",
            deploy(
                json!({"volumes": [{"name": "v", "emptyDir": {}}], "imagePullSecrets": [{"name": "r1"}], "hostAliases": [{"ip": "1.1.1.1", "hostnames": ["a"]}]}),
            ),
            pod_spec(
                json!({"volumes": [{"name": "w", "emptyDir": {}}], "imagePullSecrets": [{"name": "r2"}], "hostAliases": [{"ip": "1.1.1.1", "hostnames": ["b"]}]}),
            ),
            // Without $setElementOrder, items the live list lacks come
            // first: apimachinery's mergeSortedSlice takes the patch item
            // when it cannot place both by live order.
            deploy(
                json!({"volumes": [{"name": "w", "emptyDir": {}}, {"name": "v", "emptyDir": {}}], "imagePullSecrets": [{"name": "r2"}, {"name": "r1"}], "hostAliases": [{"ip": "1.1.1.1", "hostnames": ["b"]}]}),
            ),
        ),
        (
            "tolerations are atomic",
            "apps",
            "Deployment",
            deploy(json!({"tolerations": [{"key": "a", "operator": "Exists"}]})),
            pod_spec(json!({"tolerations": [{"key": "b", "operator": "Exists"}]})),
            deploy(json!({"tolerations": [{"key": "b", "operator": "Exists"}]})),
        ),
        (
            "service ports by port",
            "",
            "Service",
            json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}}),
            json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}),
            json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}}),
        ),
        (
            "status conditions by type",
            "apps",
            "Deployment",
            json!({"status": {"conditions": [{"type": "Available", "status": "False"}, {"type": "Progressing", "status": "True"}]}}),
            json!({"status": {"conditions": [{"type": "Available", "status": "True"}]}}),
            json!({"status": {"conditions": [{"type": "Available", "status": "True"}, {"type": "Progressing", "status": "True"}]}}),
        ),
        (
            "ownerReferences by uid",
            "",
            "Pod",
            json!({"metadata": {"ownerReferences": [{"uid": "1", "kind": "ReplicaSet", "name": "a"}]}}),
            json!({"metadata": {"ownerReferences": [{"uid": "1", "controller": true}, {"uid": "2", "kind": "X", "name": "b"}]}}),
            json!({"metadata": {"ownerReferences": [{"uid": "1", "kind": "ReplicaSet", "name": "a", "controller": true}, {"uid": "2", "kind": "X", "name": "b"}]}}),
        ),
        (
            "finalizers merge as a set",
            "",
            "ConfigMap",
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"finalizers": ["c", "a"]}}),
            json!({"metadata": {"finalizers": ["c", "a", "b"]}}),
        ),
        (
            "unknown lists of a custom field are replaced",
            "",
            "ConfigMap",
            json!({"data": {"k": "v"}, "extra": [1, 2]}),
            json!({"extra": [3]}),
            json!({"data": {"k": "v"}, "extra": [3]}),
        ),
    ];
    for (name, group, kind, live, p, want) in cases {
        assert_eq!(smp(group, kind, live, p), Ok(want), "case {name}");
    }
}

#[test]
fn directives() {
    let two =
        deploy(json!({"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]}));
    type Case = (&'static str, Value, Value, Value);
    let cases: Vec<Case> = vec![
        (
            "null deletes a key",
            json!({"spec": {"replicas": 2, "paused": true}}),
            json!({"spec": {"paused": null, "absent": null}}),
            json!({"spec": {"replicas": 2}}),
        ),
        (
            "$patch: delete on a list item",
            two.clone(),
            pod_spec(json!({"containers": [{"name": "a", "$patch": "delete"}]})),
            deploy(json!({"containers": [{"name": "b", "image": "b"}]})),
        ),
        (
            "$patch: replace on a list",
            two.clone(),
            pod_spec(json!({"containers": [{"name": "c", "image": "c"}, {"$patch": "replace"}]})),
            deploy(json!({"containers": [{"name": "c", "image": "c"}]})),
        ),
        (
            "$patch: replace on a map",
            json!({"metadata": {"labels": {"a": "1", "b": "2"}}}),
            json!({"metadata": {"labels": {"$patch": "replace", "c": "3"}}}),
            json!({"metadata": {"labels": {"c": "3"}}}),
        ),
        (
            "$patch: delete on a map",
            json!({"metadata": {"name": "x", "labels": {"a": "1"}}}),
            json!({"metadata": {"labels": {"$patch": "delete"}}}),
            json!({"metadata": {"name": "x", "labels": {}}}),
        ),
        (
            "$retainKeys clears unlisted keys",
            json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
            json!({"spec": {"strategy": {"type": "Recreate"}}}),
        ),
        (
            "$retainKeys on a volume item",
            deploy(json!({"volumes": [{"name": "v", "emptyDir": {}}]})),
            pod_spec(
                json!({"volumes": [{"name": "v", "$retainKeys": ["configMap", "name"], "configMap": {"name": "cm"}}]}),
            ),
            deploy(json!({"volumes": [{"name": "v", "configMap": {"name": "cm"}}]})),
        ),
        (
            "$deleteFromPrimitiveList",
            json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "x"]}}),
            json!({"metadata": {"finalizers": ["a", "c"]}}),
        ),
        (
            "$deleteFromPrimitiveList of an absent list",
            json!({"metadata": {}}),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}),
            json!({"metadata": {}}),
        ),
        (
            "$setElementOrder reorders",
            two.clone(),
            pod_spec(json!({"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]})),
            deploy(
                json!({"containers": [{"name": "b", "image": "b"}, {"name": "a", "image": "a"}]}),
            ),
        ),
        (
            "$setElementOrder keeps live-only items where they were",
            deploy(json!({"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})),
            pod_spec(
                json!({"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}], "containers": [{"name": "c", "image": "x"}]}),
            ),
            deploy(
                json!({"containers": [{"name": "b"}, {"name": "c", "image": "x"}, {"name": "a"}]}),
            ),
        ),
        (
            "$setElementOrder of a primitive list",
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"$setElementOrder/finalizers": ["b", "c", "a"], "finalizers": ["c"]}}),
            json!({"metadata": {"finalizers": ["b", "c", "a"]}}),
        ),
        (
            "a new item loses nulls and directives",
            deploy(json!({"containers": []})),
            pod_spec(
                json!({"containers": [{"name": "n", "image": null, "env": [{"name": "E", "$patch": "delete"}, {"name": "F"}]}]}),
            ),
            deploy(json!({"containers": [{"name": "n", "env": [{"name": "F"}]}]})),
        ),
    ];
    for (name, live, p, want) in cases {
        assert_eq!(smp("apps", "Deployment", live, p), Ok(want), "case {name}");
    }
}

#[test]
fn errors_carry_the_api_servers_status() {
    let mut live = deploy(json!({"containers": [{"name": "a"}]}));
    live["spec"]["strategy"] = json!({"type": "RollingUpdate"});
    live["metadata"]["finalizers"] = json!([]);
    type Case = (&'static str, Value, PatchError);
    let cases: Vec<Case> = vec![
        ("$patch: merge in a list", pod_spec(json!({"containers": [{"name": "a", "$patch": "merge"}]})),
            PatchError::Internal("merging lists cannot yet be specified in the patch".into())),
        ("$patch: merge on a map", json!({"spec": {"$patch": "merge"}}),
            PatchError::Internal("unknown patch type: merge in map: map[$patch:merge]".into())),
        ("an item without its merge key", pod_spec(json!({"containers": [{"image": "x"}]})),
            PatchError::Internal("map: map[image:x] does not contain declared merge key: name".into())),
        ("$retainKeys missing a patched key", json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
            PatchError::BadRequest("invalid patch format of retainKeys".into())),
        ("$retainKeys not a list", json!({"spec": {"$retainKeys": "type"}}),
            PatchError::BadRequest("invalid patch format of retainKeys".into())),
        ("$setElementOrder not matching the patch list",
            pod_spec(json!({"$setElementOrder/containers": [{"name": "a"}], "containers": [{"name": "z"}]})),
            PatchError::Internal("The order in patch list:\n[map[name:z]]\n doesn't match $setElementOrder list:\n[map[name:a]]\n".into())),
        ("lists of lists", json!({"metadata": {"finalizers": [["a"]]}}),
            PatchError::Unprocessable("lists of lists are not supported".into())),
        ("mixed lists", pod_spec(json!({"containers": [["a"]]})),
            PatchError::Internal("list element types are not identical: [[map[name:a]] [[a]]]".into())),
    ];
    for (name, p, want) in cases {
        assert_eq!(
            smp("apps", "Deployment", live.clone(), p),
            Err(want),
            "case {name}"
        );
    }
    assert_eq!(
        smp("apps", "Deployment", live, json!([1])).map_err(|e| e.code()),
        Err(400)
    );
}
