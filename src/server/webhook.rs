//! `POST /webhook`: decides what a forge's push notification means. No axum
//! and no I/O: the HTTP handler passes the headers and the raw body in
//! ([`WebhookSecret::from_env`] is the one read of the environment, done once
//! at start).
//!
//! In: the request headers, the raw body, the secret
//! (`FLOTILLA_WEBHOOK_SECRET`) and the watched branch. Out: a
//! [`WebhookOutcome`] — fetch now ([`WebhookOutcome::Trigger`]), a ping, or
//! nothing for us — or a [`WebhookError`]; its
//! [`status_code`](WebhookError::status_code) is what the daemon answers.
//!
//! Two dialects: GitHub (`X-GitHub-Event`, `X-Hub-Signature-256:
//! sha256=<hex>`, the JSON body or a form body `payload=<json>`) and Gitea
//! (`X-Gitea-Event`, `X-Gitea-Signature: <hex>`; Gogs' headers also work).
//! Both sign the raw body with HMAC-SHA256.
//!
//! Invariants: the signature is checked, in constant time, before anything
//! in the body is read; a missing secret, a missing or wrong signature is
//! [`WebhookError::Unauthorized`] and triggers nothing. The body only says
//! *when* to fetch: the commit is always read from the remote itself.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

/// Environment variable holding the webhook secret.
pub const SECRET_VAR: &str = "FLOTILLA_WEBHOOK_SECRET";

/// The shared secret webhooks are signed with.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

impl WebhookSecret {
    /// A secret from its bytes; `None` when empty (webhooks then stay off).
    pub fn new(secret: impl Into<Vec<u8>>) -> Option<Self> {
        let s = secret.into();
        (!s.is_empty()).then_some(WebhookSecret(s))
    }

    /// Reads [`SECRET_VAR`]; `None` when unset or empty.
    pub fn from_env() -> Option<Self> {
        std::env::var_os(SECRET_VAR).and_then(|v| Self::new(v.into_encoded_bytes()))
    }

    /// The HMAC-SHA256 of `body` under this secret, as lowercase hex (for
    /// tests and for clients that sign).
    pub fn sign_hex(&self, body: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(body);
        hex(&mac.finalize().into_bytes())
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }
}

/// Which forge's dialect a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    GitHub,
    Gitea,
}

/// What a verified webhook asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// A push to the watched branch: fetch now. `after` is the forge's word
    /// for the new tip, for logs only.
    Trigger { forge: Forge, after: String },
    /// The forge checking the hook: answer 200, trigger nothing.
    Ping { forge: Forge },
    /// Signed, but not for us (another branch, a tag, another event, a
    /// deleted branch): answer 200 (or 202), trigger nothing.
    Ignored { reason: String },
}

/// Why the signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// `FLOTILLA_WEBHOOK_SECRET` is not set: every webhook is refused.
    NoSecret,
    /// No signature header.
    Missing,
    /// A signature header that is not `sha256=<64 hex>` or `<64 hex>`.
    Malformed,
    /// The signature does not match the body.
    Mismatch,
}

impl std::fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuthFailure::NoSecret => "no webhook secret is configured",
            AuthFailure::Missing => "the signature is missing",
            AuthFailure::Malformed => "the signature is malformed",
            AuthFailure::Mismatch => "the signature does not match",
        })
    }
}

/// A refused webhook.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("webhook unauthorized: {reason}")]
    Unauthorized { reason: AuthFailure },
    #[error("malformed push payload")]
    BadPayload {
        #[source]
        source: PayloadError,
    },
}

/// What is wrong with a signed push payload.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("invalid JSON")]
    Json(#[source] serde_json::Error),
    #[error("invalid form encoding")]
    Form,
    #[error("`ref` is missing")]
    MissingRef,
    #[error("`after` is missing or not a commit id")]
    BadAfter,
}

impl WebhookError {
    /// The HTTP status to answer: 401 for an unauthorized request, 400 for
    /// a malformed payload.
    pub fn status_code(&self) -> u16 {
        match self {
            WebhookError::Unauthorized { .. } => 401,
            WebhookError::BadPayload { .. } => 400,
        }
    }

    /// The variant's name, for metrics labels.
    pub fn category(&self) -> &'static str {
        match self {
            WebhookError::Unauthorized { .. } => "Unauthorized",
            WebhookError::BadPayload { .. } => "BadPayload",
        }
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Checks the body's HMAC-SHA256 signature, in constant time.
/// `X-Hub-Signature-256` is preferred; `X-Gitea-Signature` and
/// `X-Gogs-Signature` (bare hex) are accepted when it is absent.
pub fn verify(
    secret: Option<&WebhookSecret>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), WebhookError> {
    let fail = |reason| WebhookError::Unauthorized { reason };
    let secret = secret.ok_or(fail(AuthFailure::NoSecret))?;
    let hex_sig = if let Some(v) = header(headers, "x-hub-signature-256") {
        v.strip_prefix("sha256=")
            .ok_or(fail(AuthFailure::Malformed))?
    } else if let Some(v) =
        header(headers, "x-gitea-signature").or_else(|| header(headers, "x-gogs-signature"))
    {
        v
    } else {
        return Err(fail(AuthFailure::Missing));
    };
    let sig = unhex(hex_sig)
        .filter(|s| s.len() == 32)
        .ok_or(fail(AuthFailure::Malformed))?;
    let mut mac = secret.mac();
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&sig)
        .map_err(|_| fail(AuthFailure::Mismatch))
}

/// Verifies a webhook and says what it asks for, for the watched `branch`.
pub fn handle(
    secret: Option<&WebhookSecret>,
    headers: &HeaderMap,
    body: &[u8],
    branch: &str,
) -> Result<WebhookOutcome, WebhookError> {
    verify(secret, headers, body)?;
    let (forge, event) = if let Some(e) = header(headers, "x-gitea-event") {
        (Forge::Gitea, Some(e))
    } else if let Some(e) = header(headers, "x-gogs-event") {
        (Forge::Gitea, Some(e))
    } else {
        (Forge::GitHub, header(headers, "x-github-event"))
    };
    match event {
        Some("ping") => return Ok(WebhookOutcome::Ping { forge }),
        Some("push") => {}
        Some(other) => {
            return Ok(WebhookOutcome::Ignored {
                reason: format!("event `{}`", other.chars().take(64).collect::<String>()),
            })
        }
        None => {
            return Ok(WebhookOutcome::Ignored {
                reason: "no event header".to_string(),
            })
        }
    }
    let push = parse_push(body).map_err(|source| WebhookError::BadPayload { source })?;
    let watched = format!("refs/heads/{branch}");
    if push.r#ref != watched {
        return Ok(WebhookOutcome::Ignored {
            reason: format!(
                "push to `{}`, not `{watched}`",
                push.r#ref.chars().take(200).collect::<String>()
            ),
        });
    }
    if push.after.bytes().all(|b| b == b'0') {
        return Ok(WebhookOutcome::Ignored {
            reason: format!("`{watched}` was deleted"),
        });
    }
    Ok(WebhookOutcome::Trigger {
        forge,
        after: push.after,
    })
}

/// The fields of a push payload flotilla reads.
#[derive(Debug, serde::Deserialize)]
struct Push {
    #[serde(default)]
    r#ref: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

struct PushRef {
    r#ref: String,
    after: String,
}

fn parse_push(body: &[u8]) -> Result<PushRef, PayloadError> {
    // GitHub's `application/x-www-form-urlencoded` delivery: `payload=<json>`.
    let form;
    let json = match body.strip_prefix(b"payload=") {
        Some(rest) => {
            form = form_decode(rest).ok_or(PayloadError::Form)?;
            &form[..]
        }
        None => body,
    };
    let push: Push = serde_json::from_slice(json).map_err(PayloadError::Json)?;
    let r#ref = push.r#ref.ok_or(PayloadError::MissingRef)?;
    let after = push
        .after
        .filter(|a| matches!(a.len(), 40 | 64) && a.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(PayloadError::BadAfter)?;
    Ok(PushRef { r#ref, after })
}

/// Decodes one `application/x-www-form-urlencoded` value (up to a `&`).
fn form_decode(s: &[u8]) -> Option<Vec<u8>> {
    let s = s.split(|&b| b == b'&').next().unwrap_or(s);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
