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
pub mod quantity;
pub mod yaml;
