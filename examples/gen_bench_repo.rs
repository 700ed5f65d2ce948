//! Writes the benchmark fleet (`benches/fleet`: 100 clusters, 1,000 apps,
//! 10 namespaces) to a directory, so that the real binary can be timed and
//! its peak memory read (see `docs/benchmarks.md`):
//!
//! ```sh
//! cargo run --release --example gen_bench_repo -- /tmp/benchrepo
//! /usr/bin/time -v target/release/flotilla render /tmp/benchrepo --format json > /dev/null
//! ```

#[path = "../benches/fleet/mod.rs"]
mod fleet;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: gen_bench_repo DIR");
        return ExitCode::from(2);
    };
    // Anything already there would be rendered too.
    let occupied = std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        eprintln!("error: `{}` is not empty", dir.display());
        return ExitCode::from(2);
    }
    let fleet = fleet::Fleet::BENCH;
    let files = fleet.files();
    if let Err(e) = fleet::write(&dir, &files) {
        eprintln!("error: failed to write `{}`: {e}", dir.display());
        return ExitCode::from(2);
    }
    eprintln!(
        "wrote {} files ({} documents) under {}",
        files.len(),
        fleet.documents(),
        dir.display()
    );
    ExitCode::SUCCESS
}
