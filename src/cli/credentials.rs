//! Credentials on the command line: discovery in this process's environment, the words `run`
//! and `token` use about what was found, and the checks `run` makes before its first request.

use std::path::Path;
use std::sync::Arc;

use crate::auth::{
    ClaimProblem, Claims, CredentialSource, DEFAULT_SERVICE, Discovery, DiscoveryError,
    DiscoveryOptions, Found, HTGETTOKEN, discover,
};
use crate::duration::humanize;
use crate::journal::utc_string;

/// Discover a token in this process's environment.
pub(super) fn discover_here(
    token_file: Option<&Path>,
    service: &str,
) -> Result<Discovery, DiscoveryError> {
    let mut options = DiscoveryOptions::for_this_process(token_file.map(Path::to_path_buf));
    options.service = service.to_owned();
    discover(&options, &|name| std::env::var(name).ok())
}

/// Every place, one per line, indented, for messages.
fn attempt_lines(d: &Discovery) -> String {
    d.attempts
        .iter()
        .map(|a| format!("  {a}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `2026-05-01T12:00:00Z (2h59m left)`, or `… (expired 5m00s ago)`.
pub(super) fn expiry_text(exp: i64, now: i64) -> String {
    let left = exp - now;
    if left > 0 {
        format!("{} ({} left)", utc_string(exp), humanize(left))
    } else {
        format!("{} (expired {} ago)", utc_string(exp), humanize(left))
    }
}

/// `token file /x (BEARER_TOKEN_FILE), sub=…, expires …`: the one line `run` prints.
fn summary(found: &Found, claims: &Claims, now: i64) -> String {
    let mut line = found.describe();
    if let Some(sub) = &claims.sub {
        line.push_str(&format!(", sub={sub}"));
    }
    match claims.exp {
        Some(exp) => line.push_str(&format!(", expires {}", expiry_text(exp, now))),
        None => line.push_str(", no expiry"),
    }
    line
}

/// The credential source `run` uses against a remote server at `url`, after discovery and the
/// claim checks. Fails before the first request when a manifest that writes has no token, or
/// when the token cannot be accepted and will not change by itself; warns when it has expired
/// but lives in a file a renewer may replace.
pub(super) fn remote_credential(
    token_file: Option<&Path>,
    url: &str,
    writes: bool,
) -> anyhow::Result<Arc<dyn CredentialSource>> {
    let discovery = discover_here(token_file, DEFAULT_SERVICE)?;
    let now = crate::gps::unix_now();
    let Some(found) = discovery.found() else {
        if writes {
            anyhow::bail!(
                "this manifest writes to GraceDB but no credential was found; looked in:\n{}\nget a token with `{HTGETTOKEN}`, then give --token-file or set BEARER_TOKEN_FILE",
                attempt_lines(&discovery)
            );
        }
        eprintln!("graceflow: credential: none found; reading anonymously (public data only)");
        return Ok(discovery.credential_source());
    };
    let claims = Claims::decode(found.token()).map_err(|p| {
        anyhow::anyhow!(
            "the token from {} cannot be used: {}",
            found.describe(),
            p.explain()
        )
    })?;
    eprintln!("graceflow: credential: {}", summary(found, &claims, now));
    let mut fatal = vec![];
    for problem in claims.check(Some(url), now) {
        match (&problem, &found.path) {
            // A renewer may replace the file, and each request re-reads it.
            (ClaimProblem::Expired { .. }, Some(path)) => eprintln!(
                "graceflow: warning: {problem}; requests will use a renewed token as soon as {} is replaced ({})",
                path.display(),
                problem.hint()
            ),
            // Time cures it, wherever the token is.
            (ClaimProblem::NotYetValid { .. }, _) => {
                eprintln!("graceflow: warning: {}", problem.explain());
            }
            _ => fatal.push(problem.explain()),
        }
    }
    if !fatal.is_empty() {
        anyhow::bail!(
            "{url} would not accept the token from {} (it would treat every request as anonymous):\n  - {}",
            found.describe(),
            fatal.join("\n  - ")
        );
    }
    Ok(found.source())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_reads_both_ways() {
        let now = 1_780_000_000;
        assert_eq!(
            expiry_text(now + 3 * 3600 - 60, now),
            format!("{} (2h59m left)", utc_string(now + 3 * 3600 - 60))
        );
        assert_eq!(
            expiry_text(now - 300, now),
            format!("{} (expired 5m00s ago)", utc_string(now - 300))
        );
    }
}
