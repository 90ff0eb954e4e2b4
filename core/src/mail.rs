//! The rules of e-mail to sellers and supervisors: which kinds of mail a recipient may turn off,
//! the signed one-click unsubscribe token (RFC 8058) and the periods digests cover (China time).
//!
//! Decided here, and documented in the README:
//! - A seller cannot turn off **recall** mail: a recall is the regulator telling the seller to act
//!   on goods it holds or sold, so recall mails carry no unsubscribe header. Everything else
//!   (alerts, critical ones included, and digests) can be turned off: an alert stays in the app and
//!   in the API, and a mail whose unsubscribe link is then ignored would break RFC 8058's promise.
//! - A supervisor may turn off every kind.
//! - The daily digest of day D (China time) is due from 08:00 China time on D+1; the weekly
//!   digest of ISO week W from 08:00 on the Monday after it.

use chrono::{DateTime, Datelike as _, Duration, NaiveDate, Utc};
use hmac::{Hmac, Mac as _};
use std::fmt;

use crate::china_time::{CHINA, in_china};

/// What a mail is about, as a recipient turns it on or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Immediate mails of improvement alerts.
    Alerts,
    /// Daily (seller) and weekly (supervisor) digests.
    Digests,
    /// Immediate mails of recalls.
    Recalls,
}

impl Topic {
    /// Every topic, in the order pages list them.
    pub const ALL: [Topic; 3] = [Topic::Alerts, Topic::Digests, Topic::Recalls];

    /// The stored name (`alerts`, `digests`, `recalls`).
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Alerts => "alerts",
            Topic::Digests => "digests",
            Topic::Recalls => "recalls",
        }
    }

    /// The topic of a stored name.
    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The topic in Chinese, then in English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Topic::Alerts => ("改进提醒邮件", "alert e-mails"),
            Topic::Digests => ("定期摘要邮件", "digest e-mails"),
            Topic::Recalls => ("召回通知邮件", "recall e-mails"),
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a mail goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// A seller (its registered e-mail).
    Seller,
    /// A supervisor (market regulation office).
    Supervisor,
}

impl Audience {
    /// The audience of a prefixed id (`sel_…`, `sup_…`).
    pub fn of_id(id: &str) -> Option<Audience> {
        if id.starts_with("sel_") {
            Some(Audience::Seller)
        } else if id.starts_with("sup_") {
            Some(Audience::Supervisor)
        } else {
            None
        }
    }
}

/// Whether `audience` must receive mails of `topic` whatever its preferences.
pub fn is_mandatory(audience: Audience, topic: Topic) -> bool {
    matches!((audience, topic), (Audience::Seller, Topic::Recalls))
}

/// Whether a mail of `topic` goes to a recipient of `audience` that has (`subscribed`) or has not
/// turned it off.
pub fn may_send(audience: Audience, topic: Topic, subscribed: bool) -> bool {
    subscribed || is_mandatory(audience, topic)
}

/// The purpose the unsubscribe key is derived for from `SUYUAN_SECRET_KEY`.
pub const UNSUBSCRIBE_KEY_PURPOSE: &str = "suyuan-mail-unsubscribe-v1";

/// Why an unsubscribe token was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not of the `recipient.topic.signature` form.
    #[error("the unsubscribe token is malformed")]
    Malformed,
    /// The signature does not match (altered, or signed with another key).
    #[error("the unsubscribe token's signature does not match")]
    BadSignature,
    /// It names a topic the recipient cannot turn off.
    #[error("this kind of e-mail cannot be turned off")]
    Mandatory,
}

/// What a valid unsubscribe token names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The recipient's prefixed id (`sel_…`, `sup_…`).
    pub recipient: String,
    /// The topic it turns off.
    pub topic: Topic,
}

fn signature(key: &[u8; 32], recipient: &str, topic: Topic) -> Vec<u8> {
    let mut mac = <Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(recipient.as_bytes());
    mac.update(b"\n");
    mac.update(topic.as_str().as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A token that turns `topic` off for `recipient`: `recipient.topic.HMAC-SHA256` (URL-safe
/// base64), signed with `key` (derived for [`UNSUBSCRIBE_KEY_PURPOSE`]). `None` when the topic
/// cannot be turned off for that recipient (the mail then carries no unsubscribe header).
pub fn unsubscribe_token(key: &[u8; 32], recipient: &str, topic: Topic) -> Option<String> {
    use base64::Engine as _;
    let audience = Audience::of_id(recipient)?;
    if is_mandatory(audience, topic) || recipient.contains('.') {
        return None;
    }
    let sig =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature(key, recipient, topic));
    Some(format!("{recipient}.{topic}.{sig}"))
}

/// Checks an unsubscribe token in constant time and answers what it names.
pub fn verify_unsubscribe(key: &[u8; 32], token: &str) -> Result<Unsubscribe, TokenError> {
    use base64::Engine as _;
    use subtle::ConstantTimeEq as _;
    let mut parts = token.trim().splitn(3, '.');
    let (Some(recipient), Some(topic), Some(sig)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let topic = Topic::parse(topic).ok_or(TokenError::Malformed)?;
    let audience = Audience::of_id(recipient).ok_or(TokenError::Malformed)?;
    let given = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| TokenError::Malformed)?;
    let expected = signature(key, recipient, topic);
    if given.len() != expected.len() || !bool::from(given.ct_eq(&expected)) {
        return Err(TokenError::BadSignature);
    }
    if is_mandatory(audience, topic) {
        return Err(TokenError::Mandatory);
    }
    Ok(Unsubscribe {
        recipient: recipient.to_owned(),
        topic,
    })
}

/// The period a digest covers, in China time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestPeriod {
    /// Its key, part of the digest's idempotency key: `2026-12-05` (a day) or `2026-W49` (an ISO
    /// week).
    pub key: String,
    /// The first day.
    pub first: NaiveDate,
    /// The last day.
    pub last: NaiveDate,
}

/// The hour (China time) from which the digest of the period just ended is due.
pub const DIGEST_HOUR: u32 = 8;

/// The latest day whose daily digest is due at `now`: yesterday (China time) from 08:00, the day
/// before yesterday before that.
pub fn due_daily(now: DateTime<Utc>) -> DigestPeriod {
    let local = in_china(now);
    let back = if chrono::Timelike::hour(&local) >= DIGEST_HOUR {
        1
    } else {
        2
    };
    let day = local.date_naive() - Duration::days(back);
    DigestPeriod {
        key: day.format("%Y-%m-%d").to_string(),
        first: day,
        last: day,
    }
}

/// The latest ISO week (Monday to Sunday, China time) whose weekly digest is due at `now`: the
/// last full week, from 08:00 on the Monday after it.
pub fn due_weekly(now: DateTime<Utc>) -> DigestPeriod {
    let local = in_china(now);
    let today = local.date_naive();
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let started = today > this_monday || chrono::Timelike::hour(&local) >= DIGEST_HOUR;
    let monday = this_monday - Duration::days(if started { 7 } else { 14 });
    let week = monday.iso_week();
    DigestPeriod {
        key: format!("{}-W{:02}", week.year(), week.week()),
        first: monday,
        last: monday + Duration::days(6),
    }
}

/// 00:00 China time on `day`, as UTC.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (naive - Duration::seconds(i64::from(CHINA.local_minus_utc()))).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn a_signed_token_names_its_recipient_and_topic() {
        let t = unsubscribe_token(&KEY, "sel_01ABC", Topic::Digests).unwrap_or_default();
        assert_eq!(
            verify_unsubscribe(&KEY, &t),
            Ok(Unsubscribe {
                recipient: "sel_01ABC".into(),
                topic: Topic::Digests
            })
        );
    }

    #[test]
    fn a_token_with_another_recipient_topic_or_key_is_refused() {
        let t = unsubscribe_token(&KEY, "sel_01ABC", Topic::Alerts).unwrap_or_default();
        let other_recipient = t.replacen("sel_01ABC", "sel_01ABD", 1);
        assert_eq!(
            verify_unsubscribe(&KEY, &other_recipient),
            Err(TokenError::BadSignature)
        );
        let other_topic = t.replacen(".alerts.", ".digests.", 1);
        assert_eq!(
            verify_unsubscribe(&KEY, &other_topic),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify_unsubscribe(&[8; 32], &t),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify_unsubscribe(&KEY, "sel_01ABC.alerts"),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            verify_unsubscribe(&KEY, "sel_01ABC.sms.AAAA"),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn sellers_cannot_turn_off_recalls_and_supervisors_can_turn_off_everything() {
        assert_eq!(unsubscribe_token(&KEY, "sel_01ABC", Topic::Recalls), None);
        assert!(!may_send(Audience::Seller, Topic::Alerts, false));
        assert!(may_send(Audience::Seller, Topic::Recalls, false));
        assert!(!may_send(Audience::Supervisor, Topic::Recalls, false));
        assert!(unsubscribe_token(&KEY, "sup_01ABC", Topic::Recalls).is_some());
        // A forged recall token for a seller (signed right, but mandatory) is refused too.
        let sig = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature(
                &KEY,
                "sel_01ABC",
                Topic::Recalls,
            ))
        };
        assert_eq!(
            verify_unsubscribe(&KEY, &format!("sel_01ABC.recalls.{sig}")),
            Err(TokenError::Mandatory)
        );
    }

    #[test]
    fn the_daily_digest_of_a_china_day_is_due_from_eight_the_next_morning() {
        // 2026-12-06 07:59 China time: the digest of the 4th is the latest due.
        assert_eq!(due_daily(utc("2026-12-05T23:59:00Z")).key, "2026-12-04");
        // 08:00 China time on the 6th: the 5th's.
        assert_eq!(due_daily(utc("2026-12-06T00:00:00Z")).key, "2026-12-05");
        // 23:30 UTC on the 5th is already the 6th in China (07:30).
        assert_eq!(due_daily(utc("2026-12-05T16:30:00Z")).key, "2026-12-04");
    }

    #[test]
    fn the_weekly_digest_of_an_iso_week_is_due_from_monday_eight() {
        // Monday 2026-12-07 07:00 China time: week 48 (Nov 23 - 29) is the latest due.
        let p = due_weekly(utc("2026-12-06T23:00:00Z"));
        assert_eq!(p.key, "2026-W48");
        assert_eq!(p.first.to_string(), "2026-11-23");
        // Monday 08:00 China time: week 49 (Nov 30 - Dec 6).
        let p = due_weekly(utc("2026-12-07T00:00:00Z"));
        assert_eq!(p.key, "2026-W49");
        assert_eq!(
            (p.first.to_string(), p.last.to_string()),
            ("2026-11-30".into(), "2026-12-06".into())
        );
        // Any time later in that week.
        assert_eq!(due_weekly(utc("2026-12-12T15:00:00Z")).key, "2026-W49");
        // The ISO year differs from the calendar year around New Year.
        assert_eq!(due_weekly(utc("2027-01-04T01:00:00Z")).key, "2026-W53");
    }

    #[test]
    fn a_china_day_starts_at_sixteen_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        assert_eq!(start_of_day(d), utc("2026-12-05T16:00:00Z"));
    }
}
