//! Who e-mail goes to: a recipient's address (read when its mail is sent, never queued), the
//! recipients of digests, and each recipient's mail preferences (topics turned off).
//!
//! Recipients are sellers and supervisors, named by their prefixed ids (`sel_…`, `sup_…`).

use crate::StoreError;
use crate::entity::{mail_preference, seller, supervisor};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, EntityTrait as _, QueryFilter as _, QueryOrder as _, Set,
};
use std::collections::BTreeSet;
use suyuan_core::mail::{Audience, Topic};

/// Where a recipient's mail goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The prefixed id.
    pub id: String,
    /// Seller or supervisor.
    pub audience: Audience,
    /// The registered name (a seller's) or the office's name (a supervisor's).
    pub name: String,
    /// The e-mail address, if any.
    pub email: Option<String>,
    /// A supervisor's jurisdiction (division code prefix); empty for sellers.
    pub jurisdiction: String,
    /// Whether the account can still receive mail (a deactivated seller cannot).
    pub active: bool,
}

/// The recipient named by `id`, or `None` when there is none.
pub async fn recipient(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<Recipient>, StoreError> {
    Ok(match Audience::of_id(id) {
        Some(Audience::Seller) => seller::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(seller_recipient),
        Some(Audience::Supervisor) => supervisor::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(supervisor_recipient),
        None => None,
    })
}

fn seller_recipient(s: seller::Model) -> Recipient {
    Recipient {
        active: s.deactivated_at.is_none() && s.verification != "rejected",
        id: s.id,
        audience: Audience::Seller,
        name: s.name,
        email: s.email,
        jurisdiction: String::new(),
    }
}

fn supervisor_recipient(s: supervisor::Model) -> Recipient {
    Recipient {
        id: s.id,
        audience: Audience::Supervisor,
        name: s.name,
        email: s.email,
        jurisdiction: s.jurisdiction,
        active: true,
    }
}

/// Active sellers with an e-mail address (the recipients of the daily digest), by id.
pub async fn sellers_with_email(db: &impl ConnectionTrait) -> Result<Vec<Recipient>, StoreError> {
    Ok(seller::Entity::find()
        .filter(seller::Column::Email.is_not_null())
        .filter(seller::Column::DeactivatedAt.is_null())
        .order_by_asc(seller::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(seller_recipient)
        .filter(|r| r.active && r.email.as_deref().is_some_and(|e| !e.is_empty()))
        .collect())
}

/// Supervisors with an e-mail address (the recipients of the weekly digest), by id.
pub async fn supervisors_with_email(
    db: &impl ConnectionTrait,
) -> Result<Vec<Recipient>, StoreError> {
    Ok(supervisor::Entity::find()
        .filter(supervisor::Column::Email.is_not_null())
        .order_by_asc(supervisor::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(supervisor_recipient)
        .filter(|r| r.email.as_deref().is_some_and(|e| !e.is_empty()))
        .collect())
}

/// The topics `recipient` turned off.
pub async fn turned_off(
    db: &impl ConnectionTrait,
    recipient: &str,
) -> Result<BTreeSet<Topic>, StoreError> {
    Ok(mail_preference::Entity::find()
        .filter(mail_preference::Column::RecipientId.eq(recipient))
        .filter(mail_preference::Column::Subscribed.eq(false))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| Topic::parse(&p.topic))
        .collect())
}

/// Whether `recipient` receives mail of `topic` (no row: yes).
pub async fn is_subscribed(
    db: &impl ConnectionTrait,
    recipient: &str,
    topic: Topic,
) -> Result<bool, StoreError> {
    Ok(!turned_off(db, recipient).await?.contains(&topic))
}

/// Turns `topic` on or off for `recipient` at `now` (safe to repeat).
pub async fn set_subscribed(
    db: &impl ConnectionTrait,
    recipient: &str,
    topic: Topic,
    subscribed: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    mail_preference::Entity::insert(mail_preference::ActiveModel {
        recipient_id: Set(recipient.to_owned()),
        topic: Set(topic.as_str().to_owned()),
        subscribed: Set(subscribed),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            mail_preference::Column::RecipientId,
            mail_preference::Column::Topic,
        ])
        .update_columns([
            mail_preference::Column::Subscribed,
            mail_preference::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
