//! `graceflow plan`: the dry run.

use std::path::PathBuf;

use clap::Args;

use super::exit::Exit;
use super::load::{Format, load, parse_set, print_human};
use crate::analyze::{Options, Vocabulary};

/// Arguments of `graceflow plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The manifest.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// The server the run would use (default: the manifest's `server:`, else the sandbox).
    #[arg(long, value_name = "SERVER")]
    server: Option<String>,
    /// Override a variable: name=value (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    set: Vec<(String, String)>,
    /// Allow writing to production (the manifest must say `allow_production: true` too).
    #[arg(long)]
    allow_production: bool,
}

/// Run `graceflow plan`.
pub async fn run(a: PlanArgs) -> anyhow::Result<Exit> {
    let opts = Options {
        overrides: a.set.clone(),
        vocabulary: Vocabulary::snapshot(),
    };
    let (analysis, report) = load(&a.file, &opts);
    print_human(&report);
    let Some(analysis) = analysis else {
        return Ok(Exit::Permanent);
    };
    let server = super::resolve_server(a.server.as_deref(), &analysis)?;
    if let Err(m) = server.guard(analysis.manifest.allow_production, a.allow_production) {
        anyhow::bail!("{m}");
    }
    let plan = crate::plan::plan(
        &analysis,
        &server.to_string(),
        crate::gps::gps_now(),
        &super::expression_env(&analysis),
    )?;
    match a.format {
        Format::Human => print!("{plan}"),
        Format::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
    }
    let problems = plan
        .levels
        .iter()
        .flatten()
        .flat_map(|s| &s.actions)
        .filter(|a| a.problem.is_some())
        .count();
    if problems > 0 {
        eprintln!("{problems} action(s) have a problem that will stop them at run time");
        return Ok(Exit::Permanent);
    }
    Ok(Exit::Success)
}
