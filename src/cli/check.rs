//! `graceflow check`: every problem in one or more manifests, found without sending anything.

use std::path::PathBuf;

use clap::Args;

use super::exit::Exit;
use super::load::{Format, Loaded, load_all, map_files, parse_set, render_human};
use crate::analyze::{Options, Vocabulary};
use crate::manifest::diagnostic::did_you_mean;
use crate::manifest::steps::Effect;
use crate::manifest::{Diagnostic, Manifest, Severity};
use crate::servers::{ALIASES, SANDBOX, Server};

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
    // Each file is checked, and its output rendered, on a worker thread.
    let checked = map_files(&a.files, |file| {
        let Loaded {
            manifest,
            analysis,
            mut report,
        } = load_all(file, &opts);
        // The server and the guard need only the top level: checked even when the steps have
        // errors, so that one pass reports everything.
        if let Some(m) = &manifest {
            report
                .diagnostics
                .extend(server_problems(m, a.server.as_deref(), a.allow_production));
        }
        let count = |s: Severity| {
            report
                .diagnostics
                .iter()
                .filter(|d| d.severity == s)
                .count()
        };
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        let output = match a.format {
            Format::Human => {
                let mut text = render_human(&report);
                if !report.has_errors() {
                    let steps = analysis.map_or(0, |x| x.manifest.steps.len());
                    let noun = if steps == 1 { "step" } else { "steps" };
                    text.push_str(&format!("{}: ok ({steps} {noun})\n", file.display()));
                }
                Output::Text(text)
            }
            Format::Json => Output::Json(report.to_json()),
        };
        (errors, warnings, output)
    });
    let mut all_json = Vec::new();
    let (mut errors, mut warnings) = (0, 0);
    for (e, w, output) in checked {
        errors += e;
        warnings += w;
        match output {
            Output::Text(t) => eprint!("{t}"),
            Output::Json(j) => all_json.extend(j),
        }
    }
    match a.format {
        Format::Json => {
            use std::io::Write;
            let text = serde_json::to_string_pretty(&all_json)?;
            // A reader that stops early (`| head`) is not an error of the check.
            match writeln!(std::io::stdout().lock(), "{text}") {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        }
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

/// One file's output, rendered on its worker thread.
enum Output {
    Text(String),
    Json(Vec<serde_json::Value>),
}

/// An unknown server name, or a manifest that writes to production without both switches.
fn server_problems(m: &Manifest, flag: Option<&str>, command_allows: bool) -> Vec<Diagnostic> {
    let name = flag
        .map(str::to_owned)
        .or_else(|| m.server.as_ref().map(|s| s.value.clone()));
    // Only the manifest's own `server:` has a place; `--server` is on the command line.
    let span = match flag {
        Some(_) => None,
        None => m.server.as_ref().map(|s| s.span),
    };
    let Some(name) = name else {
        return vec![];
    };
    match Server::resolve(&name) {
        Err(e) => {
            let names = std::iter::once(SANDBOX).chain(ALIASES.iter().map(|(a, _)| *a));
            let hint = did_you_mean(&name, names).unwrap_or_else(|| {
                "a GraceDB API root URL ends in /api/, e.g. https://gracedb-test.ligo.org/api/"
                    .into()
            });
            vec![Diagnostic::error("server", span, e.to_string()).with_hint(hint)]
        }
        Ok(server) => {
            let writes: Vec<&str> = m
                .steps
                .iter()
                .filter(|s| s.kind.effect == Effect::Write)
                .map(|s| s.id.value.as_str())
                .collect();
            match server.guard(m.allow_production, command_allows) {
                Err(message) if !writes.is_empty() => vec![
                    Diagnostic::error("production", span, message).with_hint(format!(
                        "{} {} to GraceDB; to try the manifest first, use `server: test` or `server: playground`",
                        writes.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", "),
                        if writes.len() == 1 { "writes" } else { "write" }
                    )),
                ],
                _ => vec![],
            }
        }
    }
}
