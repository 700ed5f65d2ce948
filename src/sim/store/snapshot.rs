//! The objects of a store at one resource version, as the controllers read
//! them ([`World`]). Taking one under the store's lock is cheap (shared
//! pointers to the serialized versions); the parsing happens outside it,
//! one resource at a time, when a controller first lists that resource.
//! A snapshot can take over what an earlier one parsed of the versions
//! that have not changed since, so the rounds of one wake-up of the runner
//! parse only what the previous round wrote; and it tells whether the
//! controllers would see the world as they saw the earlier one, which an
//! earlier snapshot stripped of its parsed objects still can.

use super::{Store, Stored};
use crate::sim::controllers::{Resource, World};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

pub struct Snapshot {
    objects: BTreeMap<Resource, Listed>,
}

struct Listed {
    stored: Vec<Arc<Stored>>,
    /// `stored`, parsed (`None` for a version that does not parse, which
    /// controllers then do not see).
    parsed: OnceLock<Vec<Option<Value>>>,
    /// Listed by a controller, though no longer parsed ([`Snapshot::strip`]).
    read: bool,
}

impl Listed {
    fn read(&self) -> bool {
        self.read || self.parsed.get().is_some()
    }
}

impl Store {
    /// Every object, as of now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            objects: self
                .objects
                .iter()
                .map(|(r, objs)| {
                    let listed = Listed {
                        stored: objs.values().cloned().collect(),
                        parsed: OnceLock::new(),
                        read: false,
                    };
                    (r.clone(), listed)
                })
                .collect(),
        }
    }
}

impl Snapshot {
    /// Takes over the parsed versions of `earlier` that are still current:
    /// every resource `earlier` had parsed is parsed here, from `earlier`
    /// where the version is the same and from its JSON where not. Returns
    /// whether every resource the controllers read in `earlier` has the
    /// same versions here: then the controllers, which read nothing else,
    /// see the world exactly as they saw `earlier`.
    pub fn reuse(&mut self, earlier: Snapshot) -> bool {
        // A resource that appeared may be one a controller listed while it
        // had no objects, which left no trace: count it as a change.
        let mut unchanged = self.objects.keys().eq(earlier.objects.keys());
        for (resource, before) in earlier.objects {
            if !before.read() {
                continue;
            }
            let Some(listed) = self.objects.get_mut(&resource) else {
                unchanged = false;
                continue;
            };
            listed.read = true;
            unchanged &= listed.stored.len() == before.stored.len()
                && listed
                    .stored
                    .iter()
                    .zip(&before.stored)
                    .all(|(a, b)| Arc::ptr_eq(a, b));
            let Some(parsed) = before.parsed.into_inner() else {
                continue;
            };
            // The same allocation is the same version: `before` keeps every
            // one of its versions alive, so no address was reused meanwhile.
            let mut known: HashMap<*const Stored, Option<Value>> =
                before.stored.iter().map(Arc::as_ptr).zip(parsed).collect();
            let values = listed
                .stored
                .iter()
                .map(|s| known.remove(&Arc::as_ptr(s)).unwrap_or_else(|| parse(s)))
                .collect();
            // Freshly made, so not yet set.
            let _ = listed.parsed.set(values);
        }
        unchanged
    }

    /// Drops the parsed objects (ten times their JSON) and the versions of
    /// what the controllers did not read, keeping what [`Snapshot::reuse`]
    /// needs to tell a change; returns what it dropped, to be freed where
    /// convenient.
    pub fn strip(&mut self) -> Vec<Vec<Option<Value>>> {
        let mut freed = Vec::new();
        for listed in self.objects.values_mut() {
            match listed.parsed.take() {
                Some(values) => {
                    listed.read = true;
                    freed.push(values);
                }
                None if !listed.read => listed.stored = Vec::new(),
                None => {}
            }
        }
        freed
    }

    /// Whether it holds parsed objects.
    pub fn parsed(&self) -> bool {
        self.objects.values().any(|l| l.parsed.get().is_some())
    }
}

fn parse(stored: &Stored) -> Option<Value> {
    stored
        .parse()
        .map_err(|e| tracing::error!(error = %e, "controllers skip an object"))
        .ok()
}

impl World for Snapshot {
    fn list(&self, resource: &Resource) -> Vec<&Value> {
        let Some(listed) = self.objects.get(resource) else {
            return Vec::new();
        };
        listed
            .parsed
            .get_or_init(|| listed.stored.iter().map(|s| parse(s)).collect())
            .iter()
            .flatten()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::store::WriteOptions;
    use serde_json::json;

    fn store_with(names: &[&str]) -> Store {
        let now = chrono::Utc::now();
        let mut store = Store::new("t", 100, now);
        let opts = WriteOptions {
            dry_run: false,
            field_manager: None,
            now,
        };
        let rt = store
            .registry()
            .get("", "v1", "configmaps")
            .cloned()
            .expect("configmaps");
        for name in names {
            let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}});
            store
                .create(&rt, Some("default"), cm, &opts)
                .expect("create");
        }
        store
    }

    fn names(world: &dyn World) -> Vec<String> {
        world
            .list(&Resource::new("", "configmaps"))
            .iter()
            .map(|o| {
                o["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn lists_parsed_objects_and_reuses_unchanged_ones() {
        let mut store = store_with(&["a", "b"]);
        let first = store.snapshot();
        assert_eq!(names(&first), ["a", "b"]);
        let rt = store
            .registry()
            .get("", "v1", "configmaps")
            .cloned()
            .expect("configmaps");
        let opts = WriteOptions {
            dry_run: false,
            field_manager: None,
            now: chrono::Utc::now(),
        };
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        store
            .create(&rt, Some("default"), cm, &opts)
            .expect("create");
        store
            .delete(&rt, Some("default"), "a", Default::default(), &opts)
            .expect("delete");
        let mut second = store.snapshot();
        assert!(!second.reuse(first), "configmaps changed");
        assert_eq!(names(&second), ["b", "c"]);
        // A change to what was not read leaves the world as read unchanged.
        let ns = store
            .registry()
            .get("", "v1", "namespaces")
            .cloned()
            .expect("namespaces");
        let other = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}});
        store.create(&ns, None, other, &opts).expect("create");
        let mut third = store.snapshot();
        assert!(third.reuse(second));
        // Resources nobody listed stay unparsed.
        assert!(third.objects[&Resource::new("", "namespaces")]
            .parsed
            .get()
            .is_none());
        assert!(third.objects[&Resource::new("", "configmaps")]
            .parsed
            .get()
            .is_some());
        assert_eq!(names(&third), ["b", "c"]);
    }

    #[test]
    fn a_stripped_snapshot_still_tells_whether_what_was_read_changed() {
        let mut store = store_with(&["a"]);
        let mut first = store.snapshot();
        assert_eq!(names(&first), ["a"]);
        assert_eq!(first.strip().len(), 1);
        assert!(!first.parsed());
        let mut second = store.snapshot();
        assert!(second.reuse(first));
        assert!(!second.parsed(), "nothing to take over");
        let rt = store
            .registry()
            .get("", "v1", "configmaps")
            .cloned()
            .expect("configmaps");
        let opts = WriteOptions {
            dry_run: false,
            field_manager: None,
            now: chrono::Utc::now(),
        };
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}});
        store
            .create(&rt, Some("default"), cm, &opts)
            .expect("create");
        let mut third = store.snapshot();
        assert!(!third.reuse(second), "still known as read");
    }

    #[test]
    fn a_resource_that_appears_is_a_change() {
        // Listing a resource without objects leaves no trace in a snapshot.
        let empty = store_with(&[]).snapshot();
        assert!(names(&empty).is_empty());
        let mut now = store_with(&["x"]).snapshot();
        assert!(!now.reuse(empty));
    }
}
