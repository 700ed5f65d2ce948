//! The inventory: per member cluster, every object flotilla applied and
//! confirmed there, with the hash it carried. Prune deletes only what is in
//! it, so an object someone else created, or one our label was copied onto,
//! is never flotilla's to delete.
//!
//! It lives on the status branch (`status/clusters/<cluster>.yaml`) as a
//! YAML list of `{apiVersion, kind, namespace?, name, hash}`, sorted by
//! identity so that the same inventory is always the same text. Pure.

use crate::model::common::ObjectRef;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// What flotilla applied and confirmed on one cluster: identity → hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    entries: BTreeMap<ObjectRef, String>,
}

/// Errors reading an inventory.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("failed to parse the inventory")]
    Parse(#[source] serde_norway::Error),
    #[error("the inventory lists {0} twice")]
    Duplicate(ObjectRef),
}

impl InventoryError {
    /// An unreadable inventory is never read as an empty one (that would
    /// forget what flotilla owns); it stalls pruning until it is repaired.
    pub fn disposition(&self) -> super::Disposition {
        super::Disposition::Stall
    }
}

/// One entry as written on the status branch.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    api_version: String,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    name: String,
    hash: String,
}

impl Inventory {
    /// An empty inventory (a cluster flotilla never applied to).
    pub fn new() -> Self {
        Self::default()
    }

    /// The hash flotilla confirmed for `id`, if it is in the inventory.
    pub fn get(&self, id: &ObjectRef) -> Option<&str> {
        self.entries.get(id).map(String::as_str)
    }

    pub fn contains(&self, id: &ObjectRef) -> bool {
        self.entries.contains_key(id)
    }

    /// Records that `id` was applied and confirmed with `hash`.
    pub fn record(&mut self, id: ObjectRef, hash: impl Into<String>) {
        self.entries.insert(id, hash.into());
    }

    /// Forgets `id` (confirmed deleted or gone); returns its hash.
    pub fn remove(&mut self, id: &ObjectRef) -> Option<String> {
        self.entries.remove(id)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in identity order.
    pub fn iter(&self) -> impl Iterator<Item = (&ObjectRef, &str)> {
        self.entries.iter().map(|(id, h)| (id, h.as_str()))
    }

    /// The YAML list written on the status branch.
    pub fn to_yaml(&self) -> String {
        // A list of plain strings always serializes.
        serde_norway::to_string(self).unwrap_or_default()
    }

    /// Reads the YAML list written by [`Inventory::to_yaml`]; an empty
    /// document is an empty inventory.
    pub fn from_yaml(text: &str) -> Result<Self, InventoryError> {
        if text.trim().is_empty() {
            return Ok(Self::new());
        }
        let entries: Vec<Entry> = serde_norway::from_str(text).map_err(InventoryError::Parse)?;
        Self::from_entries(entries)
    }

    fn from_entries(entries: Vec<Entry>) -> Result<Self, InventoryError> {
        let mut out = Self::new();
        for e in entries {
            let id = ObjectRef {
                api_version: e.api_version,
                kind: e.kind,
                namespace: e.namespace,
                name: e.name,
            };
            if out.entries.contains_key(&id) {
                return Err(InventoryError::Duplicate(id));
            }
            out.entries.insert(id, e.hash);
        }
        Ok(out)
    }
}

impl FromIterator<(ObjectRef, String)> for Inventory {
    fn from_iter<I: IntoIterator<Item = (ObjectRef, String)>>(iter: I) -> Self {
        Inventory {
            entries: iter.into_iter().collect(),
        }
    }
}

impl Serialize for Inventory {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.entries.iter().map(|(id, hash)| Entry {
            api_version: id.api_version.clone(),
            kind: id.kind.clone(),
            namespace: id.namespace.clone(),
            name: id.name.clone(),
            hash: hash.clone(),
        }))
    }
}

impl<'de> Deserialize<'de> for Inventory {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = Vec::<Entry>::deserialize(d)?;
        Self::from_entries(entries).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(api: &str, kind: &str, ns: Option<&str>, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: api.into(),
            kind: kind.into(),
            namespace: ns.map(str::to_string),
            name: name.into(),
        }
    }

    #[test]
    fn round_trips_as_a_sorted_yaml_list() {
        let mut inv = Inventory::new();
        inv.record(id("apps/v1", "Deployment", Some("shop"), "web"), "sha256:b");
        inv.record(id("v1", "Namespace", None, "shop"), "sha256:a");
        let text = inv.to_yaml();
        insta::assert_snapshot!(text, @r"
        - apiVersion: apps/v1
          kind: Deployment
          namespace: shop
          name: web
          hash: sha256:b
        - apiVersion: v1
          kind: Namespace
          name: shop
          hash: sha256:a
        ");
        assert_eq!(Inventory::from_yaml(&text).unwrap(), inv);
        assert_eq!(Inventory::from_yaml("").unwrap(), Inventory::new());
        assert_eq!(Inventory::from_yaml("[]\n").unwrap(), Inventory::new());
    }

    #[test]
    fn a_duplicate_or_malformed_inventory_is_an_error_not_empty() {
        let dup = "- {apiVersion: v1, kind: ConfigMap, namespace: a, name: x, hash: h1}\n\
                   - {apiVersion: v1, kind: ConfigMap, namespace: a, name: x, hash: h2}\n";
        assert!(matches!(
            Inventory::from_yaml(dup),
            Err(InventoryError::Duplicate(_))
        ));
        assert!(matches!(
            Inventory::from_yaml("- {kind: ConfigMap}"),
            Err(InventoryError::Parse(_))
        ));
    }

    #[test]
    fn record_and_remove() {
        let mut inv = Inventory::new();
        let cm = id("v1", "ConfigMap", Some("a"), "x");
        inv.record(cm.clone(), "h1");
        inv.record(cm.clone(), "h2");
        assert_eq!((inv.len(), inv.get(&cm)), (1, Some("h2")));
        assert_eq!(inv.remove(&cm).as_deref(), Some("h2"));
        assert!(inv.is_empty() && !inv.contains(&cm));
    }
}
