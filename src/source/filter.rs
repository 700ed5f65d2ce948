//! Which repository paths are read: hidden directories and `.flotilla/` never;
//! then the Settings' `roots` (default: everything) minus `exclude` patterns.

/// A settled path filter.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    roots: Vec<String>,
    exclude: Vec<String>,
}

impl FileFilter {
    /// `roots`: repo-relative directories (empty: the whole tree).
    /// `exclude`: glob patterns over repo-relative paths (`*`, `**`, `?`).
    pub fn new(roots: Vec<String>, exclude: Vec<String>) -> Self {
        let roots = roots
            .into_iter()
            .map(|r| r.trim_matches('/').to_string())
            .filter(|r| !r.is_empty() && r != ".")
            .collect();
        FileFilter { roots, exclude }
    }

    /// A filter that takes only `flotilla.yaml` at the root (read first, as
    /// its Settings decide the real filter).
    pub fn settings_only() -> Self {
        FileFilter { roots: vec!["\0".to_string()], exclude: Vec::new() }
    }

    /// Whether to descend into the directory at `path` (repo-relative).
    pub fn enter_dir(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        if name.starts_with('.') {
            return false;
        }
        let under_root = self.roots.is_empty()
            || self.roots.iter().any(|r| {
                path == r
                    || path.starts_with(&format!("{r}/"))
                    || r.starts_with(&format!("{path}/"))
            });
        under_root && !self.excluded(path)
    }

    /// Whether to read the file at `path` (repo-relative).
    pub fn take_file(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        if name.starts_with('.') || !super::is_yaml(name) {
            return false;
        }
        // flotilla.yaml at the root is always read: it is the Settings.
        if path == "flotilla.yaml" {
            return true;
        }
        let under_root = self.roots.is_empty()
            || self
                .roots
                .iter()
                .any(|r| path.starts_with(&format!("{r}/")));
        under_root && !self.excluded(path)
    }

    fn excluded(&self, path: &str) -> bool {
        self.exclude
            .iter()
            .any(|p| glob_match(p.trim_start_matches('/'), path))
    }
}

/// Matches `path` against a glob: `*` any run of characters except `/`,
/// `**` any run including `/`, `?` one character except `/`. A pattern
/// without `/` matches the last path component anywhere, as in .gitignore.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    if !pattern.contains('/') {
        return path
            .split('/')
            .any(|component| glob(pattern.as_bytes(), component.as_bytes()));
    }
    let pattern = pattern.trim_end_matches('/');
    glob(pattern.as_bytes(), path.as_bytes())
        || glob(format!("{pattern}/**").as_bytes(), path.as_bytes())
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
            (0..=s.len()).any(|i| glob(rest, &s[i..]))
        }
        Some(b'*') => {
            let mut i = 0;
            loop {
                if glob(&p[1..], &s[i..]) {
                    return true;
                }
                if i == s.len() || s[i] == b'/' {
                    return false;
                }
                i += 1;
            }
        }
        Some(b'?') => s.first().is_some_and(|&c| c != b'/') && glob(&p[1..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && glob(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let cases = [
            ("*.yaml", "a/b/c.yaml", true),
            ("charts", "charts/x/y.yaml", true),
            ("charts/", "charts/x/y.yaml", true),
            ("apps/*/values.yaml", "apps/web/values.yaml", true),
            ("apps/*/values.yaml", "apps/web/x/values.yaml", false),
            ("apps/**/values.yaml", "apps/web/x/values.yaml", true),
            ("apps/**/values.yaml", "apps/values.yaml", true),
            ("a?c", "x/abc", true),
            ("a?c", "x/a/c", false),
            ("docs/**", "docs/a/b.yaml", true),
            ("docs/**", "src/docs/a.yaml", false),
        ];
        for (pattern, path, want) in cases {
            assert_eq!(glob_match(pattern, path), want, "{pattern} vs {path}");
        }
    }

    #[test]
    fn roots_and_hidden_dirs() {
        let f = FileFilter::new(
            vec!["apps".into(), "clusters/".into()],
            vec!["**/tmp".into()],
        );
        assert!(f.enter_dir("apps"));
        assert!(f.enter_dir("apps/web"));
        assert!(!f.enter_dir("other"));
        assert!(!f.enter_dir("apps/.git"));
        assert!(!f.enter_dir("apps/tmp"));
        assert!(f.take_file("apps/web/d.yaml"));
        assert!(f.take_file("flotilla.yaml"));
        assert!(!f.take_file("other/d.yaml"));
        assert!(!f.take_file("apps/web/d.json"));
        let all = FileFilter::default();
        assert!(all.enter_dir("x/y"));
        assert!(!all.enter_dir(".flotilla"));
        assert!(all.take_file("x/y.yml"));
    }
}
