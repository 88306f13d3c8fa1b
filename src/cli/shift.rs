//! `graceflow shift`: one payload moved in time, outside a manifest.

use std::path::PathBuf;

use clap::Args;

use super::exit::Exit;
use crate::shift::{
    GpsTime, Offset, PayloadKind, ShiftOptions, ShiftTarget, sha256_hex, shift_file, shift_path,
    write_atomically,
};

/// Arguments of `graceflow shift`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["to", "by"]))]
pub struct ShiftArgs {
    /// The payload: LIGO_LW XML (plain or gzip), cWB trigger text, JSON with a `gpstime`, or
    /// a VOEvent.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Move the payload so that its event time becomes this GPS time (decimal seconds).
    #[arg(long, value_name = "GPS")]
    to: Option<GpsTime>,
    /// Move every time by this many seconds (decimal, may be negative: `--by=-0.5`).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    by: Option<Offset>,
    /// Where to write: an existing directory (the file keeps its name, with a GPS second in
    /// it replaced by the new one) or a file path. Required: the input is never overwritten.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
    /// The payload kind; `auto` recognises it from the content.
    #[arg(long, default_value = "auto", value_parser = parse_kind)]
    kind: PayloadKind,
    /// LIGO_LW: also move `process` start/end, `search_summary` segments and PSD epochs.
    #[arg(long)]
    all_times: bool,
}

fn parse_kind(s: &str) -> Result<PayloadKind, String> {
    s.parse()
}

/// Run `graceflow shift`.
pub fn run(a: ShiftArgs) -> anyhow::Result<Exit> {
    let target = match (a.to, a.by) {
        (Some(t), _) => ShiftTarget::To(t),
        (None, Some(d)) => ShiftTarget::By(d),
        (None, None) => unreachable!("clap requires --to or --by"),
    };
    let opts = ShiftOptions {
        all_times: a.all_times,
    };
    let written = if a.output.is_dir() {
        shift_file(&a.file, &a.output, a.kind, target, &opts)?
    } else {
        let shifted = shift_path(&a.file, a.kind, target, &opts)?;
        write_atomically(&a.output, &shifted.bytes)?;
        crate::shift::ShiftedFile {
            path: a.output.clone(),
            sha256: sha256_hex(&shifted.bytes),
            before: shifted.before,
            after: shifted.after,
            kind: shifted.kind,
        }
    };
    let offset = written.after - written.before;
    let sign = if offset.nanos() >= 0 { "+" } else { "" };
    println!(
        "{} → {}  ({}, {sign}{offset} s)",
        written.before, written.after, written.kind
    );
    println!("{}  sha256 {}", written.path.display(), written.sha256);
    Ok(Exit::Success)
}
