//! A bearer token that never prints.

use std::fmt;

/// A bearer token (a SciToken JWT). `Debug` and `Display` print `****`; there is no
/// `Serialize`; the raw value is reachable only inside the crate, for the request builder.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wrap a token, trimming the whitespace token files end with.
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into().trim().to_owned())
    }

    /// The secret, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(****)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[cfg(test)]
mod tests {
    use super::Token;

    #[test]
    fn formatters_never_show_the_secret() {
        let t = Token::new("eyJhbGciOiJFUzI1NiJ9.secret.sig\n");
        assert_eq!(format!("{t}"), "****");
        assert_eq!(format!("{t:?}"), "Token(****)");
        assert_eq!(format!("{t:#?}"), "Token(****)");
        assert_eq!(t.expose(), "eyJhbGciOiJFUzI1NiJ9.secret.sig");
    }
}
