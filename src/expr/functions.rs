//! The built-in functions: one table of name, arity, result type and implementation.
//!
//! [`FUNCTIONS`] is the only list. `Template::parse` checks names and arity against it, [`infer`]
//! reads result types from it, and the evaluator registers exactly its entries with minijinja.
//! A test keeps it sorted by name.
//!
//! [`infer`]: super::infer

use std::io;
use std::path::{Path, PathBuf};

use minijinja::value::Value;
use minijinja::{Error, ErrorKind};
use sha2::{Digest, Sha256};

use super::types::Type;
use super::value::{NotJson, to_json, to_text};
use crate::gps::{UtcTime, utc_to_gps};

/// A built-in function: what the static checks and the documentation need to know about it.
#[derive(Debug)]
pub struct FunctionSpec {
    /// The name it is called by.
    pub name: &'static str,
    /// The fewest arguments it takes.
    pub min_args: usize,
    /// The most arguments it takes (`None`: any number).
    pub max_args: Option<usize>,
    /// The type of its result.
    pub result: fn() -> Type,
    /// One line of documentation.
    pub doc: &'static str,
    /// The implementation the evaluator registers.
    pub(crate) call: Builtin,
}

/// The implementation of a built-in: it receives the run's frozen state and the arguments.
pub(crate) type Builtin = fn(&Runtime, &[Value]) -> Result<Value, Error>;

/// What the built-ins may see of the run: the frozen "now" and the base directory for paths.
#[derive(Debug, Clone)]
pub(crate) struct Runtime {
    pub now_gps: f64,
    pub base_dir: PathBuf,
}

/// Every built-in function, sorted by name.
pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "basename",
        min_args: 1,
        max_args: Some(1),
        result: || Type::String,
        doc: "The last component of a path: basename(\"data/a.xml\") is \"a.xml\".",
        call: basename,
    },
    FunctionSpec {
        name: "default",
        min_args: 2,
        max_args: Some(2),
        result: || Type::Any,
        doc: "The first argument, or the second when the first is undefined or null.",
        call: default,
    },
    FunctionSpec {
        name: "format",
        min_args: 1,
        max_args: None,
        result: || Type::String,
        doc: "Fill each `{}` in the first argument with the next argument; `{{` and `}}` \
              stand for braces.",
        call: format,
    },
    FunctionSpec {
        name: "glob",
        min_args: 1,
        max_args: Some(1),
        result: || Type::List(Box::new(Type::Path)),
        doc: "The sorted paths matching a pattern, relative to the manifest's directory \
              (`*` does not match a leading dot); an empty list when nothing matches.",
        call: glob,
    },
    FunctionSpec {
        name: "gps",
        min_args: 1,
        max_args: Some(1),
        result: || Type::Number,
        doc: "The GPS time of an ISO-8601 UTC time such as \"2026-01-01T00:00:00Z\" \
              (fractional seconds allowed; leap seconds applied).",
        call: gps,
    },
    FunctionSpec {
        name: "gps_now",
        min_args: 0,
        max_args: Some(0),
        result: || Type::Number,
        doc: "The GPS time at which the run started, frozen so that a resumed run sees the \
              same value.",
        call: gps_now,
    },
    FunctionSpec {
        name: "sha256",
        min_args: 1,
        max_args: Some(1),
        result: || Type::String,
        doc: "The hex SHA-256 digest of a file, relative to the manifest's directory.",
        call: sha256,
    },
];

/// The built-in function called `name`, if there is one.
pub fn function(name: &str) -> Option<&'static FunctionSpec> {
    FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &FUNCTIONS[i])
}

/// Run a built-in after checking its arity and rejecting keyword arguments (the static check
/// catches both first; this keeps a hand-built `Template` from reaching an implementation with
/// arguments it does not expect).
pub(crate) fn invoke(spec: &FunctionSpec, rt: &Runtime, args: &[Value]) -> Result<Value, Error> {
    if args.iter().any(Value::is_kwargs) {
        return Err(failure(
            spec.name,
            args,
            "keyword arguments are not supported",
        ));
    }
    let n = args.len();
    if n < spec.min_args || spec.max_args.is_some_and(|max| n > max) {
        return Err(failure(spec.name, args, "wrong number of arguments"));
    }
    (spec.call)(rt, args)
}

/// `name(arg, …)` as it would be written, for error messages.
fn call_text(name: &str, args: &[Value]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| match a.as_str() {
            Some(s) => format!("{s:?}"),
            None => a.to_string(),
        })
        .collect();
    format!("{name}({})", args.join(", "))
}

fn failure(name: &str, args: &[Value], message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("{}: {message}", call_text(name, args)),
    )
}

fn undefined(name: &str, index: usize) -> Error {
    Error::new(
        ErrorKind::UndefinedError,
        format!("argument {} of {name}() is undefined", index + 1),
    )
}

fn expect_str<'a>(name: &str, args: &'a [Value], index: usize) -> Result<&'a str, Error> {
    let v = &args[index];
    if v.is_undefined() {
        return Err(undefined(name, index));
    }
    v.as_str().ok_or_else(|| {
        failure(
            name,
            args,
            format!("argument {} must be a string, not {}", index + 1, v.kind()),
        )
    })
}

fn expect_json(name: &str, args: &[Value], index: usize) -> Result<serde_json::Value, Error> {
    to_json(&args[index]).map_err(|e| match e {
        NotJson::Undefined => undefined(name, index),
        NotJson::Invalid(m) => failure(name, args, m),
    })
}

/// A path argument resolved against the base directory.
fn resolve(rt: &Runtime, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        rt.base_dir.join(p)
    }
}

fn basename(_: &Runtime, args: &[Value]) -> Result<Value, Error> {
    let path = expect_str("basename", args, 0)?;
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Value::from(name))
}

fn default(_: &Runtime, args: &[Value]) -> Result<Value, Error> {
    let value = &args[0];
    Ok(if value.is_undefined() || value.is_none() {
        args[1].clone()
    } else {
        value.clone()
    })
}

fn format(_: &Runtime, args: &[Value]) -> Result<Value, Error> {
    let fmt = expect_str("format", args, 0)?;
    let mut out = String::with_capacity(fmt.len());
    let mut next = 1;
    let mut chars = fmt.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().is_some_and(|&(_, d)| d == '{') => {
                chars.next();
                out.push('{');
            }
            '{' if chars.peek().is_some_and(|&(_, d)| d == '}') => {
                chars.next();
                if next >= args.len() {
                    let given = args.len() - 1;
                    return Err(failure(
                        "format",
                        args,
                        format!(
                            "more `{{}}` placeholders than the {given} value{} given",
                            if given == 1 { "" } else { "s" }
                        ),
                    ));
                }
                out.push_str(&to_text(&expect_json("format", args, next)?));
                next += 1;
            }
            '{' => {
                let rest = &fmt[i..];
                let shown = rest.find('}').map_or(rest, |j| &rest[..=j]);
                return Err(failure(
                    "format",
                    args,
                    format!("unsupported placeholder `{shown}`: only `{{}}` is supported"),
                ));
            }
            '}' if chars.peek().is_some_and(|&(_, d)| d == '}') => {
                chars.next();
                out.push('}');
            }
            '}' => {
                return Err(failure("format", args, "a single `}` must be written `}}`"));
            }
            c => out.push(c),
        }
    }
    if next < args.len() {
        let used = next - 1;
        return Err(failure(
            "format",
            args,
            format!(
                "{} values given but only {used} `{{}}` placeholder{}",
                args.len() - 1,
                if used == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok(Value::from(out))
}

fn glob(rt: &Runtime, args: &[Value]) -> Result<Value, Error> {
    let pattern = expect_str("glob", args, 0)?;
    if pattern.is_empty() {
        return Err(failure("glob", args, "the pattern is empty"));
    }
    let relative = !Path::new(pattern).is_absolute();
    let base = rt.base_dir.to_str().ok_or_else(|| {
        failure(
            "glob",
            args,
            format!("base directory {} is not UTF-8", rt.base_dir.display()),
        )
    })?;
    // The base directory is taken literally: its `[`, `*` or `?` are not pattern syntax.
    let prefix = if relative && !base.is_empty() {
        format!("{}/", glob::Pattern::escape(base.trim_end_matches('/')))
    } else {
        String::new()
    };
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let paths = glob::glob_with(&format!("{prefix}{pattern}"), options).map_err(|e| {
        let pos = e.pos.saturating_sub(prefix.len());
        failure(
            "glob",
            args,
            format!("invalid pattern: {} at position {pos}", e.msg),
        )
    })?;
    let mut found = Vec::new();
    for entry in paths {
        let path = entry.map_err(|e| {
            failure(
                "glob",
                args,
                format!("cannot read {}: {}", e.path().display(), e.error()),
            )
        })?;
        let shown = match path.strip_prefix(&rt.base_dir) {
            Ok(rel) if relative => rel,
            _ => path.as_path(),
        };
        let shown = shown.to_str().ok_or_else(|| {
            failure(
                "glob",
                args,
                format!("path {} is not UTF-8", shown.display()),
            )
        })?;
        found.push(shown.to_owned());
    }
    found.sort();
    Ok(Value::from(found))
}

fn gps(_: &Runtime, args: &[Value]) -> Result<Value, Error> {
    let text = expect_str("gps", args, 0)?;
    parse_utc_to_gps(text)
        .map(Value::from)
        .map_err(|m| failure("gps", args, m))
}

fn gps_now(rt: &Runtime, _: &[Value]) -> Result<Value, Error> {
    Ok(Value::from(rt.now_gps))
}

fn sha256(rt: &Runtime, args: &[Value]) -> Result<Value, Error> {
    let path = expect_str("sha256", args, 0)?;
    let digest = (|| -> io::Result<String> {
        let mut file = std::fs::File::open(resolve(rt, path))?;
        let mut hasher = Sha256::new();
        io::copy(&mut file, &mut hasher)?;
        Ok(format!("{:x}", hasher.finalize()))
    })()
    .map_err(|e| failure("sha256", args, format!("cannot read the file: {e}")))?;
    Ok(Value::from(digest))
}

const ISO_HINT: &str = "expected an ISO-8601 UTC time such as 2026-01-01T00:00:00Z";

/// GPS seconds of `YYYY-MM-DDTHH:MM:SS[.fff][Z|+00:00]` (a space may replace the `T`; no
/// offset means UTC). Fractional seconds are added in decimal, so "…04.4Z" gives exactly the
/// f64 nearest to the decimal GPS time.
fn parse_utc_to_gps(text: &str) -> Result<f64, String> {
    let bad = || format!("{ISO_HINT}, not {text:?}");
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(range)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let field = |r| num(r).ok_or_else(bad);
    let (year, month, day) = (field(0..4)?, field(5..7)?, field(8..10)?);
    let (hour, minute, second) = (field(11..13)?, field(14..16)?, field(17..19)?);
    let mut rest = &text[19..];
    let mut fraction = "";
    if let Some(after) = rest.strip_prefix('.') {
        let n = after.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err(bad());
        }
        fraction = &after[..n];
        rest = &after[n..];
    }
    match rest {
        "" | "Z" | "z" | "+00:00" | "-00:00" | "+0000" | "+00" => {}
        zone if zone.starts_with('+') || zone.starts_with('-') => {
            return Err(format!(
                "only UTC times are accepted (`Z` or `+00:00`), not offset {zone}"
            ));
        }
        _ => return Err(bad()),
    }
    let leap_year = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap_year => 29,
        2 => 28,
        _ => return Err(format!("month {month} is out of range in {text:?}")),
    };
    if day == 0 || day > days_in_month {
        return Err(format!("day {day} is out of range in {text:?}"));
    }
    // Second 60 exists only as a leap second, the last second of a UTC day; it is one second
    // after :59. Anything else out of range is a mistake.
    let leap_second = second == 60 && hour == 23 && minute == 59;
    if hour > 23 || minute > 59 || (second > 59 && !leap_second) {
        return Err(format!("time of day is out of range in {text:?}"));
    }
    let whole = utc_to_gps(UtcTime {
        year: year as i32,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second.min(59) as u8,
    }) + if leap_second { 1.0 } else { 0.0 };
    if fraction.is_empty() {
        return Ok(whole);
    }
    // `whole` is an integral number of seconds well inside i64.
    format!("{}.{fraction}", whole as i64)
        .parse()
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_are_sorted_and_unique() {
        let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "FUNCTIONS must stay sorted by name");
    }

    #[test]
    fn lookup() {
        for f in FUNCTIONS {
            assert_eq!(function(f.name).map(|g| g.name), Some(f.name));
            assert!(f.max_args.is_none_or(|max| max >= f.min_args));
            assert!(!f.doc.is_empty());
        }
        assert!(function("gps_nwo").is_none());
        assert_eq!(
            (function("glob").unwrap().result)(),
            Type::List(Box::new(Type::Path))
        );
    }

    #[test]
    fn iso_times() {
        assert_eq!(parse_utc_to_gps("2017-08-17T12:41:04.4Z"), Ok(1187008882.4));
        assert_eq!(parse_utc_to_gps("2017-08-17 12:41:04.4"), Ok(1187008882.4));
        assert_eq!(
            parse_utc_to_gps("2017-08-17T12:41:04+00:00"),
            Ok(1187008882.0)
        );
        assert_eq!(parse_utc_to_gps("1980-01-06T00:00:00Z"), Ok(0.0));
        // 2016-12-31T23:59:60 is the last leap second so far; the next second is 00:00:00.
        let leap = parse_utc_to_gps("2016-12-31T23:59:60Z").unwrap();
        assert_eq!(
            leap + 1.0,
            parse_utc_to_gps("2017-01-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            parse_utc_to_gps("2016-12-31T23:59:59Z").unwrap() + 1.0,
            leap
        );
        // 2026 has 18 leap seconds since 1980.
        assert_eq!(parse_utc_to_gps("2026-01-01T00:00:00Z"), Ok(1451260818.0));
        for bad in [
            "",
            "2026",
            "2026-01-01",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T12:00:60Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+01:00",
            "2026-01-01T00:00:00Zjunk",
            "2026-01-0１T00:00:00Z",
            "+026-01-01T00:00:00Z",
        ] {
            assert!(parse_utc_to_gps(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            parse_utc_to_gps("2026-01-01T00:00:00+01:00").unwrap_err(),
            "only UTC times are accepted (`Z` or `+00:00`), not offset +01:00"
        );
        assert!(parse_utc_to_gps("2024-02-29T00:00:00Z").is_ok());
        assert!(parse_utc_to_gps("0001-01-01T00:00:00Z").is_ok());
        assert!(parse_utc_to_gps("9999-12-31T23:59:59.999999999Z").is_ok());
    }
}
