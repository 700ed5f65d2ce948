//! Strategic merge patch (`application/strategic-merge-patch+json`) as the
//! API server applies it to built-in kinds (apimachinery's
//! `strategicpatch.StrategicMergeMapPatch` with `MergeParallelList` and
//! `IgnoreUnmatchedNulls`).
//!
//! Lists merge as [`crate::sim::schema_keys`] says: by merge key (items
//! merged field by field, new items appended), as a set of scalars, or
//! replaced. Directives: `$patch: replace|delete` on a map or list item,
//! `$retainKeys`, `$setElementOrder/<list>` (the final order, which is how
//! kubectl's `$setElementOrder/containers` patch keeps a container's `ports`),
//! `$deleteFromPrimitiveList/<list>`, and `null` to delete a key. Like
//! Kubernetes, `$patch: merge` is an error ("merging lists cannot yet be
//! specified in the patch").
//!
//! Values added whole lose their nulls and directives, which is what the
//! API server's typed decoding does to them. Errors carry the Go library's
//! text and the status the API server answers with.

use super::order::{normalize, partition};
use super::{go_fmt, PatchError};
use crate::sim::schema_keys::{FieldSchema, Schema, Strategy};
use serde_json::{Map, Value};

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER: &str = "$setElementOrder";
const DELETE_FROM: &str = "$deleteFromPrimitiveList";

/// Applies a strategic merge `patch` to `original` (both JSON objects).
pub fn strategic_merge(
    original: &Value,
    patch: &Value,
    schema: Schema,
) -> Result<Value, PatchError> {
    let (Value::Object(o), Value::Object(p)) = (original, patch) else {
        return Err(PatchError::BadRequest("invalid JSON document".into()));
    };
    merge_map(o.clone(), p.clone(), schema).map(Value::Object)
}

fn internal(msg: String) -> PatchError {
    PatchError::Internal(msg)
}

fn no_merge_key(item: &Value, key: &str) -> PatchError {
    internal(format!(
        "map: {} does not contain declared merge key: {key}",
        go_fmt(item)
    ))
}

/// Go's `reflect.Kind` name of a decoded JSON value.
fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

fn bad_arg(expected: &str, actual: &Value) -> PatchError {
    internal(format!(
        "expected a {expected}, but received a {}",
        go_kind(actual)
    ))
}

fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Schema,
) -> Result<Map<String, Value>, PatchError> {
    if let Some(d) = patch.get(DIRECTIVE) {
        return match d.as_str() {
            Some("replace") => {
                patch.shift_remove(DIRECTIVE);
                Ok(clean_map(&patch))
            }
            Some("delete") => Ok(Map::new()),
            _ => Err(internal(format!(
                "unknown patch type: {} in map: {}",
                go_fmt(d),
                go_fmt(&Value::Object(patch.clone()))
            ))),
        };
    }
    retain_keys(&mut original, &mut patch)?;
    set_element_orders(&mut original, &mut patch, schema)?;
    for (k, v) in patch {
        let (k, deleting) = match k.strip_prefix(DELETE_FROM) {
            Some(rest) => match rest.strip_prefix('/') {
                Some(list) => (list.to_string(), true),
                None => {
                    return Err(PatchError::BadRequest(
                        "invalid patch format of primitive list".into(),
                    ))
                }
            },
            // Other `$` keys are no fields of a built-in kind; typed
            // decoding would drop them.
            None if k.starts_with('$') => continue,
            None => (k, false),
        };
        if v.is_null() {
            original.shift_remove(&k);
            continue;
        }
        let Some(cur) = original.get_mut(&k) else {
            if !deleting {
                if let Some(clean) = clean(&v) {
                    original.insert(k, clean);
                }
            }
            continue;
        };
        if go_kind(cur) != go_kind(&v) {
            if !deleting {
                match clean(&v) {
                    Some(clean) => *cur = clean,
                    None => {
                        original.shift_remove(&k);
                    }
                }
            }
            continue;
        }
        let field = schema.field(&k);
        match (cur, v) {
            (Value::Object(c), Value::Object(p)) => {
                let merged = merge_map(std::mem::take(c), p, field.child)?;
                *c = merged;
            }
            (Value::Array(c), Value::Array(p)) => {
                let merged = merge_list(std::mem::take(c), p, &field, deleting)?;
                *c = merged;
            }
            (cur, v) => *cur = v,
        }
    }
    Ok(original)
}

/// `$retainKeys`: keys of `original` not listed are cleared; every key the
/// patch sets must be listed.
fn retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<(), PatchError> {
    let Some(retain) = patch.shift_remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let bad = || PatchError::BadRequest("invalid patch format of retainKeys".into());
    let Value::Array(retain) = retain else {
        return Err(bad());
    };
    let listed = |k: &str| retain.iter().any(|r| r.as_str() == Some(k));
    for (k, v) in patch.iter() {
        let directive = k.starts_with(DELETE_FROM) || k.starts_with(SET_ORDER);
        if !v.is_null() && !directive && !listed(k) {
            return Err(bad());
        }
    }
    original.retain(|k, _| listed(k));
    Ok(())
}

/// `$setElementOrder/<list>`: merges the list now and orders the result:
/// items named in the directive in its order, live-only items interleaved
/// where they were.
fn set_element_orders(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Schema,
) -> Result<(), PatchError> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ORDER))
        .cloned()
        .collect();
    for key in keys {
        let order = patch.shift_remove(&key).unwrap_or(Value::Null);
        let Value::Array(order) = order else {
            return Err(bad_arg("slice", &order));
        };
        let Some(list_key) = key
            .strip_prefix(SET_ORDER)
            .and_then(|k| k.strip_prefix('/'))
        else {
            return Err(PatchError::BadRequest(
                "invalid patch format of setElementOrder list".into(),
            ));
        };
        let field = schema.field(list_key);
        let merge_key = match field.list.smp {
            Strategy::Merge { key } => key,
            Strategy::Replace => None,
        };
        let live = match original.get(list_key) {
            Some(Value::Array(a)) => Some(a.clone()),
            Some(other) => return Err(bad_arg("slice", other)),
            None => None,
        };
        let patched = match patch.get(list_key) {
            Some(Value::Array(a)) => Some(a.clone()),
            Some(other) => return Err(bad_arg("slice", other)),
            None => None,
        };
        validate_order(patched.as_deref().unwrap_or_default(), &order, merge_key)?;
        let merged = match (&live, &patched) {
            (Some(l), None) => l.clone(),
            (None, Some(p)) => clean_list(p),
            (Some(l), Some(p)) => merge_list(l.clone(), p.clone(), &field, false)?,
            (None, None) => continue,
        };
        let live = live.unwrap_or_default();
        let kind = element_kind(&live, patched.as_deref().unwrap_or_default())?;
        let merge_key = merge_key.filter(|_| kind == "map");
        let (named, live_only) = partition(merged, &order, merge_key)?;
        let both = normalize(named, live_only, &order, &live, merge_key)?;
        original.insert(list_key.to_string(), Value::Array(both));
        patch.shift_remove(list_key);
    }
    Ok(())
}

/// The patch list's items (deletions aside) must appear in the directive,
/// in the same relative order.
fn validate_order(patch: &[Value], order: &[Value], key: Option<&str>) -> Result<(), PatchError> {
    if patch.is_empty() || order.is_empty() {
        return Ok(());
    }
    let kept: Vec<&Value> = patch.iter().filter(|v| !is_delete(v)).collect();
    let (mut pi, mut oi) = (0, 0);
    while pi < kept.len() && oi < order.len() {
        if kept[pi].get(DIRECTIVE).is_some() {
            pi += 1;
            continue;
        }
        let equal = match key {
            None => kept[pi] == &order[oi],
            Some(k) => {
                let a = kept[pi].get(k).ok_or_else(|| no_merge_key(kept[pi], k))?;
                let b = order[oi]
                    .get(k)
                    .ok_or_else(|| no_merge_key(&order[oi], k))?;
                a == b
            }
        };
        if equal {
            pi += 1;
        }
        oi += 1;
    }
    if pi < kept.len() {
        return Err(internal(format!(
            "The order in patch list:\n{}\n doesn't match $setElementOrder list:\n{}\n",
            go_fmt(&Value::Array(patch.to_vec())),
            go_fmt(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn is_delete(v: &Value) -> bool {
    v.get(DIRECTIVE).and_then(Value::as_str) == Some("delete")
}

/// The kind shared by every item of both lists: a list whose first item is
/// a list is refused (422), mixed lists are errors.
fn element_kind(a: &[Value], b: &[Value]) -> Result<&'static str, PatchError> {
    let mut kind = None;
    for v in a.iter().chain(b) {
        let k = go_kind(v);
        match kind {
            None if k == "slice" => {
                return Err(PatchError::Unprocessable(
                    "lists of lists are not supported".into(),
                ))
            }
            None => kind = Some(k),
            Some(prev) if prev != k => {
                return Err(internal(format!(
                    "list element types are not identical: [{} {}]",
                    go_fmt(&Value::Array(a.to_vec())),
                    go_fmt(&Value::Array(b.to_vec()))
                )))
            }
            Some(_) => {}
        }
    }
    kind.ok_or_else(|| internal("no elements in any of the given slices".into()))
}

/// Merges a patch list into a live list per the field's strategy.
fn merge_list(
    original: Vec<Value>,
    patch: Vec<Value>,
    field: &FieldSchema,
    deleting: bool,
) -> Result<Vec<Value>, PatchError> {
    let Strategy::Merge { key } = field.list.smp else {
        return Ok(clean_list(&patch));
    };
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = element_kind(&original, &patch)?;
    let (original, patch, merged) = if kind != "map" {
        if deleting {
            return Ok(original
                .into_iter()
                .filter(|v| !patch.contains(v))
                .collect());
        }
        let mut merged: Vec<Value> = Vec::new();
        for v in original.iter().chain(&patch) {
            if !merged.contains(v) {
                merged.push(v.clone());
            }
        }
        (original, patch, merged)
    } else {
        let Some(key) = key else {
            return Err(internal(
                "cannot merge lists without merge key for type map".into(),
            ));
        };
        let (original, patch) = special_elements(original, patch, key)?;
        let merged = merge_items(original.clone(), &patch, key, field.child)?;
        (original, patch, merged)
    };
    let key = if kind == "map" { key } else { None };
    let (from_patch, live_only) = partition(merged, &patch, key)?;
    normalize(from_patch, live_only, &patch, &original, key)
}

/// Handles `$patch` items: `delete` removes the live items with that key,
/// `replace` makes the rest of the patch list the whole list.
fn special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    key: &str,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut plain = Vec::new();
    let mut replace = false;
    for v in patch {
        match v.get(DIRECTIVE) {
            None => plain.push(v),
            Some(d) => match d.as_str() {
                Some("delete") => {
                    let k = v.get(key).ok_or_else(|| no_merge_key(&v, key))?;
                    original.retain(|o| o.get(key) != Some(k));
                }
                Some("replace") => replace = true,
                Some("merge") => {
                    return Err(internal(
                        "merging lists cannot yet be specified in the patch".into(),
                    ))
                }
                _ => {
                    return Err(internal(format!(
                        "unknown patch type: {} in map: {}",
                        go_fmt(d),
                        go_fmt(&v)
                    )))
                }
            },
        }
    }
    Ok(if replace {
        (plain, Vec::new())
    } else {
        (original, plain)
    })
}

/// Merges each patch item into the live item with the same key, or
/// appends it.
fn merge_items(
    mut original: Vec<Value>,
    patch: &[Value],
    key: &str,
    item: Schema,
) -> Result<Vec<Value>, PatchError> {
    for v in patch {
        let k = v.get(key).ok_or_else(|| no_merge_key(v, key))?;
        if let Some(i) = original.iter().position(|o| o.get(key) == Some(k)) {
            if let (Value::Object(o), Value::Object(p)) = (&mut original[i], v) {
                let merged = merge_map(std::mem::take(o), p.clone(), item)?;
                *o = merged;
            }
        } else if let Some(clean) = clean(v) {
            original.push(clean);
        }
    }
    Ok(original)
}

/// A value added whole: nulls dropped from maps, directives removed; `None`
/// when the value is itself a directive (`{"$patch": "delete"}`).
fn clean(v: &Value) -> Option<Value> {
    match v {
        Value::Object(m) if m.contains_key(DIRECTIVE) => None,
        Value::Object(m) => Some(Value::Object(clean_map(m))),
        Value::Array(a) => Some(Value::Array(clean_list(a))),
        other => Some(other.clone()),
    }
}

fn clean_map(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter()
        .filter(|(k, v)| !v.is_null() && !k.starts_with('$'))
        .filter_map(|(k, v)| clean(v).map(|v| (k.clone(), v)))
        .collect()
}

fn clean_list(a: &[Value]) -> Vec<Value> {
    a.iter().filter_map(clean).collect()
}
