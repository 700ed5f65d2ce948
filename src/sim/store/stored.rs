//! One stored object version: its JSON, serialized, and the few fields the
//! store and watches read without parsing it.
//!
//! Why serialized: a parsed `serde_json::Value` (with `preserve_order`, an
//! `IndexMap` per JSON object, a heap `String` per key) costs about ten
//! times its JSON text, and a cluster holds thousands of objects plus the
//! older versions watches resume from. Responses and watch events are JSON
//! anyway, so lists and watches copy these bytes as they are; a get, a
//! write or a controller pass parses what it reads.

use crate::sim::error::ApiError;
use crate::sim::selectable::Selectable;
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug)]
pub struct Stored {
    json: Box<[u8]>,
    /// `metadata.uid` (garbage collection: which owners still exist).
    pub uid: Box<str>,
    /// The uids of `metadata.ownerReferences` (`""` for one without: an
    /// owner that cannot exist).
    pub owners: Box<[Box<str>]>,
    /// Whether `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// What selectors match on; shared with the change that replaces this
    /// version, as its `previous`.
    pub select: Arc<Selectable>,
}

impl Stored {
    pub fn new(object: &Value) -> Self {
        let meta = object.get("metadata");
        let str_at = |field: &str| {
            meta.and_then(|m| m.get(field))
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let owners = meta
            .and_then(|m| m.get("ownerReferences"))
            .and_then(Value::as_array)
            .map(|refs| {
                refs.iter()
                    .map(|r| r.get("uid").and_then(Value::as_str).unwrap_or_default())
                    .map(Into::into)
                    .collect()
            })
            .unwrap_or_default();
        Stored {
            // A Value always serializes (its keys are strings and its
            // numbers finite); empty bytes would fail to parse later, loudly.
            json: serde_json::to_vec(object)
                .unwrap_or_default()
                .into_boxed_slice(),
            uid: str_at("uid").into(),
            owners,
            deleting: meta.is_some_and(|m| m.get("deletionTimestamp").is_some()),
            select: Arc::new(Selectable::of(object)),
        }
    }

    /// The object as JSON text.
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// The object, parsed.
    pub fn parse(&self) -> Result<Value, ApiError> {
        serde_json::from_slice(&self.json)
            .map_err(|e| ApiError::internal(format!("a stored object does not parse: {e}")))
    }

    /// Whether any ownerReference names `uid`.
    pub fn refers_to(&self, uid: &str) -> bool {
        !uid.is_empty() && self.owners.iter().any(|o| &**o == uid)
    }

    /// Whether the object has owners and none of them is in `live`.
    pub fn orphaned(&self, live: &std::collections::BTreeSet<&str>) -> bool {
        !self.owners.is_empty() && self.owners.iter().all(|o| !live.contains(&**o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_extracts_what_the_store_reads() {
        let object = json!({
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "d", "uid": "u1", "labels": {"app": "web"},
                "ownerReferences": [{"uid": "o1"}, {"uid": "o2"}], "deletionTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"x": 1.5, "big": u64::MAX, "neg": -3},
        });
        let stored = Stored::new(&object);
        assert_eq!(stored.parse().unwrap(), object);
        assert_eq!(
            stored.json(),
            serde_json::to_vec(&object).unwrap().as_slice()
        );
        assert_eq!(&*stored.uid, "u1");
        assert!(stored.refers_to("o2") && !stored.refers_to("u1"));
        assert!(stored.deleting);
        assert_eq!(stored.select.label("app"), Some("web"));
        let live = ["o1"].into_iter().collect();
        assert!(!stored.orphaned(&live));
        assert!(stored.orphaned(&Default::default()));
    }

    #[test]
    fn keeps_key_order_and_floats_exactly() {
        // The store compares a write with the current version to skip
        // no-op writes; a float that moved by one ulp on the way through
        // the bytes would make every controller pass write again.
        let object =
            json!({"z": 1, "a": {"y": 0.1, "b": 1e-7, "c": 2.0000000000000004, "d": 123456.789e3}});
        let stored = Stored::new(&object);
        let back = stored.parse().unwrap();
        assert_eq!(back, object);
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&object).unwrap()
        );
    }
}
