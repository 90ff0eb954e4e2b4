//! Listings: upserted from marketplace deliveries (never overwritten by an older update),
//! classified against the catalogue, given a trace identity from a GTIN barcode, or flagged
//! "needs code".

use super::{SellerScoped, StoreError};
use crate::entity::{listing, listing_code, shop};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use suyuan_core::catalogue::{Catalogue, CategoryId, ListingFacts};
use suyuan_core::codes::{Gtin, TraceCode};
use suyuan_core::ids::{ListingId, SellerId};
use suyuan_core::marketplace::{ListingData, ListingStatus};

/// A listing's trace state, as operators and badges show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceState {
    /// Not a catalogue product: nothing to trace.
    NotRequired,
    /// A catalogue product with a trace identity.
    Traced,
    /// A catalogue product without a code yet.
    NeedsCode,
}

/// The trace state of a stored listing.
pub fn trace_state(row: &listing::Model) -> TraceState {
    match (&row.category_id, row.needs_code) {
        (None, _) => TraceState::NotRequired,
        (Some(_), true) => TraceState::NeedsCode,
        (Some(_), false) => TraceState::Traced,
    }
}

fn status_str(s: ListingStatus) -> &'static str {
    match s {
        ListingStatus::Active => "active",
        ListingStatus::Draft => "draft",
        ListingStatus::Archived => "archived",
        ListingStatus::Deleted => "deleted",
    }
}

/// The first valid GTIN among the barcodes, as the listing's trace identity (GS1 Digital Link).
pub fn identity_from_barcodes<'a>(barcodes: impl IntoIterator<Item = &'a str>) -> Option<String> {
    barcodes
        .into_iter()
        .filter_map(|b| Gtin::parse(b.trim()).ok())
        .map(|g| TraceCode::from(g).to_epc_uri())
        .next()
}

/// What happened to a listing delivery.
// Returned once per delivery and matched at once: boxing the row would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Upserted {
    /// Created or changed.
    Applied(listing::Model),
    /// Older than what is stored: ignored.
    Stale,
}

fn is_stale(stored: Option<DateTime<Utc>>, incoming: Option<DateTime<Utc>>) -> bool {
    matches!((stored, incoming), (Some(s), Some(i)) if i < s)
}

/// Creates or updates a listing from a delivery of `store`.
pub async fn upsert_from_delivery(
    db: &impl ConnectionTrait,
    catalogue: &Catalogue,
    store: &shop::Model,
    data: &ListingData,
) -> Result<Upserted, StoreError> {
    let seller =
        SellerId::parse(&store.seller_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let existing = find_external(db, &seller, &store.platform, &data.external_id).await?;
    if let Some(row) = &existing
        && is_stale(row.external_updated_at, data.updated_at)
    {
        return Ok(Upserted::Stale);
    }
    let barcodes: Vec<String> = data
        .variants
        .iter()
        .filter_map(|v| v.barcode.clone())
        .collect();
    let facts = ListingFacts {
        title: data.title.clone(),
        product_type: data.product_type.clone(),
        categories: data.categories.clone(),
        tags: data.tags.clone(),
        vendor: data.vendor.clone(),
        barcodes: barcodes.clone(),
    };
    let overridden = existing.as_ref().is_some_and(|r| r.category_overridden);
    let (category, rule, confidence, part, to_confirm) = if overridden {
        let r = existing.as_ref();
        (
            r.and_then(|r| r.category_id.clone()),
            r.and_then(|r| r.classification_rule.clone()),
            r.and_then(|r| r.classification_confidence),
            r.and_then(|r| r.classification_part.clone()),
            false,
        )
    } else {
        // The rules and the learned title model together (the model leads on the title).
        let reading = catalogue.read(&facts);
        let to_confirm = reading.needs_confirmation;
        match reading.classification {
            Some(c) => (
                Some(c.category.to_string()),
                Some(c.rule.to_string()),
                Some(f64::from(c.confidence)),
                c.part,
                to_confirm,
            ),
            None => (None, None, None, None, to_confirm),
        }
    };
    let identity = identity_from_barcodes(barcodes.iter().map(String::as_str));
    let url = data.url.clone().or_else(|| {
        data.handle
            .as_ref()
            .filter(|_| store.platform == "shopify")
            .map(|h| format!("https://{}/products/{h}", store.shop_domain))
    });
    let variants = serde_json::to_string(
        &data
            .variants
            .iter()
            .map(|v| serde_json::json!({"external_id": v.external_id, "title": v.title, "sku": v.sku, "barcode": v.barcode}))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into());
    let now = Utc::now();
    let row = match existing {
        Some(row) => {
            let attached = has_attached_codes(db, &row.id).await?;
            let mut am: listing::ActiveModel = row.into();
            am.title = Set(data.title.clone());
            am.url = Set(url);
            am.status = Set(status_str(data.status).to_owned());
            am.variants = Set(variants);
            am.category_id = Set(category.clone());
            am.classification_rule = Set(rule);
            am.classification_confidence = Set(confidence);
            am.classification_part = Set(part);
            am.classification_needs_confirmation = Set(to_confirm);
            am.needs_code = Set(category.is_some() && identity.is_none() && !attached);
            am.trace_code = Set(identity);
            am.external_updated_at = Set(data.updated_at.or(Some(now)));
            am.updated_at = Set(now);
            am.update(db).await?
        }
        None => {
            listing::ActiveModel {
                id: Set(ListingId::generate().to_string()),
                seller_id: Set(seller.to_string()),
                store_id: Set(Some(store.id.clone())),
                platform: Set(store.platform.clone()),
                external_id: Set(data.external_id.clone()),
                title: Set(data.title.clone()),
                url: Set(url),
                status: Set(status_str(data.status).to_owned()),
                variants: Set(variants),
                needs_code: Set(category.is_some() && identity.is_none()),
                category_id: Set(category),
                classification_rule: Set(rule),
                classification_confidence: Set(confidence),
                classification_part: Set(part),
                category_overridden: Set(false),
                classification_needs_confirmation: Set(to_confirm),
                trace_code: Set(identity),
                external_updated_at: Set(data.updated_at.or(Some(now))),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?
        }
    };
    Ok(Upserted::Applied(row))
}

/// Marks a listing deleted (the row stays for history), unless a newer update is stored.
pub async fn mark_deleted(
    db: &impl ConnectionTrait,
    store: &shop::Model,
    external_id: &str,
    updated_at: Option<DateTime<Utc>>,
) -> Result<Upserted, StoreError> {
    let seller =
        SellerId::parse(&store.seller_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let Some(row) = find_external(db, &seller, &store.platform, external_id).await? else {
        return Ok(Upserted::Stale);
    };
    if is_stale(row.external_updated_at, updated_at) {
        return Ok(Upserted::Stale);
    }
    let mut am: listing::ActiveModel = row.into();
    am.status = Set("deleted".to_owned());
    am.external_updated_at = Set(updated_at.or(Some(Utc::now())));
    am.updated_at = Set(Utc::now());
    Ok(Upserted::Applied(am.update(db).await?))
}

/// A seller's listing on a platform by its external id.
pub async fn find_external(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    platform: &str,
    external_id: &str,
) -> Result<Option<listing::Model>, StoreError> {
    Ok(listing::Entity::secure_find(seller)
        .filter(listing::Column::Platform.eq(platform))
        .filter(listing::Column::ExternalId.eq(external_id))
        .one(db)
        .await?)
}

async fn has_attached_codes(
    db: &impl ConnectionTrait,
    listing_id: &str,
) -> Result<bool, StoreError> {
    Ok(listing_code::Entity::find()
        .filter(listing_code::Column::ListingId.eq(listing_id))
        .one(db)
        .await?
        .is_some())
}

/// Filters for listing a seller's listings.
#[derive(Clone, Debug, Default)]
pub struct ListingFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only listings that need a code (`true`) or do not.
    pub needs_code: Option<bool>,
    /// Only listings whose category the seller should confirm (`true`) or not.
    pub needs_confirmation: Option<bool>,
    /// Only this store.
    pub store_id: Option<String>,
    /// Keyset pagination: ids after this one.
    pub after: Option<String>,
    /// Page size.
    pub limit: u64,
}

/// A page of the seller's listings, ordered by id.
pub async fn list(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    f: &ListingFilter,
) -> Result<Vec<listing::Model>, StoreError> {
    use sea_orm::QuerySelect;
    let mut q = listing::Entity::secure_find(seller)
        .order_by_asc(listing::Column::Id)
        .limit(f.limit);
    if let Some(s) = &f.status {
        q = q.filter(listing::Column::Status.eq(s.as_str()));
    }
    if let Some(c) = &f.category {
        q = q.filter(listing::Column::CategoryId.eq(c.as_str()));
    }
    if let Some(n) = f.needs_code {
        q = q.filter(listing::Column::NeedsCode.eq(n));
    }
    if let Some(n) = f.needs_confirmation {
        q = q.filter(listing::Column::ClassificationNeedsConfirmation.eq(n));
    }
    if let Some(s) = &f.store_id {
        q = q.filter(listing::Column::StoreId.eq(s.as_str()));
    }
    if let Some(a) = &f.after {
        q = q.filter(listing::Column::Id.gt(a.as_str()));
    }
    Ok(q.all(db).await?)
}

/// One of the seller's listings.
pub async fn get(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: &str,
) -> Result<listing::Model, StoreError> {
    listing::Entity::secure_find(seller)
        .filter(listing::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("listing"))
}

/// The codes attached to a listing by the seller.
pub async fn attached_codes(
    db: &impl ConnectionTrait,
    listing_id: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(listing_code::Entity::find()
        .filter(listing_code::Column::ListingId.eq(listing_id))
        .order_by_asc(listing_code::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect())
}

/// The codes attached to several listings, by listing id (one query).
pub async fn attached_codes_many(
    db: &impl ConnectionTrait,
    listing_ids: Vec<String>,
) -> Result<std::collections::HashMap<String, Vec<String>>, StoreError> {
    let mut map: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    if listing_ids.is_empty() {
        return Ok(map);
    }
    for c in listing_code::Entity::find()
        .filter(listing_code::Column::ListingId.is_in(listing_ids))
        .order_by_asc(listing_code::Column::Id)
        .all(db)
        .await?
    {
        map.entry(c.listing_id).or_default().push(c.code);
    }
    Ok(map)
}

/// Sets (or, with `None`, clears) the seller's manual category; clearing re-applies the
/// automatic classification on the next delivery.
pub async fn override_category(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: &str,
    category: Option<&CategoryId>,
) -> Result<listing::Model, StoreError> {
    let row = get(db, seller, id).await?;
    let attached = has_attached_codes(db, &row.id).await?;
    let has_identity = row.trace_code.is_some();
    let mut am: listing::ActiveModel = row.into();
    am.category_id = Set(category.map(ToString::to_string));
    am.category_overridden = Set(category.is_some());
    am.classification_rule = Set(category.map(|_| "seller override".to_owned()));
    am.classification_confidence = Set(category.map(|_| 1.0));
    am.classification_part = Set(None);
    // The seller has spoken: set (confirmed) or cleared until the next delivery reads it again.
    am.classification_needs_confirmation = Set(false);
    am.needs_code = Set(category.is_some() && !has_identity && !attached);
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Attaches trace codes to a listing; a listing with codes no longer needs one.
pub async fn attach_codes(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: &str,
    codes: &[TraceCode],
) -> Result<listing::Model, StoreError> {
    let row = get(db, seller, id).await?;
    let existing = attached_codes(db, &row.id).await?;
    for code in codes {
        let text = code.to_string();
        if existing.contains(&text) {
            continue;
        }
        listing_code::ActiveModel {
            listing_id: Set(row.id.clone()),
            seller_id: Set(seller.to_string()),
            code: Set(text),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    let mut am: listing::ActiveModel = row.into();
    if codes.is_empty() {
        return Ok(am.update(db).await?);
    }
    am.needs_code = Set(false);
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// A listing by id, whoever asks: public badges and trace pages show listings that sellers put
/// on sale. Seller reads go through [`get`].
pub async fn public_by_id(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<listing::Model>, StoreError> {
    Ok(listing::Entity::find_by_id(id).one(db).await?)
}

/// Listings of proven shops among `rows`, in the order of their shops' proofs (longest-proven
/// first), then oldest listing first: a seller whose domain is not proven lends nothing, and a
/// newcomer cannot take a GTIN's product page from a shop proven before it.
fn by_proven_shop(
    rows: Vec<listing::Model>,
    shops: &[shop::Model],
) -> Vec<(listing::Model, shop::Model)> {
    let mut out: Vec<(usize, listing::Model, shop::Model)> = rows
        .into_iter()
        .filter_map(|l| {
            let (rank, s) = shops
                .iter()
                .enumerate()
                .find(|(_, s)| l.store_id.as_deref() == Some(s.id.as_str()))?;
            Some((rank, l, s.clone()))
        })
        .collect();
    out.sort_by(|a, b| (a.0, a.1.created_at, &a.1.id).cmp(&(b.0, b.1.created_at, &b.1.id)));
    out.into_iter().map(|(_, l, s)| (l, s)).collect()
}

/// The shop page (URL) of an active listing whose trace identity is `identity` (a GTIN's EPC
/// URI): the product information page a GS1 resolver links to. Only a listing whose URL is on
/// its shop's proven domain is used; among several, the longest-proven shop's, then the oldest
/// listing. `None` when there is no such listing: the resolver then answers the trace page.
pub async fn active_page_for_identity(
    db: &impl ConnectionTrait,
    identity: &str,
) -> Result<Option<String>, StoreError> {
    let rows = listing::Entity::find()
        .filter(listing::Column::TraceCode.eq(identity))
        .filter(listing::Column::Status.eq("active"))
        .filter(listing::Column::Url.is_not_null())
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let shops = super::shops::proven(db, None, None).await?;
    Ok(by_proven_shop(rows, &shops).into_iter().find_map(|(l, s)| {
        let (url, domain) = (l.url?, s.proven_domain?);
        suyuan_core::domain_proof::url_on_domain(&url, &domain).then_some(url)
    }))
}

/// A listing's URL when it is on its shop's proven domain: the only listing URL a public page
/// links to.
pub async fn proven_url(
    db: &impl ConnectionTrait,
    row: &listing::Model,
) -> Result<Option<String>, StoreError> {
    let (Some(url), Some(store_id)) = (&row.url, &row.store_id) else {
        return Ok(None);
    };
    let shop = shop::Entity::find_by_id(store_id.as_str()).one(db).await?;
    Ok(shop
        .and_then(|s| s.proven_domain)
        .filter(|d| suyuan_core::domain_proof::url_on_domain(url, d))
        .map(|_| url.clone()))
}

/// The live listing with `external_id` on marketplace `platform` of a shop whose domain is
/// proven, optionally only the shop proven for domain `shop` (one platform's ids repeat across
/// WooCommerce shops). Among several, the longest-proven shop's. For the platform's operator:
/// a shop whose domain is not proven is never answered, and a domain a seller merely typed
/// matches nothing.
pub async fn find_on_marketplace(
    db: &impl ConnectionTrait,
    platform: &str,
    external_id: &str,
    shop: Option<&str>,
) -> Result<Option<listing::Model>, StoreError> {
    let shops = super::shops::proven(db, Some(platform), shop).await?;
    if shops.is_empty() {
        return Ok(None);
    }
    let rows = listing::Entity::find()
        .filter(listing::Column::Platform.eq(platform))
        .filter(listing::Column::ExternalId.eq(external_id))
        .filter(listing::Column::Status.ne("deleted"))
        .filter(listing::Column::StoreId.is_in(shops.iter().map(|s| s.id.clone())))
        .all(db)
        .await?;
    Ok(by_proven_shop(rows, &shops)
        .into_iter()
        .next()
        .map(|(l, _)| l))
}

/// Writes a listing row as given (the demo's listings; deliveries go through
/// [`upsert_from_delivery`]).
pub async fn insert_row(
    db: &impl ConnectionTrait,
    row: listing::Model,
) -> Result<listing::Model, StoreError> {
    let am: listing::ActiveModel = row.into();
    Ok(am.reset_all().insert(db).await?)
}

/// The code a listing's badge and trace page show: its trace identity, else the first code the
/// seller attached to it.
pub async fn trace_code_of(
    db: &impl ConnectionTrait,
    row: &listing::Model,
) -> Result<Option<TraceCode>, StoreError> {
    if let Some(t) = &row.trace_code {
        return Ok(TraceCode::parse(t).ok());
    }
    Ok(attached_codes(db, &row.id)
        .await?
        .first()
        .and_then(|c| TraceCode::parse(c).ok()))
}
