//! When to try again, and when to give up: the one backoff rule every durable queue uses (the
//! webhook inbox, trace-platform submissions, operator notifications, outgoing mail).
//!
//! The `n`-th retry waits between half of `base · 2^(n−1)` and all of it ("equal jitter"), never
//! more than `max`: delays grow exponentially, and retries of many jobs that failed together
//! spread out instead of arriving together again. The rule is pure: the random part comes in as
//! a number between 0 and 1, so it can be tested; [`Backoff::delay`] draws one.

use std::time::Duration;

/// Exponential backoff, capped, with equal jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry's delay (doubled for each further attempt).
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Backoff {
    /// The longest the retry after `attempts` attempts may wait: `base · 2^(attempts−1)`, at
    /// most `max` (the first retry's ceiling is `base`, also for `attempts` of 0 or less).
    pub fn ceiling(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from((attempts.saturating_sub(1)).clamp(0, 62)).unwrap_or(62);
        let factor = 1u64.checked_shl(doublings).unwrap_or(u64::MAX);
        let factor = u32::try_from(factor).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The delay before the retry after `attempts` attempts, for a `jitter` between 0 (half the
    /// ceiling) and 1 (the whole ceiling); a value outside that range is taken as its nearest end.
    pub fn delay_at(&self, attempts: i32, jitter: f64) -> Duration {
        let full = self.ceiling(attempts);
        let half = full / 2;
        let spread = u64::try_from((full - half).as_millis()).unwrap_or(u64::MAX);
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        // At most `spread` (a float-to-integer `as` saturates, never wraps).
        let extra = ((spread as f64) * jitter).round() as u64;
        (half + Duration::from_millis(extra.min(spread))).min(full)
    }

    /// The delay before the retry after `attempts` attempts, with a random jitter.
    pub fn delay(&self, attempts: i32) -> Duration {
        self.delay_at(attempts, rand::random::<f64>())
    }
}

/// A retry budget and the backoff between attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included) before a job is given up on.
    pub max_attempts: i32,
    /// The wait between attempts.
    pub backoff: Backoff,
}

/// What follows a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Try again after this long.
    Retry(Duration),
    /// The budget is spent: dead-letter the job.
    GiveUp,
}

impl RetryPolicy {
    /// What follows the failure of attempt number `attempts` (counted from 1), for a `jitter`
    /// between 0 and 1 (see [`Backoff::delay_at`]).
    pub fn verdict_at(&self, attempts: i32, jitter: f64) -> Verdict {
        if attempts >= self.max_attempts {
            Verdict::GiveUp
        } else {
            Verdict::Retry(self.backoff.delay_at(attempts, jitter))
        }
    }

    /// What follows the failure of attempt number `attempts`, with a random jitter.
    pub fn verdict(&self, attempts: i32) -> Verdict {
        self.verdict_at(attempts, rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn the_ceiling_doubles_per_attempt_until_the_maximum() {
        let b = Backoff {
            base: ms(1000),
            max: ms(5000),
        };
        let ceilings: Vec<Duration> = (0..6).map(|a| b.ceiling(a)).collect();
        assert_eq!(
            ceilings,
            vec![ms(1000), ms(1000), ms(2000), ms(4000), ms(5000), ms(5000)]
        );
        assert_eq!(b.ceiling(i32::MAX), ms(5000));
        assert_eq!(b.ceiling(i32::MIN), ms(1000));
    }

    #[test]
    fn jitter_spans_half_the_ceiling_to_all_of_it() {
        let b = Backoff {
            base: ms(1000),
            max: ms(60_000),
        };
        assert_eq!(b.delay_at(3, 0.0), ms(2000));
        assert_eq!(b.delay_at(3, 0.5), ms(3000));
        assert_eq!(b.delay_at(3, 1.0), ms(4000));
        assert_eq!(b.delay_at(3, f64::NAN), ms(2000));
        assert_eq!(b.delay_at(3, 7.0), ms(4000));
    }

    #[test]
    fn random_delays_differ() {
        let b = Backoff {
            base: Duration::from_secs(60),
            max: Duration::from_secs(3600),
        };
        let delays: std::collections::BTreeSet<Duration> = (0..32).map(|_| b.delay(4)).collect();
        assert!(delays.len() > 1, "{delays:?}");
    }

    #[test]
    fn the_last_allowed_attempt_gives_up() {
        let p = RetryPolicy {
            max_attempts: 3,
            backoff: Backoff {
                base: ms(100),
                max: ms(1000),
            },
        };
        assert_eq!(p.verdict_at(1, 1.0), Verdict::Retry(ms(100)));
        assert_eq!(p.verdict_at(2, 0.0), Verdict::Retry(ms(100)));
        assert_eq!(p.verdict_at(3, 0.0), Verdict::GiveUp);
        assert_eq!(p.verdict(9), Verdict::GiveUp);
    }

    proptest! {
        #[test]
        fn delays_grow_with_attempts_and_stay_within_their_bounds(
            base in 1u64..600_000,
            extra in 0u64..86_400_000,
            attempts in -5i32..200,
            jitter in 0.0f64..=1.0,
            other in 0.0f64..=1.0,
        ) {
            let b = Backoff { base: ms(base), max: ms(base + extra) };
            let ceiling = b.ceiling(attempts);
            prop_assert!(ceiling <= b.max);
            prop_assert!(ceiling >= b.base.min(b.max));
            prop_assert!(b.ceiling(attempts + 1) >= ceiling);
            let delay = b.delay_at(attempts, jitter);
            prop_assert!(delay >= ceiling / 2 && delay <= ceiling, "{delay:?} of {ceiling:?}");
            // More jitter never waits less.
            let (lo, hi) = if jitter <= other { (jitter, other) } else { (other, jitter) };
            prop_assert!(b.delay_at(attempts, lo) <= b.delay_at(attempts, hi));
            // The smallest delay of the next attempt is at least the smallest of this one.
            prop_assert!(b.delay_at(attempts + 1, 0.0) >= b.delay_at(attempts, 0.0));
        }
    }
}
