//! Submit descriptions that run `graceflow run`: grouped, commented, one line per setting
//! that differs from HTCondor's default or that a reader needs to see.

use std::fmt::Write;
use std::path::PathBuf;

use super::quote;

/// HTCondor's credential settings for the job (the GraceDB client guide's submit lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oauth {
    /// The credential service (`igwn`).
    pub service: String,
    /// The permissions handle (`limited`), or none: the file is `<service>_<handle>.use`, or
    /// `<service>.use` without one.
    pub handle: Option<String>,
    /// The scopes asked for (`gracedb.read read:/ligo`), if any.
    pub permissions: Option<String>,
    /// The robot whose credential is used; `None` uses the submitter's own (personal) token.
    pub robot: Option<Robot>,
    /// The vault server: always for a robot, for a personal token only when asked.
    pub vault_server: Option<String>,
}

/// A robot identity in vault: `<name>-scitoken/robot/<host>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Robot {
    /// The robot's service name.
    pub name: String,
    /// The fully qualified host name its keytab belongs to.
    pub host: String,
}

impl Oauth {
    /// The credential file's name in the job's `.condor_creds/` directory.
    pub fn file_name(&self) -> String {
        match &self.handle {
            Some(h) => format!("{}_{h}.use", self.service),
            None => format!("{}.use", self.service),
        }
    }

    /// The `environment` value that points graceflow at that file.
    pub fn environment(&self) -> String {
        format!(
            "\"BEARER_TOKEN_FILE=$$(CondorScratchDir)/.condor_creds/{}\"",
            self.file_name()
        )
    }

    /// The `<service>_oauth_options` value, if there is one.
    pub fn options(&self) -> Option<String> {
        let vault = self.vault_server.as_deref().unwrap_or("vault.ligo.org");
        match &self.robot {
            Some(r) => Some(format!(
                "--nooidc --vaultserver {vault} --issuer igwn --role {n}-scitoken --credkey {n}-scitoken/robot/{h} --outfile /tmp/bt_u${{UID}}-{s}",
                n = r.name,
                h = r.host,
                s = self.service
            )),
            None => self
                .vault_server
                .as_ref()
                .map(|v| format!("--vaultserver {v}")),
        }
    }
}

/// Where the journal lives while the job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalPlace {
    /// In the job's scratch directory under this name (macros allowed), transferred in at
    /// start and back on exit and on eviction.
    Transferred(String),
    /// At this absolute path on a file system the execute nodes share.
    Shared(PathBuf),
}

/// Who retries a job that exits 75.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retries {
    /// The schedd, up to this many times (`max_retries` + `retry_until`).
    Job(u32),
    /// DAGMan (`RETRY … UNLESS-EXIT 1` in the DAG): the job itself is not retried.
    Dagman,
}

/// A submit description, ready to render.
#[derive(Debug, Clone)]
pub struct SubmitFile {
    /// The first comment line: what the job runs.
    pub title: String,
    /// How to submit it (`condor_submit x.sub`), for the second comment line.
    pub usage: String,
    /// The graceflow binary.
    pub executable: PathBuf,
    /// `arguments`, each already escaped for the submit language (see
    /// [`quote::literal_argument`]) so that macros can be passed through.
    pub arguments: Vec<String>,
    /// `transfer_input_files`, relative to the submit directory (macros allowed), the
    /// manifest first.
    pub inputs: Vec<String>,
    /// Files the run reads that are not transferred, with why, for comments.
    pub not_transferred: Vec<String>,
    /// The journal.
    pub journal: JournalPlace,
    /// Credentials.
    pub oauth: Oauth,
    /// Retries.
    pub retries: Retries,
    /// `log`, `output` and `error` are `<logs>.log`, `.out`, `.err` (macros allowed).
    pub logs: String,
}

/// Memory and disk: graceflow streams uploads from disk and keeps little in memory, and its
/// scratch directory holds the inputs, the journal and downloads.
const REQUEST_MEMORY: &str = "512MB";
const REQUEST_DISK: &str = "1GB";

fn heading(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n# ---- {title} {}", "-".repeat(60 - title.len()));
}

impl SubmitFile {
    /// The submit description's text.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# {}", self.title);
        let _ = writeln!(
            o,
            "# Written by `graceflow condor`; {}.\n\
             # Exit codes: 0 done, 1 permanent failure, 2 usage, 75 not finished but resumable\n\
             # (the journal makes a rerun send only what is left).",
            self.usage
        );

        heading(&mut o, "What runs");
        let _ = writeln!(
            o,
            "# The binary is transferred to the execute node (it needs no Python or OpenSSL)."
        );
        let _ = writeln!(o, "universe   = vanilla");
        let _ = writeln!(
            o,
            "executable = {}",
            quote::submit_literal(&self.executable.display().to_string())
        );
        let _ = writeln!(o, "arguments  = \"{}\"", self.arguments.join(" "));

        self.render_credentials(&mut o);
        self.render_files(&mut o);

        heading(&mut o, "Retries");
        match self.retries {
            Retries::Job(n) => {
                let _ = writeln!(
                    o,
                    "# Retry only what graceflow says is resumable: exit 75 (a transient failure, an\n\
                     # outage, no renewed token in time, a stop) and a death by signal; never exit 1\n\
                     # (permanent: retrying will not help) or 2 (usage). Per the condor_submit manual,\n\
                     # a job that does not exit 0 is retried up to max_retries times unless retry_until\n\
                     # is true; ExitCode is undefined after a signal, hence the ExitBySignal test.\n\
                     # Evictions are not exits: HTCondor reschedules an evicted job by itself."
                );
                let _ = writeln!(o, "max_retries = {n}");
                let _ = writeln!(
                    o,
                    "retry_until = (ExitBySignal == false) && (ExitCode != 75)"
                );
            }
            Retries::Dagman => {
                let _ = writeln!(
                    o,
                    "# No max_retries here: the DAG retries this node (RETRY … UNLESS-EXIT 1), and two\n\
                     # retry layers would multiply the attempts."
                );
            }
        }

        heading(&mut o, "Logs and resources");
        let _ = writeln!(o, "log    = {}.log", self.logs);
        let _ = writeln!(o, "output = {}.out", self.logs);
        let _ = writeln!(o, "error  = {}.err", self.logs);
        let _ = writeln!(o, "request_cpus   = 1");
        let _ = writeln!(o, "request_memory = {REQUEST_MEMORY}");
        let _ = writeln!(o, "request_disk   = {REQUEST_DISK}");
        let _ = writeln!(o, "\nqueue");
        o
    }

    fn render_credentials(&self, o: &mut String) {
        let a = &self.oauth;
        heading(o, "Credentials");
        let who = match &a.robot {
            Some(r) => format!(
                "the robot {}-scitoken/robot/{}\n\
                 # (keep its vault token valid with condor_vault_storer: GraceDB client guide)",
                r.name, r.host
            ),
            None => "you (condor_submit may ask you to authenticate once)".into(),
        };
        let _ = writeln!(
            o,
            "# HTCondor gets a SciToken for {who};\n\
             # it writes it to .condor_creds/{file} in the job's scratch directory and renews\n\
             # it while the job runs (tokens live 3 hours). graceflow re-reads the file\n\
             # whenever it is replaced; `graceflow condor check` in the job says if it fits.",
            file = a.file_name()
        );
        let _ = writeln!(o, "use_oauth_services = {}", a.service);
        if let Some(opts) = a.options() {
            let _ = writeln!(o, "{}_oauth_options = {opts}", a.service);
        }
        if let Some(p) = &a.permissions {
            match &a.handle {
                Some(h) => {
                    let _ = writeln!(o, "{}_oauth_permissions_{h} = {p}", a.service);
                }
                None => {
                    let _ = writeln!(o, "{}_oauth_permissions = {p}", a.service);
                }
            }
        }
        let _ = writeln!(o, "environment = {}", a.environment());
    }

    fn render_files(&self, o: &mut String) {
        heading(o, "Files");
        let _ = writeln!(
            o,
            "# The manifest and every local file it reads (found by its analysis: uploads and\n\
             # glob matches), with their paths kept so that relative paths still resolve."
        );
        for n in &self.not_transferred {
            let _ = writeln!(o, "# Not transferred: {n}");
        }
        let _ = writeln!(o, "should_transfer_files   = YES");
        let _ = writeln!(o, "preserve_relative_paths = true");
        let mut inputs = self.inputs.clone();
        match &self.journal {
            JournalPlace::Transferred(name) => {
                inputs.push(name.clone());
                let _ = writeln!(o, "transfer_input_files    = {}", inputs.join(", "));
                let _ = writeln!(
                    o,
                    "# The journal is what makes a rerun resume instead of starting over, so it\n\
                     # follows the job: it is sent in (empty the first time) and comes back when the\n\
                     # job exits *and* when it is evicted (ON_EXIT_OR_EVICT), so that the restart,\n\
                     # wherever it lands, continues where the evicted run stopped."
                );
                let _ = writeln!(o, "when_to_transfer_output = ON_EXIT_OR_EVICT");
                let _ = writeln!(o, "transfer_output_files   = {name}");
            }
            JournalPlace::Shared(path) => {
                let _ = writeln!(o, "transfer_input_files    = {}", inputs.join(", "));
                let _ = writeln!(
                    o,
                    "# The journal is written straight to a shared file system\n\
                     # ({}), so an eviction loses nothing and it is not transferred.",
                    path.display()
                );
            }
        }
    }
}
