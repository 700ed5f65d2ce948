//! The command-line interface: arguments are parsed once into settled
//! values, each subcommand lives in its own file, and errors are printed
//! once, here, with their causes. Exit codes: 0 OK, 1 the repository is
//! invalid (diagnostics printed), 2 usage or runtime failure.

mod capacity;
mod demo;
mod diagnostics;
mod render;
mod repo;
mod run;
mod sim;
mod status;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// flotilla: GitOps for fleets of Kubernetes clusters, in Karmada's policy vocabulary.
#[derive(Debug, Parser)]
#[command(name = "flotilla", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a repository: syntax, schemas and semantics, with file:line:col diagnostics.
    Validate(validate::Args),
    /// Print what would run where: per-cluster manifests and placement decisions.
    Render(render::Args),
    /// Keep member clusters equal to a Git repository and write their status back to it.
    Run(run::Args),
    /// See it all on this machine: simulated clusters, a repository, the daemon, a change rolling out.
    Demo(demo::Args),
    /// Run simulated member clusters (Kubernetes APIs on loopback) for kubectl, tests and what-ifs.
    Sim(sim::Args),
    /// Print the fleet's status from the status branch: clusters, and applications × clusters.
    Status(status::Args),
}

/// Output formats shared by subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Yaml,
}

/// Outcome of a subcommand that ran to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Invalid,
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    // The kube client's TLS stack needs one process-wide provider; two
    // linked providers without a choice make it panic.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // A Git remote that accepts a connection and then stalls must not hold
    // a fetch forever. SAFETY: this sets a libgit2 global; no other thread
    // exists yet.
    let _ = unsafe {
        crate::source::remote::set_network_timeouts(
            std::time::Duration::from_secs(10),
            std::time::Duration::from_secs(60),
        )
    };
    let cli = Cli::parse();
    init_tracing();
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Render(args) => render::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Run(args) => run::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Status(args) => status::run(args),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Invalid) => ExitCode::from(1),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Logs go to stderr, filtered by `FLOTILLA_LOG` (e.g. `info`, `flotilla=debug`);
/// quiet by default so that stdout and stderr stay scriptable.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FLOTILLA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
