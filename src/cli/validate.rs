//! `flotilla validate [REPO] [--rev REV] [--format human|json]`.

use super::{diagnostics, repo, Format, Outcome};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The repository (a directory; with --rev, a Git work tree or bare repository).
    #[arg(default_value = ".")]
    repo: PathBuf,
    /// Validate this commit instead of the files on disk.
    #[arg(long)]
    rev: Option<String>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let loaded_repo = repo::load(&args.repo, args.rev.as_deref())?;
    let loaded = &loaded_repo.loaded;
    match args.format {
        Format::Json => {
            let out = serde_json::json!({
                "revision": loaded_repo.revision,
                "valid": !loaded.has_errors(),
                "diagnostics": loaded.diagnostics,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Human | Format::Yaml => {
            diagnostics::print_human(&loaded.diagnostics, &loaded.sources);
            let r = &loaded.repository;
            eprintln!(
                "{}: {} templates, {} clusters, {} propagation policies, {} override policies; {}",
                if loaded.has_errors() {
                    "invalid"
                } else {
                    "valid"
                },
                r.templates.len(),
                r.clusters.len(),
                r.propagation_policies.len(),
                r.override_policies.len(),
                diagnostics::summary(&loaded.diagnostics)
            );
        }
    }
    Ok(if loaded.has_errors() {
        Outcome::Invalid
    } else {
        Outcome::Ok
    })
}
