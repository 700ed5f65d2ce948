//! Hostile and broken repositories that cannot be committed as fixtures (a
//! FIFO, an unreadable file, a file name that is not UTF-8, files over the
//! size and object limits) are built at run time and read through the real
//! binary: each gives its diagnostic at its path, exit 1, and never hangs.

mod support;

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output};
use support::{stderr, stdout, write_files};

const CONFIGMAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n  namespace: default\n";

/// A repository with one good object, so that a problem is never hidden
/// behind "the repository is empty".
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_files(dir.path(), &[("good.yaml", CONFIGMAP.to_string())]);
    dir
}

fn validate(dir: &Path) -> Output {
    validate_with(Command::new(env!("CARGO_BIN_EXE_flotilla")), dir)
}

fn validate_with(mut cmd: Command, dir: &Path) -> Output {
    cmd.arg("validate")
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .expect("the flotilla binary runs")
}

/// The (code, path) pairs of the diagnostics in a `validate --format json` output.
fn codes(out: &Output) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("no JSON output ({e}); stderr: {}", stderr(out)));
    json["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn assert_reports(out: &Output, code: &str, path: &str) {
    let found = codes(out);
    assert!(
        found.iter().any(|(c, p)| c == code && p == path),
        "expected {code} at {path}, got {found:?}"
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
}

#[test]
fn a_fifo_named_yaml_is_refused_not_read() {
    let dir = repo();
    let status = Command::new("mkfifo")
        .arg(dir.path().join("pipe.yaml"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    // Opening a FIFO for reading blocks until a writer appears: finishing at
    // all proves it was not opened.
    assert_reports(&validate(dir.path()), "F006", "pipe.yaml");
}

#[test]
fn a_file_name_that_is_not_utf8_is_reported() {
    let dir = repo();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    std::fs::write(dir.path().join(name), CONFIGMAP).expect("write");
    assert_reports(&validate(dir.path()), "F006", "caf\u{fffd}.yaml");
}

#[test]
fn a_file_over_the_size_limit_is_not_read() {
    let dir = repo();
    // 8 MiB is the limit; one byte more is refused before reading.
    let big = format!("# {}\n", "x".repeat(8 << 20));
    std::fs::write(dir.path().join("huge.yaml"), big).expect("write");
    let out = validate(dir.path());
    assert_reports(&out, "F003", "huge.yaml");
    assert!(stdout(&out).contains("over the limit of 8388608 bytes"));
}

#[test]
fn a_repository_over_the_object_limit_is_invalid() {
    let dir = repo();
    // 200,000 objects is the limit; with the good one, this is one more.
    // Four files keep each under the 8 MiB file limit.
    for part in 0..4 {
        let docs: String = (0..50_000)
            .map(|i| format!("---\n{{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{part}-{i}, namespace: default}}}}\n"))
            .collect();
        std::fs::write(dir.path().join(format!("many-{part}.yaml")), docs).expect("write");
    }
    let out = validate(dir.path());
    // Files are read in path order, so the object over the limit is the last one.
    assert_reports(&out, "F004", "many-3.yaml");
    assert!(stdout(&out).contains("over the limit of 200000"));
}

#[test]
fn an_unreadable_file_is_an_io_error_not_an_empty_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo();
    let path = dir.path().join("secret.yaml");
    std::fs::write(&path, CONFIGMAP.replace("name: ok", "name: hidden")).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // Root reads any file, so as root the binary runs as `nobody`: the
    // permission check is the kernel's, not a simulation of it.
    let cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_flotilla"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_flotilla"))
    };
    let out = validate_with(cmd, dir.path());
    assert_reports(&out, "F001", "secret.yaml");
    assert!(
        stdout(&out).contains("Permission denied"),
        "{}",
        stdout(&out)
    );
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}
