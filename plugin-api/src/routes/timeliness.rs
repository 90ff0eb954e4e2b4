//! How a record stands against its registration deadline, as every API that shows a record
//! answers it (the rule is [`suyuan_core::timeliness`], the same for pages and analytics).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::timeliness::{self as rule, Clock};
use suyuan_store::entity::{sale, trace_event};
use utoipa::ToSchema;

/// How a record stands against its registration deadline.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Timeliness {
    /// `not_yet_due` (the clock has not started: an order not paid yet), `due` (not yet
    /// registered, deadline not passed), `on_time`, `late` (registered after the deadline),
    /// `overdue` (not registered, deadline passed) or `not_required` (no traced category, or a
    /// cancelled order). Until 2026-12-06 `due` was called `pending`, and unpaid or cancelled
    /// orders were counted against the deadline.
    pub state: String,
    /// The state in Chinese (未到期, 待登记, 按时, 逾期登记, 已逾期, 无需登记).
    pub label_zh: String,
    /// The state in English.
    pub label_en: String,
    /// Seconds from the start of the clock to the registration, once registered.
    pub seconds_to_register: Option<i64>,
    /// Seconds left before the deadline (negative when overdue), while due or overdue.
    pub seconds_left: Option<i64>,
    /// When the clock started (the event time; an order's payment); null: not started.
    pub started_at: Option<DateTime<Utc>>,
    /// The registration deadline.
    pub deadline_at: Option<DateTime<Utc>>,
    /// The catalogue version the deadline came from.
    pub catalogue_version: Option<String>,
}

/// The answer for `clock` at `now`.
pub fn of_clock(clock: &Clock, now: DateTime<Utc>) -> Timeliness {
    let t = rule::timeliness(clock, now);
    Timeliness {
        state: t.state.as_str().to_owned(),
        label_zh: t.state.label_zh().to_owned(),
        label_en: t.state.label_en().to_owned(),
        seconds_to_register: t.seconds_to_register,
        seconds_left: t.seconds_left,
        started_at: clock.started_at,
        deadline_at: t.deadline_at,
        catalogue_version: t.catalogue_version,
    }
}

/// A ledger record's timeliness at `now`.
pub fn of_record(row: &trace_event::Model, now: DateTime<Utc>) -> Timeliness {
    of_clock(
        &rule::record_clock(
            &row.record_kind,
            row.category_id.as_deref(),
            row.event_time,
            row.record_time,
            row.deadline_at,
            row.catalogue_version.clone(),
        ),
        now,
    )
}

/// A sale's timeliness at `now`; `traced`: whether any of its lines is of a traced category.
pub fn of_sale(row: &sale::Model, traced: bool, now: DateTime<Utc>) -> Timeliness {
    of_clock(
        &rule::sale_clock(
            &row.status,
            traced,
            row.ordered_at,
            row.paid_at,
            row.completed_at,
            row.deadline_at,
            row.catalogue_version.clone(),
        ),
        now,
    )
}
