//! Time shifts of event payloads, for reproducible test-event injection: a past event's file
//! rewritten so that it happens at a chosen GPS time.
//!
//! One reader per payload kind finds where the times are ([`ligolw`](self) for CBC coinc
//! files, cWB trigger text, JSON with a `gpstime`, VOEvent XML); [`field`](self) rewrites them
//! exactly, in integer nanoseconds, and only those bytes change. Shifting by `+d` and then by
//! `−d` gives back the original bytes whenever `d` has no more decimals than the text it moves
//! (a shift finer than a field's written precision widens that field, and shifting back keeps
//! it wider, with the same value).

mod cwb;
mod detect;
mod edit;
mod error;
mod field;
mod gmst;
mod gzip;
mod json;
mod ligolw;
mod name;
mod time;
mod voevent;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sha2::{Digest, Sha256};

pub use error::ShiftError;
pub use gmst::greenwich_mean_sidereal_time;
pub use time::{GpsTime, Offset, ParseTimeError};

use error::Context;

/// What a payload is; `Auto` asks [`shift_bytes`] to recognise it from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// Recognise the kind from the content.
    Auto,
    /// LIGO_LW XML from a CBC pipeline (a coinc file), plain or gzip.
    Ligolw,
    /// cWB trigger text.
    Cwb,
    /// JSON with a top-level `gpstime` (oLIB, MLy, aframe, GWAK).
    Json,
    /// VOEvent XML (external triggers).
    Voevent,
}

impl PayloadKind {
    /// Every kind, with its name, in the order `--help` lists them.
    pub const ALL: [PayloadKind; 5] = [
        PayloadKind::Auto,
        PayloadKind::Ligolw,
        PayloadKind::Cwb,
        PayloadKind::Json,
        PayloadKind::Voevent,
    ];

    /// The lower-case name (`auto`, `ligolw`, `cwb`, `json`, `voevent`).
    pub fn name(self) -> &'static str {
        match self {
            PayloadKind::Auto => "auto",
            PayloadKind::Ligolw => "ligolw",
            PayloadKind::Cwb => "cwb",
            PayloadKind::Json => "json",
            PayloadKind::Voevent => "voevent",
        }
    }
}

impl fmt::Display for PayloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PayloadKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PayloadKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                format!("unknown payload kind {s:?}; expected auto, ligolw, cwb, json or voevent")
            })
    }
}

/// Where to move a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftTarget {
    /// So that its reference time becomes this time.
    To(GpsTime),
    /// By this offset.
    By(Offset),
}

/// Choices beyond the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShiftOptions {
    /// LIGO_LW: also shift `process` start/end, `search_summary` in/out segments and PSD
    /// epochs (by default only the event's own times move).
    pub all_times: bool,
}

/// A shifted payload, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shifted {
    /// The new bytes (gzip if the input was).
    pub bytes: Vec<u8>,
    /// The kind it was read as (never `Auto`).
    pub kind: PayloadKind,
    /// The reference time before the shift.
    pub before: GpsTime,
    /// The reference time after it.
    pub after: GpsTime,
    /// The file name to use: the old one with its GPS second, if it carries one, replaced.
    pub file_name: String,
}

/// A shifted payload, written to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftedFile {
    /// Where it was written.
    pub path: PathBuf,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// The reference time before the shift.
    pub before: GpsTime,
    /// The reference time after it.
    pub after: GpsTime,
    /// The kind it was read as (never `Auto`).
    pub kind: PayloadKind,
}

/// Shifts a payload held in memory. `file_name` names it in errors and is the base of the
/// new name. An unrecognised or unreadable payload is an error, never passed through.
pub fn shift_bytes(
    bytes: &[u8],
    file_name: &str,
    kind: PayloadKind,
    target: ShiftTarget,
    opts: &ShiftOptions,
) -> Result<Shifted, ShiftError> {
    let kind = match kind {
        PayloadKind::Auto => detect::detect(bytes).map_err(|reason| ShiftError::Unrecognised {
            file: file_name.to_owned(),
            reason,
        })?,
        k => k,
    };
    let gzipped = kind == PayloadKind::Ligolw && gzip::is_gzip(bytes);
    let text = if gzipped {
        gzip::decompress(bytes).map_err(|message| ShiftError::Invalid {
            file: file_name.to_owned(),
            kind,
            line: None,
            message,
        })?
    } else {
        bytes.to_vec()
    };
    let ctx = Context {
        file: file_name,
        kind,
        text: &text,
    };
    let located = match kind {
        PayloadKind::Ligolw => ligolw::locate(&text, &ctx, opts)?,
        PayloadKind::Cwb => cwb::locate(&text, &ctx)?,
        PayloadKind::Json => json::locate(&text, &ctx)?,
        PayloadKind::Voevent => voevent::locate(&text, &ctx)?,
        PayloadKind::Auto => unreachable!("resolved above"),
    };
    let before = located.before;
    let offset = match target {
        ShiftTarget::To(t) => t - before,
        ShiftTarget::By(d) => d,
    };
    let after = before
        .checked_add(offset)
        .ok_or_else(|| ctx.whole("the shifted time overflows"))?;
    let shifted = field::rewrite(&located.fields, offset, &ctx)?.apply(&text);
    Ok(Shifted {
        bytes: if gzipped {
            gzip::compress(&shifted)
        } else {
            shifted
        },
        kind,
        before,
        after,
        file_name: name::shifted_name(file_name, before, after),
    })
}

/// Shifts the file `input` and writes the result into the directory `out_dir` under its new
/// name ([`Shifted::file_name`]), atomically: a temporary file in `out_dir`, then a rename.
pub fn shift_file(
    input: &Path,
    out_dir: &Path,
    kind: PayloadKind,
    target: ShiftTarget,
    opts: &ShiftOptions,
) -> Result<ShiftedFile, ShiftError> {
    let shifted = shift_path(input, kind, target, opts)?;
    let path = out_dir.join(&shifted.file_name);
    write_atomically(&path, &shifted.bytes)?;
    Ok(ShiftedFile {
        path,
        sha256: sha256_hex(&shifted.bytes),
        before: shifted.before,
        after: shifted.after,
        kind: shifted.kind,
    })
}

/// Reads `input` and shifts it in memory, naming it by its file name.
pub fn shift_path(
    input: &Path,
    kind: PayloadKind,
    target: ShiftTarget,
    opts: &ShiftOptions,
) -> Result<Shifted, ShiftError> {
    let bytes = std::fs::read(input).map_err(|source| ShiftError::Io {
        action: "read",
        path: input.to_owned(),
        source,
    })?;
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display().to_string());
    shift_bytes(&bytes, &name, kind, target, opts)
}

/// Writes `bytes` to `path` through a temporary file beside it and a rename, so that a
/// reader never sees a partial file and a failure leaves no file behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ShiftError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| ShiftError::Io {
            action,
            path,
            source,
        }
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp).map_err(io("create", &temp))?;
        file.write_all(bytes).map_err(io("write", &temp))?;
        file.sync_all().map_err(io("sync", &temp))?;
        std::fs::rename(&temp, path).map_err(io("rename into place", path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests;
