//! The OpenAPI document, generated from the routes as they are mounted and the handlers'
//! annotations, so the document cannot list a route the service does not serve, or miss one.

use actix_web::{HttpResponse, get};
use std::sync::OnceLock;
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
    components(schemas(suyuan_web::error::Problem, suyuan_web::error::FieldProblem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The OpenAPI document: the paths of every documented route as [`crate::routes::mount`] mounts
/// it, with the API's title, error schemas and bearer authentication.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        use utoipa_actix_web::AppExt as _;
        actix_web::App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(crate::routes::mount)
            .split_for_parts()
            .1
    })
    .clone()
}

/// The OpenAPI document as JSON.
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(api_doc())
}
