//! The table of `condor dag --each`: CSV (RFC 4180) whose header names manifest `vars` and
//! whose rows each become one DAG node.

/// A parsed table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column names, trimmed.
    pub header: Vec<String>,
    /// Rows, each as long as the header, with the line each starts on.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Parse CSV: comma-separated, fields optionally in double quotes (`""` for a quote, line
/// breaks allowed inside), blank lines skipped, every row as wide as the header.
pub fn parse(text: &str) -> Result<Table, String> {
    let records = records(text)?;
    let mut it = records.into_iter();
    let (_, header) = it
        .next()
        .ok_or("the table is empty: it needs a header line")?;
    let header: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    if let Some(dup) = header
        .iter()
        .enumerate()
        .find(|(i, h)| header[..*i].contains(h))
    {
        return Err(format!("column `{}` appears twice in the header", dup.1));
    }
    let mut rows = vec![];
    for (line, fields) in it {
        if fields.len() != header.len() {
            return Err(format!(
                "line {line}: {} fields, but the header has {}",
                fields.len(),
                header.len()
            ));
        }
        rows.push((line, fields));
    }
    Ok(Table { header, rows })
}

/// Records with the line each starts on; blank lines give none.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = vec![];
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = vec![];
        let mut field = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        loop {
            let Some(c) = chars.next() else {
                if quoted {
                    return Err(format!("line {start}: a quoted field is not closed"));
                }
                break;
            };
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                ('"', true) => quoted = false,
                ('"', false) if field.trim().is_empty() && !was_quoted => {
                    field.clear();
                    quoted = true;
                    was_quoted = true;
                }
                (',', false) => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                }
                ('\r', false) if chars.peek() == Some(&'\n') => {}
                ('\n', false) => {
                    line += 1;
                    break;
                }
                (c, _) => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
        }
        fields.push(field);
        if !(fields.len() == 1 && fields[0].trim().is_empty() && !was_quoted) {
            out.push((start, fields));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_and_blank_lines() {
        let t = parse("gps, label\r\n1400000000,\"a, \"\"b\"\"\"\n\n1400000100,\"two\nlines\"\n")
            .unwrap();
        assert_eq!(t.header, ["gps", "label"]);
        assert_eq!(
            t.rows,
            [
                (2, vec!["1400000000".into(), "a, \"b\"".into()]),
                (4, vec!["1400000100".into(), "two\nlines".into()])
            ]
        );
    }

    #[test]
    fn ragged_rows_and_open_quotes_are_errors() {
        assert_eq!(
            parse("a,b\n1\n").unwrap_err(),
            "line 2: 1 fields, but the header has 2"
        );
        assert!(parse("a\n\"x\n").unwrap_err().contains("not closed"));
        assert!(parse("").is_err());
        assert!(parse("a,a\n").unwrap_err().contains("twice"));
    }
}
