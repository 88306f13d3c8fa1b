//! The local files a run of a manifest reads, for `transfer_input_files`: every file a step
//! uploads (inputs with `format: path` in the schema, as the plan resolves them, `for_each`
//! over a glob included) and every file a `glob()` or `sha256()` call can reach before the
//! run. What depends on another step's outputs cannot be known here and is reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::analyze::{Analysis, Input};
use crate::expr::{Context, Evaluator, Expr, Root, Template};
use crate::manifest::steps::input_fields;
use crate::plan::{PlanError, plan, resolve_vars};

/// What a run reads from local disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadFiles {
    /// Existing files, absolute (relative paths joined to the manifest's directory), sorted.
    pub files: Vec<PathBuf>,
    /// Reads whose path is known only at run time, one description each.
    pub unknown: Vec<String>,
}

/// The files a run of the analysed manifest reads. `env` is what its expressions see of the
/// environment (as `run` gives them).
pub fn read_files(a: &Analysis, env: &BTreeMap<String, String>) -> Result<ReadFiles, PlanError> {
    let now = crate::gps::gps_now();
    let mut files = BTreeSet::new();
    let mut unknown = Vec::new();
    let p = plan(a, "sandbox", now, env)?;
    for step in p.levels.iter().flatten() {
        for action in &step.actions {
            let Some(file) = action.request.as_ref().and_then(|r| r.file.as_ref()) else {
                continue;
            };
            // The plan writes values not known yet as `<…>` placeholders.
            if file.path.contains('<') {
                unknown.push(format!("step `{}` uploads `file` {}", step.id, file.path));
            } else {
                // The plan's paths are already joined to the manifest's directory.
                files.insert(absolute(Path::new(""), Path::new(&file.path)));
            }
        }
    }
    // A file input naming another step's output is known only when that step has run.
    for (step, info) in a.manifest.steps.iter().zip(&a.steps) {
        let fields = input_fields(step.kind);
        let Input::Map(entries) = &info.inputs else {
            continue;
        };
        for (k, v) in entries {
            let is_file = fields.iter().any(|f| f.name == *k && f.existing_file);
            let deferred = v.templates().iter().any(|(t, _)| {
                t.exprs()
                    .any(|e| e.refs.iter().any(|r| r.root == Root::Steps))
            });
            // A literal path is read whether or not the step sends it (`shift_time` reads
            // its payload locally).
            if is_file && let Input::Literal(serde_json::Value::String(path)) = v {
                files.insert(absolute(&a.base_dir, Path::new(path)));
            }
            let described = format!("step `{}` uploads `{k}`", step.id.value);
            if is_file && deferred && !unknown.iter().any(|u: &String| u.starts_with(&described)) {
                unknown.push(format!("{described}, named by another step's output"));
            }
        }
    }
    let ev = Evaluator::new(now, a.base_dir.clone());
    let ctx = Context {
        vars: resolve_vars(a, &ev, env)?,
        env: env.clone(),
        ..Context::default()
    };
    for t in templates(a) {
        for e in t.exprs() {
            for path in called_paths(e, &ev, &ctx) {
                files.insert(absolute(&a.base_dir, Path::new(&path)));
            }
        }
    }
    Ok(ReadFiles {
        files: files.into_iter().filter(|f| f.is_file()).collect(),
        unknown,
    })
}

/// Every template of the manifest: variables, inputs, conditions, `for_each`.
fn templates(a: &Analysis) -> Vec<&Template> {
    let vars = a.vars.iter().map(|(_, i)| i);
    let steps = a.steps.iter().flat_map(|s| {
        std::iter::once(&s.inputs)
            .chain(s.condition.as_ref())
            .chain(s.for_each.as_ref())
    });
    vars.chain(steps)
        .flat_map(|i| i.templates().into_iter().map(|(t, _)| t))
        .collect()
}

/// The paths the `glob()` and `sha256()` calls of an expression read, for the calls whose
/// arguments use only variables and the environment (the others wait for the run).
fn called_paths(e: &Expr, ev: &Evaluator, ctx: &Context) -> Vec<String> {
    let mut out = vec![];
    for call in e
        .calls
        .iter()
        .filter(|c| c.name == "glob" || c.name == "sha256")
    {
        let start = call.offset.saturating_sub(e.offset);
        let Some(text) = e.source.get(start..start + call.len) else {
            continue;
        };
        let deferred = e.refs.iter().any(|r| {
            (r.offset >= call.offset && r.offset < call.offset + call.len)
                && matches!(r.root, Root::Steps | Root::Item)
        });
        if deferred {
            continue;
        }
        // glob() is evaluated whole; for sha256() the path is its argument.
        let expr = if call.name == "glob" {
            text
        } else {
            text.get(call.name.len() + 1..text.len().saturating_sub(1))
                .unwrap_or_default()
        };
        match ev.eval_str(&format!("${{{{ {expr} }}}}"), ctx) {
            Ok(Json::String(s)) => out.push(s),
            Ok(Json::Array(items)) => {
                out.extend(
                    items
                        .into_iter()
                        .filter_map(|i| i.as_str().map(str::to_owned)),
                );
            }
            _ => {}
        }
    }
    out
}

/// `p` joined to `base` when relative, made absolute against the current directory.
fn absolute(base: &Path, p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_owned()
    } else {
        base.join(p)
    };
    std::path::absolute(&joined).unwrap_or(joined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Options;

    fn analyse(dir: &Path, text: &str) -> Analysis {
        let path = dir.join("m.yaml");
        std::fs::write(&path, text).unwrap();
        let source = crate::manifest::Source::new(&path, text.to_owned());
        let (m, d) = crate::manifest::model::parse(source);
        let (a, more) = crate::analyze::analyze(m.unwrap(), &Options::default());
        a.unwrap_or_else(|| panic!("{d:?} {more:?}"))
    }

    #[test]
    fn uploads_globs_and_hashes_are_read_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("data/notes")).unwrap();
        for f in [
            "data/coinc.xml",
            "data/notes/a.txt",
            "data/notes/b.txt",
            "data/h.bin",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        let a = analyse(
            d,
            r#"version: 1
name: t
vars: { notes: "data/notes/*.txt" }
steps:
  - id: event
    create_event: { group: Test, pipeline: gstlal, search: AllSky, file: data/coinc.xml }
  - id: notes
    for_each: ${{ glob(vars.notes) }}
    write_log: { object: "${{ steps.event.graceid }}", comment: "${{ sha256('data/h.bin') }}", file: "${{ item }}" }
  - id: later
    write_log: { object: S1, comment: x, file: "${{ steps.event.graceid }}.xml" }
"#,
        );
        let r = read_files(&a, &BTreeMap::new()).unwrap();
        let names: Vec<String> = r
            .files
            .iter()
            .map(|f| f.strip_prefix(d).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "data/coinc.xml",
                "data/h.bin",
                "data/notes/a.txt",
                "data/notes/b.txt"
            ]
        );
        assert_eq!(r.unknown.len(), 1, "{:?}", r.unknown);
        assert!(r.unknown[0].starts_with("step `later`"), "{:?}", r.unknown);
    }
}
