//! The shifted copy's file name: a GPS second written in the old name (`coinc-1400000000.xml`,
//! `H1L1-GSTLAL-1400000000-1.xml`) becomes the new one, so that names stay truthful.

use super::time::GpsTime;

/// `name` with every standalone run of digits equal to `before`'s whole GPS second replaced by
/// `after`'s. Other numbers (durations, versions, segment starts) are left alone, since which
/// time they are cannot be known from the name.
pub(crate) fn shifted_name(name: &str, before: GpsTime, after: GpsTime) -> String {
    let old = before.seconds().to_string();
    let new = after.seconds().to_string();
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        out.push_str(&rest[..start]);
        let digits = &rest[start..];
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        let run = &digits[..end];
        out.push_str(if run == old { &new } else { run });
        rest = &digits[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> GpsTime {
        s.parse().unwrap()
    }

    #[test]
    fn the_event_second_is_replaced_and_nothing_else() {
        let (b, a) = (t("1400000000.7"), t("1412345678.25"));
        assert_eq!(
            shifted_name("H1L1-GSTLAL-1400000000-1.xml.gz", b, a),
            "H1L1-GSTLAL-1412345678-1.xml.gz"
        );
        assert_eq!(
            shifted_name("coinc-1400000000.xml", b, a),
            "coinc-1412345678.xml"
        );
        assert_eq!(shifted_name("coinc.xml", b, a), "coinc.xml");
        // A longer number that merely contains the time is another number.
        assert_eq!(shifted_name("x-14000000001.txt", b, a), "x-14000000001.txt");
        assert_eq!(shifted_name("1400000000", b, a), "1412345678");
    }
}
