//! Waiting for a renewer to replace an expired token, for the engine to call when a source's
//! [`expires_at`](CredentialSource::expires_at) is past.
//!
//! It only waits and re-reads; deciding what a timeout means (exit 75, resumable) is the
//! engine's.

use std::time::Duration;

use super::credential::{CredentialError, CredentialSource};
use crate::duration::humanize;

/// The first pause between looks at the source; it doubles up to [`MAX_DELAY`].
const FIRST_DELAY: Duration = Duration::from_millis(100);

/// The longest pause between looks: HTCondor renews every few minutes, so a look every 15 s
/// costs nothing and loses little.
const MAX_DELAY: Duration = Duration::from_secs(15);

/// Wait until `source` holds a credential that has not expired by `now()` (Unix seconds),
/// re-reading it with backoff, for at most `bound`. Returns at once for a source that does not
/// know its expiry. On timeout the error says what expired, when, and how long was waited.
pub async fn wait_for_fresh(
    source: &dyn CredentialSource,
    bound: Duration,
    now: impl Fn() -> i64,
) -> Result<(), CredentialError> {
    let deadline = tokio::time::Instant::now() + bound;
    let mut delay = FIRST_DELAY;
    let mut last_error = None;
    loop {
        let exp = match source.expires_at() {
            Some(exp) if exp <= now() => exp,
            _ => return Ok(()),
        };
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            let why = last_error
                .map(|e: CredentialError| format!(" (last attempt: {e})"))
                .unwrap_or_default();
            return Err(CredentialError(format!(
                "the token from {} expired {} ago and no newer one appeared within {}{why}",
                source.describe(),
                humanize(now() - exp),
                bound_text(bound)
            )));
        }
        tokio::time::sleep(delay.min(left)).await;
        delay = (delay * 2).min(MAX_DELAY);
        // A failed read is worth remembering but not fatal: the file may be mid-replacement.
        if let Err(e) = source.reload() {
            last_error = Some(e);
        }
    }
}

/// Bounds under a second only occur in tests, but should still read right.
fn bound_text(bound: Duration) -> String {
    match bound.as_secs() {
        0 => format!("{}ms", bound.as_millis()),
        s => humanize(i64::try_from(s).unwrap_or(i64::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use serde_json::json;

    use super::super::claims::tests::token;
    use super::super::{Credential, TokenFile};
    use super::*;
    use crate::gps::unix_now;

    fn write(path: &std::path::Path, exp: i64) {
        let t = token(json!({"sub": "a", "scope": "gracedb.read", "exp": exp}));
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, t.expose()).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }

    #[tokio::test]
    async fn returns_once_a_renewed_token_appears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        write(&path, unix_now() - 5);
        let file = TokenFile::open(&path).unwrap();
        let renewer = {
            let path = path.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                write(&path, unix_now() + 3600);
            })
        };
        let start = Instant::now();
        wait_for_fresh(&file, Duration::from_secs(10), unix_now)
            .await
            .unwrap();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(file.expires_at().unwrap() > unix_now());
        renewer.await.unwrap();
    }

    #[tokio::test]
    async fn gives_up_after_the_bound_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        write(&path, unix_now() - 125);
        let file = TokenFile::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let start = Instant::now();
        let e = wait_for_fresh(&file, Duration::from_millis(400), unix_now)
            .await
            .unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(400));
        assert!(start.elapsed() < Duration::from_secs(3));
        let expected = format!("the token from token file {} expired 2m0", path.display());
        assert!(e.0.starts_with(&expected), "{e}");
        assert!(
            e.0.contains(
                "no newer one appeared within 400ms (last attempt: cannot re-read the token: file"
            ),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_source_without_expiry_is_fresh() {
        let start = Instant::now();
        wait_for_fresh(&Credential::Anonymous, Duration::from_secs(10), || 0)
            .await
            .unwrap();
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}
