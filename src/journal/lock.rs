//! One run per journal: an exclusive advisory lock on `<journal>.lock`, held for the life of
//! the run.
//!
//! The lock is the operating system's (`flock` on Unix), so a crashed run releases it with
//! its process and a stale lock file is simply reused. The holder's pid is written into the
//! file only for the error message of whoever finds it locked. This module does not read or
//! write the journal itself.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::JournalError;

/// How many times to retry when the previous holder removes the lock file between our open
/// and our lock; more than a handful would mean something else is deleting it.
const OPEN_ATTEMPTS: usize = 16;

/// The lock on one journal. Dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct JournalLock {
    path: PathBuf,
    file: File,
}

impl JournalLock {
    /// Takes the lock of the journal at `journal` without waiting, creating
    /// `<journal>.lock` if needed and writing this process's pid into it.
    ///
    /// Fails with [`JournalError::Locked`] (naming the holder's pid when it can be read) if
    /// another process holds it.
    pub fn acquire(journal: &Path) -> Result<JournalLock, JournalError> {
        let path = lock_path(journal);
        for _ in 0..OPEN_ATTEMPTS {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| JournalError::io(&path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(JournalError::Locked {
                        path: journal.into(),
                        holder: read_pid(&mut file),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(JournalError::io(&path, e)),
            }
            // The previous holder removes the file while still holding the lock, so a lock
            // won on a file that is no longer at `path` is a lock on nothing: try again.
            if !is_at(&file, &path).map_err(|e| JournalError::io(&path, e))? {
                continue;
            }
            file.set_len(0)
                .and_then(|()| writeln!(file, "{}", std::process::id()))
                .map_err(|e| JournalError::io(&path, e))?;
            return Ok(JournalLock { path, file });
        }
        Err(JournalError::Locked {
            path: journal.into(),
            holder: None,
        })
    }

    /// The lock file's path, `<journal>.lock`.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        // Removed while still locked (see `acquire`), then released.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// `<journal>.lock`, next to the journal.
fn lock_path(journal: &Path) -> PathBuf {
    let mut name = OsString::from(journal.as_os_str());
    name.push(".lock");
    PathBuf::from(name)
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Whether `path` still names the file `file` has open.
#[cfg(unix)]
fn is_at(file: &File, path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let ours = file.metadata()?;
    match std::fs::metadata(path) {
        Ok(theirs) => Ok(ours.dev() == theirs.dev() && ours.ino() == theirs.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether `path` still names the file `file` has open. Elsewhere an open file cannot be
/// removed, so it always does.
#[cfg(not(unix))]
fn is_at(_file: &File, _path: &Path) -> std::io::Result<bool> {
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_acquire_fails_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("run.jsonl");
        let lock = JournalLock::acquire(&journal).unwrap();
        assert_eq!(lock.path(), dir.path().join("run.jsonl.lock"));
        assert_eq!(
            std::fs::read_to_string(lock.path()).unwrap(),
            format!("{}\n", std::process::id())
        );

        // flock locks belong to open files, so a second open in this process conflicts too.
        let error = JournalLock::acquire(&journal).unwrap_err();
        let pid = std::process::id();
        assert!(
            matches!(&error, JournalError::Locked { path, holder: Some(h) }
                if *path == journal && *h == pid),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "another graceflow run (pid {pid}) is using journal {}; wait for it or use \
                 another --journal",
                journal.display()
            )
        );
    }

    #[test]
    fn drop_releases_and_removes_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("run.jsonl");
        let lock = JournalLock::acquire(&journal).unwrap();
        let lock_file = lock.path().to_owned();
        drop(lock);
        assert!(!lock_file.exists());

        let again = JournalLock::acquire(&journal).unwrap();
        assert!(lock_file.exists());
        drop(again);
        assert!(!lock_file.exists());
    }

    #[test]
    fn a_stale_lock_file_is_reused() {
        // What a killed run leaves behind: the file, but no lock.
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("run.jsonl");
        std::fs::write(dir.path().join("run.jsonl.lock"), "999999999\nmore\n").unwrap();
        let lock = JournalLock::acquire(&journal).unwrap();
        assert_eq!(
            std::fs::read_to_string(lock.path()).unwrap(),
            format!("{}\n", std::process::id())
        );
    }

    #[test]
    fn an_unreadable_pid_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("run.jsonl");
        let lock_file = dir.path().join("run.jsonl.lock");
        let holder = File::create(&lock_file).unwrap();
        holder.lock().unwrap();
        let error = JournalLock::acquire(&journal).unwrap_err();
        assert!(
            matches!(error, JournalError::Locked { holder: None, .. }),
            "{error:?}"
        );
        // The failed attempt did not remove the holder's file.
        assert!(lock_file.exists());
    }
}
