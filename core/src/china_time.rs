//! China Standard Time (UTC+8, no daylight saving): the time sellers and supervisors read, and
//! the time a bare date in a form or a CSV file means.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone as _, Utc};

/// UTC+8.
pub const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// `t` in China time.
pub fn in_china(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&CHINA)
}

/// The calendar date in China at `t`.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    in_china(t).date_naive()
}

/// Noon China time on `date`: what a bare date means in a record.
pub fn noon(date: NaiveDate) -> DateTime<FixedOffset> {
    let naive = date.and_hms_opt(12, 0, 0).unwrap_or_default();
    CHINA.from_utc_datetime(&(naive - chrono::Duration::hours(8)))
}

/// A bare date as the time of a record: noon China time, except that today's date before noon
/// means `now` (a record is never in the future).
pub fn date_as_time(date: NaiveDate, now: DateTime<Utc>) -> DateTime<FixedOffset> {
    let now = in_china(now);
    let noon = noon(date);
    if date == now.date_naive() && noon > now {
        now
    } else {
        noon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn china_is_eight_hours_ahead_of_utc() {
        assert_eq!(
            in_china(utc("2026-11-30T20:30:00Z")).to_rfc3339(),
            "2026-12-01T04:30:00+08:00"
        );
        assert_eq!(
            china_date(utc("2026-11-30T16:00:00Z")),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
        );
    }

    #[test]
    fn a_bare_date_is_noon_unless_it_is_today_before_noon() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default();
        assert_eq!(noon(d).to_rfc3339(), "2026-11-20T12:00:00+08:00");
        // Earlier days: noon.
        let later = utc("2026-11-25T01:00:00Z");
        assert_eq!(date_as_time(d, later), noon(d));
        // Today at 09:00 China time: now, not a time in the future.
        let morning = utc("2026-11-20T01:00:00Z");
        assert_eq!(date_as_time(d, morning), in_china(morning));
        // Today after noon: noon.
        let evening = utc("2026-11-20T10:00:00Z");
        assert_eq!(date_as_time(d, evening), noon(d));
    }
}
