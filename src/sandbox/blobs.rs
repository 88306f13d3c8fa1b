//! Uploaded files on disk: one directory per object, one file per version.
//!
//! Like the real server (`gracedb/core/vfile.py`), each upload of `X` becomes `X,<v>`; unlike
//! it, there is no `X` symlink: "latest" is answered from the database. An upload is staged
//! first — in memory when it is small, else streamed to a temporary file — and written or
//! renamed into place inside the database transaction that assigns its version. A crash
//! between the two leaves at worst a file the database does not know, which the next upload of
//! that version overwrites; never a version the database knows without its file.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use tokio::io::AsyncWriteExt;

use super::error::SandboxError;
use super::objects::ObjectKey;

/// The file tree under the sandbox's data directory.
#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
    tmp: PathBuf,
}

/// An upload received, not yet given a version.
#[derive(Debug)]
pub struct StagedFile {
    /// The base name the client gave the file.
    pub name: String,
    /// Where the bytes are now.
    pub content: Staged,
    /// Its size in bytes.
    pub size: u64,
}

/// Where a staged upload's bytes are.
#[derive(Debug, Clone)]
pub enum Staged {
    /// Small uploads: in memory, written once, in place.
    Memory(Bytes),
    /// Large uploads: in a temporary file, renamed into place.
    Disk(PathBuf),
}

/// Uploads up to this size are staged in memory: most event files and sky maps, which then
/// cost one file write instead of a temporary file and a rename.
pub const MEMORY_STAGING_LIMIT: usize = 4 * 1024 * 1024;

impl StagedFile {
    /// A staged file from bytes in memory.
    pub fn in_memory(name: &str, bytes: Bytes) -> Self {
        Self {
            name: name.to_owned(),
            size: bytes.len() as u64,
            content: Staged::Memory(bytes),
        }
    }
}

impl Staged {
    /// The bytes (read from disk when they were staged there). Blocking.
    pub fn read(&self) -> std::io::Result<Bytes> {
        match self {
            Staged::Memory(b) => Ok(b.clone()),
            Staged::Disk(p) => std::fs::read(p).map(Bytes::from),
        }
    }
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

    /// Where version `version` of `name` lives for `object`.
    pub fn path(&self, object: ObjectKey, name: &str, version: i64) -> PathBuf {
        self.object_dir(object).join(format!("{name},{version}"))
    }

    /// Put a staged file in its final place. Called inside the transaction that records it.
    pub fn commit(
        &self,
        staged: &StagedFile,
        object: ObjectKey,
        version: i64,
    ) -> std::io::Result<()> {
        let dir = self.object_dir(object);
        std::fs::create_dir_all(&dir)?;
        let dest = dir.join(format!("{},{version}", staged.name));
        match &staged.content {
            Staged::Memory(bytes) => std::fs::write(dest, bytes),
            Staged::Disk(path) => std::fs::rename(path, dest),
        }
    }

    fn object_dir(&self, object: ObjectKey) -> PathBuf {
        self.root
            .join(object.kind.as_str())
            .join(object.id.to_string())
    }
}

/// Bytes moved per read or write when streaming files.
pub const IO_BUFFER: usize = 256 * 1024;

/// Receives an upload chunk by chunk: in memory up to [`MEMORY_STAGING_LIMIT`], then in a
/// temporary file, so that a large file never sits in memory.
pub struct StagingWriter {
    blobs: Blobs,
    memory: Vec<u8>,
    // Buffered: each write to a tokio file is a trip to the blocking pool.
    file: Option<(tokio::io::BufWriter<tokio::fs::File>, PathBuf)>,
    size: u64,
}

impl StagingWriter {
    /// Start staging an upload.
    pub fn new(blobs: &Blobs) -> Self {
        Self {
            blobs: blobs.clone(),
            memory: Vec::new(),
            file: None,
            size: 0,
        }
    }

    /// Append a chunk.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), SandboxError> {
        self.size += chunk.len() as u64;
        if self.file.is_none() && self.memory.len() + chunk.len() <= MEMORY_STAGING_LIMIT {
            self.memory.extend_from_slice(chunk);
            return Ok(());
        }
        if self.file.is_none() {
            let path = self.blobs.temp_path();
            let f = tokio::fs::File::create(&path).await?;
            let mut w = tokio::io::BufWriter::with_capacity(IO_BUFFER, f);
            w.write_all(&std::mem::take(&mut self.memory)).await?;
            self.file = Some((w, path));
        }
        if let Some((w, _)) = &mut self.file {
            w.write_all(chunk).await?;
        }
        Ok(())
    }

    /// Finish: describe the staged file.
    pub async fn finish(mut self, name: String) -> Result<StagedFile, SandboxError> {
        let content = match self.file.take() {
            None => Staged::Memory(Bytes::from(std::mem::take(&mut self.memory))),
            Some((mut w, path)) => {
                w.flush().await?;
                Staged::Disk(path)
            }
        };
        Ok(StagedFile {
            name,
            content,
            size: self.size,
        })
    }
}

impl Drop for StagingWriter {
    fn drop(&mut self) {
        // An upload abandoned half-way (the client went away): its temporary file is garbage.
        if let Some((_, path)) = &self.file {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        // After a successful commit a temporary path no longer exists; otherwise the upload
        // was rejected and its bytes are garbage.
        if let Staged::Disk(path) = &self.content {
            let _ = std::fs::remove_file(path);
        }
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
