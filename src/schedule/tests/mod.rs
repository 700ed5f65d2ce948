//! Table and property tests of the scheduler: one file per step (filters,
//! spread selection, division, cluster affinity groups) and the proptest
//! invariants. Builders here keep the tables short.

mod affinities;
mod division;
mod filters;
mod props;
mod spread;

use super::*;
use crate::model::defaults::default_placement;
use serde_json::{json, Value};

/// A cluster from a compact JSON description (name, labels, spec, status).
pub(super) fn mk_cluster(name: &str, labels: Value, spec: Value, status: Value) -> Cluster {
    let mut v = json!({"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster",
        "metadata": {"name": name, "labels": labels}, "spec": spec});
    if !status.is_null() {
        v["status"] = status;
    }
    serde_json::from_value(v).expect("test cluster")
}

pub(super) fn plain(name: &str) -> Cluster {
    mk_cluster(name, json!({}), json!({}), Value::Null)
}

/// A cluster with room for `pods` more replicas (of a template without requests).
pub(super) fn roomy(name: &str, pods: i64) -> Cluster {
    with_spec(name, json!({}), pods)
}

/// A cluster with a spec (region, zones, …) and room for `pods` replicas.
pub(super) fn with_spec(name: &str, spec: Value, pods: i64) -> Cluster {
    mk_cluster(
        name,
        json!({}),
        spec,
        json!({"resourceSummary": {"allocatable": {"pods": pods.to_string(), "cpu": "64"}}}),
    )
}

/// A defaulted placement from JSON.
pub(super) fn mk_placement(v: Value) -> Placement {
    let mut p: Placement = serde_json::from_value(v).expect("test placement");
    default_placement(&mut p);
    p
}

/// Everything a test may vary; `run` fills the rest.
#[derive(Default)]
pub(super) struct Case<'a> {
    pub previous: Option<&'a [TargetCluster]>,
    pub previous_affinity: Option<&'a str>,
    pub evicting: &'a [String],
    pub requests: Option<&'a ReplicaRequests>,
}

pub(super) fn run(
    placement: &Placement,
    replicas: Option<i32>,
    clusters: &[Cluster],
    previous: Option<&[TargetCluster]>,
) -> Result<Decision, ScheduleError> {
    run_with(
        placement,
        replicas,
        clusters,
        &Case {
            previous,
            ..Case::default()
        },
    )
}

pub(super) fn run_with(
    placement: &Placement,
    replicas: Option<i32>,
    clusters: &[Cluster],
    case: &Case<'_>,
) -> Result<Decision, ScheduleError> {
    let views: Vec<ClusterView<'_>> = clusters
        .iter()
        .map(|cluster| ClusterView { cluster })
        .collect();
    let none = ReplicaRequests::none();
    schedule(&ScheduleInput {
        placement,
        api_version: "apps/v1",
        kind: "Deployment",
        replicas,
        requests: case.requests.unwrap_or(&none),
        clusters: &views,
        previous: case.previous,
        previous_affinity: case.previous_affinity,
        evicting: case.evicting,
    })
}

/// The decision as `name=replicas` pairs, or the error text.
pub(super) fn outcome(r: &Result<Decision, ScheduleError>) -> String {
    match r {
        Ok(d) => d
            .clusters
            .iter()
            .map(|t| format!("{}={}", t.name, t.replicas))
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => format!("error: {e}"),
    }
}

pub(super) fn tc(pairs: &[(&str, i32)]) -> Vec<TargetCluster> {
    pairs
        .iter()
        .map(|(n, r)| TargetCluster {
            name: n.to_string(),
            replicas: *r,
        })
        .collect()
}

pub(super) fn fleet() -> Vec<Cluster> {
    vec![
        mk_cluster(
            "a",
            json!({"env": "prod"}),
            json!({"provider": "aws", "region": "eu", "zones": ["eu-1"]}),
            Value::Null,
        ),
        mk_cluster(
            "b",
            json!({"env": "prod"}),
            json!({"provider": "gcp", "region": "us", "zones": ["us-1", "us-2"]}),
            Value::Null,
        ),
        mk_cluster(
            "c",
            json!({"env": "dev"}),
            json!({"provider": "aws", "region": "us"}),
            Value::Null,
        ),
    ]
}
