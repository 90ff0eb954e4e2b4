//! One durable queue: the mechanics every background job of the service shares (webhook
//! deliveries, trace-platform submissions, operator notifications, outgoing mail).
//!
//! A job is a row of its queue's own table. A [`Queue`] names that table's columns (sea-query
//! identifiers of the entity) and spells its states; every queue then has the same life:
//!
//! - **enqueue** ([`Queue::pending`], [`Queue::enqueue`]): `pending`, due now or later, no
//!   attempts, usually in the transaction that made the job necessary;
//! - **claim** ([`Queue::claim`]): due `pending` jobs, and claimed jobs whose lease ran out (their
//!   worker died: lease expiry is recovered by the next claim), become claimed until `now +
//!   lease`; each claim counts an attempt. PostgreSQL picks the rows with `FOR UPDATE SKIP
//!   LOCKED`, so any number of workers and instances share a queue and each job is handed out
//!   once; SQLite has one writer, and a claim is one `UPDATE … RETURNING` statement;
//! - **finish**: done ([`Queue::complete`]), another attempt at a time ([`Queue::retry_at`]) or
//!   dead with the reason ([`Queue::bury`]); [`Queue::fail`] decides between the last two by
//!   the queue's [`RetryPolicy`] (exponential backoff with jitter, a budget of attempts, see
//!   [`suyuan_core::retry`]). Every finish names the claim it ends ([`Claim`]: the id and the
//!   attempt), so a worker whose lease ran out and whose job was taken over writes nothing;
//! - **heartbeat** ([`Queue::extend`], [`Heartbeat`]): a live worker renews the leases of what it
//!   holds, so leases are short and a dead worker's jobs come back soon;
//! - **dead letters** ([`Queue::dead_letters`]) keep the last error, and **replay**
//!   ([`Queue::replay`]) puts them back to `pending` with their attempts reset;
//! - **counts** by state ([`Queue::count`], [`Queue::counts`]).
//!
//! Every function takes `now`: the queue never reads the clock, so tests set it.

use crate::StoreError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait as _, LockBehavior, LockType, Order, Query, SelectStatement,
    UnionType,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait as _,
    QueryFilter, QueryOrder, QuerySelect, UpdateMany,
};
use std::collections::BTreeMap;
use suyuan_core::retry::{RetryPolicy, Verdict};

mod heartbeat;
pub mod mail;
pub mod notifications;

pub use heartbeat::Heartbeat;

/// How a queue's table spells the states of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct States {
    /// Waiting for its time (new, retried or replayed).
    pub pending: &'static str,
    /// Claimed by a worker until its lease runs out.
    pub claimed: &'static str,
    /// Finished.
    pub done: &'static str,
    /// Given up on after its budget (or at once, when it cannot succeed); replayable.
    pub dead: &'static str,
}

/// One queue: its table (the entity `E`) and the columns the mechanics use.
#[derive(Debug)]
pub struct Queue<E: EntityTrait> {
    /// The id (a 64-bit integer key, in claim order).
    pub id: E::Column,
    /// The state (text, one of [`Queue::states`] or a state of the queue's own).
    pub status: E::Column,
    /// Attempts so far (each claim is one).
    pub attempts: E::Column,
    /// When a pending job is due.
    pub next_attempt_at: E::Column,
    /// Until when a claim holds (null when not claimed).
    pub locked_until: E::Column,
    /// The last failure's reason.
    pub last_error: E::Column,
    /// Set to the time a job is done, if the table keeps it.
    pub finished_at: Option<E::Column>,
    /// Set to the time of every change, if the table keeps it.
    pub touched_at: Option<E::Column>,
    /// The states.
    pub states: States,
    /// The states [`Queue::replay`] takes back (the dead one, and any final refusal of the
    /// queue's own).
    pub replayable: &'static [&'static str],
    /// Columns of a failure besides the error that a replay clears.
    pub cleared_on_replay: &'static [E::Column],
    /// How much of an error is kept, in characters.
    pub error_chars: usize,
}

/// A claimed job as its worker holds it: the id and the attempt the claim counted. Writing an
/// outcome needs both, so a claim that was taken over after its lease ran out writes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Claim {
    /// The job's id.
    pub id: i64,
    /// The attempt this claim is.
    pub attempts: i32,
}

/// A row of a queue's table.
pub trait Job {
    /// The claim this row, as read, stands for.
    fn claim(&self) -> Claim;
}

/// What [`Queue::fail`] made of a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failed {
    /// Pending again, due at this time.
    Retrying {
        /// The next attempt's time.
        at: DateTime<Utc>,
    },
    /// Dead-lettered with the reason.
    Dead,
    /// The claim was lost (its lease ran out and another worker took the job): nothing written.
    ClaimLost,
}

/// Jobs inserted per statement.
const INSERT_CHUNK: usize = 200;
/// Claims finished per statement.
const FINISH_CHUNK: usize = 100;

impl<E> Queue<E>
where
    E: EntityTrait,
    E::Model: Job + Send + Sync,
{
    /// A new job's queue columns: pending, due at `at`, no attempts, no error.
    pub fn pending(
        &self,
        mut row: E::ActiveModel,
        at: DateTime<Utc>,
    ) -> Result<E::ActiveModel, StoreError> {
        row.try_set(self.status, self.states.pending.into())?;
        row.try_set(self.attempts, 0i32.into())?;
        row.try_set(self.next_attempt_at, at.into())?;
        row.try_set(self.locked_until, Option::<DateTime<Utc>>::None.into())?;
        row.try_set(self.last_error, Option::<String>::None.into())?;
        Ok(row)
    }

    /// Stores new jobs, due at `at` (in the caller's transaction, when `db` is one).
    pub async fn enqueue(
        &self,
        db: &impl ConnectionTrait,
        rows: Vec<E::ActiveModel>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let rows = rows
            .into_iter()
            .map(|r| self.pending(r, at))
            .collect::<Result<Vec<_>, _>>()?;
        for chunk in rows.chunks(INSERT_CHUNK) {
            E::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }

    /// Claims up to `limit` jobs due at `now` for `lease`, in id order: pending ones whose time
    /// has come, and claimed ones whose lease ran out. Each claim counts as an attempt.
    pub async fn claim(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
        limit: u64,
        lease: Duration,
    ) -> Result<Vec<E::Model>, StoreError> {
        let due = self.due(db.get_database_backend(), now, limit);
        self.claim_selected(db, now, lease, self.id.in_subquery(due))
            .await
    }

    /// Claims the jobs `selected` picks, for `lease`, in id order: for a queue with an order of
    /// its own (see [`crate::submissions`]). The condition must pick due jobs only (pending and
    /// due, or claimed with their lease run out) and lock them as [`Queue::claim`] does.
    pub async fn claim_selected(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
        lease: Duration,
        selected: Expr,
    ) -> Result<Vec<E::Model>, StoreError> {
        let mut update = Query::update();
        update
            .table(E::default().table_ref())
            .value(self.status, Expr::value(self.states.claimed))
            .value(self.locked_until, Expr::value(now + lease))
            .value(self.attempts, Expr::col(self.attempts).add(1));
        if let Some(touched) = self.touched_at {
            update.value(touched, Expr::value(now));
        }
        update.and_where(selected).returning_all();
        let mut rows = E::find()
            .from_raw_sql(db.get_database_backend().build(&update))
            .all(db)
            .await?;
        rows.sort_by_key(|r| r.claim().id);
        Ok(rows)
    }

    /// The ids of the jobs a claim at `now` takes, as a sub-query.
    fn due(&self, backend: DbBackend, now: DateTime<Utc>, limit: u64) -> SelectStatement {
        let waiting = Condition::all()
            .add(self.status.eq(self.states.pending))
            .add(self.next_attempt_at.lte(now));
        let abandoned = Condition::all()
            .add(self.status.eq(self.states.claimed))
            .add(self.locked_until.lt(now));
        let mut due = Query::select();
        if backend == DbBackend::Postgres {
            due.column(self.id)
                .from(E::default().table_ref())
                .cond_where(Condition::any().add(waiting).add(abandoned))
                .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        } else {
            // Two range scans of the (status, next_attempt_at) index rather than a scan of the
            // whole table, which keeps every finished job.
            let mut both = Query::select();
            both.column(self.id)
                .from(E::default().table_ref())
                .cond_where(waiting)
                .union(
                    UnionType::All,
                    Query::select()
                        .column(self.id)
                        .from(E::default().table_ref())
                        .cond_where(abandoned)
                        .to_owned(),
                );
            due.column(self.id).from_subquery(both, Alias::new("due"));
        }
        due.order_by(self.id, Order::Asc).limit(Ord::max(limit, 1));
        due
    }

    /// An update that ends a claim: not locked any more, touched now.
    fn ending(&self, now: DateTime<Utc>) -> UpdateMany<E> {
        let q = E::update_many().col_expr(self.locked_until, Expr::null());
        match self.touched_at {
            Some(touched) => q.col_expr(touched, Expr::value(now)),
            None => q,
        }
    }

    /// The row as `claim` left it: still claimed, at the same attempt.
    fn held(&self, claim: Claim) -> Condition {
        Condition::all()
            .add(self.id.eq(claim.id))
            .add(self.status.eq(self.states.claimed))
            .add(self.attempts.eq(claim.attempts))
    }

    fn cut(&self, reason: &str) -> String {
        reason.chars().take(self.error_chars).collect()
    }

    /// Moves the leases of the claims still held to `now + lease`, never earlier than they
    /// were (see [`Heartbeat`]); returns how many leases moved.
    pub async fn extend(
        &self,
        db: &impl ConnectionTrait,
        claims: &[Claim],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<u64, StoreError> {
        let until = now + lease;
        let mut held = 0;
        for chunk in claims.chunks(FINISH_CHUNK) {
            let cond = chunk
                .iter()
                .fold(Condition::any(), |any, c| any.add(self.held(*c)));
            held += E::update_many()
                .col_expr(self.locked_until, Expr::value(until))
                .filter(cond)
                .filter(self.locked_until.lt(until))
                .exec(db)
                .await?
                .rows_affected;
        }
        Ok(held)
    }

    /// Marks claimed jobs done (one statement per hundred); returns how many were still held.
    pub async fn complete(
        &self,
        db: &impl ConnectionTrait,
        claims: &[Claim],
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut done = 0;
        for chunk in claims.chunks(FINISH_CHUNK) {
            let held = chunk
                .iter()
                .fold(Condition::any(), |any, c| any.add(self.held(*c)));
            done += self
                .done_update(now, Vec::new())
                .filter(held)
                .exec(db)
                .await?
                .rows_affected;
        }
        Ok(done)
    }

    /// Marks one claimed job done, setting `extra` columns too (what the job produced);
    /// `false` when the claim was lost.
    pub async fn complete_with(
        &self,
        db: &impl ConnectionTrait,
        claim: Claim,
        now: DateTime<Utc>,
        extra: Vec<(E::Column, Expr)>,
    ) -> Result<bool, StoreError> {
        let res = self
            .done_update(now, extra)
            .filter(self.held(claim))
            .exec(db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    fn done_update(&self, now: DateTime<Utc>, extra: Vec<(E::Column, Expr)>) -> UpdateMany<E> {
        let mut q = self
            .ending(now)
            .col_expr(self.status, Expr::value(self.states.done))
            .col_expr(self.last_error, Expr::null());
        if let Some(finished) = self.finished_at {
            q = q.col_expr(finished, Expr::value(now));
        }
        extra.into_iter().fold(q, |q, (c, e)| q.col_expr(c, e))
    }

    /// Puts a claimed job back to pending for another attempt at `at`, keeping `reason`;
    /// `false` when the claim was lost.
    pub async fn retry_at(
        &self,
        db: &impl ConnectionTrait,
        claim: Claim,
        now: DateTime<Utc>,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let res = self
            .ending(now)
            .col_expr(self.status, Expr::value(self.states.pending))
            .col_expr(self.next_attempt_at, Expr::value(at))
            .col_expr(self.last_error, Expr::value(self.cut(reason)))
            .filter(self.held(claim))
            .exec(db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Dead-letters a claimed job with `reason`; `false` when the claim was lost.
    pub async fn bury(
        &self,
        db: &impl ConnectionTrait,
        claim: Claim,
        now: DateTime<Utc>,
        reason: &str,
    ) -> Result<bool, StoreError> {
        self.settle(db, claim, now, self.states.dead, Some(reason), Vec::new())
            .await
    }

    /// Ends a claim in a state of the queue's own (a refusal, a hold), with a reason and `extra`
    /// columns; `false` when the claim was lost.
    pub async fn settle(
        &self,
        db: &impl ConnectionTrait,
        claim: Claim,
        now: DateTime<Utc>,
        status: &str,
        reason: Option<&str>,
        extra: Vec<(E::Column, Expr)>,
    ) -> Result<bool, StoreError> {
        let q = self
            .ending(now)
            .col_expr(self.status, Expr::value(status))
            .col_expr(self.last_error, Expr::value(reason.map(|r| self.cut(r))));
        let res = extra
            .into_iter()
            .fold(q, |q, (c, e)| q.col_expr(c, e))
            .filter(self.held(claim))
            .exec(db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Records a failed attempt: another one after the policy's backoff, or dead once its
    /// budget is spent (at once without a policy: the job cannot succeed).
    pub async fn fail(
        &self,
        db: &impl ConnectionTrait,
        claim: Claim,
        now: DateTime<Utc>,
        reason: &str,
        policy: Option<&RetryPolicy>,
    ) -> Result<Failed, StoreError> {
        let verdict = policy.map_or(Verdict::GiveUp, |p| p.verdict(claim.attempts));
        let kept = match verdict {
            Verdict::Retry(wait) => {
                let at = now + Duration::from_std(wait).unwrap_or(Duration::hours(1));
                self.retry_at(db, claim, now, at, reason)
                    .await?
                    .then_some(Failed::Retrying { at })
            }
            Verdict::GiveUp => self
                .bury(db, claim, now, reason)
                .await?
                .then_some(Failed::Dead),
        };
        Ok(kept.unwrap_or(Failed::ClaimLost))
    }

    /// Dead-lettered jobs within `scope` (the caller's tenant filter), newest first.
    pub async fn dead_letters(
        &self,
        db: &impl ConnectionTrait,
        scope: Condition,
        limit: u64,
    ) -> Result<Vec<E::Model>, StoreError> {
        Ok(E::find()
            .filter(self.status.eq(self.states.dead))
            .filter(scope)
            .order_by(self.id, Order::Desc)
            .limit(limit)
            .all(db)
            .await?)
    }

    /// Puts the replayable jobs within `scope` back to pending, due at `now`, with their
    /// attempts reset and their error cleared; returns how many.
    pub async fn replay(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
        scope: Condition,
    ) -> Result<u64, StoreError> {
        let q = self
            .ending(now)
            .col_expr(self.status, Expr::value(self.states.pending))
            .col_expr(self.attempts, Expr::value(0i32))
            .col_expr(self.next_attempt_at, Expr::value(now))
            .col_expr(self.last_error, Expr::null());
        let q = self
            .cleared_on_replay
            .iter()
            .fold(q, |q, c| q.col_expr(*c, Expr::null()));
        Ok(q.filter(self.status.is_in(self.replayable.iter().copied()))
            .filter(scope)
            .exec(db)
            .await?
            .rows_affected)
    }

    /// How many jobs are in `status`.
    pub async fn count(&self, db: &impl ConnectionTrait, status: &str) -> Result<u64, StoreError> {
        Ok(E::find().filter(self.status.eq(status)).count(db).await?)
    }

    /// How many jobs are in each state (states without jobs are left out).
    pub async fn counts(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        let rows: Vec<(String, i64)> = E::find()
            .select_only()
            .column(self.status)
            .column_as(self.id.count(), "n")
            .group_by(self.status)
            .into_tuple()
            .all(db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use sea_orm::EntityName as _;

    fn claim_sql(backend: DbBackend) -> String {
        let now = Utc.with_ymd_and_hms(2031, 3, 14, 9, 0, 0).unwrap();
        let q = &crate::inbox::QUEUE;
        let mut update = Query::update();
        update
            .table(crate::entity::webhook_inbox::Entity.table_ref())
            .value(q.status, Expr::value("processing"))
            .and_where(q.id.in_subquery(q.due(backend, now, 64)))
            .returning_all();
        backend.build(&update).to_string()
    }

    #[test]
    fn postgres_claims_skip_the_rows_other_workers_hold() {
        let sql = claim_sql(DbBackend::Postgres);
        assert!(sql.contains("FOR UPDATE SKIP LOCKED"), "{sql}");
        assert!(sql.contains("RETURNING *"), "{sql}");
    }

    #[test]
    fn sqlite_claims_read_the_due_index_twice_instead_of_the_whole_table() {
        let sql = claim_sql(DbBackend::Sqlite);
        assert!(sql.contains("UNION ALL"), "{sql}");
        assert!(!sql.contains("FOR UPDATE"), "{sql}");
    }
}
