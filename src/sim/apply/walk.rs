//! The schema-aware walks server-side apply is made of, after
//! structured-merge-diff's `typed` package: the field set a configuration
//! sets ([`fields_of`]), the difference between two objects ([`compare`]),
//! the merge of a configuration into an object ([`merge`]), and the removal
//! of fields nobody owns any more ([`prune`]).
//!
//! Each walk decides a value's shape the same way: atomic structs, atomic
//! lists and scalars are leaves; objects are maps walked key by key; lists
//! with a `map` or `set` list type are walked item by item, an item named by
//! its [`PathElement`]. A map or list empty (or absent) on both sides is a
//! leaf too, which keeps `{}` and `null` apart.

use super::fieldset::{path_string, FieldSet, Path, PathElement};
use crate::sim::schema_keys::{FieldSchema, ListType, Schema};
use serde_json::{Map, Value};

/// What a walk does at a value.
enum Shape {
    Leaf,
    Map(Schema),
    List(ListType, Schema),
}

fn shape(field: &FieldSchema, l: Option<&Value>, r: Option<&Value>) -> Shape {
    if field.atomic {
        return Shape::Leaf;
    }
    let objects = l.is_none_or(Value::is_object) && r.is_none_or(Value::is_object);
    let arrays = l.is_none_or(Value::is_array) && r.is_none_or(Value::is_array);
    match (objects, arrays, field.list.ssa) {
        (true, _, _) => Shape::Map(field.child),
        (_, true, ListType::Atomic) => Shape::Leaf,
        (_, true, t) => Shape::List(t, field.child),
        _ => Shape::Leaf,
    }
}

fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

/// The schema of a field holding `schema`'s struct (the object root, or a
/// list item).
pub(super) fn holding(schema: Schema) -> FieldSchema {
    let mut f = Schema::unknown().field("");
    f.child = schema;
    f
}

/// The path element of a list item.
pub(super) fn item_pe(t: ListType, item: &Value) -> Result<PathElement, String> {
    match t {
        ListType::Map(keys) => {
            let Value::Object(m) = item else {
                return Err(format!("expected map, got {item}"));
            };
            let mut kv = Vec::with_capacity(keys.len());
            for k in keys {
                let v = match (m.get(k.name), k.default) {
                    (Some(v), _) if !v.is_null() => v.clone(),
                    (_, Some(d)) => Value::String(d.to_string()),
                    _ => {
                        return Err(format!(
                            "associative list with keys has an element that omits key field {:?} (and doesn't have default value)",
                            k.name
                        ))
                    }
                };
                kv.push((k.name.to_string(), v));
            }
            kv.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(PathElement::Key(kv))
        }
        ListType::Set => Ok(PathElement::Value(item.clone())),
        ListType::Atomic => Err("atomic lists have no item paths".into()),
    }
}

/// The path elements of a list's items; an item without one (a live item
/// missing its key) gets its index, so walks keep it as it is.
fn item_pes(t: ListType, items: &[Value]) -> Vec<PathElement> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| item_pe(t, v).unwrap_or(PathElement::Index(i)))
        .collect()
}

/// The fields an applied configuration sets (`ToFieldSet`), or the
/// structured-merge-diff errors that make it invalid (an item without its
/// key, duplicate keys).
pub(super) fn fields_of(v: &Value, field: &FieldSchema) -> Result<FieldSet, Vec<String>> {
    let mut out = FieldSet::new();
    let mut errors = Vec::new();
    to_set(v, field, &mut Vec::new(), &mut out, &mut errors);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn to_set(
    v: &Value,
    field: &FieldSchema,
    path: &mut Path,
    out: &mut FieldSet,
    errors: &mut Vec<String>,
) {
    match (shape(field, Some(v), None), v) {
        (Shape::Map(schema), Value::Object(m)) => {
            for (k, x) in m {
                path.push(PathElement::Field(k.clone()));
                to_set(x, &schema.field(k), path, out, errors);
                if empty(Some(x)) && !x.is_array() {
                    out.insert(path);
                }
                path.pop();
            }
        }
        (Shape::List(t, item), Value::Array(a)) => {
            let mut seen = Vec::new();
            for (i, x) in a.iter().enumerate() {
                let pe = match item_pe(t, x) {
                    Ok(pe) => pe,
                    Err(e) => {
                        errors.push(format!("{}: element {i}: {e}", path_string(path)));
                        continue;
                    }
                };
                if seen.contains(&pe) {
                    errors.push(format!(
                        "{}: duplicate entries for key {pe}",
                        path_string(path)
                    ));
                    continue;
                }
                seen.push(pe.clone());
                path.push(pe);
                to_set(x, &holding(item), path, out, errors);
                out.insert(path);
                path.pop();
            }
        }
        _ => out.insert(path),
    }
}

/// What changed from one object to another.
#[derive(Debug, Default)]
pub(super) struct Comparison {
    pub added: FieldSet,
    pub modified: FieldSet,
    pub removed: FieldSet,
}

impl Comparison {
    /// Leaves out `ignored` and everything below it.
    pub fn excluding(self, ignored: &FieldSet) -> Comparison {
        Comparison {
            added: self.added.recursive_difference(ignored),
            modified: self.modified.recursive_difference(ignored),
            removed: self.removed.recursive_difference(ignored),
        }
    }
}

/// Compares `l` with `r`. A field the schema marks `always` (a Go value
/// struct) that is absent on a side where its parent exists counts as
/// empty there, as it is in Kubernetes' typed objects.
pub(super) fn compare(l: Option<&Value>, r: Option<&Value>, field: &FieldSchema) -> Comparison {
    let mut out = Comparison::default();
    cmp(l, r, field, &mut Vec::new(), &mut out);
    out
}

fn cmp<'a>(
    l: Option<&'a Value>,
    r: Option<&'a Value>,
    field: &FieldSchema,
    path: &mut Path,
    out: &mut Comparison,
) {
    match (l, r) {
        (None, None) => return,
        // Nothing differs below two equal values: most of an object a
        // write does not touch ends here, without a walk.
        (Some(a), Some(b)) if a == b => return,
        _ => {}
    }
    let descend = match shape(field, l, r) {
        Shape::Leaf => None,
        _ if empty(l) && empty(r) => None,
        s => Some(s),
    };
    let Some(s) = descend else {
        match (l, r) {
            (None, _) => out.added.insert(path),
            (_, None) => out.removed.insert(path),
            (Some(a), Some(b)) if a != b => out.modified.insert(path),
            _ => {}
        }
        return;
    };
    match s {
        Shape::Map(schema) => {
            let (lm, rm) = (l.and_then(Value::as_object), r.and_then(Value::as_object));
            let keys = lm.into_iter().chain(rm).flat_map(|m| m.keys());
            let mut seen = Vec::new();
            for k in keys {
                if seen.contains(&k) {
                    continue;
                }
                seen.push(k);
                let f = schema.field(k);
                let (a, b) = (lm.and_then(|m| m.get(k)), rm.and_then(|m| m.get(k)));
                let (a, b) = (
                    always(a, lm.is_some(), b, &f),
                    always(b, rm.is_some(), a, &f),
                );
                path.push(PathElement::Field(k.clone()));
                cmp(a.as_ref(), b.as_ref(), &f, path, out);
                path.pop();
            }
        }
        Shape::List(t, item) => {
            let la = l
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let ra = r
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let (lp, rp) = (item_pes(t, la), item_pes(t, ra));
            let find = |pes: &[PathElement], items: &'a [Value], pe: &PathElement| {
                pes.iter().position(|p| p == pe).and_then(|i| items.get(i))
            };
            let mut seen = Vec::new();
            for pe in rp.iter().chain(&lp) {
                if seen.contains(&pe) {
                    continue;
                }
                seen.push(pe);
                let (a, b) = (find(&lp, la, pe), find(&rp, ra, pe));
                path.push(pe.clone());
                cmp(a, b, &holding(item), path, out);
                path.pop();
            }
        }
        Shape::Leaf => {}
    }
    match (l, r) {
        (None, _) => out.added.insert(path),
        (_, None) => out.removed.insert(path),
        _ => {}
    }
}

/// `v`, or an empty value shaped like `other` when the field is a value
/// struct whose parent exists on this side.
fn always(
    v: Option<&Value>,
    parent: bool,
    other: Option<&Value>,
    f: &FieldSchema,
) -> Option<Value> {
    match (v, other) {
        (Some(v), _) => Some(v.clone()),
        (None, Some(o)) if f.always && parent => Some(match o {
            Value::Array(_) => Value::Array(Vec::new()),
            _ => Value::Object(Map::new()),
        }),
        _ => None,
    }
}

/// Merges configuration `r` into object `l`: `r` wins at leaves, maps merge
/// key by key, associative lists item by item in `r`'s order (live-only
/// items stay where they were). A `null` in `r` removes the field.
pub(super) fn merge(l: Option<&Value>, r: Option<&Value>, field: &FieldSchema) -> Option<Value> {
    let (Some(lv), Some(rv)) = (l, r) else {
        return r.or(l).cloned();
    };
    match shape(field, l, r) {
        _ if empty(l) && empty(r) => Some(rv.clone()),
        Shape::Map(schema) => {
            let mut out = lv.as_object().cloned().unwrap_or_default();
            for (k, x) in rv.as_object().into_iter().flatten() {
                match merge(out.get(k), Some(x), &schema.field(k)) {
                    Some(Value::Null) | None => {
                        out.shift_remove(k);
                    }
                    Some(v) => match out.get_mut(k) {
                        Some(slot) => *slot = v,
                        None => {
                            out.insert(k.clone(), v);
                        }
                    },
                }
            }
            Some(Value::Object(out))
        }
        Shape::List(t, item) => {
            let la = lv.as_array().map(Vec::as_slice).unwrap_or_default();
            let ra = rv.as_array().map(Vec::as_slice).unwrap_or_default();
            Some(Value::Array(merge_items(la, ra, t, &holding(item))))
        }
        Shape::Leaf => Some(rv.clone()),
    }
}

/// structured-merge-diff's list merge: items of both lists end up in `r`'s
/// order, items only in `l` keep their place relative to them.
fn merge_items(la: &[Value], ra: &[Value], t: ListType, item: &FieldSchema) -> Vec<Value> {
    let (lp, rp) = (item_pes(t, la), item_pes(t, ra));
    let in_r = |pe: &PathElement| rp.iter().position(|p| p == pe);
    let in_l = |pe: &PathElement| lp.iter().position(|p| p == pe);
    let mut shared = rp.iter().filter(|pe| in_l(pe).is_some());
    let mut next_shared = shared.next();
    let mut merged: Vec<&PathElement> = Vec::new();
    let mut out = Vec::with_capacity(la.len().max(ra.len()));
    let (mut li, mut ri) = (0, 0);
    let mut push = |v: Option<Value>| out.extend(v);
    while li < lp.len() || ri < rp.len() {
        if li < lp.len() && ri < rp.len() {
            if lp[li] == rp[ri] {
                merged.push(&lp[li]);
                push(merge(Some(&la[li]), Some(&ra[ri]), item));
                li += 1;
                ri += 1;
                next_shared = shared.next();
                continue;
            }
            if in_r(&lp[li]).is_some() && next_shared.is_some_and(|n| *n != lp[li]) {
                // A shared item, but not the one due now: it comes later.
                li += 1;
                continue;
            }
        }
        if li < lp.len() {
            if in_r(&lp[li]).is_none() {
                push(Some(la[li].clone()));
                li += 1;
                continue;
            }
            if merged.contains(&&lp[li]) {
                li += 1;
                continue;
            }
        }
        if ri < rp.len() {
            let pe = &rp[ri];
            merged.push(pe);
            push(merge(in_l(pe).map(|i| &la[i]), Some(&ra[ri]), item));
            ri += 1;
            if next_shared.is_some_and(|n| n == pe) {
                next_shared = shared.next();
            }
        }
    }
    out
}

/// Removes from `v` the paths in `remove` that have no path of `owned` at
/// or below them; a map or list emptied on the way goes too (unless the
/// schema says it is always present).
pub(super) fn prune(v: &mut Value, remove: &FieldSet, owned: &FieldSet, field: &FieldSchema) {
    let gone = |pe: &PathElement| {
        remove.has_member(pe)
            && owned.child(pe).is_none_or(FieldSet::is_empty)
            && !owned.has_member(pe)
    };
    let nobody = FieldSet::new();
    match (shape(field, Some(v), None), v) {
        (Shape::Map(schema), Value::Object(m)) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                let pe = PathElement::Field(k.clone());
                let f = schema.field(&k);
                if gone(&pe) {
                    m.shift_remove(&k);
                } else if let (Some(sub), Some(x)) = (remove.child(&pe), m.get_mut(&k)) {
                    prune(x, sub, owned.child(&pe).unwrap_or(&nobody), &f);
                    if empty(Some(x)) && !f.always {
                        m.shift_remove(&k);
                    }
                }
            }
        }
        (Shape::List(t, item), Value::Array(a)) => {
            let pes = item_pes(t, a);
            let mut kept = Vec::with_capacity(a.len());
            for (mut x, pe) in std::mem::take(a).into_iter().zip(pes) {
                if gone(&pe) {
                    continue;
                }
                if let Some(sub) = remove.child(&pe) {
                    prune(
                        &mut x,
                        sub,
                        owned.child(&pe).unwrap_or(&nobody),
                        &holding(item),
                    );
                }
                kept.push(x);
            }
            *a = kept;
        }
        _ => {}
    }
}
