//! The Git source against real remotes: a `git daemon` on loopback (started,
//! stopped and restarted by the test), `file://` URLs and plain paths, with
//! the system `git` as the independent client that makes the commits.

mod support;

use flotilla::source::{
    read_revision, Credentials, Disposition, FileFilter, GitSource, Limits, Remote, RemoteError,
};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::git::{chain, git, GitServer, Origin};

fn open(data: &std::path::Path, url: &str, branch: &str) -> GitSource {
    let remote = Remote::new(url, branch).expect("valid remote");
    GitSource::open(data, remote, Credentials::default()).expect("clone opens")
}

fn files_at(src: &GitSource, commit: &str) -> Vec<String> {
    let snap = read_revision(
        src.git_dir(),
        commit,
        &FileFilter::default(),
        &Limits::default(),
    )
    .expect("revision readable");
    snap.files.into_iter().map(|f| f.path).collect()
}

#[test]
fn git_daemon_clone_fetch_outage_and_recovery() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Origin::new(tmp.path(), "fleet");
    let c1 = origin.rev("main").unwrap();
    let mut daemon = GitServer::serve(tmp.path());
    let data = tmp.path().join("data");

    // First use: a bare clone in <data>/source.git.
    let src = open(&data, &daemon.url("fleet.git"), "main");
    assert_eq!(src.last_fetched(), None);
    let f = src.fetch().expect("first fetch");
    assert_eq!(f.commit, c1);
    assert!(f.changed, "the first fetch is a change");
    assert_eq!(f.previous, None);
    assert_eq!(src.git_dir(), data.join("source.git"));
    assert_eq!(
        git(src.git_dir(), &["rev-parse", "--is-bare-repository"]),
        "true"
    );
    assert_eq!(files_at(&src, &f.commit), ["apps/web.yaml"]);

    // Nothing new.
    let f = src.fetch().expect("second fetch");
    assert_eq!((f.commit.as_str(), f.changed), (c1.as_str(), false));

    // A new commit.
    let c2 = origin.commit("apps/api.yaml", "kind: Template\nname: api\n", "add api");
    let f = src.fetch().expect("fetch of the new commit");
    assert_eq!(f.commit, c2);
    assert!(f.changed);
    assert_eq!(f.previous.as_deref(), Some(c1.as_str()));
    assert_eq!(files_at(&src, &c2), ["apps/api.yaml", "apps/web.yaml"]);

    // A restarted daemon reuses the clone: no re-clone, the tip is known.
    std::fs::write(data.join("source.git/marker"), "kept").unwrap();
    drop(src);
    let src = open(&data, &daemon.url("fleet.git"), "main");
    assert_eq!(src.last_fetched().as_deref(), Some(c2.as_str()));
    assert!(data.join("source.git/marker").exists(), "clone was reused");
    let f = src.fetch().expect("fetch after restart");
    assert_eq!((f.commit.as_str(), f.changed), (c2.as_str(), false));

    // The remote goes away: a retryable error, the clone and tip intact.
    daemon.stop();
    let c3 = origin.commit("apps/db.yaml", "kind: Template\nname: db\n", "add db");
    for _ in 0..3 {
        let err = src.fetch().expect_err("remote is down");
        eprintln!("{}", chain(&err));
        assert!(err.is_retryable(), "{}", chain(&err));
        assert_eq!(err.disposition(), Disposition::Retry);
        assert_eq!(err.category(), "Unreachable", "{}", chain(&err));
    }
    assert_eq!(src.last_fetched().as_deref(), Some(c2.as_str()));
    assert_eq!(files_at(&src, &c2), ["apps/api.yaml", "apps/web.yaml"]);
    git(src.git_dir(), &["fsck", "--no-progress"]);

    // It comes back: the next fetch catches up by itself.
    daemon.restart();
    let f = src.fetch().expect("fetch after the outage");
    assert_eq!(f.commit, c3);
    assert!(f.changed);
    assert_eq!(f.previous.as_deref(), Some(c2.as_str()));
}

#[test]
fn file_url_and_plain_path() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Origin::new(tmp.path(), "fleet");
    let c1 = origin.rev("main").unwrap();
    for (i, url) in [origin.file_url(), origin.bare.display().to_string()]
        .iter()
        .enumerate()
    {
        let src = open(&tmp.path().join(format!("data{i}")), url, "main");
        let f = src
            .fetch()
            .unwrap_or_else(|e| panic!("{url}: {}", chain(&e)));
        assert_eq!((f.commit.as_str(), f.changed), (c1.as_str(), true), "{url}");
        let f = src.fetch().unwrap();
        assert!(!f.changed, "{url}");
    }
    // A working repository (not bare) as a plain path works too.
    let src = open(
        &tmp.path().join("data-work"),
        origin.work.to_str().unwrap(),
        "main",
    );
    assert_eq!(src.fetch().unwrap().commit, c1);
    // And a relative path is made absolute when the remote is built.
    let r = Remote::new(".", "main").unwrap();
    assert!(std::path::Path::new(&r.display_url()).is_absolute());
}

#[test]
fn branch_missing_and_not_a_repository_stall() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = Origin::new(tmp.path(), "fleet");
    let daemon = GitServer::serve(tmp.path());

    for url in [daemon.url("fleet.git"), origin.file_url()] {
        let src = open(&tmp.path().join("d-branch"), &url, "no-such-branch");
        let err = src.fetch().expect_err("branch is missing");
        assert!(
            matches!(err, RemoteError::BranchMissing { .. }),
            "{url}: {}",
            chain(&err)
        );
        assert_eq!(err.disposition(), Disposition::Stall);
        assert_eq!(
            err.to_string(),
            format!("branch `no-such-branch` not found at `{url}`")
        );
    }

    let missing = tmp.path().join("nope.git");
    for url in [
        daemon.url("nope.git"),
        format!("file://{}", missing.display()),
        missing.display().to_string(),
    ] {
        let src = open(&tmp.path().join("d-repo"), &url, "main");
        let err = src.fetch().expect_err("no repository");
        eprintln!("{}", chain(&err));
        assert_eq!(err.category(), "NotARepository", "{url}: {}", chain(&err));
        assert_eq!(err.disposition(), Disposition::Stall);
    }

    // A fetch that fails leaves an earlier clone's tip alone.
    let src = open(&tmp.path().join("d-ok"), &daemon.url("fleet.git"), "main");
    let tip = src.fetch().unwrap().commit;
    git(&origin.bare, &["branch", "-m", "main", "renamed"]);
    let err = src.fetch().expect_err("branch renamed away");
    assert!(matches!(err, RemoteError::BranchMissing { .. }));
    assert_eq!(src.last_fetched(), Some(tip));
}

/// A plain-HTTP server that answers every request with 401 and records the
/// `Authorization` headers it was sent. Stops by itself after `limit`.
fn unauthorized_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut served = 0;
        while Instant::now() < deadline && served < 20 {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            served += 1;
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                if line == "\r\n" {
                    break;
                }
                if line.to_ascii_lowercase().starts_with("authorization:") {
                    seen2.lock().unwrap().push(line.trim().to_string());
                }
                line.clear();
            }
            let mut stream = stream;
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (port, seen)
}

#[test]
fn credentials_never_appear_in_errors() {
    let tmp = tempfile::tempdir().unwrap();
    const URL_SECRET: &str = "ghp_urlSecret0123456789";
    const TOKEN: &str = "tok_fromEnv9876543210";

    // An https URL with a token, to a port where nothing listens.
    let port = support::git::free_port();
    let url = format!("https://bot:{URL_SECRET}@127.0.0.1:{port}/fleet.git");
    let remote = Remote::new(&url, "main").unwrap();
    let src = GitSource::open(
        &tmp.path().join("d1"),
        remote.clone(),
        Credentials::default().with_token(TOKEN),
    )
    .unwrap();
    let err = src.fetch().expect_err("nothing listens");
    eprintln!("{}", chain(&err));
    assert!(err.is_retryable(), "{}", chain(&err));
    let text = format!("{}\n{err:?}\n{remote:?}\n{src:?}", chain(&err));
    assert!(text.contains("https://***@127.0.0.1"), "{text}");
    for secret in [URL_SECRET, TOKEN, "bot:"] {
        assert!(!text.contains(secret), "`{secret}` leaked: {text}");
    }

    // A server that refuses every credential: the token is offered (once),
    // the failure is an authentication stall, and no message carries it.
    let (port, seen) = unauthorized_server();
    for (i, url) in [
        format!("http://127.0.0.1:{port}/fleet.git"),
        format!("http://bot:{URL_SECRET}@127.0.0.1:{port}/fleet.git"),
    ]
    .iter()
    .enumerate()
    {
        let src = GitSource::open(
            &tmp.path().join(format!("d-auth{i}")),
            Remote::new(url, "main").unwrap(),
            Credentials::default().with_token(TOKEN),
        )
        .unwrap();
        let err = src.fetch().expect_err("server says 401");
        eprintln!("{}", chain(&err));
        assert_eq!(err.category(), "Auth", "{}", chain(&err));
        assert_eq!(err.disposition(), Disposition::Stall);
        let text = format!("{}\n{err:?}", chain(&err));
        for secret in [URL_SECRET, TOKEN] {
            assert!(!text.contains(secret), "`{secret}` leaked: {text}");
        }
        // Nothing of the credentials was written into the clone.
        let config = std::fs::read_to_string(src.git_dir().join("config")).unwrap();
        assert!(!config.contains(URL_SECRET) && !config.contains(TOKEN));
    }
    let seen = seen.lock().unwrap().clone();
    use base64_encode as b64;
    assert!(
        seen.contains(&format!(
            "Authorization: Basic {}",
            b64(&format!("x-access-token:{TOKEN}"))
        )),
        "the token was offered: {seen:?}"
    );
    assert!(
        seen.contains(&format!(
            "Authorization: Basic {}",
            b64(&format!("bot:{URL_SECRET}"))
        )),
        "the URL's password was offered: {seen:?}"
    );
}

/// Standard base64 with padding (enough for a Basic header).
fn base64_encode(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.len();
        let v = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= n {
                out.push(A[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn invalid_inputs_are_refused_up_front() {
    assert!(matches!(
        Remote::new("", "main"),
        Err(RemoteError::InvalidUrl { .. })
    ));
    assert!(matches!(
        Remote::new("/srv/x.git", "bad..name"),
        Err(RemoteError::InvalidBranch { .. })
    ));
}
