//! One member cluster's client: discovery (apiVersion/kind → resource), get,
//! server-side apply (dry run or not) and delete, through the kube client.
//!
//! Requests are built by pure functions ([`apply_request`],
//! [`delete_request`], …) and only sent here, so tests check
//! `fieldManager=flotilla`, `force`, `dryRun=All` and the delete
//! preconditions without a cluster. Responses stay JSON values: nothing is
//! lost to a typed round trip.
//!
//! A 404 on get is [`Live::Absent`], and so is a kind the cluster does not
//! serve (no object of it can exist); every other failure is an error,
//! never absence. Errors carry a [`Disposition`](super::Disposition):
//! unreachable → retry with backoff; rejected by admission or validation →
//! stall this revision, reported; a kind not served → stall, reported.

use super::object::Live;
use super::{Disposition, FIELD_MANAGER};
use crate::model::common::ObjectRef;
use futures_util::{stream, StreamExt};
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, GetParams, Patch, PatchParams, Preconditions,
};
use kube::core::Request;
use kube::Resource;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A request as kube-core builds it (the `http` crate kube uses, through
/// axum's re-export: the same crate, so no extra dependency).
pub type HttpRequest = axum::http::Request<Vec<u8>>;

/// How many reads run at once against one cluster.
const READ_CONCURRENCY: usize = 16;

/// A served resource: where its objects live and whether it is namespaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub resource: ApiResource,
    pub namespaced: bool,
}

/// One member cluster.
pub struct ClusterClient {
    name: String,
    client: kube::Client,
    /// apiVersion → kind → resource, from the last discovery of that
    /// group-version. A kind missing from it is looked up again (a CRD may
    /// have been created since).
    discovery: Mutex<BTreeMap<String, BTreeMap<String, Resolved>>>,
}

/// What a delete found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// It was already gone (404).
    AlreadyGone,
    /// It changed since it was read (the uid/resourceVersion precondition
    /// failed): not deleted.
    Changed,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cluster {cluster} is unreachable")]
    Unreachable {
        cluster: String,
        #[source]
        source: kube::Error,
    },
    #[error("cluster {cluster} rejected {id}: {message}")]
    Rejected {
        cluster: String,
        id: ObjectRef,
        message: String,
    },
    #[error("{id} conflicts on cluster {cluster}: {message}")]
    Conflict {
        cluster: String,
        id: ObjectRef,
        message: String,
    },
    #[error("cluster {cluster} does not serve {api_version} {kind}")]
    UnknownKind {
        cluster: String,
        api_version: String,
        kind: String,
    },
    #[error("failed to discover {api_version} on cluster {cluster}")]
    Discovery {
        cluster: String,
        api_version: String,
        #[source]
        source: kube::Error,
    },
    #[error("request for {id} to cluster {cluster} failed")]
    Request {
        cluster: String,
        id: ObjectRef,
        #[source]
        source: kube::Error,
    },
}

impl ClusterError {
    pub fn disposition(&self) -> Disposition {
        match self {
            ClusterError::Rejected { .. } | ClusterError::UnknownKind { .. } => Disposition::Stall,
            ClusterError::Unreachable { .. }
            | ClusterError::Conflict { .. }
            | ClusterError::Discovery { .. }
            | ClusterError::Request { .. } => Disposition::Retry,
        }
    }

    /// The variant name, for metrics and `status/errors.yaml`.
    pub fn category(&self) -> &'static str {
        match self {
            ClusterError::Unreachable { .. } => "Unreachable",
            ClusterError::Rejected { .. } => "Rejected",
            ClusterError::Conflict { .. } => "Conflict",
            ClusterError::UnknownKind { .. } => "UnknownKind",
            ClusterError::Discovery { .. } => "Discovery",
            ClusterError::Request { .. } => "Request",
        }
    }
}

/// The HTTP status of an API error, if the server answered.
fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

impl ClusterClient {
    pub fn new(name: impl Into<String>, client: kube::Client) -> Self {
        ClusterClient {
            name: name.into(),
            client,
            discovery: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Maps a failed request about `id` to its error.
    fn error(&self, id: &ObjectRef, e: kube::Error) -> ClusterError {
        let cluster = self.name.clone();
        match &e {
            kube::Error::Api(s) => match s.code {
                400 | 403 | 404 | 422 => ClusterError::Rejected {
                    cluster,
                    id: id.clone(),
                    message: s.message.clone(),
                },
                409 => ClusterError::Conflict {
                    cluster,
                    id: id.clone(),
                    message: s.message.clone(),
                },
                503 => ClusterError::Unreachable { cluster, source: e },
                _ => ClusterError::Request {
                    cluster,
                    id: id.clone(),
                    source: e,
                },
            },
            kube::Error::HyperError(_) | kube::Error::Service(_) => {
                ClusterError::Unreachable { cluster, source: e }
            }
            _ => ClusterError::Request {
                cluster,
                id: id.clone(),
                source: e,
            },
        }
    }

    /// The resource serving `api_version`/`kind`; `None` if not served.
    pub async fn resolve(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<Option<Resolved>, ClusterError> {
        if let Some(r) = lock(&self.discovery)
            .get(api_version)
            .and_then(|kinds| kinds.get(kind))
        {
            return Ok(Some(r.clone()));
        }
        let listed = match api_version.split_once('/') {
            None => self.client.list_core_api_resources(api_version).await,
            Some(_) => self.client.list_api_group_resources(api_version).await,
        };
        let list = match listed {
            Ok(list) => list,
            Err(e) if status_code(&e) == Some(404) => return Ok(None),
            Err(e @ (kube::Error::HyperError(_) | kube::Error::Service(_))) => {
                return Err(ClusterError::Unreachable {
                    cluster: self.name.clone(),
                    source: e,
                })
            }
            Err(source) => {
                return Err(ClusterError::Discovery {
                    cluster: self.name.clone(),
                    api_version: api_version.to_string(),
                    source,
                })
            }
        };
        let kinds = resources_of(api_version, &list);
        let found = kinds.get(kind).cloned();
        lock(&self.discovery).insert(api_version.to_string(), kinds);
        Ok(found)
    }

    /// Forgets what discovery found (after CRDs change).
    pub fn forget_discovery(&self) {
        lock(&self.discovery).clear();
    }

    /// The resource of `id`, or [`ClusterError::UnknownKind`].
    async fn resource(&self, id: &ObjectRef) -> Result<Resolved, ClusterError> {
        self.resolve(&id.api_version, &id.kind)
            .await?
            .ok_or_else(|| ClusterError::UnknownKind {
                cluster: self.name.clone(),
                api_version: id.api_version.clone(),
                kind: id.kind.clone(),
            })
    }

    fn namespace<'a>(&'a self, r: &Resolved, id: &'a ObjectRef) -> Option<&'a str> {
        r.namespaced.then(|| {
            id.namespace
                .as_deref()
                .unwrap_or(self.client.default_namespace())
        })
    }

    async fn send(&self, id: &ObjectRef, req: HttpRequest) -> Result<Value, ClusterError> {
        self.client
            .request::<Value>(req)
            .await
            .map_err(|e| self.error(id, e))
    }

    /// Reads one object: present, absent (404 or kind not served), or an
    /// error.
    pub async fn get(&self, id: &ObjectRef) -> Result<Live, ClusterError> {
        let Some(r) = self.resolve(&id.api_version, &id.kind).await? else {
            return Ok(Live::Absent);
        };
        let req =
            get_request(&r, self.namespace(&r, id), id).map_err(|e| self.build_error(id, e))?;
        match self.client.request::<Value>(req).await {
            Ok(v) => Ok(Live::Present(v)),
            Err(e) if status_code(&e) == Some(404) => Ok(Live::Absent),
            Err(e) => Err(self.error(id, e)),
        }
    }

    /// Reads every object of `ids`, several at a time. Complete or an
    /// error: the first failure fails the whole observation.
    pub async fn observe<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a ObjectRef>,
    ) -> Result<BTreeMap<ObjectRef, Live>, ClusterError> {
        let results: Vec<(ObjectRef, Result<Live, ClusterError>)> = stream::iter(ids)
            .map(|id| async move { (id.clone(), self.get(id).await) })
            .buffer_unordered(READ_CONCURRENCY)
            .collect()
            .await;
        let mut out = BTreeMap::new();
        for (id, r) in results {
            out.insert(id, r?);
        }
        Ok(out)
    }

    /// Server-side apply of `body` as field manager `flotilla`; returns the
    /// object the server returned (for a dry run, what it would store).
    pub async fn apply(
        &self,
        id: &ObjectRef,
        body: &Value,
        force: bool,
        dry_run: bool,
    ) -> Result<Value, ClusterError> {
        let r = self.resource(id).await?;
        let req = apply_request(&r, self.namespace(&r, id), id, body, force, dry_run)
            .map_err(|e| self.build_error(id, e))?;
        self.send(id, req).await
    }

    /// Deletes `id` in the background, only if it still has `uid` and
    /// `resource_version` (as last read).
    pub async fn delete(
        &self,
        id: &ObjectRef,
        uid: Option<&str>,
        resource_version: Option<&str>,
    ) -> Result<Deleted, ClusterError> {
        let Some(r) = self.resolve(&id.api_version, &id.kind).await? else {
            return Ok(Deleted::AlreadyGone);
        };
        let req = delete_request(&r, self.namespace(&r, id), id, uid, resource_version)
            .map_err(|e| self.build_error(id, e))?;
        match self.client.request::<Value>(req).await {
            Ok(_) => Ok(Deleted::Deleted),
            Err(e) if status_code(&e) == Some(404) => Ok(Deleted::AlreadyGone),
            Err(e) if status_code(&e) == Some(409) => Ok(Deleted::Changed),
            Err(e) => Err(self.error(id, e)),
        }
    }

    fn build_error(&self, id: &ObjectRef, e: kube::core::request::Error) -> ClusterError {
        ClusterError::Request {
            cluster: self.name.clone(),
            id: id.clone(),
            source: kube::Error::BuildRequest(e),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The map is only read and replaced whole; a panic elsewhere cannot
    // leave it half-written.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The kinds of a discovery document (subresources left out).
fn resources_of(
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
