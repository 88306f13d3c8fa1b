//! Credentials: what the client authenticates with, in types that cannot leak the secret.
//!
//! [`discover`] finds a bearer token in the usual places and reports why each other place was
//! skipped; [`Claims`] reads its claims (without checking the signature: the server does) and
//! says what GraceDB will hold against it; [`TokenFile`] re-reads a renewed token file; and
//! [`wait_for_fresh`] waits for a renewal. The client only asks a [`CredentialSource`] for
//! the current [`Credential`] before each request.

mod claims;
mod credential;
mod discovery;
pub mod env_vars;
mod fresh;
mod token;
mod token_file;

pub use claims::{
    ANY_AUDIENCE, CLOCK_SKEW, ClaimProblem, Claims, HTGETTOKEN, REQUIRED_SCOPE, audience_for,
};
pub use credential::{Credential, CredentialError, CredentialSource, Password};
pub use discovery::{
    Attempt, DEFAULT_SERVICE, Discovery, DiscoveryError, DiscoveryOptions, Found, Outcome,
    SkipReason, SourceKind, current_uid, discover,
};
pub use fresh::wait_for_fresh;
pub use token::Token;
pub use token_file::{Clock, DEFAULT_RELOAD_BUFFER, FileProblem, TokenFile};
