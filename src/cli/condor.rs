//! `graceflow condor`: write HTCondor submit descriptions and DAGs that run manifests, and
//! check, inside a job, the credential HTCondor provided.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::exit::Exit;
use super::load::{load, parse_set, print_human};
use crate::analyze::{Analysis, Options, Vocabulary};
use crate::auth::{Claims, DEFAULT_SERVICE, Token};
use crate::condor::creds::JobCredentials;
use crate::condor::dag::{Dag, Node};
use crate::condor::files::read_files;
use crate::condor::quote::{self, literal_argument};
use crate::condor::submit::{JournalPlace, Oauth, Retries, Robot, SubmitFile};
use crate::condor::table;
use crate::servers::Server;

/// `graceflow condor` subcommands.
#[derive(Debug, Subcommand)]
pub enum CondorCommand {
    /// Write a submit description that runs a manifest as an HTCondor job.
    Submit(SubmitArgs),
    /// Write a DAG: one node per manifest, or per row of a CSV table of vars.
    Dag(DagArgs),
    /// Inside a job: which credential file HTCondor provided, and whether its token fits the
    /// server (never the token itself). Exit 0 if it does, 1 if not.
    Check(CheckArgs),
}

/// What the generated jobs run and how they get their token.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// Override a variable: name=value (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    set: Vec<(String, String)>,
    /// The directory the files are written to and submitted from; the manifest and the files
    /// it reads are transferred with their paths relative to it.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// The server the jobs run against (default: the manifest's `server:`).
    #[arg(long, value_name = "SERVER")]
    server: Option<String>,
    /// Use this robot's credential (`<NAME>-scitoken` in vault) instead of your own.
    #[arg(long, value_name = "NAME", conflicts_with = "personal")]
    robot: Option<String>,
    /// The fully qualified host name of the robot's keytab (default: this host's name).
    #[arg(long, value_name = "FQDN", requires = "robot")]
    robot_host: Option<String>,
    /// Use your own (personal) token: no robot options.
    #[arg(long)]
    personal: bool,
    /// The HTCondor credential service.
    #[arg(long, value_name = "SERVICE", default_value = DEFAULT_SERVICE)]
    service: String,
    /// The permissions handle: the token file is `<service>_<handle>.use`; `none` for
    /// `<service>.use`.
    #[arg(long, value_name = "HANDLE", default_value = "limited")]
    handle: String,
    /// The scopes the token is asked with.
    #[arg(long, value_name = "SCOPES", default_value = "gracedb.read read:/ligo")]
    permissions: String,
    /// The vault server (always given for a robot; for a personal token only if set).
    #[arg(long, value_name = "HOST")]
    vault_server: Option<String>,
    /// The graceflow binary the jobs run (default: this one).
    #[arg(long, value_name = "PATH")]
    executable: Option<PathBuf>,
    /// Keep journals in this directory on a file system the execute nodes share, instead of
    /// transferring them with the job.
    #[arg(long, value_name = "DIR")]
    journal_dir: Option<PathBuf>,
}

/// Arguments of `graceflow condor submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The manifest.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    job: JobArgs,
    /// How many times the schedd reruns a job that exited 75 or died.
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_retries: u32,
}

/// Arguments of `graceflow condor dag`.
#[derive(Debug, Args)]
pub struct DagArgs {
    /// The manifests: one node each (with --each, exactly one).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// A CSV table whose header names vars of the manifest: one node per row, each run with
    /// `--set name=value` for its row.
    #[arg(long, value_name = "CSV")]
    each: Option<PathBuf>,
    /// At most this many nodes run at once.
    #[arg(long, value_name = "N", default_value_t = 10)]
    maxjobs: u32,
    /// Retries of a node that did not exit 0 or 1.
    #[arg(long, value_name = "N", default_value_t = 5)]
    retry: u32,
    /// Add a final node that writes one summary of every journal (`graceflow report`).
    #[arg(long)]
    final_report: bool,
    /// The DAG's name (`<NAME>.dag`; default: the manifest's stem, or `graceflow`).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    #[command(flatten)]
    job: JobArgs,
}

/// Arguments of `graceflow condor check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check the token's audience for this server.
    #[arg(long, value_name = "SERVER")]
    server: Option<String>,
    /// The HTCondor credential service.
    #[arg(long, value_name = "SERVICE", default_value = DEFAULT_SERVICE)]
    service: String,
}

/// Run `graceflow condor …`.
pub fn run(c: CondorCommand) -> anyhow::Result<Exit> {
    match c {
        CondorCommand::Submit(a) => submit(a),
        CondorCommand::Dag(a) => dag(a),
        CondorCommand::Check(a) => check(a),
    }
}

/// The submit directory, made and made absolute.
fn out_dir(out: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    Ok(out.canonicalize()?)
}

/// `path` relative to the submit directory, if it is inside it.
fn relative(out: &Path, path: &Path) -> Option<String> {
    let p = path.canonicalize().ok()?;
    let rel = p.strip_prefix(out).ok()?.to_str()?.to_owned();
    Some(rel)
}

/// A path HTCondor can take in a file list (which is comma-separated).
fn list_path(p: &str) -> anyhow::Result<String> {
    if p.contains(',') {
        anyhow::bail!("{p}: HTCondor file lists cannot hold a name with a comma");
    }
    Ok(quote::submit_literal(p))
}

/// A manifest, analysed and placed relative to the submit directory.
struct Prepared {
    analysis: Analysis,
    /// The manifest, relative to the submit directory.
    manifest: String,
    /// The files it reads, relative to the submit directory.
    inputs: Vec<String>,
    /// Files it reads that are not transferred, and why.
    not_transferred: Vec<String>,
}

/// Analyse a manifest with `overrides`; `None` (diagnostics printed) if it has errors.
fn prepare(
    file: &Path,
    overrides: &[(String, String)],
    out: &Path,
) -> anyhow::Result<Option<Prepared>> {
    let opts = Options {
        overrides: overrides.to_vec(),
        vocabulary: Vocabulary::snapshot(),
    };
    let (analysis, report) = load(file, &opts);
    print_human(&report);
    let Some(analysis) = analysis else {
        return Ok(None);
    };
    let Some(manifest) = relative(out, file) else {
        anyhow::bail!(
            "{} is not inside the submit directory {}: give --out a directory that holds the manifest and its files",
            file.display(),
            out.display()
        );
    };
    let env = super::expression_env(&analysis);
    let read = read_files(&analysis, &env)?;
    let mut inputs = vec![];
    let mut not_transferred: Vec<String> = read
        .unknown
        .iter()
        .map(|u| format!("{u} (known only at run time)"))
        .collect();
    for f in &read.files {
        match relative(out, f) {
            Some(rel) => inputs.push(list_path(&rel)?),
            None => not_transferred.push(format!(
                "{} (outside {}: the job reads it at this path, so it must be on a shared file system)",
                f.display(),
                out.display()
            )),
        }
    }
    for n in &not_transferred {
        eprintln!(
            "graceflow: warning: {}: not transferred: {n}",
            file.display()
        );
    }
    Ok(Some(Prepared {
        analysis,
        manifest: list_path(&manifest)?,
        inputs,
        not_transferred,
    }))
}

impl JobArgs {
    fn oauth(&self) -> anyhow::Result<Oauth> {
        let robot = match &self.robot {
            None => None,
            Some(name) => Some(Robot {
                name: name.clone(),
                host: match &self.robot_host {
                    Some(h) => h.clone(),
                    None => std::fs::read_to_string("/proc/sys/kernel/hostname")
                        .map(|h| h.trim().to_owned())
                        .map_err(|e| {
                            anyhow::anyhow!("cannot read this host's name ({e}): give --robot-host")
                        })?,
                },
            }),
        };
        let vault_server = match (&robot, &self.vault_server) {
            (_, Some(v)) => Some(v.clone()),
            (Some(_), None) => Some("vault.ligo.org".into()),
            (None, None) => None,
        };
        Ok(Oauth {
            service: self.service.clone(),
            handle: Some(self.handle.clone()).filter(|h| h != "none"),
            permissions: Some(self.permissions.clone()).filter(|p| !p.trim().is_empty()),
            robot,
            vault_server,
        })
    }

    fn executable(&self) -> anyhow::Result<PathBuf> {
        match &self.executable {
            Some(p) => Ok(std::path::absolute(p)?),
            None => Ok(std::env::current_exe()?),
        }
    }

    /// The journal directory on a shared file system, made and absolute.
    fn journal_dir(&self) -> anyhow::Result<Option<PathBuf>> {
        self.journal_dir.as_deref().map(out_dir).transpose()
    }

    /// Warn when the job would run against a sandbox on the execute node.
    fn warn_about_server(&self, a: &Analysis, file: &Path) -> anyhow::Result<()> {
        if super::resolve_server(self.server.as_deref(), a)? == Server::Sandbox {
            eprintln!(
                "graceflow: warning: {} names no server: the job would run against a throwaway sandbox on the execute node; give --server or set `server:` in the manifest",
                file.display()
            );
        }
        Ok(())
    }

    /// `run` arguments after the manifest and journal, escaped.
    fn run_arguments(&self, manifest: &str, journal: &str) -> Vec<String> {
        let mut args: Vec<String> = ["run", manifest, "--journal"]
            .iter()
            .map(|a| literal_argument(a))
            .collect();
        args.push(journal.to_owned());
        if let Some(s) = &self.server {
            args.push("--server".into());
            args.push(literal_argument(s));
        }
        for (k, v) in &self.set {
            args.push("--set".into());
            args.push(literal_argument(&format!("{k}={v}")));
        }
        args
    }
}

/// Create an empty journal if there is none: `transfer_input_files` must find it, and `run`
/// takes an empty journal for a fresh start.
fn touch_journal(path: &Path) -> anyhow::Result<()> {
    if !path.exists() {
        std::fs::write(path, "")
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    }
    Ok(())
}

fn stem(file: &Path) -> String {
    file.file_stem()
        .map_or_else(|| "manifest".into(), |s| s.to_string_lossy().into_owned())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Where the journal goes, and the `--journal` argument for it (escaped).
fn journal_place(journal_dir: Option<&Path>, name: &str, macros: bool) -> (JournalPlace, String) {
    let escape = |s: &str| {
        if macros {
            quote::argument(s)
        } else {
            literal_argument(s)
        }
    };
    match journal_dir {
        Some(d) => {
            let path = d.join(name);
            let arg = escape(&path.display().to_string());
            (JournalPlace::Shared(path), arg)
        }
        None => (JournalPlace::Transferred(name.to_owned()), escape(name)),
    }
}

/// The submit description of one `graceflow run` of a prepared manifest, its journal
/// (`(journal directory, journal name, submit directory)`) created empty when it is
/// transferred, so that `condor_submit` finds it.
fn run_submit(
    job: &JobArgs,
    p: Prepared,
    (journal_dir, journal_name, out): (Option<&Path>, &str, &Path),
    usage: String,
    retries: Retries,
    logs: String,
) -> anyhow::Result<SubmitFile> {
    let (journal, journal_arg) = journal_place(journal_dir, journal_name, false);
    if journal_dir.is_none() {
        touch_journal(&out.join(journal_name))?;
    }
    let mut inputs = vec![p.manifest.clone()];
    inputs.extend(p.inputs);
    Ok(SubmitFile {
        title: format!("graceflow run {}", p.manifest),
        usage,
        executable: job.executable()?,
        arguments: job.run_arguments(&p.manifest, &journal_arg),
        inputs,
        not_transferred: p.not_transferred,
        journal,
        oauth: job.oauth()?,
        retries,
        logs,
    })
}

fn submit(a: SubmitArgs) -> anyhow::Result<Exit> {
    let out = out_dir(&a.job.out)?;
    let Some(p) = prepare(&a.file, &a.job.set, &out)? else {
        return Ok(Exit::Permanent);
    };
    a.job.warn_about_server(&p.analysis, &a.file)?;
    let stem = stem(&a.file);
    let journal_dir = a.job.journal_dir()?;
    let sub = run_submit(
        &a.job,
        p,
        (
            journal_dir.as_deref(),
            &format!("{stem}.journal.jsonl"),
            &out,
        ),
        format!("submit with `condor_submit {stem}.sub` from this directory"),
        Retries::Job(a.max_retries),
        stem.clone(),
    )?;
    write(&out.join(format!("{stem}.sub")), &sub.render())?;
    Ok(Exit::Success)
}

fn dag(a: DagArgs) -> anyhow::Result<Exit> {
    let out = out_dir(&a.job.out)?;
    std::fs::create_dir_all(out.join("logs"))?;
    let journal_dir = a.job.journal_dir()?;
    let mut nodes: Vec<Node> = vec![];
    let mut journals: Vec<String> = vec![];
    let journal_of = |node: &str| match &journal_dir {
        Some(d) => d
            .join(format!("{node}.journal.jsonl"))
            .display()
            .to_string(),
        None => format!("{node}.journal.jsonl"),
    };
    let name = match (&a.name, a.files.as_slice()) {
        (Some(n), _) => n.clone(),
        (None, [one]) => stem(one),
        (None, _) => "graceflow".into(),
    };
    if let Some(csv) = &a.each {
        let [file] = a.files.as_slice() else {
            anyhow::bail!("--each takes exactly one manifest");
        };
        let text = std::fs::read_to_string(csv)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", csv.display()))?;
        let t = table::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", csv.display()))?;
        let Some(base) = prepare(file, &a.job.set, &out)? else {
            return Ok(Exit::Permanent);
        };
        a.job.warn_about_server(&base.analysis, file)?;
        for col in &t.header {
            if !base.analysis.vars.iter().any(|(n, _)| n == col) {
                let known: Vec<&str> = base.analysis.vars.iter().map(|(n, _)| n.as_str()).collect();
                anyhow::bail!(
                    "{}: column `{col}` is not a variable of {} (its vars: {})",
                    csv.display(),
                    file.display(),
                    known.join(", ")
                );
            }
        }
        let stem = stem(file);
        let node_stem = quote::node_name(&stem);
        let mut inputs = vec![base.manifest.clone()];
        let mut not_transferred = base.not_transferred.clone();
        // Each row is analysed with its values: a bad value is found now, not in a job, and
        // a glob that depends on a variable contributes each row's files.
        for (i, (line, row)) in t.rows.iter().enumerate() {
            let mut overrides = a.job.set.clone();
            overrides.extend(t.header.iter().cloned().zip(row.iter().cloned()));
            let Some(p) = prepare(file, &overrides, &out)? else {
                eprintln!(
                    "graceflow: {}: the row on line {line} does not analyse",
                    csv.display()
                );
                return Ok(Exit::Permanent);
            };
            for f in p.inputs.into_iter().chain(base.inputs.iter().cloned()) {
                if !inputs.contains(&f) {
                    inputs.push(f);
                }
            }
            for n in p.not_transferred {
                if !not_transferred.contains(&n) {
                    not_transferred.push(n);
                }
            }
            let node = format!(
                "{node_stem}_{:0width$}",
                i + 1,
                width = t.rows.len().to_string().len().max(3)
            );
            let mut vars = vec![("node".to_owned(), node.clone())];
            for (k, v) in t.header.iter().zip(row) {
                // The value lands inside a single-quoted argument of `arguments`.
                let escaped = quote::submit_literal(v)
                    .replace('"', "\"\"")
                    .replace('\'', "''");
                vars.push((format!("gf_{k}"), escaped));
            }
            journals.push(journal_of(&node));
            if journal_dir.is_none() {
                touch_journal(&out.join(journal_of(&node)))?;
            }
            nodes.push(Node {
                name: node,
                submit: format!("{stem}.sub"),
                vars,
            });
        }
        let (journal, journal_arg) =
            journal_place(journal_dir.as_deref(), "$(node).journal.jsonl", true);
        let mut arguments = a.job.run_arguments(&base.manifest, &journal_arg);
        for k in &t.header {
            arguments.push("--set".into());
            arguments.push(format!("'{k}=$(gf_{k})'"));
        }
        let sub = SubmitFile {
            title: format!(
                "graceflow run {} for each row of {}",
                base.manifest,
                csv.display()
            ),
            usage: format!(
                "one submit file for every node of {name}.dag, which sets $(node) and $(gf_<var>)"
            ),
            executable: a.job.executable()?,
            arguments,
            inputs,
            not_transferred,
            journal,
            oauth: a.job.oauth()?,
            retries: Retries::Dagman,
            logs: "logs/$(node)".into(),
        };
        write(&out.join(format!("{stem}.sub")), &sub.render())?;
    } else {
        for file in &a.files {
            let Some(p) = prepare(file, &a.job.set, &out)? else {
                return Ok(Exit::Permanent);
            };
            a.job.warn_about_server(&p.analysis, file)?;
            let mut node = quote::node_name(&stem(file));
            let mut n = 2;
            while nodes.iter().any(|x| x.name == node) {
                node = format!("{}_{n}", quote::node_name(&stem(file)));
                n += 1;
            }
            journals.push(journal_of(&node));
            let sub = run_submit(
                &a.job,
                p,
                (
                    journal_dir.as_deref(),
                    &format!("{node}.journal.jsonl"),
                    &out,
                ),
                format!("node {node} of {name}.dag"),
                Retries::Dagman,
                format!("logs/{node}"),
            )?;
            write(&out.join(format!("{node}.sub")), &sub.render())?;
            nodes.push(Node {
                name: node.clone(),
                submit: format!("{node}.sub"),
                vars: vec![],
            });
        }
    }
    let final_node = if a.final_report {
        let submit = format!("{name}.report.sub");
        write(
            &out.join(&submit),
            &report_submit(&a.job.executable()?, &name, &journals),
        )?;
        Some(("graceflow_report".to_owned(), submit))
    } else {
        None
    };
    let d = Dag {
        title: format!("graceflow: {} node(s)", nodes.len()),
        nodes,
        retry: a.retry,
        maxjobs: a.maxjobs,
        final_node,
    };
    write(&out.join(format!("{name}.dag")), &d.render())?;
    println!(
        "submit with: condor_submit_dag {name}.dag (from {})",
        out.display()
    );
    Ok(Exit::Success)
}

/// The final node's submit description: `graceflow report` over every journal, run on the
/// access point (local universe) where the journals are.
fn report_submit(executable: &Path, name: &str, journals: &[String]) -> String {
    let mut args = vec!["report".to_owned()];
    args.extend(journals.iter().cloned());
    format!(
        "# The final node of {name}.dag: one summary of every node's journal, in {name}.summary.txt.\n\
         # It runs on the access point (local universe), in this directory, where the journals\n\
         # are; a journal that is missing or unreadable is named in the summary and makes it exit 1.\n\
         universe   = local\n\
         executable = {}\n\
         arguments  = {}\n\
         output     = {name}.summary.txt\n\
         error      = logs/{name}.summary.err\n\
         log        = logs/{name}.summary.log\n\
         \n\
         queue\n",
        quote::submit_literal(&executable.display().to_string()),
        quote::arguments(&args)
    )
}

fn check(a: CheckArgs) -> anyhow::Result<Exit> {
    let server = a.server.as_deref().map(Server::resolve).transpose()?;
    let j = JobCredentials::find(&a.service, &|n| std::env::var(n).ok());
    let now = crate::gps::unix_now();
    let mut problems: Vec<String> = vec![];
    match &j.scratch_dir {
        Some(s) => println!("HTCondor job: scratch directory {}", s.display()),
        None => println!("not inside an HTCondor job ($_CONDOR_SCRATCH_DIR is not set)"),
    }
    if j.dirs.is_empty() {
        println!("credential directory: none ($_CONDOR_CREDS, $_CONDOR_SCRATCH_DIR/.condor_creds)");
    }
    for d in &j.dirs {
        let names: Vec<String> = j
            .use_files
            .iter()
            .filter(|f| f.parent() == Some(d.as_path()))
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        println!(
            "credential directory: {} ({})",
            d.display(),
            if names.is_empty() {
                "no .use file".to_owned()
            } else {
                names.join(", ")
            }
        );
    }
    match &j.bearer_token_file {
        Some(p) => println!("BEARER_TOKEN_FILE: {}", p.display()),
        None => println!("BEARER_TOKEN_FILE: not set"),
    }
    let Some((path, why)) = &j.chosen else {
        println!(
            "no credential file: set BEARER_TOKEN_FILE (the submit file's `environment`) or use_oauth_services"
        );
        return Ok(Exit::Permanent);
    };
    println!("token file: {} (from {why})", path.display());
    if !j.is_managed(path) {
        println!(
            "  warning: not one of HTCondor's credential files, so HTCondor does not renew it"
        );
    }
    let raw = match std::fs::read_to_string(path) {
        Ok(t) if !t.trim().is_empty() => t,
        Ok(_) => {
            println!("problem: {} is empty", path.display());
            return Ok(Exit::Permanent);
        }
        Err(e) => {
            println!("problem: cannot read {}: {e}", path.display());
            return Ok(Exit::Permanent);
        }
    };
    let url = match &server {
        Some(Server::Remote { url }) => Some(url.clone()),
        Some(Server::Sandbox) => {
            println!(
                "server: the embedded sandbox mints its own tokens: the audience is not checked"
            );
            None
        }
        None => {
            println!("server: none given (--server): the audience is not checked");
            None
        }
    };
    match Claims::decode(&Token::new(raw)) {
        Err(p) => problems.push(p.explain()),
        Ok(c) => {
            println!("  sub:   {}", c.sub.as_deref().unwrap_or("(none)"));
            println!("  scope: {}", c.scope.join(" "));
            println!("  aud:   {}", c.aud.join(" "));
            if let Some(exp) = c.exp {
                println!("  expires {}", super::credentials::expiry_text(exp, now));
            }
            if let Some(u) = &url {
                println!(
                    "server: {u} (accepts aud {} or ANY)",
                    crate::auth::audience_for(u).unwrap_or_default()
                );
            }
            problems.extend(c.check(url.as_deref(), now).iter().map(|p| p.explain()));
        }
    }
    if problems.is_empty() {
        println!("ok: the token fits");
        Ok(Exit::Success)
    } else {
        for p in &problems {
            println!("problem: {p}");
        }
        Ok(Exit::Permanent)
    }
}
