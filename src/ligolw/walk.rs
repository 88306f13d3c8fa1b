//! The XML walk that turns LIGO_LW bytes into [`Table`]s: a quick-xml event loop that
//! tracks the element stack, reads `Table`/`Column`/`Stream` elements, feeds stream text to
//! the tokenizer and rejects what an XML parser would reject (mismatched or unclosed tags,
//! text outside the root, unknown entities, characters XML forbids).

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::document::{
    Column, MAX_TABLE_CELLS, Table, normalize_column_name, normalize_table_name,
};
use super::error::LigoLwError;
use super::stream::{StreamColumn, StreamParser};
use super::value::{CellKind, Value};

const BAD_DELIMITER: &str =
    "the stream delimiter must be one character other than whitespace, a quote or a backslash";

/// Reads the tables of an XML document; `wanted` says, by normalised name, which tables'
/// rows to read (the others are only checked for well-formedness).
pub(crate) fn walk(xml: &[u8], wanted: &dyn Fn(&str) -> bool) -> Result<Vec<Table>, LigoLwError> {
    Walker::new(xml, wanted).run()
}

/// A table being read.
struct TableInProgress {
    name: String,
    /// Stack depth of the `<Table>` element (its children are one deeper).
    depth: usize,
    /// Whether the caller wants this table's rows.
    wanted: bool,
    columns: Vec<Column>,
    rows: Vec<Vec<Value>>,
    stream_seen: bool,
    /// The open `<Stream>`, if it is being tokenized.
    stream: Option<StreamParser>,
}

/// The XML walk: a quick-xml event loop tracking the element stack.
struct Walker<'x, 'w> {
    reader: Reader<&'x [u8]>,
    wanted: &'w dyn Fn(&str) -> bool,
    /// Local names of the open elements.
    open: Vec<String>,
    table: Option<TableInProgress>,
    tables: Vec<Table>,
    cells: usize,
    root_seen: bool,
    root_closed: bool,
}

impl<'x, 'w> Walker<'x, 'w> {
    fn new(xml: &'x [u8], wanted: &'w dyn Fn(&str) -> bool) -> Self {
        let mut reader = Reader::from_reader(xml);
        reader.config_mut().check_end_names = true;
        Walker {
            reader,
            wanted,
            open: Vec::new(),
            table: None,
            tables: Vec::new(),
            cells: 0,
            root_seen: false,
            root_closed: false,
        }
    }

    fn run(mut self) -> Result<Vec<Table>, LigoLwError> {
        loop {
            let position = self.reader.buffer_position();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(xml_error(self.reader.error_position(), e)),
            };
            match event {
                Event::Start(e) => self.start_element(&e, position)?,
                Event::Empty(e) => {
                    self.start_element(&e, position)?;
                    self.end_element()?;
                }
                Event::End(_) => self.end_element()?,
                Event::Text(t) => {
                    let text = t.decode().map_err(|e| xml_error(position, e))?;
                    self.text(&text, position)?;
                }
                Event::CData(c) => {
                    let text = c.decode().map_err(|e| xml_error(position, e))?;
                    self.text(&text, position)?;
                }
                Event::GeneralRef(r) => {
                    let resolved = self.resolve_reference(&r, position)?;
                    self.text(&resolved, position)?;
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(element) = self.open.last() {
            return Err(LigoLwError::Truncated {
                position: self.reader.buffer_position(),
                element: element.clone(),
            });
        }
        if !self.root_seen {
            return Err(LigoLwError::NoRootElement);
        }
        Ok(self.tables)
    }

    fn start_element(&mut self, e: &BytesStart<'_>, position: u64) -> Result<(), LigoLwError> {
        if self.root_closed {
            return Err(message_error(position, "element after the root element"));
        }
        self.root_seen = true;
        // Attributes are parsed lazily; check them all so malformed ones are caught everywhere.
        for attr in e.attributes() {
            attr.map_err(|err| xml_error(position, err))?;
        }
        let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        if self.in_stream() {
            return Err(LigoLwError::Structure {
                table: self.table_name(),
                position,
                message: format!("unexpected <{name}> inside the stream"),
            });
        }
        let depth = self.open.len();
        match name.as_str() {
            "Table" => self.start_table(e, position, depth),
            "Column" if self.is_table_child(depth) => self.add_column(e, position),
            "Stream" if self.is_table_child(depth) => self.start_stream(e, position),
            _ => Ok(()),
        }?;
        self.open.push(name);
        Ok(())
    }

    /// Handles the end of the element at the top of the stack.
    fn end_element(&mut self) -> Result<(), LigoLwError> {
        self.open.pop();
        let depth = self.open.len();
        if let Some(table) = self.table.as_mut() {
            if depth == table.depth + 1 {
                // While a stream is open no child element can start, so this is its end.
                if let Some(stream) = table.stream.take() {
                    let rows = stream.finish()?;
                    self.cells += rows.len() * table.columns.len();
                    table.rows = rows;
                }
            } else if depth == table.depth
                && let Some(table) = self.table.take().filter(|t| t.wanted)
            {
                self.tables.push(Table {
                    name: table.name,
                    columns: table.columns,
                    rows: table.rows,
                });
            }
        }
        self.root_closed = depth == 0;
        Ok(())
    }

    fn start_table(
        &mut self,
        e: &BytesStart<'_>,
        position: u64,
        depth: usize,
    ) -> Result<(), LigoLwError> {
        if self.table.is_some() {
            return Err(LigoLwError::Structure {
                table: self.table_name(),
                position,
                message: "a table cannot contain another table".to_owned(),
            });
        }
        let raw = self.required_attribute(e, "Table", "Name", position)?;
        let name = normalize_table_name(&raw).to_owned();
        let wanted = (self.wanted)(&name);
        self.table = Some(TableInProgress {
            name,
            depth,
            wanted,
            columns: Vec::new(),
            rows: Vec::new(),
            stream_seen: false,
            stream: None,
        });
        Ok(())
    }

    fn add_column(&mut self, e: &BytesStart<'_>, position: u64) -> Result<(), LigoLwError> {
        if !self.table.as_ref().is_some_and(|t| t.wanted) {
            return Ok(());
        }
        let raw = self.required_attribute(e, "Column", "Name", position)?;
        let ty = self.required_attribute(e, "Column", "Type", position)?;
        let name = normalize_column_name(&raw).to_owned();
        let Some(table) = self.table.as_mut() else {
            return Ok(());
        };
        let problem = if table.stream_seen {
            Some(format!("column {name} is declared after the stream"))
        } else if table.columns.iter().any(|c| c.name == name) {
            Some(format!("column {name} is declared twice"))
        } else {
            None
        };
        if let Some(message) = problem {
            return Err(LigoLwError::Structure {
                table: table.name.clone(),
                position,
                message,
            });
        }
        table.columns.push(Column { name, ty });
        Ok(())
    }

    fn start_stream(&mut self, e: &BytesStart<'_>, position: u64) -> Result<(), LigoLwError> {
        if !self.table.as_ref().is_some_and(|t| t.wanted) {
            return Ok(());
        }
        let delimiter = self.attribute(e, "Delimiter", position)?;
        let stream_type = self.attribute(e, "Type", position)?;
        let budget = MAX_TABLE_CELLS.saturating_sub(self.cells);
        let Some(table) = self.table.as_mut() else {
            return Ok(());
        };
        let structure = |message: String| LigoLwError::Structure {
            table: table.name.clone(),
            position,
            message,
        };
        if table.stream_seen {
            return Err(structure("the table has a second stream".to_owned()));
        }
        table.stream_seen = true;
        if let Some(ty) = stream_type.filter(|ty| ty != "Local") {
            return Err(structure(format!("stream type {ty:?} is not supported")));
        }
        let delimiter = match delimiter.as_deref().unwrap_or(",") {
            d if d.chars().count() != 1 => None,
            d => d.chars().next().filter(|&c| usable_delimiter(c)),
        };
        let Some(delimiter) = delimiter else {
            return Err(structure(BAD_DELIMITER.to_owned()));
        };
        let columns = table
            .columns
            .iter()
            .map(|c| StreamColumn {
                name: c.name.clone(),
                ty: c.ty.clone(),
                kind: CellKind::of(&c.ty),
            })
            .collect();
        table.stream = Some(StreamParser::new(
            table.name.clone(),
            columns,
            delimiter,
            budget,
            MAX_TABLE_CELLS,
        ));
        Ok(())
    }

    /// Character data: stream content is tokenized, other text is ignored unless it is
    /// non-blank text outside the root element.
    fn text(&mut self, text: &str, position: u64) -> Result<(), LigoLwError> {
        // quick-xml passes control characters through; an XML parser (the server's) rejects them.
        if let Some((offset, ch)) = text.char_indices().find(|&(_, c)| !is_xml_char(c)) {
            return Err(message_error(
                position + offset as u64,
                &format!("character U+{:04X} is not allowed in xml", u32::from(ch)),
            ));
        }
        if let Some(stream) = self.table.as_mut().and_then(|t| t.stream.as_mut()) {
            return stream.feed(text, position);
        }
        if self.open.is_empty() && !text.trim().is_empty() {
            return Err(message_error(position, "text outside the root element"));
        }
        Ok(())
    }

    fn resolve_reference(&self, r: &BytesRef<'_>, position: u64) -> Result<String, LigoLwError> {
        if let Some(ch) = r.resolve_char_ref().map_err(|e| xml_error(position, e))? {
            return Ok(ch.to_string());
        }
        let name = r.decode().map_err(|e| xml_error(position, e))?;
        resolve_predefined_entity(&name)
            .map(str::to_owned)
            .ok_or_else(|| message_error(position, &format!("unknown entity &{name};")))
    }

    fn in_stream(&self) -> bool {
        self.table.as_ref().is_some_and(|t| t.stream.is_some())
    }

    fn is_table_child(&self, depth: usize) -> bool {
        self.table.as_ref().is_some_and(|t| depth == t.depth + 1)
    }

    fn table_name(&self) -> String {
        self.table
            .as_ref()
            .map_or_else(String::new, |t| t.name.clone())
    }

    fn required_attribute(
        &self,
        e: &BytesStart<'_>,
        element: &'static str,
        attribute: &'static str,
        position: u64,
    ) -> Result<String, LigoLwError> {
        self.attribute(e, attribute, position)?
            .ok_or(LigoLwError::MissingAttribute {
                element,
                attribute,
                position,
            })
    }

    fn attribute(
        &self,
        e: &BytesStart<'_>,
        key: &str,
        position: u64,
    ) -> Result<Option<String>, LigoLwError> {
        for attr in e.attributes() {
            let attr = attr.map_err(|err| xml_error(position, err))?;
            if attr.key.local_name().as_ref() == key.as_bytes() {
                let value = attr
                    .decode_and_unescape_value(self.reader.decoder())
                    .map_err(|err| xml_error(position, err))?;
                return Ok(Some(value.into_owned()));
            }
        }
        Ok(None)
    }
}

/// Whether XML 1.0 allows this character in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A delimiter the tokenizer can tell apart from cell content.
fn usable_delimiter(c: char) -> bool {
    !(c.is_whitespace() || c == '"' || c == '\'' || c == '\\')
}

fn xml_error(position: u64, e: impl std::fmt::Display) -> LigoLwError {
    LigoLwError::Xml {
        position,
        message: e.to_string(),
    }
}

fn message_error(position: u64, message: &str) -> LigoLwError {
    LigoLwError::Xml {
        position,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &[u8]) -> Result<Vec<Table>, LigoLwError> {
        walk(xml, &|_| true)
    }

    fn parse_err(xml: &str) -> LigoLwError {
        parse(xml.as_bytes()).unwrap_err()
    }

    #[test]
    fn byte_positions_point_into_the_document() {
        let xml = "<LIGO_LW><Table Name=\"t:table\"><Column Name=\"n\" Type=\"int_4s\"/><Stream>1,x</Stream></Table></LIGO_LW>";
        let at = xml.find("x<").unwrap() as u64;
        assert!(
            matches!(parse_err(xml), LigoLwError::BadNumber { position, .. } if position == at)
        );
        let at = xml.find("<Column").unwrap() as u64;
        let missing = xml.replace(" Type=\"int_4s\"", "");
        assert_eq!(
            parse_err(&missing),
            LigoLwError::MissingAttribute {
                element: "Column",
                attribute: "Type",
                position: at
            }
        );
    }

    #[test]
    fn malformed_xml_is_an_error_never_a_panic() {
        type Check = fn(&LigoLwError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("", |e| *e == LigoLwError::NoRootElement),
            ("  \n", |e| *e == LigoLwError::NoRootElement),
            ("not xml at all", |e| matches!(e, LigoLwError::Xml { .. })),
            (
                "<LIGO_LW><Table Name=\"t:table\">",
                |e| matches!(e, LigoLwError::Truncated { element, .. } if element == "Table"),
            ),
            ("<LIGO_LW></Table>", |e| {
                matches!(e, LigoLwError::Xml { .. })
            }),
            ("<LIGO_LW><Table", |e| matches!(e, LigoLwError::Xml { .. })),
            ("<LIGO_LW/><LIGO_LW/>", |e| {
                matches!(e, LigoLwError::Xml { .. })
            }),
            ("<LIGO_LW>&nbsp;</LIGO_LW>", |e| {
                matches!(e, LigoLwError::Xml { .. })
            }),
            ("<LIGO_LW><Table/></LIGO_LW>", |e| {
                matches!(
                    e,
                    LigoLwError::MissingAttribute {
                        element: "Table",
                        ..
                    }
                )
            }),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Table Name=\"b:table\"/></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::Structure { .. }),
            ),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Column Name=\"n\" Type=\"int_4s\"/><Column Name=\"a:n\" Type=\"int_4s\"/></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::Structure { message, .. } if message.contains("twice")),
            ),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Stream/><Column Name=\"n\" Type=\"int_4s\"/></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::Structure { message, .. } if message.contains("after the stream")),
            ),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Stream/><Stream/></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::Structure { .. }),
            ),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Stream Delimiter=\";;\"/></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::Structure { .. }),
            ),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Stream Delimiter=\" \"/></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::Structure { .. }),
            ),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Stream Type=\"Remote\"/></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::Structure { .. }),
            ),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Column Name=\"n\" Type=\"lstring\"/><Stream>\"a<b/>\"</Stream></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::Structure { .. }),
            ),
            (
                "<LIGO_LW><Table Name=\"a:table\"><Column Name=\"n\" Type=\"lstring\"/><Stream>\"abc</Stream></Table></LIGO_LW>",
                |e| matches!(e, LigoLwError::UnterminatedString { .. }),
            ),
            ("<LIGO_LW>\u{0}</LIGO_LW>", |e| {
                matches!(e, LigoLwError::Xml { position: 9, .. })
            }),
        ];
        for (xml, expected) in cases {
            let result = parse(xml.as_bytes());
            match result {
                Err(ref e) if expected(e) => {}
                other => panic!("{xml:?} gave {other:?}"),
            }
        }
        // Invalid UTF-8 is reported, not lossily accepted.
        let mut bytes =
            b"<LIGO_LW><Table Name=\"a:table\"><Column Name=\"n\" Type=\"lstring\"/><Stream>\""
                .to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe]);
        bytes.extend_from_slice(b"\"</Stream></Table></LIGO_LW>");
        assert!(matches!(parse(&bytes), Err(LigoLwError::Xml { .. })));
    }
}
