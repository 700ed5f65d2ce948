//! Which repository paths are read: hidden directories and `.flotilla/` never;
//! then the Settings' `roots` (default: everything) minus `exclude` patterns.

use crate::model::kinds::settings::Pattern;

/// A settled path filter.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    roots: Vec<String>,
    exclude: Vec<Pattern>,
}

impl FileFilter {
    /// `roots`: repo-relative directories (empty: the whole tree).
    /// `exclude`: the Settings' patterns over repo-relative paths.
    pub fn new(roots: Vec<String>, exclude: Vec<Pattern>) -> Self {
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
        FileFilter {
            roots: vec!["\0".to_string()],
            exclude: Vec::new(),
        }
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
        self.exclude.iter().any(|p| p.matches(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_hidden_dirs() {
        let f = FileFilter::new(
            vec!["apps".into(), "clusters/".into()],
            vec![Pattern::new("**/tmp").unwrap()],
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
