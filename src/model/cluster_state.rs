//! Observed cluster state (`render --cluster-state`): Cluster objects as a
//! Karmada control plane (or `flotilla sim capacity`) reports them. flotilla
//! takes each one's `status` and `spec.taints` and merges them into the
//! repository's Cluster of the same name; everything else in these objects
//! (uids, endpoints, secrets references) is observed noise and ignored.

use super::kinds::cluster::{Cluster, ClusterStatus, Taint};
use super::yaml;
use serde_json::Value;

/// What was observed about one cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterObservation {
    pub name: String,
    pub status: Option<ClusterStatus>,
    /// `Some` when the state gives `spec.taints` (even empty): it replaces the
    /// repository's taints, as the control plane's view is the current one.
    pub taints: Option<Vec<Taint>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("invalid YAML at line {line}, column {col}: {message}")]
    Yaml {
        line: u32,
        col: u32,
        message: String,
    },
    #[error("object {index} is not a cluster.karmada.io Cluster with metadata.name")]
    NotACluster { index: usize },
    #[error("invalid {field} of cluster `{name}`")]
    Field {
        name: String,
        field: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// Parses a YAML stream (or a `List`) of Cluster objects.
pub fn parse(text: &str) -> Result<Vec<ClusterObservation>, StateError> {
    let stream = yaml::parse_stream(text, 100_000).map_err(|p| StateError::Yaml {
        line: p.pos.line,
        col: p.pos.col,
        message: p.message,
    })?;
    let mut objects = Vec::new();
    for doc in stream.documents {
        let json = doc.value;
        if json.is_null() {
            continue;
        }
        match json.get("items").and_then(Value::as_array) {
            Some(items)
                if json
                    .get("kind")
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.ends_with("List")) =>
            {
                objects.extend(items.iter().cloned())
            }
            _ => objects.push(json),
        }
    }
    let mut out = Vec::new();
    for (index, mut object) in objects.into_iter().enumerate() {
        super::schema::strip_nulls(&mut object);
        let is_cluster = object.get("kind").and_then(Value::as_str) == Some("Cluster")
            && object
                .get("apiVersion")
                .and_then(Value::as_str)
                .is_some_and(|a| a.starts_with("cluster.karmada.io/"));
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let (true, Some(name)) = (is_cluster, name) else {
            return Err(StateError::NotACluster { index });
        };
        let status = match object.get("status") {
            Some(s) => {
                Some(
                    serde_json::from_value(s.clone()).map_err(|source| StateError::Field {
                        name: name.clone(),
                        field: "status",
                        source,
                    })?,
                )
            }
            None => None,
        };
        let taints = match object.pointer("/spec/taints") {
            Some(t) => {
                Some(
                    serde_json::from_value(t.clone()).map_err(|source| StateError::Field {
                        name: name.clone(),
                        field: "spec.taints",
                        source,
                    })?,
                )
            }
            None => object.get("spec").map(|_| Vec::new()),
        };
        out.push(ClusterObservation {
            name,
            status,
            taints,
        });
    }
    Ok(out)
}

/// The repository's clusters with the observations merged in; also the
/// names of observed clusters the repository does not define.
pub fn merge(clusters: &[Cluster], observed: &[ClusterObservation]) -> (Vec<Cluster>, Vec<String>) {
    let mut merged: Vec<Cluster> = clusters.to_vec();
    let mut unknown = Vec::new();
    for o in observed {
        match merged.iter_mut().find(|c| c.metadata.name == o.name) {
            Some(c) => {
                if o.status.is_some() {
                    c.status = o.status.clone();
                }
                if let Some(taints) = &o.taints {
                    c.spec.taints = taints.clone();
                }
            }
            None => unknown.push(o.name.clone()),
        }
    }
    (merged, unknown)
}
