//! The daemon (`flotilla run`): keeps a fleet equal to a Git repository and
//! writes the fleet's state back to it. docs/daemon.md is the map: the
//! pure steps (desired state, plans, status) live in their modules, and
//! this module only sequences them, with timers, triggers and shutdown.

pub mod backoff;
pub mod config;
pub mod desired;
