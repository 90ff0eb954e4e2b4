//! The OpenAPI document, generated from the handlers' annotations.

use actix_web::{HttpResponse, get};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Suyuan's API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Suyuan 溯源 API", description = "Seller-side traceability for key industrial products: trace codes, receipts, sales, corrections and EPCIS 2.0 exports."),
    paths(
        crate::routes::health::healthz,
        crate::routes::health::readyz,
        crate::routes::health::metrics,
        crate::routes::sellers::create_seller,
        crate::routes::sellers::list_sellers,
        crate::routes::sellers::get_seller,
        crate::routes::sellers::me,
        crate::routes::tenants::create_operator,
        crate::routes::tenants::create_supervisor,
        crate::routes::tenants::mint_token,
        crate::routes::events::export_epcis,
        crate::routes::events::list_events,
        crate::routes::events::correct_event,
        crate::routes::catalogue::list_categories,
        crate::routes::stores::create_store,
        crate::routes::stores::list_stores,
        crate::routes::stores::get_store,
        crate::routes::stores::disable_store,
        crate::routes::stores::enable_store,
        crate::routes::stores::delete_store,
        crate::routes::stores::rotate_secret,
        crate::routes::listings::list_listings,
        crate::routes::listings::get_listing,
        crate::routes::listings::patch_listing,
        crate::routes::listings::attach_codes,
        crate::routes::sales::list_sales,
        crate::routes::sales::get_sale,
        crate::routes::sales::add_units,
        crate::routes::sales::register_sale,
        crate::routes::transfers::list_transfers,
        crate::routes::transfers::incoming_transfers,
        crate::routes::transfers::get_transfer,
        crate::routes::transfers::cancel_transfer,
        crate::routes::transfers::claim_transfer,
        crate::routes::deliveries::dead_letters,
        crate::routes::deliveries::replay,
        crate::intake::receiver::receive,
        crate::routes::operator::lookup_listing,
        crate::routes::operator::create_subscription,
        crate::routes::operator::list_subscriptions,
        crate::routes::operator::delete_subscription,
        crate::routes::receipts::create_receipt,
        crate::routes::receipts::get_stock,
        crate::routes::imports::import_file,
        crate::routes::recalls::create_recall,
        crate::routes::recalls::list_recalls,
        crate::routes::flags::list_flags,
        crate::routes::platforms::create_platform,
        crate::routes::platforms::list_platforms,
        crate::routes::platforms::get_platform,
        crate::routes::platforms::patch_platform,
        crate::routes::platforms::list_platform_kinds,
        crate::routes::platforms::create_rule,
        crate::routes::platforms::list_rules,
        crate::routes::platforms::delete_rule,
        crate::routes::platforms::put_credentials,
        crate::routes::platforms::delete_credentials,
        crate::routes::platforms::replay_dead,
        crate::routes::platforms::backfill,
        crate::routes::submissions::list_submissions,
        crate::routes::submissions::event_submissions,
        crate::routes::submissions::replay_submission,
    ),
    components(schemas(suyuan_web::error::Problem, suyuan_web::error::FieldProblem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The OpenAPI document as JSON.
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
