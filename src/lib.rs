//! flotilla: a GitOps reconciler for fleets of Kubernetes clusters.
//!
//! The data flow (see `docs/design/` and DESIGN.md): a Git snapshot is parsed
//! and validated into a [`model::Repository`]; templates are bound to
//! policies ([`bind`]); each binding is scheduled onto clusters
//! ([`schedule`]); and [`render`] produces one manifest set per cluster.
//! Everything up to and including render is pure: no I/O, clock or
//! randomness. The I/O shells ([`source`], [`cli`]) feed it.

// Table tests spell their rows as tuples; naming each row type would not
// make them clearer.
#![cfg_attr(test, allow(clippy::type_complexity))]

pub mod apply;
pub mod bind;
pub mod cli;
pub mod daemon;
pub mod gojson;
pub mod model;
pub mod observe;
pub mod render;
pub mod schedule;
pub mod server;
pub mod sim;
pub mod source;
pub mod status;
