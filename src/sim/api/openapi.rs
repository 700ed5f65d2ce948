//! The OpenAPI v3 documents kubectl fetches before `create -f` and `apply`
//! to learn that the server validates fields itself (`fieldValidation`):
//! one PATCH operation per kind that lists the parameter, no schemas.
//! With them kubectl's default `--validate=strict` works unchanged.

use crate::sim::resources::{Registry, ResourceType};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `GET /openapi/v3`: one entry per served group-version, with a hash that
/// changes when the group-version's resources do (clients cache by URL).
pub fn root(registry: &Registry) -> Value {
    let mut paths = Map::new();
    for (group, versions) in registry.groups() {
        for version in versions {
            let path = gv_path(&group, &version);
            let hash = hash(&document(registry, &group, &version).unwrap_or_default());
            paths.insert(
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}),
            );
        }
    }
    json!({"paths": paths})
}

fn hash(doc: &Value) -> String {
    let digest = Sha256::digest(doc.to_string().as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02X}")).collect()
}

fn patch_operation(rt: &ResourceType) -> Value {
    json!({"patch": {
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "x-kubernetes-action": "patch",
        "parameters": [
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
            {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
            {"name": "force", "in": "query", "schema": {"type": "boolean"}},
        ],
        "responses": {"200": {"description": "OK"}},
    }})
}

/// `GET /openapi/v3/<api/v1 | apis/group/version>`, if served.
pub fn document(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let base = gv_path(group, version);
    let mut paths = Map::new();
    for rt in registry
        .types()
        .iter()
        .filter(|t| t.group == group && t.version == version && !t.read_only)
    {
        let path = if rt.namespaced {
            format!("/{base}/namespaces/{{namespace}}/{}/{{name}}", rt.plural)
        } else {
            format!("/{base}/{}/{{name}}", rt.plural)
        };
        paths.insert(path, patch_operation(rt));
    }
    if paths.is_empty() {
        return None;
    }
    Some(
        json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": paths, "components": {"schemas": {}}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_version_has_a_document_with_fieldvalidation() {
        let reg = Registry::default();
        let root = root(&reg);
        let url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="));
        assert!(root["paths"]["api/v1"].is_object());
        let doc = document(&reg, "apps", "v1").unwrap();
        let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert_eq!(op["parameters"][0]["name"], "fieldValidation");
        assert!(doc["paths"]["/api/v1/namespaces/{name}"].is_null());
        assert!(
            document(&reg, "", "v1").unwrap()["paths"]["/api/v1/namespaces/{name}"].is_object()
        );
    }
}
