//! The one retry layer: how each failure is classified, and how long to wait before the next
//! attempt. The HTTP client never retries; the engine asks this module.
//!
//! The classification is a table over status codes ([`classify_status`]) plus the client's
//! non-HTTP failures ([`classify`]); a test enumerates every status from 100 to 599 against
//! it, so that a code can never fall between the rules.

use std::time::Duration;

use rand::Rng;

use crate::gracedb::quirks::is_already_applied;
use crate::gracedb::{ErrorKind, GraceDbError};
use crate::manifest::model::RetrySpec;

/// What a failure means for the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Try again after a backoff: no answer, a timeout, 408, 409, 429, 500, 502, 504, or 503
    /// with `Retry-After`.
    Transient,
    /// 503 without `Retry-After`: the server is down for maintenance; back off longer.
    Maintenance,
    /// 401 or 403: the token may have been renewed since it was read; re-read it and try once
    /// more.
    Credential,
    /// The server's "already applied" answer: the state asked for is there.
    AlreadyDone,
    /// Trying again cannot help: other 4xx, unexpected answers, local files, configuration.
    Permanent,
}

/// The class of an error status, given the body's message and whether the answer carried
/// `Retry-After`.
pub fn classify_status(status: u16, message: &str, retry_after: bool) -> Class {
    if is_already_applied(status, message) {
        return Class::AlreadyDone;
    }
    match status {
        401 | 403 => Class::Credential,
        408 | 409 | 429 | 500 | 502 | 504 => Class::Transient,
        503 if retry_after => Class::Transient,
        503 => Class::Maintenance,
        // 501, 505…: the server will not do this however often it is asked. 1xx-3xx never
        // arrive as errors unless the server misbehaves.
        _ => Class::Permanent,
    }
}

/// The class of a client error.
pub fn classify(e: &GraceDbError) -> Class {
    match &e.kind {
        ErrorKind::Status {
            status,
            message,
            retry_after,
            ..
        } => classify_status(*status, message, retry_after.is_some()),
        ErrorKind::Transport { .. } => Class::Transient,
        // A token file that cannot be read now may be mid-renewal.
        ErrorKind::Credential(_) => Class::Transient,
        // A write whose answer was cut off can look like this too; `may_have_arrived` says so.
        ErrorKind::Decode(_)
        | ErrorKind::File { .. }
        | ErrorKind::MissingTemplate(_)
        | ErrorKind::Unsupported(_)
        | ErrorKind::InsecureTransport => Class::Permanent,
    }
}

/// Whether a failed request may nevertheless have been carried out by the server: then a
/// write is *in doubt*, and sending it again needs reconciliation first.
///
/// Only a refused connection proves the request never arrived, and only a definite answer
/// (anything but a gateway or server error) proves it was not carried out.
pub fn may_have_arrived(e: &GraceDbError) -> bool {
    match &e.kind {
        ErrorKind::Transport { connect, .. } => !connect,
        // The headers came but the body did not parse: the server acted.
        ErrorKind::Decode(_) => true,
        // A proxy gave up waiting (502, 504) or the application failed mid-way (500).
        ErrorKind::Status { status, .. } => matches!(status, 500 | 502 | 504),
        _ => false,
    }
}

/// A step's effective retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The base delay: the cap of the first retry's jittered delay.
    pub backoff: Duration,
    /// The cap on any one delay.
    pub max_delay: Duration,
    /// No new attempt starts after this long since the step's first.
    pub deadline: Option<Duration>,
}

/// How much longer maintenance backs off than a transient failure: the exponent starts this
/// many doublings higher (×8).
const MAINTENANCE_DOUBLINGS: u32 = 3;

impl Policy {
    /// The step's `retry:`, else the manifest's `defaults.retry`, else [`RetrySpec::default`].
    pub fn from_spec(spec: Option<&RetrySpec>) -> Self {
        let s = spec.copied().unwrap_or_default();
        Self {
            attempts: s.attempts.max(1),
            backoff: s.backoff,
            max_delay: s.max_delay.max(s.backoff),
            deadline: s.deadline,
        }
    }

    /// The wait before retry number `retry` (1 for the first retry) after a failure of
    /// `class`: exponential backoff with full jitter, capped by `max_delay`; a `Retry-After`
    /// is honoured (up to `max_delay`) instead.
    pub fn delay(
        &self,
        retry: u32,
        class: Class,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(self.max_delay);
        }
        let extra = if class == Class::Maintenance {
            MAINTENANCE_DOUBLINGS
        } else {
            0
        };
        let doublings = (retry.saturating_sub(1) + extra).min(30);
        let ceiling = self
            .backoff
            .saturating_mul(1 << doublings)
            .min(self.max_delay);
        // Full jitter: clients that failed together do not retry together.
        ceiling.mul_f64(rng.gen_range(0.0..=1.0))
    }
}

/// The `Retry-After` of an error answer, if it had one.
pub fn retry_after(e: &GraceDbError) -> Option<Duration> {
    match &e.kind {
        ErrorKind::Status { retry_after, .. } => *retry_after,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The whole table, written out once more by range: any code added to or dropped from a
    /// rule shows up here.
    #[test]
    fn every_status_has_exactly_the_documented_class() {
        for status in 100u16..=599 {
            let expected = match status {
                401 | 403 => Class::Credential,
                408 | 409 | 429 | 500 | 502 | 504 => Class::Transient,
                503 => Class::Maintenance,
                _ => Class::Permanent,
            };
            assert_eq!(
                classify_status(status, "Injected fault", false),
                expected,
                "{status}"
            );
            let with_retry_after = if status == 503 {
                Class::Transient
            } else {
                expected
            };
            assert_eq!(
                classify_status(status, "", true),
                with_retry_after,
                "{status} with Retry-After"
            );
        }
    }

    #[test]
    fn already_applied_answers_are_done_whatever_their_status() {
        assert_eq!(
            classify_status(409, "Log 3 already has tag sky_loc", false),
            Class::AlreadyDone
        );
        assert_eq!(
            classify_status(400, "Superevent is already confirmed as a GW", false),
            Class::AlreadyDone
        );
        assert_eq!(
            classify_status(400, "Superevent is not confirmed", false),
            Class::Permanent
        );
    }

    fn err(kind: ErrorKind) -> GraceDbError {
        GraceDbError {
            method: "POST".into(),
            url: "http://127.0.0.1/api/events/".into(),
            kind,
        }
    }

    fn transport(connect: bool, timeout: bool) -> ErrorKind {
        ErrorKind::Transport {
            message: "x".into(),
            connect,
            timeout,
        }
    }

    #[test]
    fn only_a_refused_connection_or_a_definite_answer_rules_a_write_out() {
        assert!(!may_have_arrived(&err(transport(true, false))));
        assert!(may_have_arrived(&err(transport(false, false))));
        assert!(may_have_arrived(&err(transport(false, true))));
        assert!(may_have_arrived(&err(ErrorKind::Decode("eof".into()))));
        for status in [500, 502, 504] {
            assert!(may_have_arrived(&err(ErrorKind::Status {
                status,
                reason: String::new(),
                message: String::new(),
                retry_after: None,
            })));
        }
        for status in [400, 403, 408, 409, 429, 503] {
            assert!(!may_have_arrived(&err(ErrorKind::Status {
                status,
                reason: String::new(),
                message: String::new(),
                retry_after: None,
            })));
        }
        assert_eq!(classify(&err(transport(false, true))), Class::Transient);
        assert_eq!(
            classify(&err(ErrorKind::Decode("x".into()))),
            Class::Permanent
        );
    }

    #[test]
    fn delays_are_jittered_capped_and_honour_retry_after() {
        let p = Policy {
            attempts: 10,
            backoff: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
            deadline: None,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for retry in 1..=12 {
            let ceiling = Duration::from_secs(1 << (retry - 1).min(20)).min(p.max_delay);
            let draws: Vec<_> = (0..200)
                .map(|_| p.delay(retry, Class::Transient, None, &mut rng))
                .collect();
            assert!(draws.iter().all(|d| *d <= ceiling), "retry {retry}");
            // Full jitter: the draws spread over the whole range.
            assert!(draws.iter().any(|d| *d < ceiling / 4), "retry {retry}");
            assert!(draws.iter().any(|d| *d > ceiling * 3 / 4), "retry {retry}");
        }
        let maintenance = (0..200)
            .map(|_| p.delay(1, Class::Maintenance, None, &mut rng))
            .max()
            .unwrap();
        assert!(maintenance > Duration::from_secs(4), "{maintenance:?}");
        assert_eq!(
            p.delay(1, Class::Transient, Some(Duration::from_secs(7)), &mut rng),
            Duration::from_secs(7)
        );
        assert_eq!(
            p.delay(
                1,
                Class::Transient,
                Some(Duration::from_secs(600)),
                &mut rng
            ),
            p.max_delay
        );
    }

    #[test]
    fn the_default_policy_is_the_manifest_default() {
        let p = Policy::from_spec(None);
        assert_eq!(p.attempts, RetrySpec::default().attempts);
        assert_eq!(p.backoff, RetrySpec::default().backoff);
    }
}
