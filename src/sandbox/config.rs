//! What a sandbox is configured with: its data directory, who may do what, and injected
//! faults.
//!
//! Users and grants come from `sandbox.yaml` in the data directory (optional); everything else
//! from the command line or the library caller.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The name of the optional configuration file in the data directory.
pub const CONFIG_FILE: &str = "sandbox.yaml";

/// Who may do what on the sandbox, as read from `sandbox.yaml`.
///
/// ```yaml
/// users:                 # Basic-auth accounts (the real server has them for LV-EM members)
///   - { username: alice, password: secret }
/// grants:                # who may upload events outside the Test group, per pipeline
///   albert.einstein@ligo.org: [gstlal, pycbc]
/// managers:              # Production/MDC superevents, signoffs, expose/hide, permissions
///   - rapid-response@ligo.org
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    /// Accounts that authenticate with a user name and password.
    #[serde(default)]
    pub users: Vec<BasicUser>,
    /// Pipelines each user may create non-Test events for.
    #[serde(default)]
    pub grants: BTreeMap<String, Vec<String>>,
    /// Users with every superevent permission.
    #[serde(default)]
    pub managers: Vec<String>,
}

/// A Basic-auth account.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicUser {
    /// The user name.
    pub username: String,
    /// The password, compared as given.
    pub password: String,
}

impl std::fmt::Debug for BasicUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicUser")
            .field("username", &self.username)
            .field("password", &"****")
            .finish()
    }
}

/// Why the configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("invalid sandbox configuration {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its position.
        message: String,
    },
}

impl AccessConfig {
    /// Read `sandbox.yaml` from `data_dir`, or the default (no extra users, grants or
    /// managers) if there is none.
    pub fn load(data_dir: &Path) -> Result<Self, ConfigError> {
        let path = data_dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        serde_saphyr::from_str(&text).map_err(|e| ConfigError::Parse {
            path,
            message: e.to_string(),
        })
    }

    /// Whether `user` may create events for `pipeline` outside the Test group.
    pub fn may_upload(&self, user: &str, pipeline: &str) -> bool {
        self.grants
            .get(user)
            .is_some_and(|p| p.iter().any(|x| x == pipeline))
    }

    /// Whether `user` has every superevent permission.
    pub fn is_manager(&self, user: &str) -> bool {
        self.managers.iter().any(|m| m == user)
    }
}

/// Faults to inject, for benchmarks and reliability tests. Deterministic for a given seed
/// and request order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    /// Added to every API response, after the request is handled.
    #[serde(default, with = "millis")]
    pub latency: Duration,
    /// Probability that a request is answered with one of `statuses` instead of being handled.
    #[serde(default)]
    pub fail_rate: f64,
    /// Statuses to answer failed requests with, picked at random; 503 by default.
    #[serde(default)]
    pub statuses: Vec<u16>,
    /// Send `Retry-After: 1` with injected 429 and 503 answers.
    #[serde(default)]
    pub retry_after: bool,
    /// Probability that a write (POST, PUT, PATCH, DELETE) is handled and committed but its
    /// response is lost (the connection is cut), as when a proxy times out.
    #[serde(default)]
    pub drop_rate: f64,
    /// Probability that a request's connection is cut before it is handled: the client gets
    /// no usable answer although nothing happened.
    #[serde(default)]
    pub reset_rate: f64,
    /// Seed of the fault generator.
    #[serde(default)]
    pub seed: u64,
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// Everything needed to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where the database, files and issuer key live.
    pub data_dir: PathBuf,
    /// Access rules; by default read from the data directory.
    pub access: AccessConfig,
    /// Injected faults.
    pub faults: FaultConfig,
    /// Compress file downloads with `Content-Encoding: gzip` (the real server never does; this
    /// exists to test that clients decode it).
    pub gzip_downloads: bool,
}

impl SandboxConfig {
    /// A configuration for `data_dir`, reading its `sandbox.yaml` if present.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Result<Self, ConfigError> {
        let data_dir = data_dir.into();
        let access = AccessConfig::load(&data_dir)?;
        Ok(Self {
            data_dir,
            access,
            faults: FaultConfig::default(),
            gzip_downloads: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_example() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "users:\n  - { username: alice, password: secret }\ngrants:\n  albert.einstein@ligo.org: [gstlal, pycbc]\nmanagers:\n  - rrt@ligo.org\n",
        )
        .unwrap();
        let c = AccessConfig::load(dir.path()).unwrap();
        assert!(c.may_upload("albert.einstein@ligo.org", "pycbc"));
        assert!(!c.may_upload("albert.einstein@ligo.org", "MBTA"));
        assert!(c.is_manager("rrt@ligo.org"));
        assert_eq!(
            format!("{:?}", c.users[0]),
            "BasicUser { username: \"alice\", password: \"****\" }"
        );
    }

    #[test]
    fn unknown_fields_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "manager: [x]\n").unwrap();
        let e = AccessConfig::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("manager"), "{e}");
    }

    #[test]
    fn missing_file_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            AccessConfig::load(dir.path()).unwrap(),
            AccessConfig::default()
        );
    }
}
