//! A sandbox on an ephemeral loopback port, with clients for its users.

use std::path::{Path, PathBuf};

use graceflow::auth::{Credential, Password, Token};
use graceflow::gracedb::{CreateEvent, Event, GraceDb};
use graceflow::sandbox::{self, RunningSandbox, SandboxConfig, TokenRequest, config::BasicUser};

/// The user every test writes as, unless it says otherwise.
pub const USER: &str = "albert.einstein@ligo.org";
/// A user with every superevent permission.
pub const MANAGER: &str = "rrt@ligo.org";

pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub running: RunningSandbox,
}

impl Sandbox {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut SandboxConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, configure).await
    }

    pub async fn start_in(
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut SandboxConfig),
    ) -> Self {
        let mut config = SandboxConfig::for_data_dir(dir.path()).unwrap();
        config.access.managers = vec![MANAGER.into()];
        config.access.users = vec![BasicUser {
            username: "alice".into(),
            password: "secret".into(),
        }];
        configure(&mut config);
        let running = sandbox::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        Self { dir, running }
    }

    pub fn url(&self) -> String {
        self.running.url()
    }

    pub fn token_with(&self, f: impl FnOnce(&mut TokenRequest)) -> String {
        let mut req = TokenRequest {
            subject: USER.into(),
            ..TokenRequest::default()
        };
        f(&mut req);
        self.running.issuer().mint(&req).unwrap()
    }

    pub fn client_with_token(&self, token: String) -> GraceDb {
        GraceDb::builder(self.url())
            .credential(Credential::Bearer(Token::new(token)))
            .build()
            .unwrap()
    }

    pub fn client(&self) -> GraceDb {
        self.client_with_token(self.token_with(|_| {}))
    }

    pub fn manager(&self) -> GraceDb {
        self.client_with_token(self.token_with(|r| r.subject = MANAGER.into()))
    }

    pub fn anonymous(&self) -> GraceDb {
        GraceDb::builder(self.url()).build().unwrap()
    }

    pub fn basic(&self, user: &str, password: &str) -> GraceDb {
        GraceDb::builder(self.url())
            .credential(Credential::Basic {
                username: user.into(),
                password: Password::new(password),
            })
            .build()
            .unwrap()
    }
}

/// The shipped example coinc file.
pub fn coinc() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/data/coinc.xml")
}

/// The example coinc file with its end times moved by `seconds`, written into `dir`.
pub fn shifted_coinc(dir: &Path, name: &str, seconds: i64) -> PathBuf {
    let text = std::fs::read_to_string(coinc()).unwrap();
    let t = 1400123456 + seconds;
    let path = dir.join(name);
    std::fs::write(&path, text.replace("1400123456", &t.to_string())).unwrap();
    path
}

pub async fn test_event(client: &GraceDb, file: &Path, labels: &[&str]) -> Event {
    client
        .create_event(&CreateEvent {
            group: "Test".into(),
            pipeline: "gstlal".into(),
            search: Some("AllSky".into()),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            offline: false,
            file: file.to_owned(),
        })
        .await
        .unwrap()
}

/// The HTTP status of a failed call, and the server's message.
pub fn status_of<T: std::fmt::Debug>(
    r: Result<T, graceflow::gracedb::GraceDbError>,
) -> (u16, String) {
    let e = r.expect_err("expected the server to refuse");
    (
        e.status().unwrap_or(0),
        e.server_message().unwrap_or_default().to_owned(),
    )
}

/// Every event a query finds, all pages.
pub async fn all_events(client: &GraceDb, query: &str) -> Vec<Event> {
    let search = graceflow::gracedb::Search {
        query: query.into(),
        ..Default::default()
    };
    let pages = client.search_events(&search).await.unwrap();
    pages.collect(None).await.unwrap()
}

/// Every superevent a query finds, all pages.
pub async fn all_superevents(client: &GraceDb, query: &str) -> Vec<graceflow::gracedb::Superevent> {
    let search = graceflow::gracedb::Search {
        query: query.into(),
        ..Default::default()
    };
    let pages = client.search_superevents(&search).await.unwrap();
    pages.collect(None).await.unwrap()
}
