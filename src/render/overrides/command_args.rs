//! The command and args overriders: append to or remove from a named
//! container's `command` / `args`, as Karmada's `buildCommandArgsPatches`.
//!
//! Only `containers` of a Pod (`/spec/containers`) or of a ReplicaSet,
//! Deployment, DaemonSet, StatefulSet or Job (`/spec/template/spec/containers`)
//! are looked at; other kinds and init containers are left alone. A matching
//! container without the field gets it, even for `remove` (as `[]`): Karmada
//! always writes the resulting list.

use crate::gojson::patch::{self, Op, Operation};
use crate::model::kinds::override_policy::{CommandArgsOverrider, OverriderOperator};
use serde_json::Value;

/// Which container field an overrider edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Command,
    Args,
}

impl Target {
    fn field(self) -> &'static str {
        match self {
            Target::Command => "command",
            Target::Args => "args",
        }
    }
}

/// Applies one command or args overrider to `doc`.
pub(crate) fn apply(
    doc: &mut Value,
    target: Target,
    o: &CommandArgsOverrider,
) -> Result<(), String> {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
    let path = match kind {
        "Pod" => "/spec/containers",
        "ReplicaSet" | "Deployment" | "DaemonSet" | "StatefulSet" | "Job" => {
            "/spec/template/spec/containers"
        }
        _ => return Ok(()),
    };
    let containers = match nested(doc, path)? {
        Some(Value::Array(items)) => items,
        None => return Ok(()),
        Some(other) => {
            return Err(format!(
                "failed to retrieves path({}) from rawObj, error: {} accessor error: {} is of the type {}, expected []interface{{}}",
                path.trim_start_matches('/'),
                path.replace('/', "."),
                short(other),
                go_type(other)
            ))
        }
    };
    let field = target.field();
    let mut patches = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let Some(c) = c.as_object() else {
            return Err(format!("container {i} at {path} is not an object"));
        };
        if c.get("name").and_then(Value::as_str) != Some(o.container_name.as_str()) {
            continue;
        }
        let at = format!("{path}/{i}/{field}");
        let (op, current) = match c.get(field) {
            None | Some(Value::Null) => (Op::Add, Vec::new()),
            Some(Value::Array(items)) => (Op::Replace, items.iter().map(go_sprint).collect()),
            Some(other) => return Err(format!("{at} is {}, not a list", go_type(other))),
        };
        let new = match o.operator {
            OverriderOperator::Add => current.into_iter().chain(o.value.iter().cloned()).collect(),
            OverriderOperator::Remove => current
                .into_iter()
                .filter(|v| !o.value.contains(v))
                .collect(),
            // Not allowed by Karmada's schema; its code keeps the list as is.
            OverriderOperator::Replace => current,
        };
        let value = Value::Array(new.into_iter().map(Value::String).collect());
        patches.push(Operation {
            op,
            path: at,
            value,
        });
    }
    if patches.is_empty() {
        return Ok(());
    }
    patch::apply(doc, &patches)
}

/// `unstructured.NestedSlice`'s walk: `None` when a map on the way lacks the
/// key, an error when something on the way is not a map.
fn nested<'a>(doc: &'a Value, path: &str) -> Result<Option<&'a Value>, String> {
    let mut cur = doc;
    let mut walked = String::new();
    for seg in path.trim_start_matches('/').split('/') {
        let Some(m) = cur.as_object() else {
            return Err(format!(
                "failed to retrieves path({}) from rawObj, error: {walked} accessor error: {} is of the type {}, expected map[string]interface{{}}",
                path.trim_start_matches('/'),
                short(cur),
                go_type(cur)
            ));
        };
        match m.get(seg) {
            Some(v) => cur = v,
            None => return Ok(None),
        }
        walked.push('.');
        walked.push_str(seg);
    }
    Ok(Some(cur))
}

/// Go's `fmt.Sprintf("%s", v)` for the values a command list may hold.
fn go_sprint(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => format!("%!s(bool={b})"),
        Value::Number(n) if n.is_i64() || n.is_u64() => format!("%!s(int64={n})"),
        Value::Number(n) => format!("%!s(float64={n})"),
        Value::Null => "%!s(<nil>)".into(),
        other => other.to_string(),
    }
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn o(name: &str, operator: OverriderOperator, value: &[&str]) -> CommandArgsOverrider {
        CommandArgsOverrider {
            container_name: name.into(),
            operator,
            value: value.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn deploy(containers: Value) -> Value {
        json!({"kind": "Deployment", "spec": {"template": {"spec": {"containers": containers,
            "initContainers": [{"name": "init", "command": ["sh"]}]}}}})
    }

    #[test]
    fn table() {
        use OverriderOperator::*;
        let cases: Vec<(&str, Value, Target, CommandArgsOverrider, Value)> = vec![
            (
                "append",
                json!([{"name": "app", "args": ["-a"]}]),
                Target::Args,
                o("app", Add, &["-b"]),
                json!([{"name": "app", "args": ["-a", "-b"]}]),
            ),
            (
                "remove all occurrences",
                json!([{"name": "app", "args": ["-a", "-b", "-a"]}]),
                Target::Args,
                o("app", Remove, &["-a"]),
                json!([{"name": "app", "args": ["-b"]}]),
            ),
            (
                "add creates field",
                json!([{"name": "app"}]),
                Target::Command,
                o("app", Add, &["/bin/app"]),
                json!([{"name": "app", "command": ["/bin/app"]}]),
            ),
            (
                "remove creates empty field",
                json!([{"name": "app"}]),
                Target::Command,
                o("app", Remove, &["x"]),
                json!([{"name": "app", "command": []}]),
            ),
            (
                "other container untouched",
                json!([{"name": "side", "args": ["-a"]}]),
                Target::Args,
                o("app", Add, &["-b"]),
                json!([{"name": "side", "args": ["-a"]}]),
            ),
            (
                "init containers are not containers",
                json!([{"name": "app"}]),
                Target::Command,
                o("init", Add, &["x"]),
                json!([{"name": "app"}]),
            ),
            (
                "every container with the name",
                json!([{"name": "app"}, {"name": "app", "args": []}]),
                Target::Args,
                o("app", Add, &["-v"]),
                json!([{"name": "app", "args": ["-v"]}, {"name": "app", "args": ["-v"]}]),
            ),
        ];
        for (name, containers, target, ov, want) in cases {
            let mut doc = deploy(containers);
            apply(&mut doc, target, &ov).expect(name);
            assert_eq!(
                doc.pointer("/spec/template/spec/containers"),
                Some(&want),
                "case {name}"
            );
            assert_eq!(
                doc.pointer("/spec/template/spec/initContainers/0/command"),
                Some(&json!(["sh"])),
                "case {name}"
            );
        }
    }

    #[test]
    fn kinds_and_errors() {
        let mut cm = json!({"kind": "ConfigMap", "spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}});
        apply(
            &mut cm,
            Target::Args,
            &o("app", OverriderOperator::Add, &["x"]),
        )
        .expect("configmap is ignored");
        assert!(cm
            .pointer("/spec/template/spec/containers/0/args")
            .is_none());
        let mut pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "app"}]}});
        apply(
            &mut pod,
            Target::Args,
            &o("app", OverriderOperator::Add, &["x"]),
        )
        .expect("pod");
        assert_eq!(pod.pointer("/spec/containers/0/args"), Some(&json!(["x"])));
        let mut bad =
            json!({"kind": "Job", "spec": {"template": {"spec": {"containers": {"name": "app"}}}}});
        assert!(apply(
            &mut bad,
            Target::Args,
            &o("app", OverriderOperator::Add, &["x"])
        )
        .is_err());
    }
}
