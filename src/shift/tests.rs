//! Tests of the whole transform: round trips, untouched bytes, errors, per payload kind.

use std::f64::consts::TAU;

use super::*;

const COINC: &[u8] = include_bytes!("../../tests/fixtures/shift/H1L1-GSTLAL-1400123456-1.xml");
const CWB: &[u8] = include_bytes!("../../tests/data/events/cwb.txt");
const CWB_OLD: &[u8] = include_bytes!("../../tests/data/events/cwb-old-format.txt");
const OLIB: &[u8] = include_bytes!("../../tests/data/events/olib.json");
const MLY: &[u8] = include_bytes!("../../tests/data/events/mly.json");
const VOEVENT: &[u8] = include_bytes!("../../tests/data/events/swift-voevent.xml");

fn by(seconds: &str) -> ShiftTarget {
    ShiftTarget::By(seconds.parse().unwrap())
}

fn to(gps: &str) -> ShiftTarget {
    ShiftTarget::To(gps.parse().unwrap())
}

fn shift(bytes: &[u8], target: ShiftTarget) -> Shifted {
    shift_opts(bytes, target, ShiftOptions::default())
}

fn shift_opts(bytes: &[u8], target: ShiftTarget, opts: ShiftOptions) -> Shifted {
    shift_bytes(bytes, "payload", PayloadKind::Auto, target, &opts).unwrap()
}

/// The lines of `a` and `b` that differ (the payloads keep their line structure).
fn changed_lines(a: &[u8], b: &[u8]) -> Vec<(String, String)> {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    assert_eq!(a.lines().count(), b.lines().count());
    a.lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (x.to_owned(), y.to_owned()))
        .collect()
}

/// Every payload, shifted forward and back by whole and fractional seconds (with no more
/// decimals than its text shows), comes back byte for byte.
#[test]
fn every_kind_round_trips_exactly() {
    let payloads: &[(&str, &[u8], PayloadKind)] = &[
        ("coinc", COINC, PayloadKind::Ligolw),
        ("cwb", CWB, PayloadKind::Cwb),
        ("cwb old", CWB_OLD, PayloadKind::Cwb),
        ("olib", OLIB, PayloadKind::Json),
        ("mly", MLY, PayloadKind::Json),
        ("voevent", VOEVENT, PayloadKind::Voevent),
    ];
    for &(what, bytes, kind) in payloads {
        for d in ["86400", "-1000000", "0.5", "-12345.25", "0.125"] {
            for all_times in [false, true] {
                let opts = ShiftOptions { all_times };
                let there = shift_opts(bytes, by(d), opts);
                assert_eq!(there.kind, kind, "{what}");
                assert_ne!(there.bytes, bytes, "{what} {d}");
                let back = shift_opts(
                    &there.bytes,
                    ShiftTarget::By(-d.parse::<Offset>().unwrap()),
                    opts,
                );
                assert_eq!(back.after, there.before, "{what} {d}");
                assert!(
                    back.bytes == bytes,
                    "{what} by {d} and back:\n{:?}",
                    changed_lines(bytes, &back.bytes)
                );
            }
        }
    }
}

#[test]
fn to_moves_the_reference_time_exactly() {
    for (bytes, before) in [
        (COINC, "1400123456.789012645"),
        (CWB, "1400234567.125"),
        (OLIB, "1401234567.4375"),
        (MLY, "1402345678.8125"),
        (VOEVENT, "1367392107.25"),
    ] {
        let s = shift(bytes, to("1412345678.000001"));
        assert_eq!(s.before.to_string(), before);
        assert_eq!(s.after.to_string(), "1412345678.000001");
        // Shifting again to the same time changes nothing.
        assert_eq!(shift(&s.bytes, to("1412345678.000001")).bytes, s.bytes);
    }
}

#[test]
fn coinc_changes_only_its_time_cells() {
    let s = shift(COINC, to("1412345678.25"));
    let changed = changed_lines(COINC, &s.bytes);
    // coinc_inspiral row, two sngl_inspiral rows, two SNR epochs; nothing else by default.
    assert_eq!(changed.len(), 5, "{changed:#?}");
    for (old, new) in &changed {
        let cells = |l: &str| l.split(',').map(str::to_owned).collect::<Vec<_>>();
        let (a, b) = (cells(old), cells(new));
        assert_eq!(a.len(), b.len());
        let differing: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        assert!(differing.len() <= 3, "{old}\n{new}");
    }
    let text = String::from_utf8(s.bytes).unwrap();
    assert!(text.contains("1412345678,250000000,3.3574168143917452e-06"));
    assert!(text.contains(r#"<Time Type="GPS" Name="epoch">1412345678.150440480</Time>"#));
    // The PSD epoch and process/search_summary times move only with all_times.
    assert!(text.contains("1400123200.000000000"));
    let all = String::from_utf8(
        shift_opts(COINC, to("1412345678.25"), ShiftOptions { all_times: true }).bytes,
    )
    .unwrap();
    assert!(all.contains("1412345421.460987355"));
    assert!(all.contains("1412345693,460987355,1412345661,460987355"));
    // process times have no nanoseconds: the offset, rounded to whole seconds.
    assert!(all.contains(r#",,"graceflow-example",,1412345701,"H1,L1""#));
    assert_eq!(s.file_name, "payload");
}

#[test]
fn gmst_is_recomputed_for_the_new_end_time() {
    let s = shift(COINC, to("1412345678.25"));
    let doc = crate::ligolw::Document::parse(&s.bytes).unwrap();
    let sngl = doc.table("sngl_inspiral").unwrap();
    for row in 0..2 {
        let int = |c: &str| match sngl.value(row, c) {
            Some(crate::ligolw::Value::Int(i)) => *i,
            other => panic!("{other:?}"),
        };
        let t = GpsTime::from_parts(int("end_time"), int("end_time_ns"));
        let Some(crate::ligolw::Value::Real(g)) = sngl.value(row, "end_time_gmst") else {
            panic!()
        };
        assert_eq!(*g, greenwich_mean_sidereal_time(t).rem_euclid(TAU));
    }
}

#[test]
fn the_sandbox_reader_sees_the_new_time() {
    let s = shift(COINC, to("1412345678.25"));
    let event = crate::ligolw::parse_cbc(&s.bytes).unwrap();
    assert_eq!(event.gpstime, Some(1_412_345_678.25));
}

/// A coinc file written the old way: ilwd:char row ids (`sngl_inspiral:event_id:0`), quoted
/// and not, and prefixed column names.
const OLD_STYLE: &str = r#"<?xml version='1.0' encoding='utf-8'?>
<LIGO_LW>
	<Table Name="coinc_inspiral:table">
		<Column Name="coinc_inspiral:coinc_event_id" Type="ilwd:char"/>
		<Column Name="coinc_inspiral:end_time" Type="int_4s"/>
		<Column Name="coinc_inspiral:end_time_ns" Type="int_4s"/>
		<Column Name="coinc_inspiral:ifos" Type="lstring"/>
		<Stream Name="coinc_inspiral:table" Delimiter="," Type="Local">
			"coinc_event:coinc_event_id:0",966384015,250000000,"H1,L1"
		</Stream>
	</Table>
	<Table Name="sngl_inspiral:table">
		<Column Name="sngl_inspiral:event_id" Type="ilwd:char"/>
		<Column Name="sngl_inspiral:ifo" Type="lstring"/>
		<Column Name="sngl_inspiral:end_time" Type="int_4s"/>
		<Column Name="sngl_inspiral:end_time_ns" Type="int_4s"/>
		<Column Name="sngl_inspiral:end_time_gmst" Type="real_8"/>
		<Stream Name="sngl_inspiral:table" Delimiter="," Type="Local">
			sngl_inspiral:event_id:0,"H1",966384015,249000000,48000.5,
			"sngl_inspiral:event_id:1","L1",966384015,251000000,,
		</Stream>
	</Table>
</LIGO_LW>
"#;

#[test]
fn old_style_ids_parse_and_unreduced_gmst_stays_unreduced() {
    let s = shift(OLD_STYLE.as_bytes(), by("1.75"));
    assert_eq!(s.before.to_string(), "966384015.25");
    let text = String::from_utf8(s.bytes).unwrap();
    assert!(
        text.contains(r#""coinc_event:coinc_event_id:0",966384017,0,"H1,L1""#),
        "{text}"
    );
    let gmst = greenwich_mean_sidereal_time(GpsTime::from_parts(966_384_016, 999_000_000));
    assert!(gmst > TAU);
    assert!(
        text.contains(&format!(
            "sngl_inspiral:event_id:0,\"H1\",966384016,999000000,{},",
            gmst::python_float_repr(gmst)
        )),
        "{text}"
    );
    // A null GMST stays null.
    assert!(
        text.contains(r#""sngl_inspiral:event_id:1","L1",966384017,1000000,,"#),
        "{text}"
    );
}

#[test]
fn gzip_stays_gzip_and_is_deterministic() {
    let gz = gzip::compress(COINC);
    let a = shift(&gz, by("3600.5"));
    assert_eq!(a.kind, PayloadKind::Ligolw);
    assert!(gzip::is_gzip(&a.bytes));
    assert_eq!(a.bytes, shift(&gz, by("3600.5")).bytes);
    assert_eq!(
        gzip::decompress(&a.bytes).unwrap(),
        shift(COINC, by("3600.5")).bytes
    );
    // Our own gzip output round-trips byte for byte.
    assert_eq!(shift(&a.bytes, by("-3600.5")).bytes, gz);
}

#[test]
fn json_keeps_everything_but_the_number() {
    let doc = br#"{ "a": {"gpstime": 5}, "gpstime" :1400000000.50 , "s": "gpstime", "list": [1, {"x": "}"}] }"#;
    let s = shift(doc, by("1.25"));
    assert_eq!(
        String::from_utf8(s.bytes).unwrap(),
        r#"{ "a": {"gpstime": 5}, "gpstime" :1400000001.75 , "s": "gpstime", "list": [1, {"x": "}"}] }"#
    );
    let quoted = shift(br#"{"gpstime": "1400000000"}"#, by("-0.5"));
    assert_eq!(quoted.bytes, br#"{"gpstime": "1399999999.5"}"#);
}

#[test]
fn cwb_keeps_decimal_places_and_widens_only_when_needed() {
    let s = shift(CWB, by("0.001"));
    let changed = changed_lines(CWB, &s.bytes);
    let keys: Vec<&str> = changed
        .iter()
        .map(|(o, _)| o.split(':').next().unwrap())
        .collect();
    assert_eq!(keys, ["start", "time", "stop", "event_time"]);
    assert!(
        changed[1]
            .1
            .ends_with("1400234567.1260 1400234567.1221 1400234567.1312"),
        "{changed:?}"
    );
    let s = shift(
        b"segment: 1400000000 1400000100\ntime: 1400000050.5\n",
        by("0.25"),
    );
    assert_eq!(
        s.bytes,
        b"segment: 1400000000.25 1400000100.25\ntime: 1400000050.75\n"
    );
    assert_eq!(s.before.to_string(), "1400000050.5");
}

#[test]
fn voevent_moves_the_packet_date_and_event_time_across_leap_seconds() {
    let s = shift(VOEVENT, by("60.5"));
    let changed = changed_lines(VOEVENT, &s.bytes);
    assert_eq!(
        changed.iter().map(|(_, n)| n.trim()).collect::<Vec<_>>(),
        [
            "<Date>2023-05-06T07:10:30.5</Date>",
            "<ISOTime>2023-05-06T07:09:09.75</ISOTime>"
        ]
    );
    // 2016-12-31T23:59:58.5 + 3 s of GPS time: the leap second 23:59:60 lies between.
    let text =
        String::from_utf8_lossy(VOEVENT).replace("2023-05-06T07:08:09.25", "2016-12-31T23:59:58.5");
    let s = shift(text.as_bytes(), by("3"));
    let out = String::from_utf8_lossy(&s.bytes);
    assert!(
        out.contains("<ISOTime>2017-01-01T00:00:00.5</ISOTime>"),
        "{out}"
    );
    assert_eq!(s.after - s.before, Offset::from_seconds(3));
}

#[test]
fn file_names_carry_the_new_second() {
    let s = shift_bytes(
        CWB,
        "cWB-1400234567.txt",
        PayloadKind::Auto,
        to("1412345678.5"),
        &ShiftOptions::default(),
    )
    .unwrap();
    assert_eq!(s.file_name, "cWB-1412345678.txt");
}

#[test]
fn errors_name_the_file_line_and_cell() {
    let err = |bytes: &[u8], kind: PayloadKind| {
        shift_bytes(bytes, "f.xml", kind, by("1"), &ShiftOptions::default())
            .unwrap_err()
            .to_string()
    };
    let bad_cell = OLD_STYLE.replace("966384015,249000000", "966384015,2490x0000");
    let e = err(bad_cell.as_bytes(), PayloadKind::Auto);
    assert!(
        e.contains(
            "f.xml: ligolw payload, line 19: table sngl_inspiral, row 0, column end_time_ns"
        ),
        "{e}"
    );
    let short_row = OLD_STYLE.replace(r#","L1",966384015,251000000,,"#, r#","L1",966384015"#);
    let e = err(short_row.as_bytes(), PayloadKind::Auto);
    assert!(
        e.contains("row 1") && e.contains("part-way through a row"),
        "{e}"
    );
    let e = err(b"<LIGO_LW><Table Name='x'/></LIGO_LW>", PayloadKind::Auto);
    assert!(e.contains("not a CBC coinc document"), "{e}");
    let e = err(b"start: 1\nevent_time: 14000000x0\n", PayloadKind::Cwb);
    assert!(
        e.contains("cwb payload, line 2: `event_time:` value \"14000000x0\""),
        "{e}"
    );
    let e = err(b"{\"gpstime\": 1.4e9}", PayloadKind::Auto);
    assert!(e.contains("json payload, line 1: `gpstime` 1.4e9"), "{e}");
    let e = err(b"{\"far\": 1}", PayloadKind::Auto);
    assert!(e.contains("no top-level `gpstime`"), "{e}");
    let e = err(b"{\"gpstime\": 1,", PayloadKind::Json);
    assert!(e.contains("not valid JSON"), "{e}");
    let e = err(b"<html/>", PayloadKind::Auto);
    assert!(
        e.contains("not a payload graceflow can shift (an XML document whose root is <html>)"),
        "{e}"
    );
    let tdb = String::from_utf8_lossy(VOEVENT).replace("\"UTC-FK5-GEO\">", "\"TDB-ICRS-BARY\">");
    let e = err(tdb.as_bytes(), PayloadKind::Auto);
    assert!(
        e.contains("voevent payload, line 35: ISOTime is in the TDB-ICRS-BARY system"),
        "{e}"
    );
    // A kind forced on the wrong content is refused, not passed through.
    let e = err(CWB, PayloadKind::Json);
    assert!(e.contains("not valid JSON"), "{e}");
    let e = err(b"not gzip \x1f\x8b", PayloadKind::Ligolw);
    assert!(e.contains("malformed XML") || e.contains("root"), "{e}");
    let e = err(b"\x1f\x8b\x08\x00garbage", PayloadKind::Auto);
    assert!(e.contains("gzip"), "{e}");
}

#[test]
fn shift_file_writes_atomically_under_the_new_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("coinc-1400123456.xml");
    std::fs::write(&input, COINC).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let w = shift_file(
        &input,
        &out,
        PayloadKind::Auto,
        to("1412345678"),
        &ShiftOptions::default(),
    )
    .unwrap();
    assert_eq!(w.path, out.join("coinc-1412345678.xml"));
    let bytes = std::fs::read(&w.path).unwrap();
    assert_eq!(w.sha256, sha256_hex(&bytes));
    assert_eq!(w.sha256.len(), 64);
    assert_eq!(
        (w.kind, w.after.to_string().as_str()),
        (PayloadKind::Ligolw, "1412345678")
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        1,
        "no temporary file left"
    );
    let missing = shift_file(
        &dir.path().join("nope"),
        &out,
        PayloadKind::Auto,
        to("1"),
        &ShiftOptions::default(),
    );
    assert!(missing.unwrap_err().to_string().starts_with("cannot read"));
}

#[test]
fn kinds_parse_and_print() {
    for k in PayloadKind::ALL {
        assert_eq!(k.to_string().parse::<PayloadKind>(), Ok(k));
    }
    assert!(
        "xml"
            .parse::<PayloadKind>()
            .unwrap_err()
            .contains("auto, ligolw")
    );
}
