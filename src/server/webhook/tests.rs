use super::*;
use http::{HeaderName, HeaderValue};

const SECRET: &str = "s3cret-for-tests";
const SHA: &str = "9fceb02d0ae598e95dc970b74767f19372d61af8";

fn push_body(r#ref: &str, after: &str) -> Vec<u8> {
    serde_json::json!({
        "ref": r#ref,
        "before": "0000000000000000000000000000000000000000",
        "after": after,
        "repository": {"full_name": "acme/fleet"},
    })
    .to_string()
    .into_bytes()
}

/// How a case signs its body.
#[derive(Clone, Copy)]
enum Sig {
    /// `X-Hub-Signature-256: sha256=<hmac>` computed with this key.
    GitHub(&'static str),
    /// `X-Gitea-Signature: <hmac>` computed with this key.
    Gitea(&'static str),
    /// `X-Gogs-Signature: <hmac>` computed with this key.
    Gogs(&'static str),
    /// This literal value in this header.
    Raw(&'static str, &'static str),
    None,
}

struct Case {
    name: &'static str,
    secret: Option<&'static str>,
    event: Option<(&'static str, &'static str)>,
    sig: Sig,
    body: fn() -> Vec<u8>,
    want: Result<WebhookOutcome, &'static str>,
}

fn main_push() -> Vec<u8> {
    push_body("refs/heads/main", SHA)
}

fn headers(case: &Case, body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut set = |k: &str, v: String| {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    };
    if let Some((name, value)) = case.event {
        set(name, value.to_string());
    }
    let sign = |key: &str| WebhookSecret::new(key).unwrap().sign_hex(body);
    match case.sig {
        Sig::GitHub(key) => set("X-Hub-Signature-256", format!("sha256={}", sign(key))),
        Sig::Gitea(key) => set("X-Gitea-Signature", sign(key)),
        Sig::Gogs(key) => set("X-Gogs-Signature", sign(key)),
        Sig::Raw(name, value) => set(name, value.to_string()),
        Sig::None => {}
    }
    h
}

const GH_PUSH: Option<(&str, &str)> = Some(("X-GitHub-Event", "push"));
const GITEA_PUSH: Option<(&str, &str)> = Some(("X-Gitea-Event", "push"));

fn trigger(forge: Forge) -> Result<WebhookOutcome, &'static str> {
    Ok(WebhookOutcome::Trigger {
        forge,
        after: SHA.to_string(),
    })
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "github push to the watched branch",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::GitHub(SECRET),
            body: main_push,
            want: trigger(Forge::GitHub),
        },
        Case {
            name: "gitea push to the watched branch",
            secret: Some(SECRET),
            event: GITEA_PUSH,
            sig: Sig::Gitea(SECRET),
            body: main_push,
            want: trigger(Forge::Gitea),
        },
        Case {
            name: "gitea event signed the github way",
            secret: Some(SECRET),
            event: GITEA_PUSH,
            sig: Sig::GitHub(SECRET),
            body: main_push,
            want: trigger(Forge::Gitea),
        },
        Case {
            name: "gogs headers",
            secret: Some(SECRET),
            event: Some(("X-Gogs-Event", "push")),
            sig: Sig::Gogs(SECRET),
            body: main_push,
            want: trigger(Forge::Gitea),
        },
        Case {
            name: "empty gitea signature",
            secret: Some(SECRET),
            event: GITEA_PUSH,
            sig: Sig::Raw("X-Gitea-Signature", ""),
            body: main_push,
            want: Err("Unauthorized: the signature is malformed"),
        },
        Case {
            name: "github form-encoded payload",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::GitHub(SECRET),
            body: || {
                let json = String::from_utf8(main_push()).unwrap();
                let enc: String = json
                    .bytes()
                    .map(|b| match b {
                        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                        b' ' => "+".to_string(),
                        _ => format!("%{b:02X}"),
                    })
                    .collect();
                format!("payload={enc}").into_bytes()
            },
            want: trigger(Forge::GitHub),
        },
        Case {
            name: "push to another branch",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::GitHub(SECRET),
            body: || push_body("refs/heads/feature", SHA),
            want: Ok(WebhookOutcome::Ignored {
                reason: "push to `refs/heads/feature`, not `refs/heads/main`".into(),
            }),
        },
        Case {
            name: "tag named like the branch",
            secret: Some(SECRET),
            event: GITEA_PUSH,
            sig: Sig::Gitea(SECRET),
            body: || push_body("refs/tags/main", SHA),
            want: Ok(WebhookOutcome::Ignored {
                reason: "push to `refs/tags/main`, not `refs/heads/main`".into(),
            }),
        },
        Case {
            name: "watched branch deleted",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::GitHub(SECRET),
            body: || {
                push_body(
                    "refs/heads/main",
                    "0000000000000000000000000000000000000000",
                )
            },
            want: Ok(WebhookOutcome::Ignored {
                reason: "`refs/heads/main` was deleted".into(),
            }),
        },
        Case {
            name: "github ping",
            secret: Some(SECRET),
            event: Some(("X-GitHub-Event", "ping")),
            sig: Sig::GitHub(SECRET),
            body: || br#"{"zen":"Keep it logically awesome.","hook_id":1}"#.to_vec(),
            want: Ok(WebhookOutcome::Ping {
                forge: Forge::GitHub,
            }),
        },
        Case {
            name: "other event",
            secret: Some(SECRET),
            event: Some(("X-GitHub-Event", "issues")),
            sig: Sig::GitHub(SECRET),
            body: || b"{}".to_vec(),
            want: Ok(WebhookOutcome::Ignored {
                reason: "event `issues`".into(),
            }),
        },
        Case {
            name: "no event header",
            secret: Some(SECRET),
            event: None,
            sig: Sig::GitHub(SECRET),
            body: main_push,
            want: Ok(WebhookOutcome::Ignored {
                reason: "no event header".into(),
            }),
        },
        Case {
            name: "signed with another secret",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::GitHub("not-the-secret"),
            body: main_push,
            want: Err("Unauthorized: the signature does not match"),
        },
        Case {
            name: "gitea signed with another secret",
            secret: Some(SECRET),
            event: GITEA_PUSH,
            sig: Sig::Gitea("not-the-secret"),
            body: main_push,
            want: Err("Unauthorized: the signature does not match"),
        },
        Case {
            name: "no signature",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::None,
            body: main_push,
            want: Err("Unauthorized: the signature is missing"),
        },
        Case {
            name: "ping without signature",
            secret: Some(SECRET),
            event: Some(("X-GitHub-Event", "ping")),
            sig: Sig::None,
            body: || b"{}".to_vec(),
            want: Err("Unauthorized: the signature is missing"),
        },
        Case {
            name: "no secret configured",
            secret: None,
            event: GH_PUSH,
            sig: Sig::GitHub(SECRET),
            body: main_push,
            want: Err("Unauthorized: no webhook secret is configured"),
        },
        Case {
            name: "sha1 signature only",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::Raw(
                "X-Hub-Signature",
                "sha1=0123456789abcdef0123456789abcdef01234567",
            ),
            body: main_push,
            want: Err("Unauthorized: the signature is missing"),
        },
        Case {
            name: "no sha256= prefix",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::Raw("X-Hub-Signature-256", "00"),
            body: main_push,
            want: Err("Unauthorized: the signature is malformed"),
        },
        Case {
            name: "short signature",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::Raw("X-Hub-Signature-256", "sha256=abcd"),
            body: main_push,
            want: Err("Unauthorized: the signature is malformed"),
        },
        Case {
            name: "signature with a sign",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::Raw(
                "X-Hub-Signature-256",
                "sha256=+f00000000000000000000000000000000000000000000000000000000000000",
            ),
            body: main_push,
            want: Err("Unauthorized: the signature is malformed"),
        },
        Case {
            name: "signed garbage",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::GitHub(SECRET),
            body: || b"{not json".to_vec(),
            want: Err("BadPayload: malformed push payload"),
        },
        Case {
            name: "signed push without after",
            secret: Some(SECRET),
            event: GH_PUSH,
            sig: Sig::GitHub(SECRET),
            body: || br#"{"ref":"refs/heads/main"}"#.to_vec(),
            want: Err("BadPayload: malformed push payload"),
        },
    ]
}

#[test]
fn webhook_table() {
    for case in cases() {
        let body = (case.body)();
        let h = headers(&case, &body);
        let secret = case.secret.and_then(WebhookSecret::new);
        let got = handle(secret.as_ref(), &h, &body, "main").map_err(|e| match &e {
            WebhookError::Unauthorized { reason } => format!("Unauthorized: {reason}"),
            other => format!("{}: {other}", other.category()),
        });
        let want = case.want.clone().map_err(str::to_string);
        assert_eq!(got, want, "case `{}`", case.name);
    }
}

#[test]
fn tampered_body_is_refused() {
    let secret = WebhookSecret::new(SECRET).unwrap();
    let body = main_push();
    let mut h = HeaderMap::new();
    h.insert("x-github-event", HeaderValue::from_static("push"));
    h.insert(
        "x-hub-signature-256",
        HeaderValue::from_str(&format!("sha256={}", secret.sign_hex(&body))).unwrap(),
    );
    assert!(handle(Some(&secret), &h, &body, "main").is_ok());
    let tampered = push_body(
        "refs/heads/main",
        "1111111111111111111111111111111111111111",
    );
    let err = handle(Some(&secret), &h, &tampered, "main").unwrap_err();
    assert_eq!(err.status_code(), 401);
}

#[test]
fn github_documented_vector() {
    // The example of GitHub's "Validating webhook deliveries".
    let secret = WebhookSecret::new("It's a Secret to Everybody").unwrap();
    assert_eq!(
        secret.sign_hex(b"Hello, World!"),
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    );
    let mut h = HeaderMap::new();
    h.insert(
        "x-hub-signature-256",
        HeaderValue::from_static(
            "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17",
        ),
    );
    assert!(verify(Some(&secret), &h, b"Hello, World!").is_ok());
}

#[test]
fn secret_never_printed() {
    let s = WebhookSecret::new("topsecret").unwrap();
    assert_eq!(format!("{s:?}"), "WebhookSecret(***)");
    assert!(WebhookSecret::new("").is_none());
}
