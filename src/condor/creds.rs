//! Inside an HTCondor job: which credential file HTCondor provided, and the token in it.
//!
//! HTCondor puts the job's OAuth credentials in `$_CONDOR_CREDS` (the scratch directory's
//! `.condor_creds/`), one `<service>[_<handle>].use` file each, and the submit file points
//! `BEARER_TOKEN_FILE` at one of them.

use std::path::{Path, PathBuf};

/// What the job's environment says about credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCredentials {
    /// `$_CONDOR_SCRATCH_DIR`, if set: whether this looks like a job at all.
    pub scratch_dir: Option<PathBuf>,
    /// The credential directories looked in (`$_CONDOR_CREDS`, then
    /// `$_CONDOR_SCRATCH_DIR/.condor_creds`), existing ones only, without repeats.
    pub dirs: Vec<PathBuf>,
    /// Every `*.use` file in them, sorted.
    pub use_files: Vec<PathBuf>,
    /// `$BEARER_TOKEN_FILE`, if set.
    pub bearer_token_file: Option<PathBuf>,
    /// The file a run would read, and the variable or rule that chose it.
    pub chosen: Option<(PathBuf, &'static str)>,
}

impl JobCredentials {
    /// Look, for credential service `service`, with `env` reading one variable.
    pub fn find(service: &str, env: &dyn Fn(&str) -> Option<String>) -> Self {
        let var = |n: &str| env(n).filter(|v| !v.is_empty()).map(PathBuf::from);
        let scratch_dir = var("_CONDOR_SCRATCH_DIR");
        let mut dirs: Vec<PathBuf> = vec![];
        for d in [
            var("_CONDOR_CREDS"),
            scratch_dir.as_ref().map(|s| s.join(".condor_creds")),
        ]
        .into_iter()
        .flatten()
        {
            if d.is_dir() && !dirs.iter().any(|x| same_file(x, &d)) {
                dirs.push(d);
            }
        }
        let mut use_files: Vec<PathBuf> = dirs
            .iter()
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "use") && p.is_file())
            .collect();
        use_files.sort();
        let bearer_token_file = var("BEARER_TOKEN_FILE");
        // The order `graceflow run` uses: BEARER_TOKEN_FILE first, then <service>.use.
        let chosen = bearer_token_file
            .clone()
            .map(|p| (p, "BEARER_TOKEN_FILE"))
            .or_else(|| {
                dirs.iter()
                    .map(|d| d.join(format!("{service}.use")))
                    .find(|p| p.is_file())
                    .map(|p| (p, "<service>.use in the credential directory"))
            });
        Self {
            scratch_dir,
            dirs,
            use_files,
            bearer_token_file,
            chosen,
        }
    }

    /// Whether `path` is one of the files HTCondor manages (and so renews).
    pub fn is_managed(&self, path: &Path) -> bool {
        self.use_files.iter().any(|f| same_file(f, path))
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_directory_and_bearer_token_file_are_found() {
        let scratch = tempfile::tempdir().unwrap();
        let creds = scratch.path().join(".condor_creds");
        std::fs::create_dir_all(&creds).unwrap();
        std::fs::write(creds.join("igwn_limited.use"), "t").unwrap();
        std::fs::write(creds.join("other.txt"), "t").unwrap();
        let s = scratch.path().display().to_string();
        let btf = creds.join("igwn_limited.use").display().to_string();
        let env = |n: &str| match n {
            "_CONDOR_SCRATCH_DIR" => Some(s.clone()),
            "_CONDOR_CREDS" => Some(creds.display().to_string()),
            "BEARER_TOKEN_FILE" => Some(btf.clone()),
            _ => None,
        };
        let j = JobCredentials::find("igwn", &env);
        assert_eq!(j.dirs.len(), 1, "the same directory twice is listed once");
        assert_eq!(j.use_files, [creds.join("igwn_limited.use")]);
        let (chosen, why) = j.chosen.clone().unwrap();
        assert_eq!(why, "BEARER_TOKEN_FILE");
        assert!(j.is_managed(&chosen));
        // Without BEARER_TOKEN_FILE, only <service>.use would be read.
        let env2 = |n: &str| {
            if n == "BEARER_TOKEN_FILE" {
                None
            } else {
                env(n)
            }
        };
        assert_eq!(JobCredentials::find("igwn", &env2).chosen, None);
    }
}
