//! Reading and building the JSON objects controllers see: metadata accessors,
//! owner references, label selectors, times, stable hashes and
//! `int-or-percent` fields.
//!
//! Objects come from users, so every accessor tolerates a missing or
//! mistyped field (it yields a default) and nothing here panics on content.
//! Hashes are computed over a canonical form (object keys sorted), so that
//! the same template always yields the same name whatever its key order.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) use super::cond::{conditions, find_condition, merge_condition, merge_conditions, Cond};
use super::ptr::at;

/// The string at JSON pointer `ptr`.
pub(crate) fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    at(v, ptr).and_then(Value::as_str)
}

/// The integer at `ptr` (a float with no fraction counts).
pub(crate) fn i64_at(v: &Value, ptr: &str) -> Option<i64> {
    let x = at(v, ptr)?;
    x.as_i64()
        .or_else(|| x.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

pub(crate) fn bool_at(v: &Value, ptr: &str) -> bool {
    at(v, ptr).and_then(Value::as_bool).unwrap_or(false)
}

pub(crate) fn name(v: &Value) -> &str {
    str_at(v, "/metadata/name").unwrap_or_default()
}

/// The namespace, `""` for cluster-scoped objects.
pub(crate) fn ns(v: &Value) -> &str {
    str_at(v, "/metadata/namespace").unwrap_or_default()
}

pub(crate) fn uid(v: &Value) -> &str {
    str_at(v, "/metadata/uid").unwrap_or_default()
}

pub(crate) fn generation(v: &Value) -> i64 {
    i64_at(v, "/metadata/generation").unwrap_or(0)
}

pub(crate) fn labels(v: &Value) -> BTreeMap<String, String> {
    string_map(at(v, "/metadata/labels"))
}

/// A JSON object of strings as a map (non-string values are skipped).
pub(crate) fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn annotation<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    at(v, "/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
}

/// Whether the object is being deleted (it has a deletionTimestamp).
pub(crate) fn is_deleting(v: &Value) -> bool {
    at(v, "/metadata/deletionTimestamp").is_some_and(|t| !t.is_null())
}

/// The ownerReferences of an object.
pub(crate) fn owner_refs(v: &Value) -> &[Value] {
    at(v, "/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The uid of the object's controller (the ownerReference with
/// `controller: true`).
pub(crate) fn controller_uid(v: &Value) -> Option<&str> {
    owner_refs(v)
        .iter()
        .find(|r| bool_at(r, "/controller"))
        .and_then(|r| str_at(r, "/uid"))
}

/// Sets `value` at `path` (object keys), turning whatever is in the way
/// into an object: user content may be malformed, and a write must never
/// panic (as `value["a"]["b"] = ..` does on a string).
pub(crate) fn set(v: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        *v = value;
        return;
    };
    let mut cur = v;
    for key in parents {
        cur = object(cur).entry(key.to_string()).or_insert(Value::Null);
    }
    object(cur).insert(last.to_string(), value);
}

fn object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

/// A controller ownerReference to `owner`, whose apiVersion and kind are
/// taken from the object, falling back to the given ones.
pub(crate) fn owner_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!({
        "apiVersion": str_at(owner, "/apiVersion").unwrap_or(api_version),
        "kind": str_at(owner, "/kind").unwrap_or(kind),
        "name": name(owner),
        "uid": uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Objects grouped by the uid of their controller; objects being deleted
/// are left out.
pub(crate) fn by_controller<'a>(objs: &[&'a Value]) -> BTreeMap<&'a str, Vec<&'a Value>> {
    let mut map: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for o in objs.iter().filter(|o| !is_deleting(o)) {
        if let Some(u) = controller_uid(o) {
            map.entry(u).or_default().push(o);
        }
    }
    map
}

/// The names taken in each namespace, to pick new names that do not
/// collide; the set is built on first use, since most rounds create nothing.
pub(crate) struct Names<'a> {
    objs: &'a [&'a Value],
    set: Option<BTreeSet<(String, String)>>,
}

impl<'a> Names<'a> {
    pub(crate) fn new(objs: &'a [&'a Value]) -> Self {
        Names { objs, set: None }
    }

    fn set(&mut self) -> &mut BTreeSet<(String, String)> {
        let objs = self.objs;
        self.set.get_or_insert_with(|| {
            objs.iter()
                .map(|o| (ns(o).to_string(), name(o).to_string()))
                .collect()
        })
    }

    pub(crate) fn contains(&mut self, namespace: &str, name: &str) -> bool {
        self.set()
            .contains(&(namespace.to_string(), name.to_string()))
    }

    /// Records a name; false if it was taken.
    pub(crate) fn insert(&mut self, namespace: &str, name: &str) -> bool {
        self.set().insert((namespace.to_string(), name.to_string()))
    }
}

/// A label selector in the string form `kubectl` and `/scale` use:
/// `app=web,tier in (a,b),!gone`.
pub(crate) fn selector_string(sel: Option<&Value>) -> String {
    let mut parts: Vec<String> = string_map(sel.and_then(|s| s.get("matchLabels")))
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let exprs = sel
        .and_then(|s| s.get("matchExpressions"))
        .and_then(Value::as_array);
    for e in exprs.into_iter().flatten() {
        let key = str_at(e, "/key").unwrap_or_default();
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        parts.push(match str_at(e, "/operator").unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "DoesNotExist" => format!("!{key}"),
            _ => key.to_string(),
        });
    }
    parts.join(",")
}

/// A time as Kubernetes writes it: RFC 3339, whole seconds, `Z`.
pub(crate) fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn time_at(v: &Value, ptr: &str) -> Option<DateTime<Utc>> {
    str_at(v, ptr)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// FNV-1a (32 bits) of the canonical JSON of `v`, as Kubernetes hashes pod
/// templates (`ComputeHash` uses fnv32a too).
pub(crate) fn stable_hash(v: &Value) -> u32 {
    let mut text = String::new();
    canonical(v, &mut text);
    fnv32a(text.as_bytes())
}

pub(crate) fn fnv32a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let sorted: BTreeMap<&String, &Value> = m.iter().collect();
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The alphabet of Kubernetes' `SafeEncodeString` (no vowels, no 0/1/3).
const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A hash written as Kubernetes writes a pod-template-hash: the decimal
/// digits mapped onto the safe alphabet (`5d4f8c9b7`-like).
pub(crate) fn safe_encode(h: u32) -> String {
    h.to_string()
        .bytes()
        .map(|b| char::from(SAFE[usize::from(b) % SAFE.len()]))
        .collect()
}

/// A five-character suffix like the one `generateName` adds, derived from
/// `seed` and `n` instead of randomness.
pub(crate) fn suffix(seed: &str, n: u64) -> String {
    let mut h = fnv32a(format!("{seed}/{n}").as_bytes());
    (0..5)
        .map(|_| {
            let c = SAFE[(h % SAFE.len() as u32) as usize];
            h /= SAFE.len() as u32;
            char::from(c)
        })
        .collect()
}

/// The first `base-<suffix>` name free in `namespace` (suffixes derived
/// from `seed` and a counter); records it as taken. The base is cut to 57
/// characters, as `generateName` cuts it, so the name stays a valid label.
pub(crate) fn fresh_name(base: &str, namespace: &str, seed: &str, taken: &mut Names<'_>) -> String {
    let base: String = base.chars().take(57).collect();
    let base = base.trim_end_matches(['-', '.']);
    let mut n = 0u64;
    loop {
        let candidate = format!("{base}-{}", suffix(seed, n));
        if taken.insert(namespace, &candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// An `int-or-percent` field resolved against `total` (Kubernetes
/// `GetScaledValueFromIntOrPercent`); `default` is used when the field is
/// missing or malformed.
pub(crate) fn int_or_percent(v: Option<&Value>, total: i64, round_up: bool, default: &str) -> i64 {
    let resolve = |v: &Value| -> Option<i64> {
        if let Some(i) = v.as_i64() {
            return Some(i.max(0));
        }
        let p: i64 = v.as_str()?.strip_suffix('%')?.parse().ok()?;
        let scaled = total.checked_mul(p.max(0))?;
        Some(if round_up {
            (scaled + 99) / 100
        } else {
            scaled / 100
        })
    };
    v.and_then(resolve)
        .or_else(|| resolve(&Value::String(default.to_string())))
        .unwrap_or(0)
}

/// An `UpdateStatus` for `obj` if `status` differs from its current status.
pub(crate) fn status_update(
    resource: &super::Resource,
    obj: &Value,
    status: Value,
) -> Option<super::Action> {
    (obj.get("status") != Some(&status)).then(|| super::Action::UpdateStatus {
        resource: resource.clone(),
        namespace: Some(ns(obj).to_string()).filter(|n| !n.is_empty()),
        name: name(obj).to_string(),
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_or_percent_resolves_like_kubernetes() {
        let cases: &[(&str, Value, i64, bool, i64)] = &[
            ("int", json!(3), 10, true, 3),
            ("percent up", json!("25%"), 10, true, 3),
            ("percent down", json!("25%"), 10, false, 2),
            ("default", Value::Null, 4, true, 1),
            ("garbage", json!("x%"), 8, false, 2),
        ];
        for (name, v, total, up, want) in cases {
            let v = (!v.is_null()).then_some(v);
            assert_eq!(int_or_percent(v, *total, *up, "25%"), *want, "{name}");
        }
    }

    #[test]
    fn hash_ignores_key_order_and_names_are_fresh() {
        let a = json!({"b": 1, "a": {"y": [1, 2], "x": "s"}});
        let b = json!({"a": {"x": "s", "y": [1, 2]}, "b": 1});
        assert_eq!(stable_hash(&a), stable_hash(&b));
        assert_ne!(stable_hash(&a), stable_hash(&json!({"b": 2})));
        let mut taken = Names::new(&[]);
        let first = fresh_name("web", "ns", "uid-1", &mut taken);
        let second = fresh_name("web", "ns", "uid-1", &mut taken);
        assert_ne!(first, second);
        assert_eq!(first.len(), "web-".len() + 5);
    }

    #[test]
    fn selectors_print() {
        let sel = json!({"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]},
                                 {"key": "gone", "operator": "DoesNotExist"}]});
        assert_eq!(selector_string(Some(&sel)), "app=web,tier in (a,b),!gone");
    }
}
