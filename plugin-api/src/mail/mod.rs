//! E-mail behind a transport enum (SMTP in production, nothing when unconfigured), and the
//! periodic mail task: it reminds buyers of unclaimed B2B transfers and expires old ones, queues
//! each seller's daily digest and each supervisor's weekly digest once per period, and sends what
//! the mail queue holds (alert and recall mails too, queued by [`queue_alert`] and
//! [`queue_recall`]).
//!
//! Alert, recall and digest mails ([`message`]) are HTML with a plain-text part (a
//! `multipart/alternative` inside a `multipart/related` that also holds the score-trend chart as
//! an inline PNG, [`chart`]), Chinese first with the English after it. Each carries a stable
//! `Message-ID` (`<kind.job-id@sender-domain>`), and, when the recipient may turn its topic off,
//! RFC 8058's `List-Unsubscribe` (a signed link, [`suyuan_core::mail`]) and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
//!
//! Delivery is at least once: a mail is marked sent after the relay took it, so a worker that
//! dies between the two sends it again when its lease runs out, with the same `Message-ID` (mail
//! clients show one). An outage of the relay only delays mail: each attempt that fails is retried
//! with [`MAIL_RETRY`]'s backoff, and the relay never sees a mail twice otherwise.
//!
//! Without `SUYUAN_SMTP_URL` a reminder is still recorded on the transfer (count and time), so
//! the buyer sees it in the app's incoming list; with it, the reminder also goes by e-mail to the
//! contact address given at sale time, with the claim link, in Chinese first. Each e-mail is a
//! durable job of the mail queue ([`suyuan_store::queue::mail`]), queued with the reminder in one
//! transaction: one the relay does not take is retried with backoff in later rounds, and
//! dead-lettered after [`MAIL_RETRY`]'s budget (at once when the relay refuses it for good).

pub mod chart;
pub mod message;
pub mod notices;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use message::{AlertMail, DigestMail, RecallMail, Rendered, Severity};
use std::sync::Arc;
use std::time::Duration;
use suyuan_core::mail::{self as rules, DigestPeriod, Topic};
use suyuan_core::retry::{Backoff, RetryPolicy};
use suyuan_core::secrets::SecretKey;
use suyuan_store::entity::mail_job;
use suyuan_store::mail_recipients;
use suyuan_store::queue::mail::{self as outbox, Reminded};
use suyuan_store::queue::{Failed, Heartbeat, Job};
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
/// How long a claim holds an e-mail without renewal, unless configured ([`MailSettings::lease`]):
/// the worker renews the leases of the e-mails it holds every quarter of it while it sends, so a
/// dead worker's e-mails go out again this long after it died, however slow the relay is.
pub const MAIL_LEASE: chrono::Duration = chrono::Duration::minutes(1);
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

    /// A stable `Message-ID` for the mail job `job_id` of `kind`, on the sender's domain.
    pub fn message_id(&self, kind: &str, job_id: i64) -> String {
        let domain = match self {
            Mailer::Smtp { from, .. } => from.email.domain().to_owned(),
            Mailer::Disabled => "localhost".to_owned(),
        };
        format!("<{}.{job_id}@{domain}>", kind.replace('_', "-"))
    }

    /// Sends a plain-text message; `Ok(false)` when e-mail is disabled.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        body: String,
        message_id: Option<String>,
    ) -> Result<bool, MailError> {
        let Mailer::Smtp { from, .. } = self else {
            return Ok(false);
        };
        let message = Message::builder()
            .from(from.clone())
            .to(recipient_mailbox(to)?)
            .message_id(message_id)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Permanent(format!("building the message: {e}")))?;
        self.deliver(message).await
    }

    /// Sends a rendered mail (HTML, plain text and the inline chart) with `message_id`, and the
    /// one-click unsubscribe headers when `unsubscribe` (the signed URL) is given; `Ok(false)`
    /// when e-mail is disabled.
    pub async fn send_rendered(
        &self,
        to: &str,
        mail: &Rendered,
        message_id: String,
        unsubscribe: Option<&str>,
    ) -> Result<bool, MailError> {
        let Mailer::Smtp { from, .. } = self else {
            return Ok(false);
        };
        let mut builder = Message::builder()
            .from(from.clone())
            .to(recipient_mailbox(to)?)
            .message_id(Some(message_id))
            .subject(mail.subject.as_str());
        if let Some(url) = unsubscribe {
            builder = builder
                .header(ListUnsubscribe(format!("<{url}>")))
                .header(ListUnsubscribePost);
        }
        let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
        let body = match &mail.chart_png {
            Some(png) => MultiPart::related().multipart(alternative).singlepart(
                Attachment::new_inline(message::CHART_CID.to_owned()).body(
                    png.clone(),
                    ContentType::parse("image/png")
                        .map_err(|e| MailError::Permanent(format!("building the message: {e}")))?,
                ),
            ),
            None => alternative,
        };
        let message = builder
            .multipart(body)
            .map_err(|e| MailError::Permanent(format!("building the message: {e}")))?;
        self.deliver(message).await
    }

    async fn deliver(&self, message: Message) -> Result<bool, MailError> {
        let Mailer::Smtp { transport, .. } = self else {
            return Ok(false);
        };
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

fn recipient_mailbox(to: &str) -> Result<Mailbox, MailError> {
    to.parse()
        .map_err(|e| MailError::Permanent(format!("recipient address: {e}")))
}

/// `List-Unsubscribe: <https://…/mail/unsubscribe?t=…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// The one-click unsubscribe URL of `recipient` for `topic`, or `None` when it cannot turn the
/// topic off.
pub fn unsubscribe_url(
    public_url: &str,
    key: &SecretKey,
    recipient: &str,
    topic: Topic,
) -> Option<String> {
    let token = rules::unsubscribe_token(
        &key.derive(rules::UNSUBSCRIBE_KEY_PURPOSE),
        recipient,
        topic,
    )?;
    Some(format!(
        "{}/mail/unsubscribe?t={token}",
        public_url.trim_end_matches('/')
    ))
}

/// Where digests get their figures (scores, open alerts, overdue records). The analytics
/// results fill them; [`NoFiguresYet`] sends a digest that says there is nothing to report.
pub trait DigestSource: Send + Sync {
    /// Fills `digest` (recipient, period and link set) with its figures.
    fn fill<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        digest: &'a mut DigestMail,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// A digest source with no figures: until analytics stores its results, digests say so.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFiguresYet;

impl DigestSource for NoFiguresYet {
    fn fill<'a>(
        &'a self,
        _db: &'a DatabaseConnection,
        _digest: &'a mut DigestMail,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Queues the mail of a critical alert to its seller (once per alert); other alerts are only in
/// the digest, and answer `false` like an alert already queued.
pub async fn queue_alert(
    db: &DatabaseConnection,
    alert: &AlertMail,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if alert.severity != Severity::Critical {
        return Ok(false);
    }
    let message = serde_json::to_value(alert).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    outbox::enqueue_once(
        db,
        outbox::kind::ALERT,
        &format!("alert:{}:{}", alert.alert_id, alert.seller_id),
        &alert.seller_id,
        message,
        now,
    )
    .await
}

/// Queues a recall notice to one affected seller (once per recall and seller).
pub async fn queue_recall(
    db: &DatabaseConnection,
    recall: &RecallMail,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let message = serde_json::to_value(recall).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    outbox::enqueue_once(
        db,
        outbox::kind::RECALL,
        &format!("recall:{}:{}", recall.recall_id, recall.seller_id),
        &recall.seller_id,
        message,
        now,
    )
    .await
}

/// The period a digest job covers.
#[derive(serde::Serialize, serde::Deserialize)]
struct DigestJob {
    key: String,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
}

/// Queues the digests due at `now` (China time): each seller's daily digest of the last day and
/// each supervisor's weekly digest of the last ISO week, once per recipient and period whatever
/// the number of rounds or instances. Answers how many were queued now.
pub async fn schedule_digests(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut queued = 0;
    let plans = [
        (
            outbox::kind::SELLER_DIGEST,
            rules::due_daily(now),
            mail_recipients::sellers_with_email(db).await?,
        ),
        (
            outbox::kind::SUPERVISOR_DIGEST,
            rules::due_weekly(now),
            mail_recipients::supervisors_with_email(db).await?,
        ),
    ];
    for (kind, period, recipients) in plans {
        let DigestPeriod { key, first, last } = period;
        let message = serde_json::to_value(DigestJob {
            key: key.clone(),
            first,
            last,
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for r in recipients {
            let idem = format!("{kind}:{}:{key}", r.id);
            if outbox::enqueue_once(db, kind, &idem, &r.id, message.clone(), now).await? {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

/// The claim URL of a token.
pub fn claim_url(public_url: &str, token: &str) -> String {
    suyuan_web::links::claim_url(public_url, token)
}

/// Settings of the mail task.
#[derive(Clone)]
pub struct MailSettings {
    /// Where links point.
    pub public_url: String,
    /// When reminders are due.
    pub schedule: ReminderSchedule,
    /// How often the task looks.
    pub interval: Duration,
    /// Opens the sealed claim tokens, and signs unsubscribe links (a key derived from it).
    pub secret_key: SecretKey,
    /// Where digests get their figures.
    pub digests: Arc<dyn DigestSource>,
    /// How long a claimed e-mail is held without renewal (`SUYUAN_QUEUE_LEASE`; [`MAIL_LEASE`]).
    pub lease: chrono::Duration,
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Transfers marked expired.
    pub expired: u64,
    /// Reminders recorded.
    pub reminded: u64,
    /// Digests queued.
    pub digests: u64,
    /// E-mails sent (this round's, and earlier ones retried).
    pub emailed: u64,
    /// Queued e-mails not sent because there was nothing left to say or the recipient turned
    /// their topic off (or has no address any more).
    pub skipped: u64,
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
    settings: &MailSettings,
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

/// One round of the mail task: [`remind_and_expire`]'s work, and with e-mail configured the
/// digests due queued (before the send, so they go out in the same round).
pub async fn round(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<RoundReport> {
    let digests = if mailer.is_enabled() {
        schedule_digests(db, now).await?
    } else {
        0
    };
    let mut report = remind_and_expire(db, mailer, settings, now).await?;
    report.digests = digests;
    Ok(report)
}

/// Sends the e-mails due, on the round's clock (`now`, moved on by the time spent sending).
async fn send_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
    now: DateTime<Utc>,
    report: &mut RoundReport,
) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let clock = move || now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    let lease = settings.lease;
    let every = lease.to_std().unwrap_or(Duration::from_secs(60)) / 4;
    let heartbeat = Heartbeat::start(every.max(Duration::from_millis(100)), {
        let db = db.clone();
        move |claims| {
            let db = db.clone();
            async move { outbox::extend(&db, &claims, clock(), lease).await }
        }
    });
    for _ in 0..MAIL_CLAIMS {
        let jobs = outbox::claim(db, clock(), MAIL_BATCH, lease).await?;
        if jobs.is_empty() {
            break;
        }
        heartbeat.hold(jobs.iter().map(Job::claim));
        for job in jobs {
            // Let go of it once its outcome is written (or the round fails).
            let _release = Released(&heartbeat, job.claim());
            let (reason, policy) = match write_and_send(db, mailer, settings, &job, clock()).await?
            {
                Attempt::Sent => {
                    if outbox::sent(db, &job, clock()).await? {
                        report.emailed += 1;
                    }
                    continue;
                }
                Attempt::Skipped(why) => {
                    if outbox::skipped(db, &job, clock(), &why).await? {
                        report.skipped += 1;
                    }
                    continue;
                }
                Attempt::Failed(MailError::Permanent(reason)) => (reason, None),
                Attempt::Failed(MailError::Transient(reason)) => (reason, Some(&MAIL_RETRY)),
            };
            report.failed += 1;
            let failed = outbox::failed(db, &job, clock(), &reason, policy).await?;
            tracing::warn!(mail_id = job.id, kind = %job.kind, attempts = job.attempts, dead = failed == Failed::Dead, error = %reason, "e-mail failed");
        }
    }
    Ok(())
}

/// Lets a claim go from the heartbeat when dropped.
struct Released<'a>(&'a Heartbeat, suyuan_store::queue::Claim);

impl Drop for Released<'_> {
    fn drop(&mut self) {
        self.0.release(self.1);
    }
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

/// Writes a claimed mail and sends it.
async fn write_and_send(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
    job: &mail_job::Model,
    now: DateTime<Utc>,
) -> Result<Attempt, StoreError> {
    if job.kind == outbox::kind::TRANSFER_REMINDER {
        write_and_send_reminder(db, mailer, settings, job, now).await
    } else if job.kind == outbox::kind::INVITATION || job.kind == outbox::kind::MAGIC_LINK {
        write_and_send_link(db, mailer, settings, job, now).await
    } else {
        write_and_send_addressed(db, mailer, settings, job).await
    }
}

/// Writes an alert, recall or digest mail for its recipient as it is now and sends it; skipped
/// when the recipient has no address, is deactivated or turned the topic off (unless it cannot).
async fn write_and_send_addressed(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
    job: &mail_job::Model,
) -> Result<Attempt, StoreError> {
    let permanent = |e: String| Ok(Attempt::Failed(MailError::Permanent(e)));
    let job_of = match outbox::addressed(job) {
        Ok(a) => a,
        Err(e) => return permanent(e.to_string()),
    };
    let Some(recipient) = mail_recipients::recipient(db, &job_of.recipient).await? else {
        return Ok(Attempt::Skipped("not sent: the recipient is gone".into()));
    };
    let (true, Some(to)) = (recipient.active, recipient.email.as_deref()) else {
        return Ok(Attempt::Skipped(
            "not sent: the recipient has no address or is deactivated".into(),
        ));
    };
    let topic = match job.kind.as_str() {
        outbox::kind::ALERT => Topic::Alerts,
        outbox::kind::RECALL => Topic::Recalls,
        _ => Topic::Digests,
    };
    let subscribed = mail_recipients::is_subscribed(db, &recipient.id, topic).await?;
    if !rules::may_send(recipient.audience, topic, subscribed) {
        return Ok(Attempt::Skipped(format!(
            "not sent: the recipient turned {topic} off"
        )));
    }
    let unsubscribe = unsubscribe_url(
        &settings.public_url,
        &settings.secret_key,
        &recipient.id,
        topic,
    );
    let unsubscribe = unsubscribe.as_deref();
    let bad = |e: serde_json::Error| format!("mail job {}: {e}", job.id);
    let rendered = match job.kind.as_str() {
        outbox::kind::ALERT => match serde_json::from_value::<AlertMail>(job_of.message) {
            Ok(a) => message::render_alert(&a, unsubscribe),
            Err(e) => return permanent(bad(e)),
        },
        outbox::kind::RECALL => match serde_json::from_value::<RecallMail>(job_of.message) {
            Ok(r) => message::render_recall(&r, unsubscribe),
            Err(e) => return permanent(bad(e)),
        },
        outbox::kind::SELLER_DIGEST | outbox::kind::SUPERVISOR_DIGEST => {
            let period = match serde_json::from_value::<DigestJob>(job_of.message) {
                Ok(p) => p,
                Err(e) => return permanent(bad(e)),
            };
            let weekly = job.kind == outbox::kind::SUPERVISOR_DIGEST;
            let mut digest = DigestMail::empty(
                &recipient.id,
                &recipient.name,
                weekly,
                &DigestPeriod {
                    key: period.key,
                    first: period.first,
                    last: period.last,
                },
                settings.public_url.clone(),
            );
            settings.digests.fill(db, &mut digest).await?;
            message::render_digest(&digest, unsubscribe)
        }
        other => return permanent(format!("mail job {}: unknown kind `{other}`", job.id)),
    };
    let message_id = mailer.message_id(&job.kind, job.id);
    Ok(
        match mailer
            .send_rendered(to, &rendered, message_id, unsubscribe)
            .await
        {
            Ok(true) => Attempt::Sent,
            Ok(false) => Attempt::Failed(MailError::Transient("e-mail is not configured".into())),
            Err(e) => Attempt::Failed(e),
        },
    )
}

/// Writes an invitation or sign-in link mail from its link as it is now (the token opened from
/// its sealed copy) and sends it to the account's address; a link used or expired meanwhile is
/// skipped.
async fn write_and_send_link(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
    job: &mail_job::Model,
    now: DateTime<Utc>,
) -> Result<Attempt, StoreError> {
    let permanent = |e: String| Ok(Attempt::Failed(MailError::Permanent(e)));
    let addressed = match outbox::addressed(job) {
        Ok(a) => a,
        Err(e) => return permanent(e.to_string()),
    };
    let Some(hash) = addressed.message.get("link").and_then(|v| v.as_str()) else {
        return permanent(format!("mail job {}: no link", job.id));
    };
    let link = match suyuan_store::accounts::link_mail(db, &settings.secret_key, hash, now).await {
        Ok(Some(l)) => l,
        Ok(None) => {
            return Ok(Attempt::Skipped(
                "not sent: the link was used or expired".into(),
            ));
        }
        Err(e @ StoreError::Corrupt(_)) => return permanent(e.to_string()),
        Err(e) => return Err(e),
    };
    let (role_zh, role_en) = match link.principal.role() {
        suyuan_core::tenancy::Role::Seller => ("销售者", "a seller"),
        suyuan_core::tenancy::Role::Supervisor => ("监管人员", "a supervisor"),
        suyuan_core::tenancy::Role::Operator => ("平台运营方", "a marketplace operator"),
        suyuan_core::tenancy::Role::Admin => ("管理员", "an administrator"),
    };
    let rendered = message::render_link(&message::LinkMail {
        invitation: link.kind == suyuan_core::accounts::LinkKind::Invitation,
        role_zh,
        role_en,
        link: link.kind.url(&settings.public_url, &link.token),
        expires_at: link.expires_at,
    });
    let message_id = mailer.message_id(&job.kind, job.id);
    Ok(
        match mailer
            .send_rendered(&link.to, &rendered, message_id, None)
            .await
        {
            Ok(true) => Attempt::Sent,
            Ok(false) => Attempt::Failed(MailError::Transient("e-mail is not configured".into())),
            Err(e) => Attempt::Failed(e),
        },
    )
}

/// Writes a claimed reminder from its transfer as it is now and sends it. A reminder with
/// nothing left to say (the transfer was claimed, cancelled or expired meanwhile) is skipped.
async fn write_and_send_reminder(
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &MailSettings,
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
    let message_id = mailer.message_id(&job.kind, job.id);
    Ok(
        match mailer.send(to, &subject, body, Some(message_id)).await {
            Ok(true) => Attempt::Sent,
            Ok(false) => Attempt::Failed(MailError::Transient("e-mail is not configured".into())),
            Err(e) => Attempt::Failed(e),
        },
    )
}

/// Runs [`round`] every `settings.interval` in the background.
pub fn spawn(db: DatabaseConnection, mailer: Mailer, settings: MailSettings) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(settings.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match round(&db, &mailer, &settings, Utc::now()).await {
                Ok(r) if r != RoundReport::default() => {
                    tracing::info!(
                        expired = r.expired,
                        reminded = r.reminded,
                        digests = r.digests,
                        emailed = r.emailed,
                        skipped = r.skipped,
                        failed = r.failed,
                        "mail round"
                    );
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "mail round failed")
                }
            }
        }
    });
}
