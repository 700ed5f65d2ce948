//! The status commit's message: what changed between the tree on the
//! status branch and the new one, as a one-line subject ("status: 3
//! resources changed (web: Degraded in 2/3 clusters), cluster eu-1
//! unreachable") and a body with one line per change. Pure: two trees in,
//! text out; `None` when nothing changed (no commit). The
//! `Flotilla-Source` trailer is the committer's (`source::status_branch`).

use super::files::{
    ClusterFile, ErrorsFile, Header, ResourceFile, CLUSTERS_DIR, ERRORS, README, RESOURCES_DIR,
};
use super::read;
use super::tables::{app_name, short};
use super::Tree;
use crate::observe::health::HealthState;
use std::collections::BTreeSet;
use std::fmt;

/// A commit message: subject line and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMessage {
    pub subject: String,
    /// One line per change (may be empty).
    pub body: String,
}

impl fmt::Display for CommitMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.body.is_empty() {
            writeln!(f, "{}", self.subject)
        } else {
            write!(f, "{}\n\n{}", self.subject, self.body)
        }
    }
}

/// At most this many clusters are named in the subject.
const SUBJECT_CLUSTERS: usize = 3;

/// Paths under `dir` whose text differs between the trees.
fn changed<'a>(old: &'a Tree, new: &'a Tree, dir: &str) -> Vec<&'a str> {
    let paths: BTreeSet<&str> = old
        .keys()
        .chain(new.keys())
        .map(String::as_str)
        .filter(|p| p.starts_with(dir))
        .collect();
    paths
        .into_iter()
        .filter(|p| old.get(*p) != new.get(*p))
        .collect()
}

fn resource(tree: &Tree, path: &str) -> Option<ResourceFile> {
    tree.get(path)
        .and_then(|t| read::parse_resource(path, t).ok())
}

fn cluster(tree: &Tree, path: &str) -> Option<ClusterFile> {
    tree.get(path)
        .and_then(|t| read::parse_cluster(path, t).ok())
}

/// `healthy in 2/3 clusters`.
fn health_text(r: &ResourceFile) -> String {
    format!(
        "healthy in {}/{} clusters",
        r.status.healthy, r.status.clusters
    )
}

/// What changed in one resource, cluster by cluster: `eu-2: Progressing →
/// Healthy, at abc1234, drift`, and its placement.
fn cluster_changes(old: &ResourceFile, new: &ResourceFile) -> Vec<String> {
    let names: BTreeSet<&String> = old.clusters.keys().chain(new.clusters.keys()).collect();
    let mut out = Vec::new();
    for name in names {
        let (o, n) = (old.clusters.get(name), new.clusters.get(name));
        let Some(n) = n else {
            out.push(format!("{name}: removed"));
            continue;
        };
        let Some(o) = o else {
            out.push(format!("{name}: added, {}", n.health));
            continue;
        };
        let mut what = Vec::new();
        if o.health != n.health {
            what.push(format!("{} → {}", o.health, n.health));
        }
        if o.commit != n.commit {
            if let Some(c) = &n.commit {
                what.push(format!("at {}", short(c)));
            }
        }
        if o.drift != n.drift && n.drift.is_some() {
            what.push("drift".to_string());
        }
        if o.conflict.is_none() && n.conflict.is_some() {
            what.push("conflict".to_string());
        }
        if o.rejected.is_none() && n.rejected.is_some() {
            what.push("rejected".to_string());
        }
        if o.replicas.map(|r| (r.ready, r.desired)) != n.replicas.map(|r| (r.ready, r.desired)) {
            if let Some(r) = n.replicas {
                what.push(format!("{}/{} ready", r.ready, r.desired));
            }
        }
        if !what.is_empty() {
            out.push(format!("{name}: {}", what.join(", ")));
        }
    }
    if old.placement.clusters != new.placement.clusters {
        let list: Vec<String> = new
            .placement
            .clusters
            .iter()
            .map(|t| format!("{}={}", t.name, t.replicas))
            .collect();
        out.push(format!("placed on {}", list.join(", ")));
    }
    out
}

/// The message for committing `new` over `old`; `None` when they are equal.
pub fn summarize(old: &Tree, new: &Tree) -> Option<CommitMessage> {
    if old == new {
        return None;
    }
    let mut subject: Vec<String> = Vec::new();
    let mut body: Vec<String> = Vec::new();

    // The source: a new commit, stale, recovered.
    let header = |t: &Tree| t.get(README).and_then(|r| Header::parse(r));
    let (oh, nh) = (header(old), header(new));
    if let Some(n) = &nh {
        if oh.as_ref().map(|o| &o.commit) != Some(&n.commit) {
            subject.push(format!("source at {}", short(&n.commit)));
            body.push(format!("- source: {} at {}", n.branch, n.commit));
        }
        match (oh.as_ref().and_then(|o| o.stale.as_ref()), &n.stale) {
            (None, Some(s)) => {
                subject.push("source stale".to_string());
                body.push(format!("- source stale since {}: {}", s.since, s.reason));
            }
            (Some(_), None) => {
                subject.push("source fetched again".to_string());
                body.push("- source fetched again".to_string());
            }
            _ => {}
        }
    }

    // errors.yaml: a bad commit, or the next good one clearing it.
    let errors = |t: &Tree| -> Option<Option<ErrorsFile>> {
        t.get(ERRORS)
            .map(|text| read::parse_errors(ERRORS, text).ok())
    };
    match (errors(old), errors(new)) {
        (_, Some(n)) if old.get(ERRORS) != new.get(ERRORS) => {
            let text = match n {
                Some(e) => format!("commit {} invalid ({} errors)", short(&e.commit), e.errors),
                None => "errors.yaml changed".to_string(),
            };
            body.push(format!("- {text}"));
            subject.push(text);
        }
        (Some(_), None) => {
            subject.push("errors cleared".to_string());
            body.push("- errors cleared: the latest commit is valid".to_string());
        }
        _ => {}
    }

    // Clusters: reachability in the subject, everything in the body.
    let mut flips = Vec::new();
    let mut other_clusters = 0usize;
    for path in changed(old, new, CLUSTERS_DIR) {
        let name = path
            .strip_prefix(CLUSTERS_DIR)
            .and_then(|p| p.strip_suffix(".yaml"))
            .unwrap_or(path);
        let (o, n) = (cluster(old, path), cluster(new, path));
        let line = match (&o, &n) {
            (None, Some(n)) if !old.contains_key(path) => {
                let r = if n.reachable {
                    "reachable"
                } else {
                    "unreachable"
                };
                flips.push(format!("cluster {name} added ({r})"));
                format!("cluster {name} added ({r})")
            }
            (_, None) if !new.contains_key(path) => {
                flips.push(format!("cluster {name} removed"));
                format!("cluster {name} removed")
            }
            (Some(o), Some(n)) => {
                let mut what = Vec::new();
                if o.reachable != n.reachable {
                    let r = if n.reachable {
                        "reachable"
                    } else {
                        "unreachable"
                    };
                    flips.push(format!("cluster {name} {r}"));
                    what.push(r.to_string());
                }
                let ready = |c: &ClusterFile| c.ready.as_ref().map(|r| r.status.clone());
                if ready(o) != ready(n) {
                    what.push(format!("Ready={}", ready(n).unwrap_or_else(|| "?".into())));
                }
                if o.inventory != n.inventory {
                    what.push(format!(
                        "inventory {} → {} objects",
                        o.inventory.len(),
                        n.inventory.len()
                    ));
                }
                if o.taints != n.taints {
                    what.push("taints changed".to_string());
                }
                if o.capacity != n.capacity {
                    what.push("capacity changed".to_string());
                }
                if o.errors != n.errors {
                    what.push(match n.errors.first() {
                        Some(e) => format!("{}: {}", e.category, e.message),
                        None => "errors cleared".to_string(),
                    });
                }
                if o.nodes != n.nodes {
                    if let Some(nodes) = n.nodes {
                        what.push(format!("{}/{} nodes ready", nodes.ready, nodes.total));
                    }
                }
                if o.kubernetes_version != n.kubernetes_version {
                    if let Some(v) = &n.kubernetes_version {
                        what.push(format!("Kubernetes {v}"));
                    }
                }
                if o.last_apply != n.last_apply {
                    if let Some(t) = &n.last_apply {
                        what.push(format!("applied at {t}"));
                    }
                }
                // The counts follow the resources, which say what changed:
                // they alone do not make the cluster a change of its own.
                if o.reachable == n.reachable && !what.is_empty() {
                    other_clusters += 1;
                }
                if o.resources != n.resources {
                    what.push(format!(
                        "{}/{} applied, {} healthy",
                        n.resources.applied, n.resources.placed, n.resources.healthy
                    ));
                }
                if what.is_empty() {
                    what.push("changed".to_string());
                }
                format!("cluster {name}: {}", what.join(", "))
            }
            _ => {
                other_clusters += 1;
                format!("cluster {name}: file changed")
            }
        };
        body.push(format!("- {line}"));
    }

    // Resources: a count and the most interesting one in the subject.
    let mut resources = 0usize;
    let mut headline: Option<(HealthState, String)> = None;
    for path in changed(old, new, RESOURCES_DIR) {
        resources += 1;
        let (o, n) = (resource(old, path), resource(new, path));
        let line = match (&o, &n) {
            (_, Some(n)) => {
                let mut line = format!("{}: {}", app_name(n), health_text(n));
                if n.status.health != HealthState::Healthy {
                    line.push_str(&format!(" (worst: {})", n.status.health));
                }
                match &o {
                    Some(o) => {
                        for change in cluster_changes(o, n) {
                            line.push_str(&format!("; {change}"));
                        }
                    }
                    None if !old.contains_key(path) => line.push_str("; added"),
                    None => {}
                }
                let short_line = format!("{}: {}", n.name, health_text(n));
                if headline.as_ref().is_none_or(|(h, _)| n.status.health > *h) {
                    headline = Some((n.status.health, short_line));
                }
                line
            }
            (Some(o), None) if !new.contains_key(path) => format!("{}: removed", app_name(o)),
            _ => format!("{path}: changed"),
        };
        body.push(format!("- {line}"));
    }
    if resources > 0 {
        let noun = if resources == 1 {
            "resource"
        } else {
            "resources"
        };
        let mut part = format!("{resources} {noun} changed");
        if let Some((_, h)) = headline {
            part.push_str(&format!(" ({h})"));
        }
        subject.push(part);
    }
    let named = flips.len().min(SUBJECT_CLUSTERS);
    subject.extend(flips.iter().take(named).cloned());
    let rest = flips.len() - named + other_clusters;
    if rest > 0 {
        let noun = if rest == 1 { "cluster" } else { "clusters" };
        let more = if named > 0 { "more " } else { "" };
        subject.push(format!("{rest} {more}{noun} changed"));
    }
    if subject.is_empty() {
        subject.push("README updated".to_string());
    }
    Some(CommitMessage {
        subject: format!("status: {}", subject.join(", ")),
        body: body
            .iter()
            .map(|l| format!("{}\n", l.replace(['\n', '\r'], " ")))
            .collect(),
    })
}
