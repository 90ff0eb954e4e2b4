//! How a sale stands against its registration deadline (guide 5.5: register each sale within
//! the deadline its category and jurisdiction set).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a sale stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelinessState {
    /// Registered before its deadline (or it had none).
    OnTime,
    /// Registered after its deadline.
    Late,
    /// Not yet registered, before the deadline (or without one).
    Pending,
    /// Not registered, and the deadline has passed.
    Overdue,
    /// Nothing of it needs registering (no traced category).
    NotRequired,
}

impl TimelinessState {
    /// The state's name in the API (`on_time`, `late`, `pending`, `overdue`, `not_required`).
    pub fn as_str(self) -> &'static str {
        match self {
            TimelinessState::OnTime => "on_time",
            TimelinessState::Late => "late",
            TimelinessState::Pending => "pending",
            TimelinessState::Overdue => "overdue",
            TimelinessState::NotRequired => "not_required",
        }
    }
}

/// A sale's timeliness at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeliness {
    /// Where it stands.
    pub state: TimelinessState,
    /// Seconds from the sale to its registration, once registered.
    pub seconds_to_register: Option<i64>,
    /// Seconds left before the deadline (negative when overdue), while not registered.
    pub seconds_left: Option<i64>,
}

/// The timeliness at `now` of a sale that started at `started` (paid, else ordered, else
/// recorded), was registered at `completed` (if it was), with registration deadline `deadline`.
/// `traced`: whether any of its lines is of a traced category.
pub fn timeliness(
    started: DateTime<Utc>,
    completed: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
    traced: bool,
    now: DateTime<Utc>,
) -> Timeliness {
    let (state, seconds_to_register, seconds_left) = match (traced, completed, deadline) {
        (false, _, _) => (TimelinessState::NotRequired, None, None),
        (true, Some(done), deadline) => (
            if deadline.is_some_and(|d| done > d) {
                TimelinessState::Late
            } else {
                TimelinessState::OnTime
            },
            Some((done - started).num_seconds().max(0)),
            None,
        ),
        (true, None, Some(d)) => (
            if now > d {
                TimelinessState::Overdue
            } else {
                TimelinessState::Pending
            },
            None,
            Some((d - now).num_seconds()),
        ),
        (true, None, None) => (TimelinessState::Pending, None, None),
    };
    Timeliness {
        state,
        seconds_to_register,
        seconds_left,
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

    #[test]
    fn an_unregistered_sale_is_pending_until_its_deadline_then_overdue() {
        let deadline = Some(t0() + Duration::hours(72));
        let before = timeliness(t0(), None, deadline, true, t0() + Duration::hours(70));
        assert_eq!(before.state, TimelinessState::Pending);
        assert_eq!(before.seconds_left, Some(2 * 3600));
        let after = timeliness(t0(), None, deadline, true, t0() + Duration::hours(73));
        assert_eq!(after.state, TimelinessState::Overdue);
        assert_eq!(after.seconds_left, Some(-3600));
        assert_eq!(after.seconds_to_register, None);
    }

    #[test]
    fn a_registered_sale_is_on_time_or_late_whenever_it_is_read() {
        let deadline = Some(t0() + Duration::hours(72));
        let done = Some(t0() + Duration::hours(5));
        for now in [t0() + Duration::hours(6), t0() + Duration::days(400)] {
            let on_time = timeliness(t0(), done, deadline, true, now);
            assert_eq!(on_time.state, TimelinessState::OnTime);
            assert_eq!(on_time.seconds_to_register, Some(5 * 3600));
        }
        let late = timeliness(t0(), Some(t0() + Duration::hours(80)), deadline, true, t0());
        assert_eq!(late.state, TimelinessState::Late);
    }

    #[test]
    fn untraced_sales_need_no_registration_and_undated_ones_wait() {
        let none = timeliness(t0(), None, None, false, t0());
        assert_eq!(none.state, TimelinessState::NotRequired);
        assert_eq!(none.state.as_str(), "not_required");
        let waiting = timeliness(t0(), None, None, true, t0() + Duration::days(30));
        assert_eq!(waiting.state, TimelinessState::Pending);
        assert_eq!(waiting.seconds_left, None);
    }
}
