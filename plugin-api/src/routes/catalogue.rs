//! The catalogue of key industrial products, as sellers and operators read it.

use actix_web::{HttpResponse, get, web};
use suyuan_web::AppState;

/// The catalogue as the API answers it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CatalogueOut<'a> {
    /// The catalogue's version (deadlines name it).
    pub version: &'a str,
    /// How long records are kept, in years.
    pub retention_years: u32,
    /// Every category with its granularity, certificate, required data elements, deadline and
    /// matching rules.
    #[schema(value_type = Vec<Object>)]
    pub categories: &'a [suyuan_core::catalogue::Category],
}

/// Lists the catalogue (public): every category with its granularity, certificate, required data
/// elements, deadline and matching rules.
#[utoipa::path(tag = "catalogue", responses((status = 200, description = "the catalogue", body = CatalogueOut)))]
#[get("/catalogue")]
pub async fn list_categories(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(CatalogueOut {
        version: state.catalogue.version(),
        retention_years: state.catalogue.retention_years(),
        categories: state.catalogue.categories(),
    })
}
