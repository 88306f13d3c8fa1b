//! A token in a file that a renewer keeps replacing: HTCondor's credmon, `htgettoken` in a
//! cron job. [`TokenFile`] re-reads it when it changes or when the token nears expiry.
//!
//! Renewers replace the file by rename, so the path is re-opened each time and no handle is
//! kept: a kept handle would go on reading the old, deleted file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::claims::Claims;
use super::credential::{Credential, CredentialError, CredentialSource};
use super::token::Token;

/// How long before expiry the file is re-read on every request, whether or not it changed,
/// as the official client's `reload_buffer` (client reference §7.8).
pub const DEFAULT_RELOAD_BUFFER: Duration = Duration::from_secs(300);

/// Why a token file cannot be used. Each message names the path, never the contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// Nothing at the path.
    #[error("file {} does not exist", path.display())]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// The file holds only whitespace.
    #[error("file {} is empty", path.display())]
    Empty {
        /// The path.
        path: PathBuf,
    },
    /// A directory or a device.
    #[error("{} is not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// Any other failure to read it.
    #[error("file {} is unreadable: {reason}", path.display())]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// Why, e.g. `permission denied`.
        reason: String,
    },
}

impl FileProblem {
    fn from_io(path: &Path, e: &std::io::Error) -> Self {
        let path = path.to_path_buf();
        match e.kind() {
            std::io::ErrorKind::NotFound => Self::Missing { path },
            std::io::ErrorKind::InvalidData => Self::Unreadable {
                path,
                reason: "it is not UTF-8 text".to_owned(),
            },
            kind => Self::Unreadable {
                path,
                // The kind reads well ("permission denied") where it is known.
                reason: match kind.to_string() {
                    k if k.contains("other") || k.contains("uncategorized") => e.to_string(),
                    k => k,
                },
            },
        }
    }
}

/// What identifies one version of the file without reading it. A rename gives a new inode; an
/// in-place rewrite a new mtime or size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    mtime: Option<std::time::SystemTime>,
    size: u64,
}

impl Identity {
    fn of(m: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Self {
            dev,
            ino,
            mtime: m.modified().ok(),
            size: m.len(),
        }
    }
}

/// The token last read, and what it was read from.
struct Cached {
    token: Token,
    identity: Identity,
    exp: Option<i64>,
    /// Whether the token decodes as a JWT; a half-written file does not.
    jwt: bool,
}

/// The clock a [`TokenFile`] judges expiry by, in Unix seconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// A [`CredentialSource`] reading a bearer token from a file that is renewed while we run.
///
/// Before each request it stats the path and re-reads it if the file is another one (device,
/// inode, mtime or size changed) or if the token is within the reload buffer of its `exp`. If
/// the file cannot be read at that moment or holds no JWT yet (a renewer removing and
/// re-creating it, or writing it in place), the token read before is used until it expires.
pub struct TokenFile {
    path: PathBuf,
    reload_buffer: i64,
    clock: Clock,
    cached: Mutex<Cached>,
}

impl std::fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenFile")
            .field("path", &self.path)
            .field("reload_buffer", &self.reload_buffer)
            .field("expires_at", &self.lock().exp)
            .finish_non_exhaustive()
    }
}

impl TokenFile {
    /// Read the token at `path` now; it is re-read later as the file is renewed.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, FileProblem> {
        let path = path.into();
        let cached = read(&path)?;
        Ok(Self {
            path,
            reload_buffer: DEFAULT_RELOAD_BUFFER.as_secs() as i64,
            clock: Arc::new(crate::gps::unix_now),
            cached: Mutex::new(cached),
        })
    }

    /// Re-read on every request once the token has less than `buffer` left.
    pub fn reload_buffer(mut self, buffer: Duration) -> Self {
        self.reload_buffer = i64::try_from(buffer.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Judge expiry by `clock` instead of the system clock (for tests).
    pub fn clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The path read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The token as last read, without looking at the file.
    pub fn token(&self) -> Token {
        self.lock().token.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Cached> {
        // A panic while holding the lock leaves either the old or the new token, both whole.
        self.cached.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl CredentialSource for TokenFile {
    // A stat per request, and a read when needed, of a small local file: blocking, but
    // shorter than the request's own bookkeeping, as the official client does it.
    fn credential(&self) -> Result<Credential, CredentialError> {
        let now = (self.clock)();
        let mut cached = self.lock();
        let near_expiry = cached
            .exp
            .is_some_and(|exp| exp - now <= self.reload_buffer);
        // Near expiry the file is read even if it looks unchanged: an in-place rewrite of the
        // same size within one mtime tick would otherwise go unnoticed.
        let stale = near_expiry
            || std::fs::metadata(&self.path).map_or(true, |m| Identity::of(&m) != cached.identity);
        if stale {
            // Keep the cached token while it is valid if the file is missing, empty or half
            // written: a renewer may be replacing it in place.
            let valid = cached.jwt && cached.exp.is_none_or(|exp| exp > now);
            match read(&self.path) {
                Ok(fresh) if fresh.jwt || !valid => *cached = fresh,
                Ok(_) => {}
                Err(_) if valid => {}
                Err(problem) => {
                    return Err(CredentialError(format!(
                        "{problem}, and the token read from it before has expired"
                    )));
                }
            }
        }
        Ok(Credential::Bearer(cached.token.clone()))
    }

    fn reload(&self) -> Result<bool, CredentialError> {
        let fresh = read(&self.path)
            .map_err(|p| CredentialError(format!("cannot re-read the token: {p}")))?;
        let mut cached = self.lock();
        let changed = fresh.token != cached.token;
        *cached = fresh;
        Ok(changed)
    }

    fn expires_at(&self) -> Option<i64> {
        self.lock().exp
    }

    fn describe(&self) -> String {
        format!("token file {}", self.path.display())
    }
}

/// Read the token and the identity of the very file read (not of whatever is at the path a
/// moment later).
fn read(path: &Path) -> Result<Cached, FileProblem> {
    let problem = |e: std::io::Error| FileProblem::from_io(path, &e);
    // Checked before opening: opening a FIFO would block.
    if !std::fs::metadata(path).map_err(problem)?.is_file() {
        return Err(FileProblem::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mut file = std::fs::File::open(path).map_err(problem)?;
    let identity = Identity::of(&file.metadata().map_err(problem)?);
    let mut raw = String::new();
    file.read_to_string(&mut raw).map_err(problem)?;
    let token = Token::new(raw);
    if token.is_empty() {
        return Err(FileProblem::Empty {
            path: path.to_path_buf(),
        });
    }
    // A token that does not decode has no known expiry; the claim check reports it.
    let claims = Claims::decode(&token).ok();
    Ok(Cached {
        token,
        identity,
        exp: claims.as_ref().and_then(|c| c.exp),
        jwt: claims.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};

    use serde_json::json;

    use super::super::claims::tests::{NOW, token};
    use super::*;

    /// A token whose claims differ from another's only in `sub`, so that both are the same
    /// length.
    fn tok(sub: &str, exp: i64) -> Token {
        token(json!({"sub": sub, "scope": "gracedb.read", "exp": exp}))
    }

    fn bearer(t: &Token) -> Credential {
        Credential::Bearer(t.clone())
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        path: PathBuf,
        time: Arc<AtomicI64>,
        file: TokenFile,
    }

    fn fixture(first: &Token) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bt_u1000");
        std::fs::write(&path, format!("{}\n", first.expose())).unwrap();
        let time = Arc::new(AtomicI64::new(NOW));
        let t = time.clone();
        let file = TokenFile::open(&path)
            .unwrap()
            .clock(move || t.load(Ordering::SeqCst));
        Fixture {
            _dir: dir,
            path,
            time,
            file,
        }
    }

    /// Rewrite the file in place with the same length and mtime: invisible to the stat.
    fn rewrite_unnoticed(path: &Path, t: &Token) {
        let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
        std::fs::write(path, format!("{}\n", t.expose())).unwrap();
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(mtime).unwrap();
    }

    #[test]
    fn opening_reports_each_problem_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        let missing = p.join("missing");
        assert_eq!(
            TokenFile::open(&missing).unwrap_err(),
            FileProblem::Missing {
                path: missing.clone()
            }
        );
        std::fs::write(p.join("empty"), " \n").unwrap();
        assert_eq!(
            TokenFile::open(p.join("empty")).unwrap_err().to_string(),
            format!("file {} is empty", p.join("empty").display())
        );
        assert_eq!(
            TokenFile::open(p).unwrap_err().to_string(),
            format!("{} is not a regular file", p.display())
        );
        std::fs::write(p.join("binary"), [0xff, 0xfe, 0x00]).unwrap();
        assert_eq!(
            TokenFile::open(p.join("binary")).unwrap_err().to_string(),
            format!(
                "file {} is unreadable: it is not UTF-8 text",
                p.join("binary").display()
            )
        );
        let under_a_file = p.join("binary").join("token");
        assert_eq!(
            TokenFile::open(&under_a_file).unwrap_err().to_string(),
            format!(
                "file {} is unreadable: not a directory",
                under_a_file.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_file_says_permission_denied() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        // root reads anything; the check only means something for other users.
        if std::fs::read(&path).is_err() {
            assert_eq!(
                TokenFile::open(&path).unwrap_err().to_string(),
                format!("file {} is unreadable: permission denied", path.display())
            );
        }
    }

    #[test]
    fn a_renamed_in_file_is_read_at_once() {
        let (a, b) = (tok("a", NOW + 3600), tok("b", NOW + 7200));
        let f = fixture(&a);
        assert_eq!(f.file.credential().unwrap(), bearer(&a));
        assert_eq!(f.file.expires_at(), Some(NOW + 3600));
        let tmp = f.path.with_extension("tmp");
        std::fs::write(&tmp, b.expose()).unwrap();
        std::fs::rename(&tmp, &f.path).unwrap();
        assert_eq!(f.file.credential().unwrap(), bearer(&b));
        assert_eq!(f.file.expires_at(), Some(NOW + 7200));
    }

    #[test]
    fn an_unchanged_file_is_reread_only_near_expiry() {
        let (a, b) = (tok("a", NOW + 1000), tok("b", NOW + 9000));
        let f = fixture(&a);
        rewrite_unnoticed(&f.path, &b);
        // The stat sees the same file, and the token has 1000 s left: the cache answers.
        assert_eq!(f.file.credential().unwrap(), bearer(&a));
        // Within the 300 s buffer the file is read regardless.
        f.time.store(NOW + 701, Ordering::SeqCst);
        assert_eq!(f.file.credential().unwrap(), bearer(&b));
        assert_eq!(f.file.expires_at(), Some(NOW + 9000));
    }

    #[test]
    fn the_reload_buffer_is_configurable() {
        let (a, b) = (tok("a", NOW + 1000), tok("b", NOW + 9000));
        let f = fixture(&a);
        let file = f.file.reload_buffer(Duration::from_secs(1200));
        rewrite_unnoticed(&f.path, &b);
        assert_eq!(file.credential().unwrap(), bearer(&b));
    }

    #[test]
    fn reload_forces_a_read_and_says_whether_the_token_changed() {
        let (a, b) = (tok("a", NOW + 3600), tok("b", NOW + 3600));
        let f = fixture(&a);
        rewrite_unnoticed(&f.path, &b);
        assert_eq!(f.file.reload(), Ok(true));
        assert_eq!(f.file.credential().unwrap(), bearer(&b));
        assert_eq!(f.file.reload(), Ok(false));
        std::fs::remove_file(&f.path).unwrap();
        let e = f.file.reload().unwrap_err();
        assert_eq!(
            e.0,
            format!(
                "cannot re-read the token: file {} does not exist",
                f.path.display()
            )
        );
        // The token read before is kept.
        assert_eq!(f.file.credential().unwrap(), bearer(&b));
    }

    #[test]
    fn a_brief_disappearance_is_survived_while_the_token_is_valid() {
        let (a, b) = (tok("a", NOW + 100), tok("b", NOW + 9000));
        let f = fixture(&a);
        std::fs::remove_file(&f.path).unwrap();
        // Near expiry (100 s left), so the file is looked for, and is not there.
        assert_eq!(f.file.credential().unwrap(), bearer(&a));
        std::fs::write(&f.path, "").unwrap();
        assert_eq!(f.file.credential().unwrap(), bearer(&a));
        // Half written in place: not a JWT yet, so the cached token is kept.
        std::fs::write(&f.path, &b.expose()[..20]).unwrap();
        assert_eq!(f.file.credential().unwrap(), bearer(&a));
        std::fs::write(&f.path, b.expose()).unwrap();
        assert_eq!(f.file.credential().unwrap(), bearer(&b));
        std::fs::write(&f.path, a.expose()).unwrap();
        f.file.reload().unwrap();
        // Once the cached token has expired, the missing file is an error naming it.
        std::fs::remove_file(&f.path).unwrap();
        f.time.store(NOW + 100, Ordering::SeqCst);
        let e = f.file.credential().unwrap_err();
        assert_eq!(
            e.0,
            format!(
                "file {} does not exist, and the token read from it before has expired",
                f.path.display()
            )
        );
        std::fs::write(&f.path, b.expose()).unwrap();
        assert_eq!(f.file.credential().unwrap(), bearer(&b));
    }

    #[test]
    fn nothing_prints_the_token() {
        let a = tok("a", NOW + 3600);
        let f = fixture(&a);
        let text = format!("{:?} {:#?} {}", f.file, f.file, f.file.describe());
        assert!(!text.contains(a.expose()), "{text}");
        assert!(text.contains("bt_u1000"));
        assert_eq!(
            f.file.describe(),
            format!("token file {}", f.path.display())
        );
    }
}
