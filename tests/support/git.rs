//! Real Git for end-to-end tests: a `git daemon` on loopback serving bare
//! repositories (fetch and push), and a working clone that commits and
//! pushes with the system `git`, an independent client of what flotilla
//! writes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `git daemon --enable=receive-pack` on 127.0.0.1, killed on drop.
pub struct GitServer {
    child: Option<Child>,
    pub base: tempfile::TempDir,
    pub port: u16,
}

/// Runs `git` in `dir`; panics with its output if it fails; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl GitServer {
    pub fn start() -> GitServer {
        let base = tempfile::tempdir().expect("tempdir");
        let mut server = GitServer {
            child: None,
            base,
            port: free_port(),
        };
        server.resume();
        server
    }

    /// Starts (again) on the same port: the remote comes back.
    pub fn resume(&mut self) {
        // `git daemon` would fork `git-daemon` and killing it would leave
        // the listener running: start the listener itself.
        let exec_path = git(self.base.path(), &["--exec-path"]);
        let child = Command::new(Path::new(exec_path.trim()).join("git-daemon"))
            .args([
                "--export-all",
                "--enable=receive-pack",
                "--reuseaddr",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={}", self.port))
            .arg(format!("--base-path={}", self.base.path().display()))
            .arg(self.base.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "git daemon did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the daemon: the remote is unreachable until [`GitServer::resume`].
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }

    /// A bare repository `name` with `files` committed on `main`, and a
    /// working clone of it for the test to change; returns the clone.
    pub fn create(&self, name: &str, files: &[(&str, String)]) -> Workdir {
        let bare = self.base.path().join(name);
        std::fs::create_dir_all(&bare).expect("mkdir");
        git(&bare, &["init", "--bare", "--initial-branch=main", "."]);
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
        self.stop();
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
        git(&self.path, &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Fetches the remote's `branch`; false if it does not exist.
    pub fn fetch(&self, branch: &str) -> bool {
        Command::new("git")
            .current_dir(&self.path)
            .args([
                "fetch",
                "-q",
                "origin",
                &format!("+refs/heads/{branch}:refs/remotes/origin/{branch}"),
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// The text of `path` on the remote's `branch` (fetched now), if any.
    pub fn remote_file(&self, branch: &str, path: &str) -> Option<String> {
        if !self.fetch(branch) {
            return None;
        }
        let out = Command::new("git")
            .current_dir(&self.path)
            .args(["show", &format!("origin/{branch}:{path}")])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `git log --format=%H%x00%B` of the remote's `branch`, newest first.
    pub fn remote_log(&self, branch: &str) -> Vec<String> {
        if !self.fetch(branch) {
            return Vec::new();
        }
        let out = Command::new("git")
            .current_dir(&self.path)
            .args(["log", "--format=%H %s%n%b%x00", &format!("origin/{branch}")])
            .output()
            .expect("git log runs");
        String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}
