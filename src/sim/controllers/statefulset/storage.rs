//! A StatefulSet's `volumeClaimTemplates`, as Kubernetes' StatefulSet
//! controller handles them:
//!
//! - Pod `<set>-<n>` has, per template, the PersistentVolumeClaim
//!   `<template>-<set>-<n>` in the set's namespace, created before the pod
//!   when missing (and for a Pending pod whose claim went away). It is the
//!   template's metadata and spec, with the template's labels plus the
//!   selector's `matchLabels`.
//! - The pod gets one volume per template, named after it, with
//!   `persistentVolumeClaim.claimName`; they come before the template's
//!   other volumes, and replace one of the same name.
//! - `persistentVolumeClaimRetentionPolicy` (Retain for both when unset)
//!   decides the claims' controller ownerReferences, kept in step for
//!   every pod that exists: `whenDeleted: Delete` makes the set own the
//!   claims (garbage collection deletes them with the set);
//!   `whenScaled: Delete` makes a pod scaled away (ordinal ≥ replicas) own
//!   its claims instead, so they go with the pod. Retain leaves no
//!   reference, so claims outlive the set and a set scaled up again or
//!   recreated picks them up. A claim another object controls, or one with
//!   a reference to an earlier set or pod of the same name, is left alone.
//!
//! Not modelled: resizing claims after a template change, `spec.ordinals`.

use super::super::obj::{bool_at, labels, name, ns, owner_ref, set, str_at, string_map, uid};
use serde_json::{json, Map, Value};

/// `<template>-<set>-<ordinal>`.
pub(crate) fn claim_name(template: &str, set: &str, ordinal: i64) -> String {
    format!("{template}-{set}-{ordinal}")
}

/// The templates with a name (the API server rejects the others).
fn templates(sts: &Value) -> impl Iterator<Item = (&str, &Value)> {
    sts.pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((str_at(t, "/metadata/name")?, t)))
}

/// The claims pod `ordinal` of `sts` mounts, as they are created: owned as
/// the retention policy says for a pod in range.
pub(crate) fn claims(sts: &Value, ordinal: i64) -> Vec<Value> {
    let refs = owners(&[], sts, None, true).unwrap_or_default();
    templates(sts)
        .map(|(template, t)| {
            let mut meta = Map::new();
            meta.insert(
                "name".into(),
                json!(claim_name(template, name(sts), ordinal)),
            );
            meta.insert("namespace".into(), json!(ns(sts)));
            let mut all = labels(t);
            all.extend(string_map(sts.pointer("/spec/selector/matchLabels")));
            if !all.is_empty() {
                meta.insert("labels".into(), json!(all));
            }
            if let Some(a) = t.pointer("/metadata/annotations") {
                meta.insert("annotations".into(), a.clone());
            }
            if !refs.is_empty() {
                meta.insert("ownerReferences".into(), json!(refs));
            }
            json!({
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": meta,
                "spec": t.get("spec").cloned().unwrap_or_else(|| json!({})),
            })
        })
        .collect()
}

/// Points `pod`'s volumes at its claims: one per template, first, then the
/// pod template's own volumes of other names.
pub(crate) fn mount(pod: &mut Value, sts: &Value, ordinal: i64) {
    let mut volumes: Vec<Value> = templates(sts)
        .map(|(template, _)| {
            json!({"name": template, "persistentVolumeClaim": {
                "claimName": claim_name(template, name(sts), ordinal)}})
        })
        .collect();
    if volumes.is_empty() {
        return;
    }
    let own = pod.pointer("/spec/volumes").and_then(Value::as_array);
    volumes.extend(
        own.into_iter()
            .flatten()
            .filter(|v| !templates(sts).any(|(t, _)| str_at(v, "/name") == Some(t)))
            .cloned(),
    );
    set(pod, &["spec", "volumes"], json!(volumes));
}

/// `whenDeleted` and `whenScaled` say Delete (anything else is Retain, as
/// Kubernetes treats an unknown policy).
fn policy(sts: &Value) -> (bool, bool) {
    let delete = |field: &str| {
        str_at(
            sts,
            &format!("/spec/persistentVolumeClaimRetentionPolicy/{field}"),
        ) == Some("Delete")
    };
    (delete("whenDeleted"), delete("whenScaled"))
}

/// The ownerReferences a claim with `refs` should have for `pod` (`None`
/// for a pod not created yet) of `sts`, or `None` when it has them (or is
/// not the set's to change).
pub(crate) fn owners(
    refs: &[Value],
    sts: &Value,
    pod: Option<&Value>,
    in_range: bool,
) -> Option<Vec<Value>> {
    let is = |r: &Value, o: &Value| str_at(r, "/uid") == Some(uid(o));
    let ours = |r: &Value| is(r, sts) || pod.is_some_and(|p| is(r, p));
    // A reference to an earlier object of the same name: garbage
    // collection is about to deal with the claim (Kubernetes' stale check).
    let stale = |r: &Value, o: &Value, kind: &str| {
        str_at(r, "/kind") == Some(kind) && str_at(r, "/name") == Some(name(o)) && !is(r, o)
    };
    if refs
        .iter()
        .any(|r| stale(r, sts, "StatefulSet") || pod.is_some_and(|p| stale(r, p, "Pod")))
    {
        return None;
    }
    let mut want: Vec<Value> = refs.iter().filter(|r| !ours(r)).cloned().collect();
    let foreign_controller = want.iter().any(|r| bool_at(r, "/controller"));
    if !foreign_controller {
        let (when_deleted, when_scaled) = policy(sts);
        match pod {
            Some(p) if when_scaled && !in_range => want.push(owner_ref(p, "v1", "Pod")),
            _ if when_deleted => want.push(owner_ref(sts, "apps/v1", "StatefulSet")),
            _ => {}
        }
    }
    (want != refs).then_some(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts(policy: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "shop", "uid": "sts-1"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "db"}},
                "persistentVolumeClaimRetentionPolicy": policy,
                "volumeClaimTemplates": [{"metadata": {"name": "data", "labels": {"tier": "storage"}},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}})
    }

    fn pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-1", "uid": "pod-1"}})
    }

    #[test]
    fn claims_are_named_labelled_and_mounted() {
        let s = sts(json!({"whenDeleted": "Retain", "whenScaled": "Retain"}));
        let claims = claims(&s, 1);
        assert_eq!(
            claims,
            [json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data-db-1", "namespace": "shop",
                             "labels": {"app": "db", "tier": "storage"}},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})]
        );
        let mut p = json!({"spec": {"volumes": [{"name": "data", "emptyDir": {}},
                                               {"name": "config", "configMap": {"name": "c"}}]}});
        mount(&mut p, &s, 1);
        assert_eq!(
            p["spec"]["volumes"],
            json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-1"}},
                   {"name": "config", "configMap": {"name": "c"}}])
        );
    }

    #[test]
    fn the_retention_policy_decides_the_owners() {
        let set_ref = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
            "uid": "sts-1", "controller": true, "blockOwnerDeletion": true});
        let pod_ref = json!({"apiVersion": "v1", "kind": "Pod", "name": "db-1",
            "uid": "pod-1", "controller": true, "blockOwnerDeletion": true});
        let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "x",
            "uid": "cm-1", "controller": true});
        // (case, whenDeleted, whenScaled, current refs, pod in range, wanted refs)
        let cases: Vec<(&str, &str, &str, Vec<Value>, bool, Vec<Value>)> = vec![
            ("retain", "Retain", "Retain", vec![], true, vec![]),
            (
                "retain drops ours",
                "Retain",
                "Retain",
                vec![set_ref.clone()],
                true,
                vec![],
            ),
            (
                "deleted: set",
                "Delete",
                "Retain",
                vec![],
                true,
                vec![set_ref.clone()],
            ),
            (
                "deleted: set, scaled away too",
                "Delete",
                "Retain",
                vec![],
                false,
                vec![set_ref.clone()],
            ),
            (
                "scaled: none in range",
                "Retain",
                "Delete",
                vec![],
                true,
                vec![],
            ),
            (
                "scaled: pod when away",
                "Retain",
                "Delete",
                vec![],
                false,
                vec![pod_ref.clone()],
            ),
            (
                "both: set in range",
                "Delete",
                "Delete",
                vec![pod_ref.clone()],
                true,
                vec![set_ref.clone()],
            ),
            (
                "both: pod when away",
                "Delete",
                "Delete",
                vec![set_ref.clone()],
                false,
                vec![pod_ref.clone()],
            ),
            (
                "someone else's",
                "Delete",
                "Delete",
                vec![other.clone()],
                true,
                vec![other.clone()],
            ),
        ];
        for (case, deleted, scaled, refs, in_range, want) in cases {
            let s = sts(json!({"whenDeleted": deleted, "whenScaled": scaled}));
            let got = owners(&refs, &s, Some(&pod()), in_range).unwrap_or(refs);
            assert_eq!(got, want, "{case}");
        }
        let stale =
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "old"});
        let s = sts(json!({"whenDeleted": "Delete", "whenScaled": "Retain"}));
        assert_eq!(owners(&[stale], &s, Some(&pod()), true), None, "stale");
    }
}
