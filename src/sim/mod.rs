//! The member-cluster simulator (DESIGN.md §6): Kubernetes-API-compatible
//! HTTP servers on loopback, one per simulated cluster, that kubectl and the
//! kube crate use unchanged.
//!
//! Layout, from the wire inwards:
//! - `api/`: the HTTP layer (routing, discovery, OpenAPI, CRUD, watch,
//!   `Status` errors, tables, protobuf request bodies);
//! - `store`: one cluster's objects (kept serialized), resource versions
//!   and watch log; `selectable`: what selectors read of each version;
//! - `patch/` and `apply/`: merge, JSON and strategic-merge patches, and
//!   server-side apply with field managers (pure functions on JSON); every
//!   write that is not an apply goes through [`apply::record_update`] so
//!   later applies conflict as they would on a real cluster;
//! - `schema_keys`: which lists of the built-in kinds merge by which keys,
//!   shared by strategic merge and server-side apply;
//! - `controllers/`: what runs behind the API (workloads, scheduler,
//!   kubelet readiness, HPA, garbage collection), each a pure function from
//!   a [`controllers::World`] snapshot to a list of [`controllers::Action`]s;
//! - `resources`: the registry of resource types (built-ins and CRDs);
//! - `cluster`, `runner`, `server`, `admin`: one simulated cluster, the
//!   loop that runs its controllers (on writes, and when something is due),
//!   the listeners and kubeconfig, and the admin API (faults, load, nodes,
//!   clock, counters) under `/sim/`.

pub mod admin;
pub mod api;
pub mod apply;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod controllers;
pub mod convert;
pub mod counters;
pub mod error;
pub mod faults;
pub mod patch;
pub mod protobuf;
pub mod resources;
pub mod runner;
pub mod schema_keys;
pub mod selectable;
pub mod selector;
pub mod server;
pub mod store;
