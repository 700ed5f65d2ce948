//! Sets of field paths, as structured-merge-diff keeps them per field
//! manager, and their `FieldsV1` encoding in `metadata.managedFields`:
//! `{"f:spec":{"f:replicas":{}}}`, with `k:{"name":"x"}` for an item of an
//! associative list (its key fields, sorted), `v:<json>` for an item of a
//! set, `i:<n>` for a list position, and `"."` when a node is itself a
//! member as well as a parent.
//!
//! A set is a tree: `members` are the paths that end here, `children` the
//! subsets below. Operations keep it normal (no empty children), so two
//! sets with the same paths are equal.

use crate::gojson::go_json;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathElement {
    /// A field of an object: `f:name`, printed `.name`.
    Field(String),
    /// An associative list item by its key fields (sorted by name):
    /// `k:{"name":"x"}`, printed `[name="x"]`.
    Key(Vec<(String, Value)>),
    /// A set item: `v:"x"`, printed `[="x"]`.
    Value(Value),
    /// A list position: `i:0`, printed `[0]`.
    Index(usize),
}

/// A path from the object root.
pub type Path = Vec<PathElement>;

impl PathElement {
    /// The `FieldsV1` key.
    pub fn encode(&self) -> String {
        match self {
            PathElement::Field(f) => format!("f:{f}"),
            PathElement::Key(kv) => {
                let m: Map<String, Value> = kv.iter().cloned().collect();
                format!("k:{}", go_json(&Value::Object(m)))
            }
            PathElement::Value(v) => format!("v:{}", go_json(v)),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Parses a `FieldsV1` key (not `"."`).
    pub fn decode(s: &str) -> Result<PathElement, String> {
        let bad = || format!("invalid path element {s:?}");
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        match kind {
            "f" => Ok(PathElement::Field(rest.to_string())),
            "k" => match serde_json::from_str(rest) {
                Ok(Value::Object(m)) => {
                    let mut kv: Vec<(String, Value)> = m.into_iter().collect();
                    kv.sort_by(|a, b| a.0.cmp(&b.0));
                    Ok(PathElement::Key(kv))
                }
                _ => Err(bad()),
            },
            "v" => serde_json::from_str(rest)
                .map(PathElement::Value)
                .map_err(|_| bad()),
            "i" => rest.parse().map(PathElement::Index).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Field(name) => write!(f, ".{name}"),
            PathElement::Key(kv) => {
                let parts: Vec<String> = kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "[{}]", parts.join(","))
            }
            PathElement::Value(v) => write!(f, "[={v}]"),
            PathElement::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// `.spec.template.spec.containers[name="nginx"].image`, as Kubernetes
/// prints a path in conflict messages.
pub fn path_string(path: &[PathElement]) -> String {
    path.iter().map(ToString::to_string).collect()
}

/// structured-merge-diff's order: fields, then keys, then values, then
/// indices.
impl Ord for PathElement {
    fn cmp(&self, other: &Self) -> Ordering {
        use PathElement::*;
        let rank = |p: &PathElement| match p {
            Field(_) => 0,
            Key(_) => 1,
            Value(_) => 2,
            Index(_) => 3,
        };
        match (self, other) {
            (Field(a), Field(b)) => a.cmp(b),
            (Key(a), Key(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|((ak, av), (bk, bv))| ak.cmp(bk).then_with(|| cmp_value(av, bv)))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            (Value(a), Value(b)) => cmp_value(a, b),
            (Index(a), Index(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

impl PartialOrd for PathElement {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// structured-merge-diff's total order on values: numbers, strings,
/// booleans, lists, maps, null.
fn cmp_value(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| match v {
        Value::Number(_) => 0,
        Value::String(_) => 1,
        Value::Bool(_) => 2,
        Value::Array(_) => 3,
        Value::Object(_) => 4,
        Value::Null => 5,
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(p, q)| cmp_value(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (Value::Object(x), Value::Object(y)) => {
            let sorted = |m: &Map<String, Value>| {
                let mut e: Vec<(String, Value)> =
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                e.sort_by(|p, q| p.0.cmp(&q.0));
                e
            };
            let (x, y) = (sorted(x), sorted(y));
            x.iter()
                .zip(&y)
                .map(|((xk, xv), (yk, yv))| xk.cmp(yk).then_with(|| cmp_value(xv, yv)))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| x.len().cmp(&y.len()))
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// A set of field paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    members: BTreeSet<PathElement>,
    children: BTreeMap<PathElement, FieldSet>,
}

impl FieldSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.is_empty()
    }

    /// Adds `path` (the empty path is not a member of anything).
    pub fn insert(&mut self, path: &[PathElement]) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut set = self;
        for pe in parents {
            set = set.children.entry(pe.clone()).or_default();
        }
        set.members.insert(last.clone());
    }

    pub fn contains(&self, path: &[PathElement]) -> bool {
        match path.split_last() {
            None => false,
            Some((last, parents)) => self.at(parents).is_some_and(|s| s.members.contains(last)),
        }
    }

    /// The subset below `prefix`.
    pub fn at(&self, prefix: &[PathElement]) -> Option<&FieldSet> {
        prefix.iter().try_fold(self, |set, pe| set.children.get(pe))
    }

    pub(super) fn has_member(&self, pe: &PathElement) -> bool {
        self.members.contains(pe)
    }

    pub(super) fn child(&self, pe: &PathElement) -> Option<&FieldSet> {
        self.children.get(pe)
    }

    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        out.members.extend(other.members.iter().cloned());
        for (pe, c) in &other.children {
            let merged = match out.children.get(pe) {
                Some(mine) => mine.union(c),
                None => c.clone(),
            };
            out.children.insert(pe.clone(), merged);
        }
        out
    }

    /// The paths of `self` that are not paths of `other`.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        FieldSet {
            members: self.members.difference(&other.members).cloned().collect(),
            children: self
                .children
                .iter()
                .map(|(pe, c)| match other.children.get(pe) {
                    Some(o) => (pe.clone(), c.difference(o)),
                    None => (pe.clone(), c.clone()),
                })
                .filter(|(_, c)| !c.is_empty())
                .collect(),
        }
    }

    /// Removes the paths of `other` from `self`, in place: what
    /// [`FieldSet::difference`] computes, at a cost that follows `other`
    /// (a write's few changed fields) rather than `self` (everything a
    /// manager owns).
    pub fn subtract(&mut self, other: &FieldSet) {
        for m in &other.members {
            self.members.remove(m);
        }
        for (pe, o) in &other.children {
            if let Some(c) = self.children.get_mut(pe) {
                c.subtract(o);
                if c.is_empty() {
                    self.children.remove(pe);
                }
            }
        }
    }

    /// The paths of `self` that are not paths of `other` and do not lie
    /// below one (removing `status` removes everything in it).
    pub fn recursive_difference(&self, other: &FieldSet) -> FieldSet {
        FieldSet {
            members: self.members.difference(&other.members).cloned().collect(),
            children: self
                .children
                .iter()
                .filter(|(pe, _)| !other.members.contains(pe))
                .map(|(pe, c)| match other.children.get(pe) {
                    Some(o) => (pe.clone(), c.recursive_difference(o)),
                    None => (pe.clone(), c.clone()),
                })
                .filter(|(_, c)| !c.is_empty())
                .collect(),
        }
    }

    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        FieldSet {
            members: self.members.intersection(&other.members).cloned().collect(),
            children: self
                .children
                .iter()
                .filter_map(|(pe, c)| {
                    other
                        .children
                        .get(pe)
                        .map(|o| (pe.clone(), c.intersection(o)))
                })
                .filter(|(_, c)| !c.is_empty())
                .collect(),
        }
    }

    /// Every path of the set, in order.
    pub fn paths(&self) -> Vec<Path> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Path, out: &mut Vec<Path>) {
        let mut pes: BTreeSet<&PathElement> = self.members.iter().collect();
        pes.extend(self.children.keys());
        for pe in pes {
            prefix.push(pe.clone());
            if self.members.contains(pe) {
                out.push(prefix.clone());
            }
            if let Some(c) = self.children.get(pe) {
                c.collect(prefix, out);
            }
            prefix.pop();
        }
    }

    /// The `FieldsV1` JSON of the set.
    pub fn to_fields_v1(&self) -> Value {
        let mut pes: BTreeSet<&PathElement> = self.members.iter().collect();
        pes.extend(self.children.keys());
        let mut m = Map::new();
        for pe in pes {
            let mut node = match self.children.get(pe) {
                Some(c) => match c.to_fields_v1() {
                    Value::Object(o) => o,
                    _ => Map::new(),
                },
                None => Map::new(),
            };
            if self.members.contains(pe) && self.children.contains_key(pe) {
                let mut with_dot = Map::new();
                with_dot.insert(".".into(), Value::Object(Map::new()));
                with_dot.extend(node);
                node = with_dot;
            }
            m.insert(pe.encode(), Value::Object(node));
        }
        Value::Object(m)
    }

    /// Parses `FieldsV1` JSON.
    pub fn from_fields_v1(v: &Value) -> Result<FieldSet, String> {
        let Value::Object(m) = v else {
            return Err("fieldsV1 is not an object".into());
        };
        let mut set = FieldSet::new();
        for (k, child) in m {
            if k == "." {
                continue;
            }
            let pe = PathElement::decode(k)?;
            let is_member = match child {
                Value::Object(c) => c.is_empty() || c.contains_key("."),
                _ => return Err(format!("fieldsV1 entry {k:?} is not an object")),
            };
            if is_member {
                set.members.insert(pe.clone());
            }
            let sub = FieldSet::from_fields_v1(child)?;
            if !sub.is_empty() {
                set.children.insert(pe, sub);
            }
        }
        Ok(set)
    }
}
