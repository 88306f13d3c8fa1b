//! Values a dry run cannot know yet (outputs of earlier steps), shown as typed placeholders.
//!
//! To render the exact request an operation will send, the plan builds the operation with
//! stand-ins of the right type (a number for a number, a well-formed graceid for a graceid),
//! renders the request, and then replaces each stand-in's rendering with its placeholder
//! text (`<graceid of step event>`). The stand-ins are chosen so that their renderings cannot
//! be confused with real values or with each other.

use serde_json::Value as Json;

use crate::expr::Type;
use crate::gracedb::ids::int_to_letters;
use crate::gracedb::quirks::py_float;

/// The kind of ID a string field holds, which decides the shape of its stand-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A graceid (`G…`).
    Event,
    /// A superevent ID (`S…`).
    Superevent,
    /// Not an ID.
    None,
}

/// The placeholders of one plan.
#[derive(Debug, Default)]
pub struct Placeholders {
    entries: Vec<(String, String)>,
}

impl Placeholders {
    /// A stand-in of type `ty` for a value described by `text`.
    pub fn stand_in(&mut self, ty: &Type, id: IdKind, text: String) -> Json {
        let k = self.entries.len() as u64;
        let (value, rendering) = match (ty, id) {
            (Type::Number, _) => {
                let x = 9.0e15 + k as f64;
                (Json::from(x), py_float(x))
            }
            (Type::Integer, _) => {
                let n = 900_000_000 + k;
                (Json::from(n), n.to_string())
            }
            (_, IdKind::Event) => {
                let s = format!("G9{k:08}");
                (Json::from(s.clone()), s)
            }
            (_, IdKind::Superevent) => {
                let s = format!("S999999{}", int_to_letters(k + 1 + 26 * 26 * 26));
                (Json::from(s.clone()), s)
            }
            _ => {
                let s = format!("\u{27e8}{k}\u{27e9}");
                (Json::from(s.clone()), s)
            }
        };
        self.entries.push((rendering, text));
        value
    }

    /// Replace every stand-in's rendering in `s` with its placeholder text.
    pub fn restore(&self, s: &str) -> String {
        let mut out = s.to_owned();
        // Longest first, so that no rendering is replaced inside a longer one.
        let mut entries: Vec<&(String, String)> = self.entries.iter().collect();
        entries.sort_by_key(|(r, _)| std::cmp::Reverse(r.len()));
        for (r, text) in entries {
            out = out.replace(r.as_str(), text);
        }
        out
    }

    /// Whether `s` contains a stand-in.
    pub fn contains(&self, s: &str) -> bool {
        self.entries.iter().any(|(r, _)| s.contains(r.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_render_back_to_placeholders() {
        let mut p = Placeholders::default();
        let g = p.stand_in(
            &Type::String,
            IdKind::Event,
            "<graceid of step event>".into(),
        );
        let s = p.stand_in(
            &Type::String,
            IdKind::Superevent,
            "<superevent_id of step s>".into(),
        );
        let t = p.stand_in(
            &Type::Number,
            IdKind::None,
            "<${{ steps.event.gpstime - 1 }}>".into(),
        );
        let n = p.stand_in(&Type::Integer, IdKind::None, "<N of step log>".into());
        assert!(crate::gracedb::GraceId::parse(g.as_str().unwrap()).is_ok());
        assert!(crate::gracedb::SupereventId::parse(s.as_str().unwrap()).is_ok());
        let text = format!(
            "events/{}/log/{}/tag t_0={} superevent={}",
            g.as_str().unwrap(),
            n,
            py_float(t.as_f64().unwrap()),
            s.as_str().unwrap()
        );
        assert_eq!(
            p.restore(&text),
            "events/<graceid of step event>/log/<N of step log>/tag t_0=<${{ steps.event.gpstime - 1 }}> superevent=<superevent_id of step s>"
        );
    }
}
