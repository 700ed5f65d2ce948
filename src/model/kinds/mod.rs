//! The typed kinds flotilla understands. Each kind file holds the serde types
//! (unknown fields rejected, JSON Schema derived) and the semantic checks that
//! need only the object itself.

pub mod cluster;
pub mod interpreter;
pub mod override_policy;
pub mod propagation;
pub mod scaling;
pub mod settings;
