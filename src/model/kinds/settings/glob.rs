//! A small glob matcher for `exclude` patterns over repository-relative,
//! `/`-separated paths. No dependency: the language is deliberately small.
//!
//! - `*` matches any run of characters except `/`; `?` exactly one character
//!   except `/`; `**` as a whole component matches zero or more components.
//! - A pattern without `/` matches a file or directory name at any depth, as
//!   in `.gitignore` (`*.tmpl.yaml`, `testdata`). A pattern with `/` is
//!   anchored at the repository root; a leading `/` is allowed and ignored.
//! - Matching a directory excludes everything below it (`charts/*` excludes
//!   `charts/web/values.yaml`). A trailing `/` matches directories only.
//!
//! Character classes (`[abc]`), braces and backslashes are rejected rather
//! than silently taken literally.

use super::Error;

/// A compiled exclude pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    comps: Vec<Comp>,
    /// No `/` in the pattern: match one name at any depth.
    floating: bool,
    /// Trailing `/`: only directories (proper ancestors of a path) match.
    dir_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Comp {
    /// `**`
    AnyDirs,
    /// A name with `*` and `?` wildcards.
    Glob(Vec<char>),
}

impl Pattern {
    /// Compiles `text`, or says why it is not a valid pattern.
    pub fn new(text: &str) -> Result<Pattern, Error> {
        let bad = |reason: &str| Error::InvalidPattern {
            pattern: text.to_string(),
            reason: reason.to_string(),
        };
        if text.trim().is_empty() {
            return Err(bad("the pattern is empty"));
        }
        if let Some(c) = text
            .chars()
            .find(|c| matches!(c, '[' | ']' | '{' | '}' | '\\'))
        {
            return Err(bad(&format!(
                "`{c}` is not supported (only `*`, `**` and `?` are)"
            )));
        }
        let dir_only = text.ends_with('/');
        let body = text.strip_suffix('/').unwrap_or(text);
        let body = body.strip_prefix('/').unwrap_or(body);
        if body.is_empty() {
            return Err(bad("the pattern names no path"));
        }
        let floating = !text.trim_end_matches('/').contains('/') && body != "**";
        let mut comps = Vec::new();
        for part in body.split('/') {
            match part {
                "" => return Err(bad("empty path component (`//`)")),
                "." | ".." => return Err(bad(
                    "`.` and `..` are not allowed; patterns are relative to the repository root",
                )),
                "**" => comps.push(Comp::AnyDirs),
                p if p.contains("**") => {
                    return Err(bad("`**` must be a whole path component, as in `a/**/b`"))
                }
                p => comps.push(Comp::Glob(p.chars().collect())),
            }
        }
        Ok(Pattern {
            text: text.to_string(),
            comps,
            floating,
            dir_only,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` (repository-relative, `/`-separated) or one of its
    /// ancestor directories matches.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        // The last component is the path itself; directories-only patterns
        // may only match its ancestors.
        let candidates = if self.dir_only {
            parts.len().saturating_sub(1)
        } else {
            parts.len()
        };
        if self.floating {
            return match self.comps.first() {
                Some(Comp::Glob(g)) => parts.iter().take(candidates).any(|p| glob_component(g, p)),
                _ => false,
            };
        }
        // dp[j]: the pattern consumed so far matches parts[..j].
        let n = parts.len();
        let mut dp = vec![false; n + 1];
        dp[0] = true;
        for comp in &self.comps {
            let mut next = vec![false; n + 1];
            match comp {
                Comp::AnyDirs => {
                    let mut reachable = false;
                    for j in 0..=n {
                        reachable |= dp[j];
                        next[j] = reachable;
                    }
                }
                Comp::Glob(g) => {
                    for j in 1..=n {
                        next[j] = dp[j - 1] && glob_component(g, parts[j - 1]);
                    }
                }
            }
            dp = next;
        }
        // A match on any prefix of at least one component: the path itself or
        // an ancestor directory.
        dp.iter()
            .enumerate()
            .skip(1)
            .take(candidates)
            .any(|(_, m)| *m)
    }
}

/// Wildcard match of one path component: `*` any run, `?` one character.
/// Linear backtracking on the last `*`, so no pattern is exponential.
fn glob_component(pattern: &[char], name: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while s < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, s));
                p += 1;
            }
            Some(c) if *c == '?' || Some(c) == name.get(s) => {
                p += 1;
                s += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    p = sp + 1;
                    s = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        let cases: &[(&str, &str, bool)] = &[
            ("*.tmpl.yaml", "apps/web/deploy.tmpl.yaml", true),
            ("*.tmpl.yaml", "deploy.tmpl.yaml", true),
            ("*.tmpl.yaml", "deploy.yaml", false),
            ("testdata", "apps/testdata/x.yaml", true),
            ("testdata", "apps/testdata", true),
            ("testdata", "apps/mytestdata/x.yaml", false),
            ("charts/*", "charts/web/values.yaml", true),
            ("charts/*", "charts", false),
            ("charts/*", "apps/charts/web.yaml", false),
            ("/charts", "charts/web.yaml", true),
            ("apps/*/secret.yaml", "apps/web/secret.yaml", true),
            ("apps/*/secret.yaml", "apps/web/v1/secret.yaml", false),
            ("apps/**/secret.yaml", "apps/web/v1/secret.yaml", true),
            ("apps/**/secret.yaml", "apps/secret.yaml", true),
            ("**/drafts", "a/b/drafts/c.yaml", true),
            ("**/drafts", "drafts/c.yaml", true),
            ("**", "anything/at/all.yaml", true),
            ("a/**", "a/b.yaml", true),
            ("a/**", "ab/c.yaml", false),
            ("env-?.yaml", "env-a.yaml", true),
            ("env-?.yaml", "env-ab.yaml", false),
            ("env-?.yaml", "env-/.yaml", false),
            ("*", "x.yaml", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("vendor/", "vendor/x.yaml", true),
            ("vendor/", "vendor", false),
            ("vendor/", "a/vendor", false),
            ("docs/", "docs/x.yaml", true),
            ("é?", "a/éé/b", true),
        ];
        for (pattern, path, want) in cases {
            let p = Pattern::new(pattern).expect(pattern);
            assert_eq!(p.matches(path), *want, "pattern `{pattern}` on `{path}`");
        }
    }

    #[test]
    fn invalid_patterns() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("  ", "empty"),
            ("/", "names no path"),
            ("a//b", "empty path component"),
            ("../x", "`..`"),
            ("a/./b", "`.`"),
            ("a**", "whole path component"),
            ("[ab].yaml", "`[` is not supported"),
            ("{a,b}", "`{` is not supported"),
            ("a\\b", "`\\` is not supported"),
        ];
        for (pattern, want) in cases {
            let err = Pattern::new(pattern).expect_err(pattern).to_string();
            assert!(
                err.contains(want),
                "pattern `{pattern}`: `{err}` lacks `{want}`"
            );
        }
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let p = Pattern::new(&"*a".repeat(50)).expect("valid");
        assert!(!p.matches(&"a".repeat(49)));
    }
}
