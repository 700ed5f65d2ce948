//! The labels and annotations overriders (`metadata.labels` /
//! `metadata.annotations` of the manifest itself, not of a pod template).
//!
//! As in Karmada: `add` sets every key (creating the map when absent);
//! `replace` and `remove` touch only keys that exist, silently skipping the
//! others. When the map exists but is not a map of strings, `add` starts it
//! afresh and the other operators do nothing.

use crate::gojson::patch::{self, Op, Operation};
use crate::model::kinds::override_policy::{LabelAnnotationOverrider, OverriderOperator};
use serde_json::{Map, Value};

/// Which metadata map an overrider edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Labels,
    Annotations,
}

impl Target {
    fn field(self) -> &'static str {
        match self {
            Target::Labels => "labels",
            Target::Annotations => "annotations",
        }
    }
}

/// Applies one labels or annotations overrider to `doc`.
pub(crate) fn apply(
    doc: &mut Value,
    target: Target,
    o: &LabelAnnotationOverrider,
) -> Result<(), String> {
    let field = target.field();
    let mut patches = Vec::new();
    // Karmada walks a Go map (random order); the outcome does not depend on
    // the order because every key is checked against the same state.
    for (key, value) in &o.value {
        let op = match o.operator {
            OverriderOperator::Remove | OverriderOperator::Replace => {
                if !string_map(doc, field).is_some_and(|m| m.contains_key(key)) {
                    continue;
                }
                if o.operator == OverriderOperator::Remove {
                    Op::Remove
                } else {
                    Op::Replace
                }
            }
            OverriderOperator::Add => {
                if string_map(doc, field).is_none() {
                    match doc.get_mut("metadata") {
                        Some(Value::Object(meta)) => {
                            meta.insert(field.to_string(), Value::Object(Map::new()));
                        }
                        // SetNestedStringMap fails: Karmada skips the key.
                        Some(_) => continue,
                        None => {
                            if let Value::Object(root) = doc {
                                let mut meta = Map::new();
                                meta.insert(field.to_string(), Value::Object(Map::new()));
                                root.insert("metadata".into(), Value::Object(meta));
                            } else {
                                continue;
                            }
                        }
                    }
                }
                Op::Add
            }
        };
        // Karmada escapes `/` (keys like `app.kubernetes.io/name`) but not
        // `~`, which valid keys cannot contain.
        let path = format!("/metadata/{field}/{}", key.replace('/', "~1"));
        patches.push(Operation {
            op,
            path,
            value: Value::String(value.clone()),
        });
    }
    if patches.is_empty() {
        return Ok(());
    }
    patch::apply(doc, &patches)
}

/// `unstructured.NestedStringMap`: the map when it exists and holds only strings.
fn string_map<'a>(doc: &'a Value, field: &str) -> Option<&'a Map<String, Value>> {
    let m = doc.get("metadata")?.get(field)?.as_object()?;
    m.values().all(Value::is_string).then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn o(operator: OverriderOperator, pairs: &[(&str, &str)]) -> LabelAnnotationOverrider {
        LabelAnnotationOverrider {
            operator,
            value: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn table() {
        use OverriderOperator::*;
        let base = json!({"metadata": {"name": "x", "labels": {"app": "web", "team": "a"}}});
        let cases: Vec<(&str, Value, LabelAnnotationOverrider, Value)> = vec![
            (
                "add",
                base.clone(),
                o(Add, &[("tier", "x"), ("app", "api")]),
                json!({"app": "api", "team": "a", "tier": "x"}),
            ),
            (
                "replace only existing",
                base.clone(),
                o(Replace, &[("team", "b"), ("nope", "y")]),
                json!({"app": "web", "team": "b"}),
            ),
            (
                "remove only existing",
                base.clone(),
                o(Remove, &[("team", ""), ("nope", "")]),
                json!({"app": "web"}),
            ),
            (
                "add creates map",
                json!({"metadata": {"name": "x"}}),
                o(Add, &[("a", "1")]),
                json!({"a": "1"}),
            ),
            (
                "slash in key",
                base.clone(),
                o(Add, &[("app.kubernetes.io/name", "web")]),
                json!({"app": "web", "team": "a", "app.kubernetes.io/name": "web"}),
            ),
            (
                "non-string map is restarted by add",
                json!({"metadata": {"labels": {"n": 1}}}),
                o(Add, &[("a", "1")]),
                json!({"a": "1"}),
            ),
            (
                "non-string map ignored by remove",
                json!({"metadata": {"labels": {"n": 1}}}),
                o(Remove, &[("n", "")]),
                json!({"n": 1}),
            ),
        ];
        for (name, mut doc, ov, want) in cases {
            apply(&mut doc, Target::Labels, &ov).expect(name);
            assert_eq!(doc.pointer("/metadata/labels"), Some(&want), "case {name}");
        }
        let mut doc = json!({"metadata": {"name": "x"}});
        apply(&mut doc, Target::Annotations, &o(Remove, &[("a", "")])).expect("noop");
        assert_eq!(doc, json!({"metadata": {"name": "x"}}));
    }
}
