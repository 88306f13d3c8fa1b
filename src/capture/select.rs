//! Which captured uploads a replay sends again, and when: the selection rule and the delay
//! compression.

use super::bundle::{EventRecord, LogRecord};

/// Tags of the products downstream services read, replayed by default.
pub const PRODUCT_TAGS: &[&str] = &["sky_loc", "p_astro", "em_bright"];

/// File name endings replayed by default whatever their tags (`gstlal.p_astro.json`, …).
pub const PRODUCT_SUFFIXES: &[&str] = &["p_astro.json"];

/// The event's first upload: the entry with the lowest number that attaches a file. It is the
/// file the event was created from, so a replay creates the event from it.
pub fn first_upload(event: &EventRecord) -> Option<&LogRecord> {
    event
        .logs
        .iter()
        .filter(|l| l.file_key().is_some())
        .min_by_key(|l| l.n)
}

/// Whether an upload other than the first is replayed: every one with `all_files`, else the
/// products (tagged [`PRODUCT_TAGS`] or named with a [`PRODUCT_SUFFIXES`] ending).
pub fn is_product(log: &LogRecord, all_files: bool) -> bool {
    let Some((name, _)) = log.file_key() else {
        return false;
    };
    all_files
        || log.tags.iter().any(|t| PRODUCT_TAGS.contains(&t.as_str()))
        || PRODUCT_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// The uploads a replay re-sends after creating the event, in their original order.
pub fn later_uploads(event: &EventRecord, all_files: bool) -> Vec<&LogRecord> {
    let first = first_upload(event).map(|l| l.n);
    selected_uploads(&event.logs, first, all_files)
}

/// The selected uploads among `logs` but entry `skip`, in their original order.
pub fn selected_uploads(logs: &[LogRecord], skip: Option<u32>, all_files: bool) -> Vec<&LogRecord> {
    let mut out: Vec<&LogRecord> = logs
        .iter()
        .filter(|l| Some(l.n) != skip && is_product(l, all_files))
        .collect();
    out.sort_by_key(|l| l.n);
    out
}

/// How recorded delays are compressed: divided by `speed`, then capped at `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// `2` replays twice as fast; must be positive.
    pub speed: f64,
    /// The longest delay a replay waits, in seconds.
    pub max_delay: Option<f64>,
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            speed: 1.0,
            max_delay: None,
        }
    }
}

impl Pace {
    /// The replay's delay for an original delay of `seconds`. Negative originals (timestamps
    /// have one-second resolution, and clocks differ) count as zero.
    pub fn delay(&self, seconds: f64) -> f64 {
        let d = seconds.max(0.0) / self.speed;
        match self.max_delay {
            Some(m) => d.min(m),
            None => d,
        }
    }
}

/// Seconds from one server timestamp (`YYYY-MM-DD HH:MM:SS UTC`) to another, leap seconds
/// counted; `None` when either does not parse.
pub fn seconds_between(from: &str, to: &str) -> Option<f64> {
    let a = crate::gps::utc_to_gps(crate::gps::parse_utc(from)?);
    let b = crate::gps::utc_to_gps(crate::gps::parse_utc(to)?);
    Some(b - a)
}

/// A delay as manifests write durations, to the millisecond: `0s`, `12s`, `12.5s`, `0.25s`.
pub fn duration_text(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (s, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        format!("{s}s")
    } else {
        let f = format!("{frac:03}");
        format!("{s}.{}s", f.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: u32, file: &str, tags: &[&str]) -> LogRecord {
        LogRecord {
            n,
            created: String::new(),
            issuer: String::new(),
            comment: format!("log {n}"),
            filename: file.into(),
            file_version: (!file.is_empty()).then_some(0),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn event(logs: Vec<LogRecord>) -> EventRecord {
        EventRecord {
            graceid: "G1".into(),
            group: "CBC".into(),
            pipeline: "gstlal".into(),
            search: Some("AllSky".into()),
            gpstime: Some(1.0),
            created: String::new(),
            labels: vec![],
            logs,
            files: vec![],
        }
    }

    #[test]
    fn the_default_selection_is_the_products() {
        let e = event(vec![
            log(1, "coinc.xml", &[]),
            log(2, "", &["sky_loc"]),
            log(3, "psd.xml.gz", &["psd"]),
            log(4, "bayestar.multiorder.fits", &["sky_loc", "public"]),
            log(5, "gstlal.p_astro.json", &[]),
            log(6, "em_bright.json", &["em_bright"]),
            log(7, "p_astro.png", &["p_astro"]),
            log(8, "notes.txt", &[]),
        ]);
        assert_eq!(first_upload(&e).map(|l| l.n), Some(1));
        let n = |all| {
            later_uploads(&e, all)
                .iter()
                .map(|l| l.n)
                .collect::<Vec<_>>()
        };
        // Entry 2 has a product tag but no file: nothing to upload.
        assert_eq!(n(false), [4, 5, 6, 7]);
        assert_eq!(n(true), [3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn the_first_upload_is_the_lowest_numbered_file() {
        let e = event(vec![
            log(3, "b.xml", &[]),
            log(1, "", &[]),
            log(2, "a.xml", &[]),
        ]);
        assert_eq!(first_upload(&e).map(|l| l.filename.as_str()), Some("a.xml"));
        assert!(first_upload(&event(vec![log(1, "", &[])])).is_none());
    }

    #[test]
    fn delays_are_divided_then_capped() {
        let p = Pace::default();
        assert_eq!(p.delay(42.0), 42.0);
        assert_eq!(p.delay(-1.0), 0.0);
        let p = Pace {
            speed: 4.0,
            max_delay: Some(60.0),
        };
        assert_eq!(p.delay(10.0), 2.5);
        assert_eq!(p.delay(3600.0), 60.0);
    }

    #[test]
    fn delays_are_written_as_manifest_durations() {
        for (s, text) in [
            (0.0, "0s"),
            (12.0, "12s"),
            (12.5, "12.5s"),
            (0.25, "0.25s"),
            (1.0004, "1s"),
            (-3.0, "0s"),
        ] {
            assert_eq!(duration_text(s), text);
            let back = crate::duration::parse_duration(text).unwrap().as_secs_f64();
            assert!((back - s.max(0.0)).abs() < 0.001, "{text}");
        }
    }

    #[test]
    fn server_timestamps_subtract_across_a_leap_second() {
        assert_eq!(
            seconds_between("2019-04-25 08:18:05 UTC", "2019-04-25 08:19:06 UTC"),
            Some(61.0)
        );
        // 2016-12-31 23:59:60 was a leap second.
        assert_eq!(
            seconds_between("2016-12-31 23:59:59 UTC", "2017-01-01 00:00:00 UTC"),
            Some(2.0)
        );
        assert_eq!(
            seconds_between("yesterday", "2017-01-01 00:00:00 UTC"),
            None
        );
    }
}
