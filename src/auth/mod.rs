//! Credentials: what the client authenticates with, in types that cannot leak the secret.
//!
//! Discovery of tokens (`BEARER_TOKEN_FILE`, HTCondor's credential directory, …), claim checks
//! and reloading live here too; the client only asks a [`CredentialSource`] for the current
//! [`Credential`] before each request.

mod credential;
mod token;

pub use credential::{Credential, CredentialError, CredentialSource, Password};
pub use token::Token;
