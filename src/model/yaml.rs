//! YAML → a tree that remembers where every node and key came from.
//!
//! Built directly from `saphyr-parser` events so that we control what the
//! usual loaders do not: positions on every node and key (for diagnostics),
//! duplicate keys (reported, not silently overwritten), and alias expansion
//! with a budget, so that a "billion laughs" document is an error and not an
//! out-of-memory kill. Scalars are resolved with the YAML 1.2 core schema.
//! Merge keys (`<<`) are honoured, as Kubernetes' YAML loader does.
//!
//! Pure: text in, tree out.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    fn from_span(span: &Span) -> Self {
        Pos {
            line: span.start.line() as u32,
            col: span.start.col() as u32 + 1,
        }
    }
}

/// One YAML node with the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: NodeValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry: the key (always a string, as in JSON) with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// Something wrong with the YAML itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlProblem {
    pub kind: YamlProblemKind,
    pub pos: Pos,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlProblemKind {
    Syntax,
    AliasLimit,
    DuplicateKey,
}

/// The documents of one YAML stream, plus non-fatal problems (duplicate keys).
#[derive(Debug, Default)]
pub struct Stream {
    pub documents: Vec<Node>,
    pub problems: Vec<YamlProblem>,
}

/// Parses a YAML stream. A syntax error or an exceeded alias budget stops the
/// parse (the whole file is unusable); duplicate keys are collected and the
/// parse goes on. `max_alias_nodes` bounds how many nodes aliases may add in
/// the whole stream.
pub fn parse_stream(text: &str, max_alias_nodes: usize) -> Result<Stream, YamlProblem> {
    let mut builder = Builder {
        max_alias_nodes,
        ..Builder::default()
    };
    let parser = Parser::new_from_str(text);
    for item in parser {
        let (event, span) = item.map_err(|e| YamlProblem {
            kind: YamlProblemKind::Syntax,
            pos: Pos {
                line: e.marker().line() as u32,
                col: e.marker().col() as u32 + 1,
            },
            message: e.info().to_string(),
        })?;
        builder.on_event(event, &span)?;
    }
    Ok(Stream {
        documents: builder.documents,
        problems: builder.problems,
    })
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    documents: Vec<Node>,
    problems: Vec<YamlProblem>,
    alias_nodes: usize,
    max_alias_nodes: usize,
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<(String, Pos)>,
    },
}

impl Builder {
    fn on_event(&mut self, event: Event<'_>, span: &Span) -> Result<(), YamlProblem> {
        let pos = Pos::from_span(span);
        match event {
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq { pos, anchor, items }) => self.remember(
                        anchor,
                        Node {
                            pos,
                            value: NodeValue::Seq(items),
                        },
                    ),
                    Some(Frame::Map {
                        pos,
                        anchor,
                        entries,
                        ..
                    }) => {
                        let entries = self.merge_keys(entries);
                        self.remember(
                            anchor,
                            Node {
                                pos,
                                value: NodeValue::Map(entries),
                            },
                        )
                    }
                    None => return Ok(()),
                };
                self.push(node)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = resolve_scalar(&text, style, tag.as_ref().map(|t| t.suffix.as_str()));
                let node = self.remember(anchor, Node { pos, value });
                self.push(node)?;
            }
            Event::Alias(id) => {
                let node = match self.anchors.get(&id) {
                    Some((node, size)) => {
                        self.alias_nodes += size;
                        if self.alias_nodes > self.max_alias_nodes {
                            return Err(YamlProblem {
                                kind: YamlProblemKind::AliasLimit,
                                pos,
                                message: format!(
                                    "aliases expand to more than {} nodes",
                                    self.max_alias_nodes
                                ),
                            });
                        }
                        Node {
                            pos,
                            value: node.value.clone(),
                        }
                    }
                    None => {
                        return Err(YamlProblem {
                            kind: YamlProblemKind::Syntax,
                            pos,
                            message: "alias refers to an unknown anchor".into(),
                        })
                    }
                };
                self.push(node)?;
            }
            Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::StreamStart
            | Event::StreamEnd
            | Event::Nothing => {}
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: Node) -> Node {
        if anchor != 0 {
            let size = count_nodes(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        node
    }

    fn push(&mut self, node: Node) -> Result<(), YamlProblem> {
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    // The key node is not kept: its string moves into the key.
                    let key = match node.value {
                        NodeValue::Str(s) => s,
                        NodeValue::Int(i) => i.to_string(),
                        NodeValue::Bool(b) => b.to_string(),
                        NodeValue::Float(f) => f.to_string(),
                        NodeValue::Null => "null".to_string(),
                        NodeValue::Seq(_) | NodeValue::Map(_) => {
                            return Err(YamlProblem {
                                kind: YamlProblemKind::Syntax,
                                pos: node.pos,
                                message: "mapping keys must be scalars".into(),
                            })
                        }
                    };
                    *pending_key = Some((key, node.pos));
                }
                Some((key, key_pos)) => {
                    if let Some(first) = entries.iter().find(|e| e.key == key && key != "<<") {
                        self.problems.push(YamlProblem {
                            kind: YamlProblemKind::DuplicateKey,
                            pos: key_pos,
                            message: format!(
                                "duplicate key `{key}` (first at line {}, column {})",
                                first.key_pos.line, first.key_pos.col
                            ),
                        });
                        // Keep the first value, as Kubernetes' strict decoder would reject
                        // the document anyway; the error above makes the repository invalid.
                        return Ok(());
                    }
                    entries.push(Entry {
                        key,
                        key_pos,
                        value: node,
                    });
                }
            },
        }
        Ok(())
    }

    /// Applies YAML merge keys: entries of `<<: *anchor` (or a list of them)
    /// are added where the mapping does not set the key itself.
    fn merge_keys(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        if !entries.iter().any(|e| e.key == "<<") {
            return entries;
        }
        let (merges, mut own): (Vec<Entry>, Vec<Entry>) =
            entries.into_iter().partition(|e| e.key == "<<");
        for merge in merges {
            let sources: Vec<Node> = match merge.value.value {
                NodeValue::Map(_) => vec![merge.value],
                NodeValue::Seq(items) => items,
                _ => {
                    self.problems.push(YamlProblem {
                        kind: YamlProblemKind::Syntax,
                        pos: merge.key_pos,
                        message: "a merge key `<<` must refer to a mapping or a list of mappings"
                            .into(),
                    });
                    continue;
                }
            };
            for source in sources {
                if let NodeValue::Map(src_entries) = source.value {
                    for e in src_entries {
                        if !own.iter().any(|o| o.key == e.key) {
                            own.push(e);
                        }
                    }
                }
            }
        }
        own
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        NodeValue::Seq(items) => items.iter().map(count_nodes).sum(),
        NodeValue::Map(entries) => entries.iter().map(|e| 1 + count_nodes(&e.value)).sum(),
        _ => 0,
    }
}

/// Resolves a scalar with the YAML 1.2 core schema. Quoted and block scalars
/// are always strings; `!!str` forces a string.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> NodeValue {
    if style != ScalarStyle::Plain || tag == Some("str") {
        return NodeValue::Str(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "true" | "True" | "TRUE" => return NodeValue::Bool(true),
        "false" | "False" | "FALSE" => return NodeValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeValue::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeValue::Float(f64::NAN),
        _ => {}
    }
    if let Some(int) = parse_int(text) {
        return NodeValue::Int(int);
    }
    if looks_like_float(text) {
        if let Ok(f) = text.parse::<f64>() {
            return NodeValue::Float(f);
        }
    }
    NodeValue::Str(text.to_string())
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    None
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn looks_like_float(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (!a.is_empty() || !b.is_empty())
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

impl Node {
    /// The JSON value of this node (keys in document order).
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::Number((*i).into()),
            NodeValue::Float(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(f.to_string())),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for e in entries {
                    map.insert(e.key.clone(), e.value.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// The child of a mapping by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    /// The position that best describes a JSON pointer (`/spec/replicas`) into
    /// this node: the value itself when it exists, otherwise the deepest
    /// existing ancestor. With `prefer_key`, a final mapping key points at the
    /// key rather than its value (used for "unknown field").
    pub fn pos_at(&self, pointer: &str, prefer_key: bool) -> Pos {
        let mut node = self;
        let mut pos = self.pos;
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            match &node.value {
                NodeValue::Map(entries) => match entries.iter().find(|e| e.key == segment) {
                    Some(e) => {
                        pos = if prefer_key { e.key_pos } else { e.value.pos };
                        node = &e.value;
                    }
                    None => return pos,
                },
                NodeValue::Seq(items) => {
                    match segment.parse::<usize>().ok().and_then(|i| items.get(i)) {
                        Some(item) => {
                            pos = item.pos;
                            node = item;
                        }
                        None => return pos,
                    }
                }
                _ => return pos,
            }
        }
        pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Value {
        let s = parse_stream(text, 1000).unwrap();
        s.documents[0].to_json()
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
        let doc = &s.documents[0];
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
            s.documents[0].to_json()["d"],
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
}
