//! A `flotilla sim` process for end-to-end tests: started on loopback with
//! a kubeconfig in a temporary directory, killed on drop; kubectl runs
//! against it with its own discovery cache, and the admin API (faults,
//! request counters) is reached with the minimal client of
//! [`super::http`].

use super::http;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

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

    /// The simulator's process id (for its CPU time in the benchmarks).
    pub fn pid(&self) -> u32 {
        self.child.id()
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

    /// `kubectl get <what> -o jsonpath=<path>`: the value, or `None` when
    /// the object does not exist (any other failure panics).
    pub fn jsonpath(&self, context: &str, what: &[&str], path: &str) -> Option<String> {
        let jsonpath = format!("jsonpath={path}");
        let mut args = vec!["get"];
        args.extend_from_slice(what);
        args.extend(["-o", &jsonpath]);
        let out = self.kubectl(context, &args);
        if out.status.success() {
            return Some(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("NotFound") || stderr.contains("not found"),
            "kubectl {args:?}: {stderr}"
        );
        None
    }

    /// Whether `kubectl get <what>` finds the object.
    pub fn exists(&self, context: &str, what: &[&str]) -> bool {
        self.jsonpath(context, what, "{.metadata.name}").is_some()
    }

    /// A request to a cluster's API; returns (status, body).
    pub fn http(
        &self,
        cluster: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, String) {
        http::request(&self.endpoints[cluster], method, path, &[], body)
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
        http::request(
            &self.admin,
            method,
            &format!("/sim/clusters/{cluster}{path}"),
            &[],
            body,
        )
    }

    /// Adds `fault` (a JSON fault body, see docs/simulator.md) to `cluster`.
    pub fn fault(&self, cluster: &str, fault: &str) {
        let (code, body) = self.admin(cluster, "POST", "/faults", Some(fault));
        assert_eq!(code, 200, "fault {fault} on {cluster}: {body}");
    }

    /// Clears every fault of `cluster`.
    pub fn clear_faults(&self, cluster: &str) {
        let (code, body) = self.admin(cluster, "DELETE", "/faults", None);
        assert!((200..300).contains(&code), "clear faults: {code} {body}");
    }

    /// The requests `cluster` counted since the last reset.
    pub fn counters(&self, cluster: &str) -> Counters {
        let (code, body) = self.admin(cluster, "GET", "/counters", None);
        assert_eq!(code, 200, "counters of {cluster}: {body}");
        let json = json_of(&body);
        let requests = json["requests"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| Request {
                verb: r["verb"].as_str().unwrap_or_default().to_string(),
                resource: r["resource"].as_str().unwrap_or_default().to_string(),
                manager: r["fieldManager"].as_str().unwrap_or_default().to_string(),
                count: r["count"].as_u64().unwrap_or(0),
            })
            .collect();
        Counters { requests }
    }

    /// Polls `check` every 100 ms for up to `secs` seconds.
    pub fn wait_for(&self, secs: u64, what: &str, check: impl FnMut() -> bool) {
        super::wait_for(secs, what, check)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One line of the simulator's request counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub verb: String,
    /// `plural[.group][/subresource]`.
    pub resource: String,
    /// The `fieldManager` of the request, `""` when it named none.
    pub manager: String,
    pub count: u64,
}

/// A cluster's request counters (dry runs included: they are requests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    pub requests: Vec<Request>,
}

impl Counters {
    fn sum(&self, keep: impl Fn(&Request) -> bool) -> u64 {
        self.requests
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.count)
            .sum()
    }

    /// Write requests (anything but get, list and watch) by anyone.
    pub fn writes(&self) -> u64 {
        self.sum(|r| !matches!(r.verb.as_str(), "get" | "list" | "watch"))
    }

    /// Write requests that name field manager `manager`.
    pub fn writes_by(&self, manager: &str) -> u64 {
        self.sum(|r| r.manager == manager && !matches!(r.verb.as_str(), "get" | "list" | "watch"))
    }

    /// Delete requests (of one object or a collection), by anyone.
    pub fn deletes(&self) -> u64 {
        self.sum(|r| r.verb == "delete" || r.verb == "deletecollection")
    }

    /// Write requests to `resource` (e.g. `configmaps`, `deployments.apps`).
    pub fn writes_to(&self, resource: &str) -> u64 {
        self.sum(|r| r.resource == resource && !matches!(r.verb.as_str(), "get" | "list" | "watch"))
    }
}

/// Parses JSON output, naming it when it is not JSON.
pub fn json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
