//! Seeding the Python `scitokens` issuer key cache, so the official GraceDB client trusts sandbox tokens.
//!
//! The sandbox signs its own SciToken-style JWTs (ES256, P-256 key). The official Python client
//! (`ligo-gracedb` → `igwn-auth-utils` → `scitokens`) only sends a discovered bearer token after it has
//! verified the token's signature with the issuer's public key. It looks that key up in a local sqlite
//! cache first, and otherwise fetches `<iss>/.well-known/openid-configuration` → `jwks_uri`. The fetch is
//! refused for any issuer that is not `https://`, and it needs network access and a trusted certificate.
//! Writing the sandbox's public key into that cache lets the unmodified client verify sandbox tokens with
//! no network access at all.
//!
//! # The cache, as read by the library
//!
//! * Location: `$XDG_CACHE_HOME/scitokens/scitokens_keycache.sqllite` (sic, "sqllite"), else
//!   `~/.cache/scitokens/scitokens_keycache.sqllite`. The library creates the file and the table on first use.
//!   It chooses the location once per process, the first time a token is verified.
//! * One table, `keycache(issuer, expiration, key_id, keydata, next_update)`, with primary key
//!   `(issuer, key_id)`. See [`KEYCACHE_TABLE_SQL`].
//! * `issuer` must equal the token's `iss` claim exactly. `key_id` must equal the JWT header `kid`.
//!   Without a `kid`, the library takes any row for the issuer.
//! * `keydata` is the JSON text `{"pub_key": "<SubjectPublicKeyInfo PEM>"}`. An empty string marks a
//!   "negative" entry, meaning the fetch failed and is not retried until `next_update`.
//! * `expiration` and `next_update` are Unix times in seconds:
//!   * if `expiration <= now`, the row is deleted and the key is fetched again;
//!   * if `next_update < now < expiration`, the library tries a fetch and falls back to the cached key when the fetch fails.
//!
//!   For an `http://` issuer, a fetch always fails at once (`NonHTTPSIssuer`) and no network access is attempted.
//!   An expired row is then replaced by a 300 s negative entry. In that state the client sends no
//!   token on the first request, and its later requests fail with `TypeError: Expecting a PEM-formatted key`.
//!   The row must therefore never expire while the sandbox is in use: see [`KEY_LIFETIME`].
//!
//! Re-seeding overwrites a negative entry for the same `(issuer, key_id)`, which repairs that state at once.

// Format reproduced: scitokens 1.9.7 (`scitokens/utils/keycache.py`: `_initialize_cachedb`, `_addkeyinfo`,
// `getkeyinfo`). The file name, table definition and `{"pub_key": PEM}` keydata are identical in
// scitokens 1.6.2, 1.7.4 and 1.8.1. Verified end to end against ligo-gracedb 2.16.1 / igwn-auth-utils 1.4.0.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use rusqlite::{Connection, params};

/// Directory under the cache home that holds the key cache (scitokens' `keycache_dir`).
pub const CACHE_SUBDIR: &str = "scitokens";

/// File name of the key cache database, with the library's own spelling (`CACHE_FILENAME`).
pub const CACHE_FILENAME: &str = "scitokens_keycache.sqllite";

/// The table definition, character for character as scitokens' `_initialize_cachedb` creates it.
pub const KEYCACHE_TABLE_SQL: &str = "CREATE TABLE keycache (\
issuer text NOT NULL,\
expiration integer NOT NULL,\
key_id text,\
keydata text NOT NULL,\
next_update integer NOT NULL,\
PRIMARY KEY (issuer, key_id))";

/// How long a seeded key stays valid. Both `expiration` and `next_update` are set to now + this value.
///
/// The library's own defaults are 4 days (`cache_lifetime`) and 1 hour (`next_update`). Those values
/// make sense for keys it can download again, but the sandbox key can never be downloaded. If the row
/// expires while the sandbox is in use, the client stops sending the token and then fails (see the
/// module docs). Making `next_update` equal to `expiration` means the library never attempts a
/// refresh, not even one that would fail harmlessly with a logged warning. One year covers any test run
/// or long-lived sandbox. The cost is small: the key only lets this client trust tokens whose `iss` is
/// this sandbox issuer, and every sandbox start re-seeds (and so renews) the row.
pub const KEY_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Failure while seeding the scitokens key cache. Every variant names the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum ScitokensCacheError {
    /// The `scitokens` cache directory could not be created.
    #[error("cannot create scitokens key cache directory {path}")]
    CreateDir {
        /// The directory that could not be created.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Opening, initialising or writing the sqlite database failed.
    #[error("cannot write scitokens key cache {path}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// The underlying sqlite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The key given is not a P-256 public key in SubjectPublicKeyInfo PEM form (`-----BEGIN PUBLIC KEY-----`).
    #[error(
        "cannot seed scitokens key cache {path}: not a P-256 SubjectPublicKeyInfo PEM public key ({reason})"
    )]
    InvalidPublicKey {
        /// The database file that was to be seeded.
        path: PathBuf,
        /// Why the PEM text was rejected.
        reason: String,
    },
}

/// The cache home that the Python `scitokens` library uses, without the `scitokens/` subdirectory.
///
/// This is `$XDG_CACHE_HOME` if it is set, else `$HOME/.cache`. If `HOME` is unset, the home directory
/// comes from the password database, as Python's `os.path.expanduser("~")` does. The result is `None`
/// when `XDG_CACHE_HOME` is set but empty (the library then has no usable cache) or when no home
/// directory is known (an empty `HOME` counts as unknown; Python would use a relative `.cache`). The library's `cache_location` setting, which only a program calling
/// `scitokens.set_config` can change, is not considered; the GraceDB client never sets it.
pub fn default_cache_home() -> Option<PathBuf> {
    // `home_dir` was deprecated (until Rust 1.86) only for Windows quirks; on Unix it is `HOME`, else getpwuid.
    #[allow(deprecated)]
    let fallback_home = || std::env::home_dir().map(PathBuf::into_os_string);
    cache_home_from(
        std::env::var_os("XDG_CACHE_HOME"),
        std::env::var_os("HOME").or_else(fallback_home),
    )
}

/// The pure part of [`default_cache_home`], kept separate so it can be tested without touching the environment.
fn cache_home_from(xdg_cache_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    match xdg_cache_home {
        Some(xdg) if xdg.is_empty() => None,
        Some(xdg) => Some(PathBuf::from(xdg)),
        None => home
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".cache")),
    }
}

/// The key cache database path under `cache_home`: `<cache_home>/scitokens/scitokens_keycache.sqllite`.
pub fn cache_db_path(cache_home: &Path) -> PathBuf {
    cache_home.join(CACHE_SUBDIR).join(CACHE_FILENAME)
}

/// Write (insert or replace) the sandbox issuer's public key into the scitokens key cache under `cache_home`.
///
/// The directory and database are created if needed, with the library's own table definition. The
/// row `(issuer, key_id)` is then upserted as the library's `addkeyinfo` would, with both `expiration`
/// and `next_update` set to now + [`KEY_LIFETIME`]. Other rows are left alone.
///
/// * `cache_home`: usually [`default_cache_home`], or the `XDG_CACHE_HOME` a test gives the client.
/// * `issuer`: exactly the `iss` claim the sandbox puts in its tokens.
/// * `key_id`: exactly the `kid` in the JWT header.
/// * `public_key_pem`: the P-256 public key (`-----BEGIN PUBLIC KEY-----`). It is re-encoded in the
///   same canonical form that Python's `cryptography` produces, so any valid SPKI PEM is accepted.
///
/// Returns the database path. The call is idempotent and safe while a client reads the cache:
/// sqlite locking applies, and the write is a single statement.
///
/// # Errors
///
/// [`ScitokensCacheError::InvalidPublicKey`] if `public_key_pem` is not a P-256 SPKI PEM public key,
/// [`ScitokensCacheError::CreateDir`] if the directory cannot be created, and
/// [`ScitokensCacheError::Database`] if the file cannot be opened as sqlite or written.
pub fn seed_scitokens_cache(
    cache_home: &Path,
    issuer: &str,
    key_id: &str,
    public_key_pem: &str,
) -> Result<PathBuf, ScitokensCacheError> {
    let dir = cache_home.join(CACHE_SUBDIR);
    let db_path = dir.join(CACHE_FILENAME);

    let canonical_pem = p256::PublicKey::from_public_key_pem(public_key_pem.trim())
        .and_then(|key| key.to_public_key_pem(LineEnding::LF))
        .map_err(|e| ScitokensCacheError::InvalidPublicKey {
            path: db_path.clone(),
            reason: e.to_string(),
        })?;

    std::fs::create_dir_all(&dir).map_err(|source| ScitokensCacheError::CreateDir {
        path: dir.clone(),
        source,
    })?;

    let db_err = |source| ScitokensCacheError::Database {
        path: db_path.clone(),
        source,
    };
    let conn = Connection::open(&db_path).map_err(db_err)?;
    // `IF NOT EXISTS` so that concurrent seeders (parallel tests) cannot race. SQLite strips the clause
    // from the stored schema text, so `sqlite_master.sql` is identical to the library's.
    let create_if_missing =
        KEYCACHE_TABLE_SQL.replacen("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1);
    conn.execute_batch(&create_if_missing).map_err(db_err)?;

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let valid_until = i64::try_from((now + KEY_LIFETIME).as_secs()).unwrap_or(i64::MAX);
    conn.execute(
        "INSERT OR REPLACE INTO keycache VALUES(?1, ?2, ?3, ?4, ?5)",
        params![
            issuer,
            valid_until,
            key_id,
            keydata_json(&canonical_pem),
            valid_until
        ],
    )
    .map_err(db_err)?;
    conn.close().map_err(|(_, source)| db_err(source))?;
    Ok(db_path)
}

/// The `keydata` column value, byte-identical to the library's `json.dumps({'pub_key': pem})`.
fn keydata_json(pem: &str) -> String {
    // The PEM text is ASCII, so serde_json's string escaping matches Python's `ensure_ascii` output.
    format!("{{\"pub_key\": {}}}", serde_json::Value::from(pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_public_pem() -> String {
        let secret = p256::SecretKey::random(&mut rand_core::OsRng);
        secret
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap()
    }

    struct Row {
        issuer: String,
        expiration: i64,
        key_id: Option<String>,
        keydata: String,
        next_update: i64,
    }

    fn rows(db: &Path) -> Vec<Row> {
        let conn = Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare("SELECT * FROM keycache ORDER BY key_id")
            .unwrap();
        stmt.query_map([], |r| {
            Ok(Row {
                issuer: r.get("issuer")?,
                expiration: r.get("expiration")?,
                key_id: r.get("key_id")?,
                keydata: r.get("keydata")?,
                next_update: r.get("next_update")?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn now_secs() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    #[test]
    fn seeds_fresh_cache_with_library_schema_and_row_format() {
        let home = tempfile::tempdir().unwrap();
        let pem = new_public_pem();
        let issuer = "http://127.0.0.1:8765/sandbox";

        let db = seed_scitokens_cache(home.path(), issuer, "sandbox-1", &pem).unwrap();
        assert_eq!(
            db,
            home.path()
                .join("scitokens")
                .join("scitokens_keycache.sqllite")
        );
        assert_eq!(db, cache_db_path(home.path()));

        let conn = Connection::open(&db).unwrap();
        let schema: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'keycache'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(schema, KEYCACHE_TABLE_SQL);
        let types: Vec<(String, String)> = conn
            .prepare("SELECT name, type FROM pragma_table_info('keycache') ORDER BY cid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected = [
            ("issuer", "TEXT"),
            ("expiration", "INTEGER"),
            ("key_id", "TEXT"),
            ("keydata", "TEXT"),
            ("next_update", "INTEGER"),
        ];
        let types: Vec<(&str, String)> = types
            .iter()
            .map(|(n, t)| (n.as_str(), t.to_uppercase()))
            .collect();
        assert_eq!(types, expected.map(|(n, t)| (n, t.to_string())));

        let rows = rows(&db);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.issuer, issuer);
        assert_eq!(row.key_id.as_deref(), Some("sandbox-1"));
        let lifetime = KEY_LIFETIME.as_secs() as i64;
        assert!(
            (row.expiration - (now_secs() + lifetime)).abs() <= 5,
            "expiration {}",
            row.expiration
        );
        assert_eq!(row.next_update, row.expiration);

        let keydata: serde_json::Value = serde_json::from_str(&row.keydata).unwrap();
        let object = keydata.as_object().unwrap();
        assert_eq!(object.len(), 1);
        assert_eq!(object["pub_key"].as_str(), Some(pem.as_str()));
        assert!(
            row.keydata
                .starts_with("{\"pub_key\": \"-----BEGIN PUBLIC KEY-----\\n")
        );
        assert!(row.keydata.ends_with("-----END PUBLIC KEY-----\\n\"}"));
    }

    #[test]
    fn upserts_same_key_id_and_keeps_other_rows() {
        let home = tempfile::tempdir().unwrap();
        let issuer = "http://127.0.0.1:8765/sandbox";
        let (old, new, other) = (new_public_pem(), new_public_pem(), new_public_pem());

        seed_scitokens_cache(home.path(), issuer, "a", &old).unwrap();
        seed_scitokens_cache(home.path(), issuer, "b", &other).unwrap();
        // CRLF line endings and surrounding whitespace are normalised to the canonical LF form.
        let db = seed_scitokens_cache(
            home.path(),
            issuer,
            "a",
            &format!("\n{}\n", new.replace('\n', "\r\n")),
        )
        .unwrap();

        let rows = rows(&db);
        assert_eq!(rows.len(), 2);
        let pub_key = |row: &Row| {
            serde_json::from_str::<serde_json::Value>(&row.keydata).unwrap()["pub_key"].clone()
        };
        assert_eq!(rows[0].key_id.as_deref(), Some("a"));
        assert_eq!(pub_key(&rows[0]), new.as_str());
        assert_eq!(rows[1].key_id.as_deref(), Some("b"));
        assert_eq!(pub_key(&rows[1]), other.as_str());
    }

    #[test]
    fn replaces_negative_entry_in_existing_library_database() {
        let home = tempfile::tempdir().unwrap();
        let db = cache_db_path(home.path());
        std::fs::create_dir_all(db.parent().unwrap()).unwrap();
        {
            // What the library leaves after a failed fetch: an empty keydata, retried after 300 s.
            let conn = Connection::open(&db).unwrap();
            conn.execute_batch(KEYCACHE_TABLE_SQL).unwrap();
            let t = now_secs() + 300;
            conn.execute(
                "INSERT INTO keycache VALUES(?1, ?2, ?3, '', ?4)",
                params!["iss", t, "k", t],
            )
            .unwrap();
        }
        seed_scitokens_cache(home.path(), "iss", "k", &new_public_pem()).unwrap();
        let rows = rows(&db);
        assert_eq!(rows.len(), 1);
        assert!(rows[0].keydata.contains("BEGIN PUBLIC KEY"));
    }

    #[test]
    fn rejects_non_public_key_pem() {
        let home = tempfile::tempdir().unwrap();
        let secret = p256::SecretKey::random(&mut rand_core::OsRng);
        let private_pem =
            p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&secret, LineEnding::LF).unwrap();
        for bad in ["", "not a key", private_pem.as_str()] {
            let err = seed_scitokens_cache(home.path(), "iss", "k", bad).unwrap_err();
            assert!(
                matches!(err, ScitokensCacheError::InvalidPublicKey { .. }),
                "{err:?}"
            );
        }
        assert!(!cache_db_path(home.path()).exists());
    }

    #[test]
    fn cache_home_follows_library_rules() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            cache_home_from(os("/x/cache"), os("/home/u")),
            Some(PathBuf::from("/x/cache"))
        );
        assert_eq!(
            cache_home_from(None, os("/home/u")),
            Some(PathBuf::from("/home/u/.cache"))
        );
        assert_eq!(cache_home_from(os(""), os("/home/u")), None);
        assert_eq!(cache_home_from(None, os("")), None);
        assert_eq!(cache_home_from(None, None), None);
    }
}
