//! The one error type of the journal: every variant names the file it is about, and the
//! wording (what went wrong and what to do next) lives here and nowhere else.

use std::path::PathBuf;

/// Why a journal could not be created, read, appended to or locked.
///
/// The exit code for each variant is chosen by the CLI, not here.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading, writing, syncing or truncating a file failed. `path` is the journal, its
    /// directory, or its lock file, whichever the operation was on.
    #[error("i/o error on {}", .path.display())]
    Io {
        /// The file or directory the operation was on.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// [`JournalWriter::create`](super::JournalWriter::create) was given a file that already
    /// holds something.
    #[error(
        "journal {} already exists and is not empty; resume it or choose another --journal",
        .path.display()
    )]
    Exists {
        /// The journal.
        path: PathBuf,
    },

    /// A line other than the last does not parse: the journal was damaged or edited, since a
    /// crash can only tear the last line.
    #[error("{}:{line}: malformed journal record: {message}", .path.display())]
    Malformed {
        /// The journal.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },

    /// The file is empty, its only line is torn, or its first line is not a header.
    #[error(
        "journal {} has no header (it is empty, or its first write was interrupted); \
         delete it or use another --journal",
        .path.display()
    )]
    NoHeader {
        /// The journal.
        path: PathBuf,
    },

    /// The journal was written in an older format that this graceflow no longer reads.
    #[error(
        "journal {} is format {found}, written by graceflow {}; this graceflow reads format \
         {supported}; finish the run with that graceflow or use a new --journal",
        .path.display(), written_by(.tool_version)
    )]
    TooOld {
        /// The journal.
        path: PathBuf,
        /// The format its header declares.
        found: u64,
        /// The format this graceflow reads ([`FORMAT_VERSION`](super::FORMAT_VERSION)).
        supported: u32,
        /// The `tool_version` its header declares, if it has one.
        tool_version: Option<String>,
    },

    /// The journal was written in a newer format than this graceflow reads.
    #[error(
        "journal {} is format {found}, written by graceflow {}; this graceflow reads format \
         {supported}; use a newer graceflow or a new --journal",
        .path.display(), written_by(.tool_version)
    )]
    TooNew {
        /// The journal.
        path: PathBuf,
        /// The format its header declares.
        found: u64,
        /// The format this graceflow reads ([`FORMAT_VERSION`](super::FORMAT_VERSION)).
        supported: u32,
        /// The `tool_version` its header declares, if it has one.
        tool_version: Option<String>,
    },

    /// Another process holds the journal's lock.
    #[error(
        "another graceflow run{} is using journal {}; wait for it or use another --journal",
        holder_pid(.holder), .path.display()
    )]
    Locked {
        /// The journal (not the lock file).
        path: PathBuf,
        /// The holder's process id, as it wrote it into the lock file; `None` if it could
        /// not be read (the holder had not written it yet, or it is not a number).
        holder: Option<u32>,
    },
}

fn written_by(tool_version: &Option<String>) -> &str {
    tool_version.as_deref().unwrap_or("(unknown version)")
}

fn holder_pid(holder: &Option<u32>) -> String {
    match holder {
        Some(pid) => format!(" (pid {pid})"),
        None => String::new(),
    }
}

impl JournalError {
    /// An [`JournalError::Io`] about `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        JournalError::Io {
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    // Every message written out in full, so that a wording change shows up in review.
    #[test]
    fn display_of_every_variant() {
        let path = || PathBuf::from("runs/a.jsonl");
        let cases: Vec<(JournalError, &str)> = vec![
            (
                JournalError::io(path(), std::io::Error::other("disk full")),
                "i/o error on runs/a.jsonl",
            ),
            (
                JournalError::Exists { path: path() },
                "journal runs/a.jsonl already exists and is not empty; resume it or choose \
                 another --journal",
            ),
            (
                JournalError::Malformed {
                    path: path(),
                    line: 7,
                    message: "expected value at line 1 column 1".into(),
                },
                "runs/a.jsonl:7: malformed journal record: expected value at line 1 column 1",
            ),
            (
                JournalError::NoHeader { path: path() },
                "journal runs/a.jsonl has no header (it is empty, or its first write was \
                 interrupted); delete it or use another --journal",
            ),
            (
                JournalError::TooOld {
                    path: path(),
                    found: 0,
                    supported: 1,
                    tool_version: Some("0.0.9".into()),
                },
                "journal runs/a.jsonl is format 0, written by graceflow 0.0.9; this graceflow \
                 reads format 1; finish the run with that graceflow or use a new --journal",
            ),
            (
                JournalError::TooNew {
                    path: path(),
                    found: 2,
                    supported: 1,
                    tool_version: Some("0.3.0".into()),
                },
                "journal runs/a.jsonl is format 2, written by graceflow 0.3.0; this graceflow \
                 reads format 1; use a newer graceflow or a new --journal",
            ),
            (
                JournalError::TooNew {
                    path: path(),
                    found: 2,
                    supported: 1,
                    tool_version: None,
                },
                "journal runs/a.jsonl is format 2, written by graceflow (unknown version); \
                 this graceflow reads format 1; use a newer graceflow or a new --journal",
            ),
            (
                JournalError::Locked {
                    path: path(),
                    holder: Some(4242),
                },
                "another graceflow run (pid 4242) is using journal runs/a.jsonl; wait for it or \
                 use another --journal",
            ),
            (
                JournalError::Locked {
                    path: path(),
                    holder: None,
                },
                "another graceflow run is using journal runs/a.jsonl; wait for it or use \
                 another --journal",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
        }
    }

    #[test]
    fn io_keeps_its_source() {
        let error = JournalError::io("a.jsonl", std::io::Error::other("disk full"));
        assert_eq!(error.source().unwrap().to_string(), "disk full");
    }
}
