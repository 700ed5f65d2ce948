//! `flotilla render [REPO] [--rev REV] [--cluster-state FILE] [--previous FILE]
//! [--format yaml|json] [--out DIR] [--explain]`: what would run where.

use super::{diagnostics, repo, Format, Outcome};
use crate::model::cluster_state;
use crate::model::diag::{Code, Diagnostic, Location};
use crate::render::{self, output, Previous, RenderInput};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: repo::RepoArgs,
    /// Observed cluster state: Cluster objects with status (`kubectl get clusters -o yaml`).
    #[arg(long, value_name = "FILE")]
    cluster_state: Option<PathBuf>,
    /// An earlier `render --format json` output: its placements are the previous decisions.
    #[arg(long, value_name = "FILE")]
    previous: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    format: Format,
    /// Write one file per object under DIR/<cluster>/<namespace or _cluster>/ instead of printing manifests.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print why each resource went where it went.
    #[arg(long)]
    explain: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let observed = match &args.cluster_state {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read cluster state `{}`", path.display()))?;
            cluster_state::parse(&text)
                .with_context(|| format!("failed to parse cluster state `{}`", path.display()))?
        }
        None => Vec::new(),
    };
    let previous = match &args.previous {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("failed to read previous decisions `{}`", path.display())
            })?;
            Previous::parse(&text).with_context(|| {
                format!("failed to parse previous decisions `{}`", path.display())
            })?
        }
        None => Previous::default(),
    };
    let loaded_repo = args.source.load()?;
    let mut loaded = loaded_repo.loaded;
    if loaded.has_errors() {
        diagnostics::print_human(&loaded.diagnostics, &loaded.sources);
        eprintln!(
            "invalid repository: {}; nothing rendered",
            diagnostics::summary(&loaded.diagnostics)
        );
        return Ok(Outcome::Invalid);
    }
    let repository = &loaded.repository;
    let clusters: Vec<_> = repository
        .clusters
        .iter()
        .map(|c| c.value.clone())
        .collect();
    let (clusters, unknown) = cluster_state::merge(&clusters, &observed);
    if let Some(path) = &args.cluster_state {
        for name in unknown {
            loaded.diagnostics.push(
                Diagnostic::warning(Code::UnknownCluster, Location::file(path.display().to_string()), format!("cluster state names `{name}`, which the repository does not define; ignored"))
                    .with_help("add a Cluster object for it to the repository"),
            );
        }
    }
    let settings = repository.settings();
    let rendered = render::render(&RenderInput {
        repository,
        revision: &loaded_repo.revision,
        instance: settings.instance(),
        clusters: &clusters,
        previous: &previous,
    });
    diagnostics::print_human(&loaded.diagnostics, &loaded.sources);

    // Buffered: stdout alone is line-buffered, and a fleet's render is
    // millions of lines.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.explain {
        explain(&rendered, &mut out)?;
    }
    match (&args.out, args.format) {
        (Some(dir), _) => {
            let files = output::out_files(&rendered)?;
            for (rel, text) in &files {
                let path = dir.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("failed to create `{}`", parent.display()))?;
                }
                std::fs::write(&path, text)
                    .with_context(|| format!("failed to write `{}`", path.display()))?;
            }
            eprintln!("wrote {} files under {}", files.len(), dir.display());
        }
        (None, Format::Json) => {
            let json = output::to_json(&rendered, &loaded.diagnostics);
            // As an io::Error, so that a closed pipe is recognised as one.
            serde_json::to_writer_pretty(&mut out, &json).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        (None, Format::Yaml | Format::Human) => {
            if !args.explain {
                out.write_all(output::to_yaml_stream(&rendered)?.as_bytes())?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Ok)
}

fn explain(rendered: &render::Rendered, out: &mut impl Write) -> std::io::Result<()> {
    for p in &rendered.placements {
        let policy = match (&p.claim, &p.policy.namespace) {
            (Some(claim), _) => claim.clone(),
            (None, Some(ns)) => format!("{} {ns}/{}", p.policy.kind, p.policy.name),
            (None, None) => format!("{} {}", p.policy.kind, p.policy.name),
        };
        writeln!(
            out,
            "{} ({}) ← {policy}",
            p.resource, p.resource.api_version
        )?;
        if let Some(e) = &p.error {
            writeln!(out, "  error: {e}")?;
        }
        if let Some(name) = &p.affinity_name {
            writeln!(out, "  cluster affinity group `{name}`")?;
        }
        for note in &p.notes {
            writeln!(out, "  note: {note}")?;
        }
        let placed: std::collections::BTreeSet<&str> =
            p.clusters.iter().map(|c| c.name.as_str()).collect();
        for c in &p.clusters {
            let why = p
                .reasons
                .get(&c.name)
                .map(String::as_str)
                .unwrap_or("selected");
            let replicas = match p.template_replicas {
                Some(_) => format!("{:>5} replicas", c.replicas),
                None => String::new(),
            };
            writeln!(out, "  {:<20} {replicas:<14}  {why}", c.name)?;
            for rule in p.overrides.get(&c.name).into_iter().flatten() {
                // Under the reason column.
                writeln!(out, "{:39}overridden by {rule}", "")?;
            }
        }
        for (name, why) in p
            .reasons
            .iter()
            .filter(|(n, _)| !placed.contains(n.as_str()))
        {
            writeln!(out, "  {name:<20} {:<14}  {why}", "    -")?;
        }
    }
    Ok(())
}
