//! What a request authenticates with, and where the client gets it from.

use std::fmt;

use super::token::Token;

/// A password that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wrap a password.
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(****)")
    }
}

/// How one request authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Credential {
    /// No credential: read-only access to public data.
    #[default]
    Anonymous,
    /// `Authorization: Bearer <token>`.
    Bearer(Token),
    /// `Authorization: Basic …` (the real server offers it to some external users).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Password,
    },
}

impl Credential {
    /// Whether a secret would be sent.
    pub fn is_secret(&self) -> bool {
        !matches!(self, Self::Anonymous)
    }
}

/// Why no credential could be produced for a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CredentialError(pub String);

/// Where the client gets the credential for each request. A static credential is its own
/// source; a reloading source ([`TokenFile`](super::TokenFile)) re-reads a renewed token file.
///
/// The engine drives renewal through the default methods: on a 401/403 it calls
/// [`reload`](Self::reload) and retries once if the token changed; when
/// [`expires_at`](Self::expires_at) is past it waits for a newer token with
/// [`wait_for_fresh`](super::wait_for_fresh).
pub trait CredentialSource: Send + Sync + fmt::Debug {
    /// The credential to use now.
    fn credential(&self) -> Result<Credential, CredentialError>;

    /// Re-read the credential now, whatever the cache says (after the server refused it).
    /// Returns whether it changed. Sources that cannot change return `Ok(false)`.
    fn reload(&self) -> Result<bool, CredentialError> {
        Ok(false)
    }

    /// When the current credential expires (Unix seconds), if known.
    fn expires_at(&self) -> Option<i64> {
        None
    }

    /// Where the credential comes from, for messages (never the secret).
    fn describe(&self) -> String {
        "a fixed credential".to_owned()
    }
}

impl CredentialSource for Credential {
    fn credential(&self) -> Result<Credential, CredentialError> {
        Ok(self.clone())
    }

    fn describe(&self) -> String {
        match self {
            Self::Anonymous => "no credential (anonymous)".to_owned(),
            Self::Bearer(_) => "a fixed bearer token".to_owned(),
            Self::Basic { username, .. } => format!("basic auth as {username}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let b = Credential::Basic {
            username: "alice".into(),
            password: Password::new("hunter2"),
        };
        assert_eq!(
            format!("{b:?}"),
            "Basic { username: \"alice\", password: Password(****) }"
        );
        let t = Credential::Bearer(Token::new("abc.def.ghi"));
        assert_eq!(format!("{t:?}"), "Bearer(Token(****))");
    }
}
