//! Small read queries of the people's dashboards that the analytics results do not answer:
//! badge coverage of an operator's marketplace, and how many alerts are open in a scope. Each is
//! one grouped query (plus one for the sellers' names), whatever the number of rows.

use crate::StoreError;
use crate::analytics::ResultScope;
use crate::entity::{analytics_alert as alert, listing, seller};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Listings of one seller and category on a marketplace, by trace state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageRow {
    /// The seller.
    pub seller_id: String,
    /// Its registered name.
    pub seller_name: String,
    /// The catalogue category (`None`: no traced category, nothing to trace).
    pub category_id: Option<String>,
    /// Listings (not deleted).
    pub listings: i64,
    /// Of those in a category, with a trace identity (a badge that says "traced").
    pub traced: i64,
    /// Of those in a category, still without a code.
    pub needs_code: i64,
}

/// Badge coverage of the listings on one marketplace (`platform`, the operator's), by seller and
/// category, sellers by name. Deleted listings do not count.
pub async fn operator_coverage(
    db: &impl ConnectionTrait,
    platform: &str,
) -> Result<Vec<CoverageRow>, StoreError> {
    let groups: Vec<(String, Option<String>, bool, i64)> = listing::Entity::find()
        .select_only()
        .column(listing::Column::SellerId)
        .column(listing::Column::CategoryId)
        .column(listing::Column::NeedsCode)
        .column_as(listing::Column::Id.count(), "n")
        .filter(listing::Column::Platform.eq(platform))
        .filter(listing::Column::Status.ne("deleted"))
        .group_by(listing::Column::SellerId)
        .group_by(listing::Column::CategoryId)
        .group_by(listing::Column::NeedsCode)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<String> = {
        let mut v: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let names: HashMap<String, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        seller::Entity::find()
            .select_only()
            .column(seller::Column::Id)
            .column(seller::Column::Name)
            .filter(seller::Column::Id.is_in(ids))
            .into_tuple::<(String, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    let mut rows: HashMap<(String, Option<String>), CoverageRow> = HashMap::new();
    for (seller_id, category_id, needs_code, n) in groups {
        let row = rows
            .entry((seller_id.clone(), category_id.clone()))
            .or_insert_with(|| CoverageRow {
                seller_name: names.get(&seller_id).cloned().unwrap_or_default(),
                seller_id,
                category_id: category_id.clone(),
                listings: 0,
                traced: 0,
                needs_code: 0,
            });
        row.listings += n;
        if category_id.is_some() {
            if needs_code {
                row.needs_code += n;
            } else {
                row.traced += n;
            }
        }
    }
    let mut rows: Vec<CoverageRow> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        (&a.seller_name, &a.seller_id, &a.category_id).cmp(&(
            &b.seller_name,
            &b.seller_id,
            &b.category_id,
        ))
    });
    Ok(rows)
}

/// How many alerts are in each state in the caller's scope (`open`, `acknowledged`, `resolved`).
pub async fn alert_counts(
    db: &impl ConnectionTrait,
    scope: &ResultScope,
) -> Result<Vec<(String, i64)>, StoreError> {
    let q = scope.filter(
        alert::Entity::find(),
        alert::Column::SellerId,
        alert::Column::Division,
    );
    Ok(q.select_only()
        .column(alert::Column::State)
        .column_as(Expr::col(alert::Column::Id).count(), "n")
        .group_by(alert::Column::State)
        .order_by_asc(alert::Column::State)
        .into_tuple()
        .all(db)
        .await?)
}
