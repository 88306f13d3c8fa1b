//! The environment variables token discovery reads, named once (client reference §7.3, §7.10).

/// The token itself (WLCG bearer token discovery).
pub const BEARER_TOKEN: &str = "BEARER_TOKEN";

/// A path to a file holding the token; HTCondor sets it for jobs with
/// `environment = "BEARER_TOKEN_FILE=…"`.
pub const BEARER_TOKEN_FILE: &str = "BEARER_TOKEN_FILE";

/// HTCondor's per-job credential directory, holding `<service>.use` files its credmon renews.
pub const CONDOR_CREDS: &str = "_CONDOR_CREDS";

/// The token itself (the `scitokens` library's variable).
pub const SCITOKEN: &str = "SCITOKEN";

/// A path to a file holding the token (the `scitokens` library's variable).
pub const SCITOKEN_FILE: &str = "SCITOKEN_FILE";

/// The per-user runtime directory, where `htgettoken` writes `bt_u<uid>`.
pub const XDG_RUNTIME_DIR: &str = "XDG_RUNTIME_DIR";

/// Every variable above, in discovery order; a caller that snapshots the environment reads
/// these and no others.
pub const ALL: &[&str] = &[
    BEARER_TOKEN,
    BEARER_TOKEN_FILE,
    CONDOR_CREDS,
    SCITOKEN,
    SCITOKEN_FILE,
    XDG_RUNTIME_DIR,
];
