//! Who may do what to superevents: the sandbox's permission model, as data.
//!
//! The real server decides with Django object and model permissions held by groups; which
//! groups hold which is deployment data (server reference §7). The sandbox's model is the
//! one design.md gives: any authenticated user may work with Test superevents and annotate
//! anything; Production and MDC superevents, signoffs, exposure and the permission list need
//! a manager (configured in `sandbox.yaml`). Denials use the server's messages.

use super::auth::User;
use super::error::SandboxError;
use crate::gracedb::Category;

/// A superevent action that needs a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create a superevent of a category.
    Create,
    /// Change its parameters.
    Change,
    /// Add an event to it.
    AddEvent,
    /// Remove an event from it.
    RemoveEvent,
    /// Confirm it as a GW.
    Confirm,
    /// Create, change or delete signoffs.
    Signoff,
    /// Make it public.
    Expose,
    /// Make it internal again.
    Hide,
    /// See its permission list.
    ViewPermissions,
}

/// Who may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Any authenticated user for Test superevents; managers for the others.
    TestOpen,
    /// Managers only.
    Managers,
}

/// The rule and the denial message of each action. `{cat}` becomes `test `, `MDC ` or ``,
/// as in the server's category-specific messages.
const RULES: &[(Action, Rule, &str)] = &[
    (
        Action::Create,
        Rule::TestOpen,
        "You are not allowed to create {cat}superevents.",
    ),
    (
        Action::Change,
        Rule::TestOpen,
        "You are not allowed to change {cat}superevents.",
    ),
    (
        Action::AddEvent,
        Rule::TestOpen,
        "You are not allowed to add events to {cat}superevents.",
    ),
    (
        Action::RemoveEvent,
        Rule::TestOpen,
        "You are not allowed to remove events from {cat}superevents.",
    ),
    (
        Action::Confirm,
        Rule::TestOpen,
        "You are not allowed to confirm {cat}superevents as GWs.",
    ),
    (
        Action::Signoff,
        Rule::Managers,
        "You do not have permission to do signoffs for {cat}superevents.",
    ),
    (
        Action::Expose,
        Rule::Managers,
        "You are not allowed to expose superevents.",
    ),
    (
        Action::Hide,
        Rule::Managers,
        "You are not allowed to hide superevents.",
    ),
    (
        Action::ViewPermissions,
        Rule::Managers,
        "You are not allowed to view superevent permissions.",
    ),
];

/// Check that `user` may take `action` on a superevent of `category`.
pub fn check(user: &User, category: Category, action: Action) -> Result<(), SandboxError> {
    let (_, rule, message) = RULES
        .iter()
        .find(|(a, _, _)| *a == action)
        .copied()
        .unwrap_or((
            action,
            Rule::Managers,
            "You do not have permission to perform this action.",
        ));
    let allowed = user.manager
        || match rule {
            Rule::TestOpen => category == Category::Test,
            Rule::Managers => false,
        };
    if allowed {
        return Ok(());
    }
    let cat = match category {
        Category::Production => "",
        Category::Test => "test ",
        Category::Mdc => "MDC ",
    };
    Err(SandboxError::forbidden(message.replace("{cat}", cat)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(manager: bool) -> User {
        User {
            username: "u".into(),
            manager,
        }
    }

    #[test]
    fn every_action_has_a_rule() {
        use Action::*;
        for a in [
            Create,
            Change,
            AddEvent,
            RemoveEvent,
            Confirm,
            Signoff,
            Expose,
            Hide,
            ViewPermissions,
        ] {
            assert!(RULES.iter().any(|(x, _, _)| *x == a), "{a:?}");
        }
    }

    #[test]
    fn the_model() {
        let (u, m) = (user(false), user(true));
        assert!(check(&u, Category::Test, Action::Create).is_ok());
        assert!(check(&u, Category::Test, Action::Confirm).is_ok());
        assert!(check(&u, Category::Test, Action::Expose).is_err());
        let e = check(&u, Category::Production, Action::Create).unwrap_err();
        assert_eq!(
            e.body,
            super::super::error::ErrorBody::Detail(
                "You are not allowed to create superevents.".into()
            )
        );
        let e = check(&u, Category::Mdc, Action::Change).unwrap_err();
        assert_eq!(
            e.body,
            super::super::error::ErrorBody::Detail(
                "You are not allowed to change MDC superevents.".into()
            )
        );
        for a in [
            Action::Create,
            Action::Signoff,
            Action::Expose,
            Action::ViewPermissions,
        ] {
            assert!(check(&m, Category::Production, a).is_ok());
        }
    }
}
