//! The service root document, from which every URL is built (client reference §2).

use std::collections::BTreeMap;

use serde::Deserialize;

/// The parts of the API root the client uses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServiceRoot {
    /// Named absolute URLs (`events`, `superevents`, `self`, `user-info`).
    #[serde(default)]
    pub links: BTreeMap<String, String>,
    /// Named absolute URL templates with `{placeholder}`s.
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
    /// Analysis groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Pipelines.
    #[serde(default)]
    pub pipelines: Vec<String>,
    /// Searches.
    #[serde(default)]
    pub searches: Vec<String>,
    /// Labels that may be applied.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Superevent category codes and names.
    #[serde(default, rename = "superevent-categories")]
    pub superevent_categories: BTreeMap<String, String>,
    /// Signoff type codes and names.
    #[serde(default, rename = "signoff-types")]
    pub signoff_types: BTreeMap<String, String>,
    /// Signoff status codes and names.
    #[serde(default, rename = "signoff-statuses")]
    pub signoff_statuses: BTreeMap<String, String>,
    /// Instrument codes and names.
    #[serde(default)]
    pub instruments: BTreeMap<String, String>,
    /// The server's version.
    #[serde(default, rename = "server-version")]
    pub server_version: Option<String>,
}

/// Characters percent-encoded in values put into URL paths. The official client fills
/// templates raw and lets `requests` re-quote only illegal characters, so a `,` in `name,1`
/// stays a comma; `/`, `?` and `#` are encoded so that a value can never change the path.
const PATH_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

impl ServiceRoot {
    /// The link `name`.
    pub fn link(&self, name: &str) -> Option<&str> {
        self.links.get(name).map(String::as_str)
    }

    /// Fill template `name` with `values`; `None` if the server does not publish it.
    pub fn template(&self, name: &str, values: &[(&str, &str)]) -> Option<String> {
        let mut url = self.templates.get(name)?.clone();
        for (k, v) in values {
            let encoded = percent_encoding::utf8_percent_encode(v, PATH_VALUE).to_string();
            url = url.replace(&format!("{{{k}}}"), &encoded);
        }
        Some(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_encode() {
        let root: ServiceRoot = serde_json::from_value(serde_json::json!({
            "templates": {"files-template": "http://h/api/events/{graceid}/files/{filename}"}
        }))
        .unwrap();
        assert_eq!(
            root.template(
                "files-template",
                &[("graceid", "T1"), ("filename", "sky map.fits.gz,1")]
            )
            .unwrap(),
            "http://h/api/events/T1/files/sky%20map.fits.gz,1"
        );
        assert_eq!(
            root.template("files-template", &[("graceid", "T1"), ("filename", "")])
                .unwrap(),
            "http://h/api/events/T1/files/"
        );
        assert_eq!(
            root.template(
                "files-template",
                &[("graceid", "T1"), ("filename", "a/../b?c")]
            )
            .unwrap(),
            "http://h/api/events/T1/files/a%2F..%2Fb%3Fc"
        );
        assert!(root.template("nope", &[]).is_none());
    }
}
