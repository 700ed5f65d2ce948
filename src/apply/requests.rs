//! The HTTP requests flotilla sends to a member cluster, built and not
//! sent (kube-core's request builders): get, server-side apply as field
//! manager `flotilla` (force, `dryRun=All` when asked), delete in the
//! background with preconditions on uid and resourceVersion; and the
//! reading of a discovery document into resources. Pure: tests check the
//! method, URL, query and body without a cluster.

use super::FIELD_MANAGER;
use crate::model::common::ObjectRef;
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GetParams, Patch, PatchParams, Preconditions,
};
use kube::core::Request;
use kube::Resource;
use serde_json::Value;
use std::collections::BTreeMap;

/// A request as kube-core builds it (the `http` crate kube uses, through
/// axum's re-export: the same crate, so no extra dependency).
pub type HttpRequest = axum::http::Request<Vec<u8>>;

/// A served resource: where its objects live and whether it is namespaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// The kinds of a discovery document (subresources left out).
pub fn resources_of(
    api_version: &str,
    list: &k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList,
) -> BTreeMap<String, Resolved> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    list.resources
        .iter()
        .filter(|r| !r.name.contains('/'))
        .map(|r| {
            let resource = ApiResource {
                group: group.to_string(),
                version: version.to_string(),
                api_version: api_version.to_string(),
                kind: r.kind.clone(),
                plural: r.name.clone(),
            };
            (
                r.kind.clone(),
                Resolved {
                    resource,
                    namespaced: r.namespaced,
                },
            )
        })
        .collect()
}

fn request_for(r: &Resolved, namespace: Option<&str>) -> Request {
    Request::new(DynamicObject::url_path(&r.resource, namespace))
}

/// GET of one object.
pub fn get_request(
    r: &Resolved,
    namespace: Option<&str>,
    id: &ObjectRef,
) -> Result<HttpRequest, kube::core::request::Error> {
    request_for(r, namespace).get(&id.name, &GetParams::default())
}

/// The parameters of every flotilla apply.
pub fn apply_params(force: bool, dry_run: bool) -> PatchParams {
    let mut pp = PatchParams::apply(FIELD_MANAGER);
    if force {
        pp = pp.force();
    }
    if dry_run {
        pp = pp.dry_run();
    }
    pp
}

/// Server-side apply of `body` to `id`.
pub fn apply_request(
    r: &Resolved,
    namespace: Option<&str>,
    id: &ObjectRef,
    body: &Value,
    force: bool,
    dry_run: bool,
) -> Result<HttpRequest, kube::core::request::Error> {
    request_for(r, namespace).patch(&id.name, &apply_params(force, dry_run), &Patch::Apply(body))
}

/// The parameters of a prune: background propagation, preconditions on
/// the uid and resourceVersion last read.
pub fn delete_params(uid: Option<&str>, resource_version: Option<&str>) -> DeleteParams {
    DeleteParams {
        preconditions: Some(Preconditions {
            uid: uid.map(str::to_string),
            resource_version: resource_version.map(str::to_string),
        }),
        ..DeleteParams::background()
    }
}

/// DELETE of `id`, with [`delete_params`].
pub fn delete_request(
    r: &Resolved,
    namespace: Option<&str>,
    id: &ObjectRef,
    uid: Option<&str>,
    resource_version: Option<&str>,
) -> Result<HttpRequest, kube::core::request::Error> {
    request_for(r, namespace).delete(&id.name, &delete_params(uid, resource_version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployments() -> Resolved {
        Resolved {
            resource: ApiResource {
                group: "apps".into(),
                version: "v1".into(),
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                plural: "deployments".into(),
            },
            namespaced: true,
        }
    }

    fn web() -> ObjectRef {
        ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("shop".into()),
            name: "web".into(),
        }
    }

    #[test]
    fn apply_is_server_side_as_flotilla_with_force_and_dry_run_when_asked() {
        let body =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        let req = apply_request(&deployments(), Some("shop"), &web(), &body, true, true).unwrap();
        assert_eq!(req.method(), axum::http::Method::PATCH);
        assert_eq!(
            req.uri().to_string(),
            "/apis/apps/v1/namespaces/shop/deployments/web?&dryRun=All&force=true&fieldManager=flotilla"
        );
        assert_eq!(
            req.headers()["content-type"],
            "application/apply-patch+yaml"
        );
        let sent: Value = serde_json::from_slice(req.body()).unwrap();
        assert_eq!(sent, body);
        let plain =
            apply_request(&deployments(), Some("shop"), &web(), &body, false, false).unwrap();
        assert_eq!(
            plain.uri().query(),
            Some("&fieldManager=flotilla"),
            "no force, no dry run"
        );
    }

    #[test]
    fn delete_is_background_with_preconditions() {
        let req =
            delete_request(&deployments(), Some("shop"), &web(), Some("u1"), Some("42")).unwrap();
        assert_eq!(req.method(), axum::http::Method::DELETE);
        assert_eq!(
            req.uri().path(),
            "/apis/apps/v1/namespaces/shop/deployments/web"
        );
        let sent: Value = serde_json::from_slice(req.body()).unwrap();
        assert_eq!(
            sent,
            json!({"propagationPolicy": "Background", "preconditions": {"uid": "u1", "resourceVersion": "42"}})
        );
    }

    #[test]
    fn discovery_documents_resolve_kinds_without_subresources() {
        let list: k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList =
            serde_json::from_value(json!({"groupVersion": "v1", "resources": [
                {"name": "namespaces", "kind": "Namespace", "namespaced": false, "singularName": "", "verbs": []},
                {"name": "pods", "kind": "Pod", "namespaced": true, "singularName": "", "verbs": []},
                {"name": "pods/status", "kind": "Pod", "namespaced": true, "singularName": "", "verbs": []}
            ]}))
            .unwrap();
        let kinds = resources_of("v1", &list);
        assert_eq!(kinds.len(), 2);
        assert!(!kinds["Namespace"].namespaced);
        assert_eq!(kinds["Pod"].resource.plural, "pods");
        assert_eq!(kinds["Pod"].resource.group, "");
    }
}
