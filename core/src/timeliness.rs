//! The one timeliness rule (guide chapter 4, 时效性): how any record (receipt, sale, shipment,
//! return, correction) stands against its registration deadline. The API, the pages and
//! analytics all use this rule; analytics writes the same rule as a Polars expression over the
//! columns of [`Clock`] (`required`, `started_at`, `recorded_at`, `deadline_at`) and `now`.
//!
//! The rule, in order:
//! 1. not `required` → [`TimelinessState::NotRequired`] (no traced category, a cancelled order);
//! 2. no `started_at` → [`TimelinessState::NotYetDue`] (the clock has not started: an unpaid
//!    order), however late it is;
//! 3. `recorded_at` set → [`TimelinessState::OnTime`] when there is no deadline or
//!    `recorded_at <= deadline_at`, else [`TimelinessState::Late`] (whenever it is read);
//! 4. not recorded → [`TimelinessState::Due`] when there is no deadline or `now <= deadline_at`,
//!    else [`TimelinessState::Overdue`].

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a record stands against its registration deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelinessState {
    /// The clock has not started (an order not paid yet): nothing is due.
    NotYetDue,
    /// Started, not recorded yet, and the deadline has not passed.
    Due,
    /// Recorded no later than its deadline (or it had none).
    OnTime,
    /// Recorded after its deadline.
    Late,
    /// Not recorded, and the deadline has passed.
    Overdue,
    /// Nothing needs registering (no traced category, or a cancelled order).
    NotRequired,
}

impl TimelinessState {
    /// Every state, in the order of the rule.
    pub const ALL: [TimelinessState; 6] = [
        Self::NotYetDue,
        Self::Due,
        Self::OnTime,
        Self::Late,
        Self::Overdue,
        Self::NotRequired,
    ];

    /// The state's name in the API (`not_yet_due`, `due`, `on_time`, `late`, `overdue`,
    /// `not_required`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotYetDue => "not_yet_due",
            Self::Due => "due",
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::Overdue => "overdue",
            Self::NotRequired => "not_required",
        }
    }

    /// The state's label in Chinese, for pages.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NotYetDue => "未到期",
            Self::Due => "待登记",
            Self::OnTime => "按时",
            Self::Late => "逾期登记",
            Self::Overdue => "已逾期",
            Self::NotRequired => "无需登记",
        }
    }

    /// The state's label in English, for pages.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::NotYetDue => "not yet due",
            Self::Due => "due",
            Self::OnTime => "on time",
            Self::Late => "late",
            Self::Overdue => "overdue",
            Self::NotRequired => "not required",
        }
    }
}

/// A record's registration clock: everything the rule reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Whether the record must be registered at all.
    pub required: bool,
    /// When the clock started (the event time; for an order, its payment); `None`: not started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it was recorded (registered); `None`: not yet.
    pub recorded_at: Option<DateTime<Utc>>,
    /// The registration deadline.
    pub deadline_at: Option<DateTime<Utc>>,
    /// The version of the catalogue the deadline came from (`2025.1`, `2025.1+local`).
    pub catalogue_version: Option<String>,
}

/// A record's timeliness at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeliness {
    /// Where it stands.
    pub state: TimelinessState,
    /// Seconds from the start of the clock to the registration, once registered.
    pub seconds_to_register: Option<i64>,
    /// Seconds left before the deadline (negative when overdue), while due or overdue.
    pub seconds_left: Option<i64>,
    /// The deadline.
    pub deadline_at: Option<DateTime<Utc>>,
    /// The catalogue version the deadline came from.
    pub catalogue_version: Option<String>,
}

/// The timeliness of the record whose clock is `clock`, at `now` (see the module for the rule).
pub fn timeliness(clock: &Clock, now: DateTime<Utc>) -> Timeliness {
    let state = state_of(
        clock.required,
        clock.started_at,
        clock.recorded_at,
        clock.deadline_at,
        now,
    );
    let seconds_to_register = match (state, clock.started_at, clock.recorded_at) {
        (TimelinessState::OnTime | TimelinessState::Late, Some(start), Some(done)) => {
            Some((done - start).num_seconds().max(0))
        }
        _ => None,
    };
    let seconds_left = match (state, clock.deadline_at) {
        (TimelinessState::Due | TimelinessState::Overdue, Some(d)) => Some((d - now).num_seconds()),
        _ => None,
    };
    Timeliness {
        state,
        seconds_to_register,
        seconds_left,
        deadline_at: clock.deadline_at,
        catalogue_version: clock.catalogue_version.clone(),
    }
}

/// The rule itself on bare columns, as analytics evaluates it per row.
pub fn state_of(
    required: bool,
    started_at: Option<DateTime<Utc>>,
    recorded_at: Option<DateTime<Utc>>,
    deadline_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> TimelinessState {
    if !required {
        return TimelinessState::NotRequired;
    }
    if started_at.is_none() {
        return TimelinessState::NotYetDue;
    }
    match (recorded_at, deadline_at) {
        (Some(done), Some(d)) if done > d => TimelinessState::Late,
        (Some(_), _) => TimelinessState::OnTime,
        (None, Some(d)) if now > d => TimelinessState::Overdue,
        (None, _) => TimelinessState::Due,
    }
}

/// The clock of a sale from its order's columns. `status` is the stored order status
/// (`created`, `paid`, `fulfilled`, `partially_fulfilled`, `completed`, `cancelled`, `refunded`,
/// `partially_refunded`); `traced`: whether any line is of a traced category.
///
/// - a cancelled order needs no registration (`required` false), nor does an untraced one;
/// - the clock starts at payment (`paid_at`; an order in a paid-or-later status without a
///   payment time starts at `ordered_at`); a `created` order (not paid) has not started,
///   whatever times it carries;
/// - `recorded_at` is when the sale was registered (`completed_at`).
pub fn sale_clock(
    status: &str,
    traced: bool,
    ordered_at: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    deadline_at: Option<DateTime<Utc>>,
    catalogue_version: Option<String>,
) -> Clock {
    let required = traced && status != "cancelled";
    let started_at = match status {
        "created" => None,
        "cancelled" => paid_at,
        _ => paid_at.or(ordered_at),
    };
    Clock {
        required,
        started_at,
        recorded_at: completed_at,
        deadline_at,
        catalogue_version,
    }
}

/// The clock of a record in the ledger: it started at its event time and was recorded at its
/// record time. `kind` is the stored record kind; receipts, sales, shipments, returns and
/// corrections of a traced category (`category` set) must be registered; aggregations and
/// recalls, and records of no category, need not.
pub fn record_clock(
    kind: &str,
    category: Option<&str>,
    event_time: DateTime<Utc>,
    record_time: DateTime<Utc>,
    deadline_at: Option<DateTime<Utc>>,
    catalogue_version: Option<String>,
) -> Clock {
    let registrable = matches!(
        kind,
        "receipt" | "sale" | "shipment" | "return" | "correction"
    );
    Clock {
        required: registrable && category.is_some(),
        started_at: Some(event_time),
        recorded_at: Some(record_time),
        deadline_at,
        catalogue_version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T02:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn clock(
        started: Option<i64>,
        recorded: Option<i64>,
        deadline: Option<i64>,
        required: bool,
    ) -> Clock {
        Clock {
            required,
            started_at: started.map(|h| t0() + Duration::hours(h)),
            recorded_at: recorded.map(|h| t0() + Duration::hours(h)),
            deadline_at: deadline.map(|h| t0() + Duration::hours(h)),
            catalogue_version: Some("2025.1".into()),
        }
    }

    fn at(h: i64) -> DateTime<Utc> {
        t0() + Duration::hours(h)
    }

    #[test]
    fn not_required_wins_over_everything() {
        for c in [
            clock(None, None, None, false),
            clock(Some(0), None, Some(72), false),
            clock(Some(0), Some(100), Some(72), false),
        ] {
            let t = timeliness(&c, at(1000));
            assert_eq!(t.state, TimelinessState::NotRequired);
            assert_eq!((t.seconds_left, t.seconds_to_register), (None, None));
        }
    }

    #[test]
    fn a_clock_not_started_is_not_yet_due_even_far_past_any_deadline() {
        let t = timeliness(&clock(None, None, Some(72), true), at(10_000));
        assert_eq!(t.state, TimelinessState::NotYetDue);
        assert_eq!(t.seconds_left, None);
        assert_eq!(t.state.as_str(), "not_yet_due");
    }

    #[test]
    fn an_unrecorded_record_is_due_up_to_its_deadline_inclusive_then_overdue() {
        let c = clock(Some(0), None, Some(72), true);
        let before = timeliness(&c, at(70));
        assert_eq!(before.state, TimelinessState::Due);
        assert_eq!(before.seconds_left, Some(2 * 3600));
        assert_eq!(timeliness(&c, at(72)).state, TimelinessState::Due);
        let after = timeliness(&c, at(73));
        assert_eq!(after.state, TimelinessState::Overdue);
        assert_eq!(after.seconds_left, Some(-3600));
        assert_eq!(after.seconds_to_register, None);
        // Without a deadline it stays due.
        let open = timeliness(&clock(Some(0), None, None, true), at(10_000));
        assert_eq!(open.state, TimelinessState::Due);
        assert_eq!(open.seconds_left, None);
    }

    #[test]
    fn a_recorded_record_is_on_time_or_late_whenever_it_is_read() {
        for now in [at(6), at(9_600)] {
            let on_time = timeliness(&clock(Some(0), Some(5), Some(72), true), now);
            assert_eq!(on_time.state, TimelinessState::OnTime);
            assert_eq!(on_time.seconds_to_register, Some(5 * 3600));
            assert_eq!(on_time.seconds_left, None);
        }
        let exactly = timeliness(&clock(Some(0), Some(72), Some(72), true), at(0));
        assert_eq!(exactly.state, TimelinessState::OnTime);
        let late = timeliness(&clock(Some(0), Some(80), Some(72), true), at(0));
        assert_eq!(late.state, TimelinessState::Late);
        assert_eq!(late.seconds_to_register, Some(80 * 3600));
        let undated = timeliness(&clock(Some(0), Some(500), None, true), at(0));
        assert_eq!(undated.state, TimelinessState::OnTime);
        // Recorded before the event happened (a pre-registration) counts no negative delay.
        let early = timeliness(&clock(Some(10), Some(5), Some(82), true), at(0));
        assert_eq!(early.seconds_to_register, Some(0));
    }

    #[test]
    fn the_answer_carries_the_deadline_and_the_catalogue_version() {
        let t = timeliness(&clock(Some(0), None, Some(72), true), at(1));
        assert_eq!(t.deadline_at, Some(at(72)));
        assert_eq!(t.catalogue_version.as_deref(), Some("2025.1"));
    }

    #[test]
    fn every_state_has_a_distinct_name_and_both_labels() {
        let mut names: Vec<&str> = TimelinessState::ALL.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 6);
        for s in TimelinessState::ALL {
            assert!(!s.label_zh().is_empty() && !s.label_en().is_empty());
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::Value::from(s.as_str()))
            );
        }
    }

    #[test]
    fn an_unpaid_order_is_not_yet_due_a_cancelled_one_not_required() {
        let ordered = Some(at(0));
        let deadline = Some(at(72));
        let unpaid = sale_clock("created", true, ordered, None, None, deadline, None);
        assert_eq!(unpaid.started_at, None);
        let unpaid_with_a_payment_time =
            sale_clock("created", true, ordered, Some(at(1)), None, deadline, None);
        assert_eq!(unpaid_with_a_payment_time.started_at, None);
        assert_eq!(
            timeliness(&unpaid, at(24 * 365)).state,
            TimelinessState::NotYetDue
        );
        let cancelled = sale_clock(
            "cancelled",
            true,
            ordered,
            Some(at(1)),
            None,
            deadline,
            None,
        );
        assert!(!cancelled.required);
        assert_eq!(
            timeliness(&cancelled, at(24 * 365)).state,
            TimelinessState::NotRequired
        );
        let untraced = sale_clock("paid", false, ordered, Some(at(1)), None, None, None);
        assert_eq!(
            timeliness(&untraced, at(5)).state,
            TimelinessState::NotRequired
        );
    }

    #[test]
    fn a_paid_order_starts_its_clock_at_payment_else_at_the_order() {
        let paid = sale_clock("paid", true, Some(at(0)), Some(at(3)), None, None, None);
        assert_eq!(paid.started_at, Some(at(3)));
        let fulfilled_without_payment_time =
            sale_clock("fulfilled", true, Some(at(0)), None, None, None, None);
        assert_eq!(fulfilled_without_payment_time.started_at, Some(at(0)));
        let registered = sale_clock(
            "completed",
            true,
            Some(at(0)),
            Some(at(1)),
            Some(at(100)),
            Some(at(73)),
            None,
        );
        assert_eq!(
            timeliness(&registered, at(200)).state,
            TimelinessState::Late
        );
    }

    #[test]
    fn ledger_records_of_traced_categories_are_on_time_or_late_and_others_not_required() {
        let on_time = record_clock("receipt", Some("ebike"), at(0), at(2), Some(at(72)), None);
        assert_eq!(timeliness(&on_time, at(500)).state, TimelinessState::OnTime);
        let late = record_clock("shipment", Some("ebike"), at(0), at(80), Some(at(72)), None);
        assert_eq!(timeliness(&late, at(500)).state, TimelinessState::Late);
        let correction = record_clock("correction", Some("ebike"), at(0), at(900), None, None);
        assert_eq!(
            timeliness(&correction, at(900)).state,
            TimelinessState::OnTime
        );
        let recall = record_clock("recall", Some("ebike"), at(0), at(900), None, None);
        assert_eq!(
            timeliness(&recall, at(900)).state,
            TimelinessState::NotRequired
        );
        let uncategorised = record_clock("sale", None, at(0), at(900), None, None);
        assert_eq!(
            timeliness(&uncategorised, at(900)).state,
            TimelinessState::NotRequired
        );
    }
}
