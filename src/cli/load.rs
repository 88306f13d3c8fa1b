//! Reading manifests for the commands: parse, analyse, and show diagnostics (with source
//! snippets on a terminal, or as JSON).

use std::path::Path;
use std::sync::Arc;

use crate::analyze::{self, Analysis, Options};
use crate::manifest::diagnostic::Rendered;
use crate::manifest::{Diagnostic, Manifest, Report, Source};

/// The output format of `check` and `plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    #[value(alias = "text")]
    Human,
    /// For machines.
    Json,
}

/// Read and analyse a manifest. Returns the analysis if there is no error, and the report of
/// everything found either way.
pub fn load(path: &Path, opts: &Options) -> (Option<Analysis>, Report) {
    let loaded = load_all(path, opts);
    (loaded.analysis, loaded.report)
}

/// What [`load_all`] found.
pub struct Loaded {
    /// The manifest, if it could be parsed at all (with errors or not).
    pub manifest: Option<Manifest>,
    /// The analysis, if there is no error.
    pub analysis: Option<Analysis>,
    /// Everything found.
    pub report: Report,
}

/// `f` applied to each path, on as many threads as there are CPUs; results in the order of
/// `paths`. Each file's work, dropping what it built included, stays on its thread.
pub fn map_files<T: Send>(paths: &[std::path::PathBuf], f: impl Fn(&Path) -> T + Sync) -> Vec<T> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len());
    if workers <= 1 {
        return paths.iter().map(|p| f(p)).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<T>>> = paths.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    let out = f(path);
                    *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(out);
                }
            });
        }
    });
    slots
        .into_iter()
        .zip(paths)
        .map(|(slot, path)| {
            slot.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| f(path))
        })
        .collect()
}

/// As [`load`], keeping the parsed manifest even when it has errors, for checks that need
/// only its top level (the server and the production guard).
pub fn load_all(path: &Path, opts: &Options) -> Loaded {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let source = Source::new(path, String::new());
            let d = Diagnostic::error("io", None, format!("cannot read {}: {e}", path.display()))
                .with_hint("check the path; it is relative to the current directory");
            return Loaded {
                manifest: None,
                analysis: None,
                report: Report {
                    source,
                    diagnostics: vec![d],
                },
            };
        }
    };
    let source: Arc<Source> = Source::new(path, text);
    let (manifest, mut diagnostics) = crate::manifest::model::parse(source.clone());
    let parsed_cleanly = diagnostics
        .iter()
        .all(|d| d.severity != crate::manifest::Severity::Error);
    let kept = manifest.clone();
    let analysis = match manifest {
        Some(m) => {
            // Analysed even when parsing found errors, so that one pass reports everything.
            let (a, more) = analyze::analyze(m, opts);
            diagnostics.extend(more);
            a.filter(|_| parsed_cleanly)
        }
        None => None,
    };
    Loaded {
        manifest: kept,
        analysis,
        report: Report {
            source,
            diagnostics,
        },
    }
}

/// Print a report's diagnostics to stderr, with source snippets.
pub fn print_human(report: &Report) {
    eprint!("{}", render_human(report));
}

/// A report's diagnostics as text, with source snippets.
pub fn render_human(report: &Report) -> String {
    use std::fmt::Write;
    let mut text = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(if console_is_colored() {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    });
    for d in report.sorted() {
        let mut out = String::new();
        let rendered = Rendered::new(d, &report.source);
        if handler.render_report(&mut out, &rendered).is_ok() {
            text.push_str(&out);
        } else {
            let _ = writeln!(text, "{}: {}", report.source.path.display(), d.message);
        }
        if let Some(span) = d.span {
            let (line, col) = report.source.line_col(span.offset);
            let _ = writeln!(text, "  at {}:{line}:{col}\n", report.source.path.display());
        }
    }
    text
}

fn console_is_colored() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// `k=v` pairs from `--set`.
pub fn parse_set(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{s:?} is not name=value"))
}
