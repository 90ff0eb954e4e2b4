//! Configuration: built-in defaults, then an optional `suyuan.toml`, then `SUYUAN_*` variables.
//! Everything is validated at start, and an error names the variable (or file key) at fault.

use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use suyuan_core::secrets::SecretKey;
pub use suyuan_plugin_api::config::{ImportConfig, SubmitConfig, parse_duration};

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (production).
    Json,
    /// Human-readable text (development).
    Text,
}

/// A secret string whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The validated configuration of one Suyuan process.
#[derive(Clone, Debug)]
pub struct Config {
    /// `SUYUAN_DATABASE_URL`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `SUYUAN_BIND`: address to listen on.
    pub bind: SocketAddr,
    /// `SUYUAN_PUBLIC_URL`: the URL people and QR codes reach this service at (no trailing slash).
    pub public_url: String,
    /// `SUYUAN_JWT_SECRET`: HMAC key for bearer tokens (at least 32 bytes).
    pub jwt_secret: Option<Secret>,
    /// `SUYUAN_SECRET_KEY`: base64 32-byte key sealing secrets at rest.
    pub secret_key: Option<SecretKey>,
    /// `SUYUAN_LOG_FORMAT`: `json` or `text`.
    pub log_format: LogFormat,
    /// `SUYUAN_CATALOGUE`: an extra catalogue file that extends or overrides the built-in one.
    pub catalogue_path: Option<PathBuf>,
    /// `SUYUAN_TOKEN_TTL`: default lifetime of tokens minted by `suyuan token`.
    pub token_ttl: std::time::Duration,
    /// `SUYUAN_WORKER`: whether this process runs the background workers (`on`, the default) or
    /// only serves requests (`off`).
    pub worker: bool,
    /// `SUYUAN_ALLOW_PRIVATE_TARGETS`: let outgoing webhooks and platform submissions reach
    /// loopback and private addresses (off by default; for on-premises platforms and tests).
    pub allow_private_targets: bool,
    /// `SUYUAN_TRANSFER_TTL`: how long a B2B transfer's claim link stays valid (default `30d`).
    pub transfer_ttl: std::time::Duration,
    /// `SUYUAN_SESSION_TTL`: the longest a person's sign-in session lasts (default `30d`).
    pub session_ttl: std::time::Duration,
    /// `SUYUAN_SESSION_IDLE`: how long a session may go unused before it ends (default `7d`).
    pub session_idle: std::time::Duration,
    /// `SUYUAN_MAX_BACKDATE`: how far in the past a receipt's date may lie without a
    /// `backdate_reason` (default `30d`).
    pub max_backdate: std::time::Duration,
    /// `SUYUAN_TRANSFER_REMIND_AFTER`: first reminder of an unclaimed transfer (default `3d`).
    pub transfer_remind_after: std::time::Duration,
    /// `SUYUAN_TRANSFER_REMIND_EVERY`: later reminders (default `7d`).
    pub transfer_remind_every: std::time::Duration,
    /// `SUYUAN_SMTP_URL`: where reminders are sent (`smtp://host:port`, `smtps://…`, with
    /// `?tls=required` for STARTTLS); unset, reminders are only listed in the app.
    pub smtp_url: Option<Secret>,
    /// `SUYUAN_MAIL_FROM`: the sender of e-mails (default `溯源 Suyuan <noreply@localhost>`).
    pub mail_from: String,
    /// `SUYUAN_MAIL_INTERVAL`: how often the mail queue is worked (sends due e-mails, queues
    /// reminders and digests; default `5m`).
    pub mail_interval: std::time::Duration,
    /// Submissions to trace platforms: `SUYUAN_SUBMIT_*` (defaults a platform may override).
    pub submit: SubmitConfig,
    /// `SUYUAN_WEBHOOK_REPLAY_WINDOW`: how far a signed send time (Standard Webhooks
    /// `webhook-timestamp`) may be from this server's clock (default `5m`).
    pub webhook_replay_window: std::time::Duration,
    /// `SUYUAN_RETENTION`: how long records are kept before `suyuan purge` may delete them
    /// (default 1096 days: 3 years, E-Commerce Law art. 31).
    pub retention: std::time::Duration,
    /// `SUYUAN_DEAD_LETTER_KEEP`: how long a dead-lettered delivery keeps its raw body for
    /// replay before it is redacted too (default `30d`).
    pub dead_letter_keep: std::time::Duration,
    /// CSV imports: `SUYUAN_IMPORT_*` (upload and field sizes, report length, imports at once).
    pub import: ImportConfig,
    /// `SUYUAN_ANALYTICS_DIR`: the root of the analytics mirror (default `suyuan-analytics`).
    pub analytics_dir: std::path::PathBuf,
    /// `SUYUAN_ANALYTICS_INTERVAL`: how often the service runs analytics (default `1h`;
    /// `off`: never, only `suyuan analytics run`).
    pub analytics_interval: Option<std::time::Duration>,
    /// `SUYUAN_ANALYTICS_SETTLE`: events younger than this wait for the next run, so one
    /// prepared before the read and committed after it is never skipped (default `1m`).
    pub analytics_settle: std::time::Duration,
    /// `SUYUAN_ANALYTICS_CONFIG`: a TOML file of score weights, grade thresholds and alert
    /// thresholds (`suyuan_analytics::config`; missing keys keep their defaults). Read and
    /// checked at start: a bad value stops the service naming it.
    pub analytics_config: suyuan_analytics::config::AnalyticsConfig,
    /// Request rate limits: `SUYUAN_RATE_PAGES`, `SUYUAN_RATE_WEBHOOKS`, `SUYUAN_RATE_API` and
    /// `SUYUAN_TRUSTED_PROXIES`.
    pub rate_limits: suyuan_web::rate_limit::RateLimitConfig,
}

/// A configuration value that is missing or wrong.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    /// The variable (or `suyuan.toml` key) at fault.
    pub variable: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ConfigError {
    fn new(variable: &str, reason: impl Into<String>) -> Self {
        Self {
            variable: variable.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The optional file, with every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    bind: Option<String>,
    public_url: Option<String>,
    jwt_secret: Option<String>,
    secret_key: Option<String>,
    log_format: Option<String>,
    catalogue: Option<String>,
    token_ttl: Option<String>,
    worker: Option<String>,
    allow_private_targets: Option<bool>,
    transfer_ttl: Option<String>,
    session_ttl: Option<String>,
    session_idle: Option<String>,
    max_backdate: Option<String>,
    webhook_replay_window: Option<String>,
    dead_letter_keep: Option<String>,
    analytics_dir: Option<String>,
    analytics_interval: Option<String>,
    analytics_settle: Option<String>,
    analytics_config: Option<String>,
    retention: Option<String>,
    transfer_remind_after: Option<String>,
    transfer_remind_every: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    mail_interval: Option<String>,
    queue_lease: Option<String>,
    submit_poll: Option<String>,
    submit_max_attempts: Option<String>,
    submit_backoff_base: Option<String>,
    submit_backoff_max: Option<String>,
    submit_request_timeout: Option<String>,
    submit_follow_max: Option<String>,
    submit_concurrency: Option<String>,
    import_max_bytes: Option<String>,
    import_max_field_bytes: Option<String>,
    import_report_rows: Option<String>,
    import_concurrency: Option<String>,
    rate_pages: Option<String>,
    rate_webhooks: Option<String>,
    rate_api: Option<String>,
    trusted_proxies: Option<String>,
}

/// The default database: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://suyuan.db?mode=rwc";
/// The default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

impl Config {
    /// Loads configuration from `suyuan.toml` (when `file` exists) and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("SUYUAN_"))
            .collect();
        Self::from_sources(file, &env)
    }

    /// Loads configuration from a file (if it exists) and the given variables.
    pub fn from_sources(
        file: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let file_cfg = match file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::new(&path.display().to_string(), format!("cannot read: {e}"))
                })?;
                toml::from_str::<FileConfig>(&text).map_err(|e| {
                    ConfigError::new(&path.display().to_string(), e.message().to_owned())
                })?
            }
            _ => FileConfig::default(),
        };
        let pick = |var: &str, from_file: Option<String>| -> Option<(String, String)> {
            match env.get(var) {
                Some(v) => Some((var.to_owned(), v.clone())),
                None => from_file.map(|v| (format!("{} (suyuan.toml)", file_key(var)), v)),
            }
        };

        let database_url = match pick("SUYUAN_DATABASE_URL", file_cfg.database_url) {
            Some((var, url)) => {
                if !(url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://"))
                {
                    return Err(ConfigError::new(
                        &var,
                        "must start with sqlite:, postgres:// or postgresql://",
                    ));
                }
                url
            }
            None => DEFAULT_DATABASE_URL.to_owned(),
        };
        let bind = match pick("SUYUAN_BIND", file_cfg.bind) {
            Some((var, v)) => v.parse::<SocketAddr>().map_err(|e| {
                ConfigError::new(
                    &var,
                    format!("`{v}` is not an address like 127.0.0.1:8080 ({e})"),
                )
            })?,
            None => DEFAULT_BIND
                .parse()
                .map_err(|_| ConfigError::new("SUYUAN_BIND", "bad default"))?,
        };
        let public_url = match pick("SUYUAN_PUBLIC_URL", file_cfg.public_url) {
            Some((var, v)) => {
                let parsed = url::Url::parse(&v)
                    .map_err(|e| ConfigError::new(&var, format!("`{v}` is not a URL ({e})")))?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                    return Err(ConfigError::new(
                        &var,
                        "must be an http:// or https:// URL with a host",
                    ));
                }
                v.trim_end_matches('/').to_owned()
            }
            None => format!("http://{bind}"),
        };
        let jwt_secret = match pick("SUYUAN_JWT_SECRET", file_cfg.jwt_secret) {
            Some((var, v)) if v.len() < 32 => {
                return Err(ConfigError::new(
                    &var,
                    format!("must be at least 32 bytes long; it is {}", v.len()),
                ));
            }
            Some((_, v)) => Some(Secret::new(v)),
            None => None,
        };
        let secret_key = match pick("SUYUAN_SECRET_KEY", file_cfg.secret_key) {
            Some((var, v)) => Some(
                SecretKey::from_base64(&v).map_err(|e| ConfigError::new(&var, e.to_string()))?,
            ),
            None => None,
        };
        let log_format = match pick("SUYUAN_LOG_FORMAT", file_cfg.log_format) {
            Some((var, v)) => match v.as_str() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                other => {
                    return Err(ConfigError::new(
                        &var,
                        format!("`{other}` is neither json nor text"),
                    ));
                }
            },
            None => LogFormat::Text,
        };
        let catalogue_path = match pick("SUYUAN_CATALOGUE", file_cfg.catalogue) {
            Some((var, v)) => {
                let path = PathBuf::from(&v);
                if !path.is_file() {
                    return Err(ConfigError::new(
                        &var,
                        format!("no catalogue file at `{v}`"),
                    ));
                }
                Some(path)
            }
            None => None,
        };
        let token_ttl = match pick("SUYUAN_TOKEN_TTL", file_cfg.token_ttl) {
            Some((var, v)) => {
                parse_duration(&v).map_err(|reason| ConfigError::new(&var, reason))?
            }
            None => std::time::Duration::from_secs(30 * 24 * 3600),
        };
        let worker = match pick("SUYUAN_WORKER", file_cfg.worker) {
            Some((var, v)) => match v.as_str() {
                "on" | "true" | "1" => true,
                "off" | "false" | "0" => false,
                other => {
                    return Err(ConfigError::new(
                        &var,
                        format!("`{other}` is neither on nor off"),
                    ));
                }
            },
            None => true,
        };
        let allow_private_targets = match env.get("SUYUAN_ALLOW_PRIVATE_TARGETS") {
            Some(v) => match v.as_str() {
                "true" | "1" | "on" => true,
                "false" | "0" | "off" => false,
                other => {
                    return Err(ConfigError::new(
                        "SUYUAN_ALLOW_PRIVATE_TARGETS",
                        format!("`{other}` is neither true nor false"),
                    ));
                }
            },
            None => file_cfg.allow_private_targets.unwrap_or(false),
        };
        let duration_or = |picked: Option<(String, String)>, default_secs: u64| match picked {
            Some((var, v)) => parse_duration(&v).map_err(|reason| ConfigError::new(&var, reason)),
            None => Ok(std::time::Duration::from_secs(default_secs)),
        };
        let transfer_ttl = duration_or(
            pick("SUYUAN_TRANSFER_TTL", file_cfg.transfer_ttl),
            30 * 24 * 3600,
        )?;
        let session_ttl = duration_or(
            pick("SUYUAN_SESSION_TTL", file_cfg.session_ttl),
            30 * 24 * 3600,
        )?;
        let session_idle = duration_or(
            pick("SUYUAN_SESSION_IDLE", file_cfg.session_idle),
            7 * 24 * 3600,
        )?;
        for (var, d) in [
            ("SUYUAN_SESSION_TTL", session_ttl),
            ("SUYUAN_SESSION_IDLE", session_idle),
        ] {
            if d.is_zero() || d > std::time::Duration::from_secs(3660 * 24 * 3600) {
                return Err(ConfigError::new(var, "must be between 1s and 3660 days"));
            }
        }
        let max_backdate = duration_or(
            pick("SUYUAN_MAX_BACKDATE", file_cfg.max_backdate),
            30 * 24 * 3600,
        )?;
        if max_backdate > std::time::Duration::from_secs(100 * 365 * 24 * 3600) {
            return Err(ConfigError::new(
                "SUYUAN_MAX_BACKDATE",
                "must be at most 100 years",
            ));
        }
        let webhook_replay_window = duration_or(
            pick(
                "SUYUAN_WEBHOOK_REPLAY_WINDOW",
                file_cfg.webhook_replay_window,
            ),
            5 * 60,
        )?;
        let retention = duration_or(
            pick("SUYUAN_RETENTION", file_cfg.retention),
            1096 * 24 * 3600,
        )?;
        let dead_letter_keep = duration_or(
            pick("SUYUAN_DEAD_LETTER_KEEP", file_cfg.dead_letter_keep),
            30 * 24 * 3600,
        )?;
        let analytics_dir = pick("SUYUAN_ANALYTICS_DIR", file_cfg.analytics_dir)
            .map(|(_, v)| std::path::PathBuf::from(v))
            .unwrap_or_else(|| std::path::PathBuf::from("suyuan-analytics"));
        let analytics_interval =
            match pick("SUYUAN_ANALYTICS_INTERVAL", file_cfg.analytics_interval) {
                Some((_, v)) if v == "off" => None,
                other => Some(duration_or(other, 3600)?),
            };
        let analytics_settle = duration_or(
            pick("SUYUAN_ANALYTICS_SETTLE", file_cfg.analytics_settle),
            60,
        )?;
        let analytics_config = match pick("SUYUAN_ANALYTICS_CONFIG", file_cfg.analytics_config) {
            None => suyuan_analytics::config::AnalyticsConfig::default(),
            Some((var, path)) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::new(&var, format!("cannot read `{path}`: {e}")))?;
                suyuan_analytics::config::AnalyticsConfig::from_toml_str(&text)
                    .map_err(|e| ConfigError::new(&var, format!("`{path}`: {e}")))?
            }
        };
        let transfer_remind_after = duration_or(
            pick(
                "SUYUAN_TRANSFER_REMIND_AFTER",
                file_cfg.transfer_remind_after,
            ),
            3 * 24 * 3600,
        )?;
        let transfer_remind_every = duration_or(
            pick(
                "SUYUAN_TRANSFER_REMIND_EVERY",
                file_cfg.transfer_remind_every,
            ),
            7 * 24 * 3600,
        )?;
        let smtp_url = match pick("SUYUAN_SMTP_URL", file_cfg.smtp_url) {
            Some((var, v)) => {
                let parsed = url::Url::parse(&v).map_err(|e| {
                    ConfigError::new(&var, format!("is not a URL like smtp://host:25 ({e})"))
                })?;
                if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none() {
                    return Err(ConfigError::new(
                        &var,
                        "must be an smtp:// or smtps:// URL with a host",
                    ));
                }
                Some(Secret::new(v))
            }
            None => None,
        };
        let mail_from = match pick("SUYUAN_MAIL_FROM", file_cfg.mail_from) {
            Some((var, v)) => {
                if v.parse::<lettre::message::Mailbox>().is_err() {
                    return Err(ConfigError::new(
                        &var,
                        format!("`{v}` is not an address like Suyuan <noreply@example.cn>"),
                    ));
                }
                v
            }
            None => "溯源 Suyuan <noreply@localhost>".to_owned(),
        };
        let mail_interval = duration_or(pick("SUYUAN_MAIL_INTERVAL", file_cfg.mail_interval), 300)?;
        if mail_interval.is_zero() {
            return Err(ConfigError::new(
                "SUYUAN_MAIL_INTERVAL",
                "must be longer than zero",
            ));
        }
        let mut submit = SubmitConfig::default();
        if let Some((var, v)) = pick("SUYUAN_QUEUE_LEASE", file_cfg.queue_lease) {
            submit.lease = parse_duration(&v).map_err(|reason| ConfigError::new(&var, reason))?;
            if submit.lease < std::time::Duration::from_secs(4) {
                return Err(ConfigError::new(
                    &var,
                    "must be at least 4s (it is renewed every quarter of it)",
                ));
            }
        }
        let durations = [
            ("SUYUAN_SUBMIT_POLL", file_cfg.submit_poll, &mut submit.poll),
            (
                "SUYUAN_SUBMIT_BACKOFF_BASE",
                file_cfg.submit_backoff_base,
                &mut submit.backoff_base,
            ),
            (
                "SUYUAN_SUBMIT_BACKOFF_MAX",
                file_cfg.submit_backoff_max,
                &mut submit.backoff_max,
            ),
            (
                "SUYUAN_SUBMIT_REQUEST_TIMEOUT",
                file_cfg.submit_request_timeout,
                &mut submit.request_timeout,
            ),
            (
                "SUYUAN_SUBMIT_FOLLOW_MAX",
                file_cfg.submit_follow_max,
                &mut submit.follow_max,
            ),
        ];
        for (name, from_file, slot) in durations {
            if let Some((var, v)) = pick(name, from_file) {
                *slot = parse_duration(&v).map_err(|reason| ConfigError::new(&var, reason))?;
            }
        }
        if submit.backoff_max < submit.backoff_base {
            return Err(ConfigError::new(
                "SUYUAN_SUBMIT_BACKOFF_MAX",
                "must not be shorter than SUYUAN_SUBMIT_BACKOFF_BASE",
            ));
        }
        if let Some((var, v)) = pick("SUYUAN_SUBMIT_MAX_ATTEMPTS", file_cfg.submit_max_attempts) {
            submit.max_attempts = match v.trim().parse::<i32>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(ConfigError::new(
                        &var,
                        format!("`{v}` is not a whole number from 1 to 100"),
                    ));
                }
            };
        }
        if let Some((var, v)) = pick("SUYUAN_SUBMIT_CONCURRENCY", file_cfg.submit_concurrency) {
            submit.concurrency = match v.trim().parse::<usize>() {
                Ok(n) if (1..=256).contains(&n) => n,
                _ => {
                    return Err(ConfigError::new(
                        &var,
                        format!("`{v}` is not a whole number from 1 to 256"),
                    ));
                }
            };
        }
        let mut import = ImportConfig::default();
        let counts = [
            (
                "SUYUAN_IMPORT_MAX_BYTES",
                file_cfg.import_max_bytes,
                &mut import.max_bytes,
                1024,
            ),
            (
                "SUYUAN_IMPORT_MAX_FIELD_BYTES",
                file_cfg.import_max_field_bytes,
                &mut import.max_field_bytes,
                256,
            ),
            (
                "SUYUAN_IMPORT_REPORT_ROWS",
                file_cfg.import_report_rows,
                &mut import.report_rows,
                1,
            ),
            (
                "SUYUAN_IMPORT_CONCURRENCY",
                file_cfg.import_concurrency,
                &mut import.concurrency,
                1,
            ),
        ];
        for (name, from_file, slot, min) in counts {
            if let Some((var, v)) = pick(name, from_file) {
                *slot = match parse_size(&v) {
                    Some(n) if n >= min => n,
                    _ => {
                        return Err(ConfigError::new(
                            &var,
                            format!(
                                "`{v}` is not a whole number of at least {min} (K, M and G suffixes allowed)"
                            ),
                        ));
                    }
                };
            }
        }
        let mut rate_limits = suyuan_web::rate_limit::RateLimitConfig::default();
        let rates = [
            (
                "SUYUAN_RATE_PAGES",
                file_cfg.rate_pages,
                &mut rate_limits.pages,
            ),
            (
                "SUYUAN_RATE_WEBHOOKS",
                file_cfg.rate_webhooks,
                &mut rate_limits.webhooks,
            ),
            ("SUYUAN_RATE_API", file_cfg.rate_api, &mut rate_limits.api),
        ];
        for (name, from_file, slot) in rates {
            if let Some((var, v)) = pick(name, from_file) {
                *slot = suyuan_web::rate_limit::RateLimit::parse(&v)
                    .map_err(|reason| ConfigError::new(&var, reason))?;
            }
        }
        if let Some((var, v)) = pick("SUYUAN_TRUSTED_PROXIES", file_cfg.trusted_proxies) {
            rate_limits.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse::<std::net::IpAddr>().map_err(|_| {
                        ConfigError::new(
                            &var,
                            format!(
                                "`{a}` is not an IP address (list proxies as 10.0.0.2,10.0.0.3)"
                            ),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(Config {
            analytics_dir,
            analytics_interval,
            analytics_settle,
            analytics_config,
            webhook_replay_window,
            dead_letter_keep,
            retention,
            rate_limits,
            import,
            transfer_ttl,
            session_ttl,
            session_idle,
            max_backdate,
            transfer_remind_after,
            transfer_remind_every,
            smtp_url,
            mail_from,
            mail_interval,
            submit,
            database_url,
            bind,
            public_url,
            jwt_secret,
            secret_key,
            log_format,
            catalogue_path,
            token_ttl,
            worker,
            allow_private_targets,
        })
    }

    /// True when the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// A count or a size: `1000`, `64K`, `50M`, `1G` (binary multiples).
fn parse_size(v: &str) -> Option<usize> {
    let v = v.trim();
    let (digits, factor) = match v.char_indices().last() {
        Some((i, 'K' | 'k')) => (&v[..i], 1024),
        Some((i, 'M' | 'm')) => (&v[..i], 1024 * 1024),
        Some((i, 'G' | 'g')) => (&v[..i], 1024 * 1024 * 1024),
        _ => (v, 1),
    };
    digits.trim().parse::<usize>().ok()?.checked_mul(factor)
}

fn file_key(var: &str) -> String {
    match var {
        "SUYUAN_CATALOGUE" => "catalogue".to_owned(),
        other => other.trim_start_matches("SUYUAN_").to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_no_configuration() {
        let cfg = Config::from_sources(None, &env(&[])).unwrap();
        assert_eq!(cfg.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(cfg.bind.to_string(), DEFAULT_BIND);
        assert_eq!(cfg.public_url, "http://127.0.0.1:8080");
        assert!(cfg.jwt_secret.is_none());
    }

    #[test]
    fn the_backdating_limit_is_thirty_days_unless_configured() {
        let cfg = Config::from_sources(None, &env(&[])).unwrap();
        assert_eq!(cfg.max_backdate.as_secs(), 30 * 24 * 3600);
        let cfg = Config::from_sources(None, &env(&[("SUYUAN_MAX_BACKDATE", "7d")])).unwrap();
        assert_eq!(cfg.max_backdate.as_secs(), 7 * 24 * 3600);
        let err = Config::from_sources(None, &env(&[("SUYUAN_MAX_BACKDATE", "soon")])).unwrap_err();
        assert_eq!(err.variable, "SUYUAN_MAX_BACKDATE");
    }

    #[test]
    fn analytics_weights_come_from_their_file_and_a_bad_one_is_named() {
        let cfg = Config::from_sources(None, &env(&[])).unwrap();
        assert_eq!(cfg.analytics_config, Default::default());
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("weights.toml");
        std::fs::write(
            &good,
            "[weights]\ntimeliness = 40.0\n[alerts]\nscore_drop = 5.0\n",
        )
        .unwrap();
        let cfg = Config::from_sources(
            None,
            &env(&[("SUYUAN_ANALYTICS_CONFIG", good.to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(cfg.analytics_config.weights.timeliness, 40.0);
        assert_eq!(cfg.analytics_config.alerts.score_drop, 5.0);
        assert_eq!(
            cfg.analytics_config.weights.coverage, 20.0,
            "the rest keep their defaults"
        );
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[grades]\na = 50.0\nb = 75.0\n").unwrap();
        let err = Config::from_sources(
            None,
            &env(&[("SUYUAN_ANALYTICS_CONFIG", bad.to_str().unwrap())]),
        )
        .unwrap_err();
        assert_eq!(err.variable, "SUYUAN_ANALYTICS_CONFIG");
        assert!(err.to_string().contains("grades must satisfy"), "{err}");
        let missing = Config::from_sources(
            None,
            &env(&[("SUYUAN_ANALYTICS_CONFIG", "/nonexistent/weights.toml")]),
        )
        .unwrap_err();
        assert!(missing.to_string().contains("cannot read"), "{missing}");
    }

    #[test]
    fn a_bad_bind_address_names_the_variable() {
        let err = Config::from_sources(None, &env(&[("SUYUAN_BIND", "localhost")])).unwrap_err();
        assert_eq!(err.variable, "SUYUAN_BIND");
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let err = Config::from_sources(None, &env(&[("SUYUAN_JWT_SECRET", "short")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "SUYUAN_JWT_SECRET: must be at least 32 bytes long; it is 5"
        );
    }

    #[test]
    fn the_environment_overrides_the_file_and_file_errors_name_the_key() {
        let dir = std::env::temp_dir().join(format!("suyuan-cfg-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("suyuan.toml");
        std::fs::write(&file, "bind = \"127.0.0.1:9000\"\nlog_format = \"yaml\"\n").unwrap();
        let err = Config::from_sources(Some(&file), &env(&[])).unwrap_err();
        assert_eq!(err.variable, "log_format (suyuan.toml)");
        let cfg = Config::from_sources(
            Some(&file),
            &env(&[
                ("SUYUAN_LOG_FORMAT", "json"),
                ("SUYUAN_BIND", "127.0.0.1:9100"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.bind.port(), 9100);
        assert_eq!(cfg.log_format, LogFormat::Json);
    }

    #[test]
    fn submission_settings_have_defaults_and_bad_ones_name_the_variable() {
        let cfg = Config::from_sources(None, &env(&[])).unwrap();
        assert_eq!(cfg.submit, SubmitConfig::default());
        let cfg = Config::from_sources(
            None,
            &env(&[
                ("SUYUAN_SUBMIT_MAX_ATTEMPTS", "3"),
                ("SUYUAN_SUBMIT_BACKOFF_BASE", "50ms"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.submit.max_attempts, 3);
        assert_eq!(cfg.submit.backoff_base.as_millis(), 50);
        let err =
            Config::from_sources(None, &env(&[("SUYUAN_SUBMIT_MAX_ATTEMPTS", "0")])).unwrap_err();
        assert_eq!(err.variable, "SUYUAN_SUBMIT_MAX_ATTEMPTS");
        let err =
            Config::from_sources(None, &env(&[("SUYUAN_SUBMIT_BACKOFF_MAX", "1s")])).unwrap_err();
        assert_eq!(err.variable, "SUYUAN_SUBMIT_BACKOFF_MAX");
    }

    #[test]
    fn import_limits_have_defaults_and_take_sizes() {
        let cfg = Config::from_sources(None, &env(&[])).unwrap();
        assert_eq!(cfg.import.max_bytes, 50 * 1024 * 1024);
        let cfg = Config::from_sources(
            None,
            &env(&[
                ("SUYUAN_IMPORT_MAX_BYTES", "2M"),
                ("SUYUAN_IMPORT_REPORT_ROWS", "50"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.import.max_bytes, 2 * 1024 * 1024);
        assert_eq!(cfg.import.report_rows, 50);
        let err =
            Config::from_sources(None, &env(&[("SUYUAN_IMPORT_CONCURRENCY", "0")])).unwrap_err();
        assert_eq!(err.variable, "SUYUAN_IMPORT_CONCURRENCY");
    }

    #[test]
    fn rate_limits_have_defaults_and_bad_ones_name_the_variable() {
        let cfg = Config::from_sources(None, &env(&[])).unwrap();
        assert!(cfg.rate_limits.pages.is_some() && cfg.rate_limits.trusted_proxies.is_empty());
        let cfg = Config::from_sources(
            None,
            &env(&[
                ("SUYUAN_RATE_PAGES", "off"),
                ("SUYUAN_TRUSTED_PROXIES", "10.0.0.2, ::1"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.rate_limits.pages, None);
        assert_eq!(cfg.rate_limits.trusted_proxies.len(), 2);
        let err = Config::from_sources(None, &env(&[("SUYUAN_RATE_API", "lots")])).unwrap_err();
        assert_eq!(err.variable, "SUYUAN_RATE_API");
        let err = Config::from_sources(None, &env(&[("SUYUAN_TRUSTED_PROXIES", "proxy.local")]))
            .unwrap_err();
        assert_eq!(err.variable, "SUYUAN_TRUSTED_PROXIES");
    }

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let cfg = Config::from_sources(
            None,
            &env(&[(
                "SUYUAN_JWT_SECRET",
                "0123456789abcdef0123456789abcdef-very-secret",
            )]),
        )
        .unwrap();
        assert!(!format!("{cfg:?}").contains("very-secret"));
    }
}
