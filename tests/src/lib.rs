#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Test support: a fresh database per test on SQLite or PostgreSQL, and the real application
//! started on port 0.
//!
//! PostgreSQL tests need `SUYUAN_TEST_POSTGRES_URL` (a database the tests may create other
//! databases from). Without it they are skipped with a message, unless `CI=true`, where a
//! missing server fails the run.

pub mod browser;
pub mod proxy;
pub mod smtp;
pub mod standin;

use sea_orm::DatabaseConnection;
use std::net::TcpListener;
use std::sync::Arc;
use suyuan_core::secrets::SecretKey;
use suyuan_server::config::Config;
use suyuan_server::startup::{Application, Resolved};
use suyuan_web::auth::Tokens;

mod db;
pub use db::{Engine, TestDb, postgres_admin_url};

/// The JWT secret test apps are started with.
pub const TEST_JWT_SECRET: &str = "test-jwt-secret-test-jwt-secret-0123456789";

/// A running application.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// Its database.
    pub db: TestDb,
    /// Mints tokens the app accepts.
    pub tokens: Tokens,
    /// The key sealing secrets at rest.
    pub secret_key: SecretKey,
}

impl TestApp {
    /// A token for a fresh admin.
    pub fn admin_token(&self) -> String {
        self.tokens
            .mint(
                suyuan_core::tenancy::Role::Admin,
                suyuan_core::ids::AdminId::generate().as_str(),
                None,
                std::time::Duration::from_secs(3600),
            )
            .expect("mint admin token")
    }
}

/// Starts the real application on port 0 against a fresh database of `engine`.
pub async fn spawn_app(engine: Engine) -> Option<TestApp> {
    let db = TestDb::new(engine).await?;
    Some(spawn_app_on(db, SecretKey::generate()).await)
}

/// Starts another instance of the application on the same database as `app` (same secrets),
/// as a second server behind a load balancer would be; returns its address.
pub async fn spawn_instance(app: &TestApp) -> String {
    let own_pool = suyuan_store::connect(&app.db.url)
        .await
        .expect("second pool");
    let (address, _) = start(&app.db.url, own_pool, app.secret_key.clone()).await;
    address
}

/// Like [`spawn_instance`], with configuration variables of its own (its analytics directory,
/// schedules...).
pub async fn spawn_instance_with(app: &TestApp, vars: &[(&str, &str)]) -> String {
    let own_pool = suyuan_store::connect(&app.db.url)
        .await
        .expect("second pool");
    let (address, _) = start_with(&app.db.url, own_pool, app.secret_key.clone(), vars).await;
    address
}

async fn start(url: &str, db: DatabaseConnection, secret_key: SecretKey) -> (String, Tokens) {
    start_with(url, db, secret_key, &[]).await
}

/// Starts the real application on port 0 against a fresh database of `engine`, with extra
/// configuration variables (`SUYUAN_RATE_PAGES` …).
pub async fn spawn_app_with(engine: Engine, vars: &[(&str, &str)]) -> Option<TestApp> {
    let db = TestDb::new(engine).await?;
    let secret_key = SecretKey::generate();
    let (address, tokens) = start_with(&db.url, db.db.clone(), secret_key.clone(), vars).await;
    Some(TestApp {
        address,
        db,
        tokens,
        secret_key,
    })
}

/// A running `serve --demo`: the application on a fresh database of `engine` with the demo's
/// data, people and first analytics run (its mirror in a directory of the test's own), built as
/// `serve --demo` builds it, so the home page names the demo accounts.
pub struct DemoApp {
    /// The application.
    pub app: TestApp,
    /// What the demo prepared.
    pub prepared: suyuan_server::demo::Prepared,
    /// Holds the analytics mirror.
    pub dir: tempfile::TempDir,
}

/// Starts [`DemoApp`]; `None` when `engine` is not available (PostgreSQL outside CI).
pub async fn spawn_demo_app(engine: Engine) -> Option<DemoApp> {
    spawn_demo_app_with(engine, &[]).await
}

/// Like [`spawn_demo_app`], with extra configuration variables (`SUYUAN_RATE_PAGES=off`...).
pub async fn spawn_demo_app_with(engine: Engine, extra: &[(&str, &str)]) -> Option<DemoApp> {
    let db = TestDb::new(engine).await?;
    let secret_key = SecretKey::generate();
    let dir = tempfile::tempdir().expect("temp dir");
    let analytics_dir = dir.path().join("analytics").display().to_string();
    let mut vars = vec![("SUYUAN_ANALYTICS_DIR", analytics_dir.as_str())];
    vars.extend_from_slice(extra);
    let (listener, config) = config_for(&db.url, &vars);
    let catalogue = suyuan_server::startup::load_catalogue(&config).expect("catalogue");
    let settings = suyuan_server::analytics::RunSettings::of(&config);
    let prepared = suyuan_server::demo::prepare(&db.db, &catalogue, &secret_key, &settings)
        .await
        .expect("the demo prepares");
    let app = Application::build_with_demo(
        &config,
        Resolved {
            db: db.db.clone(),
            jwt_secret: TEST_JWT_SECRET.as_bytes().to_vec(),
            secret_key: secret_key.clone(),
            catalogue,
        },
        listener,
        prepared.accounts.clone(),
    )
    .expect("build app");
    let address = format!("http://{}", config.bind);
    tokio::spawn(app.run_until_stopped());
    Some(DemoApp {
        app: TestApp {
            address,
            db,
            tokens: Tokens::new(TEST_JWT_SECRET.as_bytes()),
            secret_key,
        },
        prepared,
        dir,
    })
}

/// A listener on port 0 and the test configuration for it, with extra variables.
fn config_for(url: &str, vars: &[(&str, &str)]) -> (TcpListener, Config) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let port = listener.local_addr().expect("local addr").port();
    let mut env = std::collections::HashMap::new();
    env.insert("SUYUAN_DATABASE_URL".to_owned(), url.to_owned());
    env.insert("SUYUAN_BIND".to_owned(), format!("127.0.0.1:{port}"));
    env.insert("SUYUAN_JWT_SECRET".to_owned(), TEST_JWT_SECRET.to_owned());
    env.insert("SUYUAN_ALLOW_PRIVATE_TARGETS".to_owned(), "true".to_owned());
    for (k, v) in vars {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let config = Config::from_sources(None, &env).expect("test config");
    (listener, config)
}

async fn start_with(
    url: &str,
    db: DatabaseConnection,
    secret_key: SecretKey,
    vars: &[(&str, &str)],
) -> (String, Tokens) {
    let (listener, config) = config_for(url, vars);
    let catalogue = suyuan_server::startup::load_catalogue(&config).expect("catalogue");
    let app = Application::build(
        &config,
        Resolved {
            db,
            jwt_secret: TEST_JWT_SECRET.as_bytes().to_vec(),
            secret_key,
            catalogue,
        },
        listener,
    )
    .expect("build app");
    tokio::spawn(app.run_until_stopped());
    (
        format!("http://{}", config.bind),
        Tokens::new(TEST_JWT_SECRET.as_bytes()),
    )
}

/// Starts the application on an existing database.
pub async fn spawn_app_on(db: TestDb, secret_key: SecretKey) -> TestApp {
    let (address, tokens) = start(&db.url, db.db.clone(), secret_key.clone()).await;
    TestApp {
        address,
        db,
        tokens,
        secret_key,
    }
}

/// Starts the application on `db` but reaching it through `url` (a [`proxy::TcpProxy`] in
/// front of its server), with a pool of its own on that URL; the returned app's `db` still
/// talks to the server directly, so the test can look while the application cannot.
pub async fn spawn_app_via(db: TestDb, url: &str) -> TestApp {
    let pool = suyuan_store::connect(url)
        .await
        .expect("pool through the proxy");
    let secret_key = SecretKey::generate();
    let (address, tokens) = start(url, pool, secret_key.clone()).await;
    TestApp {
        address,
        db,
        tokens,
        secret_key,
    }
}

/// Shared handle for tests that need one catalogue.
pub fn catalogue() -> Arc<suyuan_core::catalogue::Catalogue> {
    Arc::new(suyuan_core::catalogue::Catalogue::builtin().expect("builtin catalogue"))
}

/// Declares a storage test that runs unchanged on SQLite and on PostgreSQL:
/// `both_engines!(name, |db: TestDb| async move { ... });`
///
/// The database (and its temporary directory) lives in the test function's own scope, so it
/// outlives the test body even when the body captures only some of its fields.
#[macro_export]
macro_rules! both_engines {
    ($name:ident, |$arg:ident : $ty:ty| $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let $arg: $ty = $crate::TestDb::new($crate::Engine::Sqlite)
                    .await
                    .expect("sqlite is always available");
                ($body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some($arg) = $crate::TestDb::new($crate::Engine::Postgres).await {
                    let $arg: $ty = $arg;
                    ($body).await;
                }
            }
        }
    };
}

/// Like [`both_engines!`], for tests that drive the running app over HTTP.
#[macro_export]
macro_rules! both_engines_app {
    ($name:ident, |$arg:ident : $ty:ty| $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let $arg: $ty = $crate::spawn_app($crate::Engine::Sqlite)
                    .await
                    .expect("sqlite is always available");
                ($body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some($arg) = $crate::spawn_app($crate::Engine::Postgres).await {
                    let $arg: $ty = $arg;
                    ($body).await;
                }
            }
        }
    };
}
