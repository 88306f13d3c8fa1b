//! A manifest's text and name, and spans into it.

use std::path::PathBuf;
use std::sync::Arc;

/// A manifest file's contents, kept so that diagnostics can quote it.
#[derive(Debug)]
pub struct Source {
    /// The path as the user gave it.
    pub path: PathBuf,
    /// The text.
    pub text: String,
}

impl Source {
    /// A source from a path and its text.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            path: path.into(),
            text: text.into(),
        })
    }

    /// Line and column (both from 1) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

/// A byte range in a manifest's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// A span.
    pub fn new(offset: usize, len: usize) -> Self {
        Self { offset, len }
    }

    /// A sub-span at `offset..offset+len` relative to the start of this one, clamped to it.
    pub fn sub(self, offset: usize, len: usize) -> Self {
        let start = self.offset + offset.min(self.len);
        let end = (start + len).min(self.offset + self.len.max(offset + len));
        Self::new(start, end - start)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.offset, s.len).into()
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is in the manifest.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pair a value with its span.
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let s = Source::new("m.yaml", "a: 1\nbé: 2\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(5), (2, 1));
        assert_eq!(s.line_col(9), (2, 4));
    }
}
