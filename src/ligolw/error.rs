//! The error type of the LIGO_LW reader.
//!
//! Every variant says where the problem is: the table, the row and column (rows count from 0,
//! columns are named) and, where the reader knows it, the byte offset in the (decompressed)
//! document, so that a 400 answer built from the message lets the uploader find the fault.

use thiserror::Error;

/// Why a LIGO_LW document could not be read.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum LigoLwError {
    /// The bytes start with the gzip magic but do not decompress.
    #[error("could not decompress gzip data: {message}")]
    Gzip {
        /// What the decompressor reported.
        message: String,
    },

    /// The document (after decompression) is larger than the reader accepts.
    #[error("document is larger than {limit} bytes once decompressed")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },

    /// The bytes are not well-formed XML.
    #[error("malformed xml at byte {position}: {message}")]
    Xml {
        /// Byte offset where the XML parser gave up.
        position: u64,
        /// What was wrong.
        message: String,
    },

    /// The document ends while an element is still open (typically a truncated upload).
    #[error("document ends at byte {position} inside an unclosed <{element}> element")]
    Truncated {
        /// Byte offset of the end of the document.
        position: u64,
        /// The innermost element still open.
        element: String,
    },

    /// The document contains no element at all.
    #[error("document has no root element")]
    NoRootElement,

    /// A LIGO_LW element lacks an attribute the format requires.
    #[error("<{element}> at byte {position} has no {attribute} attribute")]
    MissingAttribute {
        /// Element name, e.g. `Column`.
        element: &'static str,
        /// Attribute name, e.g. `Type`.
        attribute: &'static str,
        /// Byte offset of the element's start tag.
        position: u64,
    },

    /// A table is put together in a way the format does not allow (a column after the
    /// stream, two streams, a duplicate column, an unusable delimiter, …).
    #[error("table {table}: {message} (byte {position})")]
    Structure {
        /// Normalised table name.
        table: String,
        /// Byte offset of the offending element.
        position: u64,
        /// What is wrong.
        message: String,
    },

    /// A quoted cell is not closed before the end of its stream.
    #[error(
        "table {table}, row {row}, column {column}: unterminated string starting at byte {position}"
    )]
    UnterminatedString {
        /// Normalised table name.
        table: String,
        /// Row index, counting from 0.
        row: usize,
        /// Normalised column name.
        column: String,
        /// Byte offset of the opening quote.
        position: u64,
    },

    /// A quoted cell contains a backslash followed by something other than the quote or a
    /// backslash.
    #[error(
        "table {table}, row {row}, column {column}: unrecognised escape \\{escape} at byte {position}"
    )]
    BadEscape {
        /// Normalised table name.
        table: String,
        /// Row index, counting from 0.
        row: usize,
        /// Normalised column name.
        column: String,
        /// The character after the backslash.
        escape: char,
        /// Byte offset of that character.
        position: u64,
    },

    /// Something other than whitespace or the delimiter follows a complete cell.
    #[error(
        "table {table}, row {row}, column {column}: expected whitespace or delimiter, found {found:?} at byte {position}"
    )]
    UnexpectedCharacter {
        /// Normalised table name.
        table: String,
        /// Row index, counting from 0.
        row: usize,
        /// Normalised column name.
        column: String,
        /// The character found.
        found: char,
        /// Byte offset of that character.
        position: u64,
    },

    /// A cell is longer than the reader accepts.
    #[error(
        "table {table}, row {row}, column {column}: cell starting at byte {position} is longer than {limit} bytes"
    )]
    CellTooLong {
        /// Normalised table name.
        table: String,
        /// Row index, counting from 0.
        row: usize,
        /// Normalised column name.
        column: String,
        /// Byte offset where the cell starts.
        position: u64,
        /// The limit in bytes.
        limit: usize,
    },

    /// A document holds more table cells than the reader accepts.
    #[error("table {table}: the document holds more than {limit} table cells")]
    TooManyCells {
        /// Normalised name of the table being read when the limit was reached.
        table: String,
        /// The limit.
        limit: usize,
    },

    /// A numeric cell does not hold a number of its column's type.
    #[error(
        "table {table}, row {row}, column {column}: invalid {ty} value {text:?} at byte {position}"
    )]
    BadNumber {
        /// Normalised table name.
        table: String,
        /// Row index, counting from 0.
        row: usize,
        /// Normalised column name.
        column: String,
        /// The column's LIGO_LW type, e.g. `real_8`.
        ty: String,
        /// The cell text.
        text: String,
        /// Byte offset where the cell starts.
        position: u64,
    },

    /// The stream ends part-way through a row: the cell count is not a multiple of the
    /// column count.
    #[error(
        "table {table}, row {row}: stream ends after {cells} of {columns} cells (column {column} is missing)"
    )]
    IncompleteRow {
        /// Normalised table name.
        table: String,
        /// Index of the incomplete row, counting from 0.
        row: usize,
        /// First missing column.
        column: String,
        /// Cells present in that row.
        cells: usize,
        /// Columns the table declares.
        columns: usize,
    },
}
