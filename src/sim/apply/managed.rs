//! `metadata.managedFields`: one entry per field manager and operation,
//! decoded into [`Entry`] values and encoded back in the API server's order
//! (`Apply` entries first, then by time, manager, apiVersion, subresource).
//!
//! Entries are identified as Kubernetes identifies them: an `Apply` entry
//! by manager (and subresource), an `Update` entry by manager, apiVersion
//! (and subresource), so each manager has one `Apply` entry and one
//! `Update` entry per apiVersion.

use super::fieldset::FieldSet;
use serde_json::{json, Map, Value};

/// The operation that gave a manager its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub manager: String,
    pub operation: Operation,
    pub api_version: String,
    /// RFC 3339, as given to the write that last changed the entry.
    pub time: Option<String>,
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

impl Entry {
    /// Kubernetes' manager identifier (`BuildManagerIdentifier`): the
    /// entry's JSON without time and fields, and without apiVersion for
    /// `Apply`.
    pub fn identity(&self) -> String {
        identity(
            &self.manager,
            self.operation,
            &self.api_version,
            self.subresource.as_deref(),
        )
    }

    /// How a conflict message names the entry (`printManager`):
    /// `"kubectl-client-side-apply" using apps/v1`, `"kubectl" with
    /// subresource "scale" using apps/v1`, or `"flotilla"` for an applier.
    pub fn display(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if let Some(sub) = &self.subresource {
            s.push_str(&format!(" with subresource {sub:?}"));
        }
        if self.operation == Operation::Update {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), json!(self.manager));
        m.insert("operation".into(), json!(self.operation.as_str()));
        m.insert("apiVersion".into(), json!(self.api_version));
        if let Some(t) = &self.time {
            m.insert("time".into(), json!(t));
        }
        m.insert("fieldsType".into(), json!("FieldsV1"));
        m.insert("fieldsV1".into(), self.fields.to_fields_v1());
        if let Some(s) = &self.subresource {
            m.insert("subresource".into(), json!(s));
        }
        Value::Object(m)
    }
}

/// The identifier of a manager's entry (see [`Entry::identity`]).
pub fn identity(
    manager: &str,
    operation: Operation,
    api_version: &str,
    subresource: Option<&str>,
) -> String {
    let mut m = Map::new();
    m.insert("manager".into(), json!(manager));
    m.insert("operation".into(), json!(operation.as_str()));
    if operation == Operation::Update && !api_version.is_empty() {
        m.insert("apiVersion".into(), json!(api_version));
    }
    if let Some(s) = subresource {
        m.insert("subresource".into(), json!(s));
    }
    crate::gojson::go_json(&Value::Object(m))
}

/// Decodes an object's `managedFields`; `Ok(None)` when it has none.
pub fn decode(obj: &Value) -> Result<Option<Vec<Entry>>, String> {
    let Some(list) = obj.pointer("/metadata/managedFields") else {
        return Ok(None);
    };
    let Value::Array(items) = list else {
        return Err("managedFields is not a list".into());
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let s = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
        let operation = match s("operation").as_deref() {
            Some("Apply") => Operation::Apply,
            Some("Update") => Operation::Update,
            other => return Err(format!("unknown managedFields operation {other:?}")),
        };
        let fields = match item.get("fieldsV1") {
            Some(f) => FieldSet::from_fields_v1(f)?,
            None => FieldSet::new(),
        };
        out.push(Entry {
            manager: s("manager").unwrap_or_default(),
            operation,
            api_version: s("apiVersion").unwrap_or_default(),
            time: s("time"),
            subresource: s("subresource").filter(|x| !x.is_empty()),
            fields,
        });
    }
    Ok(Some(out))
}

/// `managedFields: []` or `[{}]` in a write: the client asks for the
/// tracking to start over.
pub fn is_reset(obj: &Value) -> bool {
    match obj.pointer("/metadata/managedFields") {
        Some(Value::Array(a)) => {
            a.is_empty() || (a.len() == 1 && a[0].as_object().is_some_and(Map::is_empty))
        }
        _ => false,
    }
}

/// Sets `obj`'s `managedFields` to the non-empty `entries`, sorted as the
/// API server sorts them; removes the field when none is left.
pub fn encode(obj: &mut Value, entries: &[Entry]) {
    let mut kept: Vec<&Entry> = entries.iter().filter(|e| !e.fields.is_empty()).collect();
    kept.sort_by(|a, b| {
        a.operation
            .cmp(&b.operation)
            .then_with(|| a.time.cmp(&b.time))
            .then_with(|| a.manager.cmp(&b.manager))
            .then_with(|| a.api_version.cmp(&b.api_version))
            .then_with(|| a.subresource.cmp(&b.subresource))
    });
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        if !kept.is_empty() {
            if let Some(o) = obj.as_object_mut() {
                o.insert(
                    "metadata".into(),
                    json!({"managedFields": kept.iter().map(|e| e.to_json()).collect::<Vec<_>>()}),
                );
            }
        }
        return;
    };
    if kept.is_empty() {
        meta.shift_remove("managedFields");
    } else {
        let list = Value::Array(kept.iter().map(|e| e.to_json()).collect());
        match meta.get_mut("managedFields") {
            Some(slot) => *slot = list,
            None => {
                meta.insert("managedFields".into(), list);
            }
        }
    }
}

/// `obj` without `metadata.managedFields`.
pub fn stripped(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.shift_remove("managedFields");
    }
    v
}
