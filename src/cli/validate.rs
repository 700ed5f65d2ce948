//! `flotilla validate [REPO] [--rev REV] [--format human|json]`.

use super::{diagnostics, repo, Format, Outcome};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: repo::RepoArgs,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let loaded_repo = args.source.load()?;
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
