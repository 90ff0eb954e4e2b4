//! The storefront side of Suyuan (溯源), as JSON over HTTP: shop connections and their webhook
//! receivers and worker, listings, sales, receipts, transfers, trace-platform submissions, the
//! operator API, badges and the embed script, and the OpenAPI document of it all.
//!
//! [`configure`] mounts its routes; the `suyuan` command (`suyuan-server`) composes it with the
//! people's pages and runs the background tasks.

pub mod badges;
pub mod config;
pub mod import;
pub mod intake;
pub mod mail;
pub mod netpolicy;
pub mod openapi;
pub mod platforms;
pub mod recall_export;
pub mod routes;
pub mod submit;

pub use routes::configure;
