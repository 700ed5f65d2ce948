//! The admin API of the simulator (not Kubernetes; documented in
//! docs/simulator.md): per cluster, faults, synthetic load, nodes, the
//! clock, a capacity summary and request counters.

use super::cluster::{lock, node_object, SimCluster};
use super::config::NodeConfig;
use super::faults::FaultSpec;
use super::store::{Part, WriteOptions};
use crate::observe::capacity::{self, Observed};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

use super::api::json_response;

/// The admin routes of one cluster, to be nested under `/sim` on the
/// cluster's own listener and under `/sim/clusters/<name>` on the
/// simulator's admin listener (which stays up when the cluster's API
/// refuses connections).
pub fn router(cluster: Arc<SimCluster>) -> Router {
    Router::new()
        .route("/", get(info))
        .route(
            "/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/load", get(get_load).post(set_load))
        .route("/nodes", post(add_node))
        .route("/nodes/{name}", delete(remove_node))
        .route("/capacity", get(capacity_summary))
        .route("/counters", get(get_counters).delete(reset_counters))
        .route("/clock", get(get_clock).post(advance_clock))
        .route("/compact", post(compact))
        .with_state(cluster)
}

/// The simulator-wide admin API: every cluster's admin routes, and the
/// list of clusters at `/sim/clusters`.
pub fn global_router(clusters: &[(Arc<SimCluster>, std::net::SocketAddr)]) -> Router {
    let list: Vec<Value> = clusters
        .iter()
        .map(|(c, addr)| json!({"name": c.name(), "server": format!("http://{addr}"), "region": c.config.region}))
        .collect();
    let list = Arc::new(json!({"items": list}));
    let mut router = Router::new().route(
        "/sim/clusters",
        get(move || {
            let list = list.clone();
            async move { json_response(StatusCode::OK, list.as_ref()) }
        }),
    );
    for (c, _) in clusters {
        router = router.nest(
            &format!("/sim/clusters/{}", c.name()),
            self::router(c.clone()),
        );
    }
    router
}

fn bad(message: String) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": message}))
}

#[allow(clippy::result_large_err)] // the error is the handler's response, returned at once
fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| bad(format!("invalid request body: {e}")))
}

async fn info(State(c): State<Arc<SimCluster>>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"name": c.name(), "now": c.clock.now().to_rfc3339(),
        "resourceVersion": c.store().resource_version().to_string()}),
    )
}

async fn get_faults(State(c): State<Arc<SimCluster>>) -> Response {
    json_response(StatusCode::OK, &lock(&c.faults).to_json())
}

async fn set_faults(State(c): State<Arc<SimCluster>>, body: Bytes) -> Response {
    let spec: FaultSpec = match parse(&body) {
        Ok(s) => s,
        Err(r) => return r,
    };
    apply_faults(&c, &spec).map_or_else(bad, |v| json_response(StatusCode::OK, &v))
}

/// Applies a fault spec (from the admin API or the config's schedule).
pub fn apply_faults(c: &SimCluster, spec: &FaultSpec) -> Result<Value, String> {
    let (faults, refusing, not_ready) = {
        let mut f = lock(&c.faults);
        f.apply(spec).map_err(|e| e.to_string())?;
        (
            f.to_json(),
            f.down == Some(super::faults::Down::Refuse),
            f.nodes_not_ready,
        )
    };
    c.refusing.send_replace(refusing);
    if let Some(secs) = spec.crd_establish_delay_seconds {
        c.store()
            .set_crd_establish_delay(chrono::Duration::milliseconds(
                (secs.max(0.0) * 1000.0) as i64,
            ));
    }
    if spec.nodes_not_ready.is_some() {
        set_nodes_ready(c, !not_ready);
    }
    // Faults are inputs of the controllers' world too: let them look.
    c.changed.notify_one();
    Ok(faults)
}

async fn clear_faults(State(c): State<Arc<SimCluster>>) -> Response {
    let was_not_ready = lock(&c.faults).nodes_not_ready;
    *lock(&c.faults) = Default::default();
    c.refusing.send_replace(false);
    c.store().set_crd_establish_delay(chrono::Duration::zero());
    if was_not_ready {
        set_nodes_ready(&c, true);
    }
    c.changed.notify_one();
    json_response(StatusCode::OK, &lock(&c.faults).to_json())
}

/// Flips every node's Ready condition (a kubelet outage, as the API sees it).
fn set_nodes_ready(c: &SimCluster, ready: bool) {
    let now = c.clock.now();
    let opts = WriteOptions {
        dry_run: false,
        field_manager: None,
        now,
    };
    let mut store = c.store();
    let Some(rt) = store.registry().get("", "v1", "nodes").cloned() else {
        return;
    };
    let nodes = match store.list(&rt, None) {
        Ok(nodes) => nodes,
        Err(e) => {
            tracing::warn!(cluster = c.name(), error = %e, "failed to read the nodes");
            return;
        }
    };
    for node in nodes {
        let mut next = node.clone();
        let (status, reason) = if ready {
            ("True", "KubeletReady")
        } else {
            ("Unknown", "NodeStatusUnknown")
        };
        next["status"]["conditions"] = json!([{"type": "Ready", "status": status, "reason": reason,
            "lastTransitionTime": super::store::timestamp(now)}]);
        let name = node
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Err(e) = store.replace(&rt, None, &name, next, Part::Status, &opts) {
            tracing::warn!(cluster = c.name(), node = %name, error = %e, "failed to set node readiness");
        }
    }
    drop(store);
    c.changed.notify_one();
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Load {
    namespace: String,
    name: String,
    cpu_utilization: f64,
}

async fn get_load(State(c): State<Arc<SimCluster>>) -> Response {
    let load: Vec<Value> = lock(&c.load)
        .iter()
        .map(|((ns, name), u)| json!({"namespace": ns, "name": name, "cpuUtilization": u}))
        .collect();
    json_response(StatusCode::OK, &json!({"items": load}))
}

async fn set_load(State(c): State<Arc<SimCluster>>, body: Bytes) -> Response {
    let load: Load = match parse(&body) {
        Ok(l) => l,
        Err(r) => return r,
    };
    // NaN is not a load either.
    if load.cpu_utilization.is_nan() || load.cpu_utilization < 0.0 {
        return bad("cpuUtilization must be a number >= 0 (percent of requests)".into());
    }
    lock(&c.load).insert((load.namespace, load.name), load.cpu_utilization);
    c.changed.notify_one();
    get_load(State(c)).await
}

async fn add_node(State(c): State<Arc<SimCluster>>, body: Bytes) -> Response {
    let node: NodeConfig = match parse(&body) {
        Ok(n) => n,
        Err(r) => return r,
    };
    if node.name.as_deref().is_none_or(str::is_empty) {
        return bad("a node needs a name".into());
    }
    for (what, q) in [("cpu", &node.cpu), ("memory", &node.memory)] {
        if q.parse::<crate::model::quantity::Quantity>().is_err() {
            return bad(format!(
                "node {what} `{q}` is not a quantity (e.g. 4, 500m, 16Gi)"
            ));
        }
    }
    let opts = WriteOptions {
        dry_run: false,
        field_manager: None,
        now: c.clock.now(),
    };
    let result = {
        let mut store = c.store();
        match store.registry().get("", "v1", "nodes").cloned() {
            Some(rt) => store.create(&rt, None, node_object(&c.config, &node), &opts),
            None => return bad("nodes are not served".into()),
        }
    };
    c.changed.notify_one();
    match result {
        Ok(v) => json_response(StatusCode::CREATED, &v),
        Err(e) => super::api::error_response(&e),
    }
}

async fn remove_node(State(c): State<Arc<SimCluster>>, Path(name): Path<String>) -> Response {
    let opts = WriteOptions {
        dry_run: false,
        field_manager: None,
        now: c.clock.now(),
    };
    let result = {
        let mut store = c.store();
        match store.registry().get("", "v1", "nodes").cloned() {
            Some(rt) => store.delete(&rt, None, &name, Default::default(), &opts),
            None => return bad("nodes are not served".into()),
        }
    };
    c.changed.notify_one();
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => super::api::error_response(&e),
    }
}

async fn capacity_summary(State(c): State<Arc<SimCluster>>) -> Response {
    let (nodes, pods) = {
        let store = c.store();
        let list = |g: &str, p: &str| -> Vec<Value> {
            store
                .registry()
                .get(g, "v1", p)
                .and_then(|rt| store.list(rt, None).ok())
                .unwrap_or_default()
        };
        (list("", "nodes"), list("", "pods"))
    };
    let now = c.clock.now().to_rfc3339();
    let status = capacity::cluster_status(&Observed {
        nodes: &nodes,
        pods: &pods,
        api_enablements: &[],
        kubernetes_version: "v1.32.4",
        healthy: true,
        now: &now,
    });
    json_response(
        StatusCode::OK,
        &json!({"name": c.name(), "nodeSummary": status["nodeSummary"], "resourceSummary": status["resourceSummary"]}),
    )
}

async fn get_counters(State(c): State<Arc<SimCluster>>) -> Response {
    json_response(StatusCode::OK, &lock(&c.counters).to_json())
}

async fn reset_counters(State(c): State<Arc<SimCluster>>) -> Response {
    lock(&c.counters).reset();
    json_response(StatusCode::OK, &lock(&c.counters).to_json())
}

async fn get_clock(State(c): State<Arc<SimCluster>>) -> Response {
    json_response(StatusCode::OK, &json!({"now": c.clock.now().to_rfc3339()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Advance {
    advance_seconds: f64,
}

async fn advance_clock(State(c): State<Arc<SimCluster>>, body: Bytes) -> Response {
    let a: Advance = match parse(&body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if a.advance_seconds.is_nan() || a.advance_seconds < 0.0 {
        return bad("advanceSeconds must be >= 0".into());
    }
    c.clock.advance(chrono::Duration::milliseconds(
        (a.advance_seconds * 1000.0) as i64,
    ));
    c.changed.notify_one();
    get_clock(State(c)).await
}

/// Compacts the change log: watches from older versions, and every open
/// watch, get 410 Expired (what clients see after etcd compaction).
async fn compact(State(c): State<Arc<SimCluster>>) -> Response {
    let rv = {
        let mut store = c.store();
        store.compact();
        store.resource_version()
    };
    c.compactions.send_modify(|n| *n += 1);
    json_response(StatusCode::OK, &json!({"compactedTo": rv.to_string()}))
}
