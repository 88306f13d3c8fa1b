//! Search results, page by page, following the server's absolute `links.next`.

use std::collections::VecDeque;

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::client::GraceDb;
use super::error::{ErrorKind, GraceDbError};
use super::request::Body;

/// Results of a search, fetched a page at a time as they are consumed.
#[derive(Debug)]
pub struct Pages<T> {
    client: GraceDb,
    next: Option<String>,
    key: &'static str,
    buffer: VecDeque<T>,
    total: Option<u64>,
}

impl<T: DeserializeOwned> Pages<T> {
    pub(crate) fn new(client: GraceDb, first: String, key: &'static str) -> Self {
        Self {
            client,
            next: Some(first),
            key,
            buffer: VecDeque::new(),
            total: None,
        }
    }

    /// The total number of results the server reported (`numRows`), once a page was read.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The next result, fetching the next page when the current one is used up.
    pub async fn next(&mut self) -> Result<Option<T>, GraceDbError> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Ok(Some(item));
            }
            let Some(url) = self.next.take() else {
                return Ok(None);
            };
            let mut page: serde_json::Value =
                self.client.json(Method::GET, &url, Body::Empty).await?;
            self.total = page["numRows"].as_u64().or(self.total);
            let items = page
                .get_mut(self.key)
                .map(serde_json::Value::take)
                .unwrap_or(serde_json::Value::Array(vec![]));
            let items: Vec<T> = serde_json::from_value(items).map_err(|e| GraceDbError {
                method: "GET".into(),
                url: url.clone(),
                kind: ErrorKind::Decode(format!("page items under {:?}: {e}", self.key)),
            })?;
            let next = page["links"]["next"].as_str().map(str::to_owned);
            // A server that answers the same page again would make this loop forever.
            self.next = next.filter(|n| *n != url);
            self.buffer.extend(items);
        }
    }

    /// Collect up to `max` results (all when `None`).
    pub async fn collect(mut self, max: Option<usize>) -> Result<Vec<T>, GraceDbError> {
        let mut out = Vec::new();
        while max.is_none_or(|m| out.len() < m) {
            match self.next().await? {
                Some(x) => out.push(x),
                None => break,
            }
        }
        Ok(out)
    }
}
