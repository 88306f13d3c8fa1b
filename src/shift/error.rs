//! The error type of the time-shift transforms: each says which file, where in it (line, and
//! for LIGO_LW tables the table, row and column) and what is wrong.

use std::path::PathBuf;

use thiserror::Error;

use super::PayloadKind;

/// Why a payload could not be shifted. Nothing is written when this is returned.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ShiftError {
    /// Reading the input or writing the output failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, …).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// Auto-detection found no supported payload kind.
    #[error(
        "{file}: not a payload graceflow can shift ({reason}); supported: LIGO_LW XML (plain or gzip), cWB trigger text, JSON with a gpstime key, VOEvent XML"
    )]
    Unrecognised {
        /// The file name.
        file: String,
        /// What the content looks like instead.
        reason: String,
    },

    /// The payload is of a known kind but cannot be read or shifted.
    #[error("{file}: {kind} payload{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Invalid {
        /// The file name.
        file: String,
        /// The payload kind it was read as.
        kind: PayloadKind,
        /// The 1-based line of the problem (of the decompressed text), where known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_of(text: &[u8], offset: usize) -> usize {
    1 + text[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Builds [`ShiftError::Invalid`] values for one file read as one kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) file: &'a str,
    pub(crate) kind: PayloadKind,
    /// The (decompressed) text, for turning byte offsets into lines.
    pub(crate) text: &'a [u8],
}

impl Context<'_> {
    /// An error at byte `offset` of the text.
    pub(crate) fn at(&self, offset: usize, message: impl Into<String>) -> ShiftError {
        ShiftError::Invalid {
            file: self.file.to_owned(),
            kind: self.kind,
            line: Some(line_of(self.text, offset)),
            message: message.into(),
        }
    }

    /// An error about the payload as a whole.
    pub(crate) fn whole(&self, message: impl Into<String>) -> ShiftError {
        ShiftError::Invalid {
            file: self.file.to_owned(),
            kind: self.kind,
            line: None,
            message: message.into(),
        }
    }
}
