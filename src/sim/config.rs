//! What a simulator runs: clusters with labels, region and zone, nodes with
//! allocatable resources, a pod readiness delay and a fault schedule. Read
//! from `sim.yaml`, or built from `--clusters N --nodes M`.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SimConfig {
    pub clusters: Vec<ClusterConfig>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterConfig {
    pub name: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub zone: Option<String>,
    /// Nodes, listed one by one; or `nodeCount` copies of `nodeTemplate`.
    #[serde(default)]
    pub nodes: Vec<NodeConfig>,
    #[serde(default)]
    pub node_count: Option<usize>,
    #[serde(default)]
    pub node_template: Option<NodeConfig>,
    /// Seconds from scheduling to Ready (default 1).
    #[serde(default = "default_ready_delay")]
    pub pod_ready_delay_seconds: f64,
    /// Faults applied at a time after start.
    #[serde(default)]
    pub faults: Vec<ScheduledFault>,
}

fn default_ready_delay() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeConfig {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "default_cpu")]
    pub cpu: String,
    #[serde(default = "default_memory")]
    pub memory: String,
    #[serde(default = "default_pods")]
    pub pods: u32,
    /// Extended resources, e.g. `nvidia.com/gpu: "2"`.
    #[serde(default)]
    pub extended: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub taints: Vec<serde_json::Value>,
}

fn default_cpu() -> String {
    "4".into()
}
fn default_memory() -> String {
    "16Gi".into()
}
fn default_pods() -> u32 {
    110
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            name: None,
            cpu: default_cpu(),
            memory: default_memory(),
            pods: default_pods(),
            extended: BTreeMap::new(),
            labels: BTreeMap::new(),
            taints: Vec::new(),
        }
    }
}

/// A fault from the admin API's vocabulary, applied `atSeconds` after start.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScheduledFault {
    pub at_seconds: f64,
    /// What `POST /sim/faults` takes.
    pub fault: super::faults::FaultSpec,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to parse simulator config: {0}")]
    Parse(String),
    #[error("simulator config: {0}")]
    Invalid(String),
}

impl SimConfig {
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: SimConfig =
            serde_norway::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// `n` clusters `member1…memberN` alternating between two regions, each
    /// with `nodes` default nodes.
    pub fn generated(n: usize, nodes: usize) -> Self {
        let regions = [("eu-west-1", "eu-west-1a"), ("us-east-1", "us-east-1a")];
        let clusters = (1..=n)
            .map(|i| {
                let (region, zone) = regions[(i - 1) % regions.len()];
                ClusterConfig {
                    name: format!("member{i}"),
                    labels: BTreeMap::from([("region".to_string(), region.to_string())]),
                    provider: Some("sim".into()),
                    region: Some(region.into()),
                    zone: Some(zone.into()),
                    nodes: Vec::new(),
                    node_count: Some(nodes),
                    node_template: None,
                    pod_ready_delay_seconds: default_ready_delay(),
                    faults: Vec::new(),
                }
            })
            .collect();
        SimConfig { clusters }
    }

    /// A cluster named `name` with `nodes` default nodes and the default
    /// readiness delay; the caller sets labels and topology.
    pub fn cluster(name: &str, nodes: usize) -> ClusterConfig {
        ClusterConfig {
            name: name.to_string(),
            labels: BTreeMap::new(),
            provider: None,
            region: None,
            zone: None,
            nodes: Vec::new(),
            node_count: Some(nodes),
            node_template: None,
            pod_ready_delay_seconds: default_ready_delay(),
            faults: Vec::new(),
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.clusters {
            if c.name.is_empty()
                || !c
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
            {
                return Err(ConfigError::Invalid(format!(
                    "cluster name `{}` must be non-empty letters, digits and '-'",
                    c.name
                )));
            }
            if !seen.insert(&c.name) {
                return Err(ConfigError::Invalid(format!(
                    "cluster `{}` is listed twice",
                    c.name
                )));
            }
            if c.pod_ready_delay_seconds < 0.0 {
                return Err(ConfigError::Invalid(format!(
                    "cluster `{}`: podReadyDelaySeconds must be >= 0",
                    c.name
                )));
            }
            for n in c.all_nodes() {
                for (what, q) in [("cpu", &n.cpu), ("memory", &n.memory)] {
                    if q.parse::<crate::model::quantity::Quantity>().is_err() {
                        return Err(ConfigError::Invalid(format!("cluster `{}`: node {what} `{q}` is not a quantity (e.g. 4, 500m, 16Gi)", c.name)));
                    }
                }
            }
        }
        Ok(())
    }
}

impl ClusterConfig {
    /// Every node, named: the listed ones, then `nodeCount` copies of the
    /// template (default 3 default nodes when neither is given).
    pub fn all_nodes(&self) -> Vec<NodeConfig> {
        let mut nodes: Vec<NodeConfig> = self.nodes.clone();
        let count = self
            .node_count
            .unwrap_or(if self.nodes.is_empty() { 3 } else { 0 });
        let template = self.node_template.clone().unwrap_or_default();
        for _ in 0..count {
            nodes.push(template.clone());
        }
        for (i, n) in nodes.iter_mut().enumerate() {
            if n.name.is_none() {
                n.name = Some(format!("{}-node-{}", self.name, i + 1));
            }
        }
        nodes
    }
}
