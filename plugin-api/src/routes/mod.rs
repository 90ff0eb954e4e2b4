//! HTTP routes. Handlers are thin: extract, parse into domain types, call one domain function,
//! map to an `Out` type.

pub mod accounts;
pub mod analytics;
pub mod catalogue;
pub mod deliveries;
pub mod domains;
pub mod events;
pub mod flags;
pub mod health;
pub mod imports;
pub mod listings;
pub mod operator;
pub mod platforms;
pub mod recalls;
pub mod receipts;
pub mod sales;
pub mod sellers;
pub mod shops;
pub mod submissions;
pub mod tenants;
pub mod timeliness;
pub mod transfers;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Mounts every route of the storefront side: health and metrics, webhook receivers, `/api/v1`,
/// badges and the embed script.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    mount(&mut ServiceConfig::new(cfg));
}

/// Mounts the routes on a configuration that collects the OpenAPI paths of the documented ones
/// as it goes (see [`crate::openapi::api_doc`]): a route is documented by being mounted.
pub fn mount(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(crate::intake::receiver::receive)
        .service(
            scope::scope("/api/v1")
                .map(|s| s.service(crate::openapi::openapi_json))
                .service(sellers::create_seller)
                .service(sellers::list_sellers)
                .service(sellers::get_seller)
                .service(sellers::me)
                .service(sellers::verify_seller)
                .service(sellers::reject_seller)
                .service(sellers::deactivate_seller)
                .service(sellers::revoke_tokens)
                .service(tenants::create_operator)
                .service(tenants::create_supervisor)
                .service(tenants::mint_token)
                .service(accounts::invite)
                .service(accounts::revoke_sessions)
                .service(events::export_epcis)
                .service(events::list_events)
                .service(events::correct_event)
                .service(catalogue::list_categories)
                .service(shops::create_store)
                .service(shops::list_stores)
                .service(shops::get_store)
                .service(shops::disable_store)
                .service(shops::enable_store)
                .service(shops::delete_store)
                .service(shops::rotate_secret)
                .service(domains::start_domain_proof)
                .service(domains::check_domain_proof)
                .service(listings::list_listings)
                .service(listings::get_listing)
                .service(listings::patch_listing)
                .service(listings::attach_codes)
                .service(sales::list_sales)
                .service(sales::get_sale)
                .service(sales::add_units)
                .service(sales::register_sale)
                .service(deliveries::dead_letters)
                .service(deliveries::replay)
                .service(operator::lookup_listing)
                .service(operator::create_subscription)
                .service(operator::list_subscriptions)
                .service(operator::delete_subscription)
                .service(receipts::create_receipt)
                .service(receipts::get_stock)
                .service(imports::import_file)
                .service(recalls::create_recall)
                .service(recalls::list_recalls)
                .service(recalls::recall_flow)
                .service(recalls::update_recall)
                .service(recalls::withdraw_recall)
                .service(recalls::recall_history)
                .service(flags::list_flags)
                .service(analytics::list_scores)
                .service(analytics::list_timeliness)
                .service(analytics::list_overdue)
                .service(analytics::list_alerts)
                .service(analytics::get_alert)
                .service(analytics::acknowledge_alert)
                .service(analytics::resolve_alert)
                .service(analytics::comment_alert)
                .service(transfers::list_transfers)
                .service(transfers::incoming_transfers)
                .service(transfers::get_transfer)
                .service(transfers::cancel_transfer)
                .service(transfers::claim_transfer)
                .service(platforms::create_platform)
                .service(platforms::list_platforms)
                .service(platforms::get_platform)
                .service(platforms::patch_platform)
                .service(platforms::list_platform_kinds)
                .service(platforms::create_rule)
                .service(platforms::list_rules)
                .service(platforms::delete_rule)
                .service(platforms::put_credentials)
                .service(platforms::delete_credentials)
                .service(platforms::replay_dead)
                .service(platforms::backfill)
                .service(submissions::list_submissions)
                .service(submissions::event_submissions)
                .service(submissions::replay_submission),
        )
        .map(|c| {
            c.service(crate::badges::listing_badge)
                .service(crate::badges::code_badge)
                .service(crate::badges::embed_js)
                .service(crate::badges::embed_listing)
        });
}

/// Maps field errors from the domain to a 422 problem.
pub fn field_errors(
    errors: Vec<suyuan_core::validation::FieldError>,
) -> suyuan_web::error::ApiError {
    suyuan_web::error::ApiError::Invalid(
        errors
            .into_iter()
            .map(|e| {
                suyuan_web::error::FieldProblem::new(e.field, e.code, e.message_zh, e.message_en)
            })
            .collect(),
    )
}
