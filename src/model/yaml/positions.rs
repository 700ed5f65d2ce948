//! Where each node of a parsed document starts, kept beside its JSON value.
//!
//! [`Spans`] has the shape of the value, without its strings: a mapping's
//! children are in the order of the value's keys (document order; JSON maps
//! here keep insertion order), so a key is looked up in the value and its
//! position read at the same index. [`Positions`] pairs the two and turns a
//! JSON pointer into a [`Pos`].

use super::{Document, Pos};
use serde_json::Value;

/// The position of a node and, for a collection, of its children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spans {
    pub pos: Pos,
    pub children: Children,
}

/// The children of a node, in the order of the value's items or keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Children {
    /// A scalar.
    #[default]
    Leaf,
    Seq(Vec<Spans>),
    /// Per key: where the key starts, and its value's spans.
    Map(Vec<(Pos, Spans)>),
}

impl Spans {
    pub(super) fn leaf(pos: Pos) -> Self {
        Spans {
            pos,
            children: Children::Leaf,
        }
    }
}

/// A value as parsed, with the positions of its nodes. The value must be the
/// one the spans were parsed with: changing its keys misaligns them.
#[derive(Debug, Clone, Copy)]
pub struct Positions<'a> {
    value: &'a Value,
    spans: &'a Spans,
}

impl<'a> From<&'a Document> for Positions<'a> {
    fn from(doc: &'a Document) -> Self {
        Positions::new(&doc.value, &doc.spans)
    }
}

impl<'a> Positions<'a> {
    pub fn new(value: &'a Value, spans: &'a Spans) -> Self {
        Positions { value, spans }
    }

    /// The position that best describes a JSON pointer (`/spec/replicas`)
    /// into the value: the node itself when it exists, otherwise the
    /// deepest existing ancestor. With `prefer_key`, a final mapping key
    /// points at the key rather than its value (used for "unknown field").
    pub fn pos_at(&self, pointer: &str, prefer_key: bool) -> Pos {
        let (mut value, mut spans) = (self.value, self.spans);
        let mut pos = spans.pos;
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            let child = match (value, &spans.children) {
                (Value::Object(map), Children::Map(children)) => map
                    .iter()
                    .zip(children)
                    .find(|((key, _), _)| **key == segment)
                    .map(|((_, v), (key_pos, s))| {
                        (v, s, if prefer_key { *key_pos } else { s.pos })
                    }),
                (Value::Array(items), Children::Seq(children)) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| Some((items.get(i)?, children.get(i)?)))
                    .map(|(v, s)| (v, s, s.pos)),
                _ => None,
            };
            let Some((v, s, at)) = child else {
                return pos;
            };
            (value, spans, pos) = (v, s, at);
        }
        pos
    }
}
