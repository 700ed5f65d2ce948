//! Previous decisions (`render --previous`): an earlier render's JSON, whose
//! `placements` say where each resource ran. Scheduling starts from them, and
//! a resource that cannot be scheduled now keeps them.

use super::PlacementResult;
use crate::model::common::ObjectRef;
use crate::schedule::TargetCluster;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Previous target clusters by resource.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    by_resource: BTreeMap<ObjectRef, Vec<TargetCluster>>,
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
}

impl Previous {
    /// Parses the JSON text of an earlier `render --format json`.
    pub fn parse(text: &str) -> Result<Self, PreviousError> {
        let parsed: RenderJson = serde_json::from_str(text).map_err(PreviousError::Parse)?;
        let by_resource = parsed
            .placements
            .into_iter()
            .map(|p| {
                let mut clusters = p.clusters;
                clusters.sort_by(|a, b| a.name.cmp(&b.name));
                (p.resource, clusters)
            })
            .collect();
        Ok(Previous { by_resource })
    }

    /// The decisions of a render, as the next render's starting point
    /// (placements that failed keep nothing, so they start afresh).
    pub fn from_placements(placements: &[PlacementResult]) -> Self {
        let by_resource = placements
            .iter()
            .filter(|p| !p.clusters.is_empty())
            .map(|p| {
                let mut clusters = p.clusters.clone();
                clusters.sort_by(|a, b| a.name.cmp(&b.name));
                (p.resource.clone(), clusters)
            })
            .collect();
        Previous { by_resource }
    }

    /// Placements by resource (e.g. read back from the status branch).
    pub fn from_map(by_resource: BTreeMap<ObjectRef, Vec<TargetCluster>>) -> Self {
        let mut by_resource = by_resource;
        for clusters in by_resource.values_mut() {
            clusters.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Previous { by_resource }
    }

    pub fn get(&self, id: &ObjectRef) -> Option<&[TargetCluster]> {
        self.by_resource.get(id).map(Vec::as_slice)
    }
}
