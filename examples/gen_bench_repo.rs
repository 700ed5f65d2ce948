//! Writes the benchmark fleet (`benches/fleet`: 100 clusters, 1,000 apps,
//! 10 namespaces; with `--10k`, the fleet of exactly 10,000 documents) to a
//! directory, so that the real binary can be timed and its peak memory read
//! (see `docs/benchmarks.md`):
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
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let (dir, fleet) = match args.as_slice() {
        [dir] => (PathBuf::from(dir), fleet::Fleet::BENCH),
        [dir, flag] if flag == "--10k" => (PathBuf::from(dir), fleet::Fleet::TEN_THOUSAND_DOCS),
        _ => {
            eprintln!("usage: gen_bench_repo DIR [--10k]");
            return ExitCode::from(2);
        }
    };
    // Anything already there would be rendered too.
    let occupied = std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        eprintln!("error: `{}` is not empty", dir.display());
        return ExitCode::from(2);
    }
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
