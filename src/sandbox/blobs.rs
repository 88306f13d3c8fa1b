//! Uploaded files on disk: one directory per object, one file per version.
//!
//! Like the real server (`gracedb/core/vfile.py`), each upload of `X` becomes `X,<v>`; unlike
//! it, there is no `X` symlink: "latest" is answered from the database. Uploads are streamed to
//! a temporary file first and renamed into place inside the database transaction that assigns
//! their version, so a crash never leaves a version that the database does not know.

use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use super::error::SandboxError;
use super::objects::ObjectKey;

/// The file tree under the sandbox's data directory.
#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
    tmp: PathBuf,
}

/// An upload received into a temporary file, not yet given a version.
#[derive(Debug)]
pub struct StagedFile {
    /// The base name the client gave the file.
    pub name: String,
    /// Where the bytes are now.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

impl Blobs {
    /// Use (and create) `files/` and `tmp/` under `data_dir`.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let root = data_dir.join("files");
        let tmp = data_dir.join("tmp");
        std::fs::create_dir_all(&root)?;
        std::fs::create_dir_all(&tmp)?;
        // Leftovers of uploads interrupted by a crash are garbage: nothing refers to them.
        for entry in std::fs::read_dir(&tmp)?.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(Self { root, tmp })
    }

    /// A fresh temporary path for an upload in progress.
    pub fn temp_path(&self) -> PathBuf {
        self.tmp
            .join(format!("upload-{:016x}", rand::random::<u64>()))
    }

    /// Stage bytes already in memory (files the server writes itself, such as `event.log`).
    pub fn stage_bytes(&self, name: &str, bytes: &[u8]) -> std::io::Result<StagedFile> {
        let path = self.temp_path();
        std::fs::write(&path, bytes)?;
        Ok(StagedFile {
            name: name.to_owned(),
            path,
            size: bytes.len() as u64,
        })
    }

    /// Where version `version` of `name` lives for `object`.
    pub fn path(&self, object: ObjectKey, name: &str, version: i64) -> PathBuf {
        self.object_dir(object).join(format!("{name},{version}"))
    }

    /// Move a staged file to its final place. Called inside the transaction that records it.
    pub fn commit(
        &self,
        staged: &StagedFile,
        object: ObjectKey,
        version: i64,
    ) -> std::io::Result<()> {
        let dir = self.object_dir(object);
        std::fs::create_dir_all(&dir)?;
        std::fs::rename(&staged.path, dir.join(format!("{},{version}", staged.name)))
    }

    fn object_dir(&self, object: ObjectKey) -> PathBuf {
        self.root
            .join(object.kind.as_str())
            .join(object.id.to_string())
    }
}

/// Bytes moved per read or write when streaming files.
pub const IO_BUFFER: usize = 256 * 1024;

/// Receives an upload chunk by chunk into a temporary file, so that a large file never sits
/// in memory.
pub struct StagingWriter {
    // Buffered: each write to a tokio file is a trip to the blocking pool.
    file: tokio::io::BufWriter<tokio::fs::File>,
    path: PathBuf,
    size: u64,
}

impl StagingWriter {
    /// Start writing to a fresh temporary file.
    pub async fn create(blobs: &Blobs) -> Result<Self, SandboxError> {
        let path = blobs.temp_path();
        let file = tokio::fs::File::create(&path).await?;
        Ok(Self {
            file: tokio::io::BufWriter::with_capacity(IO_BUFFER, file),
            path,
            size: 0,
        })
    }

    /// Append a chunk.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), SandboxError> {
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// Finish: flush and describe the staged file.
    pub async fn finish(mut self, name: String) -> Result<StagedFile, SandboxError> {
        self.file.flush().await?;
        Ok(StagedFile {
            name,
            path: self.path,
            size: self.size,
        })
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        // After a successful commit the temporary path no longer exists; otherwise the upload
        // was rejected and its bytes are garbage.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Check a file name the way the server's versioned-file store does, after taking the base
/// name the way Django does (clients may send a full path as the part's file name).
pub fn clean_file_name(raw: &str) -> Result<String, SandboxError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
    if base.is_empty() || base == "." || base == ".." || base.contains('\0') {
        return Err(SandboxError::bad_request(format!(
            "Invalid filename: {raw:?}"
        )));
    }
    if base.contains(',') {
        return Err(SandboxError::bad_request(
            "Invalid filename: filename should not contain commas",
        ));
    }
    Ok(base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_reduced_to_a_safe_base_name() {
        assert_eq!(clean_file_name("/abs/path/ev.xml").unwrap(), "ev.xml");
        assert_eq!(clean_file_name("C:\\x\\y.txt").unwrap(), "y.txt");
        assert!(clean_file_name("a,b").is_err());
        assert!(clean_file_name("..").is_err());
        assert!(clean_file_name("dir/").is_err());
    }
}
