//! JSON merge patch (RFC 7386, `application/merge-patch+json`) as
//! `evanphx/json-patch`'s `MergePatch` applies it for the API server: `null`
//! deletes a key, objects merge key by key, anything else replaces. Nulls
//! inside a value that is added whole are dropped (also inside lists, where
//! the RFC would keep them).
//!
//! Also [`create_merge_patch`], the inverse: the patch that turns one
//! document into another (what `kubectl label` and `kubectl scale` send).

use serde_json::{Map, Value};

/// Applies merge patch `patch` to `doc`. A patch that is not an object
/// replaces the document (nulls pruned), as the RFC says.
pub fn merge_patch(doc: &Value, patch: &Value) -> Value {
    match (doc, patch) {
        (Value::Object(d), Value::Object(p)) => Value::Object(merge_maps(d.clone(), p)),
        (_, p) => pruned(p),
    }
}

fn merge_maps(mut doc: Map<String, Value>, patch: &Map<String, Value>) -> Map<String, Value> {
    for (k, v) in patch {
        if v.is_null() {
            doc.shift_remove(k);
            continue;
        }
        let merged = match doc.get(k) {
            // Both objects: merge. Only then is the patch value not pruned
            // (the Go library returns a non-object patch value as it is).
            Some(Value::Object(cur)) => match v {
                Value::Object(p) => Value::Object(merge_maps(cur.clone(), p)),
                other => other.clone(),
            },
            _ => pruned(v),
        };
        match doc.get_mut(k) {
            Some(slot) => *slot = merged,
            None => {
                doc.insert(k.clone(), merged);
            }
        }
    }
    doc
}

/// `pruneNulls`: drops null object members, recursively (lists keep null
/// items but have their objects pruned).
fn pruned(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), pruned(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(pruned).collect()),
        other => other.clone(),
    }
}

/// The merge patch that turns `original` into `modified`: removed keys are
/// `null`, changed objects recurse, anything else is `modified`'s value.
/// Applying it to `original` gives `modified` as long as `modified` holds
/// no nulls (a merge patch cannot set a null).
pub fn create_merge_patch(original: &Value, modified: &Value) -> Value {
    match (original, modified) {
        (Value::Object(o), Value::Object(m)) => {
            let mut patch = Map::new();
            for k in o.keys() {
                if !m.contains_key(k) {
                    patch.insert(k.clone(), Value::Null);
                }
            }
            for (k, mv) in m {
                match o.get(k) {
                    Some(ov) if ov == mv => {}
                    Some(ov @ Value::Object(_)) if mv.is_object() => {
                        patch.insert(k.clone(), create_merge_patch(ov, mv));
                    }
                    _ => {
                        patch.insert(k.clone(), mv.clone());
                    }
                }
            }
            Value::Object(patch)
        }
        (_, m) => m.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn rfc7386_examples() {
        // RFC 7386 appendix A, plus the Go library's pruning inside lists.
        type Case = (&'static str, Value, Value, Value);
        let cases: Vec<Case> = vec![
            (
                "replace",
                json!({"a": "b"}),
                json!({"a": "c"}),
                json!({"a": "c"}),
            ),
            (
                "add",
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            ("delete", json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                "delete one",
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (
                "list replaces",
                json!({"a": ["b"]}),
                json!({"a": "c"}),
                json!({"a": "c"}),
            ),
            (
                "scalar becomes list",
                json!({"a": "c"}),
                json!({"a": ["b"]}),
                json!({"a": ["b"]}),
            ),
            (
                "nested",
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                "list of objects replaces",
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (
                "nulls pruned in new value",
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
            (
                "nulls pruned in lists",
                json!({}),
                json!({"a": [{"b": null, "c": 1}, null]}),
                json!({"a": [{"c": 1}, null]}),
            ),
            (
                "non-object patch replaces",
                json!({"a": "foo"}),
                json!(["c"]),
                json!(["c"]),
            ),
            (
                "label removal",
                json!({"metadata": {"labels": {"tier": "x", "app": "web"}}}),
                json!({"metadata": {"labels": {"tier": null}}}),
                json!({"metadata": {"labels": {"app": "web"}}}),
            ),
        ];
        for (name, doc, patch, want) in cases {
            assert_eq!(merge_patch(&doc, &patch), want, "case {name}");
        }
    }

    #[test]
    fn created_patches_are_minimal() {
        let a = json!({"spec": {"replicas": 2, "paused": false}, "keep": 1, "gone": 2});
        let b = json!({"spec": {"replicas": 4, "paused": false}, "keep": 1});
        assert_eq!(
            create_merge_patch(&a, &b),
            json!({"gone": null, "spec": {"replicas": 4}})
        );
    }

    /// JSON without nulls (a merge patch cannot express a null value).
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            (-5i64..5).prop_map(|n| json!(n)),
            "[a-c]{0,2}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map("[a-d]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn applying_the_created_patch_gives_the_target(a in json_value(), b in json_value()) {
            let patch = create_merge_patch(&a, &b);
            prop_assert_eq!(merge_patch(&a, &patch), b);
        }

        #[test]
        fn a_merge_patch_is_idempotent(a in json_value(), p in json_value()) {
            let once = merge_patch(&a, &p);
            prop_assert_eq!(merge_patch(&once, &p), once.clone());
        }
    }
}
