//! Where each sealed value lives, as the binding it is sealed for (table, row, column: see
//! `suyuan_core::secrets`), and the startup pass that seals values of the old, unbound format
//! again, bound to their row.
//!
//! | table | row | column |
//! |---|---|---|
//! | `shops` | store id | `secret_ciphertext`, `previous_secret_ciphertext` |
//! | `platform_credentials` | `{seller id}/{platform id}` (its natural key) | `value_ciphertext` |
//! | `operator_subscriptions` | subscription id | `secret_ciphertext` |
//! | `transfers` | transfer id | `token_sealed` |

use super::StoreError;
use crate::entity::{operator_subscription, platform_credential, shop, transfer};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use suyuan_core::secrets::{Binding, SecretKey};

/// A shop's current webhook secret.
pub fn shop_secret(id: &str) -> Binding<'_> {
    Binding::new("shops", id, "secret_ciphertext")
}

/// A shop's rotated-out webhook secret, valid during the grace period.
pub fn shop_previous_secret(id: &str) -> Binding<'_> {
    Binding::new("shops", id, "previous_secret_ciphertext")
}

/// The row key of a seller's credential for a platform.
pub fn credential_row(seller_id: &str, platform_id: &str) -> String {
    format!("{seller_id}/{platform_id}")
}

/// A seller's credential for a platform; `row` is [`credential_row`].
pub fn platform_credential(row: &str) -> Binding<'_> {
    Binding::new("platform_credentials", row, "value_ciphertext")
}

/// An operator subscription's signing secret.
pub fn subscription_secret(id: &str) -> Binding<'_> {
    Binding::new("operator_subscriptions", id, "secret_ciphertext")
}

/// A transfer's claim token, kept for reminders.
pub fn transfer_token(id: &str) -> Binding<'_> {
    Binding::new("transfers", id, "token_sealed")
}

const UNBOUND_PREFIX: &str = "v1:%";

/// Seals every value of the old, unbound format (`v1:`) again, bound to its row; answers how
/// many were sealed again. Each row is updated only if it still holds the value read, so two
/// instances starting together, or a secret rotated meanwhile, lose nothing. A value that does
/// not open with this key is left as it is (and logged): it did not open before either.
pub async fn reseal_unbound(db: &impl ConnectionTrait, key: &SecretKey) -> Result<u64, StoreError> {
    let mut n = 0;
    // Shops: the current and the previous secret.
    let rows: Vec<(String, String, Option<String>)> = shop::Entity::find()
        .select_only()
        .column(shop::Column::Id)
        .column(shop::Column::SecretCiphertext)
        .column(shop::Column::PreviousSecretCiphertext)
        .filter(
            Condition::any()
                .add(shop::Column::SecretCiphertext.like(UNBOUND_PREFIX))
                .add(shop::Column::PreviousSecretCiphertext.like(UNBOUND_PREFIX)),
        )
        .into_tuple()
        .all(db)
        .await?;
    for (id, current, previous) in rows {
        if let Some(again) = rebind(key, &current, shop_secret(&id)) {
            n += swap(
                db,
                shop::Entity,
                shop::Column::Id,
                &id,
                shop::Column::SecretCiphertext,
                &current,
                again,
            )
            .await?;
        }
        if let Some(prev) = previous
            && let Some(again) = rebind(key, &prev, shop_previous_secret(&id))
        {
            n += swap(
                db,
                shop::Entity,
                shop::Column::Id,
                &id,
                shop::Column::PreviousSecretCiphertext,
                &prev,
                again,
            )
            .await?;
        }
    }
    // Platform credentials, bound to their natural key.
    let rows: Vec<(i64, String, String, String)> = platform_credential::Entity::find()
        .select_only()
        .column(platform_credential::Column::Id)
        .column(platform_credential::Column::SellerId)
        .column(platform_credential::Column::PlatformId)
        .column(platform_credential::Column::ValueCiphertext)
        .filter(platform_credential::Column::ValueCiphertext.like(UNBOUND_PREFIX))
        .into_tuple()
        .all(db)
        .await?;
    for (id, seller_id, platform_id, sealed) in rows {
        let row = credential_row(&seller_id, &platform_id);
        if let Some(again) = rebind(key, &sealed, platform_credential(&row)) {
            let res = platform_credential::Entity::update_many()
                .col_expr(
                    platform_credential::Column::ValueCiphertext,
                    Expr::value(again),
                )
                .filter(platform_credential::Column::Id.eq(id))
                .filter(platform_credential::Column::ValueCiphertext.eq(sealed))
                .exec(db)
                .await?;
            n += res.rows_affected;
        }
    }
    // Operator subscriptions.
    let rows: Vec<(String, String)> = operator_subscription::Entity::find()
        .select_only()
        .column(operator_subscription::Column::Id)
        .column(operator_subscription::Column::SecretCiphertext)
        .filter(operator_subscription::Column::SecretCiphertext.like(UNBOUND_PREFIX))
        .into_tuple()
        .all(db)
        .await?;
    for (id, sealed) in rows {
        if let Some(again) = rebind(key, &sealed, subscription_secret(&id)) {
            n += swap(
                db,
                operator_subscription::Entity,
                operator_subscription::Column::Id,
                &id,
                operator_subscription::Column::SecretCiphertext,
                &sealed,
                again,
            )
            .await?;
        }
    }
    // Claim tokens kept for reminders.
    let rows: Vec<(String, Option<String>)> = transfer::Entity::find()
        .select_only()
        .column(transfer::Column::Id)
        .column(transfer::Column::TokenSealed)
        .filter(transfer::Column::TokenSealed.like(UNBOUND_PREFIX))
        .into_tuple()
        .all(db)
        .await?;
    for (id, sealed) in rows {
        let Some(sealed) = sealed else { continue };
        if let Some(again) = rebind(key, &sealed, transfer_token(&id)) {
            n += swap(
                db,
                transfer::Entity,
                transfer::Column::Id,
                &id,
                transfer::Column::TokenSealed,
                &sealed,
                again,
            )
            .await?;
        }
    }
    Ok(n)
}

fn rebind(key: &SecretKey, sealed: &str, at: Binding<'_>) -> Option<String> {
    let again = key.rebind(sealed, at);
    if again.is_none() && SecretKey::is_unbound(sealed) {
        tracing::warn!(
            table = at.table,
            row = at.row,
            column = at.column,
            "a sealed value of the old format does not open with this key; left as it is"
        );
    }
    again
}

/// Writes `again` into `column` of row `id` if it still holds `old`; answers rows changed.
async fn swap<E: EntityTrait>(
    db: &impl ConnectionTrait,
    _: E,
    id_col: E::Column,
    id: &str,
    column: E::Column,
    old: &str,
    again: String,
) -> Result<u64, StoreError> {
    Ok(E::update_many()
        .col_expr(column, Expr::value(again))
        .filter(id_col.eq(id))
        .filter(column.eq(old))
        .exec(db)
        .await?
        .rows_affected)
}
