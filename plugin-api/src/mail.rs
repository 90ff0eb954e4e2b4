//! E-mail behind a transport enum (SMTP in production, nothing when unconfigured), and the
//! periodic task that reminds buyers of unclaimed B2B transfers and expires old ones.
//!
//! Without `SUYUAN_SMTP_URL` a reminder is still recorded on the transfer (count and time), so
//! the buyer sees it in the app's incoming list; with it, the reminder also goes by e-mail to the
//! contact address given at sale time, with the claim link, in Chinese first.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;
use std::time::Duration;
use suyuan_core::secrets::SecretKey;
use suyuan_store::transfers::{self, ReminderSchedule, Transfer};

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
    pub async fn send(&self, to: &str, subject: &str, body: String) -> anyhow::Result<bool> {
        let Mailer::Smtp { transport, from } = self else {
            return Ok(false);
        };
        let to: Mailbox = to.parse().context("recipient address")?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .context("building the message")?;
        transport.send(message).await.context("SMTP delivery")?;
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
    /// Of those, sent by e-mail.
    pub emailed: u64,
    /// E-mails that failed (the reminder stays recorded; the next round is a new reminder).
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

/// One round: expires transfers past their time, then records (and e-mails) due reminders.
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
        if !transfers::mark_reminded(db, &t, now).await? {
            continue;
        }
        report.reminded += 1;
        let Some(to) = t.row.contact_email.as_deref() else {
            continue;
        };
        let link = match transfers::token_of(&t, &settings.secret_key) {
            Some(token) => claim_url(&settings.public_url, &token),
            // Sealed since the first release; a transfer without it gets the service's address.
            None => settings.public_url.clone(),
        };
        let (subject, body) = reminder_text(&t, &link);
        match mailer.send(to, &subject, body).await {
            Ok(true) => report.emailed += 1,
            Ok(false) => {}
            Err(e) => {
                report.failed += 1;
                tracing::warn!(transfer_id = %t.row.id, error = format!("{e:#}"), "reminder e-mail failed");
            }
        }
    }
    Ok(report)
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
