//! Real Git for end-to-end tests: a `git daemon` on loopback serving bare
//! repositories (fetch and push) that a test stops and restarts, and
//! working clones that commit and push with the system `git`, an
//! independent client of what flotilla writes.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// Runs `git` in `dir`; panics with its stderr when it fails. Returns
/// stdout, trimmed.
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

/// A port on loopback that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
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

/// `git daemon --enable=receive-pack` on 127.0.0.1 serving every
/// repository under its base directory; killed on drop.
pub struct GitServer {
    child: Option<Child>,
    base: PathBuf,
    /// The base directory, when the server made its own.
    _tmp: Option<tempfile::TempDir>,
    pub port: u16,
}

impl GitServer {
    /// Serves a fresh temporary directory ([`GitServer::create`] adds
    /// repositories to it).
    pub fn start() -> GitServer {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut server = GitServer::serve(tmp.path());
        server._tmp = Some(tmp);
        server
    }

    /// Serves the repositories under `base`.
    pub fn serve(base: &Path) -> GitServer {
        let mut server = GitServer {
            child: None,
            base: base.to_path_buf(),
            _tmp: None,
            port: free_port(),
        };
        server.restart();
        server
    }

    /// The directory served.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// `git://127.0.0.1:<port>/<name>`.
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the daemon: connections are refused until
    /// [`restart`](Self::restart).
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

    /// Starts the daemon (again) on the same port: the remote comes back.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "git daemon already running");
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

    /// A bare repository `name` with `files` committed on `main`, and a
    /// working clone of it for the test to change; returns the clone.
    pub fn create(&self, name: &str, files: &[(&str, String)]) -> Workdir {
        let bare = self.base.join(name);
        std::fs::create_dir_all(&bare).expect("mkdir");
        git(
            &bare,
            &["init", "-q", "--bare", "--initial-branch=main", "."],
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let work = dir.path().join("work");
        git(
            dir.path(),
            &["clone", "-q", &bare.display().to_string(), "work"],
        );
        git(&work, &["checkout", "-q", "-B", "main"]);
        let w = Workdir {
            _dir: dir,
            path: work,
        };
        w.commit_files(files, "initial");
        w
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A working clone that commits and pushes to `origin main`.
pub struct Workdir {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Workdir {
    /// Writes `files`, commits everything and pushes; returns the commit.
    pub fn commit_files(&self, files: &[(&str, String)], message: &str) -> String {
        super::write_files(&self.path, files);
        self.commit(message)
    }

    /// Removes `paths`, commits and pushes; returns the commit.
    pub fn remove(&self, paths: &[&str], message: &str) -> String {
        for p in paths {
            git(&self.path, &["rm", "-q", "-r", p]);
        }
        self.commit(message)
    }

    fn commit(&self, message: &str) -> String {
        git(&self.path, &["add", "-A"]);
        git(
            &self.path,
            &["commit", "-q", "--allow-empty", "-m", message],
        );
        git(&self.path, &["push", "-q", "origin", "main"]);
        git(&self.path, &["rev-parse", "HEAD"])
    }

    /// The commit checked out (the last one pushed).
    pub fn head(&self) -> String {
        git(&self.path, &["rev-parse", "HEAD"])
    }

    /// Fetches the remote's `branch`; false if it does not exist.
    pub fn fetch(&self, branch: &str) -> bool {
        git_cmd(
            &self.path,
            &[
                "fetch",
                "-q",
                "origin",
                &format!("+refs/heads/{branch}:refs/remotes/origin/{branch}"),
            ],
        )
        .output()
        .is_ok_and(|o| o.status.success())
    }

    /// The text of `path` on the remote's `branch` (fetched now), if any.
    pub fn remote_file(&self, branch: &str, path: &str) -> Option<String> {
        if !self.fetch(branch) {
            return None;
        }
        self.file_at(&format!("origin/{branch}"), path)
    }

    /// The text of `path` at `rev` of the clone (already fetched), if any.
    pub fn file_at(&self, rev: &str, path: &str) -> Option<String> {
        let out = git_cmd(&self.path, &["show", &format!("{rev}:{path}")])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `git log` of the remote's `branch` (fetched now), newest first: one
    /// entry per commit, `<sha> <subject>\n<body>`.
    pub fn remote_log(&self, branch: &str) -> Vec<String> {
        if !self.fetch(branch) {
            return Vec::new();
        }
        let out = git_cmd(
            &self.path,
            &["log", "--format=%H %s%n%b%x00", &format!("origin/{branch}")],
        )
        .output()
        .expect("git log runs");
        String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
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
        std::fs::create_dir_all(&bare).expect("mkdir");
        git(&bare, &["init", "--bare", "--initial-branch=main"]);
        std::fs::create_dir_all(&work).expect("mkdir");
        git(&work, &["init", "--initial-branch=main"]);
        git(
            &work,
            &["remote", "add", "origin", &bare.display().to_string()],
        );
        let o = Origin { bare, work };
        o.commit("apps/web.yaml", "kind: Template\nname: web\n", "add web");
        o
    }

    /// Writes `path`, commits and pushes to `main`; returns the commit id.
    pub fn commit(&self, path: &str, text: &str, message: &str) -> String {
        super::write_files(&self.work, &[(path, text.to_string())]);
        git(&self.work, &["add", "-A"]);
        git(&self.work, &["commit", "-q", "-m", message]);
        git(&self.work, &["push", "-q", "origin", "main"]);
        git(&self.work, &["rev-parse", "HEAD"])
    }

    /// The commit `refname` points at in the bare repository, if any.
    pub fn rev(&self, refname: &str) -> Option<String> {
        let out = git_cmd(&self.bare, &["rev-parse", "--verify", "-q", refname])
            .output()
            .expect("git runs");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// A `file://` URL of the bare repository.
    pub fn file_url(&self) -> String {
        format!("file://{}", self.bare.display())
    }
}
