//! The YAML reader's behaviour: scalar resolution, positions, merge keys,
//! aliases, duplicate keys and the alias budget.

use super::*;

fn one(text: &str) -> Value {
    let s = parse_stream(text, 1000).unwrap();
    s.documents[0].value.clone()
}

#[test]
fn scalars_follow_the_core_schema() {
    let cases: &[(&str, Value)] = &[
        ("a: 1", serde_json::json!({"a": 1})),
        ("a: -7", serde_json::json!({"a": -7})),
        ("a: 0x1f", serde_json::json!({"a": 31})),
        ("a: 1.5", serde_json::json!({"a": 1.5})),
        ("a: '1'", serde_json::json!({"a": "1"})),
        ("a: yes", serde_json::json!({"a": "yes"})),
        ("a: true", serde_json::json!({"a": true})),
        ("a: ~", serde_json::json!({"a": null})),
        ("a:", serde_json::json!({"a": null})),
        ("a: 100m", serde_json::json!({"a": "100m"})),
        ("a: 1e3", serde_json::json!({"a": 1000.0})),
        ("a: !!str 12", serde_json::json!({"a": "12"})),
        ("a: 1.2.3", serde_json::json!({"a": "1.2.3"})),
        ("a: 99999999999999999999", serde_json::json!({"a": 1e20})),
    ];
    for (text, want) in cases {
        assert_eq!(&one(text), want, "case {text:?}");
    }
}

#[test]
fn positions_are_one_based() {
    let s = parse_stream("a:\n  b: 1\n  c: [x, y]\n", 1000).unwrap();
    let doc = s.documents[0].positions();
    assert_eq!(doc.pos_at("/a/b", false), Pos { line: 2, col: 6 });
    assert_eq!(doc.pos_at("/a/b", true), Pos { line: 2, col: 3 });
    assert_eq!(doc.pos_at("/a/c/1", false), Pos { line: 3, col: 10 });
    // A missing key points at the deepest existing ancestor.
    assert_eq!(doc.pos_at("/a/zzz/q", true), Pos { line: 1, col: 1 });
}

#[test]
fn multiple_documents_and_merge_keys() {
    let s = parse_stream(
        "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n---\nk: v\n",
        1000,
    )
    .unwrap();
    assert_eq!(s.documents.len(), 2);
    assert_eq!(
        s.documents[0].value["d"],
        serde_json::json!({"y": 3, "x": 1})
    );
}

#[test]
fn duplicate_keys_are_reported() {
    let s = parse_stream("a: 1\nb: 2\na: 3\n", 1000).unwrap();
    assert_eq!(s.problems.len(), 1);
    assert_eq!(s.problems[0].kind, YamlProblemKind::DuplicateKey);
    assert_eq!(s.problems[0].pos, Pos { line: 3, col: 1 });
}

#[test]
fn alias_bombs_are_bounded() {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n\
                b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n\
                d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    let err = parse_stream(bomb, 10_000).unwrap_err();
    assert_eq!(err.kind, YamlProblemKind::AliasLimit);
}

#[test]
fn syntax_errors_have_positions() {
    let err = parse_stream("a: [1, 2\nb: 3\n", 1000).unwrap_err();
    assert_eq!(err.kind, YamlProblemKind::Syntax);
    assert!(err.pos.line >= 1);
}

#[test]
fn positions_follow_merged_and_aliased_nodes() {
    let text = "base: &b\n  x: 1\n  y: 2\nd:\n  <<: *b\n  y: 3\nlist: [*b]\n";
    let s = parse_stream(text, 1000).unwrap();
    let doc = s.documents[0].positions();
    // Own keys first, merged keys after them, where the anchor wrote them.
    assert_eq!(
        s.documents[0].value["d"],
        serde_json::json!({"y": 3, "x": 1})
    );
    assert_eq!(doc.pos_at("/d/y", true), Pos { line: 6, col: 3 });
    assert_eq!(doc.pos_at("/d/x", false), Pos { line: 2, col: 6 });
    // An alias is where it is written; inside, the anchor's positions.
    assert_eq!(doc.pos_at("/list/0", false), Pos { line: 7, col: 8 });
    assert_eq!(doc.pos_at("/list/0/y", false), Pos { line: 3, col: 6 });
}

#[test]
fn a_duplicate_key_names_the_first() {
    let s = parse_stream("a: 1\nb: 2\na: 3\n", 1000).unwrap();
    assert_eq!(
        s.problems[0].message,
        "duplicate key `a` (first at line 1, column 1)"
    );
    assert_eq!(s.documents[0].value, serde_json::json!({"a": 1, "b": 2}));
}

#[test]
fn scalar_keys_become_strings() {
    let s = parse_stream("1: a\ntrue: b\n~: c\n1.5: d\n", 1000).unwrap();
    assert_eq!(
        s.documents[0].value,
        serde_json::json!({"1": "a", "true": "b", "null": "c", "1.5": "d"})
    );
}
