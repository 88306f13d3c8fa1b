//! Locating the times of a CBC LIGO_LW coinc document.
//!
//! The document is walked with quick-xml only to find byte ranges: the text of each table's
//! `<Stream>` and of `Time`/`Param` elements. Streams are then split into cells here, on the
//! raw bytes, with python-ligo-lw's rules (a one-character delimiter, whitespace around cells
//! ignored, `"`/`'` quoted cells with backslash escapes), so that each cell's exact byte range
//! is known and only the cells that hold a time are ever rewritten.
//!
//! Always shifted: `coinc_inspiral` `end_time`/`end_time_ns`; every `sngl_inspiral`
//! `end_time`/`end_time_ns` with `end_time_gmst` recomputed; the `epoch` (or `t0`) of every
//! `COMPLEX8TimeSeries` (SNR series). With `all_times`: `process` `start_time`/`end_time`,
//! `search_summary` `in_`/`out_` `start_time`/`end_time` (with their `_ns`), and the epochs
//! of `REAL8FrequencySeries` (PSDs). The reference time is the first `coinc_inspiral` row's.

use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::ShiftOptions;
use super::error::{Context, ShiftError};
use super::field::{Field, Located, max_seconds_of, pair};
use super::time::{GpsTime, Style, parse_decimal};

/// A table's columns as declared, names normalised (`coinc_inspiral:end_time` → `end_time`).
#[derive(Debug, Default)]
struct TableHead {
    name: String,
    columns: Vec<(String, String)>,
}

/// One stream cell: the byte range of its text (inside the quotes, if quoted), or of the
/// whitespace where an empty (null) cell sits.
#[derive(Debug, Clone)]
struct Cell {
    range: Range<usize>,
    null: bool,
}

/// Finds every time in `xml` (already decompressed) that `opts` asks to shift.
pub(crate) fn locate(
    xml: &[u8],
    ctx: &Context<'_>,
    opts: &ShiftOptions,
) -> Result<Located, ShiftError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut fields = Vec::new();
    let mut before: Option<GpsTime> = None;
    // Names of the enclosing LIGO_LW containers (empty string when unnamed).
    let mut containers: Vec<String> = Vec::new();
    let mut root_seen = false;
    let mut table: Option<TableHead> = None;
    // The open Stream (delimiter, content start) or Time/Param (content start) element.
    let mut stream: Option<(u8, usize)> = None;
    let mut timed: Option<usize> = None;
    loop {
        let position = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            ctx.at(
                reader.error_position() as usize,
                format!("malformed XML: {e}"),
            )
        })?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = local_name(e);
                if !root_seen {
                    root_seen = true;
                    if name != "LIGO_LW" {
                        return Err(ctx.at(
                            position,
                            format!("the root element is <{name}>, not <LIGO_LW>"),
                        ));
                    }
                }
                match name.as_str() {
                    "LIGO_LW" if !empty => {
                        containers.push(attribute(e, "Name").unwrap_or_default())
                    }
                    "Table" if !empty => {
                        let raw = attribute(e, "Name").unwrap_or_default();
                        table = Some(TableHead {
                            name: crate::ligolw::normalize_table_name(&raw).to_owned(),
                            columns: Vec::new(),
                        });
                    }
                    "Column" => {
                        if let Some(t) = table.as_mut() {
                            let raw = attribute(e, "Name").unwrap_or_default();
                            let ty = attribute(e, "Type").unwrap_or_default();
                            t.columns
                                .push((crate::ligolw::normalize_column_name(&raw).to_owned(), ty));
                        }
                    }
                    "Stream" if !empty && table.is_some() => {
                        let delimiter = attribute(e, "Delimiter").unwrap_or_else(|| ",".into());
                        let &[d] = delimiter.as_bytes() else {
                            return Err(ctx.at(
                                position,
                                format!(
                                    "stream delimiter {delimiter:?} is not one ASCII character"
                                ),
                            ));
                        };
                        stream = Some((d, after));
                    }
                    "Time" | "Param" if !empty => {
                        let wanted = series_epoch(e, containers.last().map(String::as_str), opts);
                        timed = wanted.then_some(after);
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                b"LIGO_LW" => {
                    containers.pop();
                }
                b"Table" => table = None,
                b"Stream" => {
                    if let (Some((delimiter, start)), Some(head)) = (stream.take(), table.as_ref())
                    {
                        let rows = split_stream(xml, start..position, delimiter, head, ctx)?;
                        table_fields(xml, head, &rows, ctx, opts, &mut fields, &mut before)?;
                    }
                }
                b"Time" | b"Param" => {
                    if let Some(start) = timed.take() {
                        // A `Time` is a LIGOTimeGPS, always written with nine decimals.
                        let style = if closes_time(xml, position) {
                            Style::Fixed
                        } else {
                            Style::Number
                        };
                        fields.push(decimal_field(xml, start..position, ctx, style)?);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !root_seen {
        return Err(ctx.whole("the document has no root element"));
    }
    let before = before.ok_or_else(|| {
        ctx.whole("no coinc_inspiral row with end_time and end_time_ns: not a CBC coinc document")
    })?;
    Ok(Located { before, fields })
}

/// Whether a `Time`/`Param` element is the epoch of a series that is shifted.
fn series_epoch(e: &BytesStart<'_>, container: Option<&str>, opts: &ShiftOptions) -> bool {
    let name = attribute(e, "Name").unwrap_or_default();
    let name = name.split(':').next().unwrap_or_default();
    let series = match container {
        Some("COMPLEX8TimeSeries") => true,
        Some("REAL8FrequencySeries") => opts.all_times,
        _ => false,
    };
    series && matches!(name, "epoch" | "t0")
}

/// A decimal time held as element text, e.g. `<Time Name="epoch">1400123456.5</Time>`.
fn decimal_field(
    xml: &[u8],
    range: Range<usize>,
    ctx: &Context<'_>,
    style: Style,
) -> Result<Field, ShiftError> {
    let range = trim(xml, range);
    let text = std::str::from_utf8(&xml[range.clone()])
        .map_err(|_| ctx.at(range.start, "series epoch is not UTF-8 text"))?;
    let value =
        parse_decimal(text).map_err(|e| ctx.at(range.start, format!("series epoch: {e}")))?;
    Ok(Field::Decimal {
        range,
        value,
        style,
    })
}

/// Whether the end tag at `position` closes a `Time` (rather than a `Param`) element.
fn closes_time(xml: &[u8], position: usize) -> bool {
    xml[position..].starts_with(b"</Time") || xml[position..].starts_with(b"</ligolw:Time")
}

/// The time columns of a table: (seconds column, nanoseconds column if any).
fn time_columns(
    table: &str,
    opts: &ShiftOptions,
) -> &'static [(&'static str, Option<&'static str>)] {
    match table {
        "coinc_inspiral" | "sngl_inspiral" => &[("end_time", Some("end_time_ns"))],
        "process" if opts.all_times => &[("start_time", None), ("end_time", None)],
        "search_summary" if opts.all_times => &[
            ("in_start_time", Some("in_start_time_ns")),
            ("in_end_time", Some("in_end_time_ns")),
            ("out_start_time", Some("out_start_time_ns")),
            ("out_end_time", Some("out_end_time_ns")),
        ],
        _ => &[],
    }
}

fn table_fields(
    xml: &[u8],
    head: &TableHead,
    rows: &[Vec<Cell>],
    ctx: &Context<'_>,
    opts: &ShiftOptions,
    fields: &mut Vec<Field>,
    before: &mut Option<GpsTime>,
) -> Result<(), ShiftError> {
    let index = |name: &str| head.columns.iter().position(|(n, _)| n == name);
    for &(seconds_name, nanos_name) in time_columns(&head.name, opts) {
        let Some(s_col) = index(seconds_name) else {
            continue;
        };
        let ns_col = nanos_name.and_then(index);
        let max_seconds = max_seconds_of(&head.columns[s_col].1);
        for (r, row) in rows.iter().enumerate() {
            let here = |col: usize, message: String| {
                ctx.at(
                    row[col].range.start,
                    format!(
                        "table {}, row {r}, column {}: {message}",
                        head.name, head.columns[col].0
                    ),
                )
            };
            let int = |col: usize| -> Result<Option<i64>, ShiftError> {
                let cell = &row[col];
                if cell.null {
                    return Ok(None);
                }
                let text = String::from_utf8_lossy(&xml[cell.range.clone()]);
                text.parse::<i64>()
                    .map(Some)
                    .map_err(|_| here(col, format!("{text:?} is not an integer")))
            };
            let Some(seconds) = int(s_col)? else { continue };
            match ns_col {
                Some(n_col) => {
                    // A null nanoseconds cell is read as 0 but written only if the row moves.
                    let Some(nanoseconds) = int(n_col)? else {
                        return Err(here(n_col, "is empty while the seconds are set".into()));
                    };
                    let time = pair(seconds, nanoseconds);
                    if head.name == "coinc_inspiral" && before.is_none() {
                        *before = Some(time);
                    }
                    fields.push(Field::SecondsNanos {
                        seconds: row[s_col].range.clone(),
                        nanos: row[n_col].range.clone(),
                        time,
                        max_seconds,
                    });
                    if head.name == "sngl_inspiral"
                        && let Some(g_col) = index("end_time_gmst")
                        && !row[g_col].null
                    {
                        let text = String::from_utf8_lossy(&xml[row[g_col].range.clone()]);
                        let old = text
                            .parse::<f64>()
                            .map_err(|_| here(g_col, format!("{text:?} is not a number")))?;
                        fields.push(Field::Gmst {
                            range: row[g_col].range.clone(),
                            old,
                            time,
                        });
                    }
                }
                None => fields.push(Field::WholeSeconds {
                    range: row[s_col].range.clone(),
                    seconds: i128::from(seconds),
                    max_seconds,
                }),
            }
        }
    }
    Ok(())
}

/// Splits a stream's raw text into rows of cells.
fn split_stream(
    xml: &[u8],
    range: Range<usize>,
    delimiter: u8,
    head: &TableHead,
    ctx: &Context<'_>,
) -> Result<Vec<Vec<Cell>>, ShiftError> {
    let columns = head.columns.len();
    let column_name = |cells: usize| {
        head.columns
            .get(cells % columns.max(1))
            .map_or("?", |(n, _)| n.as_str())
            .to_owned()
    };
    let error = |at: usize, cells: usize, message: &str| {
        ctx.at(
            at,
            format!(
                "table {}, row {}, column {}: {message}",
                head.name,
                cells / columns.max(1),
                column_name(cells)
            ),
        )
    };
    let mut cells: Vec<Cell> = Vec::new();
    let mut i = range.start;
    let end = range.end;
    let mut cell_start = i;
    while i < end {
        let b = xml[i];
        if is_space(b) {
            i += 1;
            continue;
        }
        if b == delimiter {
            cells.push(Cell {
                range: cell_start..i,
                null: true,
            });
            i += 1;
            cell_start = i;
            continue;
        }
        let content = if b == b'"' || b == b'\'' {
            let open = i;
            i += 1;
            loop {
                match xml.get(i..end).and_then(<[u8]>::first) {
                    None => return Err(error(open, cells.len(), "unterminated quoted string")),
                    Some(b'\\') => i += 2,
                    Some(&c) if c == b => break,
                    Some(_) => i += 1,
                }
            }
            let content = open + 1..i.min(end);
            i += 1;
            content
        } else {
            let start = i;
            while i < end && !is_space(xml[i]) && xml[i] != delimiter {
                i += 1;
            }
            start..i
        };
        while i < end && is_space(xml[i]) {
            i += 1;
        }
        if i < end && xml[i] != delimiter {
            return Err(error(
                i,
                cells.len(),
                "expected whitespace or the delimiter after a cell",
            ));
        }
        cells.push(Cell {
            range: content,
            null: false,
        });
        if i < end {
            i += 1;
            cell_start = i;
        }
    }
    // A stream that stops right after a delimiter has one more, null, cell when that
    // completes the row (python-ligo-lw's rule).
    let ended_on_delimiter = end > range.start && xml[end - 1] == delimiter;
    if ended_on_delimiter && columns > 0 && cells.len() % columns == columns - 1 {
        cells.push(Cell {
            range: end..end,
            null: true,
        });
    }
    if columns == 0 {
        return if cells.is_empty() {
            Ok(Vec::new())
        } else {
            Err(error(
                range.start,
                0,
                "the stream holds data but the table declares no columns",
            ))
        };
    }
    if !cells.len().is_multiple_of(columns) {
        return Err(error(
            end,
            cells.len(),
            "the stream ends part-way through a row",
        ));
    }
    Ok(cells.chunks(columns).map(<[Cell]>::to_vec).collect())
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `range` without leading and trailing whitespace.
fn trim(xml: &[u8], range: Range<usize>) -> Range<usize> {
    let (mut start, mut end) = (range.start, range.end);
    while start < end && is_space(xml[start]) {
        start += 1;
    }
    while end > start && is_space(xml[end - 1]) {
        end -= 1;
    }
    start..end
}

fn local_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}
