//! JSON patch (RFC 6902 `add`, `remove`, `replace`) with the exact behaviour
//! of `github.com/evanphx/json-patch/v5`, which Karmada's override manager
//! applies, plus Go's compact JSON encoding for re-encoding patched strings.
//!
//! Why not the `json-patch` crate: Karmada's library departs from the RFC in
//! ways users can observe, and flotilla must give the same result. It
//! accepts negative array indices (counted from the end), `strconv.Atoi`
//! indices (`+1`, `007`), and a path without a leading `/` (its last
//! segment is then a key of the root). Its error texts are reproduced too, since users compare them with
//! Karmada's events.

use serde_json::{Map, Value};

/// A patch operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Add,
    Remove,
    Replace,
}

/// One operation of a patch. `value` is `null` when the overrider gave
/// none, as Karmada serialises an empty `apiextensionsv1.JSON`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operation {
    pub op: Op,
    pub path: String,
    pub value: Value,
}

/// Applies `ops` in order to `doc`. Like the Go library the patch is
/// all-or-nothing: on error `doc` is left untouched.
pub(crate) fn apply(doc: &mut Value, ops: &[Operation]) -> Result<(), String> {
    // The Go library decodes the document as an object unless it starts with
    // `[`; `null` or a scalar makes every operation (and re-encoding) fail.
    if !doc.is_object() && !doc.is_array() {
        return Err("invalid value, expected object".into());
    }
    // Each operation checks everything before it changes anything, so one
    // operation applies in place; several need a copy to roll back to.
    if let [op] = ops {
        return apply_one(doc, op);
    }
    let mut work = doc.clone();
    for op in ops {
        apply_one(&mut work, op)?;
    }
    *doc = work;
    Ok(())
}

/// Applies one operation; on error `doc` is unchanged.
fn apply_one(doc: &mut Value, op: &Operation) -> Result<(), String> {
    match op.op {
        Op::Add => add(doc, &op.path, &op.value),
        Op::Remove => remove(doc, &op.path),
        Op::Replace => replace(doc, &op.path, &op.value),
    }
}

/// RFC 6901 unescaping, in the Go library's order (`~1` first).
fn decode_key(k: &str) -> String {
    // strings.NewReplacer("~1", "/", "~0", "~") scans left to right, so
    // "~01" becomes "~1", not "/".
    let mut out = String::with_capacity(k.len());
    let mut rest = k;
    while let Some(i) = rest.find('~') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("~1") {
            out.push('/');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("~0") {
            out.push('~');
            rest = after;
        } else {
            out.push('~');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, 64-bit range.
pub(crate) fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    let t = s.strip_prefix('+').unwrap_or(s);
    t.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(s)))
}

fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn invalid_index(i: i64) -> String {
    format!("Unable to access invalid index: {i}: invalid index referenced")
}

/// `findObject`: the container that holds the last segment of `path`, and
/// that segment decoded. `None` when a segment on the way is missing or is
/// not an object or array.
fn find_container<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return if path.is_empty() {
            Some((doc, String::new()))
        } else {
            None
        };
    }
    let (key, parts) = split[1..].split_last()?;
    let mut cur = doc;
    for part in parts {
        let part = decode_key(part);
        if part.is_empty() {
            // The Go library's `get("")` yields the container's own node,
            // which nested containers do not keep: the path is missing.
            return None;
        }
        let next = match cur {
            Value::Object(m) => m.get_mut(&part)?,
            Value::Array(a) => {
                let i = resolve_index(atoi(&part).ok()?, a.len())?;
                a.get_mut(i)?
            }
            _ => return None,
        };
        if !next.is_object() && !next.is_array() {
            return None;
        }
        cur = next;
    }
    Some((cur, decode_key(key)))
}

/// A negative index counts from the end (`SupportNegativeIndices`).
fn resolve_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if i < 0 { i + len } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

fn add(doc: &mut Value, path: &str, value: &Value) -> Result<(), String> {
    if path.is_empty() {
        // Adding at the root replaces the document; it must stay a container.
        if value.is_object() || value.is_array() {
            *doc = value.clone();
            return Ok(());
        }
        return Err("add operation does not apply: the value for the document root must be an object or array".into());
    }
    let Some((con, key)) = find_container(doc, path) else {
        return Err(format!(
            "add operation does not apply: doc is missing path: \"{path}\": missing value"
        ));
    };
    let wrap = |e: String| format!("error in add for path: '{path}': {e}");
    match con {
        Value::Object(m) => {
            insert_keep_position(m, key, value.clone());
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(value.clone());
                return Ok(());
            }
            let i = atoi(&key)
                .map_err(|e| wrap(format!("value was not a proper array index: '{key}': {e}")))?;
            let size = a.len() as i64 + 1;
            if i >= size || i < -size {
                return Err(wrap(invalid_index(i)));
            }
            let i = if i < 0 { i + size } else { i };
            a.insert(i as usize, value.clone());
            Ok(())
        }
        _ => Err(wrap("invalid value, expected object".into())),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<(), String> {
    let Some((con, key)) = find_container(doc, path) else {
        return Err(format!(
            "remove operation does not apply: doc is missing path: \"{path}\": missing value"
        ));
    };
    let wrap = |e: String| format!("error in remove for path: '{path}': {e}");
    match con {
        Value::Object(m) => match m.shift_remove(&key) {
            Some(_) => Ok(()),
            None => Err(wrap(format!(
                "unable to remove nonexistent key: {key}: missing value"
            ))),
        },
        Value::Array(a) => {
            let i = atoi(&key).map_err(wrap)?;
            match resolve_index(i, a.len()) {
                Some(i) => {
                    a.remove(i);
                    Ok(())
                }
                None => Err(wrap(invalid_index(i))),
            }
        }
        _ => Err(wrap("invalid value, expected object".into())),
    }
}

fn replace(doc: &mut Value, path: &str, value: &Value) -> Result<(), String> {
    if path.is_empty() {
        if value.is_object() || value.is_array() {
            *doc = value.clone();
            return Ok(());
        }
        return Err("replace operation value must be object or array".into());
    }
    let Some((con, key)) = find_container(doc, path) else {
        return Err(format!(
            "replace operation does not apply: doc is missing path: {path}: missing value"
        ));
    };
    let missing =
        || format!("replace operation does not apply: doc is missing key: {path}: missing value");
    match con {
        Value::Object(m) => {
            // `get("")` succeeds (it is the container itself), so an empty
            // last segment sets the key "".
            if !key.is_empty() && !m.contains_key(&key) {
                return Err(missing());
            }
            insert_keep_position(m, key, value.clone());
            Ok(())
        }
        Value::Array(a) => {
            if key.is_empty() {
                return Err(format!(
                    "error in remove for path: '{path}': {}",
                    atoi(&key).err().unwrap_or_default()
                ));
            }
            let i = atoi(&key).map_err(|_| missing())?;
            let slot = resolve_index(i, a.len())
                .and_then(|i| a.get_mut(i))
                .ok_or_else(missing)?;
            *slot = value.clone();
            Ok(())
        }
        _ => Err(missing()),
    }
}

/// Sets `key`, keeping its position when it exists and appending otherwise,
/// as the Go library's ordered documents do.
fn insert_keep_position(m: &mut Map<String, Value>, key: String, value: Value) {
    match m.get_mut(&key) {
        Some(slot) => *slot = value,
        None => {
            m.insert(key, value);
        }
    }
}

/// Sorts object keys recursively. Karmada's API server stores policies as
/// Go maps, so a value taken from a policy reaches the patch with its keys
/// in byte order, whatever order the user wrote.
pub(crate) fn sorted_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// Go's `json.Marshal` of an already-ordered document: compact, keys in
/// order, HTML-sensitive characters and U+2028/U+2029 escaped.
pub(crate) fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_go_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

fn write_go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, op: Op, path: &str, value: Value) -> Result<Value, String> {
        let mut d = doc;
        apply(
            &mut d,
            &[Operation {
                op,
                path: path.into(),
                value,
            }],
        )?;
        Ok(d)
    }

    #[test]
    fn table() {
        let doc = json!({"a": {"b": 1}, "l": [1, 2, 3]});
        type Case = (
            &'static str,
            Op,
            &'static str,
            Value,
            Result<Value, &'static str>,
        );
        let cases: Vec<Case> = vec![
            ("replace", Op::Replace, "/a/b", json!(2), Ok(json!({"a": {"b": 2}, "l": [1, 2, 3]}))),
            ("add new key", Op::Add, "/a/c", json!("x"), Ok(json!({"a": {"b": 1, "c": "x"}, "l": [1, 2, 3]}))),
            ("append", Op::Add, "/l/-", json!(4), Ok(json!({"a": {"b": 1}, "l": [1, 2, 3, 4]}))),
            ("insert at len", Op::Add, "/l/3", json!(4), Ok(json!({"a": {"b": 1}, "l": [1, 2, 3, 4]}))),
            ("negative replace", Op::Replace, "/l/-1", json!(9), Ok(json!({"a": {"b": 1}, "l": [1, 2, 9]}))),
            ("negative remove", Op::Remove, "/l/-3", Value::Null, Ok(json!({"a": {"b": 1}, "l": [2, 3]}))),
            ("no leading slash sets a root key", Op::Add, "a/z", json!(1), Ok(json!({"a": {"b": 1}, "l": [1, 2, 3], "z": 1}))),
            (
                "missing parent",
                Op::Add,
                "/x/y",
                json!(1),
                Err("add operation does not apply: doc is missing path: \"/x/y\": missing value"),
            ),
            (
                "replace missing",
                Op::Replace,
                "/a/zz",
                json!(1),
                Err("replace operation does not apply: doc is missing key: /a/zz: missing value"),
            ),
            (
                "remove missing",
                Op::Remove,
                "/a/zz",
                Value::Null,
                Err("error in remove for path: '/a/zz': unable to remove nonexistent key: zz: missing value"),
            ),
            (
                "index past end",
                Op::Add,
                "/l/5",
                json!(1),
                Err("error in add for path: '/l/5': Unable to access invalid index: 5: invalid index referenced"),
            ),
            ("through a scalar", Op::Replace, "/a/b/c", json!(1), Err("replace operation does not apply: doc is missing path: /a/b/c: missing value")),
        ];
        for (name, op, path, value, want) in cases {
            let got = run(doc.clone(), op, path, value);
            assert_eq!(got, want.map_err(String::from), "case {name}");
        }
    }

    #[test]
    fn escapes_and_order() {
        let got = run(
            json!({"m": {"a/b": 1, "c~d": 2}}),
            Op::Remove,
            "/m/a~1b",
            Value::Null,
        )
        .expect("remove");
        assert_eq!(got, json!({"m": {"c~d": 2}}));
        let got = run(json!({"z": 1, "a": 2}), Op::Replace, "/z", json!(3)).expect("replace");
        assert_eq!(go_json(&got), r#"{"z":3,"a":2}"#);
        assert_eq!(
            go_json(&json!({"h": "<a&b>\n"})),
            r#"{"h":"\u003ca\u0026b\u003e\n"}"#
        );
        assert_eq!(decode_key("~01"), "~1");
    }
}
