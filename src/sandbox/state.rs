//! The state every handler shares.

use std::sync::Arc;

use super::auth::{Caller, User};
use super::config::SandboxConfig;
use super::faults::Faults;
use super::issuer::Issuer;
use super::store::Store;

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Database and files.
    pub store: Store,
    /// The token issuer.
    pub issuer: Arc<Issuer>,
    /// Static configuration.
    pub config: Arc<SandboxConfig>,
    /// Injected faults, changeable while running.
    pub faults: Arc<Faults>,
}

impl AppState {
    /// The caller for an authenticated user name.
    pub fn user(&self, username: &str) -> Caller {
        Caller::User(Arc::new(User {
            username: username.to_owned(),
            manager: self.config.access.is_manager(username),
        }))
    }
}
