//! What the daemon tells an observer (the demo's progress lines, tests):
//! one event per step that changed something. Events are a view; the
//! status branch and the metrics are the record.

use super::desired::Desired;
use super::worker::ClusterReport;
use crate::observe::health::{self, HealthState};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A new good commit was loaded.
    Loaded {
        commit: String,
    },
    /// The latest commit does not validate; the last good one stays.
    Invalid {
        commit: String,
        errors: usize,
    },
    FetchFailed {
        error: String,
    },
    /// The desired state was recomputed: objects per cluster.
    Rendered {
        commit: String,
        objects: BTreeMap<String, usize>,
    },
    /// One pass over a cluster.
    Cluster(ClusterProgress),
    StatusCommitted {
        commit: String,
    },
}

/// One cluster's progress towards a revision.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterProgress {
    pub cluster: String,
    pub revision: String,
    pub reachable: bool,
    /// Objects written in this pass.
    pub written: usize,
    /// Desired objects present and healthy / desired objects.
    pub healthy: usize,
    pub desired: usize,
    /// Ready / desired replicas over the cluster's workloads.
    pub ready_replicas: i64,
    pub desired_replicas: i64,
    pub converged: bool,
    pub error: Option<String>,
}

impl Event {
    pub fn from_report(report: &ClusterReport, desired: Option<&Desired>) -> Event {
        let wanted = desired
            .and_then(|d| d.clusters.get(&report.cluster))
            .map_or(0, |c| c.objects.len());
        let mut healthy = 0;
        let (mut ready, mut want) = (0, 0);
        for object in report.live.values() {
            let h = health::health(object);
            if h.state == HealthState::Healthy {
                healthy += 1;
            }
            if let Some(r) = h.replicas {
                ready += r.ready;
                want += r.desired;
            }
        }
        let written = report
            .apply
            .as_ref()
            .map_or(0, |a| a.applied.len() + a.pruned.len());
        Event::Cluster(ClusterProgress {
            cluster: report.cluster.clone(),
            revision: report.revision.clone(),
            reachable: report.reachable,
            written,
            healthy,
            desired: wanted,
            ready_replicas: ready,
            desired_replicas: want,
            converged: report.converged && healthy == wanted,
            error: report.error.clone(),
        })
    }
}

fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Loaded { commit } => write!(f, "source    {} loaded", short(commit)),
            Event::Invalid { commit, errors } => write!(
                f,
                "source    {} is invalid ({errors} errors); the last good revision stays applied",
                short(commit)
            ),
            Event::FetchFailed { error } => write!(f, "source    fetch failed: {error}"),
            Event::Rendered { commit, objects } => {
                let per: Vec<String> = objects.iter().map(|(c, n)| format!("{c}: {n}")).collect();
                write!(f, "render    {} → {}", short(commit), per.join(", "))
            }
            Event::Cluster(p) => {
                write!(f, "{:<9} {} ", p.cluster, short(&p.revision))?;
                if let Some(e) = &p.error {
                    return write!(f, "error: {e}");
                }
                write!(f, "objects {}/{} healthy", p.healthy, p.desired)?;
                if p.desired_replicas > 0 {
                    write!(
                        f,
                        ", replicas {}/{} ready",
                        p.ready_replicas, p.desired_replicas
                    )?;
                }
                if p.written > 0 {
                    write!(f, ", {} written", p.written)?;
                }
                if p.converged {
                    write!(f, " ✔")?;
                }
                Ok(())
            }
            Event::StatusCommitted { commit } => {
                write!(
                    f,
                    "status    committed {} to the status branch",
                    short(commit)
                )
            }
        }
    }
}
