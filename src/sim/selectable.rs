//! What label and field selectors read of an object, kept apart from the
//! object: the store holds objects serialized, and a watch with selectors
//! must know whether the version before a change matched (an object that
//! stops matching is a DELETED event to it), so each version keeps this
//! small extract instead of a parsed copy.

use serde_json::Value;
use std::borrow::Cow;

/// The scalar fields some kind can be selected by (the union of what
/// [`super::selector`] accepts per kind), with their JSON pointers. They are
/// kept whatever the kind: the selector's parser decides what may be asked.
const FIELDS: &[(&str, &str)] = &[
    ("metadata.name", "/metadata/name"),
    ("metadata.namespace", "/metadata/namespace"),
    ("spec.nodeName", "/spec/nodeName"),
    ("spec.schedulerName", "/spec/schedulerName"),
    ("spec.serviceAccountName", "/spec/serviceAccountName"),
    ("spec.restartPolicy", "/spec/restartPolicy"),
    ("spec.unschedulable", "/spec/unschedulable"),
    ("status.phase", "/status/phase"),
    ("status.podIP", "/status/podIP"),
    ("status.replicas", "/status/replicas"),
    ("status.successful", "/status/successful"),
    ("reason", "/reason"),
    ("type", "/type"),
    ("source", "/source"),
];

/// Events are selectable by any field under this one.
const INVOLVED_OBJECT: &str = "involvedObject";

/// The labels and selectable fields of one object version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectable {
    /// `metadata.labels` with string values.
    labels: Box<[(Box<str>, Box<str>)]>,
    /// Field path (`spec.nodeName`) → the value as a selector compares it;
    /// absent fields are left out (they compare as `""`).
    fields: Box<[(Cow<'static, str>, Box<str>)]>,
}

impl Selectable {
    pub fn of(object: &Value) -> Self {
        let labels = object
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|l| {
                l.iter()
                    .filter_map(|(k, v)| Some((k.as_str().into(), v.as_str()?.into())))
                    .collect()
            })
            .unwrap_or_default();
        let mut fields: Vec<(Cow<'static, str>, Box<str>)> = FIELDS
            .iter()
            .filter_map(|(f, pointer)| Some((Cow::Borrowed(*f), text(object.pointer(pointer)?)?)))
            .collect();
        if let Some(involved) = object.get(INVOLVED_OBJECT) {
            leaves(INVOLVED_OBJECT, involved, &mut fields);
        }
        Selectable {
            labels,
            fields: fields.into_boxed_slice(),
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| &**v)
    }

    /// A field's value as a selector compares it: `""` when absent.
    pub fn field(&self, path: &str) -> &str {
        self.fields
            .iter()
            .find(|(f, _)| f == path)
            .map_or("", |(_, v)| &**v)
    }

    pub fn name(&self) -> &str {
        self.field("metadata.name")
    }

    /// `""` for cluster-scoped objects.
    pub fn namespace(&self) -> &str {
        self.field("metadata.namespace")
    }
}

/// A scalar as field selectors compare it; `None` for objects, arrays and
/// null (which compare as `""`, as absent fields do).
fn text(v: &Value) -> Option<Box<str>> {
    match v {
        Value::String(s) => Some(s.as_str().into()),
        Value::Bool(b) => Some(b.to_string().into()),
        Value::Number(n) => Some(n.to_string().into()),
        _ => None,
    }
}

/// Every scalar under `v`, by dotted path. Keys with `.`, `/` or `~` are
/// skipped: a dotted path cannot name them plainly, and no client escapes.
fn leaves(path: &str, v: &Value, out: &mut Vec<(Cow<'static, str>, Box<str>)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if !k.contains(['.', '/', '~']) {
                    leaves(&format!("{path}.{k}"), child, out);
                }
            }
        }
        other => {
            if let Some(t) = text(other) {
                out.push((Cow::Owned(path.to_string()), t));
            }
        }
    }
}

/// Whether this extract keeps `field` (the selector's tests check that it
/// keeps every field some kind may be selected by).
#[cfg(test)]
pub(crate) fn kept(field: &str) -> bool {
    FIELDS.iter().any(|(f, _)| *f == field) || field.starts_with("involvedObject.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_labels_and_selectable_fields_only() {
        let pod = json!({
            "metadata": {"name": "p", "namespace": "d", "labels": {"app": "web", "odd": 3}},
            "spec": {"nodeName": "n1", "containers": [{"name": "c"}], "unschedulable": false},
            "status": {"phase": "Running", "replicas": 2, "conditions": []},
        });
        let s = Selectable::of(&pod);
        assert_eq!(s.label("app"), Some("web"));
        assert_eq!(s.label("odd"), None, "non-string label values never match");
        assert_eq!(s.name(), "p");
        assert_eq!(s.namespace(), "d");
        assert_eq!(s.field("spec.nodeName"), "n1");
        assert_eq!(s.field("spec.unschedulable"), "false");
        assert_eq!(s.field("status.replicas"), "2");
        assert_eq!(s.field("spec.containers"), "");
        assert_eq!(s.field("status.podIP"), "");
    }

    #[test]
    fn events_keep_their_involved_object() {
        let event = json!({
            "metadata": {"name": "e"},
            "involvedObject": {"kind": "Pod", "name": "p", "a.b": "x", "nested": {"k": 1}},
            "reason": "Scheduled", "type": "Normal", "source": {"component": "s"},
        });
        let s = Selectable::of(&event);
        assert_eq!(s.field("involvedObject.kind"), "Pod");
        assert_eq!(s.field("involvedObject.name"), "p");
        assert_eq!(s.field("involvedObject.nested.k"), "1");
        assert_eq!(s.field("involvedObject.a.b"), "");
        assert_eq!(s.field("reason"), "Scheduled");
        assert_eq!(s.field("source"), "", "an object compares as empty");
    }
}
