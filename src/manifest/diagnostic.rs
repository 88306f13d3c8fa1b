//! Diagnostics: what is wrong with a manifest, where, and how to fix it. Every stage (parsing,
//! analysis, planning) adds to one list, so that one `check` reports everything.

use std::fmt;
use std::sync::Arc;

use super::source::{Source, Span};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; the manifest can still run.
    Warning,
    /// The manifest cannot run.
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable identifier of the kind of problem (`unknown-field`, `cycle`, …).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// Where, if it has a place.
    pub span: Option<Span>,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(
        code: &'static str,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: span.into(),
            hint: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(
        code: &'static str,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, span, message)
        }
    }

    /// Add a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Add a hint if there is one.
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

/// The diagnostics of one manifest file.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file they are about.
    pub source: Arc<Source>,
    /// In the order found; sorted by position for display.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Errors and warnings, by position.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.diagnostics.iter().collect();
        v.sort_by_key(|d| (d.span.map_or(usize::MAX, |s| s.offset), d.severity));
        v
    }

    /// One JSON object per diagnostic, for `--format json`.
    pub fn to_json(&self) -> Vec<serde_json::Value> {
        self.sorted()
            .into_iter()
            .map(|d| {
                let (line, column) = d.span.map_or((None, None), |s| {
                    let (l, c) = self.source.line_col(s.offset);
                    (Some(l), Some(c))
                });
                serde_json::json!({
                    "file": self.source.path.display().to_string(),
                    "line": line,
                    "column": column,
                    "severity": d.severity,
                    "code": d.code,
                    "message": d.message,
                    "hint": d.hint,
                })
            })
            .collect()
    }
}

/// A diagnostic made renderable by miette (source snippet, label, hint).
pub struct Rendered {
    diagnostic: Diagnostic,
    source: miette::NamedSource<String>,
}

impl Rendered {
    /// Pair a diagnostic with its file.
    pub fn new(d: &Diagnostic, source: &Source) -> Self {
        Self {
            diagnostic: d.clone(),
            source: miette::NamedSource::new(
                source.path.display().to_string(),
                source.text.clone(),
            ),
        }
    }
}

impl fmt::Debug for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.diagnostic, f)
    }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diagnostic
            .span
            .map(|_| &self.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let span = self.diagnostic.span?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(Some("here".into()), span),
        )))
    }
}

/// "did you mean …?" for `name` among `candidates`, when one is close.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate closest to `name`, when one is close enough to be what was meant. Ties go to
/// the first candidate, so that the answer does not depend on the order of a hash map.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(name, c);
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("create_evnt", ["create_event", "add_label"]).as_deref(),
            Some("did you mean `create_event`?")
        );
        assert_eq!(did_you_mean("zzz", ["create_event"]), None);
    }
}
