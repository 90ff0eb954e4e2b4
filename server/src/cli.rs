//! The `suyuan` command line.

use crate::config::{Config, Secret};
use crate::startup::{Application, Resolved, load_catalogue, open_database, redact_url};
use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand, ValueEnum};
use sea_orm_migration::MigratorTrait as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use suyuan_core::checkpoint::CheckpointKey;
use suyuan_core::ids::SellerId;
use suyuan_core::secrets::SecretKey;
use suyuan_core::tenancy::Role;
use suyuan_store::ledger::{self, EventScope};

/// Suyuan (溯源): seller-side traceability for key industrial products.
#[derive(Debug, Parser)]
#[command(name = "suyuan", version, about)]
pub struct Cli {
    /// Configuration file (optional; `SUYUAN_*` variables override it).
    #[arg(long, global = true, default_value = "suyuan.toml")]
    pub config: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service.
    Serve {
        /// Fill an empty database with demo data, and generate secrets if none are configured.
        #[arg(long)]
        demo: bool,
    },
    /// Apply (or roll back) database migrations.
    Migrate {
        /// What to do.
        #[arg(value_enum, default_value_t = MigrateAction::Up)]
        action: MigrateAction,
        /// For `down`: how many migrations to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// Print a bearer token signed with the configured secret.
    Token {
        /// The role the token grants.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The id the token speaks for (`sel_…`, `opr_…`, `sup_…`, `adm_…`; for admin, `new` mints a fresh id).
        #[arg(long)]
        subject: String,
        /// For supervisors: the division-code prefix overseen (e.g. 44, 4403).
        #[arg(long)]
        jurisdiction: Option<String>,
        /// Lifetime, e.g. 30d, 12h (default SUYUAN_TOKEN_TTL or 30 days).
        #[arg(long)]
        ttl: Option<String>,
    },
    /// People's accounts: invite a person by e-mail.
    Account {
        /// What to do.
        #[command(subcommand)]
        action: AccountAction,
    },
    /// Walk every seller's hash chain (from its signed checkpoint, when its prefix was purged)
    /// and name the first event that does not match.
    Verify,
    /// Delete trace events and settled webhook deliveries recorded before a date, keeping every
    /// chain verifiable: each purged prefix leaves a checkpoint signed with a key derived from
    /// SUYUAN_SECRET_KEY.
    Purge {
        /// The cut-off (`2023-12-01` or RFC 3339); default now minus SUYUAN_RETENTION (3
        /// years). A date inside the retention period is refused.
        #[arg(long)]
        before: Option<String>,
    },
    /// Import receipts or sales from a CSV file (UTF-8, UTF-8 with BOM or GBK).
    ///
    /// Exit status: 0 when every row was imported, 3 when some rows were refused (the others
    /// are imported unless --all-or-nothing), 2 when the file or a mapping is refused as a whole
    /// (nothing imported), 1 on any other failure.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        kind: ImportKindArg,
        /// The CSV file.
        file: PathBuf,
        /// The seller the records belong to (`sel_…`).
        #[arg(long)]
        seller: String,
        /// Maps a column of the file to a field: `--map "供应商=supplier_name"` (repeatable).
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        /// Writes the refused rows and warnings to this file (CSV; JSON when it ends in .json):
        /// the first --report-rows of each, and all of them counted by reason.
        #[arg(long)]
        report: Option<PathBuf>,
        /// How many refused-row problems and warnings the report keeps in full (the others
        /// are counted by reason; memory grows with this, never with the file).
        #[arg(long, default_value_t = suyuan_store::import::REPORT_LIMIT)]
        report_rows: usize,
        /// Checks everything and writes nothing.
        #[arg(long)]
        dry_run: bool,
        /// Writes nothing unless every row is good.
        #[arg(long)]
        all_or_nothing: bool,
        /// Imports a file that was imported to its end before once more (by default the same
        /// file is refused; one cut off in the middle goes on after its last stored row).
        #[arg(long)]
        again: bool,
        /// How many refused rows and warnings to print (all are in --report).
        #[arg(long, default_value_t = 20)]
        show: usize,
    },
    /// Supervision analytics: bring the columnar mirror up to date and compute.
    Analytics {
        /// What to do.
        #[command(subcommand)]
        action: AnalyticsAction,
    },
    /// Trace where a recalled product went: every seller, region, customer type and quantity,
    /// tier by tier, with the gaps (shipments never claimed, sales without a region).
    #[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["gtin", "batch", "serial", "code"])))]
    Recall {
        /// The GTIN (alone: every batch and unit of it; with --batch or --serial: narrows them).
        #[arg(long)]
        gtin: Option<String>,
        /// A batch/lot.
        #[arg(long, conflicts_with_all = ["serial", "code"])]
        batch: Option<String>,
        /// A unit's serial.
        #[arg(long, conflicts_with = "code")]
        serial: Option<String>,
        /// A trace code in any form (GS1 element string, Digital Link, ...).
        #[arg(long, conflicts_with = "gtin")]
        code: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RecallFormat::Table)]
        format: RecallFormat,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Export events.
    Export {
        /// The format.
        #[command(subcommand)]
        format: ExportFormat,
    },
}

/// `suyuan analytics` actions.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum AnalyticsAction {
    /// Append the events recorded since the last run to the mirror, then compute the months
    /// that changed.
    Run,
    /// Rebuild the mirror from scratch (into a new directory, swapped in at the end), then
    /// compute everything.
    Rebuild,
}

/// Output formats of `suyuan recall`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecallFormat {
    /// A plain-text table.
    Table,
    /// CSV (UTF-8 with BOM, so Excel reads the Chinese headers), columns as in the XLSX.
    Csv,
    /// An XLSX workbook: one sortable sheet with the data elements as columns, and a summary
    /// (needs --out).
    Xlsx,
}

/// Migration actions.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MigrateAction {
    /// Apply pending migrations.
    Up,
    /// Roll back the last `--steps` migrations.
    Down,
    /// Show applied and pending migrations.
    Status,
}

/// What `suyuan import` reads.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportKindArg {
    /// Receipts (进货): one row, one receipt.
    Receipts,
    /// Offline and B2B sales (销售): one row, one sale.
    Sales,
}

/// What `suyuan account` does.
#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// Create a person's account and queue the invitation mail (a single-use link, valid 7
    /// days, that sets the password); name exactly one of --seller, --supervisor, --operator,
    /// --admin.
    Invite {
        /// The person's e-mail address.
        #[arg(long)]
        email: String,
        /// The seller (`sel_…`) the account signs in as.
        #[arg(long)]
        seller: Option<String>,
        /// The supervisor (`sup_…`) the account signs in as.
        #[arg(long)]
        supervisor: Option<String>,
        /// The operator (`opr_…`) the account signs in as.
        #[arg(long)]
        operator: Option<String>,
        /// The admin id (`adm_…`, or `new`) the account signs in as.
        #[arg(long)]
        admin: Option<String>,
    },
}

/// Roles for `suyuan token`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// A seller.
    Seller,
    /// A marketplace operator.
    Operator,
    /// A supervisor (needs --jurisdiction).
    Supervisor,
    /// An administrator.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Seller => Role::Seller,
            RoleArg::Operator => Role::Operator,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// Export formats.
#[derive(Debug, Subcommand)]
pub enum ExportFormat {
    /// An EPCIS 2.0 JSON-LD document.
    Epcis {
        /// Only this seller's events (default: all).
        #[arg(long)]
        seller: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(Some(&cli.config)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command.
pub async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { demo } => serve(config, demo).await,
        Command::Migrate { action, steps } => migrate(config, action, steps).await,
        Command::Token {
            role,
            subject,
            jurisdiction,
            ttl,
        } => {
            let secrets = resolve_secrets(&config, SecretsFor::Command)?;
            let ttl = match ttl {
                Some(t) => {
                    crate::config::parse_duration(&t).map_err(|e| anyhow::anyhow!("--ttl: {e}"))?
                }
                None => config.token_ttl,
            };
            let subject = if subject == "new" && matches!(role, RoleArg::Admin) {
                suyuan_core::ids::AdminId::generate().to_string()
            } else {
                subject
            };
            let token = suyuan_web::auth::Tokens::new(secrets.jwt.expose().as_bytes()).mint(
                role.into(),
                &subject,
                jurisdiction.as_deref(),
                ttl,
            )?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Account {
            action:
                AccountAction::Invite {
                    email,
                    seller,
                    supervisor,
                    operator,
                    admin,
                },
        } => invite(&config, &email, seller, supervisor, operator, admin).await,
        Command::Analytics { action } => crate::analytics::command(&config, action).await,
        Command::Recall {
            gtin,
            batch,
            serial,
            code,
            format,
            out,
        } => {
            use suyuan_core::recall::Selector;
            let selector = match (gtin.as_deref(), batch, serial, code) {
                (g, Some(b), _, _) => Selector::batch(g, &b),
                (g, None, Some(s), _) => Selector::serial(g, &s),
                (_, None, None, Some(c)) => Selector::code(&c),
                (Some(g), None, None, None) => Selector::gtin(g),
                (None, None, None, None) => {
                    bail!("name what to recall: --gtin, --batch, --serial or --code")
                }
            }
            .map_err(|e| anyhow::anyhow!("--{e}"))?;
            if format == RecallFormat::Xlsx && out.is_none() {
                bail!("--format xlsx writes a workbook: give --out FILE.xlsx");
            }
            let db = open_database(&config).await?;
            let flow = suyuan_store::recall_trace::trace(&db, &selector, None).await?;
            let mut bytes = Vec::new();
            match format {
                RecallFormat::Csv => suyuan_plugin_api::recall_export::csv(&flow, &mut bytes)?,
                RecallFormat::Table => suyuan_plugin_api::recall_export::table(&flow, &mut bytes)?,
                RecallFormat::Xlsx => bytes = suyuan_plugin_api::recall_export::xlsx(&flow)?,
            }
            match out {
                Some(path) => std::fs::write(&path, &bytes)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => {
                    use std::io::Write as _;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Purge { before } => purge(&config, before.as_deref(), chrono::Utc::now()).await,
        Command::Verify => {
            let db = open_database(&config).await?;
            let key = resolve_secrets(&config, SecretsFor::Command)
                .ok()
                .map(|s| CheckpointKey::derive(&s.key));
            if key.is_none() {
                eprintln!(
                    "note: SUYUAN_SECRET_KEY is not set: checkpoint signatures are not checked"
                );
            }
            let catalogue = load_catalogue(&config)?;
            let report = ledger::verify_against(&db, key.as_ref(), &catalogue).await?;
            if report.breaks.is_empty() {
                println!(
                    "ok: {} events in {} seller chains verified ({} from a signed checkpoint)",
                    report.events, report.sellers, report.checkpoints
                );
                Ok(ExitCode::SUCCESS)
            } else {
                for b in &report.breaks {
                    match &b.column {
                        Some(column) => println!(
                            "ALTERED seller {} event {} (#{}) column {column}: {}",
                            b.seller_id, b.event_id, b.seq, b.reason
                        ),
                        None => println!(
                            "BROKEN seller {} at event {} (#{}): {}",
                            b.seller_id, b.event_id, b.seq, b.reason
                        ),
                    }
                }
                let chains = report.breaks.iter().filter(|b| b.column.is_none()).count();
                let columns = report.breaks.len() - chains;
                println!(
                    "{chains} of {} seller chains broken, {columns} altered columns ({} events checked)",
                    report.sellers, report.events
                );
                Ok(ExitCode::from(1))
            }
        }
        Command::Import {
            kind,
            file,
            seller,
            map,
            report,
            report_rows,
            dry_run,
            all_or_nothing,
            again,
            show,
        } => {
            let seller = SellerId::parse(&seller).map_err(|e| anyhow::anyhow!("--seller: {e}"))?;
            let file_path = file;
            let file = std::fs::File::open(&file_path)
                .with_context(|| format!("reading {}", file_path.display()))?;
            let db = open_database(&config).await?;
            let catalogue = load_catalogue(&config)?;
            let request = suyuan_plugin_api::import::ImportRequest {
                kind: match kind {
                    ImportKindArg::Receipts => suyuan_store::import::ImportKind::Receipts,
                    ImportKindArg::Sales => suyuan_store::import::ImportKind::Sales,
                },
                file,
                mapping: map,
                options: suyuan_store::import::ImportOptions {
                    dry_run,
                    all_or_nothing,
                    again,
                },
                transfer_terms: suyuan_store::transfers::TransferTerms {
                    contact_email: None,
                    valid_for: chrono::Duration::from_std(config.transfer_ttl)
                        .context("SUYUAN_TRANSFER_TTL: too long")?,
                    sealing_key: config.secret_key.clone(),
                },
                max_backdate: chrono::Duration::from_std(config.max_backdate)
                    .context("SUYUAN_MAX_BACKDATE: too long")?,
                report_limit: report_rows,
            };
            crate::import_command::run(&db, catalogue, &seller, request, report.as_deref(), show)
                .await
        }
        Command::Export {
            format: ExportFormat::Epcis { seller, output },
        } => {
            let scope = match seller {
                Some(s) => EventScope::Seller(
                    SellerId::parse(&s).map_err(|e| anyhow::anyhow!("--seller: {e}"))?,
                ),
                None => EventScope::All,
            };
            let db = open_database(&config).await?;
            let events = ledger::events_in_scope(&db, &scope, None).await?;
            let n = events.len();
            let doc = suyuan_core::epcis::EpcisDocument::new(
                events.into_iter().map(|e| e.event).collect(),
                chrono::Utc::now(),
            );
            let text = serde_json::to_string_pretty(&doc.to_json())?;
            match output {
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {n} events to {}", path.display());
                }
                None => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `suyuan purge`: the cut-off is `--before`, or `now` minus the retention; one inside the
/// retention period is refused.
async fn purge(
    config: &Config,
    before: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<ExitCode> {
    let retention = chrono::Duration::from_std(config.retention)
        .map_err(|_| anyhow::anyhow!("SUYUAN_RETENTION: too long"))?;
    let latest = now - retention;
    let before = match before {
        None => latest,
        Some(text) => {
            let at = chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&chrono::Utc))
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
                })
                .map_err(|_| {
                    anyhow::anyhow!(
                        "--before: `{text}` is not a date like 2023-12-01 or an RFC 3339 time"
                    )
                })?;
            if at > latest {
                anyhow::bail!(
                    "--before: {text} is inside the retention period (SUYUAN_RETENTION); records \
                     recorded after {} must be kept",
                    latest.to_rfc3339()
                );
            }
            at
        }
    };
    let secrets = resolve_secrets(config, SecretsFor::Command)?;
    let key = CheckpointKey::derive(&secrets.key);
    let db = open_database(config).await?;
    let report = ledger::purge_before(&db, &key, before, now).await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if report.refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn migrate(config: Config, action: MigrateAction, steps: u32) -> anyhow::Result<ExitCode> {
    let db = suyuan_store::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open {}", redact_url(&config.database_url)))?;
    match action {
        MigrateAction::Up => {
            suyuan_migrations::Migrator::up(&db, None).await?;
            println!("database is up to date");
        }
        MigrateAction::Down => {
            suyuan_migrations::Migrator::down(&db, Some(steps)).await?;
            println!("rolled back {steps} migration(s)");
        }
        MigrateAction::Status => {
            for m in suyuan_migrations::Migrator::get_applied_migrations(&db).await? {
                println!("applied  {}", m.name());
            }
            for m in suyuan_migrations::Migrator::get_pending_migrations(&db).await? {
                println!("pending  {}", m.name());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The secrets a process runs with.
pub struct Secrets {
    /// JWT signing secret.
    pub jwt: Secret,
    /// Secrets-at-rest key.
    pub key: SecretKey,
    /// Where generated demo secrets were written, if they were just generated.
    pub generated_at: Option<PathBuf>,
}

/// The demo secrets file, beside the SQLite database (or in the working directory).
pub fn demo_secrets_path(config: &Config) -> PathBuf {
    let dir = sqlite_path(&config.database_url)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    dir.join("suyuan.secrets.toml")
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path.starts_with(":memory:") {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

#[derive(serde::Deserialize, serde::Serialize)]
struct SecretsFile {
    jwt_secret: String,
    secret_key: String,
}

/// Which process asks for secrets, and so whether the demo secrets file may supply them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretsFor {
    /// `serve --demo`: the demo file supplies what is not configured, generated if missing.
    DemoServer,
    /// Plain `serve`: only configured secrets. A demo file left beside the database is ignored,
    /// so a production server never runs on keys generated for a demo.
    Server,
    /// A one-off command (`token`): the demo file may supply what is not configured, so tokens
    /// for a demo installation can be minted.
    Command,
}

/// Resolves secrets: configuration first, then (not for plain `serve`) the demo secrets file;
/// for `serve --demo`, missing ones are generated and written to that file (mode 0600).
pub fn resolve_secrets(config: &Config, purpose: SecretsFor) -> anyhow::Result<Secrets> {
    let demo = purpose == SecretsFor::DemoServer;
    let path = demo_secrets_path(config);
    if purpose == SecretsFor::Server && (config.jwt_secret.is_none() || config.secret_key.is_none())
    {
        let ignored = if path.exists() {
            format!(
                " ({} holds demo secrets; plain `serve` does not use them)",
                path.display()
            )
        } else {
            String::new()
        };
        bail!(
            "{} is not set: set SUYUAN_JWT_SECRET to a random string of at least 32 bytes and \
             SUYUAN_SECRET_KEY to 32 random bytes in base64, or run `suyuan serve --demo`{ignored}",
            if config.jwt_secret.is_none() {
                "SUYUAN_JWT_SECRET"
            } else {
                "SUYUAN_SECRET_KEY"
            }
        );
    }
    let file: Option<SecretsFile> = if purpose != SecretsFor::Server && path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Some(
            toml::from_str(&text)
                .with_context(|| format!("{} is not a valid secrets file", path.display()))?,
        )
    } else {
        None
    };
    let mut generated_at = None;
    let file = match file {
        Some(f) => Some(f),
        None if demo && (config.jwt_secret.is_none() || config.secret_key.is_none()) => {
            let mut raw = [0u8; 48];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw);
            let f = SecretsFile {
                jwt_secret: base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    raw,
                ),
                secret_key: SecretKey::generate().to_base64(),
            };
            write_private(&path, &toml::to_string(&f)?)?;
            generated_at = Some(path.clone());
            Some(f)
        }
        None => None,
    };
    let jwt = match (&config.jwt_secret, &file) {
        (Some(s), _) => s.clone(),
        (None, Some(f)) => Secret::new(f.jwt_secret.clone()),
        (None, None) => bail!(
            "SUYUAN_JWT_SECRET is not set: set it to a random string of at least 32 bytes, \
             or run `suyuan serve --demo` to generate demo secrets"
        ),
    };
    let key = match (&config.secret_key, &file) {
        (Some(k), _) => k.clone(),
        (None, Some(f)) => SecretKey::from_base64(&f.secret_key)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        (None, None) => bail!(
            "SUYUAN_SECRET_KEY is not set: set it to 32 random bytes in base64 (e.g. `openssl rand -base64 32`), \
             or run `suyuan serve --demo`"
        ),
    };
    Ok(Secrets {
        jwt,
        key,
        generated_at,
    })
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// `suyuan account invite`.
async fn invite(
    config: &Config,
    email: &str,
    seller: Option<String>,
    supervisor: Option<String>,
    operator: Option<String>,
    admin: Option<String>,
) -> anyhow::Result<ExitCode> {
    let address =
        suyuan_core::accounts::Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let (role, flag, subject) = match (seller, supervisor, operator, admin) {
        (Some(s), None, None, None) => (Role::Seller, "--seller", s),
        (None, Some(s), None, None) => (Role::Supervisor, "--supervisor", s),
        (None, None, Some(s), None) => (Role::Operator, "--operator", s),
        (None, None, None, Some(s)) => (
            Role::Admin,
            "--admin",
            if s == "new" {
                suyuan_core::ids::AdminId::generate().to_string()
            } else {
                s
            },
        ),
        _ => bail!(
            "name whom the account signs in as: one of --seller, --supervisor, --operator, --admin"
        ),
    };
    let secrets = resolve_secrets(config, SecretsFor::Command)?;
    let db = open_database(config).await?;
    let principal = suyuan_store::accounts::subject_principal(&db, role, &subject)
        .await
        .map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
    let account =
        suyuan_store::accounts::invite(&db, &secrets.key, &address, &principal, chrono::Utc::now())
            .await
            .map_err(|e| match e {
                suyuan_store::StoreError::Duplicate { .. } => {
                    anyhow::anyhow!("--email: {address} already has an account")
                }
                e => e.into(),
            })?;
    println!(
        "invited {} ({} {}) as {}; the invitation mail is queued{}",
        account.email,
        role.as_str(),
        principal.subject(),
        account.id,
        if config.smtp_url.is_some() {
            ""
        } else {
            " (SUYUAN_SMTP_URL is not set: it goes out once it is)"
        }
    );
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<ExitCode> {
    let secrets = resolve_secrets(
        &config,
        if demo {
            SecretsFor::DemoServer
        } else {
            SecretsFor::Server
        },
    )?;
    if let Some(path) = &secrets.generated_at {
        println!(
            "No SUYUAN_JWT_SECRET/SUYUAN_SECRET_KEY configured: generated demo secrets in {}",
            path.display()
        );
    }
    let db = open_database(&config).await?;
    let catalogue = load_catalogue(&config)?;
    // The learned title model is trained on first use (a fraction of a second in a release
    // build): the server trains it now, beside start-up, so no listing waits for it.
    std::thread::spawn(|| {
        suyuan_core::catalogue::TitleModel::builtin();
    });
    let listener = TcpListener::bind(config.bind)
        .with_context(|| format!("SUYUAN_BIND: cannot listen on {}", config.bind))?;
    let tokens = suyuan_web::auth::Tokens::new(secrets.jwt.expose().as_bytes());
    let mut demo_accounts = Vec::new();
    if demo {
        let settings = crate::analytics::RunSettings::of(&config);
        let prepared = crate::demo::prepare(&db, &catalogue, &secrets.key, &settings).await?;
        crate::demo::print_banner(&config, &prepared.parties, &tokens)?;
        crate::demo::print_accounts(&config, &prepared.accounts);
        match &prepared.analytics {
            Ok(Some(s)) => println!(
                "  监管分析 Analytics: {} scores, {} timeliness rows, {} overdue records, {} alerts raised (in {})\n",
                s.saved.scores,
                s.saved.timeliness,
                s.saved.overdue,
                s.saved.alerts.raised.len(),
                config.analytics_dir.display()
            ),
            Ok(None) => {}
            Err(e) => eprintln!("warning: the demo's first analytics run failed: {e:#}"),
        }
        demo_accounts = prepared.accounts;
    }
    let app = Application::build_with_demo(
        &config,
        Resolved {
            db,
            jwt_secret: secrets.jwt.expose().as_bytes().to_vec(),
            secret_key: secrets.key,
            catalogue,
        },
        listener,
        demo_accounts,
    )?;
    tracing::info!(bind = %config.bind, database = %redact_url(&config.database_url), "suyuan listening");
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}
