//! E-mail behind a transport enum (SMTP in production, nothing when unconfigured), and the
//! periodic task that reminds buyers of unclaimed B2B transfers and expires old ones.
//!
//! Without `SUYUAN_SMTP_URL` a reminder is still recorded on the transfer (count and time), so
//! the buyer sees it in the app's incoming list; with it, the reminder also goes by e-mail to the
//! contact address given at sale time, with the claim link, in Chinese first. Each e-mail is a
//! durable job of the mail queue ([`suyuan_store::queue::mail`]), queued with the reminder in one
//! transaction: one the relay does not take is retried with backoff in later rounds, and
//! dead-lettered after [`MAIL_RETRY`]'s budget (at once when the relay refuses it for good).

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use std::time::Duration;
use suyuan_core::retry::{Backoff, RetryPolicy};
use suyuan_core::secrets::SecretKey;
use suyuan_store::entity::mail_job;
use suyuan_store::queue::Failed;
use suyuan_store::queue::mail::{self as outbox, Reminded};
use suyuan_store::transfers::{self, ReminderSchedule, Transfer};
use suyuan_store::{DatabaseConnection, StoreError};

/// Retries of an e-mail the relay did not take: about 1, 2, 4 … minutes apart (with jitter, and
/// no sooner than the next reminder round), at most an hour; six attempts in all.
pub const MAIL_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 6,
    backoff: Backoff {
        base: Duration::from_secs(120),
        max: Duration::from_secs(3600),
    },
};
/// How long a claim holds an e-mail (many sends at the relay's longest timeout).
const MAIL_LEASE: chrono::Duration = chrono::Duration::minutes(15);
/// E-mails one claim takes, and claims one round makes at most.
const MAIL_BATCH: u64 = 20;
const MAIL_CLAIMS: usize = 10;

/// Why a message did not go out.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// It never will: a malformed address, a message that cannot be built, a relay's permanent
    /// (5xx) refusal.
    #[error("{0}")]
    Permanent(String),
    /// It may another time: the relay unreachable, busy or failing for now.
    #[error("{0}")]
    Transient(String),
}

/// How e-mail leaves the service.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP relay.
    Smtp {
        /// The transport (pooled connections).
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        /// The `From` address.
        from: Mailbox,
    },
    /// No e-mail configured: messages are not sent.
    Disabled,
}

impl Mailer {
    /// A mailer for `smtp_url` (or [`Mailer::Disabled`] without one) sending from `from`.
    pub fn new(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Mailer> {
        let Some(url) = smtp_url else {
            return Ok(Mailer::Disabled);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("SUYUAN_SMTP_URL")?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let transport = Box::new(transport);
        let from = from.parse().context("SUYUAN_MAIL_FROM")?;
        Ok(Mailer::Smtp { transport, from })
    }

    /// Whether messages actually go out.
    pub fn is_enabled(&self) -> bool {
        matches!(self, Mailer::Smtp { .. })
    }

    /// Sends a plain-text message; `Ok(false)` when e-mail is disabled.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<bool, MailError> {
        let Mailer::Smtp { transport, from } = self else {
            return Ok(false);
        };
        let to: Mailbox = to
            .parse()
            .map_err(|e| MailError::Permanent(format!("recipient address: {e}")))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Permanent(format!("building the message: {e}")))?;
        transport.send(message).await.map_err(|e| {
            let reason = format!("SMTP delivery: {e}");
            if e.is_permanent() {
                MailError::Permanent(reason)
            } else {
                MailError::Transient(reason)
            }
        })?;
        Ok(true)
    }
}

/// The claim URL of a token.
pub fn claim_url(public_url: &str, token: &str) -> String {
    suyuan_web::links::claim_url(public_url, token)
}

/// Settings of the reminder task.
#[derive(Clone, Debug)]
pub struct ReminderSettings {
    /// Where links point.
    pub public_url: String,
    /// When reminders are due.
    pub schedule: ReminderSchedule,
    /// How often the task looks.
    pub interval: Duration,
    /// Opens the sealed claim tokens.
    pub secret_key: SecretKey,
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Transfers marked expired.
    pub expired: u64,
    /// Reminders recorded.
    pub reminded: u64,
    /// Reminder e-mails sent (this round's, and earlier ones retried).
    pub emailed: u64,
    /// E-mail attempts that failed (each is retried later, until its budget is spent; the
    /// reminder stays recorded either way).
    pub failed: u64,
}

fn reminder_text(t: &Transfer, link: &str) -> (String, String) {
    let subject = format!(
        "【溯源】{} 发来的货品待您确认收货 / Goods from {} await your receipt",
        t.sender.name, t.sender.name
    );
    let goods = t.row.product_name.clone().unwrap_or_else(|| "货品".into());
    let body = format!(
        "{buyer}：\n\n{sender}（统一社会信用代码 {sender_cc}）已于 {date} 向贵司发出 {goods}，共 {n} 项{voucher}。\n\
请打开以下链接确认收货，货品信息将自动填入进货查验记录（{expires} 前有效）：\n{link}\n\n\
{sender} shipped {goods_en} to you on {date} ({n} items{voucher_en}). Open the link above to claim them; \
your receipt is pre-filled. The link is valid until {expires}.\n",
        buyer = t.row.buyer_name,
        sender = t.sender.name,
        sender_cc = t.sender.credit_code,
        date = t.row.sold_at.format("%Y-%m-%d"),
        goods = goods,
        goods_en = t.row.product_name.as_deref().unwrap_or("goods"),
        n = t.items.len(),
        voucher = t
            .row
            .voucher_number
            .as_deref()
            .map(|v| format!("，单号 {v}"))
            .unwrap_or_default(),
        voucher_en = t
            .row
            .voucher_number
            .as_deref()
            .map(|v| format!(", voucher {v}"))
            .unwrap_or_default(),
        expires = t.row.expires_at.format("%Y-%m-%d"),
    );
    (subject, body)
}

/// One round: expires transfers past their time, records due reminders (queuing their e-mails
/// when e-mail is configured and the buyer gave an address), then sends the e-mails due.
pub async fn remind_and_expire(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<RoundReport> {
    let mut report = RoundReport {
        expired: transfers::expire_due(db, now).await?,
        ..Default::default()
    };
    let due = transfers::due_reminders(db, now, settings.schedule, 200).await?;
    for t in due {
        let email = mailer.is_enabled() && t.row.contact_email.is_some();
        match outbox::record_reminder(db, &t, now, email).await? {
            Reminded::Already => {}
            Reminded::InApp | Reminded::Queued => report.reminded += 1,
        }
    }
    if mailer.is_enabled() {
        send_due(db, mailer, settings, now, &mut report).await?;
    }
    Ok(report)
}

/// Sends the e-mails due, on the round's clock (`now`, moved on by the time spent sending).
async fn send_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
    report: &mut RoundReport,
) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let clock = || now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    for _ in 0..MAIL_CLAIMS {
        let jobs = outbox::claim(db, clock(), MAIL_BATCH, MAIL_LEASE).await?;
        if jobs.is_empty() {
            break;
        }
        for job in jobs {
            let (reason, policy) = match write_and_send(db, mailer, settings, &job, clock()).await?
            {
                Attempt::Sent => {
                    if outbox::sent(db, &job, clock()).await? {
                        report.emailed += 1;
                    }
                    continue;
                }
                Attempt::Skipped(why) => {
                    outbox::skipped(db, &job, clock(), &why).await?;
                    continue;
                }
                Attempt::Failed(MailError::Permanent(reason)) => (reason, None),
                Attempt::Failed(MailError::Transient(reason)) => (reason, Some(&MAIL_RETRY)),
            };
            report.failed += 1;
            let failed = outbox::failed(db, &job, clock(), &reason, policy).await?;
            tracing::warn!(mail_id = job.id, attempts = job.attempts, dead = failed == Failed::Dead, error = %reason, "reminder e-mail failed");
        }
    }
    Ok(())
}

/// What became of one e-mail.
enum Attempt {
    /// The relay took it.
    Sent,
    /// Nothing left to say, and why.
    Skipped(String),
    /// It did not go out.
    Failed(MailError),
}

/// Writes a claimed reminder from its transfer as it is now and sends it. A reminder with
/// nothing left to say (the transfer was claimed, cancelled or expired meanwhile) is skipped.
async fn write_and_send(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &ReminderSettings,
    job: &mail_job::Model,
    now: DateTime<Utc>,
) -> Result<Attempt, StoreError> {
    let t = match outbox::transfer_of(db, job).await {
        Ok(t) => t,
        Err(e @ (StoreError::NotFound(_) | StoreError::Corrupt(_))) => {
            return Ok(Attempt::Failed(MailError::Permanent(e.to_string())));
        }
        Err(e) => return Err(e),
    };
    let state = t.status_at(now);
    let (true, Some(to)) = (state == "pending", t.row.contact_email.as_deref()) else {
        return Ok(Attempt::Skipped(format!(
            "not sent: the transfer is {state}"
        )));
    };
    let link = match transfers::token_of(&t, &settings.secret_key) {
        Some(token) => claim_url(&settings.public_url, &token),
        // Sealed since the first release; a transfer without it gets the service's address.
        None => settings.public_url.clone(),
    };
    let (subject, body) = reminder_text(&t, &link);
    Ok(match mailer.send(to, &subject, body).await {
        Ok(true) => Attempt::Sent,
        Ok(false) => Attempt::Failed(MailError::Transient("e-mail is not configured".into())),
        Err(e) => Attempt::Failed(e),
    })
}

/// Runs [`remind_and_expire`] every `settings.interval` in the background.
pub fn spawn_reminders(db: DatabaseConnection, mailer: Mailer, settings: ReminderSettings) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(settings.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match remind_and_expire(&db, &mailer, &settings, Utc::now()).await {
                Ok(r) if r != RoundReport::default() => {
                    tracing::info!(
                        expired = r.expired,
                        reminded = r.reminded,
                        emailed = r.emailed,
                        failed = r.failed,
                        "transfer reminders"
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "transfer reminder round failed")
                }
            }
        }
    });
}
