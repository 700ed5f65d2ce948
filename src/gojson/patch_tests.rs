//! Tests of the JSON patch engine: the Go library's results and error
//! texts, operation by operation.

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
    assert_eq!(crate::gojson::go_json(&got), r#"{"z":3,"a":2}"#);
    assert_eq!(decode_key("~01"), "~1");
}

#[test]
fn move_copy_and_test() {
    let doc = json!({"a": {"b": 1}, "l": [1, 2, 3], "n": null});
    let mv = |from: &str| Op::Move { from: from.into() };
    let cp = |from: &str| Op::Copy { from: from.into() };
    type Case = (
        &'static str,
        Op,
        &'static str,
        Value,
        Result<Value, &'static str>,
    );
    let cases: Vec<Case> = vec![
        ("move a key", mv("/a/b"), "/c", Value::Null, Ok(json!({"a": {}, "l": [1, 2, 3], "n": null, "c": 1}))),
        ("move within an array", mv("/l/0"), "/l/-", Value::Null, Ok(json!({"a": {"b": 1}, "l": [2, 3, 1], "n": null}))),
        ("move missing", mv("/a/x"), "/c", Value::Null, Err("error in move for path: 'x': unable to get nonexistent key: x: missing value")),
        ("move the root", mv(""), "/c", Value::Null, Err("unable to move entire document to another path: invalid state detected")),
        ("move to a missing parent", mv("/a/b"), "/x/y", Value::Null, Err("move operation does not apply: doc is missing destination path: /x/y: missing value")),
        ("copy", cp("/a"), "/l/1", Value::Null, Ok(json!({"a": {"b": 1}, "l": [1, {"b": 1}, 2, 3], "n": null}))),
        ("copy missing", cp("/a/x"), "/c", Value::Null, Err("error in copy for from: '/a/x': unable to get nonexistent key: x: missing value")),
        ("copy past the end", cp("/a"), "/l/9", Value::Null, Err("error while adding value during copy: Unable to access invalid index: 9: invalid index referenced")),
        ("test equal", Op::Test, "/a", json!({"b": 1}), Ok(doc.clone())),
        ("test negative index", Op::Test, "/l/-1", json!(3), Ok(doc.clone())),
        ("test differs", Op::Test, "/a/b", json!(2), Err("testing value /a/b failed: test failed")),
        ("test missing is null", Op::Test, "/a/x", Value::Null, Ok(doc.clone())),
        ("test null is null", Op::Test, "/n", Value::Null, Ok(doc.clone())),
        ("test missing is not 1", Op::Test, "/a/x", json!(1), Err("testing value /a/x failed: test failed")),
        ("test whole document", Op::Test, "", doc.clone(), Ok(doc.clone())),
        ("test bad index", Op::Test, "/l/7", json!(1), Err("error in test for path: '/l/7': Unable to access invalid index: 7: invalid index referenced")),
    ];
    for (name, op, path, value, want) in cases {
        let got = run(doc.clone(), op, path, value);
        assert_eq!(got, want.map_err(String::from), "case {name}");
    }
}

#[test]
fn a_failed_test_leaves_the_document_untouched() {
    let mut doc = json!({"a": 1});
    let ops = parse(&json!([
        {"op": "replace", "path": "/a", "value": 2},
        {"op": "test", "path": "/a", "value": 3}
    ]))
    .expect("parse");
    assert!(apply(&mut doc, &ops).is_err());
    assert_eq!(doc, json!({"a": 1}));
}

#[test]
fn parse_defers_malformed_operations() {
    assert_eq!(
        parse(&json!({"op": "add"})),
        Err("json: cannot unmarshal object into Go value of type jsonpatch.Patch".into())
    );
    assert_eq!(
        parse(&json!([1])),
        Err("json: cannot unmarshal number into Go value of type jsonpatch.Operation".into())
    );
    let ops = parse(&json!([
        {"op": "add", "path": "/b", "value": 1},
        {"op": "frobnicate", "path": "/a"},
        {"op": "move", "path": "/a"},
        {"op": "remove"}
    ]))
    .expect("a list of objects decodes");
    let kinds: Vec<&Op> = ops.iter().map(|o| &o.op).collect();
    assert_eq!(
        kinds,
        [
            &Op::Add,
            &Op::Invalid("Unexpected kind: frobnicate".into()),
            &Op::Invalid(
                "move operation failed to decode from: operation, missing from field: missing value"
                    .into()
            ),
            &Op::Invalid("remove operation failed to decode path: missing value".into()),
        ]
    );
    let mut doc = json!({});
    assert_eq!(
        apply(&mut doc, &ops),
        Err("Unexpected kind: frobnicate".into())
    );
}
