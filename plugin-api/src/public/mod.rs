//! Public, unauthenticated surfaces: trace badges, the embed script and iframe page, the
//! resolver with GS1 Digital Link paths, and the public trace page.

pub mod app;
pub mod badges;
pub mod cache;
pub mod claim;
pub mod pages;
pub mod scans;
pub mod transfers;

use actix_web::web;

/// Mounts the public routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(badges::listing_badge)
        .service(badges::code_badge)
        .service(badges::embed_js)
        .service(badges::embed_listing)
        .service(pages::trace_css)
        .service(pages::listing_page)
        .service(pages::code_page)
        .service(pages::digital_link_gtin)
        .service(pages::digital_link_batch)
        .service(pages::digital_link_serial)
        .service(pages::digital_link_batch_serial)
        .service(app::app_css)
        .service(app::scan_js)
        .service(app::signin_form)
        .service(app::signin)
        .service(app::signout)
        .service(app::receive_page)
        .service(app::receive)
        .service(app::sell_page)
        .service(app::sell)
        .service(app::scan_page)
        .service(app::scan_check)
        .service(app::scan_finish)
        .service(transfers::transfers_page)
        .service(claim::claim_qr_svg)
        .service(claim::claim_qr_png)
        .service(claim::claim_page)
        .service(claim::claim_signup)
        .service(claim::claim_submit);
}
