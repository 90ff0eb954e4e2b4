//! Supervision results (the guide's chapter 6): what the analytics computes and the store keeps
//! (compliance scores, completion timeliness, records overdue, improvement alerts), as plain
//! values, plus the alert rules and the alert lifecycle.
//!
//! `analytics` produces these values from its frames; `store` keeps them; the API and pages read
//! them back. None of them knows Polars or a database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One compliance score of a seller for a month.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreRecord {
    /// The seller.
    pub seller_id: String,
    /// The seller's six-digit division (its jurisdiction).
    pub division: String,
    /// `YYYY-MM` (China time).
    pub period: String,
    /// 0 to 100.
    pub score: f64,
    /// `A`, `B`, `C` or `D`.
    pub grade: String,
    /// The seller's main category in the period (most records), if any.
    pub category_id: Option<String>,
    /// Rank among the sellers of its province in the period (1 = best).
    pub rank_province: i64,
    /// Rank among the sellers of its division.
    pub rank_division: i64,
    /// Rank among the sellers of its main category, nationally.
    pub rank_category: Option<i64>,
    /// Change against the previous month (null when there was no score then).
    pub change: Option<f64>,
    /// The components, the largest loss first.
    pub components: Vec<ScoreComponent>,
}

/// One weighted component of a score, and what it cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreComponent {
    /// `coverage`, `completeness`, `timeliness`, `authenticity`, `corrections`, `submissions`,
    /// `claims`.
    pub component: String,
    /// Its weight (points it is worth).
    pub weight: f64,
    /// Records that count towards it.
    pub total: i64,
    /// Records that fell short.
    pub failed: i64,
    /// Points lost: `weight * failed / total` (0 when nothing counts).
    pub points_lost: f64,
    /// The records that cost points (ids, capped by configuration), to fix first.
    pub records: Vec<String>,
}

/// Completion timeliness of one seller for one ISO week, along one dimension.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelinessRecord {
    /// The seller.
    pub seller_id: String,
    /// The seller's division.
    pub division: String,
    /// ISO week of the event (China time), `YYYY-Www`.
    pub week: String,
    /// `seller` (all its records), `category` or `region` (the record's province).
    pub dimension: String,
    /// The category id or province code (empty for `seller`; `unknown` when the record has none).
    pub key: String,
    /// Records whose clock has started (required ones).
    pub records: i64,
    /// Of those, registered.
    pub completed: i64,
    /// Registered within the deadline (or with none).
    pub within_deadline: i64,
    /// Not registered and past the deadline now.
    pub overdue: i64,
    /// `within_deadline / (completed + overdue)`, null when both are 0.
    pub share_within_deadline: Option<f64>,
    /// Median delay from event to registration, seconds (completed records).
    pub delay_p50_s: Option<f64>,
    /// 90th percentile.
    pub delay_p90_s: Option<f64>,
    /// Longest.
    pub delay_max_s: Option<f64>,
}

/// A record not registered and past its deadline now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverdueRecord {
    /// The record (a sale id, or an event id).
    pub record_id: String,
    /// `receipt`, `sale`, `shipment`, `return`.
    pub record_kind: String,
    /// The seller.
    pub seller_id: String,
    /// The seller's division.
    pub division: String,
    /// Category.
    pub category_id: Option<String>,
    /// Where (division code).
    pub region: Option<String>,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// The deadline passed.
    pub deadline_at: DateTime<Utc>,
}

/// The alert rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertRule {
    /// The score fell by the configured points or more against the previous month.
    ScoreFell,
    /// Share within deadline under the configured threshold.
    TimelinessLow,
    /// Records overdue now.
    RecordsOverdue,
    /// An active catalogue listing shows no code.
    ListingWithoutCode,
    /// A batch sold beyond what was received.
    BatchOversold,
    /// A unit sold twice.
    UnitSoldTwice,
    /// A unit received by two sellers.
    UnitReceivedTwice,
    /// A recalled batch still in stock.
    RecalledInStock,
    /// A transfer unclaimed past its reminder.
    TransferUnclaimed,
}

impl AlertRule {
    /// Every rule.
    pub const ALL: [AlertRule; 9] = [
        AlertRule::ScoreFell,
        AlertRule::TimelinessLow,
        AlertRule::RecordsOverdue,
        AlertRule::ListingWithoutCode,
        AlertRule::BatchOversold,
        AlertRule::UnitSoldTwice,
        AlertRule::UnitReceivedTwice,
        AlertRule::RecalledInStock,
        AlertRule::TransferUnclaimed,
    ];

    /// Stable slug.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertRule::ScoreFell => "score_fell",
            AlertRule::TimelinessLow => "timeliness_low",
            AlertRule::RecordsOverdue => "records_overdue",
            AlertRule::ListingWithoutCode => "listing_without_code",
            AlertRule::BatchOversold => "batch_oversold",
            AlertRule::UnitSoldTwice => "unit_sold_twice",
            AlertRule::UnitReceivedTwice => "unit_received_twice",
            AlertRule::RecalledInStock => "recalled_in_stock",
            AlertRule::TransferUnclaimed => "transfer_unclaimed",
        }
    }

    /// Reads a slug.
    pub fn parse(s: &str) -> Option<AlertRule> {
        AlertRule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How grave it is: a unit or batch that may be fake or recalled is critical (mailed at once).
    pub fn severity(self) -> Severity {
        match self {
            AlertRule::BatchOversold
            | AlertRule::UnitSoldTwice
            | AlertRule::UnitReceivedTwice
            | AlertRule::RecalledInStock => Severity::Critical,
            _ => Severity::Warning,
        }
    }

    /// What it means and what to do (Chinese).
    pub fn message_zh(self) -> &'static str {
        match self {
            AlertRule::ScoreFell => "合规评分较上月明显下降，请查看扣分项并逐项整改。",
            AlertRule::TimelinessLow => "按时登记率低于要求，请在期限内完成登记。",
            AlertRule::RecordsOverdue => "有记录已超过登记期限仍未登记，请尽快补登。",
            AlertRule::ListingWithoutCode => "在售目录商品未展示追溯码，请补充追溯码。",
            AlertRule::BatchOversold => "该批次的销售数量超过进货数量，请核对进销记录。",
            AlertRule::UnitSoldTwice => "同一件商品被销售了两次，请核对是否为假冒码。",
            AlertRule::UnitReceivedTwice => "同一件商品被两个经营者进货，请核对来源。",
            AlertRule::RecalledInStock => "已召回批次仍有库存，请立即下架并按召回要求处理。",
            AlertRule::TransferUnclaimed => "下游企业在提醒后仍未确认收货，请联系对方确认。",
        }
    }

    /// The same in English.
    pub fn message_en(self) -> &'static str {
        match self {
            AlertRule::ScoreFell => {
                "The compliance score fell against last month: see the components that lost points."
            }
            AlertRule::TimelinessLow => "Too few records were registered within their deadline.",
            AlertRule::RecordsOverdue => "Records are past their deadline and not registered.",
            AlertRule::ListingWithoutCode => "A live catalogue listing shows no trace code.",
            AlertRule::BatchOversold => "More of this batch was sold than was received.",
            AlertRule::UnitSoldTwice => "One unit was sold twice: check for a forged code.",
            AlertRule::UnitReceivedTwice => "One unit was received by two sellers.",
            AlertRule::RecalledInStock => {
                "A recalled batch is still in stock: take it off sale as the recall requires."
            }
            AlertRule::TransferUnclaimed => {
                "The business buyer has not claimed the transfer after a reminder."
            }
        }
    }
}

/// How grave an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Shown and put in the digests.
    Warning,
    /// Also mailed at once.
    Critical,
}

impl Severity {
    /// Stable slug.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// Reads a slug.
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

/// One cause for an alert found by a run: a rule, a seller and a subject (a period, listing,
/// batch, code or transfer), with what was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlertCause {
    /// The rule.
    pub rule: AlertRule,
    /// The seller who should act.
    pub seller_id: String,
    /// The seller's division.
    pub division: String,
    /// What it is about (empty when the seller as a whole).
    pub subject: String,
    /// What was found (counts, values), for the message.
    pub detail: serde_json::Value,
}

impl AlertCause {
    /// The stable key: one alert per cause, however many runs find it.
    pub fn key(&self) -> String {
        format!("{}:{}:{}", self.rule.as_str(), self.seller_id, self.subject)
    }
}

/// Where an alert is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Raised, nobody acted yet.
    Open,
    /// Someone saw it and is on it.
    Acknowledged,
    /// Gone: resolved by someone, or by itself when a run no longer found the cause.
    Resolved,
}

impl AlertState {
    /// Stable slug.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }

    /// Reads a slug.
    pub fn parse(s: &str) -> Option<AlertState> {
        match s {
            "open" => Some(AlertState::Open),
            "acknowledged" => Some(AlertState::Acknowledged),
            "resolved" => Some(AlertState::Resolved),
            _ => None,
        }
    }

    /// The state after a person acknowledges: only an open alert can be.
    pub fn acknowledge(self) -> Option<AlertState> {
        (self == AlertState::Open).then_some(AlertState::Acknowledged)
    }

    /// The state after a person resolves: an open or acknowledged alert can be.
    pub fn resolve(self) -> Option<AlertState> {
        (self != AlertState::Resolved).then_some(AlertState::Resolved)
    }
}

/// What a run does to one alert, given its stored state and whether the run found its cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reconcile {
    /// First time found: insert it open.
    Raise,
    /// Resolved before and found again: open the same alert again (one alert per cause).
    Reopen,
    /// Still there: keep its state (an acknowledged alert stays acknowledged).
    Keep,
    /// Not found any more: resolved by itself.
    AutoResolve,
    /// Nothing to do.
    Nothing,
}

/// The reconciliation rule. A resolved alert whose cause is found again is reopened, also when a
/// person resolved it: the run is the judge of whether the cause is gone.
pub fn reconcile(stored: Option<AlertState>, found: bool) -> Reconcile {
    match (stored, found) {
        (None, true) => Reconcile::Raise,
        (None, false) => Reconcile::Nothing,
        (Some(AlertState::Resolved), true) => Reconcile::Reopen,
        (Some(AlertState::Resolved), false) => Reconcile::Nothing,
        (Some(_), true) => Reconcile::Keep,
        (Some(_), false) => Reconcile::AutoResolve,
    }
}

/// Everything a run computed, ready for the store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SupervisionResults {
    /// Scores per seller and month.
    pub scores: Vec<ScoreRecord>,
    /// Timeliness per seller, week and dimension.
    pub timeliness: Vec<TimelinessRecord>,
    /// Records overdue now.
    pub overdue: Vec<OverdueRecord>,
    /// The complete set of alert causes found now.
    pub alerts: Vec<AlertCause>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_found_again_is_never_raised_twice() {
        assert_eq!(reconcile(None, true), Reconcile::Raise);
        assert_eq!(reconcile(Some(AlertState::Open), true), Reconcile::Keep);
        assert_eq!(
            reconcile(Some(AlertState::Acknowledged), true),
            Reconcile::Keep
        );
        assert_eq!(
            reconcile(Some(AlertState::Resolved), true),
            Reconcile::Reopen
        );
    }

    #[test]
    fn a_cause_gone_resolves_its_alert_by_itself() {
        assert_eq!(
            reconcile(Some(AlertState::Open), false),
            Reconcile::AutoResolve
        );
        assert_eq!(
            reconcile(Some(AlertState::Acknowledged), false),
            Reconcile::AutoResolve
        );
        assert_eq!(
            reconcile(Some(AlertState::Resolved), false),
            Reconcile::Nothing
        );
        assert_eq!(reconcile(None, false), Reconcile::Nothing);
    }

    #[test]
    fn only_an_open_alert_is_acknowledged_and_a_resolved_one_is_not_resolved_again() {
        assert_eq!(
            AlertState::Open.acknowledge(),
            Some(AlertState::Acknowledged)
        );
        assert_eq!(AlertState::Acknowledged.acknowledge(), None);
        assert_eq!(AlertState::Resolved.acknowledge(), None);
        assert_eq!(AlertState::Open.resolve(), Some(AlertState::Resolved));
        assert_eq!(
            AlertState::Acknowledged.resolve(),
            Some(AlertState::Resolved)
        );
        assert_eq!(AlertState::Resolved.resolve(), None);
    }

    #[test]
    fn the_cause_key_names_rule_seller_and_subject_and_rules_read_back() {
        let c = AlertCause {
            rule: AlertRule::TransferUnclaimed,
            seller_id: "sel_1".into(),
            division: "440104".into(),
            subject: "trf_9".into(),
            detail: serde_json::Value::Null,
        };
        assert_eq!(c.key(), "transfer_unclaimed:sel_1:trf_9");
        for r in AlertRule::ALL {
            assert_eq!(AlertRule::parse(r.as_str()), Some(r));
        }
        assert_eq!(AlertRule::RecalledInStock.severity(), Severity::Critical);
        assert_eq!(AlertRule::RecordsOverdue.severity(), Severity::Warning);
    }
}
