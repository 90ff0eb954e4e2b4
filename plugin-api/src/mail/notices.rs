//! What the service mails and notifies when analytics raises a critical alert or a supervisor
//! issues a recall: the [`RecallNotices`] a recall's transaction queues, the alert mails of a
//! run's critical alerts, and the digests' figures from the stored analytics results.

use super::message::{AlertLine, AlertMail, OverdueCount, RecallMail, ScorePoint, Severity};
use super::{DigestMail, DigestSource, queue_alert};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::BoxFuture;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::SellerId;
use suyuan_core::mail::Audience;
use suyuan_core::supervision::{AlertRule, AlertState};
use suyuan_store::analytics::{self, AlertFilter, ResultScope};
use suyuan_store::entity::{recall, shop};
use suyuan_store::mail_recipients;
use suyuan_store::recalls::{AffectedSeller, RecallNotices};
use suyuan_store::{DatabaseConnection, StoreError};

/// How many months of scores a mail's trend shows.
const TREND_MONTHS: u64 = 6;

/// A recall's public page: the GS1 Digital Link of what it names on this service.
pub fn recall_link(public_url: &str, r: &recall::Model) -> String {
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let mut link = format!("{public_url}/01/{}", r.gtin);
    if let Some(b) = &r.batch {
        link.push_str(&format!("/10/{}", enc(b)));
    }
    if let Some(s) = &r.serial {
        link.push_str(&format!("/21/{}", enc(s)));
    }
    link
}

/// What a recall names, in Chinese and in English.
pub fn recall_scope(r: &recall::Model) -> (String, String) {
    let mut zh = format!("GTIN {}", r.gtin);
    let mut en = zh.clone();
    if let Some(b) = &r.batch {
        zh.push_str(&format!(" 批次 {b}"));
        en.push_str(&format!(" batch {b}"));
    }
    if let Some(s) = &r.serial {
        zh.push_str(&format!(" 序列号 {s}"));
        en.push_str(&format!(" serial {s}"));
    }
    (zh, en)
}

/// A record kind's name for people, Chinese then English.
fn record_kind_label(kind: &str) -> String {
    let zh = match kind {
        "receipt" => "进货",
        "sale" => "销售",
        "shipment" => "发往下游",
        "return" => "退货",
        "correction" => "更正",
        _ => kind,
    };
    format!("{zh} {kind}")
}

/// The notices of recalls issued on this service.
#[derive(Clone, Debug)]
pub struct Notices {
    /// Where links point.
    pub public_url: String,
}

impl RecallNotices for Notices {
    fn seller_mail(&self, r: &recall::Model, seller: &AffectedSeller) -> serde_json::Value {
        let (scope_zh, scope_en) = recall_scope(r);
        let mail = RecallMail {
            recall_id: r.id.clone(),
            seller_id: seller.seller_id.clone(),
            seller_name: seller
                .seller_name
                .clone()
                .unwrap_or_else(|| seller.seller_id.clone()),
            scope_zh,
            scope_en,
            reason_zh: r.reason_zh.clone(),
            reason_en: r.reason_en.clone().unwrap_or_else(|| r.reason_zh.clone()),
            issued_by: r.issued_by.clone(),
            issued_at: r.issued_at,
            affected: seller
                .quantities
                .iter()
                .map(|(kind, q)| (record_kind_label(kind), q.round().max(0.0) as u64))
                .collect(),
            link: recall_link(&self.public_url, r),
        };
        serde_json::to_value(mail).unwrap_or(serde_json::Value::Null)
    }

    fn operator_payload(&self, r: &recall::Model, shops: &[shop::Model]) -> serde_json::Value {
        serde_json::json!({
            "recall_id": r.id,
            "gtin": r.gtin,
            "batch": r.batch,
            "serial": r.serial,
            "reason_zh": r.reason_zh,
            "reason_en": r.reason_en,
            "action_zh": r.action_zh,
            "action_en": r.action_en,
            "issued_at": r.issued_at.to_rfc3339(),
            "recall_url": recall_link(&self.public_url, r),
            "shops": shops.iter().map(|s| serde_json::json!({
                "shop_id": s.id,
                "seller_id": s.seller_id,
                "shop_domain": s.shop_domain,
            })).collect::<Vec<_>>(),
        })
    }
}

/// The first day of a `YYYY-MM` period.
fn month_start(period: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").ok()
}

async fn trend(
    db: &DatabaseConnection,
    scope: &ResultScope,
) -> Result<Vec<ScorePoint>, StoreError> {
    Ok(analytics::score_trend(db, scope, TREND_MONTHS)
        .await?
        .into_iter()
        .filter_map(|(p, s)| month_start(&p).map(|d| (d, s)))
        .collect())
}

fn severity_of(stored: &str) -> Severity {
    match stored {
        "critical" => Severity::Critical,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// Queues the mail of each critical alert a run raised or reopened, to its seller, once per
/// raising (a reopened alert mails again). Answers how many were queued.
pub async fn queue_critical_alerts(
    db: &DatabaseConnection,
    ids: &[i64],
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut queued = 0;
    for row in analytics::alerts_by_ids(db, ids).await? {
        let Some(rule) = AlertRule::parse(&row.rule) else {
            continue;
        };
        let seller_name = mail_recipients::recipient(db, &row.seller_id)
            .await?
            .map(|r| r.name)
            .unwrap_or_else(|| row.seller_id.clone());
        let scores = match SellerId::parse(&row.seller_id) {
            Ok(id) => trend(db, &ResultScope::Seller(id)).await?,
            Err(_) => Vec::new(),
        };
        let mail = AlertMail {
            alert_id: format!("{}@{}", row.id, row.updated_at.timestamp()),
            seller_id: row.seller_id.clone(),
            seller_name,
            rule: row.rule.clone(),
            severity: severity_of(&row.severity),
            summary_zh: format!("{}（{}）", rule.message_zh(), row.subject),
            summary_en: format!("{} ({})", rule.message_en(), row.subject),
            action_zh: "请打开下方链接查看涉及的记录并处理；原因消除后，下次分析会自动解除此提醒。"
                .to_owned(),
            action_en: "Open the link below for the records concerned; once the cause is gone, \
                        the next analytics run resolves the alert by itself."
                .to_owned(),
            link: format!("{public_url}/api/v1/analytics/alerts/{}", row.id),
            raised_at: row.updated_at,
            scores,
        };
        if queue_alert(db, &mail, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Digests filled from the stored analytics results: a seller's own score trend, open alerts
/// and overdue records; a supervisor's jurisdiction's average score, open alerts and overdue
/// records.
#[derive(Clone, Copy, Debug, Default)]
pub struct StoredResults;

impl DigestSource for StoredResults {
    fn fill<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        digest: &'a mut DigestMail,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let Some(recipient) = mail_recipients::recipient(db, &digest.recipient_id).await?
            else {
                return Ok(());
            };
            let scope = match recipient.audience {
                Audience::Seller => match SellerId::parse(&recipient.id) {
                    Ok(id) => ResultScope::Seller(id),
                    Err(_) => return Ok(()),
                },
                Audience::Supervisor => match Jurisdiction::parse(&recipient.jurisdiction) {
                    Ok(j) => ResultScope::Jurisdiction(j),
                    Err(_) => return Ok(()),
                },
            };
            digest.scores = trend(db, &scope).await?;
            let open = analytics::list_alerts(
                db,
                &scope,
                &AlertFilter {
                    state: Some(AlertState::Open),
                    limit: 20,
                    ..Default::default()
                },
            )
            .await?;
            for a in open {
                let Some(rule) = AlertRule::parse(&a.rule) else {
                    continue;
                };
                let seller_name = mail_recipients::recipient(db, &a.seller_id)
                    .await?
                    .map(|r| r.name)
                    .unwrap_or_else(|| a.seller_id.clone());
                digest.alerts.push(AlertLine {
                    seller_name,
                    severity: severity_of(&a.severity),
                    summary_zh: format!("{}（{}）", rule.message_zh(), a.subject),
                    summary_en: format!("{} ({})", rule.message_en(), a.subject),
                });
            }
            digest.overdue = analytics::overdue_counts(db, &scope)
                .await?
                .into_iter()
                .map(|(kind, n)| {
                    let label = record_kind_label(&kind);
                    let (zh, en) = label.split_once(' ').unwrap_or((&label, &label));
                    OverdueCount {
                        label_zh: zh.to_owned(),
                        label_en: en.to_owned(),
                        count: n.max(0) as u64,
                    }
                })
                .collect();
            Ok(())
        })
    }
}
