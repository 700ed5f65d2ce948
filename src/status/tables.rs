//! `flotilla status`: the tables a person wants, from the files of the
//! status branch. [`report`] reads the files map (path → text, as
//! [`build`](super::build) writes it and the CLI reads it back from Git),
//! filters by application and cluster, and returns a [`Report`];
//! [`render_human`] prints it as aligned columns, [`render_json`] as JSON.
//! The README's tables are built from the same rows.
//!
//! Pure: no Git, no terminal. A file that cannot be parsed is reported in
//! [`Report::unreadable`] and the rest are still shown.

use super::files::{ClusterFile, ErrorsFile, Header, ResourceFile, ERRORS, README};
use super::read::{self, ReadError};
use super::Tree;
use crate::observe::health::HealthState;
use serde::Serialize;
use std::collections::BTreeSet;

/// `--app NAME` and `--cluster NAME`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Matches a resource by `name`, `namespace/name`, `Kind/name` or
    /// `Kind/namespace/name` (the kind case-insensitively).
    pub app: Option<String>,
    pub cluster: Option<String>,
}

/// `--format human|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
}

/// What `flotilla status` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// The source as the daemon last wrote it (absent without a README).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Header>,
    /// The latest commit, when it failed to validate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid: Option<Invalid>,
    pub clusters: Vec<ClusterRow>,
    pub apps: Vec<AppRow>,
    /// `path: error` for each status file that could not be parsed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
}

/// A commit that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invalid {
    pub commit: String,
    pub errors: usize,
    pub warnings: usize,
    /// `path:line:col: message` of each error.
    pub first: Vec<String>,
}

/// One cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterRow {
    pub cluster: String,
    pub reachable: bool,
    /// The Ready condition's status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    pub placed: usize,
    pub applied: usize,
    pub healthy: usize,
    pub drifted: usize,
    pub conflicts: usize,
    pub rejected: usize,
    /// `cpu 1500m/8, memory 512Mi/32Gi, pods 2/220` (allocated/allocatable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// One resource in one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppRow {
    /// `Kind namespace/name`.
    pub app: String,
    pub cluster: String,
    /// The applied commit, shortened to 7 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<i64>,
    /// The live object's desired replicas, else the scheduled share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<i64>,
    pub health: HealthState,
    pub drift: bool,
    pub conflict: bool,
    pub rejected: bool,
    /// Rejection, conflict, health message or drifted paths, first found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl AppRow {
    /// `ready/desired`, `?/desired` or `-`.
    pub fn replicas(&self) -> String {
        match (self.ready, self.desired) {
            (Some(r), Some(d)) => format!("{r}/{d}"),
            (None, Some(d)) => format!("?/{d}"),
            _ => "-".to_string(),
        }
    }
}

/// The first 7 characters of a commit id.
pub fn short(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// `Kind namespace/name` or `Kind name`.
pub(crate) fn app_name(r: &ResourceFile) -> String {
    match &r.namespace {
        Some(ns) => format!("{} {ns}/{}", r.kind, r.name),
        None => format!("{} {}", r.kind, r.name),
    }
}

/// The order resources are listed in: by namespace, name, kind, so that an
/// application's Deployment, Service and ConfigMap of the same name sit
/// together.
pub(crate) fn display_order(resources: &[ResourceFile]) -> Vec<&ResourceFile> {
    let mut out: Vec<&ResourceFile> = resources.iter().collect();
    out.sort_by(|a, b| {
        (&a.namespace, &a.name, &a.kind, &a.api_version).cmp(&(
            &b.namespace,
            &b.name,
            &b.kind,
            &b.api_version,
        ))
    });
    out
}

fn matches_app(r: &ResourceFile, pattern: &str) -> bool {
    let ns = r.namespace.as_deref();
    let parts: Vec<&str> = pattern.split('/').collect();
    let kind_is = |k: &str| k.eq_ignore_ascii_case(&r.kind);
    match parts.as_slice() {
        [name] => *name == r.name,
        [a, name] if *name == r.name => Some(*a) == ns || kind_is(a),
        [kind, namespace, name] => kind_is(kind) && Some(*namespace) == ns && *name == r.name,
        _ => false,
    }
}

/// The capacity cell: allocated/allocatable of cpu, memory and pods.
pub(crate) fn capacity_text(c: &ClusterFile) -> Option<String> {
    let cap = c.capacity.as_ref()?;
    let parts: Vec<String> = ["cpu", "memory", "pods"]
        .into_iter()
        .filter_map(|r| {
            let total = cap.allocatable.get(r)?;
            let used = cap.allocated.get(r).map_or("0", |q| q.0.as_str());
            Some(format!("{r} {used}/{}", total.0))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn cluster_row(c: &ClusterFile) -> ClusterRow {
    ClusterRow {
        cluster: c.name.clone(),
        reachable: c.reachable,
        ready: c.ready.as_ref().map(|r| r.status.clone()),
        placed: c.resources.placed,
        applied: c.resources.applied,
        healthy: c.resources.healthy,
        drifted: c.resources.drifted,
        conflicts: c.resources.conflicts,
        rejected: c.resources.rejected,
        capacity: capacity_text(c),
        errors: c
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.category, e.message))
            .collect(),
    }
}

pub(crate) fn app_rows(r: &ResourceFile) -> Vec<AppRow> {
    let app = app_name(r);
    r.clusters
        .iter()
        .map(|(cluster, e)| {
            let share = r
                .placement
                .clusters
                .iter()
                .find(|t| &t.name == cluster)
                .map(|t| i64::from(t.replicas))
                .filter(|_| r.placement.template_replicas.is_some());
            let drift_text = e.drift.as_ref().filter(|d| !d.paths.is_empty()).map(|d| {
                let what = if d.fighting {
                    "fighting over"
                } else {
                    "drifted"
                };
                let mut text = format!("{what}: {}", d.paths.join(", "));
                if let Some(until) = &d.deferred_until {
                    text.push_str(&format!("; correction deferred until {until}"));
                }
                text
            });
            AppRow {
                app: app.clone(),
                cluster: cluster.clone(),
                revision: e.commit.as_deref().map(|c| short(c).to_string()),
                ready: e.replicas.map(|r| r.ready),
                desired: e.replicas.map(|r| r.desired).or(share),
                health: e.health,
                drift: e.drift.is_some(),
                conflict: e.conflict.is_some(),
                rejected: e.rejected.is_some(),
                message: e
                    .rejected
                    .as_ref()
                    .map(|m| format!("rejected: {m}"))
                    .or_else(|| e.conflict.as_ref().map(|m| format!("conflict: {m}")))
                    .or_else(|| e.message.clone())
                    .or(drift_text),
            }
        })
        .collect()
}

/// The report of typed files, unfiltered unless `filter` says otherwise.
pub(crate) fn report_of(
    header: Option<Header>,
    errors: Option<&ErrorsFile>,
    clusters: &[ClusterFile],
    resources: &[ResourceFile],
    filter: &Filter,
) -> Report {
    let resources: Vec<&ResourceFile> = display_order(resources)
        .into_iter()
        .filter(|r| filter.app.as_deref().is_none_or(|p| matches_app(r, p)))
        .collect();
    let apps: Vec<AppRow> = resources
        .iter()
        .flat_map(|r| app_rows(r))
        .filter(|row| filter.cluster.as_deref().is_none_or(|c| row.cluster == c))
        .collect();
    let app_clusters: BTreeSet<&str> = apps.iter().map(|a| a.cluster.as_str()).collect();
    let clusters = clusters
        .iter()
        .filter(|c| filter.cluster.as_deref().is_none_or(|n| c.name == n))
        .filter(|c| filter.app.is_none() || app_clusters.contains(c.name.as_str()))
        .map(cluster_row)
        .collect();
    let invalid = errors.map(|e| Invalid {
        commit: e.commit.clone(),
        errors: e.errors,
        warnings: e.warnings,
        first: e
            .diagnostics
            .iter()
            .filter(|d| d.severity == "error")
            .map(|d| format!("{}: {}", d.at, d.message))
            .collect(),
    });
    Report {
        source: header,
        invalid,
        clusters,
        apps,
        unreadable: Vec::new(),
    }
}

/// The report of a status tree (the files of the status branch).
pub fn report(files: &Tree, filter: &Filter) -> Report {
    let mut unreadable: Vec<String> = Vec::new();
    // The error and its cause: the report is printed as is, not as a chain.
    let mut note = |e: ReadError| {
        let cause = std::error::Error::source(&e).map(ToString::to_string);
        unreadable.push(match cause {
            Some(c) => format!("{e}: {c}"),
            None => e.to_string(),
        });
    };
    let (clusters, errs) = read::cluster_files(files);
    errs.into_iter().for_each(&mut note);
    let (resources, errs) = read::resource_files(files);
    errs.into_iter().for_each(&mut note);
    let errors = match files.get(ERRORS).map(|t| read::parse_errors(ERRORS, t)) {
        Some(Ok(e)) => Some(e),
        Some(Err(e)) => {
            note(e);
            None
        }
        None => None,
    };
    let header = files.get(README).and_then(|t| Header::parse(t));
    let mut report = report_of(header, errors.as_ref(), &clusters, &resources, filter);
    report.unreadable = unreadable;
    report
}

/// Aligned columns: every cell padded to its column's width, two spaces
/// apart, the last column unpadded.
pub(crate) fn columns(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        let last = cells.len().saturating_sub(1);
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(head.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn flag(b: bool, word: &str) -> String {
    if b { word } else { "-" }.to_string()
}

/// The source line(s): commit, stale, invalid.
pub(crate) fn source_lines(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(h) = report.source.as_ref().filter(|h| !h.commit.is_empty()) {
        out.push(format!("source: {} at {}", h.branch, short(&h.commit)));
        if let Some(s) = &h.stale {
            out.push(format!(
                "stale: fetching fails since {}: {}",
                s.since, s.reason
            ));
        }
    }
    if let Some(inv) = &report.invalid {
        out.push(format!(
            "invalid: commit {} has {} error(s); the last good commit stays applied (status/errors.yaml)",
            short(&inv.commit),
            inv.errors
        ));
        for e in &inv.first {
            out.push(format!("  {e}"));
        }
    }
    out
}

/// The report as aligned text.
pub fn render_human(report: &Report) -> String {
    let mut out = String::new();
    for line in source_lines(report) {
        out.push_str(&line);
        out.push('\n');
    }
    for u in &report.unreadable {
        out.push_str(&format!("unreadable: {u}\n"));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let rows: Vec<Vec<String>> = report
        .clusters
        .iter()
        .map(|c| {
            vec![
                c.cluster.clone(),
                yes_no(c.reachable),
                c.ready.clone().unwrap_or_else(|| "-".into()),
                format!("{}/{}", c.applied, c.placed),
                format!("{}/{}", c.healthy, c.placed),
                c.drifted.to_string(),
                c.capacity.clone().unwrap_or_else(|| "-".into()),
                c.errors.first().cloned().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&columns(
        &[
            "CLUSTER",
            "REACHABLE",
            "READY",
            "APPLIED",
            "HEALTHY",
            "DRIFT",
            "CAPACITY",
            "ERROR",
        ],
        &rows,
    ));
    out.push('\n');
    let rows: Vec<Vec<String>> = report
        .apps
        .iter()
        .map(|a| {
            vec![
                a.app.clone(),
                a.cluster.clone(),
                a.revision.clone().unwrap_or_else(|| "-".into()),
                a.replicas(),
                a.health.to_string(),
                flag(a.drift, "yes"),
                a.message.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&columns(
        &[
            "APP", "CLUSTER", "REVISION", "REPLICAS", "HEALTH", "DRIFT", "MESSAGE",
        ],
        &rows,
    ));
    out
}

/// The report as pretty JSON (one trailing newline).
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

/// `flotilla status`: the files of the status branch, filtered and printed.
pub fn render(files: &Tree, filter: &Filter, format: Format) -> String {
    let report = report(files, filter);
    match format {
        Format::Human => render_human(&report),
        Format::Json => render_json(&report),
    }
}
