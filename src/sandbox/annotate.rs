//! Annotations shared by events and superevents: log entries, versioned files, labels and
//! log tags. Handlers decide who may do what; this module only records it.

use rusqlite::{OptionalExtension, params};

use super::blobs::StagedFile;
use super::error::SandboxError;
use super::objects::ObjectKey;
use super::store::Db;
use crate::gps::unix_now;

/// A log entry as stored.
#[derive(Debug, Clone)]
pub struct LogRow {
    /// Per-object number, from 1.
    pub n: i64,
    /// The text.
    pub comment: String,
    /// Who wrote it.
    pub issuer: String,
    /// Unix seconds.
    pub created: i64,
    /// Attached file name, `""` if none.
    pub filename: String,
    /// Attached file version.
    pub file_version: Option<i64>,
    /// Tag names, in the order applied.
    pub tags: Vec<String>,
}

/// A label applied to an object.
#[derive(Debug, Clone)]
pub struct LabelRow {
    /// Label name.
    pub name: String,
    /// Who applied it.
    pub creator: String,
    /// Unix seconds.
    pub created: i64,
}

/// Store a staged upload as the next version of its name on `key`; returns the version.
pub fn store_file(db: &Db<'_>, key: ObjectKey, staged: &StagedFile) -> Result<i64, SandboxError> {
    let version: i64 = db
        .prepare_cached(
            "SELECT COALESCE(MAX(version), -1) + 1 FROM files WHERE kind = ?1 AND object = ?2 AND name = ?3",
        )?
        .query_row(params![key.kind.as_str(), key.id, staged.name], |r| {
            r.get(0)
        })?;
    db.prepare_cached(
        "INSERT INTO files (kind, object, name, version, size) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        key.kind.as_str(),
        key.id,
        staged.name,
        version,
        staged.size as i64
    ])?;
    db.blobs.commit(staged, key, version)?;
    Ok(version)
}

/// The latest version of `name` on `key`, if any.
pub fn latest_version(
    db: &Db<'_>,
    key: ObjectKey,
    name: &str,
) -> Result<Option<i64>, SandboxError> {
    Ok(db
        .prepare_cached(
            "SELECT MAX(version) FROM files WHERE kind = ?1 AND object = ?2 AND name = ?3",
        )?
        .query_row(params![key.kind.as_str(), key.id, name], |r| r.get(0))?)
}

/// Whether version `version` of `name` exists on `key`.
pub fn file_exists(
    db: &Db<'_>,
    key: ObjectKey,
    name: &str,
    version: i64,
) -> Result<bool, SandboxError> {
    Ok(db
        .prepare_cached(
            "SELECT 1 FROM files WHERE kind = ?1 AND object = ?2 AND name = ?3 AND version = ?4",
        )?
        .query_row(
            params![key.kind.as_str(), key.id, name, version],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Every (name, version) on `key`, sorted by name then version.
pub fn files(db: &Db<'_>, key: ObjectKey) -> Result<Vec<(String, i64)>, SandboxError> {
    let mut stmt = db.prepare_cached(
        "SELECT name, version FROM files WHERE kind = ?1 AND object = ?2 ORDER BY name, version",
    )?;
    let rows = stmt.query_map(params![key.kind.as_str(), key.id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Write a log entry, storing its file first if there is one. Returns the new entry.
pub fn write_log(
    db: &Db<'_>,
    key: ObjectKey,
    comment: &str,
    issuer: &str,
    file: Option<&StagedFile>,
) -> Result<LogRow, SandboxError> {
    let n: i64 = db
        .prepare_cached("SELECT COALESCE(MAX(n), 0) + 1 FROM logs WHERE kind = ?1 AND object = ?2")?
        .query_row(params![key.kind.as_str(), key.id], |r| r.get(0))?;
    let (filename, file_version) = match file {
        Some(f) => (f.name.clone(), Some(store_file(db, key, f)?)),
        None => (String::new(), None),
    };
    let created = unix_now();
    db.prepare_cached(
        "INSERT INTO logs (kind, object, n, comment, issuer, created, filename, file_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        key.kind.as_str(),
        key.id,
        n,
        comment,
        issuer,
        created,
        filename,
        file_version
    ])?;
    Ok(LogRow {
        n,
        comment: comment.to_owned(),
        issuer: issuer.to_owned(),
        created,
        filename,
        file_version,
        tags: Vec::new(),
    })
}

/// All log entries of `key`, by number.
pub fn logs(db: &Db<'_>, key: ObjectKey) -> Result<Vec<LogRow>, SandboxError> {
    let mut stmt = db.prepare_cached(
        "SELECT n, comment, issuer, created, filename, file_version FROM logs WHERE kind = ?1 AND object = ?2 ORDER BY n",
    )?;
    let mut rows: Vec<LogRow> = stmt
        .query_map(params![key.kind.as_str(), key.id], log_from_row)?
        .collect::<Result<_, _>>()?;
    let mut tags = db.prepare_cached(
        "SELECT n, tag FROM log_tags WHERE kind = ?1 AND object = ?2 ORDER BY rowid",
    )?;
    for t in tags.query_map(params![key.kind.as_str(), key.id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })? {
        let (n, tag) = t?;
        // Entries are numbered densely from 1, so `n - 1` indexes the list.
        if let Some(row) = rows.get_mut((n - 1) as usize).filter(|r| r.n == n) {
            row.tags.push(tag);
        } else if let Some(row) = rows.iter_mut().find(|r| r.n == n) {
            row.tags.push(tag);
        }
    }
    Ok(rows)
}

/// One log entry of `key`.
pub fn log(db: &Db<'_>, key: ObjectKey, n: i64) -> Result<Option<LogRow>, SandboxError> {
    let row = db
        .prepare_cached(
            "SELECT n, comment, issuer, created, filename, file_version FROM logs WHERE kind = ?1 AND object = ?2 AND n = ?3",
        )?
        .query_row(params![key.kind.as_str(), key.id, n], log_from_row)
        .optional()?;
    let Some(mut row) = row else { return Ok(None) };
    row.tags = log_tags(db, key, n)?;
    Ok(Some(row))
}

fn log_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LogRow> {
    Ok(LogRow {
        n: r.get(0)?,
        comment: r.get(1)?,
        issuer: r.get(2)?,
        created: r.get(3)?,
        filename: r.get(4)?,
        file_version: r.get(5)?,
        tags: Vec::new(),
    })
}

/// The tags on one log entry, in the order applied.
pub fn log_tags(db: &Db<'_>, key: ObjectKey, n: i64) -> Result<Vec<String>, SandboxError> {
    let mut stmt = db.prepare_cached(
        "SELECT tag FROM log_tags WHERE kind = ?1 AND object = ?2 AND n = ?3 ORDER BY rowid",
    )?;
    let rows = stmt.query_map(params![key.kind.as_str(), key.id, n], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A tag's display name, if it exists.
pub fn tag_display_name(db: &Db<'_>, name: &str) -> Result<Option<Option<String>>, SandboxError> {
    Ok(db
        .prepare_cached("SELECT display_name FROM tags WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

/// Tag a log entry, creating the tag on first use (its display name is set only then, as
/// the server does). Returns `false` if the entry already had the tag.
pub fn tag_log(
    db: &Db<'_>,
    key: ObjectKey,
    n: i64,
    tag: &str,
    display_name: Option<&str>,
) -> Result<bool, SandboxError> {
    db.prepare_cached("INSERT OR IGNORE INTO tags (name, display_name) VALUES (?1, ?2)")?
        .execute(params![tag, display_name])?;
    let inserted = db
        .prepare_cached(
            "INSERT OR IGNORE INTO log_tags (kind, object, n, tag) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![key.kind.as_str(), key.id, n, tag])?;
    Ok(inserted == 1)
}

/// Remove a tag from a log entry. Returns `false` if it was not there.
pub fn untag_log(db: &Db<'_>, key: ObjectKey, n: i64, tag: &str) -> Result<bool, SandboxError> {
    let removed = db
        .prepare_cached(
            "DELETE FROM log_tags WHERE kind = ?1 AND object = ?2 AND n = ?3 AND tag = ?4",
        )?
        .execute(params![key.kind.as_str(), key.id, n, tag])?;
    Ok(removed == 1)
}

/// Check a tag name as the server does (`^[0-9a-zA-Z_\-]*$`, at most 100 characters).
pub fn validate_tag_name(name: &str) -> Result<(), SandboxError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if ok {
        Ok(())
    } else {
        // The server says `A-z` where it means `A-Z`; the message is kept verbatim.
        Err(SandboxError::bad_request(
            "Tag names can only include [0-9a-zA-z_-]",
        ))
    }
}

/// The labels on `key`, in the order applied.
pub fn labels(db: &Db<'_>, key: ObjectKey) -> Result<Vec<LabelRow>, SandboxError> {
    let mut stmt = db.prepare_cached(
        "SELECT name, creator, created FROM labels WHERE kind = ?1 AND object = ?2 ORDER BY rowid",
    )?;
    let rows = stmt.query_map(params![key.kind.as_str(), key.id], |r| {
        Ok(LabelRow {
            name: r.get(0)?,
            creator: r.get(1)?,
            created: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The label names on `key`, in the order applied.
pub fn label_names(db: &Db<'_>, key: ObjectKey) -> Result<Vec<String>, SandboxError> {
    Ok(labels(db, key)?.into_iter().map(|l| l.name).collect())
}

/// Apply a label. Returns `false` if it was already applied.
pub fn add_label(
    db: &Db<'_>,
    key: ObjectKey,
    name: &str,
    creator: &str,
) -> Result<bool, SandboxError> {
    let inserted = db
        .prepare_cached(
            "INSERT OR IGNORE INTO labels (kind, object, name, creator, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![key.kind.as_str(), key.id, name, creator, unix_now()])?;
    Ok(inserted == 1)
}

/// Remove a label. Returns `false` if it was not applied.
pub fn remove_label(db: &Db<'_>, key: ObjectKey, name: &str) -> Result<bool, SandboxError> {
    let removed = db
        .prepare_cached("DELETE FROM labels WHERE kind = ?1 AND object = ?2 AND name = ?3")?
        .execute(params![key.kind.as_str(), key.id, name])?;
    Ok(removed == 1)
}
