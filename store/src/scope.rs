//! Tenant scoping built into the queries: `Entity::secure_find(&seller_id)`.

use crate::entity::{
    listing, listing_code, sale, sale_line, seller, shop, trace_event, trace_event_code,
    webhook_inbox,
};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::SellerId;

/// An entity that belongs to one seller.
pub trait SellerScoped: EntityTrait {
    /// The column holding the owner.
    fn seller_column() -> Self::Column;

    /// Rows of this seller only.
    fn secure_find(seller: &SellerId) -> Select<Self> {
        Self::find().filter(Self::seller_column().eq(seller.as_str()))
    }
}

impl SellerScoped for listing::Entity {
    fn seller_column() -> Self::Column {
        listing::Column::SellerId
    }
}
impl SellerScoped for sale::Entity {
    fn seller_column() -> Self::Column {
        sale::Column::SellerId
    }
}
impl SellerScoped for sale_line::Entity {
    fn seller_column() -> Self::Column {
        sale_line::Column::SellerId
    }
}
impl SellerScoped for listing_code::Entity {
    fn seller_column() -> Self::Column {
        listing_code::Column::SellerId
    }
}
impl SellerScoped for webhook_inbox::Entity {
    fn seller_column() -> Self::Column {
        webhook_inbox::Column::SellerId
    }
}
impl SellerScoped for shop::Entity {
    fn seller_column() -> Self::Column {
        shop::Column::SellerId
    }
}
impl SellerScoped for trace_event::Entity {
    fn seller_column() -> Self::Column {
        trace_event::Column::SellerId
    }
}
impl SellerScoped for trace_event_code::Entity {
    fn seller_column() -> Self::Column {
        trace_event_code::Column::SellerId
    }
}

/// Escapes a division prefix for `LIKE` (digits only, but never trust that).
fn like_prefix(j: &Jurisdiction) -> String {
    let p: String = j.as_prefix().chars().filter(char::is_ascii_digit).collect();
    format!("{p}%")
}

/// An entity a supervisor sees by jurisdiction.
pub trait JurisdictionScoped: EntityTrait {
    /// Rows whose seller is registered inside the jurisdiction.
    fn find_in_jurisdiction(j: &Jurisdiction) -> Select<Self>;
}

impl JurisdictionScoped for seller::Entity {
    fn find_in_jurisdiction(j: &Jurisdiction) -> Select<Self> {
        seller::Entity::find().filter(seller::Column::DivisionCode.like(like_prefix(j)))
    }
}

impl JurisdictionScoped for trace_event::Entity {
    fn find_in_jurisdiction(j: &Jurisdiction) -> Select<Self> {
        trace_event::Entity::find().filter(
            trace_event::Column::SellerId.in_subquery(
                Query::select()
                    .column(seller::Column::Id)
                    .from(seller::Entity)
                    .and_where(Expr::col(seller::Column::DivisionCode).like(like_prefix(j)))
                    .to_owned(),
            ),
        )
    }
}
