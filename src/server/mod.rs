//! The daemon's HTTP server: `/metrics` (Prometheus text), `/healthz`
//! (the process answers), `/readyz` (the first reconcile has finished) and
//! `POST /webhook` (a push triggers a fetch at once).

pub mod metrics;
pub mod webhook;
