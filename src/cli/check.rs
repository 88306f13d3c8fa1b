//! `graceflow check`: every problem in one or more manifests, found without sending anything.

use std::path::PathBuf;

use clap::Args;

use super::exit::Exit;
use super::load::{Format, load, parse_set, print_human};
use crate::analyze::{Options, Vocabulary};
use crate::manifest::{Diagnostic, Severity};
use crate::servers::Server;

/// Arguments of `graceflow check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Manifests to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Check names against this server's own lists (read-only; otherwise the built-in
    /// snapshot is used and nothing touches the network).
    #[arg(long, value_name = "SERVER")]
    server: Option<String>,
    /// Override a variable: name=value (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    set: Vec<(String, String)>,
    /// Allow a manifest with `allow_production: true` to pass the production guard.
    #[arg(long)]
    allow_production: bool,
}

/// Run `graceflow check`.
pub async fn run(a: CheckArgs) -> anyhow::Result<Exit> {
    let vocabulary = match &a.server {
        Some(s) => super::server_vocabulary(s).await?,
        None => Vocabulary::snapshot(),
    };
    let opts = Options {
        overrides: a.set.clone(),
        vocabulary,
    };
    let mut all_json = Vec::new();
    let mut errors = 0;
    let mut warnings = 0;
    for file in &a.files {
        let (analysis, mut report) = load(file, &opts);
        if let Some(an) = &analysis {
            let name = a
                .server
                .clone()
                .or_else(|| an.manifest.server.as_ref().map(|s| s.value.clone()));
            let span = an.manifest.server.as_ref().map(|s| s.span);
            match name.as_deref().map(Server::resolve).transpose() {
                Ok(server) => {
                    let writes = an
                        .manifest
                        .steps
                        .iter()
                        .any(|s| s.kind.effect == crate::manifest::steps::Effect::Write);
                    if let Some(server) = server
                        && writes
                        && let Err(m) =
                            server.guard(an.manifest.allow_production, a.allow_production)
                    {
                        report
                            .diagnostics
                            .push(Diagnostic::error("production", span, m));
                    }
                }
                Err(e) => report
                    .diagnostics
                    .push(Diagnostic::error("server", span, e.to_string())),
            }
        }
        errors += report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        warnings += report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
        match a.format {
            Format::Human => {
                print_human(&report);
                if !report.has_errors() {
                    let steps = analysis.map_or(0, |x| x.manifest.steps.len());
                    eprintln!("{}: ok ({steps} steps)", file.display());
                }
            }
            Format::Json => all_json.extend(report.to_json()),
        }
    }
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&all_json)?),
        Format::Human if errors + warnings > 0 => {
            eprintln!("{errors} error(s), {warnings} warning(s)")
        }
        Format::Human => {}
    }
    Ok(if errors > 0 {
        Exit::Permanent
    } else {
        Exit::Success
    })
}
