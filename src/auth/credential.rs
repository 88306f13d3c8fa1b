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
/// source; a reloading source re-reads a renewed token file.
pub trait CredentialSource: Send + Sync + fmt::Debug {
    /// The credential to use now.
    fn credential(&self) -> Result<Credential, CredentialError>;

    /// Re-read the credential now (after the server refused it); whether it changed.
    fn reload(&self) -> Result<bool, CredentialError> {
        Ok(false)
    }

    /// When the current credential expires (Unix seconds), if it says.
    fn expires_at(&self) -> Option<i64> {
        None
    }

    /// Where the credential comes from, for messages (never the secret).
    fn describe(&self) -> String {
        "a fixed credential".into()
    }
}

impl CredentialSource for Credential {
    fn credential(&self) -> Result<Credential, CredentialError> {
        Ok(self.clone())
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
