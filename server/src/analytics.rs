//! Analytics runs: `suyuan analytics run|rebuild` and the service's periodic run. A run takes
//! the `analytics` lease (one instance at a time across several), brings the columnar mirror up
//! to date from the store (or rebuilds it), then computes from the mirror.

use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::process::ExitCode;
use suyuan_analytics::config::AnalyticsConfig;
use suyuan_analytics::mirror::{Mirror, RunReport};
use suyuan_analytics::run::{Inputs, Outputs, compute};
use suyuan_store::Db;
use suyuan_store::analytics::ReconcileOutcome;
use suyuan_store::analytics_export::{release_lease, try_lease};

/// The lease's name.
const LEASE: &str = "analytics";
/// How long a run may hold the lease before another instance may take it over.
const LEASE_TTL_MINUTES: i64 = 60;

/// Where and how a run works.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// Where mail links point.
    pub public_url: String,
    /// The mirror's root.
    pub dir: PathBuf,
    /// Events recorded less than this long ago wait for the next run.
    pub settle: std::time::Duration,
    /// Weights and thresholds.
    pub config: AnalyticsConfig,
}

impl RunSettings {
    /// The settings of the service's configuration.
    pub fn of(config: &crate::config::Config) -> RunSettings {
        RunSettings {
            public_url: config.public_url.clone(),
            dir: config.analytics_dir.clone(),
            settle: config.analytics_settle,
            config: config.analytics_config.clone(),
        }
    }
}

/// What one run did.
#[derive(Debug)]
pub struct RunSummary {
    /// The mirror's part of the run.
    pub mirror: RunReport,
    /// What the computations answered.
    pub outputs: Outputs,
    /// The supervision results saved (scores, timeliness, overdue records) and what changed among
    /// the alerts.
    pub saved: SavedResults,
}

/// What a run saved for pages and the API.
#[derive(Debug, Default)]
pub struct SavedResults {
    /// Score rows (seller and month).
    pub scores: usize,
    /// Timeliness rows (seller, week and dimension).
    pub timeliness: usize,
    /// Records overdue now.
    pub overdue: usize,
    /// Alerts raised, reopened, kept and resolved by the run.
    pub alerts: ReconcileOutcome,
    /// Mails queued for the critical alerts raised or reopened.
    pub alert_mails: u64,
}

/// Runs analytics once at `now`: appends to the mirror (or rebuilds it), then computes the
/// months that changed (every month after a rebuild), saves the supervision results and queues
/// the mail of each critical alert raised (links pointing at `public_url`). Answers `None` when
/// another instance holds the lease.
pub async fn run_once(
    db: &Db,
    settings: &RunSettings,
    now: DateTime<Utc>,
    rebuild: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Option<RunSummary>> {
    let holder = format!("{}:{}", std::process::id(), ulid::Ulid::new());
    let ttl = chrono::Duration::minutes(LEASE_TTL_MINUTES);
    if !try_lease(db, LEASE, &holder, now, ttl).await? {
        return Ok(None);
    }
    let result = run_holding_lease(db, settings, now, rebuild, progress).await;
    release_lease(db, LEASE, &holder).await?;
    result.map(Some)
}

async fn run_holding_lease(
    db: &Db,
    settings: &RunSettings,
    now: DateTime<Utc>,
    rebuild: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<RunSummary> {
    let settle = chrono::Duration::from_std(settings.settle)?;
    let mirror = Mirror::open(&settings.dir)?;
    let report = if rebuild {
        mirror.rebuild_from_store(db, now, settle, progress).await?
    } else {
        mirror.append_from_store(db, now, settle, progress).await?
    };
    let months = if rebuild {
        Default::default()
    } else {
        report.touched_months.clone()
    };
    let outputs = if !rebuild && months.is_empty() {
        Vec::new()
    } else {
        let mirror = mirror.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<Outputs> {
            let inputs = Inputs::from_mirror(&mirror, months)?;
            Ok(compute(&inputs, now)?)
        })
        .await??
    };
    // The supervision results are computed on the whole mirror each run: the snapshots change
    // without new events (a transfer claimed, a deadline passed), and alerts are reconciled with
    // every cause found now.
    let results = {
        let mirror = mirror.clone();
        let config = settings.config.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let frames = suyuan_analytics::Frames::from_mirror(&mirror)?;
            let results = suyuan_analytics::compute(&frames, now, &config)?;
            let steps: Vec<String> = results
                .steps
                .iter()
                .map(|(name, took)| format!("{name} {} ms", took.as_millis()))
                .collect();
            tracing::info!(steps = steps.join(", "), "analytics computed");
            Ok(results.to_records()?)
        })
        .await??
    };
    let alerts = suyuan_store::analytics::save_results(db, &results, now).await?;
    let alert_mails = suyuan_plugin_api::mail::notices::queue_critical_alerts(
        db,
        &alerts.critical,
        &settings.public_url,
        now,
    )
    .await?;
    Ok(RunSummary {
        mirror: report,
        outputs,
        saved: SavedResults {
            scores: results.scores.len(),
            timeliness: results.timeliness.len(),
            overdue: results.overdue.len(),
            alerts,
            alert_mails,
        },
    })
}

/// Runs analytics every `interval` in the background (the first run one interval after start).
pub fn spawn_periodic(db: Db, settings: RunSettings, interval: std::time::Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(interval);
        every.tick().await;
        loop {
            every.tick().await;
            match run_once(&db, &settings, Utc::now(), false, &|_| {}).await {
                Ok(Some(s)) => tracing::info!(
                    events_added = s.mirror.events_added,
                    months = s.mirror.touched_months.len(),
                    "analytics run"
                ),
                Ok(None) => {
                    tracing::debug!("analytics run skipped: another instance holds the lease")
                }
                Err(e) => tracing::error!(error = format!("{e:#}"), "analytics run failed"),
            }
        }
    });
}

/// `suyuan analytics run|rebuild`: one run with a progress bar; exit 75 when another instance
/// holds the lease.
pub async fn command(
    config: &crate::config::Config,
    action: crate::cli::AnalyticsAction,
) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal as _;
    let db = crate::startup::open_database(config).await?;
    let rebuild = matches!(action, crate::cli::AnalyticsAction::Rebuild);
    let bar = indicatif::ProgressBar::new_spinner();
    if std::io::stderr().is_terminal() {
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} 镜像 mirroring [{elapsed_precise}] {pos} events ({per_sec})",
        ) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let progress = |n: u64| bar.set_position(n);
    let started = std::time::Instant::now();
    let summary = run_once(
        &db,
        &RunSettings::of(config),
        chrono::Utc::now(),
        rebuild,
        &progress,
    )
    .await?;
    bar.finish_and_clear();
    let Some(summary) = summary else {
        eprintln!(
            "另一个实例正在运行分析 / another instance is running analytics: try again later"
        );
        return Ok(ExitCode::from(75));
    };
    let m = &summary.mirror;
    println!(
        "{}: {} events added ({} codes), {} in the mirror, months {:?}, {} stray parts removed, {:.1} s",
        if rebuild { "rebuilt" } else { "appended" },
        m.events_added,
        m.codes_added,
        m.event_rows,
        m.touched_months,
        m.strays_removed,
        started.elapsed().as_secs_f64()
    );
    for (name, frame) in &summary.outputs {
        println!("{name}: {} rows", frame.height());
    }
    let r = &summary.saved;
    println!(
        "保存 saved: {} scores, {} timeliness rows, {} overdue records; alerts: {} raised, {} reopened, {} kept, {} resolved ({} critical)",
        r.scores,
        r.timeliness,
        r.overdue,
        r.alerts.raised.len(),
        r.alerts.reopened.len(),
        r.alerts.kept,
        r.alerts.resolved.len(),
        r.alerts.critical.len()
    );
    if r.alert_mails > 0 {
        println!("邮件 mail: {} critical alert mails queued", r.alert_mails);
    }
    Ok(ExitCode::SUCCESS)
}
