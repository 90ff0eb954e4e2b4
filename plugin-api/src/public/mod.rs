//! Public, unauthenticated surfaces: trace badges, the embed script and iframe page, the
//! resolver with GS1 Digital Link paths, and the public trace page.

pub mod badges;
pub mod cache;
pub mod pages;
pub mod scans;

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
        .service(pages::digital_link_batch_serial);
}
