//! Observing member clusters: what flotilla learns from a cluster's API
//! (readiness, API enablements, capacity), in the shape of a Karmada
//! `Cluster` status. [`capacity`] is the pure computation from nodes, pods
//! and discovery; [`client`] reads them from any Kubernetes API (a real
//! cluster or the simulator) with the kube client.

pub mod capacity;
pub mod client;
pub mod health;
