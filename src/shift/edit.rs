//! Splicing replacement text into a payload: the transforms only say which byte ranges hold
//! a time and what goes there, so every other byte is copied through unchanged.

use std::ops::Range;

/// Replacements of byte ranges, applied together.
#[derive(Debug, Default)]
pub(crate) struct Edits {
    edits: Vec<(Range<usize>, String)>,
}

impl Edits {
    /// Replace the bytes in `range` with `text`.
    pub(crate) fn replace(&mut self, range: Range<usize>, text: String) {
        self.edits.push((range, text));
    }

    /// The bytes of `original` with every replacement made. Ranges must not overlap (the
    /// transforms edit distinct cells); an overlap is a bug, so it panics in debug builds.
    pub(crate) fn apply(mut self, original: &[u8]) -> Vec<u8> {
        self.edits.sort_by_key(|(r, _)| r.start);
        let mut out = Vec::with_capacity(original.len() + 16 * self.edits.len());
        let mut at = 0;
        for (range, text) in &self.edits {
            debug_assert!(
                range.start >= at,
                "overlapping edits at byte {}",
                range.start
            );
            out.extend_from_slice(&original[at..range.start]);
            out.extend_from_slice(text.as_bytes());
            at = range.end;
        }
        out.extend_from_slice(&original[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_ranges_change() {
        let mut e = Edits::default();
        e.replace(6..8, "99".into());
        e.replace(0..1, "A".into());
        e.replace(10..10, "+".into());
        assert_eq!(e.apply(b"a,b,c,12,d,e"), b"A,b,c,99,d+,e");
    }
}
