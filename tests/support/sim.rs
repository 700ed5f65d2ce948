//! A `flotilla sim` process for end-to-end tests: started on loopback with
//! a kubeconfig in a temporary directory, killed on drop; kubectl runs
//! against it with its own discovery cache, and the admin API is reached
//! with a minimal HTTP/1.1 client (no client library between the test and
//! the wire).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub struct Sim {
    child: Child,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    /// cluster name → `host:port`.
    pub endpoints: BTreeMap<String, String>,
    /// The simulator-wide admin API, `host:port`.
    pub admin: String,
}

impl Sim {
    /// Starts `flotilla sim` with `args` (e.g. `["--clusters", "2"]`).
    pub fn start(args: &[&str]) -> Sim {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig.yaml");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flotilla"))
            .arg("sim")
            .args(args)
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("flotilla sim starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut endpoints = BTreeMap::new();
        let mut admin = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read sim output");
            if let Some(rest) = line.strip_prefix("admin API: http://") {
                admin = rest.split('/').next().unwrap_or_default().to_string();
                break;
            }
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() >= 2 && cols[1].starts_with("http://") {
                endpoints.insert(
                    cols[0].to_string(),
                    cols[1].trim_start_matches("http://").to_string(),
                );
            }
        }
        assert!(!endpoints.is_empty(), "flotilla sim printed no clusters");
        Sim {
            child,
            dir,
            kubeconfig,
            endpoints,
            admin,
        }
    }

    /// Writes `text` to `name` in the simulator's temporary directory;
    /// returns the path, for `kubectl apply -f`.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write manifest");
        path.to_string_lossy().into_owned()
    }

    /// Runs kubectl against `context`.
    pub fn kubectl(&self, context: &str, args: &[&str]) -> Output {
        Command::new("/usr/bin/kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--context")
            .arg(context)
            .arg("--cache-dir")
            .arg(self.dir.path().join("kube-cache"))
            .args(args)
            .output()
            .expect("kubectl runs")
    }

    /// kubectl that must succeed; returns stdout.
    pub fn kubectl_ok(&self, context: &str, args: &[&str]) -> String {
        let out = self.kubectl(context, args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A request to a cluster's API or admin API; returns (status, body).
    pub fn http(
        &self,
        cluster: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, String) {
        http(
            &self.endpoints[cluster],
            method,
            path,
            body,
            "application/json",
        )
    }

    /// A request to the admin API of `cluster` (`path` is below
    /// `/sim/clusters/<cluster>`, e.g. `/faults`).
    pub fn admin(
        &self,
        cluster: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, String) {
        http(
            &self.admin,
            method,
            &format!("/sim/clusters/{cluster}{path}"),
            body,
            "application/json",
        )
    }

    /// Polls `check` every 100 ms for up to `secs` seconds.
    pub fn wait_for(&self, secs: u64, what: &str, mut check: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        while std::time::Instant::now() < deadline {
            if check() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("timed out after {secs}s waiting for {what}");
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request with `Connection: close`.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    content_type: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the simulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let body = body.unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut text: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        text = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Parses JSON output, naming it when it is not JSON.
pub fn json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
