//! The supervisors' pages (`Role::Supervisor`, within its jurisdiction; `Role::Admin`, everyone):
//! the overview, the ranking of sellers, a seller's page, the alerts and the recall flow, on the
//! results the last analytics run stored (`suyuan_store::analytics`). Each table is one query.

pub mod alerts;
pub mod overview;
pub mod recall;
pub mod sellers;

use crate::board::{Nav, page, t};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use maud::html;
use suyuan_core::tenancy::{Principal, Role};
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::session::PersonSession;
use suyuan_widgets::Lang;

/// The roles these pages serve.
pub const ROLES: &[Role] = &[Role::Supervisor, Role::Admin];

/// The signed-in supervisor or admin.
pub fn supervisor(session: PersonSession) -> Result<Principal, ApiError> {
    Ok(session.require(ROLES)?.principal)
}

/// A 404 page: what does not exist and what lies outside the jurisdiction look the same.
pub fn not_found(req: &HttpRequest, state: &AppState, lang: Lang) -> HttpResponse {
    page(
        req,
        state,
        StatusCode::NOT_FOUND,
        lang,
        t(lang, "未找到", "Not found"),
        Nav::Supervise(""),
        html! {
            section.card {
                p { (t(lang, "没有这个销售者，或它不在您的辖区内。", "No such seller, or not in your jurisdiction.")) }
            }
        },
    )
}
