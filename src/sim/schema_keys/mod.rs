//! Which lists of the built-in kinds merge by key, and by which keys: the
//! one table both strategic merge patch ([`super::patch`]) and server-side
//! apply ([`super::apply`]) read, so the two can never disagree about what a
//! `containers` list is.
//!
//! Kubernetes keeps this knowledge in Go struct tags: `patchStrategy` and
//! `patchMergeKey` for strategic merge patch, `+listType`/`+listMapKey` (and
//! `+structType=atomic`) for server-side apply. They mostly agree; where they
//! differ a [`ListRule`] holds both (container `ports` merge by
//! `containerPort` in a strategic patch but are keyed by
//! `containerPort`+`protocol` in managed fields).
//!
//! In: a group and kind, then field names walked down from the object root.
//! Out: a [`FieldSchema`] per field. Anything the table does not name is a
//! plain map (merged key by key) or an atomic list (replaced whole), which
//! is also what a CRD without list annotations gets. Pure data; the table
//! itself is in `table.rs`.

mod table;

use table::{Field, Node, ATOMIC_LIST, BUILTIN, CUSTOM_ROOT};

/// How server-side apply treats a list (`+listType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListType {
    /// Replaced as a whole; one owner for the list.
    Atomic,
    /// A list of scalars merged as a set (`v:` path elements).
    Set,
    /// A list of objects merged by these key fields (`k:` path elements).
    Map(&'static [KeyField]),
}

/// A key field of an associative list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyField {
    pub name: &'static str,
    /// The value an item without the field is keyed by (container and
    /// service ports default `protocol` to `TCP`).
    pub default: Option<&'static str>,
}

/// How strategic merge patch treats a list (`patchStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The patch's list replaces the live one.
    Replace,
    /// `patchStrategy:"merge"`: objects merge by `key`; scalars (`key` is
    /// `None`) merge as a set and honour `$deleteFromPrimitiveList`.
    Merge { key: Option<&'static str> },
}

/// Both views of one list field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListRule {
    pub ssa: ListType,
    pub smp: Strategy,
}

/// What the table says about one field.
#[derive(Debug, Clone, Copy)]
pub struct FieldSchema {
    /// How the field merges if it holds a list.
    pub list: ListRule,
    /// `+structType=atomic`: server-side apply owns and replaces it whole.
    pub atomic: bool,
    /// A Go value struct (or non-`omitempty` list): present, as empty,
    /// whenever its parent is. Managed fields then never list the field
    /// itself (`.`), only what it contains.
    pub always: bool,
    /// The schema of the field's value, or of each list item.
    pub child: Schema,
}

/// A position in the table: the struct being walked, if the table knows it.
#[derive(Debug, Clone, Copy)]
pub struct Schema(Option<&'static Node>);

impl Schema {
    /// The schema of a built-in kind; `None` for custom resources (the API
    /// server rejects strategic merge patches for them).
    pub fn for_kind(group: &str, kind: &str) -> Option<Schema> {
        BUILTIN
            .iter()
            .find(|(g, k, _)| *g == group && *k == kind)
            .map(|(_, _, node)| Schema(Some(*node)))
    }

    /// The schema of a custom resource: only `metadata` is known.
    pub fn custom() -> Schema {
        Schema(Some(&CUSTOM_ROOT))
    }

    /// Nothing known (a plain map, or the items of an atomic list).
    pub fn unknown() -> Schema {
        Schema(None)
    }

    /// The field `name` of the struct at this position.
    pub fn field(&self, name: &str) -> FieldSchema {
        let found = self
            .0
            .and_then(|n| n.fields.iter().find(|(f, _)| *f == name))
            .map(|(_, field)| field);
        let mut out = FieldSchema {
            list: ATOMIC_LIST,
            atomic: false,
            always: false,
            child: Schema(None),
        };
        match found {
            None => {}
            Some(Field::Struct(node, always)) => {
                out.child = Schema(Some(*node));
                out.always = *always;
            }
            Some(Field::Atomic) => out.atomic = true,
            Some(Field::List(rule, item, always)) => {
                out.list = *rule;
                out.child = Schema(*item);
                out.always = *always;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::table::{CONTAINER_PORT, IP, NAME, SERVICE_PORT, TYPE, UID};
    use super::*;
    use crate::sim::resources::Registry;

    fn walk(group: &str, kind: &str, path: &[&str]) -> FieldSchema {
        let mut s = Schema::for_kind(group, kind).expect("built-in kind");
        let (last, parents) = path.split_last().expect("a path");
        for p in parents {
            s = s.field(p).child;
        }
        s.field(last)
    }

    #[test]
    fn every_builtin_resource_has_a_schema() {
        for t in Registry::default().types() {
            if !t.read_only {
                assert!(
                    Schema::for_kind(&t.group, &t.kind).is_some(),
                    "{}/{}",
                    t.group,
                    t.kind
                );
            }
        }
        assert!(Schema::for_kind("example.com", "Widget").is_none());
    }

    #[test]
    fn list_rules_by_path() {
        let merge = |k| Strategy::Merge { key: Some(k) };
        let pod = ["spec", "template", "spec"];
        let at = |rest: &[&'static str]| -> Vec<&'static str> {
            pod.iter().chain(rest).copied().collect()
        };
        type Case = (
            &'static str,
            &'static str,
            Vec<&'static str>,
            ListType,
            Strategy,
        );
        let cases: Vec<Case> = vec![
            (
                "apps",
                "Deployment",
                at(&["containers"]),
                ListType::Map(NAME),
                merge("name"),
            ),
            (
                "apps",
                "Deployment",
                at(&["containers", "ports"]),
                ListType::Map(CONTAINER_PORT),
                merge("containerPort"),
            ),
            (
                "apps",
                "Deployment",
                at(&["containers", "volumeMounts"]),
                ListType::Map(super::table::MOUNT_PATH),
                merge("mountPath"),
            ),
            (
                "apps",
                "Deployment",
                at(&["tolerations"]),
                ListType::Atomic,
                Strategy::Replace,
            ),
            (
                "apps",
                "Deployment",
                at(&["containers", "args"]),
                ListType::Atomic,
                Strategy::Replace,
            ),
            (
                "apps",
                "Deployment",
                vec!["metadata", "finalizers"],
                ListType::Set,
                Strategy::Merge { key: None },
            ),
            (
                "apps",
                "Deployment",
                vec!["status", "conditions"],
                ListType::Map(TYPE),
                merge("type"),
            ),
            (
                "batch",
                "CronJob",
                vec![
                    "spec",
                    "jobTemplate",
                    "spec",
                    "template",
                    "spec",
                    "initContainers",
                    "env",
                ],
                ListType::Map(NAME),
                merge("name"),
            ),
            (
                "",
                "Service",
                vec!["spec", "ports"],
                ListType::Map(SERVICE_PORT),
                merge("port"),
            ),
            (
                "",
                "Pod",
                vec!["metadata", "ownerReferences"],
                ListType::Map(UID),
                merge("uid"),
            ),
            (
                "",
                "Pod",
                vec!["spec", "hostAliases"],
                ListType::Map(IP),
                merge("ip"),
            ),
        ];
        for (group, kind, path, ssa, smp) in cases {
            let f = walk(group, kind, &path);
            assert_eq!((f.list.ssa, f.list.smp), (ssa, smp), "{kind} {path:?}");
        }
        assert!(walk("apps", "Deployment", &["spec", "selector"]).atomic);
        assert!(walk("apps", "Deployment", &["spec", "template"]).always);
        assert!(!walk("apps", "Deployment", &["metadata", "labels"]).always);
        let cr = Schema::custom();
        assert!(cr.field("metadata").always && !cr.field("spec").always);
        assert_eq!(
            cr.field("metadata").child.field("finalizers").list.ssa,
            ListType::Set
        );
    }
}
