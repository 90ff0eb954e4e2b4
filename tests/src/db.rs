//! A fresh, migrated database per test on SQLite or PostgreSQL. Shared by the end-to-end tests
//! and (through `#[path]`) by the plugin-api CLI tests.
#![allow(clippy::expect_used, clippy::unwrap_used, dead_code)]

use sea_orm::{ConnectionTrait, DatabaseConnection};
use sea_orm_migration::MigratorTrait as _;
use tokio::sync::OnceCell;

/// The two engines every storage test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Embedded SQLite (a temporary file, WAL mode).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A migrated, empty database of its own.
pub struct TestDb {
    /// Which engine.
    pub engine: Engine,
    /// Its URL.
    pub url: String,
    /// A pool on it.
    pub db: DatabaseConnection,
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL URL tests may use, or `None` (skip) when not configured outside CI.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("SUYUAN_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").map(|v| v != "true").unwrap_or(true),
                "CI=true but SUYUAN_TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI"
            );
            eprintln!("skipped: PostgreSQL test (set SUYUAN_TEST_POSTGRES_URL to run it)");
            None
        }
    }
}

fn with_database(url: &str, name: &str) -> String {
    match url.rfind('/') {
        Some(i) => {
            let (base, rest) = url.split_at(i);
            let query = rest.find('?').map(|q| &rest[q..]).unwrap_or("");
            format!("{base}/{name}{query}")
        }
        None => format!("{url}/{name}"),
    }
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Creates (once per test process) a migrated template database, closed so it can be cloned.
async fn postgres_template(admin_url: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!(
                "suyuan_t_tpl_{}",
                ulid::Ulid::new().to_string().to_lowercase()
            );
            let admin = suyuan_store::connect(admin_url)
                .await
                .expect("connect to SUYUAN_TEST_POSTGRES_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create template database");
            admin.close().await.ok();
            let url = with_database(admin_url, &name);
            let db = suyuan_store::connect(&url).await.expect("connect template");
            suyuan_migrations::Migrator::up(&db, None)
                .await
                .expect("migrate template");
            db.close().await.ok();
            name
        })
        .await
        .clone()
}

impl TestDb {
    /// What an attacker with database access does: runs `sql` around the append-only trigger
    /// of the trace events (dropped on SQLite, disabled and enabled again on PostgreSQL).
    pub async fn edit_around_the_trigger(&self, sql: &str) {
        match self.engine {
            Engine::Sqlite => {
                self.db
                    .execute_unprepared("DROP TRIGGER trace_events_no_update")
                    .await
                    .expect("drop trigger");
                self.db.execute_unprepared(sql).await.expect("edit");
            }
            Engine::Postgres => {
                self.db
                    .execute_unprepared(
                        "ALTER TABLE trace_events DISABLE TRIGGER trace_events_append_only",
                    )
                    .await
                    .expect("disable trigger");
                self.db.execute_unprepared(sql).await.expect("edit");
                self.db
                    .execute_unprepared(
                        "ALTER TABLE trace_events ENABLE TRIGGER trace_events_append_only",
                    )
                    .await
                    .expect("enable trigger");
            }
        }
    }

    /// A fresh migrated database, or `None` when the engine is not available here.
    pub async fn new(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("suyuan.db").display()
                );
                let db = suyuan_store::connect(&url).await.expect("open sqlite");
                suyuan_migrations::Migrator::up(&db, None)
                    .await
                    .expect("migrate sqlite");
                let db = suyuan_store::db::reopen_after_migration(db, &url)
                    .await
                    .expect("reopen sqlite");
                Some(TestDb {
                    engine,
                    url,
                    db,
                    _dir: Some(dir),
                })
            }
            Engine::Postgres => {
                let admin_url = postgres_admin_url()?;
                let template = postgres_template(&admin_url).await;
                let name = format!("suyuan_t_{}", ulid::Ulid::new().to_string().to_lowercase());
                let admin = suyuan_store::connect(&admin_url)
                    .await
                    .expect("connect admin");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .await
                    .expect("clone template database");
                admin.close().await.ok();
                let url = with_database(&admin_url, &name);
                let db = suyuan_store::connect(&url)
                    .await
                    .expect("connect test database");
                Some(TestDb {
                    engine,
                    url,
                    db,
                    _dir: None,
                })
            }
        }
    }
}
