//! `status/README.md`: what a person reads on the status branch. A header
//! (source commit; stale or invalid source), the clusters table, the
//! applications × clusters matrix, and a list of what needs attention.
//! Built from the same rows as `flotilla status` ([`super::tables`]); no
//! time appears but the stale source's `since`.

use super::files::{ClusterFile, ErrorsFile, Header, ResourceFile};
use super::tables::{self, short, AppRow, Filter};
use crate::observe::health::HealthState;
use std::collections::BTreeSet;

/// A table cell: `|` would end it and a newline would end the table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    out.push_str(&format!("| {} |\n", head.join(" | ")));
    out.push_str(&format!("|{}\n", " --- |".repeat(head.len())));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}

/// One matrix cell: `` `abc1234` 3/3 Healthy `` plus drift/conflict/rejected.
fn app_cell(a: &AppRow) -> String {
    let mut parts = vec![match &a.revision {
        Some(r) => format!("`{r}`"),
        None => "not applied".to_string(),
    }];
    if a.desired.is_some() {
        parts.push(a.replicas());
    }
    parts.push(a.health.to_string());
    for (on, word) in [
        (a.drift, "drift"),
        (a.conflict, "conflict"),
        (a.rejected, "rejected"),
    ] {
        if on {
            parts.push(word.to_string());
        }
    }
    parts.join(" ")
}

pub(crate) fn render(
    header: &Header,
    errors: Option<&ErrorsFile>,
    clusters: &[ClusterFile],
    resources: &[ResourceFile],
) -> String {
    let report = tables::report_of(
        Some(header.clone()),
        errors,
        clusters,
        resources,
        &Filter::default(),
    );
    let mut out = header.to_line();
    out.push_str("\n# Fleet status\n\n");
    out.push_str(&format!(
        "Source: branch `{}` at `{}` ({}).\n",
        header.branch,
        short(&header.commit),
        header.commit
    ));
    if let Some(s) = &header.stale {
        out.push_str(&format!(
            "\n**Stale source**: fetching has failed since {}: {}. The last fetched commit stays applied.\n",
            s.since,
            s.reason.trim()
        ));
    }
    if let Some(inv) = &report.invalid {
        out.push_str(&format!(
            "\n**Invalid commit** `{}`: {} error(s), see [errors.yaml](errors.yaml). `{}` stays applied.\n",
            short(&inv.commit),
            inv.errors,
            short(&header.commit)
        ));
    }

    out.push_str("\n## Clusters\n\n");
    let rows: Vec<Vec<String>> = report
        .clusters
        .iter()
        .map(|c| {
            vec![
                c.cluster.clone(),
                if c.reachable { "yes" } else { "**no**" }.to_string(),
                c.ready.clone().unwrap_or_else(|| "-".into()),
                format!("{}/{}", c.applied, c.placed),
                format!("{}/{}", c.healthy, c.placed),
                c.drifted.to_string(),
                c.capacity.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "cluster",
            "reachable",
            "ready",
            "applied",
            "healthy",
            "drift",
            "capacity (allocated/allocatable)",
        ],
        &rows,
    );

    out.push_str("\n## Applications\n\n");
    let names: BTreeSet<&str> = clusters
        .iter()
        .map(|c| c.name.as_str())
        .chain(report.apps.iter().map(|a| a.cluster.as_str()))
        .collect();
    if resources.is_empty() {
        out.push_str("No resources.\n");
    } else {
        let mut head = vec!["resource", "health"];
        head.extend(names.iter().copied());
        let rows: Vec<Vec<String>> = tables::display_order(resources)
            .into_iter()
            .map(|r| {
                let cells = tables::app_rows(r);
                let mut row = vec![
                    tables::app_name(r),
                    format!(
                        "{} ({}/{} healthy)",
                        r.status.health, r.status.healthy, r.status.clusters
                    ),
                ];
                for n in &names {
                    row.push(
                        cells
                            .iter()
                            .find(|a| a.cluster == *n)
                            .map_or_else(|| "-".to_string(), app_cell),
                    );
                }
                row
            })
            .collect();
        table(&mut out, &head, &rows);
    }

    let mut attention = Vec::new();
    for c in clusters {
        if !c.reachable {
            attention.push(format!("cluster {}: unreachable", c.name));
        }
        for e in &c.errors {
            attention.push(format!("cluster {}: {}: {}", c.name, e.category, e.message));
        }
    }
    for r in tables::display_order(resources) {
        if let Some(e) = &r.placement.error {
            attention.push(format!("{}: not scheduled: {e}", tables::app_name(r)));
        }
    }
    for a in &report.apps {
        if a.health != HealthState::Healthy || a.drift || a.conflict || a.rejected {
            let mut line = format!("{} on {}: {}", a.app, a.cluster, a.health);
            if let Some(m) = &a.message {
                line.push_str(&format!(": {m}"));
            } else if a.drift {
                line.push_str(": drifted");
            }
            attention.push(line);
        }
    }
    if !attention.is_empty() {
        out.push_str("\n## Needs attention\n\n");
        for line in attention {
            out.push_str(&format!("- {}\n", line.replace(['\n', '\r'], " ")));
        }
    }
    out
}
