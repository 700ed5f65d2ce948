//! Render: per-cluster manifests from a validated repository.
//!
//! In: the [`Repository`](crate::model::Repository), the clusters with their
//! observed state, previous decisions. Out: a [`Rendered`] value (each
//! cluster's manifests in apply order, with ownership marks and content
//! hash, plus every placement decision) and its printed forms. Pure.

pub mod order;
pub mod output;
pub mod overrides;
pub mod ownership;
pub mod pipeline;
mod placement;
pub mod previous;
pub mod replicas;

pub use pipeline::{render, PlacementResult, PolicyRef, RenderInput, Rendered, RenderedObject};
pub use previous::Previous;
