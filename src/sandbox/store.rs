//! The SQLite database behind the sandbox, and how handlers reach it.
//!
//! One connection, in WAL mode, behind a mutex; every access runs on tokio's blocking pool so
//! that SQLite never blocks the async runtime. Each access is one transaction: a handler's
//! database work and the file renames it implies commit or roll back together.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::blobs::Blobs;
use super::error::SandboxError;

const SCHEMA: &str = include_str!("schema.sql");
const SCHEMA_VERSION: &str = "1";

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed to open or migrate.
    #[error("cannot open the sandbox database {path}: {source}")]
    Database {
        /// The database file.
        path: String,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The file tree could not be created.
    #[error("cannot prepare the sandbox data directory {path}: {source}")]
    Io {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database was written by an incompatible version.
    #[error(
        "the sandbox database {path} has schema version {found}, this graceflow expects {SCHEMA_VERSION}; use another --data directory"
    )]
    Version {
        /// The database file.
        path: String,
        /// The version found.
        found: String,
    },
}

/// The database and the file tree, shared by all handlers.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    blobs: Blobs,
}

/// What a database access sees: the open transaction and the file tree.
pub struct Db<'a> {
    /// The transaction; committed when the access returns `Ok`.
    pub tx: Transaction<'a>,
    /// Where uploaded files live.
    pub blobs: &'a Blobs,
}

impl std::ops::Deref for Db<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.tx
    }
}

impl Store {
    /// Open (creating if needed) the database and file tree under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let io = |source| StoreError::Io {
            path: data_dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let blobs = Blobs::open(data_dir).map_err(io)?;
        let path = data_dir.join("sandbox.sqlite3");
        let db_err = |source| StoreError::Database {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(&path).map_err(db_err)?;
        // WAL with synchronous=NORMAL: a crash of the machine may lose the last commits but
        // never corrupts the database, which is the right trade for a test server.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        )
        .map_err(db_err)?;
        conn.execute_batch(SCHEMA).map_err(db_err)?;
        let found: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .ok();
        match found {
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                    [SCHEMA_VERSION],
                )
                .map_err(db_err)?;
            }
            Some(v) if v == SCHEMA_VERSION => {}
            Some(found) => {
                return Err(StoreError::Version {
                    path: path.display().to_string(),
                    found,
                });
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                blobs,
            }),
        })
    }

    /// The file tree.
    pub fn blobs(&self) -> &Blobs {
        &self.inner.blobs
    }

    /// Run `f` in one transaction on the blocking pool; commit if it returns `Ok`.
    pub async fn run<T, F>(&self, f: F) -> Result<T, SandboxError>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>) -> Result<T, SandboxError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            // A panic in another access poisons the mutex; the connection itself is still
            // consistent (SQLite rolled the transaction back), so keep serving.
            let mut conn = inner.conn.lock().unwrap_or_else(|p| p.into_inner());
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let db = Db {
                tx,
                blobs: &inner.blobs,
            };
            let out = f(&db)?;
            db.tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(SandboxError::internal)?
    }
}
