//! "Did you mean" hints for misspelt roots and function names.

/// The candidate closest to `name`, if it is close enough to be a likely typo: at most one edit
/// (a transposition counts as one) for short names, a third of the length for longer ones.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(&name.to_lowercase(), c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints() {
        let roots = ["vars", "steps", "item", "env"];
        assert_eq!(suggest("step", roots).as_deref(), Some("steps"));
        assert_eq!(suggest("Steps", roots).as_deref(), Some("steps"));
        assert_eq!(suggest("var", roots).as_deref(), Some("vars"));
        assert_eq!(suggest("items", roots).as_deref(), Some("item"));
        assert_eq!(suggest("event", roots), None);
        assert_eq!(suggest("x", roots), None);
        assert_eq!(
            suggest("gps_nwo", ["gps", "gps_now"]).as_deref(),
            Some("gps_now")
        );
    }
}
