//! Tokenizing the text of a table's `<Stream>` into typed rows.
//!
//! The rules are those of python-ligo-lw, which the GraceDB server uses:
//! * cells are separated by the stream's one-character delimiter (usually `,`), and
//!   whitespace (including newlines) around a cell is ignored;
//! * a cell starting with `"` or `'` is quoted: it runs to the matching unescaped quote, may
//!   contain delimiters and whitespace, and a backslash escapes only the quote or a backslash;
//!   only whitespace may follow the closing quote before the delimiter;
//! * a cell with nothing but whitespace is null (a quoted `""` is the empty string);
//! * after the last delimiter, trailing whitespace is not a cell; but a stream that stops
//!   right after a delimiter has one more, null, cell (python-ligo-lw appends a delimiter
//!   unless the leftover text is whitespace, and `"".isspace()` is false in Python).
//!
//! Unlike python-ligo-lw, which silently drops an incomplete last row, this reader reports it.
//! Text arrives in chunks (XML text, entity references and CDATA sections interleave), so the
//! tokenizer keeps its state between calls; each cell is bounded by [`MAX_CELL_BYTES`].

use super::error::LigoLwError;
use super::value::{CellKind, Value};

/// Longest cell accepted, in bytes; a coinc file's longest strings (process parameters,
/// channel names) are far shorter.
pub const MAX_CELL_BYTES: usize = 1 << 20;

/// Where the tokenizer is within the current cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a cell's first non-whitespace character.
    Between,
    /// Inside an unquoted cell.
    Unquoted,
    /// Inside a quoted cell; `escaped` after a backslash.
    Quoted { quote: char, escaped: bool },
    /// After a complete cell, waiting for the delimiter.
    After,
}

/// One column as the tokenizer needs it.
#[derive(Debug, Clone)]
pub(crate) struct StreamColumn {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) kind: CellKind,
}

/// Incremental tokenizer for one table's stream.
#[derive(Debug)]
pub(crate) struct StreamParser {
    table: String,
    columns: Vec<StreamColumn>,
    delimiter: char,
    state: State,
    cell: String,
    cell_start: u64,
    /// Whether anything at all (even whitespace) came after the last delimiter.
    text_since_delimiter: bool,
    /// Whether any delimiter or cell has been seen; an all-whitespace stream has no rows.
    any_content: bool,
    row: Vec<Value>,
    rows: Vec<Vec<Value>>,
    /// Cells this stream may still hold before the document-wide limit is reached.
    cell_budget: usize,
    cell_limit: usize,
}

impl StreamParser {
    /// Starts a stream for `table` with these columns. `cell_budget` is how many more cells
    /// the document may hold (`cell_limit` is the document-wide limit, for the message).
    pub(crate) fn new(
        table: String,
        columns: Vec<StreamColumn>,
        delimiter: char,
        cell_budget: usize,
        cell_limit: usize,
    ) -> Self {
        StreamParser {
            table,
            columns,
            delimiter,
            state: State::Between,
            cell: String::new(),
            cell_start: 0,
            text_since_delimiter: false,
            any_content: false,
            row: Vec::new(),
            rows: Vec::new(),
            cell_budget,
            cell_limit,
        }
    }

    /// Feeds the next piece of stream text; `position` is the byte offset of its first byte
    /// in the document (exact for raw text, the `&` of an entity reference otherwise).
    pub(crate) fn feed(&mut self, chunk: &str, position: u64) -> Result<(), LigoLwError> {
        for (offset, ch) in chunk.char_indices() {
            self.step(ch, position + offset as u64)?;
        }
        Ok(())
    }

    fn step(&mut self, ch: char, position: u64) -> Result<(), LigoLwError> {
        let is_delimiter = ch == self.delimiter && !matches!(self.state, State::Quoted { .. });
        match self.state {
            State::Between => {
                if is_delimiter {
                    self.start_cell(position);
                    self.finish_cell(None)?;
                } else if is_xml_space(ch) {
                } else if ch == '"' || ch == '\'' {
                    self.start_cell(position);
                    self.state = State::Quoted {
                        quote: ch,
                        escaped: false,
                    };
                } else {
                    self.start_cell(position);
                    self.push(ch)?;
                    self.state = State::Unquoted;
                }
            }
            State::Unquoted => {
                if is_delimiter {
                    self.finish_current()?;
                } else if is_xml_space(ch) {
                    self.state = State::After;
                } else {
                    self.push(ch)?;
                }
            }
            State::Quoted {
                quote,
                escaped: true,
            } => {
                if ch != quote && ch != '\\' {
                    return Err(LigoLwError::BadEscape {
                        table: self.table.clone(),
                        row: self.rows.len(),
                        column: self.column_name(),
                        escape: ch,
                        position,
                    });
                }
                self.push(ch)?;
                self.state = State::Quoted {
                    quote,
                    escaped: false,
                };
            }
            State::Quoted {
                quote,
                escaped: false,
            } => {
                if ch == '\\' {
                    self.state = State::Quoted {
                        quote,
                        escaped: true,
                    };
                } else if ch == quote {
                    self.state = State::After;
                } else {
                    self.push(ch)?;
                }
            }
            State::After => {
                if is_delimiter {
                    self.finish_current()?;
                } else if !is_xml_space(ch) {
                    return Err(LigoLwError::UnexpectedCharacter {
                        table: self.table.clone(),
                        row: self.rows.len(),
                        column: self.column_name(),
                        found: ch,
                        position,
                    });
                }
            }
        }
        self.any_content |= !is_xml_space(ch);
        self.text_since_delimiter = !is_delimiter;
        Ok(())
    }

    /// Ends the stream and returns its rows.
    pub(crate) fn finish(mut self) -> Result<Vec<Vec<Value>>, LigoLwError> {
        match self.state {
            State::Quoted { .. } => {
                return Err(LigoLwError::UnterminatedString {
                    table: self.table.clone(),
                    row: self.rows.len(),
                    column: self.column_name(),
                    position: self.cell_start,
                });
            }
            State::Unquoted | State::After => self.finish_current()?,
            State::Between => {
                // The null cell python-ligo-lw reads after a delimiter that ends the stream.
                let completes_row = self.row.len() + 1 == self.columns.len();
                if self.any_content && !self.text_since_delimiter && completes_row {
                    self.finish_cell(None)?;
                }
            }
        }
        if !self.row.is_empty() {
            return Err(LigoLwError::IncompleteRow {
                table: self.table.clone(),
                row: self.rows.len(),
                column: self.column_name(),
                cells: self.row.len(),
                columns: self.columns.len(),
            });
        }
        Ok(self.rows)
    }

    fn start_cell(&mut self, position: u64) {
        self.cell.clear();
        self.cell_start = position;
    }

    fn push(&mut self, ch: char) -> Result<(), LigoLwError> {
        if self.cell.len() + ch.len_utf8() > MAX_CELL_BYTES {
            return Err(LigoLwError::CellTooLong {
                table: self.table.clone(),
                row: self.rows.len(),
                column: self.column_name(),
                position: self.cell_start,
                limit: MAX_CELL_BYTES,
            });
        }
        self.cell.push(ch);
        Ok(())
    }

    /// Completes the cell collected since the last delimiter (a quoted cell or a non-empty
    /// unquoted one).
    fn finish_current(&mut self) -> Result<(), LigoLwError> {
        let text = std::mem::take(&mut self.cell);
        self.finish_cell(Some(text))
    }

    /// Converts a cell (`None` for an empty one) and appends it to the current row.
    fn finish_cell(&mut self, text: Option<String>) -> Result<(), LigoLwError> {
        self.state = State::Between;
        let Some(column) = self.columns.get(self.row.len()) else {
            return Err(LigoLwError::Structure {
                table: self.table.clone(),
                position: self.cell_start,
                message: "stream holds data but the table declares no columns".to_owned(),
            });
        };
        if self.cell_budget == 0 {
            return Err(LigoLwError::TooManyCells {
                table: self.table.clone(),
                limit: self.cell_limit,
            });
        }
        self.cell_budget -= 1;
        let value = match text {
            None => Value::Null,
            Some(text) => match column.kind.convert(text) {
                Ok(value) => value,
                Err(text) => {
                    return Err(LigoLwError::BadNumber {
                        table: self.table.clone(),
                        row: self.rows.len(),
                        column: column.name.clone(),
                        ty: column.ty.clone(),
                        text,
                        position: self.cell_start,
                    });
                }
            },
        };
        self.row.push(value);
        if self.row.len() == self.columns.len() {
            self.rows.push(std::mem::take(&mut self.row));
        }
        Ok(())
    }

    /// Name of the column the next cell belongs to.
    fn column_name(&self) -> String {
        self.columns
            .get(self.row.len())
            .map_or_else(|| "?".to_owned(), |c| c.name.clone())
    }
}

/// XML whitespace, which is also what C's `iswspace` accepts in the cases that occur here.
fn is_xml_space(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\n' | '\r' | '\u{0b}' | '\u{0c}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(types: &[(&str, &str)]) -> StreamParser {
        let columns = types
            .iter()
            .map(|&(name, ty)| StreamColumn {
                name: name.to_owned(),
                ty: ty.to_owned(),
                kind: CellKind::of(ty),
            })
            .collect();
        StreamParser::new("t".to_owned(), columns, ',', 1000, 1000)
    }

    fn rows(types: &[(&str, &str)], text: &str) -> Result<Vec<Vec<Value>>, LigoLwError> {
        let mut p = parser(types);
        p.feed(text, 100)?;
        p.finish()
    }

    const THREE: &[(&str, &str)] = &[("a", "int_4s"), ("b", "real_8"), ("c", "lstring")];

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn cells_are_typed_and_rows_split() {
        let got = rows(THREE, "\n\t1,2.5,\"x\",\n\t-3, 1e-8 ,'y, z'\n").unwrap();
        assert_eq!(
            got,
            vec![
                vec![Value::Int(1), Value::Real(2.5), text("x")],
                vec![Value::Int(-3), Value::Real(1e-8), text("y, z")],
            ]
        );
    }

    #[test]
    fn empty_cells_are_null_but_quoted_empty_is_text() {
        let got = rows(THREE, " , ,\"\"").unwrap();
        assert_eq!(got, vec![vec![Value::Null, Value::Null, text("")]]);
    }

    #[test]
    fn escapes_resolve_only_quote_and_backslash() {
        let got = rows(&[("c", "lstring")], r#""say \"hi\" \\ bye""#).unwrap();
        assert_eq!(got, vec![vec![text(r#"say "hi" \ bye"#)]]);
        let got = rows(&[("c", "lstring")], r"'it\'s'").unwrap();
        assert_eq!(got, vec![vec![text("it's")]]);
        let err = rows(&[("c", "lstring")], r#""a\nb""#).unwrap_err();
        assert!(
            matches!(
                err,
                LigoLwError::BadEscape {
                    escape: 'n',
                    position: 103,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn trailing_delimiter_rules_follow_python_ligo_lw() {
        // Writer convention: a final null cell is followed by one more delimiter.
        assert_eq!(
            rows(THREE, "1,2,,\n").unwrap(),
            vec![vec![Value::Int(1), Value::Real(2.0), Value::Null]]
        );
        // A stream that stops right after a delimiter has one more, null, cell.
        assert_eq!(
            rows(THREE, "1,2,").unwrap(),
            vec![vec![Value::Int(1), Value::Real(2.0), Value::Null]]
        );
        // Row-separating delimiter at the very end, followed by whitespace or not.
        assert_eq!(rows(THREE, "1,2,\"x\",\n").unwrap().len(), 1);
        assert_eq!(rows(THREE, "1,2,\"x\",").unwrap().len(), 1);
        // Whitespace-only and empty streams have no rows.
        assert_eq!(rows(THREE, "\n\t\t").unwrap(), Vec::<Vec<Value>>::new());
        assert_eq!(rows(THREE, "").unwrap(), Vec::<Vec<Value>>::new());
    }

    #[test]
    fn incomplete_rows_are_reported() {
        let err = rows(THREE, "1,2,\"x\",4,5.5\n").unwrap_err();
        assert_eq!(
            err,
            LigoLwError::IncompleteRow {
                table: "t".into(),
                row: 1,
                column: "c".into(),
                cells: 2,
                columns: 3,
            }
        );
        // A trailing delimiter after whitespace does not make up a missing cell.
        assert!(matches!(
            rows(THREE, "1,2,\n").unwrap_err(),
            LigoLwError::IncompleteRow { cells: 2, .. }
        ));
    }

    #[test]
    fn malformed_cells_are_reported_with_position() {
        let err = rows(THREE, "1,2,\"open").unwrap_err();
        assert!(
            matches!(err, LigoLwError::UnterminatedString { row: 0, ref column, position: 104, .. } if column == "c"),
            "{err:?}"
        );
        let err = rows(THREE, "1,2.5x,\"a\"").unwrap_err();
        assert_eq!(
            err,
            LigoLwError::BadNumber {
                table: "t".into(),
                row: 0,
                column: "b".into(),
                ty: "real_8".into(),
                text: "2.5x".into(),
                position: 102,
            }
        );
        let err = rows(THREE, "1 2,3,\"a\"").unwrap_err();
        assert!(
            matches!(
                err,
                LigoLwError::UnexpectedCharacter {
                    found: '2',
                    position: 102,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = rows(THREE, "1,2,\"a\"b").unwrap_err();
        assert!(
            matches!(err, LigoLwError::UnexpectedCharacter { found: 'b', .. }),
            "{err:?}"
        );
        let err = rows(&[], "1").unwrap_err();
        assert!(matches!(err, LigoLwError::Structure { .. }), "{err:?}");
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let stream = "\n 7,-1.5e3,\"a,\\\"b\\\"\",\n 8, nan ,'' \n";
        let whole = rows(THREE, stream).unwrap();
        let mut p = parser(THREE);
        for (i, ch) in stream.char_indices() {
            p.feed(ch.encode_utf8(&mut [0; 4]), 100 + i as u64).unwrap();
        }
        let piecewise = p.finish().unwrap();
        assert_eq!(format!("{whole:?}"), format!("{piecewise:?}"));
    }

    #[test]
    fn cells_and_documents_are_bounded() {
        let long = "x".repeat(MAX_CELL_BYTES + 1);
        let err = rows(&[("c", "lstring")], &long).unwrap_err();
        assert!(
            matches!(err, LigoLwError::CellTooLong { position: 100, .. }),
            "{err:?}"
        );
        let mut p = StreamParser::new("t".into(), parser(THREE).columns, ',', 4, 4);
        let err = p.feed("1,2,3,4,5,6", 0).unwrap_err();
        assert_eq!(
            err,
            LigoLwError::TooManyCells {
                table: "t".into(),
                limit: 4
            }
        );
    }
}
