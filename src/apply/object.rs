//! A live object (a JSON value as the API server returns it, or its
//! confirmed absence) and the metadata flotilla decides on: labels,
//! annotations, owner references, the opt-out annotations and the content
//! hash. Pure.

use crate::render::ownership::{HASH, MANAGED_BY};
use serde_json::Value;

/// `flotilla.io/ignore: "true"`: flotilla never modifies or deletes the
/// object.
pub const IGNORE: &str = "flotilla.io/ignore";
/// `flotilla.io/prune: disabled` keeps an object from being pruned;
/// `flotilla.io/prune: confirm` allows pruning a Namespace, CRD, PV or PVC.
pub const PRUNE: &str = "flotilla.io/prune";

/// What reading one object found. An observation that failed is an error
/// for the caller to handle, never `Absent`: absence is what lets an object
/// be created, and what drops it from the inventory.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    Present(Value),
    Absent,
}

impl Live {
    pub fn present(&self) -> Option<&Value> {
        match self {
            Live::Present(v) => Some(v),
            Live::Absent => None,
        }
    }
}

/// A label of `obj`.
pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
}

/// An annotation of `obj`.
pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// Whether `obj` carries `flotilla.io/managed-by=<instance>`.
pub fn is_managed_by(obj: &Value, instance: &str) -> bool {
    label(obj, MANAGED_BY) == Some(instance)
}

/// Whether `obj` is annotated `flotilla.io/ignore: "true"`.
pub fn is_ignored(obj: &Value) -> bool {
    annotation(obj, IGNORE) == Some("true")
}

/// The `flotilla.io/hash` annotation of `obj`.
pub fn hash(obj: &Value) -> Option<&str> {
    annotation(obj, HASH)
}

/// The first ownerReference with `controller: true`, as `Kind/name`.
pub fn controller_owner(obj: &Value) -> Option<String> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .map(|r| {
            let field = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("?");
            format!("{}/{}", field("kind"), field("name"))
        })
}

/// A string field of `metadata` (`uid`, `resourceVersion`, …).
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_marks_and_owners() {
        let obj = json!({"metadata": {
            "labels": {MANAGED_BY: "flotilla"},
            "annotations": {IGNORE: "true", HASH: "sha256:ab"},
            "ownerReferences": [
                {"kind": "ReplicaSet", "name": "a", "controller": false},
                {"kind": "Deployment", "name": "web", "controller": true}
            ],
            "uid": "u1"
        }});
        assert!(is_managed_by(&obj, "flotilla"));
        assert!(!is_managed_by(&obj, "other"));
        assert!(is_ignored(&obj));
        assert_eq!(hash(&obj), Some("sha256:ab"));
        assert_eq!(controller_owner(&obj).as_deref(), Some("Deployment/web"));
        assert_eq!(meta_str(&obj, "uid"), Some("u1"));
        let bare = json!({"metadata": {"annotations": {IGNORE: "yes"}}});
        assert!(!is_ignored(&bare) && controller_owner(&bare).is_none());
    }
}
