//! The stages of one cluster's apply: which objects can be checked by a
//! dry run only after definitions applied by the same plan exist (objects
//! in a Namespace it creates, custom resources of a CRD it applies), and
//! the layers of apply order (objects of the same kind rank, applied
//! together). Pure.

use super::plan::{ApplyItem, Why};
use crate::model::common::ObjectRef;
use crate::render::order::kind_rank;
use std::collections::BTreeSet;
use std::ops::Range;

/// The Namespaces a plan creates and the kinds its CRDs define.
#[derive(Debug, Default, PartialEq)]
pub struct Definitions<'a> {
    namespaces: BTreeSet<&'a str>,
    /// `(group, kind)`.
    kinds: BTreeSet<(&'a str, &'a str)>,
}

impl<'a> Definitions<'a> {
    pub fn of(items: &'a [ApplyItem]) -> Self {
        let namespaces = items
            .iter()
            .filter(|a| a.id.kind == "Namespace" && a.id.group().is_empty())
            .filter(|a| a.why == Why::Missing)
            .map(|a| a.id.name.as_str())
            .collect();
        let kinds = items
            .iter()
            .filter(|a| {
                a.id.kind == "CustomResourceDefinition" && a.id.group() == "apiextensions.k8s.io"
            })
            .filter_map(|a| {
                let spec = a.body.get("spec")?;
                Some((
                    spec.get("group")?.as_str()?,
                    spec.pointer("/names/kind")?.as_str()?,
                ))
            })
            .collect();
        Definitions { namespaces, kinds }
    }

    /// `id` lives in a Namespace the plan creates.
    pub fn in_new_namespace(&self, id: &ObjectRef) -> bool {
        id.namespace
            .as_deref()
            .is_some_and(|ns| self.namespaces.contains(ns))
    }

    /// `id`'s kind is defined by a CRD of the plan.
    pub fn defines_kind(&self, id: &ObjectRef) -> bool {
        self.kinds.contains(&(id.group(), id.kind.as_str()))
    }
}

/// Consecutive runs of items with the same kind rank, in order.
pub fn layers(items: &[ApplyItem]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for (i, a) in items.iter().enumerate() {
        match out.last_mut() {
            Some(r) if kind_rank(&items[r.start].id.kind) == kind_rank(&a.id.kind) => r.end = i + 1,
            _ => out.push(i..i + 1),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn item(
        api: &str,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        why: Why,
        body: Value,
    ) -> ApplyItem {
        ApplyItem {
            id: ObjectRef {
                api_version: api.into(),
                kind: kind.into(),
                namespace: ns.map(str::to_string),
                name: name.into(),
            },
            why,
            hash: String::new(),
            body,
            force: false,
            live: None,
        }
    }

    #[test]
    fn definitions_and_layers() {
        let crd = json!({"spec": {"group": "example.com", "names": {"kind": "Widget"}}});
        let items = vec![
            item("v1", "Namespace", None, "new", Why::Missing, json!({})),
            item("v1", "Namespace", None, "old", Why::Adopt, json!({})),
            item(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                "widgets.example.com",
                Why::Missing,
                crd,
            ),
            item("v1", "ConfigMap", Some("new"), "a", Why::Missing, json!({})),
            item("v1", "ConfigMap", Some("old"), "b", Why::Missing, json!({})),
            item(
                "example.com/v1",
                "Widget",
                Some("old"),
                "w",
                Why::Missing,
                json!({}),
            ),
            item(
                "example.com/v1",
                "Gadget",
                Some("old"),
                "g",
                Why::Missing,
                json!({}),
            ),
        ];
        let defs = Definitions::of(&items);
        let new_ns: Vec<bool> = items.iter().map(|a| defs.in_new_namespace(&a.id)).collect();
        assert_eq!(new_ns, [false, false, false, true, false, false, false]);
        let kinds: Vec<bool> = items.iter().map(|a| defs.defines_kind(&a.id)).collect();
        assert_eq!(kinds, [false, false, false, false, false, true, false]);
        assert_eq!(layers(&items), [0..2, 2..3, 3..5, 5..7]);
        assert!(layers(&[]).is_empty());
    }
}
