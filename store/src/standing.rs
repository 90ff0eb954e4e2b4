//! A seller account's standing: read on every authenticated request (one primary-key look-up),
//! and changed by review (verify, reject), deactivation and token revocation. The rules of what
//! a standing allows are `suyuan_core::standing`'s; this is where they are stored.

use super::StoreError;
use super::tenants::Seller;
use crate::entity::seller;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use suyuan_core::ids::SellerId;
use suyuan_core::standing::{Standing, Verification, may_review};
use suyuan_core::tenancy::Principal;

/// Verification, deactivated at, tokens valid after.
type StandingRow = (String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The standing of seller `id`, or `None` when there is no such seller.
pub async fn standing_of(
    db: &impl ConnectionTrait,
    id: &SellerId,
) -> Result<Option<Standing>, StoreError> {
    let row: Option<StandingRow> = seller::Entity::find_by_id(id.as_str())
        .select_only()
        .column(seller::Column::Verification)
        .column(seller::Column::DeactivatedAt)
        .column(seller::Column::TokensValidAfter)
        .into_tuple()
        .one(db)
        .await?;
    row.map(|(verification, deactivated_at, tokens_valid_after)| {
        Ok(Standing {
            verification: verification.parse().map_err(
                |e: suyuan_core::standing::UnknownVerification| {
                    StoreError::Corrupt(format!("seller {id}: {e}"))
                },
            )?,
            deactivated_at,
            tokens_valid_after,
        })
    })
    .transpose()
}

/// The seller row `who` may review: visible to it and within its reach (`NotFound` otherwise,
/// as if it did not exist).
async fn reviewable(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: &SellerId,
) -> Result<seller::Model, StoreError> {
    let row = seller::Entity::find_by_id(id.as_str())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("seller"))?;
    let division = suyuan_core::division::DivisionCode::parse(&row.division_code)
        .map_err(|e| StoreError::Corrupt(format!("seller {id}: division_code: {e}")))?;
    if may_review(who, &division) {
        Ok(row)
    } else {
        Err(StoreError::NotFound("seller"))
    }
}

fn not_awaiting_review(row: &seller::Model) -> StoreError {
    if row.deactivated_at.is_some() {
        return StoreError::State {
            slug: "seller-deactivated",
            detail_zh: "此账号已停用".into(),
            detail_en: "this account is deactivated".into(),
        };
    }
    StoreError::State {
        slug: "not-awaiting-review",
        detail_zh: format!("此账号不在待审核状态（当前：{}）", row.verification),
        detail_en: format!(
            "this account is not awaiting review (it is {})",
            row.verification
        ),
    }
}

/// Verifies a provisional account: the credit code is now its own, and every other provisional
/// claimant of the same credit code is rejected (their tokens stop working), in one transaction.
/// Refused with a conflict while another verified, active account holds the credit code.
/// Verifying a verified account changes nothing.
pub async fn verify(
    db: &DatabaseConnection,
    who: &Principal,
    id: &SellerId,
    now: DateTime<Utc>,
) -> Result<Seller, StoreError> {
    let txn = db.begin().await?;
    // Take the seller row's write lock before reading it: on SQLite a transaction that reads and
    // then writes fails with SQLITE_BUSY when another connection wrote in between (a 500 seen
    // under load); on PostgreSQL this is the row lock two reviewers would race for.
    seller::Entity::update_many()
        .col_expr(
            seller::Column::UpdatedAt,
            Expr::col(seller::Column::UpdatedAt),
        )
        .filter(seller::Column::Id.eq(id.as_str()))
        .exec(&txn)
        .await?;
    let row = reviewable(&txn, who, id).await?;
    if row.verification == Verification::Verified.as_str() && row.deactivated_at.is_none() {
        return Seller::try_from(row);
    }
    if row.verification != Verification::Provisional.as_str() || row.deactivated_at.is_some() {
        return Err(not_awaiting_review(&row));
    }
    let holder = seller::Entity::find()
        .filter(seller::Column::CreditCode.eq(row.credit_code.as_str()))
        .filter(seller::Column::Verification.eq(Verification::Verified.as_str()))
        .filter(seller::Column::DeactivatedAt.is_null())
        .one(&txn)
        .await?;
    if let Some(holder) = holder {
        return Err(StoreError::State {
            slug: "credit-code-held",
            detail_zh: format!(
                "统一社会信用代码 {} 已属于已核验账号 {}（{}）；如该账号有误，请先停用它",
                row.credit_code, holder.name, holder.id
            ),
            detail_en: format!(
                "credit code {} already belongs to the verified account {} ({}); deactivate that account first if it is wrong",
                row.credit_code, holder.name, holder.id
            ),
        });
    }
    let reviewer = who.subject().to_owned();
    seller::Entity::update_many()
        .col_expr(
            seller::Column::Verification,
            Expr::value(Verification::Verified.as_str()),
        )
        .col_expr(seller::Column::ReviewedAt, Expr::value(now))
        .col_expr(seller::Column::ReviewedBy, Expr::value(reviewer.clone()))
        .col_expr(seller::Column::UpdatedAt, Expr::value(now))
        .filter(seller::Column::Id.eq(id.as_str()))
        .exec(&txn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                StoreError::Duplicate {
                    field: "credit_code",
                    value: row.credit_code.clone(),
                }
            } else {
                StoreError::Db(e)
            }
        })?;
    seller::Entity::update_many()
        .col_expr(
            seller::Column::Verification,
            Expr::value(Verification::Rejected.as_str()),
        )
        .col_expr(seller::Column::ReviewedAt, Expr::value(now))
        .col_expr(seller::Column::ReviewedBy, Expr::value(reviewer))
        .col_expr(seller::Column::DeactivatedAt, Expr::value(now))
        .col_expr(seller::Column::UpdatedAt, Expr::value(now))
        .filter(seller::Column::CreditCode.eq(row.credit_code.as_str()))
        .filter(seller::Column::Verification.eq(Verification::Provisional.as_str()))
        .filter(seller::Column::Id.ne(id.as_str()))
        .exec(&txn)
        .await?;
    let done = seller::Entity::find_by_id(id.as_str())
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("seller"))?;
    txn.commit().await?;
    Seller::try_from(done)
}

/// Rejects a provisional account: it is deactivated (its tokens and sessions stop at once); what
/// it recorded is kept.
pub async fn reject(
    db: &DatabaseConnection,
    who: &Principal,
    id: &SellerId,
    now: DateTime<Utc>,
) -> Result<Seller, StoreError> {
    let row = reviewable(db, who, id).await?;
    let res = seller::Entity::update_many()
        .col_expr(
            seller::Column::Verification,
            Expr::value(Verification::Rejected.as_str()),
        )
        .col_expr(seller::Column::ReviewedAt, Expr::value(now))
        .col_expr(seller::Column::ReviewedBy, Expr::value(who.subject()))
        .col_expr(seller::Column::DeactivatedAt, Expr::value(now))
        .col_expr(seller::Column::UpdatedAt, Expr::value(now))
        .filter(seller::Column::Id.eq(id.as_str()))
        .filter(seller::Column::Verification.eq(Verification::Provisional.as_str()))
        .filter(seller::Column::DeactivatedAt.is_null())
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(not_awaiting_review(&row));
    }
    reread(db, id).await
}

async fn reread(db: &impl ConnectionTrait, id: &SellerId) -> Result<Seller, StoreError> {
    Seller::try_from(
        seller::Entity::find_by_id(id.as_str())
            .one(db)
            .await?
            .ok_or(StoreError::NotFound("seller"))?,
    )
}

/// Deactivates an account (an admin's decision): every token and session of it stops at once;
/// its records are kept (trace records are kept three years) and its credit code may be
/// registered again. Deactivating it again changes nothing.
pub async fn deactivate(
    db: &impl ConnectionTrait,
    id: &SellerId,
    now: DateTime<Utc>,
) -> Result<Seller, StoreError> {
    seller::Entity::update_many()
        .col_expr(seller::Column::DeactivatedAt, Expr::value(now))
        .col_expr(seller::Column::UpdatedAt, Expr::value(now))
        .filter(seller::Column::Id.eq(id.as_str()))
        .filter(seller::Column::DeactivatedAt.is_null())
        .exec(db)
        .await?;
    crate::accounts::revoke_subject_sessions(db, id.as_str(), now).await?;
    reread(db, id).await
}

/// Revokes every token of an account issued before `now` (sessions included); tokens minted
/// afterwards work.
pub async fn revoke_tokens(
    db: &impl ConnectionTrait,
    id: &SellerId,
    now: DateTime<Utc>,
) -> Result<Seller, StoreError> {
    let res = seller::Entity::update_many()
        .col_expr(seller::Column::TokensValidAfter, Expr::value(now))
        .col_expr(seller::Column::UpdatedAt, Expr::value(now))
        .filter(seller::Column::Id.eq(id.as_str()))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound("seller"));
    }
    reread(db, id).await
}

/// The transfer a seller may see and claim when it is provisional: `Some(transfer id)` for a
/// provisional account (the link it was made from), `None` for any other (no such limit).
pub(crate) fn provisional_scope(me: &seller::Model) -> Option<&str> {
    (me.verification != Verification::Verified.as_str())
        .then(|| me.claim_transfer_id.as_deref().unwrap_or(""))
}
