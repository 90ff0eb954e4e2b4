//! The catalogue of key industrial products, as sellers and operators read it.

use actix_web::{HttpResponse, get, web};
use suyuan_web::AppState;

/// Lists the catalogue (public): every category with its granularity, certificate, required data
/// elements, deadline and matching rules.
#[utoipa::path(tag = "catalogue", responses((status = 200, description = "the categories", body = Vec<Object>)))]
#[get("/catalogue")]
pub async fn list_categories(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "version": state.catalogue.version(),
        "retention_years": state.catalogue.retention_years(),
        "categories": state.catalogue.categories(),
    }))
}
