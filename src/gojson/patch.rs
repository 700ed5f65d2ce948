//! RFC 6902 JSON patch with the exact behaviour of
//! `github.com/evanphx/json-patch`, the library both Karmada's override
//! manager (plaintext, image, command/args, label and field overriders) and
//! the Kubernetes API server (`application/json-patch+json`) apply.
//!
//! Why not the `json-patch` crate: the Go library departs from the RFC in
//! ways users can observe, and flotilla must give the same result. It
//! accepts negative array indices (counted from the end), `strconv.Atoi`
//! indices (`+1`, `007`), and a path without a leading `/` (its last
//! segment is then a key of the root); `test` treats a missing key as
//! `null`. Its error texts are reproduced too, since users compare them with
//! Karmada's events and `kubectl patch --type=json` output.
//!
//! In: a document and operations (or a patch document, see [`parse`]).
//! Out: the patched document or the library's error text. Pure.

use serde_json::{Map, Value};

/// A patch operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
    /// Move the value at `from` to the operation's path.
    Move {
        from: String,
    },
    /// Copy the value at `from` to the operation's path.
    Copy {
        from: String,
    },
    /// Fail unless the value at the path equals the operation's value.
    Test,
    /// An operation the library only rejects when it reaches it (unknown
    /// `op`, missing `path` or `from`); the text is its error.
    Invalid(String),
}

/// One operation of a patch. `value` is `null` when none was given, as
/// Karmada serialises an empty `apiextensionsv1.JSON`.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: Op,
    pub path: String,
    pub value: Value,
}

/// Applies `ops` in order to `doc`. Like the Go library the patch is
/// all-or-nothing: on error `doc` is left untouched.
pub fn apply(doc: &mut Value, ops: &[Operation]) -> Result<(), String> {
    // The Go library decodes the document as an object unless it starts with
    // `[`; `null` or a scalar makes every operation (and re-encoding) fail.
    if !doc.is_object() && !doc.is_array() {
        return Err("invalid value, expected object".into());
    }
    // add, remove, replace and test check everything before they change
    // anything, so one of them alone applies in place; anything else works
    // on a copy, so that a failure leaves `doc` as it was (all or nothing).
    if let [op] = ops {
        if matches!(op.op, Op::Add | Op::Remove | Op::Replace | Op::Test) {
            return apply_one(doc, op);
        }
    }
    let mut work = doc.clone();
    for op in ops {
        apply_one(&mut work, op)?;
    }
    *doc = work;
    Ok(())
}

fn apply_one(doc: &mut Value, op: &Operation) -> Result<(), String> {
    match &op.op {
        Op::Add => add(doc, &op.path, &op.value),
        Op::Remove => remove(doc, &op.path),
        Op::Replace => replace(doc, &op.path, &op.value),
        Op::Move { from } => move_value(doc, from, &op.path),
        Op::Copy { from } => copy_value(doc, from, &op.path),
        Op::Test => test(doc, &op.path, &op.value),
        Op::Invalid(reason) => Err(reason.clone()),
    }
}

/// Decodes an RFC 6902 patch document (`DecodePatch`). Only a document that
/// is not a list of objects fails here (the API server answers 400); a
/// malformed operation becomes [`Op::Invalid`] and fails when applied (422).
pub fn parse(patch: &Value) -> Result<Vec<Operation>, String> {
    let Value::Array(items) = patch else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            go_type(patch)
        ));
    };
    items
        .iter()
        .map(|item| {
            let Value::Object(m) = item else {
                return Err(format!(
                    "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                    go_type(item)
                ));
            };
            let kind = m.get("op").and_then(Value::as_str).unwrap_or("unknown");
            let path = m.get("path").and_then(Value::as_str);
            let from = m.get("from").and_then(Value::as_str);
            let value = m.get("value").cloned().unwrap_or(Value::Null);
            let no_path = || Op::Invalid(format!("{kind} operation failed to decode path: missing value"));
            let op = match (kind, path, from) {
                ("add" | "remove" | "replace" | "move" | "copy" | "test", None, _) => no_path(),
                ("add", _, _) => Op::Add,
                ("remove", _, _) => Op::Remove,
                ("replace", _, _) => Op::Replace,
                ("test", _, _) => Op::Test,
                ("move" | "copy", _, None) => Op::Invalid(format!(
                    "{kind} operation failed to decode from: operation, missing from field: missing value"
                )),
                ("move", _, Some(f)) => Op::Move { from: f.to_string() },
                ("copy", _, Some(f)) => Op::Copy { from: f.to_string() },
                (other, _, _) => Op::Invalid(format!("Unexpected kind: {other}")),
            };
            Ok(Operation {
                op,
                path: path.unwrap_or_default().to_string(),
                value,
            })
        })
        .collect()
}

/// How Go's `encoding/json` names a JSON value's type in its errors.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
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

/// The container's value at `key`: `Ok(None)` for a missing object key
/// (which `test` accepts as `null`), the library's error for a bad index.
fn con_get(con: &Value, key: &str) -> Result<Option<Value>, String> {
    match con {
        Value::Object(m) => Ok(m.get(key).cloned()),
        Value::Array(a) => {
            let i = atoi(key)?;
            match resolve_index(i, a.len()) {
                Some(i) => Ok(a.get(i).cloned()),
                None => Err(invalid_index(i)),
            }
        }
        _ => Err("invalid value, expected object".into()),
    }
}

/// The container's `add`: sets an object key, or inserts into an array
/// (`-` appends; an index may equal the length).
fn con_add(con: &mut Value, key: String, value: Value) -> Result<(), String> {
    match con {
        Value::Object(m) => {
            insert_keep_position(m, key, value);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(value);
                return Ok(());
            }
            let i = atoi(&key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = a.len() as i64 + 1;
            if i >= size || i < -size {
                return Err(invalid_index(i));
            }
            let i = if i < 0 { i + size } else { i };
            a.insert(i as usize, value);
            Ok(())
        }
        _ => Err("invalid value, expected object".into()),
    }
}

/// The container's `remove`, returning the removed value.
fn con_remove(con: &mut Value, key: &str) -> Result<Value, String> {
    match con {
        Value::Object(m) => m
            .shift_remove(key)
            .ok_or_else(|| format!("unable to remove nonexistent key: {key}: missing value")),
        Value::Array(a) => {
            let i = atoi(key)?;
            match resolve_index(i, a.len()) {
                Some(i) => Ok(a.remove(i)),
                None => Err(invalid_index(i)),
            }
        }
        _ => Err("invalid value, expected object".into()),
    }
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
    con_add(con, key, value.clone()).map_err(|e| format!("error in add for path: '{path}': {e}"))
}

fn remove(doc: &mut Value, path: &str) -> Result<(), String> {
    let Some((con, key)) = find_container(doc, path) else {
        return Err(format!(
            "remove operation does not apply: doc is missing path: \"{path}\": missing value"
        ));
    };
    con_remove(con, &key)
        .map(|_| ())
        .map_err(|e| format!("error in remove for path: '{path}': {e}"))
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

fn move_value(doc: &mut Value, from: &str, path: &str) -> Result<(), String> {
    if from.is_empty() {
        return Err(
            "unable to move entire document to another path: invalid state detected".into(),
        );
    }
    let Some((con, key)) = find_container(doc, from) else {
        return Err(format!(
            "move operation does not apply: doc is missing from path: {from}: missing value"
        ));
    };
    let wrap = |e: String| format!("error in move for path: '{key}': {e}");
    if con_get(con, &key).map_err(wrap)?.is_none() {
        return Err(wrap(format!(
            "unable to get nonexistent key: {key}: missing value"
        )));
    }
    let value = con_remove(con, &key).map_err(wrap)?;
    let Some((con, key)) = find_container(doc, path) else {
        return Err(format!(
            "move operation does not apply: doc is missing destination path: {path}: missing value"
        ));
    };
    con_add(con, key, value).map_err(|e| format!("error in move for path: '{path}': {e}"))
}

fn copy_value(doc: &mut Value, from: &str, path: &str) -> Result<(), String> {
    let Some((con, key)) = find_container(doc, from) else {
        return Err(format!(
            "copy operation does not apply: doc is missing from path: \"{from}\": missing value"
        ));
    };
    let wrap = |e: String| format!("error in copy for from: '{from}': {e}");
    let value = con_get(con, &key).map_err(wrap)?.ok_or_else(|| {
        wrap(format!(
            "unable to get nonexistent key: {key}: missing value"
        ))
    })?;
    let Some((con, key)) = find_container(doc, path) else {
        return Err(format!(
            "copy operation does not apply: doc is missing destination path: {path}: missing value"
        ));
    };
    con_add(con, key, value).map_err(|e| format!("error while adding value during copy: {e}"))
}

fn test(doc: &mut Value, path: &str, expected: &Value) -> Result<(), String> {
    let failed = || format!("testing value {path} failed: test failed");
    if path.is_empty() {
        return if doc == expected {
            Ok(())
        } else {
            Err(failed())
        };
    }
    let Some((con, key)) = find_container(doc, path) else {
        return Err(format!(
            "test operation does not apply: is missing path: {path}: missing value"
        ));
    };
    let actual =
        con_get(con, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?;
    // A missing key and an explicit null both compare equal to null only.
    match actual.unwrap_or(Value::Null) {
        Value::Null if expected.is_null() => Ok(()),
        Value::Null => Err(failed()),
        _ if expected.is_null() => Err(failed()),
        v if &v == expected => Ok(()),
        _ => Err(failed()),
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

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
