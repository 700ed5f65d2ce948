//! The field overrider: the manifest field at `fieldPath` holds a JSON or
//! YAML document as a string (a ConfigMap key, an annotation); decode it,
//! patch it at `subPath`, encode it back.
//!
//! Encoding follows Karmada byte for byte where users see it: JSON comes back
//! compact with the document's own key order (new keys last); YAML comes back
//! as go-yaml v2 writes it (keys sorted, see `yaml_v2`), whatever the input
//! layout. An empty JSON string is left as it is; a field overrider with
//! neither `json` nor `yaml` blanks the field, as Karmada does (the model
//! check reports it).

use super::{yaml_read, yaml_write};
use crate::gojson::patch::{self, Op, Operation};
use crate::model::kinds::override_policy::{FieldOverrider, OverriderOperator, PatchOperation};
use serde_json::Value;

/// Applies one field overrider to `doc`.
pub(crate) fn apply(doc: &mut Value, o: &FieldOverrider) -> Result<(), String> {
    let tokens = pointer_tokens(&o.field_path)?;
    let current = get(doc, &tokens)?;
    let Some(text) = current.as_str().filter(|_| !tokens.is_empty()) else {
        return Err(format!(
            "Get object's value by overrider's path({}) is not string",
            o.field_path
        ));
    };
    let new_text = if !o.yaml.is_empty() {
        let mut data = yaml_read::to_json(text)?;
        patch::apply(&mut data, &operations(&o.yaml))?;
        yaml_write::from_json(&data)
    } else if !o.json.is_empty() {
        patch_json_text(text, &operations(&o.json))?
    } else {
        String::new()
    };
    // `get` succeeded on the same path, so the slot exists.
    if let Some(slot) = get_mut(doc, &tokens) {
        *slot = Value::String(new_text);
    }
    Ok(())
}

/// evanphx/json-patch's `Apply` on raw JSON text.
fn patch_json_text(text: &str, ops: &[Operation]) -> Result<String, String> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let mut data: Value =
        serde_json::from_str(text).map_err(|_| "invalid state detected".to_string())?;
    // The library reads anything not starting with `[` as an object.
    if data.is_array() && !text.starts_with('[') {
        return Err("json: cannot unmarshal array into an object".into());
    }
    patch::apply(&mut data, ops)?;
    Ok(crate::gojson::go_json(&data))
}

fn operations(ops: &[PatchOperation]) -> Vec<Operation> {
    ops.iter()
        .map(|p| Operation {
            op: match p.operator {
                OverriderOperator::Add => Op::Add,
                OverriderOperator::Remove => Op::Remove,
                OverriderOperator::Replace => Op::Replace,
            },
            path: p.sub_path.clone(),
            value: p
                .value
                .as_ref()
                .map(crate::gojson::sorted_keys)
                .unwrap_or(Value::Null),
        })
        .collect()
}

/// go-openapi/jsonpointer's `New`: the decoded tokens.
fn pointer_tokens(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Err("JSON pointer must be empty or start with a \"/\"".into());
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// go-openapi/jsonpointer's `Get`, with its error texts.
fn get<'a>(doc: &'a Value, tokens: &[String]) -> Result<&'a Value, String> {
    let mut cur = doc;
    for t in tokens {
        cur = match cur {
            Value::Null => return Err(format!("nil value has not field {t:?}")),
            Value::Object(m) => m.get(t).ok_or_else(|| format!("object has no key {t:?}"))?,
            Value::Array(a) => {
                let i = patch::atoi(t)?;
                usize::try_from(i)
                    .ok()
                    .and_then(|i| a.get(i))
                    .ok_or_else(|| {
                        format!(
                            "index out of bounds array[0,{}] index '{i}'",
                            a.len() as i64 - 1
                        )
                    })?
            }
            _ => return Err(format!("invalid token reference {t:?}")),
        };
    }
    Ok(cur)
}

fn get_mut<'a>(doc: &'a mut Value, tokens: &[String]) -> Option<&'a mut Value> {
    let mut cur = doc;
    for t in tokens {
        cur = match cur {
            Value::Object(m) => m.get_mut(t)?,
            Value::Array(a) => a.get_mut(usize::try_from(patch::atoi(t).ok()?).ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(sub_path: &str, operator: OverriderOperator, value: Option<Value>) -> PatchOperation {
        PatchOperation {
            sub_path: sub_path.into(),
            operator,
            value,
        }
    }

    fn doc() -> Value {
        json!({"metadata": {"annotations": {
            "config.json": "{\"log\": {\"level\": \"info\"}, \"replicas\": 2, \"features\": [\"a\", \"b\"]}",
            "config.yaml": "log:\n  level: info\nreplicas: 2\nfeatures:\n- a\n- b\n",
            "n": "5"}}})
    }

    #[test]
    fn table() {
        use OverriderOperator::*;
        type Case = (
            &'static str,
            FieldOverrider,
            Result<(&'static str, &'static str), &'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                "json keeps order, compacts, appends new keys",
                FieldOverrider {
                    field_path: "/metadata/annotations/config.json".into(),
                    json: vec![
                        op("/features/-", Add, Some(json!("c"))),
                        op("/new", Add, Some(json!({"z": 1, "a": 2}))),
                    ],
                    yaml: vec![],
                },
                Ok((
                    "config.json",
                    r#"{"log":{"level":"info"},"replicas":2,"features":["a","b","c"],"new":{"a":2,"z":1}}"#,
                )),
            ),
            (
                "yaml is rewritten sorted",
                FieldOverrider {
                    field_path: "/metadata/annotations/config.yaml".into(),
                    json: vec![],
                    yaml: vec![
                        op("/log/level", Replace, Some(json!("warn"))),
                        op("/features/0", Remove, None),
                        op("/replicas", Replace, Some(json!(3))),
                    ],
                },
                Ok((
                    "config.yaml",
                    "features:\n- b\nlog:\n  level: warn\nreplicas: 3\n",
                )),
            ),
            (
                "missing field",
                FieldOverrider {
                    field_path: "/metadata/annotations/absent".into(),
                    json: vec![op("/a", Remove, None)],
                    yaml: vec![],
                },
                Err("object has no key \"absent\""),
            ),
            (
                "not a string",
                FieldOverrider {
                    field_path: "/metadata/annotations".into(),
                    json: vec![op("/a", Remove, None)],
                    yaml: vec![],
                },
                Err("Get object's value by overrider's path(/metadata/annotations) is not string"),
            ),
            (
                "scalar json document",
                FieldOverrider {
                    field_path: "/metadata/annotations/n".into(),
                    json: vec![op("/a", Add, Some(json!(1)))],
                    yaml: vec![],
                },
                Err("invalid value, expected object"),
            ),
            (
                "neither blanks the field",
                FieldOverrider {
                    field_path: "/metadata/annotations/n".into(),
                    json: vec![],
                    yaml: vec![],
                },
                Ok(("n", "")),
            ),
            (
                "bad pointer",
                FieldOverrider {
                    field_path: "metadata/annotations/n".into(),
                    json: vec![op("/a", Remove, None)],
                    yaml: vec![],
                },
                Err("JSON pointer must be empty or start with a \"/\""),
            ),
        ];
        for (name, o, want) in cases {
            let mut d = doc();
            let got = apply(&mut d, &o);
            match want {
                Ok((key, text)) => {
                    assert_eq!(got, Ok(()), "case {name}");
                    assert_eq!(
                        d["metadata"]["annotations"][key],
                        json!(text),
                        "case {name}"
                    );
                }
                Err(e) => {
                    assert_eq!(got, Err(e.to_string()), "case {name}");
                    assert_eq!(d, doc(), "case {name}: unchanged on error");
                }
            }
        }
    }
}
