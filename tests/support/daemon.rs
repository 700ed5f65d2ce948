//! `flotilla run` as a process for end-to-end tests: started against a
//! repository URL and a kubeconfig with a data directory of its own,
//! killed (SIGKILL) and restarted on the same data directory, its log
//! captured so that a failing wait can say what the daemon was doing.

use super::http;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a daemon is started; [`Daemon::start`] and [`run_once`] use it.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub repo: String,
    pub kubeconfig: PathBuf,
    pub data_dir: PathBuf,
    /// `--interval` (fetch), `--resync` and `--status-debounce`.
    pub interval: String,
    pub resync: String,
    pub status_debounce: String,
    pub webhook_secret: Option<String>,
    /// `FLOTILLA_LOG`.
    pub log: String,
}

impl DaemonConfig {
    /// Fast timers for tests: fetch, resync and debounce every second.
    pub fn new(repo: &str, kubeconfig: &Path, data_dir: &Path) -> DaemonConfig {
        DaemonConfig {
            repo: repo.to_string(),
            kubeconfig: kubeconfig.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            interval: "1s".into(),
            resync: "1s".into(),
            status_debounce: "1s".into(),
            webhook_secret: None,
            log: "info".into(),
        }
    }

    fn command(&self, extra: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_flotilla"));
        if let Some(secret) = &self.webhook_secret {
            command.env("FLOTILLA_WEBHOOK_SECRET", secret);
        }
        command
            .args(["run", "--repo", &self.repo, "--kubeconfig"])
            .arg(&self.kubeconfig)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args([
                "--interval",
                &self.interval,
                "--resync",
                &self.resync,
                "--status-debounce",
                &self.status_debounce,
                "--listen",
                "127.0.0.1:0",
            ])
            .args(extra)
            .env("FLOTILLA_LOG", &self.log)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        command
    }
}

/// A running `flotilla run`, killed on drop.
pub struct Daemon {
    pub config: DaemonConfig,
    child: Option<Child>,
    /// `host:port` of /metrics, /healthz, /readyz and /webhook.
    pub listen: String,
    /// Every line the daemon wrote to stderr, over all its runs.
    log: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    pub fn start(config: DaemonConfig) -> Daemon {
        let mut daemon = Daemon {
            config,
            child: None,
            listen: String::new(),
            log: Arc::default(),
        };
        daemon.spawn();
        daemon
    }

    fn spawn(&mut self) {
        let mut child = self
            .config
            .command(&[])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("flotilla run starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let mut listen = String::new();
        for line in lines.by_ref() {
            let line = line.expect("read daemon output");
            self.log.lock().unwrap().push(line.clone());
            if let Some(rest) = line.split("http://").nth(1) {
                listen = rest.trim().to_string();
                break;
            }
        }
        assert!(
            !listen.is_empty(),
            "flotilla run printed no address:\n{}",
            self.log_tail(40)
        );
        // Keep draining stderr so the daemon never blocks on a full pipe.
        let log = self.log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                log.lock().unwrap().push(line);
            }
        });
        self.listen = listen;
        self.child = Some(child);
    }

    /// The process id of the running daemon.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the daemon runs").id()
    }

    /// `kill -9`: no shutdown, no last status write.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.log
            .lock()
            .unwrap()
            .push("--- killed (SIGKILL) ---".into());
    }

    /// Starts the daemon again with the same configuration (data directory
    /// and remote included).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the daemon still runs");
        self.log.lock().unwrap().push("--- restarted ---".into());
        self.spawn();
    }

    /// The last `n` lines of the daemon's log.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log.lock().unwrap();
        let start = log.len().saturating_sub(n);
        log[start..].join("\n")
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// `GET /metrics`.
    pub fn metrics(&self) -> String {
        http::request(&self.listen, "GET", "/metrics", &[], None).1
    }

    /// The value of the metric line that starts with `prefix` (name and
    /// labels), if there is one.
    pub fn metric(&self, prefix: &str) -> Option<f64> {
        self.metrics()
            .lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    /// Polls `check` every 100 ms for up to `secs` seconds; on timeout,
    /// panics with the end of the daemon's log.
    pub fn wait_for(&self, secs: u64, what: &str, mut check: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if check() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "timed out after {secs}s waiting for {what}; the daemon's log ends:\n{}",
            self.log_tail(60)
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("--- flotilla run's log ---\n{}", self.log_tail(200));
        }
    }
}

/// What `flotilla run --once` did.
#[derive(Debug)]
pub struct Once {
    pub status: ExitStatus,
    pub stderr: String,
    pub took: Duration,
}

/// `flotilla run --once` with `config`; killed (and the test failed) after
/// `secs` seconds.
pub fn run_once(config: &DaemonConfig, secs: u64) -> Once {
    let started = Instant::now();
    let mut child = config
        .command(&["--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flotilla run --once starts");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = started + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for flotilla run") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let text = reader.join().unwrap_or_default();
            panic!("flotilla run --once still ran after {secs}s:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Once {
        status,
        stderr: reader.join().unwrap_or_default(),
        took: started.elapsed(),
    }
}
