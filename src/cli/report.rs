//! `graceflow report`: what a journal says happened.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use serde_json::{Value as Json, json};

use super::exit::Exit;
use super::load::Format;
use crate::journal::{self, Outcome, OutcomeStatus, Record};

/// Arguments of `graceflow report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The journals (several give one report after another: a DAG's summary).
    #[arg(value_name = "JOURNAL", required = true)]
    journals: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

const ID_KEYS: &[&str] = &[
    "graceid",
    "superevent_id",
    "gw_id",
    "N",
    "file_version",
    "url",
    "path",
    "count",
];

fn status_name(s: OutcomeStatus) -> &'static str {
    match s {
        OutcomeStatus::Done => "done",
        OutcomeStatus::Failed => "failed",
        OutcomeStatus::Skipped => "skipped",
    }
}

/// Run `graceflow report`. With several journals, one that cannot be read is named and the
/// others are still reported (exit 1 at the end); JSON is then an array.
pub fn run(a: ReportArgs) -> anyhow::Result<Exit> {
    if let [one] = a.journals.as_slice() {
        let out = report(one)?;
        match a.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
            Format::Human => print_human(&out),
        }
        return Ok(Exit::Success);
    }
    let mut all = vec![];
    let mut failed = false;
    for path in &a.journals {
        let out = report(path).unwrap_or_else(|e| {
            failed = true;
            json!({ "journal": path.display().to_string(), "error": format!("{e:#}") })
        });
        match (a.format, out.get("error").and_then(Json::as_str)) {
            (Format::Json, _) => all.push(out),
            (Format::Human, Some(e)) => println!("{}: cannot be read: {e}\n", path.display()),
            (Format::Human, None) => {
                print_human(&out);
                println!();
            }
        }
    }
    if a.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&all)?);
    }
    Ok(if failed {
        Exit::Permanent
    } else {
        Exit::Success
    })
}

/// What one journal says, as the JSON `report --format json` prints.
fn report(path: &std::path::Path) -> anyhow::Result<Json> {
    let j = journal::read(path)?;
    let mut order: Vec<String> = Vec::new();
    let mut latest: BTreeMap<(String, Option<String>), &Outcome> = BTreeMap::new();
    for r in &j.records {
        let (step, item) = match r {
            Record::Intent(i) => (&i.step, &i.item),
            Record::Outcome(o) => (&o.step, &o.item),
            Record::Note(_) => continue,
        };
        if !order.contains(step) {
            order.push(step.clone());
        }
        if let Record::Outcome(o) = r {
            latest.insert((step.clone(), item.clone()), o);
        }
    }
    let in_doubt = j.in_doubt();
    let steps: Vec<Json> = order
        .iter()
        .map(|step| {
            let items: Vec<Json> = latest
                .iter()
                .filter(|((s, i), _)| s == step && i.is_some())
                .map(|((_, i), o)| item_json(i.as_deref(), o, j.attempts(step, i.as_deref())))
                .collect();
            let whole = latest.get(&(step.clone(), None));
            let doubt: Vec<Option<&str>> = in_doubt
                .iter()
                .filter(|x| &x.step == step)
                .map(|x| x.item.as_deref())
                .collect();
            // What reconciliation found for this step's writes in doubt.
            let reconciled: Vec<Json> = j
                .records
                .iter()
                .filter_map(|r| match r {
                    Record::Note(n) if n.step.as_ref() == Some(step) => Some(n),
                    _ => None,
                })
                .filter(|n| n.message.starts_with("reconciled"))
                .map(|n| json!({ "item": n.item, "at": n.at, "message": n.message }))
                .collect();
            // When it was planned to start and when it did (`delay:`, `after:`).
            let schedule = j.records.iter().rev().find_map(|r| match r {
                Record::Note(n) if n.step.as_ref() == Some(step) => n
                    .data
                    .as_ref()
                    .filter(|d| d.get("planned_gps").is_some())
                    .cloned(),
                _ => None,
            });
            let status = match (whole, doubt.is_empty()) {
                (_, false) => "in doubt".to_owned(),
                (Some(o), _) => status_name(o.status).to_owned(),
                (None, _) if !items.is_empty() => "incomplete".to_owned(),
                (None, _) => "pending".to_owned(),
            };
            json!({
                "step": step,
                "status": status,
                "attempts": j.attempts(step, None),
                "duration_ms": whole.map(|o| o.duration_ms),
                "error": whole.and_then(|o| o.error.clone()),
                "ids": whole.map(|o| ids(&o.outputs)).unwrap_or_default(),
                "items": items,
                "in_doubt": doubt,
                "reconciled": reconciled,
                "schedule": schedule,
                "latency_s": whole.and_then(|o| o.outputs.get("latency_s").cloned()),
            })
        })
        .collect();
    Ok(json!({
        "journal": path.display().to_string(),
        "manifest": j.header.manifest,
        "name": j.header.name,
        "server": j.header.server,
        "started": j.header.started,
        "torn_tail": j.torn_tail,
        "steps": steps,
    }))
}

fn ids(outputs: &serde_json::Map<String, Json>) -> serde_json::Map<String, Json> {
    outputs
        .iter()
        .filter(|(k, v)| {
            ID_KEYS.contains(&k.as_str()) && !v.is_null() && !matches!(v, Json::Array(_))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn item_json(item: Option<&str>, o: &Outcome, attempts: u32) -> Json {
    json!({
        "item": item,
        "status": status_name(o.status),
        "attempts": attempts,
        "duration_ms": o.duration_ms,
        "error": o.error,
        "ids": ids(&o.outputs),
    })
}

/// `graceid=T0001 N=4`: an `ids` object on one line.
fn ids_text(ids: &Json) -> String {
    ids.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn print_human(r: &Json) {
    println!(
        "{} ({}) on {}, started {}",
        r["name"].as_str().unwrap_or(""),
        r["manifest"].as_str().unwrap_or(""),
        r["server"].as_str().unwrap_or(""),
        r["started"].as_str().unwrap_or("")
    );
    for s in r["steps"].as_array().into_iter().flatten() {
        let ids = ids_text(&s["ids"]);
        let dur = s["duration_ms"]
            .as_u64()
            .map(|d| format!(" {:.2}s", d as f64 / 1000.0))
            .unwrap_or_default();
        let attempts = s["attempts"]
            .as_u64()
            .filter(|a| *a > 1)
            .map(|a| format!(" ({a} attempts)"))
            .unwrap_or_default();
        println!(
            "  {:<24} {:<10}{dur}{attempts} {ids}",
            s["step"].as_str().unwrap_or(""),
            s["status"].as_str().unwrap_or("")
        );
        if let Some(e) = s["error"].as_str() {
            println!("      {e}");
        }
        if let Some(p) = s["schedule"]["planned_gps"].as_f64() {
            println!(
                "      planned {}, started {:.3} s late",
                utc_ms(p),
                s["schedule"]["late_s"].as_f64().unwrap_or(0.0)
            );
        }
        if let Some(l) = s["latency_s"].as_f64() {
            println!("      held after {l:.3} s");
        }
        for n in s["reconciled"].as_array().into_iter().flatten() {
            let item = n["item"]
                .as_str()
                .map(|i| format!("[{i}] "))
                .unwrap_or_default();
            println!("      {item}{}", n["message"].as_str().unwrap_or(""));
        }
        for i in s["items"].as_array().into_iter().flatten() {
            let ids = ids_text(&i["ids"]);
            println!(
                "      {:<30} {:<8} {ids}",
                i["item"].as_str().unwrap_or(""),
                i["status"].as_str().unwrap_or("")
            );
            if let Some(e) = i["error"].as_str() {
                println!("          {e}");
            }
        }
    }
    if r["torn_tail"].as_bool() == Some(true) {
        println!("(the journal's last line was cut off by a crash and was ignored)");
    }
}

/// A GPS time as UTC to the millisecond: `2026-11-25 22:51:01.023 UTC`.
fn utc_ms(gps: f64) -> String {
    let t = crate::gps::gps_to_utc(gps);
    let ms = ((gps - gps.floor()) * 1000.0).floor() as u32;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{ms:03} UTC",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}
