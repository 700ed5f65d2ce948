//! One member cluster's client: discovery (apiVersion/kind → resource), get,
//! server-side apply (dry run or not) and delete, through the kube client.
//!
//! Requests are built by [`super::requests`] and only sent here. Responses
//! stay JSON values: nothing is lost to a typed round trip.
//!
//! A 404 on get is [`Live::Absent`], and so is a kind the cluster does not
//! serve (no object of it can exist); every other failure is an error,
//! never absence. Errors carry a [`Disposition`](super::Disposition):
//! unreachable → retry with backoff; rejected by admission or validation →
//! stall this revision, reported; a kind not served → stall, reported.

use super::object::Live;
use super::requests::{
    apply_request, delete_request, get_request, resources_of, HttpRequest, Resolved,
};
use super::Disposition;
use crate::model::common::ObjectRef;
use futures_util::{stream, StreamExt};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// How many reads run at once against one cluster.
const READ_CONCURRENCY: usize = 16;

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
        // Owned ids: a closure over borrowed ones makes the future
        // lifetime-generic, which a spawned task (the daemon's worker)
        // cannot prove `Send` for.
        let ids: Vec<ObjectRef> = ids.into_iter().cloned().collect();
        let results: Vec<(ObjectRef, Result<Live, ClusterError>)> = stream::iter(ids)
            .map(|id| async move {
                let live = self.get(&id).await;
                (id, live)
            })
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
