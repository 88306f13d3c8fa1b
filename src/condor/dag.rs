//! DAGs of `graceflow run` nodes: one node per manifest or per row of a table of `vars`,
//! each retried unless it failed permanently, throttled by a category, with an optional
//! final node that summarises every journal.

use std::fmt::Write;

use super::quote;

/// The category every run node belongs to, for `MAXJOBS`.
pub const CATEGORY: &str = "graceflow";

/// One node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Its name.
    pub name: String,
    /// Its submit description, relative to the DAG's directory.
    pub submit: String,
    /// `VARS` macros, unescaped.
    pub vars: Vec<(String, String)>,
}

/// A DAG, ready to render.
#[derive(Debug, Clone)]
pub struct Dag {
    /// The first comment line.
    pub title: String,
    /// The run nodes.
    pub nodes: Vec<Node>,
    /// `RETRY <node> N UNLESS-EXIT 1`.
    pub retry: u32,
    /// `MAXJOBS graceflow N`.
    pub maxjobs: u32,
    /// The final node's name and submit description, if any.
    pub final_node: Option<(String, String)>,
}

impl Dag {
    /// The DAG file's text.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# {}", self.title);
        let _ = writeln!(
            o,
            "# Written by `graceflow condor dag`; submit with condor_submit_dag.\n\
             #\n\
             # Each node runs `graceflow run` with its own journal. A node that exits 75 (not\n\
             # finished, resumable) or dies is retried, and its rerun resumes from the journal;\n\
             # exit 1 is a permanent failure that a retry would not fix (UNLESS-EXIT 1).\n\
             # The nodes share the category `{CATEGORY}`, and MAXJOBS keeps at most {} of them\n\
             # running at once, so that GraceDB is not flooded.",
            self.maxjobs
        );
        for n in &self.nodes {
            let _ = writeln!(o);
            let _ = writeln!(o, "JOB {} {}", n.name, n.submit);
            if !n.vars.is_empty() {
                let vars: Vec<String> = n
                    .vars
                    .iter()
                    .map(|(k, v)| format!("{k}={}", quote::dag_value(v)))
                    .collect();
                let _ = writeln!(o, "VARS {} {}", n.name, vars.join(" "));
            }
            let _ = writeln!(o, "RETRY {} {} UNLESS-EXIT 1", n.name, self.retry);
            let _ = writeln!(o, "CATEGORY {} {CATEGORY}", n.name);
        }
        let _ = writeln!(o, "\nMAXJOBS {CATEGORY} {}", self.maxjobs);
        if let Some((name, submit)) = &self.final_node {
            let _ = writeln!(
                o,
                "\n# Runs last, whatever happened to the other nodes: one summary of every journal.\n\
                 FINAL {name} {submit}"
            );
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_their_lines_together() {
        let d = Dag {
            title: "t".into(),
            nodes: vec![Node {
                name: "a_001".into(),
                submit: "a.sub".into(),
                vars: vec![
                    ("node".into(), "a_001".into()),
                    ("gf_x".into(), "say \"hi\"".into()),
                ],
            }],
            retry: 3,
            maxjobs: 10,
            final_node: Some(("graceflow_report".into(), "a.report.sub".into())),
        };
        let text = d.render();
        assert!(text.contains(
            "JOB a_001 a.sub\nVARS a_001 node=\"a_001\" gf_x=\"say \\\"hi\\\"\"\nRETRY a_001 3 UNLESS-EXIT 1\nCATEGORY a_001 graceflow\n"
        ), "{text}");
        assert!(text.contains("\nMAXJOBS graceflow 10\n"));
        assert!(text.ends_with("FINAL graceflow_report a.report.sub\n"));
    }
}
