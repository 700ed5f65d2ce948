//! Helpers for the Git-side tests: the system `git` as an independent
//! client, and a real `git daemon` on loopback that the test starts, stops
//! and restarts (killed on drop).
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the system `git` in `dir` with a clean configuration; panics with
/// its stderr when it fails. Returns stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_cmd(dir, args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The system `git` with a configuration of its own (no user or system
/// config), as a person with a fresh machine would run it.
pub fn git_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Alice")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .stdin(Stdio::null());
    c
}

/// A bare "origin" repository `<base>/<name>.git` and a working clone of
/// it used to make commits, both made with the system `git`.
pub struct Origin {
    pub bare: PathBuf,
    pub work: PathBuf,
}

impl Origin {
    /// Creates the bare repository with one commit on `main`.
    pub fn new(base: &Path, name: &str) -> Origin {
        let bare = base.join(format!("{name}.git"));
        let work = base.join(format!("{name}-work"));
        std::fs::create_dir_all(&bare).unwrap();
        git(&bare, &["init", "--bare", "--initial-branch=main"]);
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "--initial-branch=main"]);
        git(&work, &["remote", "add", "origin", bare.to_str().unwrap()]);
        let o = Origin { bare, work };
        o.commit("apps/web.yaml", "kind: Template\nname: web\n", "add web");
        o
    }

    /// Writes `path`, commits and pushes to `main`; returns the commit id.
    pub fn commit(&self, path: &str, text: &str, message: &str) -> String {
        let file = self.work.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        git(&self.work, &["add", "-A"]);
        git(&self.work, &["commit", "-q", "-m", message]);
        git(&self.work, &["push", "-q", "origin", "main"]);
        git(&self.work, &["rev-parse", "HEAD"])
    }

    /// The commit `refname` points at in the bare repository, if any.
    pub fn rev(&self, refname: &str) -> Option<String> {
        let out = git_cmd(&self.bare, &["rev-parse", "--verify", "-q", refname])
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// A `file://` URL of the bare repository.
    pub fn file_url(&self) -> String {
        format!("file://{}", self.bare.display())
    }
}

/// A port on loopback that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `git daemon` serving every repository under `base`, pushes enabled.
pub struct GitDaemon {
    base: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl GitDaemon {
    pub fn start(base: &Path) -> GitDaemon {
        let mut d = GitDaemon {
            base: base.to_path_buf(),
            port: free_port(),
            child: None,
        };
        d.restart();
        d
    }

    /// `git://127.0.0.1:<port>/<name>.git`.
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}.git", self.port)
    }

    /// Stops the daemon: connections are refused until [`restart`](Self::restart).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.accepts() {
            assert!(Instant::now() < deadline, "git daemon still accepts");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the daemon again on the same port.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "daemon already running");
        // `git daemon` runs `git-daemon` as a child process: start that
        // binary itself, so that killing it closes the port.
        let exec_path = git(&self.base, &["--exec-path"]);
        let child = Command::new(Path::new(&exec_path).join("git-daemon"))
            .args([
                "--export-all",
                "--enable=receive-pack",
                "--reuseaddr",
                "--informative-errors",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={}", self.port))
            .arg(format!("--base-path={}", self.base.display()))
            .arg(&self.base)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.accepts() {
            assert!(
                Instant::now() < deadline,
                "git daemon did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn accepts(&self) -> bool {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The error and all its causes, one per line, as a chain printer shows them.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str("\n  caused by: ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
