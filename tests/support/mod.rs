//! Shared helpers for the end-to-end tests: run the real binary, build
//! throw-away repositories, and the real processes a fleet is made of
//! (`git daemon`, `flotilla sim`, `flotilla run`) with handles that start,
//! stop, kill and restart them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub mod daemon;
pub mod fleet;
pub mod git;
pub mod http;
pub mod sim;

/// Runs the `flotilla` binary with `args`.
pub fn flotilla(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flotilla"))
        .args(args)
        .output()
        .expect("the flotilla binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The repository root (for fixtures and examples).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `files` (path, content) under `dir`.
pub fn write_files(dir: &Path, files: &[(&str, String)]) {
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("file has a parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write file");
    }
}

/// Polls `check` every 100 ms for up to `secs` seconds; panics naming
/// `what` when it never holds.
pub fn wait_for(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out after {secs}s waiting for {what}");
}
