//! The resource types a simulated cluster serves: the built-in table and the
//! types CRDs add at run time. Discovery, OpenAPI, routing and the store all
//! read this one registry, so a CRD shows up everywhere at once.

use serde_json::Value;

/// How a resource's `/scale` subresource maps onto the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalePaths {
    /// JSON pointer of the desired replicas, e.g. `/spec/replicas`.
    pub spec_replicas: String,
    /// JSON pointer of the observed replicas, e.g. `/status/replicas`.
    pub status_replicas: String,
    /// JSON pointer of the label selector string, if any.
    pub label_selector: Option<String>,
}

/// One resource type (a group/version/plural).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Whether `/status` is a subresource (spec and status written apart).
    pub status: bool,
    pub scale: Option<ScalePaths>,
    /// Read-only types (metrics) answer get/list only.
    pub read_only: bool,
}

impl ResourceType {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `pods` for the core group: how Kubernetes
    /// names the resource in error messages.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn verbs(&self) -> Vec<&'static str> {
        if self.read_only {
            vec!["get", "list"]
        } else {
            vec![
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ]
        }
    }
}

/// All resource types of one cluster.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<ResourceType>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry { types: builtin() }
    }
}

impl Registry {
    pub fn types(&self) -> &[ResourceType] {
        &self.types
    }

    /// The type served at `group`/`version`/`plural`.
    pub fn get(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    /// The type of objects with this apiVersion and kind.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.kind == kind && t.api_version() == api_version)
    }

    /// Registers (or replaces) the types a CRD declares; returns whether
    /// anything changed.
    pub fn register_crd(&mut self, crd: &Value) -> bool {
        let new = crd_types(crd);
        let group = crd
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let plural = crd
            .pointer("/spec/names/plural")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let before = self.types.clone();
        self.types
            .retain(|t| !(t.group == group && t.plural == plural));
        self.types.extend(new);
        self.types != before
    }

    /// Removes the types of a deleted CRD.
    pub fn unregister_crd(&mut self, group: &str, plural: &str) {
        self.types
            .retain(|t| !(t.group == group && t.plural == plural));
    }

    /// Every served group (core first), each with its versions.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for t in &self.types {
            match groups.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, versions)) => {
                    if !versions.contains(&t.version) {
                        versions.push(t.version.clone());
                    }
                }
                None => groups.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        groups
    }
}

mod builtin;
mod crd;

use builtin::builtin;
pub use crd::crd_types;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtins_are_unique_by_group_version_plural() {
        let reg = Registry::default();
        let mut seen = std::collections::BTreeSet::new();
        for t in reg.types() {
            assert!(
                seen.insert((t.group.clone(), t.version.clone(), t.plural.clone())),
                "{t:?}"
            );
        }
        assert_eq!(
            reg.get("apps", "v1", "deployments")
                .unwrap()
                .qualified_plural(),
            "deployments.apps"
        );
        assert_eq!(reg.by_kind("v1", "Pod").unwrap().plural, "pods");
    }

    #[test]
    fn a_crd_registers_each_served_version_with_its_subresources() {
        let crd = json!({
            "spec": {"group": "apps.kruise.io", "scope": "Namespaced",
                     "names": {"kind": "CloneSet", "plural": "clonesets", "shortNames": ["clone"]},
                     "versions": [
                        {"name": "v1alpha1", "served": true, "storage": true,
                         "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                            "statusReplicasPath": ".status.replicas", "labelSelectorPath": ".status.labelSelector"}}},
                        {"name": "v1old", "served": false}]}
        });
        let mut reg = Registry::default();
        assert!(reg.register_crd(&crd));
        assert!(!reg.register_crd(&crd), "registering twice changes nothing");
        let t = reg.get("apps.kruise.io", "v1alpha1", "clonesets").unwrap();
        assert!(t.namespaced && t.status);
        assert_eq!(t.singular, "cloneset");
        assert_eq!(
            t.scale.as_ref().unwrap().label_selector.as_deref(),
            Some("/status/labelSelector")
        );
        assert!(reg.get("apps.kruise.io", "v1old", "clonesets").is_none());
        reg.unregister_crd("apps.kruise.io", "clonesets");
        assert!(reg.by_kind("apps.kruise.io/v1alpha1", "CloneSet").is_none());
    }
}
