//! Render: per-cluster manifests.

pub mod overrides;
