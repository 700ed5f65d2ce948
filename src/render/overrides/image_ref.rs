//! Image references as Karmada's `imageparser` reads them: distribution's
//! reference grammar (`[domain/]path[:tag][@digest]`, lowercase paths,
//! digests checked by go-digest with sha256/384/512), then Karmada's own
//! registry split: the part before the first `/` is the registry only when
//! it contains `.` or `:` or is `localhost`. With both a tag and a digest,
//! only the tag is kept.

use crate::model::kinds::override_policy::{is_digest, is_tag};

/// A parsed image reference, split as Karmada's `imageparser` splits it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ImageRef {
    pub hostname: String,
    pub repository: String,
    pub tag: String,
    pub digest: String,
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.hostname.is_empty() {
            write!(f, "{}/", self.hostname)?;
        }
        f.write_str(&self.repository)?;
        if !self.tag.is_empty() {
            write!(f, ":{}", self.tag)
        } else if !self.digest.is_empty() {
            write!(f, "@{}", self.digest)
        } else {
            Ok(())
        }
    }
}

/// distribution's `reference.Parse`, then Karmada's `SplitHostname`.
pub(crate) fn parse(image: &str) -> Result<ImageRef, String> {
    let Some((name, tag, digest)) = split_reference(image) else {
        if image.is_empty() {
            return Err("repository name must have at least one component".into());
        }
        if split_reference(&image.to_lowercase()).is_some() {
            return Err("repository name must be lowercase".into());
        }
        return Err("invalid reference format".into());
    };
    if name.len() > 255 {
        return Err("repository name must not be more than 255 characters".into());
    }
    if let Some(d) = digest {
        validate_digest(d)?;
    }
    let (hostname, repository) = split_hostname(name);
    let mut r = ImageRef {
        hostname: hostname.into(),
        repository: repository.into(),
        ..Default::default()
    };
    match (tag, digest) {
        (Some(t), _) => r.tag = t.into(),
        (None, Some(d)) => r.digest = d.into(),
        (None, None) => {}
    }
    Ok(r)
}

/// Matches `name [":" tag] ["@" digest]`; `None` when the grammar rejects it.
fn split_reference(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let (left, digest) = match s.split_once('@') {
        Some((l, d)) => (l, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        if d.contains('@') || !is_digest(d) {
            return None;
        }
    }
    // A tag cannot contain `/`, and a `:` before the last `/` is a port.
    let (name, tag) = match left.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, Some(t)),
        _ => (left, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) || !is_name(name) {
        return None;
    }
    Some((name, tag, digest))
}

/// `[domain "/"] path-component ("/" path-component)*`.
fn is_name(name: &str) -> bool {
    if is_remote(name) {
        return true;
    }
    match name.split_once('/') {
        Some((domain, rest)) => is_domain(domain) && is_remote(rest),
        None => false,
    }
}

fn is_remote(s: &str) -> bool {
    s.split('/').all(is_path_component)
}

/// `[a-z0-9]+ ( ( [._] | __ | -+ ) [a-z0-9]+ )*`
fn is_path_component(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes: Vec<char> = s.chars().collect();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(*first) || !alnum(*last) {
        return false;
    }
    let mut sep = String::new();
    for &c in &bytes {
        if alnum(c) {
            let ok = sep.is_empty()
                || sep == "."
                || sep == "_"
                || sep == "__"
                || sep.chars().all(|x| x == '-');
            if !ok {
                return false;
            }
            sep.clear();
        } else if matches!(c, '.' | '_' | '-') {
            sep.push(c);
        } else {
            return false;
        }
    }
    true
}

/// `host [":" port]`, host a DNS name or a bracketed IPv6 address.
fn is_domain(s: &str) -> bool {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return false;
        }
        (
            None,
            after
                .strip_prefix(':')
                .map(Some)
                .unwrap_or(if after.is_empty() { None } else { Some("x") }),
        )
    } else {
        match s.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(s), None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = host.is_none_or(|h| {
        h.split('.').all(|c| {
            let cs: Vec<char> = c.chars().collect();
            match (cs.first(), cs.last()) {
                (Some(f), Some(l)) => {
                    f.is_ascii_alphanumeric()
                        && l.is_ascii_alphanumeric()
                        && cs.iter().all(|x| x.is_ascii_alphanumeric() || *x == '-')
                }
                _ => false,
            }
        })
    });
    port_ok && host_ok
}

/// go-digest's `Digest.Validate` with sha256, sha384 and sha512 available.
fn validate_digest(d: &str) -> Result<(), String> {
    let Some((alg, hex)) = d
        .split_once(':')
        .filter(|(a, h)| !a.is_empty() && !h.is_empty())
    else {
        return Err("invalid checksum digest format".into());
    };
    let size = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err("unsupported digest algorithm".into()),
    };
    if hex.len() != size {
        return Err("invalid checksum digest length".into());
    }
    if !hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err("invalid checksum digest format".into());
    }
    Ok(())
}

/// Karmada's `SplitHostname`.
fn split_hostname(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => (host, rest),
        _ => ("", name),
    }
}

impl ImageRef {
    /// `SetTagOrDigest`: whichever grammar `input` fits; otherwise unchanged.
    pub(crate) fn set_tag_or_digest(&mut self, input: &str) {
        if is_tag(input) {
            self.tag = input.into();
            self.digest.clear();
        } else if is_digest(input) {
            self.digest = input.into();
            self.tag.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        type Case = (
            &'static str,
            Result<(&'static str, &'static str, &'static str, &'static str), &'static str>,
        );
        let cases: &[Case] = &[
            ("nginx", Ok(("", "nginx", "", ""))),
            ("nginx:1.27", Ok(("", "nginx", "1.27", ""))),
            ("team/app:v1", Ok(("", "team/app", "v1", ""))),
            ("localhost/app", Ok(("localhost", "app", "", ""))),
            (
                "myregistry.local:5000/team/app:v2",
                Ok(("myregistry.local:5000", "team/app", "v2", "")),
            ),
            (
                "docker.io/library/nginx:1.27",
                Ok(("docker.io", "library/nginx", "1.27", "")),
            ),
            (
                "nginx:1.0@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
                Ok(("", "nginx", "1.0", "")),
            ),
            ("[::1]:5000/app", Ok(("[::1]:5000", "app", "", ""))),
            ("Nginx", Err("repository name must be lowercase")),
            ("", Err("repository name must have at least one component")),
            (
                ".mirror/library/nginx:stable",
                Err("invalid reference format"),
            ),
            ("myregistry.local:5000/:v2", Err("invalid reference format")),
            ("a__b/c--d", Ok(("", "a__b/c--d", "", ""))),
            ("a___b", Err("invalid reference format")),
            ("nginx@sha256:abc", Err("invalid reference format")),
            (
                "nginx@md5:0d17b565c37bcbd895e9d92315a05c1c",
                Err("unsupported digest algorithm"),
            ),
            (
                "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c",
                Err("invalid checksum digest length"),
            ),
        ];
        for (image, want) in cases {
            let got = parse(image).map(|r| (r.hostname, r.repository, r.tag, r.digest));
            let want = want
                .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()));
            assert_eq!(got, want.map_err(String::from), "image {image:?}");
        }
    }
}
