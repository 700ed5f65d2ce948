//! JSON as the Go programs flotilla mirrors handle it: Go's `encoding/json`
//! compact encoding (used for strings Karmada re-encodes and for
//! `last-applied-configuration` annotations), and, in [`patch`], RFC 6902
//! JSON patch as `github.com/evanphx/json-patch` applies it (Karmada's
//! override manager and the Kubernetes API server both use that library).
//!
//! In: `serde_json` values. Out: values or strings. Pure: no I/O.

pub mod patch;

use serde_json::Value;

/// Sorts object keys recursively, as Go does when it encodes a map.
/// Karmada's API server stores policies as Go maps, so a value taken from a
/// policy reaches a patch with its keys in byte order, whatever order the
/// user wrote; `unstructured` objects are Go maps too.
pub fn sorted_keys(v: &Value) -> Value {
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
pub fn go_json(v: &Value) -> String {
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

    #[test]
    fn go_encoding_keeps_order_and_escapes_html() {
        assert_eq!(go_json(&json!({"z": 3, "a": 2})), r#"{"z":3,"a":2}"#);
        assert_eq!(
            go_json(&sorted_keys(&json!({"z": [{"b": 1, "a": 2}], "a": 2}))),
            r#"{"a":2,"z":[{"a":2,"b":1}]}"#
        );
        assert_eq!(
            go_json(&json!({"h": "<a&b>\n"})),
            r#"{"h":"\u003ca\u0026b\u003e\n"}"#
        );
    }
}
