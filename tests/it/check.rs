//! `graceflow check` on the corpus of broken manifests in `tests/data/broken/`: one fixture per
//! kind of mistake, one snapshot per fixture (`snapshots/it__check__<name>.snap`) holding the
//! exit code, the JSON diagnostics and the human rendering. A snapshot is the reviewed answer:
//! positions, messages and hints included. Update with `INSTA_UPDATE=always cargo test --test
//! it check`, then read the diff.
//!
//! Also: every example in `workflows/` passes `check`.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value as Json;

const CORPUS: &str = "tests/data/broken";

/// The package root: commands run there and name files relative to it, so that paths in the
/// output do not depend on where the repository is checked out.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `.yaml` files of a directory under the root, sorted, as root-relative paths.
fn manifests(dir: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .map(|p| Path::new(dir).join(p.file_name().expect("a file name")))
        .collect();
    files.sort();
    files
}

/// `graceflow check [ARGS] FILE`, with colours off and stderr a pipe (never a terminal).
fn check(args: &[&str], file: &Path) -> Output {
    Command::cargo_bin("graceflow")
        .expect("the graceflow binary")
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_LOG")
        .arg("check")
        .args(args)
        .arg(file)
        .output()
        .expect("graceflow runs")
}

/// One run as text, after uv's snapshots: the command, the exit code, stdout and stderr.
fn transcript(args: &[&str], file: &Path, out: &Output) -> String {
    let mut command = vec!["graceflow", "check"];
    command.extend(args);
    format!(
        "$ {} {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}\n",
        command.join(" "),
        file.display(),
        out.status
            .code()
            .map_or_else(|| "killed".to_owned(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout).trim_end(),
        String::from_utf8_lossy(&out.stderr).trim_end(),
    )
}

/// Regex metacharacters escaped, for a literal path in an insta filter.
fn literal(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// Absolute paths and temporary directories masked, so that a snapshot is the same on any
/// machine.
fn settings(input: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_input_file(input);
    s.set_prepend_module_to_snapshot(true);
    s.add_filter(&literal(&root().display().to_string()), "[ROOT]");
    let temp = std::env::temp_dir();
    let temp = temp.display().to_string();
    s.add_filter(&literal(temp.trim_end_matches('/')), "[TEMP]");
    s.add_filter(r"/tmp/[^\s\x22'`)]*", "[TEMP]");
    s
}

fn json_of(out: &Output) -> Vec<Json> {
    serde_json::from_slice::<Json>(&out.stdout)
        .ok()
        .and_then(|j| j.as_array().cloned())
        .unwrap_or_else(|| {
            panic!(
                "--format json printed no JSON list:\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
}

#[test]
fn every_broken_manifest_matches_its_snapshot() {
    let files = manifests(CORPUS);
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    let mut failed = Vec::new();
    for file in &files {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 file name")
            .to_owned();
        let json = check(&["--format", "json"], file);
        let human = check(&[], file);
        let text = format!(
            "{}\n{}",
            transcript(&["--format", "json"], file, &json),
            transcript(&[], file, &human)
        );
        // Every mismatch is reported, not only the first.
        let outcome = std::panic::catch_unwind(|| {
            settings(file).bind(|| insta::assert_snapshot!(name.as_str(), text));
        });
        if outcome.is_err() {
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "snapshots differ: {failed:?}");
}

#[test]
fn every_snapshot_has_its_manifest() {
    let names: Vec<String> = manifests(CORPUS)
        .iter()
        .filter_map(|f| f.file_stem()?.to_str().map(str::to_owned))
        .collect();
    let snapshots = root().join("tests/it/snapshots");
    let Ok(entries) = std::fs::read_dir(&snapshots) else {
        return;
    };
    for e in entries {
        let file = e.expect("directory entry").file_name();
        let file = file.to_string_lossy();
        if let Some(name) = file
            .strip_prefix("it__check__")
            .and_then(|f| f.strip_suffix(".snap"))
        {
            assert!(
                names.iter().any(|n| n == name),
                "{file} has no manifest in {CORPUS}: delete it"
            );
        }
    }
}

/// The contract of `check`: every diagnostic has a place and a hint, every broken manifest
/// fails, and only a warning lets one pass.
#[test]
fn every_diagnostic_has_a_place_and_a_hint() {
    for file in manifests(CORPUS) {
        let out = check(&["--format", "json"], &file);
        let diagnostics = json_of(&out);
        assert!(!diagnostics.is_empty(), "{}: nothing found", file.display());
        for d in &diagnostics {
            for key in ["line", "column", "hint"] {
                assert!(
                    d[key].is_number() || d[key].is_string(),
                    "{}: no {key} in {d}",
                    file.display()
                );
            }
            assert_eq!(d["file"], file.display().to_string(), "{d}");
        }
        let errors = diagnostics
            .iter()
            .filter(|d| d["severity"] == "error")
            .count();
        let expected = if errors > 0 { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "{}", file.display());
    }
}

#[test]
fn one_pass_reports_every_problem() {
    let out = check(
        &["--format", "json"],
        Path::new("tests/data/broken/many_errors.yaml"),
    );
    let diagnostics = json_of(&out);
    let mut places: Vec<(u64, u64)> = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    places.dedup();
    assert!(places.len() >= 8, "{places:?}");
    let mut codes: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert!(codes.len() >= 8, "{codes:?}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn every_example_workflow_passes() {
    for file in manifests("workflows") {
        let out = check(&[], &file);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            transcript(&[], &file, &out)
        );
    }
}
