//! Filling a bundle in a temporary folder beside its destination and renaming it into place
//! when complete, so that a folder named like the destination is always a whole capture.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::bundle::BUNDLE_JSON;

/// A capture in progress: a temporary folder `.<name>.partial-<pid>` beside the destination.
/// Dropped without [`Staging::commit`], the temporary folder is removed.
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl Staging {
    /// Start a capture into `target`. Refuses a `target` that exists and is neither empty nor
    /// a bundle (it has no `bundle.json`), so that a mistyped `--out` never replaces a folder
    /// of something else.
    pub fn begin(target: &Path) -> anyhow::Result<Self> {
        let name = target
            .file_name()
            .with_context(|| format!("--out {} has no folder name", target.display()))?
            .to_string_lossy()
            .into_owned();
        if target.exists() && !is_replaceable(target)? {
            anyhow::bail!(
                "{} exists and is not a capture bundle (no {BUNDLE_JSON}); refusing to replace it: choose another --out",
                target.display()
            );
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        // Beside the target, so that the final rename stays on one file system.
        let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if tmp.exists() {
            // Left by an earlier process with our pid that did not finish: not a capture.
            std::fs::remove_dir_all(&tmp)
                .with_context(|| format!("cannot remove stale {}", tmp.display()))?;
        }
        std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(Self {
            target: target.to_owned(),
            tmp,
            committed: false,
        })
    }

    /// The temporary folder being filled.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Put the filled folder in place of the target. An earlier bundle there is moved aside
    /// first and removed after, so that at every moment the target is either the old bundle,
    /// absent, or the new one.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let old = self.tmp.with_file_name(
            self.tmp
                .file_name()
                .map(|n| n.to_string_lossy().replace(".partial-", ".old-"))
                .unwrap_or_default(),
        );
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &old).with_context(|| {
                format!("cannot move the earlier {} aside", self.target.display())
            })?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.target) {
            if had_old {
                // Put the earlier bundle back rather than leave nothing.
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(e).with_context(|| {
                format!(
                    "cannot rename {} to {}",
                    self.tmp.display(),
                    self.target.display()
                )
            });
        }
        self.committed = true;
        if had_old {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove the earlier bundle {}", old.display()))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// An empty folder, or one holding a bundle.
fn is_replaceable(target: &Path) -> anyhow::Result<bool> {
    if !target.is_dir() {
        return Ok(false);
    }
    if target.join(BUNDLE_JSON).is_file() {
        return Ok(true);
    }
    let mut entries =
        std::fs::read_dir(target).with_context(|| format!("cannot read {}", target.display()))?;
    Ok(entries.next().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    }

    #[test]
    fn a_capture_appears_whole_and_replaces_the_earlier_one() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("cap");
        let s = Staging::begin(&target).unwrap();
        std::fs::write(s.path().join(BUNDLE_JSON), "1").unwrap();
        assert!(!target.exists(), "nothing at the target before commit");
        s.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join(BUNDLE_JSON)).unwrap(),
            "1"
        );

        let s = Staging::begin(&target).unwrap();
        std::fs::write(s.path().join(BUNDLE_JSON), "2").unwrap();
        s.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join(BUNDLE_JSON)).unwrap(),
            "2"
        );
        assert!(leftovers(root.path()).is_empty());
    }

    #[test]
    fn an_abandoned_capture_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("cap");
        {
            let s = Staging::begin(&target).unwrap();
            std::fs::write(s.path().join("x"), "half").unwrap();
        }
        assert!(!target.exists());
        assert!(leftovers(root.path()).is_empty());
    }

    #[test]
    fn a_folder_of_something_else_is_not_replaced() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("notes.txt"), "mine").unwrap();
        let err = Staging::begin(root.path()).unwrap_err().to_string();
        assert!(err.contains("not a capture bundle"), "{err}");
        assert!(root.path().join("notes.txt").exists());
    }
}
