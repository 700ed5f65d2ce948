//! End-to-end controller tests: objects go into a [`TestWorld`], the
//! controllers run until they settle, the clock advances, and the tests
//! assert on the world (and, where it matters, after every round).
//!
//! [`TestWorld`]: super::testing::TestWorld

mod daemonset;
mod deployment;
mod due;
mod gc;
mod generic;
mod hpa;
mod job;
mod properties;
mod scheduler;
mod statefulset;
mod statefulset_storage;
