//! Reading a journal back: the header's format check, the torn-tail rule, and the questions
//! resume asks (what finished, what is in doubt, how many attempts so far).
//!
//! The reader tolerates exactly one kind of damage, the one a crash causes: a last line that
//! is incomplete (no trailing newline) or does not parse. Anything wrong before the last
//! line is an error naming the line, because a silently skipped intent could mean a
//! duplicate write.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use super::{FORMAT_VERSION, Header, Intent, JournalError, Outcome, Record};

/// A journal as read from disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Journal {
    /// The first line.
    pub header: Header,
    /// Every record after the header, in file order, without a torn last line.
    pub records: Vec<Record>,
    /// Whether the last line was torn (a crash mid-write) and was ignored.
    pub torn_tail: bool,
}

/// Reads the journal at `path`.
///
/// A torn last line is ignored and reported in [`Journal::torn_tail`]. Errors: the file
/// cannot be read ([`JournalError::Io`]); it is empty or holds only a torn line
/// ([`JournalError::NoHeader`]); its format is not [`FORMAT_VERSION`]
/// ([`JournalError::TooOld`], [`JournalError::TooNew`]); a line before the last does not
/// parse ([`JournalError::Malformed`]).
pub fn read(path: &Path) -> Result<Journal, JournalError> {
    let bytes = std::fs::read(path).map_err(|e| JournalError::io(path, e))?;
    parse(path, &bytes).map(|parsed| parsed.journal)
}

/// A parsed journal and the length of its valid prefix: everything but a torn last line.
pub(crate) struct Parsed {
    pub(crate) journal: Journal,
    pub(crate) valid_len: u64,
}

/// One line of the file: its bytes without the newline, where it ends (newline included),
/// and whether it had a newline.
struct Line<'a> {
    text: &'a [u8],
    end: usize,
    terminated: bool,
}

fn lines(bytes: &[u8]) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(n) => {
                lines.push(Line {
                    text: &bytes[start..start + n],
                    end: start + n + 1,
                    terminated: true,
                });
                start += n + 1;
            }
            None => {
                lines.push(Line {
                    text: &bytes[start..],
                    end: bytes.len(),
                    terminated: false,
                });
                start = bytes.len();
            }
        }
    }
    lines
}

/// Parses a whole journal held in memory; `path` is only for errors.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Parsed, JournalError> {
    let lines = lines(bytes);
    let last = lines.len().saturating_sub(1);
    let no_header = || JournalError::NoHeader { path: path.into() };

    let Some(first) = lines.first() else {
        return Err(no_header());
    };
    // The only line, torn: the run died writing its header, so nothing was ever sent.
    if !first.terminated {
        return Err(no_header());
    }
    let header = match parse_header(path, first.text) {
        Ok(header) => header,
        Err(HeaderError::Fatal(e)) => return Err(e),
        Err(HeaderError::NotHeader) => return Err(no_header()),
        Err(HeaderError::Unparsable(_)) if last == 0 => return Err(no_header()),
        Err(HeaderError::Unparsable(message)) => {
            return Err(JournalError::Malformed {
                path: path.into(),
                line: 1,
                message,
            });
        }
    };

    let mut records = Vec::with_capacity(last);
    let mut valid_len = first.end;
    let mut torn_tail = false;
    for (index, line) in lines.iter().enumerate().skip(1) {
        let parsed = if line.terminated {
            parse_record(line.text)
        } else {
            Err("the line has no newline".to_owned())
        };
        match parsed {
            Ok(record) => {
                records.push(record);
                valid_len = line.end;
            }
            // Only the last line can be torn by a crash; `lines` puts an unterminated line last.
            Err(_) if index == last => torn_tail = true,
            Err(message) => {
                return Err(JournalError::Malformed {
                    path: path.into(),
                    line: index + 1,
                    message,
                });
            }
        }
    }

    Ok(Parsed {
        journal: Journal {
            header,
            records,
            torn_tail,
        },
        valid_len: valid_len as u64,
    })
}

enum HeaderError {
    /// A format this graceflow does not read: reported whatever else is in the file.
    Fatal(JournalError),
    /// A JSON object whose `type` is not `header`.
    NotHeader,
    /// Not a JSON object, or a header with missing or mistyped fields.
    Unparsable(String),
}

fn parse_header(path: &Path, text: &[u8]) -> Result<Header, HeaderError> {
    let value: Value =
        serde_json::from_slice(text).map_err(|e| HeaderError::Unparsable(e.to_string()))?;
    let Value::Object(object) = &value else {
        return Err(HeaderError::Unparsable("not a JSON object".into()));
    };
    if object.get("type").and_then(Value::as_str) != Some("header") {
        return Err(HeaderError::NotHeader);
    }
    // The format is checked before any other field, which a newer format may have changed.
    let Some(found) = object.get("format").and_then(Value::as_u64) else {
        return Err(HeaderError::Unparsable(
            "the header has no format version".into(),
        ));
    };
    let tool_version = object
        .get("tool_version")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let supported = FORMAT_VERSION;
    if found < u64::from(supported) {
        return Err(HeaderError::Fatal(JournalError::TooOld {
            path: path.into(),
            found,
            supported,
            tool_version,
        }));
    }
    if found > u64::from(supported) {
        return Err(HeaderError::Fatal(JournalError::TooNew {
            path: path.into(),
            found,
            supported,
            tool_version,
        }));
    }
    // `type` and `format` are not `Header` fields, and unknown fields are ignored.
    serde_json::from_value(value).map_err(|e| HeaderError::Unparsable(format!("header: {e}")))
}

fn parse_record(text: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(text).map_err(|e| {
        // serde's "unknown variant `header`" would not say what is wrong.
        let is_header = serde_json::from_slice::<Value>(text)
            .ok()
            .and_then(|v| v.get("type").and_then(Value::as_str).map(|t| t == "header"))
            .unwrap_or(false);
        if is_header {
            "a second header; a journal holds one run".to_owned()
        } else {
            e.to_string()
        }
    })
}

/// The key resume matches records on: step, item, attempt.
type Key<'a> = (&'a str, Option<&'a str>, u32);

impl Journal {
    /// Every outcome, in file order.
    pub fn outcomes(&self) -> impl Iterator<Item = &Outcome> {
        self.records.iter().filter_map(|record| match record {
            Record::Outcome(outcome) => Some(outcome),
            _ => None,
        })
    }

    /// Every intent, in file order.
    pub fn intents(&self) -> impl Iterator<Item = &Intent> {
        self.records.iter().filter_map(|record| match record {
            Record::Intent(intent) => Some(intent),
            _ => None,
        })
    }

    /// The last outcome recorded for (`step`, `item`), whatever its attempt or status.
    pub fn latest_outcome(&self, step: &str, item: Option<&str>) -> Option<&Outcome> {
        self.outcomes()
            .filter(|o| o.step == step && o.item.as_deref() == item)
            .last()
    }

    /// The intents with no outcome after them for the same (step, item, attempt), in file
    /// order: writes that may or may not have reached the server.
    ///
    /// An intent stays in doubt until an outcome for *its* attempt is recorded, even if a
    /// later attempt finished. So when reconciliation settles an in-doubt attempt, the
    /// engine records an outcome for that attempt (`done` with what it found, or `failed`
    /// if nothing was found) before it writes the next attempt's intent.
    pub fn in_doubt(&self) -> Vec<&Intent> {
        // Walk backwards so that "an outcome after it" is "an outcome already seen".
        let mut answered: HashSet<Key<'_>> = HashSet::new();
        let mut doubtful = Vec::new();
        for record in self.records.iter().rev() {
            match record {
                Record::Outcome(o) => {
                    answered.insert((&o.step, o.item.as_deref(), o.attempt));
                }
                Record::Intent(i) => {
                    if !answered.contains(&(i.step.as_str(), i.item.as_deref(), i.attempt)) {
                        doubtful.push(i);
                    }
                }
                Record::Note(_) => {}
            }
        }
        doubtful.reverse();
        doubtful
    }

    /// How many intents (attempts at the write) have been recorded for (`step`, `item`); the
    /// next attempt is this plus one.
    pub fn attempts(&self, step: &str, item: Option<&str>) -> u32 {
        let n = self
            .intents()
            .filter(|i| i.step == step && i.item.as_deref() == item)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::JournalWriter;
    use crate::journal::OutcomeStatus::{Done, Failed, Skipped};
    use crate::journal::record::fixtures::{header, intent, note, outcome};

    fn write(dir: &tempfile::TempDir, records: &[Record]) -> std::path::PathBuf {
        let path = dir.path().join("run.jsonl");
        let mut writer = JournalWriter::create(&path, &header()).unwrap();
        for record in records {
            writer.append(record).unwrap();
        }
        path
    }

    fn write_bytes(dir: &tempfile::TempDir, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join("run.jsonl");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn header_line(format: u64) -> String {
        format!(
            r#"{{"type":"header","format":{format},"tool_version":"9.9.9","manifest":"m.yaml","manifest_sha256":"ab","name":"n","server":"s","vars":{{}},"now_gps":1.0,"seed":1,"started":"2026-01-01T00:00:00Z"}}"#
        )
    }

    const NOTE: &str =
        r#"{"type":"note","step":null,"item":null,"at":"2026-01-01T00:00:00Z","message":"m"}"#;

    #[test]
    fn torn_last_line_is_ignored_at_every_byte_offset() {
        let dir = tempfile::tempdir().unwrap();
        let records = [
            intent("event", None, 1),
            outcome("event", None, 1, Done),
            intent("skymaps", Some("a.fits.gz"), 1),
        ];
        let path = write(&dir, &records);
        let full = std::fs::read(&path).unwrap();
        let last_start = full[..full.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap()
            + 1;

        // Cut exactly at a line boundary: nothing is torn.
        std::fs::write(&path, &full[..last_start]).unwrap();
        let journal = read(&path).unwrap();
        assert_eq!(journal.records, records[..2]);
        assert!(!journal.torn_tail);

        // Cut anywhere inside the last line, its newline included.
        for cut in last_start + 1..full.len() {
            std::fs::write(&path, &full[..cut]).unwrap();
            let journal = read(&path).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
            assert_eq!(journal.records, records[..2], "cut at {cut}");
            assert!(journal.torn_tail, "cut at {cut}");
            assert_eq!(journal.header, header());
        }

        std::fs::write(&path, &full).unwrap();
        let journal = read(&path).unwrap();
        assert_eq!(journal.records, records);
        assert!(!journal.torn_tail);
    }

    #[test]
    fn unparsable_last_line_with_a_newline_is_torn() {
        // A crash can leave the file extended with zeros on some filesystems.
        let dir = tempfile::tempdir().unwrap();
        for tail in [
            &b"\0\0\0\0\n"[..],
            b"\0\0\0",
            b"{\"type\":\"intent\"}\n",
            b"\n",
        ] {
            let mut bytes = format!("{}\n{NOTE}\n", header_line(1)).into_bytes();
            bytes.extend_from_slice(tail);
            let journal = read(&write_bytes(&dir, &bytes)).unwrap();
            assert_eq!(journal.records.len(), 1);
            assert!(journal.torn_tail, "{tail:?}");
        }
    }

    #[test]
    fn malformed_middle_line_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = format!("{}\n{NOTE}\n{{\"type\":\"note\",\n{NOTE}\n", header_line(1));
        let path = write_bytes(&dir, bytes.as_bytes());
        match read(&path).unwrap_err() {
            JournalError::Malformed {
                path: p,
                line,
                message,
            } => {
                assert_eq!((p, line), (path, 3));
                assert!(message.contains("EOF"), "{message}");
            }
            other => panic!("{other:?}"),
        }

        // A torn line that was appended to without repair, then followed by more.
        let bytes = format!(
            "{}\n{NOTE}\n{{\"type\":\"no{NOTE}\n{NOTE}\n",
            header_line(1)
        );
        let path = write_bytes(&dir, bytes.as_bytes());
        assert!(matches!(
            read(&path).unwrap_err(),
            JournalError::Malformed { line: 3, .. }
        ));
    }

    #[test]
    fn unknown_record_kind_and_second_header_are_malformed() {
        let dir = tempfile::tempdir().unwrap();
        let kind = r#"{"type":"checkpoint","at":"x"}"#;
        let bytes = format!("{}\n{kind}\n{NOTE}\n", header_line(1));
        let error = read(&write_bytes(&dir, bytes.as_bytes())).unwrap_err();
        let JournalError::Malformed { line, message, .. } = error else {
            panic!("{error:?}")
        };
        assert_eq!(line, 2);
        assert!(
            message.starts_with("unknown variant `checkpoint`"),
            "{message}"
        );

        let bytes = format!("{}\n{}\n{NOTE}\n", header_line(1), header_line(1));
        let error = read(&write_bytes(&dir, bytes.as_bytes())).unwrap_err();
        let JournalError::Malformed { line, message, .. } = error else {
            panic!("{error:?}")
        };
        assert_eq!(line, 2);
        assert_eq!(message, "a second header; a journal holds one run");
    }

    #[test]
    fn unknown_fields_are_tolerated() {
        let dir = tempfile::tempdir().unwrap();
        let header = header_line(1).replace(r#""seed":1,"#, r#""seed":1,"host":"node7","#);
        let note = NOTE.replace(r#""message":"m""#, r#""message":"m","level":"info""#);
        let bytes = format!("{header}\n{note}\n");
        let journal = read(&write_bytes(&dir, bytes.as_bytes())).unwrap();
        assert_eq!(journal.header.seed, 1);
        assert_eq!(journal.records, [note_record("m")]);
    }

    fn note_record(message: &str) -> Record {
        Record::Note(crate::journal::Note {
            step: None,
            item: None,
            at: "2026-01-01T00:00:00Z".into(),
            message: message.into(),
            data: None,
        })
    }

    #[test]
    fn other_formats_are_refused_before_anything_else_is_read() {
        let dir = tempfile::tempdir().unwrap();
        // The rest of a newer journal may not parse; the format error comes first.
        let bytes = format!("{}\nnot json\nnot json\n", header_line(2));
        let path = write_bytes(&dir, bytes.as_bytes());
        let error = read(&path).unwrap_err();
        assert!(
            matches!(&error, JournalError::TooNew { found: 2, supported: 1, tool_version, .. }
                if tool_version.as_deref() == Some("9.9.9")),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "journal {} is format 2, written by graceflow 9.9.9; this graceflow reads \
                 format 1; use a newer graceflow or a new --journal",
                path.display()
            )
        );

        let path = write_bytes(&dir, format!("{}\n", header_line(0)).as_bytes());
        let error = read(&path).unwrap_err();
        assert!(
            matches!(
                error,
                JournalError::TooOld {
                    found: 0,
                    supported: 1,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "journal {} is format 0, written by graceflow 9.9.9; this graceflow reads \
                 format 1; finish the run with that graceflow or use a new --journal",
                path.display()
            )
        );
    }

    #[test]
    fn no_header() {
        let dir = tempfile::tempdir().unwrap();
        let full = header_line(1);
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            // The only line, torn anywhere (even just before its newline).
            full.as_bytes()[..10].to_vec(),
            full.as_bytes().to_vec(),
            // The only line, complete but not a header.
            format!("{NOTE}\n").into_bytes(),
            // A first line that is not a header, followed by records.
            format!("{NOTE}\n{NOTE}\n").into_bytes(),
        ];
        for bytes in cases {
            let path = write_bytes(&dir, &bytes);
            let error = read(&path).unwrap_err();
            assert!(
                matches!(error, JournalError::NoHeader { .. }),
                "{:?}: {error:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn garbage_first_line_followed_by_more_is_malformed() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_bytes(&dir, format!("hello\n{NOTE}\n").as_bytes());
        assert!(matches!(
            read(&path).unwrap_err(),
            JournalError::Malformed { line: 1, .. }
        ));
    }

    #[test]
    fn missing_file_is_io() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.jsonl");
        let error = read(&path).unwrap_err();
        assert!(
            matches!(&error, JournalError::Io { path: p, source }
                if *p == path && source.kind() == std::io::ErrorKind::NotFound),
            "{error:?}"
        );
    }

    fn journal(records: Vec<Record>) -> Journal {
        Journal {
            header: header(),
            records,
            torn_tail: false,
        }
    }

    #[test]
    fn resume_questions_with_several_attempts_and_items() {
        let a = Some("a.fits.gz");
        let b = Some("b.fits.gz");
        let j = journal(vec![
            // event: failed once, then done.
            intent("event", None, 1),
            outcome("event", None, 1, Failed),
            intent("event", None, 2),
            outcome("event", None, 2, Done),
            // skymaps[a]: in doubt after a crash, reconciled (not found), sent again, done.
            intent("skymaps", a, 1),
            note(Some("skymaps"), "resumed"),
            outcome("skymaps", a, 1, Failed),
            intent("skymaps", a, 2),
            outcome("skymaps", a, 2, Done),
            // skymaps[b]: failed once, the second attempt is in doubt.
            intent("skymaps", b, 1),
            outcome("skymaps", b, 1, Failed),
            intent("skymaps", b, 2),
            // An outcome before its intent does not answer it (only later ones do).
            outcome("ready", None, 1, Done),
            intent("ready", None, 1),
            // A step skipped without any intent.
            outcome("summary", None, 0, Skipped),
        ]);

        let doubt: Vec<_> = j
            .in_doubt()
            .into_iter()
            .map(|i| (i.step.as_str(), i.item.as_deref(), i.attempt))
            .collect();
        assert_eq!(doubt, [("skymaps", b, 2), ("ready", None, 1)]);

        let latest = |step, item| j.latest_outcome(step, item).map(|o| (o.attempt, o.status));
        assert_eq!(latest("event", None), Some((2, Done)));
        assert_eq!(latest("skymaps", a), Some((2, Done)));
        assert_eq!(latest("skymaps", b), Some((1, Failed)));
        assert_eq!(latest("skymaps", None), None);
        assert_eq!(latest("summary", None), Some((0, Skipped)));
        assert_eq!(latest("nope", None), None);

        assert_eq!(j.attempts("event", None), 2);
        assert_eq!(j.attempts("skymaps", a), 2);
        assert_eq!(j.attempts("skymaps", b), 2);
        assert_eq!(j.attempts("skymaps", Some("c.fits.gz")), 0);
        assert_eq!(j.attempts("summary", None), 0);

        assert_eq!(j.outcomes().count(), 7);
        assert_eq!(j.intents().count(), 7);
    }

    #[test]
    fn an_intent_stays_in_doubt_until_its_own_attempt_is_answered() {
        let j = journal(vec![
            intent("event", None, 1),
            intent("event", None, 2),
            outcome("event", None, 2, Done),
        ]);
        let doubt: Vec<u32> = j.in_doubt().iter().map(|i| i.attempt).collect();
        assert_eq!(doubt, [1]);
    }
}
