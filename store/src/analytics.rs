//! Results of the supervision analytics (`suyuan_core::supervision`): saved by a run in one
//! transaction, read by pages and the API without recomputing, always through a scope.
//!
//! - **Scores** and **timeliness**: a run replaces every period (month) and week it computed.
//! - **Overdue records**: a run replaces the whole list (it is "overdue now").
//! - **Alerts**: one row per cause key; a run reconciles the causes it found with the stored
//!   alerts ([`suyuan_core::supervision::reconcile`]): a new cause is raised `open`; a cause
//!   still found keeps its state (an acknowledged alert stays acknowledged); an alert whose cause
//!   is no longer found is resolved by itself (`resolved_by = "run"`); a resolved alert whose
//!   cause is found again is reopened (the same row, so never raised twice). Every change of
//!   state is kept in `analytics_alert_events`.

use crate::entity::{
    analytics_alert as alert, analytics_alert_event as alert_event, analytics_overdue as overdue,
    analytics_score as score, analytics_timeliness as timeliness,
};
use crate::{StoreError, placeholders};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::{BTreeSet, HashMap};
use suyuan_core::dashboard::{RankColumn, RankFilter, RankLine, Sort};
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::SellerId;
use suyuan_core::supervision::{
    AlertCause, AlertState, Reconcile, ScoreComponent, SupervisionResults, reconcile,
};
use suyuan_core::tenancy::SellerType;

pub use crate::entity::analytics_alert::Model as AlertRow;
pub use crate::entity::analytics_alert_event::Model as AlertEventRow;
pub use crate::entity::analytics_overdue::Model as OverdueRow;
pub use crate::entity::analytics_score::Model as ScoreRow;
pub use crate::entity::analytics_timeliness::Model as TimelinessRow;

/// Whose results a caller may read.
#[derive(Clone, Debug)]
pub enum ResultScope {
    /// One seller's.
    Seller(SellerId),
    /// Sellers registered in a jurisdiction.
    Jurisdiction(Jurisdiction),
    /// Everyone's (admins).
    All,
}

impl ResultScope {
    pub(crate) fn filter<E, C>(
        &self,
        q: sea_orm::Select<E>,
        seller: C,
        division: C,
    ) -> sea_orm::Select<E>
    where
        E: EntityTrait,
        C: ColumnTrait,
    {
        match self {
            ResultScope::Seller(s) => q.filter(seller.eq(s.as_str())),
            ResultScope::Jurisdiction(j) => {
                let (from, to) = division_range(j);
                let q = q.filter(division.gte(from));
                match to {
                    Some(to) => q.filter(division.lt(to)),
                    None => q,
                }
            }
            ResultScope::All => q,
        }
    }
}

/// The division codes of a jurisdiction as a range, `from <= division < to` (`to` is `None`
/// when nothing follows the prefix): unlike `LIKE 'prefix%'`, a range uses the indexes that
/// lead with the division on both engines. Division codes are digits only, so the codes
/// starting with `44` are those from `44` up to (not including) `45`.
pub(crate) fn division_range(j: &Jurisdiction) -> (String, Option<String>) {
    let from: String = j.as_prefix().chars().filter(char::is_ascii_digit).collect();
    // The last digit that is not a 9, one up, with what follows it dropped.
    let to = from.rfind(|c: char| c != '9').map(|i| {
        let next = char::from(from.as_bytes()[i] + 1);
        format!("{}{next}", &from[..i])
    });
    (from, to)
}

/// What a run changed among the alerts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReconcileOutcome {
    /// Alerts raised for the first time (ids).
    pub raised: Vec<i64>,
    /// Resolved alerts opened again.
    pub reopened: Vec<i64>,
    /// Alerts still found.
    pub kept: usize,
    /// Alerts resolved by themselves.
    pub resolved: Vec<i64>,
    /// Of `raised` and `reopened`, the critical ones (to mail at once).
    pub critical: Vec<i64>,
}

const CHUNK: usize = 500;

/// Saves what a run computed, in one transaction: scores and timeliness of the periods and
/// weeks it computed, the overdue list, the overview figures of every jurisdiction rolled up
/// again ([`crate::overviews`]), and the alerts reconciled.
pub async fn save_results(
    db: &DatabaseConnection,
    results: &SupervisionResults,
    now: DateTime<Utc>,
) -> Result<ReconcileOutcome, StoreError> {
    let txn = db.begin().await?;

    let periods: BTreeSet<&str> = results.scores.iter().map(|s| s.period.as_str()).collect();
    if !periods.is_empty() {
        score::Entity::delete_many()
            .filter(score::Column::Period.is_in(periods))
            .exec(&txn)
            .await?;
    }
    let rows = results
        .scores
        .iter()
        .map(|s| {
            Ok(score::ActiveModel {
                seller_id: Set(s.seller_id.clone()),
                division: Set(s.division.clone()),
                period: Set(s.period.clone()),
                score: Set(s.score),
                grade: Set(s.grade.clone()),
                category_id: Set(s.category_id.clone()),
                rank_province: Set(s.rank_province),
                rank_division: Set(s.rank_division),
                rank_category: Set(s.rank_category),
                change: Set(s.change),
                components: Set(serde_json::to_string(&s.components)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?),
                computed_at: Set(now),
                ..Default::default()
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    for chunk in rows.chunks(CHUNK) {
        score::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }

    let weeks: BTreeSet<&str> = results.timeliness.iter().map(|t| t.week.as_str()).collect();
    if !weeks.is_empty() {
        timeliness::Entity::delete_many()
            .filter(timeliness::Column::Week.is_in(weeks))
            .exec(&txn)
            .await?;
    }
    let rows: Vec<timeliness::ActiveModel> = results
        .timeliness
        .iter()
        .map(|t| timeliness::ActiveModel {
            seller_id: Set(t.seller_id.clone()),
            division: Set(t.division.clone()),
            week: Set(t.week.clone()),
            dimension: Set(t.dimension.clone()),
            key: Set(t.key.clone()),
            records: Set(t.records),
            completed: Set(t.completed),
            within_deadline: Set(t.within_deadline),
            overdue: Set(t.overdue),
            share_within_deadline: Set(t.share_within_deadline),
            delay_p50_s: Set(t.delay_p50_s),
            delay_p90_s: Set(t.delay_p90_s),
            delay_max_s: Set(t.delay_max_s),
            computed_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        timeliness::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }

    overdue::Entity::delete_many().exec(&txn).await?;
    let rows: Vec<overdue::ActiveModel> = results
        .overdue
        .iter()
        .map(|o| overdue::ActiveModel {
            record_id: Set(o.record_id.clone()),
            record_kind: Set(o.record_kind.clone()),
            seller_id: Set(o.seller_id.clone()),
            division: Set(o.division.clone()),
            category_id: Set(o.category_id.clone()),
            region: Set(o.region.clone()),
            started_at: Set(o.started_at),
            deadline_at: Set(o.deadline_at),
            computed_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        overdue::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }

    crate::overviews::roll_up(&txn, now).await?;
    let outcome = reconcile_alerts(&txn, &results.alerts, now).await?;
    txn.commit().await?;
    Ok(outcome)
}

async fn history(
    conn: &impl ConnectionTrait,
    alert_id: i64,
    from: Option<AlertState>,
    to: AlertState,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    history_noted(conn, alert_id, from, to, actor, None, now).await?;
    Ok(())
}

async fn history_noted(
    conn: &impl ConnectionTrait,
    alert_id: i64,
    from: Option<AlertState>,
    to: AlertState,
    actor: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AlertEventRow, StoreError> {
    Ok(alert_event::ActiveModel {
        alert_id: Set(alert_id),
        at: Set(now),
        from_state: Set(from.map(|s| s.as_str().to_owned())),
        to_state: Set(to.as_str().to_owned()),
        actor: Set(actor.to_owned()),
        note: Set(note.map(str::to_owned)),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Reconciles the complete set of causes a run found with the stored alerts (see the module
/// documentation). Call it inside a transaction ([`save_results`] does).
pub async fn reconcile_alerts(
    conn: &impl ConnectionTrait,
    causes: &[AlertCause],
    now: DateTime<Utc>,
) -> Result<ReconcileOutcome, StoreError> {
    let stored: Vec<(i64, String, String)> = alert::Entity::find()
        .select_only()
        .column(alert::Column::Id)
        .column(alert::Column::CauseKey)
        .column(alert::Column::State)
        .into_tuple()
        .all(conn)
        .await?;
    let mut by_key: HashMap<String, (i64, AlertState)> = HashMap::with_capacity(stored.len());
    for (id, key, state) in stored {
        let state = AlertState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("alert {id} state {state}")))?;
        by_key.insert(key, (id, state));
    }
    let mut out = ReconcileOutcome::default();
    let mut found = std::collections::HashSet::with_capacity(causes.len());
    for cause in causes {
        let key = cause.key();
        if !found.insert(key.clone()) {
            continue;
        }
        let detail = cause.detail.to_string();
        let stored = by_key.get(&key).copied();
        match reconcile(stored.map(|(_, s)| s), true) {
            Reconcile::Raise => {
                let row = alert::ActiveModel {
                    cause_key: Set(key),
                    rule: Set(cause.rule.as_str().to_owned()),
                    seller_id: Set(cause.seller_id.clone()),
                    division: Set(cause.division.clone()),
                    subject: Set(cause.subject.clone()),
                    severity: Set(cause.rule.severity().as_str().to_owned()),
                    state: Set(AlertState::Open.as_str().to_owned()),
                    detail: Set(detail),
                    first_raised_at: Set(now),
                    last_found_at: Set(now),
                    acknowledged_at: Set(None),
                    resolved_at: Set(None),
                    resolved_by: Set(None),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
                history(conn, row.id, None, AlertState::Open, "run", now).await?;
                out.raised.push(row.id);
                if cause.rule.severity() == suyuan_core::supervision::Severity::Critical {
                    out.critical.push(row.id);
                }
            }
            Reconcile::Reopen => {
                let Some((id, from)) = stored else { continue };
                alert::Entity::update_many()
                    .col_expr(alert::Column::State, Expr::value(AlertState::Open.as_str()))
                    .col_expr(alert::Column::Detail, Expr::value(detail))
                    .col_expr(alert::Column::LastFoundAt, Expr::value(now))
                    .col_expr(alert::Column::UpdatedAt, Expr::value(now))
                    .col_expr(
                        alert::Column::AcknowledgedAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .col_expr(
                        alert::Column::ResolvedAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .col_expr(
                        alert::Column::ResolvedBy,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(alert::Column::Id.eq(id))
                    .exec(conn)
                    .await?;
                history(conn, id, Some(from), AlertState::Open, "run", now).await?;
                out.reopened.push(id);
                if cause.rule.severity() == suyuan_core::supervision::Severity::Critical {
                    out.critical.push(id);
                }
            }
            Reconcile::Keep => {
                let Some((id, _)) = stored else { continue };
                alert::Entity::update_many()
                    .col_expr(alert::Column::Detail, Expr::value(detail))
                    .col_expr(alert::Column::LastFoundAt, Expr::value(now))
                    .filter(alert::Column::Id.eq(id))
                    .exec(conn)
                    .await?;
                out.kept += 1;
            }
            Reconcile::AutoResolve | Reconcile::Nothing => {}
        }
    }
    for (key, (id, state)) in by_key {
        if found.contains(&key) {
            continue;
        }
        if reconcile(Some(state), false) == Reconcile::AutoResolve {
            set_state(conn, id, state, AlertState::Resolved, "run", None, now).await?;
            out.resolved.push(id);
        }
    }
    out.resolved.sort_unstable();
    Ok(out)
}

async fn set_state(
    conn: &impl ConnectionTrait,
    id: i64,
    from: AlertState,
    to: AlertState,
    actor: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut q = alert::Entity::update_many()
        .col_expr(alert::Column::State, Expr::value(to.as_str()))
        .col_expr(alert::Column::UpdatedAt, Expr::value(now));
    q = match to {
        AlertState::Acknowledged => q.col_expr(alert::Column::AcknowledgedAt, Expr::value(now)),
        AlertState::Resolved => q
            .col_expr(alert::Column::ResolvedAt, Expr::value(now))
            .col_expr(alert::Column::ResolvedBy, Expr::value(actor)),
        AlertState::Open => q,
    };
    // Only from the state read: a concurrent change wins, this one is refused.
    let res = q
        .filter(alert::Column::Id.eq(id))
        .filter(alert::Column::State.eq(from.as_str()))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::State {
            slug: "alert-changed",
            detail_zh: "该提醒的状态刚刚被更改，请刷新后重试".to_owned(),
            detail_en: "the alert changed meanwhile: reload and try again".to_owned(),
        });
    }
    history_noted(conn, id, Some(from), to, actor, note, now).await?;
    Ok(())
}

/// A person acknowledges (`to = Acknowledged`) or resolves (`to = Resolved`) an alert in their
/// scope, with an optional note saying why. Outside the scope it does not exist (`NotFound`); a
/// move the lifecycle refuses (an acknowledged alert acknowledged again, a resolved one resolved
/// again) is a `State` error.
pub async fn change_alert(
    db: &DatabaseConnection,
    scope: &ResultScope,
    id: i64,
    to: AlertState,
    actor: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AlertRow, StoreError> {
    let txn = db.begin().await?;
    // Take the alert row's write lock before reading it: on SQLite a transaction that reads and
    // then writes fails with SQLITE_BUSY when another connection wrote in between (a 500 seen
    // under load, as `standing::verify` did); on PostgreSQL it is the row lock two people would
    // race for.
    alert::Entity::update_many()
        .col_expr(
            alert::Column::UpdatedAt,
            Expr::col(alert::Column::UpdatedAt),
        )
        .filter(alert::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let row = scope
        .filter(
            alert::Entity::find_by_id(id),
            alert::Column::SellerId,
            alert::Column::Division,
        )
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("alert"))?;
    let from = AlertState::parse(&row.state)
        .ok_or_else(|| StoreError::Corrupt(format!("alert {id} state {}", row.state)))?;
    let allowed = match to {
        AlertState::Acknowledged => from.acknowledge(),
        AlertState::Resolved => from.resolve(),
        AlertState::Open => None,
    };
    if allowed != Some(to) {
        return Err(StoreError::State {
            slug: "alert-state",
            detail_zh: format!(
                "该提醒当前为「{}」，不能改为「{}」",
                from.as_str(),
                to.as_str()
            ),
            detail_en: format!(
                "the alert is {}, it cannot become {}",
                from.as_str(),
                to.as_str()
            ),
        });
    }
    set_state(&txn, id, from, to, actor, note, now).await?;
    let row = alert::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("alert"))?;
    txn.commit().await?;
    Ok(row)
}

/// Filters for [`list_scores`].
#[derive(Clone, Debug, Default)]
pub struct ScoreFilter {
    /// Only this seller.
    pub seller_id: Option<String>,
    /// Only this month.
    pub period: Option<String>,
    /// At most this many, newest month first, then best score.
    pub limit: u64,
}

/// Scores in the caller's scope.
pub async fn list_scores(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
    f: &ScoreFilter,
) -> Result<Vec<ScoreRow>, StoreError> {
    let mut q = scope.filter(
        score::Entity::find(),
        score::Column::SellerId,
        score::Column::Division,
    );
    if let Some(s) = &f.seller_id {
        q = q.filter(score::Column::SellerId.eq(s.as_str()));
    }
    if let Some(p) = &f.period {
        q = q.filter(score::Column::Period.eq(p.as_str()));
    }
    Ok(q.order_by_desc(score::Column::Period)
        .order_by_desc(score::Column::Score)
        .order_by_asc(score::Column::SellerId)
        .limit(f.limit)
        .all(conn)
        .await?)
}

/// One page of a ranking and how many lines all its pages hold.
#[derive(Clone, Debug, PartialEq)]
pub struct RankPage {
    /// Lines passing the filter, over all pages.
    pub total: u64,
    /// This page's lines, in order.
    pub lines: Vec<RankLine>,
}

/// The scores of one month in the caller's scope that pass `filter`, ranked in `sort` order
/// ([`Sort::order`], the same rule as [`suyuan_core::dashboard::rank`]): `limit` lines from
/// `offset`, and the count of all. Filtered, sorted and cut in SQL, so a page costs the same
/// for a county and a nation: only the lines shown leave the database (a seller with no
/// `sellers` row is named by its id).
pub async fn rank_page(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
    period: &str,
    filter: &RankFilter,
    sort: Sort,
    offset: u64,
    limit: u64,
) -> Result<RankPage, StoreError> {
    use sea_orm::{DbBackend, Statement, Value};
    let backend = conn.get_database_backend();
    let mut cond: Vec<&str> = vec!["s.period = ?"];
    let mut values: Vec<Value> = vec![period.into()];
    let range = |cond: &mut Vec<&str>, values: &mut Vec<Value>, j: &Jurisdiction| {
        let (from, to) = division_range(j);
        cond.push("s.division >= ?");
        values.push(from.into());
        if let Some(to) = to {
            cond.push("s.division < ?");
            values.push(to.into());
        }
    };
    match scope {
        ResultScope::Seller(id) => {
            cond.push("s.seller_id = ?");
            values.push(id.as_str().into());
        }
        ResultScope::Jurisdiction(j) => range(&mut cond, &mut values, j),
        ResultScope::All => {}
    }
    if let Some(c) = &filter.category {
        cond.push("s.category_id = ?");
        values.push(c.as_str().into());
    }
    if let Some(r) = &filter.region {
        range(&mut cond, &mut values, r);
    }
    if let Some(g) = filter.grade {
        // Grades that start with `g`: from `g` up to the next character.
        cond.push("s.grade >= ? AND s.grade < ?");
        values.push(g.to_string().into());
        values.push(
            char::from_u32(u32::from(g) + 1)
                .unwrap_or(char::MAX)
                .to_string()
                .into(),
        );
    }
    if let Some(t) = filter.seller_type {
        cond.push("t.seller_type = ?");
        values.push(t.as_str().into());
    }
    let from = format!(
        "FROM analytics_scores s LEFT JOIN sellers t ON t.id = s.seller_id WHERE {}",
        cond.join(" AND ")
    );
    // Names compare as bytes on both engines, as in memory (PostgreSQL's default collation
    // would follow the locale).
    let name = match backend {
        DbBackend::Postgres => r#"COALESCE(t.name, s.seller_id) COLLATE "C""#,
        _ => "COALESCE(t.name, s.seller_id)",
    };
    let order: Vec<String> = sort
        .order()
        .into_iter()
        .map(|term| {
            let dir = if term.desc { "DESC" } else { "ASC" };
            match term.column {
                RankColumn::Score => format!("s.score {dir}"),
                // A missing change last whichever the direction.
                RankColumn::Change => {
                    format!("CASE WHEN s.change IS NULL THEN 1 ELSE 0 END ASC, s.change {dir}")
                }
                RankColumn::Name => format!("{name} {dir}"),
                RankColumn::SellerId => format!("s.seller_id {dir}"),
            }
        })
        .collect();

    let count = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, &format!("SELECT COUNT(*) AS n {from}")),
            values.clone(),
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let mut page_values = values;
    page_values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    page_values.push(i64::try_from(offset).unwrap_or(i64::MAX).into());
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                &format!(
                    "SELECT s.seller_id, COALESCE(t.name, s.seller_id) AS name, s.division, \
                     t.seller_type, s.category_id, s.score, s.grade, s.change \
                     {from} ORDER BY {} LIMIT ? OFFSET ?",
                    order.join(", ")
                ),
            ),
            page_values,
        ))
        .await?;
    let lines = rows
        .into_iter()
        .map(|row| {
            let seller_id: String = row.try_get("", "seller_id")?;
            let seller_type = row
                .try_get::<Option<String>>("", "seller_type")?
                .map(|k| {
                    k.parse::<SellerType>().map_err(|e| {
                        StoreError::Corrupt(format!("seller {seller_id}: seller_type: {e}"))
                    })
                })
                .transpose()?;
            Ok(RankLine {
                name: row.try_get("", "name")?,
                division: row.try_get("", "division")?,
                seller_type,
                category_id: row.try_get("", "category_id")?,
                score: row.try_get("", "score")?,
                grade: row.try_get("", "grade")?,
                change: row.try_get("", "change")?,
                seller_id,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(RankPage {
        total: u64::try_from(count).unwrap_or(0),
        lines,
    })
}

/// The components of a stored score (largest loss first).
pub fn score_components(row: &ScoreRow) -> Result<Vec<ScoreComponent>, StoreError> {
    serde_json::from_str(&row.components).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Filters for [`list_timeliness`].
#[derive(Clone, Debug, Default)]
pub struct TimelinessFilter {
    /// Only this seller.
    pub seller_id: Option<String>,
    /// Only this ISO week.
    pub week: Option<String>,
    /// Only this dimension.
    pub dimension: Option<String>,
    /// At most this many, newest week first.
    pub limit: u64,
}

/// Timeliness rows in the caller's scope.
pub async fn list_timeliness(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
    f: &TimelinessFilter,
) -> Result<Vec<TimelinessRow>, StoreError> {
    let mut q = scope.filter(
        timeliness::Entity::find(),
        timeliness::Column::SellerId,
        timeliness::Column::Division,
    );
    if let Some(s) = &f.seller_id {
        q = q.filter(timeliness::Column::SellerId.eq(s.as_str()));
    }
    if let Some(w) = &f.week {
        q = q.filter(timeliness::Column::Week.eq(w.as_str()));
    }
    if let Some(d) = &f.dimension {
        q = q.filter(timeliness::Column::Dimension.eq(d.as_str()));
    }
    Ok(q.order_by_desc(timeliness::Column::Week)
        .order_by_asc(timeliness::Column::SellerId)
        .order_by_asc(timeliness::Column::Dimension)
        .order_by_asc(timeliness::Column::Key)
        .limit(f.limit)
        .all(conn)
        .await?)
}

/// Records overdue (as of the last run) in the caller's scope, longest overdue first.
pub async fn list_overdue(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
    seller_id: Option<&str>,
    limit: u64,
) -> Result<Vec<OverdueRow>, StoreError> {
    let mut q = scope.filter(
        overdue::Entity::find(),
        overdue::Column::SellerId,
        overdue::Column::Division,
    );
    if let Some(s) = seller_id {
        q = q.filter(overdue::Column::SellerId.eq(s));
    }
    Ok(q.order_by_asc(overdue::Column::DeadlineAt)
        .order_by_asc(overdue::Column::RecordId)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Filters for [`list_alerts`].
#[derive(Clone, Debug, Default)]
pub struct AlertFilter {
    /// Only this seller.
    pub seller_id: Option<String>,
    /// Only this state.
    pub state: Option<AlertState>,
    /// Only this severity.
    pub severity: Option<suyuan_core::supervision::Severity>,
    /// Only ids below this (paging, newest first).
    pub before_id: Option<i64>,
    /// At most this many.
    pub limit: u64,
}

/// Alerts in the caller's scope, newest first.
pub async fn list_alerts(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
    f: &AlertFilter,
) -> Result<Vec<AlertRow>, StoreError> {
    let mut q = scope.filter(
        alert::Entity::find(),
        alert::Column::SellerId,
        alert::Column::Division,
    );
    if let Some(s) = &f.seller_id {
        q = q.filter(alert::Column::SellerId.eq(s.as_str()));
    }
    if let Some(s) = f.state {
        q = q.filter(alert::Column::State.eq(s.as_str()));
    }
    if let Some(s) = f.severity {
        q = q.filter(alert::Column::Severity.eq(s.as_str()));
    }
    if let Some(b) = f.before_id {
        q = q.filter(alert::Column::Id.lt(b));
    }
    Ok(q.order_by_desc(alert::Column::Id)
        .limit(f.limit)
        .all(conn)
        .await?)
}

/// A person comments on an alert in their scope (its state unchanged): the comment joins the
/// alert's history. Outside the scope the alert does not exist (`NotFound`).
pub async fn comment_alert(
    db: &DatabaseConnection,
    scope: &ResultScope,
    id: i64,
    actor: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<AlertEventRow, StoreError> {
    let row = scope
        .filter(
            alert::Entity::find_by_id(id),
            alert::Column::SellerId,
            alert::Column::Division,
        )
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("alert"))?;
    let state = AlertState::parse(&row.state)
        .ok_or_else(|| StoreError::Corrupt(format!("alert {id} state {}", row.state)))?;
    history_noted(db, id, Some(state), state, actor, Some(note), now).await
}

/// The notes people left on these alerts (comments, and the reasons given with a change of
/// state), oldest first; the caller has already scoped the alerts.
pub async fn alert_notes(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<AlertEventRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            alert_event::Entity::find()
                .filter(alert_event::Column::AlertId.is_in(chunk.iter().copied()))
                .filter(alert_event::Column::Note.is_not_null())
                .order_by_asc(alert_event::Column::Id)
                .all(conn)
                .await?,
        );
    }
    Ok(out)
}

/// The history of an alert in the caller's scope, oldest first (`NotFound` outside it).
pub async fn alert_history(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
    id: i64,
) -> Result<(AlertRow, Vec<AlertEventRow>), StoreError> {
    let row = scope
        .filter(
            alert::Entity::find_by_id(id),
            alert::Column::SellerId,
            alert::Column::Division,
        )
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound("alert"))?;
    let events = alert_event::Entity::find()
        .filter(alert_event::Column::AlertId.eq(id))
        .order_by_asc(alert_event::Column::Id)
        .all(conn)
        .await?;
    Ok((row, events))
}

/// The alerts with these ids (any scope: for the mail task, which addresses each to its seller).
pub async fn alerts_by_ids(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<AlertRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(alert::Entity::find()
        .filter(alert::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(alert::Column::Id)
        .all(conn)
        .await?)
}

/// The average score per month in the caller's scope (one seller's own score, or the average of
/// a jurisdiction's sellers), the last `months` months, oldest first.
pub async fn score_trend(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
    months: u64,
) -> Result<Vec<(String, f64)>, StoreError> {
    let mut rows: Vec<(String, f64)> = scope
        .filter(
            score::Entity::find(),
            score::Column::SellerId,
            score::Column::Division,
        )
        .select_only()
        .column(score::Column::Period)
        .column_as(Expr::col(score::Column::Score).avg(), "avg")
        .group_by(score::Column::Period)
        .order_by_desc(score::Column::Period)
        .limit(months)
        .into_tuple()
        .all(conn)
        .await?;
    rows.reverse();
    Ok(rows)
}

/// How many records are overdue (as of the last run) in the caller's scope, by record kind.
pub async fn overdue_counts(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(scope
        .filter(
            overdue::Entity::find(),
            overdue::Column::SellerId,
            overdue::Column::Division,
        )
        .select_only()
        .column(overdue::Column::RecordKind)
        .column_as(overdue::Column::Id.count(), "n")
        .group_by(overdue::Column::RecordKind)
        .order_by_asc(overdue::Column::RecordKind)
        .into_tuple()
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::division_range;
    use suyuan_core::division::Jurisdiction;

    fn range(p: &str) -> (String, Option<String>) {
        division_range(&Jurisdiction::parse(p).unwrap())
    }

    #[test]
    fn a_jurisdiction_is_the_range_of_codes_its_prefix_starts() {
        assert_eq!(range("44"), ("44".into(), Some("45".into())));
        assert_eq!(range("4401"), ("4401".into(), Some("4402".into())));
        assert_eq!(range("4419"), ("4419".into(), Some("442".into())));
        assert_eq!(range("440199"), ("440199".into(), Some("4402".into())));
    }
}
