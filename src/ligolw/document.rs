//! The LIGO_LW document model ([`Document`], [`Table`], [`Column`]), its name rules and its
//! entry points, which gunzip the input when needed and hand it to the XML walk.
//!
//! Only `Table` elements become part of the model; everything else (`Param`, `Array` with its
//! own streams, `Time`, comments, nested `LIGO_LW` containers) is checked for well-formedness
//! and skipped. Table and column names are normalised the way python-ligo-lw does: the table
//! `coinc_inspiral:table` is `coinc_inspiral`, the column `coinc_inspiral:end_time` is
//! `end_time`.

use std::borrow::Cow;
use std::io::Read;

use flate2::read::MultiGzDecoder;

use super::error::LigoLwError;
use super::value::Value;
use super::walk::walk;

/// Largest document accepted, in bytes after decompression. Coinc uploads are well under a
/// megabyte; the limit only stops gzip bombs.
pub const MAX_DOCUMENT_BYTES: u64 = 64 << 20;

/// Most table cells one document may hold; bounds memory (a cell costs ~32 bytes) for
/// streams of tiny cells that a size limit alone would let through.
pub const MAX_TABLE_CELLS: usize = 4_000_000;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A parsed LIGO_LW document: its tables, in document order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    tables: Vec<Table>,
}

/// One `<Table>`: its normalised name, its columns and its rows of typed values.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Normalised name (`sngl_inspiral` for `sngl_inspiral:table`).
    pub name: String,
    /// Columns, in declaration order.
    pub columns: Vec<Column>,
    /// Rows; each has exactly one value per column, in column order.
    pub rows: Vec<Vec<Value>>,
}

/// One `<Column>` of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Normalised name (`end_time` for `coinc_inspiral:end_time`).
    pub name: String,
    /// The LIGO_LW type as written, e.g. `real_8`, `int_4s`, `lstring`, `ilwd:char`.
    pub ty: String,
}

impl Document {
    /// Parses a LIGO_LW document, gunzipping it first when it starts with the gzip magic.
    pub fn parse(bytes: &[u8]) -> Result<Document, LigoLwError> {
        Self::parse_selected(bytes, &|_| true)
    }

    /// Like [`Document::parse`], but reads the rows of only the named tables (names are
    /// normalised); other tables must still be well-formed XML but their streams are not
    /// tokenized, as the GraceDB server's partial content handler does.
    pub fn parse_only(bytes: &[u8], names: &[&str]) -> Result<Document, LigoLwError> {
        Self::parse_selected(bytes, &|table: &str| {
            names.iter().any(|n| normalize_table_name(n) == table)
        })
    }

    fn parse_selected(
        bytes: &[u8],
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Document, LigoLwError> {
        let xml = decompress(bytes)?;
        Ok(Document {
            tables: walk(&xml, wanted)?,
        })
    }

    /// All tables, in document order.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The first table with this name (normalised, so `coinc_inspiral:table` also works).
    pub fn table(&self, name: &str) -> Option<&Table> {
        let name = normalize_table_name(name);
        self.tables.iter().find(|t| t.name == name)
    }

    /// Every table with this name (normalised); LIGO_LW allows repeats.
    pub fn tables_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        let name = normalize_table_name(name);
        self.tables.iter().filter(move |t| t.name == name)
    }
}

impl Table {
    /// Index of the column with this name (normalised).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        let name = normalize_column_name(name);
        self.columns.iter().position(|c| c.name == name)
    }

    /// The value in `row` (counting from 0) and the named column; `None` when either is
    /// absent (an empty cell is `Some(&Value::Null)`).
    pub fn value(&self, row: usize, column: &str) -> Option<&Value> {
        let index = self.column_index(column)?;
        self.rows.get(row)?.get(index)
    }
}

/// Normalises a table name: drops a `:table` suffix and any `prefix:` before the name.
pub fn normalize_table_name(name: &str) -> &str {
    let name = name.strip_suffix(":table").unwrap_or(name);
    name.rsplit(':').next().unwrap_or(name)
}

/// Normalises a column name: keeps what follows the last `:`.
pub fn normalize_column_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Returns the XML bytes, gunzipped when they carry the gzip magic; enforces the size limit.
fn decompress(bytes: &[u8]) -> Result<Cow<'_, [u8]>, LigoLwError> {
    let too_large = LigoLwError::TooLarge {
        limit: MAX_DOCUMENT_BYTES,
    };
    if !bytes.starts_with(&GZIP_MAGIC) {
        if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
            return Err(too_large);
        }
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    // Read one byte past the limit so that "exactly at the limit" and "over it" differ.
    MultiGzDecoder::new(bytes)
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| LigoLwError::Gzip {
            message: e.to_string(),
        })?;
    if out.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(too_large);
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    const SMALL: &str = r#"<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE LIGO_LW SYSTEM "http://ldas-sw.ligo.caltech.edu/doc/ligolwAPI/html/ligolw_dtd.txt">
<LIGO_LW>
	<!-- a comment -->
	<Param Name="note" Type="lstring">ignored</Param>
	<Table Name="demo:table">
		<Comment>ignored too</Comment>
		<Column Name="demo:n" Type="int_4s"/>
		<Column Name="x" Type="real_8"/>
		<Column Name="s" Type="lstring"/>
		<Stream Name="demo:table" Delimiter="," Type="Local">
			1,0.5,"a &amp; b",
			2,,"&lt;&#65;&#x42;&gt;"
		</Stream>
	</Table>
	<LIGO_LW Name="psd">
		<Array Name="H1:array" Type="real_8">
			<Dim Name="Frequency,Real">3</Dim>
			<Stream Delimiter=" " Type="Local">0 1e-46 not-a-number</Stream>
		</Array>
	</LIGO_LW>
	<Table Name="other:demo:table">
		<Column Name="v" Type="lstring"/>
		<Stream Name="demo:table" Delimiter="|" Type="Local"><![CDATA["p|q"|r]]></Stream>
	</Table>
	<Table Name="empty:table"/>
</LIGO_LW>
"#;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn parse_err(xml: &str) -> LigoLwError {
        Document::parse(xml.as_bytes()).unwrap_err()
    }

    #[test]
    fn tables_columns_and_values() {
        let doc = Document::parse(SMALL.as_bytes()).unwrap();
        let names: Vec<&str> = doc.tables().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["demo", "demo", "empty"]);
        let demo = doc.table("demo:table").unwrap();
        let columns: Vec<(&str, &str)> = demo
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.ty.as_str()))
            .collect();
        assert_eq!(
            columns,
            [("n", "int_4s"), ("x", "real_8"), ("s", "lstring")]
        );
        assert_eq!(demo.value(0, "n"), Some(&Value::Int(1)));
        assert_eq!(demo.value(0, "demo:x"), Some(&Value::Real(0.5)));
        assert_eq!(demo.value(0, "s"), Some(&Value::Text("a & b".into())));
        assert_eq!(demo.value(1, "x"), Some(&Value::Null));
        assert_eq!(demo.value(1, "s"), Some(&Value::Text("<AB>".into())));
        assert_eq!(demo.value(2, "n"), None);
        assert_eq!(demo.value(0, "missing"), None);
        // A prefixed table name, a CDATA stream and a custom delimiter.
        let other: Vec<&Table> = doc.tables_named("demo").collect();
        assert_eq!(
            other[1].rows,
            vec![
                vec![Value::Text("p|q".into())],
                vec![Value::Text("r".into())]
            ]
        );
        assert_eq!(doc.table("empty").map(|t| t.rows.len()), Some(0));
    }

    #[test]
    fn the_workflow_fixture_reads_in_full() {
        let doc = Document::parse(include_bytes!("../../workflows/data/coinc.xml")).unwrap();
        let shape: Vec<(&str, usize, usize)> = doc
            .tables()
            .iter()
            .map(|t| (t.name.as_str(), t.columns.len(), t.rows.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("process", 15, 1),
                ("process_params", 5, 4),
                ("coinc_definer", 4, 1),
                ("coinc_event", 7, 1),
                ("coinc_event_map", 3, 2),
                ("coinc_inspiral", 10, 1),
                ("sngl_inspiral", 31, 2),
                ("time_slide", 4, 2),
            ]
        );
        let process = doc.table("process").unwrap();
        assert_eq!(process.value(0, "comment"), Some(&Value::Null));
        assert_eq!(
            process.value(0, "program"),
            Some(&Value::Text("gstlal_inspiral".into()))
        );
        let definer = doc.table("coinc_definer").unwrap();
        assert_eq!(
            definer.value(0, "description").and_then(Value::as_str),
            Some("sngl_inspiral<-->sngl_inspiral coincidences")
        );
        let coinc_event = doc.table("coinc_event").unwrap();
        assert_eq!(
            coinc_event.value(0, "time_slide:time_slide_id"),
            Some(&Value::Int(0))
        );
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(
            normalize_table_name("coinc_inspiral:table"),
            "coinc_inspiral"
        );
        assert_eq!(
            normalize_table_name("pfx:coinc_inspiral:table"),
            "coinc_inspiral"
        );
        assert_eq!(normalize_table_name("coinc_inspiral"), "coinc_inspiral");
        assert_eq!(normalize_column_name("coinc_inspiral:end_time"), "end_time");
        assert_eq!(
            normalize_column_name("coinc_event:coinc_event_id"),
            "coinc_event_id"
        );
        assert_eq!(normalize_column_name("end_time"), "end_time");
    }

    #[test]
    fn gzip_is_detected_by_magic() {
        let plain = Document::parse(SMALL.as_bytes()).unwrap();
        assert_eq!(Document::parse(&gzip(SMALL.as_bytes())).unwrap(), plain);
        let mut corrupt = gzip(SMALL.as_bytes());
        corrupt.truncate(corrupt.len() / 2);
        assert!(matches!(
            Document::parse(&corrupt),
            Err(LigoLwError::Gzip { .. })
        ));
    }

    #[test]
    fn parse_only_skips_other_tables_streams() {
        let xml = r#"<LIGO_LW>
            <Table Name="bad:table"><Column Name="n" Type="int_4s"/><Stream>oops</Stream></Table>
            <Table Name="good:table"><Column Name="n" Type="int_4s"/><Stream>7</Stream></Table>
        </LIGO_LW>"#;
        assert!(matches!(parse_err(xml), LigoLwError::BadNumber { .. }));
        let doc = Document::parse_only(xml.as_bytes(), &["good:table"]).unwrap();
        assert_eq!(doc.tables().len(), 1);
        assert_eq!(
            doc.table("good").and_then(|t| t.value(0, "n")),
            Some(&Value::Int(7))
        );
    }

    #[test]
    fn oversized_input_is_refused() {
        let big = vec![b' '; MAX_DOCUMENT_BYTES as usize + 1];
        assert_eq!(
            Document::parse(&big),
            Err(LigoLwError::TooLarge {
                limit: MAX_DOCUMENT_BYTES
            })
        );
        assert_eq!(
            Document::parse(&gzip(&big)),
            Err(LigoLwError::TooLarge {
                limit: MAX_DOCUMENT_BYTES
            })
        );
    }

    #[test]
    fn utf8_bom_is_accepted() {
        let mut bytes = vec![0xef, 0xbb, 0xbf];
        bytes.extend_from_slice(SMALL.as_bytes());
        assert_eq!(
            Document::parse(&bytes).unwrap(),
            Document::parse(SMALL.as_bytes()).unwrap()
        );
    }
}
