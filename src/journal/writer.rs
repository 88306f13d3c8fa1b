//! Appending to a journal, one synced line at a time.
//!
//! Each record is one `write_all` of its JSON and a newline, followed by `sync_data`, so that
//! when [`JournalWriter::append`] returns the record is on disk. The writer does not lock the
//! journal (that is [`JournalLock`](super::JournalLock), held by the caller for the whole
//! run) and does not decide what to write (that is the engine). Its calls block on the disk:
//! async callers should use `spawn_blocking` or a dedicated writer task.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::record::HeaderLine;
use super::{Header, JournalError, Record, reader};

/// An open journal that records are appended to.
#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    file: File,
    /// Set when a write or sync failed: the end of the file is then unknown, so nothing more
    /// is appended; resuming ([`JournalWriter::append_to`]) repairs the tail.
    failed: bool,
}

impl JournalWriter {
    /// Starts a new journal at `path` with `header` as its first line (the writer adds
    /// `"type": "header"` and `"format"`), syncs it and then the directory that holds it.
    ///
    /// An existing empty file is used; an existing non-empty one is refused with
    /// [`JournalError::Exists`] and left untouched.
    pub fn create(path: &Path, header: &Header) -> Result<Self, JournalError> {
        if !header.now_gps.is_finite() {
            // serde_json would write `null`, and the journal could not be read back.
            return Err(JournalError::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("the header's now_gps is not finite: {}", header.now_gps),
                ),
            ));
        }
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| JournalError::io(path, e))?;
        let len = file
            .metadata()
            .map_err(|e| JournalError::io(path, e))?
            .len();
        if len > 0 {
            return Err(JournalError::Exists { path: path.into() });
        }
        let mut writer = JournalWriter {
            path: path.into(),
            file,
            failed: false,
        };
        writer.write_line(&HeaderLine::new(header))?;
        sync_parent_dir(path)?;
        Ok(writer)
    }

    /// Reopens the existing journal at `path` for appending.
    ///
    /// The journal is read and checked first, with the same errors as
    /// [`read`](super::read). If its last line is torn it is cut off (and the cut synced), so
    /// that the next record starts on a line of its own.
    pub fn append_to(path: &Path) -> Result<Self, JournalError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| JournalError::io(path, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| JournalError::io(path, e))?;
        let parsed = reader::parse(path, &bytes)?;
        if parsed.valid_len < bytes.len() as u64 {
            file.set_len(parsed.valid_len)
                .and_then(|()| file.sync_all())
                .map_err(|e| JournalError::io(path, e))?;
        }
        Ok(JournalWriter {
            path: path.into(),
            file,
            failed: false,
        })
    }

    /// Appends `record` and syncs it to disk before returning.
    ///
    /// After a failed append the writer refuses further appends: the run should stop and be
    /// resumed, which repairs a torn tail.
    pub fn append(&mut self, record: &Record) -> Result<(), JournalError> {
        self.append_all(std::slice::from_ref(record))
    }

    /// Appends several records with one write and one sync (group commit): each is on disk
    /// when this returns, and a crash can tear only the last line.
    pub fn append_all(&mut self, records: &[Record]) -> Result<(), JournalError> {
        self.write_lines(records)
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_line(&mut self, value: &impl serde::Serialize) -> Result<(), JournalError> {
        self.write_lines(std::slice::from_ref(value))
    }

    fn write_lines<T: serde::Serialize>(&mut self, values: &[T]) -> Result<(), JournalError> {
        if self.failed {
            return Err(JournalError::io(
                &self.path,
                std::io::Error::other(
                    "an earlier write to this journal failed; stop the run and resume it",
                ),
            ));
        }
        let mut line = Vec::new();
        for value in values {
            serde_json::to_writer(&mut line, value)
                .map_err(|e| JournalError::io(&self.path, e.into()))?;
            line.push(b'\n');
        }
        let written = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            self.failed = true;
            return Err(JournalError::io(&self.path, e));
        }
        Ok(())
    }
}

/// Syncs the directory holding `path`, so that a new file's directory entry survives a crash.
fn sync_parent_dir(path: &Path) -> Result<(), JournalError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let result = File::open(dir).and_then(|d| d.sync_all());
        match result {
            Ok(()) => {}
            // Some filesystems (FUSE, some network mounts) cannot sync a directory; the file
            // itself is synced, which is the best they offer.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported
                ) => {}
            Err(e) => return Err(JournalError::io(dir, e)),
        }
    }
    // Elsewhere a directory cannot be opened as a file; there is nothing to do.
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::OutcomeStatus::{Done, Failed, Skipped};
    use crate::journal::read;
    use crate::journal::record::fixtures::{header, intent, note, outcome};

    fn every_kind() -> Vec<Record> {
        vec![
            note(None, "started"),
            intent("event", None, 1),
            outcome("event", None, 1, Failed),
            intent("skymaps", Some("a.fits.gz"), 2),
            outcome("skymaps", Some("a.fits.gz"), 2, Done),
            outcome("ready", None, 0, Skipped),
            note(Some("skymaps"), "reconciled: found log N=7"),
        ]
    }

    #[test]
    fn round_trip_of_every_record_kind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        let mut writer = JournalWriter::create(&path, &header()).unwrap();
        assert_eq!(writer.path(), path);
        for record in every_kind() {
            writer.append(&record).unwrap();
        }
        drop(writer);

        let journal = read(&path).unwrap();
        // Floats and u64 survive exactly.
        assert_eq!(journal.header, header());
        assert_eq!(journal.records, every_kind());
        assert!(!journal.torn_tail);

        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1 + every_kind().len());
        assert!(text.ends_with('\n'));
        assert!(text.starts_with(r#"{"type":"header","format":1,"#));
    }

    #[test]
    fn create_refuses_a_non_empty_file_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        std::fs::write(&path, "x").unwrap();
        let error = JournalWriter::create(&path, &header()).unwrap_err();
        assert!(matches!(&error, JournalError::Exists { path: p } if *p == path));
        assert_eq!(std::fs::read(&path).unwrap(), b"x");

        // An empty file (touched by a job wrapper, say) is fine.
        std::fs::write(&path, "").unwrap();
        JournalWriter::create(&path, &header()).unwrap();
        assert_eq!(read(&path).unwrap().header, header());
    }

    #[test]
    fn create_refuses_a_non_finite_now() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        let mut bad = header();
        bad.now_gps = f64::NAN;
        let error = JournalWriter::create(&path, &bad).unwrap_err();
        assert!(
            matches!(&error, JournalError::Io { source, .. }
                if source.kind() == std::io::ErrorKind::InvalidInput),
            "{error:?}"
        );
        assert!(!path.exists());
    }

    #[test]
    fn append_to_continues_a_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        let mut writer = JournalWriter::create(&path, &header()).unwrap();
        writer.append(&intent("event", None, 1)).unwrap();
        drop(writer);

        let mut writer = JournalWriter::append_to(&path).unwrap();
        writer.append(&outcome("event", None, 1, Done)).unwrap();
        let journal = read(&path).unwrap();
        assert_eq!(
            journal.records,
            [intent("event", None, 1), outcome("event", None, 1, Done)]
        );
    }

    #[test]
    fn append_to_cuts_a_torn_tail_at_every_byte_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        let mut writer = JournalWriter::create(&path, &header()).unwrap();
        writer.append(&intent("event", None, 1)).unwrap();
        writer.append(&outcome("event", None, 1, Done)).unwrap();
        drop(writer);
        let full = std::fs::read(&path).unwrap();
        let last_start = full[..full.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap()
            + 1;

        for cut in last_start..=full.len() {
            std::fs::write(&path, &full[..cut]).unwrap();
            let mut writer = JournalWriter::append_to(&path).unwrap();
            writer.append(&note(None, "resumed")).unwrap();
            drop(writer);

            let journal = read(&path).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
            assert!(!journal.torn_tail, "cut at {cut}");
            let mut expected = vec![intent("event", None, 1)];
            if cut == full.len() {
                expected.push(outcome("event", None, 1, Done));
            }
            expected.push(note(None, "resumed"));
            assert_eq!(journal.records, expected, "cut at {cut}");
        }
    }

    #[test]
    fn append_to_refuses_what_read_refuses_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.jsonl");
        let newer = "{\"type\":\"header\",\"format\":2}\npartial";
        std::fs::write(&path, newer).unwrap();
        assert!(matches!(
            JournalWriter::append_to(&path).unwrap_err(),
            JournalError::TooNew { found: 2, .. }
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), newer);

        std::fs::write(&path, "").unwrap();
        assert!(matches!(
            JournalWriter::append_to(&path).unwrap_err(),
            JournalError::NoHeader { .. }
        ));

        let absent = dir.path().join("absent.jsonl");
        assert!(matches!(
            JournalWriter::append_to(&absent).unwrap_err(),
            JournalError::Io { .. }
        ));
        assert!(!absent.exists());
    }

    #[test]
    fn create_in_the_current_directory() {
        // A bare file name has an empty parent; the directory synced is ".".
        assert!(sync_parent_dir(Path::new("run.jsonl")).is_ok());
    }
}
