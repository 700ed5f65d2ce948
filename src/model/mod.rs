//! The repository model: every object flotilla reads from Git, typed, with
//! the position it came from, validated, and defaulted.
//!
//! In: the repository's files (path and bytes). Out: a [`Repository`] and the
//! diagnostics found on the way. Pure: no I/O; reading files is `source`'s job.

pub mod check;
pub mod common;
pub mod defaults;
pub mod diag;
pub mod kinds;
pub mod load;
mod parse;
pub mod pod_resources;
pub mod quantity;
pub mod repository;
pub mod schema;
pub mod selector_scope;
pub mod template;
pub mod validate;
pub mod yaml;

pub use load::{load, LoadLimits, Loaded};
pub use repository::{Located, Repository};
pub use template::Template;
pub mod cluster_state;
