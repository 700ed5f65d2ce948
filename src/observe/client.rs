//! Reading a cluster's capacity from its API with the kube client: version,
//! discovery, nodes and pods, turned into a Karmada Cluster status by
//! [`super::capacity`]. Works the same against a real cluster and the
//! simulator; the daemon uses it to learn capacity.

use super::capacity::{self, ApiEnablement, Observed};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::ListParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    #[error("failed to read kubeconfig")]
    Kubeconfig(#[source] kube::config::KubeconfigError),
    #[error("failed to build a client for context `{context}`")]
    Client {
        context: String,
        #[source]
        source: kube::Error,
    },
}

/// The contexts of a kubeconfig, in file order.
pub fn contexts(kubeconfig: &Kubeconfig) -> Vec<String> {
    kubeconfig.contexts.iter().map(|c| c.name.clone()).collect()
}

pub fn read_kubeconfig(path: &std::path::Path) -> Result<Kubeconfig, ObserveError> {
    Kubeconfig::read_from(path).map_err(ObserveError::Kubeconfig)
}

/// A client for one context of `kubeconfig`.
pub async fn client(kubeconfig: &Kubeconfig, context: &str) -> Result<Client, ObserveError> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|e| ObserveError::Client {
            context: context.into(),
            source: kube::Error::InferKubeconfig(e),
        })?;
    Client::try_from(config).map_err(|source| ObserveError::Client {
        context: context.into(),
        source,
    })
}

/// What could be read of one cluster; an unreachable cluster is observed as
/// not Ready (with `error` saying why), never as an empty one.
#[derive(Debug, Clone)]
pub struct Observation {
    pub status: Value,
    pub error: Option<String>,
}

/// Observes the cluster behind `client`.
pub async fn observe(client: &Client, now: &str) -> Observation {
    match read(client).await {
        Ok((version, enablements, nodes, pods)) => Observation {
            status: capacity::cluster_status(&Observed {
                nodes: &nodes,
                pods: &pods,
                api_enablements: &enablements,
                kubernetes_version: &version,
                healthy: true,
                now,
            }),
            error: None,
        },
        Err(e) => Observation {
            status: json!({"conditions": [{"type": "Ready", "status": "False", "reason": "ClusterNotReachable",
                "message": format!("cluster is not reachable: {e}"), "lastTransitionTime": now}]}),
            error: Some(e.to_string()),
        },
    }
}

type Read = (String, Vec<ApiEnablement>, Vec<Value>, Vec<Value>);

async fn read(client: &Client) -> Result<Read, kube::Error> {
    let version = client.apiserver_version().await?.git_version;
    let mut enablements = Vec::new();
    let core = client.list_core_api_resources("v1").await?;
    enablements.push(enablement(&core));
    for group in client.list_api_groups().await?.groups {
        for v in &group.versions {
            let resources = client.list_api_group_resources(&v.group_version).await?;
            enablements.push(enablement(&resources));
        }
    }
    enablements.sort_by(|a, b| a.group_version.cmp(&b.group_version));
    let nodes = Api::<Node>::all(client.clone())
        .list(&ListParams::default())
        .await?;
    let pods = Api::<Pod>::all(client.clone())
        .list(&ListParams::default())
        .await?;
    let to_values = |items: Vec<Value>| items;
    Ok((
        version,
        enablements,
        to_values(
            nodes
                .items
                .iter()
                .filter_map(|n| serde_json::to_value(n).ok())
                .collect(),
        ),
        to_values(
            pods.items
                .iter()
                .filter_map(|p| serde_json::to_value(p).ok())
                .collect(),
        ),
    ))
}

fn enablement(
    list: &k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList,
) -> ApiEnablement {
    let mut resources: Vec<(String, String)> = list
        .resources
        .iter()
        .filter(|r| !r.name.contains('/'))
        .map(|r| (r.name.clone(), r.kind.clone()))
        .collect();
    resources.sort();
    ApiEnablement {
        group_version: list.group_version.clone(),
        resources,
    }
}

/// A `cluster.karmada.io/v1alpha1` Cluster named `name` with `status`.
pub fn cluster_object(name: &str, status: Value) -> Value {
    json!({"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": name}, "status": status})
}
