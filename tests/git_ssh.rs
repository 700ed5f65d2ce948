//! The Git source over SSH against a real `sshd` on loopback: a key file
//! (`FLOTILLA_SSH_KEY`'s path), the ssh-agent, a refused key and an unknown
//! host key.
//!
//! Ignored by default: it needs `/usr/sbin/sshd` (Debian's openssh-server),
//! which the CI machine does not have. Run it with
//! `cargo test --test git_ssh -- --ignored` after
//! `apt-get install openssh-server`. It sets `HOME` (for
//! `~/.ssh/known_hosts`) and `SSH_AUTH_SOCK` for its own process, so it lives
//! alone in this test binary.

mod support;

use flotilla::source::{Credentials, Disposition, GitSource, Remote, StatusBranch, StatusFiles};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::git::{chain, free_port, git, Origin};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn keygen(path: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(path.with_extension("pub")).unwrap()
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs /usr/sbin/sshd (openssh-server)"]
fn ssh_key_file_agent_refusal_and_unknown_host() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let origin = Origin::new(t, "fleet");
    let c1 = origin.rev("main").unwrap();

    // The server: a host key, one authorized client key, two ports of which
    // only the first is in known_hosts.
    let host_pub = keygen(&t.join("host_key"));
    let client_pub = keygen(&t.join("client_key"));
    keygen(&t.join("stranger_key"));
    std::fs::write(t.join("authorized_keys"), &client_pub).unwrap();
    let (known, unknown) = (free_port(), free_port());
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    std::fs::write(
        t.join("sshd_config"),
        format!(
            "Port {known}\nPort {unknown}\nListenAddress 127.0.0.1\nHostKey {}\n\
             AuthorizedKeysFile {}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             PidFile {}\nAllowUsers {user}\n",
            t.join("host_key").display(),
            t.join("authorized_keys").display(),
            t.join("sshd.pid").display(),
        ),
    )
    .unwrap();
    std::fs::create_dir_all("/run/sshd").unwrap();
    let _sshd = Killed(
        Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(t.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sshd starts"),
    );
    wait_for_port(known);
    wait_for_port(unknown);

    // The client's home: known_hosts for the first port only. libgit2 reads
    // HOME once, so set it before the first git2 call of this process.
    let home = t.join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    let key = host_pub
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    std::fs::write(
        home.join(".ssh/known_hosts"),
        format!("[127.0.0.1]:{known} {key}\n"),
    )
    .unwrap();
    std::env::set_var("HOME", &home);
    std::env::remove_var("SSH_AUTH_SOCK");

    let url = |port: u16| format!("ssh://{user}@127.0.0.1:{port}{}", origin.bare.display());
    let open = |name: &str, port: u16, creds: Credentials| {
        GitSource::open(
            &t.join(name),
            Remote::new(url(port), "main").unwrap(),
            creds,
        )
        .unwrap()
    };

    // A key file: fetch, then a status commit pushed over SSH.
    let src = open(
        "d-key",
        known,
        Credentials::default().with_ssh_key(t.join("client_key"), None),
    );
    let f = src.fetch().unwrap_or_else(|e| panic!("{}", chain(&e)));
    assert_eq!((f.commit.as_str(), f.changed), (c1.as_str(), true));
    let status = StatusBranch::new("flotilla/status", "main").unwrap();
    let files = StatusFiles::from([("status/README.md".to_string(), b"ok\n".to_vec())]);
    let pushed = status
        .commit_status(&src, &files, "status: over ssh", &c1)
        .unwrap_or_else(|e| panic!("{}", chain(&e)))
        .unwrap();
    assert_eq!(origin.rev("flotilla/status"), Some(pushed.to_string()));

    // A key the server does not know: an authentication stall.
    let src = open(
        "d-stranger",
        known,
        Credentials::default().with_ssh_key(t.join("stranger_key"), None),
    );
    let err = src.fetch().expect_err("key refused");
    eprintln!("{}", chain(&err));
    assert_eq!(err.category(), "Auth", "{}", chain(&err));
    assert_eq!(err.disposition(), Disposition::Stall);

    // A host key not in known_hosts: refused, a stall.
    let src = open(
        "d-unknown",
        unknown,
        Credentials::default().with_ssh_key(t.join("client_key"), None),
    );
    let err = src.fetch().expect_err("unknown host");
    eprintln!("{}", chain(&err));
    assert_eq!(err.category(), "Certificate", "{}", chain(&err));
    assert_eq!(err.disposition(), Disposition::Stall);

    // The ssh-agent, holding the client key.
    let sock = t.join("agent.sock");
    let _agent = Killed(
        Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sock.exists() {
        assert!(Instant::now() < deadline, "ssh-agent did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let added = Command::new("ssh-add")
        .arg(t.join("client_key"))
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    std::env::set_var("SSH_AUTH_SOCK", &sock);
    let src = open("d-agent", known, Credentials::default());
    let f = src.fetch().unwrap_or_else(|e| panic!("{}", chain(&e)));
    assert_eq!(f.commit, c1);
    git(src.git_dir(), &["cat-file", "-e", &c1]);
}
