//! The HTTP layer of a simulated cluster.

pub mod discovery;
pub mod openapi;
pub mod path;
pub mod table;
