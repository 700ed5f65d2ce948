//! YAML → JSON values, with where every node and key came from.
//!
//! Built directly from `saphyr-parser` events so that we control what the
//! usual loaders do not: positions of every node and key (for diagnostics),
//! duplicate keys (reported, not silently overwritten), and alias expansion
//! with a budget, so that a "billion laughs" document is an error and not an
//! out-of-memory kill. Scalars are resolved with the YAML 1.2 core schema
//! ([`scalar`]). Merge keys (`<<`) are honoured, as Kubernetes' YAML loader
//! does.
//!
//! Each document is built once, as the JSON value the rest of flotilla reads,
//! plus a tree of positions in the same order ([`Spans`]): no string is held
//! twice, and dropping the positions frees no strings.
//!
//! Pure: text in, values out.

mod positions;
mod scalar;
#[cfg(test)]
mod tests;

pub use positions::{Children, Positions, Spans};

use saphyr_parser::{Event, Parser, Span};
use serde_json::{Map, Value};
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

/// One document: its value and where its nodes start.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub value: Value,
    pub spans: Spans,
}

impl Document {
    /// The value with its positions, for diagnostics.
    pub fn positions(&self) -> Positions<'_> {
        Positions::new(&self.value, &self.spans)
    }
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
    pub documents: Vec<Document>,
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
    /// Per anchor: the node, and how many nodes an alias to it adds.
    anchors: HashMap<usize, (Value, Spans, usize)>,
    documents: Vec<Document>,
    problems: Vec<YamlProblem>,
    alias_nodes: usize,
    max_alias_nodes: usize,
}

/// A collection being built.
enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Value>,
        spans: Vec<Spans>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        /// In document order; a JSON map is made when the mapping ends, at
        /// its final size.
        entries: Vec<(String, Value)>,
        /// Per entry of `entries`, in the same order.
        spans: Vec<(Pos, Spans)>,
        /// `<<` entries (key position, value), merged when the mapping ends.
        merges: Vec<(Pos, Value, Spans)>,
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
                    spans: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    spans: Vec::new(),
                    merges: Vec::new(),
                    pending_key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, spans, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        pos,
                        anchor,
                        items,
                        spans,
                    }) => (
                        Value::Array(items),
                        Spans {
                            pos,
                            children: Children::Seq(spans),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        pos,
                        anchor,
                        mut entries,
                        mut spans,
                        merges,
                        ..
                    }) => {
                        self.merge_keys(&mut entries, &mut spans, merges);
                        let mut map = Map::with_capacity(entries.len());
                        map.extend(entries);
                        (
                            Value::Object(map),
                            Spans {
                                pos,
                                children: Children::Map(spans),
                            },
                            anchor,
                        )
                    }
                    None => return Ok(()),
                };
                self.remember(anchor, &value, &spans);
                self.push(value, spans)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar::resolve(&text, style, tag.as_ref().map(|t| t.suffix.as_str()));
                let spans = Spans::leaf(pos);
                self.remember(anchor, &value, &spans);
                self.push(value, spans)?;
            }
            Event::Alias(id) => {
                let Some((value, spans, size)) = self.anchors.get(&id) else {
                    return Err(YamlProblem {
                        kind: YamlProblemKind::Syntax,
                        pos,
                        message: "alias refers to an unknown anchor".into(),
                    });
                };
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
                // The alias itself is where it is written; what it expands to
                // keeps the anchor's positions.
                let spans = Spans {
                    pos,
                    children: spans.children.clone(),
                };
                let value = value.clone();
                self.push(value, spans)?;
            }
            Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::StreamStart
            | Event::StreamEnd
            | Event::Nothing => {}
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, value: &Value, spans: &Spans) {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (value.clone(), spans.clone(), count_nodes(value)));
        }
    }

    fn push(&mut self, value: Value, spans: Spans) -> Result<(), YamlProblem> {
        match self.stack.last_mut() {
            None => self.documents.push(Document { value, spans }),
            Some(Frame::Seq {
                items,
                spans: children,
                ..
            }) => {
                items.push(value);
                children.push(spans);
            }
            Some(Frame::Map {
                entries,
                spans: children,
                merges,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    let Some(key) = key_text(value) else {
                        return Err(YamlProblem {
                            kind: YamlProblemKind::Syntax,
                            pos: spans.pos,
                            message: "mapping keys must be scalars".into(),
                        });
                    };
                    *pending_key = Some((key, spans.pos));
                }
                Some((key, key_pos)) if key == "<<" => merges.push((key_pos, value, spans)),
                Some((key, key_pos)) => {
                    if let Some(i) = entries.iter().position(|(k, _)| *k == key) {
                        let first = children.get(i).map_or(key_pos, |(first, _)| *first);
                        self.problems.push(YamlProblem {
                            kind: YamlProblemKind::DuplicateKey,
                            pos: key_pos,
                            message: format!(
                                "duplicate key `{key}` (first at line {}, column {})",
                                first.line, first.col
                            ),
                        });
                        // Keep the first value, as Kubernetes' strict decoder would reject
                        // the document anyway; the error above makes the repository invalid.
                        return Ok(());
                    }
                    entries.push((key, value));
                    children.push((key_pos, spans));
                }
            },
        }
        Ok(())
    }

    /// Applies YAML merge keys: the entries of `<<: *anchor` (or of a list
    /// of them, first first) are added where the mapping does not set the
    /// key itself, after its own entries.
    fn merge_keys(
        &mut self,
        entries: &mut Vec<(String, Value)>,
        spans: &mut Vec<(Pos, Spans)>,
        merges: Vec<(Pos, Value, Spans)>,
    ) {
        for (key_pos, value, value_spans) in merges {
            let sources: Vec<(Value, Spans)> = match (value, value_spans.children) {
                (Value::Object(map), children) => vec![(
                    Value::Object(map),
                    Spans {
                        pos: value_spans.pos,
                        children,
                    },
                )],
                (Value::Array(items), Children::Seq(children)) => {
                    items.into_iter().zip(children).collect()
                }
                _ => {
                    self.problems.push(YamlProblem {
                        kind: YamlProblemKind::Syntax,
                        pos: key_pos,
                        message: "a merge key `<<` must refer to a mapping or a list of mappings"
                            .into(),
                    });
                    continue;
                }
            };
            for (source, source_spans) in sources {
                if let (Value::Object(map), Children::Map(children)) =
                    (source, source_spans.children)
                {
                    for ((key, value), child) in map.into_iter().zip(children) {
                        if !entries.iter().any(|(k, _)| *k == key) {
                            entries.push((key, value));
                            spans.push(child);
                        }
                    }
                }
            }
        }
    }
}

/// A scalar used as a mapping key, as its text (keys are strings in JSON).
fn key_text(value: Value) -> Option<String> {
    Some(match value {
        Value::String(s) => s,
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => n.as_f64().unwrap_or_default().to_string(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

/// Nodes in a value, mapping keys included: what an alias to it adds.
fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(|v| 1 + count_nodes(v)).sum(),
        _ => 0,
    }
}
