//! Escaping for the three languages a generated file nests: the submit language's `$(…)`
//! macros, the "new syntax" of `arguments` and `environment`, and DAGMan's `VARS` values.

/// A literal for the submit language: `$` would start a macro, so it is written `$(DOLLAR)`.
pub fn submit_literal(s: &str) -> String {
    s.replace('$', "$(DOLLAR)")
}

/// One argument in the "new syntax" of `arguments = "…"`: wrapped in single quotes when it
/// holds white space or a quote, with `'` doubled inside them and `"` doubled everywhere
/// (condor_submit manual, `arguments`). The result goes between the outer double quotes.
pub fn argument(arg: &str) -> String {
    let doubled = arg.replace('"', "\"\"");
    if arg.is_empty() || arg.contains([' ', '\t', '\'', '"']) {
        format!("'{}'", doubled.replace('\'', "''"))
    } else {
        doubled
    }
}

/// A whole `arguments = "…"` value, new syntax, macros escaped.
pub fn arguments<S: AsRef<str>>(args: &[S]) -> String {
    let inner: Vec<String> = args.iter().map(|a| literal_argument(a.as_ref())).collect();
    format!("\"{}\"", inner.join(" "))
}

/// One literal argument, escaped for the submit language and the new syntax.
pub fn literal_argument(arg: &str) -> String {
    argument(&submit_literal(arg))
}

/// A DAGMan `VARS` value, quotes included: `\` and `"` are escaped with a backslash.
pub fn dag_value(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Whether a name can be a DAG node name or a submit macro name: letters, digits, `_`, `-`,
/// `.`, starting with a letter or `_` (DAGMan keywords are never produced: names are given
/// a prefix or come from file stems checked here).
pub fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A file stem made into a node name: anything but letters, digits, `_`, `-` becomes `_`.
pub fn node_name(stem: &str) -> String {
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    // DAGMan reserves these words, whatever their case.
    if ["PARENT", "CHILD", "ALL_NODES"].contains(&name.to_ascii_uppercase().as_str()) {
        name.push('_');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_follow_the_new_syntax() {
        assert_eq!(
            arguments(&[
                "run",
                "m.yaml",
                "--set",
                "label=a b",
                "--set",
                "q=it's \"x\""
            ]),
            r#""run m.yaml --set 'label=a b' --set 'q=it''s ""x""'""#
        );
        assert_eq!(arguments(&["--set", "p=$5"]), r#""--set p=$(DOLLAR)5""#);
        assert_eq!(argument(""), "''");
    }

    #[test]
    fn dag_values_escape_quotes_and_backslashes() {
        assert_eq!(dag_value(r#"a "b" \c"#), r#""a \"b\" \\c""#);
    }

    #[test]
    fn node_names_are_plain() {
        assert_eq!(node_name("inject-test-event"), "inject-test-event");
        assert_eq!(node_name("2024 run.v2"), "_2024_run_v2");
        assert_eq!(node_name("parent"), "parent_");
        assert!(is_plain_name("gf_gps") && !is_plain_name("9x") && !is_plain_name("a b"));
    }
}
