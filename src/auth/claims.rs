//! A token's claims, decoded without checking the signature, and the checks GraceDB applies to
//! them, each failure a [`ClaimProblem`] with its fix.
//!
//! The server verifies the signature; we only read the claims to warn before a run. This
//! matters because the real server never says "bad token": a token it rejects is silently
//! treated as anonymous, and the first write fails with a bare 403 (server reference §7).

use serde::{Deserialize, Serialize};

use super::token::Token;
use crate::duration::humanize;
use crate::journal::utc_string;

/// The scope GraceDB requires, for writes as well as reads (server reference §7).
pub const REQUIRED_SCOPE: &str = "gracedb.read";

/// The audience every GraceDB accepts.
pub const ANY_AUDIENCE: &str = "ANY";

/// How far `nbf` may lie in the future before we call the token not yet valid: clocks drift.
pub const CLOCK_SKEW: i64 = 60;

/// The command the LIGO user guide gives for a GraceDB token.
pub const HTGETTOKEN: &str = "htgettoken -a vault.ligo.org -i igwn --scopes=gracedb.read";

/// The claims graceflow reads. Every one is optional; missing ones are simply not checked,
/// except `scope`, which GraceDB requires.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Claims {
    /// Subject: the user the server maps the token to.
    pub sub: Option<String>,
    /// Issuer.
    pub iss: Option<String>,
    /// Audiences (`aud` as a string or a list); empty when absent.
    pub aud: Vec<String>,
    /// Scopes (`scope`, space-separated, or `scp`, a list); empty when absent.
    pub scope: Vec<String>,
    /// Expiry, Unix seconds.
    pub exp: Option<i64>,
    /// Not before, Unix seconds.
    pub nbf: Option<i64>,
    /// Issued at, Unix seconds.
    pub iat: Option<i64>,
}

/// The claims as they may appear on the wire.
#[derive(Deserialize)]
struct Wire {
    sub: Option<String>,
    iss: Option<String>,
    aud: Option<OneOrMany>,
    scope: Option<String>,
    // The official client accepts `scp` (a list) in place of `scope` (client reference §7.3).
    scp: Option<Vec<String>>,
    // NumericDate may carry a fraction (RFC 7519 §2).
    exp: Option<f64>,
    nbf: Option<f64>,
    iat: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Something about a token that will make GraceDB treat us as anonymous. `Display` says what
/// is wrong; [`hint`](Self::hint) says how to fix it. Neither ever contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimProblem {
    /// Not three base64url parts holding JSON.
    #[error("not a JWT: {reason}")]
    NotJwt {
        /// What is wrong with its shape.
        reason: String,
    },
    /// `exp` is past.
    #[error("the token expired {} ago, at {}", humanize(now - exp), utc_string(*exp))]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The time of the check.
        now: i64,
    },
    /// `nbf` is further in the future than clock skew explains.
    #[error(
        "the token is not valid before {} (in {})",
        utc_string(*nbf),
        humanize(nbf - now)
    )]
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The time of the check.
        now: i64,
    },
    /// `aud` names neither `ANY` nor this server.
    #[error("{}", audience_message(found, expected))]
    Audience {
        /// The token's audiences.
        found: Vec<String>,
        /// What the server accepts besides `ANY`: `scheme://host`.
        expected: String,
    },
    /// `scope` lacks `gracedb.read`.
    #[error(
        "{}, which lacks {REQUIRED_SCOPE}: GraceDB needs {REQUIRED_SCOPE} for every request, writes included (gracedb.write alone is not accepted)",
        scope_found(found)
    )]
    Scope {
        /// The token's scopes.
        found: Vec<String>,
    },
}

fn audience_message(found: &[String], expected: &str) -> String {
    let port_note = if found.iter().any(|a| differs_by_port(a, expected)) {
        " (the server compares scheme://host, without the port)"
    } else {
        ""
    };
    format!(
        "the token's audience is {}, but this server accepts only {ANY_AUDIENCE} or {expected}{port_note}",
        found.join(" ")
    )
}

fn scope_found(found: &[String]) -> String {
    if found.is_empty() {
        "the token has no scope".to_owned()
    } else {
        format!("the token's scope is \"{}\"", found.join(" "))
    }
}

/// `http://127.0.0.1:8000` against `http://127.0.0.1`.
fn differs_by_port(aud: &str, expected: &str) -> bool {
    aud.strip_prefix(expected)
        .and_then(|rest| rest.trim_end_matches('/').strip_prefix(':'))
        .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
}

impl ClaimProblem {
    /// How to fix it.
    pub fn hint(&self) -> String {
        match self {
            Self::NotJwt { .. } => {
                "check that the file or variable holds only the token (three base64url parts joined by dots)".to_owned()
            }
            Self::Expired { .. } => format!(
                "get a new one with `{HTGETTOKEN}`; in an HTCondor job, check that the job's credentials are being renewed"
            ),
            Self::NotYetValid { .. } => {
                "check this machine's clock, or wait until the token becomes valid".to_owned()
            }
            Self::Audience { expected, .. } if expected.starts_with("http://") => format!(
                "for the sandbox, mint one with `graceflow sandbox token --aud {expected}` (or --aud {ANY_AUDIENCE})"
            ),
            Self::Audience { expected, .. } => {
                format!("get one for this server with `{HTGETTOKEN} --audience={expected}`")
            }
            Self::Scope { .. } => format!("get a new one with `{HTGETTOKEN}`"),
        }
    }

    /// A stable name for machine-readable output.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJwt { .. } => "not_jwt",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::Audience { .. } => "audience",
            Self::Scope { .. } => "scope",
        }
    }

    /// The problem and its fix, on one line.
    pub fn explain(&self) -> String {
        format!("{self}; {}", self.hint())
    }
}

impl Claims {
    /// Read a token's claims without checking its signature.
    pub fn decode(token: &Token) -> Result<Self, ClaimProblem> {
        let raw = token.expose();
        check_shape(raw).map_err(|reason| ClaimProblem::NotJwt { reason })?;
        let wire = jsonwebtoken::dangerous::insecure_decode::<Wire>(raw)
            .map_err(|e| ClaimProblem::NotJwt {
                reason: decode_reason(&e),
            })?
            .claims;
        let scope = match (wire.scope, wire.scp) {
            (Some(s), _) => s.split_whitespace().map(str::to_owned).collect(),
            (None, Some(list)) => list,
            (None, None) => vec![],
        };
        // Fractions of a second do not matter to any check here.
        let secs = |t: Option<f64>| t.map(|t| t.floor() as i64);
        Ok(Self {
            sub: wire.sub,
            iss: wire.iss,
            aud: match wire.aud {
                None => vec![],
                Some(OneOrMany::One(a)) => vec![a],
                Some(OneOrMany::Many(list)) => list,
            },
            scope,
            exp: secs(wire.exp),
            nbf: secs(wire.nbf),
            iat: secs(wire.iat),
        })
    }

    /// Everything GraceDB at `server_url` would hold against this token at Unix time `now`.
    /// Without a server the audience is not checked.
    pub fn check(&self, server_url: Option<&str>, now: i64) -> Vec<ClaimProblem> {
        let mut problems = vec![];
        if let Some(exp) = self.exp.filter(|&exp| exp <= now) {
            problems.push(ClaimProblem::Expired { exp, now });
        }
        if let Some(nbf) = self.nbf.filter(|&nbf| nbf > now + CLOCK_SKEW) {
            problems.push(ClaimProblem::NotYetValid { nbf, now });
        }
        if let Some(expected) = server_url.and_then(audience_for)
            && !self.aud.is_empty()
            && !self.aud.iter().any(|a| audience_matches(a, &expected))
        {
            problems.push(ClaimProblem::Audience {
                found: self.aud.clone(),
                expected,
            });
        }
        if !self.scope.iter().any(|s| s == REQUIRED_SCOPE) {
            problems.push(ClaimProblem::Scope {
                found: self.scope.clone(),
            });
        }
        problems
    }

    /// Seconds until `exp` (negative once past), if the token has one.
    pub fn seconds_left(&self, now: i64) -> Option<i64> {
        self.exp.map(|exp| exp - now)
    }
}

/// The audience a server at `server_url` accepts besides `ANY`: `scheme://host` with the port
/// dropped, as the official client derives it and the sandbox checks it (client reference
/// §7.3). `None` for something that is not a URL.
pub fn audience_for(server_url: &str) -> Option<String> {
    let u = url::Url::parse(server_url).ok()?;
    let host = match u.host()? {
        url::Host::Ipv6(ip) => format!("[{ip}]"),
        h => h.to_string(),
    };
    Some(format!("{}://{host}", u.scheme()))
}

/// Whether one `aud` value admits the server. A trailing slash is tolerated, since some
/// issuers write audiences as URLs with one.
fn audience_matches(aud: &str, expected: &str) -> bool {
    aud == ANY_AUDIENCE || aud.trim_end_matches('/') == expected
}

/// The shape of a compact JWS, checked before decoding so the reason names what is wrong
/// rather than a base64 offset.
fn check_shape(raw: &str) -> Result<(), String> {
    if raw.is_empty() {
        return Err("it is empty".to_owned());
    }
    if raw.chars().any(char::is_whitespace) {
        return Err(
            "it contains spaces or line breaks (a second token, or a prefix such as `Bearer `?)"
                .to_owned(),
        );
    }
    let parts = raw.split('.').count();
    if parts != 3 {
        return Err(format!(
            "it has {parts} dot-separated part{}, a JWT has 3",
            if parts == 1 { "" } else { "s" }
        ));
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
    {
        return Err("it contains characters outside base64url (A-Z a-z 0-9 - _)".to_owned());
    }
    Ok(())
}

fn decode_reason(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::Base64(_) => "a part is not valid base64url".to_owned(),
        ErrorKind::Utf8(_) => "a part does not decode to UTF-8 text".to_owned(),
        // serde's message names the claim and the expected type, never the token.
        ErrorKind::Json(j) => format!("its header or claims are not the JSON a JWT holds: {j}"),
        _ => "its header is not a JWT header".to_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::{Value, json};

    pub(crate) const NOW: i64 = 1_780_000_000;

    /// A token with exactly these claims, HS256-signed with a throwaway key (the signature is
    /// never checked here).
    pub(crate) fn token(claims: Value) -> Token {
        let key = jsonwebtoken::EncodingKey::from_secret(b"test");
        Token::new(jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap())
    }

    /// Claims that pass every check against `https://gracedb.ligo.org/api/` at [`NOW`].
    pub(crate) fn good() -> Value {
        json!({
            "sub": "albert.einstein@ligo.org",
            "iss": "https://cilogon.org/igwn",
            "aud": "https://gracedb.ligo.org",
            "scope": "gracedb.read read:/ligo",
            "exp": NOW + 3600,
            "nbf": NOW - 10,
            "iat": NOW - 10,
        })
    }

    fn with(f: impl FnOnce(&mut Value)) -> Claims {
        let mut c = good();
        f(&mut c);
        Claims::decode(&token(c)).unwrap()
    }

    const PROD: Option<&str> = Some("https://gracedb.ligo.org/api/");

    #[test]
    fn decodes_every_claim() {
        let c = with(|_| {});
        assert_eq!(c.sub.as_deref(), Some("albert.einstein@ligo.org"));
        assert_eq!(c.iss.as_deref(), Some("https://cilogon.org/igwn"));
        assert_eq!(c.aud, ["https://gracedb.ligo.org"]);
        assert_eq!(c.scope, ["gracedb.read", "read:/ligo"]);
        assert_eq!(
            (c.exp, c.nbf, c.iat),
            (Some(NOW + 3600), Some(NOW - 10), Some(NOW - 10))
        );
        assert_eq!(c.seconds_left(NOW), Some(3600));
        assert!(c.check(PROD, NOW).is_empty());
    }

    #[test]
    fn audience_lists_scp_and_fractional_times_decode() {
        let c = with(|c| {
            c["aud"] = json!(["https://gracedb-test.ligo.org", "ANY"]);
            c.as_object_mut().unwrap().remove("scope");
            c["scp"] = json!(["gracedb.read"]);
            c["exp"] = json!(NOW as f64 + 0.75);
        });
        assert_eq!(c.aud, ["https://gracedb-test.ligo.org", "ANY"]);
        assert_eq!(c.scope, ["gracedb.read"]);
        assert_eq!(c.exp, Some(NOW));
        assert!(c.check(PROD, NOW - 1).is_empty());
    }

    #[test]
    fn missing_claims_decode_as_absent() {
        let c = Claims::decode(&token(json!({}))).unwrap();
        assert_eq!(c, Claims::default());
        // Only the scope is required.
        assert!(matches!(
            &c.check(PROD, NOW)[..],
            [ClaimProblem::Scope { .. }]
        ));
    }

    #[test]
    fn expired() {
        let c = with(|c| c["exp"] = json!(NOW - 3 * 60 - 5));
        let p = c.check(None, NOW);
        assert_eq!(
            p,
            [ClaimProblem::Expired {
                exp: NOW - 185,
                now: NOW
            }]
        );
        assert_eq!(
            p[0].to_string(),
            format!("the token expired 3m05s ago, at {}", utc_string(NOW - 185))
        );
        assert!(p[0].hint().contains(&format!("`{HTGETTOKEN}`")));
        assert_eq!(p[0].code(), "expired");
        // Expiring exactly now is expired, as the server sees it.
        assert_eq!(with(|c| c["exp"] = json!(NOW)).check(None, NOW).len(), 1);
    }

    #[test]
    fn not_yet_valid_beyond_the_clock_skew() {
        assert!(
            with(|c| c["nbf"] = json!(NOW + CLOCK_SKEW))
                .check(None, NOW)
                .is_empty()
        );
        let p = with(|c| c["nbf"] = json!(NOW + 600)).check(None, NOW);
        assert_eq!(
            p,
            [ClaimProblem::NotYetValid {
                nbf: NOW + 600,
                now: NOW
            }]
        );
        assert!(p[0].to_string().contains("(in 10m00s)"), "{}", p[0]);
        assert!(p[0].hint().contains("clock"));
    }

    #[test]
    fn audience() {
        let test = with(|c| c["aud"] = json!("https://gracedb-test.ligo.org"));
        let p = test.check(PROD, NOW);
        assert_eq!(
            p,
            [ClaimProblem::Audience {
                found: vec!["https://gracedb-test.ligo.org".into()],
                expected: "https://gracedb.ligo.org".into()
            }]
        );
        assert_eq!(
            p[0].to_string(),
            "the token's audience is https://gracedb-test.ligo.org, but this server accepts only ANY or https://gracedb.ligo.org"
        );
        assert_eq!(
            p[0].hint(),
            format!(
                "get one for this server with `{HTGETTOKEN} --audience=https://gracedb.ligo.org`"
            )
        );
        // Without a server there is nothing to compare with.
        assert!(test.check(None, NOW).is_empty());
        // ANY, a trailing slash, and a list holding the server all pass.
        for aud in [
            json!("ANY"),
            json!("https://gracedb.ligo.org/"),
            json!(["x", "https://gracedb.ligo.org"]),
        ] {
            assert!(
                with(|c| c["aud"] = aud.clone()).check(PROD, NOW).is_empty(),
                "{aud}"
            );
        }
    }

    #[test]
    fn audience_drops_the_port_like_the_server() {
        let url = "http://127.0.0.1:8123/api/";
        let sandbox = Some(url);
        assert_eq!(audience_for(url).as_deref(), Some("http://127.0.0.1"));
        assert_eq!(
            audience_for("http://[::1]:80/api/").as_deref(),
            Some("http://[::1]")
        );
        assert!(
            with(|c| c["aud"] = json!("http://127.0.0.1"))
                .check(sandbox, NOW)
                .is_empty()
        );
        let p = with(|c| c["aud"] = json!("http://127.0.0.1:8123")).check(sandbox, NOW);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].to_string()
                .ends_with("(the server compares scheme://host, without the port)"),
            "{}",
            p[0]
        );
        assert!(
            p[0].hint()
                .contains("graceflow sandbox token --aud http://127.0.0.1")
        );
    }

    #[test]
    fn scope() {
        let p = with(|c| c["scope"] = json!("gracedb.write read:/ligo")).check(PROD, NOW);
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0].to_string(),
            "the token's scope is \"gracedb.write read:/ligo\", which lacks gracedb.read: GraceDB needs gracedb.read for every request, writes included (gracedb.write alone is not accepted)"
        );
        assert_eq!(p[0].code(), "scope");
    }

    #[test]
    fn every_problem_at_once() {
        let c = with(|c| {
            c["exp"] = json!(NOW - 1);
            c["nbf"] = json!(NOW + 3600);
            c["aud"] = json!("https://elsewhere.org");
            c["scope"] = json!("");
        });
        let codes: Vec<_> = c.check(PROD, NOW).iter().map(ClaimProblem::code).collect();
        assert_eq!(codes, ["expired", "not_yet_valid", "audience", "scope"]);
    }

    #[test]
    fn not_a_jwt_says_why_without_the_token() {
        let good = token(good());
        let raw = good.expose();
        let cases = [
            ("", "it is empty"),
            ("hunter2", "it has 1 dot-separated part, a JWT has 3"),
            ("a.b", "it has 2 dot-separated parts, a JWT has 3"),
            (
                &*format!("Bearer {raw}"),
                "it contains spaces or line breaks",
            ),
            (
                &*format!("{raw}\n{raw}"),
                "it contains spaces or line breaks",
            ),
            ("a$b.c.d", "it contains characters outside base64url"),
            ("!!.a.b", "it contains characters outside base64url"),
            ("eyJhbGciOiJIUzI1NiJ9.a.b", "a part is not valid base64url"),
            (
                "e30.e30.sig",
                "its header or claims are not the JSON a JWT holds: missing field `alg`",
            ),
        ];
        for (input, reason) in cases {
            // Token::new trims outer whitespace; build the inner-whitespace case raw.
            let t = Token::new(input);
            let p = Claims::decode(&t).unwrap_err();
            assert_eq!(p.code(), "not_jwt");
            let text = p.explain();
            assert!(
                text.starts_with(&format!("not a JWT: {reason}")),
                "{input:?}: {text}"
            );
            assert!(text.contains("check that the file or variable holds only the token"));
            if input.len() > 8 {
                assert!(!text.contains(input), "{text}");
            }
            assert!(!text.contains(raw), "{text}");
        }
        // Claims of the wrong type are named.
        let p = Claims::decode(&token(json!({"exp": "tomorrow"}))).unwrap_err();
        assert!(p.to_string().contains("invalid type"), "{p}");
    }
}
