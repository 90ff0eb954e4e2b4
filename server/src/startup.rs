//! Builds the application from configuration and a `TcpListener`, so tests can bind port 0.

use crate::config::Config;
use actix_web::dev::{Server, Service as _};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpMessage as _, HttpServer, web};
use anyhow::Context as _;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;
use suyuan_core::catalogue::Catalogue;
use suyuan_core::secrets::SecretKey;
use suyuan_store::Db;
use suyuan_web::auth::Tokens;
use suyuan_web::error::ApiError;
use suyuan_web::metrics::Metrics;
use suyuan_web::{AppState, TransferSettings, WebhookSettings};
use tracing_actix_web::{RequestId, TracingLogger};

/// A built, not yet running, application.
pub struct Application {
    port: u16,
    server: Server,
}

/// Everything the app needs that is not in [`Config`] once resolved.
pub struct Resolved {
    /// Database pool, migrated.
    pub db: Db,
    /// JWT secret.
    pub jwt_secret: Vec<u8>,
    /// Secrets-at-rest key.
    pub secret_key: SecretKey,
    /// Catalogue.
    pub catalogue: Arc<Catalogue>,
}

impl Application {
    /// Builds the server on `listener`.
    pub fn build(
        config: &Config,
        resolved: Resolved,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        Self::build_with_demo(config, resolved, listener, Vec::new())
    }

    /// Builds the server on `listener`; the home page lists `demo_accounts` (`serve --demo`).
    pub fn build_with_demo(
        config: &Config,
        resolved: Resolved,
        listener: TcpListener,
        demo_accounts: Vec<suyuan_dashboards::home::DemoAccount>,
    ) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        let inbox_notify = Arc::new(tokio::sync::Notify::new());
        let write_gate = suyuan_store::writer::WriteGate::for_db(&resolved.db);
        let state = AppState {
            inbox_writer: suyuan_store::writer::InboxWriter::spawn(
                resolved.db.clone(),
                inbox_notify.clone(),
                write_gate.clone(),
            ),
            scans: suyuan_store::scans::ScanRecorder::spawn(
                resolved.db.clone(),
                write_gate.clone(),
            ),
            write_gate,
            db: resolved.db,
            catalogue: resolved.catalogue,
            public_url: config.public_url.clone(),
            secret_key: resolved.secret_key,
            metrics: Metrics::new()?,
            shop_cache: suyuan_store::shop_cache::ShopCache::default(),
            inbox_notify: inbox_notify.clone(),
            allow_private_targets: config.allow_private_targets,
            badge_cache: suyuan_web::cache::BadgeCache::default(),
            page_cache: suyuan_web::cache::PageCache::default(),
            transfers: TransferSettings {
                ttl: chrono::Duration::from_std(config.transfer_ttl)
                    .context("SUYUAN_TRANSFER_TTL: too long")?,
                session_ttl: config.token_ttl,
            },
            max_backdate: chrono::Duration::from_std(config.max_backdate)
                .context("SUYUAN_MAX_BACKDATE: too long")?,
            webhooks: WebhookSettings {
                replay_window: config.webhook_replay_window,
                dead_letter_keep: chrono::Duration::from_std(config.dead_letter_keep)
                    .context("SUYUAN_DEAD_LETTER_KEEP: too long")?,
            },
        };
        spawn_reseal(state.db.clone(), state.secret_key.clone());
        if config.worker {
            suyuan_plugin_api::intake::worker::spawn(state.clone(), inbox_notify);
            suyuan_plugin_api::intake::notify::spawn(
                state.db.clone(),
                state.secret_key.clone(),
                config.allow_private_targets,
            );
            suyuan_plugin_api::mail::spawn(
                state.db.clone(),
                suyuan_plugin_api::mail::Mailer::new(
                    config.smtp_url.as_ref().map(|s| s.expose()),
                    &config.mail_from,
                )?,
                suyuan_plugin_api::mail::MailSettings {
                    public_url: config.public_url.clone(),
                    schedule: suyuan_store::transfers::ReminderSchedule {
                        first_after: chrono::Duration::from_std(config.transfer_remind_after)
                            .context("SUYUAN_TRANSFER_REMIND_AFTER: too long")?,
                        every: chrono::Duration::from_std(config.transfer_remind_every)
                            .context("SUYUAN_TRANSFER_REMIND_EVERY: too long")?,
                    },
                    interval: config.mail_interval,
                    secret_key: state.secret_key.clone(),
                    digests: std::sync::Arc::new(suyuan_plugin_api::mail::notices::StoredResults),
                    lease: chrono::Duration::from_std(config.submit.lease)
                        .context("SUYUAN_QUEUE_LEASE: too long")?,
                },
            );
            suyuan_plugin_api::submit::spawn(state.clone(), config.submit);
            if let Some(interval) = config.analytics_interval {
                crate::analytics::spawn_periodic(
                    state.db.clone(),
                    crate::analytics::RunSettings::of(config),
                    interval,
                );
            }
        }
        let tokens = web::Data::new(Tokens::new(&resolved.jwt_secret));
        let rate_limits = web::Data::new(suyuan_web::rate_limit::RateLimits::new(
            &config.rate_limits,
            Tokens::new(&resolved.jwt_secret),
        ));
        {
            let rate_limits = rate_limits.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(10));
                loop {
                    every.tick().await;
                    rate_limits.evict();
                }
            });
        }
        let imports = web::Data::new(suyuan_plugin_api::routes::imports::ImportGate::new(
            config.import,
        ));
        let state = web::Data::new(state);
        let sessions = web::Data::new(suyuan_web::session::SessionSettings {
            policy: suyuan_core::accounts::SessionPolicy {
                lifetime: chrono::Duration::from_std(config.session_ttl)
                    .context("SUYUAN_SESSION_TTL: too long")?,
                idle: chrono::Duration::from_std(config.session_idle)
                    .context("SUYUAN_SESSION_IDLE: too long")?,
            },
        });
        let demo_accounts = web::Data::new(suyuan_dashboards::home::DemoAccounts(demo_accounts));
        let server = HttpServer::new(move || {
            let metrics = state.metrics.clone();
            App::new()
                .app_data(state.clone())
                .app_data(tokens.clone())
                .app_data(imports.clone())
                .app_data(rate_limits.clone())
                .app_data(sessions.clone())
                .app_data(demo_accounts.clone())
                .app_data(web::PayloadConfig::new(suyuan_web::extract::JSON_LIMIT))
                .app_data(
                    web::JsonConfig::default()
                        .limit(suyuan_web::extract::JSON_LIMIT)
                        .error_handler(suyuan_web::error::json_error_handler),
                )
                .app_data(web::PathConfig::default().error_handler(|e, _| {
                    ApiError::field(
                        "path",
                        "invalid_path",
                        format!("路径参数有误：{e}"),
                        format!("invalid path parameter: {e}"),
                    )
                    .into()
                }))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::Malformed {
                        detail_zh: format!("查询参数有误：{e}"),
                        detail_en: format!("invalid query: {e}"),
                        field: None,
                    }
                    .into()
                }))
                .wrap(actix_web::middleware::from_fn(
                    suyuan_web::rate_limit::limit,
                ))
                .wrap_fn(move |req, srv| {
                    let started = Instant::now();
                    let method = req.method().to_string();
                    let route = suyuan_web::request_log::matched_route(&req)
                        .unwrap_or_else(|| "unmatched".to_owned());
                    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                    let metrics = metrics.clone();
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        let status = res.status().as_u16().to_string();
                        metrics
                            .http_requests
                            .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
                            .inc();
                        metrics
                            .http_latency
                            .with_label_values(&[method.as_str(), route.as_str()])
                            .observe(started.elapsed().as_secs_f64());
                        if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok())
                        {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), id);
                        }
                        Ok(res)
                    }
                })
                .wrap(actix_web::middleware::from_fn(
                    suyuan_web::auth::check_standing,
                ))
                .wrap(TracingLogger::<suyuan_web::request_log::RedactingRootSpan>::new())
                .configure(suyuan_plugin_api::configure)
                .configure(suyuan_dashboards::configure)
                .default_service(web::to(not_found))
        })
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Seals values of the old, unbound format again, bound to their row, in the background: they
/// keep opening meanwhile, each row is swapped only if unchanged, and instances starting
/// together do not conflict.
fn spawn_reseal(db: Db, key: SecretKey) {
    tokio::spawn(async move {
        match suyuan_store::sealed::reseal_unbound(&db, &key).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(values = n, "sealed values bound to their rows"),
            Err(e) => {
                tracing::error!(error = %e, "binding sealed values to their rows failed; old values keep working, retried at the next start")
            }
        }
    });
}

/// Opens and migrates the database, and loads the catalogue (built-in plus the configured file).
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    use sea_orm_migration::MigratorTrait as _;
    let db = suyuan_store::connect(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "SUYUAN_DATABASE_URL: cannot open {}",
                redact_url(&config.database_url)
            )
        })?;
    suyuan_migrations::Migrator::up(&db, None)
        .await
        .context("migrating the database")?;
    suyuan_store::db::reopen_after_migration(db, &config.database_url)
        .await
        .context("reopening the database after migrating it")
}

/// Loads the catalogue: built-in, extended by `SUYUAN_CATALOGUE` when set.
pub fn load_catalogue(config: &Config) -> anyhow::Result<Arc<Catalogue>> {
    let catalogue = Catalogue::builtin_with_extension(config.catalogue_path.as_deref())
        .map_err(|e| anyhow::anyhow!("SUYUAN_CATALOGUE: {e}"))?;
    Ok(Arc::new(catalogue))
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// No route took the request: 405 with `Allow` when the API documents the path with other
/// methods (HEAD and OPTIONS aside), else 404.
async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    let method = req.method().as_str();
    if !matches!(method, "HEAD" | "OPTIONS")
        && let Some(allowed) = suyuan_plugin_api::openapi::allowed_methods(req.path())
        && !allowed.contains(&method)
    {
        return Err(ApiError::MethodNotAllowed {
            allow: allowed.join(", "),
        });
    }
    Err(ApiError::NotFound("route"))
}
