//! The seller's phone and scanner pages: `/app/signin`, `/app/receive?code=…` and
//! `/app/sell?code=…` (the "receive" and "sell" actions of the trace page, pre-filled from what
//! the ledger knows of the code), and `/app/scan` (a USB/Bluetooth scanner types each code and
//! Enter; each is checked at once, and "finish" records one receipt).
//!
//! Sessions and CSRF protection are the HTTP kit's ([`suyuan_web::session`],
//! [`suyuan_web::csrf`]): the `suyuan_token` cookie (or a bearer token) names the seller, every
//! form carries the `suyuan_csrf` cookie's token, and a cross-site `Origin` is refused. Pages are
//! Chinese first, English with `?lang=en` or `Accept-Language`.
//!
//! One file per concern: [`signin`], [`receive`], [`sell`], [`scan`] and [`assets`] hold the
//! handlers; `code` (one code's form and pre-fill), `forms` (fields and reading a form) and
//! `outcome` (what a post answers) are shared by them.

pub mod assets;
mod code;
pub(crate) mod forms;
mod outcome;
pub mod receive;
pub mod scan;
pub mod sell;
pub mod signin;

pub use forms::{
    FormData, attach_errors, certificate_results, inspection_fields, inspection_results,
};
pub use suyuan_web::page::{lang_of, lang_query, page_response, see_other};
pub use suyuan_web::session::signin_url;

use actix_web::HttpRequest;
use suyuan_core::ids::SellerId;
use suyuan_store::entity::seller;
use suyuan_web::error::ApiError;
use suyuan_web::session::{SignedOut, sign_in_first};

/// Sign in, then go to the scanner page: where the receive, sell and scan forms' posts send a
/// seller whose session ended.
pub struct ToScanPage;

impl SignedOut for ToScanPage {
    fn answer(_: &HttpRequest) -> actix_web::Error {
        sign_in_first("/app/scan")
    }
}

/// The signed-in seller's id, for the store's seller-scoped functions.
pub(crate) fn seller_id(me: &seller::Model) -> Result<SellerId, ApiError> {
    SellerId::parse(&me.id).map_err(|e| ApiError::Unexpected(anyhow::anyhow!("seller id: {e}")))
}
