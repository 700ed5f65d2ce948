//! Field paths and `metadata.managedFields`: who holds a field of a live
//! object now. Paths are the ones [`super::drift`] compares (a field name,
//! an item of a keyed list, an index into an atomic list); `fieldsV1` is
//! the API server's encoding (`{"f:spec":{"f:replicas":{}}}`, with
//! `k:{"name":"app"}` for an item of a keyed list). Pure.

use serde_json::{Map, Value};
use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A field of an object.
    Field(String),
    /// The item of a keyed (associative) list with these key values.
    Key(Vec<(String, Value)>),
    /// An item of an atomic list, by position.
    Index(usize),
}

/// A path to a field of an object: `spec.template.spec.containers[name=app].image`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The path `a.b.c` of plain field names.
    pub fn fields(names: &[&str]) -> Self {
        FieldPath(names.iter().map(|n| Seg::Field((*n).to_string())).collect())
    }

    /// This path with one more step.
    pub fn join(&self, seg: Seg) -> Self {
        let mut v = self.0.clone();
        v.push(seg);
        FieldPath(v)
    }

    /// Whether the path is exactly these field names.
    pub fn is(&self, names: &[&str]) -> bool {
        self.0.len() == names.len()
            && self
                .0
                .iter()
                .zip(names)
                .all(|(s, n)| matches!(s, Seg::Field(f) if f == n))
    }

    /// The field names of the path, with list steps as `*`.
    pub fn shape(&self) -> Vec<&str> {
        self.0
            .iter()
            .map(|s| match s {
                Seg::Field(f) => f.as_str(),
                _ => "*",
            })
            .collect()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Field(name) if i == 0 => write!(f, "{name}")?,
                Seg::Field(name) => write!(f, ".{name}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(keys) => {
                    let parts: Vec<String> = keys
                        .iter()
                        .map(|(k, v)| match v {
                            Value::String(s) => format!("{k}={s}"),
                            other => format!("{k}={other}"),
                        })
                        .collect();
                    write!(f, "[{}]", parts.join(","))?;
                }
            }
        }
        Ok(())
    }
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub subresource: Option<String>,
    /// The `fieldsV1` set.
    pub fields: Value,
}

impl Entry {
    /// Whether this is flotilla's own server-side apply entry.
    pub fn is_flotilla_apply(&self) -> bool {
        self.manager == super::FIELD_MANAGER && self.operation == "Apply"
    }

    /// Whether this entry holds the field at `path`. A step into an
    /// atomic list is held by whoever holds the list.
    pub fn holds(&self, path: &FieldPath) -> bool {
        let mut node = &self.fields;
        for seg in &path.0 {
            let next = match seg {
                Seg::Field(name) => node.get(format!("f:{name}")),
                Seg::Key(keys) => node.as_object().and_then(|m| find_key(m, keys)),
                Seg::Index(_) => return true,
            };
            match next {
                Some(n) => node = n,
                None => return false,
            }
        }
        true
    }
}

/// The `k:{...}` member of `set` whose key values are `keys`.
fn find_key<'a>(set: &'a Map<String, Value>, keys: &[(String, Value)]) -> Option<&'a Value> {
    set.iter().find_map(|(k, v)| {
        let parsed: Map<String, Value> = serde_json::from_str(k.strip_prefix("k:")?).ok()?;
        let same = parsed.len() == keys.len()
            && keys
                .iter()
                .all(|(name, want)| parsed.get(name).is_some_and(|got| same_scalar(got, want)));
        same.then_some(v)
    })
}

/// Scalars equal as JSON, numbers by value (`80` and `80.0`).
pub fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The managed-fields entries of `obj` (none if absent or malformed: the
/// API server then tracks nothing either).
pub fn entries(obj: &Value) -> Vec<Entry> {
    let Some(list) = obj
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    list.iter()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
            Entry {
                manager: s("manager").unwrap_or_default(),
                operation: s("operation").unwrap_or_default(),
                subresource: s("subresource").filter(|s| !s.is_empty()),
                fields: e.get("fieldsV1").cloned().unwrap_or(Value::Null),
            }
        })
        .collect()
}

/// Who holds the field at `path` now: `manager` (or `manager/subresource`),
/// in `managedFields` order.
pub fn holders(entries: &[Entry], path: &FieldPath) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.holds(path))
        .map(|e| match &e.subresource {
            Some(sub) => format!("{} ({sub})", e.manager),
            None => e.manager.clone(),
        })
        .collect()
}

/// Whether a manager other than flotilla's apply holds the field at `path`.
pub fn held_by_another(entries: &[Entry], path: &FieldPath) -> bool {
    entries
        .iter()
        .any(|e| !e.is_flotilla_apply() && e.holds(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj() -> Value {
        json!({"metadata": {"managedFields": [
            {"manager": "flotilla", "operation": "Apply", "fieldsV1": {
                "f:spec": {"f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"app\"}": {".": {}, "f:image": {}}}}},
                    "f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {"f:port": {}}},
                    "f:args": {}}}},
            {"manager": "kube-controller-manager", "operation": "Update", "subresource": "scale",
             "fieldsV1": {"f:spec": {"f:replicas": {}}}}
        ]}})
    }

    #[test]
    fn holders_follow_fields_keys_and_atomic_lists() {
        let e = entries(&obj());
        let image = FieldPath::fields(&["spec", "template", "spec", "containers"])
            .join(Seg::Key(vec![("name".into(), json!("app"))]))
            .join(Seg::Field("image".into()));
        assert_eq!(holders(&e, &image), ["flotilla"]);
        assert_eq!(
            image.to_string(),
            "spec.template.spec.containers[name=app].image"
        );
        let port = FieldPath::fields(&["spec", "ports"])
            .join(Seg::Key(vec![
                ("port".into(), json!(80.0)),
                ("protocol".into(), json!("TCP")),
            ]))
            .join(Seg::Field("port".into()));
        assert_eq!(holders(&e, &port), ["flotilla"]);
        let arg = FieldPath::fields(&["spec", "args"]).join(Seg::Index(2));
        assert_eq!(holders(&e, &arg), ["flotilla"]);
        let replicas = FieldPath::fields(&["spec", "replicas"]);
        assert!(held_by_another(&e, &replicas));
        assert_eq!(holders(&e, &replicas), ["kube-controller-manager (scale)"]);
        assert!(!held_by_another(&e, &image));
        assert!(holders(&e, &FieldPath::fields(&["data", "x"])).is_empty());
        assert!(entries(&json!({})).is_empty());
    }
}
