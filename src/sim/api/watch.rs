//! Watches: a chunked stream of newline-delimited `{"type", "object"}`
//! events. From a resourceVersion the change log is replayed (410 Expired as
//! an ERROR event when it was compacted away); from none or `0`, or with
//! `sendInitialEvents=true`, every current object comes first as ADDED (the
//! latter closed by a BOOKMARK annotated `k8s.io/initial-events-end`). An
//! object that starts or stops matching the selectors is ADDED or DELETED
//! for this watch, as on a real API server.

use super::handlers::selectors;
use super::path::Target;
use super::{error_response, table, Request};
use crate::sim::cluster::SimCluster;
use crate::sim::error::ApiError;
use crate::sim::selectable::Selectable;
use crate::sim::selector::{FieldSelector, LabelSelector};
use crate::sim::store::{resource_of, Change, ChangeKind, Stored};
use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::time::Instant;

/// How often an idle watch that allows bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(10);

struct Filter {
    target: Target,
    labels: LabelSelector,
    fields: FieldSelector,
    as_table: bool,
}

impl Filter {
    fn matches(&self, object: &Selectable) -> bool {
        let ns_ok = match &self.target.namespace {
            Some(ns) => object.namespace() == ns,
            None => true,
        };
        ns_ok && self.labels.matches_selectable(object) && self.fields.matches(object)
    }

    /// The event this change is for this watch, if any.
    fn event(&self, change: &Change, cluster: &SimCluster) -> Option<Bytes> {
        if change.resource != resource_of(&self.target.rt) {
            return None;
        }
        let now = self.matches(&change.object.select);
        let before = change.previous.as_deref().is_some_and(|p| self.matches(p));
        let kind = match change.kind {
            ChangeKind::Added if now => "ADDED",
            ChangeKind::Modified if now && before => "MODIFIED",
            ChangeKind::Modified if now => "ADDED",
            ChangeKind::Modified if before => "DELETED",
            ChangeKind::Deleted if now || before => "DELETED",
            _ => return None,
        };
        Some(self.encode(kind, &change.object, cluster))
    }

    /// `{"type": kind, "object": …}` and a newline, written around the
    /// stored JSON (parsed only for a Table).
    fn encode(&self, kind: &str, object: &Stored, cluster: &SimCluster) -> Bytes {
        if self.as_table {
            let object = match object.parse() {
                Ok(o) => o,
                Err(e) => return error_event(&e),
            };
            let rv = object
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let table = table::table(&self.target.rt.kind, &[&object], rv, cluster.clock.now());
            return line(&json!({"type": kind, "object": table}));
        }
        let json = object.json();
        let mut bytes = Vec::with_capacity(json.len() + kind.len() + 24);
        bytes.extend_from_slice(b"{\"type\":\"");
        bytes.extend_from_slice(kind.as_bytes());
        bytes.extend_from_slice(b"\",\"object\":");
        bytes.extend_from_slice(json);
        bytes.extend_from_slice(b"}\n");
        Bytes::from(bytes)
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": self.target.rt.kind, "apiVersion": self.target.rt.api_version(), "metadata": meta});
        line(&json!({"type": "BOOKMARK", "object": object}))
    }
}

fn line(v: &Value) -> Bytes {
    let mut bytes = serde_json::to_vec(v).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

fn error_event(err: &ApiError) -> Bytes {
    line(&json!({"type": "ERROR", "object": err.to_status()}))
}

struct Stream {
    cluster: Arc<SimCluster>,
    filter: Filter,
    queue: VecDeque<Bytes>,
    changes: Option<broadcast::Receiver<Arc<Change>>>,
    bookmarks: bool,
    deadline: Instant,
    refusing: tokio::sync::watch::Receiver<bool>,
    compactions: tokio::sync::watch::Receiver<u64>,
}

/// Starts a watch; the response streams until the timeout, the client
/// leaving, or the watch falling too far behind (then a 410 ERROR event).
pub fn serve(cluster: Arc<SimCluster>, target: Target, req: &Request) -> Response {
    match start(cluster, target, req) {
        Ok(stream) => {
            let body = futures_util::stream::unfold(stream, next);
            Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(body))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        Err(e) => error_response(&e),
    }
}

fn start(cluster: Arc<SimCluster>, target: Target, req: &Request) -> Result<Stream, ApiError> {
    let (labels, fields) = selectors(req, &target.rt.kind)?;
    let filter = Filter {
        target,
        labels,
        fields,
        as_table: table::wants_table(&req.accept),
    };
    let timeout = req
        .query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let bookmarks = req.query.flag("allowWatchBookmarks");
    let send_initial = req.query.flag("sendInitialEvents");
    let rv = match req.query.get("resourceVersion") {
        None | Some("0") => None,
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion `{v}`")))?,
        ),
    };
    let mut queue = VecDeque::new();
    let changes = {
        let store = cluster.store();
        let rx = store.subscribe();
        if send_initial || rv.is_none() {
            for object in store.list_stored(&filter.target.rt, filter.target.namespace.as_deref()) {
                if filter.matches(&object.select) {
                    queue.push_back(filter.encode("ADDED", &object, &cluster));
                }
            }
            if send_initial {
                queue.push_back(filter.bookmark(store.resource_version(), true));
            }
            Some(rx)
        } else {
            match store.changes_since(rv.unwrap_or_default()) {
                Ok(changes) => {
                    queue.extend(changes.iter().filter_map(|c| filter.event(c, &cluster)));
                    Some(rx)
                }
                Err(expired) => {
                    queue.push_back(error_event(&expired));
                    None
                }
            }
        }
    };
    let refusing = cluster.refusing.subscribe();
    let compactions = cluster.compactions.subscribe();
    Ok(Stream {
        compactions,
        refusing,
        cluster,
        filter,
        queue,
        changes,
        bookmarks,
        deadline: Instant::now() + Duration::from_secs(timeout),
    })
}

async fn next(mut s: Stream) -> Option<(Result<Bytes, std::convert::Infallible>, Stream)> {
    loop {
        if let Some(bytes) = s.queue.pop_front() {
            return Some((Ok(bytes), s));
        }
        let rx = s.changes.as_mut()?;
        let bookmark_at = Instant::now() + BOOKMARK_EVERY;
        tokio::select! {
            received = rx.recv() => match received {
                Ok(change) => {
                    if let Some(bytes) = s.filter.event(&change, &s.cluster) {
                        s.queue.push_back(bytes);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Fell behind the log: the client must relist.
                    let current = s.cluster.store().resource_version();
                    s.queue.push_back(error_event(&ApiError::expired(current, current)));
                    s.changes = None;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            },
            _ = tokio::time::sleep_until(bookmark_at), if s.bookmarks => {
                let rv = s.cluster.store().resource_version();
                s.queue.push_back(s.filter.bookmark(rv, false));
            }
            _ = tokio::time::sleep_until(s.deadline) => return None,
            // The API went down: the connection ends, as with a real server.
            _ = s.refusing.wait_for(|r| *r) => return None,
            // The log was compacted under this watch: the client must relist.
            _ = s.compactions.changed() => {
                let current = s.cluster.store().resource_version();
                s.queue.push_back(error_event(&ApiError::expired(current, current)));
                s.changes = None;
            }
        }
    }
}
