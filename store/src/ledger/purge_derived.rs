//! The rows derived from purged events, and old anonymous rows: what [`super::purge_before`]
//! deletes besides the chain prefix, so that nothing is left pointing at an event that is gone.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use suyuan_core::ids::SellerId;

use super::purge::PurgeReport;
use crate::StoreError;
use crate::entity::{
    code_flag, code_scan, mail_job, operator_delivery, sale, sale_line, submission, transfer,
};
use crate::queue::{mail, notifications};

/// In the seller's purge transaction, before the events go: their sales (lines first, for the
/// foreign key), the B2B transfers sold or claimed with them, their submissions (`seq` at or
/// before `through`) and the flags they raised, plus the seller's flags without an event last
/// seen before the cut-off.
pub(super) async fn delete_derived(
    txn: &impl sea_orm::ConnectionTrait,
    seller: &SellerId,
    purged_ids: &SelectStatement,
    through: i64,
    before: DateTime<Utc>,
    report: &mut PurgeReport,
) -> Result<(), StoreError> {
    let purged_sales = Query::select()
        .column(sale::Column::Id)
        .from(sale::Entity)
        .cond_where(
            Condition::all()
                .add(sale::Column::SellerId.eq(seller.as_str()))
                .add(sale::Column::EventId.in_subquery(purged_ids.clone())),
        )
        .to_owned();
    report.sale_lines += sale_line::Entity::delete_many()
        .filter(sale_line::Column::SaleId.in_subquery(purged_sales))
        .exec(txn)
        .await?
        .rows_affected;
    report.sales += sale::Entity::delete_many()
        .filter(sale::Column::SellerId.eq(seller.as_str()))
        .filter(sale::Column::EventId.in_subquery(purged_ids.clone()))
        .exec(txn)
        .await?
        .rows_affected;
    // The ids are this seller's events: a transfer it sold, or one it claimed as the buyer.
    report.transfers += transfer::Entity::delete_many()
        .filter(
            Condition::any()
                .add(transfer::Column::SaleEventId.in_subquery(purged_ids.clone()))
                .add(transfer::Column::ClaimedEventId.in_subquery(purged_ids.clone())),
        )
        .exec(txn)
        .await?
        .rows_affected;
    report.submissions += submission::Entity::delete_many()
        .filter(submission::Column::SellerId.eq(seller.as_str()))
        .filter(submission::Column::Seq.lte(through))
        .exec(txn)
        .await?
        .rows_affected;
    report.flags += code_flag::Entity::delete_many()
        .filter(code_flag::Column::SellerId.eq(seller.as_str()))
        .filter(
            Condition::any()
                .add(code_flag::Column::EventId.in_subquery(purged_ids.clone()))
                .add(
                    Condition::all()
                        .add(code_flag::Column::EventId.is_null())
                        .add(code_flag::Column::LastSeenAt.lt(before)),
                ),
        )
        .exec(txn)
        .await?
        .rows_affected;
    Ok(())
}

/// After the chains: anonymous code scans before the cut-off, and mail jobs and operator
/// notifications created before it that are settled (sent, skipped or dead; delivered or dead).
pub(super) async fn delete_auxiliary(
    db: &DatabaseConnection,
    before: DateTime<Utc>,
    report: &mut PurgeReport,
) -> Result<(), StoreError> {
    report.scans = code_scan::Entity::delete_many()
        .filter(code_scan::Column::ScannedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected;
    report.mail_jobs = mail_job::Entity::delete_many()
        .filter(mail_job::Column::CreatedAt.lt(before))
        .filter(mail_job::Column::Status.is_in([
            mail::status::SENT,
            mail::status::SKIPPED,
            mail::status::DEAD,
        ]))
        .exec(db)
        .await?
        .rows_affected;
    report.operator_deliveries = operator_delivery::Entity::delete_many()
        .filter(operator_delivery::Column::CreatedAt.lt(before))
        .filter(operator_delivery::Column::Status.is_in([
            notifications::status::DELIVERED,
            notifications::status::DEAD,
        ]))
        .exec(db)
        .await?
        .rows_affected;
    Ok(())
}
