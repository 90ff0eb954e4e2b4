//! The submission worker: one registration, every platform.
//!
//! It routes (new trace events become one outbox row per target platform, in one transaction
//! with the router's cursor; see [`suyuan_store::submissions`]) every poll interval, and
//! keeps up to the configured number of submissions in flight through the platform adapters
//! ([`crate::platforms::submit`]) with the seller's credential, claiming more as soon as one
//! finishes. Every outcome is written back: accepted (with the platform's receipt), rejected
//! (with its reason), retried with exponential backoff and jitter (or after the platform's
//! `Retry-After`, when longer), dead once the retry budget is spent, or held until the seller
//! gives credentials.
//!
//! Claims are leases ([`LEASE`]): a row whose worker died is taken over once its lease runs out,
//! and the platform sees the same idempotency key again.

use crate::config::SubmitConfig;
use crate::platforms::{self, FollowPolicy, Outcome, Submission, Target, TargetKind};
use chrono::Utc;
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use prometheus::{IntCounterVec, Opts};
use std::sync::Arc;
use std::time::Duration;
use suyuan_core::retry::{Backoff, RetryPolicy, Verdict};
use suyuan_store::StoreError;
use suyuan_store::entity::{platform, submission};
use suyuan_store::queue::{Heartbeat, Job};
use suyuan_store::submissions::{self as store, Finish, SendContext};
use suyuan_web::AppState;

/// How long a claim holds a submission before another worker may take it over, unless
/// configured ([`SubmitConfig::lease`]). The worker renews the leases of what it is sending
/// every quarter of it, so a send may take longer (two requests at the longest timeout plus the
/// longest follow budget), and a dead worker's submissions are sent again this long after it
/// died.
pub const LEASE: chrono::Duration = chrono::Duration::minutes(1);
/// The most submissions one claim takes (and never more than the configured concurrency).
pub const CLAIM_BATCH: u64 = 64;
/// Sellers (and events of each) one router pass reads.
const ROUTE_SELLERS: u64 = 200;
const ROUTE_EVENTS: u64 = 500;
/// How long finished sends wait for others to share their outcomes' commit.
const WRITE_WINDOW: Duration = Duration::from_millis(5);
/// The longest `Retry-After` honoured; a longer one is cut to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(6 * 3600);

/// The worker's counters.
#[derive(Clone)]
pub struct SubmitMetrics {
    /// Submission attempts by platform code and outcome (accepted, rejected, retried, dead,
    /// needs_credentials).
    pub outcomes: IntCounterVec,
    /// Submissions written by the router, by why (rule, correction).
    pub routed: IntCounterVec,
}

impl SubmitMetrics {
    fn register(state: &AppState) -> anyhow::Result<Self> {
        let outcomes = IntCounterVec::new(
            Opts::new(
                "submissions_total",
                "Submission attempts to trace platforms, by platform and outcome",
            ),
            &["platform", "outcome"],
        )?;
        let routed = IntCounterVec::new(
            Opts::new(
                "submissions_routed_total",
                "Submissions created by the router",
            ),
            &["by"],
        )?;
        state.metrics.register(Box::new(outcomes.clone()))?;
        state.metrics.register(Box::new(routed.clone()))?;
        Ok(Self { outcomes, routed })
    }
}

/// Starts the worker loop.
pub fn spawn(state: AppState, settings: SubmitConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let metrics = match SubmitMetrics::register(&state) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::warn!(error = %e, "submission metrics not registered");
                None
            }
        };
        let client = match crate::netpolicy::client(state.allow_private_targets, None) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "submission worker cannot build its HTTP client");
                return;
            }
        };
        let worker = Worker {
            state,
            settings,
            client,
            metrics,
        };
        worker.run().await;
    })
}

/// One process's submission worker.
pub struct Worker {
    state: AppState,
    settings: SubmitConfig,
    client: reqwest::Client,
    metrics: Option<SubmitMetrics>,
}

impl Worker {
    /// Runs forever: routes new records (every poll interval, at once again while there are
    /// more), keeps up to `concurrency` submissions in flight, claiming more as soon as any
    /// finishes, and writes outcomes as they arrive. A slow or hanging platform therefore holds
    /// up only its own submissions, never the others'.
    pub async fn run(&self) {
        let mut inflight = FuturesUnordered::new();
        let lease = self.lease();
        let heartbeat = Heartbeat::start(self.settings.lease / 4, {
            let db = self.state.db.clone();
            move |claims| {
                let db = db.clone();
                async move { store::extend(&db, &claims, lease).await }
            }
        });
        let mut last_route: Option<tokio::time::Instant> = None;
        let mut more_to_route = false;
        loop {
            let route_due =
                more_to_route || last_route.is_none_or(|t| t.elapsed() >= self.settings.poll);
            if route_due {
                last_route = Some(tokio::time::Instant::now());
                more_to_route = match self.route().await {
                    Ok(events) => events > 0,
                    Err(e) => {
                        tracing::error!(error = %e, "submission routing failed");
                        false
                    }
                };
            }
            let free = self
                .settings
                .concurrency
                .max(1)
                .saturating_sub(inflight.len());
            let mut claimed = 0;
            if free > 0 {
                match self.claim(free).await {
                    Ok((rows, ctx)) => {
                        claimed = rows.len();
                        heartbeat.hold(rows.iter().map(Job::claim));
                        for sub in rows {
                            let ctx = Arc::clone(&ctx);
                            inflight.push(async move {
                                let (finish, code) = self.send_one(&ctx, &sub).await;
                                (sub, finish, code)
                            });
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "claiming submissions failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            if inflight.is_empty() {
                if claimed == 0 && !more_to_route {
                    tokio::time::sleep(self.settings.poll).await;
                }
                continue;
            }
            // Wait for a send to finish (then write every finished one at once), or for a short
            // while, to claim what became due meanwhile.
            tokio::select! {
                Some(first) = inflight.next() => {
                    // Those finishing within a few milliseconds share one commit.
                    let mut done = vec![first];
                    let window = tokio::time::sleep(WRITE_WINDOW);
                    tokio::pin!(window);
                    loop {
                        tokio::select! {
                            Some(more) = inflight.next() => done.push(more),
                            () = &mut window => break,
                            else => break,
                        }
                    }
                    let finished: Vec<_> = done.iter().map(|(sub, _, _)| sub.claim()).collect();
                    let written = self.write(done).await;
                    // Written or not, this worker is done with them: a failed write leaves them
                    // to run out and be sent again.
                    for claim in finished {
                        heartbeat.release(claim);
                    }
                    if let Err(e) = written {
                        tracing::error!(error = %e, "could not record submission outcomes; they are sent again after their lease");
                    }
                }
                () = tokio::time::sleep(self.settings.poll.min(Duration::from_millis(100))) => {}
            }
        }
    }

    /// One router pass; returns how many events it read.
    async fn route(&self) -> Result<usize, StoreError> {
        let routed = {
            let _turn = self.state.write_gate.enter_background().await;
            store::route_pass(&self.state.db, ROUTE_SELLERS, ROUTE_EVENTS).await?
        };
        if routed.submissions > 0 {
            tracing::debug!(
                events = routed.events,
                submissions = routed.submissions,
                "routed"
            );
            if let Some(m) = &self.metrics {
                m.routed
                    .with_label_values(&["any"])
                    .inc_by(routed.submissions as u64);
            }
        }
        Ok(routed.events)
    }

    /// The claim lease, as configured.
    fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.lease).unwrap_or(LEASE)
    }

    /// Claims up to `n` due submissions and loads what sending them needs.
    async fn claim(
        &self,
        n: usize,
    ) -> Result<(Vec<submission::Model>, Arc<SendContext>), StoreError> {
        let claimed = {
            let _turn = self.state.write_gate.enter_background().await;
            let batch = CLAIM_BATCH.min(n as u64);
            store::claim(&self.state.db, batch, self.lease()).await?
        };
        let ctx = if claimed.is_empty() {
            SendContext::default()
        } else {
            store::send_context(&self.state.db, &claimed).await?
        };
        Ok((claimed, Arc::new(ctx)))
    }

    /// Writes finished sends' outcomes in one transaction (one commit, not one per
    /// submission). Should it fail, the rows stay claimed and are sent again once their lease
    /// runs out, under the same idempotency keys.
    async fn write(
        &self,
        done: Vec<(submission::Model, Finish, String)>,
    ) -> Result<(), StoreError> {
        let outcomes: Vec<(&submission::Model, &Finish)> =
            done.iter().map(|(sub, finish, _)| (sub, finish)).collect();
        let written = {
            let _turn = self.state.write_gate.enter_background().await;
            store::finish_all(&self.state.db, &outcomes, Utc::now()).await?
        };
        for ((sub, finish, platform_code), ok) in done.iter().zip(written) {
            if !ok {
                tracing::warn!(
                    submission_id = sub.id,
                    "claim lost before the outcome was written (lease ran out)"
                );
                continue;
            }
            let label = match finish {
                Finish::Accepted { .. } => "accepted",
                Finish::Rejected { .. } => "rejected",
                Finish::Retry { .. } => "retried",
                Finish::Dead { .. } => "dead",
                Finish::NeedsCredentials | Finish::CredentialRefused { .. } => "needs_credentials",
            };
            if let Some(m) = &self.metrics {
                m.outcomes
                    .with_label_values(&[platform_code.as_str(), label])
                    .inc();
            }
        }
        Ok(())
    }

    /// Sends one claimed submission; never fails (every problem is a [`Finish`]).
    #[tracing::instrument(skip_all, fields(submission_id = sub.id, platform_id = %sub.platform_id, attempt = sub.attempts))]
    async fn send_one(&self, ctx: &SendContext, sub: &submission::Model) -> (Finish, String) {
        let Some(platform) = ctx.platforms.get(&sub.platform_id) else {
            return (
                Finish::Rejected {
                    http_status: None,
                    reason: "the platform is no longer registered".to_owned(),
                },
                String::new(),
            );
        };
        let code = platform.code.clone();
        let policy = Policy::of(platform, &self.settings);
        let finish = match self.prepare(ctx, platform, sub).await {
            Err(finish) => finish,
            Ok((target, submission)) => {
                let outcome =
                    platforms::submit(&self.client, &target, &submission, policy.follow).await;
                match policy.finish(sub.attempts, outcome) {
                    // The seller's own credential was refused: nothing the platform would take
                    // from this seller until it is set again, so hold rather than give up.
                    Finish::Rejected {
                        http_status: Some(status @ (401 | 403)),
                        reason,
                    } if platform.requires_credentials => Finish::CredentialRefused {
                        http_status: status,
                        reason,
                    },
                    other => other,
                }
            }
        };
        (finish, code)
    }

    /// The target and the submission to send, or how the attempt ends without a request.
    async fn prepare(
        &self,
        ctx: &SendContext,
        platform: &platform::Model,
        sub: &submission::Model,
    ) -> Result<(Target, Submission), Finish> {
        let policy = Policy::of(platform, &self.settings);
        let kind: TargetKind =
            serde_json::from_str(&platform.protocol).map_err(|e| Finish::Rejected {
                http_status: None,
                reason: format!("the platform's protocol setting is unreadable: {e}"),
            })?;
        let base_url =
            crate::netpolicy::check_target(&platform.base_url, self.state.allow_private_targets)
                .await
                .map_err(|reason| {
                    policy.finish(
                        sub.attempts,
                        Outcome::Retry {
                            reason: format!("platform URL refused: {reason}"),
                            retry_after: None,
                        },
                    )
                })?;
        let credential = ctx
            .credentials
            .get(&(sub.seller_id.clone(), sub.platform_id.clone()));
        let auth_header = match credential {
            None if platform.requires_credentials => return Err(Finish::NeedsCredentials),
            None => None,
            Some(sealed) => {
                let value = self
                    .state
                    .secret_key
                    .open(
                        sealed,
                        suyuan_store::sealed::platform_credential(
                            &suyuan_store::sealed::credential_row(&sub.seller_id, &sub.platform_id),
                        ),
                    )
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| Finish::Rejected {
                        http_status: None,
                        reason: "the seller's credential cannot be opened with this installation's key; set it again".to_owned(),
                    })?;
                Some((platform.credential_header.clone(), value))
            }
        };
        let document = ctx
            .documents
            .get(&sub.event_id)
            .ok_or_else(|| Finish::Rejected {
                http_status: None,
                reason: "the trace event is missing".to_owned(),
            })?;
        let event: serde_json::Value =
            serde_json::from_str(document).map_err(|e| Finish::Rejected {
                http_status: None,
                reason: format!("the stored event is not JSON: {e}"),
            })?;
        Ok((
            Target {
                id: platform.id.clone(),
                base_url,
                kind,
                auth_header,
            },
            Submission {
                idempotency_key: sub.idempotency_key.clone(),
                event,
                record_kind: sub.record_kind.clone(),
                seller_id: sub.seller_id.clone(),
                seller_credit_code: ctx
                    .credit_codes
                    .get(&sub.seller_id)
                    .cloned()
                    .unwrap_or_default(),
            },
        ))
    }
}

/// A platform's retry and timeout settings: its own overrides, else the installation's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Attempts before dead-lettering.
    pub max_attempts: i32,
    /// First retry delay.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// Request timeout and capture-job following.
    pub follow: FollowPolicy,
}

fn ms(v: Option<i64>) -> Option<Duration> {
    v.and_then(|v| u64::try_from(v).ok())
        .map(Duration::from_millis)
}

impl Policy {
    /// The policy of `platform` under `settings`.
    pub fn of(platform: &platform::Model, settings: &SubmitConfig) -> Policy {
        let max_wait = ms(platform.follow_max_ms).unwrap_or(settings.follow_max);
        Policy {
            max_attempts: platform
                .max_attempts
                .unwrap_or(settings.max_attempts)
                .max(1),
            backoff_base: ms(platform.backoff_base_ms).unwrap_or(settings.backoff_base),
            backoff_max: ms(platform.backoff_max_ms).unwrap_or(settings.backoff_max),
            follow: FollowPolicy {
                poll_interval: (max_wait / 20)
                    .clamp(Duration::from_millis(20), Duration::from_millis(500)),
                max_wait,
                request_timeout: ms(platform.request_timeout_ms)
                    .unwrap_or(settings.request_timeout),
            },
        }
    }

    /// The retry budget and backoff of this policy (the rule every queue uses: see
    /// [`suyuan_core::retry`]).
    pub fn retry(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts,
            backoff: Backoff {
                base: self.backoff_base,
                max: self.backoff_max,
            },
        }
    }

    /// The delay before attempt `attempts + 1`: `base · 2^(attempts-1)`, at most `backoff_max`,
    /// with "equal jitter" (between half of it and all of it), so retries of many submissions
    /// spread out instead of arriving together.
    pub fn backoff(&self, attempts: i32) -> Duration {
        self.retry().backoff.delay(attempts)
    }

    /// What an adapter outcome means for a submission after `attempts` attempts.
    pub fn finish(&self, attempts: i32, outcome: Outcome) -> Finish {
        match outcome {
            Outcome::Accepted { receipt } => Finish::Accepted { receipt },
            Outcome::Rejected { status, reason } => Finish::Rejected {
                http_status: status,
                reason,
            },
            Outcome::Retry {
                reason,
                retry_after,
            } => match self.retry().verdict(attempts) {
                Verdict::GiveUp => Finish::Dead {
                    reason: format!("gave up after {attempts} attempts; last: {reason}"),
                },
                Verdict::Retry(backoff) => {
                    let wait = backoff.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER));
                    let wait =
                        chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                    Finish::Retry {
                        reason,
                        at: Utc::now() + wait,
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(base_ms: u64, max_ms: u64) -> Policy {
        Policy {
            max_attempts: 3,
            backoff_base: Duration::from_millis(base_ms),
            backoff_max: Duration::from_millis(max_ms),
            follow: FollowPolicy::default(),
        }
    }

    #[test]
    fn backoff_doubles_per_attempt_within_its_jitter_and_stops_at_the_maximum() {
        let p = policy(1000, 5000);
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_millis(1000));
            let third = p.backoff(3);
            assert!(third >= Duration::from_millis(2000) && third <= Duration::from_millis(4000));
            let late = p.backoff(20);
            assert!(late >= Duration::from_millis(2500) && late <= Duration::from_millis(5000));
        }
    }

    #[test]
    fn a_retry_waits_at_least_as_long_as_the_platform_asks() {
        let p = policy(10, 20);
        let before = Utc::now();
        let Finish::Retry { at, .. } = p.finish(
            1,
            Outcome::Retry {
                reason: "503".into(),
                retry_after: Some(Duration::from_secs(30)),
            },
        ) else {
            panic!("expected a retry");
        };
        assert!(at - before >= chrono::Duration::seconds(30));
    }

    #[test]
    fn a_retry_after_the_budget_is_dead_with_the_last_reason() {
        let p = policy(10, 20);
        let f = p.finish(
            3,
            Outcome::Retry {
                reason: "could not connect".into(),
                retry_after: None,
            },
        );
        assert_eq!(
            f,
            Finish::Dead {
                reason: "gave up after 3 attempts; last: could not connect".into()
            }
        );
    }
}
