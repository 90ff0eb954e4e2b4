//! The overview figures of every jurisdiction, rolled up at the end of each analytics run (in
//! the run's transaction, see [`crate::analytics::save_results`]) and read by the overview page
//! as one row: the results are summed per seller division in SQL (a few thousand rows whatever
//! the number of events), then per scope by `suyuan_core::dashboard::overview::overviews`.

use crate::StoreError;
use crate::analytics::ResultScope;
use crate::entity::{
    analytics_overdue as overdue, analytics_overview as overview, analytics_score as score,
    analytics_timeliness as timeliness,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use suyuan_core::dashboard::overview::{
    OverviewFigures, ScoreSum, TREND_WEEKS, TimelinessSum, overviews,
};

const CHUNK: usize = 500;

/// `SUM` of an integer column as a 64-bit integer on both engines (PostgreSQL sums `bigint`
/// into `numeric`).
fn sum_i64(col: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Expr::col(col).sum().cast_as(Alias::new("BIGINT"))
}

/// Replaces the stored overview figures with those of the results as they now stand. Call it
/// inside the transaction that saved them.
pub(crate) async fn roll_up(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let scores: Vec<(String, String, f64, i64)> = score::Entity::find()
        .select_only()
        .column(score::Column::Division)
        .column(score::Column::Period)
        .column_as(Expr::col(score::Column::Score).sum(), "sum")
        .column_as(Expr::col(score::Column::Id).count(), "n")
        .group_by(score::Column::Division)
        .group_by(score::Column::Period)
        .into_tuple()
        .all(conn)
        .await?;
    // The results' latest weeks (the overview shows no more).
    let weeks: Vec<String> = timeliness::Entity::find()
        .select_only()
        .column(timeliness::Column::Week)
        .distinct()
        .order_by_desc(timeliness::Column::Week)
        .limit(TREND_WEEKS as u64)
        .into_tuple()
        .all(conn)
        .await?;
    let mut sums = Vec::new();
    if let Some(first) = weeks.last() {
        let grouped = |dimension: &str| {
            let q = timeliness::Entity::find()
                .select_only()
                .column(timeliness::Column::Division)
                .column(timeliness::Column::Week);
            let q = if dimension == "category" {
                q.column(timeliness::Column::Key)
            } else {
                q.column_as(Expr::value(""), "key")
            };
            let q = q
                .column_as(sum_i64(timeliness::Column::WithinDeadline), "within")
                .column_as(sum_i64(timeliness::Column::Completed), "completed")
                .column_as(sum_i64(timeliness::Column::Overdue), "overdue")
                .filter(timeliness::Column::Week.gte(first.as_str()))
                .filter(timeliness::Column::Dimension.eq(dimension))
                .group_by(timeliness::Column::Division)
                .group_by(timeliness::Column::Week);
            if dimension == "category" {
                q.group_by(timeliness::Column::Key)
            } else {
                q
            }
        };
        for dimension in ["seller", "category"] {
            let rows: Vec<(String, String, String, i64, i64, i64)> =
                grouped(dimension).into_tuple().all(conn).await?;
            sums.extend(
                rows.into_iter()
                    .map(|(division, week, key, w, c, o)| TimelinessSum {
                        division,
                        week,
                        category: (dimension == "category").then_some(key),
                        counts: (w, c, o),
                    }),
            );
        }
    }
    let overdue: Vec<(String, i64)> = overdue::Entity::find()
        .select_only()
        .column(overdue::Column::Division)
        .column_as(Expr::col(overdue::Column::Id).count(), "n")
        .group_by(overdue::Column::Division)
        .into_tuple()
        .all(conn)
        .await?;
    let scores: Vec<ScoreSum> = scores
        .into_iter()
        .map(|(division, period, sum, n)| ScoreSum {
            division,
            period,
            sum,
            n,
        })
        .collect();
    let figures = overviews(&scores, &sums, &overdue);

    overview::Entity::delete_many().exec(conn).await?;
    let rows = figures
        .iter()
        .map(|(scope, f)| {
            Ok(overview::ActiveModel {
                scope: Set(scope.clone()),
                figures: Set(
                    serde_json::to_string(f).map_err(|e| StoreError::Corrupt(e.to_string()))?
                ),
                computed_at: Set(now),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    for chunk in rows.chunks(CHUNK) {
        overview::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(rows.len())
}

/// The overview figures of a jurisdiction (or the nation), as of the last run; the empty
/// figures when it has no results. A seller's scope has no overview.
pub async fn overview(
    conn: &impl ConnectionTrait,
    scope: &ResultScope,
) -> Result<OverviewFigures, StoreError> {
    let key = match scope {
        ResultScope::All => String::new(),
        ResultScope::Jurisdiction(j) => j.as_prefix().to_owned(),
        ResultScope::Seller(_) => return Err(StoreError::NotFound("overview")),
    };
    match overview::Entity::find_by_id(key).one(conn).await? {
        Some(row) => serde_json::from_str(&row.figures)
            .map_err(|e| StoreError::Corrupt(format!("overview {}: {e}", row.scope))),
        None => Ok(OverviewFigures::default()),
    }
}
