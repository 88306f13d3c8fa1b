//! `graceflow token`: which bearer token was found and where, what it says, what GraceDB will
//! hold against it, and (with `--server`) who the server thinks we are. Never the token.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::credentials::{discover_here, expiry_text};
use super::exit::Exit;
use super::load::Format;
use crate::auth::{
    ClaimProblem, Claims, DEFAULT_SERVICE, Discovery, HTGETTOKEN, Outcome, audience_for,
};
use crate::gracedb::GraceDb;
use crate::servers::Server;

/// Arguments of `graceflow token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Check the token's audience for this server (playground, test, production or a URL) and
    /// ask the server who it thinks we are.
    #[arg(long, value_name = "SERVER")]
    server: Option<String>,
    /// A file holding the token, looked at before anything else; an error if it is missing
    /// or empty.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The HTCondor credential service: the token in `$_CONDOR_CREDS/<SERVICE>.use`.
    #[arg(long, value_name = "SERVICE", default_value = DEFAULT_SERVICE)]
    service: String,
    /// Output format (`text` is the same as `human`).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// Something that stops the token from working.
#[derive(Debug, Serialize)]
struct Problem {
    code: &'static str,
    message: String,
    hint: Option<String>,
}

impl From<&ClaimProblem> for Problem {
    fn from(p: &ClaimProblem) -> Self {
        Self {
            code: p.code(),
            message: p.to_string(),
            hint: Some(p.hint()),
        }
    }
}

/// One place discovery looked.
#[derive(Debug, Serialize)]
struct Place {
    source: &'static str,
    path: Option<String>,
    outcome: &'static str,
    reason: Option<String>,
}

/// Everything `token` says; printed as text or as one JSON object.
#[derive(Debug, Default, Serialize)]
struct Report {
    /// Where the token came from (`token file /x (BEARER_TOKEN_FILE)`).
    source: Option<String>,
    tried: Vec<Place>,
    claims: Option<Claims>,
    expires: Option<String>,
    seconds_left: Option<i64>,
    /// The server checked against, and the audience it accepts besides `ANY`.
    server: Option<String>,
    audience: Option<String>,
    /// Who the server thinks we are.
    server_user: Option<String>,
    note: Option<String>,
    problems: Vec<Problem>,
    ok: bool,
}

/// Run `graceflow token`.
pub async fn run(a: TokenArgs) -> anyhow::Result<Exit> {
    let server = a.server.as_deref().map(Server::resolve).transpose()?;
    let now = crate::gps::unix_now();
    let mut r = Report::default();
    let target = match &server {
        None => {
            r.note = Some("no --server given: the audience was not checked".into());
            None
        }
        Some(Server::Sandbox) => {
            r.note = Some(
                "the embedded sandbox mints its own tokens (`graceflow run` uses one of them): the audience was not checked"
                    .into(),
            );
            None
        }
        Some(Server::Remote { url }) => Some(url.clone()),
    };
    r.server = target.clone();
    r.audience = target.as_deref().and_then(audience_for);
    match discover_here(a.token_file.as_deref(), &a.service) {
        Err(e) => r.problems.push(Problem {
            code: "token_file",
            message: e.to_string(),
            hint: None,
        }),
        Ok(d) => {
            describe_token(&d, target.as_deref(), now, &mut r);
            if let Some(url) = &target {
                ask_server(&d, url, &mut r).await;
            }
        }
    }
    r.ok = r.source.is_some() && r.problems.is_empty();
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
        Format::Human => print!("{}", render(&r)),
    }
    Ok(if r.ok { Exit::Success } else { Exit::Permanent })
}

/// The places looked in, the winner, its claims and their problems.
fn describe_token(d: &Discovery, target: Option<&str>, now: i64, r: &mut Report) {
    r.tried = d
        .attempts
        .iter()
        .map(|a| Place {
            source: a.kind.name(),
            path: a.path.as_ref().map(|p| p.display().to_string()),
            outcome: a.outcome.name(),
            reason: match &a.outcome {
                Outcome::Skipped(reason) => Some(reason.to_string()),
                _ => None,
            },
        })
        .collect();
    let Some(found) = d.found() else {
        r.problems.push(Problem {
            code: "not_found",
            message: "no token was found".into(),
            hint: Some(format!(
                "get one with `{HTGETTOKEN}`, or set BEARER_TOKEN_FILE to the file holding it"
            )),
        });
        return;
    };
    r.source = Some(found.describe());
    match Claims::decode(found.token()) {
        Err(p) => r.problems.push(Problem::from(&p)),
        Ok(c) => {
            r.problems
                .extend(c.check(target, now).iter().map(Problem::from));
            r.expires = c.exp.map(|exp| expiry_text(exp, now));
            r.seconds_left = c.seconds_left(now);
            r.claims = Some(c);
        }
    }
}

/// Ask the server's user-info who it thinks we are. The real server never says "bad token":
/// it answers `AnonymousUser`, so that answer with a token in hand is the rejection.
async fn ask_server(d: &Discovery, url: &str, r: &mut Report) {
    let asked = async {
        GraceDb::builder(url)
            .credential_source(d.credential_source())
            .request_timeout(Some(std::time::Duration::from_secs(60)))
            .build()?
            .user_info()
            .await
    };
    let user = match asked.await {
        Ok(user) => user,
        Err(e) => {
            r.problems.push(Problem {
                code: "server",
                message: format!("could not ask the server who we are: {e}"),
                hint: None,
            });
            return;
        }
    };
    if user.is_anonymous() && d.found().is_some() {
        let hint = if r.problems.is_empty() {
            let sub = r.claims.as_ref().and_then(|c| c.sub.as_deref());
            let iss = r.claims.as_ref().and_then(|c| c.iss.as_deref());
            format!(
                "its claims look right, so the server did not accept its signature or issuer ({}), or has no account for its subject ({})",
                iss.unwrap_or("none"),
                sub.unwrap_or("none")
            )
        } else {
            "most likely because of the problems above".to_owned()
        };
        r.problems.push(Problem {
            code: "not_accepted",
            message: format!("{url} did not accept the token: it answered AnonymousUser"),
            hint: Some(hint),
        });
    }
    r.server_user = Some(user.username);
}

fn render(r: &Report) -> String {
    let mut out = String::new();
    field(
        &mut out,
        "source:",
        r.source
            .as_deref()
            .unwrap_or("none (requests are anonymous)"),
    );
    if !r.tried.is_empty() {
        out.push_str("looked in:\n");
    }
    let width = r.tried.iter().map(|p| p.source.len()).max().unwrap_or(0);
    for p in &r.tried {
        let detail = match (p.outcome, &p.reason, &p.path) {
            ("skipped", Some(reason), _) => format!("skipped: {reason}"),
            ("found", _, Some(path)) => format!("found: {path}"),
            (outcome, _, _) => outcome.to_owned(),
        };
        out.push_str(&format!("  {:<width$}  {detail}\n", p.source));
    }
    if let Some(c) = &r.claims {
        let or_none = |v: &[String]| match v.join(" ") {
            s if s.is_empty() => "(none)".to_owned(),
            s => s,
        };
        field(&mut out, "subject:", c.sub.as_deref().unwrap_or("(none)"));
        field(&mut out, "scope:", &or_none(&c.scope));
        field(&mut out, "audience:", &or_none(&c.aud));
        field(&mut out, "issuer:", c.iss.as_deref().unwrap_or("(none)"));
        field(
            &mut out,
            "expires:",
            r.expires.as_deref().unwrap_or("(no exp claim)"),
        );
    }
    if let Some(server) = &r.server {
        let audience = r.audience.as_deref().unwrap_or("?");
        field(
            &mut out,
            "server:",
            &format!("{server} (accepts audience ANY or {audience})"),
        );
    }
    if let Some(user) = &r.server_user {
        field(&mut out, "", &format!("knows us as {user}"));
    }
    if let Some(note) = &r.note {
        field(&mut out, "note:", note);
    }
    if r.problems.is_empty() {
        field(&mut out, "problems:", "none");
    }
    for p in &r.problems {
        field(&mut out, "problem:", &p.message);
        if let Some(hint) = &p.hint {
            field(&mut out, "  fix:", hint);
        }
    }
    out
}

/// One `label: value` line, values aligned.
fn field(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!("{label:<10}{value}\n"));
}
