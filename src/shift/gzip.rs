//! Gzip in and out. Input is recognised by its magic bytes; output is deterministic (mtime 0,
//! no file name, fixed level), so that the same shift of the same file gives the same bytes.

use std::io::{Read, Write};

use flate2::read::MultiGzDecoder;
use flate2::{Compression, GzBuilder};

/// The first two bytes of every gzip member.
pub(crate) const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Largest decompressed payload accepted; only stops gzip bombs (coinc files are far smaller).
pub(crate) const MAX_DECOMPRESSED: u64 = crate::ligolw::MAX_DOCUMENT_BYTES;

/// Whether `bytes` start like gzip.
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// The decompressed bytes, or a message saying why not.
pub(crate) fn decompress(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(MAX_DECOMPRESSED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("cannot decompress gzip data: {e}"))?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(format!(
            "more than {MAX_DECOMPRESSED} bytes once decompressed"
        ));
    }
    Ok(out)
}

/// `bytes` compressed deterministically.
pub(crate) fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::new(6));
    // Writing to a Vec cannot fail.
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_deterministic_and_reads_back() {
        let text = b"<LIGO_LW></LIGO_LW>\n".repeat(50);
        let a = compress(&text);
        assert_eq!(a, compress(&text));
        assert!(is_gzip(&a));
        // Header: no name flag, mtime 0.
        assert_eq!(a[3], 0);
        assert_eq!(&a[4..8], &[0, 0, 0, 0]);
        assert_eq!(decompress(&a).unwrap(), text);
        assert!(decompress(&MAGIC).unwrap_err().contains("gzip"));
    }
}
