//! The kinds of trace platform an operator can register, with how each usually takes records.

use actix_web::{HttpResponse, get};
use serde::{Deserialize, Serialize};
use suyuan_store::submissions::PLATFORM_KINDS;
use suyuan_web::auth::AnyAuth;
use utoipa::ToSchema;

/// One kind of trace platform, with how an operator registers one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlatformKindOut {
    /// The kind's id (for `kind`).
    pub kind: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// How such a platform usually takes records, in English.
    pub how_en: String,
}

/// The kinds of trace platform an operator can register, with how each usually takes records.
#[utoipa::path(tag = "platforms", security(("bearer" = [])), responses((status = 200, body = Vec<PlatformKindOut>)))]
#[get("/platform-kinds")]
pub async fn list_platform_kinds(_auth: AnyAuth) -> HttpResponse {
    let how = |kind: &str| -> &'static str {
        match kind {
            "national" => {
                "The national key-industrial-product platform, following its general data requirements: register it with the base URL and the protocol the platform's interface specification gives (json_http with a field mapping, or epcis if it offers EPCIS capture), with requires_credentials when each seller has its own account; one rule with no category and no jurisdiction sends every record to it."
            }
            "provincial" => {
                "A province's platform: register it like the national one and give its rule the province's two-digit division code as jurisdiction, so only sellers registered there are routed to it."
            }
            "industry_ebike" => {
                "The e-bike industry platform (e.g. E码通): a rule with category `ebike` sends e-bike receipts and sales to it."
            }
            "industry_wire_cable" => {
                "The wire and cable platform: a rule with the wire-and-cable category."
            }
            "industry_gas_appliance" => {
                "The gas appliance platform: a rule with the gas-appliance category."
            }
            "epcis_repository" => {
                "Any EPCIS 2.0 repository (OpenEPCIS, FasTnT, ...): protocol epcis; Suyuan POSTs each event to {base_url}/capture and follows the capture job."
            }
            _ => {
                "Any other platform with an HTTP interface: protocol json_http with a field mapping."
            }
        }
    };
    let kinds: Vec<PlatformKindOut> = PLATFORM_KINDS
        .iter()
        .map(|(k, zh, en)| PlatformKindOut {
            kind: (*k).to_owned(),
            name: (*zh).to_owned(),
            name_en: (*en).to_owned(),
            how_en: how(k).to_owned(),
        })
        .collect();
    HttpResponse::Ok().json(kinds)
}
