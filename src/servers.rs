//! Which GraceDB a run talks to: the names users give (`sandbox`, `playground`, `test`,
//! `production`, or a URL), what they resolve to, and the production guard.

use std::fmt;

/// The production server's host. The guard is on this host, not on the alias, so that a URL
/// pointing at production is production.
pub const PRODUCTION_HOST: &str = "gracedb.ligo.org";

/// Server aliases and their API roots.
pub const ALIASES: &[(&str, &str)] = &[
    ("playground", "https://gracedb-playground.ligo.org/api/"),
    ("production", "https://gracedb.ligo.org/api/"),
    ("test", "https://gracedb-test.ligo.org/api/"),
];

/// The name of the embedded sandbox.
pub const SANDBOX: &str = "sandbox";

/// A resolved server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// The embedded sandbox, started in-process.
    Sandbox,
    /// A GraceDB at this API root.
    Remote {
        /// The API root URL, ending in `/`.
        url: String,
    },
}

/// A server name that is neither an alias nor a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown server {0:?}: use sandbox, playground, test, production, or an https:// URL of a GraceDB API root"
)]
pub struct UnknownServer(pub String);

impl Server {
    /// Resolve a name or URL.
    pub fn resolve(name: &str) -> Result<Self, UnknownServer> {
        let name = name.trim();
        if name == SANDBOX {
            return Ok(Self::Sandbox);
        }
        if let Some((_, url)) = ALIASES.iter().find(|(a, _)| *a == name) {
            return Ok(Self::Remote {
                url: (*url).to_owned(),
            });
        }
        match url::Url::parse(name) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                let mut url = name.to_owned();
                if !url.ends_with('/') {
                    url.push('/');
                }
                Ok(Self::Remote { url })
            }
            _ => Err(UnknownServer(name.to_owned())),
        }
    }

    /// Whether this is the production server (by host).
    pub fn is_production(&self) -> bool {
        match self {
            Self::Sandbox => false,
            Self::Remote { url } => url::Url::parse(url)
                .ok()
                .and_then(|u| {
                    u.host_str().map(|h| {
                        h.trim_end_matches('.')
                            .eq_ignore_ascii_case(PRODUCTION_HOST)
                    })
                })
                .unwrap_or(false),
        }
    }

    /// Refuse to write to production unless both the manifest and the command line allow it.
    pub fn guard(&self, manifest_allows: bool, command_allows: bool) -> Result<(), String> {
        if !self.is_production() || (manifest_allows && command_allows) {
            return Ok(());
        }
        let missing = match (manifest_allows, command_allows) {
            (false, false) => {
                "the manifest to say `allow_production: true` and the command line to say `--allow-production`"
            }
            (false, true) => "the manifest to say `allow_production: true`",
            _ => "the command line to say `--allow-production`",
        };
        Err(format!(
            "{self} is the production GraceDB; writing to it needs {missing}"
        ))
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sandbox => f.write_str("the embedded sandbox"),
            Self::Remote { url } => f.write_str(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve() {
        assert_eq!(Server::resolve("sandbox"), Ok(Server::Sandbox));
        assert_eq!(
            Server::resolve("test"),
            Ok(Server::Remote {
                url: "https://gracedb-test.ligo.org/api/".into()
            })
        );
        assert_eq!(
            Server::resolve("http://127.0.0.1:8000/api"),
            Ok(Server::Remote {
                url: "http://127.0.0.1:8000/api/".into()
            })
        );
        assert!(Server::resolve("prod").is_err());
        assert!(Server::resolve("ftp://x").is_err());
    }

    #[test]
    fn the_guard_is_on_the_host() {
        for name in [
            "production",
            "https://gracedb.ligo.org/api/",
            "https://GRACEDB.LIGO.ORG./api/v2/",
        ] {
            let s = Server::resolve(name).unwrap();
            assert!(s.is_production(), "{name}");
            assert!(s.guard(true, false).is_err());
            assert!(s.guard(false, true).is_err());
            assert!(s.guard(true, true).is_ok());
        }
        assert!(Server::resolve("test").unwrap().guard(false, false).is_ok());
        assert!(Server::Sandbox.guard(false, false).is_ok());
        let msg = Server::resolve("production")
            .unwrap()
            .guard(false, false)
            .unwrap_err();
        assert!(
            msg.contains("allow_production: true") && msg.contains("--allow-production"),
            "{msg}"
        );
    }
}
