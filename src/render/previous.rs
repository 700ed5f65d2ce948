//! Previous decisions (`render --previous`): an earlier render's JSON, whose
//! `placements` say where each resource ran (and which cluster affinity
//! group it used). Scheduling starts from them, and a resource that cannot
//! be scheduled now keeps them.
//!
//! The clusters of a placement keep the order they are given in: like a
//! Karmada binding's `spec.clusters`, that order breaks ties when replicas
//! are scaled down. flotilla itself always writes them sorted by name.

use super::PlacementResult;
use crate::model::common::ObjectRef;
use crate::schedule::TargetCluster;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Previous target clusters (and affinity group) by resource.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    by_resource: BTreeMap<ObjectRef, Vec<TargetCluster>>,
    affinity: BTreeMap<ObjectRef, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PreviousError {
    #[error("failed to parse previous render output (expected the JSON of `flotilla render --format json`)")]
    Parse(#[source] serde_json::Error),
}

#[derive(Deserialize)]
struct RenderJson {
    #[serde(default)]
    placements: Vec<PlacementJson>,
}

#[derive(Deserialize)]
struct PlacementJson {
    resource: ObjectRef,
    #[serde(default)]
    clusters: Vec<TargetCluster>,
    #[serde(default, rename = "affinityName")]
    affinity_name: Option<String>,
}

impl Previous {
    /// Parses the JSON text of an earlier `render --format json`.
    pub fn parse(text: &str) -> Result<Self, PreviousError> {
        let parsed: RenderJson = serde_json::from_str(text).map_err(PreviousError::Parse)?;
        let mut out = Previous::default();
        for p in parsed.placements {
            if let Some(name) = p.affinity_name {
                out.affinity.insert(p.resource.clone(), name);
            }
            out.by_resource.insert(p.resource, p.clusters);
        }
        Ok(out)
    }

    /// The decisions of a render, as the next render's starting point
    /// (placements that failed keep nothing, so they start afresh).
    pub fn from_placements(placements: &[PlacementResult]) -> Self {
        let mut out = Previous::default();
        for p in placements.iter().filter(|p| !p.clusters.is_empty()) {
            let mut clusters = p.clusters.clone();
            clusters.sort_by(|a, b| a.name.cmp(&b.name));
            out.by_resource.insert(p.resource.clone(), clusters);
            if let Some(name) = &p.affinity_name {
                out.affinity.insert(p.resource.clone(), name.clone());
            }
        }
        out
    }

    /// Placements by resource (e.g. read back from the status branch).
    pub fn from_map(by_resource: BTreeMap<ObjectRef, Vec<TargetCluster>>) -> Self {
        let mut by_resource = by_resource;
        for clusters in by_resource.values_mut() {
            clusters.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Previous {
            by_resource,
            affinity: BTreeMap::new(),
        }
    }

    /// Records the cluster affinity group each resource used.
    pub fn with_affinities(mut self, affinity: BTreeMap<ObjectRef, String>) -> Self {
        self.affinity = affinity;
        self
    }

    pub fn get(&self, id: &ObjectRef) -> Option<&[TargetCluster]> {
        self.by_resource.get(id).map(Vec::as_slice)
    }

    /// The `clusterAffinities` term the resource's previous decision used.
    pub fn affinity_name(&self, id: &ObjectRef) -> Option<&str> {
        self.affinity.get(id).map(String::as_str)
    }
}
