//! Reading the status tree back: the files a restarted daemon needs (every
//! placement, so scheduling resumes where it was; every cluster's
//! inventory, so prune knows what it applied) and the typed files for
//! `flotilla status`. Pure: the tree comes in as path → text.
//!
//! A file that cannot be parsed is an error for that file only; it is never
//! read as "nothing there" without saying so (an unreadable inventory must
//! not look empty to prune).

use super::files::{ClusterFile, ErrorsFile, ResourceFile, CLUSTERS_DIR, RESOURCES_DIR};
use super::input::{HeldPrune, InventoryItem};
use super::Tree;
use crate::model::common::ObjectRef;
use crate::render::Previous;
use crate::schedule::TargetCluster;
use std::collections::BTreeMap;

/// A status file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("failed to parse status file {path}")]
    Parse {
        path: String,
        #[source]
        source: serde_norway::Error,
    },
    #[error("status file {path} names {found:?}, not the {expected:?} of its path")]
    WrongName {
        path: String,
        expected: String,
        found: String,
    },
}

impl ReadError {
    /// The file concerned.
    pub fn path(&self) -> &str {
        match self {
            ReadError::Parse { path, .. } | ReadError::WrongName { path, .. } => path,
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, ReadError> {
    serde_norway::from_str(text).map_err(|source| ReadError::Parse {
        path: path.to_string(),
        source,
    })
}

/// Parses one `status/resources/...` file.
pub fn parse_resource(path: &str, text: &str) -> Result<ResourceFile, ReadError> {
    parse(path, text)
}

/// Parses one `status/clusters/<cluster>.yaml` file; its `name` must be the
/// file's.
pub fn parse_cluster(path: &str, text: &str) -> Result<ClusterFile, ReadError> {
    let file: ClusterFile = parse(path, text)?;
    let expected = path
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".yaml"))
        .unwrap_or_default();
    if file.name != expected {
        return Err(ReadError::WrongName {
            path: path.to_string(),
            expected: expected.to_string(),
            found: file.name,
        });
    }
    Ok(file)
}

/// Parses `status/errors.yaml`.
pub fn parse_errors(path: &str, text: &str) -> Result<ErrorsFile, ReadError> {
    parse(path, text)
}

fn under<'a>(files: &'a Tree, dir: &'a str) -> impl Iterator<Item = (&'a String, &'a String)> {
    files
        .range(dir.to_string()..)
        .take_while(move |(p, _)| p.starts_with(dir))
        .filter(|(p, _)| p.ends_with(".yaml"))
}

/// Every resource file, in path order, and the errors of those that could
/// not be parsed.
pub fn resource_files(files: &Tree) -> (Vec<ResourceFile>, Vec<ReadError>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in under(files, RESOURCES_DIR) {
        match parse_resource(path, text) {
            Ok(f) => ok.push(f),
            Err(e) => errors.push(e),
        }
    }
    (ok, errors)
}

/// Every cluster file, in name order, and the errors of those that could
/// not be parsed.
pub fn cluster_files(files: &Tree) -> (Vec<ClusterFile>, Vec<ReadError>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in under(files, CLUSTERS_DIR) {
        match parse_cluster(path, text) {
            Ok(f) => ok.push(f),
            Err(e) => errors.push(e),
        }
    }
    (ok, errors)
}

/// The placements recorded on the status branch.
#[derive(Debug, Default)]
pub struct Placements {
    /// Target clusters (sorted by name) with their replicas, by resource.
    pub by_resource: BTreeMap<ObjectRef, Vec<TargetCluster>>,
    /// The cluster affinity group each resource's decision used.
    pub affinity: BTreeMap<ObjectRef, String>,
    /// Resource files that could not be read: their placements are lost.
    pub errors: Vec<ReadError>,
}

impl Placements {
    /// As `render::Previous`, the input of the next render.
    pub fn to_previous(&self) -> Previous {
        Previous::from_map(self.by_resource.clone()).with_affinities(self.affinity.clone())
    }
}

/// Every placement in the tree: resource → target clusters with replicas.
pub fn placements(files: &Tree) -> Placements {
    let (resources, errors) = resource_files(files);
    let affinity = resources
        .iter()
        .filter_map(|r| Some((r.id(), r.placement.affinity_name.clone()?)))
        .collect();
    let by_resource = resources
        .into_iter()
        .map(|r| {
            let mut clusters = r.placement.clusters.clone();
            clusters.sort();
            (r.id(), clusters)
        })
        .collect();
    Placements {
        by_resource,
        affinity,
        errors,
    }
}

/// Every cluster's inventory, by cluster name; an unreadable file is an
/// error for that cluster (never an empty inventory).
pub fn inventories(files: &Tree) -> BTreeMap<String, Result<Vec<InventoryItem>, ReadError>> {
    under(files, CLUSTERS_DIR)
        .map(|(path, text)| {
            let name = path
                .strip_prefix(CLUSTERS_DIR)
                .and_then(|f| f.strip_suffix(".yaml"))
                .unwrap_or_default()
                .to_string();
            (name, parse_cluster(path, text).map(|c| c.inventory))
        })
        .collect()
}

/// Every cluster's held prune, by cluster name. A file that cannot be read
/// records none: without a record, an approval of an earlier commit lets
/// nothing through, which is the safe side.
pub fn held_prunes(files: &Tree) -> BTreeMap<String, HeldPrune> {
    let (clusters, _) = cluster_files(files);
    clusters
        .into_iter()
        .filter_map(|c| c.held_prune.map(|h| (c.name, h)))
        .collect()
}
