//! Suyuan's pages for people (Chinese first, English with `?lang=en`): the public trace page and
//! resolver (`/t/{code}`, GS1 Digital Link paths, `/l/{listing}`), the seller's phone pages
//! (`/app/*`: sign-in, receive, sell, the scanner page, transfers) and the claim pages a buyer
//! opens from a transfer's link or QR code, and the one-click unsubscribe link of mails
//! (`/mail/unsubscribe`), and the dashboards: supervisors' (`/supervise/*`), sellers' (`/seller`)
//! and operators' (`/operator`), on the stored analytics results, charts as server-drawn SVG.
//!
//! Pages parse their forms with the same parsers as the API (`suyuan_core::receipt`,
//! `suyuan_core::sale`, `suyuan_core::transfer`), call the store, and render with
//! `suyuan-widgets` (maud). Seller sessions and CSRF checks are extractors of the HTTP kit
//! (`suyuan_web::session`, `suyuan_web::csrf`).

pub mod app;
pub mod board;
pub mod claim;
pub mod home;
pub mod operator;
pub mod seller_board;
pub mod signin;
pub mod supervise;
pub mod trace;
pub mod transfers;
pub mod unsubscribe;

use actix_web::web;

/// Mounts the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home::home)
        .service(trace::trace_css)
        .service(trace::listing_page)
        .service(trace::code_page)
        .service(trace::digital_link_gtin)
        .service(trace::digital_link_batch)
        .service(trace::digital_link_serial)
        .service(trace::digital_link_batch_serial)
        .service(app::assets::app_css)
        .service(app::assets::scan_js)
        .service(app::signin::signin_form)
        .service(app::signin::signin)
        .service(app::signin::signout)
        .service(signin::signin_form)
        .service(signin::signin)
        .service(signin::signout)
        .service(signin::magic_link)
        .service(signin::link_page)
        .service(signin::link_signin)
        .service(signin::set_password_form)
        .service(signin::set_password)
        .service(signin::tokens_form)
        .service(signin::mint_token)
        .service(app::receive::receive_page)
        .service(app::receive::receive)
        .service(app::sell::sell_page)
        .service(app::sell::sell)
        .service(app::scan::scan_page)
        .service(app::scan::scan_check)
        .service(app::scan::scan_finish)
        .service(transfers::transfers_page)
        .service(claim::claim_qr_svg)
        .service(claim::claim_qr_png)
        .service(claim::claim_page)
        .service(claim::claim_signup)
        .service(claim::claim_submit)
        .service(unsubscribe::unsubscribe_page)
        .service(unsubscribe::unsubscribe)
        .service(board::dash_css)
        .service(supervise::overview::overview)
        .service(supervise::sellers::ranking)
        .service(supervise::sellers::seller_page)
        .service(supervise::alerts::alerts_page)
        .service(supervise::alerts::acknowledge)
        .service(supervise::alerts::resolve)
        .service(supervise::alerts::comment)
        .service(supervise::recall::recall_page)
        .service(supervise::recall::recall_export)
        .service(seller_board::seller_home)
        .service(operator::operator_home);
}
