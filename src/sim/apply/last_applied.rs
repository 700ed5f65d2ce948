//! The bridge from client-side to server-side apply for manager `kubectl`
//! (the API server's `lastAppliedManager` and `lastAppliedUpdater`): the
//! fields its last client-side apply set may be taken over without a
//! conflict, and the `last-applied-configuration` annotation follows
//! server-side applies so a later client-side apply diffs correctly.

use super::{managed, schema_for, walk, FieldSet};
use crate::gojson::{go_json, sorted_keys};
use serde_json::Value;

/// The annotation client-side apply keeps.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The fields of the live object's last client-side apply that nobody
/// changed since: `kubectl` may take them over without a conflict.
pub(super) fn allowed_by_last_applied(live: &Value) -> FieldSet {
    let Some(Ok(last)) = live
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str)
        .map(serde_json::from_str::<Value>)
    else {
        return FieldSet::new();
    };
    let root = walk::holding(schema_for(&last));
    let Ok(set) = walk::fields_of(&last, &root) else {
        return FieldSet::new();
    };
    let live = managed::stripped(live);
    set.difference(&walk::compare(Some(&last), Some(&live), &root).modified)
}

/// After `kubectl apply --server-side`, an existing last-applied annotation
/// is rewritten to the applied configuration (sorted keys, trailing newline,
/// as `runtime.Encode` writes it), so a later client-side apply diffs
/// against it.
pub(super) fn sync_last_applied(live: Option<&Value>, applied: &Value, out: &mut Value) {
    let has = |v: &Value| {
        v.pointer("/metadata/annotations")
            .and_then(|a| a.get(LAST_APPLIED))
            .is_some()
    };
    if !live.is_some_and(has) {
        return;
    }
    let mut config = applied.clone();
    if let Some(a) = config
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.shift_remove(LAST_APPLIED);
    }
    let text = format!("{}\n", go_json(&sorted_keys(&config)));
    if let Some(a) = out
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.insert(LAST_APPLIED.into(), Value::String(text));
    }
}
