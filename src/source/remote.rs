//! The watched Git remote: a bare clone in the data directory, fetched on
//! every poll and on a webhook (I/O, git2).
//!
//! In: a [`Remote`] (URL or local path, and the branch to follow) and
//! [`Credentials`] gathered once from the environment. Out: [`Fetched`] —
//! the commit at the branch's tip and whether it changed — or a typed
//! [`RemoteError`] whose [`disposition`](RemoteError::disposition) says
//! whether to retry (the network) or stall until a person acts
//! (authentication, a missing branch, not a repository).
//!
//! The clone lives at `<data-dir>/source.git` and is created on first use
//! (an empty bare repository plus a fetch is a clone); a restarted daemon
//! reuses it and fetches only what is new. The watched branch is kept at
//! `refs/remotes/origin/<branch>`; a failed fetch leaves it, and every
//! object, untouched.
//!
//! Invariants: credentials are never written (the remote is anonymous, so
//! its URL is not stored in the clone's config) and never printed: every
//! message passes through a [`Redactor`] that masks URL userinfo and the
//! token. Everything goes through git2: no `git` process is run, except a
//! credential helper the user's git configuration names.

use super::redact::{redact_userinfo, url_userinfo, Redactor};
use git2::{
    AutotagOption, Config, Cred, CredentialType, ErrorClass, ErrorCode, FetchOptions, Oid,
    PushOptions, RemoteCallbacks, Repository,
};
use std::path::{Path, PathBuf};

/// The clone's directory name inside the data directory.
pub const CLONE_DIR: &str = "source.git";

/// Where fetched branches are kept in the clone: `refs/remotes/origin/<branch>`.
pub const TRACKING_PREFIX: &str = "refs/remotes/origin/";

/// The user name sent with a token when the URL names none (GitHub, Gitea and
/// GitLab accept a token as the password of any user name).
pub const TOKEN_USER: &str = "x-access-token";

/// A Git remote and the branch flotilla follows on it.
#[derive(Clone, PartialEq, Eq)]
pub struct Remote {
    url: String,
    branch: String,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("url", &self.display_url())
            .field("branch", &self.branch)
            .finish()
    }
}

impl Remote {
    /// A remote at `url` (`file://`, `git://`, `https://`, `ssh://`,
    /// `user@host:path` or a local path), following `branch`.
    ///
    /// A local path that exists is made absolute, so that the daemon's
    /// working directory does not matter afterwards.
    pub fn new(url: impl Into<String>, branch: impl Into<String>) -> Result<Self, RemoteError> {
        let url = url.into();
        let branch = branch.into();
        if url.trim().is_empty() {
            return Err(RemoteError::InvalidUrl {
                url: String::new(),
                source: None,
            });
        }
        if !is_valid_branch(&branch) {
            return Err(RemoteError::InvalidBranch { branch });
        }
        let url = if !url.contains("://") && Path::new(&url).exists() {
            std::fs::canonicalize(&url)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or(url)
        } else {
            url
        };
        Ok(Remote { url, branch })
    }

    /// The URL with any userinfo masked: the only form to print.
    pub fn display_url(&self) -> String {
        redact_userinfo(&self.url)
    }

    /// The branch flotilla follows.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The same remote, following another branch.
    pub fn with_branch(&self, branch: impl Into<String>) -> Result<Self, RemoteError> {
        Remote::new(self.url.clone(), branch)
    }

    /// The URL as given (may hold credentials): for git2 only, never print it.
    fn raw_url(&self) -> &str {
        &self.url
    }
}

/// Whether `branch` is a valid branch name (`main`, `flotilla/status`).
pub fn is_valid_branch(branch: &str) -> bool {
    !branch.is_empty()
        && !branch.starts_with("refs/")
        && git2::Reference::is_valid_name(&format!("refs/heads/{branch}"))
}

/// What may be used to authenticate to the remote, gathered once.
///
/// Tried in this order, each at most once per connection: a password in the
/// URL (git2 itself), the token, the git credential helpers of the user's
/// configuration; for SSH, the key file, then the ssh-agent.
#[derive(Clone, Default)]
pub struct Credentials {
    token: Option<String>,
    ssh_key: Option<PathBuf>,
    ssh_passphrase: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("ssh_key", &self.ssh_key)
            .field(
                "ssh_passphrase",
                &self.ssh_passphrase.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

impl Credentials {
    /// Environment variable holding an HTTPS token.
    pub const TOKEN_VAR: &'static str = "FLOTILLA_GIT_TOKEN";
    /// Environment variable holding the path of an SSH private key.
    pub const SSH_KEY_VAR: &'static str = "FLOTILLA_SSH_KEY";
    /// Environment variable holding the passphrase of that key.
    pub const SSH_PASSPHRASE_VAR: &'static str = "FLOTILLA_SSH_KEY_PASSPHRASE";

    /// Reads [`Self::TOKEN_VAR`], [`Self::SSH_KEY_VAR`] and
    /// [`Self::SSH_PASSPHRASE_VAR`]; empty values count as unset.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Credentials {
            token: var(Self::TOKEN_VAR),
            ssh_key: var(Self::SSH_KEY_VAR).map(PathBuf::from),
            ssh_passphrase: var(Self::SSH_PASSPHRASE_VAR),
        }
    }

    /// These credentials with an HTTPS token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into()).filter(|t| !t.is_empty());
        self
    }

    /// These credentials with an SSH key file (and its passphrase).
    pub fn with_ssh_key(mut self, key: impl Into<PathBuf>, passphrase: Option<String>) -> Self {
        self.ssh_key = Some(key.into());
        self.ssh_passphrase = passphrase;
        self
    }
}

/// The outcome of a successful fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The commit at the tip of the watched branch (40 hex digits).
    pub commit: String,
    /// The tip before this fetch, if the clone had one.
    pub previous: Option<String>,
    /// Whether the tip moved (true on the first fetch).
    pub changed: bool,
}

/// What the daemon does about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Transient (network, server busy): try again at the next interval.
    Retry,
    /// Will not fix itself (credentials, a missing branch or repository, a
    /// broken local clone): report it and keep the last good state.
    Stall,
}

/// A git2 error with every credential removed from its message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct GitError {
    message: String,
    code: ErrorCode,
    class: ErrorClass,
}

impl GitError {
    fn new(e: &git2::Error, redactor: &Redactor) -> Self {
        GitError {
            message: redactor.redact(e.message()),
            code: e.code(),
            class: e.class(),
        }
    }

    /// git2's error code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// git2's error class.
    pub fn class(&self) -> ErrorClass {
        self.class
    }
}

/// Failures of the Git source. URLs in them are always redacted.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("invalid remote url `{url}`")]
    InvalidUrl {
        url: String,
        #[source]
        source: Option<GitError>,
    },
    #[error("invalid branch name `{branch}`")]
    InvalidBranch { branch: String },
    #[error("failed to open the local clone at `{path}`")]
    Local {
        path: String,
        #[source]
        source: GitError,
    },
    #[error("failed to reach `{url}`")]
    Unreachable {
        url: String,
        #[source]
        source: GitError,
    },
    #[error("authentication to `{url}` failed")]
    Auth {
        url: String,
        #[source]
        source: GitError,
    },
    #[error("certificate or host key of `{url}` not trusted")]
    Certificate {
        url: String,
        #[source]
        source: GitError,
    },
    #[error("`{url}` is not a git repository")]
    NotARepository {
        url: String,
        #[source]
        source: GitError,
    },
    #[error("branch `{branch}` not found at `{url}`")]
    BranchMissing { url: String, branch: String },
    #[error("failed to fetch `{branch}` from `{url}`")]
    Fetch {
        url: String,
        branch: String,
        #[source]
        source: GitError,
    },
    #[error("failed to push `{branch}` to `{url}`")]
    Push {
        url: String,
        branch: String,
        #[source]
        source: GitError,
    },
}

impl RemoteError {
    /// Whether to retry at the next interval or stall until a person acts.
    pub fn disposition(&self) -> Disposition {
        match self {
            RemoteError::Unreachable { .. }
            | RemoteError::Fetch { .. }
            | RemoteError::Push { .. } => Disposition::Retry,
            RemoteError::InvalidUrl { .. }
            | RemoteError::InvalidBranch { .. }
            | RemoteError::Local { .. }
            | RemoteError::Auth { .. }
            | RemoteError::Certificate { .. }
            | RemoteError::NotARepository { .. }
            | RemoteError::BranchMissing { .. } => Disposition::Stall,
        }
    }

    /// Whether the daemon should try again at the next interval.
    pub fn is_retryable(&self) -> bool {
        self.disposition() == Disposition::Retry
    }

    /// The variant's name, for metrics labels and `status/errors.yaml`.
    pub fn category(&self) -> &'static str {
        match self {
            RemoteError::InvalidUrl { .. } => "InvalidUrl",
            RemoteError::InvalidBranch { .. } => "InvalidBranch",
            RemoteError::Local { .. } => "Local",
            RemoteError::Unreachable { .. } => "Unreachable",
            RemoteError::Auth { .. } => "Auth",
            RemoteError::Certificate { .. } => "Certificate",
            RemoteError::NotARepository { .. } => "NotARepository",
            RemoteError::BranchMissing { .. } => "BranchMissing",
            RemoteError::Fetch { .. } => "Fetch",
            RemoteError::Push { .. } => "Push",
        }
    }
}

/// The result of pushing one branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The remote branch now points at our commit.
    Pushed,
    /// The remote refused the update because its branch moved (non-fast-
    /// forward) or for a reason it gives; nothing was changed there.
    Rejected { reason: String },
}

/// The bare clone of the watched remote in the data directory.
pub struct GitSource {
    repo: Repository,
    git_dir: PathBuf,
    remote: Remote,
    credentials: Credentials,
    redactor: Redactor,
}

impl std::fmt::Debug for GitSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitSource")
            .field("git_dir", &self.git_dir)
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

impl GitSource {
    /// Opens `<data_dir>/source.git`, creating an empty bare repository there
    /// on first use (the first [`fetch`](Self::fetch) fills it). No network.
    pub fn open(
        data_dir: &Path,
        remote: Remote,
        credentials: Credentials,
    ) -> Result<Self, RemoteError> {
        let git_dir = data_dir.join(CLONE_DIR);
        let mut redactor = Redactor::default();
        if let Some(token) = &credentials.token {
            redactor.add(token.clone());
        }
        if let Some(pass) = &credentials.ssh_passphrase {
            redactor.add(pass.clone());
        }
        if let Some((user, password)) = url_userinfo(remote.raw_url()) {
            redactor.add(user);
            if let Some(p) = password {
                redactor.add(p);
            }
        }
        let local = |source: git2::Error| RemoteError::Local {
            path: git_dir.display().to_string(),
            source: GitError::new(&source, &redactor),
        };
        let repo = if git_dir.exists() {
            Repository::open_bare(&git_dir).map_err(local)?
        } else {
            std::fs::create_dir_all(data_dir).map_err(|e| {
                local(git2::Error::from_str(&format!(
                    "failed to create `{}`: {e}",
                    data_dir.display()
                )))
            })?;
            Repository::init_bare(&git_dir).map_err(local)?
        };
        Ok(GitSource {
            repo,
            git_dir,
            remote,
            credentials,
            redactor,
        })
    }

    /// The clone's git directory: the repository to read revisions from
    /// ([`super::read_revision`]).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The remote this clone follows.
    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// `text` with every credential masked (URL userinfo, token).
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    /// The commit of the last successful fetch of the watched branch, kept
    /// in the clone across restarts.
    pub fn last_fetched(&self) -> Option<String> {
        self.tracking_tip(&self.remote.branch)
            .map(|o| o.to_string())
    }

    /// Fetches the watched branch. On failure the clone, and the last
    /// fetched commit, are unchanged.
    pub fn fetch(&self) -> Result<Fetched, RemoteError> {
        let branch = self.remote.branch.clone();
        let previous = self.tracking_tip(&branch);
        match self.fetch_branch(&branch)? {
            Some(tip) => Ok(Fetched {
                commit: tip.to_string(),
                previous: previous.map(|p| p.to_string()),
                changed: previous != Some(tip),
            }),
            None => Err(RemoteError::BranchMissing {
                url: self.remote.display_url(),
                branch,
            }),
        }
    }

    /// The bare repository, for the status branch.
    pub(crate) fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The tip of `branch` as last fetched (`refs/remotes/origin/<branch>`).
    pub(crate) fn tracking_tip(&self, branch: &str) -> Option<Oid> {
        self.repo
            .refname_to_id(&format!("{TRACKING_PREFIX}{branch}"))
            .ok()
    }

    /// Fetches `branch` into `refs/remotes/origin/<branch>`; `None` when the
    /// remote has no such branch (the tracking ref is then left as it was).
    pub(crate) fn fetch_branch(&self, branch: &str) -> Result<Option<Oid>, RemoteError> {
        let url = self.remote.raw_url();
        let mut remote = self
            .repo
            .remote_anonymous(url)
            .map_err(|e| RemoteError::InvalidUrl {
                url: self.remote.display_url(),
                source: Some(GitError::new(&e, &self.redactor)),
            })?;
        let head = format!("refs/heads/{branch}");
        let refspec = format!("+{head}:{TRACKING_PREFIX}{branch}");
        let mut opts = FetchOptions::new();
        opts.remote_callbacks(self.callbacks())
            .download_tags(AutotagOption::None)
            .update_fetchhead(false);
        remote
            .fetch(&[refspec.as_str()], Some(&mut opts), None)
            .map_err(|e| self.classify(&e, branch, false))?;
        // The advertisement stays readable after the fetch disconnects; it
        // is the only way to tell "no such branch" from "nothing new".
        let advertised = remote
            .list()
            .map_err(|e| self.classify(&e, branch, false))?
            .iter()
            .find(|h| h.name() == head)
            .map(|h| h.oid());
        if let Some(tip) = advertised {
            // git2 updates the tracking ref itself; make sure it did.
            if self.tracking_tip(branch) != Some(tip) {
                self.repo
                    .reference(
                        &format!("{TRACKING_PREFIX}{branch}"),
                        tip,
                        true,
                        "flotilla: fetch",
                    )
                    .map_err(|e| self.classify(&e, branch, false))?;
            }
        }
        Ok(advertised)
    }

    /// Pushes the local `refs/heads/<branch>` to the remote's branch of the
    /// same name, never forced. A refusal (non-fast-forward, or one the
    /// remote states) is an outcome, not an error.
    pub(crate) fn push_branch(&self, branch: &str) -> Result<PushOutcome, RemoteError> {
        let url = self.remote.raw_url();
        let mut remote = self
            .repo
            .remote_anonymous(url)
            .map_err(|e| RemoteError::InvalidUrl {
                url: self.remote.display_url(),
                source: Some(GitError::new(&e, &self.redactor)),
            })?;
        let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
        let rejected = std::cell::RefCell::new(None::<String>);
        let result = {
            let mut callbacks = self.callbacks();
            callbacks.push_update_reference(|_refname, status| {
                if let Some(msg) = status {
                    *rejected.borrow_mut() = Some(msg.to_string());
                }
                Ok(())
            });
            let mut opts = PushOptions::new();
            opts.remote_callbacks(callbacks);
            remote.push(&[refspec.as_str()], Some(&mut opts))
        };
        match result {
            Err(e) if e.code() == ErrorCode::NotFastForward => Ok(PushOutcome::Rejected {
                reason: self.redact(e.message()),
            }),
            Err(e) => Err(self.classify(&e, branch, true)),
            Ok(()) => match rejected.into_inner() {
                Some(reason) => Ok(PushOutcome::Rejected {
                    reason: self.redact(&reason),
                }),
                None => Ok(PushOutcome::Pushed),
            },
        }
    }

    /// Callbacks that offer each credential once, then give up (git2 asks
    /// again after every refusal, so offering the same one would loop).
    fn callbacks(&self) -> RemoteCallbacks<'_> {
        let creds = &self.credentials;
        let mut tried = Tried::default();
        let mut callbacks = RemoteCallbacks::new();
        callbacks.credentials(move |url, user_from_url, allowed| {
            if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
                if let (Some(token), false) = (&creds.token, tried.token) {
                    tried.token = true;
                    return Cred::userpass_plaintext(user_from_url.unwrap_or(TOKEN_USER), token);
                }
                if !tried.helper {
                    tried.helper = true;
                    if let Ok(config) = Config::open_default() {
                        if let Ok(cred) = Cred::credential_helper(&config, url, user_from_url) {
                            return Ok(cred);
                        }
                    }
                }
            }
            if allowed.contains(CredentialType::SSH_KEY) {
                let user = user_from_url.unwrap_or("git");
                if let (Some(key), false) = (&creds.ssh_key, tried.key_file) {
                    tried.key_file = true;
                    return Cred::ssh_key(user, None, key, creds.ssh_passphrase.as_deref());
                }
                if !tried.agent {
                    tried.agent = true;
                    return Cred::ssh_key_from_agent(user);
                }
            }
            if allowed.contains(CredentialType::USERNAME) && !tried.username {
                tried.username = true;
                return Cred::username(user_from_url.unwrap_or("git"));
            }
            if allowed.contains(CredentialType::DEFAULT) && !tried.default {
                tried.default = true;
                return Cred::default();
            }
            Err(git2::Error::new(
                ErrorCode::Auth,
                ErrorClass::Net,
                "the server refused every credential offered",
            ))
        });
        callbacks
    }

    /// Maps a git2 error to a typed, redacted error.
    fn classify(&self, e: &git2::Error, branch: &str, push: bool) -> RemoteError {
        let url = self.remote.display_url();
        let source = GitError::new(e, &self.redactor);
        match classify(e.code(), e.class(), e.message()) {
            Kind::Auth => RemoteError::Auth { url, source },
            Kind::Certificate => RemoteError::Certificate { url, source },
            Kind::NotARepository => RemoteError::NotARepository { url, source },
            // A path that does not exist reads to libgit2 as an unknown scheme.
            Kind::InvalidUrl if is_plain_path(self.remote.raw_url()) => {
                RemoteError::NotARepository {
                    url,
                    source: GitError {
                        message: "no such directory".to_string(),
                        ..source
                    },
                }
            }
            Kind::InvalidUrl => RemoteError::InvalidUrl {
                url,
                source: Some(source),
            },
            Kind::Unreachable => RemoteError::Unreachable { url, source },
            Kind::Local => RemoteError::Local {
                path: self.git_dir.display().to_string(),
                source,
            },
            Kind::Other if push => RemoteError::Push {
                url,
                branch: branch.to_string(),
                source,
            },
            Kind::Other => RemoteError::Fetch {
                url,
                branch: branch.to_string(),
                source,
            },
        }
    }
}

/// Which credentials the callback has already offered on this connection.
#[derive(Default)]
struct Tried {
    token: bool,
    helper: bool,
    key_file: bool,
    agent: bool,
    username: bool,
    default: bool,
}

/// The kind of a git2 failure, as far as the daemon cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Auth,
    Certificate,
    NotARepository,
    InvalidUrl,
    Unreachable,
    Local,
    Other,
}

/// Whether `url` is a local path rather than a URL or `host:path`.
fn is_plain_path(url: &str) -> bool {
    if url.contains("://") {
        return false;
    }
    match (url.find(':'), url.find('/')) {
        (None, _) => true,
        (Some(colon), Some(slash)) => slash < colon,
        (Some(_), None) => false,
    }
}

/// Classifies a git2 error. libgit2 reports a missing repository through
/// several classes (a missing path, an HTTP 404, git-daemon's refusal), so
/// the message decides where the code does not.
fn classify(code: ErrorCode, class: ErrorClass, message: &str) -> Kind {
    let m = message.to_ascii_lowercase();
    let says = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    if code == ErrorCode::Auth
        || says(&[
            "authentication",
            "unexpected http status code: 401",
            "unexpected http status code: 403",
            "status code: 401",
            "status code: 403",
            "credentials",
            "permission denied",
        ])
    {
        return Kind::Auth;
    }
    if code == ErrorCode::Certificate || says(&["certificate", "host key", "hostkey"]) {
        return Kind::Certificate;
    }
    if says(&["unsupported url protocol", "malformed url", "invalid url"]) {
        return Kind::InvalidUrl;
    }
    if says(&[
        "could not find repository",
        "repository not found",
        "not a git repository",
        "does not appear to be a git repository",
        "repository not exported",
        "no such repository",
        "failed to resolve path",
        "status code: 404",
    ]) {
        return Kind::NotARepository;
    }
    match class {
        ErrorClass::Net
        | ErrorClass::Os
        | ErrorClass::Ssl
        | ErrorClass::Http
        | ErrorClass::Ssh
        | ErrorClass::Callback => Kind::Unreachable,
        ErrorClass::Odb | ErrorClass::Index | ErrorClass::Filesystem | ErrorClass::Reference => {
            Kind::Local
        }
        _ => Kind::Other,
    }
}

/// Sets libgit2's process-wide network timeouts (connecting, and waiting
/// for the server), so that a remote that accepts a connection and then hangs
/// cannot block a fetch forever.
///
/// # Safety
/// Changes a libgit2 global without synchronization: call it in `main`
/// before any thread that may use git2 is started.
pub unsafe fn set_network_timeouts(
    connect: std::time::Duration,
    io: std::time::Duration,
) -> Result<(), git2::Error> {
    let ms = |d: std::time::Duration| d.as_millis().min(i32::MAX as u128) as std::os::raw::c_int;
    git2::opts::set_server_connect_timeout_in_milliseconds(ms(connect))?;
    git2::opts::set_server_timeout_in_milliseconds(ms(io))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Case {
        name: &'static str,
        code: ErrorCode,
        class: ErrorClass,
        message: &'static str,
        want: Kind,
    }

    const CASES: &[Case] = &[
        Case {
            name: "connection refused",
            code: ErrorCode::GenericError,
            class: ErrorClass::Os,
            message: "failed to connect to 127.0.0.1: Connection refused",
            want: Kind::Unreachable,
        },
        Case {
            name: "dns",
            code: ErrorCode::GenericError,
            class: ErrorClass::Net,
            message: "failed to resolve address for git.example: Name or service not known",
            want: Kind::Unreachable,
        },
        Case {
            name: "auth code",
            code: ErrorCode::Auth,
            class: ErrorClass::Http,
            message: "too many redirects or authentication replays",
            want: Kind::Auth,
        },
        Case {
            name: "http 403",
            code: ErrorCode::GenericError,
            class: ErrorClass::Http,
            message: "unexpected http status code: 403",
            want: Kind::Auth,
        },
        Case {
            name: "http 404",
            code: ErrorCode::GenericError,
            class: ErrorClass::Http,
            message: "unexpected http status code: 404",
            want: Kind::NotARepository,
        },
        Case {
            name: "local path missing",
            code: ErrorCode::NotFound,
            class: ErrorClass::Repository,
            message: "could not find repository at '/nope'",
            want: Kind::NotARepository,
        },
        Case {
            name: "git daemon refusal",
            code: ErrorCode::GenericError,
            class: ErrorClass::Net,
            message: "remote error: access denied or repository not exported: /nope.git",
            want: Kind::NotARepository,
        },
        Case {
            name: "git daemon, informative errors",
            code: ErrorCode::GenericError,
            class: ErrorClass::Net,
            message: "remote error: no such repository: /nope.git",
            want: Kind::NotARepository,
        },
        Case {
            name: "certificate",
            code: ErrorCode::Certificate,
            class: ErrorClass::Ssl,
            message: "the SSL certificate is invalid",
            want: Kind::Certificate,
        },
        Case {
            name: "odb",
            code: ErrorCode::GenericError,
            class: ErrorClass::Odb,
            message: "object not found",
            want: Kind::Local,
        },
    ];

    #[test]
    fn classify_table() {
        for c in CASES {
            assert_eq!(
                classify(c.code, c.class, c.message),
                c.want,
                "case `{}`",
                c.name
            );
        }
    }

    #[test]
    fn plain_paths() {
        for p in ["/srv/a.git", "./a", "a", "dir/with:colon"] {
            assert!(is_plain_path(p), "{p}");
        }
        for u in ["file:///a", "git@host:a.git", "host:a", "https://h/a"] {
            assert!(!is_plain_path(u), "{u}");
        }
    }

    #[test]
    fn branch_names() {
        for ok in ["main", "flotilla/status", "release-1.2"] {
            assert!(is_valid_branch(ok), "{ok}");
        }
        for bad in [
            "",
            "refs/heads/main",
            "a..b",
            "with space",
            "end/",
            "x.lock",
        ] {
            assert!(!is_valid_branch(bad), "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_credentials() {
        let r = Remote::new("https://bot:s3cret@example.com/r.git", "main").unwrap();
        let c = Credentials::default()
            .with_token("tok-123")
            .with_ssh_key("/k", Some("pw-456".into()));
        let text = format!("{r:?} {c:?} {}", r.display_url());
        for secret in ["s3cret", "bot:", "tok-123", "pw-456"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
