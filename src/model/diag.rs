//! Diagnostics: how flotilla reports problems in the user's Git content.
//!
//! A [`Diagnostic`] is data, not an error: a stable [`Code`], a severity, a
//! terse message, the primary location (`path:line:col` in the repository),
//! optional notes pointing at other places, and a help line saying what would
//! be right. Diagnostics are gathered, never short-circuited, so one run
//! reports every problem. Rendering (human, JSON) lives in `render_human` and
//! the `Serialize` impl; nothing here does I/O.

use serde::Serialize;
use std::fmt;

/// How bad a diagnostic is. Errors make a repository invalid; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a repository file. `line` and `col` are 1-based; `col`
/// counts characters, as editors do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub col: u32,
}

impl Location {
    /// The start of a file, for problems that concern the whole file.
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            line: 1,
            col: 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.col)
    }
}

/// A secondary message, optionally at another place ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub message: String,
}

/// Stable diagnostic codes. Every code is documented in `docs/diagnostics.md`
/// with an example; the fixtures under `fixtures/invalid/` exercise each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// A file could not be read.
    Io,
    /// A file is not valid UTF-8.
    NotUtf8,
    /// A file is larger than the per-file limit.
    FileTooLarge,
    /// The repository exceeds a limit (total bytes, number of files or objects).
    RepositoryTooLarge,
    /// A symlink leaves the repository, loops, or dangles.
    BadSymlink,
    /// A path is not a plain relative path inside the repository (`..`, absolute).
    BadPath,
    /// YAML syntax error.
    YamlSyntax,
    /// YAML aliases expand beyond the limit (an "alias bomb").
    AliasLimit,
    /// A document is not a mapping.
    NotAnObject,
    /// A document lacks apiVersion, kind or metadata.name.
    MissingIdentity,
    /// The same key appears twice in one mapping.
    DuplicateKey,
    /// A field that the kind does not define (or flotilla does not support).
    UnknownField,
    /// A value of the wrong type.
    WrongType,
    /// A required field is missing.
    MissingField,
    /// A value outside the allowed set or range.
    InvalidValue,
    /// Two objects with the same apiVersion/kind/namespace/name.
    DuplicateObject,
    /// A label or field selector that cannot be evaluated.
    InvalidSelector,
    /// A JSON patch (or field overrider) path that is not a valid JSON pointer.
    InvalidPatchPath,
    /// A negative weight.
    NegativeWeight,
    /// A PropagationPolicy without resourceSelectors.
    NoResourceSelectors,
    /// A reference to a cluster that no Cluster object defines (warning).
    UnknownCluster,
    /// A cron expression or time zone that cannot be parsed.
    InvalidCron,
    /// An override rule whose targetCluster matches no cluster (warning).
    TargetsNoCluster,
    /// A Karmada field that flotilla does not implement yet.
    UnsupportedField,
    /// A policy that selects objects it can never see (wrong namespace, …).
    IneffectiveSelector,
    /// Settings (`flotilla.yaml`) that cannot be used.
    InvalidSettings,
}

impl Code {
    /// The stable identifier printed with the diagnostic, e.g. `F301`.
    pub fn id(self) -> &'static str {
        match self {
            Code::Io => "F001",
            Code::NotUtf8 => "F002",
            Code::FileTooLarge => "F003",
            Code::RepositoryTooLarge => "F004",
            Code::BadSymlink => "F005",
            Code::BadPath => "F006",
            Code::YamlSyntax => "F101",
            Code::AliasLimit => "F102",
            Code::NotAnObject => "F103",
            Code::MissingIdentity => "F104",
            Code::DuplicateKey => "F105",
            Code::UnknownField => "F201",
            Code::WrongType => "F202",
            Code::MissingField => "F203",
            Code::InvalidValue => "F204",
            Code::DuplicateObject => "F301",
            Code::InvalidSelector => "F302",
            Code::InvalidPatchPath => "F303",
            Code::NegativeWeight => "F304",
            Code::NoResourceSelectors => "F305",
            Code::UnknownCluster => "F306",
            Code::InvalidCron => "F307",
            Code::TargetsNoCluster => "F308",
            Code::UnsupportedField => "F309",
            Code::IneffectiveSelector => "F310",
            Code::InvalidSettings => "F311",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// One problem found in the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            location,
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, location, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, location: Option<Location>, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            location,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into a stable order: by file, line, column, then code.
/// Output must not depend on the order in which files were read.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| (&a.location, a.code, &a.message).cmp(&(&b.location, b.code, &b.message)));
}

/// True when any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

/// Renders one diagnostic for a terminal:
///
/// ```text
/// apps/web.yaml:12:5: error[F201]: unknown field `replica` in `spec`
///   |
/// 12|     replica: 3
///   |     ^
///   = help: did you mean `replicas`?
/// ```
///
/// `source` is the text of the diagnostic's file when available, for the excerpt.
pub fn render_human(d: &Diagnostic, source: Option<&str>) -> String {
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("{}: {}[{}]: {}\n", d.location, sev, d.code.id(), d.message);
    if let Some(line) =
        source.and_then(|s| s.lines().nth(d.location.line.saturating_sub(1) as usize))
    {
        let num = d.location.line.to_string();
        let pad = " ".repeat(num.len());
        let caret_pad: String = line
            .chars()
            .take(d.location.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!("{pad} |\n{num} | {line}\n{pad} | {caret_pad}^\n"));
    }
    for note in &d.notes {
        match &note.location {
            Some(loc) => out.push_str(&format!("  = note: {}: {}\n", loc, note.message)),
            None => out.push_str(&format!("  = note: {}\n", note.message)),
        }
    }
    if let Some(help) = &d.help {
        out.push_str(&format!("  = help: {help}\n"));
    }
    out
}
