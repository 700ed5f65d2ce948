//! Render: per-cluster manifests.
