//! The sandbox's token issuer: an ES256 key kept in the data directory, tokens minted with
//! it, and their verification.
//!
//! Tokens carry SciToken 2.0 claims (`ver`, `scope`, `aud`, `sub`, …) so that the official
//! client's token library accepts them once it trusts our key (see `scitokens_cache`).
//! Verification applies the rules the real server applies (server reference §7): signature,
//! expiry, not-before, audience (`ANY` or `scheme://host`), and the `gracedb.read` scope.

use std::path::{Path, PathBuf};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::SecretKey;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::gracedb::quirks::hex;

/// The `iss` of every sandbox token. It never resolves: clients must trust the key through a
/// seeded key cache (`graceflow sandbox trust`). Being `http://`, the official client's token
/// library never tries to fetch it either (it refuses non-HTTPS issuers before connecting), so
/// no request ever leaves the machine.
pub const ISSUER: &str = "http://sandbox.graceflow.invalid";

/// The scope GraceDB requires, for reads and writes alike: the same rule the client checks.
pub use crate::auth::{ANY_AUDIENCE, REQUIRED_SCOPE};

const KEY_FILE: &str = "issuer-es256.pem";

/// Why the issuer key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// The key file could not be read or written.
    #[error("issuer key {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file does not hold a P-256 private key.
    #[error("issuer key {path} is not a PKCS#8 P-256 private key: {message}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// The parser's complaint.
        message: String,
    },
    /// Signing failed.
    #[error("cannot sign a token: {0}")]
    Sign(String),
}

/// The claims of a sandbox token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user name the server maps the token to (lower-cased).
    pub sub: String,
    /// Audience: `ANY`, or the server's `scheme://host`.
    pub aud: String,
    /// Space-separated scopes.
    pub scope: String,
    /// SciToken version; `scitoken:2.0` keeps the official client's validator lenient.
    pub ver: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// A unique token ID.
    pub jti: String,
}

/// What to put in a new token.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The user.
    pub subject: String,
    /// Space-separated scopes.
    pub scope: String,
    /// The audience.
    pub audience: String,
    /// Seconds from now until expiry; negative mints an already-expired token (for tests).
    pub lifetime: i64,
    /// Seconds from now until the token becomes valid (0: valid at once).
    pub not_before: i64,
}

impl Default for TokenRequest {
    fn default() -> Self {
        Self {
            subject: "sandbox.user@example.org".into(),
            scope: REQUIRED_SCOPE.into(),
            audience: ANY_AUDIENCE.into(),
            lifetime: 3 * 3600,
            not_before: 0,
        }
    }
}

/// Why a presented token was not accepted. The server then treats the request as anonymous,
/// as the real one does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not a JWT, or not signed by this sandbox.
    #[error("token signature or format is invalid ({0})")]
    Invalid(String),
    /// Past `exp`.
    #[error("token expired")]
    Expired,
    /// Before `nbf`.
    #[error("token not valid yet")]
    NotYetValid,
    /// `iss` is not ours.
    #[error("token issuer {0:?} is not this sandbox")]
    Issuer(String),
    /// `aud` does not name this server.
    #[error("token audience {found:?} does not include ANY or {expected:?}")]
    Audience {
        /// The token's audience.
        found: String,
        /// What the server expected.
        expected: String,
    },
    /// `scope` lacks `gracedb.read`.
    #[error("token scope {0:?} does not include gracedb.read")]
    Scope(String),
}

/// How many verified signatures [`Issuer`] remembers before it starts over.
const VERIFIED_CAPACITY: usize = 4096;

/// The signing key and what is derived from it.
pub struct Issuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    key_id: String,
    public_pem: String,
    /// Claims of tokens whose signature was already checked, keyed by the token's SHA-256.
    /// An ES256 verification costs more than the rest of a small request together (it was
    /// 40 % of the sandbox's CPU in a 64-upload fan-out), and a client sends one token many
    /// times. Only the signature is remembered: expiry, audience and scope are checked on
    /// every request.
    verified: std::sync::Mutex<std::collections::HashMap<[u8; 32], serde_json::Value>>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// Load the key from `data_dir`, creating it (readable by the owner only) on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, IssuerError> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| IssuerError::Io {
            path: path.clone(),
            source,
        };
        let pem = match std::fs::read_to_string(&path) {
            Ok(pem) => pem,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SecretKey::random(&mut rand_core::OsRng);
                let pem = key
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(|e| IssuerError::Sign(e.to_string()))?
                    .to_string();
                write_private(&path, &pem).map_err(io)?;
                pem
            }
            Err(e) => return Err(io(e)),
        };
        let secret = SecretKey::from_pkcs8_pem(&pem).map_err(|e| IssuerError::Key {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let public = secret.public_key();
        let public_pem = public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| IssuerError::Sign(e.to_string()))?;
        let public_der = public
            .to_public_key_der()
            .map_err(|e| IssuerError::Sign(e.to_string()))?;
        let key_id = hex(&Sha256::digest(public_der.as_bytes())[..8]);
        let encoding = EncodingKey::from_ec_pem(pem.as_bytes()).map_err(|e| IssuerError::Key {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let decoding =
            DecodingKey::from_ec_pem(public_pem.as_bytes()).map_err(|e| IssuerError::Key {
                path,
                message: e.to_string(),
            })?;
        Ok(Self {
            encoding,
            decoding,
            key_id,
            public_pem,
            verified: Default::default(),
        })
    }

    /// The `kid` in token headers.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key, PEM (SubjectPublicKeyInfo).
    pub fn public_key_pem(&self) -> &str {
        &self.public_pem
    }

    /// Mint a signed token.
    pub fn mint(&self, req: &TokenRequest) -> Result<String, IssuerError> {
        let now = crate::gps::unix_now();
        let claims = Claims {
            iss: ISSUER.into(),
            sub: req.subject.clone(),
            aud: req.audience.clone(),
            scope: req.scope.clone(),
            ver: "scitoken:2.0".into(),
            iat: now,
            nbf: now + req.not_before,
            exp: now + req.lifetime,
            jti: format!("{:032x}", rand::random::<u128>()),
        };
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|e| IssuerError::Sign(e.to_string()))
    }

    /// Verify a token for a server reached as `audience` (`scheme://host`).
    pub fn verify(&self, token: &str, audience: &str) -> Result<Claims, Rejection> {
        let claims = self.signed_claims(token)?;
        check_claims(claims, audience, crate::gps::unix_now())
    }

    /// The claims of a token signed by this issuer, from the cache when it was seen before.
    fn signed_claims(&self, token: &str) -> Result<serde_json::Value, Rejection> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cached = self.lock_verified().get(&digest).cloned();
        if let Some(claims) = cached {
            return Ok(claims);
        }
        let mut v = Validation::new(Algorithm::ES256);
        // Time and audience rules are ours (`check_claims`), applied to cached claims too.
        v.validate_exp = false;
        v.validate_aud = false;
        v.set_required_spec_claims(&["exp", "sub"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(token, &self.decoding, &v)
            .map_err(|e| Rejection::Invalid(e.to_string()))?
            .claims;
        let mut verified = self.lock_verified();
        if verified.len() >= VERIFIED_CAPACITY {
            verified.clear();
        }
        verified.insert(digest, claims.clone());
        Ok(claims)
    }

    fn lock_verified(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<[u8; 32], serde_json::Value>> {
        // The map holds no invariant a panicking holder could break.
        self.verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The rules the server applies to a signed token's claims at Unix time `now`: expiry,
/// not-before (no leeway), issuer, audience (`ANY`, a string or a list) and scope.
fn check_claims(c: serde_json::Value, audience: &str, now: i64) -> Result<Claims, Rejection> {
    let time = |name: &str| c[name].as_i64();
    if time("exp").is_some_and(|exp| exp <= now) {
        return Err(Rejection::Expired);
    }
    if time("nbf").is_some_and(|nbf| nbf > now) {
        return Err(Rejection::NotYetValid);
    }
    let iss = c["iss"].as_str().unwrap_or_default();
    if iss != ISSUER {
        return Err(Rejection::Issuer(iss.to_owned()));
    }
    let auds: Vec<&str> = match &c["aud"] {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
        _ => vec![],
    };
    if !auds.iter().any(|a| *a == ANY_AUDIENCE || *a == audience) {
        return Err(Rejection::Audience {
            found: auds.join(" "),
            expected: audience.to_owned(),
        });
    }
    let scope = c["scope"].as_str().unwrap_or_default();
    if !scope.split_whitespace().any(|s| s == REQUIRED_SCOPE) {
        return Err(Rejection::Scope(scope.to_owned()));
    }
    serde_json::from_value(c).map_err(|e| Rejection::Invalid(e.to_string()))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> (tempfile::TempDir, Issuer) {
        let dir = tempfile::tempdir().unwrap();
        let i = Issuer::load_or_create(dir.path()).unwrap();
        (dir, i)
    }

    #[test]
    fn the_key_survives_a_restart() {
        let (dir, a) = issuer();
        let b = Issuer::load_or_create(dir.path()).unwrap();
        assert_eq!(a.key_id(), b.key_id());
        let t = a.mint(&TokenRequest::default()).unwrap();
        assert!(b.verify(&t, "http://127.0.0.1").is_ok());
    }

    #[test]
    fn each_rule_rejects() {
        let (_d, i) = issuer();
        let aud = "http://127.0.0.1";
        let mint = |f: &dyn Fn(&mut TokenRequest)| {
            let mut r = TokenRequest::default();
            f(&mut r);
            i.mint(&r).unwrap()
        };
        assert_eq!(
            i.verify(&mint(&|r| r.lifetime = -10), aud),
            Err(Rejection::Expired)
        );
        assert_eq!(
            i.verify(&mint(&|r| r.not_before = 600), aud),
            Err(Rejection::NotYetValid)
        );
        assert!(matches!(
            i.verify(
                &mint(&|r| r.audience = "https://gracedb.ligo.org".into()),
                aud
            ),
            Err(Rejection::Audience { .. })
        ));
        assert_eq!(
            i.verify(&mint(&|r| r.scope = "gracedb.write".into()), aud),
            Err(Rejection::Scope("gracedb.write".into()))
        );
        assert!(i.verify(&mint(&|r| r.audience = aud.into()), aud).is_ok());
        let (_d2, other) = issuer();
        assert!(matches!(
            other.verify(&mint(&|_| {}), aud),
            Err(Rejection::Invalid(_))
        ));
        assert!(matches!(
            i.verify("not.a.jwt", aud),
            Err(Rejection::Invalid(_))
        ));
    }

    #[test]
    fn a_remembered_signature_still_expires() {
        let (_d, i) = issuer();
        let aud = "http://127.0.0.1";
        let token = i
            .mint(&TokenRequest {
                audience: aud.into(),
                ..TokenRequest::default()
            })
            .unwrap();
        let first = i.verify(&token, aud).unwrap();
        assert_eq!(i.lock_verified().len(), 1);
        // The second check is served from the cache, with the same answer…
        assert_eq!(i.verify(&token, aud), Ok(first.clone()));
        let claims = i.signed_claims(&token).unwrap();
        // …and the time and audience rules still apply to it.
        assert_eq!(
            check_claims(claims.clone(), aud, first.exp),
            Err(Rejection::Expired)
        );
        assert_eq!(
            check_claims(claims.clone(), aud, first.nbf - 1),
            Err(Rejection::NotYetValid)
        );
        assert!(matches!(
            check_claims(claims, "https://gracedb.ligo.org", first.iat),
            Err(Rejection::Audience { .. })
        ));
        // A tampered token is not mistaken for a remembered one.
        let mut tampered = token.clone();
        tampered.pop();
        assert!(matches!(
            i.verify(&tampered, aud),
            Err(Rejection::Invalid(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, _i) = issuer();
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
