//! Token discovery: which of the places a bearer token may be holds one, in the order of the
//! design (explicit file, `BEARER_TOKEN`, `BEARER_TOKEN_FILE`, HTCondor's credential
//! directory, `SCITOKEN`/`SCITOKEN_FILE`, `$XDG_RUNTIME_DIR/bt_u<uid>`, `/tmp/bt_u<uid>`), and a
//! report of why each other place was skipped.
//!
//! The first place holding a non-empty token wins, valid or not. The official client falls
//! through past some invalid tokens and not others (client reference §7.3); we stop at the
//! first one, so the same place is used whatever the server, and [`Claims::check`] says what
//! is wrong with it rather than another token being used silently.
//!
//! The environment is a parameter so that tests never touch the process's own.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::claims::Claims;
use super::credential::{Credential, CredentialError, CredentialSource};
use super::env_vars as var;
use super::token::Token;
use super::token_file::{DEFAULT_RELOAD_BUFFER, FileProblem, TokenFile};

/// The HTCondor credential service whose `<service>.use` file is read by default (LIGO's
/// `use_oauth_services = igwn`).
pub const DEFAULT_SERVICE: &str = "igwn";

/// The places a token may be, in discovery order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `--token-file`.
    TokenFileFlag,
    /// `$BEARER_TOKEN`: the token itself.
    BearerToken,
    /// `$BEARER_TOKEN_FILE`: a path.
    BearerTokenFile,
    /// `$_CONDOR_CREDS/<service>.use`.
    CondorCreds,
    /// `$SCITOKEN`: the token itself.
    SciToken,
    /// `$SCITOKEN_FILE`: a path.
    SciTokenFile,
    /// `$XDG_RUNTIME_DIR/bt_u<uid>`.
    XdgRuntimeDir,
    /// `/tmp/bt_u<uid>`.
    Tmp,
}

impl SourceKind {
    /// Every kind, in discovery order.
    pub const ORDER: [Self; 8] = [
        Self::TokenFileFlag,
        Self::BearerToken,
        Self::BearerTokenFile,
        Self::CondorCreds,
        Self::SciToken,
        Self::SciTokenFile,
        Self::XdgRuntimeDir,
        Self::Tmp,
    ];

    /// How users know the place.
    pub fn name(self) -> &'static str {
        match self {
            Self::TokenFileFlag => "--token-file",
            Self::BearerToken => var::BEARER_TOKEN,
            Self::BearerTokenFile => var::BEARER_TOKEN_FILE,
            Self::CondorCreds => "$_CONDOR_CREDS/<service>.use",
            Self::SciToken => var::SCITOKEN,
            Self::SciTokenFile => var::SCITOKEN_FILE,
            Self::XdgRuntimeDir => "$XDG_RUNTIME_DIR/bt_u<uid>",
            Self::Tmp => "/tmp/bt_u<uid>",
        }
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a place held no token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
    /// No `--token-file` on the command line.
    #[error("not given")]
    NotGiven,
    /// The variable is not in the environment.
    #[error("{0} is not set")]
    NotSet(&'static str),
    /// The variable is set to nothing but whitespace.
    #[error("{0} is set but empty")]
    EmptyVar(&'static str),
    /// The user ID is needed for the path and could not be found.
    #[error("the user ID is unknown (/proc/self/status unreadable)")]
    UnknownUid,
    /// The file is missing, empty or unreadable.
    #[error(transparent)]
    File(FileProblem),
}

/// What happened at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The token was taken from here.
    Found,
    /// Looked at; no token.
    Skipped(SkipReason),
    /// Not looked at: an earlier place won.
    NotTried,
}

impl Outcome {
    /// `found`, `skipped` or `not tried`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Found => "found",
            Self::Skipped(_) => "skipped",
            Self::NotTried => "not tried",
        }
    }
}

/// One place in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Which place.
    pub kind: SourceKind,
    /// The file looked at, for file places whose path could be formed.
    pub path: Option<PathBuf>,
    /// What happened.
    pub outcome: Outcome,
}

/// `BEARER_TOKEN_FILE: found: /x`, `BEARER_TOKEN: skipped: BEARER_TOKEN is not set`.
impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.outcome.name())?;
        match (&self.outcome, &self.path) {
            (Outcome::Skipped(reason), _) => write!(f, ": {reason}"),
            (Outcome::Found, Some(path)) => write!(f, ": {}", path.display()),
            _ => Ok(()),
        }
    }
}

/// Where the token was found, and the source that keeps it current.
#[derive(Debug, Clone)]
pub struct Found {
    /// Which place.
    pub kind: SourceKind,
    /// The file, for file places.
    pub path: Option<PathBuf>,
    token: Token,
    source: Arc<dyn CredentialSource>,
}

impl Found {
    /// The token as read during discovery.
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// The credential source for a client: a [`TokenFile`] for file places, so that renewals
    /// are picked up.
    pub fn source(&self) -> Arc<dyn CredentialSource> {
        self.source.clone()
    }

    /// `token file /x (BEARER_TOKEN_FILE)`, `token in $BEARER_TOKEN`: never the token.
    pub fn describe(&self) -> String {
        match &self.path {
            Some(_) => format!("{} ({})", self.source.describe(), self.kind),
            None => self.source.describe(),
        }
    }
}

/// The outcome of discovery: every place in order with what happened there, and the winner.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// Every place, in order.
    pub attempts: Vec<Attempt>,
    found: Option<Found>,
}

impl Discovery {
    /// The winner, if any place held a token.
    pub fn found(&self) -> Option<&Found> {
        self.found.as_ref()
    }

    /// The winner's credential source, or anonymous.
    pub fn credential_source(&self) -> Arc<dyn CredentialSource> {
        self.found
            .as_ref()
            .map_or_else(|| Arc::new(Credential::Anonymous) as _, Found::source)
    }
}

/// An explicitly named token file that cannot be used. Unlike the places looked at by
/// default, a file the user named is not skipped silently.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--token-file: {0}")]
pub struct DiscoveryError(pub FileProblem);

/// What discovery needs besides the environment.
#[derive(Debug, Clone)]
pub struct DiscoveryOptions {
    /// `--token-file`.
    pub token_file: Option<PathBuf>,
    /// The HTCondor credential service (`<service>.use`).
    pub service: String,
    /// The user ID for `bt_u<uid>`; `None` skips those places.
    pub uid: Option<u32>,
    /// The directory of the last place (`/tmp`; another one in tests).
    pub tmp_dir: PathBuf,
    /// The reload buffer of a found [`TokenFile`].
    pub reload_buffer: Duration,
}

impl DiscoveryOptions {
    /// Options for this process: its user ID, `/tmp`, service `igwn`, the default buffer.
    pub fn for_this_process(token_file: Option<PathBuf>) -> Self {
        Self {
            token_file,
            service: DEFAULT_SERVICE.to_owned(),
            uid: current_uid(),
            tmp_dir: PathBuf::from("/tmp"),
            reload_buffer: DEFAULT_RELOAD_BUFFER,
        }
    }
}

/// Look for a token in every place, in order. `env` reads one environment variable.
pub fn discover(
    options: &DiscoveryOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Discovery, DiscoveryError> {
    let mut attempts = Vec::with_capacity(SourceKind::ORDER.len());
    let mut found = None;
    for kind in SourceKind::ORDER {
        if found.is_some() {
            attempts.push(Attempt {
                kind,
                path: None,
                outcome: Outcome::NotTried,
            });
            continue;
        }
        let (path, result) = look(kind, options, env);
        let outcome = match result {
            Ok((token, source)) => {
                found = Some(Found {
                    kind,
                    path: path.clone(),
                    token,
                    source,
                });
                Outcome::Found
            }
            Err(SkipReason::File(problem)) if kind == SourceKind::TokenFileFlag => {
                return Err(DiscoveryError(problem));
            }
            Err(reason) => Outcome::Skipped(reason),
        };
        attempts.push(Attempt {
            kind,
            path,
            outcome,
        });
    }
    Ok(Discovery { attempts, found })
}

type Look = Result<(Token, Arc<dyn CredentialSource>), SkipReason>;

/// One place: the file it names (if any) and its token or why there is none.
fn look(
    kind: SourceKind,
    options: &DiscoveryOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Option<PathBuf>, Look) {
    let var_path = |name: &'static str| match env(name) {
        None => Err(SkipReason::NotSet(name)),
        Some(v) if v.trim().is_empty() => Err(SkipReason::EmptyVar(name)),
        Some(v) => Ok(PathBuf::from(v)),
    };
    let bt_name = || {
        options
            .uid
            .map(|uid| format!("bt_u{uid}"))
            .ok_or(SkipReason::UnknownUid)
    };
    let path = match kind {
        SourceKind::BearerToken => return (None, from_var(var::BEARER_TOKEN, env)),
        SourceKind::SciToken => return (None, from_var(var::SCITOKEN, env)),
        SourceKind::TokenFileFlag => options.token_file.clone().ok_or(SkipReason::NotGiven),
        SourceKind::BearerTokenFile => var_path(var::BEARER_TOKEN_FILE),
        SourceKind::SciTokenFile => var_path(var::SCITOKEN_FILE),
        SourceKind::CondorCreds => {
            var_path(var::CONDOR_CREDS).map(|d| d.join(format!("{}.use", options.service)))
        }
        SourceKind::XdgRuntimeDir => {
            var_path(var::XDG_RUNTIME_DIR).and_then(|d| Ok(d.join(bt_name()?)))
        }
        SourceKind::Tmp => bt_name().map(|n| options.tmp_dir.join(n)),
    };
    match path {
        Ok(path) => {
            let look = from_file(&path, options.reload_buffer);
            (Some(path), look)
        }
        Err(reason) => (None, Err(reason)),
    }
}

fn from_var(name: &'static str, env: &dyn Fn(&str) -> Option<String>) -> Look {
    let token = Token::new(env(name).ok_or(SkipReason::NotSet(name))?);
    if token.is_empty() {
        return Err(SkipReason::EmptyVar(name));
    }
    let exp = Claims::decode(&token).ok().and_then(|c| c.exp);
    let source = Arc::new(EnvToken {
        var: name,
        token: token.clone(),
        exp,
    });
    Ok((token, source))
}

fn from_file(path: &Path, reload_buffer: Duration) -> Look {
    let file = TokenFile::open(path)
        .map_err(SkipReason::File)?
        .reload_buffer(reload_buffer);
    Ok((file.token(), Arc::new(file)))
}

/// A token given in an environment variable: fixed for the life of the process.
#[derive(Debug)]
struct EnvToken {
    var: &'static str,
    token: Token,
    exp: Option<i64>,
}

impl CredentialSource for EnvToken {
    fn credential(&self) -> Result<Credential, CredentialError> {
        Ok(Credential::Bearer(self.token.clone()))
    }

    fn expires_at(&self) -> Option<i64> {
        self.exp
    }

    fn describe(&self) -> String {
        format!("token in ${}", self.var)
    }
}

/// This process's effective user ID, as `htgettoken` and the official client use it in
/// `bt_u<uid>`. Read from `/proc` since there is no `libc` dependency to ask.
pub fn current_uid() -> Option<u32> {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .as_deref()
        .and_then(effective_uid)
        .or_else(|| {
            // /proc/self belongs to the process's effective user.
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                std::fs::metadata("/proc/self").ok().map(|m| m.uid())
            }
            #[cfg(not(unix))]
            None
        })
}

/// The effective UID from `/proc/self/status`, whose line reads `Uid: real effective saved fs`.
fn effective_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|id| id.parse().ok())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::super::claims::tests::{NOW, token};
    use super::*;

    const UID: u32 = 4242;

    struct World {
        dir: tempfile::TempDir,
        env: HashMap<&'static str, String>,
        options: DiscoveryOptions,
    }

    impl World {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let tmp = dir.path().join("tmp");
            std::fs::create_dir(&tmp).unwrap();
            let options = DiscoveryOptions {
                token_file: None,
                service: DEFAULT_SERVICE.into(),
                uid: Some(UID),
                tmp_dir: tmp,
                reload_buffer: DEFAULT_RELOAD_BUFFER,
            };
            Self {
                dir,
                env: HashMap::new(),
                options,
            }
        }

        /// A file holding a token whose subject names it; returns its path.
        fn file(&self, rel: &str, sub: &str) -> PathBuf {
            let path = self.dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let t = token(json!({"sub": sub, "scope": "gracedb.read", "exp": NOW + 3600}));
            std::fs::write(&path, format!("{}\n", t.expose())).unwrap();
            path
        }

        fn path(&self, rel: &str) -> String {
            self.dir.path().join(rel).display().to_string()
        }

        fn discover(&self) -> Result<Discovery, DiscoveryError> {
            discover(&self.options, &|name| self.env.get(name).cloned())
        }

        fn winner(&self) -> (SourceKind, String) {
            let d = self.discover().unwrap();
            let f = d.found().expect("a token");
            let sub = Claims::decode(f.token()).unwrap().sub.unwrap();
            (f.kind, sub)
        }
    }

    fn reasons(d: &Discovery) -> Vec<String> {
        d.attempts
            .iter()
            .map(|a| match &a.outcome {
                Outcome::Found => format!("{}: found", a.kind),
                Outcome::Skipped(r) => format!("{}: {r}", a.kind),
                Outcome::NotTried => format!("{}: not tried", a.kind),
            })
            .collect()
    }

    #[test]
    fn nothing_anywhere_is_anonymous_and_says_why_everywhere() {
        let w = World::new();
        let d = w.discover().unwrap();
        assert!(d.found().is_none());
        assert_eq!(
            d.credential_source().credential(),
            Ok(Credential::Anonymous)
        );
        assert_eq!(
            d.attempts[1].to_string(),
            "BEARER_TOKEN: skipped: BEARER_TOKEN is not set"
        );
        assert_eq!(
            reasons(&d),
            [
                "--token-file: not given".to_owned(),
                "BEARER_TOKEN: BEARER_TOKEN is not set".into(),
                "BEARER_TOKEN_FILE: BEARER_TOKEN_FILE is not set".into(),
                "$_CONDOR_CREDS/<service>.use: _CONDOR_CREDS is not set".into(),
                "SCITOKEN: SCITOKEN is not set".into(),
                "SCITOKEN_FILE: SCITOKEN_FILE is not set".into(),
                "$XDG_RUNTIME_DIR/bt_u<uid>: XDG_RUNTIME_DIR is not set".into(),
                format!(
                    "/tmp/bt_u<uid>: file {}/bt_u4242 does not exist",
                    w.path("tmp")
                ),
            ]
        );
    }

    #[test]
    fn every_place_in_order() {
        let mut w = World::new();
        let t = |sub: &str| {
            token(json!({"sub": sub, "scope": "gracedb.read"}))
                .expose()
                .to_owned()
        };
        // Fill the places from last to first; each new one must win over all before it.
        w.file("tmp/bt_u4242", "tmp");
        assert_eq!(w.winner(), (SourceKind::Tmp, "tmp".into()));
        w.env.insert("XDG_RUNTIME_DIR", w.path("run"));
        w.file("run/bt_u4242", "xdg");
        assert_eq!(w.winner(), (SourceKind::XdgRuntimeDir, "xdg".into()));
        w.env.insert(
            "SCITOKEN_FILE",
            w.file("sci", "scifile").display().to_string(),
        );
        assert_eq!(w.winner(), (SourceKind::SciTokenFile, "scifile".into()));
        w.env.insert("SCITOKEN", t("scitoken"));
        assert_eq!(w.winner(), (SourceKind::SciToken, "scitoken".into()));
        w.env.insert("_CONDOR_CREDS", w.path("creds"));
        w.file("creds/igwn.use", "condor");
        assert_eq!(w.winner(), (SourceKind::CondorCreds, "condor".into()));
        w.env.insert(
            "BEARER_TOKEN_FILE",
            w.file("bt", "btfile").display().to_string(),
        );
        assert_eq!(w.winner(), (SourceKind::BearerTokenFile, "btfile".into()));
        w.env.insert("BEARER_TOKEN", t("bearer"));
        assert_eq!(w.winner(), (SourceKind::BearerToken, "bearer".into()));
        w.options.token_file = Some(w.file("flag", "flag"));
        assert_eq!(w.winner(), (SourceKind::TokenFileFlag, "flag".into()));

        let d = w.discover().unwrap();
        let f = d.found().unwrap();
        assert_eq!(f.path.as_deref(), Some(w.dir.path().join("flag").as_path()));
        assert_eq!(
            d.attempts[0].to_string(),
            format!("--token-file: found: {}", w.path("flag"))
        );
        assert_eq!(d.attempts[1].to_string(), "BEARER_TOKEN: not tried");
        assert_eq!(
            f.describe(),
            format!("token file {} (--token-file)", w.path("flag"))
        );
        assert!(
            d.attempts[1..]
                .iter()
                .all(|a| a.outcome == Outcome::NotTried)
        );
    }

    #[test]
    fn the_service_names_the_condor_file() {
        let mut w = World::new();
        w.env.insert("_CONDOR_CREDS", w.path("creds"));
        w.file("creds/igwn.use", "igwn");
        w.file("creds/igwn_limited.use", "limited");
        assert_eq!(w.winner().1, "igwn");
        w.options.service = "igwn_limited".into();
        assert_eq!(w.winner(), (SourceKind::CondorCreds, "limited".into()));
    }

    #[test]
    fn each_skip_reason() {
        let mut w = World::new();
        w.env.insert("BEARER_TOKEN", " \n".into());
        w.env.insert("BEARER_TOKEN_FILE", w.path("missing"));
        std::fs::create_dir(w.dir.path().join("creds")).unwrap();
        std::fs::write(w.dir.path().join("creds/igwn.use"), "").unwrap();
        w.env.insert("_CONDOR_CREDS", w.path("creds"));
        w.env.insert("SCITOKEN", String::new());
        w.env.insert("SCITOKEN_FILE", w.path("creds"));
        w.env.insert("XDG_RUNTIME_DIR", w.path("creds/igwn.use"));
        w.options.uid = None;
        let d = w.discover().unwrap();
        assert!(d.found().is_none());
        assert_eq!(
            reasons(&d)[1..],
            [
                "BEARER_TOKEN: BEARER_TOKEN is set but empty".to_owned(),
                format!(
                    "BEARER_TOKEN_FILE: file {} does not exist",
                    w.path("missing")
                ),
                format!(
                    "$_CONDOR_CREDS/<service>.use: file {} is empty",
                    w.path("creds/igwn.use")
                ),
                "SCITOKEN: SCITOKEN is set but empty".into(),
                format!("SCITOKEN_FILE: {} is not a regular file", w.path("creds")),
                "$XDG_RUNTIME_DIR/bt_u<uid>: the user ID is unknown (/proc/self/status unreadable)"
                    .into(),
                "/tmp/bt_u<uid>: the user ID is unknown (/proc/self/status unreadable)".into(),
            ]
        );
        // A file under a file: unreadable, with the system's reason.
        w.options.uid = Some(UID);
        let d = w.discover().unwrap();
        assert_eq!(
            reasons(&d)[6],
            format!(
                "$XDG_RUNTIME_DIR/bt_u<uid>: file {}/bt_u4242 is unreadable: not a directory",
                w.path("creds/igwn.use")
            )
        );
        assert_eq!(
            d.attempts[6].path.as_deref(),
            Some(w.dir.path().join("creds/igwn.use/bt_u4242").as_path())
        );
    }

    #[test]
    fn a_named_token_file_must_be_usable() {
        let mut w = World::new();
        w.file("tmp/bt_u4242", "fallback");
        w.options.token_file = Some(w.dir.path().join("nope"));
        assert_eq!(
            w.discover().unwrap_err().to_string(),
            format!("--token-file: file {} does not exist", w.path("nope"))
        );
        std::fs::write(w.dir.path().join("nope"), "\n").unwrap();
        assert_eq!(
            w.discover().unwrap_err().to_string(),
            format!("--token-file: file {} is empty", w.path("nope"))
        );
    }

    #[test]
    fn sources_describe_themselves_and_know_their_expiry() {
        let mut w = World::new();
        let t = token(json!({"scope": "gracedb.read", "exp": NOW}));
        w.env.insert("SCITOKEN", t.expose().to_owned());
        let d = w.discover().unwrap();
        let f = d.found().unwrap();
        assert_eq!(f.describe(), "token in $SCITOKEN");
        assert_eq!(f.source().expires_at(), Some(NOW));
        assert_eq!(f.source().credential(), Ok(Credential::Bearer(t.clone())));
        // The report never holds the token.
        let text = format!("{d:?} {f:?} {}", f.describe());
        assert!(!text.contains(t.expose()), "{text}");

        let path = w.file("bt", "x");
        w.env
            .insert("BEARER_TOKEN_FILE", path.display().to_string());
        let d = w.discover().unwrap();
        let f = d.found().unwrap();
        assert_eq!(
            f.describe(),
            format!("token file {} (BEARER_TOKEN_FILE)", path.display())
        );
        assert_eq!(f.source().expires_at(), Some(NOW + 3600));
    }

    #[test]
    fn uid_from_proc_status() {
        let status = "Name:\tcat\nUid:\t1000\t1001\t1000\t1000\nGid:\t100\t100\t100\t100\n";
        assert_eq!(effective_uid(status), Some(1001));
        assert_eq!(effective_uid("Name:\tcat\n"), None);
        #[cfg(target_os = "linux")]
        assert!(current_uid().is_some());
    }
}
