//! The objects of a store at one resource version, as the controllers read
//! them ([`World`]). Taking one under the store's lock is cheap (shared
//! pointers to the serialized versions); the parsing happens outside it,
//! one resource at a time, when a controller first lists that resource.
//! A snapshot can take over what an earlier one parsed of the versions
//! that have not changed since, so the rounds of one wake-up of the runner
//! parse only what the previous round wrote.

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
    /// where the version is the same and from its JSON where not.
    pub fn reuse(&mut self, earlier: Snapshot) {
        for (resource, before) in earlier.objects {
            let (Some(listed), Some(parsed)) =
                (self.objects.get(&resource), before.parsed.into_inner())
            else {
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
        second.reuse(first);
        assert_eq!(names(&second), ["b", "c"]);
        // Resources nobody listed stay unparsed.
        assert!(second.objects[&Resource::new("", "namespaces")]
            .parsed
            .get()
            .is_none());
        assert!(second.objects[&Resource::new("", "configmaps")]
            .parsed
            .get()
            .is_some());
    }
}
