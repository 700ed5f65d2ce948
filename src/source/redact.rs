//! Removes credentials from text before it reaches a log, an error or a file.
//!
//! Two rules, applied to every message that mentions a remote: the userinfo
//! of every `scheme://userinfo@host` URL becomes `***`, and every known
//! secret (a token from the environment, a password found in the remote's
//! URL) is replaced by `***` wherever it appears. Pure: no I/O.

/// What replaces a credential.
pub const MASK: &str = "***";

/// Secrets shorter than this are not searched for in free text: replacing
/// every `a` of a message would destroy it, and such a secret is no secret.
const MIN_SECRET_LEN: usize = 3;

/// Replaces the userinfo of every URL in `text` with `***`.
///
/// ```
/// use flotilla::source::redact_userinfo;
/// assert_eq!(
///     redact_userinfo("failed to reach https://bot:ghp_x1@example.com/a.git"),
///     "failed to reach https://***@example.com/a.git"
/// );
/// assert_eq!(redact_userinfo("/srv/git/a.git"), "/srv/git/a.git");
/// assert_eq!(redact_userinfo("git@example.com:a.git"), "git@example.com:a.git");
/// ```
pub fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let authority_start = i + 3;
        out.push_str(&rest[..authority_start]);
        let after = &rest[authority_start..];
        // The authority ends at the path, query, fragment or anything that
        // cannot be part of a URL in a message (space, quote, bracket).
        let end = after
            .find(|c: char| {
                matches!(
                    c,
                    '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>' | '(' | ')'
                ) || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(MASK);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Removes credentials from messages: URL userinfo and known secrets.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor that also masks each of `secrets` (empty ones are skipped).
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut r = Redactor::default();
        for s in secrets {
            r.add(s.into());
        }
        r
    }

    /// Masks `secret` from now on, and its percent-decoded form when it differs.
    pub fn add(&mut self, secret: String) {
        if secret.len() < MIN_SECRET_LEN || self.secrets.contains(&secret) {
            return;
        }
        let decoded = percent_decode(&secret);
        self.secrets.push(secret);
        if let Some(d) = decoded {
            self.add(d);
        }
        // Longest first, so that a secret containing another is masked whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` without URL userinfo and without any known secret.
    pub fn redact(&self, text: &str) -> String {
        let mut out = redact_userinfo(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }
}

/// The user name and password of a URL's userinfo, if it has any.
///
/// ```
/// use flotilla::source::url_userinfo;
/// assert_eq!(
///     url_userinfo("https://bot:tok@example.com/a.git"),
///     Some(("bot".to_string(), Some("tok".to_string())))
/// );
/// assert_eq!(url_userinfo("https://tok@example.com/"), Some(("tok".to_string(), None)));
/// assert_eq!(url_userinfo("https://example.com/a@b"), None);
/// ```
pub fn url_userinfo(url: &str) -> Option<(String, Option<String>)> {
    let start = url.find("://")? + 3;
    let after = &url[start..];
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    let at = authority.rfind('@')?;
    let userinfo = &authority[..at];
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    let decode = |s: &str| percent_decode(s).unwrap_or_else(|| s.to_string());
    Some((decode(user), password.map(decode)))
}

/// The percent-decoded form of `s`, if it has any escape and is valid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    (decoded != s).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Case {
        name: &'static str,
        input: &'static str,
        want: &'static str,
    }

    const CASES: &[Case] = &[
        Case {
            name: "user and password",
            input: "https://u:p4ss@h.example/r.git",
            want: "https://***@h.example/r.git",
        },
        Case {
            name: "token as user",
            input: "clone of https://ghp_abc@h.example failed",
            want: "clone of https://***@h.example failed",
        },
        Case {
            name: "port kept",
            input: "http://u:p@127.0.0.1:8080/r",
            want: "http://***@127.0.0.1:8080/r",
        },
        Case {
            name: "ssh user",
            input: "ssh://git@h.example:22/r.git",
            want: "ssh://***@h.example:22/r.git",
        },
        Case {
            name: "at sign in the path is not userinfo",
            input: "https://h.example/a@b",
            want: "https://h.example/a@b",
        },
        Case {
            name: "two urls, quoted",
            input: "'https://a:b@x/y' and `git://c@z/w`",
            want: "'https://***@x/y' and `git://***@z/w`",
        },
        Case {
            name: "no url",
            input: "nothing here @ all",
            want: "nothing here @ all",
        },
        Case {
            name: "password containing @",
            input: "https://u:p@ss@h/r",
            want: "https://***@h/r",
        },
        Case {
            name: "url at the end",
            input: "remote https://u:p@h",
            want: "remote https://***@h",
        },
        Case {
            name: "non-ascii around",
            input: "é https://ü:ß@h/é",
            want: "é https://***@h/é",
        },
    ];

    #[test]
    fn userinfo_table() {
        for c in CASES {
            assert_eq!(redact_userinfo(c.input), c.want, "case `{}`", c.name);
        }
    }

    #[test]
    fn secrets_masked_anywhere() {
        let r = Redactor::new(["s3cr%2Ft", "x"]);
        assert_eq!(
            r.redact("token s3cr/t and s3cr%2Ft, x stays"),
            "token *** and ***, x stays"
        );
        assert!(format!("{r:?}").contains("secrets: 2"));
    }

    #[test]
    fn userinfo_parts() {
        assert_eq!(
            url_userinfo("https://a%40b:p%3Aq@h/"),
            Some(("a@b".to_string(), Some("p:q".to_string())))
        );
        assert_eq!(url_userinfo("/srv/repo.git"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("abc%4"), None);
    }
}
